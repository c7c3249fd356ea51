/* stats_tally.c -- counting the cases of a period for the statistics: each
 * case once overall, once in the month it was received (a civil date in China
 * Standard Time, as the store keeps it), once under its type and channel.
 * A deadline's outcome counts only once it is known (docs/api.md, "GET /stats").
 * Pure arithmetic on dates: it must not read a clock or the store. */
#include "stats.h"

#include <string.h>

#include "server/store/deadline.h"

static int months_between(int y0, int m0, int y1, int m1)
{
    return (y1 - y0) * 12 + (m1 - m0);
}

void yf_stats_tally_init(yf_stats_tally *t, const GDate *from, const GDate *to)
{
    memset(t, 0, sizeof *t);
    t->from = *from;
    t->to = *to;
    t->first_year = g_date_get_year(from);
    t->first_month = g_date_get_month(from);
    int n = months_between(t->first_year, t->first_month, g_date_get_year(to), g_date_get_month(to)) + 1;
    t->n_months = n > 0 ? (guint)n : 1;
    t->months = g_new0(yf_stats_cell, t->n_months);
}

void yf_stats_tally_clear(yf_stats_tally *t)
{
    g_clear_pointer(&t->months, g_free);
    t->n_months = 0;
}

void yf_stats_tally_month(const yf_stats_tally *t, guint i, int *year, int *month)
{
    int m0 = t->first_month - 1 + (int)i;
    *year = t->first_year + m0 / 12;
    *month = m0 % 12 + 1;
}

/* Whether a deadline's outcome is known today, and whether it was met: met_ms
 * is when the case did what the deadline asks (0: not yet). */
static void judge(int64_t met_ms, const GDate *due, const GDate *today, gboolean *decided, gboolean *in_time)
{
    GDate met;
    *decided = met_ms != 0 || g_date_compare(today, due) > 0;
    *in_time = FALSE;
    if (met_ms) {
        yf_date_from_unix_ms_cst(met_ms, &met);
        *in_time = g_date_compare(&met, due) <= 0;
    }
}

static void add_to(yf_stats_cell *c, gboolean rd, gboolean rok, gboolean sd, gboolean sok)
{
    c->total++;
    c->reply_decided += rd;
    c->reply_in_time += rok;
    c->result_decided += sd;
    c->result_in_time += sok;
}

void yf_stats_tally_add(yf_stats_tally *t, const yf_stats_row *row, const GDate *today)
{
    gboolean rd, rok, sd, sok;
    judge(row->forwarded_ms, &row->reply_due, today, &rd, &rok);
    judge(row->closed_ms, &row->result_due, today, &sd, &sok);
    add_to(&t->all, rd, rok, sd, sok);
    if ((unsigned)row->type < YF_CASE_TYPE_COUNT_)
        add_to(&t->by_type[row->type], rd, rok, sd, sok);
    if ((unsigned)row->channel < YF_CHANNEL_COUNT_)
        add_to(&t->by_channel[row->channel], rd, rok, sd, sok);
    if ((unsigned)row->stage < YF_STAGE_COUNT_)
        t->by_stage[row->stage]++;
    if (!g_date_valid(&row->received))
        return;
    int i = months_between(t->first_year, t->first_month, g_date_get_year(&row->received),
                           g_date_get_month(&row->received));
    if (i >= 0 && (guint)i < t->n_months)
        add_to(&t->months[i], rd, rok, sd, sok);
}

int yf_stats_permille(int64_t in_time, int64_t decided)
{
    if (decided <= 0)
        return -1;
    return (int)((in_time * 2000 + decided) / (decided * 2));
}
