/* recorder.c -- the control-thread half of hearing recording
 * (docs/recording.md): which room is captured into which directory while its
 * hearing runs, the rosters that name the participants of capture files,
 * recovery of a crashed server's captures, audit entries and system entries
 * in the notes for every start, stop and interruption, and attaching the
 * post-processed files to the case store. Blocking media work is on the job
 * thread (recorder_job.c). */
#define G_LOG_DOMAIN "yf-recorder"
#include "recorder_priv.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "media/rec/capfile.h"
#include "server/store/store_reads.h"
#include "media/post/post.h"

static const char *const state_names[] = {"none", "waiting", "recording", "queued", "processing", "done",
                                          "failed"};

static int64_t now_ms(void)
{
    return g_get_real_time() / 1000;
}

/* ---- audit and notes ---- */

void yf_recorder_audit(yf_recorder *rec, const yf_recorder_hearing *h, const char *action, const char *fmt, ...)
{
    va_list ap;
    GError *err = NULL;
    char *object = g_strdup_printf("hearing:%" G_GINT64_FORMAT, (gint64)h->id);
    va_start(ap, fmt);
    char *detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (!yf_store_audit_record(rec->store, yf_actor_system(), now_ms(), action, object, detail, &err)) {
        g_warning("audit: cannot record %s on %s: %s", action, object, err->message);
        g_error_free(err);
    }
    g_free(detail);
    g_free(object);
}

/* "14:03:05" in Beijing time (the notes are read there). */
char *yf_recorder_clock_text(int64_t ms)
{
    return yf_store_time_text(ms, YF_STORE_TZ_BEIJING_S, "%H:%M:%S");
}

/* A system entry in the hearing's notes at wall time at_ms; a finalized note
 * takes no more entries (the audit entry beside it still says it). */
void yf_recorder_note(yf_recorder *rec, const yf_recorder_hearing *h, int64_t at_ms, const char *fmt, ...)
{
    va_list ap;
    GError *err = NULL;
    va_start(ap, fmt);
    char *body = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *text = g_strdup_printf("【系统】%s", body);
    int64_t offset = at_ms > h->start_ms ? at_ms - h->start_ms : 0;
    if (!yf_store_note_add_entry(rec->store, yf_actor_system(), now_ms(), h->id, offset, text, NULL, &err)) {
        g_message("hearing %" G_GINT64_FORMAT ": note not added (%s): %s", (gint64)h->id, err->message, text);
        g_error_free(err);
    }
    g_free(text);
    g_free(body);
}

/* ---- hearings ---- */

void yf_recorder_set_state(yf_recorder *rec, yf_recorder_hearing *h, yf_recorder_state s, double progress, const char *error)
{
    g_mutex_lock(&rec->lock);
    h->state = s;
    h->progress = progress;
    if (error || s != YF_RECORDER_FAILED) {
        g_free(h->error);
        h->error = g_strdup(error);
    }
    g_mutex_unlock(&rec->lock);
}

void yf_recorder_hearing_free(gpointer data)
{
    yf_recorder_hearing *h = data;
    yf_recorder_presence_clear(h);
    g_free(h->room);
    g_free(h->dir);
    g_free(h->session);
    json_decref(h->roster);
    g_free(h->gap_reason);
    g_free(h->error);
    g_free(h->delib_session);
    json_decref(h->delib_roster);
    g_free(h);
}

/* The recorder's record of hearing id (made from the store on first use);
 * NULL if the store does not know it. */
yf_recorder_hearing *yf_recorder_hearing_get(yf_recorder *rec, int64_t id)
{
    yf_recorder_hearing *h = g_hash_table_lookup(rec->hearings, &id);
    yf_hearing sh = {0};
    GError *err = NULL;
    if (h)
        return h;
    if (!yf_store_hearing_get(rec->store, id, &sh, &err)) {
        g_warning("recording: hearing %" G_GINT64_FORMAT ": %s", (gint64)id, err->message);
        g_error_free(err);
        return NULL;
    }
    h = g_new0(yf_recorder_hearing, 1);
    h->id = id;
    h->room = g_strdup(sh.room);
    h->start_ms = sh.start_ms;
    h->kind_label = yf_hearing_kind_label(sh.kind);
    h->dir = g_strdup_printf("%s/h%" G_GINT64_FORMAT, rec->root, (gint64)id);
    g_hash_table_insert(rec->hearings, g_memdup2(&h->id, sizeof h->id), h);
    yf_hearing_clear(&sh);
    return h;
}

