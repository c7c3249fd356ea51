/* recorder_still.c -- the identity still of a 司法救助 hearing: a picture of
 * the applicant holding their ID card, taken from the server's own capture
 * of their video (never from the browser). The control thread finds the
 * capture session and the applicant's roster numbers; a GTask thread picks
 * their newest video capture, decodes its newest frame (media/post
 * post_still.c), writes HEARING_DIR/aid/still-<ms>.jpg (0600) and hashes it;
 * back on the control thread the file is recorded in the store (audited
 * aid.still) and a 【系统】 line goes into the notes at the frame's moment.
 * One still per disbursement at a time. */
#define G_LOG_DOMAIN "yf-recorder"

#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#include "media/post/post.h"
#include "media/post/post_still.h"
#include "media/rec/capfile.h"
#include "recorder_priv.h"
#include "server/store/store_aid.h"

/* Invariant: rec is NULL once the recorder is freed (a thread still running
 * then finds nothing to report to); taking holds the aid ids whose still is
 * being made, failed the last failure's message per aid id. */
struct yf_recorder_stills {
    gint refs;
    yf_recorder *rec;
    GHashTable *taking;       /* int64* */
    GHashTable *failed;       /* int64* -> char* */
};
typedef struct yf_recorder_stills stills;

/* What one still job needs; owned by its GTask. */
typedef struct {
    stills *st;
    int64_t hearing_id, aid_id, staff_id;
    char *session;            /* the capture session's directory */
    GArray *nums;             /* uint32: the applicant's roster numbers */
    char *out_dir;            /* HEARING_DIR/aid */
    /* results */
    char *path;
    guint8 sha256[32];
    int64_t size, frame_ms;
} still_job;

static void stills_unref(stills *s)
{
    if (!g_atomic_int_dec_and_test(&s->refs))
        return;
    g_hash_table_destroy(s->taking);
    g_hash_table_destroy(s->failed);
    g_free(s);
}

static stills *stills_of(yf_recorder *rec)
{
    if (!rec->stills) {
        stills *s = g_new0(stills, 1);
        s->refs = 1;
        s->rec = rec;
        s->taking = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
        s->failed = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
        rec->stills = s;
    }
    return rec->stills;
}

void yf_recorder_stills_free(yf_recorder *rec)
{
    if (!rec->stills)
        return;
    rec->stills->rec = NULL;
    stills_unref(rec->stills);
    rec->stills = NULL;
}

static void job_free(gpointer p)
{
    still_job *j = p;
    stills_unref(j->st);
    g_free(j->session);
    g_array_unref(j->nums);
    g_free(j->out_dir);
    g_free(j->path);
    g_free(j);
}

static int64_t *id_key(int64_t id)
{
    return g_memdup2(&id, sizeof id);
}

/* The newest video capture of any of nums in the session directory, or NULL. */
static char *newest_video(const still_job *j)
{
    GDir *d = g_dir_open(j->session, 0, NULL);
    const char *n;
    char *best = NULL;
    int64_t best_us = -1;
    while (d && (n = g_dir_read_name(d))) {
        if (!g_str_has_suffix(n, YF_CAP_SUFFIX) && !g_str_has_suffix(n, YF_CAP_PART_SUFFIX))
            continue;
        char *path = g_build_filename(j->session, n, NULL);
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        yf_cap_reader *r = fd >= 0 ? yf_cap_reader_new_fd(fd) : NULL;
        yf_cap_header h;
        yf_cap_meta m;
        gboolean mine = FALSE;
        if (r && yf_cap_reader_header(r, &h, NULL) && yf_cap_meta_parse(h.meta_json, h.meta_len, &m) == YF_CAP_OK &&
            m.kind == YF_CAP_VIDEO)
            for (guint i = 0; i < j->nums->len; i++)
                mine = mine || g_array_index(j->nums, uint32_t, i) == m.participant;
        if (mine && h.created_us > best_us) {
            g_free(best);
            best = g_steal_pointer(&path);
            best_us = h.created_us;
        }
        yf_cap_reader_free(r);
        if (fd >= 0)
            close(fd);
        g_free(path);
    }
    if (d)
        g_dir_close(d);
    return best;
}

/* The job's thread: find, decode, write, hash. */
static void run(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
    (void)src;
    (void)cancel;
    still_job *j = data;
    GError *err = NULL;
    yf_post_still_result res = {0};
    char *capture = newest_video(j);
    if (!capture) {
        g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                "申请人的视频还没有录下来：请确认申请人已进入听证室并打开了摄像头");
        return;
    }
    gboolean ok = yf_post_still(capture, &res, &err);
    if (ok) {
        j->frame_ms = res.frame_us / 1000;
        /* A retake of a paused picture has the same frame time: a suffix of
         * its own keeps the earlier still (the store's path is UNIQUE). */
        j->path = g_strdup_printf("%s/still-%" G_GINT64_FORMAT "-%08x.jpg", j->out_dir, (gint64)j->frame_ms,
                                  g_random_int());
        gsize len;
        const void *data_ = g_bytes_get_data(res.jpeg, &len);
        ok = g_mkdir_with_parents(j->out_dir, 0700) == 0 &&
             g_file_set_contents_full(j->path, data_, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &err) &&
             yf_recorder_hash_file(j->path, j->sha256, &j->size, &err);
        if (!ok && !err)
            err = g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "cannot make %s: %s", j->out_dir, g_strerror(errno));
    }
    yf_post_still_result_clear(&res);
    g_free(capture);
    if (ok)
        g_task_return_boolean(task, TRUE);
    else
        g_task_return_error(task, err);
}

