/* rewrite.c -- per subscriber track rewriting (rewrite.h; RFC 3550 §5.1,
 * §7.3). Serial-number comparison throughout: a - b as int16_t. */
#include <string.h>
#include "rewrite.h"

void yf_rewrite_init(yf_rewrite *rw, uint32_t out_ssrc, uint8_t out_pt, uint32_t clock_rate,
                     bool keyframe_on_switch, uint16_t seq_base, uint32_t ts_base)
{
    memset(rw, 0, sizeof *rw);
    rw->out_ssrc = out_ssrc;
    rw->out_pt = out_pt;
    rw->clock_rate = clock_rate;
    rw->keyframe_on_switch = keyframe_on_switch;
    /* the first epoch starts at the bases: pretend the "previous" packet
     * was one before them, at the time of the first packet */
    rw->last_out_seq = (uint16_t)(seq_base - 1);
    rw->last_out_ts = ts_base;
}

/* Starts an epoch at this packet: seq continues at last + 1, the timestamp
 * by the wall-clock gap since the last forwarded packet (at least 1 tick
 * after a switch, so the receiver sees a new frame). */
static void start_epoch(yf_rewrite *rw, int64_t now_us, uint32_t ssrc, uint16_t seq, uint32_t ts)
{
    uint16_t first_out = (uint16_t)(rw->last_out_seq + 1);
    uint32_t first_ts = rw->last_out_ts;
    if (rw->started) {
        int64_t gap = now_us > rw->last_out_us ? now_us - rw->last_out_us : 0;
        uint64_t ticks = (uint64_t)gap * rw->clock_rate / 1000000u;
        first_ts += ticks > 0 ? (uint32_t)ticks : 1u;
    }
    rw->seq_offset = (uint16_t)(first_out - seq);
    rw->ts_offset = first_ts - ts;
    rw->src_ssrc = ssrc;
    rw->epoch_first = seq;
    rw->max_src = seq;
    rw->have_src = true;
    rw->waiting_keyframe = false;
    rw->epochs++;
}

bool yf_rewrite_packet(yf_rewrite *rw, int64_t now_us, uint32_t ssrc, uint16_t seq,
                       uint32_t ts, bool keyframe, uint16_t *out_seq, uint32_t *out_ts)
{
    bool newest;
    if (!rw->have_src || rw->src_ssrc != ssrc) {
        if (rw->keyframe_on_switch && !keyframe) {
            rw->have_src = false;
            rw->waiting_keyframe = true;
            rw->dropped++;
            return false;
        }
        start_epoch(rw, now_us, ssrc, seq, ts);
        newest = true;
    } else if ((int16_t)(seq - rw->max_src) > 0) {
        rw->max_src = seq;
        newest = true;
    } else if ((int16_t)(seq - rw->epoch_first) < 0) {
        rw->dropped++; /* from before this epoch: its out seq is taken */
        return false;
    } else {
        newest = false; /* reordered or retransmitted: mapped, no state */
    }
    *out_seq = (uint16_t)(seq + rw->seq_offset);
    *out_ts = ts + rw->ts_offset;
    if (newest) {
        rw->last_out_seq = *out_seq;
        rw->last_out_ts = *out_ts;
        rw->last_out_us = now_us;
        rw->started = true;
    }
    return true;
}

void yf_rewrite_reset_source(yf_rewrite *rw)
{
    rw->have_src = false;
}

bool yf_rewrite_map_back(const yf_rewrite *rw, uint16_t out_seq, uint16_t *src_seq)
{
    if (!rw->have_src)
        return false;
    uint16_t src = (uint16_t)(out_seq - rw->seq_offset);
    if ((int16_t)(src - rw->epoch_first) < 0 || (int16_t)(rw->max_src - src) < 0)
        return false;
    *src_seq = src;
    return true;
}

uint32_t yf_rewrite_out_ts(const yf_rewrite *rw, uint32_t src_ts)
{
    return src_ts + rw->ts_offset;
}
