/* codec.h -- JSON <-> struct codec for signaling protocol v1 (docs/protocol.md).
 * Pure functions on jansson and GLib: no websocket, no session state, no
 * logging. Input is untrusted: every failure is a GError in YF_SIG_ERROR,
 * never an assert. Output is compact JSON that always carries "v":1. */
#ifndef YF_SIG_CODEC_H
#define YF_SIG_CODEC_H

#include <stddef.h>

#include <glib.h>
#include <jansson.h>

#define YF_SIG_PROTOCOL_VERSION 1
#define YF_SIG_MAX_MESSAGE   65536 /* bytes of one websocket message */
#define YF_SIG_MAX_DEPTH     16    /* nesting of arrays/objects in a request */
#define YF_SIG_MAX_ID        64    /* bytes of a string id */
#define YF_SIG_MAX_CLIENT    256
#define YF_SIG_MAX_SDP       32768
#define YF_SIG_MAX_CANDIDATE 1024
#define YF_SIG_MAX_MID       64
#define YF_SIG_MAX_MLINE     63
#define YF_SIG_MAX_TOKEN     4096  /* bytes of a room token */
#define YF_SIG_MAX_PARTICIPANT 16  /* bytes of a participant id ("p12") */
#define YF_SIG_AGENDA_STEPS  7     /* a public hearing's agenda: steps 1..7 */
#define YF_SIG_MAX_TIMER_S   7200  /* a speaking timer's limit */

/* The stable error codes of protocol v1; yf_sig_errc_str() gives the wire
 * string. Used as GError codes in the YF_SIG_ERROR domain. */
typedef enum {
    YF_SIG_ERR_BAD_JSON,
    YF_SIG_ERR_TOO_LARGE,
    YF_SIG_ERR_BAD_REQUEST,
    YF_SIG_ERR_UNKNOWN_TYPE,
    YF_SIG_ERR_UNSUPPORTED_VERSION,
    YF_SIG_ERR_NOT_READY,
    YF_SIG_ERR_BAD_SDP,
    YF_SIG_ERR_BAD_CANDIDATE,
    YF_SIG_ERR_BUSY,
    YF_SIG_ERR_INTERNAL,
    YF_SIG_ERR_BAD_TOKEN,
    YF_SIG_ERR_TOKEN_EXPIRED,
    YF_SIG_ERR_FORBIDDEN,
    YF_SIG_ERR_NOT_FOUND,
    YF_SIG_ERR_STALE,
    YF_SIG_ERR_ENDED,
    YF_SIG_ERR_NOT_STARTED,
} yf_sig_errc;
#define YF_SIG_ERR_LAST YF_SIG_ERR_NOT_STARTED   /* move it with a new last code */

#define YF_SIG_ERROR (yf_sig_error_quark())
GQuark yf_sig_error_quark(void);

/* "bad_json", ...; "internal" for a value outside the enum. Static string. */
const char *yf_sig_errc_str(yf_sig_errc code);

/* A request id as the client sent it, kept by value (no ownership) so a
 * session can copy it freely. Invariants: !set => the reply carries null;
 * set && is_int => num >= 0; set && !is_int => str is NUL-terminated UTF-8 of
 * at most YF_SIG_MAX_ID bytes. */
typedef struct yf_sig_id {
    gboolean set;
    gboolean is_int;
    gint64 num;
    char str[YF_SIG_MAX_ID + 1];
} yf_sig_id;

typedef enum {
    YF_SIG_NONE = 0,
    YF_SIG_HELLO,
    YF_SIG_ECHO_OFFER,
    YF_SIG_ICE_CANDIDATE,
    YF_SIG_BYE,
    YF_SIG_ROOM_JOIN,
    YF_SIG_PUBLISH_OFFER,
    YF_SIG_SUBSCRIBE_ANSWER,
    YF_SIG_SUBSCRIBE_RESTART,
    YF_SIG_ROOM_MUTE_SELF,
    YF_SIG_ROOM_ADMIT,
    YF_SIG_ROOM_MUTE,
    YF_SIG_ROOM_REMOVE,
    YF_SIG_ROOM_LEAVE,
    YF_SIG_ROOM_END,
    YF_SIG_AGENDA_STEP,
    YF_SIG_AGENDA_TIMER,
    YF_SIG_ROOM_GALLERY,
} yf_sig_type;

/* Which of a room participant's two connections a candidate or state is for. */
typedef enum { YF_SIG_PC_NONE = -1, YF_SIG_PC_PUBLISH = 0, YF_SIG_PC_SUBSCRIBE = 1 } yf_sig_pc;
/* "publish", "subscribe"; NULL for YF_SIG_PC_NONE. */
const char *yf_sig_pc_str(yf_sig_pc pc);

