/* sdp_priv.h -- helpers shared by the files of media/sdp (not installed,
 * not for other modules): attribute lookup with session-level fallback
 * (RFC 4566 section 5.13) and the character checks that keep anything we
 * echo from an offer from breaking the lines of our answer. */
#ifndef YF_SDP_PRIV_H
#define YF_SDP_PRIV_H

#include <gst/sdp/sdp.h>
#include "sdp.h"

/* Sets *err to (YF_SDP_ERROR, code, the formatted message) and returns
 * FALSE, so a check can end in `return yf_sdp_fail(...)`. (sdp_offer.c) */
gboolean yf_sdp_fail(GError **err, yf_sdp_error code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

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

/* The shape of SDP text before GstSDPMessage sees it: 1..max bytes, UTF-8
 * without NUL, "v=0" first, every line <letter>=<value>. what ("offer",
 * "answer") starts the error message. (sdp_offer.c) */
gboolean yf_sdp_check_text(const char *sdp, size_t len, size_t max, const char *what,
                           GError **err);
/* yf_sdp_check_text, then GStreamer's parse: the message (gst_sdp_message_free)
 * or NULL with *err (YF_SDP_ERROR_PARSE "SDP <what> could not be parsed"). */
GstSDPMessage *yf_sdp_message_parse(const char *sdp, size_t len, size_t max, const char *what, GError **err);

/* The mids of the first non-empty a=group:BUNDLE, single-space separated,
 * newly allocated (g_free); NULL if none. */
char *yf_sdp_bundle_mids(const GstSDPMessage *msg);

/* The o= line's sess-id (RFC 8866 section 5.2: digits) into dst; "" when
 * there is none, it is not a number or it does not fit. (sdp_offer.c) */
void yf_sdp_session_id(const GstSDPMessage *msg, char *dst, size_t cap);

/* TRUE if mid is one of the space-separated bundle mids. (sdp_media.c) */
gboolean yf_sdp_in_bundle(const char *bundle, const char *mid);

/* The section's direction attribute, else the session's, else sendrecv
 * (RFC 3264 section 5.1). (sdp_media.c) */
yf_direction yf_sdp_direction(const GstSDPMessage *msg, const GstSDPMedia *media);

/* ICE credentials and sha-256 fingerprint of a section (media-level before
 * session-level), checked; setup is the a=setup value, borrowed from msg,
 * NULL if absent (the caller decides). FALSE with *err (UNSUPPORTED,
 * "SDP <what> has no ..."). */
typedef struct {
    char ice_ufrag[257];
    char ice_pwd[257];
    char fingerprint[128];
    const char *setup;
} yf_sdp_transport;
gboolean yf_sdp_parse_transport(const GstSDPMessage *msg, const GstSDPMedia *media,
                                const char *what, yf_sdp_transport *t, GError **err);

/* Our sha-256 fingerprint parameter: "AB:CD:..." of 32 hex pairs. (sdp_answer.c) */
gboolean yf_sdp_our_fingerprint_ok(const char *f);

/* Adds a=rtcp, ICE credentials, fingerprint and a=setup:<setup> to s. */
void yf_sdp_add_transport(GstSDPMedia *s, const char *ufrag, const char *pwd, const char *fp,
                          const char *setup);

/* Adds "a=extmap:<id> <uri>" to s. */
void yf_sdp_add_extmap(GstSDPMedia *s, int id, const char *uri);

/* Validates an offer's parameters (sdp_local_offer.c); FALSE with *err
 * YF_SDP_ERROR_INVALID naming what is wrong. */
gboolean yf_sdp_offer_params_ok(const yf_sdp_offer_params *p, GError **err);

#define YF_SDP_EXT_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define YF_SDP_EXT_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define YF_SDP_EXT_ABS_SEND_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define YF_SDP_EXT_TWCC "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define YF_SDP_EXT_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define YF_SDP_EXT_RRID "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"

/* A publisher's a=simulcast:send and a=rid lines into m->n_rids / m->rids
 * (sdp_simulcast.c, RFC 8853 section 5, RFC 8851 section 4), for an
 * accepted section whose codec and extensions are known. No a=simulcast,
 * or one without a send direction, or on an audio section: no layers,
 * TRUE. FALSE with *err (UNSUPPORTED, naming the section) for a send list
 * we cannot receive: more than YF_SDP_MAX_RIDS streams, a malformed or
 * repeated rid, a rid without its a=rid:<rid> send line, or no sdes:mid or
 * rtp-stream-id extension to tell the layers apart by. */
gboolean yf_sdp_parse_simulcast(const GstSDPMedia *media, yf_sdp_media *m, GError **err);

/* The answer's lines for m's layers: the rid extensions, a=rid:<rid> recv
 * and a=simulcast:recv (sdp_simulcast.c). Nothing when m->n_rids is 0. */
void yf_sdp_add_simulcast_recv(GstSDPMedia *s, const yf_sdp_media *m);

/* Fills m from section idx of msg (sdp_media.c). Never fails on odd content:
 * what it cannot use leaves m->accepted false. Returns FALSE with *err only
 * for what makes the whole offer unanswerable (a bad mid, a bundled RTP
 * section without rtcp-mux). bundle is the BUNDLE mid list, space separated. */
gboolean yf_sdp_parse_media(const GstSDPMessage *msg, guint idx, const char *bundle,
                            yf_sdp_media *m, GError **err);

#endif
