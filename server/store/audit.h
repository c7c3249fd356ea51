/* audit.h -- the audit log's hash chain, without storage: the canonical form
 * of an entry, hash = SHA-256(prev_hash || canonical), and a walker that checks
 * rows in id order and names the first broken one. Genesis prev = 32 zero bytes.
 * Canonical form (docs/store.md): "yfaudit1" then, for id, at_ms, actor, action,
 * object, detail in that order, "<decimal byte length>:<bytes>," (integers as
 * decimal ASCII). Adding a field means a new tag, never a reinterpretation. */
#ifndef YF_AUDIT_H
#define YF_AUDIT_H

#include <glib.h>
#include <stdint.h>

#define YF_AUDIT_HASH_LEN 32

typedef struct {
    int64_t id;
    int64_t at_ms;
    const char *actor;    /* "staff:3", "system", "invitee:7" */
    const char *action;   /* "case.create", "login.ok", ... */
    const char *object;   /* "case:12", "" */
    const char *detail;   /* free text, may be "" */
} yf_audit_entry;

/* The canonical bytes of e (g_byte_array_unref). */
GByteArray *yf_audit_canonical(const yf_audit_entry *e);
/* out = SHA-256(prev || canonical(e)). */
void yf_audit_chain_hash(const guint8 prev[YF_AUDIT_HASH_LEN], const yf_audit_entry *e,
                         guint8 out[YF_AUDIT_HASH_LEN]);

/* Invariant: running is the hash of entry next_id - 1 (zeros before entry 1);
 * count entries have been checked and found intact. */
typedef struct {
    int64_t next_id;
    int64_t count;
    guint8 running[YF_AUDIT_HASH_LEN];
} yf_audit_walk;

void yf_audit_walk_init(yf_audit_walk *w);
/* Checks the next row as stored (entry fields, its stored prev and hash). NULL when
 * intact, else a reason (g_free) and *broken_id names the first broken entry. */
char *yf_audit_walk_step(yf_audit_walk *w, const yf_audit_entry *e,
                         const guint8 *stored_prev, gsize prev_len,
                         const guint8 *stored_hash, gsize hash_len, int64_t *broken_id);
/* After the last row: checks the separately kept head (last id and hash), which
 * catches a deleted last row. Same return convention. */
char *yf_audit_walk_finish(yf_audit_walk *w, int64_t head_last_id,
                           const guint8 *head_hash, gsize head_len, int64_t *broken_id);

#endif
