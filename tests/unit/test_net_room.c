/* test_net_room.c -- a hearing room end to end on loopback, without a
 * browser: two "browsers", each a controlling libnice agent plus a yf_peer
 * (DTLS client) per connection on this test's GMainContext, against a real
 * yf_room on a real worker. P1 and P2 publish Opus + VP8, answer the
 * subscriber offers they get, and P2 receives P1's media rewritten to the
 * SSRCs of its offer; then P1's page "reloads" (new certificate, new SSRCs)
 * and P2's sequence numbers continue; a host mute stops and resumes P1's
 * audio; P1 is removed and P2's next offer has P1's lines inactive. Two
 * more rooms, one scenario each, cover pages that keep their DTLS
 * certificate (issue 9): a new o= session id is a new RTCPeerConnection and
 * gets a new association, on the publisher and the subscriber connection,
 * while an ICE restart (same session id) keeps its association. Hard
 * deadline: never hangs CTest. */
#include <nice/agent.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include "media/rec/capfile.h"
#include "media/net/yf_room.h"
#include "yf_test.h"
#include "yf_test_fs.h"

#define DEADLINE_US (30 * G_USEC_PER_SEC)
#define MAX_RX 64
#define MAX_LINES 8

typedef struct {
    uint8_t buf[1500];
    size_t len;
} pkt;

typedef struct T T;

/* One browser-side connection. */
typedef struct {
    T *t;
    uint32_t part;
    yf_pc_kind pc;
    NiceAgent *agent;
    guint stream;
    yf_peer *peer;
    int64_t peer_timeout;
    yf_dtls_cert *cert;
    char fp[128], ufrag[64], pwd[64];
    char remote_ufrag[64], remote_pwd[64], remote_fp[128];
    uint64_t session;         /* the o= sess-id of this RTCPeerConnection */
    gboolean started, connected, closed;
    char profile[64];
    pkt rx[MAX_RX];
    int n_rx;
} client;

/* What a participant's page knows. */
typedef struct {
    uint32_t id;
    client *pub, *sub;
    gboolean server_pub_connected, server_sub_connected, server_failed;
    char server_profile[64];
    char pub_states[256];       /* the publish connection's states, "a;b;" */
    /* the latest subscribe offer */
    char *offer;
    unsigned revision;
    int n_offers;
    yf_room_track tracks[MAX_LINES];
    size_t n_tracks;
} part;

struct T {
    GMainContext *ctx;
    int64_t deadline;
    yf_media *media;
    yf_room *room;
    yf_dtls_cert *server_cert;
    part p[2];
    int callbacks_after_free;
    gboolean freed;
    int n_levels;
};

/* ---- clients ---- */

static void client_event(client *c, const yf_output *o)
{
    if (o->event == YF_EV_CONNECTED) {
        c->connected = TRUE;
        g_strlcpy(c->profile, o->srtp_profile, sizeof c->profile);
    } else if (o->event == YF_EV_RTP && c->n_rx < MAX_RX && o->len <= sizeof c->rx[0].buf) {
        memcpy(c->rx[c->n_rx].buf, o->data, o->len);
        c->rx[c->n_rx++].len = o->len;
    } else if (o->event == YF_EV_CLOSED) {
        c->closed = TRUE;
    } else if (o->event == YF_EV_FAILED) {
        fprintf(stderr, "client %u/%d peer failed: %s\n", c->part, c->pc, o->reason ? o->reason : "?");
    }
}

static void client_drain(client *c)
{
    yf_output o;
    int64_t now = g_get_monotonic_time();

    for (;;) {
        yf_peer_poll_output(c->peer, now, &o);
        if (o.kind == YF_OUT_TIMEOUT)
            break;
        if (o.kind == YF_OUT_TRANSMIT)
            nice_agent_send(c->agent, c->stream, 1, (guint)o.len, (const gchar *)o.data);
        else
            client_event(c, &o);
    }
    c->peer_timeout = o.timeout_us;
}

static void client_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *buf,
                        gpointer data)
{
    client *c = data;

    if (!c->peer)
        return;
    yf_peer_handle_datagram(c->peer, g_get_monotonic_time(), (const uint8_t *)buf, len);
    client_drain(c);
}

static void client_candidate(NiceAgent *agent, NiceCandidate *cand, gpointer data)
{
    client *c = data;
    char *line = nice_agent_generate_local_candidate_sdp(agent, cand);
    GError *err = NULL;

    CHECK(yf_room_add_remote_candidate(c->t->room, c->part, c->pc, line + 2, &err));
    g_clear_error(&err);
    g_free(line);
}

static void client_gathered(NiceAgent *agent, guint stream_id, gpointer data)
{
    client *c = data;

    CHECK(yf_room_add_remote_candidate(c->t->room, c->part, c->pc, "", NULL));
}

static void client_state(NiceAgent *agent, guint stream_id, guint component_id, guint state, gpointer data)
{
    client *c = data;
    yf_peer_config pc;

    if ((state != NICE_COMPONENT_STATE_READY && state != NICE_COMPONENT_STATE_CONNECTED) || c->peer)
        return;
    memset(&pc, 0, sizeof pc);
    pc.cert = c->cert;
    pc.role = YF_DTLS_ROLE_CLIENT;
    g_strlcpy(pc.remote_fingerprint, c->remote_fp, sizeof pc.remote_fingerprint);
    pc.srtp_profiles = "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM"; /* Chromium's order */
    c->peer = yf_peer_new(&pc, g_get_monotonic_time());
    CHECK(c->peer != NULL);
    if (c->peer)
        client_drain(c);
}

