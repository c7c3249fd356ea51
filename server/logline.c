/* logline.c -- escaping of log messages so each stays one line (logline.h). */
#include "logline.h"

#include <glib.h>
#include <string.h>

char *yf_log_escape(const char *msg)
{
    if (!msg)
        return g_strdup("");
    size_t len = strlen(msg);
    GString *out = g_string_sized_new(len + 8);
    const char *p = msg, *end = msg + len;
    while (p < end) {
        unsigned char b = (unsigned char)*p;
        if (b == '\n' || b == '\r' || b == '\t') {
            g_string_append(out, b == '\n' ? "\\n" : b == '\r' ? "\\r" : "\\t");
            p++;
        } else if (b < 0x20 || b == 0x7f) {
            g_string_append_printf(out, "\\x%02x", b);
            p++;
        } else if (b < 0x80) {
            g_string_append_c(out, (char)b);
            p++;
        } else {
            gunichar c = g_utf8_get_char_validated(p, end - p);
            if (c == (gunichar)-1 || c == (gunichar)-2) {
                g_string_append_printf(out, "\\x%02x", b);
                p++;
            } else {
                const char *next = g_utf8_next_char(p);
                if (c >= 0x80 && c <= 0x9f)
                    g_string_append_printf(out, "\\u%04x", c);
                else
                    g_string_append_len(out, p, next - p);
                p = next;
            }
        }
    }
    return g_string_free(out, FALSE);
}
