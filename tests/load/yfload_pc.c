/* yfload_pc.c -- one WebRTC connection as a browser makes it: a libnice
 * agent (RFC 8445 full ICE, controlling, trickle per RFC 8838, consent checks
 * per RFC 7675 through libnice's keepalive-conncheck), a media/core yf_peer
 * as DTLS client (RFC 5763/5764) with SRTP, and the RTP/RTCP a browser
 * sends: the replayed stream with sender reports (RFC 3550 §6.4.1) and
 * NACK repair (RFC 4585 §6.2.1) on the publishing side; receiver reports
 * and NACKs on the receiving side. A share of the packets carries a
 * send-time stamp in its RTP padding (RFC 3550 §5.1: the padding octets
 * before the count are arbitrary), which a forwarding server passes on
 * untouched and every depacketizer (the recorder's too) ignores. It is a
 * client: it reads the clock. */
#include "yfload.h"

#include <string.h>

#include "media/core/rtcp.h"
#include "media/core/rtp.h"

#define STAMP_LEN 16
#define STAMP_MAGIC "YFLT"
#define HIST 1024
#define MAX_RX 64

unsigned yfl_stamp_every = 4;
const yfl_stream *yfl_the_stream;
yfl_totals yfl_tot;

typedef struct {
    uint32_t ssrc;
    gboolean video;
    yf_rx_stats rx;
    yf_nack_gen nack;
} rx_track;

typedef struct {
    uint32_t pkt;  /* index into the stream */
    uint32_t loop;
    uint16_t seq;
    gboolean used;
} sent_rec;

/* Invariants: peer exists once ICE was ready and the remote fingerprint
 * known; the publisher sends only while connected and !media_stopped;
 * hist[seq % HIST] describes the last video packet sent with that seq. */
struct yfl_pc {
    yfl_pc_callbacks cb;
    void *user;
    char label[64];
    const yfl_env *env;
    gboolean publish;
    NiceAgent *agent;
    guint stream;
    yf_peer *peer;
    int64_t peer_timeout;
    char ufrag[64], pwd[128], fp[128];
    char r_ufrag[64], r_pwd[128], r_fp[128];
    uint64_t session;
    gboolean started, have_remote, ice_ready, connected, failed, media_stopped;
    gboolean dtls_server;       /* the remote side said setup:active */
    /* publisher */
    uint32_t ssrc[2];
    uint16_t seq[2];
    uint32_t ts_base[2];
    uint32_t pkts[2], octets[2];
    int64_t t_start, next_sr;   /* t_start: DTLS connected */
    int64_t t_ice_ready;
    size_t next;
    uint32_t loop;
    uint64_t originals;
    sent_rec hist[HIST];
    /* receiver */
    uint32_t my_ssrc;
    rx_track rx[MAX_RX];
    int n_rx;
    int64_t first_media, next_rr;
};

/* ---- the datagram path ---- */

static void on_rtp(yfl_pc *pc, int64_t now, const uint8_t *b, size_t len);
static void on_rtcp(yfl_pc *pc, int64_t now, const uint8_t *b, size_t len);

static void on_event(yfl_pc *pc, int64_t now, const yf_output *o)
{
    switch (o->event) {
    case YF_EV_CONNECTED:
        pc->connected = TRUE;
        if (o->srtp_profile && strstr(o->srtp_profile, "GCM"))
            yfl_tot.srtp_gcm++;
        else
            yfl_tot.srtp_cm++;
        pc->t_start = now;
        pc->next_sr = now + 500000;
        pc->next_rr = now + 1000000;
        if (pc->cb.on_state)
            pc->cb.on_state(pc->user, pc, "connected");
        break;
    case YF_EV_FAILED:
        pc->failed = TRUE;
        g_message("%s: DTLS failed: %s", pc->label, o->reason ? o->reason : "?");
        if (pc->cb.on_state)
            pc->cb.on_state(pc->user, pc, "failed");
        break;
    case YF_EV_CLOSED: pc->connected = FALSE; break;
    case YF_EV_RTP: on_rtp(pc, now, o->data, o->len); break;
    case YF_EV_RTCP: on_rtcp(pc, now, o->data, o->len); break;
    }
}

