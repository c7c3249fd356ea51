/* bwe.c -- a subscriber's downlink estimate from transport-wide feedback,
 * written from the principles of draft-ietf-rmcat-gcc-02: packet groups
 * (§5.2), the trend of their one-way delay variation (§5.3, a least-squares
 * slope over a window where the draft uses a Kalman filter), an overuse
 * detector with an adaptive threshold (§5.4), AIMD rate control (§5.5) and
 * a loss-based bound (§6). Floating point, no libm, no allocation, no clock. */
#include <string.h>
#include "bwe.h"

/* Packets sent within 5 ms are one group: a video frame leaves in a burst,
 * and only the delay between bursts says anything about the queue (§5.2). */
#define GROUP_SPAN_US 5000
/* An arrival gap past 3 s or backwards is not a queue: a paused stream or
 * a receiver's clock jump. The trend starts again. */
#define MAX_GROUP_GAP_US 3000000
/* Exponential smoothing of the accumulated delay (weight of the old value),
 * then the slope over YF_BWE_TREND_WINDOW groups, scaled by the number of
 * deltas seen (up to 60) and a gain of 4 so a slope becomes comparable to a
 * threshold in milliseconds: a queue growing 2.5 % faster than it drains
 * (slope 0.025) crosses the smallest threshold after 60 groups. */
#define SMOOTHING 0.9
#define MAX_DELTAS 60
#define TREND_GAIN 4.0
/* The threshold adapts to the trend (§5.4): quickly down towards small
 * trends (0.039/ms), slowly up towards large ones (0.0087/ms), within
 * 6..600 ms, starting at 12.5 ms; trends far past it (+15 ms) are spikes
 * and do not move it. Overuse is declared when the trend stays above it
 * for 10 ms of send time, over two groups or more, and is not falling. */
#define THRESHOLD_INIT 12.5
#define THRESHOLD_MIN 6.0
#define THRESHOLD_MAX 600.0
#define K_UP 0.0087
#define K_DOWN 0.039
#define OVERUSE_TIME_MS 10.0
/* Rate control (§5.5): on overuse, 0.85 x what the receiver got; far from
 * the last known capacity grow 8 % a second; within 0.5..1.15 x of it grow
 * by one 1200-byte packet per response time (RTT + 100 ms). */
#define BETA 0.85
#define GROWTH_PER_S 0.08
#define NEAR_LOW 0.5
#define NEAR_HIGH 1.15
#define PACKET_BITS (1200.0 * 8)
#define RESPONSE_EXTRA_US 100000
/* The received rate: bytes over at least 500 ms of arrival times (fifteen
 * video frames: one large keyframe or a small frame does not make it). */
#define ACK_WINDOW_US 500000
/* Loss (§6) over 100 packets, or 20 packets and 1 s: above 10 % the bound
 * becomes estimate (or the received rate, if lower) x (1 - loss/2), at
 * most once per response time; below
 * 2 % it relaxes by 25 % a window (the delay-based estimate then leads);
 * in between it holds, so steady random loss of a few percent costs
 * nothing. */
#define LOSS_WINDOW_PKTS 100
#define LOSS_WINDOW_MIN_PKTS 20
#define LOSS_WINDOW_US 1000000
#define LOSS_HIGH 0.10
#define LOSS_LOW 0.02
#define LOSS_RELAX 1.25

#define DEF(v, d) ((v) > 0 ? (v) : (d))

void yf_bwe_init(yf_bwe *b, const yf_bwe_config *cfg)
{
    memset(b, 0, sizeof *b);
    if (cfg)
        b->cfg = *cfg;
    b->cfg.min_bps = DEF(b->cfg.min_bps, 30000);
    b->cfg.max_bps = DEF(b->cfg.max_bps, 20000000);
    if (b->cfg.max_bps < b->cfg.min_bps)
        b->cfg.max_bps = b->cfg.min_bps;
    b->cfg.initial_bps = DEF(b->cfg.initial_bps, 1000000);
    b->delay_bps = (double)b->cfg.initial_bps;
    b->loss_bps = (double)b->cfg.max_bps;
    b->threshold = THRESHOLD_INIT;
    b->state = YF_BWE_INCREASE;
    b->signal = YF_BWE_NORMAL;
    b->over_ms = -1;
}

