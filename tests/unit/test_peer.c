/* test_peer.c -- two yf_peer in memory, datagrams handed straight across:
 * handshake and SRTP profile choice (server preference wins), fingerprint
 * mismatch, a ClientHello split into two DTLS fragments (as Chromium's is),
 * demux of garbage/STUN, media before keys, tampering and replay, close, the
 * bounded output queue, hostile sizes, and a new client's ClientHello after
 * the handshake (counted, not answered). No clock: time stays at 0. */
#include <stdlib.h>
#include "media/core/peer.h"
#include "yf_test.h"

#define CM_FIRST "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM" /* Chromium's order */

static yf_dtls_cert *cert_a, *cert_b;

typedef struct {
    int connected, failed, closed, rtp, rtcp, transmits;
    char profile[32], reason[64];
    uint8_t last[2048];
    size_t last_len;
    uint16_t prev_seq;  /* of the last RTP received */
    int out_of_order;   /* RTP received with a seq not after the one before */
} ev_log;

typedef void (*deliver_fn)(yf_peer *to, const uint8_t *buf, size_t len);

static void deliver_plain(yf_peer *to, const uint8_t *buf, size_t len)
{
    yf_peer_handle_datagram(to, 0, buf, len);
}

/* Polls `from` until it says timeout; transmits go to `to`. Returns how many
 * outputs there were. */
static int drain(yf_peer *from, ev_log *log, yf_peer *to, deliver_fn deliver)
{
    yf_output o;
    int n = 0;

    for (;; n++) {
        yf_peer_poll_output(from, 0, &o);
        if (o.kind == YF_OUT_TIMEOUT)
            return n;
        if (o.kind == YF_OUT_TRANSMIT) {
            log->transmits++;
            if (to)
                deliver(to, o.data, o.len);
            continue;
        }
        switch (o.event) {
        case YF_EV_CONNECTED:
            log->connected++;
            snprintf(log->profile, sizeof log->profile, "%s", o.srtp_profile);
            break;
        case YF_EV_FAILED:
            log->failed++;
            snprintf(log->reason, sizeof log->reason, "%s", o.reason);
            break;
        case YF_EV_CLOSED: log->closed++; break;
        case YF_EV_RTP:
        case YF_EV_RTCP:
            if (o.event == YF_EV_RTP) {
                uint16_t seq = o.len >= 4 ? (uint16_t)((o.data[2] << 8) | o.data[3]) : 0;
                if (log->rtp && (int16_t)(seq - log->prev_seq) <= 0)
                    log->out_of_order++;
                log->prev_seq = seq;
                log->rtp++;
            } else
                log->rtcp++;
            log->last_len = o.len < sizeof log->last ? o.len : 0;
            memcpy(log->last, o.data, log->last_len);
            break;
        }
    }
}

static void pump_with(yf_peer *a, ev_log *la, yf_peer *b, ev_log *lb, deliver_fn da, deliver_fn db)
{
    for (int i = 0; i < 100; i++)
        if (drain(a, la, b, da) + drain(b, lb, a, db) == 0)
            return;
}

static void pump(yf_peer *a, ev_log *la, yf_peer *b, ev_log *lb)
{
    pump_with(a, la, b, lb, deliver_plain, deliver_plain);
}

/* client uses cert_a, server cert_b; fingerprints right unless told. */
static yf_peer *make(yf_dtls_role role, const char *profiles, bool wrong_fp, unsigned mtu)
{
    yf_peer_config cfg;
    const yf_dtls_cert *mine = role == YF_DTLS_ROLE_CLIENT ? cert_a : cert_b;
    const yf_dtls_cert *theirs = role == YF_DTLS_ROLE_CLIENT ? cert_b : cert_a;

    memset(&cfg, 0, sizeof cfg);
    cfg.cert = mine;
    cfg.role = role;
    cfg.srtp_profiles = profiles;
    cfg.dtls_mtu = mtu;
    yf_dtls_cert_fingerprint(wrong_fp ? mine : theirs, cfg.remote_fingerprint,
                             sizeof cfg.remote_fingerprint);
    return yf_peer_new(&cfg, 0);
}