/* The running hearing held in `room` (room names are "appt-<appointment>"). */
static yf_recorder_hearing *running_in(yf_recorder *rec, const char *room)
{
    int64_t appt = 0, found = 0;
    GError *err = NULL;
    if (sscanf(room, "appt-%" SCNd64, &appt) != 1 || appt <= 0)
        return NULL;
    GPtrArray *list = yf_store_hearing_list(rec->store, 0, appt, &err);
    for (guint i = 0; list && i < list->len; i++) {
        const yf_hearing *sh = list->pdata[i];
        if (sh->end_ms == 0 && !strcmp(sh->room, room))
            found = sh->id;
    }
    if (!list) {
        g_warning("recording: room %s: %s", room, err->message);
        g_error_free(err);
    } else {
        g_ptr_array_unref(list);
    }
    return found ? yf_recorder_hearing_get(rec, found) : NULL;
}

yf_recorder_hearing *yf_recorder_recording_in(yf_recorder *rec, const char *room)
{
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, rec->hearings);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        yf_recorder_hearing *h = v;
        if (h->session && !strcmp(h->room, room))
            return h;
    }
    return NULL;
}

/* ---- capture sessions ---- */

/* Makes h's next session directory and switches h to recording into it. */
static gboolean session_begin(yf_recorder *rec, yf_recorder_hearing *h)
{
    char *dir = NULL;
    for (int k = 1; k < 100000 && !dir; k++) {
        char *d = g_strdup_printf("%s/s%d", h->dir, k);
        if (!g_file_test(d, G_FILE_TEST_EXISTS))
            dir = d;
        else
            g_free(d);
    }
    if (!dir || g_mkdir_with_parents(dir, 0750) != 0 || !yf_cap_sync_dir(h->dir, NULL)) {
        g_warning("hearing %" G_GINT64_FORMAT ": cannot make a capture directory under %s: %s", (gint64)h->id,
                  h->dir, g_strerror(errno));
        yf_recorder_audit(rec, h, "recording.failed", "cannot make a capture directory under %s", h->dir);
        g_free(dir);
        return FALSE;
    }
    h->session = dir;
    h->roster = json_array();
    yf_recorder_set_state(rec, h, YF_RECORDER_RECORDING, 0, NULL);
    return TRUE;
}

/* After a session began and the room captures: the audit and the notes. */
static void session_started(yf_recorder *rec, yf_recorder_hearing *h)
{
    int64_t now = now_ms();
    char *base = g_path_get_basename(h->session);
    yf_recorder_audit(rec, h, "recording.start", "room=%s session=%s", h->room, base);
    if (h->gap_since_ms) {
        char *from = yf_recorder_clock_text(h->gap_since_ms);
        yf_recorder_note(rec, h, now, "录音录像恢复（自 %s 起中断 %" G_GINT64_FORMAT " 秒，原因：%s）", from,
             (gint64)((now - h->gap_since_ms + 500) / 1000), h->gap_reason ? h->gap_reason : "未知");
        yf_recorder_audit(rec, h, "recording.gap", "from=%" G_GINT64_FORMAT " to=%" G_GINT64_FORMAT " reason=%s",
              (gint64)h->gap_since_ms, (gint64)now, h->gap_reason ? h->gap_reason : "unknown");
        g_free(from);
    } else {
        yf_recorder_note(rec, h, now, "录音录像开始，全体参与人已被告知本次%s全程录音录像",
                         h->kind_label ? h->kind_label : "接访");
    }
    h->gap_since_ms = 0;
    g_clear_pointer(&h->gap_reason, g_free);
    char *paused = g_build_filename(h->dir, YF_RECORDER_PAUSED, NULL);
    g_unlink(paused);
    g_free(paused);
    g_free(base);
}

