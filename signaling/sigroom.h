/* sigroom.h -- the hearing-room state machine of docs/protocol.md ("Hearing
 * rooms"): rooms by name, participants with roles from their room token, the
 * waiting room, host actions (admit, mute, remove), presence events, the
 * binding of a participant to one connection and the reconnection grace
 * period. Media goes through yf_room (media/net/room.h) behind a small ops
 * table, so tests can run it without media. Knows no websocket: a connection
 * is an opaque pointer with three ops. Control thread only. */
#ifndef YF_SIGROOM_H
#define YF_SIGROOM_H

#include <glib.h>
#include <jansson.h>

#include "codec.h"
#include "signaling/token/room_token.h"
#include "signaling/turn/turn_cred.h"
#include "media/net/room.h"

#define YF_SIGROOM_DEFAULT_GRACE_S 60
/* The hosts' rosters go out at most once per this many ms (sigroom.c,
 * announce): a change within it follows at its end. */
#define YF_SIGROOM_HOST_LIST_GAP_MS 250

typedef struct yf_sigroom_hub yf_sigroom_hub;
typedef struct yf_sigroom_member yf_sigroom_member;

/* What the room needs of a connection (a websocket session in ws.c). */
typedef struct {
    void (*send_take)(void *conn, char *msg);   /* queue one message (takes it; NULL = nothing) */
    void (*unbind)(void *conn);                 /* conn no longer belongs to a member: forget it */
    void (*close)(void *conn);                  /* close conn after what is queued */
} yf_sigroom_conn_ops;

/* The yf_room functions the state machine uses; NULL ops means the real ones. */
typedef struct {
    yf_room *(*room_new)(yf_net *m, const char *name, const yf_room_callbacks *cb, void *user,
                         GError **err);
    void (*room_free)(yf_room *r);
    gboolean (*add_participant)(yf_room *r, uint32_t participant, GError **err);
    void (*remove_participant)(yf_room *r, uint32_t participant);
    void (*hang_up)(yf_room *r, uint32_t participant);   /* connections end, place kept */
    gboolean (*publish_offer)(yf_room *r, uint32_t participant, const char *sdp, char **answer,
                              GError **err);
    gboolean (*subscribe_answer)(yf_room *r, uint32_t participant, unsigned revision,
                                 const char *sdp, GError **err);
    gboolean (*subscribe_reset)(yf_room *r, uint32_t participant, GError **err);
    gboolean (*subscribe_restart)(yf_room *r, uint32_t participant, GError **err);
    gboolean (*add_remote_candidate)(yf_room *r, uint32_t participant, yf_pc_kind pc,
                                     const char *candidate, GError **err);
    void (*set_forwarding)(yf_room *r, uint32_t participant, gboolean audio, gboolean video);
    void (*set_capture)(yf_room *r, yf_rec_writer *w, const char *dir);   /* may be NULL */
    /* Receive-only observers (旁听), outside the publishers' cap; NULL:
     * observers are added with add_participant. */
    gboolean (*add_observer)(yf_room *r, uint32_t participant, GError **err);
    void (*set_max_observers)(yf_room *r, unsigned n);                     /* may be NULL */
} yf_sigroom_media_ops;

/* Recording (server/recorder/recorder.c). room_opened: a room has just opened;
 * returns the directory to capture it into (g_free) or NULL (not recorded
 * now). member: a participant entered the media of a captured room, as
 * participant number `num` of its capture files, at entered_ms (wall time,
 * ms: when they themselves joined for roles that enter directly, when the
 * host admitted them for those who wait); called again for everyone in the
 * media, with the same entered_ms, when capture starts on a live room.
 * room_closed: a captured room closed, so its capture ended. Control thread;
 * any hook may be NULL. */
typedef struct {
    char *(*room_opened)(void *user, const char *room);
    void (*member)(void *user, const char *room, uint32_t num, const char *participant, const char *name,
                   const char *role, gint64 entered_ms);
    void (*room_closed)(void *user, const char *room);
} yf_sigroom_capture_hooks;

