/* test_store_console.c -- the case store's parts the staff console stands on,
 * against a real SQLite file: the petitioner's ID number (checked, stored,
 * changed, cleared; a malformed one refused even past the API), the case
 * search (LIKE's own characters escaped), the ledger's due-by filter,
 * appointment kinds, the first use of an invitation link, the day's
 * appointments, rescheduling, cancelling, revoking and reissuing
 * invitations, and a file of the version before
 * these columns opened with the current store. */
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "server/store/deadline.h"
#include "server/store/migrations.h"
#include "server/store/store.h"
#include "server/store/store_reads.h"
#include "yf_test.h"
#include "yf_test_fs.h"

#define T0 1714694400000LL      /* 2024-05-03T00:00Z, 08:00 in Beijing */
#define HOUR (3600LL * 1000)
#define DAY (24 * HOUR)
#define YF_FIXTURE_T0 T0

#include "store_fixture.h"

#define PW YF_FIXTURE_PW

static int audit_count(yf_store *st, const char *action)
{
    GPtrArray *rows = yf_store_audit_list(st, 0, 1000, action, NULL);
    int n = rows ? (int)rows->len : -1;
    if (rows)
        g_ptr_array_unref(rows);
    return n;
}

static char *id_number_of(yf_store *st, int64_t id)
{
    yf_case c = { 0 };
    char *out = yf_store_case_get(st, id, &c, NULL) ? g_strdup(c.id_number) : NULL;
    yf_case_clear(&c);
    return out;
}

static gboolean id_number_is(yf_store *st, int64_t id, const char *want)
{
    char *have = id_number_of(st, id);
    gboolean same = have && strcmp(have, want) == 0;
    if (!same)
        fprintf(stderr, "id_number of case %" G_GINT64_FORMAT ": \"%s\", wanted \"%s\"\n", (gint64)id,
                have ? have : "(none)", want);
    g_free(have);
    return same;
}

