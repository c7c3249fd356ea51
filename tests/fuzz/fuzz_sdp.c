/* fuzz_sdp.c -- libFuzzer target for media/sdp: any bytes as an offer; an
 * accepted offer must yield an answer that GstSDPMessage parses and that our
 * own offer parser accepts with the same sections and payload types (the
 * answer is BUNDLE/rtcp-mux/ICE/DTLS complete) and the transport-cc
 * extension id kept exactly when params.twcc (odd sizes), and the Opus fmtp
 * rewritten as params.opus says (size % 3: as offered, FEC and DTX on, off)
 * or, when that would not fit, left as offered; a simulcast section's
 * answer receives exactly its rids (a=simulcast:recv in their order, one
 * a=rid:<rid> recv each). Aborts otherwise.
 * The SDP functions of GStreamer need no gst_init. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gst/sdp/sdp.h>
#include "media/sdp/sdp.h"

/* The answer's Opus fmtp under mode: RESILIENT ends with our two
 * parameters (or is the offer's, when the rewrite did not fit); AS_OFFERED
 * is the offer's. */
static void check_opus(const yf_sdp_media *offered, const yf_sdp_media *back, yf_sdp_opus_mode mode)
{
    const char *tail = "useinbandfec=1;usedtx=1";
    size_t n = strlen(back->fmtp), t = strlen(tail);
    if (offered->codec != YF_CODEC_OPUS || !offered->accepted)
        return;
    if (mode == YF_SDP_OPUS_AS_OFFERED && strcmp(back->fmtp, offered->fmtp) != 0)
        abort();
    if (mode == YF_SDP_OPUS_RESILIENT && strcmp(back->fmtp, offered->fmtp) != 0 &&
        (n < t || strcmp(back->fmtp + n - t, tail) != 0))
        abort();
}

/* The answer's section i receives the offered layers, in order. */
static void check_simulcast(const GstSDPMessage *msg, guint i, const yf_sdp_media *m)
{
    const GstSDPMedia *s = gst_sdp_message_get_media(msg, i);
    const char *v = gst_sdp_media_get_attribute_val(s, "simulcast");
    if (!m->accepted || m->n_rids == 0) {
        if (v)
            abort();
        return;
    }
    GString *want = g_string_new("recv ");
    for (int k = 0; k < m->n_rids; k++) {
        char rid[YF_SDP_RID_LEN + 8];
        g_string_append_printf(want, "%s%s", k ? ";" : "", m->rids[k]);
        snprintf(rid, sizeof rid, "%s recv", m->rids[k]);
        if (g_strcmp0(gst_sdp_media_get_attribute_val_n(s, "rid", (guint)k), rid) != 0)
            abort();
    }
    if (g_strcmp0(v, want->str) != 0 || gst_sdp_media_get_attribute_val_n(s, "rid", (guint)m->n_rids))
        abort();
    g_string_free(want, TRUE);
}

static void check_answer(const yf_sdp_offer *o, const char *answer, gboolean twcc, yf_sdp_opus_mode mode)
{
    GstSDPMessage *msg = NULL;
    yf_sdp_offer back;
    GError *err = NULL;

    if (gst_sdp_message_new_from_text(answer, &msg) != GST_SDP_OK ||
        gst_sdp_message_medias_len(msg) != (guint)o->n_media)
        abort();
    for (int i = 0; i < o->n_media; i++)
        check_simulcast(msg, (guint)i, &o->media[i]);
    gst_sdp_message_free(msg);
    if (!yf_sdp_parse_offer(answer, strlen(answer), &back, &err)) {
        fprintf(stderr, "answer refused: %s\n%s", err->message, answer);
        abort();
    }
    if (back.n_media != o->n_media)
        abort();
    for (int i = 0; i < o->n_media; i++) {
        if (back.media[i].accepted != o->media[i].accepted ||
            strcmp(back.media[i].mid, o->media[i].mid) != 0 ||
            (o->media[i].accepted && (back.media[i].pt != o->media[i].pt ||
                                      back.media[i].codec != o->media[i].codec)))
            abort();
        /* transport-cc: the offer's id kept only when asked for */
        if (o->media[i].accepted &&
            back.media[i].ext_twcc != (twcc ? o->media[i].ext_twcc : 0))
            abort();
        check_opus(&o->media[i], &back.media[i], mode);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    yf_sdp_offer offer;
    GError *err = NULL;

    if (!yf_sdp_parse_offer((const char *)data, size, &offer, &err)) {
        if (!err || err->domain != YF_SDP_ERROR)
            abort();
        g_error_free(err);
        return 0;
    }
    yf_sdp_answer_params p = {
        .ice_ufrag = "fuzZ", .ice_pwd = "fuzzfuzzfuzzfuzzfuzz+/", .session_id = size,
        .fingerprint = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                       "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
        .setup = offer.setup == YF_SETUP_PASSIVE ? YF_SETUP_ACTIVE : YF_SETUP_PASSIVE,
        .cname = "fuzz", .twcc = size & 1, .opus = (yf_sdp_opus_mode)(size % 3),
    };
    for (int i = 0; i < YF_SDP_MAX_MEDIA; i++)
        p.ssrc[i] = (i % 3 == 2) ? 0 : 0x10000u * (uint32_t)(i + 1) + (uint32_t)size;
    char *answer = yf_sdp_build_answer(&offer, &p, &err);
    if (!answer)
        abort(); /* every accepted offer must be answerable */
    check_answer(&offer, answer, p.twcc, p.opus);
    g_free(answer);
    return 0;
}
