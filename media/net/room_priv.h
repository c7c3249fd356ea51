/* room_priv.h -- what room.c (control half: SDP, subscriber m-line
 * tables kept with media/core/sublines.h, the public API) and room_worker.c /
 * room_conn.c (worker half: agents, peers, the router) share. The halves
 * talk only through yf_room_msg (control -> worker, FIFO) and yf_net_note
 * (worker -> control, FIFO). */
#ifndef YF_ROOM_PRIV_H
#define YF_ROOM_PRIV_H

#include "iceconn.h"
#include "net_priv.h"
#include "media/core/offer_judge.h"
#include "media/core/router.h"
#include "media/core/sublines.h"
#include "media/rec/writer.h"
#include "room.h"
#include "media/sdp/sdp.h"

#define ROOM_UFRAG_LEN YF_ICECONN_UFRAG_LEN
#define ROOM_PWD_LEN YF_ICECONN_PWD_LEN

/* The worker's names for the core's types (media/core/sublines.h): a
 * published track, and one m-line of a subscriber offer. */
typedef yf_sublines_track yf_room_pub_track;
typedef yf_sublines_line yf_room_sub_line;

/* What the browser's answer took on one line of a subscriber offer. */
typedef struct {
    uint8_t red_pt;           /* RED under this pt; 0: Opus only */
    uint8_t rtx_pt;           /* RTX (padding probes) under this pt; 0: none */
    uint32_t rtx_ssrc;
} yf_room_sub_accept;

typedef enum {
    MSG_ADD_PART,
    MSG_REMOVE_PART,
    MSG_HANG_UP,      /* its connections end; its place and tracks stay */
    MSG_PUBLISH,      /* tracks + how the publisher connection changes */
    MSG_SUB_LINES,    /* the subscriber's wanted subscriptions; may create,
                         reset or ICE-restart its connection */
    MSG_SUB_ANSWER,   /* the browser's credentials for the subscriber conn;
                         CONN_NEW: from a new RTCPeerConnection */
    MSG_CANDIDATE,
    MSG_FORWARDING,
    MSG_CAPTURE,      /* start (dir) or stop (NULL) capturing the room */
} room_msg_kind;

/* What an offer or answer does to a connection; the "offer judgement"
 * decides (media/core/offer_judge.h, whose values these are): another o=
 * session id or another certificate means another RTCPeerConnection, hence
 * a new DTLS association. */
typedef enum {
    CONN_KEEP = YF_OFFER_JUDGE_KEEP, /* renegotiation: the connection stays */
    CONN_NEW = YF_OFFER_JUDGE_NEW,   /* a new DTLS association: new agent + new
                         peer (first offer, a reload); on MSG_SUB_ANSWER the
                         agent stays, ICE restarts and the peer is new */
    CONN_ICE_RESTART = YF_OFFER_JUDGE_ICE_RESTART, /* new ICE credentials, same
                         DTLS session */
} yf_room_conn_change;

/* A message from the control thread to the room's worker. Owns its arrays
 * and candidate. */
typedef struct {
    struct yf_room *room;
    room_msg_kind kind;
    uint32_t part;
    yf_pc_kind pc;
    yf_room_conn_change change;
    char local_ufrag[ROOM_UFRAG_LEN + 1], local_pwd[ROOM_PWD_LEN + 1];
    char remote_ufrag[257], remote_pwd[257], remote_fp[128];
    yf_dtls_role role;
    char mid[32];             /* what our local candidates carry ... */
    int mline;                /* ... and their m-line index */
    GArray *tracks;           /* yf_room_pub_track (PUBLISH) or yf_room_sub_line (SUB_LINES),
                                 yf_room_sub_accept per line (SUB_ANSWER) */
    NiceCandidate *cand;      /* CANDIDATE; NULL = end of candidates */
    gboolean audio, video;    /* FORWARDING */
    uint8_t twcc_id;          /* SUB_LINES: the offer's transport-cc id (0: none) */
    yf_rec_writer *rec;       /* CAPTURE: borrowed; NULL = stop */
    char *rec_dir;            /* CAPTURE: owned */
} yf_room_msg;

/* Control half of a room. Invariants: `parts` maps id -> yf_room_ctl_part and
 * holds exactly the participants added and not removed; the lines of a
 * part mirror, in order, the m-lines of its last subscriber offer; the
 * room's `h.closed` is set (control thread only) before any free, and
 * every note checks it. */
