/* test_sdp.c -- media/sdp against offers as Chromium and Safari write them
 * (tests/data/sdp/): codec choice, refusals with the right error code,
 * the answer's key lines, and the answer read back both by GstSDPMessage and
 * by yf_sdp_parse_offer (an answer is BUNDLE/rtcp-mux/ICE/DTLS complete too). */
#include <stdlib.h>
#include <string.h>
#include <gst/sdp/sdp.h>
#include "media/sdp/sdp.h"
#include "yf_test.h"
#include "yf_test_fs.h"

#define OUR_FP "0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9"

static yf_sdp_answer_params params(uint32_t s0, uint32_t s1, uint32_t s2)
{
    yf_sdp_answer_params p = {
        .ice_ufrag = "yfU1", .ice_pwd = "yfPassword0123456789abcd", .fingerprint = OUR_FP,
        .setup = YF_SETUP_PASSIVE, .session_id = 1234567890123ULL, .cname = "yuanfang-cname",
    };
    p.ssrc[0] = s0, p.ssrc[1] = s1, p.ssrc[2] = s2;
    return p;
}

static gboolean parse_text(const char *text, yf_sdp_offer *o, GError **err)
{
    return yf_sdp_parse_offer(text, text ? strlen(text) : 0, o, err);
}

#define HAS(ans, line) CHECK((ans) && strstr((ans), line "\r\n") != NULL)
#define HASNT(ans, s) CHECK((ans) && strstr((ans), s) == NULL)

/* The answer read back: GstSDPMessage sees the same sections, and our own
 * offer parser accepts it with the same mids and payload types. */
static void check_roundtrip(const yf_sdp_offer *o, const char *answer)
{
    GstSDPMessage *msg = NULL;
    yf_sdp_offer back;
    GError *err = NULL;

    CHECK(answer && strncmp(answer, "v=0\r\no=- 1234567890123 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", 51) == 0);
    for (const char *p = answer; p && (p = strchr(p, '\n')) != NULL; p++)
        CHECK(p[-1] == '\r');
    CHECK_EQ_INT(gst_sdp_message_new_from_text(answer, &msg), GST_SDP_OK);
    CHECK_EQ_INT(gst_sdp_message_medias_len(msg), o->n_media);
    for (guint i = 0; i < gst_sdp_message_medias_len(msg) && i < (guint)o->n_media; i++) {
        const GstSDPMedia *m = gst_sdp_message_get_media(msg, i);
        CHECK_EQ_INT(gst_sdp_media_get_port(m), o->media[i].accepted ? 9 : 0);
        CHECK_EQ_INT(gst_sdp_media_formats_len(m), 1);
        CHECK(g_strcmp0(gst_sdp_media_get_attribute_val(m, "mid"), o->media[i].mid) == 0);
    }
    gst_sdp_message_free(msg);

    CHECK(yf_sdp_parse_offer(answer, strlen(answer), &back, &err));
    if (err)
        fprintf(stderr, "answer re-parse: %s\n", err->message);
    g_clear_error(&err);
    CHECK_EQ_INT(back.n_media, o->n_media);
    CHECK_EQ_INT(back.setup, YF_SETUP_PASSIVE);
    CHECK(strcmp(back.fingerprint, OUR_FP) == 0);
    CHECK(strcmp(back.ice_ufrag, "yfU1") == 0);
    for (int i = 0; i < o->n_media && i < back.n_media; i++) {
        CHECK_EQ_INT(back.media[i].accepted, o->media[i].accepted);
        CHECK(strcmp(back.media[i].mid, o->media[i].mid) == 0);
        if (o->media[i].accepted) {
            CHECK_EQ_INT(back.media[i].pt, o->media[i].pt);
            CHECK_EQ_INT(back.media[i].codec, o->media[i].codec);
            CHECK_EQ_INT(back.media[i].ext_mid, o->media[i].ext_mid);
        }
    }
}

