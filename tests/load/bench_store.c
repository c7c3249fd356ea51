/* bench_store.c -- case store load benchmark: fills a temp database with
 * 100,000 cases and 1,000,000 chained audit entries (bulk, batched in
 * transactions), then prints p50/p99 of creating a case, listing a prosecutor's
 * overdue cases (first page) and appending an audit entry, and the verify time.
 * Standalone program; build line in docs/store.md. */
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/store/audit.h"
#include "server/store/deadline.h"
#include "server/store/store.h"

#define N_PROS 50
#define BATCH 10000
#define T0 1736899200000LL    /* 2025-01-15 */

/* Full size by default; --quick divides by 100 so CTest exercises the code
 * cheaply (its numbers mean nothing). */
static int n_cases = 100000, n_audit = 1000000, n_samples = 2000;

static const char *const stages[] = { "register", "review", "assign", "handle", "reply",
                                      "recheck", "closed", "closed", "closed" };

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench_store: %s: %s\n", what, msg);
    exit(1);
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        die(sql, msg);
}

static void fill_cases(sqlite3 *db, GRand *rnd)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "INSERT INTO cases (case_no, type, channel, petitioner,"
                           " prosecutor_id, received, reply_due, result_due, stage, created_ms,"
                           " updated_ms) VALUES (?, 'appeal', 'video', '某某', ?, ?, ?, ?, ?, ?, ?)",
                           -1, &s, NULL) != SQLITE_OK)
        die("prepare", sqlite3_errmsg(db));
    for (int i = 0; i < n_cases; i++) {
        GDate recv, reply, result;
        char no[32], r1[11], r2[11], r3[11];
        if (i % BATCH == 0)
            exec(db, i ? "COMMIT; BEGIN" : "BEGIN");
        g_date_clear(&recv, 1);
        g_date_set_dmy(&recv, 1, 1, 2023);
        g_date_add_days(&recv, g_rand_int_range(rnd, 0, 745));
        yf_deadline_reply_due(&recv, &reply);
        yf_deadline_result_due(&recv, &result);
        yf_date_format_iso(&recv, r1);
        yf_date_format_iso(&reply, r2);
        yf_date_format_iso(&result, r3);
        g_snprintf(no, sizeof no, "BENCH-%07d", i);
        sqlite3_bind_text(s, 1, no, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(s, 2, 1 + g_rand_int_range(rnd, 0, N_PROS));
        sqlite3_bind_text(s, 3, r1, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 4, r2, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 5, r3, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 6, stages[g_rand_int_range(rnd, 0, G_N_ELEMENTS(stages))], -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 7, T0);
        sqlite3_bind_int64(s, 8, T0);
        if (sqlite3_step(s) != SQLITE_DONE)
            die("insert case", sqlite3_errmsg(db));
        sqlite3_reset(s);
    }
    exec(db, "COMMIT");
    sqlite3_finalize(s);
}

/* Chained exactly as the store does, so verify walks a real chain. */
static void fill_audit(sqlite3 *db)
{
    guint8 prev[32] = { 0 }, hash[32];
    int64_t first = 1;
    sqlite3_stmt *s = NULL;
    /* Continue after the entries the staff accounts wrote. */
    if (sqlite3_prepare_v2(db, "SELECT last_id, hash FROM audit_head", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW)
        die("audit head", sqlite3_errmsg(db));
    first = sqlite3_column_int64(s, 0) + 1;
    memcpy(prev, sqlite3_column_blob(s, 1), 32);
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(db, "INSERT INTO audit_log (id, at_ms, actor, action, object, detail,"
                           " prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
        die("prepare", sqlite3_errmsg(db));
    for (int64_t id = first; id < first + n_audit; id++) {
        char obj[32];
        if ((id - first) % BATCH == 0)
            exec(db, id > first ? "COMMIT; BEGIN" : "BEGIN");
        g_snprintf(obj, sizeof obj, "case:%d", (int)(id % n_cases) + 1);
        yf_audit_entry e = { id, T0 - n_audit + id, "staff:1", "case.view", obj, "bench" };
        yf_audit_chain_hash(prev, &e, hash);
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, e.at_ms);
        sqlite3_bind_text(s, 3, e.actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, e.action, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, obj, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 6, e.detail, -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 7, prev, 32, SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, 8, hash, 32, SQLITE_TRANSIENT);
        if (sqlite3_step(s) != SQLITE_DONE)
            die("insert audit", sqlite3_errmsg(db));
        sqlite3_reset(s);
        memcpy(prev, hash, 32);
    }
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(db, "UPDATE audit_head SET last_id = ?, hash = ?", -1, &s, NULL) != SQLITE_OK)
        die("prepare", sqlite3_errmsg(db));
    sqlite3_bind_int64(s, 1, first + n_audit - 1);
    sqlite3_bind_blob(s, 2, prev, 32, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE)
        die("audit head", sqlite3_errmsg(db));
    sqlite3_finalize(s);
    exec(db, "COMMIT");
}

