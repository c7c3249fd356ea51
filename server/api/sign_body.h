/* sign_body.h -- the body of a participant's own decision on the notes
 * (POST /invitation/notes/confirm, POST /hearings/{id}/notes/sign): the
 * JSON fields and the handwritten signature, a PNG in base64, checked here
 * chunk by chunk (RFC 2083 / PNG spec §5) before anything keeps it. Pure: no
 * IO, no store; any thread. Fuzzed by tests/fuzz/fuzz_sign_body.c. */
#ifndef YF_SIGN_BODY_H
#define YF_SIGN_BODY_H

#include <glib.h>
#include <jansson.h>

#define YF_SIGN_ERROR (yf_sign_error_quark())
GQuark yf_sign_error_quark(void);

#define YF_SIGN_MAX_BYTES (256u << 10)   /* of the decoded PNG (the store's YF_SIGN_PNG_MAX) */
#define YF_SIGN_MIN_W 200                /* pixels: a pad smaller than this holds no signature */
#define YF_SIGN_MIN_H 80
#define YF_SIGN_MAX_SIDE 4096
#define YF_SIGN_MAX_REASON 2000          /* characters */

/* What the body says. Invariants after a successful parse: confirm implies png
 * (a checked PNG of width x height) and no reason; !confirm implies a reason
 * of 1..YF_SIGN_MAX_REASON characters and no png. */
typedef struct {
    gboolean confirm;
    char *reason;        /* NULL when confirming */
    GBytes *png;         /* NULL when refusing */
    guint width, height;
} yf_sign_body;
void yf_sign_body_clear(yf_sign_body *b);

/* Checks that data is one whole PNG image within the limits: the 8-byte
 * signature, IHDR first (a valid bit depth, colour type, no odd compression,
 * filter or interlace method), every chunk's length within the data and its
 * CRC right, only the chunks a canvas writes (IHDR PLTE IDAT IEND and the
 * colour ancillaries sRGB gAMA cHRM iCCP pHYs), IDAT present and contiguous,
 * IEND last with nothing after it. *w and *h (may be NULL) get the size.
 * FALSE with *err (YF_SIGN_ERROR, 0) saying what is wrong. */
gboolean yf_sign_png_check(const guint8 *data, gsize len, guint *w, guint *h, GError **err);

/* Parses the body object o: {"confirm": true, "signature": "<base64 PNG, or
 * a data:image/png;base64, URL>"} or {"confirm": false, "reason": "…"}; any
 * other field is an error. FALSE with *err (a sentence naming the field);
 * out is cleared on failure. */
gboolean yf_sign_body_parse(json_t *o, yf_sign_body *out, GError **err);

#endif
