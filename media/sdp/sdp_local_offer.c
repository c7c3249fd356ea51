/* sdp_local_offer.c -- writes our offer for a room's subscriber connection
 * with GstSDPMessage (RFC 8829 section 5.2 as Chromium accepts it): one
 * BUNDLE group of every mid (RFC 8843 section 7.2), rtcp-mux (RFC 5761),
 * a=setup:actpass (RFC 5763 section 5), msid (RFC 8830), a=ssrc (RFC 5576),
 * transport-cc (draft-holmer-rmcat-transport-wide-cc-extensions-01).
 * m-lines are never removed, only made inactive. Writes only strings it
 * checked; sdp.h says which header extensions it may declare and why. */
#define G_LOG_DOMAIN "yf-sdp"

#include <string.h>
#include "sdp_priv.h"

#define invalid(err, ...) yf_sdp_fail(err, YF_SDP_ERROR_INVALID, "SDP offer parameters: " __VA_ARGS__)

static int default_rate(yf_codec c)
{
    return c == YF_CODEC_OPUS ? 48000 : 90000;
}

/* The codec of one m-line, alone (RFC 7587 section 7: opus/48000/2). */
static const char *codec_problem(const yf_sdp_offer_media *m)
{
    gboolean audio = m->kind == YF_SDP_AUDIO, video = m->kind == YF_SDP_VIDEO;
    if (!audio && !video)
        return "kind is neither audio nor video";
    if (audio ? m->codec != YF_CODEC_OPUS : (m->codec != YF_CODEC_VP8 && m->codec != YF_CODEC_H264))
        return "codec does not fit the kind (audio: OPUS; video: VP8 or H264)";
    if (m->pt < 0 || m->pt > 127 || (m->pt >= 64 && m->pt <= 95))
        return "pt is not 0..63 or 96..127 (RFC 5761 section 4)";
    if (m->clock_rate != 0 && m->clock_rate != default_rate(m->codec))
        return "clock_rate is not the codec's (48000 Opus, 90000 video)";
    if (audio ? (m->channels != 0 && m->channels != 2) : m->channels != 0)
        return "channels is not 0 or 2 (Opus) or 0 (video)";
    if (m->fmtp && !yf_sdp_is_printable(m->fmtp, 256))
        return "fmtp is longer than 255 characters or not printable ASCII";
    if (m->red_pt != 0 && (!audio || m->red_pt < 0 || m->red_pt > 127 || (m->red_pt >= 64 && m->red_pt <= 95) ||
                           m->red_pt == m->pt))
        return "red_pt is not 0, or 1..63 or 96..127 beside another Opus pt";
    if (m->rtx_pt != 0 && (!video || m->rtx_pt < 0 || m->rtx_pt > 127 || (m->rtx_pt >= 64 && m->rtx_pt <= 95) ||
                           m->rtx_pt == m->pt))
        return "rtx_pt is not 0, or 1..63 or 96..127 beside another video pt";
    return NULL;
}

static const char *media_problem(const yf_sdp_offer_media *m)
{
    if (!m->mid || !yf_sdp_is_token(m->mid, 32))
        return "mid is not 1..31 token characters";
    const char *why = codec_problem(m);
    if (why || !m->active)
        return why;
    if (m->ssrc == 0)
        return "an active m-line needs a nonzero ssrc";
    if (m->rtx_pt && (m->rtx_ssrc == 0 || m->rtx_ssrc == m->ssrc))
        return "rtx_pt needs a nonzero rtx_ssrc other than ssrc";
    if (!m->msid_stream || !yf_sdp_is_token(m->msid_stream, 65) || !m->msid_track ||
        !yf_sdp_is_token(m->msid_track, 65))
        return "msid_stream or msid_track is not 1..64 token characters (RFC 8830)";
    if (m->ext_audio_level < 0 || m->ext_audio_level > 14 || m->ext_mid < 0 || m->ext_mid > 14)
        return "an extension id is not 0..14";
    if (m->ext_audio_level && m->kind != YF_SDP_AUDIO)
        return "ext_audio_level on a video m-line";
    if (m->ext_audio_level && m->ext_audio_level == m->ext_mid)
        return "ext_audio_level and ext_mid are the same id";
    return NULL;
}

