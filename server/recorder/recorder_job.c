/* recorder_job.c -- the recorder's job thread: after a hearing, waits for its
 * capture files to be finished, gathers them with the rosters that name their
 * participants, post-processes them (media/post), hashes the outputs, and
 * builds evidence packages. It never touches the case store (only its pure
 * labels: Chinese role names, Beijing time): results go back to the control
 * thread (yf_recorder_job_done). One job at a time, in order. */
#define G_LOG_DOMAIN "yf-recorder"
#include "recorder_priv.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media/rec/capfile.h"
#include "media/post/post.h"
#include "server/store/store_reads.h"

#define PART_WAIT_MS 20000   /* a capture still open after the hearing ended */

void yf_recorder_job_free(yf_recorder_job *j)
{
    if (!j)
        return;
    g_free(j->dir);
    g_free(j->case_no);
    if (j->outputs)
        g_ptr_array_unref(j->outputs);
    if (j->output_pids)
        g_ptr_array_unref(j->output_pids);
    if (j->output_names)
        g_ptr_array_unref(j->output_names);
    if (j->output_roles)
        g_ptr_array_unref(j->output_roles);
    if (j->sha256)
        g_array_unref(j->sha256);
    if (j->sizes)
        g_array_unref(j->sizes);
    if (j->output_delib)
        g_array_unref(j->output_delib);
    if (j->delib_errors)
        g_string_free(j->delib_errors, TRUE);
    if (j->keep)
        g_ptr_array_unref(j->keep);
    if (j->ev_files)
        g_array_unref(j->ev_files);
    if (j->ev_people)
        g_array_unref(j->ev_people);
    if (j->steps)
        g_array_unref(j->steps);
    if (j->step_texts)
        g_ptr_array_unref(j->step_texts);
    g_clear_error(&j->error);
    g_free(j);
}

/* ---- gathering the captures ---- */

static gint cmp_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in dir with the given prefix and suffix (g_strfreev). */
static char **list_dir(const char *dir, const char *prefix, const char *suffix)
{
    GPtrArray *a = g_ptr_array_new();
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d)))
        if (g_str_has_prefix(n, prefix) && g_str_has_suffix(n, suffix))
            g_ptr_array_add(a, g_strdup(n));
    if (d)
        g_dir_close(d);
    g_ptr_array_sort(a, cmp_names);
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(a, FALSE);
}

char yf_recorder_session_kind(const char *name)
{
    if ((name[0] != 's' && name[0] != 'd') || !g_ascii_isdigit(name[1]))
        return 0;
    for (const char *p = name + 1; *p; p++)
        if (!g_ascii_isdigit(*p))
            return 0;
    return name[0];
}

static gint cmp_session_numbers(gconstpointer a, gconstpointer b)
{
    gint64 x = g_ascii_strtoll(*(char *const *)a + 1, NULL, 10), y = g_ascii_strtoll(*(char *const *)b + 1, NULL, 10);
    return x < y ? -1 : x > y;
}

/* The session directories of one kind ('s' or 'd'), in the order they were
 * made (d2 before d10) (g_strfreev). */
static char **sessions_of(const char *dir, char kind)
{
    char prefix[2] = {kind, 0};
    char **all = list_dir(dir, prefix, "");
    GPtrArray *a = g_ptr_array_new();
    for (char **s = all; *s; s++) {
        char *sd = g_build_filename(dir, *s, NULL);
        if (yf_recorder_session_kind(*s) == kind && g_file_test(sd, G_FILE_TEST_IS_DIR))
            g_ptr_array_add(a, g_strdup(*s));
        g_free(sd);
    }
    g_strfreev(all);
    g_ptr_array_sort(a, cmp_session_numbers);
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(a, FALSE);
}

/* Whether a capture of either room is still being written. */
static gboolean parts_left_of(const char *dir, char kind)
{
    char **sessions = sessions_of(dir, kind);
    gboolean left = FALSE;
    for (char **s = sessions; *s && !left; s++) {
        char *sd = g_build_filename(dir, *s, NULL);
        char **parts = list_dir(sd, "", YF_CAP_PART_SUFFIX);
        left = parts[0] != NULL;
        g_strfreev(parts);
        g_free(sd);
    }
    g_strfreev(sessions);
    return left;
}

static gboolean parts_left(const char *dir)
{
    return parts_left_of(dir, 's') || parts_left_of(dir, 'd');
}