static void test_profile_choice(const char *client_prof, const char *server_prof, const char *want)
{
    yf_peer *c = make(YF_DTLS_ROLE_CLIENT, client_prof, false, 0);
    yf_peer *s = make(YF_DTLS_ROLE_SERVER, server_prof, false, 0);
    ev_log lc = {0}, ls = {0};

    CHECK(c && s);
    if (!c || !s)
        goto out;
    CHECK(!yf_peer_is_connected(c));
    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(lc.connected, 1);
    CHECK_EQ_INT(ls.connected, 1);
    CHECK_EQ_INT(lc.failed + ls.failed, 0);
    CHECK(strcmp(lc.profile, want) == 0);
    CHECK(strcmp(ls.profile, want) == 0);
    CHECK(yf_peer_is_connected(c) && yf_peer_is_connected(s));
out:
    yf_peer_free(c);
    yf_peer_free(s);
}

static void test_fingerprint_mismatch(bool server_wrong)
{
    yf_peer *c = make(YF_DTLS_ROLE_CLIENT, NULL, !server_wrong, 0);
    yf_peer *s = make(YF_DTLS_ROLE_SERVER, NULL, server_wrong, 0);
    ev_log lc = {0}, ls = {0};
    ev_log *wrong = server_wrong ? &ls : &lc, *other = server_wrong ? &lc : &ls;
    uint8_t rtp[20] = { 0x80, 96 };

    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(lc.connected + ls.connected, 0);
    CHECK_EQ_INT(wrong->failed, 1);
    CHECK(strcmp(wrong->reason, "fingerprint mismatch") == 0);
    CHECK_EQ_INT(other->failed, 1); /* it got our alert */
    CHECK(!yf_peer_is_connected(c) && !yf_peer_is_connected(s));
    CHECK_EQ_INT(yf_peer_send_rtp(c, 0, rtp, sizeof rtp), YF_ESTATE);
    yf_peer_free(c);
    yf_peer_free(s);
}

/* Chromium's ClientHello (~1.4 KB) arrives as two DTLS fragments. Re-cut
 * ours the same way: record seq 0 and 1; later epoch-0 client records then
 * have their record seq moved up by one (epoch 0 carries no MAC). */
static void shift_epoch0_seq(yf_peer *to, const uint8_t *buf, size_t len)
{
    uint8_t copy[2048];
    size_t off = 0;

    if (len > sizeof copy)
        return;
    memcpy(copy, buf, len);
    while (off + 13 <= len) {
        size_t rlen = yf_rd16(copy + off + 11);
        if (yf_rd16(copy + off + 3) == 0)
            copy[off + 10]++; /* low byte of the 48-bit seq; no carry here */
        off += 13 + rlen;
    }
    yf_peer_handle_datagram(to, 0, copy, len);
}

static size_t fragment(const uint8_t *ch, size_t body_off, size_t body_len, size_t from, size_t n,
                       uint8_t seq, uint8_t *out)
{
    memcpy(out, ch, 25);                 /* record + handshake headers */
    out[10] = seq;                       /* record sequence number */
    yf_wr16(out + 11, (uint16_t)(12 + n));
    yf_wr24(out + 19, (uint32_t)from);   /* fragment_offset */
    yf_wr24(out + 22, (uint32_t)n);      /* fragment_length */
    memcpy(out + 25, ch + body_off + from, n);
    (void)body_len;
    return 25 + n;
}