/* The session ends: capture stopped (by the caller), state `next`. */
static void session_end(yf_recorder *rec, yf_recorder_hearing *h, yf_recorder_state next, const char *why)
{
    yf_recorder_audit(rec, h, "recording.stop", "room=%s reason=%s", h->room, why);
    g_clear_pointer(&h->session, g_free);
    g_clear_pointer(&h->roster, json_decref);
    yf_recorder_set_state(rec, h, next, 0, NULL);
}

/* Ends h's capture session at now: the room stops capturing (unless it is
 * already gone), a note "录音录像<what>" (its line carries the time), the
 * audit entry. */
static void capture_stop(yf_recorder *rec, yf_recorder_hearing *h, int64_t now, gboolean stop_room, const char *what,
                         const char *why)
{
    if (stop_room && rec->rooms)
        yf_sigroom_hub_capture(rec->rooms, h->room, NULL);
    yf_recorder_presence_flush(rec, h);   /* what waited in a quiet window, before the stop */
    yf_recorder_note(rec, h, now, "录音录像%s", what);
    session_end(rec, h, YF_RECORDER_WAITING, why);
}

/* The Chinese name of a member's role: an invitee's own role (证人, 其他),
 * which their room token names only coarsely (observer), else the room's. */
static const char *member_label(yf_recorder *rec, const char *pid, const char *role)
{
    yf_invitee inv = {0};
    const char *label = NULL;
    char *end = NULL;
    gint64 id = g_str_has_prefix(pid, "invitee:") ? g_ascii_strtoll(pid + 8, &end, 10) : 0;
    if (id > 0 && end && !*end && yf_store_invitee_get(rec->store, id, &inv, NULL))
        label = yf_invitee_role_label(inv.role);
    yf_invitee_clear(&inv);
    return label ? label : yf_participant_role_label(role);
}

static void roster_put(yf_recorder_hearing *h, uint32_t num, const char *pid, const char *name, const char *role,
                       const char *label)
{
    size_t i;
    json_t *e;
    json_array_foreach(h->roster, i, e) {
        if (json_integer_value(json_object_get(e, "num")) == num) {
            json_array_remove(h->roster, i);
            break;
        }
    }
    json_array_append_new(h->roster, json_pack("{s:I, s:s, s:s, s:s, s:s}", "num", (json_int_t)num, "participant",
                                               pid, "name", name, "role", role, "label", label));
    char *path = g_build_filename(h->session, YF_RECORDER_ROSTER, NULL);
    char *text = json_dumps(h->roster, JSON_INDENT(1) | JSON_ENSURE_ASCII);
    GError *err = NULL;
    if (!text || !g_file_set_contents(path, text, -1, &err)) {
        g_warning("hearing %" G_GINT64_FORMAT ": cannot write %s: %s", (gint64)h->id, path,
                  err ? err->message : "out of memory");
        g_clear_error(&err);
    }
    free(text);
    g_free(path);
}

/* The roster's `key` ("name", "label") of the token participant pid, or NULL. */
static const char *roster_get(const yf_recorder_hearing *h, const char *pid, const char *key)
{
    size_t i;
    json_t *e;
    json_array_foreach(h->roster, i, e) {
        const char *p = json_string_value(json_object_get(e, "participant"));
        const char *v = json_string_value(json_object_get(e, key));
        if (p && !strcmp(p, pid) && v && *v)
            return v;
    }
    return NULL;
}

/* ---- hooks from the rooms ---- */

static char *on_room_opened(void *user, const char *room)
{
    yf_recorder *rec = user;
    if (yf_recorder_is_deliberation(room))
        return yf_recorder_deliberation_opened(rec, room);
    yf_recorder_hearing *h = running_in(rec, room);
    if (!h || h->session || !session_begin(rec, h))
        return NULL;
    session_started(rec, h);
    return g_strdup(h->session);
}

/* Someone is in the media of the room of a running hearing: a capture file
 * of theirs follows (the roster names it), and the case file records when
 * they entered (participants.joined_ms, an invitee's admitted_ms). */