static gboolean same_codec(const yf_sdp_offer_media *a, const yf_sdp_offer_media *b)
{
    return a->codec == b->codec &&
           (a->clock_rate ? a->clock_rate : default_rate(a->codec)) ==
               (b->clock_rate ? b->clock_rate : default_rate(b->codec)) &&
           (a->channels ? a->channels : 2 * (a->codec == YF_CODEC_OPUS)) ==
               (b->channels ? b->channels : 2 * (b->codec == YF_CODEC_OPUS)) &&
           strcmp(a->fmtp ? a->fmtp : "", b->fmtp ? b->fmtp : "") == 0;
}

/* What m-lines i and j may not share (RFC 8843 section 9.1: one meaning
 * per payload type and per extension id across a BUNDLE group). */
static const char *pair_problem(const yf_sdp_offer_media *a, const yf_sdp_offer_media *b)
{
    if (strcmp(a->mid, b->mid) == 0)
        return "the same mid";
    if (a->pt == b->pt && !same_codec(a, b))
        return "the same pt for different codecs or fmtp";
    if ((a->red_pt && (a->red_pt == b->pt || (a->red_pt == b->red_pt && a->pt != b->pt))) ||
        (b->red_pt && b->red_pt == a->pt))
        return "a red_pt that means another codec or carries another pt";
    if ((a->rtx_pt && (a->rtx_pt == b->pt || a->rtx_pt == b->red_pt || (a->rtx_pt == b->rtx_pt && a->pt != b->pt))) ||
        (b->rtx_pt && (b->rtx_pt == a->pt || b->rtx_pt == a->red_pt)))
        return "an rtx_pt that means another codec or repairs another pt";
    if (!a->active || !b->active)
        return NULL;
    if (a->ssrc == b->ssrc || (a->rtx_pt && (a->rtx_ssrc == b->ssrc || (b->rtx_pt && a->rtx_ssrc == b->rtx_ssrc))) ||
        (b->rtx_pt && b->rtx_ssrc == a->ssrc))
        return "the same ssrc";
    if ((a->ext_mid && b->ext_audio_level == a->ext_mid) ||
        (a->ext_audio_level && b->ext_mid == a->ext_audio_level))
        return "one extension id for two URIs";
    if ((a->ext_mid && b->ext_mid && a->ext_mid != b->ext_mid) ||
        (a->ext_audio_level && b->ext_audio_level && a->ext_audio_level != b->ext_audio_level))
        return "two ids for one extension URI (pass 0 for the odd one)";
    return NULL;
}

gboolean yf_sdp_offer_params_ok(const yf_sdp_offer_params *p, GError **err)
{
    if (!p || !p->media || p->n_media == 0 || p->n_media > YF_SDP_MAX_OFFER_MEDIA)
        return invalid(err, "no parameters, or n_media not 1..%d", YF_SDP_MAX_OFFER_MEDIA);
    if (!yf_sdp_ice_chars_ok(p->ice_ufrag, 4, 256) || !yf_sdp_ice_chars_ok(p->ice_pwd, 22, 256))
        return invalid(err, "ice_ufrag or ice_pwd missing or malformed");
    if (!yf_sdp_our_fingerprint_ok(p->fingerprint))
        return invalid(err, "fingerprint is not a SHA-256 \"AB:CD:...\"");
    if (!p->cname || !*p->cname || strchr(p->cname, ' ') || !yf_sdp_is_printable(p->cname, 256))
        return invalid(err, "cname missing or malformed");
    if (p->session_id >> 63 || p->session_version >> 63)
        return invalid(err, "session_id or session_version not below 2^63");
    if (p->ext_twcc < 0 || p->ext_twcc > 14)
        return invalid(err, "ext_twcc is not 0..14");
    for (size_t i = 0; i < p->n_media; i++) {
        const char *why = media_problem(&p->media[i]);
        if (why)
            return invalid(err, "m-line %zu: %s", i, why);
        if (p->ext_twcc && p->media[i].active &&
            (p->media[i].ext_audio_level == p->ext_twcc || p->media[i].ext_mid == p->ext_twcc))
            return invalid(err, "m-line %zu: ext_twcc is the id of another extension", i);
        for (size_t j = 0; j < i; j++)
            if ((why = pair_problem(&p->media[j], &p->media[i])) != NULL)
                return invalid(err, "m-lines %zu and %zu have %s", j, i, why);
    }
    return TRUE;
}