static void test_fragmented_client_hello(bool reversed)
{
    yf_peer *c = make(YF_DTLS_ROLE_CLIENT, CM_FIRST, false, 0);
    yf_peer *s = make(YF_DTLS_ROLE_SERVER, NULL, false, 0);
    ev_log lc = {0}, ls = {0};
    uint8_t ch[2048], f1[2048], f2[2048];
    size_t chlen, body, n1, n2;
    yf_output o;

    yf_peer_poll_output(c, 0, &o);
    CHECK(o.kind == YF_OUT_TRANSMIT && o.len > 25 && o.len < sizeof ch && o.data[0] == 22);
    if (o.kind != YF_OUT_TRANSMIT || o.len <= 25 || o.len >= sizeof ch)
        goto out;
    chlen = o.len;
    memcpy(ch, o.data, chlen);
    body = yf_rd24(ch + 14); /* handshake length */
    CHECK_EQ_INT(ch[13], 1); /* client_hello */
    CHECK_EQ_INT(25 + body, chlen);
    n1 = fragment(ch, 25, body, 0, body / 2, 0, f1);
    n2 = fragment(ch, 25, body, body / 2, body - body / 2, 1, f2);
    if (reversed) {
        CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, f2, n2), YF_OK);
        CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, f1, n1), YF_OK);
    } else {
        CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, f1, n1), YF_OK);
        CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, f2, n2), YF_OK);
    }
    pump_with(c, &lc, s, &ls, shift_epoch0_seq, deliver_plain);
    CHECK_EQ_INT(lc.connected, 1);
    CHECK_EQ_INT(ls.connected, 1);
    CHECK(strcmp(ls.profile, "AEAD_AES_128_GCM") == 0);
out:
    yf_peer_free(c);
    yf_peer_free(s);
}

/* Flights larger than the MTU: certificates fragment across datagrams. */
static void test_small_mtu(void)
{
    yf_peer *c = make(YF_DTLS_ROLE_CLIENT, CM_FIRST, false, 300);
    yf_peer *s = make(YF_DTLS_ROLE_SERVER, NULL, false, 300);
    ev_log lc = {0}, ls = {0};

    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(lc.connected + ls.connected, 2);
    CHECK(ls.transmits >= 3); /* ServerHello..Done did not fit in one */
    yf_peer_free(c);
    yf_peer_free(s);
}

static void test_late_fingerprint(void)
{
    yf_peer_config cfg;
    yf_peer *c, *s;
    ev_log lc = {0}, ls = {0};
    char fp[96];

    memset(&cfg, 0, sizeof cfg);
    cfg.cert = cert_b;
    cfg.role = YF_DTLS_ROLE_SERVER; /* remote_fingerprint left empty */
    s = yf_peer_new(&cfg, 0);
    c = make(YF_DTLS_ROLE_CLIENT, NULL, false, 0);
    CHECK(s && c);
    if (!s || !c)
        goto out;
    yf_dtls_cert_fingerprint(cert_a, fp, sizeof fp);
    for (char *p = fp; *p; p++) /* case-insensitive */
        *p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
    CHECK_EQ_INT(yf_peer_set_remote_fingerprint(s, fp), YF_OK);
    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(lc.connected + ls.connected, 2);
out:
    yf_peer_free(c);
    yf_peer_free(s);
}

