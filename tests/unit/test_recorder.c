/* test_recorder.c -- the recorder's bookkeeping without media or rooms
 * (server/recorder/recorder.c): its hooks driven directly against a real case store
 * in a temp dir. Capture starts when the room of a running hearing opens,
 * each participant in its media is recorded with the time they entered, a
 * closed room and a graceful stop pause it with a note, and the note on
 * resuming says since when and why -- across a restart too; a capture a
 * killed server left is recovered at start-up with an audit entry and a note
 * at its last record; after the end the captures are processed, attached and
 * packed. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "media/rec/capfile.h"
#include "server/recorder/recorder_priv.h"
#include "media/post/post.h"
#include "server/store/store_reads.h"
#include "yf_test.h"
#include "yf_test_fs.h"

#define PW "correct-horse-battery-9"

static int64_t make_hearing(yf_store *st)
{
    int64_t pros = 0, kase = 0, appt = 0, hearing = 0;
    GError *e = NULL;
    int64_t now = g_get_real_time() / 1000;
    GDate today;
    g_date_clear(&today, 1);
    g_date_set_time_t(&today, time(NULL));
    yf_case_new in = { .case_no = "京检申〔2026〕9号", .type = YF_CASE_APPEAL, .channel = YF_CHANNEL_VIDEO,
                       .petitioner = "张三", .received = today };
    CHECK(yf_store_staff_create(st, yf_actor_system(), now, "pros", "王检察官", YF_ROLE_PROSECUTOR, PW, &pros, &e));
    in.prosecutor_id = pros;
    CHECK(yf_store_case_create(st, yf_actor_staff(pros), now, &in, &kase, &e));
    CHECK(yf_store_appointment_create(st, yf_actor_staff(pros), now, kase, pros, now, "接访",
                                      YF_APPOINTMENT_RECEPTION, &appt, &e));
    CHECK(yf_store_hearing_create(st, yf_actor_staff(pros), now, kase, appt, YF_HEARING_RECEPTION, "appt-1",
                                  now - 10000, &hearing, &e));   /* the crash below comes after the start */
    if (e)
        fprintf(stderr, "make_hearing: %s\n", e->message);
    g_clear_error(&e);
    CHECK_EQ_INT(appt, 1);
    return hearing;
}

static int count(const char *hay, const char *needle)
{
    int k = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        k++;
    return k;
}

static char *notes(yf_store *st, int64_t id)
{
    char *t = yf_store_note_text(st, id, NULL);
    return t ? t : g_strdup("");
}

/* Whether hearing id's note has text in it; the note is printed when not. */
static gboolean noted(yf_store *st, int64_t id, const char *text)
{
    char *note = yf_store_note_text(st, id, NULL);
    gboolean found = note && strstr(note, text);

    if (!found)
        fprintf(stderr, "no \"%s\" in the note:\n%s\n", text, note ? note : "(none)");
    g_free(note);
    return found;
}

/* How many audit entries of this action name hearing id. */
static int audited(yf_store *st, const char *action, int64_t id)
{
    GPtrArray *rows = yf_store_audit_list(st, 0, 1000, action, NULL);
    char *object = g_strdup_printf("hearing:%" G_GINT64_FORMAT, (gint64)id);
    int n = 0;
    for (guint i = 0; rows && i < rows->len; i++) {
        const yf_audit_row *r = rows->pdata[i];
        n += !strcmp(r->action, action) && !strcmp(r->object, object);
    }
    if (rows)
        g_ptr_array_unref(rows);
    g_free(object);
    return n;
}

/* Whether the recorder's status of hearing id says state. */
static gboolean in_state(yf_recorder *rec, int64_t id, const char *state)
{
    json_t *o = yf_recorder_api_hooks.status(rec, id);
    gboolean is = !g_strcmp0(json_string_value(json_object_get(o, "state")), state);

    json_decref(o);
    return is;
}