static void add_attr_printf(GstSDPMedia *s, const char *key, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void add_attr_printf(GstSDPMedia *s, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *v = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    gst_sdp_media_add_attribute(s, key, v);
    g_free(v);
}

/* rtpmap, video feedback (the router answers NACK, PLI and FIR),
 * transport-cc feedback (to the router's downlink estimate), fmtp. */
static void add_codec(GstSDPMedia *s, const yf_sdp_offer_media *m, int twcc, yf_sdp_opus_mode opus_mode)
{
    char opus[256];
    const char *fmtp = m->fmtp;
    if (m->codec == YF_CODEC_OPUS && yf_sdp_opus_fmtp(m->fmtp, opus_mode, opus, sizeof opus))
        fmtp = opus;
    if (m->codec == YF_CODEC_OPUS)
        add_attr_printf(s, "rtpmap", "%d opus/48000/2", m->pt);
    else
        add_attr_printf(s, "rtpmap", "%d %s/90000", m->pt, m->codec == YF_CODEC_VP8 ? "VP8" : "H264");
    if (m->kind == YF_SDP_VIDEO) {
        add_attr_printf(s, "rtcp-fb", "%d nack", m->pt);
        add_attr_printf(s, "rtcp-fb", "%d nack pli", m->pt);
        add_attr_printf(s, "rtcp-fb", "%d ccm fir", m->pt);
    }
    if (twcc && m->active)
        add_attr_printf(s, "rtcp-fb", "%d transport-cc", m->pt);
    if (fmtp && *fmtp)
        add_attr_printf(s, "fmtp", "%d %s", m->pt, fmtp);
    if (m->rtx_pt) { /* RFC 4588 section 8.6 */
        add_attr_printf(s, "rtpmap", "%d rtx/90000", m->rtx_pt);
        add_attr_printf(s, "fmtp", "%d apt=%d", m->rtx_pt, m->pt);
    }
    if (m->red_pt) { /* RFC 2198 section 5 */
        add_attr_printf(s, "rtpmap", "%d red/48000/2", m->red_pt);
        add_attr_printf(s, "fmtp", "%d %d/%d", m->red_pt, m->pt, m->pt);
    }
}

static void add_section(GstSDPMessage *msg, const yf_sdp_offer_media *m, const yf_sdp_offer_params *p)
{
    GstSDPMedia s;
    char pt[8];

    memset(&s, 0, sizeof s); /* gst_sdp_media_init frees what it finds */
    gst_sdp_media_init(&s);
    g_snprintf(pt, sizeof pt, "%d", m->pt);
    gst_sdp_media_set_media(&s, m->kind == YF_SDP_AUDIO ? "audio" : "video");
    gst_sdp_media_set_port_info(&s, 9, 0);
    gst_sdp_media_set_proto(&s, "UDP/TLS/RTP/SAVPF");
    gst_sdp_media_add_format(&s, pt);
    if (m->red_pt) {
        g_snprintf(pt, sizeof pt, "%d", m->red_pt);
        gst_sdp_media_add_format(&s, pt);
    }
    if (m->rtx_pt) {
        g_snprintf(pt, sizeof pt, "%d", m->rtx_pt);
        gst_sdp_media_add_format(&s, pt);
    }
    gst_sdp_media_add_connection(&s, "IN", "IP4", "0.0.0.0", 0, 0);
    yf_sdp_add_transport(&s, p->ice_ufrag, p->ice_pwd, p->fingerprint, "actpass");
    gst_sdp_media_add_attribute(&s, "mid", m->mid);
    if (m->active && m->ext_mid)
        yf_sdp_add_extmap(&s, m->ext_mid, YF_SDP_EXT_MID);
    if (m->active && m->ext_audio_level)
        yf_sdp_add_extmap(&s, m->ext_audio_level, YF_SDP_EXT_AUDIO_LEVEL);
    if (m->active && p->ext_twcc)
        yf_sdp_add_extmap(&s, p->ext_twcc, YF_SDP_EXT_TWCC);
    gst_sdp_media_add_attribute(&s, m->active ? "sendonly" : "inactive", NULL);
    if (m->active)
        add_attr_printf(&s, "msid", "%s %s", m->msid_stream, m->msid_track);
    gst_sdp_media_add_attribute(&s, "rtcp-mux", NULL);
    gst_sdp_media_add_attribute(&s, "rtcp-rsize", NULL);
    add_codec(&s, m, p->ext_twcc, p->opus);
    if (m->active && m->rtx_pt) /* RFC 5576 section 4.2 */
        add_attr_printf(&s, "ssrc-group", "FID %u %u", m->ssrc, m->rtx_ssrc);
    if (m->active) {
        add_attr_printf(&s, "ssrc", "%u cname:%s", m->ssrc, p->cname);
        add_attr_printf(&s, "ssrc", "%u msid:%s %s", m->ssrc, m->msid_stream, m->msid_track);
    }
    if (m->active && m->rtx_pt) {
        add_attr_printf(&s, "ssrc", "%u cname:%s", m->rtx_ssrc, p->cname);
        add_attr_printf(&s, "ssrc", "%u msid:%s %s", m->rtx_ssrc, m->msid_stream, m->msid_track);
    }
    gst_sdp_message_add_media(msg, &s); /* takes the contents of s */
}

static void add_session(GstSDPMessage *msg, const yf_sdp_offer_params *p)
{
    char sid[24], ver[24];
    GString *bundle = g_string_new("BUNDLE");
    g_snprintf(sid, sizeof sid, "%" G_GUINT64_FORMAT, p->session_id);
    g_snprintf(ver, sizeof ver, "%" G_GUINT64_FORMAT, p->session_version);
    gst_sdp_message_set_version(msg, "0");
    gst_sdp_message_set_origin(msg, "-", sid, ver, "IN", "IP4", "127.0.0.1");
    gst_sdp_message_set_session_name(msg, "-");
    gst_sdp_message_add_time(msg, "0", "0", NULL);
    for (size_t i = 0; i < p->n_media; i++)
        g_string_append_printf(bundle, " %s", p->media[i].mid);
    gst_sdp_message_add_attribute(msg, "group", bundle->str);
    gst_sdp_message_add_attribute(msg, "ice-options", "trickle");
    gst_sdp_message_add_attribute(msg, "msid-semantic", " WMS *");
    g_string_free(bundle, TRUE);
}

char *yf_sdp_build_offer(const yf_sdp_offer_params *p, GError **err)
{
    GstSDPMessage *msg = NULL;
    char *text = NULL;

    if (!yf_sdp_offer_params_ok(p, err))
        goto out;
    if (gst_sdp_message_new(&msg) != GST_SDP_OK) {
        invalid(err, "cannot allocate a message");
        goto out;
    }
    add_session(msg, p);
    for (size_t i = 0; i < p->n_media; i++)
        add_section(msg, &p->media[i], p);
    text = gst_sdp_message_as_text(msg);
    g_debug("offer written: version %" G_GUINT64_FORMAT ", %zu m-lines", p->session_version,
            p->n_media);
out:
    if (msg)
        gst_sdp_message_free(msg);
    return text;
}
