/* sim_bwe.c -- the downlink estimator (bwe.h) on the virtual clock: a
 * sender numbers its packets (twcc_send.h) and sends "video" at the lesser
 * of what it wants and the estimate, plus a voice, through a bottleneck
 * with a drop-tail queue (simnet.h); the receiver records arrivals and
 * returns transport-cc feedback every 100 ms (twcc.h) over a plain link.
 * Scenarios: 2.5 Mbit/s wanted into 2 Mbit/s (from the default start and
 * from the ceiling, as the router starts); 2 Mbit/s -> 300 kbit/s ->
 * 2 Mbit/s; 5 % random loss at 2 Mbit/s. The curves' key points are
 * printed; bounds are generous for the fixed seeds (no timing of the
 * machine is measured). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "media/core/bwe.h"
#include "media/core/rtcp.h"
#include "media/core/twcc.h"
#include "media/core/twcc_send.h"
#include "simnet.h"

static int failures;
#define EXPECT(c, ...)                                                               \
    do {                                                                             \
        if (!(c)) {                                                                  \
            failures++;                                                              \
            fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #c);         \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
        }                                                                            \
    } while (0)

#define SEC 1000000LL
#define FRAME_US 33333
#define AUDIO_US 20000
#define AUDIO_BYTES 120
#define FEEDBACK_US 100000
#define MTU 1200

typedef struct {
    int64_t at_us, rate_bps; /* the bottleneck's rate from at_us on */
} rate_step;

typedef struct {
    const char *name;
    uint64_t seed;
    int64_t want_bps;
    double loss;
    int64_t duration_us;
    rate_step steps[4];
    int nsteps;
    int64_t initial_bps;     /* 0: the estimator's default (1 Mbit/s) */
} scenario;

/* What a run saw, sampled every 100 ms. */
#define MAX_SAMPLES 2000
typedef struct {
    int64_t est[MAX_SAMPLES];
    uint64_t sent[MAX_SAMPLES], lost[MAX_SAMPLES]; /* cumulative at the link */
    int n;
} curve;

typedef struct {
    yf_twcc_send tx;
    yf_twcc_recv rx;
    yf_bwe bwe;
    sim_bottleneck down;
    sim_link up;
    int64_t now, next_frame, next_audio, next_fb, next_sample;
} run;

static yf_twcc_result results[YF_TWCC_SEND_MAX_STATUS];

static void send_packet(run *r, size_t size)
{
    uint8_t pkt[MTU];
    uint16_t seq = yf_twcc_send_stamp(&r->tx, r->now, size);
    memset(pkt, 0, size);
    pkt[0] = (uint8_t)(seq >> 8);
    pkt[1] = (uint8_t)seq;
    sim_bottleneck_send(&r->down, r->now, 1, pkt, size);
}

/* One frame of video at the lesser of want and the estimate, in MTU
 * packets sent back to back (a frame leaves in a burst). */
static void send_frame(run *r, int64_t want_bps)
{
    int64_t rate = yf_bwe_estimate(&r->bwe);
    if (rate > want_bps)
        rate = want_bps;
    int64_t bytes = rate * FRAME_US / 8 / SEC;
    while (bytes > 0) {
        size_t n = bytes > MTU ? MTU : (size_t)bytes;
        send_packet(r, n < 100 ? 100 : n);
        bytes -= (int64_t)n;
    }
}

static void on_feedback(run *r, const uint8_t *buf, size_t len)
{
    yf_rtcp_iter it;
    yf_rtcp_packet p;
    yf_rtcp_iter_init(&it, buf, len);
    while (yf_rtcp_iter_next(&it, &p) == 1) {
        size_t n = 0;
        if (yf_twcc_send_on_feedback(&r->tx, &p, results, YF_TWCC_SEND_MAX_STATUS, &n) == YF_OK)
            yf_bwe_on_feedback(&r->bwe, r->now, results, n);
    }
}

static void deliver(run *r)
{
    sim_pkt p;
    while (sim_bottleneck_pop(&r->down, r->now, &p)) {
        yf_twcc_recv_on_packet(&r->rx, p.at, (uint16_t)((p.data[0] << 8) | p.data[1]));
        free(p.data);
    }
    while (sim_link_pop(&r->up, r->now, &p)) {
        on_feedback(r, p.data, p.len);
        free(p.data);
    }
}