/* The participant number in a capture's metadata; FALSE if unreadable. */
static gboolean capture_participant(const char *path, uint32_t *num)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    yf_cap_reader *r = fd >= 0 ? yf_cap_reader_new_fd(fd) : NULL;
    yf_cap_header h;
    yf_cap_meta m;
    gboolean ok = r && yf_cap_reader_header(r, &h, NULL) &&
                  yf_cap_meta_parse(h.meta_json, h.meta_len, &m) == YF_CAP_OK;
    if (ok)
        *num = m.participant;
    yf_cap_reader_free(r);
    if (fd >= 0)
        close(fd);
    return ok;
}

/* Everyone across the sessions, by token participant: one number each. */
typedef struct {
    GPtrArray *paths;         /* char* */
    GArray *of;               /* uint32 per path */
    GPtrArray *pids, *names, *roles;  /* index = number - 1 */
    GPtrArray *labels;                /* the role in Chinese, as the composite shows it */
} gathered;

static uint32_t person(gathered *g, const char *pid, const char *name, const char *role, const char *label)
{
    for (guint i = 0; i < g->pids->len; i++)
        if (!strcmp(g->pids->pdata[i], pid))
            return i + 1;
    g_ptr_array_add(g->pids, g_strdup(pid));
    g_ptr_array_add(g->names, g_strdup(name));
    g_ptr_array_add(g->roles, g_strdup(role));
    g_ptr_array_add(g->labels, g_strdup(label));
    return g->pids->len;
}

static void gather_session(gathered *g, const char *sdir, const char *sname)
{
    char *rpath = g_build_filename(sdir, YF_RECORDER_ROSTER, NULL);
    json_t *roster = json_load_file(rpath, 0, NULL);
    char **caps = list_dir(sdir, "", YF_CAP_SUFFIX);
    for (char **c = caps; *c; c++) {
        char *path = g_build_filename(sdir, *c, NULL);
        uint32_t num = 0, who = 0;
        if (!capture_participant(path, &num)) {
            g_warning("recording: %s has no readable header; skipped", path);
            g_free(path);
            continue;
        }
        size_t i;
        json_t *e;
        json_array_foreach(roster, i, e) {
            if (json_integer_value(json_object_get(e, "num")) == (json_int_t)num) {
                const char *pid = json_string_value(json_object_get(e, "participant"));
                const char *name = json_string_value(json_object_get(e, "name"));
                const char *role = json_string_value(json_object_get(e, "role"));
                const char *label = json_string_value(json_object_get(e, "label"));   /* absent before it was kept */
                if (pid && name && role)
                    who = person(g, pid, name, role, label ? label : yf_participant_role_label(role));
                break;
            }
        }
        if (!who) { /* no roster entry: keep the file, with a neutral label */
            char *pid = g_strdup_printf("%s/p%u", sname, num), *name = g_strdup_printf("参与人 %u", num);
            who = person(g, pid, name, "", "");
            g_free(pid);
            g_free(name);
        }
        g_ptr_array_add(g->paths, path);
        g_array_append_val(g->of, who);
    }
    g_strfreev(caps);
    json_decref(roster);
    g_free(rpath);
}

/* The captures of the sessions of one kind ('s': the hearing room; 'd' with
 * only = "d<K>": that one deliberation). */
static void gather(gathered *g, const char *dir, char kind, const char *only)
{
    g->paths = g_ptr_array_new_with_free_func(g_free);
    g->of = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    g->pids = g_ptr_array_new_with_free_func(g_free);
    g->names = g_ptr_array_new_with_free_func(g_free);
    g->roles = g_ptr_array_new_with_free_func(g_free);
    g->labels = g_ptr_array_new_with_free_func(g_free);
    char **sessions = sessions_of(dir, kind);
    for (char **s = sessions; *s; s++) {
        char *sd = g_build_filename(dir, *s, NULL);
        if (!only || !strcmp(only, *s))
            gather_session(g, sd, *s);
        g_free(sd);
    }
    g_strfreev(sessions);
}

static void gathered_clear(gathered *g)
{
    g_ptr_array_unref(g->paths);
    g_array_unref(g->of);
    g_ptr_array_unref(g->pids);
    g_ptr_array_unref(g->names);
    g_ptr_array_unref(g->roles);
    g_ptr_array_unref(g->labels);
}

/* ---- hashing ---- */