static double clamp_bps(const yf_bwe *b, double v)
{
    if (v < (double)b->cfg.min_bps)
        return (double)b->cfg.min_bps;
    return v > (double)b->cfg.max_bps ? (double)b->cfg.max_bps : v;
}

static double estimate(const yf_bwe *b)
{
    return clamp_bps(b, b->delay_bps < b->loss_bps ? b->delay_bps : b->loss_bps);
}

int64_t yf_bwe_estimate(const yf_bwe *b)
{
    return (int64_t)estimate(b);
}

static void reset_trend(yf_bwe *b)
{
    b->acc_ms = b->smoothed_ms = 0;
    b->tlen = b->thead = b->deltas = 0;
    b->trend = b->prev_trend = 0;
    b->over_ms = -1;
    b->over_count = 0;
    b->prev_valid = false;
}

/* Least-squares slope of ty over tx in the window; 0 when degenerate. */
static double slope(const yf_bwe *b)
{
    double mx = 0, my = 0, num = 0, den = 0;
    for (int i = 0; i < b->tlen; i++) {
        mx += b->tx[i];
        my += b->ty[i];
    }
    mx /= b->tlen;
    my /= b->tlen;
    for (int i = 0; i < b->tlen; i++) {
        num += (b->tx[i] - mx) * (b->ty[i] - my);
        den += (b->tx[i] - mx) * (b->tx[i] - mx);
    }
    return den > 0 ? num / den : 0;
}

static void adapt_threshold(yf_bwe *b, int64_t now_us)
{
    double t = b->trend < 0 ? -b->trend : b->trend;
    double dt = b->last_threshold_us ? (double)(now_us - b->last_threshold_us) / 1000.0 : 0;
    b->last_threshold_us = now_us;
    if (dt > 100)
        dt = 100;
    if (dt < 0 || t > b->threshold + 15)
        return;
    b->threshold += (t < b->threshold ? K_DOWN : K_UP) * (t - b->threshold) * dt;
    if (b->threshold < THRESHOLD_MIN)
        b->threshold = THRESHOLD_MIN;
    if (b->threshold > THRESHOLD_MAX)
        b->threshold = THRESHOLD_MAX;
}

/* §5.4: the signal from the trend; send_delta_ms is the groups' send gap. */
static void detect(yf_bwe *b, int64_t now_us, double send_delta_ms)
{
    if (b->trend > b->threshold) {
        b->over_ms = b->over_ms < 0 ? send_delta_ms / 2 : b->over_ms + send_delta_ms;
        b->over_count++;
        if (b->over_ms > OVERUSE_TIME_MS && b->over_count > 1 && b->trend >= b->prev_trend) {
            b->over_ms = 0;
            b->over_count = 0;
            if (b->signal != YF_BWE_OVERUSE)
                b->overuses++;
            b->signal = YF_BWE_OVERUSE;
        }
    } else {
        b->over_ms = -1;
        b->over_count = 0;
        b->signal = b->trend < -b->threshold ? YF_BWE_UNDERUSE : YF_BWE_NORMAL;
    }
    b->prev_trend = b->trend;
    adapt_threshold(b, now_us);
}

/* One delay variation d_ms between two groups, the later arriving at
 * arrival_us (§5.3). */
