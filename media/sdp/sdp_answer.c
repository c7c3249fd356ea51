/* sdp_answer.c -- writes our answer to a parsed offer with GstSDPMessage
 * (RFC 8829 section 5.3 as Chromium accepts it): one BUNDLE group of the
 * accepted mids (RFC 8843 section 7.3), rtcp-mux (RFC 5761), DTLS role
 * (RFC 5763 section 5), one payload type per section, rejected sections with
 * port 0 (RFC 3264 section 6); with params.twcc, transport-wide congestion
 * control (draft-holmer-rmcat-transport-wide-cc-extensions-01 section 4).
 * Echoes only strings sdp_media.c vetted. */
#define G_LOG_DOMAIN "yf-sdp"

#include <string.h>
#include "sdp_priv.h"

static gboolean fail(GError **err, int code, const char *what)
{
    g_set_error(err, YF_SDP_ERROR, code, "SDP answer: %s", what);
    return FALSE;
}

/* "AB:CD:..." of SHA-256: 32 hex pairs. */
gboolean yf_sdp_our_fingerprint_ok(const char *f)
{
    if (!f || strlen(f) != 95)
        return FALSE;
    for (int i = 0; i < 95; i++)
        if (i % 3 == 2 ? f[i] != ':' : !g_ascii_isxdigit(f[i]))
            return FALSE;
    return TRUE;
}

/* The layers as sdp_simulcast.c leaves them: 0..YF_SDP_MAX_RIDS tokens on
 * a video section with the rid extension. */
static gboolean rids_ok(const yf_sdp_media *m)
{
    if (m->n_rids == 0)
        return TRUE;
    if (m->n_rids < 0 || m->n_rids > YF_SDP_MAX_RIDS || m->kind != YF_SDP_VIDEO ||
        m->ext_rid < 1 || m->ext_rid > 255)
        return FALSE;
    for (int i = 0; i < m->n_rids; i++)
        if (!yf_sdp_is_token(m->rids[i], sizeof m->rids[i]))
            return FALSE;
    return TRUE;
}

static gboolean media_ok(const yf_sdp_media *m)
{
    return (m->mid[0] == '\0' || yf_sdp_is_token(m->mid, sizeof m->mid)) &&
           yf_sdp_is_token(m->media, sizeof m->media) &&
           yf_sdp_is_printable(m->proto, sizeof m->proto) && m->proto[0] &&
           !strchr(m->proto, ' ') && yf_sdp_is_token(m->first_fmt, sizeof m->first_fmt) &&
           yf_sdp_is_printable(m->fmtp, sizeof m->fmtp) && m->red_pt >= 0 && m->red_pt <= 127 &&
           (m->red_pt == 0 || m->red_pt != m->pt) && rids_ok(m) &&
           (!m->accepted || (m->mid[0] && m->pt >= 0 && m->pt <= 127 &&
                             m->codec != YF_CODEC_NONE && m->kind != YF_SDP_OTHER));
}

static gboolean check_params(const yf_sdp_offer *o, const yf_sdp_answer_params *p, GError **err)
{
    gboolean any = FALSE, sends = FALSE;
    if (!o || !p || o->n_media < 0 || o->n_media > YF_SDP_MAX_MEDIA)
        return fail(err, YF_SDP_ERROR_INVALID, "no offer or parameters");
    for (int i = 0; i < o->n_media; i++) {
        if (!media_ok(&o->media[i]))
            return fail(err, YF_SDP_ERROR_INVALID, "offer struct not from yf_sdp_parse_offer");
        any |= o->media[i].accepted;
        sends |= o->media[i].accepted && p->ssrc[i] != 0;
    }
    if (!any)
        return fail(err, YF_SDP_ERROR_UNSUPPORTED, "the offer has no accepted section");
    if (!yf_sdp_ice_chars_ok(p->ice_ufrag, 4, 256) || !yf_sdp_ice_chars_ok(p->ice_pwd, 22, 256))
        return fail(err, YF_SDP_ERROR_INVALID, "ice_ufrag or ice_pwd missing or malformed");
    if (!yf_sdp_our_fingerprint_ok(p->fingerprint))
        return fail(err, YF_SDP_ERROR_INVALID, "fingerprint is not a SHA-256 \"AB:CD:...\"");
    if (sends && (!p->cname || !*p->cname || strchr(p->cname, ' ') ||
                  !yf_sdp_is_printable(p->cname, 256)))
        return fail(err, YF_SDP_ERROR_INVALID, "cname missing or malformed");
    if (p->setup != YF_SETUP_ACTIVE && p->setup != YF_SETUP_PASSIVE)
        return fail(err, YF_SDP_ERROR_INVALID, "setup must be active or passive");
    if ((o->setup == YF_SETUP_ACTIVE && p->setup == YF_SETUP_ACTIVE) ||
        (o->setup == YF_SETUP_PASSIVE && p->setup == YF_SETUP_PASSIVE))
        return fail(err, YF_SDP_ERROR_UNSUPPORTED, "setup conflicts with the offer's a=setup");
    return TRUE;
}