static void send_feedback(run *r)
{
    uint8_t buf[1500];
    int n;
    while ((n = yf_twcc_recv_build(&r->rx, 1, 2, buf, sizeof buf)) > 0)
        sim_link_send(&r->up, r->now, 0, buf, (size_t)n);
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static void run_scenario(const scenario *sc, curve *c)
{
    static run r;
    int step = 0;
    memset(&r, 0, sizeof r);
    yf_twcc_send_init(&r.tx, 1);
    yf_twcc_recv_init(&r.rx);
    yf_bwe_config cfg = { .initial_bps = sc->initial_bps };
    yf_bwe_init(&r.bwe, &cfg);
    sim_bottleneck_init(&r.down, sc->seed, sc->steps[0].rate_bps, 300000, 20000, sc->loss);
    sim_link_init(&r.up, sc->seed + 1, 0, 20000, 0);
    memset(c, 0, sizeof *c);
    r.next_fb = FEEDBACK_US;
    r.next_sample = FEEDBACK_US;
    while (r.now < sc->duration_us) {
        if (step + 1 < sc->nsteps && r.now >= sc->steps[step + 1].at_us)
            sim_bottleneck_set_rate(&r.down, sc->steps[++step].rate_bps);
        deliver(&r);
        if (r.now >= r.next_frame) {
            send_frame(&r, sc->want_bps);
            r.next_frame += FRAME_US;
        }
        if (r.now >= r.next_audio) {
            send_packet(&r, AUDIO_BYTES);
            r.next_audio += AUDIO_US;
        }
        if (r.now >= r.next_fb) {
            send_feedback(&r);
            r.next_fb += FEEDBACK_US;
        }
        if (r.now >= r.next_sample && c->n < MAX_SAMPLES) {
            c->est[c->n] = yf_bwe_estimate(&r.bwe);
            c->sent[c->n] = r.down.st.sent;
            c->lost[c->n] = r.down.st.lost;
            c->n++;
            r.next_sample += FEEDBACK_US;
        }
        int64_t next = min64(min64(r.next_frame, r.next_audio), min64(r.next_fb, r.next_sample));
        next = min64(next, min64(sim_bottleneck_next(&r.down), sim_link_next(&r.up)));
        if (step + 1 < sc->nsteps)
            next = min64(next, sc->steps[step + 1].at_us);
        r.now = next > r.now ? next : r.now + 1;
    }
    yf_bwe_stats st;
    yf_bwe_get_stats(&r.bwe, &st);
    printf("%s: end: estimate %lld bit/s (delay %lld, loss bound %lld, received %lld), "
           "%llu overuses, %llu decreases, rtt %lld ms, tail drops %llu\n",
           sc->name, (long long)st.estimate_bps, (long long)st.delay_bps, (long long)st.loss_bps,
           (long long)st.acked_bps, (unsigned long long)st.overuses,
           (unsigned long long)st.decreases, (long long)(st.rtt_us / 1000),
           (unsigned long long)r.down.tail_drops);
    sim_bottleneck_clear(&r.down);
    sim_link_clear(&r.up);
}

/* Sample index of time t. */
static int at(int64_t t)
{
    return (int)(t / FEEDBACK_US) - 1;
}

static double loss_between(const curve *c, int64_t from, int64_t to)
{
    uint64_t s = c->sent[at(to)] - c->sent[at(from)], l = c->lost[at(to)] - c->lost[at(from)];
    return s ? (double)l / (double)s : 0;
}

static int64_t avg_between(const curve *c, int64_t from, int64_t to)
{
    int64_t sum = 0;
    for (int i = at(from); i < at(to); i++)
        sum += c->est[i];
    return sum / (at(to) - at(from));
}

static int64_t min_between(const curve *c, int64_t from, int64_t to)
{
    int64_t m = INT64_MAX;
    for (int i = at(from); i < at(to); i++)
        m = c->est[i] < m ? c->est[i] : m;
    return m;
}

/* First time from `from` on when the estimate is below (or above) v. */
static int64_t first_time(const curve *c, int64_t from, int64_t v, bool below)
{
    for (int i = at(from); i < c->n; i++)
        if (below ? c->est[i] < v : c->est[i] > v)
            return (int64_t)(i + 1) * FEEDBACK_US - from;
    return -1;
}

static void print_curve(const char *name, const curve *c)
{
    printf("%s: estimate every 5 s (kbit/s):", name);
    for (int i = at(5 * SEC); i < c->n; i += 50)
        printf(" %lld", (long long)(c->est[i] / 1000));
    printf("\n");
}

static void test_converge(void)
{
    static curve c;
    scenario sc = { "2.5 into 2", 42, 2500000, 0, 60 * SEC, { { 0, 2000000 } }, 1, 0 };
    run_scenario(&sc, &c);
    print_curve(sc.name, &c);
    int64_t avg = avg_between(&c, 30 * SEC, 60 * SEC);
    double l1 = loss_between(&c, 30 * SEC, 45 * SEC), l2 = loss_between(&c, 45 * SEC, 60 * SEC);
    printf("%s: average estimate 30..60 s: %lld kbit/s; loss 30..45 s %.2f %%, 45..60 s %.2f %%\n",
           sc.name, (long long)avg / 1000, l1 * 100, l2 * 100);
    EXPECT(avg < 2000000 && avg > 1200000, "average %lld", (long long)avg);
    EXPECT(l1 < 0.02 && l2 < 0.02, "loss %.3f %.3f", l1, l2);
}

/* As the router starts a subscriber's estimate: at its ceiling (no limit
 * known), so the sender sends all it wants from the start. */
static void test_from_ceiling(void)
{
    static curve c;
    scenario sc = { "2.5 into 2 from the ceiling", 3, 2500000, 0, 60 * SEC, { { 0, 2000000 } }, 1,
                    20000000 };
    run_scenario(&sc, &c);
    print_curve(sc.name, &c);
    int64_t below = first_time(&c, 1 * SEC, 2000000, true);
    int64_t avg = avg_between(&c, 30 * SEC, 60 * SEC);
    double l = loss_between(&c, 30 * SEC, 60 * SEC);
    printf("%s: under 2 Mbit/s after %.1f s; average 30..60 s %lld kbit/s; loss 30..60 s %.2f %%\n",
           sc.name, (double)(below + SEC) / SEC, (long long)avg / 1000, l * 100);
    EXPECT(below >= 0 && below <= 4 * SEC, "below after %lld", (long long)below);
    EXPECT(avg < 2000000 && avg > 1200000, "average %lld", (long long)avg);
    EXPECT(l < 0.02, "loss %.3f", l);
}

static void test_drop_and_back(void)
{
    static curve c;
    scenario sc = { "2M -> 300k -> 2M", 7, 2500000, 0, 160 * SEC,
                    { { 0, 2000000 }, { 40 * SEC, 300000 }, { 70 * SEC, 2000000 } }, 3, 0 };
    run_scenario(&sc, &c);
    print_curve(sc.name, &c);
    int64_t before = avg_between(&c, 30 * SEC, 40 * SEC);
    int64_t down = first_time(&c, 40 * SEC, 300000, true);
    int64_t low = avg_between(&c, 55 * SEC, 70 * SEC);
    double low_loss = loss_between(&c, 55 * SEC, 70 * SEC);
    int64_t up = first_time(&c, 70 * SEC, 1500000, false);
    int64_t after = avg_between(&c, 140 * SEC, 160 * SEC);
    printf("%s: before the drop %lld kbit/s; under 300 kbit/s %.1f s after the drop; "
           "55..70 s average %lld kbit/s, loss %.2f %%; above 1.5 Mbit/s %.1f s after the "
           "link came back; 140..160 s average %lld kbit/s\n",
           sc.name, (long long)before / 1000, (double)down / SEC, (long long)low / 1000,
           low_loss * 100, (double)up / SEC, (long long)after / 1000);
    EXPECT(before > 1200000, "before %lld", (long long)before);
    EXPECT(down >= 0 && down <= 5 * SEC, "down after %lld us", (long long)down);
    EXPECT(low < 300000 && low > 150000, "low %lld", (long long)low);
    EXPECT(low_loss < 0.05, "loss at 300k %.3f", low_loss);
    EXPECT(up >= 0 && up <= 60 * SEC, "up after %lld us", (long long)up);
    EXPECT(after > 1200000 && after < 2000000, "after %lld", (long long)after);
}

static void test_random_loss(void)
{
    static curve c;
    scenario sc = { "5 % loss at 2M", 11, 2500000, 0.05, 60 * SEC, { { 0, 2000000 } }, 1, 0 };
    run_scenario(&sc, &c);
    print_curve(sc.name, &c);
    int64_t m = min_between(&c, 30 * SEC, 60 * SEC), avg = avg_between(&c, 30 * SEC, 60 * SEC);
    printf("%s: 30..60 s: lowest %lld kbit/s, average %lld kbit/s\n", sc.name, (long long)m / 1000,
           (long long)avg / 1000);
    EXPECT(m > 900000, "lowest %lld", (long long)m);
    EXPECT(avg < 2100000, "average %lld", (long long)avg);
}

int main(void)
{
    test_converge();
    test_from_ceiling();
    test_drop_and_back();
    test_random_loss();
    if (failures) {
        fprintf(stderr, "sim_bwe: %d failed\n", failures);
        return 1;
    }
    printf("sim_bwe: ok\n");
    return 0;
}
