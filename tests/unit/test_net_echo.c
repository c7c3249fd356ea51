/* test_net_echo.c -- the media edge end to end on loopback, without a
 * browser: a client built here (a controlling libnice agent plus a yf_peer in
 * the DTLS client role, both on this test's GMainContext) offers Opus + VP8
 * like Chromium, trickles candidates with a real yf_echo_session on a real
 * worker thread, reaches DTLS-SRTP, and gets its RTP echoed back with the
 * server's SSRCs from the answer. Hard deadline: never hangs CTest. */
#include <nice/agent.h>
#include <stdlib.h>
#include <string.h>

#include "media/net/yf_media.h"
#include "yf_test.h"

#define DEADLINE_US (20 * G_USEC_PER_SEC)
#define N_VIDEO 5
#define MAX_ECHO 16

typedef struct {
    uint8_t buf[1500];
    size_t len;
} pkt;

typedef struct {
    GMainContext *ctx;
    int64_t deadline;
    yf_media *media;
    yf_echo_session *sess;
    yf_dtls_cert *server_cert, *client_cert;
    /* client side */
    NiceAgent *agent;
    guint stream;
    yf_peer *peer;
    int64_t peer_timeout;
    char ufrag[64], pwd[64], fp[128];
    gboolean ice_ready, client_connected, client_closed;
    char client_profile[64];
    pkt echoed[MAX_ECHO];
    int n_echoed;
    /* what the server told us */
    char answer_ufrag[64], answer_pwd[64], answer_fp[128], answer_setup[16];
    uint32_t answer_ssrc[2];
    gboolean server_connecting, server_connected, server_failed, server_gathered;
    char server_profile[64];
    int n_server_cands;
    int callbacks_after_free;
    gboolean freed;
    int64_t t0, t_ice, t_connected;
} T;

/* ---- client peer ---- */

static void client_event(T *t, const yf_output *o)
{
    if (o->event == YF_EV_CONNECTED) {
        t->client_connected = TRUE;
        g_strlcpy(t->client_profile, o->srtp_profile, sizeof t->client_profile);
    } else if (o->event == YF_EV_RTP && t->n_echoed < MAX_ECHO && o->len <= sizeof t->echoed[0].buf) {
        memcpy(t->echoed[t->n_echoed].buf, o->data, o->len);
        t->echoed[t->n_echoed++].len = o->len;
    } else if (o->event == YF_EV_CLOSED) {
        t->client_closed = TRUE;
    } else if (o->event == YF_EV_FAILED) {
        fprintf(stderr, "client peer failed: %s\n", o->reason ? o->reason : "?");
    }
}

static void client_drain(T *t)
{
    yf_output o;
    int64_t now = g_get_monotonic_time();

    for (;;) {
        yf_peer_poll_output(t->peer, now, &o);
        if (o.kind == YF_OUT_TIMEOUT)
            break;
        if (o.kind == YF_OUT_TRANSMIT)
            nice_agent_send(t->agent, t->stream, 1, (guint)o.len, (const gchar *)o.data);
        else
            client_event(t, &o);
    }
    t->peer_timeout = o.timeout_us;
}

static gboolean client_tick(gpointer data)
{
    T *t = data;

    if (t->peer && g_get_monotonic_time() >= t->peer_timeout) {
        yf_peer_handle_timeout(t->peer, g_get_monotonic_time());
        client_drain(t);
    }
    return G_SOURCE_CONTINUE;
}

static void client_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *buf,
                        gpointer data)
{
    T *t = data;

    if (!t->peer)
        return;
    yf_peer_handle_datagram(t->peer, g_get_monotonic_time(), (const uint8_t *)buf, len);
    client_drain(t);
}

/* ---- client ICE ---- */

static void client_candidate(NiceAgent *agent, NiceCandidate *c, gpointer data)
{
    T *t = data;
    char *line = nice_agent_generate_local_candidate_sdp(agent, c);
    GError *err = NULL;

    CHECK(g_str_has_prefix(line, "a=candidate:"));
    CHECK(yf_echo_session_add_remote_candidate(t->sess, line + 2, &err));
    g_clear_error(&err);
    g_free(line);
}

