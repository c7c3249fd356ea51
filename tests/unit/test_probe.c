/* test_probe.c -- probe clusters (probe.h) against a simulated bottleneck:
 * the padding a window asks for, the verdict from the cluster's feedback
 * on a link that carries the rate, one that does not, one that loses, one
 * whose feedback never comes; a feedback packet lost on the way back (a
 * stretch of the cluster never reported) neither counted as loss nor as a
 * slower train, on a link that carries the rate and on one that does not;
 * packets of other clusters ignored; a late tick that does not send the
 * backlog; a sender whose ticks all come late (a busy server): no verdict
 * on a link that carried what it got, failed on one that did not; a
 * receiver that stalls inside the train: no verdict once, failed the next
 * time in a row, failed on a slow link however it stalls; cancel. */
#include "media/core/common.h"
#include "media/core/probe.h"
#include "yf_test.h"

#define MAX_PKTS 512

typedef struct {
    yf_twcc_result r[MAX_PKTS];
    size_t n;
} train;

/* Sends the window's padding (a tick every tick_us, packets of at most 275
 * bytes) through a bottleneck of link_bps (20 ms of latency, every
 * `lose_every`-th packet lost, 0: none); results in send order. */
static void send_ticks(yf_probe *p, int64_t start, int64_t tick_us, int64_t link_bps, int lose_every,
                       train *t)
{
    int64_t busy_until = 0;
    t->n = 0;
    for (int64_t now = start; yf_probe_cluster(p, now) != 0; now += tick_us) {
        size_t due = yf_probe_padding_due(p, now);
        while (due > 20 && t->n < MAX_PKTS) {
            size_t size = due > 275 ? 275 : due;
            yf_probe_on_sent(p, now, size, true);
            yf_twcc_result *r = &t->r[t->n++];
            int64_t begin = now > busy_until ? now : busy_until;
            busy_until = begin + (int64_t)size * 8 * 1000000 / link_bps;
            r->send_us = now;
            r->arrival_us = lose_every && t->n % (size_t)lose_every == 0 ? YF_TWCC_LOST : busy_until + 20000;
            r->size = (uint32_t)size;
            r->cluster = yf_probe_cluster(p, now);
            due -= size;
        }
    }
}

/* The same with ticks on time. */
static void send_window(yf_probe *p, int64_t start, int64_t link_bps, int lose_every, train *t)
{
    send_ticks(p, start, YF_PROBE_TICK_US, link_bps, lose_every, t);
}

static void test_carried(void)
{
    yf_probe p;
    train t;
    yf_probe_init(&p);
    CHECK_EQ_INT(yf_probe_cluster(&p, 0), 0);
    CHECK_EQ_INT(yf_probe_poll(&p, 0), YF_PROBE_IDLE);
    yf_probe_start(&p, 1000000, 1000000, 880000, 40000);
    CHECK_EQ_INT(yf_probe_poll(&p, 1000000), YF_PROBE_SENDING);
    CHECK(yf_probe_cluster(&p, 1000000) != 0);
    send_window(&p, 1000000, 2000000, 0, &t);
    /* about 1 Mbit/s for 200 ms: 25 000 bytes */
    CHECK(p.sent_bytes >= 24000 && p.sent_bytes <= 25500);
    CHECK_EQ_INT(yf_probe_poll(&p, 1000000 + YF_PROBE_WINDOW_US), YF_PROBE_WAITING);
    CHECK_EQ_INT(yf_probe_next_us(&p), p.deadline_us);
    /* the feedback in two parts: a verdict only when all of it is in */
    yf_probe_on_feedback(&p, 1300000, t.r, t.n / 2);
    CHECK_EQ_INT(yf_probe_poll(&p, 1300000), YF_PROBE_WAITING);
    yf_probe_on_feedback(&p, 1350000, t.r + t.n / 2, t.n - t.n / 2);
    CHECK_EQ_INT(yf_probe_poll(&p, 1350000), YF_PROBE_OK);
    CHECK_EQ_INT(yf_probe_poll(&p, 1350000), YF_PROBE_IDLE); /* once */
    yf_probe_stats st;
    yf_probe_get_stats(&p, &st);
    CHECK(st.last_recv_bps >= 900000 && st.last_recv_bps <= 1100000);
    CHECK_EQ_INT(st.probes, 1);
    CHECK_EQ_INT(st.ok, 1);
    CHECK_EQ_INT(st.last_loss_pct, 0);
    CHECK_EQ_INT(st.padding_packets, t.n);
}