gboolean yf_recorder_hash_file(const char *path, guint8 out[32], int64_t *size, GError **err)
{
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    guint8 buf[65536];
    ssize_t n = 0;
    gsize len = 32;
    *size = 0;
    while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0) {
        g_checksum_update(ck, buf, (gsize)n);
        *size += n;
    }
    if (fd < 0 || n < 0)
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read %s: %s", path, g_strerror(errno));
    else
        g_checksum_get_digest(ck, out, &len);
    if (fd >= 0)
        close(fd);
    g_checksum_free(ck);
    return fd >= 0 && n == 0;
}

/* ---- the jobs ---- */

static void on_progress(void *user, double fraction)
{
    yf_recorder_job *j = user;
    yf_recorder_set_state(j->rec, j->h, YF_RECORDER_PROCESSING, j->progress_base + j->progress_span * fraction, NULL);
}

static void wait_parts(yf_recorder_job *j)
{
    for (int waited = 0; parts_left(j->dir) && waited < PART_WAIT_MS && !g_atomic_int_get(&j->rec->cancel);
         waited += 200)
        g_usleep(200 * 1000);
    if (parts_left(j->dir))
        g_warning("recording of hearing %" G_GINT64_FORMAT ": capture files still open after %d s; "
                  "processing the finished ones", (gint64)j->h->id, PART_WAIT_MS / 1000);
}

/* Hashes outputs[first..] and names their people from g. */
static gboolean hash_outputs(yf_recorder_job *j, const gathered *g, guint first, gboolean deliberation)
{
    if (!j->sha256) {
        j->sha256 = g_array_new(FALSE, TRUE, 32);
        j->sizes = g_array_new(FALSE, TRUE, sizeof(int64_t));
        j->output_delib = g_array_new(FALSE, TRUE, sizeof(gboolean));
        j->output_pids = g_ptr_array_new_with_free_func(g_free);
        j->output_names = g_ptr_array_new_with_free_func(g_free);
        j->output_roles = g_ptr_array_new_with_free_func(g_free);
    }
    for (guint i = first; i < j->outputs->len; i++) {
        const yf_post_output *o = j->outputs->pdata[i];
        guint8 sha[32];
        int64_t size;
        if (!yf_recorder_hash_file(o->path, sha, &size, &j->error))
            return FALSE;
        g_array_append_vals(j->sha256, sha, 1);
        g_array_append_val(j->sizes, size);
        g_array_append_val(j->output_delib, deliberation);
        gboolean person_out = o->participant >= 1 && o->participant <= g->pids->len;
        guint k = person_out ? o->participant - 1 : 0;
        g_ptr_array_add(j->output_pids, g_strdup(person_out ? g->pids->pdata[k] : ""));
        g_ptr_array_add(j->output_names, g_strdup(person_out ? g->names->pdata[k] : ""));
        g_ptr_array_add(j->output_roles, g_strdup(person_out ? g->roles->pdata[k] : ""));
    }
    return TRUE;
}

/* Post-processes one room's captures (g) into out_dir and appends the
 * outputs, hashed, to the job's; FALSE with j->error set on failure. */