/* After every input to the peer: transmits go out, events are handled. */
static void drain(yfl_pc *pc, int64_t now)
{
    yf_output o;

    for (;;) {
        yf_peer_poll_output(pc->peer, now, &o);
        if (o.kind == YF_OUT_TIMEOUT)
            break;
        if (o.kind == YF_OUT_TRANSMIT)
            nice_agent_send(pc->agent, pc->stream, 1, (guint)o.len, (const gchar *)o.data);
        else
            on_event(pc, now, &o);
    }
    pc->peer_timeout = o.timeout_us;
}

static void on_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *buf, gpointer data)
{
    yfl_pc *pc = data;
    int64_t now = g_get_monotonic_time();

    if (!pc->peer)
        return;
    yf_peer_handle_datagram(pc->peer, now, (const uint8_t *)buf, len);
    drain(pc, now);
}

static void service_timers(yfl_pc *pc, int64_t now)
{
    if (pc->peer && now >= pc->peer_timeout) {
        yf_peer_handle_timeout(pc->peer, now);
        drain(pc, now);
    }
}

/* ---- ICE ---- */

static void on_candidate(NiceAgent *agent, NiceCandidate *cand, gpointer data)
{
    yfl_pc *pc = data;
    char *line = nice_agent_generate_local_candidate_sdp(agent, cand);

    pc->cb.on_candidate(pc->user, pc, g_str_has_prefix(line, "a=") ? line + 2 : line);
    g_free(line);
}

static void on_gathered(NiceAgent *agent, guint stream_id, gpointer data)
{
    yfl_pc *pc = data;

    pc->cb.on_candidate(pc->user, pc, "");
}

/* The DTLS peer, once the remote fingerprint is known: a client when the
 * remote side is passive (yuanfang's answers; our answers to offers), a
 * server when it said setup:active (Janus's answers to our offers). */
static void make_peer(yfl_pc *pc, int64_t now)
{
    yf_peer_config cfg;

    memset(&cfg, 0, sizeof cfg);
    cfg.cert = pc->env->cert;
    cfg.role = pc->dtls_server ? YF_DTLS_ROLE_SERVER : YF_DTLS_ROLE_CLIENT;
    g_strlcpy(cfg.remote_fingerprint, pc->r_fp, sizeof cfg.remote_fingerprint);
    /* Chromium's order; the DTLS server's choice wins. */
    cfg.srtp_profiles = "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM";
    cfg.keep_dtls_session = true; /* as a browser does */
    pc->peer = yf_peer_new(&cfg, now);
    if (!pc->peer) {
        pc->failed = TRUE;
        g_warning("%s: cannot make the DTLS peer", pc->label);
        return;
    }
    drain(pc, now);
}

/* ICE is up: a DTLS client sends its ClientHello now (sent earlier it
 * would find no pair and wait for its retransmission timer). */
static void on_ice_state(NiceAgent *agent, guint stream_id, guint component_id, guint state, gpointer data)
{
    yfl_pc *pc = data;

    if (state == NICE_COMPONENT_STATE_FAILED) {
        pc->failed = TRUE;
        g_message("%s: ICE failed", pc->label);
        if (pc->cb.on_state)
            pc->cb.on_state(pc->user, pc, "failed");
        return;
    }
    if (state != NICE_COMPONENT_STATE_READY && state != NICE_COMPONENT_STATE_CONNECTED)
        return;
    if (!pc->ice_ready)
        pc->t_ice_ready = g_get_monotonic_time();
    pc->ice_ready = TRUE;
    if (!pc->peer)
        make_peer(pc, g_get_monotonic_time());
}

static uint32_t rand32(void)
{
    uint32_t v;

    do
        v = g_random_int();
    while (v == 0);
    return v;
}

