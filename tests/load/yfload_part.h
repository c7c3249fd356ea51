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
    gboolean failed;
} yfl_part;

/* Opens the websocket and runs yuanfang's join: hello, room.join,
 * publish.offer, answering every subscribe.offer, trickling candidates. */
void yfl_yf_start(yfl_part *p);
/* Closes everything of p (its memory stays for the report). */
void yfl_part_stop(yfl_part *p);

#endif
