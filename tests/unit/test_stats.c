/* test_stats.c -- the statistics' arithmetic (server/api/stats.h): cases
 * received in different months, answered in time, late and not yet, with the
 * deadline day itself in time and Beijing time (not UTC) deciding the day; the
 * breakdowns by month (empty months as zeros, across a year's end), type and
 * channel; shares rounded to one decimal half up; the CSV's BOM, header,
 * rows and file name. */
#include "server/api/stats.h"
#include "server/store/deadline.h"
#include "yf_test.h"

/* Unix ms of a wall-clock time in China Standard Time. */
static int64_t cst_ms(int y, int mo, int d, int h, int mi)
{
    GTimeZone *tz = g_time_zone_new_offset(8 * 3600);
    GDateTime *dt = g_date_time_new(tz, y, mo, d, h, mi, 0);
    int64_t ms = g_date_time_to_unix(dt) * 1000;
    g_date_time_unref(dt);
    g_time_zone_unref(tz);
    return ms;
}

static GDate date(const char *iso)
{
    GDate d;
    g_date_clear(&d, 1);
    CHECK(yf_date_parse_iso(iso, &d));
    return d;
}

static yf_stats_row row(const char *received, yf_case_type type, yf_channel ch, yf_stage stage,
                        int64_t forwarded_ms, int64_t closed_ms)
{
    yf_stats_row r = {.type = type, .channel = ch, .stage = stage,
                      .forwarded_ms = forwarded_ms, .closed_ms = closed_ms};
    r.received = date(received);
    yf_deadline_reply_due(&r.received, &r.reply_due);
    yf_deadline_result_due(&r.received, &r.result_due);
    return r;
}

/* total, reply in time / decided, result in time / decided */
#define CHECK_CELL(c, tot, ri, rd, si, sd)          \
    do {                                             \
        CHECK_EQ_INT((c).total, tot);                \
        CHECK_EQ_INT((c).reply_in_time, ri);         \
        CHECK_EQ_INT((c).reply_decided, rd);         \
        CHECK_EQ_INT((c).result_in_time, si);        \
        CHECK_EQ_INT((c).result_decided, sd);        \
    } while (0)