/* A parsed request. Owns every string (g_malloc'd); release with
 * yf_sig_request_clear(). Only the member of the request's type is filled;
 * optional strings absent (or null) on the wire are NULL. */
typedef struct yf_sig_request {
    yf_sig_type type;
    yf_sig_id id;
    struct {
        char *client;          /* optional, <= YF_SIG_MAX_CLIENT bytes */
    } hello;
    struct {
        char *sdp;             /* required, <= YF_SIG_MAX_SDP bytes: echo.offer,
                                  publish.offer, subscribe.answer */
        guint32 revision;      /* subscribe.answer: required, 0..2^32-1 */
    } offer;
    struct {
        char *candidate;       /* required, may be "" (end of candidates) */
        char *sdp_mid;         /* optional, <= YF_SIG_MAX_MID bytes */
        int sdp_mline_index;   /* 0..YF_SIG_MAX_MLINE, or -1 when absent */
        yf_sig_pc pc;          /* optional ("publish"/"subscribe"); rooms need it */
    } ice;
    struct {
        char *token;           /* room.join: required, 1..YF_SIG_MAX_TOKEN bytes */
        gboolean deliberation; /* room.join: optional "part":"deliberation" (a
                                  public hearing's deliberation room) */
    } join;
    struct {
        char *participant;     /* room.admit/mute/remove: required, <= YF_SIG_MAX_PARTICIPANT
                                  (room.admit: or all_observers instead) */
        char kind[8];          /* room.mute, room.mute_self: "audio" or "video" */
        gboolean muted;        /* room.mute_self: required; room.mute: optional, default TRUE */
        gboolean all_observers; /* room.admit "observers":true: every observer waiting */
        gboolean open;         /* room.gallery: required */
    } member;
    struct {
        int step;              /* agenda.step: required, 1..YF_SIG_AGENDA_STEPS */
        gboolean running;      /* agenda.timer: required */
        int limit_s;           /* agenda.timer: optional, 0..YF_SIG_MAX_TIMER_S (0: none) */
    } agenda;
} yf_sig_request;

/* Parses one websocket message of len bytes (buf need not be NUL-terminated).
 * *out is overwritten without being cleared first. On success returns TRUE
 * and *out holds the request. On failure returns FALSE, sets *error
 * (YF_SIG_ERROR, code = a yf_sig_errc, message for people) and leaves *out
 * zeroed except out->id, which holds the id to echo in the error reply (unset
 * when the id was missing or unusable). Either way call
 * yf_sig_request_clear(out) when done. Thread-safe; no global state. */
gboolean yf_sig_parse(const char *buf, size_t len, yf_sig_request *out,
                      GError **error);

/* Frees the strings of req and zeroes it; req may be NULL. */
void yf_sig_request_clear(yf_sig_request *req);

/* Wire name of a request type ("hello", ...); NULL for YF_SIG_NONE. */
const char *yf_sig_type_str(yf_sig_type type);

/* Encoders. Each returns a newly allocated NUL-terminated compact JSON text
 * to be released with g_free() (jansson allocates with malloc, which is
 * GLib's allocator since 2.46), or NULL when an argument is not valid UTF-8
 * or memory runs out. id may be NULL or unset: the reply then carries
 * "id":null. A string id is echoed as a string, an integer id as an integer.
 * const char * and const json_t * arguments are borrowed for the call. */

/* {"v":1,"id":ID,"type":"reply","ok":true,"result":RESULT}. Takes ownership
 * of result (its reference is stolen, also on failure); NULL means {}. */
char *yf_sig_reply_ok_take(const yf_sig_id *id, json_t *result);

/* {"v":1,"id":ID,"type":"reply","ok":false,"error":{"code":..,"message":..}}.
 * message may be NULL (then ""); invalid UTF-8 in it is replaced, so this
 * returns NULL only when memory runs out. */
char *yf_sig_reply_error(const yf_sig_id *id, yf_sig_errc code,
                         const char *message);
/* The same with one more field in the error object, {..., KEY: VALUE}
 * (value borrowed, copied; key or value NULL: none), e.g. the hearing a
 * not_started room.join waits for. */
char *yf_sig_reply_error_with(const yf_sig_id *id, yf_sig_errc code, const char *message,
                              const char *key, const json_t *value);

/* The error reply for a GError: its code when the domain is YF_SIG_ERROR,
 * else "internal"; error NULL also gives "internal". */
