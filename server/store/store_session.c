/* store_session.c -- password login and staff sessions: a login checks the
 * scrypt hash (doing the same work for unknown users), records login.ok or
 * login.fail, and issues a random token stored only as its SHA-256. */
#define G_LOG_DOMAIN "yf-store"
#include <string.h>

#include "password.h"
#include "store_priv.h"
#include "token.h"

/* Fetches the account and its hash; *found FALSE when there is none. */
static gboolean fetch_for_login(yf_store *st, const char *username, yf_staff *out, char **hash,
                                gboolean *found, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT id, username, display_name, role, disabled,"
                                        " created_ms, password_hash FROM staff WHERE username = ? COLLATE NOCASE",
                                    error);
    if (s == NULL)
        return FALSE;
    yf_store_bind_text(s, 1, username);
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (*found) {
        yf_staff_clear(out);
        out->id = sqlite3_column_int64(s, 0);
        out->username = yf_store_col_text(s, 1);
        out->display_name = yf_store_col_text(s, 2);
        if (!yf_role_parse((const char *)sqlite3_column_text(s, 3), &out->role))
            out->role = YF_ROLE_VIEWER;
        out->disabled = sqlite3_column_int(s, 4) != 0;
        out->created_ms = sqlite3_column_int64(s, 5);
        *hash = yf_store_col_text(s, 6);
    }
    sqlite3_reset(s);
    if (!*found && rc != SQLITE_DONE)
        return yf_store_fail(st, rc, "login", error);
    return TRUE;
}

static gboolean insert_session(yf_store *st, int64_t staff_id, const guint8 th[32], int64_t now_ms,
                               int64_t ttl_ms, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO sessions (token_hash, staff_id, created_ms,"
                                        " expires_ms) VALUES (?,?,?,?)", error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_blob(s, 1, th, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, staff_id);
    sqlite3_bind_int64(s, 3, now_ms);
    sqlite3_bind_int64(s, 4, now_ms + ttl_ms);
    return yf_store_exec_stmt(st, s, "create session", error);
}

struct yf_login {
    char *username;
    yf_staff who;
    gboolean found;
    char *hash;       /* the account's, or the dummy one for an unknown name */
};

void yf_login_free(yf_login *l)
{
    if (!l)
        return;
    yf_staff_clear(&l->who);
    g_free(l->username);
    g_free(l->hash);
    g_free(l);
}

yf_login *yf_store_login_begin(yf_store *st, const char *username, GError **error)
{
    yf_login *l = g_new0(yf_login, 1);
    l->username = g_strdup(username ? username : "");
    if (!fetch_for_login(st, l->username, &l->who, &l->hash, &l->found, error)) {
        yf_login_free(l);
        return NULL;
    }
    if (!l->found) {
        /* The same scrypt work for a name nobody has: the time does not tell. */
        if (st->dummy_hash == NULL)
            st->dummy_hash = yf_password_hash("not a real password", st->password_ln, NULL);
        l->hash = g_strdup(st->dummy_hash);
    }
    return l;
}

gboolean yf_login_verify(const yf_login *l, const char *password)
{
    return l->hash && yf_password_verify(password ? password : "", l->hash) && l->found;
}

gboolean yf_store_login_finish(yf_store *st, yf_login *l, gboolean verified, int64_t now_ms, int64_t ttl_ms,
                               char **out_token, yf_staff *out_staff, GError **error)
{
    char *token = NULL, *obj = NULL, *detail = NULL;
    guint8 th[32];
    gboolean ok = FALSE, found_now = FALSE;
    yf_staff now = {0};
    char *hash_now = NULL;
    /* The account may have been disabled while the password was checked. */
    if (verified && !fetch_for_login(st, l->username, &now, &hash_now, &found_now, error))
        goto out;
    gboolean good = verified && found_now && now.id == l->who.id && !now.disabled && ttl_ms > 0;
    obj = l->found ? yf_store_obj("staff", l->who.id) : g_strdup("");
    detail = g_strdup_printf("username=%s", l->username);
    if (good && (token = yf_token_new(th)) == NULL) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INTERNAL, "no randomness");
        goto out;
    }
    if (!yf_store_begin(st, error))
        goto out;
    if ((good && !insert_session(st, l->who.id, th, now_ms, ttl_ms, error)) ||
        !yf_store_audit_append(st, good ? yf_actor_staff(l->who.id) : yf_actor_system(), now_ms,
                               good ? "login.ok" : "login.fail", obj, detail, error) ||
        !yf_store_commit(st, error)) {
        yf_store_rollback(st);
        goto out;
    }
    if (!good) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_AUTH,
                            "wrong username or password, or the account is disabled");
        goto out;
    }
    *out_token = g_steal_pointer(&token);
    if (out_staff) {
        *out_staff = now;
        memset(&now, 0, sizeof now);
    }
    ok = TRUE;