static void test_chrome_av(void)
{
    char *text = yf_test_load("sdp", "chrome_av.sdp");
    yf_sdp_offer o;
    GError *err = NULL;
    CHECK(parse_text(text, &o, &err));
    CHECK(err == NULL);
    g_clear_error(&err);
    CHECK_EQ_INT(o.n_media, 2);
    CHECK(strcmp(o.bundle_group, "0 1") == 0);
    CHECK(strcmp(o.ice_ufrag, "Xk3v") == 0);
    CHECK(strcmp(o.ice_pwd, "P0tq8sQ5JrX1dT0wY8hB2mFz") == 0);
    CHECK(strncmp(o.fingerprint, "3A:9F:61:0C", 11) == 0 && strlen(o.fingerprint) == 95);
    CHECK_EQ_INT(o.setup, YF_SETUP_ACTPASS);
    CHECK(strcmp(o.session_id, "4611731400430051336") == 0);

    const yf_sdp_media *a = &o.media[0], *v = &o.media[1];
    CHECK(a->accepted && strcmp(a->mid, "0") == 0);
    CHECK_EQ_INT(a->kind, YF_SDP_AUDIO);
    CHECK_EQ_INT(a->codec, YF_CODEC_OPUS);
    CHECK_EQ_INT(a->pt, 111);
    CHECK_EQ_INT(a->clock_rate, 48000);
    CHECK_EQ_INT(a->channels, 2);
    CHECK(strcmp(a->fmtp, "minptime=10;useinbandfec=1") == 0);
    CHECK_EQ_INT(a->direction, YF_DIR_SENDRECV);
    CHECK_EQ_INT(a->ext_audio_level, 1);
    CHECK_EQ_INT(a->ext_abs_send_time, 2);
    CHECK_EQ_INT(a->ext_twcc, 3);
    CHECK_EQ_INT(a->ext_mid, 4);
    CHECK_EQ_INT(a->ssrc, 2271460431u);
    CHECK(a->rtcp_rsize);

    CHECK(v->accepted && strcmp(v->mid, "1") == 0);
    CHECK_EQ_INT(v->kind, YF_SDP_VIDEO);
    CHECK_EQ_INT(v->codec, YF_CODEC_VP8);
    CHECK_EQ_INT(v->pt, 96);
    CHECK_EQ_INT(v->clock_rate, 90000);
    CHECK(v->fmtp[0] == '\0');
    CHECK_EQ_INT(v->ext_mid, 4);
    CHECK_EQ_INT(v->ext_audio_level, 0);
    CHECK_EQ_INT(v->ext_twcc, 3);
    CHECK_EQ_INT(v->ssrc, 3921440766u);
    CHECK_EQ_INT(v->rtcp_fb, YF_SDP_FB_NACK | YF_SDP_FB_PLI | YF_SDP_FB_FIR |
                             YF_SDP_FB_TWCC | YF_SDP_FB_REMB);

    yf_sdp_answer_params p = params(1111, 2222, 0);
    char *ans = yf_sdp_build_answer(&o, &p, &err);
    CHECK(ans != NULL);
    g_clear_error(&err);
    HAS(ans, "a=group:BUNDLE 0 1");
    HAS(ans, "a=ice-options:trickle");
    HAS(ans, "a=msid-semantic: WMS yuanfang");
    HAS(ans, "m=audio 9 UDP/TLS/RTP/SAVPF 111");
    HAS(ans, "m=video 9 UDP/TLS/RTP/SAVPF 96");
    HAS(ans, "c=IN IP4 0.0.0.0");
    HAS(ans, "a=rtcp:9 IN IP4 0.0.0.0");
    HAS(ans, "a=setup:passive");
    HAS(ans, "a=ice-ufrag:yfU1");
    HAS(ans, "a=fingerprint:sha-256 " OUR_FP);
    HAS(ans, "a=mid:0");
    HAS(ans, "a=mid:1");
    HAS(ans, "a=sendrecv");
    HAS(ans, "a=rtcp-mux");
    HAS(ans, "a=rtcp-rsize");
    HAS(ans, "a=rtpmap:111 opus/48000/2");
    HAS(ans, "a=fmtp:111 minptime=10;useinbandfec=1");
    HAS(ans, "a=rtpmap:96 VP8/90000");
    HAS(ans, "a=rtcp-fb:96 nack");
    HAS(ans, "a=rtcp-fb:96 nack pli");
    HAS(ans, "a=rtcp-fb:96 ccm fir");
    HAS(ans, "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid");
    HAS(ans, "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level");
    HAS(ans, "a=ssrc:1111 cname:yuanfang-cname");
    HAS(ans, "a=ssrc:2222 cname:yuanfang-cname");
    HAS(ans, "a=msid:yuanfang audio-1111");
    HAS(ans, "a=msid:yuanfang video-2222");
    HASNT(ans, "transport-cc");
    HASNT(ans, "goog-remb");
    HASNT(ans, "abs-send-time");
    HASNT(ans, "rtx");
    HASNT(ans, "actpass");
    check_roundtrip(&o, ans);
    g_free(ans);
    g_free(text);
}

