/* store_fixture.h -- what the case-store tests share: fresh store files in a
 * temp dir (cheap password hashing), staff and cases made in one call with
 * the store's error printed when it refuses, ISO dates, error codes.
 * Header-only (static inline) because each function CHECKs through the
 * test's own counters (yf_test.h). Include after defining
 * YF_FIXTURE_T0, the instant the fixture's rows are made at. */
#ifndef YF_STORE_FIXTURE_H
#define YF_STORE_FIXTURE_H

#include <glib.h>
#include <stdio.h>

#include "server/store/deadline.h"
#include "server/store/store.h"
#include "yf_test.h"

#ifndef YF_FIXTURE_T0
#error "define YF_FIXTURE_T0 before including store_fixture.h"
#endif
#define YF_FIXTURE_PW "a good long passphrase"

static char *yf_fixture_dir;   /* set by the test's main */
static int yf_fixture_seq;

static inline char *fixture_path(void)
{
    char *name = g_strdup_printf("s%d.db", ++yf_fixture_seq);
    char *p = g_build_filename(yf_fixture_dir, name, NULL);
    g_free(name);
    return p;
}

static inline yf_store *fixture_store(void)
{
    char *p = fixture_path();
    GError *e = NULL;
    yf_store *st = yf_store_open(p, 0, &e);
    if (!st)
        fprintf(stderr, "open: %s\n", e->message);
    CHECK(st != NULL);
    g_clear_error(&e);
    g_free(p);
    if (st)
        yf_store_set_password_cost(st, 10);
    return st;
}

/* The error's code, and the error cleared; -1 when there was none. */
static inline int fixture_err_code(GError **e)
{
    int c = *e ? (*e)->code : -1;
    g_clear_error(e);
    return c;
}

static inline GDate fixture_day(const char *s)
{
    GDate d;
    CHECK(yf_date_parse_iso(s, &d));
    return d;
}

static inline int64_t fixture_staff(yf_store *st, const char *user, yf_role role)
{
    int64_t id = 0;
    GError *e = NULL;
    CHECK(yf_store_staff_create(st, yf_actor_system(), YF_FIXTURE_T0, user, user, role, YF_FIXTURE_PW, &id, &e));
    if (e)
        fprintf(stderr, "add_staff %s: %s\n", user, e->message);
    g_clear_error(&e);
    return id;
}

/* An appeal by video of petitioner, received recv, assigned to pros. */
static inline int64_t fixture_case(yf_store *st, int64_t actor, const char *no, const char *petitioner, int64_t pros,
                                   const char *recv)
{
    yf_case_new in = { .case_no = no, .type = YF_CASE_APPEAL, .channel = YF_CHANNEL_VIDEO,
                       .petitioner = petitioner, .prosecutor_id = pros, .received = fixture_day(recv) };
    int64_t id = 0;
    GError *e = NULL;
    CHECK(yf_store_case_create(st, yf_actor_staff(actor), YF_FIXTURE_T0, &in, &id, &e));
    if (e)
        fprintf(stderr, "add_case %s: %s\n", no, e->message);
    g_clear_error(&e);
    return id;
}

#endif
