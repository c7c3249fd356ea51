/* fuzz_cookie.c -- libFuzzer target for server/api/cookie.c: the input is a
 * Cookie header. A value found must be non-empty, within YF_COOKIE_MAX_VALUE
 * and made only of cookie-octets; its CSRF token must check against it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "server/api/cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *v = yf_cookie_find((const char *)data, size, YF_SESSION_COOKIE);
    if (v == NULL)
        return 0;
    size_t n = strlen(v);
    if (n == 0 || n > YF_COOKIE_MAX_VALUE)
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f || strchr("\",;\\", v[i]))
            abort();
    char *csrf = yf_csrf_for(v);
    if (!yf_csrf_ok(v, csrf))
        abort();
    g_free(csrf);
    g_free(v);
    return 0;
}