static client *client_new(T *t, uint32_t id, yf_pc_kind kind)
{
    client *c = g_new0(client, 1);
    NiceAddress addr;
    gchar *ufrag = NULL, *pwd = NULL;

    c->t = t;
    c->part = id;
    c->pc = kind;
    CHECK_EQ_INT(yf_dtls_cert_generate(&c->cert), YF_OK);
    CHECK_EQ_INT(yf_dtls_cert_fingerprint(c->cert, c->fp, sizeof c->fp), YF_OK);
    /* A new RTCPeerConnection picks a new session id (RFC 8829 5.2.1). */
    c->session = ((((uint64_t)g_random_int() << 32) | g_random_int()) & G_GUINT64_CONSTANT(0x3fffffffffffffff)) | 1;
    c->agent = nice_agent_new_full(t->ctx, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);
    g_object_set(c->agent, "controlling-mode", TRUE, "ice-tcp", FALSE, "upnp", FALSE, NULL);
    nice_address_init(&addr);
    nice_address_set_from_string(&addr, "127.0.0.1");
    nice_agent_add_local_address(c->agent, &addr);
    c->stream = nice_agent_add_stream(c->agent, 1);
    nice_agent_get_local_credentials(c->agent, c->stream, &ufrag, &pwd);
    g_strlcpy(c->ufrag, ufrag, sizeof c->ufrag);
    g_strlcpy(c->pwd, pwd, sizeof c->pwd);
    g_free(ufrag);
    g_free(pwd);
    g_signal_connect(c->agent, "new-candidate-full", G_CALLBACK(client_candidate), c);
    g_signal_connect(c->agent, "candidate-gathering-done", G_CALLBACK(client_gathered), c);
    g_signal_connect(c->agent, "component-state-changed", G_CALLBACK(client_state), c);
    nice_agent_attach_recv(c->agent, c->stream, 1, t->ctx, client_recv, c);
    return c;
}

/* A new RTCPeerConnection of the same page that keeps its certificate (an
 * RTCCertificate kept across reloads; GStreamer's webrtcbin shares one per
 * process): new ICE credentials and session id, old's fingerprint. Takes
 * old's certificate (old's peer holds its own reference in OpenSSL). */
static client *client_keeping_cert(T *t, client *old)
{
    client *c = client_new(t, old->part, old->pc);

    yf_dtls_cert_free(c->cert);
    c->cert = old->cert;
    old->cert = NULL;
    g_strlcpy(c->fp, old->fp, sizeof c->fp);
    return c;
}

/* After the remote description: credentials, then our candidates. */
static void client_start(client *c)
{
    c->started = TRUE;
    nice_agent_set_remote_credentials(c->agent, c->stream, c->remote_ufrag, c->remote_pwd);
    nice_agent_gather_candidates(c->agent, c->stream);
}

/* restartIce() on the page's side: new local ICE credentials, the same
 * RTCPeerConnection (session id, certificate, DTLS association). */
static void client_restart_ice(client *c)
{
    gchar *uf = NULL, *pw = NULL;

    nice_agent_restart_stream(c->agent, c->stream);
    nice_agent_get_local_credentials(c->agent, c->stream, &uf, &pw);
    g_strlcpy(c->ufrag, uf, sizeof c->ufrag);
    g_strlcpy(c->pwd, pw, sizeof c->pwd);
    g_free(uf);
    g_free(pw);
}

/* After the restart's remote description: its credentials, and our
 * candidates again (the server dropped the previous generation's). */
static void client_restarted(client *c)
{
    GSList *locals;

    nice_agent_set_remote_credentials(c->agent, c->stream, c->remote_ufrag, c->remote_pwd);
    locals = nice_agent_get_local_candidates(c->agent, c->stream, 1);
    for (GSList *l = locals; l; l = l->next)
        client_candidate(c->agent, l->data, c);
    g_slist_free_full(locals, (GDestroyNotify)nice_candidate_free);
}

static void client_free(client *c)
{
    if (!c)
        return;
    g_clear_pointer(&c->peer, yf_peer_free);
    g_signal_handlers_disconnect_by_data(c->agent, c);
    nice_agent_attach_recv(c->agent, c->stream, 1, c->t->ctx, NULL, NULL);
    nice_agent_remove_stream(c->agent, c->stream);
    g_clear_object(&c->agent);
    yf_dtls_cert_free(c->cert);
    g_free(c);
}

static gboolean tick(gpointer data)
{
    T *t = data;

    for (int i = 0; i < 2; i++) {
        client *cs[2] = { t->p[i].pub, t->p[i].sub };
        for (int j = 0; j < 2; j++) {
            client *c = cs[j];
            if (c && c->peer && g_get_monotonic_time() >= c->peer_timeout) {
                yf_peer_handle_timeout(c->peer, g_get_monotonic_time());
                client_drain(c);
            }
        }
    }
    return G_SOURCE_CONTINUE;
}

/* ---- room callbacks (control context = this test's context) ---- */

static part *find_part(T *t, uint32_t id)
{
    for (int i = 0; i < 2; i++)
        if (t->p[i].id == id)
            return &t->p[i];
    return NULL;
}

static void on_local_candidate(void *user, uint32_t id, yf_pc_kind pc, const char *cand, const char *mid,
                               int idx)
{
    T *t = user;
    part *p = find_part(t, id);
    client *c = p ? (pc == YF_PC_PUBLISH ? p->pub : p->sub) : NULL;
    GSList one = { 0 };

    if (t->freed)
        t->callbacks_after_free++;
    CHECK(c != NULL);
    CHECK(mid && *mid);
    if (!c)
        return;
    if (!*cand) {
        nice_agent_peer_candidate_gathering_done(c->agent, c->stream);
        return;
    }
    char *line = g_strconcat("a=", cand, NULL);
    NiceCandidate *nc = nice_agent_parse_remote_candidate_sdp(c->agent, c->stream, line);
    CHECK(nc != NULL);
    if (nc) {
        one.data = nc;
        nice_agent_set_remote_candidates(c->agent, c->stream, 1, &one);
        nice_candidate_free(nc);
    }
    g_free(line);
}

