/* sdp_media.c -- one m= section of an offer into yf_sdp_media: codec choice
 * from a=rtpmap/a=fmtp (RFC 4566 section 6, RFC 7587 section 7 for Opus,
 * RFC 7741 for VP8, RFC 6184 section 8.1 for H.264), header extensions
 * (RFC 8285 section 5), RTCP feedback (RFC 4585 section 4.2), direction
 * (RFC 3264 section 5.1) and rtcp-mux (RFC 5761 section 5.1.3). Never
 * trusts a number or a string it will echo into the answer. */
#define G_LOG_DOMAIN "yf-sdp"

#include <string.h>
#include "sdp_priv.h"

#define EXT_MID YF_SDP_EXT_MID
#define EXT_AUDIO_LEVEL YF_SDP_EXT_AUDIO_LEVEL
#define EXT_ABS_SEND_TIME YF_SDP_EXT_ABS_SEND_TIME
#define EXT_TWCC YF_SDP_EXT_TWCC

/* A value "<pt> <rest>" whose pt equals want: returns rest, else NULL. */
static const char *after_pt(const char *v, unsigned long want)
{
    unsigned long pt;
    if (!v || !yf_sdp_parse_uint(&v, 127, &pt) || pt != want || (*v != ' ' && *v != '\t'))
        return NULL;
    while (*v == ' ' || *v == '\t')
        v++;
    return v;
}

static const char *find_pt_attr(const GstSDPMedia *media, const char *key, unsigned long pt)
{
    for (guint i = 0; ; i++) {
        const char *v = gst_sdp_media_get_attribute_val_n(media, key, i);
        if (!v)
            return NULL;
        const char *rest = after_pt(v, pt);
        if (rest)
            return rest;
    }
}

/* The value of key=... in an fmtp parameter list "a=1;b=2" (RFC 4566 section
 * 6), case-insensitive key; copied into dst. FALSE if absent. */
