/* sdp_private.h -- helpers shared by the files of media/sdp (not installed,
 * not for other modules): attribute lookup with session-level fallback
 * (RFC 4566 section 5.13) and the character checks that keep anything we
 * echo from an offer from breaking the lines of our answer. */
#ifndef YF_SDP_PRIVATE_H
#define YF_SDP_PRIVATE_H

#include <gst/sdp/sdp.h>
#include "yf_sdp.h"

/* TRUE if the section (or, when media is NULL or lacks it, the session) has
 * attribute key, with or without a value. msg NULL: the section only. */
gboolean yf_sdp_has_attr(const GstSDPMessage *msg, const GstSDPMedia *media, const char *key);

/* The value of the first attribute key of the section, else of the session;
 * NULL if neither has it. A flag attribute yields "". Borrowed from msg. */
const char *yf_sdp_attr_val(const GstSDPMessage *msg, const GstSDPMedia *media, const char *key);

/* RFC 4566 token characters only, 1..cap-1 of them (so it fits char[cap]). */
gboolean yf_sdp_is_token(const char *s, size_t cap);

/* Printable ASCII (0x20..0x7e) only, 0..cap-1 of them. */
gboolean yf_sdp_is_printable(const char *s, size_t cap);

/* RFC 8839 section 5.4: min..max ice-chars (ALPHA / DIGIT / "+" / "/"). */
gboolean yf_sdp_ice_chars_ok(const char *s, size_t min, size_t max);

/* Parses the decimal number at *s (no sign) into *v, at most max; advances
 * *s past it. FALSE if there is no digit or the number exceeds max. */
gboolean yf_sdp_parse_uint(const char **s, unsigned long max, unsigned long *v);

/* Fills m from section idx of msg (sdp_media.c). Never fails on odd content:
 * what it cannot use leaves m->accepted false. Returns FALSE with *err only
 * for what makes the whole offer unanswerable (a bad mid, a bundled RTP
 * section without rtcp-mux). bundle is the BUNDLE mid list, space separated. */
gboolean yf_sdp_parse_media(const GstSDPMessage *msg, guint idx, const char *bundle,
                            yf_sdp_media *m, GError **err);

#endif