static void on_pc_state(void *user, uint32_t id, yf_pc_kind pc, const char *state, const char *profile,
                        const char *reason)
{
    T *t = user;
    part *p = find_part(t, id);

    if (t->freed)
        t->callbacks_after_free++;
    if (!p)
        return;
    if (pc == YF_PC_PUBLISH && strlen(p->pub_states) + strlen(state) + 2 < sizeof p->pub_states) {
        strcat(p->pub_states, state);
        strcat(p->pub_states, ";");
    }
    if (!strcmp(state, "connected")) {
        if (pc == YF_PC_PUBLISH)
            p->server_pub_connected = TRUE;
        else
            p->server_sub_connected = TRUE;
        g_strlcpy(p->server_profile, profile ? profile : "", sizeof p->server_profile);
    } else if (!strcmp(state, "failed")) {
        p->server_failed = TRUE;
        fprintf(stderr, "participant %u %s failed: %s\n", id, pc == YF_PC_PUBLISH ? "publish" : "subscribe",
                reason ? reason : "?");
    }
}

static void on_subscribe_offer(void *user, uint32_t id, const char *sdp, unsigned revision,
                               const yf_room_track *tracks, size_t n_tracks)
{
    T *t = user;
    part *p = find_part(t, id);

    if (t->freed)
        t->callbacks_after_free++;
    CHECK(p != NULL);
    CHECK(n_tracks <= MAX_LINES);
    if (!p || n_tracks > MAX_LINES)
        return;
    g_free(p->offer);
    p->offer = g_strdup(sdp);
    p->revision = revision;
    p->n_offers++;
    memcpy(p->tracks, tracks, n_tracks * sizeof *tracks);
    p->n_tracks = n_tracks;
    /* As a page's setRemoteDescription: our candidates may follow at once. */
    if (!p->sub)
        p->sub = client_new(t, id, YF_PC_SUBSCRIBE);
}

static void on_audio_level(void *user, uint32_t id, int level)
{
    T *t = user;

    t->n_levels++;
}

static void on_active_speaker(void *user, uint32_t id) {}

static const yf_room_callbacks callbacks = { on_local_candidate, on_pc_state, on_subscribe_offer,
                                             on_audio_level, on_active_speaker };

/* ---- SDP text ---- */

static char *publish_offer_text(const client *c, uint32_t assrc, uint32_t vssrc)
{
    return g_strdup_printf(
        "v=0\r\no=- %" G_GUINT64_FORMAT " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        "a=group:BUNDLE 0 1\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS s\r\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
        "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=ice-options:trickle\r\n"
        "a=fingerprint:sha-256 %s\r\na=setup:actpass\r\na=mid:0\r\n"
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
        "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
        "a=sendonly\r\na=msid:s a0\r\na=rtcp-mux\r\n"
        "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\n"
        "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
        "a=ssrc:%u cname:testclient\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
        "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=ice-options:trickle\r\n"
        "a=fingerprint:sha-256 %s\r\na=setup:actpass\r\na=mid:1\r\n"
        "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
        "a=sendonly\r\na=msid:s v0\r\na=rtcp-mux\r\na=rtcp-rsize\r\n"
        "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 transport-cc\r\n"
        "a=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
        "a=ssrc:%u cname:testclient\r\n",
        c->session, c->ufrag, c->pwd, c->fp, assrc, c->ufrag, c->pwd, c->fp, vssrc);
}

/* Session- or media-level ICE credentials and fingerprint of the remote side. */
static void read_transport(client *c, const char *sdp)
{
    char **lines = g_strsplit(sdp, "\n", -1);

    for (char **l = lines; *l; l++) {
        g_strchomp(*l);
        if (g_str_has_prefix(*l, "a=ice-ufrag:"))
            g_strlcpy(c->remote_ufrag, *l + 12, sizeof c->remote_ufrag);
        else if (g_str_has_prefix(*l, "a=ice-pwd:"))
            g_strlcpy(c->remote_pwd, *l + 10, sizeof c->remote_pwd);
        else if (g_str_has_prefix(*l, "a=fingerprint:sha-256 "))
            g_strlcpy(c->remote_fp, *l + 22, sizeof c->remote_fp);
    }
    g_strfreev(lines);
}

/* The SSRC our offer gives m-line `index`, and whether it is inactive. */
static uint32_t offer_line_ssrc(const char *sdp, size_t index, gboolean *inactive)
{
    char **lines = g_strsplit(sdp, "\n", -1);
    int section = -1;
    uint32_t ssrc = 0;

    *inactive = FALSE;
    for (char **l = lines; *l; l++) {
        g_strchomp(*l);
        if (g_str_has_prefix(*l, "m="))
            section++;
        else if (section == (int)index && g_str_has_prefix(*l, "a=ssrc:") && !ssrc)
            ssrc = (uint32_t)strtoul(*l + 7, NULL, 10);
        else if (section == (int)index && !strcmp(*l, "a=inactive"))
            *inactive = TRUE;
    }
    g_strfreev(lines);
    return ssrc;
}

/* A Chromium-like answer to our subscriber offer: every m-line kept, recvonly
 * (inactive for inactive lines), setup active, its codec lines copied. */
static char *subscribe_answer_text(const client *c, const char *offer)
{
    char **lines = g_strsplit(offer, "\n", -1);
    GString *s = g_string_new(NULL);
    gboolean in_media = FALSE;

    g_string_printf(s, "v=0\r\no=- %" G_GUINT64_FORMAT " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", c->session);
    for (char **l = lines; *l; l++) {
        g_strchomp(*l);
        if (g_str_has_prefix(*l, "a=group:BUNDLE"))
            g_string_append_printf(s, "%s\r\n", *l);
    }
    for (char **l = lines; *l; l++) {
        if (g_str_has_prefix(*l, "m=")) {
            in_media = TRUE;
            g_string_append_printf(s, "%s\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
                                      "a=fingerprint:sha-256 %s\r\na=setup:active\r\na=rtcp-mux\r\n",
                                   *l, c->ufrag, c->pwd, c->fp);
        } else if (in_media && (g_str_has_prefix(*l, "a=mid:") || g_str_has_prefix(*l, "a=rtpmap:") ||
                                g_str_has_prefix(*l, "a=fmtp:") || g_str_has_prefix(*l, "a=rtcp-fb:"))) {
            g_string_append_printf(s, "%s\r\n", *l);
        } else if (in_media && !strcmp(*l, "a=sendonly")) {
            g_string_append(s, "a=recvonly\r\n");
        } else if (in_media && !strcmp(*l, "a=inactive")) {
            g_string_append(s, "a=inactive\r\n");
        }
    }
    g_strfreev(lines);
    return g_string_free(s, FALSE);
}