static void test_demux_and_garbage(void)
{
    yf_peer *s = make(YF_DTLS_ROLE_SERVER, NULL, false, 0);
    uint8_t buf[10000];
    yf_peer_stats st;
    yf_output o;
    uint64_t garbage = 0;

    memset(buf, 0x55, sizeof buf);
    for (int b = 0; b < 256; b++) {
        bool is_garbage = (b >= 4 && b <= 19) || (b >= 64 && b <= 127) || b >= 192;
        if (!is_garbage)
            continue;
        buf[0] = (uint8_t)b;
        CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, buf, 100), YF_EMALFORMED);
        garbage++;
    }
    buf[0] = 0x00; /* STUN binding request: libnice's, ignored */
    CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, buf, 20), YF_OK);
    buf[0] = 0x80; /* SRTP before keys */
    buf[1] = 96;
    CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, buf, 100), YF_ESTATE);
    buf[1] = 200; /* SRTCP before keys */
    CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, buf, 100), YF_ESTATE);
    CHECK_EQ_INT(yf_peer_send_rtp(s, 0, buf, 100), YF_ESTATE);
    CHECK_EQ_INT(yf_peer_send_rtcp(s, 0, buf, 100), YF_ESTATE);
    /* hostile sizes */
    CHECK(yf_peer_handle_datagram(s, 0, buf, sizeof buf) != YF_OK); /* oversized */
    CHECK(yf_peer_handle_datagram(s, 0, buf, 0) != YF_OK);
    CHECK(yf_peer_handle_datagram(s, 0, NULL, 5) != YF_OK);
    garbage += 3;
    buf[0] = 22; /* truncated DTLS records: ignored by OpenSSL, no failure */
    for (size_t n = 1; n < 40; n++)
        CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, buf, n), YF_OK);
    yf_peer_get_stats(s, &st);
    CHECK_EQ_INT(st.dropped_garbage, garbage);
    CHECK_EQ_INT(st.stun_in, 1);
    CHECK_EQ_INT(st.dropped_early, 2);
    CHECK_EQ_INT(st.dtls_in, 39);
    do /* nothing to say back to any of that, and no event */
        yf_peer_poll_output(s, 0, &o);
    while (o.kind == YF_OUT_TRANSMIT);
    CHECK(o.kind == YF_OUT_TIMEOUT);
    CHECK(!yf_peer_is_connected(s));
    yf_peer_free(s);
    yf_peer_free(NULL);
}

static size_t make_rtp(uint8_t *p, uint16_t seq)
{
    p[0] = 0x80;
    p[1] = 111;
    yf_wr16(p + 2, seq);
    yf_wr32(p + 4, 960u * seq);
    yf_wr32(p + 8, 0xfeedbeef);
    for (int i = 12; i < 172; i++)
        p[i] = (uint8_t)(i ^ seq);
    return 172;
}

