/* net_stats.c -- the media workers' counters (net_stats.h): one cell per
 * worker, found through a thread-local pointer each worker sets as it starts;
 * written only by that worker, summed by readers on any thread. */
#include "net_priv.h"
#include "net_stats.h"

static __thread yf_net_stats *mine;

yf_net_stats *yf_net_stats_mine(void)
{
    return mine;
}

void yf_net_stats_set_mine(yf_net_stats *cell)
{
    mine = cell;
}

void yf_net_stats_add(const yf_net_stats *delta)
{
    uint64_t *dst = (uint64_t *)mine;
    const uint64_t *src = (const uint64_t *)delta;
    if (!mine)
        return;
    for (size_t i = 0; i < YF_NET_STATS_FIELDS; i++)
        if (src[i])
            __atomic_store_n(&dst[i], __atomic_load_n(&dst[i], __ATOMIC_RELAXED) + src[i], __ATOMIC_RELAXED);
}

const uint64_t yf_net_forward_bounds_us[YF_NET_FORWARD_BUCKETS] = { 25, 50, 100, 200, 500, 1000, 2000, 5000, 10000, UINT64_MAX };

void yf_net_stats_forward(int64_t us)
{
    size_t b = 0;

    if (!mine)
        return;
    if (us < 0)
        us = 0;
    while ((uint64_t)us > yf_net_forward_bounds_us[b])
        b++;
    YF_NET_STATS_ADD(mine, forward_us_le[b], 1);
    YF_NET_STATS_ADD(mine, forward_us_sum, (uint64_t)us);
}

void yf_net_get_stats(yf_net *m, yf_net_stats *out)
{
    uint64_t *sum = (uint64_t *)out;
    memset(out, 0, sizeof *out);
    for (unsigned w = 0; m && w < m->n_workers; w++) {
        const uint64_t *cell = (const uint64_t *)&m->workers[w].stats;
        for (size_t i = 0; i < YF_NET_STATS_FIELDS; i++)
            sum[i] += __atomic_load_n(&cell[i], __ATOMIC_RELAXED);
    }
}