/* ---- pumping ---- */

typedef gboolean (*cond_fn)(const T *t);

static gboolean pump(T *t, cond_fn cond)
{
    while (!cond(t) && g_get_monotonic_time() < t->deadline)
        g_main_context_iteration(t->ctx, TRUE);
    return cond(t);
}

static gboolean never(const T *t)
{
    return FALSE;
}

/* pump, but for at most us microseconds. */
static gboolean pump_within(T *t, cond_fn cond, int64_t us)
{
    int64_t saved = t->deadline;
    gboolean ok;

    t->deadline = MIN(saved, g_get_monotonic_time() + us);
    ok = pump(t, cond);
    t->deadline = saved;
    return ok;
}

static void pump_for(T *t, int64_t us)
{
    pump_within(t, never, us);
}

static gboolean conn_up(const part *p, const client *c, gboolean server)
{
    return c && c->connected && server;
}

static gboolean all_connected(const T *t)
{
    for (int i = 0; i < 2; i++) {
        const part *p = &t->p[i];
        if (p->server_failed)
            return TRUE;
        if (!conn_up(p, p->pub, p->server_pub_connected) || !conn_up(p, p->sub, p->server_sub_connected))
            return FALSE;
    }
    return TRUE;
}

static gboolean offers_arrived(const T *t)
{
    return t->p[0].n_offers >= 1 && t->p[1].n_offers >= 1;
}

/* ---- media ---- */

static size_t make_rtp(uint8_t *b, int pt, uint16_t seq, uint32_t ts, uint32_t ssrc, const uint8_t *payload,
                       size_t n)
{
    b[0] = 0x80;
    b[1] = (uint8_t)pt;
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    b[4] = (uint8_t)(ts >> 24);
    b[5] = (uint8_t)(ts >> 16);
    b[6] = (uint8_t)(ts >> 8);
    b[7] = (uint8_t)ts;
    b[8] = (uint8_t)(ssrc >> 24);
    b[9] = (uint8_t)(ssrc >> 16);
    b[10] = (uint8_t)(ssrc >> 8);
    b[11] = (uint8_t)ssrc;
    memcpy(b + 12, payload, n);
    return 12 + n;
}

static uint32_t rtp_ssrc(const uint8_t *b)
{
    return ((uint32_t)b[8] << 24) | ((uint32_t)b[9] << 16) | ((uint32_t)b[10] << 8) | b[11];
}

static uint16_t rtp_seq(const uint8_t *b)
{
    return (uint16_t)((b[2] << 8) | b[3]);
}

/* n VP8 frames (the first a keyframe, RFC 7741 §4.2/§4.3) and n Opus packets. */
static void send_media(client *c, uint32_t assrc, uint32_t vssrc, uint16_t seq0, int n, uint8_t tag)
{
    uint8_t b[1500], pl[300];
    int64_t now = g_get_monotonic_time();

    for (int i = 0; i < n; i++) {
        memset(pl, tag, sizeof pl);
        pl[0] = 0x10;                            /* S=1, PID 0 */
        pl[1] = i == 0 ? 0x00 : 0x01;            /* P=0: keyframe */
        if (i == 0) {
            pl[4] = 0x9d, pl[5] = 0x01, pl[6] = 0x2a; /* keyframe start code */
        }
        pl[10] = (uint8_t)i;
        size_t len = make_rtp(b, 96, (uint16_t)(seq0 + i), 9000u * (uint32_t)i, vssrc, pl, 200);
        CHECK_EQ_INT(yf_peer_send_rtp(c->peer, now, b, len), YF_OK);
        memset(pl, tag, 60);
        pl[10] = (uint8_t)i;
        len = make_rtp(b, 111, (uint16_t)(seq0 + i), 960u * (uint32_t)i, assrc, pl, 60);
        CHECK_EQ_INT(yf_peer_send_rtp(c->peer, now, b, len), YF_OK);
    }
    client_drain(c);
}

static void send_audio(client *c, uint32_t assrc, uint16_t seq0, int n, uint8_t tag)
{
    uint8_t b[200], pl[60];
    int64_t now = g_get_monotonic_time();

    memset(pl, tag, sizeof pl);
    for (int i = 0; i < n; i++) {
        size_t len = make_rtp(b, 111, (uint16_t)(seq0 + i), 960u * (uint32_t)i, assrc, pl, sizeof pl);
        CHECK_EQ_INT(yf_peer_send_rtp(c->peer, now, b, len), YF_OK);
    }
    client_drain(c);
}

static int g_want_rx; /* for p2_received */

static gboolean p2_received(const T *t)
{
    return t->p[1].sub && t->p[1].sub->n_rx >= g_want_rx;
}

/* ---- steps ---- */

/* p's page publishes on the new connection c (taken). */
static void publish_on(T *t, part *p, client *c, uint32_t assrc, uint32_t vssrc)
{
    GError *err = NULL;
    char *answer = NULL;
    char *offer;

    p->pub = c;
    offer = publish_offer_text(p->pub, assrc, vssrc);
    CHECK(yf_room_publish_offer(t->room, p->id, offer, &answer, &err));
    if (err)
        fprintf(stderr, "publish offer refused: %s\n", err->message);
    g_clear_error(&err);
    if (answer) {
        CHECK(strstr(answer, "a=setup:passive") != NULL);
        CHECK(strstr(answer, "transport-wide-cc") != NULL);
        read_transport(p->pub, answer);
        client_start(p->pub);
    }
    g_free(answer);
    g_free(offer);
}

