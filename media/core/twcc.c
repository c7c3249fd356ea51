/* twcc.c -- transport-wide CC feedback builder (draft-holmer-rmcat-
 * transport-wide-cc-extensions-01 §3.1): the encoding of chunks is in
 * rtcp_fb.c; here is which packets go in, and their deltas. Deltas are
 * taken between tick-rounded arrival times so rounding never accumulates. */
#include <string.h>
#include "rtcp.h"
#include "twcc.h"

#define TICKS_PER_REF (YF_TWCC_REF_TIME_UNIT_US / YF_TWCC_DELTA_TICK_US) /* 256 */

void yf_twcc_recv_init(yf_twcc_recv *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < YF_TWCC_WINDOW; i++)
        t->arrival[i] = -1;
}

void yf_twcc_recv_on_packet(yf_twcc_recv *t, int64_t now_us, uint16_t seq)
{
    int64_t ext;
    if (!t->started) {
        t->started = true;
        ext = seq;
        t->next_base = ext;
        t->max_seq = ext - 1;
    } else {
        ext = t->max_seq + (int16_t)(seq - t->last_seq16);
    }
    if (ext < t->next_base) {
        t->late++;   /* already reported as lost; too late to matter */
        return;
    }
    if (ext - t->next_base >= YF_TWCC_WINDOW) {
        /* a jump past the window: forget what was not yet reported */
        for (int64_t s = t->next_base; s <= t->max_seq; s++)
            t->arrival[s & (YF_TWCC_WINDOW - 1)] = -1;
        t->next_base = ext;
        t->max_seq = ext - 1;
    }
    for (int64_t s = t->max_seq + 1; s < ext; s++)
        t->arrival[s & (YF_TWCC_WINDOW - 1)] = -1;
    t->arrival[ext & (YF_TWCC_WINDOW - 1)] = now_us;
    if (ext > t->max_seq) {
        t->max_seq = ext;
        t->last_seq16 = seq;
    }
    t->recorded++;
}

bool yf_twcc_recv_pending(const yf_twcc_recv *t)
{
    return t->started && t->max_seq >= t->next_base;
}

/* The first received packet at or after next_base (one exists while pending). */
static int64_t first_arrival(const yf_twcc_recv *t)
{
    for (int64_t s = t->next_base; s <= t->max_seq; s++)
        if (t->arrival[s & (YF_TWCC_WINDOW - 1)] >= 0)
            return t->arrival[s & (YF_TWCC_WINDOW - 1)];
    return -1;
}

/* Fills st[] from next_base on; returns the count. */
static uint16_t fill_statuses(const yf_twcc_recv *t, int64_t ref_tick, yf_twcc_status *st)
{
    int64_t last = ref_tick;
    uint16_t n = 0;
    for (int64_t s = t->next_base; s <= t->max_seq && n < YF_TWCC_MAX_STATUS; s++) {
        int64_t a = t->arrival[s & (YF_TWCC_WINDOW - 1)];
        if (a < 0) {
            st[n].symbol = YF_TWCC_NOT_RECEIVED;
            st[n++].delta = 0;
            continue;
        }
        int64_t d = a / YF_TWCC_DELTA_TICK_US - last;
        if (d < INT16_MIN || d > INT16_MAX)
            break;  /* does not fit: starts the next feedback */
        st[n].symbol = d >= 0 && d <= 255 ? YF_TWCC_SMALL_DELTA : YF_TWCC_LARGE_DELTA;
        st[n++].delta = (int16_t)d;
        last += d;
    }
    return n;
}

int yf_twcc_recv_build(yf_twcc_recv *t, uint32_t sender_ssrc, uint32_t media_ssrc,
                       uint8_t *dst, size_t cap)
{
    yf_twcc_status st[YF_TWCC_MAX_STATUS];
    if (!yf_twcc_recv_pending(t))
        return 0;
    int64_t first = first_arrival(t);
    if (first < 0) {
        /* only losses so far: wait for a packet to anchor the reference */
        return 0;
    }
    int64_t ref = first / YF_TWCC_REF_TIME_UNIT_US;
    yf_rtcp_twcc tw = {
        .sender_ssrc = sender_ssrc, .media_ssrc = media_ssrc,
        .base_seq = (uint16_t)t->next_base, .ref_time = (int32_t)(ref & 0xffffff),
        .fb_count = t->fb_count,
    };
    tw.status_count = fill_statuses(t, ref * TICKS_PER_REF, st);
    int n = yf_rtcp_twcc_write(&tw, st, dst, cap);
    if (n < 0)
        return n;
    for (int64_t s = t->next_base; s < t->next_base + tw.status_count; s++)
        t->arrival[s & (YF_TWCC_WINDOW - 1)] = -1;
    t->next_base += tw.status_count;
    t->fb_count++;
    t->feedbacks++;
    return n;
}
