/* peer.c -- one WebRTC transport as a sans-IO machine: demux by first byte
 * (RFC 7983 §7; RTCP by payload type, RFC 5761 §4), DTLS-SRTP (dtls.c) and
 * SRTP (srtp.c), a bounded output queue of datagrams and events. No sockets,
 * no clock (only dtls.c's OpenSSL timer, see there), no locks. Untrusted input
 * is counted and dropped, never asserted on. */
#include "peer.h"

#include <stdlib.h>
#include <string.h>
#include "dtls.h"
#include "srtp.h"

#define OUT_QUEUE 256 /* entries at most; the ring starts at OUT_QUEUE_START and doubles */
#define OUT_QUEUE_START 8
#define MAX_DATAGRAM 8192 /* nothing WebRTC sends us is larger */
/* Media buffers are recycled: a packet up to POOL_BUF bytes (every RTP/RTCP a
 * browser sends fits) takes a buffer from the peer's free list and gives it
 * back when the next output is polled, so steady forwarding allocates
 * nothing. At most POOL_KEEP idle buffers are kept. */
#define POOL_BUF 2048
#define POOL_KEEP 64

typedef enum { CLS_STUN, CLS_DTLS, CLS_RTP, CLS_RTCP, CLS_GARBAGE } pkt_class;

typedef struct {
    yf_output_kind kind; /* TRANSMIT or EVENT */
    yf_event_kind event;
    uint8_t *data; /* owned */
    size_t len;
    bool pooled;   /* data is a POOL_BUF buffer to give back to the pool */
    const char *reason; /* static or owned by dtls */
} entry;

/* Invariants: srtp is non-NULL exactly while seen == CONNECTED; the queue is a
 * ring of `count` entries from `head` in q[0..cap), each owning its data
 * (cap grows from OUT_QUEUE_START to OUT_QUEUE as bursts need it: a
 * connection's queue is a few entries deep but for a keyframe's burst, and
 * hundreds of observers' connections each holding OUT_QUEUE entries came to
 * 10 KiB apiece); `cur` owns the
 * data of the last output handed out, freed on the next poll; at most three
 * state events (CONNECTED, FAILED/CLOSED) are ever queued. */
struct yf_peer {
    yf_dtls *dtls;
    yf_srtp *srtp;
    bool is_client;
    bool keep_dtls;           /* cfg->keep_dtls_session */
    yf_dtls_state seen;
    const char *profile;
    entry *q;              /* a ring of cap entries */
    unsigned cap, head, count;
    uint8_t *cur;
    bool cur_pooled;
    uint8_t *pool[POOL_KEEP];
    unsigned n_pool;
    yf_peer_stats st;
};

/* RFC 7983 §7 */
static pkt_class classify(const uint8_t *b, size_t len)
{
    if (b[0] <= 3) return CLS_STUN;
    if (b[0] >= 20 && b[0] <= 63) return CLS_DTLS;
    if (b[0] >= 128 && b[0] <= 191)
        return len >= 2 && b[1] >= 192 && b[1] <= 223 ? CLS_RTCP : CLS_RTP;
    return CLS_GARBAGE;
}

/* ---- buffers --------------------------------------------------------------- */

static uint8_t *buf_get(yf_peer *p, size_t need, bool *pooled)
{
    *pooled = need <= POOL_BUF;
    if (!*pooled)
        return malloc(need);
    if (p->n_pool)
        return p->pool[--p->n_pool];
    p->st.buffers_allocated++;
    return malloc(POOL_BUF);
}

static void buf_put(yf_peer *p, uint8_t *b, bool pooled)
{
    if (b && pooled && p->n_pool < POOL_KEEP)
        p->pool[p->n_pool++] = b;
    else
        free(b);
}

/* ---- output queue --------------------------------------------------------- */

static bool is_state_event(const entry *e)
{
    return e->kind == YF_OUT_EVENT && e->event != YF_EV_RTP && e->event != YF_EV_RTCP;
}