static void test_not_carried(void)
{
    yf_probe p;
    train t;
    yf_probe_init(&p);
    yf_probe_start(&p, 0, 1000000, 880000, 0);
    send_window(&p, 0, 300000, 0, &t);
    yf_probe_on_feedback(&p, 900000, t.r, t.n);
    CHECK_EQ_INT(yf_probe_poll(&p, 900000), YF_PROBE_FAILED);
    yf_probe_stats st;
    yf_probe_get_stats(&p, &st);
    /* the train arrives at the bottleneck's rate */
    CHECK(st.last_recv_bps >= 280000 && st.last_recv_bps <= 320000);
    CHECK_EQ_INT(st.failed, 1);
    /* the next probe is a new cluster */
    uint8_t first = p.cluster;
    yf_probe_start(&p, 2000000, 400000, 350000, 0);
    CHECK(p.cluster != first && p.cluster != 0);
}

static void test_lossy(void)
{
    yf_probe p;
    train t;
    yf_probe_init(&p);
    yf_probe_start(&p, 0, 1000000, 880000, 0);
    send_window(&p, 0, 5000000, 5, &t); /* fast, but every 5th lost: 20 % */
    yf_probe_on_feedback(&p, 500000, t.r, t.n);
    CHECK_EQ_INT(yf_probe_poll(&p, 500000), YF_PROBE_FAILED);
    CHECK(p.st.last_loss_pct >= 19 && p.st.last_loss_pct <= 20);
}

static void test_no_feedback(void)
{
    yf_probe p;
    train t;
    yf_probe_init(&p);
    yf_probe_start(&p, 0, 1000000, 880000, 100000);
    send_window(&p, 0, 5000000, 0, &t);
    /* a third of the feedback, then nothing: the deadline decides, and
     * under half the cluster reported is no verdict of "carried" */
    yf_probe_on_feedback(&p, 300000, t.r, t.n / 3);
    CHECK_EQ_INT(yf_probe_poll(&p, p.deadline_us - 1), YF_PROBE_WAITING);
    CHECK_EQ_INT(yf_probe_poll(&p, p.deadline_us), YF_PROBE_FAILED);
    CHECK_EQ_INT(p.st.last_loss_pct, 0); /* unreported is not lost */
}

/* The cluster's feedback with results [from, to) left out: the feedback
 * packet that carried them lost on the uplink. */
static void feedback_but(yf_probe *p, int64_t now, const train *t, size_t from, size_t to)
{
    yf_probe_on_feedback(p, now, t->r, from);
    yf_probe_on_feedback(p, now, t->r + to, t->n - to);
}

