/* test_store.c -- the case store against a real SQLite file in a temp dir:
 * migrations (from empty, from v1 with data, a too-new file refused),
 * constraints, stage transitions, deadlines on cases, the overdue list and
 * paging, sessions, invitations, hearings, participants' entry and admission
 * times, notes (finalization and the confirmations as the API lists them),
 * hostile text, bootstrap. */
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "server/cli/cli.h"
#include "server/store/deadline.h"
#include "server/store/migrations.h"
#include "server/store/store.h"
#include "server/store/store_reads.h"
#include "yf_test.h"
#include "yf_test_fs.h"

#define T0 1710000000000LL      /* 2024-03-09T16:00Z */
#define YF_FIXTURE_T0 T0
#define HOUR (3600LL * 1000)

#include "store_fixture.h"

#define PW YF_FIXTURE_PW

/* The participant's row and the invitee, as the API reads them. */
static const yf_participant *row_of(GPtrArray *ps, int64_t id)
{
    for (guint i = 0; ps && i < ps->len; i++)
        if (((const yf_participant *)ps->pdata[i])->id == id)
            return ps->pdata[i];
    return NULL;
}

static int64_t joined(yf_store *st, int64_t hearing, int64_t id)
{
    GPtrArray *ps = yf_store_participant_list(st, hearing, NULL);
    const yf_participant *p = row_of(ps, id);
    int64_t ms = p ? p->joined_ms : -1;
    if (ps)
        g_ptr_array_unref(ps);
    return ms;
}

static int64_t admitted(yf_store *st, int64_t appt)
{
    GPtrArray *is = yf_store_invitee_list(st, appt, NULL);
    int64_t ms = is && is->len ? ((const yf_invitee *)is->pdata[0])->admitted_ms : -1;
    if (is)
        g_ptr_array_unref(is);
    return ms;
}

static int audit_count(yf_store *st, const char *action)
{
    GPtrArray *rows = yf_store_audit_list(st, 0, 1000, action, NULL);
    int n = rows ? (int)rows->len : -1;
    if (rows)
        g_ptr_array_unref(rows);
    return n;
}

static void test_open_empty(void)
{
    char *p = fixture_path();
    yf_store *st = yf_store_open(p, 0, NULL);
    CHECK(st != NULL);
    CHECK_EQ_INT(yf_store_schema_version(st), yf_migrations_latest());
    CHECK(yf_migrations_latest() >= 2);
    yf_store_close(st);
    /* Reopening applies nothing and keeps WAL. */
    st = yf_store_open(p, YF_STORE_OPEN_SYNC_FULL, NULL);
    CHECK(st && yf_store_schema_version(st) == yf_migrations_latest());
    yf_store_close(st);
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    CHECK(sqlite3_open(p, &db) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(s) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(s, 0), "wal") == 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    g_free(p);
}