/* Replaces the first occurrence of from in text by to: newly allocated. */
static int count_str(const char *s, const char *needle)
{
    int n = 0;
    for (const char *q = s; q && (q = strstr(q, needle)) != NULL; q++)
        n++;
    return n;
}

static char *replaced(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    CHECK(at != NULL);
    if (!at)
        return g_strdup(text);
    return g_strdup_printf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

/* Chromium with sendEncodings rids: the answer receives the three layers
 * with the rid extensions and mid; the audio section is unchanged. */
static void test_simulcast(void)
{
    char *text = yf_test_load("sdp", "chrome_simulcast.sdp");
    yf_sdp_offer o;
    GError *err = NULL;
    CHECK(parse_text(text, &o, &err));
    if (err)
        fprintf(stderr, "simulcast: %s\n", err->message);
    g_clear_error(&err);
    const yf_sdp_media *v = &o.media[1];
    CHECK(v->accepted && v->codec == YF_CODEC_VP8);
    CHECK_EQ_INT(v->ssrc, 0);
    CHECK_EQ_INT(v->ext_rid, 10);
    CHECK_EQ_INT(v->ext_rrid, 11);
    CHECK_EQ_INT(v->n_rids, 3);
    CHECK(strcmp(v->rids[0], "q") == 0 && strcmp(v->rids[1], "h") == 0 &&
          strcmp(v->rids[2], "f") == 0);
    CHECK_EQ_INT(o.media[0].n_rids, 0);

    yf_sdp_answer_params p = params(1111, 0, 0);
    p.twcc = TRUE;
    char *ans = yf_sdp_build_answer(&o, &p, &err);
    CHECK(ans != NULL);
    g_clear_error(&err);
    HAS(ans, "a=recvonly");
    HAS(ans, "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid");
    HAS(ans, "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id");
    HAS(ans, "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id");
    HAS(ans, "a=rid:q recv");
    HAS(ans, "a=rid:h recv");
    HAS(ans, "a=rid:f recv");
    HAS(ans, "a=simulcast:recv q;h;f");
    HASNT(ans, "send q");
    check_roundtrip(&o, ans);
    /* the answer's own section names the same rids, once each */
    const char *first = strstr(ans, "a=simulcast:");
    CHECK(first && !strstr(first + 1, "a=simulcast:"));
    g_free(ans);

    /* two layers, a paused one ('~') and alternatives (the first is taken),
     * a recv list beside the send list */
    static const struct { const char *to; int n; const char *r0, *r1; } good[] = {
        { "a=simulcast:send q;~h", 2, "q", "h" },
        { "a=simulcast:send q,f;h", 2, "q", "h" },
        { "a=simulcast:recv x send h;f", 2, "h", "f" },
        { "a=simulcast:send f", 1, "f", NULL },
        { "a=simulcast:recv q;h", 0, NULL, NULL }, /* we never send simulcast */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        char *t = replaced(text, "a=simulcast:send q;h;f", good[i].to);
        CHECK(parse_text(t, &o, &err));
        if (err)
            fprintf(stderr, "simulcast case %zu: %s\n", i, err->message);
        g_clear_error(&err);
        CHECK_EQ_INT(o.media[1].n_rids, good[i].n);
        CHECK(!good[i].r0 || strcmp(o.media[1].rids[0], good[i].r0) == 0);
        CHECK(!good[i].r1 || strcmp(o.media[1].rids[1], good[i].r1) == 0);
        g_free(t);
    }

    /* a second camera offered as simulcast too: the first keeps its layers,
     * the second is answered as one stream (one simulcast section per offer) */
    {
        const char *video = strstr(text, "m=video");
        char *second = replaced(video, "a=mid:1", "a=mid:2");
        char *bundled = replaced(text, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 2");
        char *two = g_strconcat(bundled, second, NULL);
        CHECK(parse_text(two, &o, &err));
        g_clear_error(&err);
        CHECK_EQ_INT(o.n_media, 3);
        CHECK_EQ_INT(o.media[1].n_rids, 3);
        CHECK(o.media[2].accepted && o.media[2].n_rids == 0);
        char *a2 = yf_sdp_build_answer(&o, &p, &err);
        g_clear_error(&err);
        CHECK(a2 && count_str(a2, "a=simulcast:recv") == 1);
        g_free(a2);
        g_free(two);
        g_free(bundled);
        g_free(second);
    }

    /* what we cannot receive is refused, with the reason */
    static const struct { const char *from, *to, *words; } bad[] = {
        { "a=simulcast:send q;h;f", "a=rid:g send\r\na=simulcast:send q;h;f;g", "more than 3" },
        { "a=simulcast:send q;h;f", "a=simulcast:send q;h;x", "no a=rid" },
        { "a=simulcast:send q;h;f", "a=simulcast:send q;h;q", "twice" },
        { "a=simulcast:send q;h;f", "a=simulcast:send q;;f", "rid is empty" },
        { "a=simulcast:send q;h;f", "a=simulcast:send q;h;", "rid is empty" },
        { "a=simulcast:send q;h;f", "a=simulcast:send q;h*;f", "not letters" },
        { "a=simulcast:send q;h;f", "a=simulcast:send q;h;abcdefghijklmnopq", "longer than 16" },
        { "a=rid:q send", "a=rid:q recv", "no a=rid" },
        { "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", "a=extmap:10 urn:x", "rtp-stream-id" },
        { "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
          "a=extmap:15 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", "over 14" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *t = replaced(text, bad[i].from, bad[i].to);
        memset(&o, 0x55, sizeof o);
        CHECK(!parse_text(t, &o, &err));
        CHECK(err && err->domain == YF_SDP_ERROR && err->code == YF_SDP_ERROR_UNSUPPORTED);
        CHECK(err && strstr(err->message, "mid=1") && strstr(err->message, bad[i].words));
        if (!err || !strstr(err->message, bad[i].words))
            fprintf(stderr, "simulcast bad case %zu: %s\n", i, err ? err->message : "accepted");
        CHECK_EQ_INT(o.n_media, 0);
        g_clear_error(&err);
        g_free(t);
    }
    g_free(text);
}

static void test_safari_h264(void)
{
    char *text = yf_test_load("sdp", "safari_h264.sdp");
    yf_sdp_offer o;
    GError *err = NULL;
    CHECK(parse_text(text, &o, &err));
    g_clear_error(&err);
    /* session-level ICE and fingerprint, upper-cased */
    CHECK(strcmp(o.ice_ufrag, "s9Qb") == 0);
    CHECK(strncmp(o.fingerprint, "B4:17:E2:9C", 11) == 0);
    CHECK_EQ_INT(o.media[0].direction, YF_DIR_SENDONLY);
    CHECK_EQ_INT(o.media[0].pt, 111);
    /* 42e01f (pt 98) beats the earlier High profile 640c1f and pm=0 */
    CHECK_EQ_INT(o.media[1].codec, YF_CODEC_H264);
    CHECK_EQ_INT(o.media[1].pt, 98);
    CHECK(strstr(o.media[1].fmtp, "profile-level-id=42e01f") != NULL);
    CHECK_EQ_INT(o.media[1].ssrc, 2749851307u);

    /* a publisher: we only receive, even with an SSRC for the section */
    yf_sdp_answer_params p = params(0, 77, 0);
    char *ans = yf_sdp_build_answer(&o, &p, &err);
    CHECK(ans != NULL);
    g_clear_error(&err);
    HAS(ans, "m=video 9 UDP/TLS/RTP/SAVPF 98");
    HAS(ans, "a=rtpmap:98 H264/90000");
    HAS(ans, "a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
    HAS(ans, "a=recvonly");
    HASNT(ans, "a=sendrecv");
    HASNT(ans, "a=ssrc:");
    HASNT(ans, "a=msid:");
    check_roundtrip(&o, ans);
    g_free(ans);

    /* without 42xxxx the High profile with packetization-mode=1 is taken */
    text = yf_test_edit(text, "profile-level-id=42e01f", "profile-level-id=4d0032");
    CHECK(parse_text(text, &o, NULL));
    CHECK_EQ_INT(o.media[1].pt, 96);
    /* packetization-mode=0 only: the video section is rejected */
    text = yf_test_edit(text, "packetization-mode=1", "packetization-mode=0");
    CHECK(parse_text(text, &o, NULL));
    CHECK(o.media[0].accepted && !o.media[1].accepted);
    ans = yf_sdp_build_answer(&o, &p, NULL);
    HAS(ans, "a=group:BUNDLE 0");
    HAS(ans, "m=video 0 UDP/TLS/RTP/SAVPF 96");
    check_roundtrip(&o, ans);
    g_free(ans);
    g_free(text);
}

static void test_datachannel(void)
{
    char *text = yf_test_load("sdp", "chrome_datachannel.sdp");
    yf_sdp_offer o;
    GError *err = NULL;
    CHECK(parse_text(text, &o, &err));
    g_clear_error(&err);
    CHECK_EQ_INT(o.n_media, 3);
    CHECK(o.media[0].accepted && o.media[1].accepted && !o.media[2].accepted);
    CHECK_EQ_INT(o.media[2].kind, YF_SDP_OTHER);
    CHECK(strcmp(o.media[2].mid, "2") == 0);
    CHECK(strcmp(o.media[2].media, "application") == 0);
    CHECK(strcmp(o.media[2].proto, "UDP/DTLS/SCTP") == 0);
    CHECK(strcmp(o.media[2].first_fmt, "webrtc-datachannel") == 0);
    CHECK_EQ_INT(o.media[0].direction, YF_DIR_RECVONLY);
    CHECK_EQ_INT(o.media[1].pt, 96);

    /* a subscriber PC: we send video, not audio */
    yf_sdp_answer_params p = params(0, 4242, 0);
    char *ans = yf_sdp_build_answer(&o, &p, &err);
    CHECK(ans != NULL);
    g_clear_error(&err);
    HAS(ans, "a=group:BUNDLE 0 1");
    HAS(ans, "a=inactive");
    HAS(ans, "a=sendonly");
    HAS(ans, "a=ssrc:4242 cname:yuanfang-cname");
    HAS(ans, "a=msid:yuanfang video-4242");
    HAS(ans, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel");
    HAS(ans, "a=mid:2");
    HASNT(ans, "sctp-port");
    check_roundtrip(&o, ans);
    g_free(ans);
    g_free(text);
}

static void test_refusals(void)
{
    static const struct { const char *file; int code; const char *words; } cases[] = {
        { "reject_no_bundle.sdp", YF_SDP_ERROR_UNSUPPORTED, "BUNDLE" },
        { "reject_no_rtcp_mux.sdp", YF_SDP_ERROR_UNSUPPORTED, "rtcp-mux" },
        { "reject_no_fingerprint.sdp", YF_SDP_ERROR_UNSUPPORTED, "fingerprint" },
        { "reject_no_ice_ufrag.sdp", YF_SDP_ERROR_UNSUPPORTED, "ice-ufrag" },
        { "reject_setup_holdconn.sdp", YF_SDP_ERROR_UNSUPPORTED, "setup" },
        { "reject_unknown_codecs.sdp", YF_SDP_ERROR_UNSUPPORTED, "no usable audio or video" },
        { "reject_garbage.sdp", YF_SDP_ERROR_PARSE, "v=0" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text = yf_test_load("sdp", cases[i].file);
        yf_sdp_offer o;
        GError *err = NULL;
        memset(&o, 0x55, sizeof o);
        CHECK(text != NULL);
        if (parse_text(text, &o, &err))
            fprintf(stderr, "%s: accepted\n", cases[i].file);
        CHECK(err != NULL);
        CHECK(err && err->domain == YF_SDP_ERROR && err->code == cases[i].code);
        CHECK(err && strstr(err->message, cases[i].words) != NULL);
        if (err && (err->code != cases[i].code || !strstr(err->message, cases[i].words)))
            fprintf(stderr, "%s: %s\n", cases[i].file, err->message);
        CHECK_EQ_INT(o.n_media, 0);
        g_clear_error(&err);
        g_free(text);
    }
}

/* Malformed bytes and limits, built from the good offer. */
static void expect_code(const char *text, size_t len, int code, const char *what)
{
    yf_sdp_offer o;
    GError *err = NULL;
    gboolean ok = yf_sdp_parse_offer(text, len, &o, &err);
    CHECK(!ok);
    CHECK(err && err->code == code);
    if (ok || !err || err->code != code)
        fprintf(stderr, "case %s: %s\n", what, err ? err->message : "accepted");
    g_clear_error(&err);
}

static void test_bytes_and_limits(void)
{
    char *text = yf_test_load("sdp", "chrome_av.sdp");
    size_t len = strlen(text);
    expect_code("", 0, YF_SDP_ERROR_PARSE, "empty");
    expect_code(NULL, 0, YF_SDP_ERROR_PARSE, "NULL");

    GString *big = g_string_new(text);
    while (big->len <= YF_SDP_MAX_LEN)
        g_string_append(big, "a=x-padding:0123456789abcdef0123456789abcdef\r\n");
    expect_code(big->str, big->len, YF_SDP_ERROR_PARSE, "oversized");
    g_string_free(big, TRUE);

    char *copy = g_memdup2(text, len + 1);
    copy[100] = '\0';
    expect_code(copy, len, YF_SDP_ERROR_PARSE, "NUL");
    copy[100] = (char)0xff;
    expect_code(copy, len, YF_SDP_ERROR_PARSE, "not UTF-8");
    g_free(copy);

    /* 17 sections */
    GString *many = g_string_new("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n");
    for (int i = 0; i < YF_SDP_MAX_MEDIA + 1; i++)
        g_string_append_printf(many, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:%d\r\n", i);
    expect_code(many->str, many->len, YF_SDP_ERROR_UNSUPPORTED, "too many sections");
    g_string_free(many, TRUE);

    char *dup = yf_test_edit(g_strdup(text), "a=mid:1", "a=mid:0");
    expect_code(dup, strlen(dup), YF_SDP_ERROR_UNSUPPORTED, "duplicate mid");
    g_free(dup);
    char *longmid = yf_test_edit(g_strdup(text), "a=mid:1", "a=mid:0123456789012345678901234567890123");
    expect_code(longmid, strlen(longmid), YF_SDP_ERROR_UNSUPPORTED, "long mid");
    g_free(longmid);
    char *shortpwd = yf_test_edit(g_strdup(text), "P0tq8sQ5JrX1dT0wY8hB2mFz", "short");
    expect_code(shortpwd, strlen(shortpwd), YF_SDP_ERROR_UNSUPPORTED, "short ice-pwd");
    g_free(shortpwd);
    char *sha1 = yf_test_edit(g_strdup(text), "a=fingerprint:sha-256 ", "a=fingerprint:sha-1 ");
    expect_code(sha1, strlen(sha1), YF_SDP_ERROR_UNSUPPORTED, "sha-1 only");
    g_free(sha1);
    g_free(text);
}

/* Port 0 rejects a section; port 0 with a=bundle-only does not (RFC 8843). */
static void test_port_zero(void)
{
    char *text = yf_test_edit(yf_test_load("sdp", "chrome_av.sdp"), "m=video 9 ", "m=video 0 ");
    yf_sdp_offer o;
    CHECK(parse_text(text, &o, NULL));
    CHECK(o.media[0].accepted && !o.media[1].accepted);
    yf_sdp_answer_params p = params(1, 2, 0);
    char *ans = yf_sdp_build_answer(&o, &p, NULL);
    HAS(ans, "a=group:BUNDLE 0");
    HAS(ans, "m=video 0 UDP/TLS/RTP/SAVPF 96");
    HASNT(ans, "a=ssrc:2 ");
    check_roundtrip(&o, ans);
    g_free(ans);
    text = yf_test_edit(text, "a=mid:1\r\n", "a=mid:1\r\na=bundle-only\r\n");
    CHECK(parse_text(text, &o, NULL));
    CHECK(o.media[1].accepted);
    g_free(text);
}

/* RFC 3264 section 6.1 directions, and the setup rules of RFC 5763 section 5. */
static void test_directions_and_setup(void)
{
    static const struct { yf_direction offered; uint32_t ssrc; const char *answer; } t[] = {
        { YF_DIR_SENDRECV, 5, "a=sendrecv" }, { YF_DIR_SENDRECV, 0, "a=recvonly" },
        { YF_DIR_RECVONLY, 5, "a=sendonly" }, { YF_DIR_RECVONLY, 0, "a=inactive" },
        { YF_DIR_SENDONLY, 5, "a=recvonly" }, { YF_DIR_SENDONLY, 0, "a=recvonly" },
        { YF_DIR_INACTIVE, 5, "a=inactive" }, { YF_DIR_INACTIVE, 0, "a=inactive" },
    };
    char *text = yf_test_load("sdp", "chrome_av.sdp");
    yf_sdp_offer o;
    GError *err = NULL;
    CHECK(parse_text(text, &o, NULL));
    o.n_media = 1;
    for (size_t i = 0; i < G_N_ELEMENTS(t); i++) {
        o.media[0].direction = t[i].offered;
        yf_sdp_answer_params p = params(t[i].ssrc, 0, 0);
        char *ans = yf_sdp_build_answer(&o, &p, NULL);
        HAS(ans, "a=mid:0");
        CHECK(ans && strstr(ans, t[i].answer) != NULL);
        CHECK_EQ_INT(ans && strstr(ans, "a=ssrc:5 ") != NULL, strstr(t[i].answer, "send") != NULL);
        g_free(ans);
    }
    yf_sdp_answer_params p = params(5, 0, 0);
    o.setup = YF_SETUP_ACTIVE;
    p.setup = YF_SETUP_ACTIVE;
    CHECK(yf_sdp_build_answer(&o, &p, &err) == NULL);
    CHECK(err && err->code == YF_SDP_ERROR_UNSUPPORTED);
    g_clear_error(&err);
    p.setup = YF_SETUP_ACTPASS;
    CHECK(yf_sdp_build_answer(&o, &p, &err) == NULL);
    CHECK(err && err->code == YF_SDP_ERROR_INVALID);
    g_clear_error(&err);
    p = params(5, 0, 0);
    p.fingerprint = "AB:CD";
    CHECK(yf_sdp_build_answer(&o, &p, &err) == NULL);
    CHECK(err && err->code == YF_SDP_ERROR_INVALID);
    g_clear_error(&err);
    p = params(5, 0, 0);
    p.cname = NULL;
    CHECK(yf_sdp_build_answer(&o, &p, &err) == NULL);
    g_clear_error(&err);
    g_free(text);
}

/* Session-level direction and rtcp-mux apply where the section has none. */
static void test_session_level(void)
{
    char *text = yf_test_edit(yf_test_load("sdp", "chrome_av.sdp"), "a=sendrecv\r\n", "");
    text = yf_test_edit(text, "a=msid-semantic:", "a=recvonly\r\na=msid-semantic:");
    yf_sdp_offer o;
    CHECK(parse_text(text, &o, NULL));
    CHECK_EQ_INT(o.media[0].direction, YF_DIR_RECVONLY);
    CHECK_EQ_INT(o.media[1].direction, YF_DIR_RECVONLY);
    g_free(text);
}

/* The o= session id is read as digits; anything else leaves it empty and
 * the offer is still answered. */
static void test_session_id(void)
{
    static const struct { const char *origin, *want; } cases[] = {
        { "o=- 1 2 IN IP4", "1" },
        { "o=mozilla...THIS_IS_SDPARTA-99.0 7383460455436307143 0 IN IP4", "7383460455436307143" },
        { "o=- 18446744073709551615 2 IN IP4", "18446744073709551615" },
        { "o=- 0x1f 2 IN IP4", "" },
        { "o=- 123456789012345678901234567890123 2 IN IP4", "" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text = yf_test_edit(yf_test_load("sdp", "chrome_av.sdp"),
                                  "o=- 4611731400430051336 2 IN IP4", cases[i].origin);
        yf_sdp_offer o;
        CHECK(parse_text(text, &o, NULL));
        if (strcmp(o.session_id, cases[i].want) != 0)
            fprintf(stderr, "case %zu: session id \"%s\", want \"%s\"\n", i, o.session_id, cases[i].want);
        CHECK(strcmp(o.session_id, cases[i].want) == 0);
        g_free(text);
    }
}

int main(void)
{
    test_chrome_av();
    test_safari_h264();
    test_simulcast();
    test_datachannel();
    test_refusals();
    test_bytes_and_limits();
    test_port_zero();
    test_directions_and_setup();
    test_session_level();
    test_session_id();
    return yf_test_done("test_sdp");
}