out:
    yf_staff_clear(&now);
    g_free(hash_now);
    g_free(token);
    g_free(obj);
    g_free(detail);
    return ok;
}

gboolean yf_store_login(yf_store *st, const char *username, const char *password,
                        int64_t now_ms, int64_t ttl_ms, char **out_token, yf_staff *out_staff,
                        GError **error)
{
    yf_login *l = yf_store_login_begin(st, username, error);
    if (!l)
        return FALSE;
    gboolean ok = yf_store_login_finish(st, l, yf_login_verify(l, password), now_ms, ttl_ms, out_token,
                                        out_staff, error);
    yf_login_free(l);
    return ok;
}

gboolean yf_store_session_lookup(yf_store *st, const char *token, int64_t now_ms,
                                 yf_staff *out_staff, GError **error)
{
    guint8 th[32];
    gboolean ok = FALSE;
    if (!yf_token_hash(token, th)) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_AUTH, "malformed session token");
        return FALSE;
    }
    sqlite3_stmt *s = yf_store_prep(st, "SELECT s.id, s.username, s.display_name, s.role,"
                                        " s.disabled, s.created_ms FROM sessions x"
                                        " JOIN staff s ON s.id = x.staff_id WHERE x.token_hash = ?"
                                        " AND x.revoked_ms IS NULL AND x.expires_ms > ?"
                                        " AND s.disabled = 0", error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_blob(s, 1, th, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, now_ms);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        memset(out_staff, 0, sizeof *out_staff);
        out_staff->id = sqlite3_column_int64(s, 0);
        out_staff->username = yf_store_col_text(s, 1);
        out_staff->display_name = yf_store_col_text(s, 2);
        if (!yf_role_parse((const char *)sqlite3_column_text(s, 3), &out_staff->role))
            out_staff->role = YF_ROLE_VIEWER;
        out_staff->created_ms = sqlite3_column_int64(s, 5);
        ok = TRUE;
    } else if (rc == SQLITE_DONE) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_AUTH,
                            "session unknown, expired or revoked");
    } else {
        yf_store_fail(st, rc, "session lookup", error);
    }
    sqlite3_reset(s);
    return ok;
}

gboolean yf_store_session_revoke(yf_store *st, yf_actor actor, int64_t now_ms,
                                 const char *token, GError **error)
{
    guint8 th[32];
    gboolean ok = FALSE;
    if (!yf_token_hash(token, th)) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND, "no such session");
        return FALSE;
    }
    if (!yf_store_begin(st, error))
        return FALSE;
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE sessions SET revoked_ms = coalesce(revoked_ms, ?)"
                                        " WHERE token_hash = ?", error);
    if (s == NULL)
        goto out;
    sqlite3_bind_int64(s, 1, now_ms);
    sqlite3_bind_blob(s, 2, th, 32, SQLITE_TRANSIENT);
    if (!yf_store_exec_stmt(st, s, "revoke session", error))
        goto out;
    if (sqlite3_changes(st->db) == 0) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND, "no such session");
        goto out;
    }
    ok = yf_store_audit_append(st, actor, now_ms, "logout", "", "", error) &&
         yf_store_commit(st, error);
out:
    if (!ok)
        yf_store_rollback(st);
    return ok;
}