static void record(yf_recorder *rec, still_job *j)
{
    GError *err = NULL;
    const char *rel = g_str_has_prefix(j->path, rec->data_dir) ? j->path + strlen(rec->data_dir) : j->path;
    while (*rel == '/')
        rel++;
    yf_aid_file f = {.aid_id = j->aid_id, .kind = YF_AID_STILL, .path = (char *)rel, .media_type = "image/jpeg",
                     .size_bytes = j->size, .moment_ms = j->frame_ms};
    memcpy(f.sha256, j->sha256, 32);
    int64_t now = g_get_real_time() / 1000;
    if (!yf_store_aid_file_add(rec->store, yf_actor_staff(j->staff_id), now, &f, NULL, &err)) {
        g_warning("hearing %" G_GINT64_FORMAT ": the still of aid %" G_GINT64_FORMAT " was not recorded: %s",
                  (gint64)j->hearing_id, (gint64)j->aid_id, err->message);
        g_hash_table_replace(j->st->failed, id_key(j->aid_id), g_strdup("截图没有保存下来，请再试一次"));
        g_error_free(err);
        return;
    }
    yf_recorder_hearing *h = yf_recorder_hearing_get(rec, j->hearing_id);
    char *clock = yf_recorder_clock_text(j->frame_ms);
    if (h)
        yf_recorder_note(rec, h, j->frame_ms, "身份核验：已截取申请人手持身份证画面（画面时间 %s）", clock);
    g_free(clock);
}

static void done(GObject *src, GAsyncResult *res, gpointer data)
{
    (void)src;
    (void)data;
    GTask *task = G_TASK(res);
    still_job *j = g_task_get_task_data(task);
    GError *err = NULL;
    yf_recorder *rec = j->st->rec;
    gboolean ok = g_task_propagate_boolean(task, &err);
    if (rec) {
        g_hash_table_remove(j->st->taking, &j->aid_id);
        if (ok) {
            g_hash_table_remove(j->st->failed, &j->aid_id);
            record(rec, j);
        } else {
            g_message("hearing %" G_GINT64_FORMAT ": no still for aid %" G_GINT64_FORMAT ": %s",
                      (gint64)j->hearing_id, (gint64)j->aid_id, err->message);
            g_hash_table_replace(j->st->failed, id_key(j->aid_id),
                                 g_strdup(err->domain == G_IO_ERROR && err->code == G_IO_ERROR_NOT_FOUND
                                              ? err->message
                                              : "没有从录像中取到画面，请让申请人保持在镜头前，稍后再试"));
        }
    }
    g_clear_error(&err);
}

/* The roster numbers of everyone in room role `role` this session. */
static GArray *numbers_of(const yf_recorder_hearing *h, const char *role)
{
    GArray *nums = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    size_t i;
    json_t *e;
    json_array_foreach(h->roster, i, e) {
        const char *r = json_string_value(json_object_get(e, "role"));
        if (r && !strcmp(r, role)) {
            uint32_t n = (uint32_t)json_integer_value(json_object_get(e, "num"));
            g_array_append_val(nums, n);
        }
    }
    return nums;
}

gboolean yf_recorder_still_take(void *user, int64_t hearing_id, int64_t aid_id, const char *role, int64_t staff_id,
                                GError **err)
{
    yf_recorder *rec = user;
    stills *s = stills_of(rec);
    yf_recorder_hearing *h = yf_recorder_hearing_get(rec, hearing_id);
    if (!h || !h->session || !h->roster) {
        g_set_error_literal(err, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                            "听证室现在没有在录像：请先让申请人进入听证室");
        return FALSE;
    }
    if (g_hash_table_contains(s->taking, &aid_id)) {
        g_set_error_literal(err, G_IO_ERROR, G_IO_ERROR_PENDING, "正在截取画面，请稍候");
        return FALSE;
    }
    GArray *nums = numbers_of(h, role ? role : "petitioner");
    if (nums->len == 0) {
        g_array_unref(nums);
        g_set_error_literal(err, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "申请人还没有进入听证室");
        return FALSE;
    }
    still_job *j = g_new0(still_job, 1);
    g_atomic_int_inc(&s->refs);
    j->st = s;
    j->hearing_id = hearing_id;
    j->aid_id = aid_id;
    j->staff_id = staff_id;
    j->session = g_strdup(h->session);
    j->nums = nums;
    j->out_dir = g_build_filename(h->dir, "aid", NULL);
    g_hash_table_add(s->taking, id_key(aid_id));
    g_hash_table_remove(s->failed, &aid_id);
    GTask *task = g_task_new(NULL, NULL, done, NULL);
    g_task_set_task_data(task, j, job_free);
    g_task_run_in_thread(task, run);
    g_object_unref(task);
    return TRUE;
}

gboolean yf_recorder_still_state(void *user, int64_t aid_id, char **last_error)
{
    yf_recorder *rec = user;
    stills *s = stills_of(rec);
    const char *e = g_hash_table_lookup(s->failed, &aid_id);
    if (last_error)
        *last_error = g_strdup(e);
    return g_hash_table_contains(s->taking, &aid_id);
}
