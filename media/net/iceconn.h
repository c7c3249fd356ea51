/* iceconn.h -- one browser connection on a media worker: a libnice stream
 * (full ICE, controlled, RFC 8445 via libnice's RFC 5245 mode, trickle, RFC
 * 7675 consent -- libnice's keepalive checks and our own 30 s, iceconn.c
 * "consent"; BUNDLE + rtcp-mux, so one component) carrying one sans-IO
 * yf_peer (DTLS-SRTP, RFC 5764). The echo session and every room connection
 * are one. Worker thread only (but yf_iceconn_make_credentials); nothing is
 * logged or allocated per packet. */
#ifndef YF_ICECONN_H
#define YF_ICECONN_H

#include <glib.h>
#include <nice/agent.h>
#include "media/core/peer.h"
#include "net.h"

#define YF_ICECONN_UFRAG_LEN 8  /* RFC 8839 section 5.4: at least 4 ice-chars */
#define YF_ICECONN_PWD_LEN 24   /* ... and at least 22 for the password */
#define YF_ICECONN_EARLY_MAX 16 /* datagrams kept while ICE has no selected pair */
#define YF_ICECONN_HELD_MAX 32  /* remote candidates kept before the remote credentials */

typedef struct yf_iceconn yf_iceconn;

/* What a connection reports, on its worker, with the `user` given to
 * yf_iceconn_new. Every member may be NULL. */
typedef struct {
    /* "connecting" (ICE checks began), "connected" (DTLS is up,
     * srtp_profile set; again when ICE is back after a restart), "failed"
     * (ICE, DTLS, consent or set-up; reason set), "closed" (the DTLS association
     * ended). "connecting" and "failed" come at most once per ICE
     * generation. */
    void (*on_state)(void *user, const char *state, const char *srtp_profile, const char *reason);
    /* A local candidate: an SDP "candidate:..." line without "a=". */
    void (*on_candidate)(void *user, const char *line);
    /* The last local candidate was reported (also after a restart). */
    void (*on_gathering_done)(void *user);
    /* Each event of the peer, after the state it implies was reported:
     * decrypted RTP and RTCP (o->data valid for the call), CONNECTED,
     * FAILED, CLOSED. Packets sent to yf_iceconn_peer() from here leave with
     * the drain under way. */
    void (*on_peer_event)(void *user, int64_t now, const yf_output *o);
    /* A received datagram went through the peer and its output is out. */
    void (*on_input)(void *user, int64_t now);
    /* The peer is about to be freed (by yf_iceconn_new_remote or
     * yf_iceconn_free): the place for its counters. */
    void (*on_peer_end)(void *user, const yf_peer *peer);
} yf_iceconn_callbacks;

typedef struct {
    const yf_net *conf;   /* agent settings, port range, certificate;
                               borrowed, outlives the connection */
    GMainContext *ctx;      /* the worker's: agent, receive callback, timer */
    const char *name;       /* for logs, e.g. "session 3" (copied) */
    /* TRUE: a timer source of its own drives the peer's timeouts. FALSE:
     * the owner calls yf_iceconn_handle_timeout when
     * yf_iceconn_next_timeout says (a room arms one timer for all). */
    gboolean own_timer;
    /* Media sent this long with nothing authenticated heard back: consent
     * lost ("failed"). 0: 30 s (RFC 7675 section 5.1); tests shorten it. */
    int64_t consent_us;
} yf_iceconn_config;

/* What a step of the negotiation gives; strings are borrowed for the call. */
typedef struct {
    const char *local_ufrag, *local_pwd;
    const char *remote_ufrag, *remote_pwd; /* NULL or "": not known yet */
    yf_dtls_role role;                     /* ours */
    const char *remote_fingerprint;        /* NULL: the peer waits */
} yf_iceconn_params;

/* An idle connection: the agent, and the timer if own_timer. Nothing is
 * reported before yf_iceconn_start. Never NULL. */
yf_iceconn *yf_iceconn_new(const yf_iceconn_config *cfg, const yf_iceconn_callbacks *cb, void *user);

/* Adds the stream with p's credentials, the peer if p->remote_fingerprint
 * is known, and gathers (candidates may be reported before this returns).
 * FALSE after reporting "failed" (no peer, stream, credentials or port):
 * the connection then stays inert until freed. */
gboolean yf_iceconn_start(yf_iceconn *c, const yf_iceconn_params *p);

/* The answer to our offer: the remote credentials (when not "": the held
 * candidates go to the agent) and, if there is no peer yet and
 * p->remote_fingerprint is set, the peer. */
void yf_iceconn_set_remote(yf_iceconn *c, const yf_iceconn_params *p);

/* ICE restart (RFC 8445 section 9): p's local credentials and the remote
 * ones if given (else they follow with yf_iceconn_set_remote); our
 * candidates again; the same DTLS association, so "connecting" and then,
 * once ICE is back, "connected" again. */
void yf_iceconn_restart(yf_iceconn *c, const yf_iceconn_params *p);

/* The remote side is a new RTCPeerConnection on the same ICE stream: the
 * old association gets its close_notify on the path it still has and
 * reports nothing more (but on_peer_end); ICE restarts with p's
 * credentials; a new peer answers the new ClientHello (RFC 6347 section
 * 4.2.8). */
void yf_iceconn_new_remote(yf_iceconn *c, const yf_iceconn_params *p);

/* A remote candidate, validated (yf_net_parse_candidate); borrowed, its
 * stream id is set. NULL: end of candidates. Before the remote credentials
 * it is held (YF_ICECONN_HELD_MAX at most, libnice keeps 25 anyway). */
void yf_iceconn_add_remote_candidate(yf_iceconn *c, NiceCandidate *cand);

/* Polls the peer until it says "timeout" (after sending to yf_iceconn_peer
 * from outside a callback): sends, reports, re-arms. */
void yf_iceconn_drain(yf_iceconn *c, int64_t now);
/* Drives the peer's timers if now has reached yf_iceconn_next_timeout. */
void yf_iceconn_handle_timeout(yf_iceconn *c, int64_t now);
/* The peer's next deadline; YF_TIME_NEVER without a peer. */
int64_t yf_iceconn_next_timeout(const yf_iceconn *c);

/* The current peer (NULL until the remote fingerprint is known), to send
 * media to and read counters from. Borrowed. */
yf_peer *yf_iceconn_peer(const yf_iceconn *c);
/* DTLS connected: since the peer's CONNECTED, until CLOSED or a new remote. */
gboolean yf_iceconn_is_connected(const yf_iceconn *c);
/* Datagrams sent on the selected pair's socket past libnice (iceconn.c,
 * "the datagram path"), since the connection was made. */
uint64_t yf_iceconn_direct_sent(const yf_iceconn *c);

/* Sends the peer's close_notify (its "closed" and CLOSED still reach the
 * callbacks, which may drop them), on_peer_end, then frees the stream,
 * agent, timer and peer. Nothing is reported afterwards. Accepts NULL. */
void yf_iceconn_free(yf_iceconn *c);

/* Fresh random ICE credentials (RFC 8839 section 5.4 ice-chars) into
 * ufrag[YF_ICECONN_UFRAG_LEN + 1] and pwd[YF_ICECONN_PWD_LEN + 1]. FALSE
 * without randomness. Any thread. */
gboolean yf_iceconn_make_credentials(char *ufrag, char *pwd);

#endif