static gboolean fmtp_param(const char *fmtp, const char *key, char *dst, size_t cap)
{
    gboolean found = FALSE;
    char **params = g_strsplit(fmtp, ";", -1);
    for (char **p = params; *p && !found; p++) {
        char *kv = g_strstrip(*p);
        char *eq = strchr(kv, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (g_ascii_strcasecmp(g_strstrip(kv), key) == 0) {
            g_strlcpy(dst, g_strstrip(eq + 1), cap);
            found = TRUE;
        }
    }
    g_strfreev(params);
    return found;
}

/* H.264 ranking: packetization-mode=1 is required (RFC 6184 section 6.3);
 * then 42e01f, then any other Baseline-family 42xxxx (absent means 420010,
 * RFC 6184 section 8.1), then the rest. 0 = unusable. */
static int h264_score(const char *fmtp)
{
    char mode[8] = "", plid[16] = "420010";
    if (!fmtp_param(fmtp, "packetization-mode", mode, sizeof mode) || strcmp(mode, "1") != 0)
        return 0;
    fmtp_param(fmtp, "profile-level-id", plid, sizeof plid);
    if (g_ascii_strcasecmp(plid, "42e01f") == 0)
        return 3;
    return strlen(plid) == 6 && strncmp(plid, "42", 2) == 0 ? 2 : 1;
}

/* Scores one rtpmap "<name>/<rate>[/<channels>]"; higher is better, 0 unusable. */
static int codec_score(yf_sdp_kind kind, const char *rtpmap, const char *fmtp,
                       yf_codec *codec, int *rate, int *channels)
{
    char **f = g_strsplit(rtpmap, "/", 4);
    int score = 0;
    guint n = g_strv_length(f);
    const char *ch = n > 2 ? f[2] : "1";
    if (n < 2 || n > 3)
        goto out;
    if (kind == YF_SDP_AUDIO && g_ascii_strcasecmp(f[0], "opus") == 0 &&
        strcmp(f[1], "48000") == 0 && strcmp(ch, "2") == 0) {
        *codec = YF_CODEC_OPUS, *rate = 48000, *channels = 2, score = 1;
    } else if (kind == YF_SDP_VIDEO && n == 2 && strcmp(f[1], "90000") == 0) {
        if (g_ascii_strcasecmp(f[0], "VP8") == 0)
            *codec = YF_CODEC_VP8, score = 10;
        else if (g_ascii_strcasecmp(f[0], "H264") == 0 && (score = h264_score(fmtp)) > 0)
            *codec = YF_CODEC_H264;
        *rate = 90000, *channels = 0;
    }
out:
    g_strfreev(f);
    return score;
}

/* Picks the best payload type of the m= line, offer order breaking ties
 * (RFC 3264 section 5.1: formats are listed in order of preference). */
static void choose_codec(const GstSDPMedia *media, yf_sdp_media *m)
{
    int best = 0;
    for (guint i = 0; i < gst_sdp_media_formats_len(media); i++) {
        const char *f = gst_sdp_media_get_format(media, i);
        unsigned long pt;
        yf_codec codec = YF_CODEC_NONE;
        int rate = 0, channels = 0;
        if (!f || !yf_sdp_parse_uint(&f, 127, &pt) || *f != '\0')
            continue;
        const char *rtpmap = find_pt_attr(media, "rtpmap", pt);
        const char *fmtp = find_pt_attr(media, "fmtp", pt);
        if (!fmtp)
            fmtp = "";
        if (!rtpmap || !yf_sdp_is_printable(fmtp, sizeof m->fmtp))
            continue;
        int score = codec_score(m->kind, rtpmap, fmtp, &codec, &rate, &channels);
        if (score <= best)
            continue;
        best = score;
        m->codec = codec, m->pt = (int)pt, m->clock_rate = rate, m->channels = channels;
        g_strlcpy(m->fmtp, fmtp, sizeof m->fmtp);
    }
}

/* RFC 2198 redundancy for the chosen Opus pt: a format "red/48000/2" whose
 * fmtp lists only that pt ("111/111", RFC 2198 section 5 as browsers write
 * it). The first such format, else none. */
static void find_red(const GstSDPMedia *media, yf_sdp_media *m)
{
    for (guint i = 0; m->codec == YF_CODEC_OPUS && i < gst_sdp_media_formats_len(media); i++) {
        const char *f = gst_sdp_media_get_format(media, i);
        unsigned long pt, blk;
        if (!f || !yf_sdp_parse_uint(&f, 127, &pt) || *f != '\0' || (pt >= 64 && pt <= 95) ||
            (int)pt == m->pt)
            continue;
        const char *rtpmap = find_pt_attr(media, "rtpmap", pt);
        const char *fmtp = find_pt_attr(media, "fmtp", pt);
        if (!rtpmap || g_ascii_strcasecmp(rtpmap, "red/48000/2") != 0 || !fmtp)
            continue;
        gboolean ok = TRUE;
        for (const char *p = fmtp; ok && *p;) {
            ok = yf_sdp_parse_uint(&p, 127, &blk) && (int)blk == m->pt && (*p == '/' || *p == '\0');
            p += *p == '/';
        }
        if (ok) {
            m->red_pt = (int)pt;
            return;
        }
    }
}

/* "a=extmap:<id>[/<direction>] <uri> [<attributes>]" (RFC 8285 section 5). */
static void parse_extmap(const char *v, yf_sdp_media *m)
{
    unsigned long id;
    if (!yf_sdp_parse_uint(&v, 255, &id) || id == 0)
        return;
    if (*v == '/')
        v += strcspn(v, " \t");
    if (*v != ' ' && *v != '\t')
        return;
    v += strspn(v, " \t");
    size_t n = strcspn(v, " \t");
    int *slot = NULL;
    if (n == strlen(EXT_MID) && strncmp(v, EXT_MID, n) == 0)
        slot = &m->ext_mid;
    else if (n == strlen(EXT_AUDIO_LEVEL) && strncmp(v, EXT_AUDIO_LEVEL, n) == 0)
        slot = &m->ext_audio_level;
    else if (n == strlen(EXT_ABS_SEND_TIME) && strncmp(v, EXT_ABS_SEND_TIME, n) == 0)
        slot = &m->ext_abs_send_time;
    else if (n == strlen(EXT_TWCC) && strncmp(v, EXT_TWCC, n) == 0)
        slot = &m->ext_twcc;
    else if (n == strlen(YF_SDP_EXT_RID) && strncmp(v, YF_SDP_EXT_RID, n) == 0)
        slot = &m->ext_rid;
    else if (n == strlen(YF_SDP_EXT_RRID) && strncmp(v, YF_SDP_EXT_RRID, n) == 0)
        slot = &m->ext_rrid;
    if (slot && *slot == 0)
        *slot = (int)id;
}

static void parse_extmaps(const GstSDPMessage *msg, const GstSDPMedia *media, yf_sdp_media *m)
{
    gboolean media_level = gst_sdp_media_get_attribute_val(media, "extmap") != NULL;
    for (guint i = 0; ; i++) {
        const char *v = media_level ? gst_sdp_media_get_attribute_val_n(media, "extmap", i)
                                    : gst_sdp_message_get_attribute_val_n(msg, "extmap", i);
        if (!v)
            break;
        parse_extmap(v, m);
    }
}

/* "a=rtcp-fb:<pt|*> <type> [<param>]" (RFC 4585 section 4.2) for m->pt. */
static void parse_rtcp_fb(const GstSDPMedia *media, yf_sdp_media *m)
{
    static const struct { const char *text; unsigned bit; } fb[] = {
        { "nack", YF_SDP_FB_NACK }, { "nack pli", YF_SDP_FB_PLI },
        { "ccm fir", YF_SDP_FB_FIR }, { "transport-cc", YF_SDP_FB_TWCC },
        { "goog-remb", YF_SDP_FB_REMB },
    };
    for (guint i = 0; ; i++) {
        const char *v = gst_sdp_media_get_attribute_val_n(media, "rtcp-fb", i);
        if (!v)
            break;
        const char *rest = after_pt(v, (unsigned long)m->pt);
        if (!rest && v[0] == '*' && (v[1] == ' ' || v[1] == '\t'))
            rest = v + 1 + strspn(v + 1, " \t");
        for (size_t k = 0; rest && k < G_N_ELEMENTS(fb); k++)
            if (strcmp(rest, fb[k].text) == 0)
                m->rtcp_fb |= fb[k].bit;
    }
}

/* The first "a=ssrc:<ssrc> <attribute>" (RFC 5576 section 4.1). */
static void parse_ssrc(const GstSDPMedia *media, yf_sdp_media *m)
{
    const char *v = gst_sdp_media_get_attribute_val(media, "ssrc");
    unsigned long ssrc;
    if (v && yf_sdp_parse_uint(&v, 0xffffffffUL, &ssrc) && (*v == ' ' || *v == '\0'))
        m->ssrc = (uint32_t)ssrc;
}

/* "<stream> <track>" (RFC 8830 section 2: msid-id 1*64token-char, the
 * appdata likewise) into m->msid_*; anything else leaves them "". */
static void take_msid(const char *v, yf_sdp_media *m)
{
    char **f = v ? g_strsplit(v, " ", -1) : NULL;
    if (f && g_strv_length(f) == 2 && yf_sdp_is_token(f[0], sizeof m->msid_stream) &&
        yf_sdp_is_token(f[1], sizeof m->msid_track)) {
        g_strlcpy(m->msid_stream, f[0], sizeof m->msid_stream);
        g_strlcpy(m->msid_track, f[1], sizeof m->msid_track);
    }
    g_strfreev(f);
}

/* a=msid (RFC 8830 section 2), else "a=ssrc:<m->ssrc> msid:..." (the
 * Plan B form Chromium still writes beside it). */
static void parse_msid(const GstSDPMedia *media, yf_sdp_media *m)
{
    const char *v = gst_sdp_media_get_attribute_val(media, "msid");
    for (guint i = 0; !v && m->ssrc; i++) {
        const char *s = gst_sdp_media_get_attribute_val_n(media, "ssrc", i);
        unsigned long ssrc;
        if (!s)
            break;
        if (yf_sdp_parse_uint(&s, 0xffffffffUL, &ssrc) && ssrc == m->ssrc &&
            strncmp(s, " msid:", 6) == 0)
            v = s + 6;
    }
    take_msid(v, m);
}

yf_direction yf_sdp_direction(const GstSDPMessage *msg, const GstSDPMedia *media)
{
    static const char *const names[] = { "sendrecv", "sendonly", "recvonly", "inactive" };
    for (int level = 0; level < 2; level++)
        for (int d = 0; d < 4; d++)
            if (level == 0 ? yf_sdp_has_attr(NULL, media, names[d])
                           : yf_sdp_has_attr(msg, NULL, names[d]))
                return (yf_direction)d;
    return YF_DIR_SENDRECV; /* RFC 3264 section 5.1 default */
}

gboolean yf_sdp_in_bundle(const char *bundle, const char *mid)
{
    size_t n = strlen(mid);
    for (const char *p = bundle; *p;) {
        size_t len = strcspn(p, " ");
        if (len == n && strncmp(p, mid, n) == 0)
            return TRUE;
        p += len;
        p += strspn(p, " ");
    }
    return FALSE;
}

/* The m= line itself: media, protocol, first format, kept for the answer. */
static void describe(const GstSDPMedia *media, yf_sdp_media *m)
{
    const char *name = gst_sdp_media_get_media(media);
    const char *proto = gst_sdp_media_get_proto(media);
    const char *fmt = gst_sdp_media_formats_len(media) ? gst_sdp_media_get_format(media, 0) : NULL;
    name = name ? name : "";
    m->kind = strcmp(name, "audio") == 0   ? YF_SDP_AUDIO
              : strcmp(name, "video") == 0 ? YF_SDP_VIDEO
                                           : YF_SDP_OTHER;
    g_strlcpy(m->media, yf_sdp_is_token(name, sizeof m->media) ? name : "application",
              sizeof m->media);
    /* a protocol is tokens joined by '/' (RFC 4566 section 9) */
    gboolean proto_ok = proto && *proto && strlen(proto) < sizeof m->proto;
    for (const char *p = proto; proto_ok && *p; p++)
        proto_ok = *p == '/' || (*p > 0x20 && *p < 0x7f && strchr("\"(),:;<=>?@[\\]", *p) == NULL);
    g_strlcpy(m->proto, proto_ok ? proto : "UDP/TLS/RTP/SAVPF", sizeof m->proto);
    g_strlcpy(m->first_fmt, fmt && yf_sdp_is_token(fmt, sizeof m->first_fmt) ? fmt : "0",
              sizeof m->first_fmt);
}

gboolean yf_sdp_parse_media(const GstSDPMessage *msg, guint idx, const char *bundle,
                            yf_sdp_media *m, GError **err)
{
    const GstSDPMedia *media = gst_sdp_message_get_media(msg, idx);
    const char *mid = gst_sdp_media_get_attribute_val(media, "mid");
    const char *proto = gst_sdp_media_get_proto(media);

    describe(media, m);
    m->codec = YF_CODEC_NONE; /* not 0: that is YF_CODEC_OPUS */
    m->direction = yf_sdp_direction(msg, media);
    if (mid && !yf_sdp_is_token(mid, sizeof m->mid)) {
        g_set_error(err, YF_SDP_ERROR, YF_SDP_ERROR_UNSUPPORTED,
                    "SDP offer section %u has an a=mid that is empty, longer than %zu "
                    "characters or not a token", idx, sizeof m->mid - 1);
        return FALSE;
    }
    if (mid)
        g_strlcpy(m->mid, mid, sizeof m->mid);
    gboolean rtp = proto && g_str_has_suffix(proto, "RTP/SAVPF");
    /* port 0 with a=bundle-only is a live bundled section (RFC 8843 section 6) */
    gboolean live = gst_sdp_media_get_port(media) != 0 || yf_sdp_has_attr(NULL, media, "bundle-only");
    gboolean bundled = mid && yf_sdp_in_bundle(bundle, mid);
    if (!rtp || !live || !bundled || m->kind == YF_SDP_OTHER)
        return TRUE;
    if (!yf_sdp_has_attr(msg, media, "rtcp-mux")) {
        g_set_error(err, YF_SDP_ERROR, YF_SDP_ERROR_UNSUPPORTED,
                    "SDP offer section mid=%s has no a=rtcp-mux; yuanfang needs RTP and "
                    "RTCP on one port (rtcpMuxPolicy 'require')", m->mid);
        return FALSE;
    }
    choose_codec(media, m);
    if (m->codec == YF_CODEC_NONE)
        return TRUE;
    find_red(media, m);
    parse_extmaps(msg, media, m);
    if (!yf_sdp_parse_simulcast(media, m, err))
        return FALSE;
    parse_rtcp_fb(media, m);
    parse_ssrc(media, m);
    parse_msid(media, m);
    m->rtcp_rsize = yf_sdp_has_attr(msg, media, "rtcp-rsize");
    m->accepted = TRUE;
    return TRUE;
}
