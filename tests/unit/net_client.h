/* net_client.h -- a browser's side of a connection, for the loopback tests of
 * media/net (test_net_echo, test_net_room): a controlling libnice agent on
 * 127.0.0.1 plus a sans-IO yf_peer as the DTLS client, driven on the test's
 * own GMainContext; the SDP a browser writes and reads; pumping that context
 * until a condition holds or a deadline passes. Everything here runs on the
 * thread that owns the nc_loop; nothing waits longer than its deadline. */
#ifndef NET_CLIENT_H
#define NET_CLIENT_H

#include <nice/agent.h>
#include <stdint.h>

#include "media/net/net.h"
#include "yf_test.h"

/* ---- the test's loop ---- */

/* A GMainContext of the test's own, this thread's default while the loop
 * lives (media/net calls back on it), and the deadline of every pump. */
typedef struct {
    GMainContext *ctx;
    int64_t deadline; /* monotonic µs; no nc_pump runs past it */
} nc_loop;

/* Makes and pushes the context; the deadline is budget_us from now. */
void nc_loop_init(nc_loop *l, int64_t budget_us);
/* Runs what is still pending, pops and frees the context. Every nc_client
 * and server object on it must be freed before. */
void nc_loop_clear(nc_loop *l);

/* A condition on the test's state, given the data passed to nc_pump. */
typedef gboolean (*nc_cond_fn)(const void *data);

/* Iterates the loop until cond(data) or the deadline. Returns cond(data). */
gboolean nc_pump(nc_loop *l, nc_cond_fn cond, const void *data);
/* nc_pump, for at most us microseconds (and never past the deadline). */
gboolean nc_pump_within(nc_loop *l, nc_cond_fn cond, const void *data, int64_t us);
/* Lets the loop run for us microseconds (at most until the deadline). */
void nc_pump_for(nc_loop *l, int64_t us);

/* The server's media edge as the tests run it: two workers offering
 * 127.0.0.1, calling back on l's context. cert is borrowed and must outlive
 * the media. NULL with *err set as yf_net_new. */
yf_net *nc_media_new(nc_loop *l, const yf_dtls_cert *cert, GError **err);

/* ---- one browser connection (an RTCPeerConnection) ---- */

#define NC_MAX_RX 64

typedef struct {
    uint8_t buf[1500];
    size_t len;
} nc_pkt;

typedef struct nc_client nc_client;

/* Where the client's candidates go (trickle ICE, RFC 8838): an SDP
 * "candidate:..." line without "a=", or "" after the last one. */
typedef void (*nc_candidate_fn)(void *user, nc_client *c, const char *candidate);

/* The fields above "private" are the test's to read; id and kind are labels
 * the test sets before nc_client_start (which participant, which connection)
 * and the harness prints in its messages. Invariants: peer is NULL until ICE
 * is ready, then set once; rx holds the first n_rx RTP packets received
 * (n_rx <= NC_MAX_RX, later ones are dropped). */
struct nc_client {
    uint32_t id;
    int kind;
    char fp[128], ufrag[64], pwd[64]; /* ours: fingerprint, ICE credentials */
    char remote_ufrag[64], remote_pwd[64], remote_fp[128], remote_setup[16];
    uint64_t session;                 /* our o= sess-id */
    gboolean started, connected, closed;
    char profile[64];                 /* SRTP profile once connected */
    int64_t t_ready;                  /* when ICE was ready (monotonic µs) */
    nc_pkt rx[NC_MAX_RX];
    int n_rx;
    /* private */
    nc_loop *loop;
    NiceAgent *agent;
    guint stream;
    yf_peer *peer;
    int64_t peer_timeout;
    GSource *tick;
    const yf_dtls_cert *cert;
    yf_dtls_cert *own_cert; /* cert, when the client made or was given it */
    nc_candidate_fn on_candidate;
    void *user;
};

/* A new connection on l: its own ICE credentials and a random session id
 * (RFC 8829 §5.2.1). cert is borrowed and must outlive the client; NULL
 * makes one the client owns. Candidates go to on_candidate(user, ...) once
 * nc_client_start has run. Free with nc_client_free. */
