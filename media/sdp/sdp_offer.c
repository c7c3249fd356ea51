/* sdp_offer.c -- reads a browser's offer (RFC 8829 section 5.8 as Chromium,
 * Firefox and Safari write it) into yf_sdp_offer: text checks, BUNDLE group
 * (RFC 8843 section 7), ICE credentials (RFC 8839 section 5.4), DTLS
 * fingerprint and setup (RFC 8842 section 5, RFC 5763 section 5), the o=
 * session id (RFC 8829 section 5.2.2). Parsing is
 * GstSDPMessage's; this file only decides. Per-section work is sdp_media.c. */
#define G_LOG_DOMAIN "yf-sdp"

#include <string.h>
#include "sdp_priv.h"

G_DEFINE_QUARK(yf-sdp-error-quark, yf_sdp_error)

/* ---- small shared helpers ---------------------------------------------- */

static const char *attr_in_media(const GstSDPMedia *media, const char *key, gboolean *found)
{
    guint n = gst_sdp_media_attributes_len(media);
    for (guint i = 0; i < n; i++) {
        const GstSDPAttribute *a = gst_sdp_media_get_attribute(media, i);
        if (a->key && strcmp(a->key, key) == 0) {
            *found = TRUE;
            return a->value ? a->value : "";
        }
    }
    return NULL;
}

static const char *attr_in_session(const GstSDPMessage *msg, const char *key, gboolean *found)
{
    guint n = gst_sdp_message_attributes_len(msg);
    for (guint i = 0; i < n; i++) {
        const GstSDPAttribute *a = gst_sdp_message_get_attribute(msg, i);
        if (a->key && strcmp(a->key, key) == 0) {
            *found = TRUE;
            return a->value ? a->value : "";
        }
    }
    return NULL;
}

const char *yf_sdp_attr_val(const GstSDPMessage *msg, const GstSDPMedia *media, const char *key)
{
    gboolean found = FALSE;
    const char *v = media ? attr_in_media(media, key, &found) : NULL;
    if (found || !msg)
        return v;
    return attr_in_session(msg, key, &found);
}

gboolean yf_sdp_fail(GError **err, yf_sdp_error code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_propagate_error(err, g_error_new_valist(YF_SDP_ERROR, code, fmt, ap));
    va_end(ap);
    return FALSE;
}

gboolean yf_sdp_has_attr(const GstSDPMessage *msg, const GstSDPMedia *media, const char *key)
{
    return yf_sdp_attr_val(msg, media, key) != NULL;
}

gboolean yf_sdp_is_token(const char *s, size_t cap)
{
    /* RFC 4566 section 9: token-char is %x21 / %x23-27 / %x2A-2B / %x2D-2E /
     * %x30-39 / %x41-5A / %x5E-7E. */
    size_t n = 0;
    if (!s || !*s)
        return FALSE;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (c < 0x21 || c > 0x7e || c == '"' || c == '(' || c == ')' || c == ',' ||
            c == '/' || c == ':' || c == ';' || c == '<' || c == '=' || c == '>' ||
            c == '?' || c == '@' || c == '[' || c == '\\' || c == ']')
            return FALSE;
    }
    return n < cap;
}

gboolean yf_sdp_is_printable(const char *s, size_t cap)
{
    size_t n = 0;
    for (; s[n]; n++)
        if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e)
            return FALSE;
    return n < cap;
}

gboolean yf_sdp_parse_uint(const char **s, unsigned long max, unsigned long *v)
{
    const char *p = *s;
    unsigned long x = 0;
    if (*p < '0' || *p > '9')
        return FALSE;
    for (; *p >= '0' && *p <= '9'; p++) {
        x = x * 10 + (unsigned long)(*p - '0');
        if (x > max)
            return FALSE;
    }
    *v = x;
    *s = p;
    return TRUE;
}

/* ---- text ------------------------------------------------------------- */

/* One line "<letter>=<value>" (RFC 4566 section 5) without control bytes. */
static gboolean line_ok(const char *l, size_t n)
{
    if (n < 2 || l[0] < 'a' || l[0] > 'z' || l[1] != '=')
        return FALSE;
    for (size_t i = 2; i < n; i++)
        if ((unsigned char)l[i] < 0x20 && l[i] != '\t')
            return FALSE;
    return TRUE;
}