/* Connected: media both ways, tamper, replay, garbage SRTP, queue bound, close. */
static void test_media_and_close(void)
{
    yf_peer *c = make(YF_DTLS_ROLE_CLIENT, CM_FIRST, false, 0);
    yf_peer *s = make(YF_DTLS_ROLE_SERVER, NULL, false, 0);
    ev_log lc = {0}, ls = {0};
    uint8_t pkt[256], wire[512];
    uint8_t sr[28] = { 0x80, 200, 0, 6, 0xfe, 0xed, 0xbe, 0xef };
    size_t n, wlen;
    yf_peer_stats st;
    yf_output o;

    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(lc.connected + ls.connected, 2);
    /* client → server */
    n = make_rtp(pkt, 1);
    CHECK_EQ_INT(yf_peer_send_rtp(c, 0, pkt, n), YF_OK);
    yf_peer_poll_output(c, 0, &o);
    CHECK(o.kind == YF_OUT_TRANSMIT && o.len == n + 16 && o.len <= sizeof wire);
    wlen = o.len <= sizeof wire ? o.len : 0;
    memcpy(wire, o.data, wlen);
    CHECK(memcmp(wire + 12, pkt + 12, 16) != 0); /* payload is encrypted */
    wire[wlen - 1] ^= 1;
    CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, wire, wlen), YF_EAUTH);
    wire[wlen - 1] ^= 1;
    CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, wire, wlen), YF_OK);
    CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, wire, wlen), YF_EAUTH); /* replay */
    CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, wire, 11), YF_ESHORT);
    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(ls.rtp, 1);
    CHECK(ls.last_len == n && memcmp(ls.last, pkt, n) == 0);
    /* server → client, RTP and RTCP */
    n = make_rtp(pkt, 7);
    CHECK_EQ_INT(yf_peer_send_rtp(s, 0, pkt, n), YF_OK);
    CHECK_EQ_INT(yf_peer_send_rtcp(s, 0, sr, sizeof sr), YF_OK);
    CHECK_EQ_INT(yf_peer_send_rtp(s, 0, pkt, 4), YF_ESHORT);
    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(lc.rtp, 1);
    CHECK_EQ_INT(lc.rtcp, 1);
    CHECK(lc.last_len == sizeof sr && memcmp(lc.last, sr, sizeof sr) == 0);
    yf_peer_get_stats(s, &st);
    CHECK_EQ_INT(st.dropped_auth, 2);
    CHECK_EQ_INT(st.rtp_in, 1);
    CHECK_EQ_INT(st.rtp_out, 1);
    CHECK_EQ_INT(st.rtcp_out, 1);
    CHECK_EQ_INT(st.dropped_garbage, 1);

    /* the queue is bounded: 300 unpolled sends keep the newest 256, in
     * order through the ring's growth from 8 entries (its head mid-ring,
     * where the outputs polled so far left it) */
    for (uint16_t i = 0; i < 300; i++) {
        n = make_rtp(pkt, (uint16_t)(100 + i));
        CHECK_EQ_INT(yf_peer_send_rtp(s, 0, pkt, n), YF_OK);
    }
    yf_peer_get_stats(s, &st);
    CHECK_EQ_INT(st.dropped_queue, 44);
    yf_peer_close(s, 0); /* a state event still gets in when full */
    CHECK(!yf_peer_is_connected(s));
    CHECK_EQ_INT(yf_peer_send_rtp(s, 0, pkt, n), YF_ESTATE);
    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(ls.closed, 1);
    /* each had the other's media, so each wrote its session off
     * (yf_dtls_retire): the server's close_notify (made at that moment)
     * reaches the client, which no longer reads it and counts it */
    CHECK_EQ_INT(lc.closed, 0);
    yf_peer_get_stats(c, &st);
    CHECK(st.dtls_retired);
    CHECK_EQ_INT(st.dropped_retired, 1);
    /* close_notify and CLOSED pushed two more of the oldest media out */
    yf_peer_get_stats(s, &st);
    CHECK(st.dtls_retired);
    CHECK_EQ_INT(st.dropped_queue, 46);
    CHECK_EQ_INT(lc.rtp, 1 + 254);
    CHECK_EQ_INT(lc.out_of_order, 0);
    CHECK(yf_peer_is_connected(c)); /* until its own close (or ICE's end) */
    yf_peer_close(c, 0);
    CHECK(!yf_peer_is_connected(c));
    yf_peer_free(c);
    yf_peer_free(s);
}

/* The session written off after the peer's first media (yf_dtls_retire):
 * a side that retired still protects its media, a late retransmission of the
 * handshake is dropped (nothing answered), and the close_notify it made
 * when it retired still closes a peer that did not retire, as a session's
 * own would; before any media nothing is written off. Both roles. */