/* Full queue: drop the oldest entry that is not a state event. */
static void drop_one(yf_peer *p)
{
    unsigned i = 0;

    while (i < p->count && is_state_event(&p->q[(p->head + i) % p->cap]))
        i++;
    if (i == p->count)
        i = 0;
    buf_put(p, p->q[(p->head + i) % p->cap].data, p->q[(p->head + i) % p->cap].pooled);
    for (unsigned j = i; j > 0; j--)
        p->q[(p->head + j) % p->cap] = p->q[(p->head + j - 1) % p->cap];
    p->head = (p->head + 1) % p->cap;
    p->count--;
    p->st.dropped_queue++;
}

/* A full ring twice as large (up to OUT_QUEUE), its entries from index 0;
 * false when it is at its largest or memory is short. */
static bool grow_queue(yf_peer *p)
{
    unsigned cap = p->cap * 2;
    entry *q;

    if (cap > OUT_QUEUE || !(q = malloc(cap * sizeof *q)))
        return false;
    for (unsigned i = 0; i < p->count; i++)
        q[i] = p->q[(p->head + i) % p->cap];
    free(p->q);
    p->q = q;
    p->cap = cap;
    p->head = 0;
    return true;
}

static void push_buf(yf_peer *p, yf_output_kind kind, yf_event_kind ev, uint8_t *data, size_t len,
                     const char *reason, bool pooled)
{
    entry *e;

    if (p->count == p->cap && !grow_queue(p))
        drop_one(p);
    e = &p->q[(p->head + p->count) % p->cap];
    e->kind = kind;
    e->event = ev;
    e->data = data;
    e->len = len;
    e->reason = reason;
    e->pooled = pooled;
    p->count++;
}

static void push(yf_peer *p, yf_output_kind kind, yf_event_kind ev, uint8_t *data, size_t len,
                 const char *reason)
{
    push_buf(p, kind, ev, data, len, reason, false);
}

/* ---- DTLS state changes → events ------------------------------------------ */

/* DTLS datagrams join the one queue in the order they were made, before the
 * event their flight caused (the server's last flight, then CONNECTED). */
static void take_dtls_transmits(yf_peer *p)
{
    uint8_t *data;
    size_t len;

    while (yf_dtls_take_transmit(p->dtls, &data, &len))
        push(p, YF_OUT_TRANSMIT, YF_EV_RTP, data, len, NULL);
}

static void on_connected(yf_peer *p)
{
    yf_dtls_keys k;
    int rc;

    memset(&k, 0, sizeof k);
    rc = yf_dtls_get_keys(p->dtls, &k);

    if (rc == YF_OK) {
        if (p->is_client)
            rc = yf_srtp_new(&p->srtp, k.profile, k.client_key, k.client_salt,
                             k.server_key, k.server_salt);
        else
            rc = yf_srtp_new(&p->srtp, k.profile, k.server_key, k.server_salt,
                             k.client_key, k.client_salt);
    }
    p->profile = yf_srtp_profile_name(k.profile);
    memset(&k, 0, sizeof k);
    if (rc != YF_OK) {
        yf_dtls_close(p->dtls);
        take_dtls_transmits(p);
        p->seen = YF_DTLS_FAILED;
        push(p, YF_OUT_EVENT, YF_EV_FAILED, NULL, 0, "SRTP setup failed");
        return;
    }
    push(p, YF_OUT_EVENT, YF_EV_CONNECTED, NULL, 0, NULL);
}

static void after_dtls(yf_peer *p)
{
    yf_dtls_state s;

    take_dtls_transmits(p);
    s = yf_dtls_get_state(p->dtls);

    if (s == p->seen || p->seen == YF_DTLS_FAILED || p->seen == YF_DTLS_CLOSED)
        return;
    p->seen = s;
    switch (s) {
    case YF_DTLS_CONNECTED: on_connected(p); return;
    case YF_DTLS_FAILED:
        push(p, YF_OUT_EVENT, YF_EV_FAILED, NULL, 0, yf_dtls_fail_reason(p->dtls));
        break;
    case YF_DTLS_CLOSED: push(p, YF_OUT_EVENT, YF_EV_CLOSED, NULL, 0, NULL); break;
    case YF_DTLS_HANDSHAKING: return;
    }
    yf_srtp_free(p->srtp); /* no media after the session ends */
    p->srtp = NULL;
}

/* ---- life cycle ----------------------------------------------------------- */