/* GstSDPMessage parses nearly anything without complaint, so the shape of
 * the text is checked here: size, UTF-8 without NUL, "v=0" first, and every
 * line a type letter and '=' (empty lines only at the end). */
gboolean yf_sdp_check_text(const char *sdp, size_t len, size_t max, const char *what,
                           GError **err)
{
    const char *why = NULL;
    if (!sdp || len == 0)
        why = "is empty";
    else if (len > max)
        why = "is too long";
    else if (memchr(sdp, '\0', len))
        why = "contains a NUL byte";
    else if (!g_utf8_validate_len(sdp, len, NULL))
        why = "is not UTF-8";
    else if (len < 3 || memcmp(sdp, "v=0", 3) != 0)
        why = "does not start with v=0";
    for (size_t pos = 0; !why && pos < len;) {
        const char *nl = memchr(sdp + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - sdp) : len;
        size_t n = end - pos;
        if (n > 0 && sdp[end - 1] == '\r')
            n--;
        if (n == 0) {
            for (size_t i = end; i < len && !why; i++) /* sdp has no NUL */
                if (sdp[i] != '\r' && sdp[i] != '\n')
                    why = "has an empty line before its end";
        } else if (!line_ok(sdp + pos, n)) {
            why = "has a line that is not <type>=<value>";
        }
        pos = end + 1;
        if (n == 0)
            break;
    }
    if (why && len > max)
        g_set_error(err, YF_SDP_ERROR, YF_SDP_ERROR_PARSE, "SDP %s is longer than %zu bytes",
                    what, max);
    else if (why)
        g_set_error(err, YF_SDP_ERROR, YF_SDP_ERROR_PARSE, "SDP %s %s", what, why);
    return why == NULL;
}

GstSDPMessage *yf_sdp_message_parse(const char *sdp, size_t len, size_t max, const char *what, GError **err)
{
    GstSDPMessage *msg = NULL;
    if (!yf_sdp_check_text(sdp, len, max, what, err))
        return NULL;
    char *text = g_strndup(sdp, len);
    if (gst_sdp_message_new_from_text(text, &msg) != GST_SDP_OK) {
        g_clear_pointer(&msg, gst_sdp_message_free);
        g_set_error(err, YF_SDP_ERROR, YF_SDP_ERROR_PARSE, "SDP %s could not be parsed", what);
    }
    g_free(text);
    return msg;
}

/* ---- session ---------------------------------------------------------- */

char *yf_sdp_bundle_mids(const GstSDPMessage *msg)
{
    for (guint i = 0; ; i++) {
        const char *g = gst_sdp_message_get_attribute_val_n(msg, "group", i);
        if (!g)
            return NULL;
        if (strncmp(g, "BUNDLE", 6) != 0 || (g[6] != ' ' && g[6] != '\0'))
            continue;
        char **mids = g_strsplit_set(g + 6, " \t", -1);
        GString *s = g_string_new(NULL);
        for (char **m = mids; *m; m++) {
            if (**m == '\0')
                continue;
            g_string_append_printf(s, "%s%s", s->len ? " " : "", *m);
        }
        g_strfreev(mids);
        if (s->len > 0)
            return g_string_free(s, FALSE);
        g_string_free(s, TRUE);
    }
}

void yf_sdp_session_id(const GstSDPMessage *msg, char *dst, size_t cap)
{
    const GstSDPOrigin *o = gst_sdp_message_get_origin(msg);
    const char *id = o ? o->sess_id : NULL;
    gboolean ok = id && *id && strlen(id) < cap;

    for (const char *c = id; ok && *c; c++)
        ok = *c >= '0' && *c <= '9';
    g_strlcpy(dst, ok ? id : "", cap);
}

