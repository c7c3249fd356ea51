/* sdp_remote_answer.c -- reads a browser's answer to our subscriber offer
 * (RFC 8829 section 5.3 as Chromium writes it) into yf_sdp_answer_info: the
 * same m-lines and mids as our offer (RFC 3264 section 6), directions an
 * answer to sendonly/inactive may have (RFC 3264 section 6.1), BUNDLE
 * (RFC 8843 section 7.3), ICE credentials and DTLS role (RFC 5763 section
 * 5: active or passive). Parsing is GstSDPMessage's; this file only decides. */
#define G_LOG_DOMAIN "yf-sdp"

#include <string.h>
#include "sdp_priv.h"

#define refuse(err, ...) yf_sdp_fail(err, YF_SDP_ERROR_UNSUPPORTED, "SDP answer " __VA_ARGS__)

static gboolean has_format(const GstSDPMedia *media, int pt)
{
    char want[8];
    g_snprintf(want, sizeof want, "%d", pt);
    for (guint i = 0; i < gst_sdp_media_formats_len(media); i++)
        if (g_strcmp0(gst_sdp_media_get_format(media, i), want) == 0)
            return TRUE;
    return FALSE;
}

/* RFC 3264 section 6.1: sendonly is answered recvonly or inactive,
 * inactive is answered inactive. */
static gboolean direction_ok(gboolean we_send, yf_direction d)
{
    return d == YF_DIR_INACTIVE || (we_send && d == YF_DIR_RECVONLY);
}

/* m-line i of the answer against m-line i of our offer. */
static gboolean check_media(const GstSDPMessage *msg, guint i, const yf_sdp_offer_media *ours,
                            const char *bundle, yf_sdp_answer_media *out, GError **err)
{
    const GstSDPMedia *media = gst_sdp_message_get_media(msg, i);
    const char *kind = ours->kind == YF_SDP_AUDIO ? "audio" : "video";
    const char *mid = gst_sdp_media_get_attribute_val(media, "mid");

    if (g_strcmp0(gst_sdp_media_get_media(media), kind) != 0)
        return refuse(err, "m-line %u is not %s as in our offer", i, kind);
    if (!mid || strcmp(mid, ours->mid) != 0)
        return refuse(err, "m-line %u has %s%s, our offer has a=mid:%s (an answer to an "
                      "older or another offer?)", i, mid ? "a=mid:" : "no a=mid",
                      mid && yf_sdp_is_printable(mid, 32) ? mid : "", ours->mid);
    g_strlcpy(out->mid, ours->mid, sizeof out->mid);
    out->direction = yf_sdp_direction(msg, media);
    out->accepted = gst_sdp_media_get_port(media) != 0 ||
                    yf_sdp_has_attr(NULL, media, "bundle-only");
    if (!out->accepted)
        return TRUE;
    if (!has_format(media, ours->pt))
        return refuse(err, "m-line mid=%s does not keep our payload type %d", ours->mid, ours->pt);
    if (!yf_sdp_has_attr(msg, media, "rtcp-mux"))
        return refuse(err, "m-line mid=%s has no a=rtcp-mux", ours->mid);
    if (!bundle || !yf_sdp_in_bundle(bundle, ours->mid))
        return refuse(err, "m-line mid=%s is accepted but not in a=group:BUNDLE", ours->mid);
    if (!direction_ok(ours->active, out->direction))
        return refuse(err, "m-line mid=%s answers %s with a direction RFC 3264 section 6.1 "
                      "forbids", ours->mid, ours->active ? "sendonly" : "inactive");
    out->red = ours->red_pt != 0 && has_format(media, ours->red_pt);
    out->rtx = ours->active && ours->rtx_pt != 0 && has_format(media, ours->rtx_pt);
    return TRUE;
}

/* Transport of the first accepted m-line; the DTLS role must be decided. */
static gboolean check_transport(const GstSDPMessage *msg, int first, yf_sdp_answer_info *out,
                                GError **err)
{
    yf_sdp_transport t;
    if (first < 0)
        return refuse(err, "rejects every m-line");
    if (!yf_sdp_parse_transport(msg, gst_sdp_message_get_media(msg, (guint)first), "answer",
                                &t, err))
        return FALSE;
    if (!t.setup || (strcmp(t.setup, "active") != 0 && strcmp(t.setup, "passive") != 0))
        return refuse(err, "has a=setup %s; an answer must be active or passive (RFC 5763 "
                      "section 5)", t.setup && yf_sdp_is_token(t.setup, 16) ? t.setup : "missing");
    out->setup = strcmp(t.setup, "active") == 0 ? YF_SETUP_ACTIVE : YF_SETUP_PASSIVE;
    memcpy(out->ice_ufrag, t.ice_ufrag, sizeof out->ice_ufrag);
    memcpy(out->ice_pwd, t.ice_pwd, sizeof out->ice_pwd);
    memcpy(out->fingerprint, t.fingerprint, sizeof out->fingerprint);
    return TRUE;
}

static gboolean check_message(const GstSDPMessage *msg, const yf_sdp_offer_params *ours,
                              yf_sdp_answer_info *out, GError **err)
{
    guint n = gst_sdp_message_medias_len(msg);
    char *bundle = yf_sdp_bundle_mids(msg);
    int first = -1;
    gboolean ok = TRUE;

    if (n != ours->n_media)
        ok = refuse(err, "has %u m-lines, our offer %zu (an answer to an older or another "
                    "offer?)", n, ours->n_media);
    for (guint i = 0; ok && i < n; i++) {
        ok = check_media(msg, i, &ours->media[i], bundle, &out->media[i], err);
        if (ok && first < 0 && out->media[i].accepted)
            first = (int)i;
    }
    out->n_media = (int)n;
    yf_sdp_session_id(msg, out->session_id, sizeof out->session_id);
    if (ok)
        ok = check_transport(msg, first, out, err);
    g_free(bundle);
    return ok;
}

gboolean yf_sdp_parse_answer(const char *sdp, size_t len, const yf_sdp_offer_params *our_offer,
                             yf_sdp_answer_info *out, GError **err)
{
    memset(out, 0, sizeof *out);
    if (!yf_sdp_offer_params_ok(our_offer, err))
        return FALSE;
    GstSDPMessage *msg = yf_sdp_message_parse(sdp, len, YF_SDP_MAX_ANSWER_LEN, "answer", err);
    gboolean ok = msg && check_message(msg, our_offer, out, err);
    if (ok)
        g_debug("answer accepted: %d m-lines, setup %s", out->n_media,
                out->setup == YF_SETUP_ACTIVE ? "active" : "passive");
    if (msg)
        gst_sdp_message_free(msg);
    if (!ok)
        memset(out, 0, sizeof *out);
    return ok;
}
