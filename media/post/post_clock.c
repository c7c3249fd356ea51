/* post_clock.c -- the clock of one captured track: the server wall time of
 * each of its RTP timestamps, through its RTCP sender reports (RFC 3550
 * §6.4.1: NTP <-> RTP) where they can be trusted, else through the packets'
 * own arrival. A report is trusted only if the packets agree with it (their
 * least-delayed arrivals put its RTP time within SR_ARRIVAL_TOL_US of where
 * it puts it) and so does a neighbouring report, at the nominal clock rate
 * (within SR_RATE_TOL): reports whose RTP clock runs at another rate than the
 * packets' (GStreamer 1.22's webrtcbin: twice it) are all ignored. Between
 * two points the clock is linear, so it never goes back within a track. Pure
 * arithmetic on the loaded track: no GStreamer, no I/O, no packet dropped. */
#define G_LOG_DOMAIN "yf-post"

#include <math.h>
#include <stdlib.h>

#include "post_priv.h"

#define ANCHOR_WINDOW_US (10 * G_USEC_PER_SEC) /* one least-delayed packet per this much arrival */
#define ANCHOR_RATE_TOL 0.10                   /* anchors further off the nominal rate: a jump */
#define ANCHOR_NEAR_US (15 * G_USEC_PER_SEC)   /* an SR further from every anchor: not checked by them */
#define SR_ARRIVAL_TOL_US 300000               /* an SR further than this from the packets: ignored */
#define SR_RATE_TOL 0.05                       /* trusted SRs agree with the nominal rate within this */
#define SR_SPACING_US G_USEC_PER_SEC           /* SRs closer than this are compared by offset, */
#define SR_CLOSE_TOL_US 50000                  /* ... within this */
#define IMPLAUSIBLE_US (10 * G_USEC_PER_SEC)   /* mapped this far from arrival: use arrival */
#define MAX_TICKS ((int64_t)1 << 40)           /* beyond any file (139 days at 90 kHz) */

/* A point of a piecewise-linear clock: RTP time ext_ts is at wall_us. brk:
 * the clock jumps right before it (no line from the point before). */
typedef struct {
    int64_t ext_ts, wall_us;
    gboolean brk;
} point;

int64_t yf_post_rtp_to_us(int64_t ticks, uint32_t clock_rate)
{
    int64_t num = CLAMP(ticks, -MAX_TICKS, MAX_TICKS) * 1000000;

    return num >= 0 ? (num + clock_rate / 2) / clock_rate : -((-num + clock_rate / 2) / clock_rate);
}

int64_t yf_post_pace(int64_t prev_us, int64_t rtp_us)
{
    int64_t step = (int64_t)(YF_POST_MIN_PACE * (double)MIN(rtp_us, YF_POST_MAX_PACE_US));

    return prev_us + MAX(step, YF_POST_MIN_STEP_US);
}

