/* recorder_attach.c -- the end of a hearing's recording, on the control
 * thread: the post-processed files join the case file (one recordings row
 * each, with size, duration and SHA-256, the participant matched to the
 * hearing's participants, which their entry into the room recorded), then the evidence package is assembled (captures,
 * outputs, the notes as text, the audit head) for the job thread to sign and
 * write. Every step is an audit entry; a failure leaves the hearing "failed"
 * with the reason, and the next start-up tries again. */
#define G_LOG_DOMAIN "yf-recorder"
#include "recorder_priv.h"
#include "server/store/store_aid.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <string.h>

#include "media/rec/capfile.h"
#include "server/store/store_reads.h"
#include "server/store/store_sign.h"
#include "media/post/post.h"

static int64_t now_ms(void)
{
    return g_get_real_time() / 1000;
}

/* path relative to the data directory when it is inside it (the store
 * keeps relative paths, so the data directory can move). */
static const char *relative(const yf_recorder *rec, const char *path)
{
    size_t n = strlen(rec->data_dir);
    if (strncmp(path, rec->data_dir, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

int64_t yf_recorder_participant(yf_recorder *rec, int64_t hearing_id, const char *pid, const char *name, const char *role,
                        int64_t entered_ms)
{
    int64_t staff = 0, invitee = 0, id = 0;
    GError *err = NULL;
    if (g_str_has_prefix(pid, "staff:"))
        staff = g_ascii_strtoll(pid + 6, NULL, 10);
    else if (g_str_has_prefix(pid, "invitee:"))
        invitee = g_ascii_strtoll(pid + 8, NULL, 10);
    if (!yf_store_participant_seen(rec->store, yf_actor_system(), now_ms(), hearing_id, name, role, staff, invitee,
                                   entered_ms, &id, &err)) {
        g_warning("hearing %" G_GINT64_FORMAT ": participant %s not recorded: %s", (gint64)hearing_id, pid,
                  err ? err->message : "?");
        id = 0;
    }
    g_clear_error(&err);
    return id;
}

/* The outputs into the store; FALSE with the reason in *err. */
static gboolean attach(yf_recorder *rec, yf_recorder_job *j, GError **err)
{
    for (guint i = 0; i < j->outputs->len; i++) {
        const yf_post_output *o = j->outputs->pdata[i];
        const char *pid = j->output_pids->pdata[i];
        yf_recording r = {
            .hearing_id = j->h->id,
            .size_bytes = g_array_index(j->sizes, int64_t, i),
            .duration_ms = o->duration_ms,
            .created_ms = now_ms(),
            .start_ms = o->start_us / 1000,
            .deliberation = g_array_index(j->output_delib, gboolean, i),
        };
        if (*pid && !(r.participant_id = yf_recorder_participant(rec, j->h->id, pid, j->output_names->pdata[i],
                                                         j->output_roles->pdata[i], 0))) {
            g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "participant %s cannot be matched", pid);
            return FALSE;
        }
        memcpy(r.sha256, &g_array_index(j->sha256, guint8, i * 32), 32);
        r.path = (char *)relative(rec, o->path);
        if (!yf_store_recording_add(rec->store, yf_actor_system(), now_ms(), &r, NULL, err))
            return FALSE;
    }
    char *marker = g_build_filename(j->h->dir, YF_RECORDER_ATTACHED, NULL);
    gboolean ok = g_file_set_contents(marker, "", 0, err);
    g_free(marker);
    return ok;
}

static void fail(yf_recorder *rec, yf_recorder_hearing *h, const char *step, const GError *err)
{
    g_warning("hearing %" G_GINT64_FORMAT ": recording %s failed: %s", (gint64)h->id, step, err->message);
    g_atomic_int_inc(&rec->jobs_failed);
    yf_recorder_audit(rec, h, "recording.failed", "step=%s error=%s", step, err->message);
    yf_recorder_set_state(rec, h, YF_RECORDER_FAILED, 0, err->message);
}

static void full_done(yf_recorder *rec, yf_recorder_job *j)
{
    yf_recorder_hearing *h = j->h;
    GError *err = NULL;
    if (g_error_matches(j->error, YF_POST_ERROR, YF_POST_ERROR_INPUT) && !j->outputs) {
        yf_recorder_audit(rec, h, "recording.empty", "%s", j->error->message);
        yf_recorder_set_state(rec, h, YF_RECORDER_NONE, 0, j->error->message);
        return;
    }
    if (j->error) {
        fail(rec, h, "post-processing", j->error);
        return;
    }
    if (!attach(rec, j, &err)) {
        fail(rec, h, "attach", err);
        g_error_free(err);
        return;
    }
    yf_recorder_audit(rec, h, "recording.attached", "files=%u", j->outputs->len);
    if (j->delib_errors)   /* its captures are still packed; only its own files are missing */
        yf_recorder_audit(rec, h, "recording.failed", "step=deliberation error=%s", j->delib_errors->str);
    if (rec->api)
        yf_api_aid_processed(rec->api, h->id);   /* a 司法救助 receipt carries the composite's hash */
    yf_recorder_queue_evidence(rec, h);
}

void yf_recorder_job_done(yf_recorder_job *j)
{
    yf_recorder *rec = j->rec;
    if (j->kind == JOB_FULL) {
        full_done(rec, j);
    } else if (j->error) {
        fail(rec, j->h, "evidence", j->error);
    } else {
        char *path = g_build_filename(j->dir, YF_RECORDER_EVIDENCE, NULL);
        yf_recorder_audit(rec, j->h, "evidence.build", "path=%s", relative(rec, path));
        g_free(path);
        yf_recorder_set_state(rec, j->h, YF_RECORDER_DONE, 1, NULL);
        if (j->h->notes_stale)
            yf_recorder_queue_evidence(rec, j->h);
    }
    yf_recorder_job_free(j);
}

/* ---- the evidence package ---- */

static const char *keep(yf_recorder_job *j, char *s)
{
    g_ptr_array_add(j->keep, s);
    return s;
}

static void add_file(yf_recorder_job *j, GArray *files, char *disk, char *archive, const char *kind)
{
    yf_evidence_file f = {keep(j, disk), keep(j, archive), kind};
    g_array_append_val(files, f);
}

/* Captures s<K>/NAME.ycap as capture/s<K>/NAME.ycap (the deliberation room's
 * d<K>/ likewise), outputs under media/ (the deliberation's under media/d<K>/). */
static void add_captures(yf_recorder_job *j, GArray *files)
{
    GDir *d = g_dir_open(j->dir, 0, NULL);
    const char *s, *n;
    while (d && (s = g_dir_read_name(d))) {
        char *sd = g_build_filename(j->dir, s, NULL);
        GDir *sdd = yf_recorder_session_kind(s) ? g_dir_open(sd, 0, NULL) : NULL;
        while (sdd && (n = g_dir_read_name(sdd)))
            if (g_str_has_suffix(n, YF_CAP_SUFFIX) || !strcmp(n, YF_RECORDER_ROSTER))
                add_file(j, files, g_build_filename(sd, n, NULL), g_strdup_printf("capture/%s/%s", s, n),
                         g_str_has_suffix(n, YF_CAP_SUFFIX) ? "capture" : "roster");
        if (sdd)
            g_dir_close(sdd);
        g_free(sd);
    }
    if (d)
        g_dir_close(d);
}

static void add_outputs(yf_recorder *rec, yf_recorder_job *j, GArray *files)
{
    GError *err = NULL;
    GPtrArray *list = yf_store_recording_list(rec->store, j->h->id, &err);
    for (guint i = 0; list && i < list->len; i++) {
        const yf_recording *r = list->pdata[i];
        char *base = g_path_get_basename(r->path);
        char *dir = g_path_get_dirname(r->path), *sub = g_path_get_basename(dir);   /* out/d<K> */
        add_file(j, files, g_build_filename(rec->data_dir, r->path, NULL),
                 r->deliberation ? g_strdup_printf("media/%s/%s", sub, base) : g_strdup_printf("media/%s", base),
                 r->deliberation ? (r->participant_id ? "deliberation-participant-media" : "deliberation-composite")
                                 : (r->participant_id ? "participant-media" : "composite"));
        g_free(sub);
        g_free(dir);
        g_free(base);
    }
    if (list)
        g_ptr_array_unref(list);
    g_clear_error(&err);
}

static char *when(int64_t ms)
{
    return yf_store_time_text(ms, YF_STORE_TZ_BEIJING_S, "%Y-%m-%d %H:%M:%S");
}

/* text into s with every line break (CR, LF, CRLF) as `brk`: a name or a
 * reason can never start a line of its own in notes.txt. */
static void append_flat(GString *s, const char *text, const char *brk)
{
    for (const char *p = text; *p; p++) {
        if (*p == '\r' || *p == '\n') {
            if (*p == '\r' && p[1] == '\n')
                p++;
            g_string_append(s, brk);
        } else {
            g_string_append_c(s, *p);
        }
    }
}

/* "张三（信访人）" into s; a role the store does not name adds nothing. */
static void append_person(GString *s, const char *name, const char *role)
{
    const char *label = yf_participant_role_label(role);
    append_flat(s, name && *name ? name : "未署名", " ");
    if (*label)
        g_string_append_printf(s, "（%s）", label);
}

/* The header of notes.txt: the case, the kind of hearing, when it ran and
 * who took part, and how to read the entries' times. */
static gboolean notes_header(yf_recorder *rec, GString *s, const yf_hearing *sh, const yf_case *c, GError **err)
{
    GPtrArray *ps = yf_store_participant_list(rec->store, sh->id, err);
    char *start = when(sh->start_ms), *end = sh->end_ms ? when(sh->end_ms) : g_strdup("未结束");
    const char *kind = yf_hearing_kind_label(sh->kind);
    if (ps) {
        g_string_append_printf(s, "%s笔录\n案号：%s\n开始时间：%s\n结束时间：%s\n参与人：", kind ? kind : "",
                               c->case_no ? c->case_no : "", start, end);
        for (guint i = 0; i < ps->len; i++) {
            const yf_participant *p = ps->pdata[i];
            yf_invitee inv = {0};
            if (i)
                g_string_append(s, "、");
            /* an invitee by their own role (证人), which the room names only coarsely */
            if (p->invitee_id && yf_store_invitee_get(rec->store, p->invitee_id, &inv, NULL))
                append_person(s, p->name, yf_invitee_role_code(inv.role));
            else
                append_person(s, p->name, p->role);
            yf_invitee_clear(&inv);
        }
        g_string_append_printf(s, "%s\n时间说明：方括号内前者为%s开始后经过的时间（时:分:秒），后者为北京时间。\n\n",
                               ps->len ? "" : "无", kind ? kind : "");
        g_ptr_array_unref(ps);
    }
    g_free(start);
    g_free(end);
    return ps != NULL;
}

/* The decision of participant pid as signers (store_sign.h) has it, or NULL. */
static const yf_note_signer *signer_of(const GPtrArray *signers, int64_t pid)
{
    for (guint i = 0; signers && i < signers->len; i++)
        if (((const yf_note_signer *)signers->pdata[i])->participant_id == pid)
            return signers->pdata[i];
    return NULL;
}

/* One decision in words: as staff recorded it, or as the participant gave it
 * on their own screen (with the signature's file in the package and its hash). */
static void append_decision(GString *s, const yf_note_confirmation *c, const yf_note_signer *g)
{
    char *at = when(c->at_ms);
    append_person(s, c->name, c->role);
    if (g && g->by_self && c->confirm && g->has_signature) {
        g_string_append_printf(s, "于 %s 在本人屏幕上确认笔录无误并手写签名，签名图像：" YF_RECORDER_SIGNATURE_FMT
                                  "，SHA-256：", at, (gint64)c->participant_id);
        for (int k = 0; k < 32; k++)
            g_string_append_printf(s, "%02x", g->sha256[k]);
    } else if (g && g->by_self) {
        g_string_append_printf(s, "于 %s 在本人屏幕上对笔录提出异议", at);
    } else {
        g_string_append_printf(s, "于 %s %s", at, c->confirm ? "确认笔录无误" : "拒绝确认笔录");
    }
    if (*c->reason) {
        g_string_append(s, "，理由：");
        append_flat(s, c->reason, "\n    ");
    }
    g_string_append(s, "。\n");
    g_free(at);
}

/* What became of the entries: finalized or not, each participant's decision
 * in words, and who of those who must confirm has not yet. */
static void notes_footer(GString *s, int64_t final_ms, const GPtrArray *cs, const GPtrArray *signers)
{
    char *t = final_ms ? when(final_ms) : NULL;
    if (t)
        g_string_append_printf(s, "\n笔录已于 %s 定稿。\n", t);
    else
        g_string_append(s, "\n笔录未定稿。\n");
    g_free(t);
    for (guint i = 0; i < cs->len; i++) {
        const yf_note_confirmation *c = cs->pdata[i];
        append_decision(s, c, signer_of(signers, c->participant_id));
    }
    guint waiting = 0;
    for (guint i = 0; final_ms && signers && i < signers->len; i++) {
        const yf_note_signer *g = signers->pdata[i];
        if (g->must && !g->decided) {
            g_string_append(s, waiting++ ? "、" : "尚未确认：");
            append_person(s, g->name, g->role);
        }
    }
    if (waiting)
        g_string_append(s, "。\n");
}

/* notes.txt: the header, the entries, then whether they are finalized and
 * each participant's decision on them (the evidence package says what was
 * confirmed). */
static char *notes_text(yf_recorder *rec, const yf_hearing *sh, const yf_case *c, GError **err)
{
    int64_t final_ms = 0;
    GString *s = g_string_new(NULL);
    char *entries = notes_header(rec, s, sh, c, err) ? yf_store_note_text(rec->store, sh->id, err) : NULL;
    GPtrArray *cs = entries && yf_store_note_finalized(rec->store, sh->id, &final_ms, err)
                        ? yf_store_note_confirmations(rec->store, sh->id, err) : NULL;
    GPtrArray *signers = cs ? yf_store_note_signers(rec->store, sh->id, err) : NULL;
    if (!signers) {
        if (cs)
            g_ptr_array_unref(cs);
        g_free(entries);
        g_string_free(s, TRUE);
        return NULL;
    }
    g_string_append(s, *entries ? entries : "（无记录）\n");
    notes_footer(s, final_ms, cs, signers);
    g_ptr_array_unref(signers);
    g_ptr_array_unref(cs);
    g_free(entries);
    return g_string_free(s, FALSE);
}

/* A 司法救助 hearing's files (the identity still, the decision, the receipt)
 * under aid/, each as the store recorded it. */
static void add_aid(yf_recorder *rec, yf_recorder_job *j, GArray *files)
{
    static const char *const kinds[] = {"aid-still", "aid-decision", "aid-receipt"};
    yf_aid a = {0};
    if (!yf_store_aid_of_hearing(rec->store, j->h->id, &a, NULL))
        return;
    GPtrArray *list = yf_store_aid_files(rec->store, a.id, NULL);
    for (guint i = 0; list && i < list->len; i++) {
        const yf_aid_file *f = list->pdata[i];
        char *base = g_path_get_basename(f->path);
        add_file(j, files, g_build_filename(rec->data_dir, f->path, NULL), g_strdup_printf("aid/%s", base),
                 kinds[f->kind]);
        g_free(base);
    }
    if (list)
        g_ptr_array_unref(list);
    yf_aid_clear(&a);
}

/* Each signature image the participants drew, as a file (0600) of the
 * hearing's directory, packed as signatures/participant-<id>.png so the
 * manifest lists its SHA-256 and `yuanfang verify` checks it. */
static gboolean write_signatures(yf_recorder *rec, yf_recorder_job *j, int64_t hearing_id, GArray *files,
                                 GError **err)
{
    GPtrArray *signers = yf_store_note_signers(rec->store, hearing_id, err);
    char *dir = g_build_filename(j->dir, "signatures", NULL);
    gboolean ok = signers != NULL;
    for (guint i = 0; ok && i < signers->len; i++) {
        const yf_note_signer *g = signers->pdata[i];
        if (!g->has_signature)
            continue;
        GBytes *png = yf_store_note_signature_png(rec->store, hearing_id, g->participant_id, err);
        char *name = g_strdup_printf(YF_RECORDER_SIGNATURE_FMT, (gint64)g->participant_id);
        char *path = g_build_filename(j->dir, name, NULL);
        gsize len = 0;
        const void *data = png ? g_bytes_get_data(png, &len) : NULL;
        ok = png && g_mkdir_with_parents(dir, 0700) == 0 && g_file_set_contents_full(path, data, (gssize)len,
                     G_FILE_SET_CONTENTS_CONSISTENT, 0600, err);
        if (png && !ok && err && !*err)
            g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot make %s", dir);
        if (ok)
            add_file(j, files, path, name, "signature");
        else {
            g_free(path);
            g_free(name);
        }
        if (png)
            g_bytes_unref(png);
    }
    if (signers)
        g_ptr_array_unref(signers);
    g_free(dir);
    return ok;
}

static gboolean write_notes(yf_recorder *rec, yf_recorder_job *j, const yf_hearing *sh, const yf_case *c,
                            GArray *files, GError **err)
{
    char *text = notes_text(rec, sh, c, err);
    char *path = g_build_filename(j->dir, YF_RECORDER_NOTES, NULL);
    gboolean ok = text && g_file_set_contents(path, text, -1, err);
    if (ok)
        add_file(j, files, path, g_strdup(YF_RECORDER_NOTES), "notes");
    else
        g_free(path);
    g_free(text);
    return ok && write_signatures(rec, j, sh->id, files, err);
}

static gboolean evidence_input(yf_recorder *rec, yf_recorder_job *j, GError **err)
{
    yf_hearing sh = {0};
    yf_case c = {0};
    int64_t audit_count = 0;
    guint8 audit_head[32];
    GArray *files = g_array_new(FALSE, TRUE, sizeof(yf_evidence_file));
    GArray *people = g_array_new(FALSE, TRUE, sizeof(yf_evidence_participant));
    j->ev_files = files;
    j->ev_people = people;
    gboolean ok = yf_store_hearing_get(rec->store, j->h->id, &sh, err) &&
                  yf_store_case_get(rec->store, sh.case_id, &c, err) && write_notes(rec, j, &sh, &c, files, err) &&
                  yf_store_audit_head(rec->store, &audit_count, audit_head, err);
    GPtrArray *ps = ok ? yf_store_participant_list(rec->store, j->h->id, err) : NULL;
    for (guint i = 0; ps && i < ps->len; i++) {
        const yf_participant *p = ps->pdata[i];
        yf_evidence_participant e = {keep(j, g_strdup(p->name)), keep(j, g_strdup(p->role))};
        g_array_append_val(people, e);
    }
    if (ok && ps) {
        add_captures(j, files);
        add_outputs(rec, j, files);
        add_aid(rec, j, files);
        j->ev = (yf_evidence_input){
            .case_no = keep(j, g_strdup(c.case_no)), .case_type = yf_case_type_code(c.type),
            .hearing_id = sh.id, .hearing_kind = yf_hearing_kind_code(sh.kind), .room = keep(j, g_strdup(sh.room)),
            .started_ms = sh.start_ms, .ended_ms = sh.end_ms,
            .participants = (const yf_evidence_participant *)(void *)people->data, .n_participants = people->len,
            .files = (const yf_evidence_file *)(void *)files->data, .n_files = files->len,
            .has_audit = TRUE, .audit_count = audit_count, .created_ms = now_ms(),
        };
        memcpy(j->ev.audit_head, audit_head, 32);
    }
    if (ps)
        g_ptr_array_unref(ps);
    yf_hearing_clear(&sh);
    yf_case_clear(&c);
    return ok && ps;
}

void yf_recorder_queue_evidence(yf_recorder *rec, yf_recorder_hearing *h)
{
    yf_recorder_job *j = g_new0(yf_recorder_job, 1);
    GError *err = NULL;
    j->dir = g_strdup(h->dir);
    j->h = h;
    j->keep = g_ptr_array_new_with_free_func(g_free);
    h->notes_stale = FALSE;   /* the notes are read now */
    if (!evidence_input(rec, j, &err)) {
        fail(rec, h, "evidence", err);
        g_error_free(err);
        yf_recorder_job_free(j);
        return;
    }
    g_free(j->dir);
    j->dir = NULL;
    yf_recorder_queue_job(rec, h, JOB_EVIDENCE, j);
}