static void publish(T *t, part *p, uint32_t assrc, uint32_t vssrc)
{
    publish_on(t, p, client_new(t, p->id, YF_PC_PUBLISH), assrc, vssrc);
}

static void answer_subscribe(T *t, part *p)
{
    GError *err = NULL;
    gboolean first = !p->sub->started;
    char *answer;

    read_transport(p->sub, p->offer);
    answer = subscribe_answer_text(p->sub, p->offer);
    CHECK(yf_room_subscribe_answer(t->room, p->id, p->revision, answer, &err));
    if (err)
        fprintf(stderr, "subscribe answer refused: %s\n", err->message);
    g_clear_error(&err);
    if (first)
        client_start(p->sub);
    g_free(answer);
}

/* The index of publisher `pub`'s `kind` line in p's latest offer. */
static int line_of(const part *p, uint32_t pub, const char *kind)
{
    for (size_t i = 0; i < p->n_tracks; i++)
        if (p->tracks[i].participant == pub && !strcmp(p->tracks[i].kind, kind))
            return (int)i;
    return -1;
}

typedef struct {
    uint32_t assrc, vssrc;
    uint16_t last_aseq, last_vseq;
    int audio, video;
} rx_check;

/* Checks what P2 received from index `from` on: P1's media with the SSRCs
 * of P2's offer, payload intact, sequence numbers without a gap. */
static void check_rx(const client *c, int from, rx_check *k, uint8_t tag)
{
    for (int i = from; i < c->n_rx; i++) {
        const pkt *q = &c->rx[i];
        int pt = q->buf[1] & 0x7f;
        uint16_t seq = rtp_seq(q->buf);

        if (pt == 96) {
            CHECK_EQ_INT(rtp_ssrc(q->buf), k->vssrc);
            CHECK_EQ_INT(q->len, 12 + 200);
            CHECK_EQ_INT(q->buf[12 + 20], tag);
            if (k->video)
                CHECK_EQ_INT(seq, (uint16_t)(k->last_vseq + 1));
            k->last_vseq = seq;
            k->video++;
        } else {
            CHECK_EQ_INT(pt, 111);
            CHECK_EQ_INT(rtp_ssrc(q->buf), k->assrc);
            CHECK_EQ_INT(q->len, 12 + 60);
            CHECK_EQ_INT(q->buf[12 + 20], tag);
            if (k->audio)
                CHECK_EQ_INT(seq, (uint16_t)(k->last_aseq + 1));
            k->last_aseq = seq;
            k->audio++;
        }
    }
}

static gboolean p1_received(const T *t)
{
    return t->p[0].sub && t->p[0].sub->n_rx >= g_want_rx;
}

static gboolean p1_pub_up(const T *t)
{
    return (t->p[0].pub->connected && t->p[0].server_pub_connected) || t->p[0].server_failed;
}

static int g_offers;

static gboolean p2_new_offer(const T *t)
{
    return t->p[1].n_offers > g_offers;
}

static int g_p1_offers;

static gboolean p1_new_offer_since(const T *t)
{
    return t->p[0].n_offers > g_p1_offers;
}

static gboolean p1_closed(const T *t)
{
    return t->p[0].pub->closed && t->p[0].sub->closed;
}

/* P1 and P2 join, publish Opus + VP8 (SSRCs 1111/2222 and 3333/4444) and
 * answer their subscriber offers. TRUE once all four connections are up on
 * both sides. */
static gboolean start_room(T *t)
{
    GError *err = NULL;
    part *p1 = &t->p[0], *p2 = &t->p[1];
    int64_t t0 = g_get_monotonic_time();

    CHECK(yf_room_add_participant(t->room, 1, &err));
    CHECK(yf_room_add_participant(t->room, 2, &err));
    g_clear_error(&err);
    publish(t, p1, 1111, 2222);
    publish(t, p2, 3333, 4444);
    CHECK(pump(t, offers_arrived));
    CHECK_EQ_INT(p2->n_tracks, 2);
    CHECK_EQ_INT(p1->n_tracks, 2);
    answer_subscribe(t, p1);
    answer_subscribe(t, p2);
    CHECK(pump(t, all_connected));
    CHECK(!p1->server_failed && !p2->server_failed);
    printf("4 connections connected after %.1f ms\n", (g_get_monotonic_time() - t0) / 1000.0);
    return all_connected(t) && !p1->server_failed && !p2->server_failed && p2->sub && p2->sub->connected;
}

/* The SSRCs P2's offer gives P1's audio and video lines. */
static void p1_lines_of_p2(const part *p2, rx_check *k)
{
    int al = line_of(p2, 1, "audio"), vl = line_of(p2, 1, "video");
    gboolean inactive;

    CHECK(al >= 0 && vl >= 0);
    memset(k, 0, sizeof *k);
    k->assrc = al < 0 ? 0 : offer_line_ssrc(p2->offer, (size_t)al, &inactive);
    k->vssrc = vl < 0 ? 0 : offer_line_ssrc(p2->offer, (size_t)vl, &inactive);
    CHECK(k->assrc && k->vssrc && k->assrc != 1111 && k->vssrc != 2222);
}

