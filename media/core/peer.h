/* peer.h -- one WebRTC transport as a sans-IO state machine: demux (RFC 7983),
 * DTLS (RFC 6347) with SRTP key export (RFC 5764), SRTP/SRTCP protect and
 * unprotect. Datagrams and `now` go in; datagrams to send, events and the next
 * timeout come out of yf_peer_poll_output(). ICE is not here: the IO edge
 * (libnice) consumes STUN before datagrams reach the peer. No sockets, no
 * clock, no locks: one peer is used by one thread at a time. */
#ifndef YF_PEER_H
#define YF_PEER_H

#include <stdbool.h>
#include <stdint.h>
#include "common.h"

/* The process's DTLS identity: an ECDSA P-256 key and a self-signed
 * certificate, shared read-only by every peer (refcounted by OpenSSL). */
typedef struct yf_dtls_cert yf_dtls_cert;

/* Generates a new key and certificate. Returns YF_OK or YF_ECRYPTO. */
int yf_dtls_cert_generate(yf_dtls_cert **out);
void yf_dtls_cert_free(yf_dtls_cert *cert); /* accepts NULL */
/* Writes "AB:CD:..." (SHA-256 of the DER certificate, 95 chars + NUL) into
 * dst; the SDP line is "a=fingerprint:sha-256 " followed by it. */
int yf_dtls_cert_fingerprint(const yf_dtls_cert *cert, char *dst, size_t cap);

typedef enum {
    YF_DTLS_ROLE_CLIENT, /* we send the ClientHello (SDP a=setup:active) */
    YF_DTLS_ROLE_SERVER, /* we wait for it (SDP a=setup:passive) */
} yf_dtls_role;

typedef struct {
    const yf_dtls_cert *cert;        /* borrowed; must outlive the peer */
    yf_dtls_role role;
    /* The remote certificate's SHA-256 fingerprint from its SDP, as
     * "AB:CD:..." (case-insensitive). The handshake fails with
     * YF_EV_FAILED if the certificate presented does not match. */
    char remote_fingerprint[128];
    /* SRTP protection profiles in our order of preference, as OpenSSL names
     * them; NULL means "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80". */
    const char *srtp_profiles;
    /* Largest DTLS datagram we send (UDP payload); 0 means 1200. */
    unsigned dtls_mtu;
    /* false (the server's way): the DTLS session is written off after the
     * peer's first authenticated media (dtls.h, yf_dtls_retire): OpenSSL
     * keeps some 55 KiB after a handshake, and a viewer costs about 40 KiB
     * less resident (docs/performance.md, change 5); its close_notify is made then and sent
     * by yf_peer_close, and the peer's own is no longer read. true: the
     * session lives until closed, as a browser's does (the tests' and the
     * load generator's clients, which stand in for browsers). */
    bool keep_dtls_session;
} yf_peer_config;

typedef struct yf_peer yf_peer;

/* DTLS sessions written off after their handshake, in this process, by all
 * peers (keep_dtls_session false): each freed some 40 KiB, which the
 * allocator keeps until it is told to give free pages back (media/net does,
 * at most every 10 s while this grows). Any thread. */
uint64_t yf_peer_dtls_retired_total(void);

/* Creates a peer. A client peer queues its ClientHello at once (poll it out).
 * Returns NULL on allocation or OpenSSL failure. */
yf_peer *yf_peer_new(const yf_peer_config *cfg, int64_t now_us);
void yf_peer_free(yf_peer *p); /* accepts NULL */

/* Feeds one received datagram. Returns YF_OK, or an error for a datagram that
 * was dropped (garbage, failed SRTP authentication, before keys exist); a
 * dropped datagram is counted and changes nothing else. */
int yf_peer_handle_datagram(yf_peer *p, int64_t now_us, const uint8_t *buf, size_t len);
/* Sets or replaces the remote fingerprint (same format as in the config),
 * for when the remote SDP arrives after the peer was created; it must be set
 * before the remote certificate arrives. YF_EMALFORMED if too long. */