static void test_id_number(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t clerk = fixture_staff(st, "clerk", YF_ROLE_CLERK), id = 0;
    yf_case_new in = { .case_no = "ID-1", .type = YF_CASE_APPEAL, .channel = YF_CHANNEL_VISIT,
                       .petitioner = "张三", .id_number = "11010519491231002x", .received = fixture_day("2024-05-01") };
    CHECK(yf_store_case_create(st, yf_actor_staff(clerk), T0, &in, &id, NULL));
    CHECK(id_number_is(st, id, "11010519491231002X"));            /* a final x is kept as X */
    in.case_no = "ID-2";
    in.id_number = "110105194912310021";                           /* wrong check digit */
    CHECK(!yf_store_case_create(st, yf_actor_staff(clerk), T0, &in, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    in.id_number = NULL;
    int64_t none = 0;
    CHECK(yf_store_case_create(st, yf_actor_staff(clerk), T0, &in, &none, NULL));
    CHECK(id_number_is(st, none, ""));

    /* Changed, left alone (NULL), cleared (""); a bad one changes nothing. */
    int updates = audit_count(st, "case.update");
    CHECK(yf_store_case_update(st, yf_actor_staff(clerk), T0, none, NULL, NULL, "440524188001010014", NULL, NULL));
    CHECK(id_number_is(st, none, "440524188001010014"));
    CHECK(yf_store_case_update(st, yf_actor_staff(clerk), T0, none, NULL, "13812345678", NULL, NULL, NULL));
    CHECK(id_number_is(st, none, "440524188001010014"));
    CHECK(!yf_store_case_update(st, yf_actor_staff(clerk), T0, none, NULL, NULL, "440524188001010015", NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(id_number_is(st, none, "440524188001010014"));
    CHECK(yf_store_case_update(st, yf_actor_staff(clerk), T0, none, NULL, NULL, "", NULL, NULL));
    CHECK(id_number_is(st, none, ""));
    CHECK_EQ_INT(audit_count(st, "case.update"), updates + 3);
    GPtrArray *rows = yf_store_audit_list(st, 0, 1000, "case.update", NULL);
    CHECK(rows && rows->len > 0 && strstr(((yf_audit_row *)rows->pdata[0])->detail, "id_number"));
    CHECK(rows && !strstr(((yf_audit_row *)rows->pdata[0])->detail, "4405"));   /* the value is not logged */
    if (rows)
        g_ptr_array_unref(rows);
    yf_store_close(st);
}

/* The column's CHECK refuses a malformed number written past the store. */
static void test_id_number_raw_check(void)
{
    char *p = fixture_path();
    yf_store *st = yf_store_open(p, 0, NULL);
    int64_t clerk = st ? fixture_staff(st, "clerk", YF_ROLE_CLERK) : 0;
    if (st)
        fixture_case(st, clerk, "RAW-1", "张三", 0, "2024-05-01");
    yf_store_close(st);
    sqlite3 *db = NULL;
    static const char *const bad[] = { "12345", "1101051949123100XX", "11010519491231002x", "A1010519491231002X" };
    CHECK(sqlite3_open(p, &db) == SQLITE_OK);
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *sql = sqlite3_mprintf("UPDATE cases SET id_number = %Q", bad[i]);
        CHECK_EQ_INT(sqlite3_exec(db, sql, NULL, NULL, NULL) & 0xff, SQLITE_CONSTRAINT);
        sqlite3_free(sql);
    }
    CHECK(sqlite3_exec(db, "UPDATE cases SET id_number = '11010519491231002X'", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    g_free(p);
}

static int search_count(yf_store *st, const char *q, int64_t after_id, int limit)
{
    yf_case_filter f = { .stage = -1, .type = -1, .search = q, .after_id = after_id, .limit = limit };
    GPtrArray *a = yf_store_case_list(st, &f, NULL);
    int n = a ? (int)a->len : -1;
    if (a)
        g_ptr_array_unref(a);
    return n;
}

/* A substring of the case number or the petitioner's name; LIKE's own
 * characters match only themselves. */
static void test_search(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t clerk = fixture_staff(st, "clerk", YF_ROLE_CLERK);
    fixture_case(st, clerk, "京检控〔2024〕12号", "张三", 0, "2024-05-01");
    fixture_case(st, clerk, "京检控〔2024〕13号", "张三丰", 0, "2024-05-01");
    fixture_case(st, clerk, "A_1", "李四", 0, "2024-05-01");
    fixture_case(st, clerk, "AB1", "王五", 0, "2024-05-01");
    fixture_case(st, clerk, "A%2", "赵六", 0, "2024-05-01");
    fixture_case(st, clerk, "B\\3", "钱七_八", 0, "2024-05-01");
    static const struct { const char *q; int n; } t[] = {
        { "12号", 1 }, { "〔2024〕", 2 }, { "张三", 2 }, { "三丰", 1 }, { "A", 3 }, { "a_", 1 },
        { "_", 2 }, { "%", 1 }, { "\\", 1 }, { "A_", 1 }, { "A%", 1 }, { "ab", 1 }, { "无此人", 0 },
        { "", 6 }, { "'; DROP TABLE cases;--", 0 },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(t); i++) {
        int n = search_count(st, t[i].q, 0, 50);
        if (n != t[i].n)
            fprintf(stderr, "search \"%s\": %d cases, wanted %d\n", t[i].q, n, t[i].n);
        CHECK_EQ_INT(n, t[i].n);
    }
    /* Keyset pages of a search: one at a time, after the last one seen. */
    CHECK_EQ_INT(search_count(st, "A", 0, 2), 2);
    CHECK_EQ_INT(search_count(st, "A", 4, 2), 1);
    /* Longer than 64 characters, or not UTF-8: refused. */
    char *long_q = g_strnfill(YF_STORE_SEARCH_MAX + 1, 'x');
    yf_case_filter f = { .stage = -1, .type = -1, .search = long_q };
    CHECK(yf_store_case_list(st, &f, &e) == NULL);
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    long_q[YF_STORE_SEARCH_MAX] = '\0';
    CHECK_EQ_INT(search_count(st, long_q, 0, 50), 0);
    f.search = "\xff\xfe";
    CHECK(yf_store_case_list(st, &f, &e) == NULL);
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    g_free(long_q);
    yf_store_close(st);
}

static int due_count(yf_store *st, const char *by, int64_t pros)
{
    GDate d = fixture_day(by);
    yf_case_filter f = { .stage = -1, .type = -1, .due_by = &d, .prosecutor_id = pros };
    GPtrArray *a = yf_store_case_list(st, &f, NULL);
    int n = a ? (int)a->len : -1;
    if (a)
        g_ptr_array_unref(a);
    return n;
}

/* The ledger's filter: open cases with a deadline on or before a day, the
 * reply's only while at 登记/审查. */
static void test_due_by(void)
{
    yf_store *st = fixture_store();
    int64_t clerk = fixture_staff(st, "clerk", YF_ROLE_CLERK), pros = fixture_staff(st, "pros", YF_ROLE_PROSECUTOR);
    fixture_case(st, clerk, "D-1", "甲", pros, "2024-05-01");                 /* reply 05-08, result 08-01 */
    int64_t moved = fixture_case(st, clerk, "D-2", "乙", pros, "2024-05-01"); /* past 审查: reply no longer counts */
    int64_t closed = fixture_case(st, clerk, "D-3", "丙", 0, "2024-01-01");   /* result 04-01, but closed */
    fixture_case(st, clerk, "D-4", "丁", 0, "2024-02-05");                    /* at 登记: reply 02-12 */
    static const yf_stage path[] = { YF_STAGE_REVIEW, YF_STAGE_ASSIGN };
    for (unsigned i = 0; i < G_N_ELEMENTS(path); i++)
        CHECK(yf_store_case_transition(st, yf_actor_staff(clerk), T0, moved, path[i], "", NULL));
    CHECK(yf_store_case_transition(st, yf_actor_staff(clerk), T0, closed, YF_STAGE_REVIEW, "", NULL));
    CHECK(yf_store_case_transition(st, yf_actor_staff(clerk), T0, closed, YF_STAGE_CLOSED, "", NULL));
    static const struct { const char *by; int n; } t[] = {
        { "2024-02-11", 0 }, { "2024-02-12", 1 }, { "2024-05-07", 1 }, { "2024-05-08", 2 },
        { "2024-07-31", 2 }, { "2024-08-01", 3 }, { "2030-01-01", 3 },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(t); i++) {
        int n = due_count(st, t[i].by, 0);
        if (n != t[i].n)
            fprintf(stderr, "due by %s: %d cases, wanted %d\n", t[i].by, n, t[i].n);
        CHECK_EQ_INT(n, t[i].n);
    }
    CHECK_EQ_INT(due_count(st, "2024-08-01", pros), 2);
    yf_store_close(st);
}

/* Appointment kinds: stored, read back, labelled, parsed from code or
 * label, mapped to the hearing they hold; an unknown one refused. */
static void test_appointment_kind(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t pros = fixture_staff(st, "pros", YF_ROLE_PROSECUTOR), id = 0;
    int64_t c = fixture_case(st, pros, "K-1", "张三", pros, "2024-05-01");
    static const struct { const char *in; yf_appointment_kind kind; const char *code, *label; yf_hearing_kind h; } t[] = {
        { "reception", YF_APPOINTMENT_RECEPTION, "reception", "接访", YF_HEARING_RECEPTION },
        { "检察听证", YF_APPOINTMENT_PUBLIC_HEARING, "public_hearing", "检察听证", YF_HEARING_PUBLIC },
        { "aid", YF_APPOINTMENT_AID, "aid", "司法救助", YF_HEARING_AID_DISBURSEMENT },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(t); i++) {
        yf_appointment_kind k = YF_APPOINTMENT_KIND_COUNT_;
        yf_appointment a = { 0 };
        CHECK(yf_appointment_kind_parse_any(t[i].in, &k) && k == t[i].kind);
        CHECK(strcmp(yf_appointment_kind_code(k), t[i].code) == 0);
        CHECK(strcmp(yf_appointment_kind_label(k), t[i].label) == 0);
        CHECK_EQ_INT(yf_appointment_kind_hearing(k), t[i].h);
        CHECK(yf_store_appointment_create(st, yf_actor_staff(pros), T0, c, pros, T0 + HOUR, "", k, &id, NULL));
        CHECK(yf_store_appointment_get(st, id, &a, NULL) && a.kind == t[i].kind);
        yf_appointment_clear(&a);
    }
    yf_appointment_kind k;
    CHECK(!yf_appointment_kind_parse_any("party", &k) && !yf_appointment_kind_parse("接访", &k));
    CHECK(yf_appointment_kind_code(YF_APPOINTMENT_KIND_COUNT_) == NULL);
    CHECK(!yf_store_appointment_create(st, yf_actor_staff(pros), T0, c, pros, T0, "", (yf_appointment_kind)9, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    yf_store_close(st);
}

static yf_invitee invitee_of(yf_store *st, int64_t appt, int64_t id)
{
    yf_invitee out = { 0 };
    GPtrArray *is = yf_store_invitee_list(st, appt, NULL);
    for (guint i = 0; is && i < is->len; i++) {
        yf_invitee *v = is->pdata[i];
        if (v->id == id) {
            out = *v;
            memset(v, 0, sizeof *v);
        }
    }
    if (is)
        g_ptr_array_unref(is);
    return out;
}

/* opened_ms: the link's first use, written once with one audit entry. */
static void test_invitation_opened(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t pros = fixture_staff(st, "pros", YF_ROLE_PROSECUTOR), appt = 0, inv = 0;
    int64_t c = fixture_case(st, pros, "O-1", "张三", pros, "2024-05-01");
    char *tok = NULL;
    CHECK(yf_store_appointment_create(st, yf_actor_staff(pros), T0, c, pros, T0 + HOUR, "", YF_APPOINTMENT_RECEPTION,
                                      &appt, NULL));
    CHECK(yf_store_invitee_add(st, yf_actor_staff(pros), T0, appt, YF_INVITEE_PETITIONER, "张三", "", T0 + DAY, &inv,
                               &tok, NULL));
    yf_invitee v = invitee_of(st, appt, inv);
    CHECK_EQ_INT(v.opened_ms, 0);
    yf_invitee_clear(&v);
    CHECK(yf_store_invitation_opened(st, inv, T0 + 5, NULL));
    CHECK(yf_store_invitation_opened(st, inv, T0 + 9, NULL));
    v = invitee_of(st, appt, inv);
    CHECK_EQ_INT(v.opened_ms, T0 + 5);
    yf_invitee_clear(&v);
    CHECK(yf_store_invitation_lookup(st, tok, T0 + 10, &v, NULL) && v.opened_ms == T0 + 5);
    yf_invitee_clear(&v);
    GPtrArray *rows = yf_store_audit_list(st, 0, 1000, "invitation.open", NULL);
    CHECK(rows && rows->len == 1);
    if (rows && rows->len == 1) {
        const yf_audit_row *a = rows->pdata[0];
        char *obj = g_strdup_printf("invitee:%" G_GINT64_FORMAT, (gint64)inv);
        CHECK(strcmp(a->actor, obj) == 0 && strcmp(a->object, obj) == 0 && a->at_ms == T0 + 5);
        g_free(obj);
    }
    if (rows)
        g_ptr_array_unref(rows);
    CHECK(!yf_store_invitation_opened(st, 999, T0, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_NOT_FOUND);
    g_free(tok);
    yf_store_close(st);
}

/* The day's appointments: [from, to) by start time, then id. */
static void test_appointments_between(void)
{
    yf_store *st = fixture_store();
    int64_t pros = fixture_staff(st, "pros", YF_ROLE_PROSECUTOR), ids[5] = { 0 };
    int64_t c = fixture_case(st, pros, "A-1", "张三", pros, "2024-05-01");
    static const int64_t starts[5] = { T0 + 3 * HOUR, T0 - 1, T0, T0 + DAY, T0 + 3 * HOUR };
    for (int i = 0; i < 5; i++)
        CHECK(yf_store_appointment_create(st, yf_actor_staff(pros), T0, c, pros, starts[i], "", YF_APPOINTMENT_RECEPTION,
                                          &ids[i], NULL));
    GPtrArray *day = yf_store_appointments_between(st, T0, T0 + DAY, NULL);
    CHECK(day && day->len == 3);
    if (day && day->len == 3) {
        CHECK_EQ_INT(((yf_appointment *)day->pdata[0])->id, ids[2]);   /* at T0: the start is in */
        CHECK_EQ_INT(((yf_appointment *)day->pdata[1])->id, ids[0]);   /* same start: by id */
        CHECK_EQ_INT(((yf_appointment *)day->pdata[2])->id, ids[4]);
    }
    if (day)
        g_ptr_array_unref(day);
    static const struct { yf_invitee_role r; const char *label; } t[] = {
        { YF_INVITEE_PETITIONER, "信访人" }, { YF_INVITEE_AGENT, "代理人" }, { YF_INVITEE_HEARING_MEMBER, "听证员" },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(t); i++)
        CHECK(strcmp(yf_invitee_role_label(t[i].r), t[i].label) == 0);
    CHECK(yf_invitee_role_label(YF_INVITEE_ROLE_COUNT_) == NULL);
    yf_store_close(st);
}

static yf_appointment appt_of(yf_store *st, int64_t id)
{
    yf_appointment a = { 0 };
    CHECK(yf_store_appointment_get(st, id, &a, NULL));
    return a;
}

static int64_t invite(yf_store *st, int64_t actor, int64_t appt, const char *name, int64_t expires, char **token)
{
    int64_t id = 0;
    char *tok = NULL;
    CHECK(yf_store_invitee_add(st, yf_actor_staff(actor), T0, appt, YF_INVITEE_PETITIONER, name, "13812345678",
                               expires, &id, &tok, NULL));
    if (token)
        *token = tok;
    else
        g_free(tok);
    return id;
}

static int64_t expiry(yf_store *st, int64_t appt, int64_t inv)
{
    yf_invitee v = invitee_of(st, appt, inv);
    int64_t ms = v.expires_ms;
    yf_invitee_clear(&v);
    return ms;
}

/* A new start moves the live invitations that kept the default expiry; a
 * custom or revoked one stays. Nothing changes once a hearing started. */
static void test_reschedule(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t pros = fixture_staff(st, "pros", YF_ROLE_PROSECUTOR), other = fixture_staff(st, "other", YF_ROLE_PROSECUTOR);
    int64_t gone = fixture_staff(st, "gone", YF_ROLE_PROSECUTOR), c = fixture_case(st, pros, "R-1", "张三", pros, "2024-05-01");
    int64_t appt = 0, h = 0;
    int moved = -1;
    CHECK(yf_store_staff_set_disabled(st, yf_actor_system(), T0, gone, TRUE, NULL));
    CHECK(yf_store_appointment_create(st, yf_actor_staff(pros), T0, c, pros, T0 + DAY, "接访", YF_APPOINTMENT_RECEPTION,
                                      &appt, NULL));
    int64_t a = invite(st, pros, appt, "甲", T0 + 2 * DAY, NULL);          /* the default: start + 24 h */
    int64_t b = invite(st, pros, appt, "乙", T0 + 5 * DAY, NULL);          /* chosen by hand */
    int64_t r = invite(st, pros, appt, "丙", T0 + 2 * DAY, NULL);          /* revoked below */
    CHECK(yf_store_invitation_revoke(st, yf_actor_staff(pros), T0, r, NULL));
    yf_appointment_change ch = { .start_ms = T0 + 3 * DAY, .kind = -1, .default_grace_ms = DAY };
    CHECK(yf_store_appointment_update(st, yf_actor_staff(pros), T0 + 1, appt, &ch, &moved, NULL));
    CHECK_EQ_INT(moved, 1);
    CHECK_EQ_INT(expiry(st, appt, a), T0 + 4 * DAY);
    CHECK_EQ_INT(expiry(st, appt, b), T0 + 5 * DAY);
    CHECK_EQ_INT(expiry(st, appt, r), T0 + 2 * DAY);
    yf_appointment got = appt_of(st, appt);
    CHECK(got.start_ms == T0 + 3 * DAY && strcmp(got.title, "接访") == 0 && got.host_id == pros &&
          got.kind == YF_APPOINTMENT_RECEPTION);
    yf_appointment_clear(&got);

    yf_appointment_change ch2 = { .title = "检察听证会", .host_id = other, .kind = YF_APPOINTMENT_PUBLIC_HEARING };
    CHECK(yf_store_appointment_update(st, yf_actor_staff(pros), T0 + 2, appt, &ch2, &moved, NULL) && moved == 0);
    got = appt_of(st, appt);
    CHECK(got.start_ms == T0 + 3 * DAY && strcmp(got.title, "检察听证会") == 0 && got.host_id == other &&
          got.kind == YF_APPOINTMENT_PUBLIC_HEARING);
    yf_appointment_clear(&got);
    GPtrArray *rows = yf_store_audit_list(st, 0, 1000, "appointment.update", NULL);
    CHECK(rows && rows->len == 2 && strstr(((yf_audit_row *)rows->pdata[0])->detail, "invitations_moved=1") &&
          strstr(((yf_audit_row *)rows->pdata[1])->detail, "fields=title,host,kind,"));
    if (rows)
        g_ptr_array_unref(rows);

    yf_appointment_change bad = { .host_id = gone, .kind = -1 };
    CHECK(!yf_store_appointment_update(st, yf_actor_staff(pros), T0, appt, &bad, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_NOT_FOUND);                   /* a disabled host */
    bad = (yf_appointment_change){ .kind = 7 };
    CHECK(!yf_store_appointment_update(st, yf_actor_staff(pros), T0, appt, &bad, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(!yf_store_appointment_update(st, yf_actor_staff(pros), T0, 999, &ch, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_NOT_FOUND);
    CHECK(yf_store_hearing_create(st, yf_actor_staff(pros), T0, c, appt, YF_HEARING_PUBLIC, "appt-1", T0, &h, NULL));
    CHECK(yf_store_hearing_end(st, yf_actor_staff(pros), T0 + 5, h, NULL));
    ch.start_ms = T0 + 9 * DAY;
    CHECK(!yf_store_appointment_update(st, yf_actor_staff(pros), T0 + 6, appt, &ch, NULL, &e));
    CHECK(e && strstr(e->message, "hearing has started"));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    got = appt_of(st, appt);
    CHECK_EQ_INT(got.start_ms, T0 + 3 * DAY);
    yf_appointment_clear(&got);
    CHECK_EQ_INT(expiry(st, appt, a), T0 + 4 * DAY);
    yf_store_close(st);
}

/* A cancellation keeps when and why, revokes every live invitation with an
 * entry each, and is refused while the hearing runs and a second time. */
static void test_cancel(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t pros = fixture_staff(st, "pros", YF_ROLE_PROSECUTOR), c = fixture_case(st, pros, "X-1", "张三", pros, "2024-05-01");
    int64_t appt = 0, h = 0;
    char *tok = NULL;
    CHECK(yf_store_appointment_create(st, yf_actor_staff(pros), T0, c, pros, T0 + HOUR, "", YF_APPOINTMENT_RECEPTION,
                                      &appt, NULL));
    invite(st, pros, appt, "甲", T0 + DAY, &tok);
    invite(st, pros, appt, "乙", T0 + DAY, NULL);
    int64_t r = invite(st, pros, appt, "丙", T0 + DAY, NULL);
    CHECK(yf_store_invitation_revoke(st, yf_actor_staff(pros), T0, r, NULL));
    int revokes = audit_count(st, "invitation.revoke");
    CHECK(!yf_store_appointment_cancel(st, yf_actor_staff(pros), T0, appt, "", &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    char *too_long = g_strnfill(501, 'x');
    CHECK(!yf_store_appointment_cancel(st, yf_actor_staff(pros), T0, appt, too_long, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    g_free(too_long);
    CHECK(yf_store_hearing_create(st, yf_actor_staff(pros), T0, c, appt, YF_HEARING_RECEPTION, "appt-1", T0, &h, NULL));
    CHECK(!yf_store_appointment_cancel(st, yf_actor_staff(pros), T0 + 1, appt, "信访人改期", &e));
    CHECK(e && strstr(e->message, "running"));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(yf_store_hearing_end(st, yf_actor_staff(pros), T0 + 2, h, NULL));
    CHECK(yf_store_appointment_cancel(st, yf_actor_staff(pros), T0 + 3, appt, "信访人改期", NULL));
    yf_appointment got = appt_of(st, appt);
    CHECK(got.cancelled && got.cancelled_ms == T0 + 3 && strcmp(got.cancel_reason, "信访人改期") == 0);
    yf_appointment_clear(&got);
    GPtrArray *is = yf_store_invitee_list(st, appt, NULL);
    for (guint i = 0; is && i < is->len; i++)
        CHECK(((yf_invitee *)is->pdata[i])->revoked_ms != 0);
    if (is)
        g_ptr_array_unref(is);
    CHECK_EQ_INT(audit_count(st, "invitation.revoke"), revokes + 2);     /* the two live ones */
    CHECK_EQ_INT(audit_count(st, "appointment.cancel"), 1);
    yf_invitee v = { 0 };
    CHECK(!yf_store_invitation_lookup(st, tok, T0 + 4, &v, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_AUTH);
    CHECK(!yf_store_appointment_cancel(st, yf_actor_staff(pros), T0 + 5, appt, "再次", &e));
    CHECK(e && strstr(e->message, "already cancelled"));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    yf_appointment_change ch = { .title = "x", .kind = -1 };
    CHECK(!yf_store_appointment_update(st, yf_actor_staff(pros), T0 + 6, appt, &ch, NULL, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    GPtrArray *day = yf_store_appointments_between(st, T0, T0 + DAY, NULL);
    CHECK(day && day->len == 0);                                        /* the day's list leaves it out */
    if (day)
        g_ptr_array_unref(day);
    yf_audit_report rep;
    CHECK(yf_store_audit_verify(st, &rep, NULL) && rep.ok);
    yf_audit_report_clear(&rep);
    g_free(tok);
    yf_store_close(st);
}

/* A reissue: a new token for the same person, the old one dead and pointing
 * at it; once per invitation, never for a cancelled appointment or an
 * expired invitation. Revoking twice is refused. */
static void test_reissue(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t pros = fixture_staff(st, "pros", YF_ROLE_PROSECUTOR), c = fixture_case(st, pros, "Q-1", "张三", pros, "2024-05-01");
    int64_t appt = 0, fresh_id = 0, again = 0;
    char *old_tok = NULL, *tok = NULL, *tok2 = NULL;
    CHECK(yf_store_appointment_create(st, yf_actor_staff(pros), T0, c, pros, T0 + HOUR, "", YF_APPOINTMENT_RECEPTION,
                                      &appt, NULL));
    int64_t old = invite(st, pros, appt, "张三", T0 + DAY, &old_tok);
    CHECK(yf_store_invitation_opened(st, old, T0 + 1, NULL));
    int issues = audit_count(st, "invitation.issue"), revokes = audit_count(st, "invitation.revoke");
    CHECK(yf_store_invitation_reissue(st, yf_actor_staff(pros), T0 + 2, old, &fresh_id, &tok, NULL));
    CHECK(fresh_id > old && tok && strlen(tok) == 43 && strcmp(tok, old_tok) != 0);
    yf_invitee v = { 0 };
    CHECK(!yf_store_invitation_lookup(st, old_tok, T0 + 3, &v, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_AUTH);                  /* the lost link is dead at once */
    CHECK(yf_store_invitation_lookup(st, tok, T0 + 3, &v, NULL));
    CHECK(v.id == fresh_id && v.appointment_id == appt && v.role == YF_INVITEE_PETITIONER &&
          strcmp(v.name, "张三") == 0 && strcmp(v.contact, "13812345678") == 0 && v.expires_ms == T0 + DAY &&
          v.opened_ms == 0 && v.revoked_ms == 0 && v.replaced_by == 0);
    yf_invitee_clear(&v);
    CHECK(yf_store_invitee_get(st, old, &v, NULL) && v.revoked_ms == T0 + 2 && v.replaced_by == fresh_id &&
          v.opened_ms == T0 + 1);
    yf_invitee_clear(&v);
    CHECK_EQ_INT(audit_count(st, "invitation.issue"), issues + 1);
    CHECK_EQ_INT(audit_count(st, "invitation.revoke"), revokes + 1);
    CHECK(!yf_store_invitation_reissue(st, yf_actor_staff(pros), T0 + 4, old, &again, &tok2, &e));
    CHECK(e && strstr(e->message, "already reissued"));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    /* Revoked by hand, then reissued: no second revoke entry. */
    CHECK(yf_store_invitation_revoke(st, yf_actor_staff(pros), T0 + 5, fresh_id, NULL));
    CHECK(!yf_store_invitation_revoke(st, yf_actor_staff(pros), T0 + 6, fresh_id, &e));
    CHECK(e && strstr(e->message, "already revoked"));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    revokes = audit_count(st, "invitation.revoke");
    CHECK(yf_store_invitation_reissue(st, yf_actor_staff(pros), T0 + 7, fresh_id, &again, &tok2, NULL));
    CHECK_EQ_INT(audit_count(st, "invitation.revoke"), revokes);
    g_clear_pointer(&tok2, g_free);
    CHECK(!yf_store_invitation_reissue(st, yf_actor_staff(pros), T0 + DAY, again, NULL, &tok2, &e));
    CHECK(e && strstr(e->message, "expired"));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(yf_store_appointment_cancel(st, yf_actor_staff(pros), T0 + 8, appt, "取消", NULL));
    CHECK(!yf_store_invitation_reissue(st, yf_actor_staff(pros), T0 + 9, again, NULL, &tok2, &e));
    CHECK(e && strstr(e->message, "cancelled"));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(!yf_store_invitation_reissue(st, yf_actor_staff(pros), T0, 999, NULL, &tok2, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_NOT_FOUND);
    CHECK(!yf_store_invitation_revoke(st, yf_actor_staff(pros), T0, 999, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_NOT_FOUND);
    CHECK(tok2 == NULL);
    g_free(old_tok);
    g_free(tok);
    yf_store_close(st);
}

/* A file of schema 5 (before the console's columns) with a case, an
 * appointment and an invitee opens with the current store, rows intact. */
static void test_migrate_from_v5(void)
{
    char *p = fixture_path();
    sqlite3 *db = NULL;
    GError *e = NULL;
    CHECK(sqlite3_open(p, &db) == SQLITE_OK);
    CHECK(yf_migrations_apply(db, 5, &e));
    CHECK_EQ_INT(yf_migrations_current(db), 5);
    CHECK(sqlite3_exec(db,
        "INSERT INTO staff (id, username, display_name, role, password_hash, created_ms)"
        " VALUES (7, 'li', '李检察官', 'prosecutor', '$scrypt$x', 1);"
        "INSERT INTO cases (id, case_no, type, channel, petitioner, contact, prosecutor_id, received,"
        " reply_due, result_due, stage, created_ms, updated_ms) VALUES (1, 'V5-001', 'report',"
        " 'letter', '王五', '13812345678', 7, '2024-04-01', '2024-04-08', '2024-07-01', 'review', 1, 1);"
        "INSERT INTO appointments (id, case_id, host_id, start_ms, title) VALUES (2, 1, 7, 5, '接访');"
        "INSERT INTO invitees (id, appointment_id, role, name, token_hash, expires_ms)"
        " VALUES (3, 2, 'petitioner', '王五', zeroblob(32), 9);",
        NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);

    yf_store *st = yf_store_open(p, 0, &e);
    CHECK(st != NULL);
    CHECK_EQ_INT(st ? yf_store_schema_version(st) : -1, yf_migrations_latest());
    yf_case c = { 0 };
    CHECK(st && yf_store_case_get(st, 1, &c, NULL));
    CHECK(c.contact && strcmp(c.contact, "13812345678") == 0 && c.id_number && strcmp(c.id_number, "") == 0);
    yf_case_clear(&c);
    yf_appointment a = { 0 };
    CHECK(st && yf_store_appointment_get(st, 2, &a, NULL) && a.kind == YF_APPOINTMENT_RECEPTION &&
          strcmp(a.title, "接访") == 0 && !a.cancelled && a.cancelled_ms == 0 && strcmp(a.cancel_reason, "") == 0);
    yf_appointment_clear(&a);
    yf_invitee v = st ? invitee_of(st, 2, 3) : (yf_invitee){ 0 };
    CHECK(v.id == 3 && v.opened_ms == 0 && v.replaced_by == 0 && strcmp(v.name, "王五") == 0);
    yf_invitee_clear(&v);
    yf_store_close(st);
    g_clear_error(&e);
    g_free(p);
}

/* Exports: made QUEUED with the recipient audited, PROCESSING with a path,
 * DONE with the copy's hash audited, downloads audited; the state machine
 * refuses moves out of order and text that would break the watermark. */
static void test_exports(void)
{
    yf_store *st = fixture_store();
    GError *e = NULL;
    int64_t pros = fixture_staff(st, "pros", YF_ROLE_PROSECUTOR), h = 0, rec = 0, x = 0, y = 0;
    int64_t c = fixture_case(st, pros, "E-1", "张三", pros, "2024-05-01");
    guint8 sha[32];
    memset(sha, 0xab, sizeof sha);
    CHECK(yf_store_hearing_create(st, yf_actor_staff(pros), T0, c, 0, YF_HEARING_RECEPTION, "r", T0, &h, NULL));
    yf_recording r = {.hearing_id = h, .path = "recordings/h1/out/composite.webm", .size_bytes = 10};
    CHECK(yf_store_recording_add(st, yf_actor_system(), T0, &r, &rec, NULL));

    CHECK(!yf_store_export_create(st, yf_actor_staff(pros), T0, rec, " ", "", "", &x, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(!yf_store_export_create(st, yf_actor_staff(pros), T0, rec, "李律师\n伪造", "", "", &x, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(!yf_store_export_create(st, yf_actor_staff(pros), T0, 999, "李律师", "", "", &x, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_NOT_FOUND);
    CHECK(yf_store_export_create(st, yf_actor_staff(pros), T0 + 1, rec, "李律师", "某所", "阅卷", &x, NULL));
    CHECK(yf_store_export_create(st, yf_actor_staff(pros), T0 + 2, rec, "周某", NULL, NULL, &y, NULL));

    GPtrArray *q = yf_store_export_list(st, 0, NULL);
    CHECK(q && q->len == 2 && ((yf_export *)q->pdata[0])->id == x);   /* the queue: oldest first */
    if (q)
        g_ptr_array_unref(q);
    CHECK(!yf_store_export_access(st, yf_actor_staff(pros), T0, x, NULL, &e));   /* not done: no download */
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(!yf_store_export_done(st, T0, x, 5, sha, &e));                        /* not started */
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(yf_store_export_start(st, x, "recordings/h1/exports/export-1.webm", NULL));
    CHECK(yf_store_export_requeue(st, x, NULL) && yf_store_export_start(st, x, "recordings/h1/exports/export-1.webm",
                                                                         NULL));
    CHECK(yf_store_export_done(st, T0 + 9, x, 5, sha, NULL));
    CHECK(!yf_store_export_fail(st, T0 + 10, x, "late", &e));                    /* done stays done */
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(yf_store_export_fail(st, T0 + 10, y, "the recording's file is missing", NULL));

    yf_export got = {0};
    CHECK(yf_store_export_access(st, yf_actor_staff(pros), T0 + 11, x, &got, NULL));
    CHECK(got.state == YF_EXPORT_DONE && got.size_bytes == 5 && got.finished_ms == T0 + 9 && got.hearing_id == h &&
          !memcmp(got.sha256, sha, 32) && !strcmp(got.recipient, "李律师") && !strcmp(got.organisation, "某所"));
    yf_export_clear(&got);
    GPtrArray *list = yf_store_export_list(st, rec, NULL);
    CHECK(list && list->len == 2 && ((yf_export *)list->pdata[0])->id == y &&
          ((yf_export *)list->pdata[0])->state == YF_EXPORT_FAILED);
    if (list)
        g_ptr_array_unref(list);

    GPtrArray *rows = yf_store_audit_list(st, 0, 1000, "recording.export", NULL);
    GString *seen = g_string_new("");
    for (guint i = 0; rows && i < rows->len; i++) {
        const yf_audit_row *a = rows->pdata[i];
        g_string_append_printf(seen, "%s %s|", a->action, a->detail);
    }
    CHECK(strstr(seen->str, "recording.export export=1 recipient=李律师 organisation=某所 purpose=阅卷|") != NULL);
    CHECK(strstr(seen->str, "recording.export_done export=1 sha256=abababab") != NULL);
    CHECK(strstr(seen->str, "recording.export_failed export=2 error=the recording's file is missing|") != NULL);
    CHECK(strstr(seen->str, "recording.export_download export=1|") != NULL);
    CHECK(rows && rows->len == 5);
    g_string_free(seen, TRUE);
    if (rows)
        g_ptr_array_unref(rows);
    yf_store_close(st);
}

int main(void)
{
    yf_fixture_dir = g_dir_make_tmp("yf-store-console-XXXXXX", NULL);
    test_id_number();
    test_id_number_raw_check();
    test_search();
    test_due_by();
    test_appointment_kind();
    test_invitation_opened();
    test_appointments_between();
    test_reschedule();
    test_cancel();
    test_reissue();
    test_migrate_from_v5();
    test_exports();
    yf_test_rm_rf(yf_fixture_dir);
    g_free(yf_fixture_dir);
    return yf_test_done("test_store_console");
}
