/* test_router_churn.c -- a participant who renegotiates, leaves and rejoins in
 * a loop must not grow the router's memory: tracks that come and go reuse the
 * packet pool, so its size stays what the live tracks need. */
#include <string.h>

#include "media/core/router.h"
#include "yf_test.h"

static uint32_t add_video(yf_router *r, uint32_t participant, unsigned n)
{
    yf_router_track_config tc;
    uint32_t id = 0;
    memset(&tc, 0, sizeof tc);
    tc.kind = YF_TRACK_VIDEO;
    tc.codec = YF_CODEC_VP8;
    tc.pt = 96;
    tc.clock_rate = 90000;
    tc.nack = true;
    snprintf(tc.mid, sizeof tc.mid, "v%u", n);
    CHECK_EQ_INT(yf_router_add_publisher_track(r, participant, &tc, &id), YF_OK);
    return id;
}

int main(void)
{
    yf_router_config cfg;
    yf_router_stats st;
    memset(&cfg, 0, sizeof cfg);
    yf_router *r = yf_router_new(&cfg);
    CHECK(r != NULL);
    CHECK_EQ_INT(yf_router_add_participant(r, 1), YF_OK);
    CHECK_EQ_INT(yf_router_add_participant(r, 2), YF_OK);
    uint32_t keep = add_video(r, 2, 0); /* a second publisher stays throughout */
    yf_router_get_stats(r, &st);
    uint64_t one_track = st.pool_buffers;

    /* 300 renegotiations, each replacing participant 1's video track. */
    for (unsigned i = 1; i <= 300; i++) {
        uint32_t id = add_video(r, 1, i);
        CHECK_EQ_INT(yf_router_remove_publisher_track(r, id), YF_OK);
    }
    /* 100 leave/join cycles with a track each time. */
    for (unsigned i = 0; i < 100; i++) {
        CHECK_EQ_INT(yf_router_remove_participant(r, 1), YF_OK);
        CHECK_EQ_INT(yf_router_add_participant(r, 1), YF_OK);
        add_video(r, 1, 1000 + i);
    }
    yf_router_get_stats(r, &st);
    /* Two live video tracks need about twice one track's share; churn adds nothing. */
    CHECK(st.pool_buffers <= 2 * one_track);
    CHECK_EQ_INT(yf_router_remove_publisher_track(r, keep), YF_OK);
    yf_router_free(r);
    return yf_test_done("test_router_churn");
}