static void on_member(void *user, const char *room, uint32_t num, const char *pid, const char *name,
                      const char *role, gint64 entered_ms)
{
    yf_recorder *rec = user;
    if (yf_recorder_is_deliberation(room)) {
        yf_recorder_deliberation_member(rec, room, num, pid, name, role, entered_ms);
        return;
    }
    yf_recorder_hearing *h = yf_recorder_recording_in(rec, room);
    if (!h)
        return;
    roster_put(h, num, pid, name, role, member_label(rec, pid, role));
    yf_recorder_participant(rec, h->id, pid, name, role, entered_ms);
}

/* Capture stopped while the hearing runs: remembered (also on disk, so the
 * note written when capture resumes, perhaps after a restart, says since
 * when and why). */
static void pause_mark(yf_recorder_hearing *h, int64_t since_ms, const char *why)
{
    char *path = g_build_filename(h->dir, YF_RECORDER_PAUSED, NULL);
    char *text = g_strdup_printf("%" G_GINT64_FORMAT " %s", (gint64)since_ms, why);
    if (!g_file_set_contents(path, text, -1, NULL))
        g_warning("hearing %" G_GINT64_FORMAT ": cannot write %s", (gint64)h->id, path);
    h->gap_since_ms = since_ms;
    g_free(h->gap_reason);
    h->gap_reason = g_strdup(why);
    g_free(text);
    g_free(path);
}

/* A pause remembered on disk by an earlier run of the server. */
static void pause_load(yf_recorder_hearing *h)
{
    char *path = g_build_filename(h->dir, YF_RECORDER_PAUSED, NULL), *text = NULL, *end = NULL;
    if (g_file_get_contents(path, &text, NULL, NULL)) {
        gint64 since = g_ascii_strtoll(text, &end, 10);
        if (since > 0 && end && *end == ' ' && g_utf8_validate(end + 1, -1, NULL)) {
            h->gap_since_ms = since;
            g_free(h->gap_reason);
            h->gap_reason = g_strdup(end + 1);
        }
    }
    g_free(text);
    g_free(path);
}

static void on_room_closed(void *user, const char *room)
{
    yf_recorder *rec = user;
    if (yf_recorder_is_deliberation(room)) {
        yf_recorder_deliberation_closed(rec, room);
        return;
    }
    yf_recorder_hearing *h = yf_recorder_recording_in(rec, room);
    if (!h)
        return;
    int64_t now = now_ms();
    capture_stop(rec, h, now, FALSE, "暂停：全体参与人已离开会议室", "room closed");
    pause_mark(h, now, "全体参与人离开会议室");
}

void yf_recorder_room_event(yf_recorder *rec, const char *room, const char *action, const char *participant,
                            const char *role)
{
    yf_recorder_hearing *h = rec ? yf_recorder_recording_in(rec, room) : NULL;
    const char *what = NULL;
    if (!h)
        return;
    if (!strcmp(action, "room.disconnect") || !strcmp(action, "room.media_lost"))
        what = "网络中断，其录音录像中断";
    else if (!strcmp(action, "room.rejoin") || !strcmp(action, "room.media_back"))
        what = "重新连接，其录音录像恢复";
    else if (!strcmp(action, "room.leave"))
        what = "离开会议室，其录音录像结束";
    if (!what)
        return;
    int64_t now = now_ms();
    const char *name = roster_get(h, participant, "name"), *label = roster_get(h, participant, "label");
    if (!label)
        label = yf_participant_role_label(role);
    /* never an internal id: 一名参与人 (a participant) when the roster has no name */
    char *line = *label ? g_strdup_printf("%s（%s）%s", name ? name : "一名参与人", label, what)
                        : g_strdup_printf("%s%s", name ? name : "一名参与人", what);
    yf_recorder_presence_line(rec, h, participant, now, line);
    g_free(line);
}

/* ---- hooks from the API ---- */