static void test_retire(bool server_retires)
{
    yf_peer *c = make(YF_DTLS_ROLE_CLIENT, CM_FIRST, false, 0);
    yf_peer *s = make(YF_DTLS_ROLE_SERVER, NULL, false, 0);
    yf_peer *r = server_retires ? s : c, *k = server_retires ? c : s;
    ev_log lc = {0}, ls = {0};
    ev_log *lr = server_retires ? &ls : &lc, *lk = server_retires ? &lc : &ls;
    uint8_t pkt[256];
    size_t n;
    yf_peer_stats st;

    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(lc.connected + ls.connected, 2);
    yf_peer_get_stats(r, &st);
    CHECK(!st.dtls_retired);
    /* k's media reaches r: r retires; r's media still reaches k */
    for (uint16_t i = 0; i < 3; i++) {
        n = make_rtp(pkt, (uint16_t)(10 + i));
        CHECK_EQ_INT(yf_peer_send_rtp(k, 0, pkt, n), YF_OK);
        pump(c, &lc, s, &ls);
    }
    CHECK_EQ_INT(lr->rtp, 3);
    yf_peer_get_stats(r, &st);
    CHECK(st.dtls_retired);
    yf_peer_get_stats(k, &st);
    CHECK(!st.dtls_retired);
    /* r still protects its own media (not delivered: k would retire too) */
    yf_output o;
    n = make_rtp(pkt, 50);
    CHECK_EQ_INT(yf_peer_send_rtp(r, 0, pkt, n), YF_OK);
    yf_peer_poll_output(r, 0, &o);
    CHECK(o.kind == YF_OUT_TRANSMIT && o.len == n + 16);
    /* a handshake record for r now: dropped, counted, not answered */
    uint8_t rec[13 + 12] = { 22, 0xfe, 0xfd };
    int tx = lr->transmits;
    CHECK_EQ_INT(yf_peer_handle_datagram(r, 0, rec, sizeof rec), YF_OK);
    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(lr->transmits, tx);
    yf_peer_get_stats(r, &st);
    CHECK_EQ_INT(st.dropped_retired, 1);
    /* r closes: its kept close_notify closes k */
    yf_peer_close(r, 0);
    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(lr->closed, 1);
    CHECK_EQ_INT(lk->closed, 1);
    CHECK(!yf_peer_is_connected(k));
    yf_peer_free(c);
    yf_peer_free(s);
}

/* Forwarding steadily allocates nothing: after the first packets warm the
 * peer's buffer pool, thousands more each way (sent, protected, received,
 * decrypted, polled) leave the allocation counter where it was. */
static void test_no_allocation_per_packet(void)
{
    yf_peer *c = make(YF_DTLS_ROLE_CLIENT, CM_FIRST, false, 0);
    yf_peer *s = make(YF_DTLS_ROLE_SERVER, NULL, false, 0);
    ev_log lc = {0}, ls = {0};
    uint8_t pkt[1300];
    yf_peer_stats sc0, ss0, sc1, ss1;

    pump(c, &lc, s, &ls);
    for (uint16_t i = 0; i < 2100; i++) {
        if (i == 100) {
            yf_peer_get_stats(c, &sc0);
            yf_peer_get_stats(s, &ss0);
        }
        size_t n = make_rtp(pkt, i);
        CHECK_EQ_INT(yf_peer_send_rtp(c, 0, pkt, n), YF_OK);
        CHECK_EQ_INT(yf_peer_send_rtp(s, 0, pkt, n), YF_OK);
        pump(c, &lc, s, &ls);
    }
    yf_peer_get_stats(c, &sc1);
    yf_peer_get_stats(s, &ss1);
    CHECK_EQ_INT(ls.rtp, 2100);
    CHECK_EQ_INT(lc.rtp, 2100);
    CHECK(sc0.buffers_allocated > 0 && sc0.buffers_allocated <= 4);
    CHECK_EQ_INT(sc1.buffers_allocated, sc0.buffers_allocated);
    CHECK_EQ_INT(ss1.buffers_allocated, ss0.buffers_allocated);
    yf_peer_free(c);
    yf_peer_free(s);
}

/* RFC 6347 §4.2.8: after the handshake, a ClientHello from a new client of
 * the same certificate (a page that reloaded and kept it) is counted and
 * not answered, fragmented as Chromium's or not; a late copy of the first
 * ClientHello is not counted; the association carries on. */