yfl_pc *yfl_pc_new(const yfl_env *env, const char *label, gboolean publish, const yfl_pc_callbacks *cb,
                   void *user)
{
    yfl_pc *pc = g_new0(yfl_pc, 1);
    gchar *ufrag = NULL, *pwd = NULL;

    pc->cb = *cb;
    pc->user = user;
    pc->env = env;
    pc->publish = publish;
    g_strlcpy(pc->label, label, sizeof pc->label);
    yf_dtls_cert_fingerprint(env->cert, pc->fp, sizeof pc->fp);
    pc->session = ((((uint64_t)g_random_int() << 32) | g_random_int()) & G_GUINT64_CONSTANT(0x3fffffffffffffff)) | 1;
    pc->agent = nice_agent_new_full(env->ctx, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);
    g_object_set(pc->agent, "controlling-mode", TRUE, "ice-tcp", FALSE, "upnp", FALSE, "keepalive-conncheck", TRUE,
                 NULL);
    for (char **a = env->local_addresses; a && *a; a++) {
        NiceAddress addr;
        nice_address_init(&addr);
        if (nice_address_set_from_string(&addr, *a))
            nice_agent_add_local_address(pc->agent, &addr);
    }
    pc->stream = nice_agent_add_stream(pc->agent, 1);
    if (env->port_min)
        nice_agent_set_port_range(pc->agent, pc->stream, 1, env->port_min, env->port_max);
    nice_agent_get_local_credentials(pc->agent, pc->stream, &ufrag, &pwd);
    g_strlcpy(pc->ufrag, ufrag, sizeof pc->ufrag);
    g_strlcpy(pc->pwd, pwd, sizeof pc->pwd);
    g_free(ufrag);
    g_free(pwd);
    g_signal_connect(pc->agent, "new-candidate-full", G_CALLBACK(on_candidate), pc);
    g_signal_connect(pc->agent, "candidate-gathering-done", G_CALLBACK(on_gathered), pc);
    g_signal_connect(pc->agent, "component-state-changed", G_CALLBACK(on_ice_state), pc);
    nice_agent_attach_recv(pc->agent, pc->stream, 1, env->ctx, on_recv, pc);
    for (int k = 0; k < 2; k++) {
        pc->ssrc[k] = rand32();
        pc->seq[k] = (uint16_t)g_random_int();
        pc->ts_base[k] = g_random_int();
    }
    pc->my_ssrc = rand32();
    return pc;
}

void yfl_pc_free(yfl_pc *pc)
{
    if (!pc)
        return;
    g_clear_pointer(&pc->peer, yf_peer_free);
    g_signal_handlers_disconnect_by_data(pc->agent, pc);
    nice_agent_attach_recv(pc->agent, pc->stream, 1, pc->env->ctx, NULL, NULL);
    nice_agent_remove_stream(pc->agent, pc->stream);
    g_clear_object(&pc->agent);
    g_free(pc);
}

/* ---- SDP ---- */

static void transport_lines(GString *s, const yfl_pc *pc, const char *setup)
{
    g_string_append_printf(s, "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:%s\r\n"
                              "a=ice-pwd:%s\r\na=ice-options:trickle\r\na=fingerprint:sha-256 %s\r\n"
                              "a=setup:%s\r\na=rtcp-mux\r\n",
                           pc->ufrag, pc->pwd, pc->fp, setup);
}

