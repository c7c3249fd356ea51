/* test_rewrite.c -- per subscriber track rewriting (rewrite.h): tables of
 * source packets and the (seq, ts) that must come out, across source
 * switches, keyframe gating and wrap-around (RFC 3550 §5.1); plus the
 * retransmission cache and NACK generator (nack.h). */
#include "media/core/nack.h"
#include "media/core/rewrite.h"
#include "yf_test.h"

typedef struct {
    int64_t now_us;
    uint32_t ssrc;
    uint16_t seq;
    uint32_t ts;
    bool key;
    bool fwd;
    uint16_t out_seq;
    uint32_t out_ts;
} step;

/* video, clock 90 kHz, bases seq 1000 / ts 5000 */
static const step video[] = {
    { 1000000, 0xA, 40000, 777, false, false, 0, 0 },      /* waits for a key */
    { 1000000, 0xA, 40001, 777, true, true, 1000, 5000 },  /* epoch 1 */
    { 1000000, 0xA, 40002, 777, false, true, 1001, 5000 },
    { 1033000, 0xA, 40004, 3747, false, true, 1003, 7970 }, /* a source gap stays */
    { 1034000, 0xA, 40003, 3747, false, true, 1002, 7970 }, /* late: mapped */
    { 1034000, 0xA, 40000, 777, false, false, 0, 0 },       /* before the epoch */
    /* switch after 100 ms: seq continues at 1004, ts by 100 ms = 9000 */
    { 1133000, 0xB, 7, 123456, false, false, 0, 0 },        /* no key yet */
    { 1133000, 0xB, 8, 123456, true, true, 1004, 16970 },
    { 1166000, 0xB, 9, 126426, false, true, 1005, 19940 },
    { 1166000, 0xA, 40005, 3747, true, true, 1006, 19941 }, /* back to A: key, ts +1 */
};

/* audio, 48 kHz, seq wraps; a switch needs no keyframe */
static const step audio[] = {
    { 0, 0x1, 65534, 100, false, true, 65535, 0xFFFFFF00u },
    { 20000, 0x1, 65535, 1060, false, true, 0, 0xFFFFFF00u + 960 },
    { 40000, 0x1, 0, 2020, false, true, 1, 0xFFFFFF00u + 1920 },
    { 100000, 0x2, 500, 9, false, true, 2, 0xFFFFFF00u + 1920 + 2880 },
};

static void run(const char *name, const step *s, size_t n, bool video_kind, uint16_t seq_base,
                uint32_t ts_base, uint32_t clock)
{
    yf_rewrite rw;
    yf_rewrite_init(&rw, 0x1234, 96, clock, video_kind, seq_base, ts_base);
    for (size_t i = 0; i < n; i++) {
        uint16_t seq = 0;
        uint32_t ts = 0;
        bool fwd = yf_rewrite_packet(&rw, s[i].now_us, s[i].ssrc, s[i].seq, s[i].ts, s[i].key, &seq, &ts);
        if (fwd != s[i].fwd || (fwd && (seq != s[i].out_seq || ts != s[i].out_ts)))
            fprintf(stderr, "%s step %zu: fwd %d seq %u ts %u\n", name, i, fwd, seq, ts);
        CHECK(fwd == s[i].fwd);
        if (fwd && s[i].fwd) {
            CHECK_EQ_INT(seq, s[i].out_seq);
            CHECK_EQ_INT(ts, s[i].out_ts);
        }
    }
}

