/* fuzz_sign_body.c -- libFuzzer target for server/api/sign_body.c: the input
 * is the body of a participant's decision on the notes, as JSON text. An
 * accepted body must keep the parser's invariants (a confirmation carries a
 * PNG that checks again and no reason; an objection a reason and no PNG), and
 * the input is also checked as a PNG image itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "server/api/sign_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guint w = 0, h = 0;
    if (yf_sign_png_check(data, size, &w, &h, NULL) &&
        (w < YF_SIGN_MIN_W || h < YF_SIGN_MIN_H || w > YF_SIGN_MAX_SIDE || h > YF_SIGN_MAX_SIDE))
        abort();
    json_t *o = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    yf_sign_body b;
    GError *err = NULL;
    if (o && yf_sign_body_parse(o, &b, &err)) {
        gsize len = 0;
        const guint8 *png = b.png ? g_bytes_get_data(b.png, &len) : NULL;
        if (b.confirm ? (!png || b.reason || !yf_sign_png_check(png, len, NULL, NULL, NULL))
                      : (png || !b.reason || !*b.reason))
            abort();
        yf_sign_body_clear(&b);
    } else if (o && err == NULL) {
        abort();   /* a refusal always says why */
    }
    g_clear_error(&err);
    json_decref(o);
    return 0;
}
