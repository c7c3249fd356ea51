/* layer.h -- which video layer a subscriber gets, from its downlink
 * estimate (bwe.h) and the rates the publisher's layers measure: a pure
 * decision with hysteresis. Down at once when the current layer no longer
 * fits (the estimate under its need less a tolerance); up only when the
 * estimate has exceeded a higher layer's need by a margin for a while,
 * and longer after a move up that did not last (each failure doubles the
 * wait: the estimate of a link carrying a low layer is not tested by
 * it, and trying a higher one costs a burst of loss); audio only when even
 * the lowest layer does not fit, judged from the lowest layer (a move down
 * from a higher one lands there first, with its tolerance, and stays 2 s:
 * the feedback of those seconds still reports the higher layer's packets).
 * With probes (probe.h; yf_layer_set_probing), a move up is not made on
 * the estimate: at each wait's end (the same wait, doubled after each
 * failure) the choice asks for a probe of the next layer's rate (yf_layer_probe_wanted; one layer at a time, so that a
 * probe asks at most one step more of the link) and moves only on its
 * verdict (yf_layer_probe_result); a failed probe counts as a move up that
 * did not last, one that carried lets the next step follow quickly. And a subscriber's first layer is then the lowest: the
 * estimate starts at its ceiling, before any evidence, and only a probe
 * tells whether the link carries more, within a second.
 * Sans-IO: `now` in, a layer index out; no allocation. */
#ifndef YF_LAYER_H
#define YF_LAYER_H

#include <stdbool.h>
#include <stdint.h>

#define YF_LAYER_MAX 4
#define YF_LAYER_AUDIO_ONLY (-1)

/* Zero means "the default" for every field. */
typedef struct {
    int up_margin_pct;     /* going up needs estimate >= need x (100 + this) %: 20 */
    int down_margin_pct;   /* the current layer fits while estimate >= need x
                              (100 - this) %: 30. An overuse brings the
                              estimate to 0.85 x what was received over the
                              last 500 ms (bwe.h), which for bursty video can
                              be 10 % under the rate measured at the publisher:
                              a delay spike alone must not cost the picture,
                              a link that really cannot carry it also loses
                              packets and goes lower */
    int64_t up_hold_us;    /* ... continuously for this long: 3 s; doubled after
                              each move up that fell back within 10 s, up to
                              16 x; back to this after a layer held 10 s */
} yf_layer_config;

/* Invariant: current is YF_LAYER_AUDIO_ONLY or 0..YF_LAYER_MAX-1; target
 * and since_us describe a pending move up (target > current) or nothing
 * (since_us 0). */
typedef struct {
    yf_layer_config cfg;
    bool started;
    int current;
    int target;
    int64_t since_us;
    int64_t hold_us;       /* the wait for the next move up */
    int64_t up_at_us;      /* the last move up; 0 none */
    int64_t current_since_us; /* when current was chosen */
    bool probing;          /* moves up wait for a probe's verdict */
    int probe_layer;       /* the layer a probe is wanted or running for;
                              YF_LAYER_NO_PROBE none */
    bool probe_running;
    bool quick;            /* the next move up waits YF_LAYER_FIRST_HOLD_US:
                              the first, and each after a probe that carried */
    uint64_t downs, ups, failed_ups, probes_ok, probes_failed;
} yf_layer_choice;

#define YF_LAYER_NO_PROBE (-2)
#define YF_LAYER_FIRST_HOLD_US 700000 /* with probes, the first move up and
                                         the one after a probe that carried
                                         wait this long (a feedback and a
                                         round trip), not up_hold_us */

void yf_layer_init(yf_layer_choice *c, const yf_layer_config *cfg);

/* layer_bps[0..n) are the layers' rates, lowest first (0: not measured
 * yet, taken to fit); audio_bps what the subscriber's audio takes beside
 * them; estimate_bps the downlink estimate. Returns the layer to send
 * (0..n-1) or YF_LAYER_AUDIO_ONLY. The first call picks the highest layer
 * that fits (estimate >= need) at once; so does a move down, except that
 * one from above the lowest layer goes no lower than the lowest. n is
 * clamped to 1..YF_LAYER_MAX. */
int yf_layer_choose(yf_layer_choice *c, int64_t now_us, const int64_t *layer_bps, int n,
                    int64_t audio_bps, int64_t estimate_bps);

/* Whether moves up wait for probes; set before the first choice. */
void yf_layer_set_probing(yf_layer_choice *c, bool on);

/* A probe wanted and not yet running: true with *layer the layer to probe
 * for, and marks it running (the caller starts it). A move down while it
 * runs cancels it (probe_layer back to YF_LAYER_NO_PROBE: the caller drops
 * the probe when it sees that). */
bool yf_layer_probe_wanted(yf_layer_choice *c, int *layer);

/* The running probe's verdict: carried moves up to its layer now; not
 * carried waits longer (as a failed move up). */
void yf_layer_probe_result(yf_layer_choice *c, int64_t now_us, bool carried);

/* The wanted probe cannot be made yet (the layer's rate is not measured):
 * no verdict, the move up is asked again after the same wait. */
void yf_layer_probe_skip(yf_layer_choice *c);

#endif