/* A .part capture as a killed server leaves it: header and two RTP records. */
static int64_t leave_partial(const char *dir)
{
    yf_cap_meta m = { .room = "appt-1", .participant = 1, .kind = YF_CAP_AUDIO, .codec = "opus",
                      .payload_type = 111, .clock_rate = 48000, .ssrc = 7 };
    uint8_t buf[4096], rtp[20] = { 0x80, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7 };
    int64_t at = g_get_real_time() - 1500 * 1000;
    char *path = g_build_filename(dir, "appt-1-p1-audio-00000007-1.ycap.part", NULL);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0640);
    int n = yf_cap_header_encode(&m, at, buf, sizeof buf);
    CHECK(fd >= 0 && n > 0 && write(fd, buf, (size_t)n) == n);
    for (int i = 0; i < 2; i++) {
        n = yf_cap_record_encode(YF_CAP_RTP, at + i * 20000, rtp, sizeof rtp, buf, sizeof buf);
        CHECK(write(fd, buf, (size_t)n) == n);
    }
    close(fd);
    g_free(path);
    return (at + 20000) / 1000;
}

/* A public hearing's agenda and deliberation room as the recorder keeps
 * them: the rooms' agenda hooks store steps (notes sections) and read them
 * back; the deliberation room is captured into d1/ with its own roster and
 * notes lines, apart from the s<K> sessions; the composite's band gets the
 * stored steps with their titles. */
