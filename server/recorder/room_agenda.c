/* room_agenda.c -- the case store's side of a public hearing's agenda and its
 * deliberation room (docs/protocol.md, "Public hearings"; docs/recording.md,
 * "The deliberation room"): the room's current step read back from the store
 * (so it survives a restart), the host's step changes stored with their
 * audit entry and notes section, and the deliberation room captured on its
 * own into DIR/h<ID>/d<K>/ (never into the hearing's s<K> sessions, so it
 * is never tiled into the composite others see). Control thread only. */
#define G_LOG_DOMAIN "yf-recorder"
#include "recorder_priv.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "server/store/steps.h"
#include "server/store/store_reads.h"
#include "media/rec/capfile.h"
#include "media/post/post.h"

static int64_t now_ms(void)
{
    return g_get_real_time() / 1000;
}

/* The running hearing of room "appt-N" into *out (cleared first): TRUE when
 * there is one. */
static gboolean running_hearing(yf_store *st, const char *room, yf_hearing *out, GError **err)
{
    int64_t appt = 0;
    int used = 0;
    gboolean found = FALSE;
    if (sscanf(room, "appt-%" SCNd64 "%n", &appt, &used) != 1 || room[used] != '\0' || appt <= 0)
        return FALSE;
    GPtrArray *hs = yf_store_hearing_list(st, 0, appt, err);
    for (guint i = 0; hs && i < hs->len && !found; i++) {
        const yf_hearing *h = hs->pdata[i];
        if (h->end_ms == 0 && g_strcmp0(h->room, room) == 0) {
            yf_hearing_clear(out);
            *out = (yf_hearing){.id = h->id, .case_id = h->case_id, .kind = h->kind, .start_ms = h->start_ms};
            found = TRUE;
        }
    }
    if (hs)
        g_ptr_array_unref(hs);
    return found;
}

static gboolean on_load(void *user, const char *room, int *step, gint64 *since_ms)
{
    yf_recorder *rec = user;
    yf_hearing h = {0};
    GError *err = NULL;
    GArray *steps = NULL;
    gboolean ok = FALSE;
    if (!running_hearing(rec->store, room, &h, &err) || h.kind != YF_HEARING_PUBLIC)
        goto out;
    steps = yf_store_hearing_steps(rec->store, h.id, &err);
    if (!steps)
        goto out;
    *step = 0;
    *since_ms = h.start_ms;
    if (steps->len) {
        const yf_hearing_step *last = &g_array_index(steps, yf_hearing_step, steps->len - 1);
        *step = last->step;
        *since_ms = last->at_ms;
    }
    ok = TRUE;
out:
    if (err)
        g_warning("room %s: cannot read its agenda: %s", room, err->message);
    g_clear_error(&err);
    if (steps)
        g_array_unref(steps);
    yf_hearing_clear(&h);
    return ok;
}

static gboolean on_set(void *user, const char *room, const char *participant, int step, gint64 now,
                       yf_sig_errc *code, const char **why)
{
    yf_recorder *rec = user;
    yf_hearing h = {0};
    GError *err = NULL;
    int64_t staff = 0;
    int used = 0;
    gboolean ok = FALSE;
    *code = YF_SIG_ERR_FORBIDDEN;
    *why = "only a prosecutor signed in to yuanfang moves the agenda";
    if (sscanf(participant, "staff:%" SCNd64 "%n", &staff, &used) != 1 || participant[used] || staff <= 0)
        goto out;
    *code = YF_SIG_ERR_NOT_FOUND;
    *why = "this room belongs to no running public hearing";
    if (!running_hearing(rec->store, room, &h, &err) || h.kind != YF_HEARING_PUBLIC)
        goto out;
    ok = yf_store_hearing_step_set(rec->store, yf_actor_staff(staff), now, h.id, step,
                                   now > h.start_ms ? now - h.start_ms : 0, &err);
    if (ok)
        g_info("hearing %" G_GINT64_FORMAT ": agenda at step %d", (gint64)h.id, step);
out:
    if (err) {
        g_warning("room %s: agenda step %d not stored: %s", room, step, err->message);
        gboolean invalid = g_error_matches(err, YF_STORE_ERROR, YF_STORE_ERROR_INVALID);
        *code = invalid ? YF_SIG_ERR_FORBIDDEN : YF_SIG_ERR_BUSY;
        *why = invalid ? "the case store refuses this step now (the hearing ended, or it is already there)"
                       : "the case store is busy; try again in a moment";
    }
    g_clear_error(&err);
    yf_hearing_clear(&h);
    return ok;
}

const yf_sigroom_agenda_hooks yf_recorder_agenda_hooks = {on_load, on_set};

/* ---- the deliberation room's own capture ---- */

