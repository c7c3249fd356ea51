/* probe.c -- the probe clusters of probe.h. The verdict compares what
 * arrived with what was asked: the cluster's receive rate against need_bps,
 * and its loss against 10 %. The receive rate is the rate the cluster was
 * sent at (its stamped bytes over their span) scaled by the dispersion the
 * bottleneck gave the train (the received packets' send span over their
 * arrival span) and by the share of the reported bytes that arrived. Both
 * the loss and that share count only the packets the receiver reported: a
 * feedback packet lost on the way back (5 % of them on a weak uplink)
 * leaves a stretch of the cluster unreported, which says nothing about the
 * downlink, so it is neither loss nor a gap in the train; a verdict needs
 * at least half the cluster, and YF_PROBE_MIN_PACKETS, reported. Media
 * bursts (a keyframe) make the send rate exceed the target and a busy
 * sender can fall short of it: the rate sent is measured, not assumed.
 * A cluster sent under need_bps that arrived whole and unstretched says
 * nothing about need_bps: not a failure of the link (SHORT). On a server
 * whose worker ticks come late (two cores shared with three browsers'
 * encoders) a third of the clusters went out so, and counting them as
 * failed doubled the wait for the next move up each time.
 * A receiver that stalls inside the train (a browser's network thread
 * descheduled for a few hundred ms on a machine as busy, the packets
 * waiting in its socket and then stamped together) stretches its arrival
 * span as a slow link would: "sent 237 kbit/s, received 99, none lost".
 * A bottleneck spaces every packet; a stall is one pause in an otherwise
 * unstretched train. A cluster that arrived at its send rate but for its
 * one longest pause says nothing about the link either (STALLED); nor does
 * one that arrived in under half the time it took to send (a stall through
 * most of it: everything stamped at once). Once: after a STALLED verdict
 * such clusters fail until one carries or is sent short, so a receiver
 * that always stalls, or a link that pauses in every train, is backed off
 * from as before. */
#include <string.h>
#include "common.h"
#include "probe.h"

#define MAX_LOSS_PCT 10
#define CARRIED_PCT 90          /* received at this share of the send rate: unstretched */
#define MIN_WAIT_US 600000      /* after the window: feedback awaited at least */
#define MAX_WAIT_US 2000000     /* and at most */
#define MAX_BURST_US 10000      /* a late tick pads at most this much at once */
#define STALL_MIN_US 50000      /* a pause shorter than this is jitter, not a stall */

void yf_probe_init(yf_probe *p)
{
    memset(p, 0, sizeof *p);
}

void yf_probe_start(yf_probe *p, int64_t now_us, int64_t target_bps, int64_t need_bps,
                    int64_t rtt_us)
{
    if (p->state != YF_PROBE_IDLE || target_bps <= 0)
        return;
    yf_probe_stats st = p->st;
    bool forgiven = p->forgiven;
    uint8_t cluster = (uint8_t)(p->cluster == 255 ? 1 : p->cluster + 1);
    memset(p, 0, sizeof *p);
    p->st = st;
    p->forgiven = forgiven;
    p->cluster = cluster;
    p->state = YF_PROBE_SENDING;
    p->start_us = now_us;
    p->end_us = now_us + YF_PROBE_WINDOW_US;
    int64_t wait = 2 * rtt_us + 300000;
    wait = wait < MIN_WAIT_US ? MIN_WAIT_US : wait > MAX_WAIT_US ? MAX_WAIT_US : wait;
    p->deadline_us = p->end_us + wait;
    p->target_bps = target_bps;
    p->need_bps = need_bps;
    p->st.probes++;
}

uint8_t yf_probe_cluster(yf_probe *p, int64_t now_us)
{
    if (p->state == YF_PROBE_SENDING && now_us >= p->end_us)
        p->state = YF_PROBE_WAITING;
    return p->state == YF_PROBE_SENDING ? p->cluster : 0;
}

void yf_probe_on_sent(yf_probe *p, int64_t now_us, size_t size, bool padding)
{
    if (p->sent_n == 0)
        p->first_stamp = now_us;
    p->last_stamp = now_us;
    p->last_stamp_size = (uint32_t)size;
    p->stamped_bytes += size;
    p->sent_bytes += size;
    p->sent_n++;
    if (padding) {
        p->st.padding_bytes += size;
        p->st.padding_packets++;
    }
}

