/* store_staff.c -- staff accounts, password login and sessions. Passwords are
 * stored only as scrypt strings (password.c), session tokens only as SHA-256
 * (token.c). Logins, failed logins and logouts go to the audit log. */
#define G_LOG_DOMAIN "yf-store"
#include <string.h>

#include "password.h"
#include "store_priv.h"
#include "token.h"

#define STAFF_COLS "id, username, display_name, role, disabled, created_ms"

void yf_staff_clear(yf_staff *s)
{
    g_free(s->username);
    g_free(s->display_name);
    memset(s, 0, sizeof *s);
}

YF_STORE_DEFINE_FREE(yf_staff)

static void read_staff(sqlite3_stmt *s, int c, yf_staff *out)
{
    out->id = sqlite3_column_int64(s, c);
    out->username = yf_store_col_text(s, c + 1);
    out->display_name = yf_store_col_text(s, c + 2);
    if (!yf_role_parse((const char *)sqlite3_column_text(s, c + 3), &out->role))
        out->role = YF_ROLE_VIEWER;
    out->disabled = sqlite3_column_int(s, c + 4) != 0;
    out->created_ms = sqlite3_column_int64(s, c + 5);
}

/* Runs a one-row staff query with one bound value already set. */
static gboolean get_one(yf_store *st, sqlite3_stmt *s, yf_staff *out, const char *what,
                        GError **error)
{
    int rc = sqlite3_step(s);
    gboolean ok = rc == SQLITE_ROW;
    memset(out, 0, sizeof *out);
    if (ok)
        read_staff(s, 0, out);
    else if (rc == SQLITE_DONE)
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND, "%s not found", what);
    else
        yf_store_fail(st, rc, what, error);
    sqlite3_reset(s);
    return ok;
}

gboolean yf_store_staff_get(yf_store *st, int64_t id, yf_staff *out, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT " STAFF_COLS " FROM staff WHERE id = ?", error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, id);
    return get_one(st, s, out, "staff account", error);
}

gboolean yf_store_staff_get_by_username(yf_store *st, const char *username, yf_staff *out,
                                        GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT " STAFF_COLS " FROM staff WHERE username = ? COLLATE NOCASE", error);
    if (s == NULL)
        return FALSE;
    yf_store_bind_text(s, 1, username);
    return get_one(st, s, out, "staff account", error);
}

static gboolean check_names(const char *username, const char *display_name, GError **error)
{
    if (username == NULL || !g_utf8_validate(username, -1, NULL) || *username == '\0' ||
        strlen(username) > 64 || strpbrk(username, " \t\r\n") != NULL) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID,
                            "username must be 1-64 bytes of UTF-8 without spaces");
        return FALSE;
    }
    if (display_name == NULL || !g_utf8_validate(display_name, -1, NULL) || *display_name == '\0') {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID,
                            "display name must be non-empty UTF-8");
        return FALSE;
    }
    return TRUE;
}

gboolean yf_store_staff_create(yf_store *st, yf_actor actor, int64_t now_ms,
                               const char *username, const char *display_name, yf_role role,
                               const char *password, int64_t *out_id, GError **error)
{
    char *hash = NULL, *obj = NULL;
    gboolean ok = FALSE;
    if (!check_names(username, display_name, error) || !yf_password_check_policy(password, username, error))
        return FALSE;
    if (yf_role_code(role) == NULL) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "unknown role");
        return FALSE;
    }
    if ((hash = yf_password_hash(password, st->password_ln, error)) == NULL)
        return FALSE;
    if (!yf_store_begin(st, error))
        goto out;
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO staff (username, display_name, role,"
                                        " password_hash, created_ms) VALUES (?,?,?,?,?)", error);
    if (s == NULL || !yf_store_check_actor(st, actor, error))
        goto out;
    yf_store_bind_text(s, 1, username);
    yf_store_bind_text(s, 2, display_name);
    yf_store_bind_text(s, 3, yf_role_code(role));
    yf_store_bind_text(s, 4, hash);
    sqlite3_bind_int64(s, 5, now_ms);
    if (!yf_store_exec_stmt(st, s, "create staff account", error)) {
        if (error && *error && (*error)->code == YF_STORE_ERROR_CONFLICT) {
            g_free((*error)->message);
            (*error)->message = g_strdup_printf("username '%s' is already taken", username);
        }
        goto out;
    }
    int64_t id = sqlite3_last_insert_rowid(st->db);
    obj = yf_store_obj("staff", id);
    char *detail = g_strdup_printf("username=%s role=%s", username, yf_role_code(role));
    ok = yf_store_audit_append(st, actor, now_ms, "staff.create", obj, detail, error);
    g_free(detail);
    if (ok && (ok = yf_store_commit(st, error)) && out_id)
        *out_id = id;
out:
    if (!ok)
        yf_store_rollback(st);
    g_free(obj);
    g_free(hash);
    return ok;
}

