/* audit.c -- the audit hash chain: canonical length-prefixed serialization of
 * an entry, SHA-256 linking, and the walker `audit verify` uses. No storage and
 * no clock here; store_audit.c feeds it rows. */
#include "audit.h"

#include <openssl/evp.h>
#include <string.h>

static void put_field(GByteArray *b, const char *s, gsize n)
{
    char len[24];
    int k = g_snprintf(len, sizeof len, "%" G_GSIZE_FORMAT ":", n);
    g_byte_array_append(b, (const guint8 *)len, (guint)k);
    g_byte_array_append(b, (const guint8 *)s, (guint)n);
    g_byte_array_append(b, (const guint8 *)",", 1);
}

static void put_str(GByteArray *b, const char *s)
{
    put_field(b, s ? s : "", s ? strlen(s) : 0);
}

static void put_int(GByteArray *b, int64_t v)
{
    char num[24];
    int k = g_snprintf(num, sizeof num, "%" G_GINT64_FORMAT, (gint64)v);
    put_field(b, num, (gsize)k);
}

GByteArray *yf_audit_canonical(const yf_audit_entry *e)
{
    GByteArray *b = g_byte_array_sized_new(128);
    g_byte_array_append(b, (const guint8 *)"yfaudit1", 8);
    put_int(b, e->id);
    put_int(b, e->at_ms);
    put_str(b, e->actor);
    put_str(b, e->action);
    put_str(b, e->object);
    put_str(b, e->detail);
    return b;
}

void yf_audit_chain_hash(const guint8 prev[YF_AUDIT_HASH_LEN], const yf_audit_entry *e,
                         guint8 out[YF_AUDIT_HASH_LEN])
{
    GByteArray *c = yf_audit_canonical(e);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(ctx, prev, YF_AUDIT_HASH_LEN) != 1 ||
        EVP_DigestUpdate(ctx, c->data, c->len) != 1 || EVP_DigestFinal_ex(ctx, out, &n) != 1)
        g_error("audit: SHA-256 unavailable");   /* OpenSSL without SHA-256: cannot go on */
    EVP_MD_CTX_free(ctx);
    g_byte_array_unref(c);
}

void yf_audit_walk_init(yf_audit_walk *w)
{
    memset(w, 0, sizeof *w);
    w->next_id = 1;
}

char *yf_audit_walk_step(yf_audit_walk *w, const yf_audit_entry *e,
                         const guint8 *stored_prev, gsize prev_len,
                         const guint8 *stored_hash, gsize hash_len, int64_t *broken_id)
{
    guint8 calc[YF_AUDIT_HASH_LEN];
    if (e->id != w->next_id) {
        *broken_id = w->next_id;
        return e->id > w->next_id
                   ? g_strdup_printf("entry %" G_GINT64_FORMAT " is missing (next present is %"
                                     G_GINT64_FORMAT ")", (gint64)w->next_id, (gint64)e->id)
                   : g_strdup_printf("entry id %" G_GINT64_FORMAT " out of order", (gint64)e->id);
    }
    *broken_id = e->id;
    if (prev_len != YF_AUDIT_HASH_LEN || memcmp(stored_prev, w->running, YF_AUDIT_HASH_LEN) != 0)
        return g_strdup("previous-hash link does not match the entry before it");
    yf_audit_chain_hash(w->running, e, calc);
    if (hash_len != YF_AUDIT_HASH_LEN || memcmp(stored_hash, calc, YF_AUDIT_HASH_LEN) != 0)
        return g_strdup("content does not match its stored hash (entry edited)");
    memcpy(w->running, calc, sizeof calc);
    w->next_id++;
    w->count++;
    *broken_id = 0;
    return NULL;
}

char *yf_audit_walk_finish(yf_audit_walk *w, int64_t head_last_id,
                           const guint8 *head_hash, gsize head_len, int64_t *broken_id)
{
    int64_t last = w->next_id - 1;
    *broken_id = 0;
    if (head_last_id > last) {
        *broken_id = last + 1;
        return g_strdup_printf("entry %" G_GINT64_FORMAT " is missing (chain head says the log "
                               "ends at %" G_GINT64_FORMAT ")", (gint64)(last + 1),
                               (gint64)head_last_id);
    }
    if (head_last_id < last) {
        *broken_id = head_last_id + 1;
        return g_strdup_printf("entry %" G_GINT64_FORMAT " is past the chain head (%" G_GINT64_FORMAT
                               ")", (gint64)(head_last_id + 1), (gint64)head_last_id);
    }
    if (head_len != YF_AUDIT_HASH_LEN || memcmp(head_hash, w->running, YF_AUDIT_HASH_LEN) != 0) {
        *broken_id = last;
        return g_strdup("chain head hash does not match the last entry");
    }
    return NULL;
}
