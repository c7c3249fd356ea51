/* layer.c -- the layer choice of layer.h: down at once, up after a margin
 * held for a while, audio only below the lowest layer. The asymmetry is
 * deliberate: a layer that does not fit fills the subscriber's queue and
 * freezes its picture within a second, while going up too early costs a
 * keyframe and an immediate fall back. */
#include <string.h>
#include "layer.h"

#define DEF(v, d) ((v) > 0 ? (v) : (d))

void yf_layer_init(yf_layer_choice *c, const yf_layer_config *cfg)
{
    memset(c, 0, sizeof *c);
    if (cfg)
        c->cfg = *cfg;
    c->cfg.up_margin_pct = DEF(c->cfg.up_margin_pct, 20);
    c->cfg.up_hold_us = DEF(c->cfg.up_hold_us, 3000000);
    c->cfg.down_margin_pct = DEF(c->cfg.down_margin_pct, 30);
    if (c->cfg.down_margin_pct > 90)
        c->cfg.down_margin_pct = 90;
    c->current = YF_LAYER_AUDIO_ONLY;
    c->hold_us = c->cfg.up_hold_us;
    c->probe_layer = YF_LAYER_NO_PROBE;
}

void yf_layer_set_probing(yf_layer_choice *c, bool on)
{
    c->probing = on;
}

#define FAILED_UP_US 10000000 /* a move up undone within this failed */
#define MAX_HOLD_FACTOR 16
#define SETTLE_US 2000000     /* the lowest layer alone, before audio only */

/* A move up that did not last (or a probe that failed): the next waits
 * twice as long. */
static void failed_up(yf_layer_choice *c)
{
    c->failed_ups++;
    c->hold_us = c->hold_us * 2 < c->cfg.up_hold_us * MAX_HOLD_FACTOR
                     ? c->hold_us * 2 : c->cfg.up_hold_us * MAX_HOLD_FACTOR;
}

/* A move down: the wait for the next move up doubles when it undoes a
 * recent move up, and starts again from the configured one otherwise. */
static void moved_down(yf_layer_choice *c, int64_t now_us)
{
    c->downs++;
    c->probe_layer = YF_LAYER_NO_PROBE;
    c->probe_running = false;
    c->quick = false;
    if (c->up_at_us && now_us - c->up_at_us < FAILED_UP_US) {
        failed_up(c);
    } else {
        c->hold_us = c->cfg.up_hold_us;
    }
    c->up_at_us = 0;
}

static void move_up(yf_layer_choice *c, int64_t now_us, int layer)
{
    c->current = layer;
    c->since_us = 0;
    c->ups++;
    c->up_at_us = now_us;
    c->current_since_us = now_us;
}

/* The highest layer whose need (times pct %) the estimate covers. */
static int best_fit(const int64_t *bps, int n, int64_t audio, int64_t est, int pct)
{
    int best = YF_LAYER_AUDIO_ONLY;
    for (int i = 0; i < n; i++) {
        int64_t need = bps[i] > 0 ? bps[i] + audio : 0;
        if (need / 100 * pct <= est)
            best = i;
    }
    return best;
}

int yf_layer_choose(yf_layer_choice *c, int64_t now_us, const int64_t *layer_bps, int n,
                    int64_t audio_bps, int64_t estimate_bps)
{
    n = n < 1 ? 1 : n > YF_LAYER_MAX ? YF_LAYER_MAX : n;
    int fits = best_fit(layer_bps, n, audio_bps, estimate_bps, 100);
    bool keeps = c->current == YF_LAYER_AUDIO_ONLY ||
                 (c->current < n &&
                  best_fit(layer_bps, n, audio_bps, estimate_bps, 100 - c->cfg.down_margin_pct) >= c->current);
    /* With layers, audio only is judged from the lowest layer, with its
     * tolerance, once it has been sent for SETTLE_US */
    if (c->started && !keeps && n > 1 && fits == YF_LAYER_AUDIO_ONLY && c->current == 0 &&
        now_us - c->current_since_us < SETTLE_US)
        return c->current;
    if (!c->started || !keeps) {
        if (c->started)
            moved_down(c, now_us);
        if (c->started && fits == YF_LAYER_AUDIO_ONLY && c->current > 0)
            fits = 0;
        bool first = !c->started;
        c->started = true;
        c->current = fits;
        c->current_since_us = now_us;
        c->since_us = 0;
        if (first && c->probing && n > 1 && fits > 0) {
            /* the lowest first; the higher one after a probe */
            c->current = 0;
            c->since_us = now_us;
            c->target = fits;
            c->quick = true;
        }
        return c->current;
    }
    if (c->probe_layer != YF_LAYER_NO_PROBE)
        return c->current; /* the probe's verdict decides */
    /* The last move up has held: the next one waits the configured time. */
    if (c->up_at_us && now_us - c->up_at_us >= FAILED_UP_US) {
        c->hold_us = c->cfg.up_hold_us;
        c->up_at_us = 0;
    }
    /* With probes the next layer is asked of the link at each wait's end,
     * whatever the estimate says: the estimate of a link carrying less
     * is not tested by what it carries (after audio only it starts from
     * 30 kbit/s and climbs 8 % a second), and a probe that asks at most
     * twice the load costs a few packets of queue when it fails. */
    int up = c->probing ? (c->current + 1 < n ? c->current + 1 : c->current)
                        : best_fit(layer_bps, n, audio_bps, estimate_bps, 100 + c->cfg.up_margin_pct);
    if (up <= c->current) {
        c->since_us = 0;
        return c->current;
    }
    /* target: the highest layer covered with the margin for the whole
     * time since since_us (the smallest wish of that time) */
    if (!c->since_us) {
        c->since_us = now_us;
        c->target = up;
    } else if (up < c->target) {
        c->target = up;
    }
    int64_t wait = c->probing && c->quick ? YF_LAYER_FIRST_HOLD_US : c->hold_us;
    if (now_us - c->since_us >= wait) {
        if (c->probing) {
            c->probe_layer = c->current + 1; /* <= target */
            c->probe_running = false;
            c->since_us = 0;
            return c->current;
        }
        move_up(c, now_us, c->target);
    }
    return c->current;
}

bool yf_layer_probe_wanted(yf_layer_choice *c, int *layer)
{
    if (c->probe_layer == YF_LAYER_NO_PROBE || c->probe_running)
        return false;
    c->probe_running = true;
    *layer = c->probe_layer;
    return true;
}

void yf_layer_probe_skip(yf_layer_choice *c)
{
    c->probe_layer = YF_LAYER_NO_PROBE;
    c->probe_running = false;
}

void yf_layer_probe_result(yf_layer_choice *c, int64_t now_us, bool carried)
{
    int layer = c->probe_layer;
    if (layer == YF_LAYER_NO_PROBE)
        return;
    c->probe_layer = YF_LAYER_NO_PROBE;
    c->probe_running = false;
    if (carried && layer > c->current) {
        c->probes_ok++;
        move_up(c, now_us, layer);
        c->quick = true;
        return;
    }
    if (!carried) {
        c->probes_failed++;
        c->quick = false;
        failed_up(c);
    }
}
