/* deadline.c -- deadline arithmetic on GDate: +7 calendar days for the
 * procedural reply, +3 months with end-of-month clamping for the result, and
 * the overdue test. Pure: no clock, no I/O, no allocation. */
#include "deadline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void yf_deadline_reply_due(const GDate *received, GDate *out)
{
    *out = *received;
    g_date_add_days(out, YF_DEADLINE_REPLY_DAYS);
}

void yf_deadline_result_due(const GDate *received, GDate *out)
{
    /* g_date_add_months clamps the day to the target month's length. */
    *out = *received;
    g_date_add_months(out, YF_DEADLINE_RESULT_MONTHS);
}

gboolean yf_deadline_is_overdue(const GDate *deadline, const GDate *today, gboolean closed)
{
    return !closed && g_date_compare(today, deadline) > 0;
}

int yf_deadline_days_overdue(const GDate *deadline, const GDate *today, gboolean closed)
{
    if (!yf_deadline_is_overdue(deadline, today, closed))
        return 0;
    return g_date_days_between(deadline, today);
}

gboolean yf_date_parse_iso(const char *s, GDate *out)
{
    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return FALSE;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !g_ascii_isdigit(s[i]))
            return FALSE;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 1900 || y > 9999 || !g_date_valid_dmy(d, m, y))
        return FALSE;
    g_date_clear(out, 1);
    g_date_set_dmy(out, d, m, y);
    return TRUE;
}

void yf_date_format_iso(const GDate *d, char buf[11])
{
    snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)g_date_get_year(d) % 10000u,
             (unsigned)g_date_get_month(d) % 100u, (unsigned)g_date_get_day(d) % 100u);
}

void yf_date_from_unix_ms_cst(gint64 ms, GDate *out)
{
    gint64 days = (ms / 1000 + 8 * 3600) / 86400;
    if ((ms / 1000 + 8 * 3600) % 86400 < 0)
        days--;
    g_date_clear(out, 1);
    g_date_set_dmy(out, 1, 1, 1970);
    g_date_add_days(out, (guint)days);
}
