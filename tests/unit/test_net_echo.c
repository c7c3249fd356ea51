/* test_net_echo.c -- the media edge end to end on loopback, without a
 * browser: the client of net_client.c (a controlling libnice agent plus a
 * yf_peer in the DTLS client role, both on this test's GMainContext) offers
 * Opus + VP8 like Chromium, trickles candidates with a real yf_echo_session on a real
 * worker thread, reaches DTLS-SRTP, and gets its RTP echoed back with the
 * server's SSRCs from the answer. Hard deadline: never hangs CTest. */
#include <string.h>

#include "media/net/net.h"
#include "net_client.h"
#include "yf_test.h"

#define DEADLINE_US (20 * G_USEC_PER_SEC)
#define N_VIDEO 5

typedef struct {
    nc_loop loop;
    yf_net *media;
    yf_echo_session *sess;
    yf_dtls_cert *server_cert, *client_cert;
    nc_client *client;
    /* what the server told us */
    uint32_t answer_ssrc[2];
    gboolean server_connecting, server_connected, server_failed, server_gathered;
    char server_profile[64];
    int n_server_cands;
    int callbacks_after_free;
    gboolean freed;
    int64_t t0, t_connected;
} T;

/* The client's candidates trickle to the session. */
static void client_candidate(void *user, nc_client *c, const char *cand)
{
    T *t = user;
    GError *err = NULL;

    if (*cand)
        CHECK(g_str_has_prefix(cand, "candidate:"));
    CHECK(yf_echo_session_add_remote_candidate(t->sess, cand, &err));
    g_clear_error(&err);
}

/* ---- server callbacks (control context = this test's context) ---- */

static void on_local_candidate(void *user, const char *cand, const char *mid, int idx)
{
    T *t = user;
    gboolean added;

    if (t->freed)
        t->callbacks_after_free++;
    CHECK(strcmp(mid, "0") == 0);
    CHECK_EQ_INT(idx, 0);
    if (!*cand) {
        t->server_gathered = TRUE;
        nc_client_add_remote_candidate(t->client, cand);
        return;
    }
    CHECK(g_str_has_prefix(cand, "candidate:"));
    added = nc_client_add_remote_candidate(t->client, cand);
    CHECK(added);
    if (added)
        t->n_server_cands++;
}

static void on_state(void *user, const char *state, const char *profile, const char *reason)
{
    T *t = user;

    if (t->freed)
        t->callbacks_after_free++;
    if (!strcmp(state, "connecting"))
        t->server_connecting = TRUE;
    if (!strcmp(state, "connected")) {
        t->server_connected = TRUE;
        t->t_connected = g_get_monotonic_time();
        g_strlcpy(t->server_profile, profile ? profile : "", sizeof t->server_profile);
    }
    if (!strcmp(state, "failed")) {
        t->server_failed = TRUE;
        fprintf(stderr, "server failed: %s\n", reason ? reason : "?");
    }
}

static const yf_net_callbacks callbacks = { on_local_candidate, on_state };

static void quiet_candidate(void *user, const char *cand, const char *mid, int idx) {}
static void quiet_state(void *user, const char *state, const char *profile, const char *reason) {}
static const yf_net_callbacks quiet = { quiet_candidate, quiet_state };

/* ---- the offer ---- */

/* Opus + PCMU and VP8 + RTX, sendrecv, as Chromium offers them. */
static char *make_offer(const nc_client *c)
{
    static const nc_section sections[] = {
        { "m=audio 9 UDP/TLS/RTP/SAVPF 111 0",
          "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
          "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
          "a=sendrecv\r\na=msid:s a0\r\na=rtcp-mux\r\n" NC_OPUS_LINES "a=rtpmap:0 PCMU/8000\r\n"
          "a=ssrc:1111 cname:testclient\r\na=ssrc:1111 msid:s a0\r\n", 0 },
        { "m=video 9 UDP/TLS/RTP/SAVPF 96 97",
          "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
          "a=sendrecv\r\na=msid:s v0\r\na=rtcp-mux\r\na=rtcp-rsize\r\n" NC_VP8_LINES
          "a=rtcp-fb:96 goog-remb\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
          "a=ssrc-group:FID 2222 3333\r\na=ssrc:2222 cname:testclient\r\n"
          "a=ssrc:3333 cname:testclient\r\n", 0 },
    };

    return nc_client_offer(c, sections, G_N_ELEMENTS(sections));
}

/* ---- conditions ---- */

static gboolean both_connected(const void *data)
{
    const T *t = data;

    return (t->server_connected && t->client->connected) || t->server_failed;
}