char *yf_sig_reply_gerror(const yf_sig_id *id, const GError *error);

/* {"v":1,"type":"event","event":NAME,"data":DATA}. Takes ownership of data
 * (stolen, also on failure); NULL means {}. */
char *yf_sig_event_take(const char *name, json_t *data);

/* ice.candidate result: {"used":true}, or {"used":false,"reason":WHY} when
 * unused_reason is not NULL (a candidate understood but set aside). */
char *yf_sig_reply_candidate(const yf_sig_id *id, const char *unused_reason);

/* hello result: {"server":"yuanfang","version":YF_VERSION,"protocol":1,
 * "session":SESSION,"ice_servers":ICE}. ice_servers is a borrowed JSON array
 * (copied); NULL means []. Returns NULL if ice_servers is not an array. */
char *yf_sig_reply_hello(const yf_sig_id *id, const char *session,
                         const json_t *ice_servers);

/* echo.offer result: {"sdp":SDP}. */
char *yf_sig_reply_offer(const yf_sig_id *id, const char *sdp);

/* ice.candidate event: {"candidate":C,"sdpMid":MID,"sdpMLineIndex":N[,"pc":PC]};
 * sdp_mid NULL, sdp_mline_index < 0 and pc YF_SIG_PC_NONE leave those out. */
char *yf_sig_event_ice_candidate(const char *candidate, const char *sdp_mid,
                                 int sdp_mline_index, yf_sig_pc pc);

/* media.state event: {"state":S[,"srtp_profile":P][,"reason":R][,"pc":PC]};
 * NULL optionals and YF_SIG_PC_NONE are left out. */
char *yf_sig_event_media_state(const char *state, const char *srtp_profile,
                               const char *reason, yf_sig_pc pc);

/* server.shutdown event: {"reason":R}; reason NULL means "". */
char *yf_sig_event_shutdown(const char *reason);

/* ---- hearing rooms (codec_room.c) ---- */

/* A PARTICIPANT of docs/protocol.md, borrowed for the call. */
typedef struct {
    const char *id, *name, *role, *state;  /* state: waiting, present, reconnecting */
    gboolean audio_muted, video_muted;     /* by the participant */
    gboolean host_muted_audio, host_muted_video;
} yf_sig_participant;

/* One m-line of a subscribe.offer. */
typedef struct {
    const char *mid, *participant, *kind;
    gboolean active;
} yf_sig_track;

/* A new JSON object for p (NULL when a string is NULL or not UTF-8). */
json_t *yf_sig_participant_json(const yf_sig_participant *p);
/* room.join result: {"room":R,"self":P,"state":S,"participants":[...],
 * "recording":true,"ice_servers":ICE[,"hearing":HEARING]}; ice_servers and
 * hearing (an object, the case store's view of the room) borrowed (copied);
 * ice_servers NULL = [], hearing NULL = left out. */
char *yf_sig_reply_join(const yf_sig_id *id, const char *room, const yf_sig_participant *self,
                        const char *state, const yf_sig_participant *list, size_t n,
                        const json_t *ice_servers, const json_t *hearing);
/* room.participants {"participants":[...]} or room.waiting {"waiting":[...]}. */
char *yf_sig_event_participants(gboolean waiting, const yf_sig_participant *list, size_t n);
/* room.admitted {}. */
char *yf_sig_event_admitted(void);
/* room.gallery {"open":B}: whether observers now come in as they arrive. */
char *yf_sig_event_gallery(gboolean open);
/* room.removed {"reason":R}. */
char *yf_sig_event_removed(const char *reason);
/* room.ended {reason}: the hearing is over for everyone; the server closes the connection. */
char *yf_sig_event_ended(const char *reason);
/* room.muted {"kind":K,"by":P[,"muted":false]} (muted TRUE leaves it out). */
char *yf_sig_event_muted(const char *kind, const char *by, gboolean muted);
/* subscribe.offer {"sdp":S,"revision":N,"tracks":[{"mid","participant","kind","active"}...]}. */
char *yf_sig_event_subscribe_offer(const char *sdp, guint32 revision, const yf_sig_track *tracks,
                                   size_t n);
/* room.speaking {"participant":P,"level":L}. */
char *yf_sig_event_speaking(const char *participant, int level);
/* room.active_speaker {"participant":P}. */
char *yf_sig_event_active_speaker(const char *participant);
/* media.downlink {"video_paused":BOOL}: the receiver's own downlink. */
char *yf_sig_event_downlink(gboolean video_paused);

#endif