static void on_delta(yf_bwe *b, int64_t now_us, double d_ms, double send_delta_ms, int64_t arrival_us)
{
    if (b->tlen == 0)
        b->first_arrival = arrival_us;
    b->acc_ms += d_ms;
    b->smoothed_ms = SMOOTHING * b->smoothed_ms + (1 - SMOOTHING) * b->acc_ms;
    int slot = (b->thead + b->tlen) % YF_BWE_TREND_WINDOW;
    if (b->tlen == YF_BWE_TREND_WINDOW) {
        slot = b->thead;
        b->thead = (b->thead + 1) % YF_BWE_TREND_WINDOW;
    } else {
        b->tlen++;
    }
    b->tx[slot] = (double)(arrival_us - b->first_arrival) / 1000.0;
    b->ty[slot] = b->smoothed_ms;
    if (b->deltas < MAX_DELTAS)
        b->deltas++;
    if (b->tlen == YF_BWE_TREND_WINDOW)
        b->trend = slope(b) * b->deltas * TREND_GAIN;
    detect(b, now_us, send_delta_ms);
}

static void close_group(yf_bwe *b, int64_t now_us)
{
    if (b->prev_valid) {
        int64_t da = b->g_last_arrival - b->prev_arrival, ds = b->g_last_send - b->prev_send;
        if (da < 0 || da > MAX_GROUP_GAP_US || ds > MAX_GROUP_GAP_US) {
            reset_trend(b);
        } else {
            on_delta(b, now_us, (double)(da - ds) / 1000.0, (double)ds / 1000.0, b->g_last_arrival);
        }
    }
    b->prev_valid = true;
    b->prev_send = b->g_last_send;
    b->prev_arrival = b->g_last_arrival;
}

static void on_acked(yf_bwe *b, int64_t arrival_us, uint32_t size)
{
    if (b->win_bytes == 0 || arrival_us < b->win_first_arrival ||
        arrival_us - b->win_first_arrival > 4 * ACK_WINDOW_US) {
        b->win_first_arrival = b->win_last_arrival = arrival_us;
        b->win_bytes = size;
        return;
    }
    if (arrival_us > b->win_last_arrival)
        b->win_last_arrival = arrival_us;
    int64_t span = b->win_last_arrival - b->win_first_arrival;
    if (span >= ACK_WINDOW_US) {
        b->acked_bps = (double)b->win_bytes * 8 * 1e6 / (double)span;
        b->win_first_arrival = b->win_last_arrival;
        b->win_bytes = 0;
    }
    b->win_bytes += size;
}

/* The same windows by send time, over every packet fed back. */
static void on_sent(yf_bwe *b, int64_t send_us, uint32_t size)
{
    if (b->sent_bytes == 0 || send_us < b->sent_first || send_us - b->sent_first > 4 * ACK_WINDOW_US) {
        b->sent_first = b->sent_last = send_us;
        b->sent_bytes = size;
        return;
    }
    if (send_us > b->sent_last)
        b->sent_last = send_us;
    int64_t span = b->sent_last - b->sent_first;
    if (span >= ACK_WINDOW_US) {
        b->sent_bps = (double)b->sent_bytes * 8 * 1e6 / (double)span;
        b->sent_first = b->sent_last;
        b->sent_bytes = 0;
    }
    b->sent_bytes += size;
}

static void on_received(yf_bwe *b, int64_t now_us, const yf_twcc_result *p)
{
    on_acked(b, p->arrival_us, p->size);
    if (b->g_n > 0 && p->send_us >= b->g_first_send && p->send_us - b->g_first_send <= GROUP_SPAN_US) {
        b->g_n++;
        if (p->send_us > b->g_last_send)
            b->g_last_send = p->send_us;
        if (p->arrival_us > b->g_last_arrival)
            b->g_last_arrival = p->arrival_us;
        return;
    }
    if (b->g_n > 0 && p->send_us < b->g_first_send)
        return; /* sent before the open group: out of order, no delay sample */
    if (b->g_n > 0)
        close_group(b, now_us);
    b->g_n = 1;
    b->g_first_send = b->g_last_send = p->send_us;
    b->g_last_arrival = p->arrival_us;
}

