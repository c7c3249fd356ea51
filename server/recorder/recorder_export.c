/* recorder_export.c -- watermarked copies of recordings for someone outside
 * the case (docs/recording.md, "Exports"). The store is the queue: the
 * oldest QUEUED export is started on a thread of its own (media/post's
 * yf_post_export_run, then its SHA-256), one at a time, apart from the
 * hearings' job thread so post-processing never waits behind an export; the
 * result comes back to the control thread, which writes it to the store and
 * starts the next. The original is opened for reading only. */
#define G_LOG_DOMAIN "yf-recorder"
#include "recorder_priv.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <string.h>

#include "server/store/store_reads.h"
#include "media/post/post.h"

#define TZ_BEIJING_S (8 * 3600)
#define EXPORTS_DIR "exports"

/* One export being made. Invariant: everything but progress and finished is
 * written before the thread starts and read by the control thread only after
 * finished is set. */
typedef struct {
    yf_recorder_exports *ex;
    int64_t id;
    char *input, *output, *line, *big;
    gint progress_permille;   /* g_atomic */
    gint finished;            /* g_atomic: the thread is done */
    gboolean ok;
    guint8 sha256[32];
    int64_t size;
    GError *error;
} export_job;

struct yf_recorder_exports {
    yf_recorder *rec;
    export_job *running;      /* NULL when idle */
    GThread *thread;
    GSource *done_src;        /* on the control context: the running job finished */
};

static int64_t now_ms(void)
{
    return g_get_real_time() / 1000;
}

static void job_free(export_job *j)
{
    if (!j)
        return;
    g_free(j->input);
    g_free(j->output);
    g_free(j->line);
    g_free(j->big);
    g_clear_error(&j->error);
    g_free(j);
}

/* ---- the thread ---- */

static void on_progress(void *user, double fraction)
{
    export_job *j = user;
    g_atomic_int_set(&j->progress_permille, (gint)(fraction * 1000));
}

static gpointer run(gpointer data)
{
    export_job *j = data;
    yf_post_export_job pj = {
        .input = j->input,
        .output = j->output,
        .mark_line = j->line,
        .mark_big = j->big,
        .no_picture = "本录音没有画面，仅有声音",
        .progress = on_progress,
        .progress_user = j,
        .cancel = &j->ex->rec->cancel,
    };
    yf_post_export_result res;

    j->ok = yf_post_export_run(&pj, &res, &j->error) && yf_recorder_hash_file(j->output, j->sha256, &j->size,
                                                                             &j->error);
    if (!j->ok)
        g_unlink(j->output);   /* a file that cannot be hashed is not handed out */
    g_atomic_int_set(&j->finished, 1);
    g_source_set_ready_time(j->ex->done_src, 0);
    return NULL;
}

/* ---- the control thread ---- */

/* "仅供 李律师（某律师事务所）查阅 · 2026年12月6日 10:00 导出 · 远访" and "仅供 李律师 查阅". */
static void marks(const yf_export *e, char **line, char **big)
{
    GTimeZone *tz = g_time_zone_new_offset(TZ_BEIJING_S);
    GDateTime *utc = g_date_time_new_from_unix_utc(e->requested_ms / 1000);
    GDateTime *t = g_date_time_to_timezone(utc, tz);
    char *when = g_strdup_printf("%d年%d月%d日 %02d:%02d", g_date_time_get_year(t), g_date_time_get_month(t),
                                 g_date_time_get_day_of_month(t), g_date_time_get_hour(t),
                                 g_date_time_get_minute(t));
    char *org = *e->organisation ? g_strdup_printf("（%s）", e->organisation) : g_strdup("");

    *line = g_strdup_printf("仅供 %s%s 查阅 · %s 导出 · 远访", e->recipient, org, when);
    *big = g_strdup_printf("仅供 %s 查阅", e->recipient);
    g_free(org);
    g_free(when);
    g_date_time_unref(t);
    g_date_time_unref(utc);
    g_time_zone_unref(tz);
}

static void fail(yf_recorder_exports *ex, int64_t id, const char *why)
{
    GError *err = NULL;
    g_warning("export %" G_GINT64_FORMAT " failed: %s", (gint64)id, why);
    if (!yf_store_export_fail(ex->rec->store, now_ms(), id, why, &err)) {
        g_warning("export %" G_GINT64_FORMAT ": cannot record the failure: %s", (gint64)id, err->message);
        g_error_free(err);
    }
}

/* The recording's file as open() takes it; NULL + why when it is gone. */
static char *input_path(yf_recorder_exports *ex, const yf_export *e)
{
    GPtrArray *list = yf_store_recording_list(ex->rec->store, e->hearing_id, NULL);
    char *path = NULL;
    for (guint i = 0; list && i < list->len && !path; i++) {
        const yf_recording *r = list->pdata[i];
        if (r->id == e->recording_id)
            path = g_path_is_absolute(r->path) ? g_strdup(r->path)
                                               : g_build_filename(ex->rec->data_dir, r->path, NULL);
    }
    if (list)
        g_ptr_array_unref(list);
    return path;
}

/* Starts export e (QUEUED): its directory, its row PROCESSING, its thread.
 * FALSE when it could not start (the row then says why). */
