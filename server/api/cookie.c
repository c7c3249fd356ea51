/* cookie.c -- the console's session cookie and its CSRF token (cookie.h).
 * The Cookie header comes straight from the client: it is read with a hard
 * size limit and never copied past it, and there is a libFuzzer target
 * (tests/fuzz/fuzz_cookie.c). lws_http_cookie_get() exists but works on the
 * wsi only; a pure function can be fuzzed and tested without a server. */
#include "cookie.h"

#include <string.h>

/* RFC 6265 §4.1.1 cookie-octet: visible ASCII but for " , ; and backslash. */
static gboolean cookie_octet(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != ';' && c != '\\';
}

char *yf_cookie_find(const char *header, size_t len, const char *name)
{
    size_t nlen = name ? strlen(name) : 0;
    if (!header || !nlen || len > YF_COOKIE_MAX_HEADER)
        return NULL;
    size_t i = 0;
    while (i < len) {
        while (i < len && (header[i] == ' ' || header[i] == '\t' || header[i] == ';'))
            i++;
        size_t start = i;
        while (i < len && header[i] != ';')
            i++;
        /* header[start..i) is one "name=value" pair */
        size_t plen = i - start;
        if (plen > nlen && memcmp(header + start, name, nlen) == 0 && header[start + nlen] == '=') {
            const char *v = header + start + nlen + 1;
            size_t vlen = plen - nlen - 1;
            while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
                v++;
                vlen -= 2;
            }
            if (vlen == 0 || vlen > YF_COOKIE_MAX_VALUE)
                return NULL;
            for (size_t k = 0; k < vlen; k++)
                if (!cookie_octet((unsigned char)v[k]))
                    return NULL;
            return g_strndup(v, vlen);
        }
    }
    return NULL;
}

char *yf_csrf_for(const char *session_token)
{
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
    static const char label[] = "yuanfang console csrf v1";
    g_checksum_update(c, (const guchar *)label, sizeof label);   /* with its NUL */
    g_checksum_update(c, (const guchar *)session_token, (gssize)strlen(session_token));
    char *hex = g_strdup(g_checksum_get_string(c));
    g_checksum_free(c);
    return hex;
}

gboolean yf_csrf_ok(const char *session_token, const char *presented)
{
    if (!session_token || !presented)
        return FALSE;
    char *want = yf_csrf_for(session_token);
    size_t n = strlen(want);
    gboolean ok = strlen(presented) == n;
    unsigned char diff = 0;
    for (size_t i = 0; ok && i < n; i++)
        diff |= (unsigned char)(want[i] ^ presented[i]);
    g_free(want);
    return ok && diff == 0;
}

gboolean yf_origin_matches(const char *origin, const char *host)
{
    if (!origin)
        return TRUE;
    if (!host || !g_str_has_prefix(origin, "https://"))
        return FALSE;
    return g_ascii_strcasecmp(origin + 8, host) == 0;
}
