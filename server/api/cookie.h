/* cookie.h -- the staff console's session cookie: finding one cookie in a
 * request's Cookie header (RFC 6265 §5.4: "name=value" pairs joined by "; "),
 * the CSRF token that goes with a session, and the same-origin test. Pure: no
 * IO, no lws; the request side is in api.c (docs/api.md, "Console sessions"). */
#ifndef YF_COOKIE_H
#define YF_COOKIE_H

#include <glib.h>
#include <stddef.h>

#define YF_SESSION_COOKIE "yf_session"
#define YF_COOKIE_MAX_HEADER 8192   /* a longer Cookie header is not looked into */
#define YF_COOKIE_MAX_VALUE 256     /* session tokens are 43 characters */

/* The value of the first cookie called name in header (len bytes, need not be
 * NUL-terminated), g_free; NULL when absent, empty, longer than
 * YF_COOKIE_MAX_VALUE, or holding a character outside RFC 6265's cookie-octet
 * (quotes around the value are taken off). */
char *yf_cookie_find(const char *header, size_t len, const char *name);

/* The CSRF token of a session (64 hex characters, g_free): SHA-256 of a label
 * and the session token, so it is known to whoever holds the session and to
 * nobody else, and needs no storage. */
char *yf_csrf_for(const char *session_token);

/* Whether presented (may be NULL) is the CSRF token of session_token; compares
 * in constant time. */
gboolean yf_csrf_ok(const char *session_token, const char *presented);

/* Whether an Origin header value (NULL = absent, as from non-browser clients)
 * names the host the request was sent to: "https://" + host exactly. */
gboolean yf_origin_matches(const char *origin, const char *host);

#endif
