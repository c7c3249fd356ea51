/* dtls.h -- DTLS 1.2 (RFC 6347) for DTLS-SRTP (RFC 5764) as a sans-IO machine on
 * OpenSSL: datagrams in, datagrams to send and a state out. Certificates are
 * checked against the SDP fingerprint (RFC 8122 §5), not a CA. Internal to
 * media/core; peer.c is its only user. The one wall-clock dependency of the
 * core lives here (OpenSSL's retransmission timer): see dtls.c. */
#ifndef YF_DTLS_H
#define YF_DTLS_H

#include <stdbool.h>
#include <stdint.h>
#include "peer.h"
#include "srtp.h"

typedef enum {
    YF_DTLS_HANDSHAKING,
    YF_DTLS_CONNECTED, /* keys available from yf_dtls_get_keys */
    YF_DTLS_FAILED,    /* see yf_dtls_fail_reason */
    YF_DTLS_CLOSED,    /* close_notify sent or received */
} yf_dtls_state;

/* RFC 5764 §4.2: the exporter output split into the two directions. */
typedef struct {
    yf_srtp_profile profile;
    uint8_t client_key[YF_SRTP_MAX_KEY_LEN], server_key[YF_SRTP_MAX_KEY_LEN];
    uint8_t client_salt[YF_SRTP_MAX_SALT_LEN], server_salt[YF_SRTP_MAX_SALT_LEN];
} yf_dtls_keys;

typedef struct yf_dtls yf_dtls;

#define YF_DTLS_DEFAULT_PROFILES "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"
#define YF_DTLS_DEFAULT_MTU 1200

/* Creates the machine. profiles: OpenSSL names, preference order, NULL for the
 * default; only the two yf_srtp_profile values are accepted. remote_fp may be
 * "" and set later (before the peer's certificate arrives). mtu 0 = default.
 * A client queues its ClientHello at once. Returns NULL on bad arguments or
 * OpenSSL failure. */
yf_dtls *yf_dtls_new(const yf_dtls_cert *cert, bool is_client, const char *profiles,
                     const char *remote_fp, unsigned mtu);
void yf_dtls_free(yf_dtls *d); /* accepts NULL */
int yf_dtls_set_remote_fingerprint(yf_dtls *d, const char *fp);

/* Feeds one DTLS datagram (first byte 20..63). Runs the handshake or reads
 * records (alerts, retransmitted flights; application data is discarded). */
int yf_dtls_handle_datagram(yf_dtls *d, const uint8_t *buf, size_t len);
/* RFC 6347 §4.2.8: TRUE if d is a server whose handshake is over and buf
 * starts with (the first fragment of) an epoch-0 ClientHello whose random is
 * not the one of d's handshake: a client starting a new association, not a
 * late retransmission. Such a datagram is dropped by d like any epoch-0
 * record after the handshake; this only tells the caller. Reads buf only. */
bool yf_dtls_is_new_client_hello(const yf_dtls *d, const uint8_t *buf, size_t len);
/* Runs OpenSSL's retransmission timer; harmless when it has not expired. */
int yf_dtls_handle_timeout(yf_dtls *d);
/* Microseconds until the retransmission timer expires (by the wall clock,
 * see dtls.c), 0 if expired, -1 if no timer runs. */
int64_t yf_dtls_timer_remaining_us(yf_dtls *d);
/* Sends close_notify (if a session exists) and moves to CLOSED. */
void yf_dtls_close(yf_dtls *d);

/* Writes the session off once the peer has shown it finished the
 * handshake (its first authenticated SRTP or SRTCP packet: a DTLS client
 * sends media only after the server's Finished, and nothing of the
 * handshake can be asked again): its close_notify is made now and kept (a
 * few dozen bytes, sent by yf_dtls_close), and the SSL is freed. OpenSSL
 * 3.0 keeps some 55 KiB per DTLS connection after the handshake (its two
 * record buffers and its handshake buffer; SSL_free_buffers does not
 * release the DTLS write path safely), a third of what a public hearing's
 * viewer costs the server. Afterwards the state stays CONNECTED until
 * yf_dtls_close, every datagram is dropped and counted (the peer's own
 * close_notify can no longer be read: the end of a connection is then
 * learnt from ICE consent or the signaling), no timer runs and the keys
 * are gone (yf_dtls_get_keys: YF_ESTATE). YF_ESTATE unless CONNECTED and
 * not retired. */
int yf_dtls_retire(yf_dtls *d);
bool yf_dtls_retired(const yf_dtls *d);
/* Sessions written off in this process so far (any thread). */
uint64_t yf_dtls_retired_total(void);
uint64_t yf_dtls_dropped_after_retire(const yf_dtls *d);

/* Pops the next datagram to send; false when none. The caller takes *data
 * and frees it. */
bool yf_dtls_take_transmit(yf_dtls *d, uint8_t **data, size_t *len);

yf_dtls_state yf_dtls_get_state(const yf_dtls *d);
const char *yf_dtls_fail_reason(const yf_dtls *d); /* "" unless FAILED */
/* YF_ESTATE unless CONNECTED. */
int yf_dtls_get_keys(const yf_dtls *d, yf_dtls_keys *out);
uint64_t yf_dtls_dropped_transmits(const yf_dtls *d);

#endif
