/* httprate.c -- a token bucket of HTTP requests per client address (an IPv4
 * address or an IPv6 /64, signaling/peers) and the set of requests refused
 * and not yet answered. Reads no clock and no socket: the caller passes now
 * and the address, so the rules are unit-tested (tests/unit/test_httprate.c). */
#include "httprate.h"

typedef struct {
    yf_peer_key key;
    yf_peers_bucket bucket;
} entry;

/* Invariants: `buckets` maps a key to the entry that holds it, at most
 * max_addresses of them; `refused` maps a request to its wait (>= 1). */
struct yf_httprate {
    double per_s, burst;
    guint max_addresses;
    GHashTable *buckets;    /* yf_peer_key* (in the entry) -> entry* */
    GHashTable *refused;    /* request -> GUINT_TO_POINTER(seconds) */
};

yf_httprate *yf_httprate_new(double per_s, double burst_s, guint max_addresses)
{
    yf_httprate *h = g_new0(yf_httprate, 1);
    h->per_s = per_s > 0 ? per_s : 1;
    h->burst = MAX(1.0, h->per_s * burst_s);
    h->max_addresses = MAX(1u, max_addresses);
    h->buckets = g_hash_table_new_full(yf_peer_key_hash, yf_peer_key_equal, NULL, g_free);
    h->refused = g_hash_table_new(g_direct_hash, g_direct_equal);
    return h;
}

void yf_httprate_free(yf_httprate *h)
{
    if (!h)
        return;
    g_hash_table_destroy(h->buckets);
    g_hash_table_destroy(h->refused);
    g_free(h);
}

/* Room for one more address: forget those whose bucket has refilled (they
 * are as if never seen); if none has, the one idle longest. */
static void make_room(yf_httprate *h, gint64 now_us)
{
    GHashTableIter it;
    gpointer k, v;
    entry *oldest = NULL;
    g_hash_table_iter_init(&it, h->buckets);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        entry *e = v;
        double full_after_s = (h->burst - e->bucket.tokens) / h->per_s;
        if ((double)(now_us - e->bucket.last_us) / G_USEC_PER_SEC >= full_after_s)
            g_hash_table_iter_remove(&it);
        else if (!oldest || e->bucket.last_us < oldest->bucket.last_us)
            oldest = e;
    }
    if (g_hash_table_size(h->buckets) >= h->max_addresses && oldest)
        g_hash_table_remove(h->buckets, &oldest->key);
}

guint yf_httprate_take(yf_httprate *h, const void *req, const yf_peer_key *key, gint64 now_us)
{
    entry *e = g_hash_table_lookup(h->buckets, key);
    if (!e) {
        if (g_hash_table_size(h->buckets) >= h->max_addresses)
            make_room(h, now_us);
        e = g_new0(entry, 1);
        e->key = *key;
        g_hash_table_insert(h->buckets, &e->key, e);
    }
    if (yf_peers_bucket_take(&e->bucket, now_us > 0 ? now_us : 1, h->per_s, h->burst)) {
        g_hash_table_remove(h->refused, req);
        return 0;
    }
    double wait = (1.0 - e->bucket.tokens) / h->per_s;   /* until one token is back */
    guint secs = wait > 3600 ? 3600 : (guint)wait;
    if (secs < wait || secs == 0)
        secs++;
    g_hash_table_insert(h->refused, (gpointer)req, GUINT_TO_POINTER(secs));
    return secs;
}

guint yf_httprate_refused(yf_httprate *h, const void *req)
{
    if (!h)
        return 0;
    guint secs = GPOINTER_TO_UINT(g_hash_table_lookup(h->refused, req));
    if (secs)
        g_hash_table_remove(h->refused, req);
    return secs;
}

void yf_httprate_forget(yf_httprate *h, const void *req)
{
    if (h)
        g_hash_table_remove(h->refused, req);
}

guint yf_httprate_addresses(const yf_httprate *h)
{
    return g_hash_table_size(h->buckets);
}
