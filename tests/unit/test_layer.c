/* test_layer.c -- the layer choice (layer.h) on a simulated estimate curve:
 * three layers (150 k, 500 k, 1.2 M) and 40 k of audio; the estimate rises,
 * falls under the lowest layer and comes back. Down at once, up only after
 * the margin held for the hold time, audio only below the lowest layer;
 * a dip within the tolerance keeps the layer. */
#include "media/core/layer.h"
#include "yf_test.h"

static const int64_t layers[] = { 150000, 500000, 1200000 };

static void test_curve(void)
{
    yf_layer_choice c;
    yf_layer_init(&c, NULL);
    /* first call: the best that fits, at once */
    CHECK_EQ_INT(yf_layer_choose(&c, 0, layers, 3, 40000, 800000), 1);
    /* 2 Mbit/s: layer 2 needs 1.24 M (x 1.2 = 1.488 M): only after 3 s */
    int64_t t = 100000;
    for (; t < 3000000; t += 100000)
        CHECK_EQ_INT(yf_layer_choose(&c, t, layers, 3, 40000, 2000000), 1);
    CHECK_EQ_INT(yf_layer_choose(&c, 3100000, layers, 3, 40000, 2000000), 2);
    CHECK_EQ_INT(c.ups, 1);
    /* a dip under layer 2's need (1.24 M) stays within the 30 %
     * tolerance; one under 868 k goes down at once, to layer 1 */
    CHECK_EQ_INT(yf_layer_choose(&c, 3150000, layers, 3, 40000, 870000), 2);
    CHECK_EQ_INT(yf_layer_choose(&c, 3200000, layers, 3, 40000, 860000), 1);
    /* under the lowest layer's 190 k: first to the lowest layer (its
     * tolerance goes down to 133 k), then, under that, audio only */
    CHECK_EQ_INT(yf_layer_choose(&c, 3300000, layers, 3, 40000, 180000), 0);
    /* ... after 2 s there: the feedback of those seconds still tells of
     * the higher layer */
    CHECK_EQ_INT(yf_layer_choose(&c, 3350000, layers, 3, 40000, 120000), 0);
    CHECK_EQ_INT(yf_layer_choose(&c, 5250000, layers, 3, 40000, 120000), 0);
    CHECK_EQ_INT(yf_layer_choose(&c, 5350000, layers, 3, 40000, 120000), YF_LAYER_AUDIO_ONLY);
    CHECK_EQ_INT(c.downs, 3);
    /* back above 190 k but not by the margin (228 k): stays audio only */
    for (t = 5400000; t < 10000000; t += 100000)
        CHECK_EQ_INT(yf_layer_choose(&c, t, layers, 3, 40000, 220000), YF_LAYER_AUDIO_ONLY);
    /* above the margin, but one sample under it restarts the wait */
    CHECK_EQ_INT(yf_layer_choose(&c, 10000000, layers, 3, 40000, 300000), YF_LAYER_AUDIO_ONLY);
    CHECK_EQ_INT(yf_layer_choose(&c, 12000000, layers, 3, 40000, 300000), YF_LAYER_AUDIO_ONLY);
    CHECK_EQ_INT(yf_layer_choose(&c, 12100000, layers, 3, 40000, 200000), YF_LAYER_AUDIO_ONLY);
    CHECK_EQ_INT(yf_layer_choose(&c, 12200000, layers, 3, 40000, 300000), YF_LAYER_AUDIO_ONLY);
    CHECK_EQ_INT(yf_layer_choose(&c, 15100000, layers, 3, 40000, 300000), YF_LAYER_AUDIO_ONLY);
    CHECK_EQ_INT(yf_layer_choose(&c, 15200000, layers, 3, 40000, 300000), 0);
    /* a rising estimate: after the hold, the layer covered all along (1),
     * not the one reached at the end (2) */
    CHECK_EQ_INT(yf_layer_choose(&c, 16000000, layers, 3, 40000, 700000), 0);
    CHECK_EQ_INT(yf_layer_choose(&c, 18000000, layers, 3, 40000, 2000000), 0);
    CHECK_EQ_INT(yf_layer_choose(&c, 19000000, layers, 3, 40000, 2000000), 1);
    /* the wait for the next layer starts after the move */
    CHECK_EQ_INT(yf_layer_choose(&c, 19100000, layers, 3, 40000, 2000000), 1);
    CHECK_EQ_INT(yf_layer_choose(&c, 22000000, layers, 3, 40000, 2000000), 1);
    CHECK_EQ_INT(yf_layer_choose(&c, 22100000, layers, 3, 40000, 2000000), 2);
}

