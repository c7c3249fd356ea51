/* reports.h -- RTCP report state. yf_rx_stats: what we receive from a
 * publisher track, for its receiver report block (RFC 3550 §6.4.1, with
 * the sequence bookkeeping of A.1, loss of A.3 and jitter of A.8), and the
 * LSR/DLSR of its last SR. yf_sr_clock: the publisher's last SR (NTP ↔ RTP
 * mapping), extrapolated to `now` so a subscriber's SR can be sent on our
 * own schedule (§6.4.1 "the same time as the NTP timestamp"). No clock
 * reads: arrival times are the `now` given. */
#ifndef YF_REPORTS_H
#define YF_REPORTS_H

#include <stdbool.h>
#include <stdint.h>
#include "rtcp.h"

/* Invariants (A.1): max_seq is the highest seq seen, cycles counts its
 * wraps (shifted by 16), received counts valid packets. */
typedef struct {
    bool started;
    uint16_t max_seq;
    uint32_t cycles;
    uint32_t base_seq;
    uint32_t bad_seq;
    uint64_t received;
    uint64_t expected_prior, received_prior;
    int64_t last_transit;     /* in clock ticks */
    bool have_transit;
    double jitter;            /* in clock ticks, A.8 */
    uint32_t clock_rate;
    uint32_t lsr;             /* middle 32 bits of the last SR's NTP time */
    int64_t lsr_arrival_us;   /* 0: no SR yet */
} yf_rx_stats;

void yf_rx_stats_init(yf_rx_stats *s, uint32_t clock_rate);
/* One packet as received (retransmissions too: A.1 counts duplicates). */
void yf_rx_stats_on_packet(yf_rx_stats *s, int64_t now_us, uint16_t seq, uint32_t rtp_ts);
void yf_rx_stats_on_sr(yf_rx_stats *s, int64_t now_us, uint64_t ntp);
/* Fills a report block for ssrc and starts a new interval (fraction lost
 * is about the packets since the previous call). False before any packet. */
/* RFC 3550 A.3: packets expected from the source so far (extended highest
 * sequence number minus the first, plus one); 0 before the first packet. */
uint64_t yf_rx_stats_expected(const yf_rx_stats *s);
bool yf_rx_stats_report(yf_rx_stats *s, int64_t now_us, uint32_t ssrc, yf_rtcp_report_block *b);

typedef struct {
    bool valid;
    uint32_t ssrc;        /* the source it describes */
    uint64_t ntp;
    uint32_t rtp_ts;
    int64_t arrival_us;
    uint32_t clock_rate;
} yf_sr_clock;

void yf_sr_clock_on_sr(yf_sr_clock *c, int64_t now_us, uint32_t ssrc, uint64_t ntp,
                       uint32_t rtp_ts, uint32_t clock_rate);
/* The publisher's NTP time and RTP timestamp at now (source space). */
void yf_sr_clock_at(const yf_sr_clock *c, int64_t now_us, uint64_t *ntp, uint32_t *rtp_ts);

#endif