/* The running hearing whose deliberation room this is, or NULL. */
static yf_recorder_hearing *deliberation_hearing(yf_recorder *rec, const char *room)
{
    if (!g_str_has_suffix(room, YF_SIGROOM_DELIBERATION_SUFFIX))
        return NULL;
    char *main = g_strndup(room, strlen(room) - strlen(YF_SIGROOM_DELIBERATION_SUFFIX));
    yf_hearing h = {0};
    GError *err = NULL;
    yf_recorder_hearing *out = NULL;
    if (running_hearing(rec->store, main, &h, &err))
        out = yf_recorder_hearing_get(rec, h.id);
    if (err)
        g_warning("room %s: cannot find its hearing: %s", room, err->message);
    g_clear_error(&err);
    yf_hearing_clear(&h);
    g_free(main);
    return out;
}

gboolean yf_recorder_is_deliberation(const char *room)
{
    return g_str_has_suffix(room, YF_SIGROOM_DELIBERATION_SUFFIX);
}

char *yf_recorder_deliberation_opened(yf_recorder *rec, const char *room)
{
    yf_recorder_hearing *h = deliberation_hearing(rec, room);
    char *dir = NULL;
    if (!h || h->delib_session)
        return NULL;
    for (int k = 1; k < 100000 && !dir; k++) {
        char *d = g_strdup_printf("%s/d%d", h->dir, k);
        if (!g_file_test(d, G_FILE_TEST_EXISTS))
            dir = d;
        else
            g_free(d);
    }
    if (!dir || g_mkdir_with_parents(dir, 0750) != 0 || !yf_cap_sync_dir(h->dir, NULL)) {
        g_warning("hearing %" G_GINT64_FORMAT ": cannot make a deliberation capture directory: %s", (gint64)h->id,
                  g_strerror(errno));
        yf_recorder_audit(rec, h, "recording.failed", "cannot make a deliberation capture directory under %s", h->dir);
        g_free(dir);
        return NULL;
    }
    h->delib_session = dir;
    h->delib_roster = json_array();
    char *base = g_path_get_basename(dir);
    yf_recorder_audit(rec, h, "recording.deliberation_start", "room=%s session=%s", room, base);
    yf_recorder_note(rec, h, now_ms(), "听证员进入评议室；评议单独录音录像，其他参与人不能进入或收听");
    g_free(base);
    return g_strdup(dir);
}

void yf_recorder_deliberation_member(yf_recorder *rec, const char *room, uint32_t num, const char *pid,
                                     const char *name, const char *role, gint64 entered_ms)
{
    yf_recorder_hearing *h = deliberation_hearing(rec, room);
    if (!h || !h->delib_session)
        return;
    json_array_append_new(h->delib_roster, json_pack("{s:I, s:s, s:s, s:s, s:s}", "num", (json_int_t)num,
                                                     "participant", pid, "name", name, "role", role, "label",
                                                     yf_participant_role_label(role)));
    char *path = g_build_filename(h->delib_session, YF_RECORDER_ROSTER, NULL);
    char *text = json_dumps(h->delib_roster, JSON_INDENT(1) | JSON_ENSURE_ASCII);
    GError *err = NULL;
    if (!text || !g_file_set_contents(path, text, -1, &err)) {
        g_warning("hearing %" G_GINT64_FORMAT ": cannot write %s: %s", (gint64)h->id, path,
                  err ? err->message : "out of memory");
        g_clear_error(&err);
    }
    free(text);
    g_free(path);
    yf_recorder_participant(rec, h->id, pid, name, role, entered_ms);
}

void yf_recorder_deliberation_closed(yf_recorder *rec, const char *room)
{
    yf_recorder_hearing *h = deliberation_hearing(rec, room);
    if (!h || !h->delib_session)
        return;
    char *base = g_path_get_basename(h->delib_session);
    yf_recorder_audit(rec, h, "recording.deliberation_stop", "room=%s session=%s", room, base);
    yf_recorder_note(rec, h, now_ms(), "评议结束，评议室录音录像结束");
    g_free(base);
    g_clear_pointer(&h->delib_session, g_free);
    g_clear_pointer(&h->delib_roster, json_decref);
}

/* ---- the composite's band ---- */

void yf_recorder_job_steps(yf_recorder *rec, yf_recorder_job *j, int64_t hearing_id)
{
    GError *err = NULL;
    GArray *steps = yf_store_hearing_steps(rec->store, hearing_id, &err);
    if (!steps) {
        g_warning("hearing %" G_GINT64_FORMAT ": the composite goes without its agenda: %s", (gint64)hearing_id,
                  err->message);
        g_error_free(err);
        return;
    }
    if (steps->len) {
        j->steps = g_array_new(FALSE, TRUE, sizeof(yf_post_step));
        j->step_texts = g_ptr_array_new_with_free_func(g_free);
    }
    for (guint i = 0; i < steps->len; i++) {
        const yf_hearing_step *e = &g_array_index(steps, yf_hearing_step, i);
        char *text = yf_hearing_step_title(e->step);
        if (!text)
            continue;
        g_ptr_array_add(j->step_texts, text);
        yf_post_step ps = {e->at_ms * 1000, text};
        g_array_append_val(j->steps, ps);
    }
    g_array_unref(steps);
}
