/* sign_body.c -- a participant's decision on the notes as the client sends it:
 * the fields, and the signature PNG checked structurally (PNG spec §5.2–5.6:
 * signature, chunk layout, CRC-32 of ISO 3309, IHDR first, IEND last). The
 * image is never decoded here; what it shows is the signer's ink. */
#include "sign_body.h"

#include <string.h>

G_DEFINE_QUARK(yf-sign-error-quark, yf_sign_error)

#define PNG_PREFIX "data:image/png;base64,"

static gboolean fail(GError **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean fail(GError **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(err, YF_SIGN_ERROR, 0, msg);
    g_free(msg);
    return FALSE;
}

void yf_sign_body_clear(yf_sign_body *b)
{
    g_free(b->reason);
    if (b->png)
        g_bytes_unref(b->png);
    memset(b, 0, sizeof *b);
}

/* CRC-32 (ISO 3309, reflected 0xEDB88320) as PNG spec §5.5 computes it. */
static guint32 crc32_of(const guint8 *p, gsize n)
{
    guint32 c = 0xFFFFFFFFu;
    for (gsize i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static guint32 be32(const guint8 *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* Colour type and bit depth as PNG spec §11.2.2 allows them. */
static gboolean depth_ok(guint8 type, guint8 depth)
{
    switch (type) {
    case 0: return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3: return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2: case 4: case 6: return depth == 8 || depth == 16;
    default: return FALSE;
    }
}

static gboolean ihdr_ok(const guint8 *d, guint32 len, guint *w, guint *h, GError **err)
{
    if (len != 13)
        return fail(err, "the image header has the wrong length");
    guint32 width = be32(d), height = be32(d + 4);
    if (width < YF_SIGN_MIN_W || height < YF_SIGN_MIN_H || width > YF_SIGN_MAX_SIDE || height > YF_SIGN_MAX_SIDE)
        return fail(err, "the signature image is %ux%u pixels; it must be between %ux%u and %ux%u",
                    (unsigned)width, (unsigned)height, YF_SIGN_MIN_W, YF_SIGN_MIN_H, YF_SIGN_MAX_SIDE,
                    YF_SIGN_MAX_SIDE);
    if (!depth_ok(d[9], d[8]) || d[10] != 0 || d[11] != 0 || d[12] > 1)
        return fail(err, "the image header names an unknown format");
    *w = width;
    *h = height;
    return TRUE;
}

static gboolean allowed_chunk(const char *t)
{
    static const char *const ok[] = {"PLTE", "IDAT", "sRGB", "gAMA", "cHRM", "iCCP", "pHYs", NULL};
    for (int i = 0; ok[i]; i++)
        if (memcmp(t, ok[i], 4) == 0)
            return TRUE;
    return FALSE;
}

/* Walks the chunks after the 8-byte signature (IHDR first, IEND last). */
static gboolean chunks_ok(const guint8 *data, gsize len, guint *w, guint *h, GError **err)
{
    gsize pos = 8;
    int idat = 0;   /* 0 none yet, 1 in the IDAT run, 2 after it */
    for (int n = 0;; n++) {
        if (len - pos < 12)
            return fail(err, "the image is cut short");
        guint32 clen = be32(data + pos);
        const char *type = (const char *)data + pos + 4;
        if (clen > len - pos - 12)
            return fail(err, "a chunk of the image runs past its end");
        if (be32(data + pos + 8 + clen) != crc32_of(data + pos + 4, clen + 4))
            return fail(err, "a chunk of the image is damaged (its CRC is wrong)");
        const guint8 *body = data + pos + 8;
        pos += 12 + (gsize)clen;
        if (n == 0) {
            if (memcmp(type, "IHDR", 4) != 0)
                return fail(err, "the image does not start with its header");
            if (!ihdr_ok(body, clen, w, h, err))
                return FALSE;
            continue;
        }
        if (memcmp(type, "IEND", 4) == 0) {
            if (clen != 0 || pos != len)
                return fail(err, "the image has data after its end");
            if (idat == 0)
                return fail(err, "the image has no pixel data");
            return TRUE;
        }
        if (!allowed_chunk(type))
            return fail(err, "the image carries a chunk a signature does not need");
        if (memcmp(type, "IDAT", 4) == 0) {
            if (idat == 2)
                return fail(err, "the image's pixel data is split");
            idat = 1;
        } else if (idat == 1) {
            idat = 2;
        }
    }
}

gboolean yf_sign_png_check(const guint8 *data, gsize len, guint *w, guint *h, GError **err)
{
    static const guint8 sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    guint ww = 0, hh = 0;
    if (data == NULL || len < 8 + 25 + 12 + 12 || memcmp(data, sig, 8) != 0)
        return fail(err, "the signature is not a PNG image");
    if (len > YF_SIGN_MAX_BYTES)
        return fail(err, "the signature image is over %u KiB", YF_SIGN_MAX_BYTES >> 10);
    if (!chunks_ok(data, len, &ww, &hh, err))
        return FALSE;
    if (w)
        *w = ww;
    if (h)
        *h = hh;
    return TRUE;
}

/* Base64 (RFC 4648 §4, padding required) of at most the limit's size; GLib's
 * decoder skips characters outside the alphabet, so they are refused first. */
static GBytes *decode_b64(const char *s, GError **err)
{
    gsize n = strlen(s);
    if (g_str_has_prefix(s, PNG_PREFIX)) {
        s += strlen(PNG_PREFIX);
        n -= strlen(PNG_PREFIX);
    }
    if (n == 0 || n % 4 != 0 || n / 4 * 3 > YF_SIGN_MAX_BYTES + 2) {
        fail(err, "field \"signature\" must be a PNG image in base64 of at most %u KiB", YF_SIGN_MAX_BYTES >> 10);
        return NULL;
    }
    for (gsize i = 0; i < n; i++) {
        char c = s[i];
        gboolean pad = c == '=' && i >= n - 2 && (i == n - 1 || s[n - 1] == '=');
        if (!g_ascii_isalnum(c) && c != '+' && c != '/' && !pad) {
            fail(err, "field \"signature\" is not base64");
            return NULL;
        }
    }
    gsize len = 0;
    guchar *raw = g_base64_decode(s, &len);
    return g_bytes_new_take(raw, len);
}

static gboolean read_confirm(json_t *o, yf_sign_body *out, GError **err)
{
    json_t *v = json_object_get(o, "confirm");
    if (!json_is_boolean(v))
        return fail(err, "field \"confirm\" must be true or false");
    out->confirm = json_is_true(v);
    return TRUE;
}

static gboolean read_reason(json_t *o, yf_sign_body *out, GError **err)
{
    json_t *v = json_object_get(o, "reason");
    if (out->confirm)
        return v == NULL || fail(err, "field \"reason\" is for an objection only");
    const char *s = json_string_value(v);
    if (s == NULL)
        return fail(err, "field \"reason\" is required with an objection and must be a string");
    char *t = g_strstrip(g_strdup(s));
    glong chars = g_utf8_validate(t, -1, NULL) ? g_utf8_strlen(t, -1) : -1;
    if (chars < 1 || chars > YF_SIGN_MAX_REASON) {
        g_free(t);
        return fail(err, "field \"reason\" must say why, in 1 to %d characters", YF_SIGN_MAX_REASON);
    }
    out->reason = t;
    return TRUE;
}

static gboolean read_signature(json_t *o, yf_sign_body *out, GError **err)
{
    json_t *v = json_object_get(o, "signature");
    if (!out->confirm)
        return v == NULL || fail(err, "field \"signature\" is for a confirmation only");
    if (!json_is_string(v))
        return fail(err, "field \"signature\" is required with a confirmation and must be a string");
    out->png = decode_b64(json_string_value(v), err);
    if (out->png == NULL)
        return FALSE;
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(out->png, &len);
    return yf_sign_png_check(data, len, &out->width, &out->height, err);
}

gboolean yf_sign_body_parse(json_t *o, yf_sign_body *out, GError **err)
{
    static const char *const fields[] = {"confirm", "reason", "signature", NULL};
    const char *key;
    json_t *v;
    memset(out, 0, sizeof *out);
    if (!json_is_object(o))
        return fail(err, "the body must be a JSON object");
    json_object_foreach(o, key, v) {
        if (!g_strv_contains(fields, key))
            return fail(err, "unknown field \"%s\"", key);
    }
    if (read_confirm(o, out, err) && read_reason(o, out, err) && read_signature(o, out, err))
        return TRUE;
    yf_sign_body_clear(out);
    return FALSE;
}
