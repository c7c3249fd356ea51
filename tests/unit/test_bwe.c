/* test_bwe.c -- the downlink estimator (bwe.h) on hand-made feedback:
 * a clean path lets it grow; a queue that grows with every group is
 * overuse and brings it under what the receiver got; heavy loss lowers the
 * loss bound, a few percent holds it, none relaxes it; absurd arrival
 * times (an untrusted receiver's) keep it within its bounds. */
#include "media/core/bwe.h"
#include "yf_test.h"

static yf_twcc_result pk[64];

/* One feedback of 10 groups (5 ms apart, 2 packets of 1200 bytes each),
 * starting at send time *t; arrival = send + base + extra_per_group * k;
 * every lose-th packet lost (0: none). */
static void feedback(yf_bwe *b, int64_t *t, int64_t base, int64_t extra_per_group, int lose,
                     int64_t *queue)
{
    size_t n = 0;
    for (int g = 0; g < 10; g++, *t += 10000) {
        *queue += extra_per_group;
        for (int k = 0; k < 2; k++, n++) {
            pk[n].send_us = *t + k * 100;
            pk[n].size = 1200;
            pk[n].arrival_us = *t + k * 100 + base + *queue;
            if (lose && n % (size_t)lose == 0)
                pk[n].arrival_us = YF_TWCC_LOST;
        }
    }
    yf_bwe_on_feedback(b, *t + base + 20000, pk, n);
}

static void test_clean_path_grows(void)
{
    yf_bwe b;
    yf_bwe_stats st;
    int64_t t = 1000000, q = 0;
    yf_bwe_init(&b, NULL);
    CHECK_EQ_INT(yf_bwe_estimate(&b), 1000000);
    for (int i = 0; i < 50; i++) /* 5 s */
        feedback(&b, &t, 30000, 0, 0, &q);
    yf_bwe_get_stats(&b, &st);
    CHECK_EQ_INT(st.signal, YF_BWE_NORMAL);
    CHECK_EQ_INT(st.state, YF_BWE_INCREASE);
    CHECK(st.estimate_bps > 1300000); /* 8 %/s for ~5 s */
    CHECK(st.estimate_bps < 1600000);
    CHECK_EQ_INT(st.acked_bps, 1920000); /* 2 x 1200 bytes every 10 ms */
    CHECK_EQ_INT(st.decreases, 0);
    CHECK(st.rtt_us > 40000 && st.rtt_us < 60000);
}

static void test_growing_delay_is_overuse(void)
{
    yf_bwe b;
    yf_bwe_stats st;
    int64_t t = 1000000, q = 0;
    yf_bwe_config cfg = { .initial_bps = 3000000 };
    yf_bwe_init(&b, &cfg);
    for (int i = 0; i < 10; i++)
        feedback(&b, &t, 30000, 0, 0, &q);
    /* each 10 ms group now arrives 1 ms later than the one before */
    for (int i = 0; i < 10; i++)
        feedback(&b, &t, 30000, 1000, 0, &q);
    yf_bwe_get_stats(&b, &st);
    CHECK(st.overuses >= 1);
    CHECK(st.decreases >= 1);
    CHECK(st.estimate_bps <= 1920000 * 85 / 100 + 1);
    CHECK(st.trend > 0);
    /* the queue stops growing and drains: hold, then increase again */
    int64_t low = st.estimate_bps;
    for (int i = 0; i < 60; i++)
        feedback(&b, &t, 30000, i < 5 ? -2000 : 0, 0, &q);
    yf_bwe_get_stats(&b, &st);
    CHECK_EQ_INT(st.signal, YF_BWE_NORMAL);
    CHECK(st.estimate_bps > low);
}

static void test_loss_bound(void)
{
    yf_bwe b;
    yf_bwe_stats st;
    int64_t t = 1000000, q = 0;
    yf_bwe_init(&b, NULL);
    for (int i = 0; i < 10; i++) /* 1 in 4 lost: 25 % */
        feedback(&b, &t, 30000, 0, 4, &q);
    yf_bwe_get_stats(&b, &st);
    CHECK(st.loss_bps < 1000000);
    CHECK(st.estimate_bps == st.loss_bps);
    CHECK(st.loss_fraction > 60 && st.loss_fraction < 66); /* 25 % of 255 */
    CHECK(st.loss_smoothed > 60 && st.loss_smoothed < 66);  /* every window at 25 % */
    int64_t bound = st.loss_bps;
    for (int i = 0; i < 20; i++) /* 1 in 20: 5 %, held */
        feedback(&b, &t, 30000, 0, 20, &q);
    yf_bwe_get_stats(&b, &st);
    CHECK_EQ_INT(st.loss_bps, bound);
    /* the average follows the 5 % windows down, a third of the way each */
    CHECK(st.loss_fraction > 11 && st.loss_fraction < 15);
    CHECK(st.loss_smoothed >= st.loss_fraction && st.loss_smoothed < 26);
    for (int i = 0; i < 20; i++) /* none: relaxes */
        feedback(&b, &t, 30000, 0, 0, &q);
    yf_bwe_get_stats(&b, &st);
    CHECK(st.loss_bps > bound * 2);
}

static void test_absurd_arrivals(void)
{
    yf_bwe b;
    yf_bwe_config cfg = { .min_bps = 50000, .max_bps = 5000000 };
    int64_t arrivals[] = { INT64_MAX / 4, -INT64_MAX / 4, 0, 5, 3000000000LL, -1 };
    yf_bwe_init(&b, &cfg);
    for (int r = 0; r < 200; r++) {
        for (int i = 0; i < 6; i++) {
            pk[i].send_us = r * 1000 + (i % 3) * 7000;
            pk[i].arrival_us = arrivals[(r + i) % 6] + r;
            pk[i].size = (uint32_t)(r * 977 + i);
        }
        yf_bwe_on_feedback(&b, r * 1000, pk, 6);
        CHECK(yf_bwe_estimate(&b) >= 50000 && yf_bwe_estimate(&b) <= 5000000);
    }
    yf_bwe_on_feedback(&b, 0, pk, 0);
    CHECK(yf_bwe_estimate(&b) >= 50000);
}

int main(void)
{
    test_clean_path_grows();
    test_growing_delay_is_overuse();
    test_loss_bound();
    test_absurd_arrivals();
    return yf_test_done("test_bwe");
}