gboolean yf_store_staff_set_password(yf_store *st, yf_actor actor, int64_t now_ms, int64_t id,
                                     const char *password, GError **error)
{
    char *hash = NULL, *obj = yf_store_obj("staff", id);
    gboolean ok = FALSE;
    yf_staff who = {0};
    if (!yf_store_staff_get(st, id, &who, error) || !yf_password_check_policy(password, who.username, error) ||
        (hash = yf_password_hash(password, st->password_ln, error)) == NULL ||
        !yf_store_begin(st, error))
        goto out;
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE staff SET password_hash = ? WHERE id = ?", error);
    if (s == NULL || !yf_store_check_actor(st, actor, error) ||
        !yf_store_row_exists(st, "SELECT 1 FROM staff WHERE id = ?", id, "staff account", error))
        goto out;
    yf_store_bind_text(s, 1, hash);
    sqlite3_bind_int64(s, 2, id);
    ok = yf_store_exec_stmt(st, s, "set password", error) &&
         yf_store_audit_append(st, actor, now_ms, "staff.password", obj, "", error) &&
         yf_store_commit(st, error);
out:
    if (!ok)
        yf_store_rollback(st);
    g_free(hash);
    g_free(obj);
    yf_staff_clear(&who);
    return ok;
}

gboolean yf_store_staff_set_role(yf_store *st, yf_actor actor, int64_t now_ms, int64_t id, yf_role role,
                                 GError **error)
{
    const char *code = yf_role_code(role);
    if (!code) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "unknown role");
        return FALSE;
    }
    char *obj = yf_store_obj("staff", id), *detail = g_strdup_printf("role=%s", code);
    gboolean ok = FALSE;
    if (!yf_store_begin(st, error))
        goto out;
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE staff SET role = ? WHERE id = ?", error);
    if (s == NULL || !yf_store_check_actor(st, actor, error) ||
        !yf_store_row_exists(st, "SELECT 1 FROM staff WHERE id = ?", id, "staff account", error))
        goto out;
    yf_store_bind_text(s, 1, code);
    sqlite3_bind_int64(s, 2, id);
    ok = yf_store_exec_stmt(st, s, "change role", error) &&
         yf_store_audit_append(st, actor, now_ms, "staff.role", obj, detail, error) &&
         yf_store_commit(st, error);
out:
    if (!ok)
        yf_store_rollback(st);
    g_free(obj);
    g_free(detail);
    return ok;
}

gboolean yf_store_staff_set_disabled(yf_store *st, yf_actor actor, int64_t now_ms, int64_t id,
                                     gboolean disabled, GError **error)
{
    char *obj = yf_store_obj("staff", id);
    gboolean ok = FALSE;
    if (!yf_store_begin(st, error))
        goto out;
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE staff SET disabled = ? WHERE id = ?", error);
    if (s == NULL || !yf_store_check_actor(st, actor, error) ||
        !yf_store_row_exists(st, "SELECT 1 FROM staff WHERE id = ?", id, "staff account", error))
        goto out;
    sqlite3_bind_int(s, 1, disabled ? 1 : 0);
    sqlite3_bind_int64(s, 2, id);
    if (!yf_store_exec_stmt(st, s, "disable staff", error))
        goto out;
    sqlite3_stmt *r = yf_store_prep(st, "UPDATE sessions SET revoked_ms = ? WHERE staff_id = ?"
                                        " AND revoked_ms IS NULL", error);
    if (r == NULL)
        goto out;
    sqlite3_bind_int64(r, 1, now_ms);
    sqlite3_bind_int64(r, 2, id);
    ok = (!disabled || yf_store_exec_stmt(st, r, "revoke sessions", error)) &&
         yf_store_audit_append(st, actor, now_ms, disabled ? "staff.disable" : "staff.enable", obj,
                               "", error) &&
         yf_store_commit(st, error);
out:
    if (!ok)
        yf_store_rollback(st);
    g_free(obj);
    return ok;
}

static void read_staff_row(sqlite3_stmt *s, void *out)
{
    read_staff(s, 0, out);
}

GPtrArray *yf_store_staff_list(yf_store *st, int role, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT " STAFF_COLS " FROM staff"
                                        " WHERE (?1 IS NULL OR role = ?1) ORDER BY id", error);
    if (s == NULL)
        return NULL;
    if (role >= 0)
        yf_store_bind_text(s, 1, yf_role_code((yf_role)role));
    return yf_store_collect_rows(st, s, read_staff_row, sizeof(yf_staff), (GDestroyNotify)yf_staff_free, error);
}

int64_t yf_store_staff_count_admins(yf_store *st, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT count(*) FROM staff WHERE role = 'admin'"
                                        " AND disabled = 0", error);
    if (s == NULL)
        return -1;
    int rc = sqlite3_step(s);
    int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    if (n < 0)
        yf_store_fail(st, rc, "count admins", error);
    sqlite3_reset(s);
    return n;
}