static int64_t response_us(const yf_bwe *b)
{
    return (b->rtt_us ? b->rtt_us : 100000) + RESPONSE_EXTRA_US;
}

/* §5.5: A = 0.85 x what the receiver got, when it got clearly less than
 * we sent (under 90 %): that is the link's rate, and becomes its known
 * capacity. When it got all we sent at our rate, the link is not shown to
 * be narrower than the estimate (a forwarding server sends what publishers
 * send, often far below it, e.g. sound only): A = 0.85 x A. Never upwards;
 * at most once per response time while the overuse lasts. */
static void decrease(yf_bwe *b, int64_t now_us)
{
    bool narrower = b->acked_bps > 0 && b->sent_bps > 0 && b->acked_bps < 0.9 * b->sent_bps;
    double base = narrower || (b->acked_bps > 0 && b->sent_bps <= 0) ? b->acked_bps : b->delay_bps;
    if (narrower) {
        bool far = b->capacity_bps <= 0 || b->acked_bps < 0.5 * b->capacity_bps ||
                   b->acked_bps > 2 * b->capacity_bps;
        b->capacity_bps = far ? b->acked_bps : 0.8 * b->capacity_bps + 0.2 * b->acked_bps;
    }
    if (BETA * base < b->delay_bps)
        b->delay_bps = clamp_bps(b, BETA * base);
    b->last_decrease_us = now_us;
    b->decreases++;
}

static void increase(yf_bwe *b, double dt_s)
{
    if (b->capacity_bps > 0 && b->acked_bps > 1.5 * b->capacity_bps)
        b->capacity_bps = 0; /* the link got better than we knew it */
    bool near = b->capacity_bps > 0 && b->delay_bps >= NEAR_LOW * b->capacity_bps &&
                b->delay_bps < NEAR_HIGH * b->capacity_bps;
    if (near) {
        double add = PACKET_BITS * dt_s * 1e6 / (double)response_us(b);
        b->delay_bps += add < 1000 ? 1000 : add;
    } else {
        b->delay_bps *= 1 + GROWTH_PER_S * dt_s;
    }
    b->delay_bps = clamp_bps(b, b->delay_bps);
}

/* §5.5: the state machine of the rate control, then the rate. */
static void rate_control(yf_bwe *b, int64_t now_us)
{
    double dt_s = b->last_update_us ? (double)(now_us - b->last_update_us) / 1e6 : 0;
    b->last_update_us = now_us;
    if (dt_s < 0)
        dt_s = 0;
    if (dt_s > 1)
        dt_s = 1;
    switch (b->signal) {
    case YF_BWE_OVERUSE:
        if (!b->last_decrease_us || now_us - b->last_decrease_us >= response_us(b))
            decrease(b, now_us);
        b->state = YF_BWE_DECREASE;
        break;
    case YF_BWE_UNDERUSE:
        b->state = YF_BWE_HOLD;
        break;
    case YF_BWE_NORMAL:
        if (b->state == YF_BWE_DECREASE)
            b->state = YF_BWE_HOLD;
        else if (b->state == YF_BWE_HOLD)
            b->state = YF_BWE_INCREASE;
        else
            increase(b, dt_s);
        break;
    }
}

static void loss_control(yf_bwe *b, int64_t now_us)
{
    if (!b->loss_since_us)
        b->loss_since_us = now_us;
    bool full = b->loss_sent >= LOSS_WINDOW_PKTS ||
                (b->loss_sent >= LOSS_WINDOW_MIN_PKTS && now_us - b->loss_since_us >= LOSS_WINDOW_US);
    if (!full)
        return;
    double p = (double)b->loss_lost / b->loss_sent;
    b->loss_fraction = (uint8_t)(p * 255);
    /* A window of 100 packets at 5 % random loss goes over 10 % about once
     * in a hundred; what persists shows in the average. */
    b->loss_avg = b->loss_windows++ ? (2 * b->loss_avg + p) / 3 : p;
    if (p > LOSS_HIGH) {
        if (!b->last_loss_decrease_us || now_us - b->last_loss_decrease_us >= response_us(b)) {
            double base = estimate(b);
            if (b->acked_bps > 0 && b->acked_bps < base)
                base = b->acked_bps; /* an estimate never tested says nothing */
            b->loss_bps = clamp_bps(b, base * (1 - 0.5 * p));
            b->last_loss_decrease_us = now_us;
        }
    } else if (p < LOSS_LOW) {
        b->loss_bps = clamp_bps(b, b->loss_bps * LOSS_RELAX);
    }
    b->loss_sent = b->loss_lost = 0;
    b->loss_since_us = now_us;
}