size_t yf_probe_padding_due(yf_probe *p, int64_t now_us)
{
    if (!yf_probe_cluster(p, now_us))
        return 0;
    int64_t elapsed = now_us - p->start_us;
    int64_t floor_us = elapsed > MAX_BURST_US ? elapsed - MAX_BURST_US : 0;
    int64_t due = p->target_bps * elapsed / 8 / 1000000 - (int64_t)p->sent_bytes;
    /* a tick that came late sends its last MAX_BURST_US, not the backlog */
    int64_t late = p->target_bps * floor_us / 8 / 1000000 - (int64_t)p->sent_bytes;
    if (late > 0)
        p->sent_bytes += (uint64_t)late; /* owed, never sent: out of the count */
    if (late > 0)
        due -= late;
    return due > 0 ? (size_t)due : 0;
}

int64_t yf_probe_next_us(const yf_probe *p)
{
    switch (p->state) {
    case YF_PROBE_SENDING:
        return p->end_us; /* the window's close; padding ticks: see router_bwe.c */
    case YF_PROBE_WAITING:
        return p->deadline_us;
    default:
        return YF_TIME_NEVER;
    }
}

/* a - b in 32 bits, computed without overflow: a train spans well under a
 * second; what a receiver claims beyond ±17 minutes is held at that. */
static int32_t diff32(int64_t a, int64_t b)
{
    const int64_t lim = INT32_MAX / 2;
    if (a >= b)
        return (int32_t)((uint64_t)a - (uint64_t)b > (uint64_t)lim ? lim : a - b);
    return (int32_t)((uint64_t)b - (uint64_t)a > (uint64_t)lim ? -lim : a - b);
}

void yf_probe_on_feedback(yf_probe *p, int64_t now_us, const yf_twcc_result *r, size_t n)
{
    (void)yf_probe_cluster(p, now_us);
    if (p->state != YF_PROBE_SENDING && p->state != YF_PROBE_WAITING)
        return;
    for (size_t i = 0; i < n; i++) {
        if (r[i].cluster != p->cluster)
            continue;
        p->reported_n++;
        p->send_bytes += r[i].size;
        if (r[i].arrival_us == YF_TWCC_LOST) {
            p->lost_n++;
            continue;
        }
        uint32_t received = p->reported_n - p->lost_n - 1; /* before this one */
        if (received == 0 || r[i].arrival_us < p->first_arr)
            p->first_arr = r[i].arrival_us;
        if (received == 0 || r[i].arrival_us > p->last_arr)
            p->last_arr = r[i].arrival_us;
        if (received == 0 || r[i].send_us < p->first_recv_send)
            p->first_recv_send = r[i].send_us;
        if (received == 0 || r[i].send_us > p->last_recv_send)
            p->last_recv_send = r[i].send_us;
        p->recv_bytes += r[i].size;
        if (p->train_n < YF_PROBE_TRAIN_MAX) {
            if (p->train_n == 0)
                p->arr_base = r[i].arrival_us;
            p->train[p->train_n].send = diff32(r[i].send_us, p->start_us);
            p->train[p->train_n].arr = diff32(r[i].arrival_us, p->arr_base);
            p->train_n++;
        }
    }
}

/* Whether the train arrived at >= CARRIED_PCT of its send rate but for its
 * longest pause (arrival gap beyond the send gap, >= STALL_MIN_US): a stall
 * of the receiver, not a slower link. The train is cut at the pause and
 * each part's stretch (arrival span beyond send span) counted on its own,
 * never below zero: the packets the stall bunched together (their arrival
 * span shrinks to nothing) do not offset the stretch a slow link gave the
 * part before. A stall that begins before the link has shown its pace
 * hides it: such a train is forgiven, once. Needs every received packet
 * recorded (a train longer than YF_PROBE_TRAIN_MAX is not judged so). */
