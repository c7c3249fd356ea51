/* srtp_gcm.h -- AEAD_AES_128_GCM SRTP and SRTCP (RFC 7714 §8-§11) on
 * OpenSSL's EVP, both directions: the forwarding path's one protect per
 * subscriber packet and one unprotect per publisher packet, without
 * libsrtp's per-packet cipher set-up (on NSS, a new context every call),
 * and all RTCP, so that a connection needs no libsrtp session at all
 * (Debian's libsrtp2 keeps some 17 KiB of NSS key objects per session; a
 * direction here costs two cipher contexts and ~160 bytes per SSRC heard).
 * Keys derived as RFC 3711 §4.3 with the AES-CM PRF (RFC 7714 §11); per
 * SSRC the rollover counter and highest index as RFC 3711 §3.3.1, the same
 * guess libsrtp makes; the SRTCP index counting from 1 when sending; when
 * receiving, libsrtp's replay windows (1024 RTP indexes, 128 SRTCP ones)
 * and its refusals. Internal to srtp.c; no IO, no clock. */
#ifndef YF_SRTP_GCM_H
#define YF_SRTP_GCM_H

#include <stddef.h>
#include <stdint.h>
#include "common.h"

typedef struct yf_srtp_gcm_tx yf_srtp_gcm_tx;

/* Distinct SSRCs one sender keeps a rollover counter for; a packet of a
 * further one is refused (YF_ENOMEM). Ours are the router's, a few per
 * subscription; the echo path sends back at most srtp.h's inbound limit. */
#define YF_SRTP_GCM_MAX_SSRCS 1024

/* Keys a sender from the master key (16 bytes) and master salt (12 bytes).
 * Returns YF_OK, YF_ENOMEM or YF_ECRYPTO (*out NULL on failure). */
int yf_srtp_gcm_tx_new(yf_srtp_gcm_tx **out, const uint8_t *master_key, const uint8_t *master_salt);
void yf_srtp_gcm_tx_free(yf_srtp_gcm_tx *t); /* accepts NULL */

/* Protects one RTP packet: src (len) -> dst (cap >= len + 16); src and dst
 * may be the same buffer. YF_ESHORT (shorter than its header), YF_EMALFORMED
 * (header longer than the packet), YF_ENOMEM (cap, a new SSRC's state, or
 * a new SSRC beyond YF_SRTP_GCM_MAX_SSRCS),
 * YF_ECRYPTO (more than 1024 packets behind its SSRC's highest, as libsrtp
 * refuses). On error dst is garbage and nothing changed. */
int yf_srtp_gcm_protect_rtp(yf_srtp_gcm_tx *t, const uint8_t *src, size_t len, uint8_t *dst, size_t cap,
                            size_t *out_len);

/* Protects one compound RTCP packet (RFC 7714 §9: the first 8 bytes and
 * the E flag || SRTCP index word authenticated, the rest encrypted):
 * src (len) -> dst (cap >= len + 20) = header || ciphertext || tag ||
 * E||index; src and dst may be the same buffer. The index counts per
 * sender SSRC (src[4..8)). YF_ESHORT (under 8 bytes), YF_ENOMEM (cap, or a
 * new SSRC as for RTP), YF_ECRYPTO (the SSRC's 2^31 - 1 indexes used). */
int yf_srtp_gcm_protect_rtcp(yf_srtp_gcm_tx *t, const uint8_t *src, size_t len, uint8_t *dst, size_t cap,
                             size_t *out_len);

/* The receiving half. A stream per SSRC starts with its first packet that
 * authenticates; at most max_ssrcs of them (a packet of a further SSRC is
 * refused unread, YF_EAUTH). */
typedef struct yf_srtp_gcm_rx yf_srtp_gcm_rx;

int yf_srtp_gcm_rx_new(yf_srtp_gcm_rx **out, const uint8_t *master_key, const uint8_t *master_salt,
                       size_t max_ssrcs);
void yf_srtp_gcm_rx_free(yf_srtp_gcm_rx *r); /* accepts NULL */

/* Unprotects one SRTP packet: src (len) -> dst (cap >= len), *out_len =
 * len - 16; src and dst may be the same buffer. YF_ESHORT (under 12
 * bytes), YF_EMALFORMED (its header and a tag do not fit), YF_ENOMEM (cap,
 * or a new SSRC's state), YF_EAUTH (does not authenticate, received
 * already, more than 1024 packets behind its SSRC's highest, or a new SSRC
 * beyond max_ssrcs). On error dst is garbage and nothing changed. */
int yf_srtp_gcm_unprotect_rtp(yf_srtp_gcm_rx *r, const uint8_t *src, size_t len, uint8_t *dst, size_t cap,
                              size_t *out_len);

/* Unprotects one SRTCP packet, encrypted (E set) or only authenticated
 * (RFC 7714 §9.3): *out_len = len - 20. YF_ESHORT (under 8 bytes),
 * YF_EMALFORMED (under 28: no room for the tag and index), YF_ENOMEM,
 * YF_EAUTH as for RTP (the replay window being libsrtp's 128 indexes). */
int yf_srtp_gcm_unprotect_rtcp(yf_srtp_gcm_rx *r, const uint8_t *src, size_t len, uint8_t *dst, size_t cap,
                               size_t *out_len);

#endif
