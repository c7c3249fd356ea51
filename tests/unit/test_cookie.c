/* test_cookie.c -- table tests for server/api/cookie.c: finding the session
 * cookie among others (spaces, quotes, a name that only starts the same),
 * refusing values that are too long or hold characters a cookie may not, the
 * CSRF token (stable, tied to its session, compared whole) and the
 * same-origin test. */
#include <string.h>

#include "server/api/cookie.h"
#include "yf_test.h"

typedef struct {
    const char *header;
    const char *want;   /* NULL = not found */
} find_case;

static const find_case finds[] = {
    {"yf_session=abc", "abc"},
    {"a=1; yf_session=abc; b=2", "abc"},
    {"a=1;yf_session=abc", "abc"},
    {"  yf_session=abc  ", "abc"},
    {"yf_session=\"abc\"", "abc"},
    {"yf_sessionx=abc; yf_session=def", "def"},
    {"xyf_session=abc", NULL},
    {"yf_session=abc; yf_session=def", "abc"},          /* the first, as browsers send the most specific first */
    {"yf_session=", NULL},
    {"yf_session=\"\"", NULL},
    {"yf_session", NULL},
    {"yf_session=a\"b", NULL},
    {"yf_session=a\\b", NULL},
    {"yf_session=a,b", NULL},
    {"yf_session=a b", NULL},
    {"yf_session=\xe4\xb8\xad", NULL},
    {"", NULL},
    {";;;", NULL},
    {NULL, NULL},
};

int main(void)
{
    for (size_t i = 0; i < sizeof finds / sizeof finds[0]; i++) {
        const find_case *c = &finds[i];
        char *got = yf_cookie_find(c->header, c->header ? strlen(c->header) : 0, YF_SESSION_COOKIE);
        CHECK((got == NULL) == (c->want == NULL));
        if (got && c->want)
            CHECK(strcmp(got, c->want) == 0);
        g_free(got);
    }
    /* Not NUL-terminated: the value ends at len. */
    const char cut[] = "yf_session=abcdef";
    char *v = yf_cookie_find(cut, 14, YF_SESSION_COOKIE);
    CHECK(v && strcmp(v, "abc") == 0);
    g_free(v);
    /* Limits: a value over YF_COOKIE_MAX_VALUE, a header over YF_COOKIE_MAX_HEADER. */
    GString *g = g_string_new("yf_session=");
    for (int i = 0; i < YF_COOKIE_MAX_VALUE; i++)
        g_string_append_c(g, 'a');
    v = yf_cookie_find(g->str, g->len, YF_SESSION_COOKIE);
    CHECK(v && strlen(v) == YF_COOKIE_MAX_VALUE);
    g_free(v);
    g_string_append_c(g, 'a');
    CHECK(yf_cookie_find(g->str, g->len, YF_SESSION_COOKIE) == NULL);
    g_string_assign(g, "yf_session=abc; ");
    while (g->len <= YF_COOKIE_MAX_HEADER)
        g_string_append(g, "pad=1; ");
    CHECK(yf_cookie_find(g->str, g->len, YF_SESSION_COOKIE) == NULL);
    g_string_free(g, TRUE);

    /* CSRF: 64 hex, the same for one session, different for another, and
     * only the whole token passes. */
    char *a = yf_csrf_for("session-one"), *a2 = yf_csrf_for("session-one"), *b = yf_csrf_for("session-two");
    CHECK_EQ_INT(strlen(a), 64);
    CHECK(strcmp(a, a2) == 0);
    CHECK(strcmp(a, b) != 0);
    CHECK(yf_csrf_ok("session-one", a));
    CHECK(!yf_csrf_ok("session-two", a));
    CHECK(!yf_csrf_ok("session-one", NULL));
    CHECK(!yf_csrf_ok("session-one", ""));
    a[63] = a[63] == '0' ? '1' : '0';
    CHECK(!yf_csrf_ok("session-one", a));
    a[32] = '\0';
    CHECK(!yf_csrf_ok("session-one", a));
    g_free(a);
    g_free(a2);
    g_free(b);

    CHECK(yf_origin_matches(NULL, "example.org"));                 /* no Origin: not a browser page */
    CHECK(yf_origin_matches("https://example.org:8443", "example.org:8443"));
    CHECK(yf_origin_matches("https://EXAMPLE.org", "example.org"));
    CHECK(!yf_origin_matches("http://example.org", "example.org"));
    CHECK(!yf_origin_matches("https://example.org.evil", "example.org"));
    CHECK(!yf_origin_matches("https://example.org", "example.org:8443"));
    CHECK(!yf_origin_matches("null", "example.org"));
    CHECK(!yf_origin_matches("https://example.org", NULL));
    return yf_test_done("cookie");
}
