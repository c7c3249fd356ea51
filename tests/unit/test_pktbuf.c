/* test_pktbuf.c -- the packet pool's order of hand-out (pktbuf.h: a freed
 * buffer is reused before a never-used one, so only what the tracks hold
 * ever becomes resident) and the retransmission cache's age limit
 * (nack.h: yf_rtx_cache_set_max_age), across sequence wrap-around, gaps,
 * retransmitted copies and jumps. */
#include "media/core/nack.h"
#include "media/core/pktbuf.h"
#include "yf_test.h"

static void test_reuse_first(void)
{
    yf_pktbuf_pool *pool = yf_pktbuf_pool_new(3);
    CHECK(pool != NULL);
    CHECK(yf_pktbuf_pool_grow(pool, 2) == YF_OK);
    CHECK_EQ_INT(yf_pktbuf_pool_size(pool), 5);
    yf_pktbuf *a = yf_pktbuf_alloc(pool);
    yf_pktbuf_unref(pool, a);
    CHECK(yf_pktbuf_alloc(pool) == a); /* the freed one, not a fresh one */
    yf_pktbuf *all[5] = { a };
    for (int i = 1; i < 5; i++) {
        all[i] = yf_pktbuf_alloc(pool);
        CHECK(all[i] != NULL);
        CHECK_EQ_INT(all[i]->refs, 1);
        CHECK_EQ_INT(all[i]->len, 0);
        for (int j = 0; j < i; j++)
            CHECK(all[i] != all[j]);
    }
    CHECK(yf_pktbuf_alloc(pool) == NULL);
    CHECK_EQ_INT(yf_pktbuf_pool_exhausted(pool), 1);
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 5);
    yf_pktbuf_unref(pool, all[3]);
    CHECK(yf_pktbuf_alloc(pool) == all[3]);
    for (int i = 0; i < 5; i++)
        yf_pktbuf_unref(pool, all[i]);
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 0);
    yf_pktbuf_pool_free(pool);
}

/* Puts seq with arrival time at_ms and drops the caller's reference. */
static void put(yf_rtx_cache *c, yf_pktbuf_pool *pool, uint16_t seq, int64_t at_ms)
{
    yf_pktbuf *b = yf_pktbuf_alloc(pool);
    CHECK(b != NULL);
    if (!b)
        return;
    b->seq = seq;
    b->arrival_us = at_ms * 1000;
    yf_rtx_cache_put(c, pool, b);
    yf_pktbuf_unref(pool, b);
}

static void test_max_age(void)
{
    yf_pktbuf_pool *pool = yf_pktbuf_pool_new(64);
    yf_rtx_cache c;
    yf_rtx_cache_init(&c, 32);
    yf_rtx_cache_set_max_age(&c, 100000); /* 100 ms */

    /* 65530 .. 3 across the wrap, 10 ms apart */
    for (int i = 0; i < 10; i++)
        put(&c, pool, (uint16_t)(65530 + i), 10 * i);
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 10); /* 0 .. 90 ms: all young */
    put(&c, pool, 4, 125);                          /* before 25 ms goes: 65530..65532 */
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 8);
    CHECK(yf_rtx_cache_get(&c, 65532) == NULL);
    CHECK(yf_rtx_cache_get(&c, 65533) != NULL);
    CHECK(yf_rtx_cache_get(&c, 4) != NULL);

    /* a gap (5..7 never came), then 65534 again (a retransmission): the
     * new copy replaces the old, which was due to go anyway */
    put(&c, pool, 8, 140);
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 8); /* 65533 arrived at 30: before 40, gone */
    CHECK(yf_rtx_cache_get(&c, 65533) == NULL);
    put(&c, pool, 65534, 141);
    CHECK(yf_rtx_cache_get(&c, 65534) != NULL);
    put(&c, pool, 9, 300); /* everything before 200 ms goes, the late copy too */
    CHECK(yf_rtx_cache_get(&c, 8) == NULL);
    CHECK(yf_rtx_cache_get(&c, 9) != NULL);
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 1);

    /* a jump far ahead (a new source): what came before still ages out */
    put(&c, pool, 30000, 301);
    put(&c, pool, 30001, 302);
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 3);
    put(&c, pool, 30002, 500);
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 1);
    CHECK(yf_rtx_cache_get(&c, 30002) != NULL);

    yf_rtx_cache_clear(&c, pool);
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 0);
    /* after clear the walk starts again at the next packet */
    put(&c, pool, 100, 1000);
    put(&c, pool, 101, 2000);
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 1);
    yf_rtx_cache_clear(&c, pool);

    /* young packets beyond the slot count: the slots still bound the cache */
    for (int i = 0; i < 40; i++)
        put(&c, pool, (uint16_t)(200 + i), 3000);
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 32);
    CHECK(yf_rtx_cache_get(&c, 207) == NULL);
    CHECK(yf_rtx_cache_get(&c, 208) != NULL);
    put(&c, pool, 240, 3200); /* then age: all but the newest go */
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 1);
    yf_rtx_cache_clear(&c, pool);

    /* without an age limit only the slot count evicts */
    yf_rtx_cache_set_max_age(&c, 0);
    for (int i = 0; i < 40; i++)
        put(&c, pool, (uint16_t)i, 1000 * i);
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 32);
    yf_rtx_cache_clear(&c, pool);
    CHECK_EQ_INT(yf_pktbuf_pool_in_use(pool), 0);
    yf_pktbuf_pool_free(pool);
}

int main(void)
{
    test_reuse_first();
    test_max_age();
    return yf_test_done("test_pktbuf");
}
