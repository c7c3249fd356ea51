/* peers.c -- counts per client address and the accept/create/destroy
 * bookkeeping of a listener's network connections (peers.h). A slip in the
 * bookkeeping (a release with nothing held, a connection pointer reused
 * after lws freed it without telling) is mended and logged at debug; it
 * never crashes and never lets a count go below zero. */
#define G_LOG_DOMAIN "yf-peers"
#include "peers.h"

#include <netinet/in.h>
#include <string.h>

gboolean yf_peer_key_from_sockaddr(const struct sockaddr *sa, socklen_t len, yf_peer_key *key)
{
    memset(key, 0, sizeof *key);
    if (sa && sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        key->family = 4;
        memcpy(key->bytes, &in->sin_addr, 4);
        return TRUE;
    }
    if (sa && sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        const guint8 *a = in6->sin6_addr.s6_addr;
        static const guint8 v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a, v4mapped, sizeof v4mapped) == 0) {
            key->family = 4;
            memcpy(key->bytes, a + 12, 4);
        } else {
            key->family = 6;
            memcpy(key->bytes, a, 8);
        }
        return TRUE;
    }
    return FALSE;
}

guint yf_peer_key_hash(gconstpointer k)
{
    const yf_peer_key *key = k;
    guint h = key->family;
    for (size_t i = 0; i < sizeof key->bytes; i++)
        h = h * 31u + key->bytes[i];
    return h;
}

gboolean yf_peer_key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(yf_peer_key)) == 0;
}

/* ---- counts per address ---- */

struct yf_peers {
    GHashTable *counts;     /* yf_peer_key * (owned) -> GUINT count > 0 */
    guint total;
};

yf_peers *yf_peers_new(void)
{
    yf_peers *p = g_new0(yf_peers, 1);
    p->counts = g_hash_table_new_full(yf_peer_key_hash, yf_peer_key_equal, g_free, NULL);
    return p;
}

void yf_peers_free(yf_peers *p)
{
    if (!p)
        return;
    g_hash_table_destroy(p->counts);
    g_free(p);
}

guint yf_peers_count(const yf_peers *p, const yf_peer_key *key)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(p->counts, key));
}

gboolean yf_peers_take(yf_peers *p, const yf_peer_key *key, int limit)
{
    guint n = yf_peers_count(p, key);
    if (limit > 0 && n >= (guint)limit)
        return FALSE;
    if (n == 0)
        g_hash_table_insert(p->counts, g_memdup2(key, sizeof *key), GUINT_TO_POINTER(1u));
    else
        g_hash_table_replace(p->counts, g_memdup2(key, sizeof *key), GUINT_TO_POINTER(n + 1));
    p->total++;
    return TRUE;
}

void yf_peers_release(yf_peers *p, const yf_peer_key *key)
{
    guint n = yf_peers_count(p, key);
    if (n == 0) {
        g_debug("release for an address that holds nothing (ignored)");
        return;
    }
    if (n == 1)
        g_hash_table_remove(p->counts, key);
    else
        g_hash_table_replace(p->counts, g_memdup2(key, sizeof *key), GUINT_TO_POINTER(n - 1));
    p->total--;
}

guint yf_peers_total(const yf_peers *p)
{
    return p->total;
}

guint yf_peers_addresses(const yf_peers *p)
{
    return g_hash_table_size(p->counts);
}

gboolean yf_peers_ratelog_due(yf_peers_ratelog *r, gint64 now_us, gint64 interval_us, guint *suppressed)
{
    if (r->last_us != 0 && now_us - r->last_us < interval_us) {
        r->suppressed++;
        return FALSE;
    }
    *suppressed = r->suppressed;
    r->suppressed = 0;
    r->last_us = now_us != 0 ? now_us : 1;
    return TRUE;
}

gboolean yf_peers_bucket_take(yf_peers_bucket *b, gint64 now_us, double rate_per_s, double burst)
{
    if (b->last_us == 0) {
        b->tokens = burst;
    } else if (now_us > b->last_us) {
        b->tokens += (double)(now_us - b->last_us) * rate_per_s / (double)G_USEC_PER_SEC;
        if (b->tokens > burst)
            b->tokens = burst;
    }
    b->last_us = now_us != 0 ? now_us : 1;
    if (b->tokens < 1.0)
        return FALSE;
    b->tokens -= 1.0;
    return TRUE;
}

/* ---- network connections ---- */

/* Invariants: every key in conns is counted once in peers; pending is
 * counted in peers and in no entry of conns. */
struct yf_conntrack {
    int limit;
    yf_peers *peers;
    GHashTable *conns;      /* const void *conn -> yf_peer_key * (owned) */
    gboolean has_pending;
    yf_peer_key pending;    /* accepted, its wsi not created yet */
};

yf_conntrack *yf_conntrack_new(int limit)
{
    yf_conntrack *c = g_new0(yf_conntrack, 1);
    c->limit = limit;
    c->peers = yf_peers_new();
    c->conns = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    return c;
}

void yf_conntrack_free(yf_conntrack *c)
{
    if (!c)
        return;
    g_hash_table_destroy(c->conns);
    yf_peers_free(c->peers);
    g_free(c);
}

gboolean yf_conntrack_accept(yf_conntrack *c, const yf_peer_key *key, guint *held)
{
    if (c->has_pending) {   /* the last accept never got its wsi (lws ran out of memory) */
        g_debug("an accepted connection had no wsi; its count given back");
        yf_peers_release(c->peers, &c->pending);
        c->has_pending = FALSE;
    }
    if (held)
        *held = yf_peers_count(c->peers, key);
    if (!yf_peers_take(c->peers, key, c->limit))
        return FALSE;
    c->pending = *key;
    c->has_pending = TRUE;
    return TRUE;
}

void yf_conntrack_created(yf_conntrack *c, const void *conn)
{
    if (!c->has_pending)
        return;     /* an HTTP/2 stream, or the listener itself */
    yf_peer_key *old = g_hash_table_lookup(c->conns, conn);
    if (old) {      /* lws freed this pointer once without WSI_DESTROY */
        g_debug("a connection pointer came back without its end; old count given back");
        yf_peers_release(c->peers, old);
    }
    g_hash_table_replace(c->conns, (gpointer)conn, g_memdup2(&c->pending, sizeof c->pending));
    c->has_pending = FALSE;
}

void yf_conntrack_destroyed(yf_conntrack *c, const void *conn)
{
    yf_peer_key *key = g_hash_table_lookup(c->conns, conn);
    if (!key)
        return;
    yf_peers_release(c->peers, key);
    g_hash_table_remove(c->conns, conn);
}

const yf_peer_key *yf_conntrack_key_of(const yf_conntrack *c, const void *conn)
{
    return g_hash_table_lookup(c->conns, conn);
}

const yf_peers *yf_conntrack_peers(const yf_conntrack *c)
{
    return c->peers;
}