static void on_hearing_started(void *user, int64_t id, const char *room)
{
    yf_recorder *rec = user;
    yf_recorder_hearing *h = yf_recorder_hearing_get(rec, id);
    if (!h || h->session)
        return;
    yf_recorder_set_state(rec, h, YF_RECORDER_WAITING, 0, NULL);
    if (!session_begin(rec, h))
        return;
    if (rec->rooms && yf_sigroom_hub_capture(rec->rooms, room, h->session)) {
        session_started(rec, h);
        return;
    }
    /* The room opens later (on_room_opened); this session stays unused. */
    g_rmdir(h->session);
    g_clear_pointer(&h->session, g_free);
    g_clear_pointer(&h->roster, json_decref);
    yf_recorder_set_state(rec, h, YF_RECORDER_WAITING, 0, NULL);
}

void yf_recorder_queue_job(yf_recorder *rec, yf_recorder_hearing *h, yf_recorder_job_kind kind, yf_recorder_job *j)
{
    j->rec = rec;
    j->h = h;
    j->kind = kind;
    j->dir = g_strdup(h->dir);
    yf_recorder_set_state(rec, h, YF_RECORDER_QUEUED, 0, NULL);
    g_async_queue_push(rec->jobs, j);
}

void yf_recorder_queue_full(yf_recorder *rec, yf_recorder_hearing *h)
{
    yf_recorder_job *j = g_new0(yf_recorder_job, 1);
    yf_hearing sh = {0};
    yf_case c = {0};
    if (yf_store_hearing_get(rec->store, h->id, &sh, NULL)) {
        j->kind_label = yf_hearing_kind_label(sh.kind);   /* static */
        if (yf_store_case_get(rec->store, sh.case_id, &c, NULL))
            j->case_no = g_strdup(c.case_no);
        yf_recorder_job_steps(rec, j, h->id);
    }
    yf_hearing_clear(&sh);
    yf_case_clear(&c);
    yf_recorder_queue_job(rec, h, JOB_FULL, j);
}

/* The hearing's room closes for everyone once its capture has stopped. */
static void end_room(yf_recorder *rec, int64_t id)
{
    yf_hearing sh = {0};
    if (rec->rooms && yf_store_hearing_get(rec->store, id, &sh, NULL) && sh.room)
        yf_sigroom_hub_end_room(rec->rooms, sh.room, "hearing_ended");
    yf_hearing_clear(&sh);
}

static void on_hearing_ended(void *user, int64_t id)
{
    yf_recorder *rec = user;
    yf_recorder_hearing *h = yf_recorder_hearing_get(rec, id);
    if (h && h->session)
        capture_stop(rec, h, now_ms(), TRUE, "结束", "hearing ended");
    end_room(rec, id);
    if (!h)
        return;
    if (g_file_test(h->dir, G_FILE_TEST_IS_DIR))
        yf_recorder_queue_full(rec, h);
    else
        yf_recorder_set_state(rec, h, YF_RECORDER_NONE, 0, NULL);
}

/* A hearing finished in an earlier run of the server (its files attached,
 * its package built): known from its directory alone, so start-up need not
 * load every hearing ever recorded. */
static gboolean finished_on_disk(const yf_recorder *rec, int64_t id)
{
    char *dir = g_strdup_printf("%s/h%" G_GINT64_FORMAT, rec->root, (gint64)id);
    char *attached = g_build_filename(dir, YF_RECORDER_ATTACHED, NULL), *ev = g_build_filename(dir, YF_RECORDER_EVIDENCE, NULL);
    gboolean done = g_file_test(attached, G_FILE_TEST_EXISTS) && g_file_test(ev, G_FILE_TEST_IS_REGULAR);
    g_free(ev);
    g_free(attached);
    g_free(dir);
    return done;
}

/* The recorder's record of hearing id, loading one finished on disk. */
static yf_recorder_hearing *known(yf_recorder *rec, int64_t id)
{
    yf_recorder_hearing *h = g_hash_table_lookup(rec->hearings, &id);
    if (!h && finished_on_disk(rec, id) && (h = yf_recorder_hearing_get(rec, id)))
        yf_recorder_set_state(rec, h, YF_RECORDER_DONE, 1, NULL);
    return h;
}