/* RFC 3264 section 6.1; we send only with an SSRC. */
static const char *answer_direction(yf_direction offered, gboolean we_send)
{
    switch (offered) {
    case YF_DIR_SENDRECV: return we_send ? "sendrecv" : "recvonly";
    case YF_DIR_RECVONLY: return we_send ? "sendonly" : "inactive";
    case YF_DIR_SENDONLY: return "recvonly";
    default: return "inactive";
    }
}

/* The transport-cc feedback line is kept only with its extension: feedback
 * needs the sequence numbers (draft-holmer-rmcat-transport-wide-cc-
 * extensions-01 section 4). */
static gboolean keeps_twcc(const yf_sdp_media *m, const yf_sdp_answer_params *p)
{
    return p->twcc && m->ext_twcc != 0;
}

/* Whether the answer keeps the offer's RED for Opus (p->red). */
static gboolean keeps_red(const yf_sdp_media *m, const yf_sdp_answer_params *p)
{
    return p->red && m->codec == YF_CODEC_OPUS && m->red_pt != 0;
}

static void add_codec(GstSDPMedia *s, const yf_sdp_media *m, const yf_sdp_answer_params *p)
{
    char *v = NULL;
    if (keeps_red(m, p)) { /* RFC 2198 section 5 */
        v = g_strdup_printf("%d red/48000/2", m->red_pt);
        gst_sdp_media_add_attribute(s, "rtpmap", v);
        g_free(v);
        v = g_strdup_printf("%d %d/%d", m->red_pt, m->pt, m->pt);
        gst_sdp_media_add_attribute(s, "fmtp", v);
        g_free(v);
    }
    if (m->codec == YF_CODEC_OPUS)
        v = g_strdup_printf("%d opus/48000/2", m->pt);
    else
        v = g_strdup_printf("%d %s/90000", m->pt, m->codec == YF_CODEC_VP8 ? "VP8" : "H264");
    gst_sdp_media_add_attribute(s, "rtpmap", v);
    g_free(v);
    static const struct { unsigned bit; const char *text; gboolean video_only; } fb[] = {
        { YF_SDP_FB_NACK, "nack", TRUE }, { YF_SDP_FB_PLI, "nack pli", TRUE },
        { YF_SDP_FB_FIR, "ccm fir", TRUE }, { YF_SDP_FB_TWCC, "transport-cc", FALSE },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(fb); i++) {
        if (!(m->rtcp_fb & fb[i].bit) || (fb[i].video_only && m->kind != YF_SDP_VIDEO) ||
            (fb[i].bit == YF_SDP_FB_TWCC && !keeps_twcc(m, p)))
            continue;
        v = g_strdup_printf("%d %s", m->pt, fb[i].text);
        gst_sdp_media_add_attribute(s, "rtcp-fb", v);
        g_free(v);
    }
    char opus[sizeof m->fmtp];
    const char *fmtp = m->fmtp;
    if (m->codec == YF_CODEC_OPUS && yf_sdp_opus_fmtp(m->fmtp, p->opus, opus, sizeof opus))
        fmtp = opus;
    if (fmtp[0]) {
        v = g_strdup_printf("%d %s", m->pt, fmtp);
        gst_sdp_media_add_attribute(s, "fmtp", v);
        g_free(v);
    }
}

void yf_sdp_add_transport(GstSDPMedia *s, const char *ufrag, const char *pwd, const char *fp,
                          const char *setup)
{
    char *f = g_strdup_printf("sha-256 %s", fp);
    gst_sdp_media_add_attribute(s, "rtcp", "9 IN IP4 0.0.0.0");
    gst_sdp_media_add_attribute(s, "ice-ufrag", ufrag);
    gst_sdp_media_add_attribute(s, "ice-pwd", pwd);
    gst_sdp_media_add_attribute(s, "fingerprint", f);
    gst_sdp_media_add_attribute(s, "setup", setup);
    g_free(f);
}

void yf_sdp_add_extmap(GstSDPMedia *s, int id, const char *uri)
{
    char *v = g_strdup_printf("%d %s", id, uri);
    gst_sdp_media_add_attribute(s, "extmap", v);
    g_free(v);
}

