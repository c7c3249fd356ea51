/* rtx_guard.c -- resends to one subscriber: once per round trip per packet,
 * half the forwarded packets at most (rtx_guard.h). RFC 4585 section 6.2.1
 * for NACK, RFC 3550 section 6.4.1 for the round trip from LSR/DLSR. No
 * clock, no allocation. */
#include <string.h>
#include "rtx_guard.h"

void yf_rtx_guard_init(yf_rtx_guard *g)
{
    memset(g, 0, sizeof *g);
    g->half_tokens = 2 * YF_RTX_GUARD_BURST;
}

void yf_rtx_guard_on_forward(yf_rtx_guard *g)
{
    if (g->half_tokens < 2 * YF_RTX_GUARD_BURST)
        g->half_tokens++;
}

int64_t yf_rtx_guard_interval(const yf_rtx_guard *g)
{
    if (g->rtt_us <= 0)
        return YF_RTX_GUARD_DEFAULT_US;
    int64_t v = g->rtt_us + g->rtt_us / 4;
    return v < YF_RTX_GUARD_MIN_US ? YF_RTX_GUARD_MIN_US : v > YF_RTX_GUARD_MAX_US ? YF_RTX_GUARD_MAX_US : v;
}

/* The slot holding seq, else the empty or oldest one (to be reused). */
static unsigned slot_for(const yf_rtx_guard *g, uint16_t seq, bool *found)
{
    unsigned oldest = 0;
    for (unsigned i = 0; i < YF_RTX_GUARD_SLOTS; i++) {
        if (g->at[i] != 0 && g->seq[i] == seq) {
            *found = true;
            return i;
        }
        if (g->at[i] < g->at[oldest])
            oldest = i;
    }
    *found = false;
    return oldest;
}

bool yf_rtx_guard_allow(yf_rtx_guard *g, int64_t now_us, uint16_t seq)
{
    bool found;
    unsigned i = slot_for(g, seq, &found);
    if (found && now_us - g->at[i] < yf_rtx_guard_interval(g)) {
        g->repeats++;
        return false;
    }
    if (g->half_tokens < 2) {
        g->over_budget++;
        return false;
    }
    return true;
}

void yf_rtx_guard_on_resend(yf_rtx_guard *g, int64_t now_us, uint16_t seq)
{
    bool found;
    unsigned i = slot_for(g, seq, &found);
    if (g->half_tokens >= 2)
        g->half_tokens -= 2;
    g->seq[i] = seq;
    g->at[i] = now_us != 0 ? now_us : 1; /* 0 marks an empty slot */
}

void yf_rtx_guard_on_sr(yf_rtx_guard *g, int64_t now_us, uint64_t ntp)
{
    g->sr_mid[1] = g->sr_mid[0];
    g->sr_at[1] = g->sr_at[0];
    g->sr_mid[0] = (uint32_t)(ntp >> 16);
    g->sr_at[0] = now_us != 0 ? now_us : 1;
}

void yf_rtx_guard_on_rr(yf_rtx_guard *g, int64_t now_us, uint32_t lsr, uint32_t dlsr)
{
    if (lsr == 0)
        return; /* no SR received yet (RFC 3550 section 6.4.1) */
    for (int k = 0; k < 2; k++) {
        if (g->sr_at[k] == 0 || g->sr_mid[k] != lsr)
            continue;
        int64_t rtt = now_us - g->sr_at[k] - (int64_t)(((uint64_t)dlsr * 1000000u) >> 16);
        if (rtt >= 0 && rtt <= 10000000)
            g->rtt_us = rtt;
        return;
    }
}