static gboolean all_echoed(const void *data)
{
    const T *t = data;

    return t->client->n_rx >= N_VIDEO + 1;
}

static gboolean client_closed(const void *data)
{
    const T *t = data;

    return t->client->closed;
}

/* ---- media ---- */

static void send_media(T *t)
{
    uint8_t pl[200 + 100 * N_VIDEO];

    for (int i = 0; i < N_VIDEO; i++) {
        size_t n = 200 + 100 * (size_t)i;

        memset(pl, 0x10 + i, n);
        CHECK_EQ_INT(nc_client_send_rtp(t->client, 96, (uint16_t)(1000 + i), 3000u * (uint32_t)i, 2222, pl, n),
                     YF_OK);
    }
    memset(pl, 0x77, 60);
    CHECK_EQ_INT(nc_client_send_rtp(t->client, 111, 7, 0, 1111, pl, 60), YF_OK);
}

static void check_echo(const T *t)
{
    const nc_client *c = t->client;
    int video = 0, audio = 0;

    CHECK_EQ_INT(c->n_rx, N_VIDEO + 1);
    for (int i = 0; i < c->n_rx; i++) {
        const nc_pkt *p = &c->rx[i];
        int pt = nc_rtp_pt(p);

        CHECK(p->len >= 12);
        if (pt == 96) {
            size_t want = 12 + 200 + 100 * (size_t)video;
            CHECK_EQ_INT(p->len, want);
            CHECK_EQ_INT(nc_rtp_ssrc(p), t->answer_ssrc[1]);
            CHECK_EQ_INT(p->buf[12], 0x10 + video);
            CHECK_EQ_INT(p->buf[p->len - 1], 0x10 + video);
            video++;
        } else {
            CHECK_EQ_INT(pt, 111);
            CHECK_EQ_INT(nc_rtp_ssrc(p), t->answer_ssrc[0]);
            CHECK_EQ_INT(p->len, 72);
            CHECK_EQ_INT(p->buf[40], 0x77);
            audio++;
        }
    }
    CHECK_EQ_INT(video, N_VIDEO);
    CHECK_EQ_INT(audio, 1);
}

/* ---- the cases ---- */

static void test_refusals(T *t)
{
    GError *err = NULL;
    char *answer = NULL;
    nc_client *c = nc_client_new(&t->loop, t->client_cert, client_candidate, t);
    char *offer = make_offer(c);
    yf_echo_session *s;

    s = yf_echo_session_new(t->media, "v=0\r\nnot sdp", 12, &quiet, NULL, &answer, &err);
    CHECK(s == NULL && answer == NULL);
    CHECK(err && err->domain == YF_NET_ERROR && err->code == YF_NET_ERROR_SDP);
    g_clear_error(&err);

    s = yf_echo_session_new(t->media, offer, strlen(offer), &quiet, NULL, &answer, &err);
    CHECK(s != NULL);
    CHECK(!yf_echo_session_add_remote_candidate(s, "candidate:garbage", &err));
    CHECK(err && err->code == YF_NET_ERROR_CANDIDATE);
    g_clear_error(&err);
    /* Candidates that would aim our STUN checks somewhere they must not go. */
    static const char *const refused[] = {
        "candidate:1 1 udp 2122260223 224.0.0.251 5353 typ host",
        "candidate:1 1 udp 2122260223 255.255.255.255 9 typ host",
        "candidate:1 1 udp 2122260223 0.0.0.0 9 typ host",
        "candidate:1 1 udp 2122260223 169.254.10.20 40000 typ host",
        "candidate:1 1 udp 2122260223 fe80::1 40000 typ host",
        "candidate:1 1 udp 2122260223 192.0.2.1 0 typ host",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
        CHECK(!yf_echo_session_add_remote_candidate(s, refused[i], &err));
        CHECK(err && err->code == YF_NET_ERROR_CANDIDATE_UNUSED && strstr(err->message, "not used"));
        g_clear_error(&err);
    }
    /* TCP and a separate RTCP component are understood but not used, and say so. */
    CHECK(!yf_echo_session_add_remote_candidate(s, "candidate:1 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active", &err));
    CHECK(err && err->code == YF_NET_ERROR_CANDIDATE_UNUSED && strstr(err->message, "TCP"));
    g_clear_error(&err);
    CHECK(!yf_echo_session_add_remote_candidate(s, "candidate:1 2 udp 2122260222 192.0.2.1 40001 typ host", &err));
    CHECK(err && err->code == YF_NET_ERROR_CANDIDATE_UNUSED && strstr(err->message, "rtcp-mux"));
    g_clear_error(&err);
    /* Loopback is allowed here only because the server offers 127.0.0.1. */
    CHECK(yf_echo_session_add_remote_candidate(s, "candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host", &err));
    CHECK(err == NULL);
    /* A Chromium mDNS host candidate is not an error, just unused. */
    CHECK(!yf_echo_session_add_remote_candidate(
        s, "candidate:1 1 udp 2122260223 0b5c7a1e-1111.local 54321 typ host generation 0", &err));
    CHECK(err && err->code == YF_NET_ERROR_CANDIDATE_UNUSED && strstr(err->message, "mDNS"));
    g_clear_error(&err);
    /* yf_net_free stops it below while the handle stays valid. */
    t->sess = s;
    g_free(answer);
    g_free(offer);
    nc_client_free(c);
}