nc_client *nc_client_new(nc_loop *l, const yf_dtls_cert *cert, nc_candidate_fn on_candidate, void *user);
/* A new RTCPeerConnection of old's page that keeps old's certificate (an
 * RTCCertificate kept across a reload): new ICE credentials and session id,
 * old's fingerprint, labels and callback. A certificate old owned moves to
 * the new client (old's peer keeps its own reference in OpenSSL). */
nc_client *nc_client_new_keeping_cert(nc_client *old);
/* Closes the agent and the peer; accepts NULL. */
void nc_client_free(nc_client *c);

/* ---- SDP text ---- */

/* One m-section of an offer: its m= line, then after the transport lines
 * the harness writes (c=, a=rtcp, our ICE credentials and fingerprint,
 * setup:actpass, mid = its index) the test's own lines, then, when ssrc is
 * not 0, "a=ssrc:<ssrc> cname:testclient". */
typedef struct {
    const char *m;
    const char *attrs;
    uint32_t ssrc;
} nc_section;

/* What Chromium writes for Opus and VP8 with transport-cc, NACK and PLI. */
#define NC_OPUS_LINES                                                              \
    "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\n"                  \
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
#define NC_VP8_LINES                                                               \
    "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 transport-cc\r\na=rtcp-fb:96 ccm fir\r\n" \
    "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"

/* A Chromium-like offer from c: our o= session id, sections 0..n-1 in one
 * BUNDLE group. Returns text to g_free. */
char *nc_client_offer(const nc_client *c, const nc_section *s, size_t n);
/* A Chromium-like answer from c to a server's offer: every m-line kept,
 * recvonly (inactive for inactive lines), setup active, its mid and codec
 * lines copied. Returns text to g_free. */
char *nc_client_answer(const nc_client *c, const char *offer);
/* Reads the remote side's session- or media-level ICE credentials,
 * fingerprint and setup from sdp into c->remote_*. */
void nc_client_read_remote(nc_client *c, const char *sdp);
/* The first a=ssrc of m-section `section` of sdp (0 if none); *inactive,
 * if not NULL, says whether that section is a=inactive. */
uint32_t nc_sdp_ssrc(const char *sdp, size_t section, gboolean *inactive);

/* ---- ICE and media ---- */

/* After the remote description: its credentials, then our candidates. */
void nc_client_start(nc_client *c);
/* One of the server's candidates ("candidate:..." without "a=", or "" for
 * the end of them). FALSE if libnice cannot parse it. */
gboolean nc_client_add_remote_candidate(nc_client *c, const char *candidate);
/* restartIce() on the page's side: new local ICE credentials, the same
 * RTCPeerConnection (session id, certificate, DTLS association). */
void nc_client_restart_ice(nc_client *c);
/* After the restart's remote description (nc_client_read_remote): its
 * credentials, and our candidates again (the server dropped the previous
 * generation's). */
void nc_client_restarted(nc_client *c);
/* Sends one RTP packet (header from the arguments, RFC 3550 §5.1, then
 * payload[0..n)) through the peer. A yf_err: YF_ESTATE before DTLS is up. */
int nc_client_send_rtp(nc_client *c, int pt, uint16_t seq, uint32_t ts, uint32_t ssrc, const uint8_t *payload,
                       size_t n);

/* Fields of a received RTP packet (at least 12 bytes). */
uint32_t nc_rtp_ssrc(const nc_pkt *p);
uint16_t nc_rtp_seq(const nc_pkt *p);
int nc_rtp_pt(const nc_pkt *p);

/* ---- counting ---- */

/* The checks the harness made itself (a certificate or peer it could not
 * make); nc_test_done adds them to the test's and ends as yf_test_done. */
void nc_test_counts(int *checks, int *failures);

static inline int nc_test_done(const char *name)
{
    int checks, failures;

    nc_test_counts(&checks, &failures);
    yf_test_checks += checks;
    yf_test_failures += failures;
    return yf_test_done(name);
}

#endif