static void test_agenda(yf_store *st, const char *data)
{
    GError *e = NULL;
    int64_t now = g_get_real_time() / 1000, kase = 0, appt = 0, h = 0;
    yf_case_new in = { .case_no = "京检听〔2026〕3号", .type = YF_CASE_APPEAL, .channel = YF_CHANNEL_VIDEO,
                       .petitioner = "李四", .prosecutor_id = 1 };
    g_date_clear(&in.received, 1);
    g_date_set_time_t(&in.received, time(NULL));
    CHECK(yf_store_case_create(st, yf_actor_staff(1), now, &in, &kase, &e));
    CHECK(yf_store_appointment_create(st, yf_actor_staff(1), now, kase, 1, now, "公开听证",
                                      YF_APPOINTMENT_PUBLIC_HEARING, &appt, &e));
    char *room = g_strdup_printf("appt-%" G_GINT64_FORMAT, (gint64)appt);
    CHECK(yf_store_hearing_create(st, yf_actor_staff(1), now, kase, appt, YF_HEARING_PUBLIC, room, now - 1000, &h, &e));
    if (e)
        fprintf(stderr, "test_agenda: %s\n", e->message);
    g_clear_error(&e);
    yf_recorder *rec = yf_recorder_new(st, data, &e);
    CHECK(rec != NULL);
    int step = -1;
    gint64 since = 0;
    yf_sig_errc code;
    const char *why = NULL;
    CHECK(yf_recorder_agenda_hooks.load(rec, room, &step, &since) && step == 0);
    CHECK(!yf_recorder_agenda_hooks.load(rec, "appt-1", &step, &since));   /* a reception has no agenda */
    CHECK(!yf_recorder_agenda_hooks.set(rec, room, "invitee:1", 2, now, &code, &why) && code == YF_SIG_ERR_FORBIDDEN);
    CHECK(yf_recorder_agenda_hooks.set(rec, room, "staff:1", 2, now + 1000, &code, &why));
    CHECK(yf_recorder_agenda_hooks.set(rec, room, "staff:1", 4, now + 2000, &code, &why));
    CHECK(!yf_recorder_agenda_hooks.set(rec, room, "staff:1", 4, now + 2500, &code, &why) && code == YF_SIG_ERR_FORBIDDEN);
    CHECK(yf_recorder_agenda_hooks.load(rec, room, &step, &since) && step == 4 && since == now + 2000);
    CHECK(noted(st, h, "【系统】【第二项】当事人陈述") && noted(st, h, "【系统】【第四项】休会评议"));
    CHECK_EQ_INT(audited(st, "hearing.step", h), 2);

    char *droom = g_strconcat(room, YF_SIGROOM_DELIBERATION_SUFFIX, NULL);
    char *ddir = yf_recorder_room_hooks.room_opened(rec, droom);
    char *want = g_strdup_printf("%s/recordings/h%" G_GINT64_FORMAT "/d1", data, (gint64)h);
    CHECK(ddir && !strcmp(ddir, want));
    yf_recorder_room_hooks.member(rec, droom, 1, "invitee:7", "赵听证员", "hearing_officer", now + 2100);
    char *roster = g_build_filename(want, "roster.json", NULL), *rtext = NULL;
    CHECK(g_file_get_contents(roster, &rtext, NULL, NULL) && strstr(rtext, "hearing_officer") &&
          strstr(rtext, "\"num\": 1"));
    yf_recorder_room_hooks.room_closed(rec, droom);
    CHECK(noted(st, h, "【系统】听证员进入评议室") && noted(st, h, "【系统】评议结束，评议室录音录像结束"));
    CHECK_EQ_INT(audited(st, "recording.deliberation_start", h), 1);
    CHECK_EQ_INT(audited(st, "recording.deliberation_stop", h), 1);
    CHECK(yf_recorder_room_hooks.room_opened(rec, "appt-999.deliberation") == NULL);   /* no such hearing */

    yf_recorder_job *j = g_new0(yf_recorder_job, 1);
    yf_recorder_job_steps(rec, j, h);
    CHECK(j->steps && j->steps->len == 2);
    if (j->steps && j->steps->len == 2) {
        const yf_post_step *s0 = &g_array_index(j->steps, yf_post_step, 0);
        const yf_post_step *s1 = &g_array_index(j->steps, yf_post_step, 1);
        CHECK(s0->from_us == (now + 1000) * 1000 && !strcmp(s0->text, "【第二项】当事人陈述"));
        CHECK(s1->from_us == (now + 2000) * 1000 && !strcmp(s1->text, "【第四项】休会评议"));
    }
    yf_recorder_job_free(j);
    j = g_new0(yf_recorder_job, 1);
    yf_recorder_job_steps(rec, j, 1);   /* a hearing without an agenda: no steps */
    CHECK(j->steps == NULL);
    yf_recorder_job_free(j);
    yf_recorder_free(rec);
    g_free(rtext); g_free(roster); g_free(want); g_free(ddir); g_free(droom); g_free(room);
}

