/* router_priv.h -- the router's tables and output queue, shared by
 * router.c (tables, queue, API), router_rtp.c (the RTP path) and
 * router_rtcp.c (RTCP in, timers, reports). Internal to media/core. */
#ifndef YF_ROUTER_PRIV_H
#define YF_ROUTER_PRIV_H

#include "nack.h"
#include "pktbuf.h"
#include "reports.h"
#include "rewrite.h"
#include "rtx_guard.h"
#include "router.h"
#include "rtcp.h"
#include "rtp.h"
#include "twcc.h"
#include "bwe.h"
#include "layer.h"
#include "twcc_send.h"
#include "probe.h"

#define RTCP_SLOTS 64
#define RTCP_SLOT_CAP 1200
#define NO_IDX (-1)

/* Invariant: used participants have distinct ids; timers are 0 until armed. */
/* What every lookup and the next-timeout scan read (used, id, the timers)
 * comes first, in one cache line, before the 8 KiB of TWCC state: a room of
 * hundreds of observers is scanned one line per participant. */
typedef struct {
    bool used;
    uint32_t id;
    int64_t next_rr_us, next_twcc_us, next_sr_us;
    uint32_t rtcp_ssrc;       /* our SSRC towards its publisher connection */
    uint8_t twcc_ext_id;      /* last nonzero of its tracks; nonzero => twcc */
    uint32_t twcc_media_ssrc;
    yf_twcc_recv *twcc;       /* its publishing's feedback state (8 KiB): made
                                 with its first track that names the extension,
                                 so an observer, who never publishes, has none */
    /* The subscriber connection's downlink (twcc_send.h, bwe.h, layer.h):
     * sub_twcc_id 0 = not negotiated, nothing stamped or estimated;
     * video_paused: the estimate cannot carry its video, audio only. */
    uint8_t sub_twcc_id;
    bool video_paused;
    int level;              /* simulcast: the layer its downlink carries (layer.h;
                               YF_LAYER_MAX - 1 until chosen: the highest) */
    bool seq_started;       /* a transport-wide seq went out: it continues */
    yf_twcc_send tx;
    yf_bwe bwe;
    yf_layer_choice layer;
    yf_probe probe;           /* a move up is asked of the link first (probe.h) */
    int64_t probe_next_us;    /* its next padding tick or deadline; 0 none */
    int64_t probe_goal_bps;   /* the rate the layer asked for needs; probes
                                 step up to it, each at most twice the last */
    int probe_sub;            /* the subscription its padding went on last; -1 none */
} rt_participant;

/* Invariant: a used track's owner is a used participant; subs heads the
 * list of its subscriptions linked by next_in_track. */
typedef struct {
    bool used;
    uint32_t id;
    int owner;
    size_t pool_share;        /* buffers this track added to pool_reserved */
    yf_router_track_config cfg;
    uint32_t ssrc;            /* current source; 0 until learnt */
    uint32_t prev_ssrc;       /* the one before a switch (its stragglers are dropped) */
    yf_rtx_cache cache;
    yf_nack_gen nack;
    yf_rx_stats rx;
    yf_sr_clock sr;
    int64_t last_pli_us;      /* 0: never */
    bool pli_pending;         /* a request waits for the rate limit */
    bool paused;              /* yf_router_set_track_forwarding(false): cached, not fanned out */
    int subs;
    uint64_t packets, keyframes;
    uint8_t level;            /* 127 until heard */
    uint32_t loud_sum, loud_n; /* this speaker interval: sum of 127 - level */
    uint8_t reported_level;
    uint64_t rate_bytes;      /* this rate window (RTP bytes received) */
    int64_t rate_since_us;    /* its start; 0 before the first packet */
    int64_t rate_bps;         /* the last full window's rate */
    /* Simulcast (router_layers.c): a track with cfg.n_layers >= 2 receives
     * nothing itself and has no cache; its layers are tracks of their own
     * (layers[0..n_layers), lowest first) with parent = its index, found
     * only by SSRC, never by id from outside; subscriptions are the
     * parent's. parent is NO_IDX for every other track. */
    int parent;
    int n_layers;
    int layers[YF_ROUTER_MAX_LAYERS];
    int layer;                /* a layer: its place, 0 lowest */
    int rec_layer;            /* a simulcast track: the layer the recording
                                 follows (the highest that sends), -1 none yet */
    int64_t last_rx_us;       /* a layer: its last packet; 0 none */
} rt_track;