static void test_feedback_lost(void)
{
    yf_probe p;
    train t;
    yf_probe_stats st;
    /* a link that carries the rate, a quarter of the feedback lost in the
     * middle of the train: carried, at the rate sent, no loss */
    yf_probe_init(&p);
    yf_probe_start(&p, 0, 1000000, 880000, 0);
    send_window(&p, 0, 2000000, 0, &t);
    feedback_but(&p, 300000, &t, t.n * 3 / 8, t.n * 5 / 8);
    CHECK_EQ_INT(yf_probe_poll(&p, 300000), YF_PROBE_WAITING); /* the rest may come */
    CHECK_EQ_INT(yf_probe_poll(&p, p.deadline_us), YF_PROBE_OK);
    yf_probe_get_stats(&p, &st);
    CHECK(st.last_recv_bps >= 900000 && st.last_recv_bps <= 1100000);
    CHECK_EQ_INT(st.last_loss_pct, 0);
    /* the end of the train unreported: the same */
    yf_probe_start(&p, 2000000, 1000000, 880000, 0);
    send_window(&p, 2000000, 2000000, 0, &t);
    feedback_but(&p, 2300000, &t, t.n * 3 / 4, t.n);
    CHECK_EQ_INT(yf_probe_poll(&p, p.deadline_us), YF_PROBE_OK);
    /* a link of 300 kbit/s with the same gap: still its own rate */
    yf_probe_start(&p, 4000000, 1000000, 880000, 0);
    send_window(&p, 4000000, 300000, 0, &t);
    feedback_but(&p, 4900000, &t, t.n * 3 / 8, t.n * 5 / 8);
    CHECK_EQ_INT(yf_probe_poll(&p, p.deadline_us), YF_PROBE_FAILED);
    yf_probe_get_stats(&p, &st);
    CHECK(st.last_recv_bps >= 280000 && st.last_recv_bps <= 320000);
    /* a link that loses a fifth, with the gap: the loss of what was told */
    yf_probe_start(&p, 6000000, 1000000, 880000, 0);
    send_window(&p, 6000000, 5000000, 5, &t);
    feedback_but(&p, 6300000, &t, t.n / 4, t.n / 2);
    CHECK_EQ_INT(yf_probe_poll(&p, p.deadline_us), YF_PROBE_FAILED);
    yf_probe_get_stats(&p, &st);
    CHECK(st.last_loss_pct >= 17 && st.last_loss_pct <= 23);
    CHECK_EQ_INT(st.ok, 2);
    CHECK_EQ_INT(st.failed, 2);
}

static void test_other_clusters(void)
{
    yf_probe p;
    train t;
    yf_probe_init(&p);
    yf_probe_start(&p, 0, 1000000, 880000, 0);
    send_window(&p, 0, 300000, 0, &t);
    /* the same packets told as another cluster's, or as no cluster's:
     * nothing counted */
    for (size_t i = 0; i < t.n; i++)
        t.r[i].cluster = (uint8_t)(i % 2 ? 0 : p.cluster + 1);
    yf_probe_on_feedback(&p, 500000, t.r, t.n);
    CHECK_EQ_INT(p.reported_n, 0);
    CHECK_EQ_INT(yf_probe_poll(&p, 500000), YF_PROBE_WAITING);
    /* too few reported by the deadline: failed */
    CHECK_EQ_INT(yf_probe_poll(&p, p.deadline_us), YF_PROBE_FAILED);
}

static void test_sender_short(void)
{
    yf_probe p;
    train t;
    yf_probe_stats st;
    /* ticks every 25 ms, each padding only its last 10 ms: about 400 of
     * the 1000 kbit/s asked went out, all arrived as sent: no verdict */
    yf_probe_init(&p);
    yf_probe_start(&p, 0, 1000000, 880000, 0);
    send_ticks(&p, 0, 25000, 2000000, 0, &t);
    yf_probe_on_feedback(&p, 500000, t.r, t.n);
    CHECK_EQ_INT(yf_probe_poll(&p, 500000), YF_PROBE_SHORT);
    CHECK_EQ_INT(yf_probe_poll(&p, 500000), YF_PROBE_IDLE); /* once */
    yf_probe_get_stats(&p, &st);
    CHECK(st.last_sent_bps >= 350000 && st.last_sent_bps <= 500000);
    CHECK_EQ_INT(st.short_n, 1);
    CHECK_EQ_INT(st.failed, 0);
    /* the same sender on a link of 200 kbit/s: the train stretched, so
     * the link carries less than was sent, and less than asked: failed */
    yf_probe_start(&p, 1000000, 1000000, 880000, 0);
    send_ticks(&p, 1000000, 25000, 200000, 0, &t);
    yf_probe_on_feedback(&p, 2000000, t.r, t.n);
    CHECK_EQ_INT(yf_probe_poll(&p, 2000000), YF_PROBE_FAILED);
    /* and on a link that loses a fifth of it: failed */
    yf_probe_start(&p, 3000000, 1000000, 880000, 0);
    send_ticks(&p, 3000000, 25000, 2000000, 5, &t);
    yf_probe_on_feedback(&p, 3500000, t.r, t.n);
    CHECK_EQ_INT(yf_probe_poll(&p, 3500000), YF_PROBE_FAILED);
    /* late ticks that still send the rate asked: a verdict as usual */
    yf_probe_start(&p, 5000000, 400000, 350000, 0);
    send_ticks(&p, 5000000, 10000, 2000000, 0, &t);
    yf_probe_on_feedback(&p, 5500000, t.r, t.n);
    CHECK_EQ_INT(yf_probe_poll(&p, 5500000), YF_PROBE_OK);
    yf_probe_get_stats(&p, &st);
    CHECK_EQ_INT(st.short_n, 1);
    CHECK_EQ_INT(st.failed, 2);
    CHECK_EQ_INT(st.ok, 1);
}

