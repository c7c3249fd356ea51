/* stats_csv.c -- the statistics as a CSV file (RFC 4180: CRLF lines, fields
 * quoted only when they need it) that Excel on a Chinese Windows opens as
 * UTF-8 because it starts with a byte order mark. One rectangular table, so
 * a spreadsheet can filter and chart it: the period, then each month, type
 * and channel. It must never carry personal data (no case numbers, no names). */
#include "stats.h"

#include <string.h>

#include "server/store/deadline.h"

static const char *const header[] = {
    "分组", "项目", "收案（件）",
    "7日内答复（件）", "应答复（件）", "7日内答复率",
    "3个月内办结（件）", "应办结（件）", "3个月内办结率",
};

/* One field, quoted when it holds a comma, a quote or a line break. */
static void field(GString *out, const char *v, gboolean last)
{
    if (strpbrk(v, ",\"\r\n")) {
        g_string_append_c(out, '"');
        for (const char *p = v; *p; p++) {
            if (*p == '"')
                g_string_append_c(out, '"');
            g_string_append_c(out, *p);
        }
        g_string_append_c(out, '"');
    } else {
        g_string_append(out, v);
    }
    g_string_append(out, last ? "\r\n" : ",");
}

static void count_field(GString *out, int64_t n)
{
    char buf[24];
    g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT, (gint64)n);
    field(out, buf, FALSE);
}

/* "92.1%", or "" when nothing is decided yet. */
static void share_field(GString *out, int64_t in_time, int64_t decided, gboolean last)
{
    char buf[24] = "";
    int pm = yf_stats_permille(in_time, decided);
    if (pm >= 0)
        g_snprintf(buf, sizeof buf, "%d.%d%%", pm / 10, pm % 10);
    field(out, buf, last);
}

static void row(GString *out, const char *group, const char *item, const yf_stats_cell *c)
{
    field(out, group, FALSE);
    field(out, item, FALSE);
    count_field(out, c->total);
    count_field(out, c->reply_in_time);
    count_field(out, c->reply_decided);
    share_field(out, c->reply_in_time, c->reply_decided, FALSE);
    count_field(out, c->result_in_time);
    count_field(out, c->result_decided);
    share_field(out, c->result_in_time, c->result_decided, TRUE);
}

static char *date_words(const GDate *d)
{
    return g_strdup_printf("%d年%d月%d日", g_date_get_year(d), g_date_get_month(d), g_date_get_day(d));
}

GBytes *yf_stats_csv(const yf_stats_tally *t)
{
    GString *out = g_string_new("\xEF\xBB\xBF");   /* UTF-8 BOM */
    for (guint i = 0; i < G_N_ELEMENTS(header); i++)
        field(out, header[i], i + 1 == G_N_ELEMENTS(header));
    char *a = date_words(&t->from), *b = date_words(&t->to);
    char *period = g_strdup_printf("%s至%s", a, b);
    row(out, "合计", period, &t->all);
    g_free(period);
    g_free(a);
    g_free(b);
    for (guint i = 0; i < t->n_months; i++) {
        int y, m;
        char label[32];
        yf_stats_tally_month(t, i, &y, &m);
        g_snprintf(label, sizeof label, "%d年%d月", y, m);
        row(out, "按月", label, &t->months[i]);
    }
    for (int k = 0; k < YF_CASE_TYPE_COUNT_; k++)
        row(out, "按类型", yf_case_type_label((yf_case_type)k), &t->by_type[k]);
    for (int k = 0; k < YF_CHANNEL_COUNT_; k++)
        row(out, "按渠道", yf_channel_label((yf_channel)k), &t->by_channel[k]);
    return g_string_free_to_bytes(out);
}

char *yf_stats_csv_filename(const yf_stats_tally *t)
{
    char a[11], b[11];
    yf_date_format_iso(&t->from, a);
    yf_date_format_iso(&t->to, b);
    return g_strdup_printf("yuanfang-stats-%s-%s.csv", a, b);
}
