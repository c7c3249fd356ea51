/* sigroom_priv.h -- the structs shared by sigroom.c (membership, waiting room, host
 * actions, grace timers) and sigroom_media.c (media requests and callbacks).
 * Not for other modules. Control thread only. */
#ifndef YF_SIGROOM_PRIV_H
#define YF_SIGROOM_PRIV_H

#include "sigroom.h"

typedef struct yf_sigroom yf_sigroom;

struct yf_sigroom_hub {
    yf_net *media;
    yf_room_key key;
    guint grace_ms;
    const json_t *ice_servers;
    const yf_turn *turn;        /* may be NULL */
    const yf_sigroom_conn_ops *conn;
    const yf_sigroom_media_ops *mops;
    GHashTable *rooms;          /* name -> yf_sigroom (owned) */
    yf_sigroom_audit_fn audit;  /* may be NULL */
    void *audit_user;
    yf_rec_writer *rec;         /* NULL: rooms are not captured */
    yf_sigroom_capture_hooks capture;
    void *capture_user;
    yf_sigroom_gate_fn gate;    /* may be NULL */
    void *gate_user;
    yf_sigroom_hearing_hooks hearing;   /* each may be NULL */
    void *hearing_user;
    yf_media_budget *budget;    /* may be NULL */
    yf_sigroom_agenda_hooks agenda;     /* each may be NULL */
    void *agenda_user;
    unsigned max_observers;     /* per room, given to each new room's media */
};

/* Invariants: members in join order; every member's num unique and != 0;
 * media != NULL for the room's lifetime; empty_timer != 0 only while members
 * is empty. */
struct yf_sigroom {
    yf_sigroom_hub *hub;
    char *name;
    yf_room *media;
    GPtrArray *members;         /* of yf_sigroom_member (owned) */
    GHashTable *removed;        /* token participant ids the host removed */
    GHashTable *host_mutes;     /* token participant id -> HOST_MUTED_* bits: a
                                   host mute outlives leaving and rejoining */
    GHashTable *nums;           /* token participant id -> the num it had, so a
                                   participant who rejoins keeps "p<num>" and
                                   their old media lines come back */
    uint32_t next_num;
    guint empty_timer;
    /* The hosts' rosters (everyone, observers included) go out at most once
     * per YF_SIGROOM_HOST_LIST_GAP_MS: hosts_told_us is when they last did,
     * hosts_timer the pending send of a change made since (0: none). */
    gint64 hosts_told_us;
    guint hosts_timer;
    gboolean capturing;
    /* A public hearing's gallery (room.gallery): while open, an observer who
     * joins comes in at once, as if gallery_by (the token participant id of
     * the host who opened it) had admitted them. */
    gboolean gallery_open;
    char *gallery_by;
    /* A public hearing's agenda (sigroom_agenda.c), on the hearing room only:
     * has_agenda => 0 <= agenda_step <= 7; timer_running => timer_start_ms != 0. */
    gboolean has_agenda;
    int agenda_step;            /* 0: not begun */
    gint64 step_since_ms;
    gboolean timer_running;
    gint64 timer_start_ms;      /* running: since when */
    gint64 timer_ms;            /* stopped: the time it showed when stopped */
    int timer_limit_s;          /* 0: no limit */
    gboolean deliberation;      /* this is a hearing room's deliberation room */
};

/* Invariants: conn == NULL <=> grace_timer != 0 (a dropped member waits to be
 * bound again); in_media => admitted; in_media <=> entered_ms != 0; state is
 * derived, never stored. */
struct yf_sigroom_member {
    yf_sigroom *room;
    uint32_t num;
    char id[16];                /* "p<num>" */
    char *pid, *name, *role;    /* from the token */
    gboolean host, admitted, in_media;
    gboolean observer;          /* role observer (旁听): receive-only, and not in
                                   the roster others get (docs/protocol.md) */
    gint64 entered_ms;          /* wall time it entered the media: at its own join
                                   for roles that do not wait, else at the host's admit */
    gboolean audio_muted, video_muted, host_muted_audio, host_muted_video;
    void *conn;
    guint grace_timer;
    gboolean sub_offered;
    guint32 sub_revision;       /* of the last subscribe.offer sent */
    char *told_participants;    /* the last room.participants and room.waiting */
    char *told_waiting;         /* sent on conn (NULL: none yet) */
    gboolean media_up;          /* its publish connection has been connected (since its last bind) */
    gboolean media_lost;        /* it failed after that while its websocket stayed:
                                   room.media_lost was audited, room.media_back is due */
};

#define HOST_MUTED_AUDIO 1
#define HOST_MUTED_VIDEO 2

extern const yf_room_callbacks yf_sigroom_media_callbacks;

/* room.c */
void yf_sigroom_send(yf_sigroom_member *m, char *msg);
void yf_sigroom_reply_error(yf_sigroom_member *m, const yf_sig_request *req, yf_sig_errc code,
                            const char *msg);
yf_sigroom_member *yf_sigroom_find_num(yf_sigroom *r, uint32_t num);
void yf_sigroom_broadcast(yf_sigroom *r, char *msg);    /* to every bound admitted member */

/* Appends action on m to the audit log (and so to the recorder's notes). */
void yf_sigroom_audit(const yf_sigroom_member *m, const char *action, const char *detail);
/* Takes m out of its room (media, connection, the others told). */
void yf_sigroom_member_drop(yf_sigroom_member *m, const char *why);
/* sigroom_agenda.c */
void yf_sigroom_agenda_request(yf_sigroom_member *m, const yf_sig_request *req);
/* Sends m (admitted, bound) the agenda of its hearing, when it has one. */
void yf_sigroom_agenda_tell(yf_sigroom_member *m);
/* room.join with "part":"deliberation": TRUE when the holder of c may enter
 * the deliberation room now (c->room is then that room's name, and the
 * holder has left the hearing room's media); FALSE after the error reply.
 * Also refuses any token that names a deliberation room itself. */
gboolean yf_sigroom_deliberation_admit(yf_sigroom_hub *h, void *conn, const yf_sig_request *req,
                                       yf_room_claims *c);
/* A new room: loads the agenda from the store (hearing rooms only). */
void yf_sigroom_agenda_opened(yf_sigroom *r);
/* Ends room's deliberation room, if open, for everyone in it (reason). */
void yf_sigroom_deliberation_close(yf_sigroom_hub *h, const char *room, const char *reason);

/* room_media.c: one function per media request type. */
void yf_sigroom_publish_offer(yf_sigroom_member *m, const yf_sig_request *req);
void yf_sigroom_subscribe_answer(yf_sigroom_member *m, const yf_sig_request *req);
void yf_sigroom_subscribe_restart(yf_sigroom_member *m, const yf_sig_request *req);
void yf_sigroom_ice_candidate(yf_sigroom_member *m, const yf_sig_request *req);
/* Puts m into the room's media (after admission) and notes when. NULL, or
 * what stopped it (a sentence for the busy reply; the log has more). */
const char *yf_sigroom_media_add(yf_sigroom_member *m);
void yf_sigroom_media_remove(yf_sigroom_member *m);
/* Its websocket went away: its connections end, its place stays. */
void yf_sigroom_media_hang_up(yf_sigroom_member *m);
/* A reloaded page joined again: a fresh subscriber connection (its offer follows). */
void yf_sigroom_media_rejoin(yf_sigroom_member *m);
/* Starts (dir) or stops (NULL) the room's capture and tells the recorder
 * who is in the media. */
void yf_sigroom_capture_set(yf_sigroom *r, const char *dir);

#endif
