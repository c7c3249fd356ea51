/* test_sublines.c -- the subscriber m-line table (sublines.h) as tables of
 * steps, each a publisher's tracks and the whole table it must leave: join,
 * leave, rejoin, renamed mids, codec switches, several publishers, the
 * per-publisher and the 64-line caps; and what the offer plan declares.
 * Links yf_core only: no libnice, no GLib. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/core/sublines.h"
#include "yf_test.h"

/* ---- notation ----
 * A track: <mid><a|v><pt>, then "h" for H.264 (video is VP8 otherwise,
 * audio Opus) and "L<id>" for an audio-level extension id; "0a111L1 1v96".
 * A line: <publisher>/<pub_mid><a|v><pt>[h]<+|->, + active, - inactive;
 * the table is its lines in order, "1/0a111+ 1/1v96-". */

#define MAX_TRACKS 8

static size_t parse_tracks(const char *s, yf_sublines_track *out)
{
    size_t n = 0;

    memset(out, 0, MAX_TRACKS * sizeof *out);
    while (s && *s && n < MAX_TRACKS) {
        yf_sublines_track *t = &out[n++];
        size_t m = 0;
        char *end;

        while (*s == ' ')
            s++;
        for (; *s >= '0' && *s <= '9' && m < sizeof t->cfg.mid - 1; m++, s++)
            t->mid[m] = t->cfg.mid[m] = *s;
        t->cfg.kind = *s++ == 'a' ? YF_TRACK_AUDIO : YF_TRACK_VIDEO;
        t->cfg.codec = t->cfg.kind == YF_TRACK_AUDIO ? YF_CODEC_OPUS : YF_CODEC_VP8;
        t->cfg.clock_rate = t->cfg.kind == YF_TRACK_AUDIO ? 48000 : 90000;
        t->cfg.pt = (uint8_t)strtoul(s, &end, 10);
        s = end;
        if (*s == 'h') {
            t->cfg.codec = YF_CODEC_H264;
            s++;
        }
        if (*s == 'L') {
            t->cfg.audio_level_ext_id = (uint8_t)strtoul(s + 1, &end, 10);
            s = end;
        }
        while (*s == ' ')
            s++;
    }
    return n;
}

static void describe(const yf_sublines *t, char *dst, size_t cap)
{
    size_t used = 0;

    dst[0] = '\0';
    for (unsigned i = 0; i < t->n && used < cap; i++) {
        const yf_sublines_line *l = &t->lines[i];
        int w = snprintf(dst + used, cap - used, "%s%u/%s%c%u%s%c", i ? " " : "", l->publisher, l->pub_mid,
                         l->track.cfg.kind == YF_TRACK_AUDIO ? 'a' : 'v', l->track.cfg.pt,
                         l->track.cfg.codec == YF_CODEC_H264 ? "h" : "", l->active ? '+' : '-');
        used += w > 0 ? (size_t)w : 0;
    }
}

/* The invariants of sublines.h, and that a line keeps its publisher and its
 * SSRC for good (prev: the table before the step). */
static bool sane(const yf_sublines *t, const yf_sublines *prev)
{
    char mid[16];

    if (t->n > YF_SUBLINES_MAX || t->n < prev->n)
        return false;
    for (unsigned i = 0; i < t->n; i++) {
        const yf_sublines_line *l = &t->lines[i];
        snprintf(mid, sizeof mid, "%u", i);
        if (strcmp(l->mid, mid) || !l->out_ssrc || !l->rtx_ssrc || l->rtx_ssrc == l->out_ssrc)
            return false;
        if (i < prev->n && (l->publisher != prev->lines[i].publisher || l->out_ssrc != prev->lines[i].out_ssrc ||
                            l->rtx_ssrc != prev->lines[i].rtx_ssrc))
            return false;
        for (unsigned j = 0; j < i; j++) {
            const yf_sublines_line *o = &t->lines[j];
            if (o->out_ssrc == l->out_ssrc || o->rtx_ssrc == l->rtx_ssrc || o->out_ssrc == l->rtx_ssrc ||
                o->rtx_ssrc == l->out_ssrc ||
                (o->publisher == l->publisher && o->track.cfg.kind == l->track.cfg.kind &&
                 !strcmp(o->pub_mid, l->pub_mid)))
                return false;
        }
    }
    return true;
}