static json_t *on_status(void *user, int64_t id)
{
    yf_recorder *rec = user;
    yf_recorder_hearing *h = known(rec, id);
    if (!h)
        return json_pack("{s:s, s:f, s:n}", "state", "none", "progress", 0.0, "error");
    g_mutex_lock(&rec->lock);
    json_t *o = json_pack("{s:s, s:f, s:o}", "state", state_names[h->state], "progress", h->progress, "error",
                          h->error ? json_string(h->error) : json_null());
    g_mutex_unlock(&rec->lock);
    return o;
}

static char *on_evidence_path(void *user, int64_t id)
{
    yf_recorder *rec = user;
    yf_recorder_hearing *h = known(rec, id);
    char *path = h && h->state == YF_RECORDER_DONE ? g_build_filename(h->dir, YF_RECORDER_EVIDENCE, NULL) : NULL;
    if (path && !g_file_test(path, G_FILE_TEST_IS_REGULAR))
        g_clear_pointer(&path, g_free);
    return path;
}

/* Finalized or confirmed notes: a finished package is built again with them. */
static void on_notes_changed(void *user, int64_t id)
{
    yf_recorder *rec = user;
    yf_recorder_hearing *h = known(rec, id);
    if (h && h->state == YF_RECORDER_DONE)
        yf_recorder_queue_evidence(rec, h);
    else if (h && (h->state == YF_RECORDER_QUEUED || h->state == YF_RECORDER_PROCESSING))
        h->notes_stale = TRUE;   /* yf_recorder_job_done builds it again */
}

const yf_api_recording_hooks yf_recorder_api_hooks = {
    .hearing_started = on_hearing_started,
    .hearing_ended = on_hearing_ended,
    .status = on_status,
    .notes_changed = on_notes_changed,
    .evidence_path = on_evidence_path,
    .export_queued = yf_recorder_export_queued,
    .export_progress = yf_recorder_export_progress,
    .still_take = yf_recorder_still_take,
    .still_state = yf_recorder_still_state,
};
const yf_sigroom_capture_hooks yf_recorder_room_hooks = {on_room_opened, on_member, on_room_closed};

/* ---- start-up: recovery ---- */

/* Finishes the .part files of one session a crash left; returns the arrival
 * time (ms) of the last record kept, 0 when nothing was recovered. */
static int64_t recover_session(yf_recorder *rec, yf_recorder_hearing *h, const char *sdir)
{
    GError *err = NULL;
    int64_t last = 0;
    GPtrArray *done = yf_rec_recover_dir(sdir, &err);
    if (!done) {
        g_warning("recording: cannot recover %s: %s", sdir, err->message);
        yf_recorder_audit(rec, h, "recording.recover_failed", "dir=%s error=%s", sdir, err->message);
        g_error_free(err);
        return 0;
    }
    for (guint i = 0; i < done->len; i++) {
        const yf_cap_recovered *r = done->pdata[i];
        if (r->error) {
            yf_recorder_audit(rec, h, "recording.recover_failed", "file=%s error=%s", r->name ? r->name : "?", r->error);
            continue;
        }
        yf_recorder_audit(rec, h, "recording.recovered",
                  "file=%s records=%" G_GUINT64_FORMAT " bytes_cut=%" G_GUINT64_FORMAT " last=%" G_GINT64_FORMAT,
                  r->name, r->records_kept, r->bytes_truncated, (gint64)(r->last_arrival_us / 1000));
        if (r->last_arrival_us / 1000 > last)
            last = r->last_arrival_us / 1000;
    }
    g_ptr_array_unref(done);
    return last;
}