/* A move up that falls back within 10 s doubles the next wait (3, 6,
 * 12 s ...); a layer held longer brings the wait back to 3 s. */
static void test_backoff(void)
{
    yf_layer_choice c;
    yf_layer_init(&c, NULL);
    int64_t t = 0;
    CHECK_EQ_INT(yf_layer_choose(&c, t, layers, 3, 40000, 300000), 0);
    int64_t waits[3];
    for (int round = 0; round < 3; round++) {
        int64_t from = t + 100000;
        for (t = from; yf_layer_choose(&c, t, layers, 3, 40000, 800000) == 0 && t < from + 60000000;)
            t += 100000;
        waits[round] = t - from;
        t += 1000000; /* a second later the link shows it cannot */
        CHECK_EQ_INT(yf_layer_choose(&c, t, layers, 3, 40000, 150000), 0);
    }
    CHECK(waits[0] >= 3000000 && waits[0] < 3200000);
    CHECK(waits[1] >= 6000000 && waits[1] < 6200000);
    CHECK(waits[2] >= 12000000 && waits[2] < 12200000);
    CHECK_EQ_INT(c.failed_ups, 3);
    /* up after 24 s, and this time the layer lasts: the wait is 3 s again */
    int64_t from = t + 100000;
    for (t = from; yf_layer_choose(&c, t, layers, 3, 40000, 800000) == 0;)
        t += 100000;
    CHECK(t - from >= 24000000 && t - from < 24200000);
    t += 20000000;
    CHECK_EQ_INT(yf_layer_choose(&c, t, layers, 3, 40000, 150000), 0);
    from = t + 100000;
    for (t = from; yf_layer_choose(&c, t, layers, 3, 40000, 800000) == 0;)
        t += 100000;
    CHECK(t - from >= 3000000 && t - from < 3200000);
}

/* One layer (no simulcast): video or audio only; an unmeasured layer fits. */
static void test_single(void)
{
    yf_layer_choice c;
    int64_t one = 0;
    yf_layer_init(&c, &(yf_layer_config){ .up_margin_pct = 10, .up_hold_us = 1000000 });
    CHECK_EQ_INT(yf_layer_choose(&c, 0, &one, 1, 0, 30000), 0);
    one = 1000000;
    CHECK_EQ_INT(yf_layer_choose(&c, 1, &one, 1, 50000, 740000), 0);   /* 0.705 x need */
    CHECK_EQ_INT(yf_layer_choose(&c, 1, &one, 1, 50000, 730000), YF_LAYER_AUDIO_ONLY);
    CHECK_EQ_INT(yf_layer_choose(&c, 2, &one, 1, 50000, 1200000), YF_LAYER_AUDIO_ONLY);
    CHECK_EQ_INT(yf_layer_choose(&c, 1000002, &one, 1, 50000, 1200000), 0);
    /* n out of range is clamped */
    CHECK_EQ_INT(yf_layer_choose(&c, 1000003, &one, 0, 50000, 1200000), 0);
}

/* One layer: a video resumed on a link that still cannot carry it, and
 * paused again within 10 s, waits twice as long before the next resume
 * (3, then 6 s), and once a resume has held 10 s the wait is 3 s again. */
