/* net.h -- the IO edge of the media stack: N worker threads, each with its
 * own GMainContext, and the echo session (one libnice agent + one yf_peer +
 * one yf_echo) that lives on one worker. The control thread (libwebsockets,
 * signaling) creates and frees sessions; every callback comes back on the
 * control thread's GMainContext. Threads talk only through
 * g_main_context_invoke queues; a session's agent and peer are touched only by
 * its worker. Disk is never written here. */
#ifndef YF_NET_H
#define YF_NET_H

#include <glib.h>
#include "media/core/peer.h"

#define YF_NET_ERROR (yf_net_error_quark())
GQuark yf_net_error_quark(void);
typedef enum {
    YF_NET_ERROR_SDP,       /* the offer cannot be answered (message says why) */
    YF_NET_ERROR_CANDIDATE, /* a remote candidate line cannot be parsed */
    YF_NET_ERROR_CANDIDATE_UNUSED, /* understood, but not used (message says
                                        why: transport, component, address) */
    YF_NET_ERROR_INTERNAL,
    YF_NET_ERROR_CONFIG,    /* yf_net_new: a configured value is unusable */
} yf_net_error;

typedef struct {
    unsigned n_workers;          /* 0: one per core */
    char **local_addresses;      /* NULL-terminated; addresses libnice uses for
                                    host candidates (127.0.0.1 in tests) */
    guint port_min, port_max;    /* UDP port range, 0/0 = any */
    char *stun_server;           /* IP or host name (resolved once, blocking,
                                    by yf_net_new), or NULL */
    guint stun_port;
    const yf_dtls_cert *cert;    /* borrowed, outlives the media */
    gboolean ice_tcp;            /* also offer passive ICE-TCP host candidates
                                    (RFC 6544) and take a browser's active
                                    ones; UDP stays preferred */
    gboolean audio_resilience;   /* answers and offers ask for Opus in-band
                                    FEC and DTX; FALSE: they turn both off */
    gboolean audio_red;          /* RED for audio (RFC 2198) where a publisher
                                    offers it, and to subscribers that take it */
} yf_net_config;

typedef struct yf_net yf_net;

/* Starts the workers. Returns NULL with *err set if a thread cannot start. */
yf_net *yf_net_new(const yf_net_config *cfg, GMainContext *control, GError **err);
/* Stops every session (peers get a DTLS close_notify), joins the workers.
 * Session handles stay valid (no callback runs any more) and must still be
 * freed with yf_echo_session_free, before or after this. Control thread. */
void yf_net_free(yf_net *m);
unsigned yf_net_n_workers(const yf_net *m);

typedef struct {
    /* A local candidate, as an SDP "candidate:..." line without "a="; ""
     * after the last one. */
    void (*on_local_candidate)(void *user, const char *candidate, const char *mid, int mline_index);
    /* "connecting", "connected" (srtp_profile set), "failed" (reason set),
     * "closed". */
    void (*on_state)(void *user, const char *state, const char *srtp_profile, const char *reason);
} yf_net_callbacks;

typedef struct yf_echo_session yf_echo_session;

/* Parses the browser's offer, writes the answer (*answer_out, g_free) and
 * starts ICE and DTLS on the least loaded worker. Callbacks run on the
 * control context with `user`, until yf_echo_session_free. Returns NULL with
 * *err set (YF_NET_ERROR_SDP with the reason) when the offer is refused. */
yf_echo_session *yf_echo_session_new(yf_net *m, const char *offer_sdp, size_t offer_len,
                                     const yf_net_callbacks *cb, void *user,
                                     char **answer_out, GError **err);
/* Adds a trickled remote candidate ("" or NULL: end of candidates). FALSE
 * with YF_NET_ERROR_CANDIDATE (unparsable) or _CANDIDATE_UNUSED (set aside,
 * the message says why). */
gboolean yf_echo_session_add_remote_candidate(yf_echo_session *s, const char *candidate, GError **err);
/* Ends the session: no callback runs after this returns; the worker closes
 * DTLS and frees the agent later. Accepts NULL. Control thread only. */
void yf_echo_session_free(yf_echo_session *s);

#endif