yf_peer *yf_peer_new(const yf_peer_config *cfg, int64_t now_us)
{
    char fp[sizeof cfg->remote_fingerprint];
    yf_peer *p;

    (void)now_us;
    if (!cfg || !cfg->cert ||
        (cfg->role != YF_DTLS_ROLE_CLIENT && cfg->role != YF_DTLS_ROLE_SERVER))
        return NULL;
    p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->q = malloc(OUT_QUEUE_START * sizeof *p->q);
    if (!p->q) {
        free(p);
        return NULL;
    }
    p->cap = OUT_QUEUE_START;
    memcpy(fp, cfg->remote_fingerprint, sizeof fp);
    fp[sizeof fp - 1] = '\0';
    p->is_client = cfg->role == YF_DTLS_ROLE_CLIENT;
    p->keep_dtls = cfg->keep_dtls_session;
    p->seen = YF_DTLS_HANDSHAKING;
    p->dtls = yf_dtls_new(cfg->cert, p->is_client, cfg->srtp_profiles, fp, cfg->dtls_mtu);
    if (!p->dtls) {
        free(p->q);
        free(p);
        return NULL;
    }
    take_dtls_transmits(p); /* a client's ClientHello */
    return p;
}

void yf_peer_free(yf_peer *p)
{
    if (!p)
        return;
    while (p->count) {
        free(p->q[p->head].data);
        p->head = (p->head + 1) % p->cap;
        p->count--;
    }
    free(p->q);
    free(p->cur);
    while (p->n_pool)
        free(p->pool[--p->n_pool]);
    yf_srtp_free(p->srtp);
    yf_dtls_free(p->dtls);
    free(p);
}

int yf_peer_set_remote_fingerprint(yf_peer *p, const char *fp)
{
    return p && fp ? yf_dtls_set_remote_fingerprint(p->dtls, fp) : YF_EMALFORMED;
}

/* ---- inputs --------------------------------------------------------------- */

static int on_dtls(yf_peer *p, const uint8_t *buf, size_t len)
{
    int rc;

    p->st.dtls_in++;
    if (yf_dtls_is_new_client_hello(p->dtls, buf, len))
        p->st.dropped_new_hello++;
    rc = yf_dtls_handle_datagram(p->dtls, buf, len);
    after_dtls(p);
    return rc;
}

typedef int (*srtp_fn)(yf_srtp *s, const uint8_t *src, size_t len, uint8_t *dst, size_t cap, size_t *out_len);

/* Runs one SRTP transform of src into a pool buffer of cap bytes and queues
 * the result as an output (kind, ev). On failure the buffer goes back:
 * YF_ENOMEM (no buffer) or the transform's error. */
static int srtp_push(yf_peer *p, srtp_fn transform, const uint8_t *src, size_t len, size_t cap,
                     yf_output_kind kind, yf_event_kind ev)
{
    size_t n = 0;
    bool pooled;
    uint8_t *dst = buf_get(p, cap, &pooled);
    int rc;

    if (!dst)
        return YF_ENOMEM;
    rc = transform(p->srtp, src, len, dst, cap, &n);
    if (rc != YF_OK) {
        buf_put(p, dst, pooled);
        return rc;
    }
    push_buf(p, kind, ev, dst, n, NULL, pooled);
    return YF_OK;
}

static int on_media(yf_peer *p, const uint8_t *buf, size_t len, bool rtcp)
{
    int rc;

    if (!p->srtp) {
        p->st.dropped_early++; /* also after the session ended */
        return YF_ESTATE;
    }
    if (len < (rtcp ? 8u : 12u)) {
        p->st.dropped_garbage++;
        return YF_ESHORT;
    }
    rc = srtp_push(p, rtcp ? yf_srtp_unprotect_rtcp : yf_srtp_unprotect_rtp, buf, len, len, YF_OUT_EVENT,
                   rtcp ? YF_EV_RTCP : YF_EV_RTP);
    if (rc == YF_OK && rtcp)
        p->st.rtcp_in++;
    else if (rc == YF_OK)
        p->st.rtp_in++;
    else if (rc == YF_EAUTH)
        p->st.dropped_auth++;
    else if (rc != YF_ENOMEM)   /* unprotecting into len bytes never lacks room */
        p->st.dropped_garbage++;
    if (rc == YF_OK && !p->keep_dtls && !yf_dtls_retired(p->dtls))
        yf_dtls_retire(p->dtls); /* the peer finished its handshake: see dtls.h */
    return rc;
}