static gboolean start(yf_recorder_exports *ex, const yf_export *e)
{
    char *rel = g_strdup_printf(YF_RECORDER_DIR_NAME "/h%" G_GINT64_FORMAT "/" EXPORTS_DIR "/export-%" G_GINT64_FORMAT
                                ".webm", (gint64)e->hearing_id, (gint64)e->id);
    char *out = g_build_filename(ex->rec->data_dir, rel, NULL), *dir = g_path_get_dirname(out);
    char *in = input_path(ex, e);
    GError *err = NULL;
    gboolean ok = FALSE;

    if (!in || !g_file_test(in, G_FILE_TEST_IS_REGULAR))
        fail(ex, e->id, "the recording's file is missing");
    else if (g_mkdir_with_parents(dir, 0700) != 0)
        fail(ex, e->id, "cannot make the exports directory");
    else if (!yf_store_export_start(ex->rec->store, e->id, rel, &err))
        g_warning("export %" G_GINT64_FORMAT ": cannot start: %s", (gint64)e->id, err->message);
    else
        ok = TRUE;
    g_clear_error(&err);
    if (ok) {
        export_job *j = g_new0(export_job, 1);
        j->ex = ex;
        j->id = e->id;
        j->input = g_steal_pointer(&in);
        j->output = g_steal_pointer(&out);
        marks(e, &j->line, &j->big);
        ex->running = j;
        ex->thread = g_thread_try_new("yf-export", run, j, &err);
        if (!ex->thread) {
            fail(ex, e->id, "cannot start the export thread");
            ex->running = NULL;
            job_free(j);
            ok = FALSE;
        }
        g_clear_error(&err);
    }
    g_free(in);
    g_free(out);
    g_free(dir);
    g_free(rel);
    return ok;
}

/* Starts the oldest queued export when none runs. */
static void kick(yf_recorder_exports *ex)
{
    GError *err = NULL;
    if (ex->running || g_atomic_int_get(&ex->rec->cancel))
        return;
    GPtrArray *pending = yf_store_export_list(ex->rec->store, 0, &err);
    for (guint i = 0; pending && i < pending->len && !ex->running; i++) {
        const yf_export *e = pending->pdata[i];
        if (e->state == YF_EXPORT_QUEUED)
            start(ex, e);
    }
    if (!pending) {
        g_warning("exports: cannot read the queue: %s", err->message);
        g_error_free(err);
    } else {
        g_ptr_array_unref(pending);
    }
}

/* The running export's thread is done: its result into the store. */
static void finished(yf_recorder_exports *ex)
{
    export_job *j = ex->running;
    GError *err = NULL;

    g_thread_join(ex->thread);
    ex->thread = NULL;
    ex->running = NULL;
    if (j->ok && !yf_store_export_done(ex->rec->store, now_ms(), j->id, j->size, j->sha256, &err)) {
        g_warning("export %" G_GINT64_FORMAT ": cannot record it: %s", (gint64)j->id, err->message);
        g_unlink(j->output);
        fail(ex, j->id, "the finished export could not be recorded");
    } else if (!j->ok) {
        fail(ex, j->id, j->error ? j->error->message : "unknown error");
    } else {
        g_message("export %" G_GINT64_FORMAT " done: %" G_GINT64_FORMAT " bytes", (gint64)j->id, (gint64)j->size);
    }
    g_clear_error(&err);
    job_free(j);
    kick(ex);
}

static gboolean done_dispatch(GSource *src, GSourceFunc fn, gpointer data)
{
    yf_recorder_exports *ex = data;
    (void)fn;
    g_source_set_ready_time(src, -1);
    if (ex->running && g_atomic_int_get(&ex->running->finished))
        finished(ex);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs done_funcs = {.dispatch = done_dispatch};

/* Exports a stop cut short run again from the start: their partial files go. */
static void requeue_cut_short(yf_recorder_exports *ex)
{
    GPtrArray *pending = yf_store_export_list(ex->rec->store, 0, NULL);
    for (guint i = 0; pending && i < pending->len; i++) {
        const yf_export *e = pending->pdata[i];
        GError *err = NULL;
        if (e->state != YF_EXPORT_PROCESSING)
            continue;
        char *out = g_build_filename(ex->rec->data_dir, e->path, NULL), *part = g_strconcat(out, ".part", NULL);
        g_message("export %" G_GINT64_FORMAT " was cut short by a stop; it is made again", (gint64)e->id);
        g_unlink(part);
        g_unlink(out);
        if (!yf_store_export_requeue(ex->rec->store, e->id, &err)) {
            g_warning("export %" G_GINT64_FORMAT ": cannot queue it again: %s", (gint64)e->id, err->message);
            g_error_free(err);
        }
        g_free(part);
        g_free(out);
    }
    if (pending)
        g_ptr_array_unref(pending);
}

yf_recorder_exports *yf_recorder_exports_new(yf_recorder *rec)
{
    yf_recorder_exports *ex = g_new0(yf_recorder_exports, 1);
    ex->rec = rec;
    ex->done_src = g_source_new(&done_funcs, sizeof(GSource));
    g_source_set_callback(ex->done_src, NULL, ex, NULL);
    g_source_set_static_name(ex->done_src, "yf-recorder exports");
    g_source_attach(ex->done_src, g_main_context_default());
    requeue_cut_short(ex);
    kick(ex);
    return ex;
}

void yf_recorder_exports_free(yf_recorder_exports *ex)
{
    if (!ex)
        return;
    if (ex->thread)
        g_thread_join(ex->thread);   /* rec->cancel stops it within ~100 ms; its row stays PROCESSING */
    job_free(ex->running);
    g_source_destroy(ex->done_src);
    g_source_unref(ex->done_src);
    g_free(ex);
}

void yf_recorder_export_queued(void *user, int64_t export_id)
{
    yf_recorder *rec = user;
    (void)export_id;   /* the store's order decides */
    kick(rec->exports);
}

double yf_recorder_export_progress(void *user, int64_t export_id)
{
    yf_recorder *rec = user;
    export_job *j = rec->exports ? rec->exports->running : NULL;
    return j && j->id == export_id ? g_atomic_int_get(&j->progress_permille) / 1000.0 : -1;
}