/* ---- update tables ---- */

typedef struct {
    uint32_t pub;
    const char *tracks;    /* NULL: the publisher left */
    bool changed;
    int rc;
    const char *lines;     /* the table afterwards */
} step;

typedef struct {
    const char *name;
    const step *steps;
    size_t n;
} scenario;

#define OK YF_OK
#define FULL YF_ENOMEM
#define P1 "1/0a111+ 1/1v96+"
#define P2 "2/0a111+ 2/1v96+"

static const step join_leave[] = {
    { 1, "0a111 1v96", true, OK, P1 },                              /* join */
    { 1, "0a111 1v96", false, OK, P1 },                             /* renegotiation, nothing new */
    { 2, "0a111 1v96", true, OK, P1 " " P2 },                       /* second publisher */
    { 1, NULL, true, OK, "1/0a111- 1/1v96- " P2 },                  /* leave: inactive */
    { 1, NULL, false, OK, "1/0a111- 1/1v96- " P2 },                 /* gone is gone */
    { 1, "0a111 1v96", true, OK, P1 " " P2 },                       /* rejoin: same lines, none added */
    { 2, "1v96", true, OK, P1 " 2/0a111- 2/1v96+" },                /* stops its microphone */
    { 2, "0a111 1v96", true, OK, P1 " " P2 },                       /* and starts it again */
    { 2, "", true, OK, P1 " 2/0a111- 2/1v96-" },                    /* publishes nothing */
};

static const step renamed[] = {
    { 1, "0a111 1v96", true, OK, P1 },
    /* A renegotiation (or a reload) with new mids: the lines come back, renamed. */
    { 1, "3a111 4v96", true, OK, "1/3a111+ 1/4v96+" },
    { 1, "3a111 4v96 5v96", true, OK, "1/3a111+ 1/4v96+ 1/5v96+" },    /* a screen share */
    { 1, "3a111 5v96", true, OK, "1/3a111+ 1/4v96- 1/5v96+" },          /* camera off */
    { 1, "3a111 6v96 5v96", true, OK, "1/3a111+ 1/6v96+ 1/5v96+" },     /* camera on, new mid */
    /* A mid is a line only with its kind: mid 3 as video is another track. */
    { 1, "3v96 6v96 5v96", true, OK, "1/3a111- 1/6v96+ 1/5v96+ 1/3v96+" },
    { 1, "7a111 3v96 6v96 5v96", true, OK, "1/7a111+ 1/6v96+ 1/5v96+ 1/3v96+" },
};

static const step codec[] = {
    { 1, "0a111 1v96", true, OK, P1 },
    { 1, "0a111 1v102h", true, OK, "1/0a111+ 1/1v102h+" },        /* VP8 -> H.264: new pt */
    { 1, "0a111 1v102", false, OK, "1/0a111+ 1/1v102+" },         /* same pt: not a change */
    { 1, "0a109 1v102", true, OK, "1/0a109+ 1/1v102+" },          /* audio pt */
    { 1, NULL, true, OK, "1/0a109- 1/1v102-" },
    { 1, "0a111 1v96", true, OK, P1 },                            /* rejoin with other pts */
};

static const step several[] = {
    { 1, "0a111 1v96", true, OK, P1 },
    { 2, "0a111 1v96", true, OK, P1 " " P2 },
    { 1, NULL, true, OK, "1/0a111- 1/1v96- " P2 },
    /* A newcomer never gets a line someone left: the page's mid -> participant map stays true. */
    { 3, "0a111 1v96", true, OK, "1/0a111- 1/1v96- " P2 " 3/0a111+ 3/1v96+" },
    { 2, NULL, true, OK, "1/0a111- 1/1v96- 2/0a111- 2/1v96- 3/0a111+ 3/1v96+" },
    { 2, "7a111 8v96", true, OK, "1/0a111- 1/1v96- 2/7a111+ 2/8v96+ 3/0a111+ 3/1v96+" },
    { 1, "0a111", true, OK, "1/0a111+ 1/1v96- 2/7a111+ 2/8v96+ 3/0a111+ 3/1v96+" },
    { 4, "0v96", true, OK, "1/0a111+ 1/1v96- 2/7a111+ 2/8v96+ 3/0a111+ 3/1v96+ 4/0v96+" },
};