int main(void)
{
    GError *e = NULL;
    char *data = g_dir_make_tmp("yf-recorder-XXXXXX", NULL);
    char *db = yf_store_path_in(data);
    yf_store *st = yf_store_open(db, 0, &e);
    CHECK(st != NULL);
    int64_t id = make_hearing(st);

    /* The room opens: capture starts into s1, with a note. */
    yf_recorder *rec = yf_recorder_new(st, data, &e);
    CHECK(rec != NULL);
    char *dir = yf_recorder_room_hooks.room_opened(rec, "appt-1");
    char *want = g_strdup_printf("%s/recordings/h%" G_GINT64_FORMAT "/s1", data, (gint64)id);
    CHECK(dir && !strcmp(dir, want));
    CHECK(yf_recorder_room_hooks.room_opened(rec, "appt-2") == NULL);   /* no hearing runs there */
    CHECK(in_state(rec, id, "recording"));
    int64_t host_in = g_get_real_time() / 1000, pet_in = host_in + 3, inv = 0;
    char *inv_token = NULL;
    CHECK(yf_store_invitee_add(st, yf_actor_staff(1), host_in, 1, YF_INVITEE_PETITIONER, "张三", "", host_in + 3600000,
                               &inv, &inv_token, &e));
    g_free(inv_token);
    yf_recorder_room_hooks.member(rec, "appt-1", 1, "staff:1", "王检察官", "prosecutor", host_in);
    char *roster = g_build_filename(dir, "roster.json", NULL), *text = NULL;
    CHECK(g_file_get_contents(roster, &text, NULL, NULL) && strstr(text, "\"participant\": \"staff:1\""));
    g_free(text);
    /* The case file: when each entered the room, the petitioner's admission. */
    char *pid = g_strdup_printf("invitee:%" G_GINT64_FORMAT, (gint64)inv);
    yf_recorder_room_hooks.member(rec, "appt-1", 2, pid, "张三", "petitioner", pet_in);
    yf_recorder_room_hooks.member(rec, "appt-1", 2, pid, "张三", "petitioner", pet_in);   /* capture restarted */
    g_free(pid);
    GPtrArray *ps = yf_store_participant_list(st, id, NULL), *is = yf_store_invitee_list(st, 1, NULL);
    CHECK(ps && ps->len == 2 && is && is->len == 1);
    for (guint i = 0; ps && i < ps->len; i++) {
        const yf_participant *p = ps->pdata[i];
        CHECK(p->staff_id ? p->staff_id == 1 && p->joined_ms == host_in
                          : p->invitee_id == inv && p->joined_ms == pet_in);
    }
    CHECK(is && is->len && ((const yf_invitee *)is->pdata[0])->admitted_ms == pet_in);
    if (ps)
        g_ptr_array_unref(ps);
    if (is)
        g_ptr_array_unref(is);
    CHECK(noted(st, id, "] 【系统】录音录像开始，全体参与人已被告知本次接访全程录音录像\n"));

    /* Everyone leaves: paused; the server restarts; the room opens again. */
    yf_recorder_room_hooks.room_closed(rec, "appt-1");
    CHECK(noted(st, id, "暂停：全体参与人已离开会议室"));
    yf_recorder_free(rec);
    rec = yf_recorder_new(st, data, &e);
    CHECK(in_state(rec, id, "waiting"));
    char *dir2 = yf_recorder_room_hooks.room_opened(rec, "appt-1");
    CHECK(dir2 && g_str_has_suffix(dir2, "/s2"));
    CHECK(noted(st, id, "秒，原因：全体参与人离开会议室）"));

    /* A graceful stop, then a crash that leaves a .part capture in s2, and
     * one in a deliberation room's d1 (as a crash mid-deliberation would). */
    yf_recorder_shutdown(rec);
    CHECK(noted(st, id, "因服务器停止而中断"));
    yf_recorder_free(rec);
    int64_t last = leave_partial(dir2);
    char *ddir = g_strdup_printf("%s/recordings/h%" G_GINT64_FORMAT "/d1", data, (gint64)id);
    CHECK(g_mkdir_with_parents(ddir, 0750) == 0);
    char *droster = g_build_filename(ddir, "roster.json", NULL);
    CHECK(g_file_set_contents(droster, "[{\"num\":1,\"participant\":\"staff:1\",\"name\":\"王检察官\","
                                       "\"role\":\"prosecutor\",\"label\":\"检察官\"}]", -1, NULL));
    leave_partial(ddir);
    /* a second deliberation whose only capture holds no media at all: it
     * cannot be processed, which must not cost the hearing its files */
    char *ddir2 = g_strdup_printf("%s/recordings/h%" G_GINT64_FORMAT "/d2", data, (gint64)id);
    CHECK(g_mkdir_with_parents(ddir2, 0750) == 0);
    {
        yf_cap_meta m = { .room = "appt-1", .participant = 1, .kind = YF_CAP_AUDIO, .codec = "opus",
                          .payload_type = 111, .clock_rate = 48000, .ssrc = 9 };
        uint8_t hb[4096];
        int hn = yf_cap_header_encode(&m, g_get_real_time() - 1000 * 1000, hb, sizeof hb);
        char *empty = g_build_filename(ddir2, "appt-1-p1-audio-00000009-1.ycap", NULL);
        CHECK(hn > 0 && g_file_set_contents(empty, (const char *)hb, hn, NULL));
        g_free(empty);
    }
    g_free(ddir2);
    rec = yf_recorder_new(st, data, &e);
    char *fixed = g_build_filename(dir2, "appt-1-p1-audio-00000007-1.ycap", NULL);
    CHECK(g_file_test(fixed, G_FILE_TEST_IS_REGULAR));
    char *dfixed = g_build_filename(ddir, "appt-1-p1-audio-00000007-1.ycap", NULL);
    CHECK(g_file_test(dfixed, G_FILE_TEST_IS_REGULAR));   /* the deliberation's capture is recovered too */
    g_free(dfixed);
    g_free(droster);
    g_free(ddir);
    char *crash = yf_recorder_clock_text(last);
    char *line = g_strdup_printf(" · %s] 【系统】录音录像因服务器异常停止而中断\n", crash);
    CHECK(noted(st, id, line));
    char *dir3 = yf_recorder_room_hooks.room_opened(rec, "appt-1");
    CHECK(dir3 && g_str_has_suffix(dir3, "/s3"));
    CHECK(noted(st, id, "原因：服务器异常停止后重新启动"));

    /* A participant who drops out and comes back 50 times in a row writes one
     * line at once, and the rest folds into one more when capture stops: the
     * official notes do not fill with a loop. */
    yf_recorder_room_hooks.member(rec, "appt-1", 1, "staff:1", "王检察官", "prosecutor", g_get_real_time() / 1000);
    for (int i = 0; i < 50; i++) {
        yf_recorder_room_event(rec, "appt-1", "room.disconnect", "staff:1", "prosecutor");
        yf_recorder_room_event(rec, "appt-1", "room.rejoin", "staff:1", "prosecutor");
    }
    char *n = notes(st, id);
    CHECK(count(n, "】王检察官（检察官）") == 1 && strstr(n, "王检察官（检察官）网络中断，其录音录像中断"));
    g_free(n);
    /* A link cut the websocket outlived: the media's own loss and return
     * are said in the same words and fold into the same window (100 changes
     * below, not 98); an action the recorder does not know writes nothing. */
    yf_recorder_room_event(rec, "appt-1", "room.media_lost", "staff:1", "prosecutor");
    yf_recorder_room_event(rec, "appt-1", "room.media_back", "staff:1", "prosecutor");
    yf_recorder_room_event(rec, "appt-1", "room.media_gone_bad", "staff:1", "prosecutor");

    /* A witness enters with the room's coarse role (observer): the notes and
     * the roster name their own (证人); someone the roster does not know is
     * never named by an id. */
    int64_t wit = 0;
    char *wit_token = NULL;
    CHECK(yf_store_invitee_add(st, yf_actor_staff(1), host_in, 1, YF_INVITEE_WITNESS, "李证人", "", host_in + 3600000,
                               &wit, &wit_token, &e));
    g_free(wit_token);
    char *wpid = g_strdup_printf("invitee:%" G_GINT64_FORMAT, (gint64)wit);
    yf_recorder_room_hooks.member(rec, "appt-1", 3, wpid, "李证人", "observer", g_get_real_time() / 1000);
    yf_recorder_room_event(rec, "appt-1", "room.leave", wpid, "observer");
    yf_recorder_room_event(rec, "appt-1", "room.leave", "invitee:999", "observer");
    CHECK(noted(st, id, "】李证人（证人）离开会议室，其录音录像结束\n"));
    CHECK(noted(st, id, "】一名参与人（旁听人员）离开会议室，其录音录像结束\n"));
    g_free(wpid);

    /* The hearing ends: the 40 ms the crash left are post-processed, attached
     * and packed. */
    CHECK(yf_store_hearing_end(st, yf_actor_system(), g_get_real_time() / 1000, id, &e));
    yf_recorder_api_hooks.hearing_ended(rec, id);
    CHECK(noted(st, id, "结束"));
    n = notes(st, id);
    const char *folded = strstr(n, "重新连接，其录音录像恢复（此前 30 秒内另有 100 次进出");
    CHECK(count(n, "】王检察官（检察官）") == 2 && folded && !strstr(n, "staff:") && !strstr(n, "prosecutor"));
    CHECK(folded && strstr(folded, "结束") != NULL);   /* written before the end line */
    if (!folded)
        fprintf(stderr, "notes:\n%s\n", n);
    g_free(n);
    for (int i = 0; i < 600 && (in_state(rec, id, "queued") || in_state(rec, id, "processing")); i++) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(50 * 1000);
    }
    CHECK(in_state(rec, id, "done"));
    char *ev = yf_recorder_api_hooks.evidence_path(rec, id);
    CHECK(ev && g_file_test(ev, G_FILE_TEST_IS_REGULAR));
    g_free(ev);
    GPtrArray *files = yf_store_recording_list(st, id, NULL);
    /* the participant's file and the composite, then the deliberation's own two */
    CHECK(files && files->len == 4);
    for (guint i = 0; files && i < files->len; i++) {
        const yf_recording *r = files->pdata[i];
        CHECK(r->deliberation == (strstr(r->path, "/out/d1/") != NULL));
        CHECK(r->deliberation == (i >= 2));
    }
    if (files)
        g_ptr_array_unref(files);
    CHECK_EQ_INT(audited(st, "recording.attached", id), 1);
    CHECK_EQ_INT(audited(st, "recording.failed", id), 1);   /* d2, said apart */
    /* notes.txt: a header in words, the entries, the state of the notes;
     * names and Chinese roles, no ids. */
    char *ntxt = NULL, *npath = g_strdup_printf("%s/recordings/h%" G_GINT64_FORMAT "/notes.txt", data, (gint64)id);
    CHECK(g_file_get_contents(npath, &ntxt, NULL, NULL));
    CHECK(ntxt && g_str_has_prefix(ntxt, "接访笔录\n案号：") && strstr(ntxt, "\n开始时间：20") &&
          strstr(ntxt, "\n参与人：王检察官（检察官）、张三（信访人）") &&
          strstr(ntxt, "、李证人（证人）") &&
          strstr(ntxt, "【系统】录音录像开始") && g_str_has_suffix(ntxt, "\n笔录未定稿。\n") &&
          !strstr(ntxt, "staff:") && !strstr(ntxt, "invitee:") && !strstr(ntxt, "_ms"));
    if (ntxt && !strstr(ntxt, "参与人：王检察官"))
        fprintf(stderr, "notes.txt:\n%s\n", ntxt);
    g_free(ntxt);
    g_free(npath);
    CHECK_EQ_INT(audited(st, "evidence.build", id), 1);

    /* After a restart the finished hearing is known from its directory. */
    yf_recorder_free(rec);
    rec = yf_recorder_new(st, data, &e);
    CHECK(in_state(rec, id, "done"));
    ev = yf_recorder_api_hooks.evidence_path(rec, id);
    CHECK(ev != NULL);
    g_free(ev);
    CHECK_EQ_INT(audited(st, "recording.recovered", id), 2);
    CHECK_EQ_INT(audited(st, "recording.start", id), 3);
    CHECK_EQ_INT(audited(st, "recording.stop", id), 3);   /* room closed, server stopping, hearing ended */
    CHECK_EQ_INT(audited(st, "recording.gap", id), 2);
    yf_recorder_free(rec);
    test_agenda(st, data);

    yf_store_close(st);
    yf_test_rm_rf(data);
    g_free(line); g_free(crash); g_free(fixed); g_free(dir3); g_free(dir2); g_free(roster); g_free(want);
    g_free(dir); g_free(db); g_free(data);
    g_clear_error(&e);
    return yf_test_done("test_recorder");
}
