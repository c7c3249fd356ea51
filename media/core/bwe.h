/* bwe.h -- the downlink estimate of one subscriber connection, from the
 * transport-wide feedback it sends us (twcc_send.h), after the principles of
 * draft-ietf-rmcat-gcc-02: a delay-based estimate (the trend of one-way
 * delay variation between groups of packets; a growing delay means the
 * bottleneck queue fills: overuse, decrease multiplicatively; otherwise
 * increase, multiplicatively far from the last known capacity and
 * additively near it) bounded by a loss-based one (much loss over a window:
 * decrease; little: allow increase). Sans-IO: no clock (every call takes
 * `now`), no IO, no allocation; one estimator is used by one thread. */
#ifndef YF_BWE_H
#define YF_BWE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "twcc_send.h"

#define YF_BWE_TREND_WINDOW 20   /* packet groups in the delay trend (§5.3) */

typedef enum { YF_BWE_HOLD, YF_BWE_INCREASE, YF_BWE_DECREASE } yf_bwe_state;
typedef enum { YF_BWE_NORMAL, YF_BWE_OVERUSE, YF_BWE_UNDERUSE } yf_bwe_signal;

/* Zero means "the default" for every field. */
typedef struct {
    int64_t initial_bps;   /* before the first evidence: 1 Mbit/s */
    int64_t min_bps;       /* never below: 30 kbit/s (an Opus voice and its headers) */
    int64_t max_bps;       /* never above: 20 Mbit/s */
} yf_bwe_config;

typedef struct {
    int64_t estimate_bps;  /* min(delay_bps, loss_bps) */
    int64_t delay_bps;     /* the delay-based estimate */
    int64_t loss_bps;      /* the loss-based bound */
    int64_t acked_bps;     /* what the receiver got, last window; 0 until known */
    int64_t sent_bps;      /* what we sent of it, last window; 0 until known */
    int64_t rtt_us;        /* smoothed feedback round trip (send -> feedback) */
    yf_bwe_state state;
    yf_bwe_signal signal;
    double trend;          /* the detector's modified trend (ms) */
    double threshold;      /* and its adaptive threshold (ms) */
    uint8_t loss_fraction; /* last loss window, 0..255 = 0..100 % */
    uint8_t loss_smoothed; /* the windows' loss, each new one weighing 1/3 */
    uint64_t feedbacks, packets, lost, overuses, decreases;
} yf_bwe_stats;

/* Invariants: min_bps <= delay_bps, loss_bps <= max_bps; tlen <=
 * YF_BWE_TREND_WINDOW; a group is open only when g_n > 0. */
typedef struct {
    yf_bwe_config cfg;
    /* packet groups: packets sent within 5 ms form one group (§5.2) */
    int g_n;
    int64_t g_first_send, g_last_send, g_last_arrival;
    bool prev_valid;
    int64_t prev_send, prev_arrival;
    /* delay trend and overuse detector (§5.3, §5.4) */
    double acc_ms, smoothed_ms;
    int64_t first_arrival;
    double tx[YF_BWE_TREND_WINDOW], ty[YF_BWE_TREND_WINDOW];
    int thead, tlen, deltas;
    double trend, prev_trend, threshold;
    int64_t last_threshold_us;
    double over_ms;
    int over_count;
    yf_bwe_signal signal;
    /* what the receiver got */
    int64_t win_first_arrival, win_last_arrival;
    uint64_t win_bytes;
    double acked_bps;
    /* what we sent of the packets fed back (by send time, lost ones too) */
    int64_t sent_first, sent_last;
    uint64_t sent_bytes;
    double sent_bps;
    /* rate control (§5.5) */
    double delay_bps, loss_bps;
    yf_bwe_state state;
    int64_t last_update_us, last_decrease_us;
    double capacity_bps;   /* acked rate at the last overuses; 0 unknown */
    int64_t rtt_us;
    /* loss window (§6) */
    uint32_t loss_sent, loss_lost;
    int64_t loss_since_us, last_loss_decrease_us;
    uint8_t loss_fraction;
    double loss_avg;       /* loss_smoothed as a fraction */
    uint32_t loss_windows;
    uint64_t feedbacks, packets, lost, overuses, decreases;
} yf_bwe;

/* cfg may be NULL (defaults). */
void yf_bwe_init(yf_bwe *b, const yf_bwe_config *cfg);

/* One feedback's packets (yf_twcc_send_on_feedback, in sequence order),
 * received at now_us. Updates the estimate. n may be 0. Packets of a probe
 * cluster (cluster != 0) count for the delay but not in the loss windows. */
void yf_bwe_on_feedback(yf_bwe *b, int64_t now_us, const yf_twcc_result *pkts, size_t n);

/* A probe (probe.h) that carried: recv_bps arrived with `loss` (0..1) lost.
 * The newest evidence of the link: the loss average becomes its loss, and
 * neither part of the estimate stays under recv_bps. */
void yf_bwe_on_probe(yf_bwe *b, int64_t now_us, int64_t recv_bps, double loss);

/* The estimate in bit/s (the initial one until feedback arrives). */
int64_t yf_bwe_estimate(const yf_bwe *b);
void yf_bwe_get_stats(const yf_bwe *b, yf_bwe_stats *out);
const char *yf_bwe_state_name(yf_bwe_state s);   /* "hold", "increase", "decrease" */
const char *yf_bwe_signal_name(yf_bwe_signal s); /* "normal", "overuse", "underuse" */

#endif
