/* store_notes.c -- a hearing's notes as text people read (the API's `text`,
 * notes.txt in the evidence package): one line per entry with its moment in
 * the hearing and on the Beijing wall clock, the author by name and Chinese
 * role, never an internal id or a raw millisecond count. Pure formatting, no
 * SQL; a line break inside an entry can never start a line of its own. */
#include <string.h>

#include "store_reads.h"

char *yf_store_time_text(int64_t ms, int tz_offset_s, const char *format)
{
    GDateTime *utc = g_date_time_new_from_unix_utc((ms - (ms % 1000 + 1000) % 1000) / 1000);
    GTimeZone *tz = g_time_zone_new_offset(tz_offset_s);
    GDateTime *t = utc ? g_date_time_to_timezone(utc, tz) : NULL;
    char *s = t ? g_date_time_format(t, format) : NULL;
    if (t)
        g_date_time_unref(t);
    if (utc)
        g_date_time_unref(utc);
    g_time_zone_unref(tz);
    return s ? s : g_strdup("?");
}

/* "00:01:02" for 62 s into the hearing (a moment before its start is 0). */
static void append_moment(GString *out, int64_t offset_ms)
{
    int64_t s = MAX(offset_ms, 0) / 1000;
    g_string_append_printf(out, "%02" G_GINT64_FORMAT ":%02d:%02d", (gint64)(s / 3600), (int)(s / 60 % 60),
                           (int)(s % 60));
}

/* One entry's text: a line break inside it continues the entry on a line
 * indented by four spaces (a lone CR counts as a break), so only an entry's
 * first line starts at the margin and no text can pose as another entry. */
static void append_entry_text(GString *out, const char *text)
{
    for (const char *p = text ? text : ""; *p; p++) {
        if (*p == '\r' || *p == '\n') {
            if (*p == '\r' && p[1] == '\n')
                p++;
            g_string_append(out, "\n    ");
        } else {
            g_string_append_c(out, *p);
        }
    }
    g_string_append_c(out, '\n');
}

char *yf_store_note_format(const GPtrArray *entries, int64_t start_ms, int tz_offset_s)
{
    GString *out = g_string_new(NULL);
    for (guint i = 0; entries && i < entries->len; i++) {
        const yf_note_entry *e = g_ptr_array_index(entries, i);
        char *wall = yf_store_time_text(start_ms + MAX(e->offset_ms, 0), tz_offset_s, "%H:%M:%S");
        g_string_append_c(out, '[');
        append_moment(out, e->offset_ms);
        g_string_append_printf(out, " · %s] ", wall);
        if (g_strcmp0(e->author, "system") != 0) {   /* the recorder's lines say 【系统】 themselves */
            const char *role = yf_participant_role_label(e->role);
            g_string_append(out, e->name && *e->name ? e->name : "未署名");
            if (*role)
                g_string_append_printf(out, "（%s）", role);
            g_string_append(out, "：");
        }
        append_entry_text(out, e->text);
        g_free(wall);
    }
    return g_string_free(out, FALSE);
}
