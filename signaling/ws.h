/* ws.h -- the /ws endpoint: one signaling session per websocket, speaking
 * protocol v1 (docs/protocol.md) and owning at most one media session.
 * Runs on the control thread only (libwebsockets is single-threaded here).
 * Library yf_signaling (signaling/: codec.c the JSON, ws.c the sessions,
 * sigroom*.c the hearing rooms): uses media/net and the room tokens, knows no
 * SQL and nothing of server/. */
#ifndef YF_WS_H
#define YF_WS_H

#include <libwebsockets.h>
#include "sigroom.h"
#include "media/net/net.h"
#include "signaling/token/room_token.h"
#include "signaling/peers/peers.h"
#include "signaling/turn/turn_cred.h"

#define YF_WS_PROTOCOL "yuanfang.v1"
#define YF_WS_MAX_QUEUE 512 /* queued outgoing messages, while the socket takes no more, before
                               a client is closed: it does not read */
#define YF_WS_MAX_QUEUE_BYTES (1024 * 1024) /* queued bytes before a client is closed at any
                                               rate: it sends far faster than it reads */
#define YF_WS_CONNECT_TIMEOUT_S 30 /* from echo.offer to a media connection */
#define YF_WS_RATE 100      /* messages a second a client may send, on average ... */
#define YF_WS_BURST 200     /* ... and at once; past that the session is closed (1008) */

#define YF_WS_CLOSE_TRY_LATER 1013 /* RFC 6455 §7.4.2 registry: "Try Again Later" */
#define YF_WS_CLOSE_POLICY 1008    /* RFC 6455 §7.4.1: "Policy Violation" */

/* Per-listener state: the live sessions and the limits they share. */
typedef struct yf_ws_hub yf_ws_hub;

/* What the sessions share (docs/protocol.md, "Limits"); every field >= 1. */
typedef struct {
    int max_media;              /* media sessions at once: device tests and hearing
                                   participants ([media] max_sessions) */
    int devtest_max;            /* device tests at once, a share of max_media, so
                                   hearings always have the rest */
    int devtest_per_address;    /* device tests at once from one client address */
    int websockets_per_address; /* signaling sessions at once from one address */
    int messages_per_address;   /* messages a second all sessions of one address may send
                                   together, on average, and twice that at once; past that
                                   the session that sent is closed */
} yf_ws_limits;

/* The device-test share of max_media: share_percent of it, at least 1
 * (share 0: no device test at all). */
int yf_ws_devtest_max(int max_media, int share_percent);

/* media is borrowed and outlives the hub; limits is copied; stun_server
 * ("host:port") may be NULL and is handed to browsers in hello's
 * ice_servers. room_key (copied) verifies room tokens; grace_s is how long a
 * dropped room participant keeps its place ([room] grace_s). */
yf_ws_hub *yf_ws_hub_new(yf_net *media, const yf_ws_limits *limits, const char *stun_server,
                         const yf_room_key *room_key, int grace_s);
/* TURN credentials minted for every hello (labelled with the session id) and
 * every room.join reply (labelled with the participant id); NULL: none.
 * turn is borrowed and must outlive the hub. Control thread. */
void yf_ws_hub_set_turn(yf_ws_hub *hub, const yf_turn *turn);
/* Where room events go for the audit log (see yf_sigroom_audit_fn). */
void yf_ws_hub_set_audit(yf_ws_hub *hub, yf_sigroom_audit_fn fn, void *user);
/* The hearing rooms behind the endpoint (for the recorder's hooks). */
yf_sigroom_hub *yf_ws_hub_rooms(yf_ws_hub *hub);
/* Sends server.shutdown to every session, ends their media and closes them. */
void yf_ws_hub_shutdown(yf_ws_hub *hub, const char *reason);
void yf_ws_hub_free(yf_ws_hub *hub); /* accepts NULL; call after the lws context is gone */

/* The lws protocol callback; the protocol's `user` must be the hub and its
 * per_session_data_size sizeof(void *). */
int yf_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

#endif