char *yfl_pc_offer(yfl_pc *pc)
{
    GString *s = g_string_new(NULL);

    g_string_printf(s, "v=0\r\no=- %" G_GUINT64_FORMAT " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                       "a=group:BUNDLE 0 1\r\na=msid-semantic: WMS yfload\r\n", pc->session);
    g_string_append(s, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n");
    transport_lines(s, pc, "actpass");
    g_string_append_printf(s, "a=mid:0\r\na=sendonly\r\na=msid:yfload a0\r\na=rtpmap:111 opus/48000/2\r\n"
                              "a=fmtp:111 minptime=10;useinbandfec=1\r\na=ssrc:%u cname:yfload\r\n",
                           pc->ssrc[YFL_AUDIO]);
    g_string_append(s, "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n");
    transport_lines(s, pc, "actpass");
    g_string_append_printf(s, "a=mid:1\r\na=sendonly\r\na=msid:yfload v0\r\na=rtpmap:96 VP8/90000\r\n"
                              "a=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
                              "a=ssrc:%u cname:yfload\r\n",
                           pc->ssrc[YFL_VIDEO]);
    return g_string_free(s, FALSE);
}

static gboolean copied_to_answer(const char *line)
{
    static const char *const prefixes[] = { "a=mid:", "a=rtpmap:", "a=fmtp:", "a=rtcp-fb:" };

    for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++)
        if (g_str_has_prefix(line, prefixes[i]))
            return TRUE;
    return FALSE;
}

/* What a browser answers to a server's offer of tracks: every m-line kept,
 * recvonly (inactive stays inactive), setup active. */
char *yfl_pc_answer(yfl_pc *pc, const char *offer)
{
    char **lines = g_strsplit(offer, "\n", -1);
    GString *s = g_string_new(NULL);
    gboolean in_media = FALSE;

    g_string_printf(s, "v=0\r\no=- %" G_GUINT64_FORMAT " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", pc->session);
    for (char **l = lines; *l; l++) {
        g_strchomp(*l);
        if (g_str_has_prefix(*l, "a=group:BUNDLE"))
            g_string_append_printf(s, "%s\r\n", *l);
    }
    for (char **l = lines; *l; l++) {
        if (g_str_has_prefix(*l, "m=")) {
            in_media = TRUE;
            g_string_append_printf(s, "%s\r\n", *l);
            transport_lines(s, pc, "active");
        } else if (in_media && copied_to_answer(*l)) {
            g_string_append_printf(s, "%s\r\n", *l);
        } else if (in_media && (!strcmp(*l, "a=sendonly") || !strcmp(*l, "a=sendrecv"))) {
            g_string_append(s, "a=recvonly\r\n");
        } else if (in_media && !strcmp(*l, "a=inactive")) {
            g_string_append(s, "a=inactive\r\n");
        }
    }
    g_strfreev(lines);
    return g_string_free(s, FALSE);
}

gboolean yfl_pc_set_remote(yfl_pc *pc, const char *sdp)
{
    char **lines = g_strsplit(sdp, "\n", -1);
    char ufrag[64] = "", pwd[128] = "", fp[128] = "";
    gboolean active = FALSE;

    for (char **l = lines; *l; l++) {
        g_strchomp(*l);
        if (g_str_has_prefix(*l, "a=ice-ufrag:") && !*ufrag)
            g_strlcpy(ufrag, *l + 12, sizeof ufrag);
        else if (g_str_has_prefix(*l, "a=ice-pwd:") && !*pwd)
            g_strlcpy(pwd, *l + 10, sizeof pwd);
        else if (g_str_has_prefix(*l, "a=fingerprint:sha-256 ") && !*fp)
            g_strlcpy(fp, *l + 22, sizeof fp);
        else if (!strcmp(*l, "a=setup:active"))
            active = TRUE;
    }
    if (!*ufrag || !*pwd || !*fp) {
        g_strfreev(lines);
        return FALSE;
    }
    if (!pc->have_remote) {
        g_strlcpy(pc->r_ufrag, ufrag, sizeof pc->r_ufrag);
        g_strlcpy(pc->r_pwd, pwd, sizeof pc->r_pwd);
        g_strlcpy(pc->r_fp, fp, sizeof pc->r_fp);
        pc->have_remote = TRUE;
        pc->dtls_server = active;
        nice_agent_set_remote_credentials(pc->agent, pc->stream, pc->r_ufrag, pc->r_pwd);
        /* A DTLS server waits from now on: the remote ClientHello may come
         * as soon as its side of ICE is up, before ours says so. */
        if (pc->dtls_server)
            make_peer(pc, g_get_monotonic_time());
    }
    for (char **l = lines; *l; l++)
        if (g_str_has_prefix(*l, "a=candidate:"))
            yfl_pc_add_candidate(pc, *l + 2);
    g_strfreev(lines);
    return TRUE;
}

void yfl_pc_start(yfl_pc *pc)
{
    if (pc->started)
        return;
    pc->started = TRUE;
    nice_agent_gather_candidates(pc->agent, pc->stream);
}

gboolean yfl_pc_add_candidate(yfl_pc *pc, const char *candidate)
{
    GSList one = { 0 };
    NiceCandidate *nc;
    char *line;

    if (!*candidate) {
        nice_agent_peer_candidate_gathering_done(pc->agent, pc->stream);
        return TRUE;
    }
    line = g_strconcat("a=", candidate, NULL);
    nc = nice_agent_parse_remote_candidate_sdp(pc->agent, pc->stream, line);
    g_free(line);
    if (!nc)
        return FALSE;
    if (nc->transport == NICE_CANDIDATE_TRANSPORT_UDP) {
        one.data = nc;
        nice_agent_set_remote_candidates(pc->agent, pc->stream, 1, &one);
    }
    nice_candidate_free(nc);
    return TRUE;
}

/* ---- publishing ---- */

/* Builds packet i of loop `loop` with our SSRC, seq and timestamp; a stamp
 * (magic, monotonic send time in µs, count) goes into its padding. */
static size_t build(yfl_pc *pc, const yfl_pkt *p, uint32_t loop, uint16_t seq, gboolean stamp, int64_t now,
                    uint8_t *b)
{
    size_t len = p->len;
    uint32_t ts = pc->ts_base[p->kind] + loop * yfl_the_stream->period_ts[p->kind] + p->ts_off;

    memcpy(b, p->data, len);
    yf_rtp_set_ssrc(b, len, pc->ssrc[p->kind]);
    yf_rtp_set_seq(b, len, seq);
    yf_rtp_set_timestamp(b, len, ts);
    if (stamp && !(b[0] & 0x20)) {
        uint8_t *s = b + len;
        memcpy(s, STAMP_MAGIC, 4);
        for (int i = 0; i < 8; i++)
            s[4 + i] = (uint8_t)((uint64_t)now >> (56 - 8 * i));
        s[12] = s[13] = s[14] = 0;
        s[15] = STAMP_LEN;
        b[0] |= 0x20;
        len += STAMP_LEN;
    }
    return len;
}

static void send_rtp(yfl_pc *pc, int64_t now, const uint8_t *b, size_t len)
{
    if (yf_peer_send_rtp(pc->peer, now, b, len) == YF_OK)
        drain(pc, now);
}

static void send_original(yfl_pc *pc, int64_t now, size_t i)
{
    const yfl_pkt *p = &yfl_the_stream->pkts[i];
    uint8_t b[1500];
    uint16_t seq = pc->seq[p->kind]++;
    gboolean stamp = yfl_stamp_every && pc->originals % yfl_stamp_every == 0;
    size_t len = build(pc, p, pc->loop, seq, stamp, now, b);

    pc->originals++;
    if (p->kind == YFL_VIDEO)
        pc->hist[seq % HIST] = (sent_rec){ (uint32_t)i, pc->loop, seq, TRUE };
    pc->pkts[p->kind]++;
    pc->octets[p->kind] += p->len - 12;
    yfl_tot.sent++;
    send_rtp(pc, now, b, len);
}

/* How far a publisher may fall behind its schedule (a stalled generator)
 * before the schedule moves instead: a browser's pacer never sends seconds
 * of media at once, and a burst that overflows the server's or our socket
 * buffers would measure the generator, not the server. */
#define MAX_LAG_US 50000

void yfl_pc_pace(yfl_pc *pc, const yfl_stream *s, int64_t now)
{
    service_timers(pc, now);
    if (!pc->publish || !pc->connected || pc->media_stopped)
        return;
    for (;;) {
        int64_t due = pc->t_start + (int64_t)pc->loop * s->period_us + s->pkts[pc->next].t_us;
        if (due > now)
            return;
        if (now - due > MAX_LAG_US)
            pc->t_start += now - due; /* the stream resumes from here, late */
        send_original(pc, now, pc->next);
        if (++pc->next == s->n) {
            pc->next = 0;
            pc->loop++;
        }
    }
}

static void retransmit(yfl_pc *pc, int64_t now, uint16_t seq)
{
    const sent_rec *r = &pc->hist[seq % HIST];
    uint8_t b[1500];

    if (!r->used || r->seq != seq)
        return;
    size_t len = build(pc, &yfl_the_stream->pkts[r->pkt], r->loop, seq, FALSE, now, b);
    yfl_tot.retransmitted++;
    send_rtp(pc, now, b, len);
}

/* §6.4.1: one SR per track in one compound. */
static void send_sr(yfl_pc *pc, int64_t now)
{
    uint8_t b[256];
    size_t off = 0;
    int64_t wall = g_get_real_time();
    uint64_t ntp = ((uint64_t)(wall / G_USEC_PER_SEC + 2208988800LL) << 32) |
                   (uint64_t)(((wall % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC);

    for (int k = 0; k < 2; k++) {
        yf_rtcp_sr sr = { 0 };
        uint32_t rate = k == YFL_VIDEO ? 90 : 48;
        sr.ssrc = pc->ssrc[k];
        sr.ntp = ntp;
        sr.rtp_ts = pc->ts_base[k] + (uint32_t)((now - pc->t_start) / 1000 * rate);
        sr.packet_count = pc->pkts[k];
        sr.octet_count = pc->octets[k];
        int n = yf_rtcp_sr_write(&sr, b + off, sizeof b - off);
        if (n < 0)
            return;
        off += (size_t)n;
    }
    if (yf_peer_send_rtcp(pc->peer, now, b, off) == YF_OK)
        drain(pc, now);
}

/* ---- receiving ---- */

static rx_track *rx_find(yfl_pc *pc, uint32_t ssrc, uint8_t pt)
{
    for (int i = 0; i < pc->n_rx; i++)
        if (pc->rx[i].ssrc == ssrc)
            return &pc->rx[i];
    if (pc->n_rx == MAX_RX)
        return NULL;
    rx_track *t = &pc->rx[pc->n_rx++];
    memset(t, 0, sizeof *t);
    t->ssrc = ssrc;
    /* The server keeps the publisher's payload types (Opus 111, VP8 96 here);
     * a clock rate only matters for jitter, which is not reported. */
    t->video = pt != 111;
    yf_rx_stats_init(&t->rx, t->video ? 90000 : 48000);
    yf_nack_gen_init(&t->nack, 20000, 10000, 5);
    return t;
}

static void read_stamp(const yf_rtp_header *h, const uint8_t *b, size_t len, int64_t now)
{
    if (h->padding_len != STAMP_LEN || len < 12 + STAMP_LEN)
        return;
    const uint8_t *s = b + len - STAMP_LEN;
    if (memcmp(s, STAMP_MAGIC, 4) != 0)
        return;
    int64_t sent = 0;
    for (int i = 0; i < 8; i++)
        sent = (sent << 8) | s[4 + i];
    int64_t d = now - sent;
    if (d < 0 || d > G_MAXINT32)
        return;
    int32_t v = (int32_t)d;
    yfl_tot.stamped++;
    g_array_append_val(yfl_tot.latency_us, v);
}

static void on_rtp(yfl_pc *pc, int64_t now, const uint8_t *b, size_t len)
{
    yf_rtp_header h;

    if (yf_rtp_parse(b, len, &h) != YF_OK)
        return;
    rx_track *t = rx_find(pc, h.ssrc, h.payload_type);
    if (!t)
        return;
    yf_rx_stats_on_packet(&t->rx, now, h.seq, h.timestamp);
    if (t->video)
        yf_nack_gen_on_packet(&t->nack, now, h.seq);
    yfl_tot.received++;
    read_stamp(&h, b, len, now);
    if (!pc->first_media) {
        pc->first_media = now;
        if (pc->cb.on_first_media)
            pc->cb.on_first_media(pc->user, pc);
    }
}

static void on_rtcp(yfl_pc *pc, int64_t now, const uint8_t *b, size_t len)
{
    yf_rtcp_iter it;
    yf_rtcp_packet p;
    uint16_t seqs[256];

    yf_rtcp_iter_init(&it, b, len);
    while (yf_rtcp_iter_next(&it, &p) == 1) {
        if (p.pt == 205 && p.count == 1 && pc->publish) {
            yf_rtcp_fb fb;
            size_t n = 0;
            yf_rtcp_nack_parse(&p, &fb, seqs, G_N_ELEMENTS(seqs), &n);
            yfl_tot.nacks_received += n;
            for (size_t i = 0; i < n; i++)
                retransmit(pc, now, seqs[i]);
        } else if (p.pt == 200 && !pc->publish) {
            yf_rtcp_sr sr;
            if (yf_rtcp_sr_parse(&p, &sr) == YF_OK)
                for (int i = 0; i < pc->n_rx; i++)
                    if (pc->rx[i].ssrc == sr.ssrc)
                        yf_rx_stats_on_sr(&pc->rx[i].rx, now, sr.ntp);
        }
    }
}

/* A compound of an RR (with report blocks when `blocks`) and the NACKs due. */
static void send_rr_nacks(yfl_pc *pc, int64_t now, gboolean blocks)
{
    uint8_t b[1200];
    yf_rtcp_rr rr = { 0 };
    uint16_t seqs[64];
    size_t off, n;
    gboolean any_nack = FALSE;

    rr.ssrc = pc->my_ssrc;
    for (int i = 0; blocks && i < pc->n_rx && rr.report_count < YF_RTCP_MAX_COUNT; i++)
        if (yf_rx_stats_report(&pc->rx[i].rx, now, pc->rx[i].ssrc, &rr.reports[rr.report_count]))
            rr.report_count++;
    int w = yf_rtcp_rr_write(&rr, b, sizeof b);
    if (w < 0)
        return;
    off = (size_t)w;
    for (int i = 0; i < pc->n_rx; i++) {
        if (!pc->rx[i].video || off + 200 > sizeof b)
            continue;
        yf_nack_gen_poll(&pc->rx[i].nack, now, seqs, G_N_ELEMENTS(seqs), &n);
        if (!n)
            continue;
        w = yf_rtcp_nack_write(pc->my_ssrc, pc->rx[i].ssrc, seqs, n, b + off, sizeof b - off);
        if (w > 0) {
            off += (size_t)w;
            yfl_tot.nacks_sent += n;
            any_nack = TRUE;
        }
    }
    if (!blocks && !any_nack)
        return;
    if (blocks)
        yfl_tot.rr_sent++;
    if (yf_peer_send_rtcp(pc->peer, now, b, off) == YF_OK)
        drain(pc, now);
}

void yfl_pc_tick(yfl_pc *pc, int64_t now)
{
    service_timers(pc, now);
    if (!pc->connected)
        return;
    if (pc->publish) {
        if (!pc->media_stopped && now >= pc->next_sr) {
            send_sr(pc, now);
            pc->next_sr = now + 1000000;
        }
        return;
    }
    gboolean rr = now >= pc->next_rr;
    if (rr)
        pc->next_rr = now + 1000000;
    send_rr_nacks(pc, now, rr);
}

void yfl_pc_stop_media(yfl_pc *pc)
{
    pc->media_stopped = TRUE;
}

void yfl_pc_get_info(const yfl_pc *pc, yfl_pc_info *out)
{
    memset(out, 0, sizeof *out);
    out->connected = pc->connected;
    out->failed = pc->failed;
    out->first_media_us = pc->first_media;
    out->ice_ready_us = pc->t_ice_ready;
    out->connected_us = pc->connected ? pc->t_start : 0;
    out->rx_tracks = pc->n_rx;
    for (int i = 0; i < pc->n_rx; i++) {
        out->rx_packets += pc->rx[i].rx.received;
        out->rx_expected += yf_rx_stats_expected(&pc->rx[i].rx);
    }
}