/* An accepted section: our transport, one codec, and our SSRC if we send. */
static void accepted_section(GstSDPMedia *s, const yf_sdp_media *m, uint32_t ssrc,
                             const yf_sdp_answer_params *p)
{
    char pt[8];
    const char *dir = answer_direction(m->direction, ssrc != 0);
    gboolean sending = strcmp(dir, "sendrecv") == 0 || strcmp(dir, "sendonly") == 0;

    g_snprintf(pt, sizeof pt, "%d", m->pt);
    gst_sdp_media_set_port_info(s, 9, 0);
    gst_sdp_media_set_proto(s, "UDP/TLS/RTP/SAVPF");
    if (keeps_red(m, p)) { /* before Opus, or Chromium sends no RED (sdp.h) */
        char red[8];
        g_snprintf(red, sizeof red, "%d", m->red_pt);
        gst_sdp_media_add_format(s, red);
    }
    gst_sdp_media_add_format(s, pt);
    yf_sdp_add_transport(s, p->ice_ufrag, p->ice_pwd, p->fingerprint,
                         p->setup == YF_SETUP_ACTIVE ? "active" : "passive");
    gst_sdp_media_add_attribute(s, "mid", m->mid);
    if (m->ext_mid)
        yf_sdp_add_extmap(s, m->ext_mid, YF_SDP_EXT_MID);
    if (m->kind == YF_SDP_AUDIO && m->ext_audio_level)
        yf_sdp_add_extmap(s, m->ext_audio_level, YF_SDP_EXT_AUDIO_LEVEL);
    if (keeps_twcc(m, p))
        yf_sdp_add_extmap(s, m->ext_twcc, YF_SDP_EXT_TWCC);
    gst_sdp_media_add_attribute(s, dir, NULL);
    char *msid = g_strdup_printf("yuanfang %s-%u", m->media, ssrc);
    char *cname = g_strdup_printf("%u cname:%s", ssrc, p->cname);
    if (sending)
        gst_sdp_media_add_attribute(s, "msid", msid);
    gst_sdp_media_add_attribute(s, "rtcp-mux", NULL);
    if (m->rtcp_rsize)
        gst_sdp_media_add_attribute(s, "rtcp-rsize", NULL);
    add_codec(s, m, p);
    yf_sdp_add_simulcast_recv(s, m);
    if (sending)
        gst_sdp_media_add_attribute(s, "ssrc", cname);
    g_free(msid);
    g_free(cname);
}

/* A rejected section (RFC 3264 section 6): port 0, same media, protocol and
 * mid, one offered format so the m= line stays valid. */
static void rejected_section(GstSDPMedia *s, const yf_sdp_media *m)
{
    gst_sdp_media_set_port_info(s, 0, 0);
    gst_sdp_media_set_proto(s, m->proto);
    gst_sdp_media_add_format(s, m->first_fmt);
    if (m->mid[0])
        gst_sdp_media_add_attribute(s, "mid", m->mid);
    gst_sdp_media_add_attribute(s, "inactive", NULL);
}

static void add_section(GstSDPMessage *msg, const yf_sdp_media *m, uint32_t ssrc,
                        const yf_sdp_answer_params *p)
{
    GstSDPMedia s;
    memset(&s, 0, sizeof s); /* gst_sdp_media_init frees what it finds */
    gst_sdp_media_init(&s);
    gst_sdp_media_set_media(&s, m->media);
    gst_sdp_media_add_connection(&s, "IN", "IP4", "0.0.0.0", 0, 0);
    if (m->accepted)
        accepted_section(&s, m, ssrc, p);
    else
        rejected_section(&s, m);
    gst_sdp_message_add_media(msg, &s); /* takes the contents of s */
}

static void add_session(GstSDPMessage *msg, const yf_sdp_offer *o, const yf_sdp_answer_params *p)
{
    char sid[24];
    GString *bundle = g_string_new("BUNDLE");
    g_snprintf(sid, sizeof sid, "%" G_GUINT64_FORMAT, p->session_id);
    gst_sdp_message_set_version(msg, "0");
    gst_sdp_message_set_origin(msg, "-", sid, "2", "IN", "IP4", "127.0.0.1");
    gst_sdp_message_set_session_name(msg, "-");
    gst_sdp_message_add_time(msg, "0", "0", NULL);
    for (int i = 0; i < o->n_media; i++)
        if (o->media[i].accepted)
            g_string_append_printf(bundle, " %s", o->media[i].mid);
    gst_sdp_message_add_attribute(msg, "group", bundle->str);
    gst_sdp_message_add_attribute(msg, "ice-options", "trickle");
    gst_sdp_message_add_attribute(msg, "msid-semantic", " WMS yuanfang");
    g_string_free(bundle, TRUE);
}

char *yf_sdp_build_answer(const yf_sdp_offer *offer, const yf_sdp_answer_params *p, GError **err)
{
    GstSDPMessage *msg = NULL;
    char *text = NULL;

    if (!check_params(offer, p, err))
        goto out;
    if (gst_sdp_message_new(&msg) != GST_SDP_OK) {
        fail(err, YF_SDP_ERROR_INVALID, "cannot allocate a message");
        goto out;
    }
    add_session(msg, offer, p);
    for (int i = 0; i < offer->n_media; i++)
        add_section(msg, &offer->media[i], p->ssrc[i], p);
    text = gst_sdp_message_as_text(msg);
    g_debug("answer written: %d media sections", offer->n_media);
out:
    if (msg)
        gst_sdp_message_free(msg);
    return text;
}
