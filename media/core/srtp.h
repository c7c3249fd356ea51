/* srtp.h -- SRTP/SRTCP (RFC 3711, RFC 7714 AES-GCM) for one peer, keyed from
 * DTLS-SRTP (RFC 5764 §4.2): AES-CM on libsrtp2 (an inbound and an outbound
 * session), AES-GCM on OpenSSL (srtp_gcm.h). Encoders write into the
 * caller's buffer; nothing here reads a clock or does IO.
 * Internal to media/core: the IO edge sees only peer.h. */
#ifndef YF_SRTP_H
#define YF_SRTP_H

#include <stddef.h>
#include <stdint.h>
#include "common.h"

typedef enum {
    YF_SRTP_AES_CM_128_HMAC_SHA1_80, /* RFC 3711; DTLS id 0x0001 */
    YF_SRTP_AEAD_AES_128_GCM,        /* RFC 7714; DTLS id 0x0007 */
} yf_srtp_profile;

/* Bytes protect may add: libsrtp's trailer (tag + MKI) plus the 4-byte SRTCP
 * index. A protect destination needs len + YF_SRTP_MAX_OVERHEAD of room. */
#define YF_SRTP_MAX_OVERHEAD 148
#define YF_SRTP_MAX_KEY_LEN 16
#define YF_SRTP_MAX_SALT_LEN 14

typedef struct yf_srtp yf_srtp;

/* Master key and salt lengths of a profile (16/14 for AES-CM, 16/12 for GCM). */
/* Distinct inbound SSRCs one session accepts (a publisher has at most a few:
 * audio, video, their retransmission and simulcast streams); packets from
 * further SSRCs are refused with YF_EAUTH before libsrtp sees them. */
#define YF_SRTP_MAX_INBOUND_SSRCS 32

/* Initializes libsrtp2 once per process (thread-safe; later calls are
 * free). yf_srtp_new does it on first use; calling it at start-up moves its
 * one-time cost (~50 ms with NSS) off the first petitioner's connection. */
int yf_srtp_global_init(void);

void yf_srtp_profile_lengths(yf_srtp_profile prof, size_t *key_len, size_t *salt_len);
/* "AES_CM_128_HMAC_SHA1_80" or "AEAD_AES_128_GCM" (the SDES / RFC names). */
const char *yf_srtp_profile_name(yf_srtp_profile prof);

/* Creates both sessions. tx_* key what we send, rx_* what we receive; their
 * lengths are those of yf_srtp_profile_lengths. Keys are copied. Initializes
 * libsrtp on first use (pthread_once). Returns YF_OK, YF_ENOMEM or YF_ECRYPTO;
 * on failure *out is NULL. */
int yf_srtp_new(yf_srtp **out, yf_srtp_profile prof,
                const uint8_t *tx_key, const uint8_t *tx_salt,
                const uint8_t *rx_key, const uint8_t *rx_salt);
void yf_srtp_free(yf_srtp *s); /* accepts NULL */

/* Protect: src (plaintext, len) → dst (cap >= len + YF_SRTP_MAX_OVERHEAD, 4-byte
 * aligned). Unprotect: src (SRTP, len) → dst (cap >= len, 4-byte aligned).
 * *out_len gets the result length. src and dst may be the same buffer.
 * Errors: YF_ESHORT (shorter than a header), YF_ENOMEM (cap), YF_EAUTH (tag
 * or replay check failed), YF_EMALFORMED, YF_ECRYPTO. On error dst is garbage
 * and the session is unchanged. */
int yf_srtp_protect_rtp(yf_srtp *s, const uint8_t *src, size_t len,
                        uint8_t *dst, size_t cap, size_t *out_len);
int yf_srtp_unprotect_rtp(yf_srtp *s, const uint8_t *src, size_t len,
                          uint8_t *dst, size_t cap, size_t *out_len);
int yf_srtp_protect_rtcp(yf_srtp *s, const uint8_t *src, size_t len,
                         uint8_t *dst, size_t cap, size_t *out_len);
int yf_srtp_unprotect_rtcp(yf_srtp *s, const uint8_t *src, size_t len,
                           uint8_t *dst, size_t cap, size_t *out_len);

#endif