static int cmp_i64(const void *a, const void *b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, gint64 *us, int n)
{
    qsort(us, (size_t)n, sizeof *us, cmp_i64);
    printf("%-34s p50 %7.3f ms   p99 %7.3f ms   max %7.3f ms\n", what, us[n / 2] / 1000.0,
           us[n * 99 / 100] / 1000.0, us[n - 1] / 1000.0);
}

static void seed_staff(const char *path)
{
    GError *e = NULL;
    yf_store *st = yf_store_open(path, 0, &e);
    if (!st)
        die("open", e->message);
    yf_store_set_password_cost(st, 10);
    for (int i = 1; i <= N_PROS; i++) {
        char user[16];
        g_snprintf(user, sizeof user, "pros%02d", i);
        if (!yf_store_staff_create(st, yf_actor_system(), T0, user, user, YF_ROLE_PROSECUTOR,
                                   "bench password 123", NULL, &e))
            die("staff", e->message);
    }
    yf_store_close(st);
}

static void measure(yf_store *st, GRand *rnd)
{
    gint64 *us = g_new(gint64, n_samples);
    GError *e = NULL;
    GDate today;
    yf_date_from_unix_ms_cst(T0, &today);
    for (int i = 0; i < n_samples; i++) {
        char no[32];
        g_snprintf(no, sizeof no, "NEW-%06d", i);
        yf_case_new in = { .case_no = no, .type = YF_CASE_REPORT, .channel = YF_CHANNEL_VISIT,
                           .petitioner = "新来访人", .prosecutor_id = 1 + i % N_PROS, .received = today };
        gint64 t = g_get_monotonic_time();
        if (!yf_store_case_create(st, yf_actor_staff(1), T0 + i, &in, NULL, &e))
            die("create", e->message);
        us[i] = g_get_monotonic_time() - t;
    }
    report("create case (+event +audit, 1 tx)", us, n_samples);
    guint total = 0;
    for (int i = 0; i < n_samples; i++) {
        yf_case_filter f = { .stage = -1, .type = -1, .prosecutor_id = 1 + g_rand_int_range(rnd, 0, N_PROS),
                             .overdue_on = &today, .limit = 50 };
        gint64 t = g_get_monotonic_time();
        GPtrArray *a = yf_store_case_list(st, &f, &e);
        us[i] = g_get_monotonic_time() - t;
        if (!a)
            die("list", e->message);
        total += a->len;
        g_ptr_array_unref(a);
    }
    report("overdue list, prosecutor, page 1", us, n_samples);
    printf("  (%.1f rows per page on average)\n", (double)total / n_samples);
    for (int i = 0; i < n_samples; i++) {
        gint64 t = g_get_monotonic_time();
        if (!yf_store_audit_record(st, yf_actor_staff(1), T0 + i, "recording.view", "recording:1", "", &e))
            die("audit", e->message);
        us[i] = g_get_monotonic_time() - t;
    }
    report("audit append (1 tx)", us, n_samples);
    g_free(us);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--quick") == 0) {
        n_cases /= 100;
        n_audit /= 100;
        n_samples /= 10;
    }
    char *dir = g_dir_make_tmp("yf-bench-XXXXXX", NULL);
    char *path = g_build_filename(dir, "yuanfang.db", NULL);
    GRand *rnd = g_rand_new_with_seed(42);
    sqlite3 *db = NULL;
    GError *e = NULL;
    gint64 t = g_get_monotonic_time();
    seed_staff(path);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("open", path);
    exec(db, "PRAGMA synchronous = NORMAL");
    fill_cases(db, rnd);
    fill_audit(db);
    exec(db, "ANALYZE");
    sqlite3_close(db);
    printf("filled %d cases, %d audit entries in %.1f s\n", n_cases, n_audit,
           (g_get_monotonic_time() - t) / 1e6);

    yf_store *st = yf_store_open(path, 0, &e);
    if (!st)
        die("open", e->message);
    measure(st, rnd);
    yf_audit_report r;
    t = g_get_monotonic_time();
    if (!yf_store_audit_verify(st, &r, &e))
        die("verify", e->message);
    printf("audit verify: %s, %" G_GINT64_FORMAT " entries in %.2f s\n", r.ok ? "intact" : r.reason,
           (gint64)r.count, (g_get_monotonic_time() - t) / 1e6);
    int rc = r.ok ? 0 : 1;
    yf_audit_report_clear(&r);
    yf_store_close(st);

    static const char *const files[] = { "yuanfang.db", "yuanfang.db-wal", "yuanfang.db-shm" };
    for (unsigned i = 0; i < G_N_ELEMENTS(files); i++) {
        char *p = g_build_filename(dir, files[i], NULL);
        g_unlink(p);
        g_free(p);
    }
    g_rmdir(dir);
    g_rand_free(rnd);
    g_free(path);
    g_free(dir);
    return rc;
}
