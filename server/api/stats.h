/* stats.h -- the numbers behind GET /stats and GET /stats.csv, made from the
 * case store's rows (yf_store_stats_rows): cases received and the two in-time
 * shares (答复 within 7 days, 办结 within 3 months) overall, per month of
 * receipt, per type and per channel; and their CSV text for a spreadsheet.
 * Pure: no store, no HTTP, no clock ("today" is passed in), so unit tests
 * drive it with tables. Any thread; a tally belongs to its caller. */
#ifndef YF_API_STATS_H
#define YF_API_STATS_H

#include <glib.h>
#include <stdint.h>

#include "server/store/store.h"
#include "server/store/store_reads.h"

/* One row of numbers. Invariant: *_in_time <= *_decided <= total. */
typedef struct {
    int64_t total;            /* cases received */
    int64_t reply_in_time;    /* left 登记/审查 on or before reply_due */
    int64_t reply_decided;    /* ... answered, or reply_due has passed */
    int64_t result_in_time;   /* reached 终结 on or before result_due */
    int64_t result_decided;   /* ... closed, or result_due has passed */
} yf_stats_cell;

/* Invariant: months has n_months cells, month i being i months after
 * (first_year, first_month), the month of from; the last is the month of to. */
typedef struct {
    GDate from, to;
    int first_year, first_month;   /* month 1..12 */
    guint n_months;
    yf_stats_cell *months;
    yf_stats_cell all;
    yf_stats_cell by_type[YF_CASE_TYPE_COUNT_];
    yf_stats_cell by_channel[YF_CHANNEL_COUNT_];
    int64_t by_stage[YF_STAGE_COUNT_];
} yf_stats_tally;

/* An empty tally of the period [from, to] (both valid, from <= to). */
void yf_stats_tally_init(yf_stats_tally *t, const GDate *from, const GDate *to);
void yf_stats_tally_clear(yf_stats_tally *t);
/* Counts one case as seen on today (CST). A row received outside the period
 * counts in the totals but in no month; an out-of-range type, channel or
 * stage in no column of its own. Never fails. */
void yf_stats_tally_add(yf_stats_tally *t, const yf_stats_row *row, const GDate *today);
/* The year and month (1..12) of month i of the tally. */
void yf_stats_tally_month(const yf_stats_tally *t, guint i, int *year, int *month);

/* A share in tenths of a percent, rounded half up: 35 of 38 is 921 (92.1%);
 * -1 when decided is 0 (no share to give). */
int yf_stats_permille(int64_t in_time, int64_t decided);

/* The tally as CSV for Excel on a Chinese Windows: a UTF-8 BOM, CRLF lines
 * (RFC 4180), Chinese headers, one row for the period, then one per month,
 * per type and per channel; shares as "92.1%", empty when nothing is decided.
 * No personal data. Returns new bytes. */
GBytes *yf_stats_csv(const yf_stats_tally *t);
/* "yuanfang-stats-2024-04-01-2024-06-30.csv" (g_free). */
char *yf_stats_csv_filename(const yf_stats_tally *t);

#endif
