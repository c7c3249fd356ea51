/* yfload.h -- the load generator's parts (docs/performance.md): the test
 * stream (yfload_stream.c), one WebRTC connection as a browser makes it
 * (yfload_pc.c: libnice ICE, controlling, with consent checks; a media/core
 * yf_peer as DTLS client; SRTP; sender reports, receiver reports and NACKs),
 * the websocket client (yfload_ws.c) and the signaling of each server
 * (yfload_yf.c). Everything runs on one GMainContext on one thread: nothing
 * here takes a lock. */
#ifndef YFLOAD_H
#define YFLOAD_H

#include <glib.h>
#include <jansson.h>
#include <nice/agent.h>
#include <stdint.h>

#include "media/core/nack.h"
#include "media/core/peer.h"
#include "media/core/reports.h"

/* ---- the test stream ---- */

typedef enum { YFL_AUDIO = 0, YFL_VIDEO = 1 } yfl_kind;

typedef struct {
    const uint8_t *data; /* the RTP packet as payloaded (header + payload) */
    uint16_t len;
    uint8_t kind;        /* yfl_kind */
    uint32_t idx;        /* its index within its kind */
    int64_t t_us;        /* send time from the stream's start */
    uint32_t ts_off;     /* RTP timestamp minus the kind's first */
} yfl_pkt;

typedef struct {
    GBytes *video_file, *audio_file;
    yfl_pkt *pkts;       /* both kinds, by t_us */
    size_t n;
    size_t n_kind[2];
    int64_t period_us;   /* one loop: 10 s */
    uint32_t period_ts[2];
} yfl_stream;

/* Reads DIR/video.ycap and DIR/audio.ycap. FALSE with *err set. */
gboolean yfl_stream_load(yfl_stream *s, const char *dir, GError **err);
void yfl_stream_clear(yfl_stream *s);

/* ---- counters of the whole run ---- */

typedef struct {
    uint64_t sent, retransmitted;      /* RTP sent by publishers */
    uint64_t received, stamped;        /* RTP decrypted by subscribers */
    uint64_t nacks_sent, nacks_received, rr_sent;
    unsigned srtp_gcm, srtp_cm;        /* connections by SRTP profile */
    GArray *latency_us;                /* int32: one per stamp read */
} yfl_totals;

extern yfl_totals yfl_tot;

/* ---- one connection ---- */

typedef struct yfl_pc yfl_pc;

typedef struct {
    void (*on_candidate)(void *user, yfl_pc *pc, const char *line); /* "" = done */
    void (*on_first_media)(void *user, yfl_pc *pc);
    void (*on_state)(void *user, yfl_pc *pc, const char *state);
} yfl_pc_callbacks;

typedef struct {
    GMainContext *ctx;
    const yf_dtls_cert *cert;
    char **local_addresses;  /* NULL: every interface libnice finds */
    guint port_min, port_max;
} yfl_env;

/* A connection: publish=TRUE sends the stream (audio + video), FALSE only
 * receives. Candidates gather after yfl_pc_start. */
yfl_pc *yfl_pc_new(const yfl_env *env, const char *label, gboolean publish, const yfl_pc_callbacks *cb,
                   void *user);
void yfl_pc_free(yfl_pc *pc); /* accepts NULL */

/* Our side of the SDP. */
char *yfl_pc_offer(yfl_pc *pc);                      /* publisher: audio + video */
char *yfl_pc_answer(yfl_pc *pc, const char *offer);  /* receiver: every m-line recvonly */
/* The remote description: credentials, fingerprint, and any a=candidate
 * lines. FALSE if it lacks ICE credentials or a fingerprint. */
gboolean yfl_pc_set_remote(yfl_pc *pc, const char *sdp);
/* Starts gathering (and, once the remote side is known, checks). */
void yfl_pc_start(yfl_pc *pc);
gboolean yfl_pc_add_candidate(yfl_pc *pc, const char *line);

/* Publisher pacing: sends what is due by now (stream from its start). */
void yfl_pc_pace(yfl_pc *pc, const yfl_stream *s, int64_t now);
/* Periodic RTCP (SR or RR) and NACKs; call every ~100 ms. */
void yfl_pc_tick(yfl_pc *pc, int64_t now);
/* Stops sending media (the end of a run). */
void yfl_pc_stop_media(yfl_pc *pc);

typedef struct {
    gboolean connected, failed;
    int rx_tracks;                /* distinct SSRCs received */
    uint64_t rx_packets, rx_expected;
    int64_t first_media_us;
    int64_t ice_ready_us, connected_us; /* when ICE, then DTLS, came up; 0: not yet */
} yfl_pc_info;
void yfl_pc_get_info(const yfl_pc *pc, yfl_pc_info *out);

/* Every 1 in `every` original packets a publisher sends carries a send-time
 * stamp in its RTP padding (yfload_pc.c); 0 turns stamps off. */
extern unsigned yfl_stamp_every;
/* The stream all publishers replay. */
extern const yfl_stream *yfl_the_stream;

/* ---- the websocket ---- */

typedef struct yfl_ws yfl_ws;

typedef struct {
    void (*on_open)(void *user, yfl_ws *ws);
    void (*on_message)(void *user, yfl_ws *ws, json_t *msg); /* msg borrowed */
    void (*on_close)(void *user, yfl_ws *ws, const char *why);
} yfl_ws_callbacks;

/* The lws context on ctx's loop; FALSE on failure. */
gboolean yfl_ws_init(GMainLoop *loop);
void yfl_ws_shutdown(void);
/* Connects to wss://host:port/path (self-signed certificates accepted, or
 * ws:// when tls is FALSE) with the subprotocol given. */
yfl_ws *yfl_ws_connect(const char *host, int port, gboolean tls, const char *path, const char *protocol,
                       const yfl_ws_callbacks *cb, void *user);
/* Queues one message (takes msg). */
void yfl_ws_send_take(yfl_ws *ws, json_t *msg);
void yfl_ws_close(yfl_ws *ws);
void yfl_ws_free(yfl_ws *ws); /* accepts NULL; closes first */

#endif