static void test_backoff_single(void)
{
    yf_layer_choice c;
    int64_t one = 1000000, t = 0;
    yf_layer_init(&c, NULL);
    CHECK_EQ_INT(yf_layer_choose(&c, t, &one, 1, 50000, 300000), YF_LAYER_AUDIO_ONLY);
    int64_t waits[2];
    for (int round = 0; round < 2; round++) {
        int64_t from = t + 100000;
        for (t = from; yf_layer_choose(&c, t, &one, 1, 50000, 1500000) == YF_LAYER_AUDIO_ONLY && t < from + 60000000;)
            t += 100000;
        waits[round] = t - from;
        t += 2000000;
        CHECK_EQ_INT(yf_layer_choose(&c, t, &one, 1, 50000, 300000), YF_LAYER_AUDIO_ONLY);
    }
    CHECK(waits[0] >= 3000000 && waits[0] < 3200000);
    CHECK(waits[1] >= 6000000 && waits[1] < 6200000);
    CHECK_EQ_INT(c.failed_ups, 2);
    /* up after 12 s; it holds for 15 s, then the link fails: 3 s again */
    int64_t from = t + 100000;
    for (t = from; yf_layer_choose(&c, t, &one, 1, 50000, 1500000) == YF_LAYER_AUDIO_ONLY;)
        t += 100000;
    CHECK(t - from >= 12000000 && t - from < 12200000);
    t += 15000000;
    CHECK_EQ_INT(yf_layer_choose(&c, t, &one, 1, 50000, 1500000), 0);
    CHECK_EQ_INT(yf_layer_choose(&c, t + 100000, &one, 1, 50000, 300000), YF_LAYER_AUDIO_ONLY);
    from = t + 200000;
    for (t = from; yf_layer_choose(&c, t, &one, 1, 50000, 1500000) == YF_LAYER_AUDIO_ONLY;)
        t += 100000;
    CHECK(t - from >= 3000000 && t - from < 3200000);
}

/* A failed move up doubles the wait; a later move up that holds 10 s brings
 * the wait for the next one (to a higher layer) back to 3 s, without a move
 * down in between. */
static void test_backoff_reset_on_hold(void)
{
    yf_layer_choice c;
    yf_layer_init(&c, NULL);
    int64_t t = 0;
    CHECK_EQ_INT(yf_layer_choose(&c, t, layers, 3, 40000, 300000), 0);
    int64_t from = t + 100000;
    for (t = from; yf_layer_choose(&c, t, layers, 3, 40000, 800000) == 0;)
        t += 100000;
    t += 1000000;
    CHECK_EQ_INT(yf_layer_choose(&c, t, layers, 3, 40000, 150000), 0); /* failed: next wait 6 s */
    from = t + 100000;
    for (t = from; yf_layer_choose(&c, t, layers, 3, 40000, 800000) == 0;)
        t += 100000;
    CHECK(t - from >= 6000000 && t - from < 6200000);
    int at = c.current;
    CHECK(at > 0);
    /* it holds 12 s at that layer, then the top layer fits: 3 s */
    for (int64_t end = t + 12000000; t < end; t += 100000)
        CHECK_EQ_INT(yf_layer_choose(&c, t, layers, 3, 40000, 800000), at);
    from = t;
    for (; yf_layer_choose(&c, t, layers, 3, 40000, 100000000) == at && t < from + 60000000;)
        t += 100000;
    CHECK(t - from >= 3000000 && t - from < 3200000);
}

/* With probes: the lowest layer first; each move up one layer at a time,
 * only on a probe's verdict (the first 0.7 s after the start, the next
 * 0.7 s after a probe that carried); a failed probe waits as a failed move
 * up (3 s, then twice that); a move down cancels a probe; a probe that
 * cannot be made yet is asked again. */