/* a=group:BUNDLE <mid>... (RFC 8843 section 7.1) into offer->bundle_group. */
static gboolean parse_bundle(const GstSDPMessage *msg, yf_sdp_offer *offer, GError **err)
{
    char *mids = yf_sdp_bundle_mids(msg);
    gboolean fits = mids && strlen(mids) < sizeof offer->bundle_group;
    if (fits)
        g_strlcpy(offer->bundle_group, mids, sizeof offer->bundle_group);
    g_free(mids);
    if (!fits)
        g_set_error(err, YF_SDP_ERROR, YF_SDP_ERROR_UNSUPPORTED,
                    "SDP offer has no usable a=group:BUNDLE line; yuanfang needs BUNDLE "
                    "(RTCPeerConnection bundlePolicy 'balanced' or 'max-bundle')");
    return fits;
}

gboolean yf_sdp_ice_chars_ok(const char *s, size_t min, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n < min || n > max)
        return FALSE;
    for (size_t i = 0; i < n; i++)
        if (!g_ascii_isalnum(s[i]) && s[i] != '+' && s[i] != '/')
            return FALSE;
    return TRUE;
}

/* "sha-256 AB:CD:..." (RFC 8122 section 5): 32 hex pairs. Upper-cases. */
static gboolean fingerprint_ok(const char *v, char *dst, size_t cap)
{
    if (g_ascii_strncasecmp(v, "sha-256 ", 8) != 0)
        return FALSE;
    v += 8;
    while (*v == ' ')
        v++;
    if (strlen(v) != 95 || cap < 96)
        return FALSE;
    for (int i = 0; i < 95; i++) {
        if (i % 3 == 2 ? v[i] != ':' : !g_ascii_isxdigit(v[i]))
            return FALSE;
        dst[i] = g_ascii_toupper(v[i]);
    }
    dst[95] = '\0';
    return TRUE;
}

static gboolean find_fingerprint(const GstSDPMessage *msg, const GstSDPMedia *media,
                                 char *dst, size_t cap)
{
    for (guint i = 0; media; i++) {
        const char *v = gst_sdp_media_get_attribute_val_n(media, "fingerprint", i);
        if (!v)
            break;
        if (fingerprint_ok(v, dst, cap))
            return TRUE;
    }
    for (guint i = 0; ; i++) {
        const char *v = gst_sdp_message_get_attribute_val_n(msg, "fingerprint", i);
        if (!v)
            return FALSE;
        if (fingerprint_ok(v, dst, cap))
            return TRUE;
    }
}

gboolean yf_sdp_parse_transport(const GstSDPMessage *msg, const GstSDPMedia *media,
                                const char *what, yf_sdp_transport *t, GError **err)
{
    const char *ufrag = yf_sdp_attr_val(msg, media, "ice-ufrag");
    const char *pwd = yf_sdp_attr_val(msg, media, "ice-pwd");
    const char *why = NULL;
    memset(t, 0, sizeof *t); /* callers copy whole buffers */
    if (!ufrag || !pwd)
        why = "has no a=ice-ufrag / a=ice-pwd";
    else if (!yf_sdp_ice_chars_ok(ufrag, 4, 256) || !yf_sdp_ice_chars_ok(pwd, 22, 256))
        why = "has a malformed a=ice-ufrag or a=ice-pwd (RFC 8839 section 5.4)";
    else if (!find_fingerprint(msg, media, t->fingerprint, sizeof t->fingerprint))
        why = "has no a=fingerprint:sha-256 (DTLS-SRTP needs a SHA-256 certificate fingerprint)";
    if (why) {
        g_set_error(err, YF_SDP_ERROR, YF_SDP_ERROR_UNSUPPORTED, "SDP %s %s", what, why);
        return FALSE;
    }
    g_strlcpy(t->ice_ufrag, ufrag, sizeof t->ice_ufrag);
    g_strlcpy(t->ice_pwd, pwd, sizeof t->ice_pwd);
    t->setup = yf_sdp_attr_val(msg, media, "setup");
    return TRUE;
}

/* Transport of the tagged section (RFC 8843 section 7.2.1: the first
 * accepted bundled one); media-level before session-level. */