static void scenario(T *t)
{
    GError *err = NULL;
    part *p1 = &t->p[0], *p2 = &t->p[1];
    int64_t t0;
    rx_check k = { 0 };
    gboolean inactive;

    start_room(t);
    CHECK(!yf_room_add_participant(t->room, 2, &err)); /* duplicate */
    g_clear_error(&err);
    for (int i = 0; i < 2; i++) {
        CHECK(strcmp(t->p[i].server_profile, "AEAD_AES_128_GCM") == 0);
        CHECK(t->p[i].pub && strcmp(t->p[i].pub->profile, "AEAD_AES_128_GCM") == 0);
        CHECK(t->p[i].sub && strcmp(t->p[i].sub->profile, "AEAD_AES_128_GCM") == 0);
    }
    if (!all_connected(t) || !p2->sub || !p2->sub->connected)
        return;

    /* P1 -> P2, rewritten to the SSRCs of P2's offer. */
    p1_lines_of_p2(p2, &k);
    send_media(p1->pub, 1111, 2222, 1000, 5, 0xa1);
    g_want_rx = 10;
    CHECK(pump(t, p2_received));
    check_rx(p2->sub, 0, &k, 0xa1);
    CHECK_EQ_INT(k.video, 5);
    CHECK_EQ_INT(k.audio, 5);

    /* P1's page reloads: new certificate, new SSRCs, seq elsewhere. */
    int offers_before = p2->n_offers;
    client *old = p1->pub;
    p1->server_pub_connected = FALSE;
    t0 = g_get_monotonic_time();
    publish(t, p1, 5555, 6666);
    CHECK(pump(t, p1_pub_up));
    printf("reconnected publisher connected after %.1f ms\n", (g_get_monotonic_time() - t0) / 1000.0);
    client_free(old);
    if (!p1->pub->connected)
        return;
    send_media(p1->pub, 5555, 6666, 30000, 5, 0xb2);
    g_want_rx = 20;
    CHECK(pump(t, p2_received));
    check_rx(p2->sub, 10, &k, 0xb2);
    CHECK_EQ_INT(k.video, 10);
    CHECK_EQ_INT(k.audio, 10);
    CHECK_EQ_INT(p2->n_offers, offers_before); /* same tracks: no renegotiation */

    /* Host mute of P1's audio: nothing reaches P2; then it resumes. */
    yf_room_set_forwarding(t->room, 1, FALSE, TRUE);
    pump_for(t, 50 * 1000);
    send_audio(p1->pub, 5555, 30005, 3, 0xc3);
    pump_for(t, 300 * 1000);
    CHECK_EQ_INT(p2->sub->n_rx, 20);
    yf_room_set_forwarding(t->room, 1, TRUE, TRUE);
    pump_for(t, 50 * 1000);
    send_audio(p1->pub, 5555, 30008, 3, 0xd4);
    g_want_rx = 23;
    CHECK(pump(t, p2_received));
    check_rx(p2->sub, 20, &k, 0xd4);
    CHECK_EQ_INT(k.audio, 13);

    /* P2 restarts ICE on its publisher connection (same DTLS session): new
     * credentials both ways, candidates again; its audio still reaches P1. */
    client *c2 = p2->pub;
    GError *rerr = NULL;
    char *answer = NULL, *offer;
    client_restart_ice(c2); /* same o= session id and certificate */
    p2->pub_states[0] = '\0';
    char old_ufrag[64];
    g_strlcpy(old_ufrag, c2->remote_ufrag, sizeof old_ufrag);
    offer = publish_offer_text(c2, 3333, 4444);
    CHECK(yf_room_publish_offer(t->room, 2, offer, &answer, &rerr));
    g_clear_error(&rerr);
    if (answer) {
        read_transport(c2, answer);
        CHECK(strcmp(old_ufrag, c2->remote_ufrag) != 0);
        client_restarted(c2);
    }
    g_free(answer);
    g_free(offer);
    pump_for(t, 300 * 1000);
    int rx1 = p1->sub->n_rx;
    send_audio(c2, 3333, 500, 3, 0xe5);
    g_want_rx = rx1 + 3;
    CHECK(pump(t, p1_received));
    CHECK_EQ_INT(p1->sub->n_rx, rx1 + 3);
    /* The page is told: connecting, then connected again on the same DTLS. */
    if (strcmp(p2->pub_states, "connecting;connected;") != 0)
        fprintf(stderr, "publish states across the ICE restart: %s\n", p2->pub_states);
    CHECK(strcmp(p2->pub_states, "connecting;connected;") == 0);

    /* A stale answer is refused. */
    CHECK(!yf_room_subscribe_answer(t->room, 2, p2->revision + 5, "v=0\r\n", &err));
    CHECK(err && err->code == YF_MEDIA_ERROR_SDP && strstr(err->message, "stale"));
    g_clear_error(&err);

    /* P1 leaves: its connections close, P2's lines for it turn inactive. */
    g_offers = p2->n_offers;
    yf_room_remove_participant(t->room, 1);
    CHECK(pump(t, p2_new_offer));
    CHECK(pump(t, p1_closed));
    CHECK_EQ_INT(p2->n_tracks, 2);
    for (size_t i = 0; i < p2->n_tracks; i++) {
        CHECK(!p2->tracks[i].active);
        offer_line_ssrc(p2->offer, i, &inactive);
        CHECK(inactive);
    }
    answer_subscribe(t, p2);
    pump_for(t, 100 * 1000);
    CHECK(p2->sub->connected);

    /* P1 comes back (a rejoin keeps its id) and publishes again: P2's old
     * lines for it come back to life; none are added, so a participant who
     * leaves and rejoins in a loop cannot fill everyone's connection. */
    char *again = publish_offer_text(p1->pub, 0x1111, 0x2222), *ans = NULL;
    g_offers = p2->n_offers;
    CHECK(yf_room_add_participant(t->room, 1, &err));
    CHECK(yf_room_publish_offer(t->room, 1, again, &ans, &err));
    CHECK(pump(t, p2_new_offer));
    CHECK_EQ_INT(p2->n_tracks, 2);
    for (size_t i = 0; i < p2->n_tracks; i++)
        CHECK(p2->tracks[i].active && p2->tracks[i].participant == 1);
    g_free(again);
    g_free(ans);
}

/* ---- a new RTCPeerConnection with the same certificate (issue 9) ---- */

/* How long a reconnect may take: on loopback ICE and DTLS take well under a
 * second; a ClientHello nobody answers would take forever. */
#define RECONNECT_US (5 * G_USEC_PER_SEC)

static gboolean p1_sub_up(const T *t)
{
    return (t->p[0].sub->connected && t->p[0].server_sub_connected) || t->p[0].server_failed;
}

