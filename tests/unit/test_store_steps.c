/* test_store_steps.c -- a public hearing's agenda in the case store
 * (server/store/store_steps.c) against a real SQLite file: step changes
 * stored in order with their moments and audit entries, each a 【系统】
 * section in the notes at its offset, the steps read back after the store is
 * closed and opened again (a restart), and what is refused: a step outside
 * 1..7, the step it is already at, a hearing that is not a public hearing,
 * one that has ended, an unknown one. The Chinese names are checked too. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "server/store/steps.h"
#include "server/store/store.h"
#include "server/store/store_reads.h"
#include "yf_test.h"
#include "yf_test_fs.h"

#define CHECK_EQ_STR(a, b) CHECK(g_strcmp0((a), (b)) == 0)

#define T0 1714694400000LL      /* 2024-05-03T00:00Z, 08:00 in Beijing */
#define YF_FIXTURE_T0 T0
#include "store_fixture.h"

static int audit_count(yf_store *st, const char *action)
{
    GPtrArray *rows = yf_store_audit_list(st, 0, 1000, action, NULL);
    int n = rows ? (int)rows->len : -1;
    if (rows)
        g_ptr_array_unref(rows);
    return n;
}

static void test_names(void)
{
    CHECK_EQ_STR(yf_hearing_step_name(1), "介绍与宣布纪律");
    CHECK_EQ_STR(yf_hearing_step_name(4), "休会评议");
    CHECK_EQ_STR(yf_hearing_step_name(7), "主持人总结");
    CHECK_EQ_STR(yf_hearing_step_name(0), "");
    CHECK_EQ_STR(yf_hearing_step_name(8), "");
    CHECK_EQ_STR(yf_hearing_step_ordinal(2), "第二项");
    char *t = yf_hearing_step_title(2);
    CHECK_EQ_STR(t, "【第二项】当事人陈述");
    g_free(t);
    CHECK(yf_hearing_step_title(-1) == NULL && yf_hearing_step_title(8) == NULL);
}

static void test_steps(void)
{
    char *path = fixture_path();
    GError *e = NULL;
    yf_store *st = yf_store_open(path, 0, &e);
    CHECK(st != NULL);
    yf_store_set_password_cost(st, 10);
    int64_t pros = fixture_staff(st, "wang", YF_ROLE_PROSECUTOR);
    int64_t c = fixture_case(st, pros, "京检控〔2024〕1号", "张三", pros, "2024-05-01");
    int64_t h = 0, rh = 0;
    CHECK(yf_store_hearing_create(st, yf_actor_staff(pros), T0, c, 0, YF_HEARING_PUBLIC, "appt-1", T0, &h, NULL));
    CHECK(yf_store_hearing_create(st, yf_actor_staff(pros), T0, c, 0, YF_HEARING_RECEPTION, "appt-2", T0, &rh, NULL));
    GArray *steps = yf_store_hearing_steps(st, h, &e);
    CHECK(steps && steps->len == 0);
    g_array_unref(steps);

    CHECK(yf_store_hearing_step_set(st, yf_actor_staff(pros), T0 + 5000, h, 1, 5000, &e));
    CHECK(yf_store_hearing_step_set(st, yf_actor_staff(pros), T0 + 65000, h, 2, 65000, &e));
    CHECK(e == NULL);
    /* refused: the same step again, outside 1..7, a reception, an unknown hearing */
    CHECK(!yf_store_hearing_step_set(st, yf_actor_staff(pros), T0 + 70000, h, 2, 70000, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(!yf_store_hearing_step_set(st, yf_actor_staff(pros), T0 + 70000, h, 8, 70000, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(!yf_store_hearing_step_set(st, yf_actor_staff(pros), T0 + 70000, h, 0, 70000, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(!yf_store_hearing_step_set(st, yf_actor_staff(pros), T0 + 70000, rh, 1, 70000, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    CHECK(!yf_store_hearing_step_set(st, yf_actor_staff(pros), T0 + 70000, 999, 1, 70000, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_NOT_FOUND);
    /* back a step is allowed (the host corrects a slip) */
    CHECK(yf_store_hearing_step_set(st, yf_actor_staff(pros), T0 + 80000, h, 4, 80000, &e));
    CHECK_EQ_INT(audit_count(st, "hearing.step"), 3);

    /* the notes: one 【系统】 section per change, at its offset */
    GPtrArray *entries = yf_store_note_entries(st, h, &e);
    CHECK(entries && entries->len == 3);
    if (entries && entries->len == 3) {
        const yf_note_entry *n1 = entries->pdata[0], *n2 = entries->pdata[1], *n3 = entries->pdata[2];
        CHECK_EQ_STR(n1->text, "【系统】【第一项】介绍与宣布纪律");
        CHECK_EQ_STR(n2->text, "【系统】【第二项】当事人陈述");
        CHECK_EQ_STR(n3->text, "【系统】【第四项】休会评议");
        CHECK(n2->offset_ms == 65000 && g_strcmp0(n2->author, "system") == 0);
    }
    if (entries)
        g_ptr_array_unref(entries);
    char *text = yf_store_note_text(st, h, &e);
    CHECK(text && strstr(text, "[00:01:05 · 08:01:05] 【系统】【第二项】当事人陈述\n"));
    g_free(text);

    /* a restart: the steps come back, in order, with their moments */
    yf_store_close(st);
    st = yf_store_open(path, 0, &e);
    CHECK(st != NULL);
    steps = yf_store_hearing_steps(st, h, &e);
    CHECK(steps && steps->len == 3);
    if (steps && steps->len == 3) {
        CHECK(g_array_index(steps, yf_hearing_step, 0).step == 1);
        CHECK(g_array_index(steps, yf_hearing_step, 1).at_ms == T0 + 65000);
        CHECK(g_array_index(steps, yf_hearing_step, 2).step == 4);
    }
    if (steps)
        g_array_unref(steps);
    /* an ended hearing's agenda no longer moves */
    CHECK(yf_store_hearing_end(st, yf_actor_staff(pros), T0 + 90000, h, &e));
    CHECK(!yf_store_hearing_step_set(st, yf_actor_staff(pros), T0 + 95000, h, 5, 95000, &e));
    CHECK_EQ_INT(fixture_err_code(&e), YF_STORE_ERROR_INVALID);
    yf_store_close(st);
    g_free(path);
}

int main(void)
{
    yf_fixture_dir = g_dir_make_tmp("yf-store-steps-XXXXXX", NULL);
    test_names();
    test_steps();
    yf_test_rm_rf(yf_fixture_dir);
    g_free(yf_fixture_dir);
    return yf_test_done("test_store_steps");
}
