/* test_post_clock.c -- which sender reports post-processing trusts and where
 * it then places each packet (media/post/post_clock.c), on tracks built in
 * memory: a table of publishers (reports on the packets' clock, at twice its
 * rate as GStreamer 1.22's webrtcbin sends them, one report off, a lone
 * report, none at all) whose first half second arrives late in a burst, and
 * the pace a clock that goes back is laid out at (yf_post_pace). */
#include <glib.h>
#include <stdlib.h>

#include "media/post/post_priv.h"
#include "yf_test.h"

#define T0_US 1700000000000000LL   /* when the publisher sends its first packet */
#define DELAY_US 20000              /* network delay of the least-delayed packets */
#define OFFSET_US 30000             /* the session's (SR arrival - NTP), as the timeline finds it */
#define SECONDS 20
#define FPS 30
#define RATE 90000

typedef struct {
    const char *name;
    int n_sr;              /* one SR every 2 s from 1 s, or fewer */
    double sr_speed;       /* the SR's RTP clock / the packets' */
    int off_sr;            /* this SR's RTP time is 1 s off; -1: none */
    int n_valid;           /* SRs trusted */
} clock_case;

static const clock_case cases[] = {
    { "reports on the packets' clock", 10, 1.0, -1, 10 },
    { "reports at twice the rate (webrtcbin 1.22)", 10, 2.0, -1, 0 },
    { "one report a second off", 10, 1.0, 4, 9 },
    { "a lone report", 1, 1.0, -1, 1 },
    { "no report", 0, 1.0, -1, 0 },
};

/* Frame i is sent at i/FPS s; its packets arrive DELAY_US later, every
 * seventh 40 ms later still, and the first half second in a burst at 0.5 s. */
static int64_t arrival_of(int i)
{
    int64_t sent = T0_US + (int64_t)i * G_USEC_PER_SEC / FPS;

    return MAX(sent + DELAY_US + (i % 7 == 3 ? 40000 : 0), i < FPS / 2 ? T0_US + 500000 + DELAY_US : 0);
}

static yf_post_track *make_track(const clock_case *c)
{
    yf_post_track *t = g_new0(yf_post_track, 1);

    t->meta.clock_rate = RATE;
    t->meta.kind = YF_CAP_VIDEO;
    t->pkts = g_array_new(FALSE, FALSE, sizeof(yf_post_pkt));
    t->srs = g_array_new(FALSE, FALSE, sizeof(yf_post_sr));
    t->path = g_strdup(c->name);
    t->fd = -1;
    for (int i = 0; i < SECONDS * FPS; i++)
        for (int part = 0; part < 2; part++) {   /* two packets a frame */
            yf_post_pkt k = { .ext_seq = 2 * i + part, .ext_ts = ((int64_t)1 << 33) + (int64_t)i * RATE / FPS,
                              .arrival_us = arrival_of(i) + part * 100, .order = (uint32_t)(2 * i + part) };
            g_array_append_val(t->pkts, k);
        }
    for (int j = 0; j < c->n_sr; j++) {
        int64_t at = (1 + 2 * (int64_t)j) * G_USEC_PER_SEC;   /* after the first packet */
        yf_post_sr sr = { .arrival_us = T0_US + at + OFFSET_US, .ntp_us = T0_US + at, .valid = TRUE };
        sr.ext_ts = ((int64_t)1 << 33) + (int64_t)((double)at * RATE / 1e6 * c->sr_speed) +
                    (j == c->off_sr ? RATE : 0);
        g_array_append_val(t->srs, sr);
    }
    t->n_media = t->pkts->len;
    return t;
}

/* Where a packet belongs on the server's clock: when it was sent, plus the
 * session's offset (through SRs) or the least delay (through arrival). */
static int64_t expected(const clock_case *c, int i)
{
    return T0_US + (int64_t)i * G_USEC_PER_SEC / FPS + (c->n_valid ? OFFSET_US : DELAY_US);
}

static void test_clock_table(void)
{
    for (size_t n = 0; n < G_N_ELEMENTS(cases); n++) {
        const clock_case *c = &cases[n];
        yf_post_track *t = make_track(c);
        int valid = 0;
        int64_t worst = 0;

        yf_post_clock_map(t, c->n_sr > 0, OFFSET_US);
        for (guint j = 0; j < t->srs->len; j++)
            valid += g_array_index(t->srs, yf_post_sr, j).valid;
        for (guint k = 0; k < t->pkts->len; k++) {
            const yf_post_pkt *p = &g_array_index(t->pkts, yf_post_pkt, k);
            worst = MAX(worst, llabs(p->wall_us - expected(c, (int)(k / 2))));
        }
        printf("%s: %d of %d reports trusted, packets within %" G_GINT64_FORMAT " us\n", c->name, valid, c->n_sr,
               worst);
        CHECK_EQ_INT(valid, c->n_valid);
        CHECK(worst <= 1);
        yf_post_track_free(t);
    }
}

static void test_pace(void)
{
    static const struct {
        int64_t prev, rtp, want;
    } pace[] = {
        { 1000000, 40000, 1036000 },   /* a frame's spacing (25 fps), 90% of it */
        { 1000000, 0, 1001000 },       /* a new timestamp, no spacing: Matroska's tick */
        { 1000000, -500000, 1001000 }, /* a timestamp that went back */
        { 1000000, 5000000, 1900000 }, /* spacing counted up to 1 s */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(pace); i++)
        CHECK_EQ_INT(yf_post_pace(pace[i].prev, pace[i].rtp), pace[i].want);
    CHECK_EQ_INT(yf_post_rtp_to_us(90000, 90000), 1000000);
    CHECK_EQ_INT(yf_post_rtp_to_us(-1, 48000), -21);
    CHECK(yf_post_rtp_to_us(INT64_MAX, 1) > 0);   /* saturates instead of overflowing */
}

int main(void)
{
    test_clock_table();
    test_pace();
    return yf_test_done("test_post_clock");
}