void yf_bwe_on_probe(yf_bwe *b, int64_t now_us, int64_t recv_bps, double loss)
{
    if (recv_bps <= 0 || loss < 0 || loss > 1)
        return;
    /* Direct evidence, and the newest: a subscriber that gets nothing but
     * probes (audio only, its audio muted or not subscribed) has loss
     * windows from before its link came back, and nothing else refreshes
     * them. */
    b->loss_avg = loss;
    b->loss_fraction = (uint8_t)(loss * 255);
    b->loss_sent = b->loss_lost = 0;
    b->loss_since_us = now_us;
    if (recv_bps > b->loss_bps)
        b->loss_bps = clamp_bps(b, (double)recv_bps);
    if (recv_bps > b->delay_bps)
        b->delay_bps = clamp_bps(b, (double)recv_bps);
}

void yf_bwe_on_feedback(yf_bwe *b, int64_t now_us, const yf_twcc_result *pkts, size_t n)
{
    int64_t newest_send = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        const yf_twcc_result *p = &pkts[i];
        if (p->send_us > newest_send)
            newest_send = p->send_us;
        on_sent(b, p->send_us, p->size);
        b->packets++;
        /* A probe's packets (probe.h) tell the delay detector what the
         * link does with more; their loss is the probe's question, not
         * the link's state under what it carries: the probe judges it. */
        if (!p->cluster)
            b->loss_sent++;
        if (p->arrival_us == YF_TWCC_LOST) {
            b->lost++;
            if (!p->cluster)
                b->loss_lost++;
            continue;
        }
        on_received(b, now_us, p);
    }
    if (n > 0 && now_us >= newest_send) {
        int64_t s = now_us - newest_send;
        if (s > 2000000)
            s = 2000000;
        b->rtt_us = b->rtt_us ? (7 * b->rtt_us + s) / 8 : s;
    }
    b->feedbacks++;
    rate_control(b, now_us);
    loss_control(b, now_us);
}

void yf_bwe_get_stats(const yf_bwe *b, yf_bwe_stats *out)
{
    memset(out, 0, sizeof *out);
    out->estimate_bps = yf_bwe_estimate(b);
    out->delay_bps = (int64_t)b->delay_bps;
    out->loss_bps = (int64_t)b->loss_bps;
    out->acked_bps = (int64_t)b->acked_bps;
    out->sent_bps = (int64_t)b->sent_bps;
    out->rtt_us = b->rtt_us;
    out->state = b->state;
    out->signal = b->signal;
    out->trend = b->trend;
    out->threshold = b->threshold;
    out->loss_fraction = b->loss_fraction;
    out->loss_smoothed = (uint8_t)(b->loss_avg * 255);
    out->feedbacks = b->feedbacks;
    out->packets = b->packets;
    out->lost = b->lost;
    out->overuses = b->overuses;
    out->decreases = b->decreases;
}

const char *yf_bwe_state_name(yf_bwe_state s)
{
    return s == YF_BWE_HOLD ? "hold" : s == YF_BWE_DECREASE ? "decrease" : "increase";
}

const char *yf_bwe_signal_name(yf_bwe_signal s)
{
    return s == YF_BWE_OVERUSE ? "overuse" : s == YF_BWE_UNDERUSE ? "underuse" : "normal";
}