typedef struct {
    uint32_t id;
    gboolean observer;        /* receive-only: never a publisher connection */
    /* publisher connection */
    gboolean has_pub;
    char pub_ufrag[ROOM_UFRAG_LEN + 1], pub_pwd[ROOM_PWD_LEN + 1];
    char pub_remote_ufrag[257], pub_remote_fp[128];
    char pub_remote_session[32]; /* the offer's o= sess-id; "" if unknown */
    GArray *pub_tracks;       /* yf_room_pub_track */
    /* subscriber connection */
    yf_sublines lines;        /* its m-line table (media/core/sublines.h) */
    unsigned revision;        /* last offered; 0: never */
    unsigned sub_version;     /* o= version */
    uint64_t sub_session_id;
    gboolean sub_created;     /* the worker has a connection */
    yf_room_conn_change sub_pending; /* what the next offer does to it */
    char sub_ufrag[ROOM_UFRAG_LEN + 1], sub_pwd[ROOM_PWD_LEN + 1];
    char sub_remote_ufrag[257], sub_remote_fp[128]; /* "": no answer yet */
    char sub_remote_session[32]; /* the answer's o= sess-id; "" if unknown */
    uint8_t sub_twcc_id;      /* transport-cc id of its offers: chosen with a new
                                 connection, kept for its life (0: none yet) */
    yf_net_cand_budget pub_cands, sub_cands; /* remote candidates each may still send */
} yf_room_ctl_part;

typedef struct yf_room_wk yf_room_wk;

/* The room, shared by the control thread and its worker without a lock, by
 * ownership of field groups (as yf_echo_session, see echo_session.c):
 *  - h: as yf_net_handle says (net_priv.h); refs: the control handle plus
 *    one per message or note in flight;
 *  - immutable after yf_room_new: name; after the first participant:
 *    max_observers (the worker sizes its router by it);
 *  - control thread only: cb, user, parts, n_observers, fingerprint;
 *  - worker only: wk (created by the first message, freed by the teardown). */
struct yf_room {
    yf_net_handle h;
    char name[64];

    yf_room_callbacks cb;
    void *user;
    GHashTable *parts;        /* uint32 id -> yf_room_ctl_part* */
    unsigned n_observers;     /* of parts, those with ->observer */
    unsigned max_observers;
    char fingerprint[128];

    yf_room_wk *wk;
};

/* ---- worker half (room_worker.c, room_conn.c); worker thread only ---- */

typedef struct yf_room_wpart yf_room_wpart;

/* One connection of a participant: an ICE connection (iceconn.h: a libnice
 * stream and a yf_peer, whose peer comes at once for a publisher and with
 * the first answer for a subscriber) and what the room knows it by.
 * Invariant: once `closing` is set no note leaves for the control thread
 * and no event reaches the router. */
typedef struct {
    yf_room_wk *wk;
    yf_room_wpart *part;
    yf_pc_kind kind;
    unsigned serial;          /* per room, for logs */
    char mid[32];             /* what our local candidates carry ... */
    int mline;                /* ... and their m-line index */
    gboolean closing;
    yf_iceconn *ice;
} yf_room_conn;

/* A published track on the worker. rec is open only while the room is
 * captured and this track has media; rec_ssrc is the SSRC it was opened for
 * (a new SSRC -- a reloaded page -- starts a new file). */
typedef struct {
    char mid[32];
    uint32_t track_id;
    yf_track_kind kind;
    yf_codec codec;
    uint8_t pt;
    uint32_t clock_rate;
    yf_rec_track *rec;
    uint32_t rec_ssrc;
    uint8_t red_pt;           /* RED (RFC 2198) on the same SSRC, 0: none */
    uint8_t layers;           /* simulcast layers (0: one stream); the capture
                                 follows the one the router names (router.h) */
    uint8_t rid_ext_id;       /* simulcast: the rid extension and the layers' */
    char rids[YF_ROUTER_MAX_LAYERS][YF_ROUTER_RID_LEN]; /* rids, as the router has them */
} yf_room_wk_track;

typedef struct {
    uint32_t publisher;
    char pub_mid[32];
    uint32_t out_ssrc;
    uint8_t out_pt;
    gboolean active;
    uint32_t track_id;        /* the router subscription's track; 0: none */
    uint8_t red_pt;           /* the subscriber's answer took RED under it; 0: Opus only */
    uint8_t rtx_pt;           /* and RTX (the router's probes) under this; 0: none */
    uint32_t rtx_ssrc;
} yf_room_wk_sub;

