/* test_sdp_room.c -- media/sdp for hearing rooms: publisher answers with
 * transport-wide congestion control, our subscriber offers (1, 4 and 64
 * m-lines, inactive ones kept) read back by GstSDPMessage and by
 * yf_sdp_parse_offer, and the browser's answer to them as Chromium writes
 * it (tests/data/sdp/chrome_subscribe_answer.sdp, and one Chromium 156
 * really wrote), accepted and refused. */
#include <stdlib.h>
#include <string.h>
#include <gst/sdp/sdp.h>
#include "media/sdp/sdp.h"
#include "yf_test.h"
#include "yf_test_fs.h"
#include "sdp_four_lines.h"

#define OUR_FP YF_TEST_FP
#define TWCC_URI "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define H264_FMTP YF_TEST_H264_FMTP

#define HAS(s, line) CHECK((s) && strstr((s), line "\r\n") != NULL)
#define HASNT(s, x) CHECK((s) && strstr((s), x) == NULL)

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; p && (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* ---- publisher answers: transport-cc ---------------------------------- */

static yf_sdp_answer_params answer_params(gboolean twcc)
{
    yf_sdp_answer_params p = {
        .ice_ufrag = "yfU1", .ice_pwd = "yfPassword0123456789abcd", .fingerprint = OUR_FP,
        .setup = YF_SETUP_PASSIVE, .session_id = 42, .cname = "yf", .twcc = twcc,
    };
    return p;
}

static char *answer(const char *offer, gboolean twcc, yf_sdp_offer *o)
{
    yf_sdp_answer_params p = answer_params(twcc);
    GError *err = NULL;
    CHECK(yf_sdp_parse_offer(offer, strlen(offer), o, &err));
    g_clear_error(&err);
    char *ans = yf_sdp_build_answer(o, &p, &err);
    CHECK(ans != NULL && err == NULL);
    g_clear_error(&err);
    return ans;
}

static void test_publisher_twcc(void)
{
    char *text = yf_test_load("sdp", "chrome_av.sdp");
    yf_sdp_offer o;

    /* the primary SSRC and msid of each track, for the router and the room */
    char *ans = answer(text, FALSE, &o);
    CHECK_EQ_INT(o.media[1].ssrc, 3921440766u); /* not the FID (rtx) one */
    CHECK(strcmp(o.media[0].msid_stream, "6b4f1d1a-3c8e-4f2b-9a7d-2e5c0f1b8d31") == 0);
    CHECK(strcmp(o.media[0].msid_track, "0e8b3a5c-7d21-4c6f-b2a9-91f4e3d05c7a") == 0);
    CHECK(strcmp(o.media[1].msid_track, "c41d7e92-58a3-4b0f-8e6d-3f2a1b9c7d05") == 0);
    /* FALSE: the device-test answer, unchanged */
    HASNT(ans, "transport-cc");
    HASNT(ans, TWCC_URI);
    HAS(ans, "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level");
    HAS(ans, "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid");
    g_free(ans);

    /* TRUE: the offer's id in both sections, feedback for both chosen pts */
    ans = answer(text, TRUE, &o);
    CHECK_EQ_INT(count(ans, "a=extmap:3 " TWCC_URI "\r\n"), 2);
    HAS(ans, "a=rtcp-fb:111 transport-cc");
    HAS(ans, "a=rtcp-fb:96 transport-cc");
    HAS(ans, "a=rtcp-fb:96 nack pli");
    HAS(ans, "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level");
    CHECK_EQ_INT(count(ans, "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"), 2);
    CHECK_EQ_INT(count(ans, "a=extmap:"), 5);
    HASNT(ans, "goog-remb");
    HASNT(ans, "abs-send-time");
    HASNT(ans, "rtcp-fb:98"); /* only the chosen pt */
    /* the answer still reads back as SDP with the same ids */
    yf_sdp_offer back;
    CHECK(yf_sdp_parse_offer(ans, strlen(ans), &back, NULL));
    CHECK_EQ_INT(back.media[0].ext_twcc, 3);
    CHECK_EQ_INT(back.media[1].ext_twcc, 3);
    CHECK(back.media[0].rtcp_fb & YF_SDP_FB_TWCC);
    CHECK(back.media[1].rtcp_fb & YF_SDP_FB_TWCC);
    g_free(ans);

    /* feedback offered without the extension: neither line */
    char *noext = yf_test_edit(g_strdup(text), "a=extmap:3 " TWCC_URI "\r\n", "");
    ans = answer(noext, TRUE, &o);
    HASNT(ans, "transport-cc");
    HASNT(ans, TWCC_URI);
    g_free(ans);
    g_free(noext);

    /* the extension without feedback for the pt: the extension only */
    char *nofb = yf_test_edit(g_strdup(text), "a=rtcp-fb:111 transport-cc\r\n", "");
    ans = answer(nofb, TRUE, &o);
    CHECK_EQ_INT(count(ans, "a=extmap:3 " TWCC_URI "\r\n"), 2);
    HASNT(ans, "a=rtcp-fb:111 transport-cc");
    HAS(ans, "a=rtcp-fb:96 transport-cc");
    g_free(ans);
    g_free(nofb);

    /* another id is echoed as offered */
    char *id9 = yf_test_edit(g_strdup(text), "a=extmap:3 ", "a=extmap:9 ");
    ans = answer(id9, TRUE, &o);
    CHECK_EQ_INT(count(ans, "a=extmap:9 " TWCC_URI "\r\n"), 2);
    g_free(ans);
    g_free(id9);
    g_free(text);
}

/* ---- our offers -------------------------------------------------------- */

static const yf_sdp_offer_media *const four = yf_test_four_lines;

static yf_sdp_offer_params offer_params(const yf_sdp_offer_media *media, size_t n)
{
    yf_sdp_offer_params p = {
        .ice_ufrag = "sUb1", .ice_pwd = "subPassword0123456789+/", .fingerprint = OUR_FP,
        .session_id = 4611686018427387903ULL, .session_version = 3, .cname = "yuanfang",
        .n_media = n, .media = media,
    };
    return p;
}

/* The offer read back by GstSDPMessage: session lines and, per m-line,
 * port, format, mid, direction, msid and a=ssrc. */
static void check_offer_gst(const char *text, const yf_sdp_offer_params *p)
{
    GstSDPMessage *msg = NULL;
    CHECK_EQ_INT(gst_sdp_message_new_from_text(text, &msg), GST_SDP_OK);
    if (!msg)
        return;
    GString *bundle = g_string_new("BUNDLE");
    for (size_t i = 0; i < p->n_media; i++)
        g_string_append_printf(bundle, " %s", p->media[i].mid);
    CHECK(g_strcmp0(gst_sdp_message_get_attribute_val(msg, "group"), bundle->str) == 0);
    g_string_free(bundle, TRUE);
    CHECK(g_strcmp0(gst_sdp_message_get_attribute_val(msg, "ice-options"), "trickle") == 0);
    CHECK(g_strcmp0(gst_sdp_message_get_origin(msg)->sess_id, "4611686018427387903") == 0);
    char ver[24];
    g_snprintf(ver, sizeof ver, "%" G_GUINT64_FORMAT, p->session_version);
    CHECK(g_strcmp0(gst_sdp_message_get_origin(msg)->sess_version, ver) == 0);
    CHECK_EQ_INT(gst_sdp_message_medias_len(msg), p->n_media);
    for (guint i = 0; i < gst_sdp_message_medias_len(msg) && i < p->n_media; i++) {
        const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
        const yf_sdp_offer_media *w = &p->media[i];
        char *msid = g_strdup_printf("%s %s", w->msid_stream, w->msid_track);
        char *ssrc0 = g_strdup_printf("%u cname:yuanfang", w->ssrc);
        char *ssrc1 = g_strdup_printf("%u msid:%s", w->ssrc, msid);
        CHECK_EQ_INT(gst_sdp_media_get_port(m), 9);
        CHECK(g_strcmp0(gst_sdp_media_get_proto(m), "UDP/TLS/RTP/SAVPF") == 0);
        CHECK_EQ_INT(gst_sdp_media_formats_len(m), 1);
        CHECK_EQ_INT(atoi(gst_sdp_media_get_format(m, 0)), w->pt);
        CHECK(g_strcmp0(gst_sdp_media_get_attribute_val(m, "mid"), w->mid) == 0);
        CHECK(g_strcmp0(gst_sdp_media_get_attribute_val(m, "setup"), "actpass") == 0);
        CHECK(gst_sdp_media_get_attribute_val(m, "rtcp-mux") != NULL);
        CHECK(gst_sdp_media_get_attribute_val(m, "rtcp-rsize") != NULL);
        CHECK((gst_sdp_media_get_attribute_val(m, "sendonly") != NULL) == w->active);
        CHECK((gst_sdp_media_get_attribute_val(m, "inactive") != NULL) == !w->active);
        if (w->active) {
            CHECK(g_strcmp0(gst_sdp_media_get_attribute_val(m, "msid"), msid) == 0);
            CHECK(g_strcmp0(gst_sdp_media_get_attribute_val_n(m, "ssrc", 0), ssrc0) == 0);
            CHECK(g_strcmp0(gst_sdp_media_get_attribute_val_n(m, "ssrc", 1), ssrc1) == 0);
        } else {
            CHECK(gst_sdp_media_get_attribute_val(m, "msid") == NULL);
            CHECK(gst_sdp_media_get_attribute_val(m, "ssrc") == NULL);
            CHECK(gst_sdp_media_get_attribute_val(m, "extmap") == NULL);
        }
        g_free(msid);
        g_free(ssrc0);
        g_free(ssrc1);
    }
    gst_sdp_message_free(msg);
}

/* Our offer is also a valid browser-style offer: yf_sdp_parse_offer takes
 * the same codecs, directions, SSRCs, msids and extension ids from it. */
static void check_offer_back(const char *text, const yf_sdp_offer_params *p)
{
    yf_sdp_offer back;
    GError *err = NULL;
    CHECK(yf_sdp_parse_offer(text, strlen(text), &back, &err));
    if (err)
        fprintf(stderr, "offer re-parse: %s\n", err->message);
    g_clear_error(&err);
    CHECK_EQ_INT(back.n_media, p->n_media);
    CHECK_EQ_INT(back.setup, YF_SETUP_ACTPASS);
    CHECK(strcmp(back.fingerprint, OUR_FP) == 0);
    CHECK(strcmp(back.ice_ufrag, "sUb1") == 0);
    for (int i = 0; i < back.n_media && i < (int)p->n_media; i++) {
        const yf_sdp_media *b = &back.media[i];
        const yf_sdp_offer_media *w = &p->media[i];
        CHECK(b->accepted);
        CHECK(strcmp(b->mid, w->mid) == 0);
        CHECK_EQ_INT(b->codec, w->codec);
        CHECK_EQ_INT(b->pt, w->pt);
        CHECK(strcmp(b->fmtp, w->fmtp ? w->fmtp : "") == 0);
        CHECK_EQ_INT(b->direction, w->active ? YF_DIR_SENDONLY : YF_DIR_INACTIVE);
        CHECK_EQ_INT(b->ssrc, w->active ? w->ssrc : 0);
        CHECK(strcmp(b->msid_stream, w->active ? w->msid_stream : "") == 0);
        CHECK_EQ_INT(b->ext_audio_level, w->active ? w->ext_audio_level : 0);
        CHECK_EQ_INT(b->ext_mid, 0);
        CHECK_EQ_INT(b->ext_twcc, w->active ? p->ext_twcc : 0);
        CHECK_EQ_INT(b->rtcp_fb, (w->kind == YF_SDP_VIDEO ? (YF_SDP_FB_NACK | YF_SDP_FB_PLI | YF_SDP_FB_FIR) : 0) |
                                     (w->active && p->ext_twcc ? YF_SDP_FB_TWCC : 0));
        CHECK(b->rtcp_rsize);
    }
}

static void test_offer_one(void)
{
    yf_sdp_offer_params p = offer_params(&four[1], 1);
    GError *err = NULL;
    char *text = yf_sdp_build_offer(&p, &err);
    CHECK(text != NULL && err == NULL);
    g_clear_error(&err);
    CHECK(text && strncmp(text, "v=0\r\no=- 4611686018427387903 3 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                          "a=group:BUNDLE 1\r\n", 79) == 0);
    for (const char *c = text; c && (c = strchr(c, '\n')) != NULL; c++)
        CHECK(c[-1] == '\r');
    HAS(text, "a=ice-options:trickle");
    HAS(text, "a=msid-semantic: WMS *");
    HAS(text, "m=video 9 UDP/TLS/RTP/SAVPF 96");
    HAS(text, "c=IN IP4 0.0.0.0");
    HAS(text, "a=rtcp:9 IN IP4 0.0.0.0");
    HAS(text, "a=ice-ufrag:sUb1");
    HAS(text, "a=ice-pwd:subPassword0123456789+/");
    HAS(text, "a=fingerprint:sha-256 " OUR_FP);
    HAS(text, "a=setup:actpass");
    HAS(text, "a=mid:1");
    HAS(text, "a=sendonly");
    HAS(text, "a=msid:p2 p2-video");
    HAS(text, "a=rtcp-mux");
    HAS(text, "a=rtcp-rsize");
    HAS(text, "a=rtpmap:96 VP8/90000");
    HAS(text, "a=rtcp-fb:96 nack");
    HAS(text, "a=rtcp-fb:96 nack pli");
    HAS(text, "a=rtcp-fb:96 ccm fir");
    HAS(text, "a=ssrc:1002 cname:yuanfang");
    HAS(text, "a=ssrc:1002 msid:p2 p2-video");
    HASNT(text, "a=extmap");
    HASNT(text, "a=fmtp");
    HASNT(text, "transport-cc");
    check_offer_gst(text, &p);
    check_offer_back(text, &p);
    g_free(text);
}

static void test_offer_four(void)
{
    yf_sdp_offer_params p = offer_params(four, 4);
    char *text = yf_sdp_build_offer(&p, NULL);
    CHECK(text != NULL);
    HAS(text, "a=group:BUNDLE 0 1 2 3");
    HAS(text, "m=audio 9 UDP/TLS/RTP/SAVPF 111");
    HAS(text, "a=rtpmap:111 opus/48000/2");
    HAS(text, "a=fmtp:111 minptime=10;useinbandfec=1");
    HAS(text, "a=rtpmap:102 H264/90000");
    HAS(text, "a=fmtp:102 " H264_FMTP);
    HAS(text, "a=inactive");
    CHECK_EQ_INT(count(text, "a=sendonly\r\n"), 3);
    CHECK_EQ_INT(count(text, "a=mid:"), 4);
    /* audio level only on the active audio; no feedback on audio */
    CHECK_EQ_INT(count(text, "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"), 1);
    CHECK_EQ_INT(count(text, "a=extmap:"), 1);
    HASNT(text, "a=rtcp-fb:111");
    HASNT(text, "a=ssrc:1003");
    HASNT(text, "p3-audio");
    check_offer_gst(text, &p);
    check_offer_back(text, &p);
    g_free(text);

    /* a renegotiation: same session id, next version, m-line 1 now inactive
     * and the others unchanged in place */
    yf_sdp_offer_media again[4];
    memcpy(again, four, sizeof again);
    again[1].active = FALSE;
    p = offer_params(again, 4);
    p.session_version = 4;
    text = yf_sdp_build_offer(&p, NULL);
    CHECK(text && strstr(text, "o=- 4611686018427387903 4 IN IP4") != NULL);
    HAS(text, "a=group:BUNDLE 0 1 2 3");
    CHECK_EQ_INT(count(text, "a=inactive\r\n"), 2);
    HASNT(text, "a=ssrc:1002");
    check_offer_gst(text, &p);
    check_offer_back(text, &p);
    g_free(text);

    /* every m-line inactive: the transport stays, nothing is sent */
    for (int i = 0; i < 4; i++)
        again[i].active = FALSE;
    text = yf_sdp_build_offer(&p, NULL);
    CHECK_EQ_INT(count(text, "a=inactive\r\n"), 4);
    HAS(text, "a=group:BUNDLE 0 1 2 3");
    HASNT(text, "a=ssrc");
    g_free(text);
}

/* The largest offer and a Chromium-like answer to it fit the limits. */
static void test_offer_max(void)
{
    yf_sdp_offer_media big[YF_SDP_MAX_OFFER_MEDIA];
    char mids[YF_SDP_MAX_OFFER_MEDIA][8], tracks[YF_SDP_MAX_OFFER_MEDIA][16];
    for (int i = 0; i < YF_SDP_MAX_OFFER_MEDIA; i++) {
        big[i] = four[i % 2];
        g_snprintf(mids[i], sizeof mids[i], "%d", i);
        g_snprintf(tracks[i], sizeof tracks[i], "t%d", i);
        big[i].mid = mids[i];
        big[i].msid_track = tracks[i];
        big[i].ssrc = 5000 + (uint32_t)i;
        big[i].active = i % 3 != 0;
    }
    yf_sdp_offer_params p = offer_params(big, YF_SDP_MAX_OFFER_MEDIA);
    char *text = yf_sdp_build_offer(&p, NULL);
    CHECK(text != NULL);
    check_offer_gst(text, &p);
    /* the browser's answer: its transport, recvonly, no ssrc/msid lines */
    text = yf_test_edit(text, "a=setup:actpass", "a=setup:active");
    text = yf_test_edit(text, "a=sendonly", "a=recvonly");
    text = yf_test_edit(text, "a=ice-ufrag:sUb1", "a=ice-ufrag:brws");
    for (int i = 0; i < YF_SDP_MAX_OFFER_MEDIA; i++) {
        char *l0 = g_strdup_printf("a=ssrc:%u cname:yuanfang\r\n", 5000 + i);
        char *l1 = g_strdup_printf("a=ssrc:%u msid:p2 t%d\r\n", 5000 + i, i);
        char *l2 = g_strdup_printf("a=msid:p2 t%d\r\n", i);
        text = yf_test_edit(yf_test_edit(yf_test_edit(text, l0, ""), l1, ""), l2, "");
        g_free(l0), g_free(l1), g_free(l2);
    }
    CHECK(strlen(text) < YF_SDP_MAX_ANSWER_LEN);
    yf_sdp_answer_info info;
    GError *err = NULL;
    CHECK(yf_sdp_parse_answer(text, strlen(text), &p, &info, &err));
    if (err)
        fprintf(stderr, "max answer: %s\n", err->message);
    g_clear_error(&err);
    CHECK_EQ_INT(info.n_media, YF_SDP_MAX_OFFER_MEDIA);
    CHECK(strcmp(info.ice_ufrag, "brws") == 0);
    CHECK(strcmp(info.media[63].mid, "63") == 0);
    CHECK_EQ_INT(info.media[63].direction, YF_DIR_INACTIVE);
    CHECK_EQ_INT(info.media[62].direction, YF_DIR_RECVONLY);
    g_free(text);
}

static void expect_invalid(const yf_sdp_offer_params *p, const char *words)
{
    GError *err = NULL;
    char *text = yf_sdp_build_offer(p, &err);
    CHECK(text == NULL);
    CHECK(err && err->domain == YF_SDP_ERROR && err->code == YF_SDP_ERROR_INVALID &&
          strstr(err->message, words) != NULL);
    if (text || !err || !strstr(err->message, words))
        fprintf(stderr, "expected \"%s\", got %s\n", words, err ? err->message : "an offer");
    g_clear_error(&err);
    g_free(text);
}

static void test_offer_invalid(void)
{
    yf_sdp_offer_media m[4];
    yf_sdp_offer_params p = offer_params(four, 0);
    expect_invalid(NULL, "n_media");
    expect_invalid(&p, "n_media"); /* no m-line: no transport, no offer */
    p = offer_params(four, YF_SDP_MAX_OFFER_MEDIA + 1);
    expect_invalid(&p, "n_media");

    static const struct {
        int line;
        const char *field;
        const char *words;
    } cases[] = {
        { 1, "mid=0", "the same mid" },
        { 1, "mid=long", "mid is not" },
        { 1, "mid=sp", "mid is not" },
        { 1, "pt=72", "pt is not" },
        { 1, "pt=128", "pt is not" },
        { 1, "codec=opus", "codec does not fit" },
        { 0, "codec=vp8", "codec does not fit" },
        { 0, "channels=1", "channels" },
        { 1, "clock=48000", "clock_rate" },
        { 1, "fmtp=crlf", "fmtp" },
        { 1, "ssrc=0", "nonzero ssrc" },
        { 1, "ssrc=dup", "the same ssrc" },
        { 1, "msid=space", "msid_stream" },
        { 1, "msid=null", "msid_stream" },
        { 1, "level=video", "ext_audio_level on a video" },
        { 0, "level=15", "extension id" },
        { 1, "extmid=1", "one extension id for two URIs" },
        { 3, "ptcodec", "the same pt for different codecs" },
        { 2, "level=2", "two ids for one extension URI" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        memcpy(m, four, sizeof m);
        m[2].active = TRUE; /* so its extension ids count */
        yf_sdp_offer_media *x = &m[cases[i].line];
        const char *f = cases[i].field;
        if (!strcmp(f, "mid=0")) x->mid = "0";
        else if (!strcmp(f, "mid=long")) x->mid = "0123456789012345678901234567890123";
        else if (!strcmp(f, "mid=sp")) x->mid = "a b";
        else if (!strcmp(f, "pt=72")) x->pt = 72;
        else if (!strcmp(f, "pt=128")) x->pt = 128;
        else if (!strcmp(f, "codec=opus")) x->codec = YF_CODEC_OPUS;
        else if (!strcmp(f, "codec=vp8")) x->codec = YF_CODEC_VP8;
        else if (!strcmp(f, "channels=1")) x->channels = 1;
        else if (!strcmp(f, "clock=48000")) x->clock_rate = 48000;
        else if (!strcmp(f, "fmtp=crlf")) x->fmtp = "x=1\r\na=evil";
        else if (!strcmp(f, "ssrc=0")) x->ssrc = 0;
        else if (!strcmp(f, "ssrc=dup")) x->ssrc = m[0].ssrc;
        else if (!strcmp(f, "msid=space")) x->msid_stream = "p 2";
        else if (!strcmp(f, "msid=null")) x->msid_stream = NULL;
        else if (!strcmp(f, "level=video")) x->ext_audio_level = 1;
        else if (!strcmp(f, "level=15")) x->ext_audio_level = 15;
        else if (!strcmp(f, "extmid=1")) x->ext_mid = 1;
        else if (!strcmp(f, "ptcodec")) x->pt = 96; /* H.264 on VP8's pt */
        else if (!strcmp(f, "level=2")) x->ext_audio_level = 2;
        p = offer_params(m, 4);
        expect_invalid(&p, cases[i].words);
    }

    memcpy(m, four, sizeof m);
    p = offer_params(m, 4);
    p.session_id = 1ULL << 63;
    expect_invalid(&p, "session_id");
    p = offer_params(m, 4);
    p.cname = "a b";
    expect_invalid(&p, "cname");
    p = offer_params(m, 4);
    p.fingerprint = "sha-256 " OUR_FP;
    expect_invalid(&p, "fingerprint");
    p = offer_params(m, 4);
    p.ice_pwd = "short";
    expect_invalid(&p, "ice_pwd");

    /* an inactive m-line's sending fields are not checked (it sends nothing),
     * but its codec is: it stays in the BUNDLE group */
    m[2].ssrc = m[0].ssrc, m[2].msid_stream = NULL, m[2].ext_audio_level = 9;
    p = offer_params(m, 4);
    char *text = yf_sdp_build_offer(&p, NULL);
    CHECK(text != NULL);
    g_free(text);
    m[2].pt = 96;
    expect_invalid(&p, "the same pt for different codecs");
}

/* ---- the browser's answer ---------------------------------------------- */

static gboolean parse_answer(const char *text, const yf_sdp_offer_params *p, yf_sdp_answer_info *info,
                             GError **err)
{
    return yf_sdp_parse_answer(text, text ? strlen(text) : 0, p, info, err);
}

/* What Chromium 156 answered to the offer of four[] (with its own session
 * id, ICE and certificate), as captured from setRemoteDescription +
 * createAnswer: the same shape as chrome_subscribe_answer.sdp. */
static void test_chromium156_answer(void)
{
    char *text = yf_test_load("sdp", "chromium156_subscribe_answer.sdp");
    yf_sdp_offer_params p = offer_params(four, 4);
    yf_sdp_answer_info info;
    GError *err = NULL;
    CHECK(parse_answer(text, &p, &info, &err));
    if (err)
        fprintf(stderr, "chromium156 answer: %s\n", err->message);
    g_clear_error(&err);
    CHECK(strcmp(info.ice_ufrag, "q+VM") == 0);
    CHECK(strncmp(info.fingerprint, "F1:EB:44:B6", 11) == 0);
    CHECK(strcmp(info.session_id, "2971868623235239212") == 0);
    CHECK_EQ_INT(info.setup, YF_SETUP_ACTIVE);
    CHECK_EQ_INT(info.media[1].direction, YF_DIR_RECVONLY);
    CHECK_EQ_INT(info.media[2].direction, YF_DIR_INACTIVE);
    CHECK(info.media[3].accepted);
    g_free(text);
}

static void test_chrome_answer(void)
{
    char *text = yf_test_load("sdp", "chrome_subscribe_answer.sdp");
    yf_sdp_offer_params p = offer_params(four, 4);
    yf_sdp_answer_info info;
    GError *err = NULL;

    CHECK(parse_answer(text, &p, &info, &err));
    if (err)
        fprintf(stderr, "chrome answer: %s\n", err->message);
    g_clear_error(&err);
    CHECK(strcmp(info.ice_ufrag, "Lq2e") == 0);
    CHECK(strcmp(info.ice_pwd, "gH5xV0kPz8cR3mNw7tYb1sQe") == 0);
    CHECK(strcmp(info.fingerprint, "7C:21:9E:04:B8:5D:F3:6A:11:C0:2E:98:47:AD:5B:E6:"
                                   "3F:72:08:D9:14:A6:BB:3C:E0:59:87:2F:C4:61:9D:05") == 0);
    CHECK_EQ_INT(info.setup, YF_SETUP_ACTIVE);
    CHECK_EQ_INT(info.n_media, 4);
    static const yf_direction dirs[4] = { YF_DIR_RECVONLY, YF_DIR_RECVONLY, YF_DIR_INACTIVE,
                                          YF_DIR_RECVONLY };
    for (int i = 0; i < 4; i++) {
        CHECK(strcmp(info.media[i].mid, four[i].mid) == 0);
        CHECK(info.media[i].accepted);
        CHECK_EQ_INT(info.media[i].direction, dirs[i]);
    }

    /* passive is an answer too; setup may sit at session level */
    char *t2 = yf_test_edit(g_strdup(text), "a=setup:active", "a=setup:passive");
    CHECK(parse_answer(t2, &p, &info, NULL));
    CHECK_EQ_INT(info.setup, YF_SETUP_PASSIVE);
    g_free(t2);

    /* a browser without H.264 rejects m-line 3 (port 0, out of BUNDLE) */
    t2 = yf_test_edit(g_strdup(text), "m=video 9 UDP/TLS/RTP/SAVPF 102", "m=video 0 UDP/TLS/RTP/SAVPF 102");
    t2 = yf_test_edit(t2, "a=group:BUNDLE 0 1 2 3", "a=group:BUNDLE 0 1 2");
    CHECK(parse_answer(t2, &p, &info, NULL));
    CHECK(info.media[0].accepted && !info.media[3].accepted);
    g_free(t2);

    /* the first m-line rejected: transport from the next accepted one */
    t2 = yf_test_edit(g_strdup(text), "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:Lq2e",
              "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:zzzz");
    t2 = yf_test_edit(t2, "a=group:BUNDLE 0 1 2 3", "a=group:BUNDLE 1 2 3");
    CHECK(parse_answer(t2, &p, &info, &err));
    g_clear_error(&err);
    CHECK(!info.media[0].accepted && info.media[1].accepted);
    CHECK(strcmp(info.ice_ufrag, "Lq2e") == 0);
    g_free(t2);
    g_free(text);
}

static void expect_refused(const char *text, size_t len, const yf_sdp_offer_params *p, int code,
                           const char *words)
{
    yf_sdp_answer_info info;
    GError *err = NULL;
    memset(&info, 0x5a, sizeof info);
    gboolean ok = yf_sdp_parse_answer(text, len, p, &info, &err);
    CHECK(!ok);
    CHECK(err && err->domain == YF_SDP_ERROR && err->code == code && strstr(err->message, words));
    CHECK_EQ_INT(info.n_media, 0); /* zeroed on failure */
    if (ok || !err || err->code != code || !strstr(err->message, words))
        fprintf(stderr, "expected \"%s\", got %s\n", words, err ? err->message : "accepted");
    g_clear_error(&err);
}

static void refuse_edit(const char *text, const char *from, const char *to, int code, const char *words)
{
    yf_sdp_offer_params p = offer_params(four, 4);
    char *t = yf_test_edit(g_strdup(text), from, to);
    CHECK(strcmp(t, text) != 0); /* the edit applied */
    expect_refused(t, strlen(t), &p, code, words);
    g_free(t);
}

static void test_answer_refusals(void)
{
    char *text = yf_test_load("sdp", "chrome_subscribe_answer.sdp");
    const int U = YF_SDP_ERROR_UNSUPPORTED, P = YF_SDP_ERROR_PARSE;
    yf_sdp_offer_params p = offer_params(four, 4);

    refuse_edit(text, "a=mid:3", "a=mid:7", U, "has a=mid:7, our offer has a=mid:3");
    refuse_edit(text, "a=mid:1\r\n", "", U, "has no a=mid, our offer has a=mid:1");
    refuse_edit(text, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:Lq2e\r\na=ice-pwd:gH5xV0kPz8cR3mNw7tYb1sQe\r\na=ice-options:trickle\r\na=fingerprint",
                "m=video 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:Lq2e\r\na=ice-pwd:gH5xV0kPz8cR3mNw7tYb1sQe\r\na=ice-options:trickle\r\na=fingerprint",
                U, "m-line 0 is not audio");
    refuse_edit(text, "a=fingerprint:sha-256", "a=x-fp:sha-256", U, "no a=fingerprint:sha-256");
    refuse_edit(text, "a=fingerprint:sha-256", "a=fingerprint:sha-1", U, "no a=fingerprint:sha-256");
    refuse_edit(text, "a=ice-pwd:", "a=x-pwd:", U, "no a=ice-ufrag / a=ice-pwd");
    refuse_edit(text, "a=setup:active", "a=setup:actpass", U, "a=setup actpass");
    refuse_edit(text, "a=setup:active", "a=setup:holdconn", U, "a=setup holdconn");
    refuse_edit(text, "a=setup:active\r\n", "", U, "a=setup missing");
    refuse_edit(text, "a=recvonly", "a=sendrecv", U, "answers sendonly with a direction");
    refuse_edit(text, "a=inactive", "a=recvonly", U, "answers inactive with a direction");
    refuse_edit(text, "a=rtcp-mux\r\n", "", U, "no a=rtcp-mux");
    refuse_edit(text, "UDP/TLS/RTP/SAVPF 102", "UDP/TLS/RTP/SAVPF 104", U, "payload type 102");
    refuse_edit(text, "a=group:BUNDLE 0 1 2 3", "a=group:BUNDLE 0 1 2", U, "not in a=group:BUNDLE");
    refuse_edit(text, "a=group:BUNDLE 0 1 2 3\r\n", "", U, "not in a=group:BUNDLE");
    refuse_edit(text, " 9 UDP/TLS", " 0 UDP/TLS", U, "rejects every m-line");
    refuse_edit(text, "v=0", "v=1", P, "does not start with v=0");
    refuse_edit(text, "s=-\r\n", "s=-\r\n\r\n", P, "empty line");
    refuse_edit(text, "t=0 0", "t=0\x01", P, "not <type>=<value>");

    /* an answer to another offer: m-line count */
    yf_sdp_offer_params three = offer_params(four, 3);
    expect_refused(text, strlen(text), &three, U, "has 4 m-lines, our offer 3");
    /* the mids of a newer offer (all shifted) */
    yf_sdp_offer_media other[4];
    memcpy(other, four, sizeof other);
    other[0].mid = "a0";
    yf_sdp_offer_params po = offer_params(other, 4);
    expect_refused(text, strlen(text), &po, U, "our offer has a=mid:a0");

    /* bytes */
    expect_refused(NULL, 0, &p, P, "empty");
    expect_refused("", 0, &p, P, "empty");
    expect_refused("hello", 5, &p, P, "v=0");
    expect_refused("v=0\r\nm=", 7, &p, U, "has 0 m-lines");
    char *copy = g_strdup(text);
    copy[200] = '\0';
    expect_refused(copy, strlen(text), &p, P, "NUL");
    copy[200] = (char)0xc3;
    expect_refused(copy, strlen(text), &p, P, "UTF-8");
    g_free(copy);
    GString *big = g_string_new(text);
    while (big->len <= YF_SDP_MAX_ANSWER_LEN)
        g_string_append(big, "a=x-padding:0123456789abcdef0123456789abcdef\r\n");
    expect_refused(big->str, big->len, &p, P, "longer than");
    g_string_free(big, TRUE);
    char *garbage = yf_test_load("sdp", "reject_garbage.sdp");
    expect_refused(garbage, strlen(garbage), &p, P, "SDP answer");
    g_free(garbage);

    /* our own parameters wrong: the caller's bug, said as such */
    yf_sdp_offer_params none = offer_params(four, 0);
    expect_refused(text, strlen(text), &none, YF_SDP_ERROR_INVALID, "n_media");
    expect_refused(text, strlen(text), NULL, YF_SDP_ERROR_INVALID, "n_media");
    g_free(text);
}

/* transport-cc on the subscriber connection: our own sequence under one
 * id on every active m-line, with its feedback asked for. */
static void test_offer_twcc(void)
{
    yf_sdp_offer_params p = offer_params(four, 4);
    p.ext_twcc = 3;
    char *text = yf_sdp_build_offer(&p, NULL);
    CHECK(text != NULL);
    CHECK_EQ_INT(count(text, "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"), 3);
    CHECK_EQ_INT(count(text, " transport-cc\r\n"), 3);
    HAS(text, "a=rtcp-fb:111 transport-cc");
    HAS(text, "a=rtcp-fb:96 transport-cc");
    check_offer_gst(text, &p);
    check_offer_back(text, &p);
    g_free(text);
    p.ext_twcc = 15;
    expect_invalid(&p, "ext_twcc is not 0..14");
    p.ext_twcc = 1; /* the audio level's id */
    expect_invalid(&p, "ext_twcc is the id of another extension");
}

/* ---- Opus FEC and DTX (RFC 7587 section 6.1) --------------------------- */

/* The fmtp rewrite as a table: ours replaced, the rest kept in order. */
static void test_opus_fmtp_table(void)
{
    static const struct { const char *in; yf_sdp_opus_mode mode; const char *want; } rows[] = {
        { "minptime=10;useinbandfec=1", YF_SDP_OPUS_RESILIENT, "minptime=10;useinbandfec=1;usedtx=1" },
        { "minptime=10;useinbandfec=1", YF_SDP_OPUS_PLAIN, "minptime=10" },
        { "minptime=10;useinbandfec=1", YF_SDP_OPUS_AS_OFFERED, "minptime=10;useinbandfec=1" },
        { "", YF_SDP_OPUS_RESILIENT, "useinbandfec=1;usedtx=1" },
        { NULL, YF_SDP_OPUS_PLAIN, "" },
        { "useinbandfec=0; USEDTX=0 ;stereo=1", YF_SDP_OPUS_RESILIENT, "stereo=1;useinbandfec=1;usedtx=1" },
        { "usedtx=1;useinbandfec=1", YF_SDP_OPUS_PLAIN, "" },
        { ";;minptime=10;;", YF_SDP_OPUS_RESILIENT, "minptime=10;useinbandfec=1;usedtx=1" },
        /* a key that only starts like ours is not ours */
        { "usedtxx=1;useinbandfec", YF_SDP_OPUS_PLAIN, "usedtxx=1" },
        { "maxplaybackrate=48000;sprop-stereo=1;useinbandfec=1", YF_SDP_OPUS_RESILIENT,
          "maxplaybackrate=48000;sprop-stereo=1;useinbandfec=1;usedtx=1" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        char out[256];
        CHECK(yf_sdp_opus_fmtp(rows[i].in, rows[i].mode, out, sizeof out));
        if (strcmp(out, rows[i].want) != 0) {
            fprintf(stderr, "row %zu: '%s', want '%s'\n", i, out, rows[i].want);
            CHECK(0);
        }
    }
    /* too long for the buffer: FALSE and "" (callers keep what they had) */
    char small[16] = "x";
    CHECK(!yf_sdp_opus_fmtp("minptime=10", YF_SDP_OPUS_RESILIENT, small, sizeof small));
    CHECK(small[0] == '\0');
    char exact[24];
    CHECK(yf_sdp_opus_fmtp("", YF_SDP_OPUS_RESILIENT, exact, sizeof exact)); /* 23 chars */
    CHECK(!yf_sdp_opus_fmtp("a", YF_SDP_OPUS_RESILIENT, exact, sizeof exact));
    /* 250 characters of the offer's leave no room: the offer's own fmtp stays */
    char longf[251];
    memset(longf, 'a', 250);
    longf[250] = '\0';
    longf[1] = '=';
    char big[256];
    CHECK(!yf_sdp_opus_fmtp(longf, YF_SDP_OPUS_RESILIENT, big, sizeof big));
}

/* The publisher answer and the subscriber offer carry FEC and DTX, or
 * neither, and video keeps nack and nack pli. */
static void test_opus_resilience(void)
{
    char *text = yf_test_load("sdp", "chrome_av.sdp");
    yf_sdp_offer o;
    GError *err = NULL;
    CHECK(yf_sdp_parse_offer(text, strlen(text), &o, &err));
    g_clear_error(&err);
    yf_sdp_answer_params p = answer_params(TRUE);
    p.opus = YF_SDP_OPUS_RESILIENT;
    char *ans = yf_sdp_build_answer(&o, &p, NULL);
    HAS(ans, "a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1");
    HAS(ans, "a=rtcp-fb:96 nack");
    HAS(ans, "a=rtcp-fb:96 nack pli");
    HASNT(ans, "a=rtcp-fb:111 nack"); /* no NACK for audio: FEC repairs it */
    yf_sdp_offer back;
    CHECK(yf_sdp_parse_offer(ans, strlen(ans), &back, NULL));
    CHECK(strcmp(back.media[0].fmtp, "minptime=10;useinbandfec=1;usedtx=1") == 0);
    g_free(ans);
    p.opus = YF_SDP_OPUS_PLAIN;
    ans = yf_sdp_build_answer(&o, &p, NULL);
    HAS(ans, "a=fmtp:111 minptime=10");
    HASNT(ans, "useinbandfec");
    HASNT(ans, "usedtx");
    g_free(ans);
    g_free(text);

    yf_sdp_offer_params op = offer_params(four, 4);
    op.opus = YF_SDP_OPUS_RESILIENT;
    char *offer = yf_sdp_build_offer(&op, &err);
    CHECK(offer != NULL && err == NULL);
    g_clear_error(&err);
    CHECK_EQ_INT(count(offer, "a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1\r\n"), 2);
    HAS(offer, "a=fmtp:102 " YF_TEST_H264_FMTP); /* video fmtp untouched */
    CHECK_EQ_INT(count(offer, "a=rtcp-fb:96 nack\r\n"), 1);
    CHECK_EQ_INT(count(offer, "a=rtcp-fb:96 nack pli\r\n"), 1);
    CHECK_EQ_INT(count(offer, "a=rtcp-fb:102 nack pli\r\n"), 1);
    g_free(offer);
    op.opus = YF_SDP_OPUS_PLAIN;
    offer = yf_sdp_build_offer(&op, NULL);
    CHECK_EQ_INT(count(offer, "a=fmtp:111 minptime=10\r\n"), 2);
    HASNT(offer, "useinbandfec");
    g_free(offer);
}

/* RED for Opus (RFC 2198): read from Chromium's offer, kept in the answer
 * before Opus (else Chromium sends none), offered to subscribers, and read
 * from their answers. */
static char *replace_first(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    if (!at)
        return g_strdup(s);
    return g_strdup_printf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
}

static void test_red(void)
{
    char *text = yf_test_load("sdp", "chrome_av.sdp");
    yf_sdp_offer o;
    GError *err = NULL;
    CHECK(yf_sdp_parse_offer(text, strlen(text), &o, &err));
    g_clear_error(&err);
    CHECK_EQ_INT(o.media[0].pt, 111);
    CHECK_EQ_INT(o.media[0].red_pt, 63);
    CHECK_EQ_INT(o.media[1].red_pt, 0); /* video's red/90000 is not ours */
    yf_sdp_answer_params p = answer_params(TRUE);
    p.opus = YF_SDP_OPUS_RESILIENT;
    p.red = TRUE;
    char *ans = yf_sdp_build_answer(&o, &p, NULL);
    HAS(ans, "m=audio 9 UDP/TLS/RTP/SAVPF 63 111");
    HAS(ans, "a=rtpmap:63 red/48000/2");
    HAS(ans, "a=fmtp:63 111/111");
    yf_sdp_offer back;
    CHECK(yf_sdp_parse_offer(ans, strlen(ans), &back, NULL));
    CHECK_EQ_INT(back.media[0].pt, 111);
    CHECK_EQ_INT(back.media[0].red_pt, 63);
    g_free(ans);
    p.red = FALSE;
    ans = yf_sdp_build_answer(&o, &p, NULL);
    HAS(ans, "m=audio 9 UDP/TLS/RTP/SAVPF 111");
    HASNT(ans, "red/48000");
    g_free(ans);
    /* RED that carries another codec, or an fmtp naming another pt: none */
    static const struct { const char *from, *to; } bad[] = {
        { "a=fmtp:63 111/111", "a=fmtp:63 0/0" },
        { "a=fmtp:63 111/111", "a=fmtp:63 111/9" },
        { "a=fmtp:63 111/111", "a=fmtp:63 111/x" },
        { "a=rtpmap:63 red/48000/2", "a=rtpmap:63 red/8000/1" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *t = replace_first(text, bad[i].from, bad[i].to);
        CHECK(yf_sdp_parse_offer(t, strlen(t), &o, NULL));
        CHECK_EQ_INT(o.media[0].red_pt, 0);
        g_free(t);
    }
    g_free(text);

    /* our subscriber offer: RED beside Opus on the audio lines */
    yf_sdp_offer_media m[4];
    memcpy(m, four, sizeof m);
    m[0].red_pt = m[2].red_pt = 63;
    yf_sdp_offer_params op = offer_params(m, 4);
    char *offer = yf_sdp_build_offer(&op, &err);
    CHECK(offer != NULL && err == NULL);
    g_clear_error(&err);
    CHECK_EQ_INT(count(offer, "m=audio 9 UDP/TLS/RTP/SAVPF 111 63\r\n"), 2);
    CHECK_EQ_INT(count(offer, "a=rtpmap:63 red/48000/2\r\n"), 2);
    CHECK_EQ_INT(count(offer, "a=fmtp:63 111/111\r\n"), 2);
    /* the browser's answer: RED kept on line 0, not on line 2 */
    char *a0 = yf_test_load("sdp", "chromium156_subscribe_answer.sdp");
    char *a1 = replace_first(a0, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n",
                             "m=audio 9 UDP/TLS/RTP/SAVPF 111 63\r\n");
    yf_sdp_answer_info info;
    CHECK(parse_answer(a1, &op, &info, &err));
    g_clear_error(&err);
    CHECK(info.media[0].red);
    CHECK(!info.media[2].red);
    CHECK(!info.media[1].red);
    op = offer_params(four, 4); /* not offered: not taken, whatever the answer says */
    CHECK(parse_answer(a1, &op, &info, NULL));
    CHECK(!info.media[0].red);
    g_free(a0);
    g_free(a1);
    g_free(offer);
    /* refused: a red_pt that clashes, or out of range */
    op = offer_params(m, 4);
    m[2].red_pt = 96;
    expect_invalid(&op, "red_pt");
    m[2].red_pt = 80;
    expect_invalid(&op, "red_pt");
    m[2].red_pt = 111;
    expect_invalid(&op, "red_pt");
}

/* RTX on our video lines (the router's probes pad there): the format, its
 * rtpmap and apt, the FID group and the RTX SSRC's own lines; the
 * answer's keeping it; the refusals. */
static void test_rtx(void)
{
    GError *err = NULL;
    yf_sdp_offer_media m[4];
    memcpy(m, four, sizeof m);
    m[1].rtx_pt = 97;
    m[1].rtx_ssrc = 2002;
    m[3].rtx_pt = 103;
    m[3].rtx_ssrc = 2004;
    yf_sdp_offer_params op = offer_params(m, 4);
    char *offer = yf_sdp_build_offer(&op, &err);
    CHECK(offer != NULL && err == NULL);
    g_clear_error(&err);
    HAS(offer, "m=video 9 UDP/TLS/RTP/SAVPF 96 97");
    HAS(offer, "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96");
    HAS(offer, "m=video 9 UDP/TLS/RTP/SAVPF 102 103");
    HAS(offer, "a=fmtp:103 apt=102");
    HAS(offer, "a=ssrc-group:FID 1002 2002");
    CHECK(offer && strstr(offer, "a=ssrc:2002 cname:") != NULL);
    HAS(offer, "a=ssrc:2002 msid:p2 p2-video");
    HAS(offer, "a=ssrc-group:FID 1004 2004");
    /* the browser's answer keeps RTX on line 1, not on line 3 */
    char *a0 = yf_test_load("sdp", "chromium156_subscribe_answer.sdp");
    char *a1 = replace_first(a0, "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n", "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n");
    yf_sdp_answer_info info;
    CHECK(parse_answer(a1, &op, &info, &err));
    g_clear_error(&err);
    CHECK(info.media[1].rtx);
    CHECK(!info.media[3].rtx);
    CHECK(!info.media[0].rtx);
    op = offer_params(four, 4); /* not offered: not taken */
    CHECK(parse_answer(a1, &op, &info, NULL));
    CHECK(!info.media[1].rtx);
    g_free(a0);
    g_free(a1);
    g_free(offer);
    /* refused: an rtx_pt that clashes (another line's pt, RED, another
     * line's RTX of another pt), out of range, on audio, without an SSRC
     * of its own */
    op = offer_params(m, 4);
    m[3].rtx_pt = 96;
    expect_invalid(&op, "rtx_pt");
    m[3].rtx_pt = 97;
    expect_invalid(&op, "rtx_pt");
    m[3].rtx_pt = 80;
    expect_invalid(&op, "rtx_pt");
    m[3].rtx_pt = 102;
    expect_invalid(&op, "rtx_pt");
    m[3].rtx_pt = 103;
    m[0].red_pt = 103;
    expect_invalid(&op, "rtx_pt");
    m[0].red_pt = 0;
    m[0].rtx_pt = 98;
    m[0].rtx_ssrc = 3001;
    expect_invalid(&op, "rtx_pt");
    m[0].rtx_pt = 0;
    m[3].rtx_ssrc = 0;
    expect_invalid(&op, "rtx_ssrc");
    m[3].rtx_ssrc = 1002;
    expect_invalid(&op, "ssrc");
    m[3].rtx_ssrc = 2002;
    expect_invalid(&op, "ssrc");
}

int main(void)
{
    test_rtx();
    test_opus_fmtp_table();
    test_opus_resilience();
    test_red();
    test_publisher_twcc();
    test_offer_twcc();
    test_offer_one();
    test_offer_four();
    test_offer_max();
    test_offer_invalid();
    test_chrome_answer();
    test_chromium156_answer();
    test_answer_refusals();
    return yf_test_done("test_sdp_room");
}