typedef struct {
    bool used;
    int sub;                  /* participant index */
    int track;
    int next_in_track;
    yf_rewrite rw;
    uint64_t packets, octets, retransmitted;
    uint8_t fraction_lost;
    uint32_t jitter;
    int64_t rr_at_us;         /* its last RR block on this stream; 0: none */
    uint8_t red_pt;           /* RED as it comes, under this pt; 0: plain Opus */
    yf_rtx_guard guard;       /* how often its NACKs are answered (rtx_guard.h) */
    int8_t layer;             /* simulcast: the layer forwarded now, -1 none */
    int8_t want;              /* the layer its downlink is given, -1 none */
    uint64_t switches;
    uint32_t rtx_ssrc;        /* its RTX stream (the answer took it), 0 none:
                                 where the subscriber's probes pad */
    uint8_t rtx_pt;
    uint16_t rtx_seq;
} rt_sub;

typedef struct {
    uint8_t kind;             /* yf_router_output_kind */
    uint8_t conn;
    uint8_t pt;
    uint8_t event;
    uint8_t level;
    bool rtx;
    uint16_t seq;
    uint16_t rtcp_len;
    uint16_t rtcp_slot;
    uint32_t participant;
    uint32_t part_idx;        /* RTP: the subscriber's slot (stamping) */
    uint8_t pub_twcc_id;      /* RTP: the publisher's transport-cc id (removed) */
    uint16_t pad;             /* RTP: a probe's padding-only packet of this many
                                 padding bytes (buf NULL), 0: a packet of buf */
    uint8_t cluster;          /* padding: the probe cluster it belongs to */
    uint32_t ssrc, ts, track_id;
    yf_pktbuf *buf;           /* RTP: holds one reference */
} rt_out;

struct yf_router {
    yf_router_config cfg;
    uint64_t rng;
    rt_participant *parts;    /* parts_cap slots (<= cfg.max_participants) */
    rt_track *tracks;
    rt_sub *subs;             /* subs_cap slots (<= cfg.max_subscriptions) */
    unsigned parts_cap, subs_cap;
    uint32_t next_track_id;
    yf_pktbuf_pool *pool;
    size_t pool_reserved;     /* buffers promised to live tracks (+ the initial 64):
                                 the pool grows only past this, so tracks that come
                                 and go reuse buffers instead of growing it */
    rt_out *q;                /* FIFO ring */
    size_t q_cap, q_head, q_len;
    uint8_t (*rtcp)[RTCP_SLOT_CAP];
    size_t rtcp_head, rtcp_len;
    int64_t next_speaker_us;
    int active_speaker;       /* track index or NO_IDX */
    yf_router_stats st;
    uint64_t lost_retired;    /* loss of tracks and sources no longer here */
    yf_twcc_result *fb_res;   /* YF_TWCC_SEND_MAX_STATUS: one feedback's packets */
    _Alignas(16) uint8_t scratch[YF_PKTBUF_CAP + 16];
};

uint32_t yf_router_random32(yf_router *r);
int yf_router_find_participant(const yf_router *r, uint32_t id);
int yf_router_find_track(const yf_router *r, uint32_t id);
/* Queue helpers: each returns false (and counts a drop) when full. */
bool yf_router_push_rtp(yf_router *r, rt_sub *s, yf_pktbuf *b, uint16_t seq, uint32_t ts, bool rtx);
/* A probe's padding-only packet on s's RTX stream. */
bool yf_router_push_padding(yf_router *r, rt_sub *s, uint16_t pad, uint8_t cluster);
/* Writes RTCP: slot to fill, then commit with its length. */
uint8_t *yf_router_rtcp_begin(yf_router *r);
void yf_router_rtcp_commit(yf_router *r, uint32_t participant, yf_router_conn conn, size_t len);
void yf_router_push_event(yf_router *r, yf_router_event_kind ev, uint32_t participant,
                   uint32_t track_id, uint8_t level);