struct yf_room_wpart {
    uint32_t id;
    yf_room_conn *pub, *sub;
    GArray *tracks;           /* yf_room_wk_track */
    GArray *subs;             /* yf_room_wk_sub */
    gboolean fwd_audio, fwd_video;
    uint8_t sub_twcc_id;      /* the router stamps this transport-cc id (0: none) */
    gboolean hung_up;         /* its page went (MSG_HANG_UP): no subscriber connection
                                 until one from its rejoin (CONN_NEW) */
};

/* Invariants: `conns` lists every live conn of `parts` (for the timer);
 * router_next is the router's timeout after its last drain. */
struct yf_room_wk {
    struct yf_room *room;
    yf_router *router;
    GHashTable *parts;        /* uint32 id -> yf_room_wpart* */
    GPtrArray *conns;
    GSource *timer;
    int64_t router_next;
    uint32_t speaker;
    unsigned next_serial;
    gboolean torn_down;
    yf_rec_writer *rec;       /* capturing into rec_dir while non-NULL */
    char *rec_dir;
    yf_router_stats counted;  /* what the worker's counters (net_stats.h) have of it */
    int64_t count_next_us;    /* when to add the router's news to them again */
    gboolean forwarding;      /* the input being handled is a publisher's RTP */
};

/* room_conn.c */
/* A connection as m says (credentials, DTLS role; a publisher's peer at
 * once), in wk->conns, gathering. */
yf_room_conn *yf_room_conn_new(yf_room_wk *wk, yf_room_wpart *part, yf_pc_kind kind, const yf_room_msg *m);
/* What m gives the connection's yf_iceconn_set_remote, _restart or
 * _new_remote; borrows m's strings. */
yf_iceconn_params yf_room_conn_params(const yf_room_msg *m);
/* Sends close_notify, frees the ICE connection, leaves wk->conns. Accepts
 * NULL. */
void yf_room_conn_free(yf_room_conn *c);

/* room_worker.c, called by room_conn.c */
void yf_room_wk_on_peer_event(yf_room_conn *c, int64_t now, const yf_output *o);
void yf_room_wk_after_input(yf_room_wk *wk, int64_t now);
/* p's subscriber connection is up: at its first DTLS connection, and again
 * when ICE comes back after a restart (the page's, after a cut or a new
 * network). What the router's downlink estimator learnt of the path before
 * (a cut's packets, all reported lost once feedback flows again) says
 * nothing of the one now: it starts afresh, and the subscriptions follow
 * the connection. */
void yf_room_wk_downlink_afresh(yf_room_wk *wk, yf_room_wpart *p, int64_t now);

/* room_capture.c: the capture tap (docs/recording-format.md). Publisher RTP
 * and sender reports are queued to the capture writer with their arrival
 * time; the writer thread does the disk work. */
void yf_room_cap_rtp(yf_room_wk *wk, yf_room_wpart *p, const uint8_t *pkt, size_t len);
void yf_room_cap_rtcp(yf_room_wk *wk, yf_room_wpart *p, const uint8_t *pkt, size_t len);
void yf_room_cap_close_track(yf_room_wk_track *t);
void yf_room_cap_close_part(yf_room_wpart *p);
/* Starts (rec != NULL; dir taken) or stops capturing; stopping closes every file. */
void yf_room_cap_set(yf_room_wk *wk, yf_rec_writer *rec, char *dir);

/* room.c */
/* Worker -> control notes (room_worker.c posts them; room.c delivers). */
void yf_room_note_candidate(struct yf_room *r, uint32_t part, yf_pc_kind pc, const char *cand,
                            const char *mid, int mline);
void yf_room_note_state(struct yf_room *r, uint32_t part, yf_pc_kind pc, const char *state,
                        const char *profile, const char *reason);
void yf_room_note_level(struct yf_room *r, uint32_t part, int level, gboolean speaker);
/* The participant's downlink carries its video again (FALSE) or not (TRUE). */
void yf_room_note_downlink(struct yf_room *r, uint32_t part, gboolean video_paused);

/* room_worker.c: runs a message on the worker (yf_net_post callback) and
 * tears the worker half down (the room's yf_net_handle_fn). */
gboolean yf_room_wk_dispatch(gpointer msg);
void yf_room_msg_free(gpointer msg);
void yf_room_wk_teardown(yf_net_handle *h);

#endif