static void test_new_client_hello(void)
{
    yf_peer *c = make(YF_DTLS_ROLE_CLIENT, CM_FIRST, false, 0);
    yf_peer *s = make(YF_DTLS_ROLE_SERVER, NULL, false, 0);
    yf_peer *c2 = make(YF_DTLS_ROLE_CLIENT, CM_FIRST, false, 0);
    ev_log lc = {0}, ls = {0};
    uint8_t first[2048], hello[2048], f1[2048], f2[2048], pkt[256];
    size_t n1 = 0, n2 = 0, body, n;
    yf_peer_stats st;
    yf_output o;

    CHECK(c && s && c2);
    if (!c || !s || !c2)
        goto out;
    yf_peer_poll_output(c, 0, &o);
    CHECK(o.kind == YF_OUT_TRANSMIT && o.len > 25 && o.len <= sizeof first);
    n1 = o.kind == YF_OUT_TRANSMIT && o.len <= sizeof first ? o.len : 0;
    memcpy(first, o.data, n1);
    yf_peer_handle_datagram(s, 0, first, n1);
    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(lc.connected + ls.connected, 2);
    yf_peer_poll_output(c2, 0, &o);
    CHECK(o.kind == YF_OUT_TRANSMIT && o.len > 25 && o.len <= sizeof hello);
    n2 = o.kind == YF_OUT_TRANSMIT && o.len <= sizeof hello ? o.len : 0;
    memcpy(hello, o.data, n2);

    int transmits = ls.transmits;
    CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, first, n1), YF_OK); /* late retransmission */
    CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, hello, n2), YF_OK);
    body = n2 > 25 ? yf_rd24(hello + 14) : 0;
    n = fragment(hello, 25, body, 0, body / 2, 0, f1);
    CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, f1, n), YF_OK);
    n = fragment(hello, 25, body, body / 2, body - body / 2, 1, f2);
    CHECK_EQ_INT(yf_peer_handle_datagram(s, 0, f2, n), YF_OK); /* not a first fragment */
    drain(s, &ls, NULL, deliver_plain);
    CHECK_EQ_INT(ls.transmits, transmits); /* nothing answered */
    yf_peer_get_stats(s, &st);
    CHECK_EQ_INT(st.dropped_new_hello, 2);
    yf_peer_get_stats(c, &st);
    CHECK_EQ_INT(st.dropped_new_hello, 0);

    n = make_rtp(pkt, 3);
    CHECK_EQ_INT(yf_peer_send_rtp(c, 0, pkt, n), YF_OK);
    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(ls.rtp, 1);
    CHECK_EQ_INT(ls.connected, 1);
    CHECK_EQ_INT(ls.failed + ls.closed, 0);
out:
    yf_peer_free(c);
    yf_peer_free(s);
    yf_peer_free(c2);
}

/* Random datagrams of every class at a connected pair: nothing crashes, no
 * event appears, and media still flows afterwards. */
static void test_random_input(void)
{
    yf_peer *c = make(YF_DTLS_ROLE_CLIENT, CM_FIRST, false, 0);
    yf_peer *s = make(YF_DTLS_ROLE_SERVER, NULL, false, 0);
    ev_log lc = {0}, ls = {0};
    uint8_t buf[1500];
    uint64_t x = 42;
    size_t n;

    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(lc.connected + ls.connected, 2);
    for (int i = 0; i < 5000; i++) {
        for (size_t j = 0; j < sizeof buf; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
            buf[j] = (uint8_t)x;
        }
        if (i % 3 == 0)
            buf[0] = (uint8_t)(20 + buf[0] % 44); /* DTLS range */
        if (i % 3 == 1 && buf[3] & 1)
            memcpy(buf + 1, (const uint8_t[]){ 0xfe, 0xfd, 0, 0 }, 4); /* DTLS 1.2 epoch 0 */
        n = (size_t)(x % sizeof buf);
        yf_peer_handle_datagram(i & 1 ? c : s, 0, buf, n);
    }
    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(lc.failed + ls.failed + lc.closed + ls.closed, 0);
    CHECK_EQ_INT(lc.rtp + ls.rtp + lc.rtcp + ls.rtcp, 0);
    n = make_rtp(buf, 9);
    CHECK_EQ_INT(yf_peer_send_rtp(c, 0, buf, n), YF_OK);
    pump(c, &lc, s, &ls);
    CHECK_EQ_INT(ls.rtp, 1);
    yf_peer_free(c);
    yf_peer_free(s);
}

