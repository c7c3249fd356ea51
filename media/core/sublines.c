/* sublines.c -- a subscriber connection's m-line table (sublines.h): lines
 * follow each publisher's tracks, turn inactive when a track goes and come
 * back for the same publisher, never for another. No IO; the lines are the
 * only allocation;
 * writing the offer text is media/sdp's, posting it media/net/room.c's. */
#include "sublines.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void yf_sublines_init(yf_sublines *t, uint64_t seed)
{
    memset(t, 0, sizeof *t);
    t->rng = seed ^ 0x5946535542534C4Eull; /* "YFSUBSLN" */
}

void yf_sublines_clear(yf_sublines *t)
{
    free(t->lines);
    t->lines = NULL;
    t->n = t->cap = 0;
}

/* Room for one more line: 4, then doubling up to YF_SUBLINES_MAX. */
static bool grow(yf_sublines *t)
{
    unsigned cap;
    yf_sublines_line *lines;

    if (t->n < t->cap)
        return true;
    if (t->cap >= YF_SUBLINES_MAX)
        return false;
    cap = t->cap ? t->cap * 2 : 4;
    if (cap > YF_SUBLINES_MAX)
        cap = YF_SUBLINES_MAX;
    lines = realloc(t->lines, cap * sizeof *lines);
    if (!lines)
        return false;
    t->lines = lines;
    t->cap = cap;
    return true;
}

/* splitmix64, nonzero 32-bit results (an SSRC of 0 means "none" here). */
static uint32_t random32(yf_sublines *t)
{
    for (;;) {
        uint64_t z = (t->rng += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        uint32_t v = (uint32_t)(z ^ (z >> 31));
        if (v)
            return v;
    }
}

static bool ssrc_taken(const yf_sublines *t, uint32_t v)
{
    for (unsigned i = 0; i < t->n; i++)
        if (t->lines[i].out_ssrc == v || t->lines[i].rtx_ssrc == v)
            return true;
    return false;
}

static uint32_t fresh_ssrc(yf_sublines *t)
{
    uint32_t v;

    do
        v = random32(t);
    while (ssrc_taken(t, v));
    return v;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

/* The first of tracks[0..n) that line l carries. */
static const yf_sublines_track *track_of(const yf_sublines_line *l, const yf_sublines_track *tracks, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (!strcmp(tracks[j].mid, l->pub_mid) && tracks[j].cfg.kind == l->track.cfg.kind)
            return &tracks[j];
    return NULL;
}

/* The line of publisher pub that carries track tr, or with any_inactive its
 * first inactive line of tr's kind. */
static yf_sublines_line *line_for(yf_sublines *t, uint32_t pub, const yf_sublines_track *tr, bool any_inactive)
{
    for (unsigned i = 0; i < t->n; i++) {
        yf_sublines_line *l = &t->lines[i];
        if (l->publisher != pub || l->track.cfg.kind != tr->cfg.kind)
            continue;
        if (any_inactive ? !l->active : !strcmp(l->pub_mid, tr->mid))
            return l;
    }
    return NULL;
}

/* Pass 1: the publisher's existing lines follow its tracks. */
static bool follow_tracks(yf_sublines *t, uint32_t pub, const yf_sublines_track *tracks, size_t n)
{
    bool changed = false;

    for (unsigned i = 0; i < t->n; i++) {
        yf_sublines_line *l = &t->lines[i];
        const yf_sublines_track *tr;

        if (l->publisher != pub)
            continue;
        tr = track_of(l, tracks, n);
        if (tr) {
            changed |= !l->active || tr->cfg.pt != l->track.cfg.pt ||
                       tr->cfg.red_pt != l->track.cfg.red_pt; /* RED offered or not */
            l->track = *tr;
        }
        changed |= l->active != (tr != NULL);
        l->active = tr != NULL;
    }
    return changed;
}

/* Needs n < cap (grow). */
static void append_line(yf_sublines *t, uint32_t pub, const yf_sublines_track *tr)
{
    yf_sublines_line *l = &t->lines[t->n];

    memset(l, 0, sizeof *l);
    snprintf(l->mid, sizeof l->mid, "%u", t->n);
    l->publisher = pub;
    copy_str(l->pub_mid, sizeof l->pub_mid, tr->mid);
    l->track = *tr;
    l->out_ssrc = fresh_ssrc(t);
    do
        l->rtx_ssrc = fresh_ssrc(t); /* l is not in lines[0..n) yet */
    while (l->rtx_ssrc == l->out_ssrc);
    l->active = true;
    t->n++;
}

int yf_sublines_update(yf_sublines *t, uint32_t publisher, const yf_sublines_track *tracks, size_t n,
                       bool *changed)
{
    if (n > YF_SUBLINES_MAX_PUB_TRACKS)
        n = YF_SUBLINES_MAX_PUB_TRACKS;
    *changed = follow_tracks(t, publisher, tracks, n);
    /* Pass 2: tracks without a line revive one of the publisher's or get a new one. */
    for (size_t j = 0; j < n; j++) {
        const yf_sublines_track *tr = &tracks[j];
        yf_sublines_line *again;

        if (line_for(t, publisher, tr, false))
            continue;
        again = line_for(t, publisher, tr, true);
        if (again) {
            again->track = *tr;
            copy_str(again->pub_mid, sizeof again->pub_mid, tr->mid);
            again->active = true;
        } else if (grow(t)) {
            append_line(t, publisher, tr);
        } else {
            return YF_ENOMEM;
        }
        *changed = true;
    }
    return YF_OK;
}

void yf_sublines_plan_offer(const yf_sublines *t, yf_sublines_plan *out)
{
    uint8_t level_id = 0;

    out->n = t->n;
    for (unsigned i = 0; i < t->n; i++) {
        const yf_sublines_line *l = &t->lines[i];
        yf_sublines_plan_line *e = &out->lines[i];
        uint8_t lid = l->track.cfg.audio_level_ext_id;

        e->line = l;
        snprintf(e->msid_stream, sizeof e->msid_stream, "p%" PRIu32, l->publisher);
        snprintf(e->msid_track, sizeof e->msid_track, "p%" PRIu32 "-%s", l->publisher, l->pub_mid);
        e->ext_audio_level = 0;
        /* One id per URI in an offer: the first publisher's wins. */
        if (l->track.cfg.kind == YF_TRACK_AUDIO && lid && l->active && (!level_id || level_id == lid))
            e->ext_audio_level = level_id = lid;
    }
}