/* What happens in a room that belongs in the audit log: joined, waiting,
 * admitted, muted/unmuted, removed, left, disconnected, rejoined, expired.
 * `participant` and `by` are the token's participant ids ("staff:3",
 * "invitee:9"; by is NULL when nobody acted), role the token's role, detail
 * may be NULL. Called on the control thread as it happens. */
typedef void (*yf_sigroom_audit_fn)(void *user, const char *room, const char *action,
                                    const char *participant, const char *role, const char *by,
                                    const char *detail);

/* media, key, ice_servers (a JSON array), conn and mops are borrowed and must
 * outlive the hub; mops NULL selects the real yf_room functions. grace_s >= 0:
 * how long a dropped participant keeps its place (0: removed at once). */
yf_sigroom_hub *yf_sigroom_hub_new(yf_net *media, const yf_room_key *key, int grace_s,
                                   const json_t *ice_servers, const yf_sigroom_conn_ops *conn,
                                   const yf_sigroom_media_ops *mops);
/* Frees every room (no event is sent; connections are not told). Accepts NULL. */
void yf_sigroom_hub_free(yf_sigroom_hub *h);
/* Sets the audit hook (NULL: none). */
void yf_sigroom_hub_set_audit(yf_sigroom_hub *h, yf_sigroom_audit_fn fn, void *user);
/* Tests: the grace period in milliseconds instead of seconds. */
void yf_sigroom_hub_set_grace_ms(yf_sigroom_hub *h, guint grace_ms);
guint yf_sigroom_hub_n_rooms(const yf_sigroom_hub *h);
/* Sets the capture writer (borrowed: must outlive the hub) and hooks (copied). */
void yf_sigroom_hub_set_capture(yf_sigroom_hub *h, yf_rec_writer *w, const yf_sigroom_capture_hooks *hooks,
                                void *user);
/* Whether the holder of claims may enter their room now: TRUE, or FALSE with
 * *code and *why (a static sentence): YF_SIG_ERR_ENDED when the hearing is
 * over (ended, its appointment cancelled, its case closed),
 * YF_SIG_ERR_NOT_STARTED when its hearing has not started (nothing would be
 * recorded: the page waits and asks again),
 * YF_SIG_ERR_FORBIDDEN when this person may no longer come in (removed by
 * the host, invitation withdrawn, account disabled, sign-in ended),
 * YF_SIG_ERR_BUSY when it cannot be told now. Asked on every room.join
 * after the token is verified, rejoins included; control thread. */
typedef gboolean (*yf_sigroom_gate_fn)(void *user, const yf_room_claims *claims, yf_sig_errc *code,
                                       const char **why);
/* Sets the gate (NULL: every room may be entered). */
void yf_sigroom_hub_set_gate(yf_sigroom_hub *h, yf_sigroom_gate_fn fn, void *user);
/* The case store's side of a room (server/recorder). info: the HEARING object
 * of docs/protocol.md for a room (case number, kind, appointment time, host,
 * start, recording), a new reference, or NULL (no appointment behind the
 * room, or the store cannot say now). end: the host whose token names
 * `participant` ends the room's hearing in the store: TRUE with *hearing_id,
 * or FALSE with *code and *why (a static sentence). ended: called after the
 * host has had its reply, as for a hearing ended over REST (capture stops,
 * the room ends for everyone: the member who asked is gone afterwards).
 * Control thread; any hook may be NULL. */
typedef struct {
    json_t *(*info)(void *user, const char *room);
    gboolean (*end)(void *user, const char *room, const char *participant, gint64 *hearing_id,
                    yf_sig_errc *code, const char **why);
    void (*ended)(void *user, gint64 hearing_id);
} yf_sigroom_hearing_hooks;
/* Sets the hearing hooks (copied; NULL: none). */
void yf_sigroom_hub_set_hearing(yf_sigroom_hub *h, const yf_sigroom_hearing_hooks *hooks, void *user);
/* Ends a room for everyone in it: each is sent room.ended {reason}, leaves
 * the media and has its connection closed; the room closes once empty. No
 * such room: nothing happens. Later joins are for the gate to refuse. */