static gboolean p2_sub_up(const T *t)
{
    return (t->p[1].sub->connected && t->p[1].server_sub_connected) || t->p[1].server_failed;
}

static double ms_since(int64_t t0)
{
    return (g_get_monotonic_time() - t0) / 1000.0;
}

/* P1's page reloads and keeps its DTLS certificate: a new publisher offer
 * with a new o= session id, new ICE credentials and the same fingerprint
 * is a new RTCPeerConnection, not an ICE restart of the dead one, so its
 * ClientHello must get a new association; P2's pictures continue. The
 * rejoin's fresh subscriber connection (same certificate again) connects
 * too, and P2's audio reaches it. */
static void scenario_reload_same_cert(T *t)
{
    GError *err = NULL;
    part *p1 = &t->p[0], *p2 = &t->p[1];
    rx_check k;
    int64_t t0;

    if (!start_room(t))
        return;
    p1_lines_of_p2(p2, &k);
    send_media(p1->pub, 1111, 2222, 1000, 5, 0xa1);
    g_want_rx = 10;
    CHECK(pump(t, p2_received));
    check_rx(p2->sub, 0, &k, 0xa1);

    client *old = p1->pub;
    int offers_before = p2->n_offers;
    p1->server_pub_connected = FALSE;
    t0 = g_get_monotonic_time();
    publish_on(t, p1, client_keeping_cert(t, old), 5555, 6666);
    CHECK(!strcmp(p1->pub->fp, old->fp) && p1->pub->session != old->session);
    CHECK(pump_within(t, p1_pub_up, RECONNECT_US));
    CHECK(p1->pub->connected && p1->server_pub_connected && !p1->server_failed);
    printf("reload with the same certificate: publisher %s after %.1f ms\n",
           p1->pub->connected ? "connected" : "still not connected", ms_since(t0));
    client_free(old);
    if (!p1->pub->connected)
        return;
    send_media(p1->pub, 5555, 6666, 30000, 5, 0xb2);
    g_want_rx = 20;
    CHECK(pump_within(t, p2_received, RECONNECT_US));
    check_rx(p2->sub, 10, &k, 0xb2);
    CHECK_EQ_INT(k.video, 10);
    CHECK_EQ_INT(k.audio, 10);
    CHECK_EQ_INT(p2->n_offers, offers_before); /* the same tracks switched source */

    /* The rejoin resets P1's subscriber connection; the page answers from a
     * new RTCPeerConnection with its kept certificate. */
    client *old_sub = p1->sub;
    g_p1_offers = p1->n_offers;
    p1->sub = client_keeping_cert(t, old_sub);
    p1->server_sub_connected = FALSE;
    t0 = g_get_monotonic_time();
    CHECK(yf_room_subscribe_reset(t->room, 1, &err));
    g_clear_error(&err);
    CHECK(pump_within(t, p1_new_offer_since, RECONNECT_US));
    answer_subscribe(t, p1);
    CHECK(pump_within(t, p1_sub_up, RECONNECT_US));
    CHECK(p1->sub->connected && p1->server_sub_connected);
    printf("reload with the same certificate: subscriber %s after %.1f ms\n",
           p1->sub->connected ? "connected" : "still not connected", ms_since(t0));
    client_free(old_sub);
    if (!p1->sub->connected)
        return;
    pump_for(t, 100 * 1000); /* the router subscribes once the connection is up */
    send_audio(p2->pub, 3333, 200, 3, 0xc3);
    g_want_rx = 3;
    CHECK(pump_within(t, p1_received, RECONNECT_US));
}

/* The subscriber side of the same rule, on P2's subscriber connection. A
 * true ICE restart (subscribe.restart: our new offer, P2 answers from the
 * same RTCPeerConnection with new ICE credentials, the same o= session id
 * and fingerprint) keeps the DTLS association: P2's peer never handshakes
 * again and P1's media still arrives. Then P2's page answers the same offer
 * from a new RTCPeerConnection that keeps the certificate (new session id):
 * that answer gets a new association, and P1's media reaches the new one. */
static void scenario_subscriber_same_cert(T *t)
{
    GError *err = NULL;
    part *p1 = &t->p[0], *p2 = &t->p[1];
    rx_check k;
    int64_t t0;

    if (!start_room(t))
        return;
    p1_lines_of_p2(p2, &k);

    client *c = p2->sub;
    char old_remote[64];
    g_strlcpy(old_remote, c->remote_ufrag, sizeof old_remote);
    g_offers = p2->n_offers;
    CHECK(yf_room_subscribe_restart(t->room, 2, &err));
    g_clear_error(&err);
    client_restart_ice(c); /* as the page does on setRemoteDescription */
    CHECK(pump(t, p2_new_offer));
    answer_subscribe(t, p2);
    CHECK(strcmp(old_remote, c->remote_ufrag) != 0);
    client_restarted(c);
    pump_for(t, 300 * 1000); /* the restart's checks run; the answer is applied */
    send_media(p1->pub, 1111, 2222, 1000, 5, 0xa1);
    g_want_rx = 10;
    CHECK(pump_within(t, p2_received, RECONNECT_US));
    check_rx(p2->sub, 0, &k, 0xa1);
    CHECK_EQ_INT(k.video, 5);
    CHECK_EQ_INT(k.audio, 5);
    CHECK(!p2->server_failed && c->connected && !c->closed);

    client *old = p2->sub;
    p2->sub = client_keeping_cert(t, old);
    p2->server_sub_connected = FALSE;
    t0 = g_get_monotonic_time();
    answer_subscribe(t, p2); /* the latest revision, from the new connection */
    CHECK(pump_within(t, p2_sub_up, RECONNECT_US));
    CHECK(p2->sub->connected && p2->server_sub_connected && !p2->server_failed);
    printf("new subscriber connection with the same certificate: %s after %.1f ms\n",
           p2->sub->connected ? "connected" : "still not connected", ms_since(t0));
    client_free(old);
    if (!p2->sub->connected)
        return;
    pump_for(t, 100 * 1000);
    send_media(p1->pub, 1111, 2222, 1005, 5, 0xb2);
    g_want_rx = 10;
    CHECK(pump_within(t, p2_received, RECONNECT_US));
    p1_lines_of_p2(p2, &k);
    check_rx(p2->sub, 0, &k, 0xb2);
    CHECK_EQ_INT(k.video, 5);
    CHECK_EQ_INT(k.audio, 5);
}