/* How many points of pts (ext_ts strictly increasing) are at or before x. */
static guint points_upto(const GArray *pts, int64_t x)
{
    guint lo = 0, hi = pts->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(pts, point, mid).ext_ts <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The wall time of x on the clock pts (at least one point): on the line
 * between the points around it; outside them, or across a jump, at the
 * nominal rate from the nearest point before it (the first, before all). */
static int64_t clock_at(const GArray *pts, uint32_t rate, int64_t x)
{
    guint i = points_upto(pts, x);
    const point *a = &g_array_index(pts, point, i ? i - 1 : 0), *b;

    if (i == 0 || i == pts->len || g_array_index(pts, point, i).brk)
        return a->wall_us + yf_post_rtp_to_us(x - a->ext_ts, rate);
    b = &g_array_index(pts, point, i);
    return a->wall_us + (int64_t)llround((double)(x - a->ext_ts) / (double)(b->ext_ts - a->ext_ts) *
                                         (double)(b->wall_us - a->wall_us));
}

/* Keeps anchor a if it follows the last one kept in both RTP time and
 * arrival; marks it a jump if the rate between them is off the nominal by
 * more than ANCHOR_RATE_TOL. */
static void keep_anchor(GArray *pts, point a, uint32_t rate)
{
    const point *last = pts->len ? &g_array_index(pts, point, pts->len - 1) : NULL;

    if (last && (a.ext_ts <= last->ext_ts || a.wall_us <= last->wall_us))
        return;
    if (last) {
        int64_t rtp = yf_post_rtp_to_us(a.ext_ts - last->ext_ts, rate);
        a.brk = rtp <= 0 || fabs((double)(a.wall_us - last->wall_us) / (double)rtp - 1.0) > ANCHOR_RATE_TOL;
    }
    g_array_append_val(pts, a);
}

/* The packets' own clock: the least-delayed media packet (smallest arrival
 * - RTP time) of each ANCHOR_WINDOW_US of arrival, as a point (ext_ts,
 * arrival). At least one: the track has media. */
static GArray *anchors_of(const yf_post_track *t)
{
    GArray *pts = g_array_new(FALSE, FALSE, sizeof(point));
    uint32_t rate = t->meta.clock_rate;
    gboolean open = FALSE;
    int64_t start = 0, ext0 = 0, best_r = 0;
    point best = { 0 };

    for (guint i = 0; i < t->pkts->len; i++) {
        const yf_post_pkt *k = &g_array_index(t->pkts, yf_post_pkt, i);
        int64_t r;
        if (k->skip || k->red >= 2)
            continue;   /* a rebuilt packet arrived inside a later one: never the least delayed */
        if (!open && !pts->len)
            ext0 = k->ext_ts;   /* the first media packet: r stays small */
        r = k->arrival_us - yf_post_rtp_to_us(k->ext_ts - ext0, rate);
        if (open && llabs(k->arrival_us - start) >= ANCHOR_WINDOW_US) {
            keep_anchor(pts, best, rate);
            open = FALSE;
        }
        if (!open || r < best_r) {
            start = open ? start : k->arrival_us;
            open = TRUE;
            best_r = r;
            best = (point){ .ext_ts = k->ext_ts, .wall_us = k->arrival_us };
        }
    }
    if (open)
        keep_anchor(pts, best, rate);
    return pts;
}

/* Whether the packets' arrival puts RTP time ext_ts within
 * SR_ARRIVAL_TOL_US of wall_us, or has no anchor within ANCHOR_NEAR_US of
 * it to tell (a report in a long pause). */
static gboolean arrival_agrees(const GArray *anchors, uint32_t rate, int64_t ext_ts, int64_t wall_us)
{
    guint i = points_upto(anchors, ext_ts);
    int64_t near = INT64_MAX;

    if (i > 0)
        near = yf_post_rtp_to_us(ext_ts - g_array_index(anchors, point, i - 1).ext_ts, rate);
    if (i < anchors->len)
        near = MIN(near, yf_post_rtp_to_us(g_array_index(anchors, point, i).ext_ts - ext_ts, rate));
    return near > ANCHOR_NEAR_US || llabs(clock_at(anchors, rate, ext_ts) - wall_us) <= SR_ARRIVAL_TOL_US;
}

/* Whether two SR points tell the same clock: a second or more apart, at the
 * nominal rate within SR_RATE_TOL; closer, within SR_CLOSE_TOL_US. */
static gboolean agree(const point *a, const point *b, uint32_t rate)
{
    int64_t dn = b->wall_us - a->wall_us, ds = yf_post_rtp_to_us(b->ext_ts - a->ext_ts, rate);

    if (llabs(dn) < SR_SPACING_US)
        return llabs(ds - dn) <= SR_CLOSE_TOL_US;
    return dn > 0 && fabs((double)ds / (double)dn - 1.0) <= SR_RATE_TOL;
}

/* Appends trusted SR point c to the clock pts: not if it agrees with the
 * last point but comes less than SR_SPACING_US after it (nothing new), nor if
 * it does not follow it in RTP time; after a point it disagrees with (another
 * run of reports), as a jump. */
static void add_point(GArray *pts, point c, uint32_t rate)
{
    const point *last = pts->len ? &g_array_index(pts, point, pts->len - 1) : NULL;

    if (last && agree(last, &c, rate) && c.wall_us - last->wall_us < SR_SPACING_US)
        return;
    if (last && c.ext_ts <= last->ext_ts)
        return;
    c.brk = last && !agree(last, &c, rate);
    g_array_append_val(pts, c);
}

/* The trusted SRs of t as clock points (maybe none); marks the others
 * invalid. An SR is trusted if the packets' arrival agrees with it and so
 * does the SR before or after it among those (at the nominal rate); a lone
 * SR only if it is the track's only one. n_far: SRs the arrival contradicts;
 * n_alone: SRs no neighbour agrees with. */
static GArray *sr_points(yf_post_track *t, const GArray *anchors, int64_t offset, guint *n_far, guint *n_alone)
{
    GArray *cand = g_array_new(FALSE, FALSE, sizeof(point)), *pts = g_array_new(FALSE, FALSE, sizeof(point));
    GArray *idx = g_array_new(FALSE, FALSE, sizeof(guint));
    uint32_t rate = t->meta.clock_rate;

    for (guint j = 0; j < t->srs->len; j++) {
        yf_post_sr *sr = &g_array_index(t->srs, yf_post_sr, j);
        point c = { .ext_ts = sr->ext_ts, .wall_us = sr->ntp_us + offset };
        if (!sr->valid)
            continue;
        if (!arrival_agrees(anchors, rate, c.ext_ts, c.wall_us)) {
            sr->valid = FALSE;
            (*n_far)++;
            continue;
        }
        g_array_append_val(cand, c);
        g_array_append_val(idx, j);
    }
    for (guint i = 0; i < cand->len; i++) {
        const point *c = &g_array_index(cand, point, i);
        gboolean ok = (i > 0 && agree(c - 1, c, rate)) || (i + 1 < cand->len && agree(c, c + 1, rate)) ||
                      t->srs->len == 1;
        if (ok) {
            add_point(pts, *c, rate);
        } else {
            g_array_index(t->srs, yf_post_sr, g_array_index(idx, guint, i)).valid = FALSE;
            (*n_alone)++;
        }
    }
    g_array_unref(cand);
    g_array_unref(idx);
    return pts;
}

/* One warning per track with sender reports left out: how many, why, the
 * rate their RTP clock runs at against their NTP time. */
static void warn_untrusted(const yf_post_track *t, guint n_far, guint n_alone, gboolean used_some)
{
    guint n = 0;
    const yf_post_sr *a, *b;
    GString *why = g_string_new(NULL);

    for (guint j = 0; j < t->srs->len; j++)
        n += !g_array_index(t->srs, yf_post_sr, j).valid;
    if (!n)
        goto out;
    if (n_far)
        g_string_append_printf(why, "; %u put their RTP time more than %d ms from the packets' arrival", n_far,
                               SR_ARRIVAL_TOL_US / 1000);
    if (n_alone)
        g_string_append_printf(why, "; %u agree with neither neighbouring report at the nominal %u Hz", n_alone,
                               t->meta.clock_rate);
    if (n > n_far + n_alone)
        g_string_append_printf(why, "; %u are more than 5 s off their session's clock", n - n_far - n_alone);
    a = &g_array_index(t->srs, yf_post_sr, 0);
    b = &g_array_index(t->srs, yf_post_sr, t->srs->len - 1);
    if (b->ntp_us - a->ntp_us >= SR_SPACING_US)
        g_string_append_printf(why, "; their RTP clock runs at %.0f Hz against their NTP time",
                               (double)(b->ext_ts - a->ext_ts) * 1e6 / (double)(b->ntp_us - a->ntp_us));
    g_warning("%s: participant %u %s SSRC %08x: %u of %u sender reports not trusted%s; the track is placed by %s",
              t->path, t->meta.participant, t->meta.kind == YF_CAP_VIDEO ? "video" : "audio", t->meta.ssrc, n,
              t->srs->len, why->str, used_some ? "the others" : "the packets' arrival");
out:
    g_string_free(why, TRUE);
}

void yf_post_clock_map(yf_post_track *t, gboolean have_offset, int64_t offset)
{
    GArray *anchors = anchors_of(t), *srs = NULL;
    const GArray *clock = anchors;
    uint32_t rate = t->meta.clock_rate;
    guint n_far = 0, n_alone = 0;

    if (have_offset) {
        srs = sr_points(t, anchors, offset, &n_far, &n_alone);
        clock = srs->len ? srs : anchors;
    }
    warn_untrusted(t, n_far, n_alone, clock != anchors);
    for (guint i = 0; i < t->pkts->len; i++) {
        yf_post_pkt *k = &g_array_index(t->pkts, yf_post_pkt, i);
        if (k->skip)
            continue;
        k->wall_us = clock_at(clock, rate, k->ext_ts);
        if (clock != anchors && llabs(k->wall_us - k->arrival_us) > IMPLAUSIBLE_US)
            k->wall_us = clock_at(anchors, rate, k->ext_ts);   /* e.g. a timestamp that jumped */
        if (llabs(k->wall_us - k->arrival_us) > IMPLAUSIBLE_US)
            k->wall_us = k->arrival_us;
    }
    if (srs)
        g_array_unref(srs);
    g_array_unref(anchors);
}