static gboolean parse_transport(const GstSDPMessage *msg, const GstSDPMedia *media,
                                yf_sdp_offer *offer, GError **err)
{
    yf_sdp_transport t;
    if (!yf_sdp_parse_transport(msg, media, "offer", &t, err))
        return FALSE;
    if (!t.setup || strcmp(t.setup, "actpass") == 0)
        offer->setup = YF_SETUP_ACTPASS; /* absent: browsers always send it */
    else if (strcmp(t.setup, "active") == 0)
        offer->setup = YF_SETUP_ACTIVE;
    else if (strcmp(t.setup, "passive") == 0)
        offer->setup = YF_SETUP_PASSIVE;
    else {
        g_set_error(err, YF_SDP_ERROR, YF_SDP_ERROR_UNSUPPORTED,
                    "SDP offer has an a=setup other than actpass, active or passive");
        return FALSE;
    }
    memcpy(offer->ice_ufrag, t.ice_ufrag, sizeof offer->ice_ufrag);
    memcpy(offer->ice_pwd, t.ice_pwd, sizeof offer->ice_pwd);
    memcpy(offer->fingerprint, t.fingerprint, sizeof offer->fingerprint);
    return TRUE;
}

/* ---- entry ------------------------------------------------------------ */

static gboolean parse_message(const GstSDPMessage *msg, yf_sdp_offer *out, GError **err)
{
    guint n = gst_sdp_message_medias_len(msg);
    int tagged = -1;
    if (n > YF_SDP_MAX_MEDIA) {
        g_set_error(err, YF_SDP_ERROR, YF_SDP_ERROR_UNSUPPORTED,
                    "SDP offer has %u media sections; at most %d are supported",
                    n, YF_SDP_MAX_MEDIA);
        return FALSE;
    }
    if (!parse_bundle(msg, out, err))
        return FALSE;
    out->n_media = (int)n;
    for (guint i = 0; i < n; i++) {
        if (!yf_sdp_parse_media(msg, i, out->bundle_group, &out->media[i], err))
            return FALSE;
        if (tagged < 0 && out->media[i].accepted)
            tagged = (int)i;
        for (guint j = 0; j < i && out->media[i].mid[0]; j++) {
            if (strcmp(out->media[j].mid, out->media[i].mid) == 0) {
                g_set_error(err, YF_SDP_ERROR, YF_SDP_ERROR_UNSUPPORTED,
                            "SDP offer has two sections with a=mid:%s", out->media[i].mid);
                return FALSE;
            }
        }
    }
    if (tagged < 0) {
        g_set_error(err, YF_SDP_ERROR, YF_SDP_ERROR_UNSUPPORTED,
                    "SDP offer has no usable audio or video: yuanfang needs a bundled "
                    "UDP/TLS/RTP/SAVPF section offering opus/48000/2, VP8 or "
                    "H264 with packetization-mode=1");
        return FALSE;
    }
    yf_sdp_session_id(msg, out->session_id, sizeof out->session_id);
    return parse_transport(msg, gst_sdp_message_get_media(msg, (guint)tagged), out, err);
}

/* One simulcast section per offer: each costs the room a router track per
 * layer besides its own, and the room's table is shared by everyone in it
 * (a camera is what the room page sends as simulcast). Later sections are
 * answered as one stream, which a browser then sends. */
static void one_simulcast(yf_sdp_offer *o)
{
    gboolean seen = FALSE;
    for (int i = 0; i < o->n_media; i++) {
        yf_sdp_media *m = &o->media[i];
        if (m->n_rids == 0 || !m->accepted)
            continue;
        if (seen) {
            g_debug("offer: mid=%s: simulcast answered as one stream (one simulcast section per offer)", m->mid);
            m->n_rids = 0;
        }
        seen = TRUE;
    }
}

gboolean yf_sdp_parse_offer(const char *sdp, size_t len, yf_sdp_offer *out, GError **err)
{
    memset(out, 0, sizeof *out);
    GstSDPMessage *msg = yf_sdp_message_parse(sdp, len, YF_SDP_MAX_LEN, "offer", err);
    gboolean ok = msg && parse_message(msg, out, err);
    if (ok)
        one_simulcast(out);
    if (ok)
        g_debug("offer accepted: %d media sections, BUNDLE %s", out->n_media, out->bundle_group);
    if (msg)
        gst_sdp_message_free(msg);
    if (!ok)
        memset(out, 0, sizeof *out);
    return ok;
}