static bool stalled(yf_probe *p, uint32_t received)
{
    if (p->train_n != received || received < YF_PROBE_MIN_PACKETS || p->send_bytes == 0)
        return false;
    for (uint32_t i = 1; i < p->train_n; i++) { /* by send time; nearly sorted already */
        yf_probe_arrival x = p->train[i];
        uint32_t j = i;
        for (; j > 0 && p->train[j - 1].send > x.send; j--)
            p->train[j] = p->train[j - 1];
        p->train[j] = x;
    }
    int64_t pause = 0;
    uint32_t cut = 0; /* the first packet after the pause */
    for (uint32_t i = 1; i < p->train_n; i++) {
        int64_t excess = ((int64_t)p->train[i].arr - p->train[i - 1].arr) -
                         ((int64_t)p->train[i].send - p->train[i - 1].send);
        if (excess > pause) {
            pause = excess;
            cut = i;
        }
    }
    int64_t send_span = (int64_t)p->train[p->train_n - 1].send - p->train[0].send;
    if (pause < STALL_MIN_US || send_span <= 0)
        return false;
    int64_t stretch = 0;
    for (int part = 0; part < 2; part++) {
        uint32_t a = part ? cut : 0, b = part ? p->train_n - 1 : cut - 1;
        int64_t amin = p->train[a].arr, amax = p->train[a].arr;
        for (uint32_t i = a + 1; i <= b; i++) {
            amin = p->train[i].arr < amin ? p->train[i].arr : amin;
            amax = p->train[i].arr > amax ? p->train[i].arr : amax;
        }
        int64_t excess = (amax - amin) - ((int64_t)p->train[b].send - p->train[a].send);
        stretch += excess > 0 ? excess : 0;
    }
    /* the receive rate as verdict() computes it, the pause left out */
    double carried = (double)send_span / (double)(send_span + stretch) * (double)p->recv_bytes /
                     (double)p->send_bytes;
    return carried * 100 >= CARRIED_PCT;
}

static yf_probe_state verdict(yf_probe *p)
{
    uint32_t received = p->reported_n - p->lost_n;
    p->st.last_loss_pct = (uint8_t)(p->reported_n ? p->lost_n * 100 / p->reported_n : 100);
    p->st.last_sent_bps = p->last_stamp > p->first_stamp
        ? (int64_t)((p->stamped_bytes - p->last_stamp_size) * 8 * 1000000 /
                    (uint64_t)(p->last_stamp - p->first_stamp))
        : 0;
    /* the send rate, stretched as the bottleneck stretched the train, and
     * what of it arrived */
    int64_t send_span = p->last_recv_send - p->first_recv_send;
    int64_t arr_span = p->last_arr - p->first_arr;
    p->st.last_recv_bps = received >= 2 && send_span > 0 && arr_span > 0 && p->send_bytes > 0
        ? (int64_t)((double)p->st.last_sent_bps * (double)send_span / (double)arr_span *
                    (double)p->recv_bytes / (double)p->send_bytes)
        : 0;
    /* a train that arrived squeezed (a receiver that stalled through most of
     * it stamps it all at once) shows the link carried what was sent, no more */
    if (p->st.last_recv_bps > p->st.last_sent_bps)
        p->st.last_recv_bps = p->st.last_sent_bps;
    bool clean = p->reported_n >= YF_PROBE_MIN_PACKETS && p->reported_n * 2 >= p->sent_n &&
                 p->st.last_loss_pct <= MAX_LOSS_PCT;
    bool squeezed = received >= 2 && arr_span * 2 < send_span;
    if (clean && !squeezed && p->st.last_recv_bps >= p->need_bps) {
        p->st.ok++;
        p->forgiven = false;
        return YF_PROBE_OK;
    }
    if (clean && !squeezed && p->st.last_sent_bps < p->need_bps &&
        p->st.last_recv_bps >= p->st.last_sent_bps / 100 * CARRIED_PCT) {
        p->st.short_n++;
        p->forgiven = false;
        return YF_PROBE_SHORT;
    }
    if (clean && !p->forgiven && (squeezed || stalled(p, received))) {
        p->forgiven = true; /* until one carries or is sent short, stalls in a row fail */
        p->st.stalled++;
        return YF_PROBE_STALLED;
    }
    p->st.failed++;
    return YF_PROBE_FAILED;
}

yf_probe_state yf_probe_poll(yf_probe *p, int64_t now_us)
{
    (void)yf_probe_cluster(p, now_us);
    if (p->state == YF_PROBE_WAITING && (p->reported_n >= p->sent_n || now_us >= p->deadline_us))
        p->state = verdict(p);
    yf_probe_state s = p->state;
    if (s == YF_PROBE_OK || s == YF_PROBE_FAILED || s == YF_PROBE_SHORT || s == YF_PROBE_STALLED)
        p->state = YF_PROBE_IDLE;
    return s;
}

void yf_probe_cancel(yf_probe *p)
{
    if (p->state != YF_PROBE_IDLE)
        p->state = YF_PROBE_IDLE;
    p->forgiven = false;
}

void yf_probe_get_stats(const yf_probe *p, yf_probe_stats *out)
{
    *out = p->st;
}