static void recover_hearing(yf_recorder *rec, int64_t id)
{
    yf_recorder_hearing *h = yf_recorder_hearing_get(rec, id);
    yf_hearing sh = {0};
    int64_t crashed = 0;
    if (!h || !yf_store_hearing_get(rec->store, id, &sh, NULL)) {
        g_warning("recording: %s/h%" G_GINT64_FORMAT " belongs to no hearing in the store; left alone", rec->root,
                  (gint64)id);
        return;
    }
    GDir *d = g_dir_open(h->dir, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d))) {
        char *sd = g_build_filename(h->dir, n, NULL);
        if (yf_recorder_session_kind(n) && g_file_test(sd, G_FILE_TEST_IS_DIR)) {
            int64_t last = recover_session(rec, h, sd);
            crashed = MAX(crashed, last);
        }
        g_free(sd);
    }
    if (d)
        g_dir_close(d);
    if (crashed)
        yf_recorder_note(rec, h, crashed, "录音录像因服务器异常停止而中断");
    char *attached = g_build_filename(h->dir, YF_RECORDER_ATTACHED, NULL);
    if (sh.end_ms == 0) {
        yf_recorder_set_state(rec, h, YF_RECORDER_WAITING, 0, NULL);
        pause_load(h);
        if (crashed)
            pause_mark(h, crashed, "服务器异常停止后重新启动");
    } else if (!g_file_test(attached, G_FILE_TEST_EXISTS)) {
        yf_recorder_queue_full(rec, h);
    } else {
        yf_recorder_queue_evidence(rec, h);   /* attached, but no package (recover_all skips finished ones) */
    }
    g_free(attached);
    yf_hearing_clear(&sh);
}

static void recover_all(yf_recorder *rec)
{
    GDir *d = g_dir_open(rec->root, 0, NULL);
    const char *n;
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
    while (d && (n = g_dir_read_name(d))) {
        char *end = NULL;
        gint64 id = n[0] == 'h' ? g_ascii_strtoll(n + 1, &end, 10) : 0;
        if (id > 0 && end && *end == '\0')
            g_array_append_val(ids, id);
    }
    if (d)
        g_dir_close(d);
    for (guint i = 0; i < ids->len; i++)   /* finished ones load when asked for */
        if (!finished_on_disk(rec, g_array_index(ids, int64_t, i)))
            recover_hearing(rec, g_array_index(ids, int64_t, i));
    g_array_unref(ids);
}

/* ---- life ---- */

static gboolean done_dispatch(GSource *src, GSourceFunc fn, gpointer data)
{
    yf_recorder *rec = data;
    yf_recorder_job *j;
    (void)fn;
    g_source_set_ready_time(src, -1);
    while ((j = g_async_queue_try_pop(rec->done)))
        yf_recorder_job_done(j);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs done_funcs = {.dispatch = done_dispatch};

yf_recorder *yf_recorder_new(yf_store *store, const char *data_dir, GError **err)
{
    yf_recorder *rec = g_new0(yf_recorder, 1);
    rec->store = store;
    rec->data_dir = g_strdup(data_dir);
    rec->root = g_build_filename(data_dir, YF_RECORDER_DIR_NAME, NULL);
    rec->hearings = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, yf_recorder_hearing_free);
    g_mutex_init(&rec->lock);
    rec->jobs = g_async_queue_new();
    rec->done = g_async_queue_new();
    if (g_mkdir_with_parents(rec->root, 0750) != 0) {
        g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno), "cannot make %s: %s", rec->root, g_strerror(errno));
        yf_recorder_free(rec);
        return NULL;
    }
    rec->done_src = g_source_new(&done_funcs, sizeof(GSource));
    g_source_set_callback(rec->done_src, NULL, rec, NULL);
    g_source_set_static_name(rec->done_src, "yf-recorder results");
    g_source_attach(rec->done_src, g_main_context_default());
    recover_all(rec);   /* before the writer: nothing writes a capture yet */
    rec->exports = yf_recorder_exports_new(rec);
    rec->writer = yf_rec_writer_new(NULL, err);
    if (rec->writer)
        rec->thread = g_thread_try_new("yf-recorder", yf_recorder_job_thread, rec, err);
    if (!rec->thread) {
        yf_recorder_free(rec);
        return NULL;
    }
    return rec;
}

/* The rooms' gate (yf_sigroom_gate_fn): the room of an appointment stays shut
 * once that appointment can no longer be held; and nobody comes into any room
 * whom the store says may not (removed by the host, invitation withdrawn,
 * account disabled, the sign-in behind a staff token ended). A store that
 * cannot answer keeps the door shut for now: the client retries. */
