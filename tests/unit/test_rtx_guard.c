/* test_rtx_guard.c -- the router's resend guard (media/core/rtx_guard.h): a
 * table of NACKed seqs at given times and whether each is resent; the round
 * trip from LSR/DLSR (RFC 3550 section 6.4.1); the budget of half the
 * forwarded packets; the slots reused oldest first. */
#include "media/core/rtx_guard.h"
#include "yf_test.h"

/* Asks, and when allowed resends (the router's order: ask, queue, record). */
static bool resend(yf_rtx_guard *g, int64_t now_us, uint16_t seq)
{
    if (!yf_rtx_guard_allow(g, now_us, seq))
        return false;
    yf_rtx_guard_on_resend(g, now_us, seq);
    return true;
}

typedef struct {
    int64_t now_us;
    uint16_t seq;
    bool allowed;
} ask;

static void run_table(yf_rtx_guard *g, const ask *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        bool got = resend(g, t[i].now_us, t[i].seq);
        if (got != t[i].allowed)
            fprintf(stderr, "%s row %zu: seq %u at %lld: %d, want %d\n", name, i, t[i].seq,
                    (long long)t[i].now_us, got, t[i].allowed);
        CHECK(got == t[i].allowed);
    }
}

/* No round trip yet: one resend per packet per 100 ms. */
static void test_default_interval(void)
{
    yf_rtx_guard g;
    yf_rtx_guard_init(&g);
    CHECK_EQ_INT(yf_rtx_guard_interval(&g), YF_RTX_GUARD_DEFAULT_US);
    static const ask t[] = {
        { 1000000, 10, true },  { 1010000, 10, false }, { 1010000, 11, true },
        { 1099999, 10, false }, { 1100000, 10, true },  { 1150000, 11, true },
        { 1150000, 65535, true }, { 1160000, 65535, false },
    };
    run_table(&g, t, sizeof t / sizeof t[0], "default");
    CHECK_EQ_INT(g.repeats, 3);
    CHECK_EQ_INT(g.over_budget, 0);
}

/* The round trip from our SR and the subscriber's RR; 5/4 of it, clamped. */
static void test_round_trip(void)
{
    yf_rtx_guard g;
    yf_rtx_guard_init(&g);
    uint64_t ntp1 = 0xE1234567ABCD0000ull, ntp2 = 0xE1234568ABCD0000ull;
    yf_rtx_guard_on_rr(&g, 500000, 0, 0);                 /* LSR 0: nothing */
    CHECK_EQ_INT(g.rtt_us, 0);
    yf_rtx_guard_on_sr(&g, 1000000, ntp1);
    yf_rtx_guard_on_sr(&g, 2000000, ntp2);
    yf_rtx_guard_on_rr(&g, 2300000, 0x12345678u, 0);      /* unknown LSR */
    CHECK_EQ_INT(g.rtt_us, 0);
    /* the older SR, held 0.5 s (32768/65536) by the subscriber */
    yf_rtx_guard_on_rr(&g, 1800000, (uint32_t)(ntp1 >> 16), 32768);
    CHECK_EQ_INT(g.rtt_us, 300000);
    CHECK_EQ_INT(yf_rtx_guard_interval(&g), 375000);
    yf_rtx_guard_on_rr(&g, 2040000, (uint32_t)(ntp2 >> 16), 0);
    CHECK_EQ_INT(g.rtt_us, 40000);
    CHECK_EQ_INT(yf_rtx_guard_interval(&g), 50000);
    yf_rtx_guard_on_rr(&g, 2000000, (uint32_t)(ntp2 >> 16), 65536); /* negative: ignored */
    CHECK_EQ_INT(g.rtt_us, 40000);
    yf_rtx_guard_on_rr(&g, 2005000, (uint32_t)(ntp2 >> 16), 0);      /* 5 ms: the floor */
    CHECK_EQ_INT(yf_rtx_guard_interval(&g), YF_RTX_GUARD_MIN_US);
    yf_rtx_guard_on_rr(&g, 9000000, (uint32_t)(ntp2 >> 16), 0);      /* 7 s: the ceiling */
    CHECK_EQ_INT(yf_rtx_guard_interval(&g), YF_RTX_GUARD_MAX_US);
    yf_rtx_guard_on_rr(&g, 20000000, (uint32_t)(ntp2 >> 16), 0);     /* over 10 s: ignored */
    CHECK_EQ_INT(g.rtt_us, 7000000);
    /* with 300 ms learnt, asks every 10 ms over 400 ms get two resends */
    yf_rtx_guard_on_rr(&g, 1800000, (uint32_t)(ntp1 >> 16), 32768);
    int sent = 0;
    for (int64_t t = 3000000; t < 3400000; t += 10000)
        sent += resend(&g, t, 777);
    CHECK_EQ_INT(sent, 2);
}