static const step per_pub_cap[] = {
    /* Only the first YF_SUBLINES_MAX_PUB_TRACKS (4) tracks count. */
    { 1, "0a111 1v96 2v96 3v96 4v96", true, OK, "1/0a111+ 1/1v96+ 1/2v96+ 1/3v96+" },
    { 1, "4v96 0a111 1v96 2v96 3v96", true, OK, "1/0a111+ 1/1v96+ 1/2v96+ 1/4v96+" },
    { 1, "0a111 1v96 2v96 4v96 3v96", false, OK, "1/0a111+ 1/1v96+ 1/2v96+ 1/4v96+" },
};

static const scenario scenarios[] = {
    { "join, leave, rejoin", join_leave, sizeof join_leave / sizeof join_leave[0] },
    { "renamed mids", renamed, sizeof renamed / sizeof renamed[0] },
    { "codec switch", codec, sizeof codec / sizeof codec[0] },
    { "several publishers", several, sizeof several / sizeof several[0] },
    { "per-publisher cap", per_pub_cap, sizeof per_pub_cap / sizeof per_pub_cap[0] },
};

/* One step on t; checks rc, changed, the table (NULL: not checked) and sane(). */
static void apply(const char *name, size_t i, yf_sublines *t, const step *s)
{
    static yf_sublines prev;
    static yf_sublines_line prev_lines[YF_SUBLINES_MAX]; /* the table before the step */
    yf_sublines_track tracks[MAX_TRACKS];
    size_t n = parse_tracks(s->tracks, tracks);
    bool changed = !s->changed;
    char got[2048];
    int rc;

    prev = *t;
    if (t->n)
        memcpy(prev_lines, t->lines, t->n * sizeof *t->lines);
    prev.lines = prev_lines;
    rc = yf_sublines_update(t, s->pub, s->tracks ? tracks : NULL, n, &changed);
    describe(t, got, sizeof got);
    if (rc != s->rc || changed != s->changed || (s->lines && strcmp(got, s->lines)))
        fprintf(stderr, "%s, step %zu: rc %d changed %d lines \"%s\"\n", name, i, rc, changed, got);
    CHECK_EQ_INT(rc, s->rc);
    CHECK(changed == s->changed);
    CHECK(!s->lines || !strcmp(got, s->lines));
    CHECK(sane(t, &prev));
}

static void test_scenarios(void)
{
    static yf_sublines t;

    for (size_t k = 0; k < sizeof scenarios / sizeof scenarios[0]; k++) {
        yf_sublines_clear(&t);
        yf_sublines_init(&t, 42 + k);
        for (size_t i = 0; i < scenarios[k].n; i++)
            apply(scenarios[k].name, i, &t, &scenarios[k].steps[i]);
    }
    yf_sublines_clear(&t);
}

/* ---- the 64-line cap ---- */

/* The table with a canary behind it: a refused line must write nothing. */
static struct {
    yf_sublines t;
    uint64_t canary;
} full;

#define CANARY 0xC0FFEE0DDBA11ull

/* pubs publishers of "0a111 1v96" from publisher `first` on. */
static void fill(uint32_t first, unsigned pubs)
{
    static const step two = { 0, "0a111 1v96", true, OK, NULL };

    for (unsigned i = 0; i < pubs; i++) {
        step s = two;
        s.pub = first + i;
        apply("fill", i, &full.t, &s);
    }
}

