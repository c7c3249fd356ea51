/* sim_dtls_srtp.c -- two sans-IO peers on the simulated lossy link: a "browser"
 * (DTLS client offering AES-CM first, as Chromium does) and the server
 * (preferring AEAD_AES_128_GCM). Seeds 1..10 must all complete DTLS over 5%
 * loss; then seed 42 carries 500 SRTP RTP packets and 20 SRTCP each way, and
 * every delivered packet must decrypt to exactly what was sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "simnet.h"

#define LOSS 0.05
#define LATENCY_US 20000
#define JITTER_US 5000
#define N_RTP 500
#define RTCP_EVERY 25
#define FRAME_US 20000
#define HANDSHAKE_LIMIT_US 30000000

static int failures;
#define EXPECT(cond)                                                                \
    do {                                                                            \
        if (!(cond)) {                                                              \
            failures++;                                                             \
            fprintf(stderr, "%s:%d: EXPECT failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                           \
    } while (0)

typedef struct {
    bool connected, failed, closed;
    char profile[32];
    int64_t connected_at;
    int rtp_rx, rtcp_rx, bad;
    bool seen[N_RTP];
} side_state;

/* Packet contents are a function of (direction, index) so the receiver can
 * rebuild what was sent. */
static size_t build_rtp(int dir, unsigned seq, uint8_t *buf)
{
    size_t len = 12 + 100 + (seq * 37u) % 1000u;

    buf[0] = 0x80;
    buf[1] = (uint8_t)(dir ? 111 : 96);
    yf_wr16(buf + 2, (uint16_t)seq);
    yf_wr32(buf + 4, seq * 960u);
    yf_wr32(buf + 8, dir ? 0x22222222u : 0x11111111u);
    for (size_t j = 12; j < len; j++)
        buf[j] = (uint8_t)(seq * 31u + j * 7u + (unsigned)dir);
    return len;
}

static size_t build_rtcp(int dir, unsigned k, uint8_t *buf)
{
    buf[0] = 0x80;
    buf[1] = 200; /* SR, no report blocks: 28 bytes */
    yf_wr16(buf + 2, 6);
    yf_wr32(buf + 4, dir ? 0x22222222u : 0x11111111u);
    yf_wr32(buf + 8, 0xE0000000u + k);
    yf_wr32(buf + 12, k * 65536u);
    yf_wr32(buf + 16, k * 960u);
    yf_wr32(buf + 20, k); /* packet count doubles as the index */
    yf_wr32(buf + 24, k * 1000u);
    return 28;
}

static void on_event(sim_peer *sp, int64_t now, const yf_output *ev)
{
    side_state *st = sp->user;
    int from = 1 - sp->id; /* direction of the packet = sender id */
    uint8_t want[1200];

    switch (ev->event) {
    case YF_EV_CONNECTED:
        st->connected = true;
        st->connected_at = now;
        snprintf(st->profile, sizeof st->profile, "%s", ev->srtp_profile);
        break;
    case YF_EV_FAILED:
        st->failed = true;
        fprintf(stderr, "%s: FAILED: %s\n", sp->name, ev->reason);
        break;
    case YF_EV_CLOSED: st->closed = true; break;
    case YF_EV_RTP: {
        unsigned seq = ev->len >= 4 ? yf_rd16(ev->data + 2) : N_RTP;
        if (seq >= N_RTP || st->seen[seq] || build_rtp(from, seq, want) != ev->len ||
            memcmp(want, ev->data, ev->len) != 0) {
            st->bad++;
            break;
        }
        st->seen[seq] = true;
        st->rtp_rx++;
        break;
    }
    case YF_EV_RTCP: {
        unsigned k = ev->len >= 24 ? yf_rd32(ev->data + 20) : 0;
        if (build_rtcp(from, k, want) != ev->len || memcmp(want, ev->data, ev->len) != 0)
            st->bad++;
        else
            st->rtcp_rx++;
        break;
    }
    }
}

typedef struct {
    yf_peer *browser, *server;
    side_state bs, ss;
    sim_peer b, s;
    sim_net net;
} pair;