/* The receiver stalls from send time `from` for stall_us: every packet
 * that would arrive inside the stall is stamped at its end, together. */
static void stall(train *t, int64_t from, int64_t stall_us)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->r[i].arrival_us != YF_TWCC_LOST && t->r[i].arrival_us >= from && t->r[i].arrival_us < from + stall_us)
            t->r[i].arrival_us = from + stall_us;
}

/* A probe of 1 Mbit/s (880 kbit/s needed) from `start` over a link of
 * link_bps whose receiver stalls stall_us from start + stall_at (0: no
 * stall); its verdict once all the feedback is in. */
static yf_probe_state stall_probe(yf_probe *p, int64_t start, int64_t link_bps, int64_t stall_at,
                                  int64_t stall_us)
{
    train t;
    yf_probe_start(p, start, 1000000, 880000, 0);
    send_window(p, start, link_bps, 0, &t);
    if (stall_us)
        stall(&t, start + stall_at, stall_us);
    yf_probe_on_feedback(p, start + 900000, t.r, t.n);
    return yf_probe_poll(p, start + 900000);
}

static void test_receiver_stall(void)
{
    yf_probe p;
    yf_probe_stats st;
    yf_probe_init(&p);
    /* a link that carries the rate; the receiver stalls 300 ms from the
     * middle of the train: the span stretched to about twice, as a link of
     * half the rate would, but in one pause: no verdict */
    CHECK_EQ_INT(stall_probe(&p, 0, 2000000, 120000, 300000), YF_PROBE_STALLED);
    yf_probe_get_stats(&p, &st);
    CHECK(st.last_recv_bps < 880000); /* what first/last alone would have failed */
    CHECK_EQ_INT(st.stalled, 1);
    CHECK_EQ_INT(st.failed, 0);
    /* the same again, at once: a receiver (or a link) that pauses in every
     * train is backed off from: failed */
    CHECK_EQ_INT(stall_probe(&p, 1000000, 2000000, 150000, 300000), YF_PROBE_FAILED);
    /* a clean probe in between makes the next stall forgiven again; the
     * last packets stamped late (the stall at the end) are one too */
    CHECK_EQ_INT(stall_probe(&p, 2000000, 2000000, 0, 0), YF_PROBE_OK);
    CHECK_EQ_INT(stall_probe(&p, 3000000, 2000000, 190000, 250000), YF_PROBE_STALLED);
    /* a link of 300 kbit/s whose receiver also stalls: the train is
     * stretched besides the pause: failed */
    CHECK_EQ_INT(stall_probe(&p, 5000000, 300000, 150000, 300000), YF_PROBE_FAILED);
    /* a pause of 30 ms is a link's jitter, not a stall: judged as usual
     * (carried here) */
    CHECK_EQ_INT(stall_probe(&p, 7000000, 2000000, 120000, 30000), YF_PROBE_OK);
    yf_probe_get_stats(&p, &st);
    CHECK_EQ_INT(st.stalled, 2);
    CHECK_EQ_INT(st.failed, 2);
    CHECK_EQ_INT(st.ok, 2);
    /* stalls in every train: forgiven once, then failed each time (the
     * wait doubles every time, not every other) until one carries */
    CHECK_EQ_INT(stall_probe(&p, 9000000, 2000000, 100000, 300000), YF_PROBE_STALLED);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(stall_probe(&p, 10000000 + i * 1000000, 2000000, 100000, 300000), YF_PROBE_FAILED);
    /* a link of half the rate, the receiver stalling 400 ms once the link
     * has shown its pace: the packets the stall bunched do not hide the
     * stretch of the others: failed, not forgiven */
    for (int64_t at = 100000; at <= 160000; at += 20000) {
        CHECK_EQ_INT(stall_probe(&p, 14000000, 2000000, 0, 0), YF_PROBE_OK);
        CHECK_EQ_INT(stall_probe(&p, 15000000, 500000, at, 400000), YF_PROBE_FAILED);
    }
    /* a stall through the whole train (everything stamped at once) is no
     * evidence of any rate: not carried at an absurd one, no verdict once */
    CHECK_EQ_INT(stall_probe(&p, 16000000, 2000000, 0, 0), YF_PROBE_OK);
    CHECK_EQ_INT(stall_probe(&p, 17000000, 500000, 0, 900000), YF_PROBE_STALLED);
    yf_probe_get_stats(&p, &st);
    CHECK(st.last_recv_bps <= st.last_sent_bps);
}