static void test_probing(void)
{
    const int64_t T0 = 1000000; /* times are monotonic clock readings, never 0 */
    yf_layer_choice c;
    int layer = -5;
    yf_layer_init(&c, NULL);
    yf_layer_set_probing(&c, true);
    CHECK(!yf_layer_probe_wanted(&c, &layer));
    /* the estimate at its ceiling: still the lowest, a probe after 0.7 s */
    CHECK_EQ_INT(yf_layer_choose(&c, T0 + 0, layers, 3, 40000, 20000000), 0);
    CHECK_EQ_INT(yf_layer_choose(&c, T0 + 600000, layers, 3, 40000, 20000000), 0);
    CHECK(!yf_layer_probe_wanted(&c, &layer));
    CHECK_EQ_INT(yf_layer_choose(&c, T0 + 700000, layers, 3, 40000, 20000000), 0);
    CHECK(yf_layer_probe_wanted(&c, &layer));
    CHECK_EQ_INT(layer, 1); /* one step, not the layer the estimate allows */
    CHECK(!yf_layer_probe_wanted(&c, &layer)); /* running: asked once */
    /* while it runs the layer stays */
    CHECK_EQ_INT(yf_layer_choose(&c, T0 + 800000, layers, 3, 40000, 20000000), 0);
    yf_layer_probe_result(&c, T0 + 900000, true);
    CHECK_EQ_INT(c.current, 1);
    CHECK_EQ_INT(c.probes_ok, 1);
    /* carried: the next step 0.7 s on */
    CHECK_EQ_INT(yf_layer_choose(&c, T0 + 1000000, layers, 3, 40000, 20000000), 1);
    CHECK_EQ_INT(yf_layer_choose(&c, T0 + 1600000, layers, 3, 40000, 20000000), 1);
    CHECK(!yf_layer_probe_wanted(&c, &layer));
    CHECK_EQ_INT(yf_layer_choose(&c, T0 + 1700000, layers, 3, 40000, 20000000), 1);
    CHECK(yf_layer_probe_wanted(&c, &layer));
    CHECK_EQ_INT(layer, 2);
    yf_layer_probe_result(&c, T0 + 1900000, false);
    CHECK_EQ_INT(c.current, 1);
    CHECK_EQ_INT(c.probes_failed, 1);
    CHECK_EQ_INT(c.failed_ups, 1);
    /* failed: the next probe 6 s after the wish starts again */
    int64_t t = T0 + 2000000;
    CHECK_EQ_INT(yf_layer_choose(&c, t, layers, 3, 40000, 20000000), 1);
    for (t += 100000; t < T0 + 8000000; t += 100000) {
        CHECK_EQ_INT(yf_layer_choose(&c, t, layers, 3, 40000, 20000000), 1);
        CHECK(!yf_layer_probe_wanted(&c, &layer));
    }
    CHECK_EQ_INT(yf_layer_choose(&c, T0 + 8000000, layers, 3, 40000, 20000000), 1);
    CHECK(yf_layer_probe_wanted(&c, &layer));
    CHECK_EQ_INT(layer, 2);
    /* a fall while it runs: down at once, the probe dropped, its verdict ignored */
    CHECK_EQ_INT(yf_layer_choose(&c, T0 + 8100000, layers, 3, 40000, 200000), 0);
    CHECK_EQ_INT(c.probe_layer, YF_LAYER_NO_PROBE);
    yf_layer_probe_result(&c, T0 + 8200000, true);
    CHECK_EQ_INT(c.current, 0);
    /* a probe that cannot be made yet: asked again after the wait */
    t = T0 + 8300000;
    for (; !yf_layer_probe_wanted(&c, &layer) && t < T0 + 30000000; t += 100000)
        yf_layer_choose(&c, t, layers, 3, 40000, 20000000);
    CHECK_EQ_INT(layer, 1);
    yf_layer_probe_skip(&c);
    CHECK(!yf_layer_probe_wanted(&c, &layer));
    int64_t skipped = t;
    for (; !yf_layer_probe_wanted(&c, &layer) && t < T0 + 60000000; t += 100000)
        yf_layer_choose(&c, t, layers, 3, 40000, 20000000);
    CHECK(t - skipped >= 3000000);
    CHECK_EQ_INT(layer, 1);
}

/* From audio only, with probes: the way back to the lowest layer is a probe. */
static void test_probing_resume(void)
{
    yf_layer_choice c;
    int layer;
    int64_t one = 1000000;
    yf_layer_init(&c, &(yf_layer_config){ .up_hold_us = 1000000 });
    yf_layer_set_probing(&c, true);
    /* one layer: the first choice is what fits (no lower one to start on) */
    CHECK_EQ_INT(yf_layer_choose(&c, 0, &one, 1, 50000, 500000), YF_LAYER_AUDIO_ONLY);
    CHECK_EQ_INT(yf_layer_choose(&c, 100000, &one, 1, 50000, 2000000), YF_LAYER_AUDIO_ONLY);
    CHECK_EQ_INT(yf_layer_choose(&c, 1100000, &one, 1, 50000, 2000000), YF_LAYER_AUDIO_ONLY);
    CHECK(yf_layer_probe_wanted(&c, &layer));
    CHECK_EQ_INT(layer, 0);
    yf_layer_probe_result(&c, 1300000, true);
    CHECK_EQ_INT(yf_layer_choose(&c, 1400000, &one, 1, 50000, 2000000), 0);
}

int main(void)
{
    test_probing();
    test_probing_resume();
    test_curve();
    test_backoff();
    test_backoff_single();
    test_backoff_reset_on_hold();
    test_single();
    return yf_test_done("test_layer");
}