void yf_sigroom_hub_end_room(yf_sigroom_hub *h, const char *room, const char *reason);
/* The server is stopping: every open gallery closes, so that nobody
 * waiting is let in while the members are taken out. */
void yf_sigroom_hub_stopping(yf_sigroom_hub *h);
/* The server's media sessions, shared by the device tests (ws.c) and the
 * hearing rooms: a participant in a room's media is one. Invariant:
 * 0 <= used <= max. */
typedef struct {
    int used, max;
} yf_media_budget;
/* Counts room participants against b (borrowed, outlives the hub; NULL: no
 * server-wide cap). A participant the budget has no room for is not let
 * into the media: room.join (or the host's room.admit) gets busy. */
void yf_sigroom_hub_set_budget(yf_sigroom_hub *h, yf_media_budget *b);
/* Observers (旁听) one room carries besides its publishers (rooms opened
 * from now on; default YF_ROOM_DEFAULT_MAX_OBSERVERS). */
void yf_sigroom_hub_set_max_observers(yf_sigroom_hub *h, unsigned n);
/* Open rooms, and the participants in their media: *publishers (everyone
 * who may publish: hosts, parties, witnesses...) and *observers. For
 * /metrics; control thread. */
void yf_sigroom_hub_count(const yf_sigroom_hub *h, unsigned *rooms, unsigned *publishers,
                          unsigned *observers);
/* TURN credentials for each room.join reply, labelled with the participant
 * id (NULL: none); turn is borrowed and must outlive the hub. */
void yf_sigroom_hub_set_turn(yf_sigroom_hub *h, const yf_turn *turn);
/* Starts (dir) or stops (NULL) capturing an open room. FALSE: no such room. */
gboolean yf_sigroom_hub_capture(yf_sigroom_hub *h, const char *room, const char *dir);

/* A public hearing's agenda (sigroom_agenda.c, docs/protocol.md "Public
 * hearings"). load: the room's running hearing is a public hearing: TRUE
 * with *step (0: the agenda has not begun) and *since_ms (when it moved
 * there); FALSE when it has no agenda or the store cannot say now. set: the
 * host whose token names `participant` moves it to step (1..7) at now_ms:
 * stored, audited, a section in the notes; FALSE with *code and *why (a
 * static sentence). Control thread; either may be NULL (no agenda). */
typedef struct {
    gboolean (*load)(void *user, const char *room, int *step, gint64 *since_ms);
    gboolean (*set)(void *user, const char *room, const char *participant, int step, gint64 now_ms,
                    yf_sig_errc *code, const char **why);
} yf_sigroom_agenda_hooks;
/* Sets the agenda hooks (copied; NULL: none). */
void yf_sigroom_hub_set_agenda(yf_sigroom_hub *h, const yf_sigroom_agenda_hooks *hooks, void *user);
/* The deliberation room of hearing room R is named R + this suffix; no room
 * token may name it (only room.join "part":"deliberation" of a 听证员 enters). */
#define YF_SIGROOM_DELIBERATION_SUFFIX ".deliberation"
/* The agenda step during which the deliberation room is open (休会评议). */
#define YF_SIGROOM_DELIBERATION_STEP 4

/* room.join from conn: verifies the token, creates the room on first join,
 * adds the participant or binds the one with the same token again (same id,
 * no waiting room; a live older connection is told room.removed and closed).
 * Sends the reply to conn itself, then the events. Returns the member now
 * bound to conn, or NULL (an error reply was sent). */
yf_sigroom_member *yf_sigroom_join(yf_sigroom_hub *h, void *conn, const yf_sig_request *req);
/* Any other room request from the connection bound to m: one function per
 * type; sends the reply (and events). m may be gone when this returns (after
 * room.leave the conn is unbound first). */
void yf_sigroom_request(yf_sigroom_member *m, const yf_sig_request *req);
/* The connection bound to m is gone: m becomes "reconnecting" for the grace
 * period, then is removed. */
void yf_sigroom_detach(yf_sigroom_member *m);

/* For logs and tests: "p3". */
const char *yf_sigroom_member_id(const yf_sigroom_member *m);

#endif