/* router_bwe.c */
void yf_router_downlink_reset(yf_router *r, int part);
/* A subscriber's transport-cc feedback: estimate, then the layer choice. */
void yf_router_on_downlink_feedback(yf_router *r, int64_t now_us, int part, const yf_rtcp_packet *pk);
/* Copies b into dst with the subscriber's transport-wide seq: the new
 * length; 0 when the subscriber has none (the caller copies); -1 when the
 * packet's extension block cannot be rewritten (not to be sent). */
long yf_router_stamp_twcc(yf_router *r, int64_t now_us, const rt_out *o, const yf_pktbuf *b,
                          uint8_t *dst, size_t cap);
/* Whether the subscriber's downlink is audio only (video not forwarded). */
static inline bool yf_router_video_paused(const yf_router *r, int part)
{
    return r->parts[part].video_paused;
}
void yf_router_track_rate(rt_track *t, int64_t now_us, size_t len);
/* A probe's padding and verdict, when probe_next_us has come. */
void yf_router_probe_tick(yf_router *r, int64_t now_us, int part);
/* Writes a probe's padding-only packet of o into dst: its length, 0 when
 * it cannot be sent (the subscriber left or has no transport-cc). */
size_t yf_router_write_padding(yf_router *r, int64_t now_us, const rt_out *o, uint8_t *dst, size_t cap);

/* router_red.c */
/* false (counted) when t takes RED and h is a RED packet that does not
 * parse or whose primary is not t's pt: the packet is dropped. */
bool yf_router_red_ok(yf_router *r, const rt_track *t, const yf_rtp_header *h);
/* yf_router_push_rtp for fan-out: a RED packet goes as it is to a
 * subscription that takes RED, else as its primary (made once per packet
 * into *plain, which the caller unrefs). */
bool yf_router_push_fanned(yf_router *r, const rt_track *t, rt_sub *s, yf_pktbuf *b,
                           uint16_t seq, uint32_t ts, yf_pktbuf **plain);
/* router_layers.c (simulcast) */
/* Adds the layer tracks of track t (cfg.n_layers >= 2). YF_ENOMEM. */
int yf_router_layers_add(yf_router *r, int t);
/* The layer track of simulcast track t that this packet's rid names (its
 * mid, when present, t's); NO_IDX if none. */
int yf_router_layers_match(const yf_router *r, const rt_track *t, const yf_rtp_header *h);
/* Fans a packet of layer track l out to its parent's subscribers, each
 * getting the layer its downlink carries, switching at keyframes. */
void yf_router_layers_fan_out(yf_router *r, int64_t now_us, rt_track *l, yf_pktbuf *b);
/* Every packet of layer track l, before any fan-out: the recording moves
 * to the highest layer that sends, at that layer's keyframe. */
void yf_router_layers_on_packet(yf_router *r, int64_t now_us, rt_track *l, const yf_pktbuf *b);
/* The track whose packets s gets now: s's layer of a simulcast track, else
 * s's track. */
rt_track *yf_router_sub_source(const yf_router *r, const rt_sub *s);
/* The rate (bit/s) of track t as a subscriber at `level` gets it, 0 when
 * not measured; *levels gets how many levels t has (1 without simulcast). */
int64_t yf_router_layers_rate(const yf_router *r, int64_t now_us, const rt_track *t, int level,
                              int *levels);
/* Whether a track's packets came within the last 2 s (router_bwe.c). */
bool yf_router_track_live(const rt_track *t, int64_t now_us);
int64_t yf_router_track_rate_now(const rt_track *t, int64_t now_us);

/* router.c: a fresh track in slot t of participant index p. */
void yf_router_track_init(yf_router *r, rt_track *t, int p, const yf_router_track_config *cfg);
/* router.c: the source of track index t is now ssrc (0: learn it). */
void yf_router_source_replace(yf_router *r, int64_t now_us, int t, uint32_t ssrc);

/* router_rtcp.c */
void yf_router_request_keyframe(yf_router *r, int64_t now_us, rt_track *t, bool retry);
int64_t yf_router_rtcp_next_timeout(const yf_router *r);

#endif
