/* test_deadline.c -- the deadline rules as a table: +7 calendar days for the
 * procedural reply, +3 months clamped to month end for the result, across
 * month ends, year ends and leap years; the overdue test; strict date parsing. */
#include <glib.h>

#include "server/store/deadline.h"
#include "yf_test.h"

static GDate d(const char *s)
{
    GDate g;
    if (!yf_date_parse_iso(s, &g))
        g_date_clear(&g, 1);
    return g;
}

static void check_iso(const GDate *g, const char *want, const char *what, const char *recv)
{
    char buf[11];
    yf_date_format_iso(g, buf);
    if (strcmp(buf, want) != 0)
        fprintf(stderr, "%s(%s) = %s, expected %s\n", what, recv, buf, want);
    CHECK(strcmp(buf, want) == 0);
}

static const struct {
    const char *received, *reply, *result;
} table[] = {
    { "2024-03-10", "2024-03-17", "2024-06-10" },   /* ordinary */
    { "2024-01-31", "2024-02-07", "2024-04-30" },   /* Jan 31 + 3 months clamps to Apr 30 */
    { "2023-11-30", "2023-12-07", "2024-02-29" },   /* into a leap February */
    { "2022-11-30", "2022-12-07", "2023-02-28" },   /* into a common February */
    { "2027-11-29", "2027-12-06", "2028-02-29" },
    { "2027-11-30", "2027-12-07", "2028-02-29" },   /* Feb 29 in 2028 */
    { "2028-02-29", "2028-03-07", "2028-05-29" },   /* received on a leap day */
    { "2024-12-28", "2025-01-04", "2025-03-28" },   /* December into the next year */
    { "2025-12-31", "2026-01-07", "2026-03-31" },
    { "2025-10-31", "2025-11-07", "2026-01-31" },
    { "2025-02-25", "2025-03-04", "2025-05-25" },   /* 7 days over a common February */
    { "2024-02-25", "2024-03-03", "2024-05-25" },   /* ... and a leap one */
    { "2100-11-30", "2100-12-07", "2101-02-28" },   /* 2100 is not a leap year */
    { "2000-02-29", "2000-03-07", "2000-05-29" },   /* 2000 is */
};

static void test_table(void)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(table); i++) {
        GDate r = d(table[i].received), reply, result;
        CHECK(g_date_valid(&r));
        yf_deadline_reply_due(&r, &reply);
        yf_deadline_result_due(&r, &result);
        check_iso(&reply, table[i].reply, "reply_due", table[i].received);
        check_iso(&result, table[i].result, "result_due", table[i].received);
    }
}

static void test_overdue(void)
{
    GDate due = d("2024-03-17"), same = d("2024-03-17"), next = d("2024-03-18"),
          later = d("2024-04-01"), before = d("2024-03-01");
    CHECK(!yf_deadline_is_overdue(&due, &same, FALSE));  /* the deadline day is in time */
    CHECK(yf_deadline_is_overdue(&due, &next, FALSE));
    CHECK(!yf_deadline_is_overdue(&due, &next, TRUE));   /* closed cases are never overdue */
    CHECK(!yf_deadline_is_overdue(&due, &before, FALSE));
    CHECK_EQ_INT(yf_deadline_days_overdue(&due, &next, FALSE), 1);
    CHECK_EQ_INT(yf_deadline_days_overdue(&due, &later, FALSE), 15);
    CHECK_EQ_INT(yf_deadline_days_overdue(&due, &same, FALSE), 0);
    CHECK_EQ_INT(yf_deadline_days_overdue(&due, &later, TRUE), 0);
}

static void test_parse(void)
{
    static const char *const bad[] = { "2024-02-30", "2023-02-29", "2024-2-03", "abcd-ef-gh",
                                       "2024-03-10x", "", "2024/03/10", "1899-12-31",
                                       "2024-13-01", "2024-00-10", " 2024-03-1" };
    GDate g;
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++)
        CHECK(!yf_date_parse_iso(bad[i], &g));
    CHECK(!yf_date_parse_iso(NULL, &g));
    CHECK(yf_date_parse_iso("2024-02-29", &g));
    yf_date_from_unix_ms_cst(0, &g);
    check_iso(&g, "1970-01-01", "cst", "0");
    yf_date_from_unix_ms_cst(16LL * 3600 * 1000, &g);   /* 00:00 on Jan 2 in Beijing */
    check_iso(&g, "1970-01-02", "cst", "16h");
    yf_date_from_unix_ms_cst(1709999999000LL, &g);        /* 2024-03-09T15:59:59Z */
    check_iso(&g, "2024-03-09", "cst", "1709999999");
    yf_date_from_unix_ms_cst(1710000000000LL, &g);        /* 2024-03-09T16:00:00Z */
    check_iso(&g, "2024-03-10", "cst", "1710000000");
}

int main(void)
{
    test_table();
    test_overdue();
    test_parse();
    return yf_test_done("test_deadline");
}
