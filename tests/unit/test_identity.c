/* test_identity.c -- resident ID numbers and masking as tables: valid numbers
 * (X and x as the check character), every kind of malformed one, the check
 * digit against single-digit typos and swapped neighbours, and the masked
 * forms of phones, short and Chinese contacts and ID numbers. */
#include <glib.h>

#include "server/store/identity.h"
#include "yf_test.h"

static void test_valid(void)
{
    static const char *const good[] = {
        "11010519491231002X", "11010519491231002x", "440524188001010014", "110101200001011232",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(good); i++) {
        const char *p = yf_identity_id_number_problem(good[i]);
        if (p)
            fprintf(stderr, "%s: %s\n", good[i], p);
        CHECK(p == NULL);
    }
    char *n = yf_identity_id_number_normalize("11010519491231002x");
    CHECK(strcmp(n, "11010519491231002X") == 0);
    g_free(n);
}

static void test_invalid(void)
{
    static const struct { const char *in, *says; } bad[] = {
        {"", "18 characters"},
        {"11010519491231002", "18 characters"},            /* 17 */
        {"11010519491231002X1", "18 characters"},          /* 19 */
        {"1101051949123100２X", "18 characters"},          /* a full-width digit is 3 bytes */
        {"A1010519491231002X", "17 digits"},
        {"1101051949123100-X", "17 digits"},
        {"110105194912310021", "check digit"},
        {"11010519491231002Y", "digit or X"},
        {"440524188001010015", "check digit"},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        const char *p = yf_identity_id_number_problem(bad[i].in);
        if (!p || !strstr(p, bad[i].says))
            fprintf(stderr, "\"%s\": %s (wanted \"%s\")\n", bad[i].in, p ? p : "accepted", bad[i].says);
        CHECK(p && strstr(p, bad[i].says));
    }
    CHECK(yf_identity_id_number_problem(NULL) != NULL);
}

/* MOD 11-2 catches every single-digit change and every swap of two different
 * neighbouring digits of a valid number. */
static void test_typos_caught(void)
{
    const char *good = "440524188001010014";
    char s[19];
    int missed = 0;
    for (int i = 0; i < 17; i++)
        for (char d = '0'; d <= '9'; d++) {
            memcpy(s, good, 19);
            if (s[i] == d)
                continue;
            s[i] = d;
            missed += yf_identity_id_number_problem(s) == NULL;
        }
    for (int i = 0; i < 16; i++) {
        memcpy(s, good, 19);
        if (s[i] == s[i + 1])
            continue;
        char t = s[i];
        s[i] = s[i + 1];
        s[i + 1] = t;
        missed += yf_identity_id_number_problem(s) == NULL;
    }
    CHECK_EQ_INT(missed, 0);
}

static void test_masks(void)
{
    static const struct { const char *in; int kind; const char *out; } t[] = {
        {"13812345678", 0, "138****5678"},
        {"+8613812345678", 0, "+86*******5678"},
        {"010-1234", 0, "010*1234"},
        {"1234567", 0, "*******"},
        {"138…", 0, "****"},
        {"", 0, ""},
        {"北京市朝阳区建国路1号院", 0, "北京市*****路1号院"},
        {"11010519491231002X", 1, "110105********002X"},
        {"", 1, ""},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(t); i++) {
        char *m = t[i].kind ? yf_identity_mask_id_number(t[i].in) : yf_identity_mask_contact(t[i].in);
        if (strcmp(m, t[i].out) != 0)
            fprintf(stderr, "mask(\"%s\") = \"%s\", wanted \"%s\"\n", t[i].in, m, t[i].out);
        CHECK(strcmp(m, t[i].out) == 0);
        g_free(m);
    }
    char *m = yf_identity_mask(NULL, 3, 4);
    CHECK(strcmp(m, "") == 0);
    g_free(m);
}

int main(void)
{
    test_valid();
    test_invalid();
    test_typos_caught();
    test_masks();
    return yf_test_done("test_identity");
}