/* Clears what one round changes; keeps the loop, media and certs. */
static void round_reset(T *t)
{
    T keep = *t;

    memset(t, 0, sizeof *t);
    t->loop = keep.loop;
    t->media = keep.media;
    t->server_cert = keep.server_cert;
    t->client_cert = keep.client_cert;
}

/* One full session. The first round also pays one-time process costs
 * (libsrtp/NSS initialisation); the second shows the steady state. */
static void test_echo(T *t, int round)
{
    GError *err = NULL;
    char *answer = NULL;
    char *offer;
    nc_client *c;

    round_reset(t);
    c = t->client = nc_client_new(&t->loop, t->client_cert, client_candidate, t);
    offer = make_offer(c);
    t->t0 = g_get_monotonic_time();
    t->sess = yf_echo_session_new(t->media, offer, strlen(offer), &callbacks, t, &answer, &err);
    CHECK(t->sess != NULL);
    if (!t->sess) {
        fprintf(stderr, "offer refused: %s\n", err ? err->message : "?");
        g_clear_error(&err);
        g_free(offer);
        return;
    }
    nc_client_read_remote(c, answer);
    t->answer_ssrc[0] = nc_sdp_ssrc(answer, 0, NULL);
    t->answer_ssrc[1] = nc_sdp_ssrc(answer, 1, NULL);
    CHECK(strlen(c->remote_ufrag) >= 4);
    CHECK(strlen(c->remote_pwd) >= 22);
    CHECK(strcmp(c->remote_setup, "passive") == 0);
    CHECK(t->answer_ssrc[0] != 0 && t->answer_ssrc[1] != 0);
    nc_client_start(c);

    CHECK(nc_pump(&t->loop, both_connected, t));
    CHECK(t->server_connecting);
    CHECK(!t->server_failed);
    CHECK(t->server_gathered && t->n_server_cands >= 1);
    CHECK(strcmp(t->server_profile, "AEAD_AES_128_GCM") == 0);
    CHECK(strcmp(c->profile, "AEAD_AES_128_GCM") == 0);
    if (c->connected && t->server_connected) {
        printf("round %d: ice ready after %.1f ms, dtls connected after %.1f ms\n", round,
               (c->t_ready - t->t0) / 1000.0, (t->t_connected - t->t0) / 1000.0);
        send_media(t);
        CHECK(nc_pump(&t->loop, all_echoed, t));
        check_echo(t);
    }

    /* Freeing: no callback afterwards; the worker sends close_notify. */
    yf_echo_session_free(t->sess);
    t->sess = NULL;
    t->freed = TRUE;
    if (c->connected)
        CHECK(nc_pump(&t->loop, client_closed, t));
    nc_pump_for(&t->loop, 100 * 1000);
    CHECK_EQ_INT(t->callbacks_after_free, 0);
    nc_client_free(c);
    t->client = NULL;
    g_free(answer);
    g_free(offer);
}

int main(void)
{
    T t;
    GError *err = NULL;

    memset(&t, 0, sizeof t);
    nc_loop_init(&t.loop, DEADLINE_US);
    CHECK_EQ_INT(yf_dtls_cert_generate(&t.server_cert), YF_OK);
    CHECK_EQ_INT(yf_dtls_cert_generate(&t.client_cert), YF_OK);
    t.media = nc_media_new(&t.loop, t.server_cert, &err);
    CHECK(t.media != NULL);
    CHECK_EQ_INT(yf_net_n_workers(t.media), 2);

    test_echo(&t, 1);
    test_echo(&t, 2);
    test_refusals(&t);

    yf_net_free(t.media);
    yf_echo_session_free(t.sess); /* after yf_net_free: only the handle */
    nc_pump_for(&t.loop, 50 * 1000);

    nc_loop_clear(&t.loop);
    yf_dtls_cert_free(t.server_cert);
    yf_dtls_cert_free(t.client_cert);
    return nc_test_done("test_net_echo");
}