static gboolean run_set(yf_recorder_job *j, gathered *g, const char *out_dir, const char *kind_label,
                        gboolean deliberation)
{
    yf_post_person *people = g_new0(yf_post_person, g->pids->len);
    g_ptr_array_add(g->paths, NULL);
    for (guint i = 0; i < g->pids->len; i++)
        people[i] = (yf_post_person){i + 1, g->names->pdata[i], g->labels->pdata[i]};
    yf_post_job pj = {
        .captures = (const char *const *)g->paths->pdata,
        .participant_of = (const uint32_t *)(void *)g->of->data,
        .people = people,
        .n_people = g->pids->len,
        .case_no = j->case_no,
        .kind_label = kind_label,
        /* the agenda band belongs to the hearing room; the deliberation is one step of it */
        .steps = j->steps && !deliberation ? (const yf_post_step *)(void *)j->steps->data : NULL,
        .n_steps = j->steps && !deliberation ? j->steps->len : 0,
        .tz_offset_s = YF_STORE_TZ_BEIJING_S,
        .out_dir = out_dir,
        .progress = on_progress,
        .progress_user = j,
        .cancel = &j->rec->cancel,
    };
    GPtrArray *outs = NULL;
    gboolean ok = FALSE;
    guint first = j->outputs ? j->outputs->len : 0;
    if (g_mkdir_with_parents(out_dir, 0750) != 0)
        g_set_error(&j->error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot make %s: %s", out_dir, g_strerror(errno));
    else if (yf_post_init(&j->error) && (outs = yf_post_run(&pj, &j->error)) != NULL) {
        if (!j->outputs) {
            j->outputs = outs;
        } else {
            while (outs->len)
                g_ptr_array_add(j->outputs, g_ptr_array_steal_index(outs, 0));
            g_ptr_array_unref(outs);
        }
        ok = hash_outputs(j, g, first, deliberation);
    }
    if (!ok && j->outputs && j->outputs->len > first) {   /* the set's outputs go with it, hashed or not */
        g_ptr_array_set_size(j->outputs, first);
        if (j->sha256) {
            g_array_set_size(j->sha256, MIN(j->sha256->len, first));
            g_array_set_size(j->sizes, MIN(j->sizes->len, first));
            g_array_set_size(j->output_delib, MIN(j->output_delib->len, first));
            g_ptr_array_set_size(j->output_pids, MIN(j->output_pids->len, first));
            g_ptr_array_set_size(j->output_names, MIN(j->output_names->len, first));
            g_ptr_array_set_size(j->output_roles, MIN(j->output_roles->len, first));
        }
    }
    g_free(people);
    return ok;
}

static void run_full(yf_recorder_job *j)
{
    gathered g;
    wait_parts(j);
    gather(&g, j->dir, 's', NULL);
    if (g.paths->len == 0) {
        g_set_error_literal(&j->error, YF_POST_ERROR, YF_POST_ERROR_INPUT, "nothing was captured");
        gathered_clear(&g);
        return;
    }
    char *out = g_build_filename(j->dir, "out", NULL);
    /* each time the deliberation room was open: its own files, under out/d<K>;
     * the progress shown is the hearing room's for 80 %, theirs for the rest */
    char **delibs = sessions_of(j->dir, 'd');
    guint n_delib = g_strv_length(delibs);
    j->progress_base = 0;
    j->progress_span = n_delib ? 0.8 : 1.0;
    gboolean ok = run_set(j, &g, out, j->kind_label, FALSE);
    gathered_clear(&g);
    for (char **d = delibs; ok && *d; d++) {   /* ok: the hearing room's own files */
        gathered dg;
        gather(&dg, j->dir, 'd', *d);
        j->progress_base = 0.8 + 0.2 * (double)(d - delibs) / n_delib;
        j->progress_span = 0.2 / n_delib;
        if (dg.paths->len) {
            /* a deliberation that cannot be processed (nothing but empty
             * captures, say) is reported apart and never takes the hearing
             * room's files down with it: its captures stay for the package */
            char *dout = g_build_filename(out, *d, NULL);
            if (!run_set(j, &dg, dout, "检察听证评议", TRUE) && g_atomic_int_get(&j->rec->cancel)) {
                ok = FALSE;   /* a stop cut it short: the whole job is done again at the next start */
            } else if (j->error) {
                g_warning("recording of hearing %" G_GINT64_FORMAT ": deliberation %s not processed: %s",
                          (gint64)j->h->id, *d, j->error->message);
                if (!j->delib_errors)
                    j->delib_errors = g_string_new(NULL);
                g_string_append_printf(j->delib_errors, "%s%s: %s", j->delib_errors->len ? "; " : "", *d,
                                       j->error->message);
                g_clear_error(&j->error);
            }
            g_free(dout);
        }
        gathered_clear(&dg);
    }
    g_strfreev(delibs);
    g_free(out);
}

static void run_evidence(yf_recorder_job *j)
{
    char *path = g_build_filename(j->dir, YF_RECORDER_EVIDENCE, NULL);
    yf_evidence_build(&j->ev, j->rec->data_dir, path, &j->error);
    g_free(path);
}

gpointer yf_recorder_job_thread(gpointer data)
{
    yf_recorder *rec = data;
    for (;;) {
        yf_recorder_job *j = g_async_queue_pop(rec->jobs);
        if (!j->h) {
            yf_recorder_job_free(j);
            return NULL;
        }
        g_atomic_int_set(&rec->jobs_running, 1);
        if (j->kind == JOB_FULL) {
            yf_recorder_set_state(rec, j->h, YF_RECORDER_PROCESSING, 0, NULL);
            run_full(j);
        } else {
            run_evidence(j);
        }
        g_atomic_int_set(&rec->jobs_running, 0);
        g_async_queue_push(rec->done, j);
        g_source_set_ready_time(rec->done_src, 0);
    }
}