static void test_map_back(void)
{
    yf_rewrite rw;
    uint16_t seq, src;
    uint32_t ts;
    yf_rewrite_init(&rw, 1, 96, 90000, true, 100, 0);
    CHECK(!yf_rewrite_map_back(&rw, 100, &src));
    CHECK(yf_rewrite_packet(&rw, 0, 9, 500, 0, true, &seq, &ts));
    CHECK(yf_rewrite_packet(&rw, 0, 9, 510, 0, false, &seq, &ts));
    CHECK(yf_rewrite_map_back(&rw, 105, &src));
    CHECK_EQ_INT(src, 505);
    CHECK(!yf_rewrite_map_back(&rw, 99, &src));   /* before the epoch */
    CHECK(!yf_rewrite_map_back(&rw, 111, &src));  /* not yet sent */
    CHECK_EQ_INT(yf_rewrite_out_ts(&rw, 90), 90);
}

static void test_cache(void)
{
    yf_pktbuf_pool *pool = yf_pktbuf_pool_new(4);
    yf_rtx_cache c;
    yf_rtx_cache_init(&c, 3); /* rounds to 2 */
    CHECK_EQ_INT(c.size, 2);
    yf_pktbuf *a = yf_pktbuf_alloc(pool), *b = yf_pktbuf_alloc(pool), *d = yf_pktbuf_alloc(pool);
    a->seq = 10;
    b->seq = 11;
    d->seq = 12;
    yf_rtx_cache_put(&c, pool, a);
    yf_rtx_cache_put(&c, pool, b);
    yf_pktbuf_unref(pool, a);
    yf_pktbuf_unref(pool, b);
    CHECK(yf_rtx_cache_get(&c, 10) == a);
    CHECK(yf_rtx_cache_get(&c, 12) == NULL);
    yf_rtx_cache_put(&c, pool, d);   /* evicts 10: back to the pool */
    yf_pktbuf_unref(pool, d);
    CHECK(yf_rtx_cache_get(&c, 10) == NULL);
    CHECK(yf_rtx_cache_get(&c, 12) == d);
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 2);
    yf_rtx_cache_clear(&c, pool);
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 0);
    for (int i = 0; i < 4; i++)
        CHECK(yf_pktbuf_alloc(pool) != NULL);
    CHECK(yf_pktbuf_alloc(pool) == NULL);
    CHECK_EQ_INT(yf_pktbuf_pool_exhausted(pool), 1);
    yf_pktbuf_pool_free(pool);
}

static void test_nack_gen(void)
{
    yf_nack_gen g;
    uint16_t seqs[16];
    size_t n;
    yf_nack_gen_init(&g, 50000, 5000, 2);
    yf_nack_gen_on_packet(&g, 0, 65533);
    yf_nack_gen_on_packet(&g, 1000, 1);           /* 65534, 65535, 0 missing */
    CHECK_EQ_INT(yf_nack_gen_next_timeout(&g), 6000);
    yf_nack_gen_poll(&g, 5999, seqs, 16, &n);
    CHECK_EQ_INT(n, 0);
    yf_nack_gen_poll(&g, 6000, seqs, 16, &n);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(seqs[0], 65534);
    CHECK_EQ_INT(seqs[2], 0);
    yf_nack_gen_on_packet(&g, 46000, 65535);       /* 40 ms: an RTT sample */
    CHECK_EQ_INT(g.srtt_us, 50000 + (40000 - 50000) / 8);
    int64_t t = yf_nack_gen_next_timeout(&g);
    yf_nack_gen_poll(&g, t, seqs, 16, &n);          /* second and last try */
    CHECK_EQ_INT(n, 2);
    yf_nack_gen_poll(&g, yf_nack_gen_next_timeout(&g), seqs, 16, &n);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(g.st.gave_up, 2);
    CHECK_EQ_INT(g.st.recovered, 1);
    CHECK_EQ_INT(yf_nack_gen_next_timeout(&g), YF_TIME_NEVER);
}

int main(void)
{
    run("video", video, sizeof video / sizeof video[0], true, 1000, 5000, 90000);
    run("audio", audio, sizeof audio / sizeof audio[0], false, 65535, 0xFFFFFF00u, 48000);
    test_map_back();
    test_cache();
    test_nack_gen();
    return yf_test_done("test_rewrite");
}