static void test_padding_due(void)
{
    yf_probe p;
    yf_probe_init(&p);
    CHECK_EQ_INT(yf_probe_padding_due(&p, 0), 0);
    yf_probe_start(&p, 0, 800000, 700000, 0); /* 100 bytes a ms */
    CHECK_EQ_INT(yf_probe_padding_due(&p, 5000), 500);
    /* media counts: a 1200-byte packet covers the next 12 ms */
    yf_probe_on_sent(&p, 5000, 500, true);
    yf_probe_on_sent(&p, 5000, 1200, false);
    CHECK_EQ_INT(yf_probe_padding_due(&p, 10000), 0);
    CHECK_EQ_INT(yf_probe_padding_due(&p, 20000), 300);
    /* a tick 60 ms late: the last 10 ms only */
    yf_probe_on_sent(&p, 20000, 300, true);
    CHECK_EQ_INT(yf_probe_padding_due(&p, 80000), 1000);
    CHECK_EQ_INT(p.st.padding_packets, 2);
    CHECK_EQ_INT(p.st.padding_bytes, 800);
    /* the window's end: nothing more */
    CHECK_EQ_INT(yf_probe_padding_due(&p, YF_PROBE_WINDOW_US), 0);
    CHECK_EQ_INT(yf_probe_cluster(&p, YF_PROBE_WINDOW_US), 0);
    CHECK_EQ_INT(p.state, YF_PROBE_WAITING);
}

static void test_cancel(void)
{
    yf_probe p;
    yf_probe_init(&p);
    yf_probe_start(&p, 0, 800000, 700000, 0);
    /* a second start while one runs is ignored */
    uint8_t c = p.cluster;
    yf_probe_start(&p, 1000, 100000, 90000, 0);
    CHECK_EQ_INT(p.cluster, c);
    CHECK_EQ_INT(p.target_bps, 800000);
    yf_probe_cancel(&p);
    CHECK_EQ_INT(yf_probe_cluster(&p, 2000), 0);
    CHECK_EQ_INT(yf_probe_poll(&p, 2000), YF_PROBE_IDLE);
    CHECK_EQ_INT(yf_probe_next_us(&p), YF_TIME_NEVER);
    /* a target of 0 starts nothing */
    yf_probe_start(&p, 3000, 0, 0, 0);
    CHECK_EQ_INT(p.state, YF_PROBE_IDLE);
}

int main(void)
{
    test_carried();
    test_not_carried();
    test_lossy();
    test_no_feedback();
    test_feedback_lost();
    test_other_clusters();
    test_sender_short();
    test_receiver_stall();
    test_padding_due();
    test_cancel();
    return yf_test_done("test_probe");
}