int yf_peer_set_remote_fingerprint(yf_peer *p, const char *fp);

/* Drives timers (DTLS retransmission). Call when the time given by the last
 * YF_OUT_TIMEOUT has come; calling early is harmless. */
int yf_peer_handle_timeout(yf_peer *p, int64_t now_us);

/* Protects a plaintext RTP / compound RTCP packet and queues the datagram.
 * YF_ESTATE before the peer is connected; the buffer is copied. */
int yf_peer_send_rtp(yf_peer *p, int64_t now_us, const uint8_t *rtp, size_t len);
int yf_peer_send_rtcp(yf_peer *p, int64_t now_us, const uint8_t *rtcp, size_t len);

/* Starts a DTLS close_notify; the peer then reports YF_EV_CLOSED. */
void yf_peer_close(yf_peer *p, int64_t now_us);

typedef enum {
    YF_OUT_TIMEOUT,  /* nothing more now; call handle_timeout at .timeout_us */
    YF_OUT_TRANSMIT, /* send .data/.len to the remote address */
    YF_OUT_EVENT,    /* see .event */
} yf_output_kind;

typedef enum {
    YF_EV_CONNECTED, /* DTLS done, SRTP keys installed; .srtp_profile set */
    YF_EV_RTP,       /* .data/.len: a decrypted RTP packet */
    YF_EV_RTCP,      /* .data/.len: a decrypted compound RTCP packet */
    YF_EV_FAILED,    /* handshake failed or fingerprint mismatch; .reason */
    YF_EV_CLOSED,    /* the remote sent close_notify, or yf_peer_close */
} yf_event_kind;

typedef struct {
    yf_output_kind kind;
    int64_t timeout_us;       /* YF_OUT_TIMEOUT; YF_TIME_NEVER if none */
    const uint8_t *data;      /* TRANSMIT, EV_RTP, EV_RTCP: valid until the
                                 next call on this peer */
    size_t len;
    yf_event_kind event;
    const char *srtp_profile; /* EV_CONNECTED: "AEAD_AES_128_GCM" or
                                 "AES_CM_128_HMAC_SHA1_80" */
    const char *reason;       /* EV_FAILED */
} yf_output;

/* Returns the next output. Call repeatedly after every input until it returns
 * YF_OUT_TIMEOUT. */
void yf_peer_poll_output(yf_peer *p, int64_t now_us, yf_output *out);

typedef struct {
    /* dtls_in, stun_in: datagrams seen; rtp_in, rtcp_in: packets that
     * decrypted and came out as events. */
    uint64_t dtls_in, rtp_in, rtcp_in, stun_in;
    uint64_t dropped_garbage;   /* no protocol matched the first byte */
    uint64_t dropped_auth;      /* SRTP/SRTCP authentication or replay failure */
    uint64_t dropped_early;     /* media before the keys were ready */
    uint64_t dropped_new_hello; /* datagrams opening a new association's
                                   ClientHello (retransmissions included)
                                   after ours was made (RFC 6347 §4.2.8):
                                   not answered; a new connection gets a new
                                   peer, which the signaling decides */
    uint64_t rtp_out, rtcp_out;
    uint64_t dropped_queue;     /* outputs dropped because nobody polled (the
                                   queue holds 256; DTLS flights 64 more) */
    uint64_t buffers_allocated; /* media buffers ever allocated: flat once the
                                   peer's pool is warm (no allocation per packet) */
    bool dtls_retired;          /* the DTLS session was written off after the
                                   peer's first media (dtls.h, yf_dtls_retire) */
    uint64_t dropped_retired;   /* DTLS datagrams ignored since: the peer's
                                   close_notify among them */
} yf_peer_stats;

void yf_peer_get_stats(const yf_peer *p, yf_peer_stats *out);
bool yf_peer_is_connected(const yf_peer *p);

#endif