static void test_permille(void)
{
    static const struct { int64_t ok, due; int want; } cases[] = {
        {35, 38, 921}, {1, 80, 13} /* 1.25% rounds up */, {0, 0, -1}, {2, 3, 667}, {1, 3, 333},
        {1, 1, 1000}, {0, 5, 0}, {1, 2000, 1} /* 0.05% rounds up */, {1, 2001, 0},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
        CHECK_EQ_INT(yf_stats_permille(cases[i].ok, cases[i].due), cases[i].want);
}

/* Seven cases from 15 March to 14 June 2024, seen on 15 June. */
static void fill(yf_stats_tally *t)
{
    GDate from = date("2024-03-15"), to = date("2024-06-14"), today = date("2024-06-15");
    yf_stats_row rows[] = {
        /* A: answered on its reply day, closed in time */
        row("2024-03-20", YF_CASE_ACCUSATION, YF_CHANNEL_VISIT, YF_STAGE_CLOSED,
            cst_ms(2024, 3, 27, 10, 0), cst_ms(2024, 6, 14, 9, 0)),
        /* B: answered a day late (due 7 April); result due 30 June, not yet decided */
        row("2024-03-31", YF_CASE_APPEAL, YF_CHANNEL_LETTER, YF_STAGE_HANDLE, cst_ms(2024, 4, 8, 9, 0), 0),
        /* C: never answered, reply due 8 April has passed */
        row("2024-04-01", YF_CASE_ACCUSATION, YF_CHANNEL_ONLINE, YF_STAGE_REGISTER, 0, 0),
        /* D: answered the next day */
        row("2024-06-10", YF_CASE_JUDICIAL_AID, YF_CHANNEL_VIDEO, YF_STAGE_ASSIGN, cst_ms(2024, 6, 11, 15, 0), 0),
        /* E: due 14 June, answered at 00:30 on 15 June Beijing time (still
         * 14 June in UTC): late */
        row("2024-06-07", YF_CASE_JUDICIAL_AID, YF_CHANNEL_VIDEO, YF_STAGE_ASSIGN, cst_ms(2024, 6, 15, 0, 30), 0),
        /* F: unanswered, reply due 19 June: not decided yet */
        row("2024-06-12", YF_CASE_REPORT, YF_CHANNEL_PHONE, YF_STAGE_REGISTER, 0, 0),
        /* G: the period's first day; result due today: not decided yet */
        row("2024-03-15", YF_CASE_STATE_COMPENSATION, YF_CHANNEL_LETTER, YF_STAGE_ASSIGN,
            cst_ms(2024, 3, 16, 9, 0), 0),
    };
    yf_stats_tally_init(t, &from, &to);
    for (guint i = 0; i < G_N_ELEMENTS(rows); i++)
        yf_stats_tally_add(t, &rows[i], &today);
}

static void test_tally(void)
{
    yf_stats_tally t;
    fill(&t);
    CHECK_CELL(t.all, 7, 3, 6, 1, 1);
    CHECK_EQ_INT(t.n_months, 4);
    int y, m;
    yf_stats_tally_month(&t, 0, &y, &m);
    CHECK(y == 2024 && m == 3);
    yf_stats_tally_month(&t, 3, &y, &m);
    CHECK(y == 2024 && m == 6);
    CHECK_CELL(t.months[0], 3, 2, 3, 1, 1);   /* March: A, B, G */
    CHECK_CELL(t.months[1], 1, 0, 1, 0, 0);   /* April: C */
    CHECK_CELL(t.months[2], 0, 0, 0, 0, 0);   /* May: none, still a month */
    CHECK_CELL(t.months[3], 3, 1, 2, 0, 0);   /* June: D, E, F */
    CHECK_CELL(t.by_type[YF_CASE_ACCUSATION], 2, 1, 2, 1, 1);
    CHECK_CELL(t.by_type[YF_CASE_APPEAL], 1, 0, 1, 0, 0);
    CHECK_CELL(t.by_type[YF_CASE_JUDICIAL_AID], 2, 1, 2, 0, 0);
    CHECK_CELL(t.by_type[YF_CASE_REPORT], 1, 0, 0, 0, 0);
    CHECK_CELL(t.by_type[YF_CASE_STATE_COMPENSATION], 1, 1, 1, 0, 0);
    CHECK_CELL(t.by_type[YF_CASE_LEGAL_CONSULTATION], 0, 0, 0, 0, 0);
    CHECK_CELL(t.by_channel[YF_CHANNEL_LETTER], 2, 1, 2, 0, 0);
    CHECK_CELL(t.by_channel[YF_CHANNEL_VISIT], 1, 1, 1, 1, 1);
    CHECK_CELL(t.by_channel[YF_CHANNEL_ONLINE], 1, 0, 1, 0, 0);
    CHECK_CELL(t.by_channel[YF_CHANNEL_PHONE], 1, 0, 0, 0, 0);
    CHECK_CELL(t.by_channel[YF_CHANNEL_VIDEO], 2, 1, 2, 0, 0);
    CHECK_EQ_INT(t.by_stage[YF_STAGE_REGISTER], 2);
    CHECK_EQ_INT(t.by_stage[YF_STAGE_ASSIGN], 3);
    CHECK_EQ_INT(t.by_stage[YF_STAGE_CLOSED], 1);
    CHECK_EQ_INT(t.by_stage[YF_STAGE_REVIEW], 0);

    /* A result deadline passed without closing counts as decided, late. */
    GDate later = date("2024-07-02");
    yf_stats_row c = row("2024-04-01", YF_CASE_ACCUSATION, YF_CHANNEL_ONLINE, YF_STAGE_REGISTER, 0, 0);
    yf_stats_tally_add(&t, &c, &later);
    CHECK_CELL(t.months[1], 2, 0, 2, 0, 1);
    /* A row outside the period (the store never gives one) counts in no month. */
    yf_stats_row out = row("2024-07-01", YF_CASE_APPEAL, YF_CHANNEL_LETTER, YF_STAGE_REGISTER, 0, 0);
    yf_stats_tally_add(&t, &out, &later);
    CHECK_EQ_INT(t.all.total, 9);
    int64_t in_months = 0;
    for (guint i = 0; i < t.n_months; i++)
        in_months += t.months[i].total;
    CHECK_EQ_INT(in_months, 8);
    yf_stats_tally_clear(&t);
    yf_stats_tally_clear(&t);   /* twice is harmless */
}

static void test_months(void)
{
    yf_stats_tally t;
    GDate a = date("2023-11-20"), b = date("2024-02-03"), leap = date("2024-02-29");
    int y, m;
    yf_stats_tally_init(&t, &a, &b);
    CHECK_EQ_INT(t.n_months, 4);   /* Nov, Dec, Jan, Feb */
    yf_stats_tally_month(&t, 1, &y, &m);
    CHECK(y == 2023 && m == 12);
    yf_stats_tally_month(&t, 2, &y, &m);
    CHECK(y == 2024 && m == 1);
    yf_stats_tally_clear(&t);
    yf_stats_tally_init(&t, &leap, &leap);
    CHECK_EQ_INT(t.n_months, 1);
    yf_stats_tally_month(&t, 0, &y, &m);
    CHECK(y == 2024 && m == 2);
    yf_stats_tally_clear(&t);
}

static void test_csv(void)
{
    yf_stats_tally t;
    fill(&t);
    GBytes *b = yf_stats_csv(&t);
    gsize n;
    const char *s = g_bytes_get_data(b, &n);
    char *text = g_strndup(s, n);
    CHECK(n > 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0);
    CHECK(g_utf8_validate(text, (gssize)n, NULL));
    char **lines = g_strsplit(text + 3, "\r\n", -1);
    CHECK_EQ_INT(g_strv_length(lines), 1 + 1 + 4 + 6 + 5 + 1);   /* header, period, months, types, channels, "" */
    static const char *const want[] = {
        "分组,项目,收案（件）,7日内答复（件）,应答复（件）,7日内答复率,3个月内办结（件）,应办结（件）,3个月内办结率",
        "合计,2024年3月15日至2024年6月14日,7,3,6,50.0%,1,1,100.0%",
        "按月,2024年3月,3,2,3,66.7%,1,1,100.0%",
        "按月,2024年4月,1,0,1,0.0%,0,0,",
        "按月,2024年5月,0,0,0,,0,0,",
        "按月,2024年6月,3,1,2,50.0%,0,0,",
        "按类型,控告,2,1,2,50.0%,1,1,100.0%",
        "按类型,申诉,1,0,1,0.0%,0,0,",
        "按类型,举报,1,0,0,,0,0,",
        "按类型,国家赔偿,1,1,1,100.0%,0,0,",
        "按类型,司法救助,2,1,2,50.0%,0,0,",
        "按类型,法律咨询,0,0,0,,0,0,",
        "按渠道,信,2,1,2,50.0%,0,0,",
        "按渠道,访,1,1,1,100.0%,1,1,100.0%",
        "按渠道,网,1,0,1,0.0%,0,0,",
        "按渠道,电,1,0,0,,0,0,",
        "按渠道,视频,2,1,2,50.0%,0,0,",
        "",
    };
    for (guint i = 0; i < G_N_ELEMENTS(want) && lines[i]; i++) {
        if (strcmp(lines[i], want[i]) != 0)
            fprintf(stderr, "line %u: \"%s\", expected \"%s\"\n", i, lines[i], want[i]);
        CHECK(strcmp(lines[i], want[i]) == 0);
    }
    CHECK(!strchr(text, '\n') || strstr(text, "\r\n"));   /* CRLF, never a bare LF */
    for (const char *p = text; (p = strchr(p, '\n')); p++)
        CHECK(p > text && p[-1] == '\r');
    char *name = yf_stats_csv_filename(&t);
    CHECK(strcmp(name, "yuanfang-stats-2024-03-15-2024-06-14.csv") == 0);
    g_free(name);
    g_strfreev(lines);
    g_free(text);
    g_bytes_unref(b);
    yf_stats_tally_clear(&t);
}

int main(void)
{
    test_permille();
    test_tally();
    test_months();
    test_csv();
    return yf_test_done("test_stats");
}
