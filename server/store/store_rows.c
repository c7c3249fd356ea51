/* store_rows.c -- the rows more than one store file reads, read in one place:
 * appointments, invitees, hearings and recordings with their column lists,
 * and the two ways of running a read (one row by id, every row into an
 * array). Nothing here writes. */
#define G_LOG_DOMAIN "yf-store"
#include <string.h>

#include "store_priv.h"

void yf_store_read_appointment(sqlite3_stmt *s, yf_appointment *a)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(s, 0);
    a->case_id = sqlite3_column_int64(s, 1);
    a->host_id = sqlite3_column_int64(s, 2);
    a->start_ms = sqlite3_column_int64(s, 3);
    a->title = yf_store_col_text(s, 4);
    a->cancelled = sqlite3_column_int(s, 5) != 0;
    yf_appointment_kind_parse((const char *)sqlite3_column_text(s, 6), &a->kind);
    a->cancelled_ms = sqlite3_column_int64(s, 7);
    a->cancel_reason = yf_store_col_text(s, 8);
}

void yf_store_read_invitee(sqlite3_stmt *s, yf_invitee *i)
{
    memset(i, 0, sizeof *i);
    i->id = sqlite3_column_int64(s, 0);
    i->appointment_id = sqlite3_column_int64(s, 1);
    yf_invitee_role_parse((const char *)sqlite3_column_text(s, 2), &i->role);
    i->name = yf_store_col_text(s, 3);
    i->contact = yf_store_col_text(s, 4);
    i->expires_ms = sqlite3_column_int64(s, 5);
    i->revoked_ms = sqlite3_column_int64(s, 6);
    i->admitted_ms = sqlite3_column_int64(s, 7);
    i->opened_ms = sqlite3_column_int64(s, 8);
    i->replaced_by = sqlite3_column_int64(s, 9);
}

void yf_store_read_hearing(sqlite3_stmt *s, yf_hearing *h)
{
    memset(h, 0, sizeof *h);
    h->id = sqlite3_column_int64(s, 0);
    h->case_id = sqlite3_column_int64(s, 1);
    h->appointment_id = sqlite3_column_int64(s, 2);
    yf_hearing_kind_parse((const char *)sqlite3_column_text(s, 3), &h->kind);
    h->room = yf_store_col_text(s, 4);
    h->start_ms = sqlite3_column_int64(s, 5);
    h->end_ms = sqlite3_column_int64(s, 6);
}

void yf_store_read_recording(sqlite3_stmt *s, yf_recording *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(s, 0);
    r->hearing_id = sqlite3_column_int64(s, 1);
    r->participant_id = sqlite3_column_int64(s, 2);
    r->path = yf_store_col_text(s, 3);
    r->size_bytes = sqlite3_column_int64(s, 4);
    r->duration_ms = sqlite3_column_int64(s, 5);
    if (sqlite3_column_bytes(s, 6) == 32)
        memcpy(r->sha256, sqlite3_column_blob(s, 6), 32);
    r->created_ms = sqlite3_column_int64(s, 7);
    r->start_ms = sqlite3_column_int64(s, 8);
    r->deliberation = sqlite3_column_int(s, 9) != 0;
}

gboolean yf_store_get_by_id(yf_store *st, const char *sql, int64_t id, const char *what,
                            yf_store_row_fn read, void *out, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, sql, error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read(s, out);
    else if (rc == SQLITE_DONE)
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND, "%s not found", what);
    else
        yf_store_fail(st, rc, what, error);
    sqlite3_reset(s);
    return rc == SQLITE_ROW;
}

GPtrArray *yf_store_list_rows(yf_store *st, const char *sql, const int64_t *args, int n,
                              yf_store_row_fn read, size_t size, GDestroyNotify free_fn, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, sql, error);
    if (s == NULL)
        return NULL;
    for (int i = 0; i < n; i++)
        sqlite3_bind_int64(s, i + 1, args[i]);
    return yf_store_collect_rows(st, s, read, size, free_fn, error);
}

GPtrArray *yf_store_collect_rows(yf_store *st, sqlite3_stmt *s, yf_store_row_fn read, size_t size,
                                 GDestroyNotify free_fn, GError **error)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(free_fn);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        void *row = g_malloc0(size);
        read(s, row);
        g_ptr_array_add(out, row);
    }
    if (rc != SQLITE_DONE) {
        yf_store_fail(st, rc, "list", error);
        g_ptr_array_unref(out);
        out = NULL;
    }
    sqlite3_reset(s);
    return out;
}
