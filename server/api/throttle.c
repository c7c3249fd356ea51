/* throttle.c -- per-key failure windows for sign-in (see throttle.h). A hash
 * table of key -> {first failure, count, locked until}; entries whose window
 * and lock are over are dropped when seen and before the table grows. */
#include "throttle.h"

typedef struct {
    int64_t window_start;
    int64_t locked_until;
    unsigned failures;
    int64_t reported_lock;   /* the locked_until last reported refused */
} entry;

struct yf_throttle {
    GHashTable *keys;      /* char* -> entry* */
    unsigned max_failures, max_keys;
    int64_t window_ms, lock_ms;
};

yf_throttle *yf_throttle_new(unsigned max_failures, int64_t window_ms, int64_t lock_ms, unsigned max_keys)
{
    yf_throttle *t = g_new0(yf_throttle, 1);
    t->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    t->max_failures = max_failures ? max_failures : 1;
    t->window_ms = window_ms;
    t->lock_ms = lock_ms;
    t->max_keys = max_keys ? max_keys : 1;
    return t;
}

void yf_throttle_free(yf_throttle *t)
{
    if (!t)
        return;
    g_hash_table_destroy(t->keys);
    g_free(t);
}

static gboolean expired(const yf_throttle *t, const entry *e, int64_t now_ms)
{
    return now_ms >= e->window_start + t->window_ms && now_ms >= e->locked_until;
}

static gboolean drop_expired(gpointer key, gpointer value, gpointer data)
{
    const int64_t *now = ((const int64_t **)data)[1];
    return expired(((const yf_throttle **)data)[0], value, *now);
}

/* Which entry to give up first: any unlocked one before a locked one (so a
 * flood of new keys cannot free a locked account to more guesses), the
 * oldest window among the unlocked, the lock that ends soonest among the
 * locked. */
static gboolean evict_before(const entry *a, const entry *b, int64_t now_ms)
{
    gboolean la = a->locked_until > now_ms, lb = b->locked_until > now_ms;
    if (la != lb)
        return !la;
    return la ? a->locked_until < b->locked_until : a->window_start < b->window_start;
}

/* Makes room for one more key: expired ones first, then by evict_before. */
static void make_room(yf_throttle *t, int64_t now_ms)
{
    const void *ctx[2] = {t, &now_ms};
    g_hash_table_foreach_remove(t->keys, drop_expired, ctx);
    while (g_hash_table_size(t->keys) >= t->max_keys) {
        GHashTableIter it;
        gpointer k, v, victim = NULL;
        const entry *worst = NULL;
        g_hash_table_iter_init(&it, t->keys);
        while (g_hash_table_iter_next(&it, &k, &v))
            if (!worst || evict_before(v, worst, now_ms)) {
                worst = v;
                victim = k;
            }
        g_hash_table_remove(t->keys, victim);
    }
}

int64_t yf_throttle_wait_ms(yf_throttle *t, const char *key, int64_t now_ms)
{
    entry *e = g_hash_table_lookup(t->keys, key);
    if (!e)
        return 0;
    if (expired(t, e, now_ms)) {
        g_hash_table_remove(t->keys, key);
        return 0;
    }
    return e->locked_until > now_ms ? e->locked_until - now_ms : 0;
}

void yf_throttle_fail(yf_throttle *t, const char *key, int64_t now_ms)
{
    entry *e = g_hash_table_lookup(t->keys, key);
    if (e && expired(t, e, now_ms)) {
        g_hash_table_remove(t->keys, key);
        e = NULL;
    }
    if (!e) {
        if (g_hash_table_size(t->keys) >= t->max_keys)
            make_room(t, now_ms);
        e = g_new0(entry, 1);
        e->window_start = now_ms;
        g_hash_table_insert(t->keys, g_strdup(key), e);
    }
    if (++e->failures >= t->max_failures) {
        int64_t until = MAX(e->window_start + t->window_ms, now_ms + t->lock_ms);
        e->locked_until = MAX(e->locked_until, until);
    }
}

void yf_throttle_success(yf_throttle *t, const char *key)
{
    g_hash_table_remove(t->keys, key);
}

guint yf_throttle_size(const yf_throttle *t)
{
    return g_hash_table_size(t->keys);
}

gboolean yf_throttle_first_refusal(yf_throttle *t, const char *key, int64_t now_ms)
{
    entry *e = g_hash_table_lookup(t->keys, key);
    if (!e || e->locked_until <= now_ms || e->reported_lock == e->locked_until)
        return FALSE;
    e->reported_lock = e->locked_until;
    return TRUE;
}
