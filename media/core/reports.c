/* reports.c -- receiver statistics (RFC 3550 A.1 sequence validation,
 * simplified: no probation; A.3 loss; A.8 jitter) and SR extrapolation
 * (§6.4.1). LSR/DLSR per §6.4.1: middle 32 bits of NTP, delay in 1/65536 s. */
#include <string.h>
#include "reports.h"

#define RTP_SEQ_MOD (1u << 16)
#define MAX_DROPOUT 3000
#define MAX_MISORDER 100

void yf_rx_stats_init(yf_rx_stats *s, uint32_t clock_rate)
{
    memset(s, 0, sizeof *s);
    s->clock_rate = clock_rate ? clock_rate : 90000;
    s->bad_seq = RTP_SEQ_MOD + 1;
}

static void restart(yf_rx_stats *s, uint16_t seq)
{
    s->base_seq = seq;
    s->max_seq = seq;
    s->bad_seq = RTP_SEQ_MOD + 1;
    s->cycles = 0;
    s->received = 0;
    s->expected_prior = s->received_prior = 0;
}

/* A.1 update_seq without probation; returns false for a packet to ignore. */
static bool update_seq(yf_rx_stats *s, uint16_t seq)
{
    uint16_t udelta = (uint16_t)(seq - s->max_seq);
    if (udelta < MAX_DROPOUT) {
        if (seq < s->max_seq)
            s->cycles += RTP_SEQ_MOD;
        s->max_seq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
        if (seq == s->bad_seq) {
            restart(s, seq);    /* two in a row: the source restarted */
        } else {
            s->bad_seq = (seq + 1u) & (RTP_SEQ_MOD - 1);
            return false;
        }
    }
    s->received++;
    return true;
}

/* A.8: transit in clock ticks, J += (|D| - J) / 16. */
static void update_jitter(yf_rx_stats *s, int64_t now_us, uint32_t rtp_ts)
{
    int64_t arrival = (int64_t)((uint64_t)now_us * s->clock_rate / 1000000u);
    int64_t transit = (int64_t)(uint32_t)((uint32_t)arrival - rtp_ts);
    if (s->have_transit) {
        int64_t d = (int64_t)(int32_t)(uint32_t)(transit - s->last_transit);
        if (d < 0)
            d = -d;
        s->jitter += ((double)d - s->jitter) / 16.0;
    }
    s->last_transit = transit;
    s->have_transit = true;
}

void yf_rx_stats_on_packet(yf_rx_stats *s, int64_t now_us, uint16_t seq, uint32_t rtp_ts)
{
    if (!s->started) {
        s->started = true;
        restart(s, seq);
        s->received = 1;
        update_jitter(s, now_us, rtp_ts);
        return;
    }
    bool newest = (int16_t)(seq - s->max_seq) > 0;
    if (update_seq(s, seq) && newest)
        update_jitter(s, now_us, rtp_ts); /* retransmissions would skew it */
}

void yf_rx_stats_on_sr(yf_rx_stats *s, int64_t now_us, uint64_t ntp)
{
    s->lsr = (uint32_t)(ntp >> 16);
    s->lsr_arrival_us = now_us;
}

uint64_t yf_rx_stats_expected(const yf_rx_stats *s)
{
    return s->started ? (uint64_t)s->cycles + s->max_seq - s->base_seq + 1 : 0;
}

bool yf_rx_stats_report(yf_rx_stats *s, int64_t now_us, uint32_t ssrc, yf_rtcp_report_block *b)
{
    if (!s->started)
        return false;
    uint64_t ext_max = (uint64_t)s->cycles + s->max_seq;
    uint64_t expected = yf_rx_stats_expected(s);
    int64_t lost = (int64_t)expected - (int64_t)s->received;
    uint64_t exp_int = expected - s->expected_prior;
    int64_t lost_int = (int64_t)exp_int - (int64_t)(s->received - s->received_prior);
    s->expected_prior = expected;
    s->received_prior = s->received;
    memset(b, 0, sizeof *b);
    b->ssrc = ssrc;
    b->fraction_lost = exp_int == 0 || lost_int <= 0 ? 0 : (uint8_t)((lost_int << 8) / (int64_t)exp_int);
    b->cumulative_lost = lost > 0x7fffff ? 0x7fffff : lost < -0x800000 ? -0x800000 : (int32_t)lost;
    b->highest_seq = (uint32_t)ext_max;
    b->jitter = (uint32_t)s->jitter;
    if (s->lsr_arrival_us) {
        b->lsr = s->lsr;
        b->dlsr = (uint32_t)((uint64_t)(now_us - s->lsr_arrival_us) * 65536u / 1000000u);
    }
    return true;
}

void yf_sr_clock_on_sr(yf_sr_clock *c, int64_t now_us, uint32_t ssrc, uint64_t ntp,
                       uint32_t rtp_ts, uint32_t clock_rate)
{
    c->valid = true;
    c->ssrc = ssrc;
    c->ntp = ntp;
    c->rtp_ts = rtp_ts;
    c->arrival_us = now_us;
    c->clock_rate = clock_rate;
}

void yf_sr_clock_at(const yf_sr_clock *c, int64_t now_us, uint64_t *ntp, uint32_t *rtp_ts)
{
    uint64_t el = now_us > c->arrival_us ? (uint64_t)(now_us - c->arrival_us) : 0;
    /* NTP: 32.32 fixed point seconds; el µs * 2^32 / 10^6 */
    *ntp = c->ntp + (el / 1000000u << 32) + ((el % 1000000u) << 32) / 1000000u;
    *rtp_ts = c->rtp_ts + (uint32_t)(el * c->clock_rate / 1000000u);
}
