/* deadline.h -- the case deadlines as pure functions on civil dates: the
 * procedural reply is due 7 calendar days after receipt, the result 3 calendar
 * months after (clamped to the month's end). No clock: "today" is passed in. */
#ifndef YF_DEADLINE_H
#define YF_DEADLINE_H

#include <glib.h>

#define YF_DEADLINE_REPLY_DAYS 7
#define YF_DEADLINE_RESULT_MONTHS 3

/* received + 7 calendar days (weekends and holidays count). received must be valid. */
void yf_deadline_reply_due(const GDate *received, GDate *out);
/* received + 3 months, day clamped: Jan 31 → Apr 30, Nov 30 → Feb 28 or 29. */
void yf_deadline_result_due(const GDate *received, GDate *out);
/* Not closed and today > deadline (the deadline day itself is still in time). */
gboolean yf_deadline_is_overdue(const GDate *deadline, const GDate *today, gboolean closed);
/* Whole days past the deadline, 0 when in time or closed. */
int yf_deadline_days_overdue(const GDate *deadline, const GDate *today, gboolean closed);

/* "YYYY-MM-DD" strictly (zero-padded, a real date, year 1900..9999). */
gboolean yf_date_parse_iso(const char *s, GDate *out);
/* Writes "YYYY-MM-DD" and a NUL into buf (11 bytes). */
void yf_date_format_iso(const GDate *d, char buf[11]);
/* The UTC+8 civil date of a Unix time in ms (China Standard Time, no DST). */
void yf_date_from_unix_ms_cst(gint64 ms, GDate *out);

#endif