static void test_cap(void)
{
    /* Room for two lines: a publisher with three gets two and is told. */
    yf_sublines_init(&full.t, 7);
    full.canary = CANARY;
    fill(1, YF_SUBLINES_MAX / 2 - 1);
    const step partial = { 100, "0a111 1v96 2v96", true, FULL, NULL };
    apply("cap", 0, &full.t, &partial);
    CHECK_EQ_INT(full.t.n, YF_SUBLINES_MAX);
    CHECK(full.t.lines[YF_SUBLINES_MAX - 1].publisher == 100);
    CHECK_EQ_INT(full.t.cap, YF_SUBLINES_MAX); /* grown 4, 8, ... 64, no further */
    CHECK(full.canary == CANARY);

    /* Full: a newcomer is refused cleanly, and nothing changes. */
    yf_sublines_clear(&full.t);
    yf_sublines_init(&full.t, 8);
    fill(1, YF_SUBLINES_MAX / 2);
    CHECK_EQ_INT(full.t.n, YF_SUBLINES_MAX);
    const step refused[] = {
        { 200, "0a111 1v96", false, FULL, NULL },
        { 200, "0a111", false, FULL, NULL },
        /* Those in the table still leave, rejoin, rename. */
        { 1, NULL, true, OK, NULL },
        { 1, "5a111 6v96", true, OK, NULL },
        { 2, "0a111", true, OK, NULL },
        /* A track that needs a new line is refused, and (as in room.c
         * before the move) so are the tracks after it in that offer, even
         * one that could have revived a line: 4v96 stays off here ... */
        { 2, "0a111 3a111 4v96", false, FULL, NULL },
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        apply("cap refused", i, &full.t, &refused[i]);
    CHECK(full.t.lines[0].active && !strcmp(full.t.lines[0].pub_mid, "5"));
    CHECK(full.t.lines[2].active && !full.t.lines[3].active);
    /* ... and comes back when it is offered before the refused one. */
    const step reordered = { 2, "0a111 4v96 3a111", true, FULL, NULL };
    apply("cap refused", sizeof refused / sizeof refused[0], &full.t, &reordered);
    CHECK(full.t.lines[3].active && !strcmp(full.t.lines[3].pub_mid, "4"));
    CHECK_EQ_INT(full.t.n, YF_SUBLINES_MAX);
    CHECK_EQ_INT(full.t.cap, YF_SUBLINES_MAX);
    CHECK(full.canary == CANARY);
    yf_sublines_clear(&full.t);
    CHECK(full.t.lines == NULL && full.t.n == 0 && full.t.cap == 0);
}

/* Join and leave in a loop, with new mids each time (reloads): two lines. */
static void test_churn(void)
{
    static yf_sublines t;
    yf_sublines_track tracks[MAX_TRACKS];
    char spec[32];
    bool changed;

    yf_sublines_init(&t, 9);
    for (unsigned i = 0; i < 1000; i++) {
        snprintf(spec, sizeof spec, "%ua111 %uv96", 2 * i, 2 * i + 1);
        size_t n = parse_tracks(spec, tracks);
        CHECK_EQ_INT(yf_sublines_update(&t, 5, tracks, n, &changed), YF_OK);
        CHECK_EQ_INT(yf_sublines_update(&t, 5, NULL, 0, &changed), YF_OK);
    }
    CHECK_EQ_INT(t.n, 2);
    CHECK_EQ_INT(t.cap, 4); /* the table holds what is used, not YF_SUBLINES_MAX */
    yf_sublines_clear(&t);
}

/* The SSRCs come from the seed alone: the same seed, the same SSRCs. */
static void test_seed(void)
{
    static yf_sublines a, b, c;
    yf_sublines_track tracks[MAX_TRACKS];
    size_t n = parse_tracks("0a111 1v96", tracks);
    bool changed;

    yf_sublines_init(&a, 1);
    yf_sublines_init(&b, 1);
    yf_sublines_init(&c, 2);
    yf_sublines_update(&a, 1, tracks, n, &changed);
    yf_sublines_update(&b, 1, tracks, n, &changed);
    yf_sublines_update(&c, 1, tracks, n, &changed);
    CHECK(a.lines[0].out_ssrc == b.lines[0].out_ssrc && a.lines[1].out_ssrc == b.lines[1].out_ssrc);
    CHECK(a.lines[0].out_ssrc != c.lines[0].out_ssrc);
    yf_sublines_clear(&a);
    yf_sublines_clear(&b);
    yf_sublines_clear(&c);
}

/* ---- the offer plan ---- */

typedef struct {
    step s;
    const char *levels;    /* the audio-level id declared per line, "-" for none */
} plan_step;

static const plan_step plan_steps[] = {
    { { 1, "0a111L1 1v96", true, OK, NULL }, "1 -" },
    { { 2, "0a111L1 1v96", true, OK, NULL }, "1 - 1 -" },          /* the same id: both */
    { { 3, "0a111L3 1v96", true, OK, NULL }, "1 - 1 - - -" },      /* another id: the first wins */
    { { 4, "0a111", true, OK, NULL }, "1 - 1 - - - -" },            /* none offered */
    { { 1, NULL, true, OK, NULL }, "- - 1 - - - -" },               /* inactive lines declare none */
    { { 2, NULL, true, OK, NULL }, "- - - - 3 - -" },               /* now the next one's wins */
    { { 1, "0a111L3", true, OK, NULL }, "3 - - - 3 - -" },
};

static void test_plan(void)
{
    static yf_sublines t;
    static yf_sublines_plan plan;
    char got[256];

    yf_sublines_init(&t, 3);
    for (size_t i = 0; i < sizeof plan_steps / sizeof plan_steps[0]; i++) {
        size_t used = 0;

        apply("plan", i, &t, &plan_steps[i].s);
        yf_sublines_plan_offer(&t, &plan);
        CHECK_EQ_INT(plan.n, t.n);
        got[0] = '\0';
        for (unsigned j = 0; j < plan.n && used < sizeof got; j++) {
            const yf_sublines_plan_line *e = &plan.lines[j];
            char stream[16], track[48];
            int w = e->ext_audio_level ? snprintf(got + used, sizeof got - used, "%s%u", j ? " " : "",
                                                  e->ext_audio_level)
                                       : snprintf(got + used, sizeof got - used, "%s-", j ? " " : "");
            used += w > 0 ? (size_t)w : 0;
            CHECK(e->line == &t.lines[j]);
            snprintf(stream, sizeof stream, "p%u", t.lines[j].publisher);
            snprintf(track, sizeof track, "p%u-%s", t.lines[j].publisher, t.lines[j].pub_mid);
            CHECK(!strcmp(e->msid_stream, stream) && !strcmp(e->msid_track, track));
        }
        if (strcmp(got, plan_steps[i].levels))
            fprintf(stderr, "plan, step %zu: levels \"%s\"\n", i, got);
        CHECK(!strcmp(got, plan_steps[i].levels));
    }
    yf_sublines_clear(&t);
}

/* RED offered or not is a change: the next offer carries it or not. */
static void test_red_change(void)
{
    yf_sublines t;
    yf_sublines_track tr;
    bool changed;
    yf_sublines_init(&t, 9);
    memset(&tr, 0, sizeof tr);
    snprintf(tr.mid, sizeof tr.mid, "0");
    tr.cfg.kind = YF_TRACK_AUDIO, tr.cfg.codec = YF_CODEC_OPUS, tr.cfg.pt = 111, tr.cfg.clock_rate = 48000;
    CHECK_EQ_INT(yf_sublines_update(&t, 1, &tr, 1, &changed), YF_OK);
    CHECK(changed);
    tr.cfg.red_pt = 63;
    CHECK_EQ_INT(yf_sublines_update(&t, 1, &tr, 1, &changed), YF_OK);
    CHECK(changed);
    CHECK_EQ_INT(t.lines[0].track.cfg.red_pt, 63);
    CHECK_EQ_INT(yf_sublines_update(&t, 1, &tr, 1, &changed), YF_OK);
    CHECK(!changed);
    tr.cfg.red_pt = 0;
    CHECK_EQ_INT(yf_sublines_update(&t, 1, &tr, 1, &changed), YF_OK);
    CHECK(changed);
    yf_sublines_clear(&t);
}

int main(void)
{
    test_red_change();
    test_scenarios();
    test_cap();
    test_churn();
    test_seed();
    test_plan();
    return yf_test_done("test_sublines");
}
