/* yfload_part.h -- one participant of the load: its websocket, its publish
 * and receive connections, and what the run reports of it. The signaling
 * of each server is a file of its own (yfload_yf.c: yuanfang's protocol,
 * docs/protocol.md). */
#ifndef YFLOAD_PART_H
#define YFLOAD_PART_H

#include "yfload.h"

typedef struct {
    const char *host;
    int port;
    gboolean tls;
    const yfl_env *env;
} yfl_target;

/* Invariants: pub and sub are NULL until the signaling makes them; t_open
 * is 0 until the websocket opened; t_first_media 0 until the receive
 * connection decrypted its first RTP packet. */
typedef struct {
    const yfl_target *target;
    char label[64];
    char *token;      /* yuanfang: the room token */
    yfl_ws *ws;
    yfl_pc *pub, *sub;
    int next_id;
    int hello_id, join_id, offer_id;
    int64_t t_open, t_first_media;
    int64_t t_joined, t_admitted, t_offer; /* yuanfang: the join reply, admission, the first
                                              subscribe.offer (monotonic µs; 0: not yet) */
    gboolean failed;
    gboolean observer;      /* receive-only: never publishes */
    gboolean host;          /* yuanfang: opens the gallery (room.gallery) on
                               joining, or with host_admits admits whoever waits */
    gboolean host_admits;
    int expect_tracks;      /* tracks its receiving connection should get */
    gboolean admit_due;     /* host: someone waits (room.waiting) since the last admit */
    guint admit_timer;
    /* Janus: the session, the publisher's and the subscriber's handles, the
     * room, our feed and the others' (subscribed to once all are known). */
    int64_t j_room;
    int j_peers;            /* participants in the room, us included */
    json_int_t j_session, j_pub_handle, j_sub_handle, j_feed;
    json_int_t j_feeds[16];
    int j_n_feeds;
    gboolean j_subscribed;
    guint j_keepalive;
    guint j_retry;          /* an observer asking again for the publisher */
} yfl_part;

/* Opens the websocket and runs yuanfang's join: hello, room.join,
 * publish.offer, answering every subscribe.offer, trickling candidates. */
void yfl_yf_start(yfl_part *p);
/* The same workload through Janus's websocket API (janus-protocol): create
 * a session, attach janus.plugin.videoroom twice, create the room (or find
 * it made), join as publisher with an offer, subscribe to the others' feeds
 * once all are published and answer Janus's offer; keepalives. */
void yfl_janus_start(yfl_part *p);
/* Closes everything of p (its memory stays for the report). */
void yfl_part_stop(yfl_part *p);

#endif