/* The budget: a burst of 32, then half a resend per forwarded packet. */
static void test_budget(void)
{
    yf_rtx_guard g;
    yf_rtx_guard_init(&g);
    int sent = 0;
    for (uint16_t s = 0; s < 40; s++)
        sent += resend(&g, 1000000, s);
    CHECK_EQ_INT(sent, YF_RTX_GUARD_BURST);
    CHECK_EQ_INT(g.over_budget, 40 - YF_RTX_GUARD_BURST);
    for (int i = 0; i < 10; i++)
        yf_rtx_guard_on_forward(&g);
    sent = 0;
    for (uint16_t s = 100; s < 110; s++)
        sent += resend(&g, 2000000, s);
    CHECK_EQ_INT(sent, 5);
    /* the budget fills to the burst, no further */
    for (int i = 0; i < 1000; i++)
        yf_rtx_guard_on_forward(&g);
    CHECK_EQ_INT(g.half_tokens, 2 * YF_RTX_GUARD_BURST);
}

/* More packets than slots within one interval: the oldest slot is reused,
 * so the newest resends are remembered. */
static void test_slots(void)
{
    yf_rtx_guard g;
    yf_rtx_guard_init(&g);
    for (uint16_t s = 0; s < YF_RTX_GUARD_SLOTS + 4; s++) {
        yf_rtx_guard_on_forward(&g), yf_rtx_guard_on_forward(&g);
        CHECK(resend(&g, 1000000 + s * 1000, (uint16_t)(s * 32)));
    }
    /* the four oldest were forgotten, the rest are held */
    CHECK(resend(&g, 1050000, 0));
    CHECK(!resend(&g, 1050000, (uint16_t)(10 * 32)));
    CHECK(!resend(&g, 1050000, (uint16_t)((YF_RTX_GUARD_SLOTS + 3) * 32)));
}

/* A resend allowed but never queued (the router's output queue was full)
 * spends nothing and is not remembered: the next NACK of it is answered. */
static void test_unsent_resend_is_free(void)
{
    yf_rtx_guard g;
    yf_rtx_guard_init(&g);
    for (uint16_t s = 0; s < 3 * YF_RTX_GUARD_BURST; s++)
        CHECK(yf_rtx_guard_allow(&g, 1000000, s)); /* none queued */
    CHECK_EQ_INT(g.half_tokens, 2 * YF_RTX_GUARD_BURST);
    CHECK_EQ_INT(g.over_budget, 0);
    CHECK(resend(&g, 1001000, 5));                 /* asked again: answered */
    CHECK_EQ_INT(g.half_tokens, 2 * YF_RTX_GUARD_BURST - 2);
    CHECK(!yf_rtx_guard_allow(&g, 1002000, 5));    /* now it was sent: held */
    CHECK_EQ_INT(g.repeats, 1);
}

int main(void)
{
    test_default_interval();
    test_round_trip();
    test_budget();
    test_slots();
    test_unsent_resend_is_free();
    return yf_test_done("test_rtx_guard");
}
