/* range.c -- a single byte-range parser (RFC 9110 §14.1.2 ranges-specifier,
 * §14.4 Content-Range). Digits are bounded so no value overflows int64_t; any
 * syntax it does not accept yields YF_RANGE_NONE (the full file), never a crash. */
#include "range.h"

#include <string.h>

#define MAX_DIGITS 18   /* < 10^18 fits in int64_t */

/* Reads 1..MAX_DIGITS decimal digits at s[*i]; FALSE when none or too many. */
static int read_num(const char *s, size_t len, size_t *i, int64_t *out)
{
    size_t start = *i;
    int64_t v = 0;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        if (*i - start >= MAX_DIGITS)
            return 0;
        v = v * 10 + (s[*i] - '0');
        (*i)++;
    }
    *out = v;
    return *i > start;
}

static void skip_ows(const char *s, size_t len, size_t *i)
{
    while (*i < len && (s[*i] == ' ' || s[*i] == '\t'))
        (*i)++;
}

yf_range_result yf_range_parse(const char *header, size_t len, int64_t size, int64_t *first,
                               int64_t *last)
{
    size_t i = 0;
    int64_t a = -1, b = -1;
    if (header == NULL || size < 0)
        return YF_RANGE_NONE;
    skip_ows(header, len, &i);
    if (len - i < 6 || strncmp(header + i, "bytes=", 6) != 0)
        return YF_RANGE_NONE;
    i += 6;
    skip_ows(header, len, &i);
    if (i < len && header[i] != '-' && !read_num(header, len, &i, &a))
        return YF_RANGE_NONE;
    if (i >= len || header[i] != '-')
        return YF_RANGE_NONE;
    i++;
    if (i < len && header[i] >= '0' && header[i] <= '9' && !read_num(header, len, &i, &b))
        return YF_RANGE_NONE;
    skip_ows(header, len, &i);
    if (i != len || (a < 0 && b < 0) || (a >= 0 && b >= 0 && b < a))
        return YF_RANGE_NONE;       /* trailing junk, "-", a list, or last < first */
    if (a < 0) {                    /* suffix: the last b bytes */
        if (b == 0 || size == 0)
            return YF_RANGE_UNSATISFIABLE;
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return YF_RANGE_OK;
    }
    if (a >= size)
        return YF_RANGE_UNSATISFIABLE;
    *first = a;
    *last = (b < 0 || b >= size) ? size - 1 : b;
    return YF_RANGE_OK;
}