static int pair_open(pair *pr, const yf_dtls_cert *bcert, const yf_dtls_cert *scert, uint64_t seed,
                     double loss, unsigned mtu)
{
    yf_peer_config bc = {0}, sc = {0};

    memset(pr, 0, sizeof *pr);
    bc.cert = bcert;
    bc.role = YF_DTLS_ROLE_CLIENT;
    bc.srtp_profiles = "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM"; /* Chromium's order */
    yf_dtls_cert_fingerprint(scert, bc.remote_fingerprint, sizeof bc.remote_fingerprint);
    bc.dtls_mtu = sc.dtls_mtu = mtu;
    sc.cert = scert;
    sc.role = YF_DTLS_ROLE_SERVER; /* default profiles: GCM first */
    yf_dtls_cert_fingerprint(bcert, sc.remote_fingerprint, sizeof sc.remote_fingerprint);
    pr->server = yf_peer_new(&sc, 0);
    pr->browser = yf_peer_new(&bc, 0);
    if (!pr->server || !pr->browser)
        return -1;
    pr->b = (sim_peer){ .name = "browser", .peer = pr->browser, .on_event = on_event, .user = &pr->bs };
    pr->s = (sim_peer){ .name = "server", .peer = pr->server, .on_event = on_event, .user = &pr->ss };
    sim_net_init(&pr->net, seed, loss, LATENCY_US, JITTER_US, &pr->b, &pr->s, 0);
    return 0;
}

static void pair_close(pair *pr)
{
    sim_net_clear(&pr->net);
    yf_peer_free(pr->browser);
    yf_peer_free(pr->server);
}

/* Runs until both are connected (or failed / time limit). */
static bool handshake(pair *pr)
{
    while (!(pr->bs.connected && pr->ss.connected) && !pr->bs.failed && !pr->ss.failed &&
           pr->net.now < HANDSHAKE_LIMIT_US && pr->net.steps < 100000)
        if (!sim_progress(&pr->net))
            break;
    return pr->bs.connected && pr->ss.connected;
}

/* Seeds 1..n over `loss`; mtu 0 = default, small values fragment the flights
 * (certificates, like Chromium's 1.4 KB ClientHello, span several datagrams). */
static void run_handshakes(const yf_dtls_cert *bcert, const yf_dtls_cert *scert, unsigned n,
                           double loss, unsigned mtu)
{
    int64_t worst = 0, sum = 0;

    printf("handshakes: loss %.0f%%, MTU %u, seeds 1..%u\n", loss * 100, mtu ? mtu : 1200, n);
    for (uint64_t seed = 1; seed <= n; seed++) {
        pair pr;
        bool ok;
        int64_t t;

        if (pair_open(&pr, bcert, scert, seed, loss, mtu) != 0) {
            EXPECT(!"peer creation failed");
            pair_close(&pr);
            continue;
        }
        ok = handshake(&pr);
        EXPECT(ok);
        EXPECT(strcmp(pr.bs.profile, "AEAD_AES_128_GCM") == 0);
        EXPECT(strcmp(pr.ss.profile, "AEAD_AES_128_GCM") == 0);
        t = pr.bs.connected_at > pr.ss.connected_at ? pr.bs.connected_at : pr.ss.connected_at;
        sum += t;
        worst = t > worst ? t : worst;
        printf("  seed %2llu: %s in %4lld ms virtual (%llu+%llu datagrams, %llu lost, "
               "%lld ms real wait for OpenSSL's timer)\n",
               (unsigned long long)seed, ok ? "connected" : "NOT CONNECTED", (long long)t / 1000,
               (unsigned long long)pr.net.link[0].sent, (unsigned long long)pr.net.link[1].sent,
               (unsigned long long)(pr.net.link[0].lost + pr.net.link[1].lost),
               (long long)pr.net.wall_waited_us / 1000);
        pair_close(&pr);
    }
    printf("  mean %lld ms, worst %lld ms virtual\n", (long long)(sum / n / 1000),
           (long long)worst / 1000);
}

static void send_frame(pair *pr, unsigned i)
{
    uint8_t buf[1200];
    size_t len;

    for (int dir = 0; dir < 2; dir++) {
        yf_peer *from = dir ? pr->server : pr->browser;
        sim_peer *sp = dir ? &pr->s : &pr->b;
        int64_t now = pr->net.now;

        (void)sp;
        len = build_rtp(dir, i, buf);
        EXPECT(yf_peer_send_rtp(from, now, buf, len) == YF_OK);
        if (i % RTCP_EVERY == 0) {
            len = build_rtcp(dir, i / RTCP_EVERY, buf);
            EXPECT(yf_peer_send_rtcp(from, now, buf, len) == YF_OK);
        }
    }
}

