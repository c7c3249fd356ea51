/* rtx_guard.h -- how often the router answers one subscriber's NACKs
 * (RFC 4585 section 6.2.1 leaves the answer to the media sender): each
 * packet is resent at most once per that subscriber's round trip (a NACK
 * repeated before the first resend could arrive asks for nothing new), and
 * all resends together at most half as many packets as were forwarded (a
 * budget: each original adds half a resend, up to a burst), so on a link
 * that loses because it is full, repairs cannot take it over. The round
 * trip comes from the subscriber's receiver reports of our sender reports
 * (RFC 3550 section 6.4.1: now - LSR - DLSR). Sans-IO: time is passed in.
 * One guard per (subscriber, video track); audio is not resent. The
 * budget is spent and the seq remembered only when a resend is queued. */
#ifndef YF_RTX_GUARD_H
#define YF_RTX_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#define YF_RTX_GUARD_SLOTS 32          /* the last resends remembered */
#define YF_RTX_GUARD_BURST 32          /* resends allowed at once */
#define YF_RTX_GUARD_DEFAULT_US 100000 /* interval until a round trip is known */
#define YF_RTX_GUARD_MIN_US 20000
#define YF_RTX_GUARD_MAX_US 1000000

/* Invariant: 0 <= half_tokens <= 2 * YF_RTX_GUARD_BURST; at[i] == 0 means
 * slot i is empty; sr_at[k] == 0 means no sender report k. */
typedef struct {
    uint16_t seq[YF_RTX_GUARD_SLOTS];
    int64_t at[YF_RTX_GUARD_SLOTS];   /* when seq[i] was last resent */
    int32_t half_tokens;
    int64_t rtt_us;                   /* 0: not known yet */
    uint32_t sr_mid[2];               /* middle 32 bits of our last two SRs' NTP */
    int64_t sr_at[2];                 /* and when they went out */
    uint64_t repeats;                 /* NACKed seqs not resent: too soon */
    uint64_t over_budget;             /* NACKed seqs not resent: budget spent */
} yf_rtx_guard;

void yf_rtx_guard_init(yf_rtx_guard *g);
/* An original packet went to the subscriber: half a resend more, up to the burst. */
void yf_rtx_guard_on_forward(yf_rtx_guard *g);
/* May the packet with output seq be resent now? Records nothing when
 * true (the resend may still not go out: a full output queue); false
 * counts why not (repeats, over_budget). */
bool yf_rtx_guard_allow(yf_rtx_guard *g, int64_t now_us, uint16_t seq);
/* The resend of seq that yf_rtx_guard_allow let through was queued at
 * now_us: remembers it (no second one within the interval) and spends the
 * budget. Call it only for a resend that really goes out, so a resend the
 * caller could not queue costs the subscriber nothing. */
void yf_rtx_guard_on_resend(yf_rtx_guard *g, int64_t now_us, uint16_t seq);
/* Our SR with this 64-bit NTP time went to the subscriber at now_us. */
void yf_rtx_guard_on_sr(yf_rtx_guard *g, int64_t now_us, uint64_t ntp);
/* The subscriber's report block on this stream: LSR and DLSR (1/65536 s).
 * Learns the round trip when LSR names one of our last two SRs; a value
 * outside 0..10 s is ignored. */
void yf_rtx_guard_on_rr(yf_rtx_guard *g, int64_t now_us, uint32_t lsr, uint32_t dlsr);
/* The least time between two resends of one packet: 5/4 of the round trip,
 * within MIN..MAX; DEFAULT while the round trip is unknown. */
int64_t yf_rtx_guard_interval(const yf_rtx_guard *g);

#endif
