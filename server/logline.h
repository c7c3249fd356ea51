/* logline.h -- one log line per message, whatever a client sent: the log
 * handler (main.c) escapes control characters, C1 controls and bytes that are
 * not UTF-8 in every message, so a newline in a client's text cannot forge a
 * second line and an escape sequence cannot reach an operator's terminal.
 * Any thread. */
#ifndef YF_LOGLINE_H
#define YF_LOGLINE_H

/* msg with \n, \r, \t as those two characters, other C0/DEL bytes and bytes
 * that are not UTF-8 as \xHH, C1 controls (U+0080..U+009F) as \u00HH;
 * everything else as it is. Newly allocated (g_free); NULL gives "". */
char *yf_log_escape(const char *msg);

#endif
