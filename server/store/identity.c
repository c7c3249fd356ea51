/* identity.c -- resident ID numbers (GB 11643-1999 §5: weights 2^(17-i) mod
 * 11, check = (12 - sum mod 11) mod 11, 10 written X; ISO 7064 MOD 11-2) and
 * the masked forms of contact data and ID numbers shown in listings. Pure
 * string functions: no SQL, no clock. */
#include "identity.h"

#include <string.h>

char yf_identity_id_number_check_char(const char digits17[17])
{
    static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (digits17[i] - '0') * weight[i];
    int check = (12 - sum % 11) % 11;
    return check == 10 ? 'X' : (char)('0' + check);
}

const char *yf_identity_id_number_problem(const char *s)
{
    if (s == NULL || strlen(s) != YF_ID_NUMBER_LEN)
        return "must be 18 characters (17 digits and a check digit or X)";
    for (int i = 0; i < 17; i++)
        if (!g_ascii_isdigit(s[i]))
            return "must be 17 digits followed by a digit or X";
    char last = g_ascii_toupper(s[17]);
    if (!g_ascii_isdigit(last) && last != 'X')
        return "must end in a digit or X";
    if (last != yf_identity_id_number_check_char(s))
        return "has a wrong check digit (a digit mistyped?)";
    return NULL;
}

char *yf_identity_id_number_normalize(const char *s)
{
    char *out = g_strdup(s);
    size_t n = strlen(out);
    if (n > 0 && out[n - 1] == 'x')
        out[n - 1] = 'X';
    return out;
}

char *yf_identity_mask(const char *s, int head, int tail)
{
    glong n = s ? g_utf8_strlen(s, -1) : 0;
    GString *out = g_string_new(NULL);
    if (n <= head + tail) {
        for (glong i = 0; i < n; i++)
            g_string_append_c(out, '*');
        return g_string_free(out, FALSE);
    }
    const char *tail_at = g_utf8_offset_to_pointer(s, n - tail);
    g_string_append_len(out, s, g_utf8_offset_to_pointer(s, head) - s);
    for (glong i = head; i < n - tail; i++)
        g_string_append_c(out, '*');
    g_string_append(out, tail_at);
    return g_string_free(out, FALSE);
}

char *yf_identity_mask_contact(const char *s)
{
    return yf_identity_mask(s, 3, 4);
}

char *yf_identity_mask_id_number(const char *s)
{
    return yf_identity_mask(s, 6, 4);
}