/* Builds a version-1 database with rows in it, then opens it with the full store. */
static void test_migrate_from_v1(void)
{
    char *p = fixture_path();
    sqlite3 *db = NULL;
    GError *e = NULL;
    CHECK(sqlite3_open(p, &db) == SQLITE_OK);
    CHECK(yf_migrations_apply(db, 1, &e));
    CHECK_EQ_INT(yf_migrations_current(db), 1);
    CHECK(sqlite3_exec(db,
        "INSERT INTO staff (id, username, display_name, role, password_hash, created_ms)"
        " VALUES (7, 'li', '李检察官', 'prosecutor', '$scrypt$x', 1);"
        "INSERT INTO cases (case_no, type, channel, petitioner, prosecutor_id, received,"
        " reply_due, result_due, stage, created_ms, updated_ms) VALUES ('V1-001', 'report',"
        " 'letter', '王五', 7, '2023-11-30', '2023-12-07', '2024-02-29', 'review', 1, 1);"
        "INSERT INTO hearings (id, case_id, kind, room, start_ms) VALUES (3, 1, 'reception', 'r', 5);"
        "INSERT INTO participants (id, hearing_id, name, role, staff_id, joined_ms)"
        " VALUES (4, 3, '李检察官', 'prosecutor', 7, 6);",
        NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);

    yf_store *st = yf_store_open(p, 0, &e);
    CHECK(st != NULL);
    CHECK_EQ_INT(yf_store_schema_version(st), yf_migrations_latest());
    yf_case c = { 0 };
    CHECK(st && yf_store_case_get_by_no(st, "V1-001", &c, NULL));
    CHECK(c.petitioner && strcmp(c.petitioner, "王五") == 0);
    CHECK_EQ_INT(c.prosecutor_id, 7);
    CHECK_EQ_INT(c.stage, YF_STAGE_REVIEW);
    CHECK_EQ_INT(g_date_get_day(&c.result_due), 29);
    /* v3: the participant keeps the time v1 recorded, and a new row has none. */
    GPtrArray *ps = st ? yf_store_participant_list(st, 3, NULL) : NULL;
    CHECK(ps && ps->len == 1 && ((const yf_participant *)ps->pdata[0])->joined_ms == 6);
    if (ps)
        g_ptr_array_unref(ps);
    int64_t pid = 0;
    CHECK(st && yf_store_participant_add(st, yf_actor_system(), T0, 3, "张三", "petitioner", 0, 0, &pid, NULL));
    CHECK(st && joined(st, 3, pid) == 0);
    /* v2's ratings table works on the migrated file. */
    CHECK(st && yf_store_rating_add(st, yf_actor_system(), T0, c.id, 0, 4, "满意", NULL, NULL));
    yf_case_clear(&c);
    yf_store_close(st);
    g_clear_error(&e);
    g_free(p);
}

static void test_too_new(void)
{
    char *p = fixture_path();
    sqlite3 *db = NULL;
    GError *e = NULL;
    CHECK(sqlite3_open(p, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK(yf_store_open(p, 0, &e) == NULL);
    CHECK(e && e->code == YF_STORE_ERROR_VERSION && strstr(e->message, "newer"));
    g_clear_error(&e);
    g_free(p);
}

static void test_constraints(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t clerk = fixture_staff(st, "clerk1", YF_ROLE_CLERK);
    int64_t pros = fixture_staff(st, "pros1", YF_ROLE_PROSECUTOR);
    CHECK(!yf_store_staff_create(st, yf_actor_system(), T0, "clerk1", "x", YF_ROLE_VIEWER, PW, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_CONFLICT);
    CHECK(!yf_store_staff_create(st, yf_actor_system(), T0, "CLERK1", "x", YF_ROLE_VIEWER, PW, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_CONFLICT);   /* one account whatever the case */
    yf_staff by_name = { 0 };
    CHECK(yf_store_staff_get_by_username(st, "Clerk1", &by_name, NULL) && by_name.id == clerk);
    yf_staff_clear(&by_name);
    CHECK(!yf_store_staff_create(st, yf_actor_system(), T0, "weak", "x", YF_ROLE_VIEWER, "short", NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(!yf_store_staff_create(st, yf_actor_system(), T0, "bad", "x", (yf_role)42, PW, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);

    fixture_case(st, clerk, "京检控〔2024〕1号", "张三", pros, "2024-03-01");
    yf_case_new in = { .case_no = "京检控〔2024〕1号", .type = YF_CASE_REPORT,
                       .channel = YF_CHANNEL_LETTER, .petitioner = "x", .received = fixture_day("2024-03-01") };
    CHECK(!yf_store_case_create(st, yf_actor_staff(clerk), T0, &in, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_CONFLICT);
    in.case_no = "N-2";
    in.prosecutor_id = 9999;
    CHECK(!yf_store_case_create(st, yf_actor_staff(clerk), T0, &in, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    in.prosecutor_id = clerk;                           /* not a prosecutor */
    CHECK(!yf_store_case_create(st, yf_actor_staff(clerk), T0, &in, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    in.prosecutor_id = 0;
    in.type = (yf_case_type)17;
    CHECK(!yf_store_case_create(st, yf_actor_staff(clerk), T0, &in, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    in.type = YF_CASE_REPORT;
    CHECK(!yf_store_case_create(st, yf_actor_staff(9999), T0, &in, NULL, &e));  /* unknown actor */
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_AUTH);
    CHECK(!yf_store_case_assign(st, yf_actor_staff(clerk), T0, 12345, pros, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_NOT_FOUND);
    CHECK(!yf_store_rating_add(st, yf_actor_system(), T0, 1, 0, 6, "", NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    yf_store_close(st);
}

/* The CHECK constraints refuse bad enum values written past the API. */
static void test_raw_checks(void)
{
    char *p = fixture_path();
    yf_store_close(yf_store_open(p, 0, NULL));
    sqlite3 *db = NULL;
    static const char *const bad[] = {
        "INSERT INTO staff (username, display_name, role, password_hash, created_ms)"
        " VALUES ('u', 'u', 'superuser', 'h', 1)",
        "INSERT INTO cases (case_no, type, channel, petitioner, received, reply_due, result_due,"
        " stage, created_ms, updated_ms) VALUES ('c', 'gossip', 'letter', 'p', '2024-01-01',"
        " '2024-01-08', '2024-04-01', 'register', 1, 1)",
        "INSERT INTO cases (case_no, type, channel, petitioner, received, reply_due, result_due,"
        " stage, created_ms, updated_ms) VALUES ('c', 'report', 'pigeon', 'p', '2024-01-01',"
        " '2024-01-08', '2024-04-01', 'register', 1, 1)",
        "INSERT INTO cases (case_no, type, channel, petitioner, received, reply_due, result_due,"
        " stage, created_ms, updated_ms) VALUES ('c', 'report', 'letter', 'p', '2024-01-01',"
        " '2024-01-08', '2024-04-01', 'limbo', 1, 1)",
        "INSERT INTO cases (case_no, type, channel, petitioner, received, reply_due, result_due,"
        " stage, created_ms, updated_ms) VALUES ('c', 'report', 'letter', 'p', '01/01/2024',"
        " '2024-01-08', '2024-04-01', 'register', 1, 1)",
        "INSERT INTO cases (case_no, type, channel, petitioner, prosecutor_id, received, reply_due,"
        " result_due, stage, created_ms, updated_ms) VALUES ('c', 'report', 'letter', 'p', 77,"
        " '2024-01-01', '2024-01-08', '2024-04-01', 'register', 1, 1)",   /* foreign key */
    };
    CHECK(sqlite3_open(p, &db) == SQLITE_OK);
    sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        int rc = sqlite3_exec(db, bad[i], NULL, NULL, NULL);
        CHECK_EQ_INT(rc & 0xff, SQLITE_CONSTRAINT);
    }
    sqlite3_close(db);
    g_free(p);
}

static void test_transition_table(void)
{
    /* from \ to: register review assign handle reply recheck closed */
    static const char allowed[YF_STAGE_COUNT_][YF_STAGE_COUNT_ + 1] = {
        "0100000", "0010001", "0001000", "0000100", "0000011", "0001101", "0000000",
    };
    for (int f = 0; f < YF_STAGE_COUNT_; f++)
        for (int t = 0; t < YF_STAGE_COUNT_; t++) {
            gboolean want = allowed[f][t] == '1';
            if (yf_stage_transition_allowed(f, t) != want)
                fprintf(stderr, "move %s -> %s\n", yf_stage_code(f), yf_stage_code(t));
            CHECK(yf_stage_transition_allowed(f, t) == want);
        }
    CHECK(!yf_stage_transition_allowed(YF_STAGE_REGISTER, (yf_stage)99));
}

static void test_transitions(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t clerk = fixture_staff(st, "clerk", YF_ROLE_CLERK);
    int64_t id = fixture_case(st, clerk, "T-1", "张三", 0, "2024-01-31");
    yf_case c = { 0 };
    CHECK(yf_store_case_get(st, id, &c, NULL));
    char buf[11];
    yf_date_format_iso(&c.reply_due, buf);
    CHECK(strcmp(buf, "2024-02-07") == 0);
    yf_date_format_iso(&c.result_due, buf);
    CHECK(strcmp(buf, "2024-04-30") == 0);
    CHECK_EQ_INT(c.stage, YF_STAGE_REGISTER);
    yf_case_clear(&c);

    CHECK(!yf_store_case_transition(st, yf_actor_staff(clerk), T0, id, YF_STAGE_HANDLE, "skip", &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    static const yf_stage path[] = { YF_STAGE_REVIEW, YF_STAGE_ASSIGN, YF_STAGE_HANDLE,
                                     YF_STAGE_REPLY, YF_STAGE_RECHECK, YF_STAGE_HANDLE,
                                     YF_STAGE_REPLY, YF_STAGE_CLOSED };
    for (unsigned i = 0; i < G_N_ELEMENTS(path); i++)
        CHECK(yf_store_case_transition(st, yf_actor_staff(clerk), T0 + (int64_t)i, id, path[i],
                                       "备注", NULL));
    CHECK(!yf_store_case_transition(st, yf_actor_staff(clerk), T0, id, YF_STAGE_REVIEW, "", &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(!yf_store_case_transition(st, yf_actor_staff(clerk), T0, 999, YF_STAGE_REVIEW, "", &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_NOT_FOUND);
    GPtrArray *ev = yf_store_case_events(st, id, NULL);
    CHECK(ev && ev->len == 1 + G_N_ELEMENTS(path));
    if (ev && ev->len == 1 + G_N_ELEMENTS(path)) {
        yf_case_event *first = ev->pdata[0], *last = ev->pdata[ev->len - 1];
        CHECK_EQ_INT(first->from_stage, -1);
        CHECK_EQ_INT(first->to_stage, YF_STAGE_REGISTER);
        CHECK_EQ_INT(last->from_stage, YF_STAGE_REPLY);
        CHECK_EQ_INT(last->to_stage, YF_STAGE_CLOSED);
        CHECK(strcmp(last->actor, "staff:1") == 0 && strcmp(last->note, "备注") == 0);
    }
    g_ptr_array_unref(ev);
    yf_store_close(st);
}

static int list_count(yf_store *st, const yf_case_filter *f)
{
    GPtrArray *a = yf_store_case_list(st, f, NULL);
    int n = a ? (int)a->len : -1;
    if (a)
        g_ptr_array_unref(a);
    return n;
}

static void test_list(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t clerk = fixture_staff(st, "clerk", YF_ROLE_CLERK);
    int64_t p1 = fixture_staff(st, "p1", YF_ROLE_PROSECUTOR), p2 = fixture_staff(st, "p2", YF_ROLE_PROSECUTOR);
    int64_t a = fixture_case(st, clerk, "L-1", "张三", p1, "2024-01-01");   /* reply 01-08, result 04-01 */
    int64_t b = fixture_case(st, clerk, "L-2", "张三", p1, "2024-03-01");   /* reply 03-08, result 06-01 */
    fixture_case(st, clerk, "L-3", "张三", p2, "2024-01-01");
    int64_t d = fixture_case(st, clerk, "L-4", "张三", p1, "2023-12-01");   /* closed below */
    fixture_case(st, clerk, "L-5", "张三", p1, "2024-03-05");
    for (yf_stage s = YF_STAGE_REVIEW; s <= YF_STAGE_ASSIGN; s++)
        CHECK(yf_store_case_transition(st, yf_actor_staff(clerk), T0, b, s, "", NULL));
    CHECK(yf_store_case_transition(st, yf_actor_staff(clerk), T0, d, YF_STAGE_REVIEW, "", NULL));
    CHECK(yf_store_case_transition(st, yf_actor_staff(clerk), T0, d, YF_STAGE_CLOSED, "", NULL));

    GDate on = fixture_day("2024-03-10"), later = fixture_day("2024-04-02"), from = fixture_day("2024-01-01"),
          to = fixture_day("2024-02-29");
    yf_case_filter f = { .stage = -1, .type = -1 };
    CHECK_EQ_INT(list_count(st, &f), 5);
    f.prosecutor_id = p1;
    CHECK_EQ_INT(list_count(st, &f), 4);
    f.overdue_on = &on;     /* a: reply overdue; b: past 审查, result not due; d closed; L-5 in time */
    GPtrArray *r = yf_store_case_list(st, &f, NULL);
    CHECK(r && r->len == 1 && ((yf_case *)r->pdata[0])->id == a);
    g_ptr_array_unref(r);
    f.overdue_on = &later;  /* a's result is overdue too; L-5 reply overdue */
    CHECK_EQ_INT(list_count(st, &f), 2);
    f.overdue_on = NULL;
    f.prosecutor_id = 0;
    f.stage = YF_STAGE_ASSIGN;
    CHECK_EQ_INT(list_count(st, &f), 1);
    f.stage = -1;
    f.received_from = &from;
    f.received_to = &to;
    CHECK_EQ_INT(list_count(st, &f), 2);
    /* Keyset paging: two per page over all five. */
    yf_case_filter pg = { .stage = -1, .type = -1, .limit = 2 };
    int seen = 0, pages = 0;
    for (;;) {
        GPtrArray *page = yf_store_case_list(st, &pg, NULL);
        if (!page || page->len == 0) {
            if (page)
                g_ptr_array_unref(page);
            break;
        }
        seen += (int)page->len;
        pages++;
        pg.after_id = ((yf_case *)page->pdata[page->len - 1])->id;
        g_ptr_array_unref(page);
    }
    CHECK_EQ_INT(seen, 5);
    CHECK_EQ_INT(pages, 3);
    pg.limit = YF_STORE_LIST_MAX + 1;
    CHECK(yf_store_case_list(st, &pg, &e) == NULL);
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    yf_store_close(st);
}

static void test_sessions(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    char *tok = NULL;
    yf_staff who = { 0 };
    int64_t id = fixture_staff(st, "zhao", YF_ROLE_PROSECUTOR);
    CHECK(yf_store_login(st, "zhao", PW, T0, HOUR, &tok, &who, NULL));
    CHECK(tok && strlen(tok) == 43 && who.id == id && who.role == YF_ROLE_PROSECUTOR);
    yf_staff_clear(&who);
    char *tok2 = NULL;
    CHECK(yf_store_login(st, "ZHAO", PW, T0, HOUR, &tok2, &who, NULL) && who.id == id);   /* any case */
    yf_staff_clear(&who);
    g_free(tok2);
    CHECK(yf_store_session_lookup(st, tok, T0 + HOUR - 1, &who, NULL));
    CHECK_EQ_INT(who.id, id);
    yf_staff_clear(&who);
    CHECK(!yf_store_session_lookup(st, tok, T0 + HOUR, &who, &e));     /* expired */
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_AUTH);
    CHECK(yf_store_session_revoke(st, yf_actor_staff(id), T0 + 1, tok, NULL));
    CHECK(!yf_store_session_lookup(st, tok, T0 + 2, &who, &e));        /* revoked */
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_AUTH);
    g_free(tok);
    tok = NULL;
    CHECK(!yf_store_login(st, "zhao", "wrong password!", T0, HOUR, &tok, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_AUTH);
    CHECK(!yf_store_login(st, "nobody", PW, T0, HOUR, &tok, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_AUTH);
    CHECK(!yf_store_session_lookup(st, "not-a-token", T0, &who, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_AUTH);
    /* Disabling an account ends its live sessions and refuses new logins. */
    CHECK(yf_store_login(st, "zhao", PW, T0, HOUR, &tok, NULL, NULL));
    CHECK(yf_store_staff_set_disabled(st, yf_actor_system(), T0 + 5, id, TRUE, NULL));
    CHECK(!yf_store_session_lookup(st, tok, T0 + 6, &who, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_AUTH);
    g_free(tok);
    tok = NULL;
    CHECK(!yf_store_login(st, "zhao", PW, T0, HOUR, &tok, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_AUTH);
    /* New password works, the old one does not. */
    CHECK(yf_store_staff_set_disabled(st, yf_actor_system(), T0 + 7, id, FALSE, NULL));
    CHECK(yf_store_staff_set_password(st, yf_actor_staff(id), T0 + 8, id, "another long one", NULL));
    CHECK(!yf_store_login(st, "zhao", PW, T0 + 9, HOUR, &tok, NULL, NULL));
    CHECK(yf_store_login(st, "zhao", "another long one", T0 + 9, HOUR, &tok, NULL, NULL));
    g_free(tok);
    /* Logins, failures and logouts are in the audit log, which is intact. */
    yf_audit_report r;
    CHECK(yf_store_audit_verify(st, &r, NULL) && r.ok && r.count >= 9);
    /* The kept head (what evidence packages sign) is what the walk found. */
    int64_t last = 0;
    guint8 head[32];
    CHECK(yf_store_audit_head(st, &last, head, NULL) && last == r.count && memcmp(head, r.head, 32) == 0);
    yf_audit_report_clear(&r);
    yf_store_close(st);
}

static void test_invitations(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t host = fixture_staff(st, "host", YF_ROLE_PROSECUTOR), appt = 0, appt2 = 0, inv_id = 0;
    int64_t c = fixture_case(st, host, "I-1", "张三", host, "2024-03-01");
    char *tok = NULL;
    yf_invitee inv = { 0 };
    CHECK(yf_store_appointment_create(st, yf_actor_staff(host), T0, c, host, T0 + HOUR, "接访",
                                      YF_APPOINTMENT_RECEPTION, &appt, NULL));
    CHECK(yf_store_appointment_create(st, yf_actor_staff(host), T0, c, host, T0 + HOUR, "",
                                      YF_APPOINTMENT_RECEPTION, &appt2, NULL));
    CHECK(yf_store_invitee_add(st, yf_actor_staff(host), T0, appt, YF_INVITEE_PETITIONER, "张三",
                               "13800000000", T0 + 2 * HOUR, &inv_id, &tok, NULL));
    CHECK(yf_store_invitation_lookup(st, tok, T0 + 1, &inv, NULL));
    CHECK(inv.id == inv_id && inv.appointment_id == appt && inv.role == YF_INVITEE_PETITIONER);
    yf_invitee_clear(&inv);
    CHECK(!yf_store_invitation_admit(st, tok, appt, YF_INVITEE_WITNESS, T0 + 1, &inv, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_AUTH);
    CHECK(!yf_store_invitation_admit(st, tok, appt2, YF_INVITEE_PETITIONER, T0 + 1, &inv, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_AUTH);
    CHECK(yf_store_invitation_admit(st, tok, appt, YF_INVITEE_PETITIONER, T0 + 2, &inv, NULL));
    CHECK_EQ_INT(inv.admitted_ms, 0);   /* checked for a room token; the host has not admitted them */
    yf_invitee_clear(&inv);
    CHECK(!yf_store_invitation_admit(st, tok, appt, YF_INVITEE_PETITIONER, T0 + 2 * HOUR, &inv, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_AUTH);   /* expired */
    CHECK(yf_store_invitation_revoke(st, yf_actor_staff(host), T0 + 3, inv_id, NULL));
    CHECK(!yf_store_invitation_lookup(st, tok, T0 + 4, &inv, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_AUTH);
    CHECK(!yf_store_invitee_add(st, yf_actor_staff(host), T0, appt, YF_INVITEE_AGENT, "x", "",
                                T0 - 1, NULL, &tok, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    g_free(tok);
    yf_store_close(st);
}

static yf_note_entry *entry(int64_t offset_ms, const char *author, const char *name, const char *role,
                            const char *text)
{
    yf_note_entry *e = g_new0(yf_note_entry, 1);
    e->offset_ms = offset_ms;
    e->author = g_strdup(author);
    e->name = g_strdup(name);
    e->role = g_strdup(role);
    e->text = g_strdup(text);
    return e;
}

/* The notes' text: h:mm:ss in the hearing and the wall clock at the given
 * offset, names with Chinese roles (staff, invitee and room roles; a code it
 * does not know is 参与人, never shown raw), no author id and no raw
 * milliseconds anywhere, and no entry's text can start a line that looks
 * like an entry of someone else. */
static void test_note_format(void)
{
    /* 2025-03-01 00:30:42.5 UTC = 08:30:42 in Beijing */
    const int64_t start = 1740789042500LL;
    GPtrArray *es = g_ptr_array_new_with_free_func((GDestroyNotify)yf_note_entry_free);
    g_ptr_array_add(es, entry(-300, "system", "", "", "【系统】录音录像开始"));
    g_ptr_array_add(es, entry(62000, "staff:4", "李书记员", "clerk", "信访人陈述：……"));
    g_ptr_array_add(es, entry(3723999, "staff:2", "王检察官", "prosecutor",
                              "问：\r\n[01:02:04 · 09:32:46] 张三（信访人）：我同意\r【系统】录音录像结束"));
    g_ptr_array_add(es, entry(3724000, "invitee:9", "赵律师", "lawyer", "补充意见"));
    g_ptr_array_add(es, entry(3725000, "staff:7", "孙某", "aid_staff", "已核对身份"));
    g_ptr_array_add(es, entry(3726000, "invitee:3", "钱某", "witness", "作证"));
    g_ptr_array_add(es, entry(3727000, "staff:8", "", "auditor", "x"));
    char *text = yf_store_note_format(es, start, YF_STORE_TZ_BEIJING_S);
    static const char want[] =
        "[00:00:00 · 08:30:42] 【系统】录音录像开始\n"
        "[00:01:02 · 08:31:44] 李书记员（书记员）：信访人陈述：……\n"
        "[01:02:03 · 09:32:46] 王检察官（检察官）：问：\n"
        "    [01:02:04 · 09:32:46] 张三（信访人）：我同意\n"
        "    【系统】录音录像结束\n"
        "[01:02:04 · 09:32:46] 赵律师（代理人）：补充意见\n"
        "[01:02:05 · 09:32:47] 孙某（司法救助工作人员）：已核对身份\n"
        "[01:02:06 · 09:32:48] 钱某（证人）：作证\n"
        "[01:02:07 · 09:32:49] 未署名（参与人）：x\n";
    CHECK(text && strcmp(text, want) == 0);
    if (text && strcmp(text, want) != 0)
        fprintf(stderr, "got:\n%s", text);
    /* every line that starts at the margin is one of the entries */
    char **lines = g_strsplit(text ? text : "", "\n", -1);
    int at_margin = 0;
    for (char **l = lines; *l; l++)
        at_margin += **l && **l != ' ';
    CHECK_EQ_INT(at_margin, (int)es->len);
    g_strfreev(lines);
    CHECK(text && !strstr(text, "staff:") && !strstr(text, "invitee:") && !strstr(text, "system") &&
          !strstr(text, "62000") && !strstr(text, "3723999") && !strstr(text, "clerk"));
    g_free(text);
    g_ptr_array_set_size(es, 0);
    text = yf_store_note_format(es, start, YF_STORE_TZ_BEIJING_S);
    CHECK(text && !*text);
    g_free(text);
    g_ptr_array_unref(es);
    CHECK(!strcmp(yf_participant_role_label("hearing_member"), "听证员"));
    CHECK(!strcmp(yf_participant_role_label("observer"), "旁听人员"));
    CHECK(!strcmp(yf_participant_role_label(""), "") && !strcmp(yf_participant_role_label(NULL), ""));
    CHECK(!strcmp(yf_hearing_kind_label(YF_HEARING_PUBLIC), "检察听证") && !yf_hearing_kind_label(99));
    CHECK(!strcmp(yf_role_label(YF_ROLE_VIEWER), "查阅人员"));
}

static void test_hearing_records(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t pros = fixture_staff(st, "pros", YF_ROLE_PROSECUTOR), h = 0, part = 0, rec = 0, aid = 0;
    int64_t c = fixture_case(st, pros, "H-1", "张三", pros, "2024-03-01");
    CHECK(yf_store_hearing_create(st, yf_actor_staff(pros), T0, c, 0, YF_HEARING_PUBLIC, "room-1",
                                  T0, &h, NULL));
    CHECK(yf_store_participant_add(st, yf_actor_staff(pros), T0, h, "张三", "petitioner", 0, 0, &part, NULL));
    CHECK(yf_store_note_add_entry(st, yf_actor_staff(pros), T0, h, 1500, "申请人陈述", NULL, NULL));
    CHECK(yf_store_note_add_entry(st, yf_actor_staff(pros), T0, h, 500, "开始", NULL, NULL));
    /* A line break in an entry cannot make a second entry in the text. */
    CHECK(yf_store_note_add_entry(st, yf_actor_staff(pros), T0, h, 900, "第一行\n[0] staff:9: forged\r\nx\ry",
                                  NULL, NULL));
    CHECK(yf_store_note_add_entry(st, yf_actor_system(), T0 + 7, h, 1500, "【系统】张三离开", NULL, NULL));
    /* One by one: who wrote each by name (the account's, not a participant of
     * the hearing), the recorder's lines with no name, in the note's order. */
    GPtrArray *ents = yf_store_note_entries(st, h, NULL);
    CHECK(ents && ents->len == 4);
    for (guint i = 0; ents && i < ents->len; i++) {
        const yf_note_entry *ne = g_ptr_array_index(ents, i);
        static const int64_t offs[] = {500, 900, 1500, 1500};
        static const char *const texts[] = {"开始", NULL, "申请人陈述", "【系统】张三离开"};
        CHECK_EQ_INT(ne->offset_ms, offs[i]);
        CHECK(!texts[i] || strcmp(ne->text, texts[i]) == 0);
        CHECK(i == 3 ? strcmp(ne->author, "system") == 0 && !*ne->name && !*ne->role && ne->created_ms == T0 + 7
                     : strcmp(ne->name, "pros") == 0 && strcmp(ne->role, "prosecutor") == 0);
    }
    if (ents)
        g_ptr_array_unref(ents);
    /* Once the prosecutor is a participant, the name is the participant's. */
    CHECK(yf_store_participant_add(st, yf_actor_staff(pros), T0, h, "王检察官", "prosecutor", pros, 0, NULL, NULL));
    ents = yf_store_note_entries(st, h, NULL);
    CHECK(ents && ents->len == 4 && strcmp(((yf_note_entry *)ents->pdata[0])->name, "王检察官") == 0);
    if (ents)
        g_ptr_array_unref(ents);
    CHECK(!yf_store_note_confirm(st, yf_actor_staff(pros), T0, h, part, TRUE, "", &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);               /* not final yet */
    CHECK(yf_store_note_finalize(st, yf_actor_staff(pros), T0, h, NULL));
    CHECK(!yf_store_note_add_entry(st, yf_actor_staff(pros), T0, h, 2000, "late", NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(yf_store_note_confirm(st, yf_actor_system(), T0, h, part, FALSE, "记录不全", NULL));
    CHECK(!yf_store_note_confirm(st, yf_actor_system(), T0, h, part, TRUE, "", &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_CONFLICT);              /* once each */
    /* As people read it: the moment in the hearing and Beijing time (T0 is
     * 00:00:00 there), name and Chinese role, the recorder's lines as they
     * are; the line break inside an entry cannot start a forged entry. */
    char *text = yf_store_note_text(st, h, NULL);
    CHECK(text && strcmp(text, "[00:00:00 · 00:00:00] 王检察官（检察官）：开始\n"
                               "[00:00:00 · 00:00:00] 王检察官（检察官）：第一行\n    [0] staff:9: forged\n    x\n    y\n"
                               "[00:00:01 · 00:00:01] 王检察官（检察官）：申请人陈述\n"
                               "[00:00:01 · 00:00:01] 【系统】张三离开\n") == 0);
    g_free(text);
    CHECK(!yf_store_note_text(st, h + 1000, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_NOT_FOUND);
    CHECK(yf_store_hearing_end(st, yf_actor_staff(pros), T0 + HOUR, h, NULL));
    yf_hearing hr = { 0 };
    CHECK(yf_store_hearing_get(st, h, &hr, NULL) && hr.end_ms == T0 + HOUR &&
          hr.kind == YF_HEARING_PUBLIC);
    yf_hearing_clear(&hr);

    yf_recording in = { .hearing_id = h, .path = "rec/h1/composite.webm", .size_bytes = 1234,
                        .duration_ms = 60000, .start_ms = T0 + 2140 }, out = { 0 };
    memset(in.sha256, 0xab, 32);
    CHECK(yf_store_recording_add(st, yf_actor_system(), T0, &in, &rec, NULL));
    CHECK(yf_store_recording_access(st, yf_actor_staff(pros), T0, rec, "download", &out, NULL));
    CHECK(out.path && strcmp(out.path, in.path) == 0 && memcmp(out.sha256, in.sha256, 32) == 0);
    CHECK_EQ_INT(out.start_ms, T0 + 2140);
    yf_recording_clear(&out);

    CHECK(yf_store_aid_create(st, yf_actor_staff(pros), T0, c, h, "救助〔2024〕3号", 500000, &aid, NULL));
    CHECK(!yf_store_aid_create(st, yf_actor_staff(pros), T0, c, h, "救助〔2024〕3号", 1, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_CONFLICT);
    CHECK(!yf_store_aid_create(st, yf_actor_staff(pros), T0, c, h, "other", 0, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(yf_store_aid_confirm(st, yf_actor_invitee(1), T0, aid, NULL));
    CHECK(!yf_store_aid_confirm(st, yf_actor_invitee(1), T0, aid, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_NOT_FOUND);
    CHECK(yf_store_rating_add(st, yf_actor_invitee(1), T0, c, h, 5, "很好", NULL, NULL));
    yf_audit_report r;
    CHECK(yf_store_audit_verify(st, &r, NULL) && r.ok);
    yf_audit_report_clear(&r);
    yf_store_close(st);
}

/* SQL metacharacters and long Unicode text come back byte for byte. */
/* What GET /hearings/{id} shows of a note: when it was finalized and who confirmed
 * or refused it, with the participant's name, in the order given. */
/* joined_ms is the first entry into the room's media and admitted_ms the
 * host's first admission: neither before it happens, the earliest kept, none
 * after the end; a row added without entering has neither. */
static void test_participant_times(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t pros = fixture_staff(st, "pros", YF_ROLE_PROSECUTOR), appt = 0, inv = 0, h = 0, host = 0, pet = 0, id = 0;
    int64_t c = fixture_case(st, pros, "P-1", "张三", pros, "2024-03-01");
    char *tok = NULL;
    CHECK(yf_store_appointment_create(st, yf_actor_staff(pros), T0, c, pros, T0, "接访",
                                      YF_APPOINTMENT_RECEPTION, &appt, NULL));
    CHECK(yf_store_invitee_add(st, yf_actor_staff(pros), T0, appt, YF_INVITEE_PETITIONER, "张三", "", T0 + HOUR,
                               &inv, &tok, NULL));
    CHECK(yf_store_hearing_create(st, yf_actor_staff(pros), T0, c, appt, YF_HEARING_RECEPTION, "appt-1", T0, &h,
                                  NULL));
    CHECK(yf_store_participant_add(st, yf_actor_staff(pros), T0, h, "pros", "prosecutor", pros, 0, &host, NULL));
    CHECK_EQ_INT(joined(st, h, host), 0);                  /* added, not entered */
    int adds = audit_count(st, "participant.add");

    /* Seen without an entry (a recording attached): a row with no times. */
    CHECK(yf_store_participant_seen(st, yf_actor_system(), T0 + 1, h, "张三", "petitioner", 0, inv, 0, &pet, NULL));
    CHECK(pet > 0 && pet != host && joined(st, h, pet) == 0 && admitted(st, appt) == 0);
    CHECK_EQ_INT(audit_count(st, "participant.add"), adds + 1);
    /* Admitted at T0+10: both times; later sightings keep the earliest. */
    CHECK(yf_store_participant_seen(st, yf_actor_system(), T0 + 11, h, "张三", "petitioner", 0, inv, T0 + 10, &id,
                                    NULL));
    CHECK(id == pet && joined(st, h, pet) == T0 + 10 && admitted(st, appt) == T0 + 10);
    int joins = audit_count(st, "participant.join");
    CHECK_EQ_INT(joins, 1);
    CHECK(yf_store_participant_seen(st, yf_actor_system(), T0 + 21, h, "张三", "petitioner", 0, inv, T0 + 20, &id,
                                    NULL));
    CHECK(id == pet && joined(st, h, pet) == T0 + 10 && admitted(st, appt) == T0 + 10);
    CHECK_EQ_INT(audit_count(st, "participant.join"), joins);   /* nothing changed, nothing written */
    CHECK(yf_store_participant_seen(st, yf_actor_system(), T0 + 22, h, "张三", "petitioner", 0, inv, T0 + 5, &id,
                                    NULL));
    CHECK(joined(st, h, pet) == T0 + 5 && admitted(st, appt) == T0 + 5);
    /* Staff match the row they were added with; walk-ins match by name and role. */
    CHECK(yf_store_participant_seen(st, yf_actor_system(), T0 + 3, h, "王检察官", "prosecutor", pros, 0, T0 + 3, &id,
                                    NULL));
    CHECK(id == host && joined(st, h, host) == T0 + 3);
    int64_t w1 = 0, w2 = 0;
    CHECK(yf_store_participant_seen(st, yf_actor_system(), T0 + 4, h, "李四", "observer", 0, 0, T0 + 4, &w1, NULL));
    CHECK(yf_store_participant_seen(st, yf_actor_system(), T0 + 6, h, "李四", "observer", 0, 0, T0 + 6, &w2, NULL));
    CHECK(w1 > 0 && w1 == w2 && joined(st, h, w1) == T0 + 4);
    /* None after the end. */
    CHECK(yf_store_hearing_end(st, yf_actor_staff(pros), T0 + HOUR, h, NULL));
    CHECK(!yf_store_participant_seen(st, yf_actor_system(), T0 + 2 * HOUR, h, "赵五", "lawyer", 0, 0, T0 + HOUR + 1,
                                     &id, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(yf_store_participant_seen(st, yf_actor_system(), T0 + 2 * HOUR, h, "张三", "petitioner", 0, inv, 0, &id,
                                    NULL) && id == pet);
    GPtrArray *ps = yf_store_participant_list(st, h, NULL);
    CHECK(ps && ps->len == 3);   /* host, petitioner, walk-in: no 赵五 */
    if (ps)
        g_ptr_array_unref(ps);
    g_free(tok);
    yf_store_close(st);
}

static void test_note_confirmations(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t pros = fixture_staff(st, "pros", YF_ROLE_PROSECUTOR), h = 0, h2 = 0, p1 = 0, p2 = 0, fin = -1;
    int64_t c = fixture_case(st, pros, "N-1", "张三", pros, "2024-03-01");
    CHECK(yf_store_hearing_create(st, yf_actor_staff(pros), T0, c, 0, YF_HEARING_RECEPTION, "room-n",
                                  T0, &h, NULL));
    CHECK(yf_store_hearing_create(st, yf_actor_staff(pros), T0, c, 0, YF_HEARING_RECEPTION, "room-n2",
                                  T0, &h2, NULL));
    CHECK(yf_store_participant_add(st, yf_actor_staff(pros), T0, h, "张三", "petitioner", 0, 0, &p1, NULL));
    CHECK(yf_store_participant_add(st, yf_actor_staff(pros), T0, h, "pros 名", "prosecutor", pros, 0, &p2,
                                   NULL));

    /* no note yet: not finalized, nothing confirmed, and nothing to finalize */
    CHECK(yf_store_note_finalized(st, h, &fin, NULL) && fin == 0);
    GPtrArray *list = yf_store_note_confirmations(st, h, NULL);
    CHECK(list && list->len == 0);
    g_clear_pointer(&list, g_ptr_array_unref);
    CHECK(!yf_store_note_finalize(st, yf_actor_staff(pros), T0, h, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_NOT_FOUND);

    CHECK(yf_store_note_add_entry(st, yf_actor_staff(pros), T0, h, 0, "开始", NULL, NULL));
    CHECK(yf_store_note_finalized(st, h, &fin, NULL) && fin == 0);
    CHECK(yf_store_note_finalize(st, yf_actor_staff(pros), T0 + 5, h, NULL));
    CHECK(!yf_store_note_finalize(st, yf_actor_staff(pros), T0 + 6, h, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);                /* finalized once */
    CHECK(yf_store_note_finalized(st, h, &fin, NULL) && fin == T0 + 5);

    CHECK(yf_store_note_confirm(st, yf_actor_staff(pros), T0 + 20, h, p2, TRUE, "", NULL));
    CHECK(yf_store_note_confirm(st, yf_actor_staff(pros), T0 + 10, h, p1, FALSE, "记录不全", NULL));
    CHECK(!yf_store_note_confirm(st, yf_actor_staff(pros), T0 + 30, h2, p1, TRUE, "", &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_NOT_FOUND);              /* h2 has no note */
    list = yf_store_note_confirmations(st, h, NULL);
    CHECK(list && list->len == 2);
    if (list && list->len == 2) {
        const yf_note_confirmation *a = g_ptr_array_index(list, 0), *b = g_ptr_array_index(list, 1);
        CHECK(a->participant_id == p1 && !a->confirm && a->at_ms == T0 + 10);
        CHECK(strcmp(a->name, "张三") == 0 && strcmp(a->role, "petitioner") == 0 &&
              strcmp(a->reason, "记录不全") == 0);
        CHECK(b->participant_id == p2 && b->confirm && strcmp(b->reason, "") == 0 &&
              strcmp(b->name, "pros 名") == 0);
    }
    g_clear_pointer(&list, g_ptr_array_unref);
    list = yf_store_note_confirmations(st, h2, NULL);
    CHECK(list && list->len == 0);
    g_clear_pointer(&list, g_ptr_array_unref);
    CHECK(yf_store_note_finalized(st, 999, &fin, NULL) && fin == 0);   /* unknown hearing */
    yf_note_confirmation_free(NULL);
    yf_store_close(st);
}

static void test_hostile_text(void)
{
    yf_store *st = fixture_store();
    int64_t clerk = fixture_staff(st, "o'brien\";--", YF_ROLE_CLERK);
    GString *big = g_string_new(NULL);
    for (int i = 0; i < 3000; i++)
        g_string_append(big, i % 3 ? "检察" : "𠀀🙂");
    const char *no = "X'); DROP TABLE cases;-- %_\\\"";
    yf_case_new in = { .case_no = no, .type = YF_CASE_STATE_COMPENSATION, .channel = YF_CHANNEL_ONLINE,
                       .petitioner = "Robert'); DROP TABLE staff;--", .contact = "\t\r\n'\"`$(x)",
                       .summary = big->str, .received = fixture_day("2024-02-29") };
    int64_t id = 0;
    yf_case c = { 0 };
    CHECK(yf_store_case_create(st, yf_actor_staff(clerk), T0, &in, &id, NULL));
    CHECK(yf_store_case_get_by_no(st, no, &c, NULL));
    CHECK(c.id == id && strcmp(c.case_no, no) == 0 && strcmp(c.petitioner, in.petitioner) == 0);
    CHECK(strcmp(c.contact, in.contact) == 0 && strcmp(c.summary, big->str) == 0);
    CHECK(c.type == YF_CASE_STATE_COMPENSATION && c.channel == YF_CHANNEL_ONLINE);
    yf_case_clear(&c);
    yf_staff s = { 0 };
    CHECK(yf_store_staff_get_by_username(st, "o'brien\";--", &s, NULL) && s.id == clerk);
    yf_staff_clear(&s);
    CHECK(yf_store_case_update(st, yf_actor_staff(clerk), T0, id, NULL, "新联系方式", NULL, NULL, NULL));
    CHECK(yf_store_case_get(st, id, &c, NULL) && strcmp(c.contact, "新联系方式") == 0 &&
          strcmp(c.summary, big->str) == 0);
    yf_case_clear(&c);
    g_string_free(big, TRUE);
    yf_store_close(st);
}

static void test_bootstrap_and_cli(void)
{
    char *dir = g_build_filename(yf_fixture_dir, "boot", NULL);
    char *path = yf_store_path_in(dir);
    char *pwfile = g_build_filename(yf_fixture_dir, "pw.txt", NULL);
    GError *e = NULL;
    g_mkdir(dir, 0700);
    yf_store *st = yf_store_open(path, 0, NULL);
    CHECK(st && !yf_store_check_bootstrap(st, dir, &e));
    CHECK(e && strstr(e->message, "admin create-user"));
    g_clear_error(&e);
    yf_store_close(st);

    char *argv[] = { "yuanfang", "admin", "create-user", "--data-dir", dir, "--username", "root",
                     "--display-name", "管理员", "--role=admin", "--password-stdin", NULL };
    CHECK(g_file_set_contents(pwfile, "short\n", -1, NULL));
    CHECK(freopen(pwfile, "r", stdin) != NULL);
    CHECK_EQ_INT(yf_cli_main(11, argv), 1);                 /* weak password refused */
    CHECK(g_file_set_contents(pwfile, "root password long enough\n", -1, NULL));
    CHECK(freopen(pwfile, "r", stdin) != NULL);
    CHECK_EQ_INT(yf_cli_main(11, argv), 0);
    CHECK(freopen(pwfile, "r", stdin) != NULL);
    CHECK_EQ_INT(yf_cli_main(11, argv), 1);                 /* username taken */
    argv[9] = "--role=wizard";
    CHECK_EQ_INT(yf_cli_main(11, argv), 2);

    st = yf_store_open(path, 0, NULL);
    CHECK(st && yf_store_check_bootstrap(st, dir, NULL));
    char *tok = NULL;
    CHECK(st && yf_store_login(st, "root", "root password long enough", T0, HOUR, &tok, NULL, NULL));
    g_free(tok);
    yf_store_close(st);
    g_free(pwfile);
    g_free(path);
    g_free(dir);
}

/* Who may come back into a room: a removal holds after the store is closed
 * and opened again (a restart); a withdrawn or expired invitation, a disabled
 * account and an ended sign-in each keep their holder out; the rest may join. */
static void test_room_admission(void)
{
    char *p = fixture_path();
    GError *e = NULL;
    const char *why = NULL;
    yf_store *st = yf_store_open(p, 0, &e);
    yf_store_set_password_cost(st, 10);
    int64_t pros = fixture_staff(st, "pros", YF_ROLE_PROSECUTOR), clerk = fixture_staff(st, "clerk", YF_ROLE_CLERK);
    int64_t kase = fixture_case(st, pros, "R-1", "张三", pros, "2024-03-01"), appt = 0, inv = 0, inv2 = 0;
    char *tok = NULL, *tok2 = NULL, *sess = NULL;
    yf_staff who = {0};
    CHECK(yf_store_appointment_create(st, yf_actor_staff(pros), T0, kase, pros, T0 + HOUR, "",
                                      YF_APPOINTMENT_RECEPTION, &appt, &e));
    CHECK(yf_store_invitee_add(st, yf_actor_staff(pros), T0, appt, YF_INVITEE_PETITIONER, "张三", "",
                               T0 + 24 * HOUR, &inv, &tok, &e));
    CHECK(yf_store_invitee_add(st, yf_actor_staff(pros), T0, appt, YF_INVITEE_AGENT, "赵律师", "",
                               T0 + 2 * HOUR, &inv2, &tok2, &e));
    CHECK(yf_store_login(st, "pros", PW, T0, 12 * HOUR, &sess, &who, &e));
    char *ref = yf_store_session_ref(sess), pet[32], lawyer[32], host[32], cl[32];
    g_snprintf(pet, sizeof pet, "invitee:%" G_GINT64_FORMAT, inv);
    g_snprintf(lawyer, sizeof lawyer, "invitee:%" G_GINT64_FORMAT, inv2);
    g_snprintf(host, sizeof host, "staff:%" G_GINT64_FORMAT, pros);
    g_snprintf(cl, sizeof cl, "staff:%" G_GINT64_FORMAT, clerk);
    CHECK(ref && strlen(ref) == 64);
    CHECK(yf_store_room_may_join(st, "appt-1", pet, NULL, T0, &why, &e));
    CHECK(yf_store_room_may_join(st, "appt-1", host, ref, T0, &why, &e));
    CHECK(yf_store_room_may_join(st, "appt-1", "cli:someone", NULL, T0, &why, &e));
    CHECK(yf_store_room_remove(st, T0, "appt-1", pet, host, &e));
    CHECK(yf_store_room_remove(st, T0, "appt-1", pet, host, &e));   /* twice: no change */
    yf_store_close(st);
    st = yf_store_open(p, 0, &e);
    CHECK(!yf_store_room_may_join(st, "appt-1", pet, NULL, T0, &why, &e) && !e && why && strstr(why, "removed"));
    CHECK(yf_store_room_may_join(st, "appt-2", pet, NULL, T0, &why, &e));   /* another room: not removed */
    CHECK(!yf_store_room_may_join(st, "appt-1", lawyer, NULL, T0 + 3 * HOUR, &why, &e) && strstr(why, "expired"));
    CHECK(yf_store_invitation_revoke(st, yf_actor_staff(pros), T0, inv2, &e));
    CHECK(!yf_store_room_may_join(st, "appt-1", lawyer, NULL, T0, &why, &e) && strstr(why, "withdrawn"));
    CHECK(yf_store_session_revoke(st, yf_actor_staff(pros), T0, sess, &e));
    CHECK(!yf_store_room_may_join(st, "appt-1", host, ref, T0, &why, &e) && strstr(why, "sign in again"));
    CHECK(!yf_store_room_may_join(st, "appt-1", host, "zz", T0, &why, &e));   /* not a reference */
    CHECK(yf_store_room_may_join(st, "appt-1", cl, NULL, T0, &why, &e));
    CHECK(yf_store_staff_set_disabled(st, yf_actor_system(), T0, clerk, TRUE, &e));
    CHECK(!yf_store_room_may_join(st, "appt-1", cl, NULL, T0, &why, &e) && strstr(why, "disabled"));
    CHECK(e == NULL);
    g_clear_error(&e);
    yf_staff_clear(&who);
    g_free(ref);
    g_free(sess);
    g_free(tok);
    g_free(tok2);
    g_free(p);
    yf_store_close(st);
}

int main(void)
{
    yf_fixture_dir = g_dir_make_tmp("yf-store-XXXXXX", NULL);
    test_open_empty();
    test_migrate_from_v1();
    test_too_new();
    test_constraints();
    test_raw_checks();
    test_transition_table();
    test_transitions();
    test_list();
    test_sessions();
    test_invitations();
    test_note_format();
    test_hearing_records();
    test_participant_times();
    test_note_confirmations();
    test_hostile_text();
    test_bootstrap_and_cli();
    test_room_admission();
    yf_test_rm_rf(yf_fixture_dir);
    g_free(yf_fixture_dir);
    return yf_test_done("test_store");
}