int yf_peer_handle_datagram(yf_peer *p, int64_t now_us, const uint8_t *buf, size_t len)
{
    (void)now_us;
    if (!p)
        return YF_ESTATE;
    if (!buf || len == 0 || len > MAX_DATAGRAM) {
        p->st.dropped_garbage++;
        return len ? YF_EMALFORMED : YF_ESHORT;
    }
    switch (classify(buf, len)) {
    case CLS_STUN: p->st.stun_in++; return YF_OK; /* libnice's; we ignore it */
    case CLS_DTLS: return on_dtls(p, buf, len);
    case CLS_RTP: return on_media(p, buf, len, false);
    case CLS_RTCP: return on_media(p, buf, len, true);
    case CLS_GARBAGE: break;
    }
    p->st.dropped_garbage++;
    return YF_EMALFORMED;
}

int yf_peer_handle_timeout(yf_peer *p, int64_t now_us)
{
    (void)now_us;
    if (!p)
        return YF_ESTATE;
    yf_dtls_handle_timeout(p->dtls);
    after_dtls(p);
    return YF_OK;
}

static int send_media(yf_peer *p, const uint8_t *pkt, size_t len, bool rtcp)
{
    int rc;

    if (!p || !p->srtp)
        return YF_ESTATE;
    if (!pkt || len < (rtcp ? 8u : 12u))
        return YF_ESHORT;
    if (len > MAX_DATAGRAM - YF_SRTP_MAX_OVERHEAD)
        return YF_EMALFORMED;
    rc = srtp_push(p, rtcp ? yf_srtp_protect_rtcp : yf_srtp_protect_rtp, pkt, len, len + YF_SRTP_MAX_OVERHEAD,
                   YF_OUT_TRANSMIT, YF_EV_RTP);
    if (rc == YF_OK && rtcp)
        p->st.rtcp_out++;
    else if (rc == YF_OK)
        p->st.rtp_out++;
    return rc;
}

int yf_peer_send_rtp(yf_peer *p, int64_t now_us, const uint8_t *rtp, size_t len)
{
    (void)now_us;
    return send_media(p, rtp, len, false);
}

int yf_peer_send_rtcp(yf_peer *p, int64_t now_us, const uint8_t *rtcp, size_t len)
{
    (void)now_us;
    return send_media(p, rtcp, len, true);
}

void yf_peer_close(yf_peer *p, int64_t now_us)
{
    (void)now_us;
    if (!p)
        return;
    yf_dtls_close(p->dtls);
    after_dtls(p);
}

/* ---- outputs -------------------------------------------------------------- */

void yf_peer_poll_output(yf_peer *p, int64_t now_us, yf_output *out)
{
    int64_t rem;
    entry e;

    memset(out, 0, sizeof *out);
    buf_put(p, p->cur, p->cur_pooled);
    p->cur = NULL;
    if (p->count) {
        e = p->q[p->head];
        p->head = (p->head + 1) % p->cap;
        p->count--;
        p->cur = e.data;
        p->cur_pooled = e.pooled;
        out->kind = e.kind;
        out->event = e.event;
        out->data = e.data;
        out->len = e.len;
        out->reason = e.reason;
        out->srtp_profile = e.event == YF_EV_CONNECTED && e.kind == YF_OUT_EVENT ? p->profile : NULL;
        return;
    }
    out->kind = YF_OUT_TIMEOUT;
    rem = yf_dtls_timer_remaining_us(p->dtls);
    out->timeout_us = rem < 0 || rem > YF_TIME_NEVER - now_us ? YF_TIME_NEVER : now_us + rem;
}

void yf_peer_get_stats(const yf_peer *p, yf_peer_stats *out)
{
    *out = p->st;
    out->dropped_queue += yf_dtls_dropped_transmits(p->dtls);
    out->dtls_retired = yf_dtls_retired(p->dtls);
    out->dropped_retired = yf_dtls_dropped_after_retire(p->dtls);
}

uint64_t yf_peer_dtls_retired_total(void)
{
    return yf_dtls_retired_total();
}

bool yf_peer_is_connected(const yf_peer *p)
{
    return p && p->srtp && p->seen == YF_DTLS_CONNECTED;
}