static void check_side(const char *name, yf_peer *p, const side_state *st, const sim_link_stats *in)
{
    yf_peer_stats ps;

    yf_peer_get_stats(p, &ps);
    EXPECT(st->bad == 0);
    EXPECT((uint64_t)st->rtp_rx == in->delivered_rtp);
    EXPECT((uint64_t)st->rtcp_rx == in->delivered_rtcp);
    EXPECT(ps.rtp_in == in->delivered_rtp);
    EXPECT(ps.dropped_auth == 0);
    EXPECT(ps.dropped_early == 0);
    EXPECT(ps.dropped_garbage == 0);
    EXPECT(ps.dropped_queue == 0);
    EXPECT(st->rtp_rx > N_RTP * 8 / 10);
    printf("%s received %d/%d RTP, %d/%d RTCP (link delivered %llu RTP, %llu RTCP), "
           "auth drops %llu\n", name, st->rtp_rx, N_RTP, st->rtcp_rx, N_RTP / RTCP_EVERY,
           (unsigned long long)in->delivered_rtp, (unsigned long long)in->delivered_rtcp,
           (unsigned long long)ps.dropped_auth);
}

static void run_media(const yf_dtls_cert *bcert, const yf_dtls_cert *scert)
{
    pair pr;
    int64_t t0;

    if (pair_open(&pr, bcert, scert, 42, LOSS, 0) != 0 || !handshake(&pr)) {
        EXPECT(!"seed 42 handshake");
        pair_close(&pr);
        return;
    }
    printf("seed 42: connected at %lld ms virtual\n", (long long)pr.net.now / 1000);
    sim_run_until(&pr.net, pr.net.now + 200000); /* let stray handshake datagrams land */
    memset(&pr.net.link[0], 0, sizeof pr.net.link);
    t0 = pr.net.now;
    for (unsigned i = 0; i < N_RTP; i++) {
        send_frame(&pr, i);
        sim_run_until(&pr.net, t0 + (int64_t)(i + 1) * FRAME_US);
    }
    while (sim_progress(&pr.net) && pr.net.steps < 1000000)
        ;
    printf("link browser->server: sent %llu lost %llu delivered %llu; "
           "server->browser: sent %llu lost %llu delivered %llu\n",
           (unsigned long long)pr.net.link[0].sent, (unsigned long long)pr.net.link[0].lost,
           (unsigned long long)pr.net.link[0].delivered, (unsigned long long)pr.net.link[1].sent,
           (unsigned long long)pr.net.link[1].lost, (unsigned long long)pr.net.link[1].delivered);
    check_side("server ", pr.server, &pr.ss, &pr.net.link[0]);
    check_side("browser", pr.browser, &pr.bs, &pr.net.link[1]);

    /* Each side had the other's media and wrote its DTLS session off
     * (dtls.h, yf_dtls_retire): the browser's close_notify over a clean
     * link reaches the server, which no longer reads records and counts
     * it; the server's own close then ends it too. (A real browser never
     * retires: it reads the server's close_notify, test_peer's test_retire.) */
    yf_peer_stats ps;
    pr.net.loss = 0;
    yf_peer_close(pr.browser, pr.net.now);
    while (sim_progress(&pr.net) && pr.net.steps < 1100000)
        ;
    yf_peer_get_stats(pr.server, &ps);
    EXPECT(pr.bs.closed && !pr.ss.closed);
    EXPECT(ps.dtls_retired && ps.dropped_retired >= 1);
    yf_peer_close(pr.server, pr.net.now);
    while (sim_progress(&pr.net) && pr.net.steps < 1200000)
        ;
    EXPECT(pr.ss.closed);
    EXPECT(!yf_peer_is_connected(pr.browser) && !yf_peer_is_connected(pr.server));
    pair_close(&pr);
}

int main(void)
{
    yf_dtls_cert *bcert = NULL, *scert = NULL;

    if (yf_dtls_cert_generate(&bcert) != YF_OK || yf_dtls_cert_generate(&scert) != YF_OK) {
        fprintf(stderr, "certificate generation failed\n");
        return 1;
    }
    run_handshakes(bcert, scert, 10, LOSS, 0);
    run_handshakes(bcert, scert, 5, 0.25, 0);
    run_handshakes(bcert, scert, 5, LOSS, 300);
    run_media(bcert, scert);
    yf_dtls_cert_free(bcert);
    yf_dtls_cert_free(scert);
    printf("sim_dtls_srtp: %s (%d failures)\n", failures ? "FAIL" : "ok", failures);
    return failures ? 1 : 0;
}