static void client_gathered(NiceAgent *agent, guint stream_id, gpointer data)
{
    T *t = data;

    CHECK(yf_echo_session_add_remote_candidate(t->sess, "", NULL));
}

static void client_state(NiceAgent *agent, guint stream_id, guint component_id, guint state, gpointer data)
{
    T *t = data;
    yf_peer_config pc;

    if ((state != NICE_COMPONENT_STATE_READY && state != NICE_COMPONENT_STATE_CONNECTED) || t->peer)
        return;
    t->ice_ready = TRUE;
    t->t_ice = g_get_monotonic_time();
    memset(&pc, 0, sizeof pc);
    pc.cert = t->client_cert;
    pc.role = YF_DTLS_ROLE_CLIENT;
    g_strlcpy(pc.remote_fingerprint, t->answer_fp, sizeof pc.remote_fingerprint);
    /* Chromium's order: AES-CM first; the server's preference must win. */
    pc.srtp_profiles = "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM";
    t->peer = yf_peer_new(&pc, g_get_monotonic_time());
    CHECK(t->peer != NULL);
    if (t->peer)
        client_drain(t);
}

static void client_setup(T *t)
{
    NiceAddress addr;
    gchar *ufrag = NULL, *pwd = NULL;

    t->agent = nice_agent_new_full(t->ctx, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);
    g_object_set(t->agent, "controlling-mode", TRUE, "ice-tcp", FALSE, "upnp", FALSE, NULL);
    nice_address_init(&addr);
    nice_address_set_from_string(&addr, "127.0.0.1");
    nice_agent_add_local_address(t->agent, &addr);
    t->stream = nice_agent_add_stream(t->agent, 1);
    nice_agent_get_local_credentials(t->agent, t->stream, &ufrag, &pwd);
    g_strlcpy(t->ufrag, ufrag, sizeof t->ufrag);
    g_strlcpy(t->pwd, pwd, sizeof t->pwd);
    g_free(ufrag);
    g_free(pwd);
    g_signal_connect(t->agent, "new-candidate-full", G_CALLBACK(client_candidate), t);
    g_signal_connect(t->agent, "candidate-gathering-done", G_CALLBACK(client_gathered), t);
    g_signal_connect(t->agent, "component-state-changed", G_CALLBACK(client_state), t);
    nice_agent_attach_recv(t->agent, t->stream, 1, t->ctx, client_recv, t);
}

/* ---- server callbacks (control context = this test's context) ---- */