static gboolean room_gate(void *user, const yf_room_claims *claims, yf_sig_errc *code, const char **why)
{
    yf_recorder *rec = user;
    const char *ended_code = NULL;
    char *end = NULL;
    GError *err = NULL;
    if (g_str_has_prefix(claims->room, "appt-")) {
        gint64 appointment = g_ascii_strtoll(claims->room + 5, &end, 10);
        if (end && !*end && appointment > 0 &&
            !yf_store_appointment_open(rec->store, appointment, &ended_code, why)) {
            *code = YF_SIG_ERR_ENDED;
            return FALSE;
        }
        /* Before its hearing starts an appointment's room takes nobody: they
         * would meet unrecorded while told it is recorded. */
        GPtrArray *hs = end && !*end && appointment > 0 ? yf_store_hearing_list(rec->store, 0, appointment, NULL)
                                                       : NULL;
        gboolean started = hs && hs->len > 0;
        if (hs)
            g_ptr_array_unref(hs);
        if (end && !*end && appointment > 0 && !started) {
            *code = YF_SIG_ERR_NOT_STARTED;
            *why = "the hearing has not started yet; the page waits and comes in when the prosecutor starts it";
            return FALSE;
        }
    }
    *why = NULL;
    if (yf_store_room_may_join(rec->store, claims->room, claims->participant, claims->session, now_ms(), why,
                               &err))
        return TRUE;
    if (err) {
        g_warning("room %s: cannot tell whether %s may join: %s", claims->room, claims->participant, err->message);
        g_error_free(err);
        *code = YF_SIG_ERR_BUSY;
        *why = "the case store is busy; try again in a moment";
        return FALSE;
    }
    *code = YF_SIG_ERR_FORBIDDEN;
    return FALSE;
}

void yf_recorder_attach(yf_recorder *rec, yf_sigroom_hub *rooms, yf_api *api)
{
    rec->rooms = rooms;
    rec->api = api;
    yf_sigroom_hub_set_capture(rooms, rec->writer, &yf_recorder_room_hooks, rec);
    yf_sigroom_hub_set_hearing(rooms, &yf_recorder_hearing_hooks, rec);
    yf_sigroom_hub_set_gate(rooms, room_gate, rec);
    yf_sigroom_hub_set_agenda(rooms, &yf_recorder_agenda_hooks, rec);
    yf_api_set_recording_hooks(api, &yf_recorder_api_hooks, rec);
    yf_api_aid_resume(api);   /* receipts a stop left between processing and the receipt */
}

void yf_recorder_shutdown(yf_recorder *rec)
{
    GHashTableIter it;
    gpointer v;
    if (!rec)
        return;
    g_hash_table_iter_init(&it, rec->hearings);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        yf_recorder_hearing *h = v;
        if (!h->session)
            continue;
        int64_t now = now_ms();
        capture_stop(rec, h, now, TRUE, "因服务器停止而中断", "server stopping");
        pause_mark(h, now, "服务器停止后重新启动");
    }
}

void yf_recorder_free(yf_recorder *rec)
{
    yf_recorder_job *j;
    if (!rec)
        return;
    g_atomic_int_set(&rec->cancel, 1);
    yf_recorder_exports_free(rec->exports);   /* a running export stops; it runs again at the next start-up */
    yf_recorder_stills_free(rec);
    if (rec->thread) {
        g_async_queue_push(rec->jobs, g_new0(yf_recorder_job, 1));   /* h == NULL: stop */
        g_thread_join(rec->thread);
    }
    while ((j = g_async_queue_try_pop(rec->jobs)))
        yf_recorder_job_free(j);
    while ((j = g_async_queue_try_pop(rec->done)))
        yf_recorder_job_free(j);   /* redone at the next start-up */
    if (rec->done_src) {
        g_source_destroy(rec->done_src);
        g_source_unref(rec->done_src);
    }
    yf_rec_writer_free(rec->writer);
    g_async_queue_unref(rec->jobs);
    g_async_queue_unref(rec->done);
    g_hash_table_destroy(rec->hearings);
    g_mutex_clear(&rec->lock);
    g_free(rec->root);
    g_free(rec->data_dir);
    g_free(rec);
}