/* RTP records per (participant, SSRC) in the finished captures of dir;
 * every file must be complete. */
static void check_captures(const char *dir)
{
    static const struct { uint32_t part, ssrc; int rtp; } want[] = {
        { 1, 1111, 5 }, { 1, 2222, 5 }, { 1, 5555, 11 }, { 1, 6666, 5 }, { 2, 3333, 3 },
    };
    int got[G_N_ELEMENTS(want)] = { 0 }, files = 0;
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *n;

    CHECK(d != NULL);
    while (d && (n = g_dir_read_name(d))) {
        char *path = g_build_filename(dir, n, NULL);
        int fd = open(path, O_RDONLY);
        yf_cap_reader *r = yf_cap_reader_new_fd(fd);
        yf_cap_header h;
        yf_cap_meta m;
        yf_cap_record rec;
        int rtp = 0;

        CHECK(g_str_has_suffix(n, YF_CAP_SUFFIX));
        CHECK(yf_cap_reader_header(r, &h, NULL) && yf_cap_meta_parse(h.meta_json, h.meta_len, &m) == YF_CAP_OK);
        while (yf_cap_reader_next(r, &rec, NULL) == 1)
            rtp += rec.type == YF_CAP_RTP;
        CHECK(yf_cap_reader_complete(r));
        CHECK(!strcmp(m.room, "test") && m.clock_rate > 0);
        for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
            if (want[i].part == m.participant && want[i].ssrc == m.ssrc)
                got[i] += rtp;
        files++;
        yf_cap_reader_free(r);
        close(fd);
        g_free(path);
    }
    if (d)
        g_dir_close(d);
    CHECK_EQ_INT(files, (int)G_N_ELEMENTS(want));
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        if (got[i] != want[i].rtp)
            printf("capture of participant %u ssrc %u: %d RTP records, want %d\n", want[i].part, want[i].ssrc,
                   got[i], want[i].rtp);
        CHECK_EQ_INT(got[i], want[i].rtp);
    }
}

/* Frees the clients of the previous room and runs fn in a new room of its
 * own (not captured); no callback may come after the room is freed. */
static void run_in_new_room(T *t, void (*fn)(T *t))
{
    GError *err = NULL;

    for (int i = 0; i < 2; i++) {
        client_free(t->p[i].pub);
        client_free(t->p[i].sub);
        g_free(t->p[i].offer);
        memset(&t->p[i], 0, sizeof t->p[i]);
        t->p[i].id = (uint32_t)i + 1;
    }
    t->freed = FALSE;
    t->deadline = g_get_monotonic_time() + DEADLINE_US;
    t->room = yf_room_new(t->media, "test", &callbacks, t, &err);
    CHECK(t->room != NULL);
    g_clear_error(&err);
    if (t->room)
        fn(t);
    yf_room_free(t->room);
    t->room = NULL;
    t->freed = TRUE;
    pump_for(t, 100 * 1000);
    CHECK_EQ_INT(t->callbacks_after_free, 0);
}

int main(void)
{
    T t;
    GError *err = NULL;
    char *addrs[] = { "127.0.0.1", NULL };
    yf_media_config cfg = { 0 };
    GSource *ticker;

    memset(&t, 0, sizeof t);
    t.ctx = g_main_context_new();
    g_main_context_push_thread_default(t.ctx);
    t.deadline = g_get_monotonic_time() + DEADLINE_US;
    t.p[0].id = 1;
    t.p[1].id = 2;
    CHECK_EQ_INT(yf_dtls_cert_generate(&t.server_cert), YF_OK);
    ticker = g_timeout_source_new(5);
    g_source_set_callback(ticker, tick, &t, NULL);
    g_source_attach(ticker, t.ctx);

    cfg.n_workers = 2;
    cfg.local_addresses = addrs;
    cfg.cert = t.server_cert;
    t.media = yf_media_new(&cfg, t.ctx, &err);
    CHECK(t.media != NULL);
    t.room = yf_room_new(t.media, "test", &callbacks, &t, &err);
    CHECK(t.room != NULL);
    /* Everything published is captured, one file per track and SSRC. */
    char *capdir = g_dir_make_tmp("yf-room-cap-XXXXXX", NULL);
    yf_rec_writer *w = yf_rec_writer_new(NULL, NULL);
    CHECK(capdir && w);
    if (t.room)
        yf_room_set_capture(t.room, w, capdir);
    if (t.media && t.room)
        scenario(&t);

    yf_room_free(t.room);
    t.freed = TRUE;
    pump_for(&t, 100 * 1000);
    CHECK_EQ_INT(t.callbacks_after_free, 0);
    if (t.media) {
        run_in_new_room(&t, scenario_reload_same_cert);
        run_in_new_room(&t, scenario_subscriber_same_cert);
    }
    yf_media_free(t.media);
    pump_for(&t, 20 * 1000);
    yf_rec_writer_free(w);
    check_captures(capdir);
    yf_test_rm_rf(capdir);
    g_free(capdir);

    g_source_destroy(ticker);
    g_source_unref(ticker);
    for (int i = 0; i < 2; i++) {
        client_free(t.p[i].pub);
        client_free(t.p[i].sub);
        g_free(t.p[i].offer);
    }
    while (g_main_context_pending(t.ctx))
        g_main_context_iteration(t.ctx, FALSE);
    g_main_context_pop_thread_default(t.ctx);
    g_main_context_unref(t.ctx);
    yf_dtls_cert_free(t.server_cert);
    return yf_test_done("test_net_room");
}