static void on_local_candidate(void *user, const char *cand, const char *mid, int idx)
{
    T *t = user;
    char *line;
    NiceCandidate *c;
    GSList one = { 0 };

    if (t->freed)
        t->callbacks_after_free++;
    CHECK(strcmp(mid, "0") == 0);
    CHECK_EQ_INT(idx, 0);
    if (!*cand) {
        t->server_gathered = TRUE;
        nice_agent_peer_candidate_gathering_done(t->agent, t->stream);
        return;
    }
    CHECK(g_str_has_prefix(cand, "candidate:"));
    line = g_strconcat("a=", cand, NULL);
    c = nice_agent_parse_remote_candidate_sdp(t->agent, t->stream, line);
    CHECK(c != NULL);
    if (c) {
        t->n_server_cands++;
        one.data = c;
        nice_agent_set_remote_candidates(t->agent, t->stream, 1, &one);
        nice_candidate_free(c);
    }
    g_free(line);
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

static const yf_media_callbacks callbacks = { on_local_candidate, on_state };

static void quiet_candidate(void *user, const char *cand, const char *mid, int idx) {}
static void quiet_state(void *user, const char *state, const char *profile, const char *reason) {}
static const yf_media_callbacks quiet = { quiet_candidate, quiet_state };

/* ---- offer and answer text ---- */

static char *make_offer(const T *t)
{
    return g_strdup_printf(
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        "a=group:BUNDLE 0 1\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS s\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
        "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=ice-options:trickle\r\n"
        "a=fingerprint:sha-256 %s\r\na=setup:actpass\r\na=mid:0\r\n"
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
        "a=sendrecv\r\na=msid:s a0\r\na=rtcp-mux\r\n"
        "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\n"
        "a=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:0 PCMU/8000\r\n"
        "a=ssrc:1111 cname:testclient\r\na=ssrc:1111 msid:s a0\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
        "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=ice-options:trickle\r\n"
        "a=fingerprint:sha-256 %s\r\na=setup:actpass\r\na=mid:1\r\n"
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
        "a=sendrecv\r\na=msid:s v0\r\na=rtcp-mux\r\na=rtcp-rsize\r\n"
        "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\n"
        "a=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
        "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
        "a=ssrc-group:FID 2222 3333\r\na=ssrc:2222 cname:testclient\r\n"
        "a=ssrc:3333 cname:testclient\r\n",
        t->ufrag, t->pwd, t->fp, t->ufrag, t->pwd, t->fp);
}

/* Reads the values the client needs from the answer: session-or-media
 * ice-ufrag/pwd/fingerprint/setup, and the first a=ssrc of each section. */
static void read_answer(T *t, const char *answer)
{
    char **lines = g_strsplit(answer, "\n", -1);
    int section = -1;

    for (char **l = lines; *l; l++) {
        g_strchomp(*l);
        if (g_str_has_prefix(*l, "m="))
            section++;
        else if (g_str_has_prefix(*l, "a=ice-ufrag:"))
            g_strlcpy(t->answer_ufrag, *l + 12, sizeof t->answer_ufrag);
        else if (g_str_has_prefix(*l, "a=ice-pwd:"))
            g_strlcpy(t->answer_pwd, *l + 10, sizeof t->answer_pwd);
        else if (g_str_has_prefix(*l, "a=fingerprint:sha-256 "))
            g_strlcpy(t->answer_fp, *l + 22, sizeof t->answer_fp);
        else if (g_str_has_prefix(*l, "a=setup:"))
            g_strlcpy(t->answer_setup, *l + 8, sizeof t->answer_setup);
        else if (g_str_has_prefix(*l, "a=ssrc:") && section >= 0 && section < 2 && !t->answer_ssrc[section])
            t->answer_ssrc[section] = (uint32_t)strtoul(*l + 7, NULL, 10);
    }
    g_strfreev(lines);
}

/* ---- pumping ---- */

typedef gboolean (*cond_fn)(const T *t);

static gboolean pump(T *t, cond_fn cond)
{
    while (!cond(t) && g_get_monotonic_time() < t->deadline)
        g_main_context_iteration(t->ctx, TRUE);
    return cond(t);
}

static gboolean both_connected(const T *t)
{
    return (t->server_connected && t->client_connected) || t->server_failed;
}

static gboolean all_echoed(const T *t)
{
    return t->n_echoed >= N_VIDEO + 1;
}

static gboolean client_closed(const T *t)
{
    return t->client_closed;
}

static gboolean never(const T *t)
{
    return FALSE;
}

static void pump_for(T *t, int64_t us)
{
    int64_t saved = t->deadline;

    t->deadline = MIN(saved, g_get_monotonic_time() + us);
    pump(t, never);
    t->deadline = saved;
}

/* ---- media ---- */

static size_t make_rtp(uint8_t *b, int pt, uint16_t seq, uint32_t ssrc, int fill, size_t payload)
{
    b[0] = 0x80;
    b[1] = (uint8_t)pt;
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    memset(b + 4, 0, 4);
    b[4] = (uint8_t)(seq >> 4);
    b[8] = (uint8_t)(ssrc >> 24);
    b[9] = (uint8_t)(ssrc >> 16);
    b[10] = (uint8_t)(ssrc >> 8);
    b[11] = (uint8_t)ssrc;
    memset(b + 12, fill, payload);
    return 12 + payload;
}

static uint32_t rtp_ssrc(const uint8_t *b)
{
    return ((uint32_t)b[8] << 24) | ((uint32_t)b[9] << 16) | ((uint32_t)b[10] << 8) | b[11];
}

static void send_media(T *t)
{
    uint8_t b[1500];
    int64_t now = g_get_monotonic_time();

    for (int i = 0; i < N_VIDEO; i++) {
        size_t n = make_rtp(b, 96, (uint16_t)(1000 + i), 2222, 0x10 + i, 200 + 100 * (size_t)i);
        CHECK_EQ_INT(yf_peer_send_rtp(t->peer, now, b, n), YF_OK);
    }
    CHECK_EQ_INT(yf_peer_send_rtp(t->peer, now, b, make_rtp(b, 111, 7, 1111, 0x77, 60)), YF_OK);
    client_drain(t);
}

static void check_echo(const T *t)
{
    int video = 0, audio = 0;

    CHECK_EQ_INT(t->n_echoed, N_VIDEO + 1);
    for (int i = 0; i < t->n_echoed; i++) {
        const pkt *p = &t->echoed[i];
        int pt = p->buf[1] & 0x7f;

        CHECK(p->len >= 12);
        if (pt == 96) {
            size_t want = 12 + 200 + 100 * (size_t)video;
            CHECK_EQ_INT(p->len, want);
            CHECK_EQ_INT(rtp_ssrc(p->buf), t->answer_ssrc[1]);
            CHECK_EQ_INT(p->buf[12], 0x10 + video);
            CHECK_EQ_INT(p->buf[p->len - 1], 0x10 + video);
            video++;
        } else {
            CHECK_EQ_INT(pt, 111);
            CHECK_EQ_INT(rtp_ssrc(p->buf), t->answer_ssrc[0]);
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
    char *offer = make_offer(t);
    yf_echo_session *s;

    s = yf_echo_session_new(t->media, "v=0\r\nnot sdp", 12, &quiet, NULL, &answer, &err);
    CHECK(s == NULL && answer == NULL);
    CHECK(err && err->domain == YF_MEDIA_ERROR && err->code == YF_MEDIA_ERROR_SDP);
    g_clear_error(&err);

    s = yf_echo_session_new(t->media, offer, strlen(offer), &quiet, NULL, &answer, &err);
    CHECK(s != NULL);
    CHECK(!yf_echo_session_add_remote_candidate(s, "candidate:garbage", &err));
    CHECK(err && err->code == YF_MEDIA_ERROR_CANDIDATE);
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
        CHECK(err && err->code == YF_MEDIA_ERROR_CANDIDATE_UNUSED && strstr(err->message, "not used"));
        g_clear_error(&err);
    }
    /* TCP and a separate RTCP component are understood but not used, and say so. */
    CHECK(!yf_echo_session_add_remote_candidate(s, "candidate:1 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active", &err));
    CHECK(err && err->code == YF_MEDIA_ERROR_CANDIDATE_UNUSED && strstr(err->message, "TCP"));
    g_clear_error(&err);
    CHECK(!yf_echo_session_add_remote_candidate(s, "candidate:1 2 udp 2122260222 192.0.2.1 40001 typ host", &err));
    CHECK(err && err->code == YF_MEDIA_ERROR_CANDIDATE_UNUSED && strstr(err->message, "rtcp-mux"));
    g_clear_error(&err);
    /* Loopback is allowed here only because the server offers 127.0.0.1. */
    CHECK(yf_echo_session_add_remote_candidate(s, "candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host", &err));
    CHECK(err == NULL);
    /* A Chromium mDNS host candidate is not an error, just unused. */
    CHECK(!yf_echo_session_add_remote_candidate(
        s, "candidate:1 1 udp 2122260223 0b5c7a1e-1111.local 54321 typ host generation 0", &err));
    CHECK(err && err->code == YF_MEDIA_ERROR_CANDIDATE_UNUSED && strstr(err->message, "mDNS"));
    g_clear_error(&err);
    /* yf_media_free stops it below while the handle stays valid. */
    t->sess = s;
    g_free(answer);
    g_free(offer);
}

/* Clears what one round changes; keeps the context, media and certs. */
static void round_reset(T *t)
{
    T keep = *t;

    memset(t, 0, sizeof *t);
    t->ctx = keep.ctx;
    t->deadline = keep.deadline;
    t->media = keep.media;
    t->server_cert = keep.server_cert;
    t->client_cert = keep.client_cert;
    memcpy(t->fp, keep.fp, sizeof t->fp);
}

static void client_free(T *t)
{
    g_clear_pointer(&t->peer, yf_peer_free);
    if (t->agent) {
        nice_agent_remove_stream(t->agent, t->stream);
        g_clear_object(&t->agent);
    }
}

/* One full session. The first round also pays one-time process costs
 * (libsrtp/NSS initialisation); the second shows the steady state. */
static void test_echo(T *t, int round)
{
    GError *err = NULL;
    char *answer = NULL;
    char *offer;

    round_reset(t);
    client_setup(t);
    offer = make_offer(t);
    t->t0 = g_get_monotonic_time();
    t->sess = yf_echo_session_new(t->media, offer, strlen(offer), &callbacks, t, &answer, &err);
    CHECK(t->sess != NULL);
    if (!t->sess) {
        fprintf(stderr, "offer refused: %s\n", err ? err->message : "?");
        g_clear_error(&err);
        g_free(offer);
        return;
    }
    read_answer(t, answer);
    CHECK(strlen(t->answer_ufrag) >= 4);
    CHECK(strlen(t->answer_pwd) >= 22);
    CHECK(strcmp(t->answer_setup, "passive") == 0);
    CHECK(t->answer_ssrc[0] != 0 && t->answer_ssrc[1] != 0);
    nice_agent_set_remote_credentials(t->agent, t->stream, t->answer_ufrag, t->answer_pwd);
    nice_agent_gather_candidates(t->agent, t->stream);

    CHECK(pump(t, both_connected));
    CHECK(t->server_connecting);
    CHECK(!t->server_failed);
    CHECK(t->server_gathered && t->n_server_cands >= 1);
    CHECK(strcmp(t->server_profile, "AEAD_AES_128_GCM") == 0);
    CHECK(strcmp(t->client_profile, "AEAD_AES_128_GCM") == 0);
    if (t->client_connected && t->server_connected) {
        printf("round %d: ice ready after %.1f ms, dtls connected after %.1f ms\n", round,
               (t->t_ice - t->t0) / 1000.0, (t->t_connected - t->t0) / 1000.0);
        send_media(t);
        CHECK(pump(t, all_echoed));
        check_echo(t);
    }

    /* Freeing: no callback afterwards; the worker sends close_notify. */
    yf_echo_session_free(t->sess);
    t->sess = NULL;
    t->freed = TRUE;
    if (t->client_connected)
        CHECK(pump(t, client_closed));
    pump_for(t, 100 * 1000);
    CHECK_EQ_INT(t->callbacks_after_free, 0);
    client_free(t);
    g_free(answer);
    g_free(offer);
}

int main(void)
{
    T t;
    GError *err = NULL;
    char *addrs[] = { "127.0.0.1", NULL };
    yf_media_config cfg = { 0 };
    GSource *tick;

    memset(&t, 0, sizeof t);
    t.ctx = g_main_context_new();
    g_main_context_push_thread_default(t.ctx);
    t.deadline = g_get_monotonic_time() + DEADLINE_US;
    CHECK_EQ_INT(yf_dtls_cert_generate(&t.server_cert), YF_OK);
    CHECK_EQ_INT(yf_dtls_cert_generate(&t.client_cert), YF_OK);
    CHECK_EQ_INT(yf_dtls_cert_fingerprint(t.client_cert, t.fp, sizeof t.fp), YF_OK);
    tick = g_timeout_source_new(5);
    g_source_set_callback(tick, client_tick, &t, NULL);
    g_source_attach(tick, t.ctx);

    cfg.n_workers = 2;
    cfg.local_addresses = addrs;
    cfg.cert = t.server_cert;
    t.media = yf_media_new(&cfg, t.ctx, &err);
    CHECK(t.media != NULL);
    CHECK_EQ_INT(yf_media_n_workers(t.media), 2);

    test_echo(&t, 1);
    test_echo(&t, 2);
    test_refusals(&t);

    yf_media_free(t.media);
    yf_echo_session_free(t.sess); /* after yf_media_free: only the handle */
    pump_for(&t, 50 * 1000);

    g_source_destroy(tick);
    g_source_unref(tick);
    client_free(&t);
    while (g_main_context_pending(t.ctx))
        g_main_context_iteration(t.ctx, FALSE);
    g_main_context_pop_thread_default(t.ctx);
    g_main_context_unref(t.ctx);
    yf_dtls_cert_free(t.server_cert);
    yf_dtls_cert_free(t.client_cert);
    return yf_test_done("test_net_echo");
}