/* Connections of one certificate share its DTLS context (per profile
 * list): two servers of cert_b handshaking at once, one expecting the right
 * fingerprint and one a wrong one, end one connected and one failed; each
 * list of profiles gets its own shared context, used again by the next
 * connection with that list. */
static void test_shared_context(void)
{
    yf_peer *c1 = make(YF_DTLS_ROLE_CLIENT, NULL, false, 0);
    yf_peer *s1 = make(YF_DTLS_ROLE_SERVER, NULL, false, 0);
    yf_peer *c2 = make(YF_DTLS_ROLE_CLIENT, NULL, false, 0);
    yf_peer *s2 = make(YF_DTLS_ROLE_SERVER, NULL, true, 0);
    ev_log l1c = {0}, l1s = {0}, l2c = {0}, l2s = {0};

    CHECK(c1 && s1 && c2 && s2);
    for (int i = 0; i < 100; i++) /* interleaved, flight by flight */
        if (drain(c1, &l1c, s1, deliver_plain) + drain(c2, &l2c, s2, deliver_plain) +
                drain(s1, &l1s, c1, deliver_plain) + drain(s2, &l2s, c2, deliver_plain) == 0)
            break;
    CHECK_EQ_INT(l1c.connected + l1s.connected, 2);
    CHECK_EQ_INT(l2c.connected + l2s.connected, 0);
    CHECK(strcmp(l2s.reason, "fingerprint mismatch") == 0);
    yf_peer_free(c1);
    yf_peer_free(s1);
    yf_peer_free(c2);
    yf_peer_free(s2);

    static const char *lists[] = {
        "SRTP_AEAD_AES_128_GCM", "SRTP_AES128_CM_SHA1_80", "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80",
        "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM",
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        for (int round = 0; round < 2; round++) {
            yf_peer *c = make(YF_DTLS_ROLE_CLIENT, NULL, false, 0);
            yf_peer *s = make(YF_DTLS_ROLE_SERVER, lists[i], false, 0);
            ev_log lc = {0}, ls = {0};
            CHECK(c && s);
            if (c && s)
                pump(c, &lc, s, &ls);
            CHECK_EQ_INT(lc.connected + ls.connected, 2);
            yf_peer_free(c);
            yf_peer_free(s);
        }
}

int main(void)
{
    if (yf_dtls_cert_generate(&cert_a) != YF_OK || yf_dtls_cert_generate(&cert_b) != YF_OK) {
        fprintf(stderr, "certificate generation failed\n");
        return 1;
    }
    test_profile_choice(CM_FIRST, NULL, "AEAD_AES_128_GCM");
    test_profile_choice(NULL, NULL, "AEAD_AES_128_GCM");
    test_profile_choice(NULL, "SRTP_AES128_CM_SHA1_80", "AES_CM_128_HMAC_SHA1_80");
    test_profile_choice("SRTP_AES128_CM_SHA1_80", NULL, "AES_CM_128_HMAC_SHA1_80");
    test_fingerprint_mismatch(true);
    test_fingerprint_mismatch(false);
    test_fragmented_client_hello(false);
    test_fragmented_client_hello(true);
    test_small_mtu();
    test_late_fingerprint();
    test_demux_and_garbage();
    test_media_and_close();
    test_retire(true);
    test_retire(false);
    test_no_allocation_per_packet();
    test_random_input();
    test_new_client_hello();
    test_shared_context();
    CHECK(make(YF_DTLS_ROLE_CLIENT, "SRTP_AEAD_AES_256_GCM", false, 0) == NULL); /* unsupported */
    CHECK(yf_peer_new(NULL, 0) == NULL);
    yf_dtls_cert_free(cert_a);
    yf_dtls_cert_free(cert_b);
    return yf_test_done("test_peer");
}
