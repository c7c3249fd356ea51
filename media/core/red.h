/* red.h -- RTP payload for redundant audio data (RFC 2198) as browsers send
 * it for Opus (`red/48000/2`, fmtp `111/111`): a pure codec. Parses a RED
 * payload into its blocks (redundant ones first, the primary last) and
 * writes the plain packet a receiver without RED gets: the same RTP header
 * with the primary block as payload. Never reads past the input, never
 * writes past dst; no allocation, no clock. */
#ifndef YF_RED_H
#define YF_RED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common.h"

/* Blocks in one RED payload we accept, the primary included. Chromium sends
 * the primary and one or two earlier frames; more is refused as malformed
 * (a payload of 4-byte headers only would otherwise be walked for nothing). */
#define YF_RED_MAX_BLOCKS 8

typedef struct {
    uint8_t pt;            /* the block's payload type (RFC 2198 section 3) */
    uint16_t ts_offset;    /* redundant: the primary's timestamp minus the
                              block's (14 bits); 0 for the primary */
    const uint8_t *data;   /* borrowed from the parsed payload */
    size_t len;
} yf_red_block;

/* Invariant after a parse: 1 <= n <= YF_RED_MAX_BLOCKS; block[n - 1] is the
 * primary; blocks lie inside the payload, in order, without overlap. */
typedef struct {
    size_t n;
    yf_red_block block[YF_RED_MAX_BLOCKS];
} yf_red;

/* Parses a RED payload (the RTP payload without padding). Returns YF_OK;
 * YF_ESHORT for an empty payload or headers cut short; YF_EMALFORMED for
 * more than YF_RED_MAX_BLOCKS blocks or block lengths that run past the
 * payload. On error *out is zeroed. */
int yf_red_parse(const uint8_t *payload, size_t len, yf_red *out);

/* Writes into dst the plain RTP packet for the RED packet pkt[0..len):
 * pkt's header (CSRCs and extension block kept) with payload type out_pt
 * and padding dropped, then the primary block. The primary's payload type
 * must be want_pt (the one the fmtp named; another one is malformed).
 * A packet with no payload at all (Chromium sends one now and then at a
 * pause in speech) gives the same empty packet with out_pt.
 * Returns the new length, or YF_ESHORT / YF_EMALFORMED (pkt is not a
 * parsable RTP packet with a RED payload as above), YF_ENOMEM (cap too small). */
long yf_red_unwrap(const uint8_t *pkt, size_t len, uint8_t want_pt, uint8_t out_pt,
                   uint8_t *dst, size_t cap);

/* Writes into dst the plain RTP packet that block k (a redundant block,
 * k < n - 1) of a parsed RED packet stands for, as RFC 2198 section 3
 * describes it: pkt's header with payload type out_pt, sequence number
 * seq, timestamp = pkt's minus the block's offset, marker cleared, padding
 * dropped. The caller knows seq (Opus senders repeat the frames of the
 * packets just before: block k of n - 1 redundant ones is seq - (n - 1 - k)).
 * Returns the new length, or YF_ESHORT / YF_EMALFORMED, YF_ENOMEM. */
long yf_red_block_packet(const uint8_t *pkt, size_t len, size_t k, uint8_t want_pt,
                         uint8_t out_pt, uint16_t seq, uint8_t *dst, size_t cap);

#endif
