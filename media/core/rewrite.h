/* rewrite.h -- per subscriber track SSRC / sequence number / timestamp
 * rewriting (RFC 3550 §7.3 translator rules; §5.1 for seq and timestamp
 * arithmetic modulo 2^16 / 2^32). Output sequence numbers advance by exactly
 * the source's advance inside one source "epoch"; when the source changes
 * (new SSRC on reconnect, or an explicit reset) the next epoch continues at
 * last + 1 and its timestamps continue by the wall-clock gap times the clock
 * rate, so the receiver sees one unbroken stream. Video epochs start only at
 * a keyframe. Pure arithmetic: no clock, no IO, no allocation. */
#ifndef YF_REWRITE_H
#define YF_REWRITE_H

#include <stdbool.h>
#include <stdint.h>
#include "common.h"

/* Invariants: while have_src, out = src + seq_offset (mod 2^16) for every
 * src seq in [epoch_first, max_src] (serial order), and out ts = src ts +
 * ts_offset; last_out_seq/last_out_ts belong to the highest packet
 * forwarded so far, in any epoch. */
typedef struct {
    uint32_t out_ssrc;
    uint8_t out_pt;
    uint32_t clock_rate;
    bool keyframe_on_switch; /* video: start an epoch only at a keyframe */

    bool started;            /* at least one packet forwarded */
    bool have_src;           /* inside an epoch */
    bool waiting_keyframe;   /* a switch is pending a keyframe */
    uint32_t src_ssrc;
    uint16_t seq_offset;
    uint32_t ts_offset;
    uint16_t epoch_first;    /* first source seq of the epoch */
    uint16_t max_src;        /* highest source seq forwarded in the epoch */
    uint16_t last_out_seq;
    uint32_t last_out_ts;
    int64_t last_out_us;
    uint64_t epochs;         /* epochs started (1 + source switches) */
    uint64_t dropped;        /* packets dropped: waiting for a keyframe or
                                older than the epoch */
} yf_rewrite;

/* seq_base / ts_base: the first output seq and timestamp (RFC 3550 §5.1:
 * random; the caller draws them). */
void yf_rewrite_init(yf_rewrite *rw, uint32_t out_ssrc, uint8_t out_pt, uint32_t clock_rate,
                     bool keyframe_on_switch, uint16_t seq_base, uint32_t ts_base);

/* Decides about one source packet. Returns true with *out_seq / *out_ts set
 * when it is to be forwarded, false when it is dropped (counted): a video
 * packet that is not a keyframe start while a new epoch waits for one, or a
 * packet older than the current epoch. */
bool yf_rewrite_packet(yf_rewrite *rw, int64_t now_us, uint32_t ssrc, uint16_t seq,
                       uint32_t ts, bool keyframe, uint16_t *out_seq, uint32_t *out_ts);

/* Forces the next packet to start a new epoch even with the same SSRC (a
 * publisher that reconnected and kept its SSRC but restarted its seq/ts). */
void yf_rewrite_reset_source(yf_rewrite *rw);

/* Maps an output seq (from a subscriber's NACK) back to the source seq of
 * the current epoch. False if it is outside [epoch_first, max_src]. */
bool yf_rewrite_map_back(const yf_rewrite *rw, uint16_t out_seq, uint16_t *src_seq);

/* Maps a source timestamp of the current epoch to the output space. */
uint32_t yf_rewrite_out_ts(const yf_rewrite *rw, uint32_t src_ts);

#endif
