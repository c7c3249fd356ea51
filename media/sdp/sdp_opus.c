/* sdp_opus.c -- the Opus format parameters we write (RFC 7587 section 6.1):
 * in-band FEC (useinbandfec) and discontinuous transmission (usedtx) turned
 * on or off, every other parameter of the publisher's or browser's list
 * (minptime, stereo, ...) kept in its order. In an answer the parameters
 * say what we want to receive, so the browser's encoder follows them. Pure
 * string work; never writes past dst. */
#define G_LOG_DOMAIN "yf-sdp"

#include <string.h>
#include "sdp_priv.h"

/* TRUE if the "key=value" entry (white space around it allowed) has a key
 * we set ourselves. */
static gboolean ours(const char *entry, size_t n)
{
    static const char *const keys[] = { "useinbandfec", "usedtx" };
    while (n && (*entry == ' ' || *entry == '\t'))
        entry++, n--;
    size_t k = 0;
    while (k < n && entry[k] != '=' && entry[k] != ' ' && entry[k] != '\t')
        k++;
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        if (k == strlen(keys[i]) && g_ascii_strncasecmp(entry, keys[i], k) == 0)
            return TRUE;
    return FALSE;
}

/* Appends the n bytes at s, trimmed, as one entry of the list in out. */
static void append_entry(GString *out, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (!n)
        return;
    if (out->len)
        g_string_append_c(out, ';');
    g_string_append_len(out, s, (gssize)n);
}

gboolean yf_sdp_opus_fmtp(const char *in, yf_sdp_opus_mode mode, char *dst, size_t cap)
{
    GString *out = g_string_new(NULL);
    gboolean ok;

    in = in ? in : "";
    for (const char *p = in; mode == YF_SDP_OPUS_AS_OFFERED ? FALSE : *p;) {
        size_t n = strcspn(p, ";");
        if (!ours(p, n))
            append_entry(out, p, n);
        p += n + (p[n] == ';');
    }
    if (mode == YF_SDP_OPUS_AS_OFFERED)
        g_string_assign(out, in);
    else if (mode == YF_SDP_OPUS_RESILIENT)
        g_string_append(out, out->len ? ";useinbandfec=1;usedtx=1" : "useinbandfec=1;usedtx=1");
    ok = out->len < cap && yf_sdp_is_printable(out->str, cap);
    if (ok)
        memcpy(dst, out->str, out->len + 1);
    else if (cap)
        dst[0] = '\0';
    g_string_free(out, TRUE);
    return ok;
}
