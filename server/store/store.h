/* store.h -- the case store: the one interface the server uses for staff,
 * sessions, cases and their timeline, appointments and invitations, hearings,
 * notes, recordings, aid, ratings and the hash-chained audit log. SQLite stands
 * behind it today (store_*.c); nothing here names SQLite, so another engine can.
 * Every mutating call takes the acting principal and an explicit time, and writes
 * its audit entry in the same transaction. Control thread only; not thread-safe.
 * Library yf_store (server/store): uses no other yuanfang library, and links
 * SQLite, OpenSSL and GLib only (no libwebsockets, no JSON); store_reads.h holds
 * its listings. Used by the API, the recorder, the command line and the process. */
#ifndef YF_STORE_H
#define YF_STORE_H

#include <glib.h>
#include <stdint.h>

#define YF_STORE_ERROR (yf_store_error_quark())
GQuark yf_store_error_quark(void);

typedef enum {
    YF_STORE_ERROR_NOT_FOUND,  /* no such row, or an unknown token */
    YF_STORE_ERROR_CONFLICT,   /* a unique value already taken */
    YF_STORE_ERROR_INVALID,    /* bad value, illegal transition, weak password */
    YF_STORE_ERROR_AUTH,       /* wrong password, expired/revoked token, wrong role */
    YF_STORE_ERROR_BUSY,       /* database locked longer than the busy timeout */
    YF_STORE_ERROR_VERSION,    /* database written by a newer yuanfang */
    YF_STORE_ERROR_INTERNAL,   /* I/O, corruption, a bug */
} yf_store_error;

typedef struct yf_store yf_store;

/* ---- principals ------------------------------------------------------- */

typedef enum {
    YF_ACTOR_SYSTEM,      /* the server itself, the CLI, migrations */
    YF_ACTOR_STAFF,       /* id = staff.id */
    YF_ACTOR_INVITEE,     /* id = invitee.id (a petitioner admitted by invitation) */
} yf_actor_kind;

typedef struct {
    yf_actor_kind kind;
    int64_t id;
} yf_actor;

static inline yf_actor yf_actor_system(void) { return (yf_actor){ YF_ACTOR_SYSTEM, 0 }; }
static inline yf_actor yf_actor_staff(int64_t id) { return (yf_actor){ YF_ACTOR_STAFF, id }; }
static inline yf_actor yf_actor_invitee(int64_t id) { return (yf_actor){ YF_ACTOR_INVITEE, id }; }
/* "system", "staff:12", "invitee:5"; newly allocated. */
char *yf_actor_to_string(yf_actor a);

/* ---- enums: stored as the ASCII code, shown with the Chinese label ------ */

typedef enum {
    YF_ROLE_ADMIN, YF_ROLE_PROSECUTOR, YF_ROLE_CLERK, YF_ROLE_AID_STAFF, YF_ROLE_VIEWER,
    YF_ROLE_COUNT_
} yf_role;

typedef enum {
    YF_CASE_ACCUSATION,          /* 控告 */
    YF_CASE_APPEAL,              /* 申诉 */
    YF_CASE_REPORT,              /* 举报 */
    YF_CASE_STATE_COMPENSATION,  /* 国家赔偿 */
    YF_CASE_JUDICIAL_AID,        /* 司法救助 */
    YF_CASE_LEGAL_CONSULTATION,  /* 法律咨询 */
    YF_CASE_TYPE_COUNT_
} yf_case_type;

typedef enum {
    YF_CHANNEL_LETTER, YF_CHANNEL_VISIT, YF_CHANNEL_ONLINE, YF_CHANNEL_PHONE, YF_CHANNEL_VIDEO,
    YF_CHANNEL_COUNT_                  /* 信 访 网 电 视频 */
} yf_channel;

/* The stage timeline 登记 → 审查 → 分流/交办 → 办理 → 答复 → 复查 → 终结; the legal
 * moves are the table in store_enums.c (docs/store.md). */
typedef enum {
    YF_STAGE_REGISTER, YF_STAGE_REVIEW, YF_STAGE_ASSIGN, YF_STAGE_HANDLE,
    YF_STAGE_REPLY, YF_STAGE_RECHECK, YF_STAGE_CLOSED,
    YF_STAGE_COUNT_
} yf_stage;

typedef enum {
    YF_INVITEE_PETITIONER, YF_INVITEE_AGENT, YF_INVITEE_WITNESS, YF_INVITEE_INTERPRETER,
    YF_INVITEE_HEARING_MEMBER, YF_INVITEE_OTHER,
    YF_INVITEE_ROLE_COUNT_
} yf_invitee_role;

typedef enum {
    YF_HEARING_RECEPTION, YF_HEARING_PUBLIC, YF_HEARING_AID_DISBURSEMENT,
    YF_HEARING_KIND_COUNT_
} yf_hearing_kind;

/* What an appointment is for; its hearing is of the matching kind. */
typedef enum {
    YF_APPOINTMENT_RECEPTION,       /* 接访 */
    YF_APPOINTMENT_PUBLIC_HEARING,  /* 检察听证 */
    YF_APPOINTMENT_AID,             /* 司法救助 */
    YF_APPOINTMENT_KIND_COUNT_
} yf_appointment_kind;

/* code: "admin", "accusation", "register", ...; label: the Chinese term (types,
 * channels, stages, invitee roles, appointment kinds). NULL when out of range.
 * parse accepts the code only. */
const char *yf_role_code(yf_role r);
const char *yf_role_label(yf_role r);
const char *yf_case_type_code(yf_case_type t);
const char *yf_case_type_label(yf_case_type t);
const char *yf_channel_code(yf_channel c);
const char *yf_channel_label(yf_channel c);
const char *yf_stage_code(yf_stage s);
const char *yf_stage_label(yf_stage s);
const char *yf_invitee_role_code(yf_invitee_role r);
const char *yf_invitee_role_label(yf_invitee_role r);
const char *yf_hearing_kind_code(yf_hearing_kind k);
const char *yf_hearing_kind_label(yf_hearing_kind k);   /* 接访, 检察听证, 司法救助 */
const char *yf_appointment_kind_code(yf_appointment_kind k);
const char *yf_appointment_kind_label(yf_appointment_kind k);
gboolean yf_role_parse(const char *code, yf_role *out);
gboolean yf_case_type_parse(const char *code, yf_case_type *out);
gboolean yf_channel_parse(const char *code, yf_channel *out);
gboolean yf_stage_parse(const char *code, yf_stage *out);
/* A code or its Chinese label ("appeal" or "申诉"; "video" or "视频"). */
gboolean yf_case_type_parse_any(const char *v, yf_case_type *out);
gboolean yf_channel_parse_any(const char *v, yf_channel *out);
gboolean yf_invitee_role_parse(const char *code, yf_invitee_role *out);
gboolean yf_hearing_kind_parse(const char *code, yf_hearing_kind *out);
gboolean yf_appointment_kind_parse(const char *code, yf_appointment_kind *out);
gboolean yf_appointment_kind_parse_any(const char *v, yf_appointment_kind *out);
/* The kind of hearing an appointment of kind k holds (aid: aid_disbursement). */
yf_hearing_kind yf_appointment_kind_hearing(yf_appointment_kind k);
/* The Chinese name of a participant's role as the store and the rooms write
 * it (participants.role, roster.json, a room token's role): a staff role
 * (检察官), an invitee role (信访人, 证人) or a room role (lawyer: 代理人,
 * hearing_officer: 听证员, observer: 旁听人员). "" for NULL or "", 参与人 for
 * a code it does not know: never the code itself. Static. */
const char *yf_participant_role_label(const char *code);
/* TRUE when from → to is a legal move of the stage timeline. */
gboolean yf_stage_transition_allowed(yf_stage from, yf_stage to);

/* ---- open, close, bootstrap -------------------------------------------- */

typedef enum {
    YF_STORE_OPEN_DEFAULT = 0,
    YF_STORE_OPEN_SYNC_FULL = 1 << 0,  /* synchronous=FULL instead of NORMAL */
} yf_store_open_flags;

/* Opens (creating if absent) the database at path, sets WAL, foreign keys,
 * synchronous, busy timeout, and applies every pending migration, each in its own
 * transaction. A database newer than this build fails with YF_STORE_ERROR_VERSION.
 * Returns NULL with *error set; nothing is left open then. */
yf_store *yf_store_open(const char *path, yf_store_open_flags flags, GError **error);
void yf_store_close(yf_store *st); /* accepts NULL */
int yf_store_schema_version(yf_store *st);
/* The path DATA_DIR/yuanfang.db, newly allocated. */
char *yf_store_path_in(const char *data_dir);
/* scrypt cost (log2 N) used for new password hashes; default YF_PASSWORD_LN_DEFAULT.
 * Tests lower it to keep fast; production code never calls this. */
void yf_store_set_password_cost(yf_store *st, int log2n);
/* Production start check: FALSE with a message saying how to create the first
 * admin (yuanfang admin create-user ...) when no enabled admin account exists. */
gboolean yf_store_check_bootstrap(yf_store *st, const char *data_dir, GError **error);

/* ---- staff and sessions -------------------------------------------------- */

/* Invariant: username unique, 1..64 bytes; password_hash is never given out by
 * list/get calls other than the store's own login. */
typedef struct {
    int64_t id;
    char *username;
    char *display_name;
    yf_role role;
    gboolean disabled;
    int64_t created_ms;
} yf_staff;
void yf_staff_clear(yf_staff *s);
void yf_staff_free(yf_staff *s);

/* Creates an account; the password must pass yf_password_check_policy (INVALID
 * otherwise); a taken username is CONFLICT. *out_id may be NULL. */
gboolean yf_store_staff_create(yf_store *st, yf_actor actor, int64_t now_ms,
                               const char *username, const char *display_name, yf_role role,
                               const char *password, int64_t *out_id, GError **error);
gboolean yf_store_staff_get(yf_store *st, int64_t id, yf_staff *out, GError **error);
gboolean yf_store_staff_get_by_username(yf_store *st, const char *username, yf_staff *out,
                                        GError **error);
gboolean yf_store_staff_set_password(yf_store *st, yf_actor actor, int64_t now_ms, int64_t id,
                                     const char *password, GError **error);
/* Disabling also revokes the account's sessions. */
gboolean yf_store_staff_set_disabled(yf_store *st, yf_actor actor, int64_t now_ms, int64_t id,
                                     gboolean disabled, GError **error);
/* A new role for the account, at once (sessions read the role at every
 * request); audited as staff.role with role=CODE. */
gboolean yf_store_staff_set_role(yf_store *st, yf_actor actor, int64_t now_ms, int64_t id, yf_role role,
                                 GError **error);
/* GPtrArray of yf_staff*, ordered by id; role < 0 for all. */
GPtrArray *yf_store_staff_list(yf_store *st, int role, GError **error);
int64_t yf_store_staff_count_admins(yf_store *st, GError **error); /* -1 on error */

/* Checks the password (the same scrypt work for unknown users), writes login.ok or
 * login.fail to the audit log, and on success creates a session of ttl_ms: the
 * token (base64url of 32 random bytes; only its SHA-256 is stored) goes to
 * *out_token (g_free). Wrong password, unknown or disabled user: AUTH. */
gboolean yf_store_login(yf_store *st, const char *username, const char *password,
                        int64_t now_ms, int64_t ttl_ms, char **out_token, yf_staff *out_staff,
                        GError **error);
/* The same sign-in in three steps, so that the password work (scrypt, about
 * 100 ms) runs off the thread that owns the store: begin (store thread) finds
 * the account and what to check against (a dummy hash for an unknown name,
 * so the time does not tell), verify (any thread, touches no store) does the
 * scrypt work, finish (store thread) writes login.ok or login.fail and, when
 * verified and the account is still enabled, the session, as yf_store_login. */
typedef struct yf_login yf_login;
yf_login *yf_store_login_begin(yf_store *st, const char *username, GError **error);
gboolean yf_login_verify(const yf_login *l, const char *password);
gboolean yf_store_login_finish(yf_store *st, yf_login *l, gboolean verified, int64_t now_ms, int64_t ttl_ms,
                               char **out_token, yf_staff *out_staff, GError **error);
void yf_login_free(yf_login *l);   /* accepts NULL */
/* The staff behind a live session; unknown/expired/revoked/disabled: AUTH. */
gboolean yf_store_session_lookup(yf_store *st, const char *token, int64_t now_ms,
                                 yf_staff *out_staff, GError **error);
/* Logout. An unknown token is NOT_FOUND; revoking twice is fine. */
gboolean yf_store_session_revoke(yf_store *st, yf_actor actor, int64_t now_ms,
                                 const char *token, GError **error);

/* What a staff room token carries of the sign-in it was taken from (64 hex,
 * g_free; NULL for a malformed token): the SHA-256 the store keeps, never the
 * token itself. */
char *yf_store_session_ref(const char *token);

/* ---- hearing rooms: removals and who may come back ------------------------ */

/* Keeps a host's removal of participant ("staff:3", "invitee:9") from room, so
 * it holds after the room empties and after a restart. Twice: no change. The
 * room's own audit entry (room.remove) is the caller's. */
gboolean yf_store_room_remove(yf_store *st, int64_t now_ms, const char *room, const char *participant,
                              const char *by, GError **error);
/* Whether participant may join room now: not removed from it; an invitee's
 * invitation neither revoked nor expired; a staff account not disabled and,
 * when session (yf_store_session_ref) is given, that sign-in still live. FALSE
 * with *why (a static sentence for the person) when not, or with *error when
 * the store fails (then *why is unset). */
gboolean yf_store_room_may_join(yf_store *st, const char *room, const char *participant, const char *session,
                                int64_t now_ms, const char **why, GError **error);

/* ---- cases --------------------------------------------------------------- */

/* Invariant: reply_due = received + 7 calendar days, result_due = received + 3
 * months (clamped to month end), both derived by deadline.c at creation and never
 * stored independently of received. prosecutor_id 0 = unassigned. */
typedef struct {
    int64_t id;
    char *case_no;
    yf_case_type type;
    yf_channel channel;
    char *petitioner;
    char *contact;
    char *id_number;         /* "" or a valid resident ID number (identity.h) */
    char *summary;
    int64_t prosecutor_id;
    GDate received, reply_due, result_due;
    yf_stage stage;
    int64_t created_ms, updated_ms;
} yf_case;
void yf_case_clear(yf_case *c);
void yf_case_free(yf_case *c);

typedef struct {
    const char *case_no;     /* human number, unique */
    yf_case_type type;
    yf_channel channel;
    const char *petitioner;
    const char *contact;     /* NULL = "" */
    const char *id_number;   /* NULL or "" = none; else a valid ID number (INVALID otherwise) */
    const char *summary;     /* NULL = "" */
    int64_t prosecutor_id;   /* 0 = none; otherwise an enabled prosecutor */
    GDate received;
} yf_case_new;

/* Creates the case at stage 登记 with its first timeline event. */
gboolean yf_store_case_create(yf_store *st, yf_actor actor, int64_t now_ms, const yf_case_new *in,
                              int64_t *out_id, GError **error);
gboolean yf_store_case_get(yf_store *st, int64_t id, yf_case *out, GError **error);
gboolean yf_store_case_get_by_no(yf_store *st, const char *case_no, yf_case *out, GError **error);
/* prosecutor_id 0 unassigns. */
gboolean yf_store_case_assign(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id,
                              int64_t prosecutor_id, GError **error);
/* NULL fields are left as they are; id_number "" removes it, any other value
 * must be a valid ID number (INVALID otherwise; a final x is stored as X). */
gboolean yf_store_case_update(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id,
                              const char *petitioner, const char *contact, const char *id_number,
                              const char *summary, GError **error);
/* Moves the case along the timeline; an illegal move is INVALID and changes nothing. */
gboolean yf_store_case_transition(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id,
                                  yf_stage to, const char *note, GError **error);

#define YF_STORE_LIST_MAX 200
#define YF_STORE_SEARCH_MAX 64    /* characters of a case search */

typedef struct {
    int stage;               /* yf_stage, or -1 for any */
    int type;                /* yf_case_type, or -1 */
    int64_t prosecutor_id;   /* 0 any */
    const GDate *overdue_on; /* NULL any; else only cases overdue on that day */
    const GDate *due_by;     /* NULL any; else only open cases with a deadline on or
                                before that day: result_due, or reply_due while at
                                登记/审查 (the overdue rule's deadlines) */
    const GDate *received_from, *received_to; /* inclusive; NULL = open */
    const char *search;      /* NULL or "" any; else cases whose case_no or petitioner
                                contains it (ASCII letters in any case; % and _ are
                                plain characters); at most YF_STORE_SEARCH_MAX
                                characters of UTF-8, else INVALID */
    int64_t after_id;        /* keyset: ids > after_id, ascending */
    int limit;               /* 1..YF_STORE_LIST_MAX; 0 = 50 */
} yf_case_filter;

/* GPtrArray of yf_case*, ascending id. Next page: after_id = last id. Overdue means
 * not closed and either today > result_due, or still at 登记/审查 and today > reply_due. */
GPtrArray *yf_store_case_list(yf_store *st, const yf_case_filter *f, GError **error);

typedef struct {
    int64_t id, case_id;
    int64_t at_ms;
    char *actor;             /* "staff:12" */
    int from_stage;          /* yf_stage, -1 for the creation event */
    yf_stage to_stage;
    char *note;
} yf_case_event;
void yf_case_event_clear(yf_case_event *e);
void yf_case_event_free(yf_case_event *e);
/* GPtrArray of yf_case_event*, oldest first. */
GPtrArray *yf_store_case_events(yf_store *st, int64_t case_id, GError **error);

/* ---- appointments and invitations ---------------------------------------- */

typedef struct {
    int64_t id, case_id, host_id;
    int64_t start_ms;
    char *title;
    gboolean cancelled;
    yf_appointment_kind kind;
    int64_t cancelled_ms;    /* when it was cancelled; 0 = not, or before schema 9 */
    char *cancel_reason;     /* "" unless cancelled with a reason */
} yf_appointment;
void yf_appointment_clear(yf_appointment *a);
void yf_appointment_free(yf_appointment *a);    /* accepts NULL */

gboolean yf_store_appointment_create(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id,
                                     int64_t host_id, int64_t start_ms, const char *title,
                                     yf_appointment_kind kind, int64_t *out_id, GError **error);
gboolean yf_store_appointment_get(yf_store *st, int64_t id, yf_appointment *out, GError **error);

/* A change to an appointment not yet held; unset fields are kept. */
typedef struct {
    int64_t start_ms;             /* 0 = keep */
    const char *title;            /* NULL = keep */
    int64_t host_id;              /* 0 = keep; else an enabled staff account (NOT_FOUND otherwise) */
    int kind;                     /* yf_appointment_kind, or -1 = keep */
    int64_t default_grace_ms;     /* live invitations expiring start + this (the default)
                                     move with a new start; 0 = none move */
} yf_appointment_change;
/* Reschedules: INVALID ("the appointment is cancelled", "its hearing has
 * started") once it is cancelled or any hearing of it has started; nothing
 * changes then. Audited as appointment.update (the fields changed and how
 * many invitations moved). *out_moved (may be NULL): that many. */
gboolean yf_store_appointment_update(yf_store *st, yf_actor actor, int64_t now_ms, int64_t id,
                                     const yf_appointment_change *change, int *out_moved, GError **error);
/* Cancels with reason (1..500 characters): every live invitation of it is
 * revoked (invitation.revoke each) and appointment.cancel written, in one
 * transaction. INVALID when it is already cancelled or a hearing of it is
 * running. */
gboolean yf_store_appointment_cancel(yf_store *st, yf_actor actor, int64_t now_ms, int64_t id,
                                     const char *reason, GError **error);

/* Invariant: token_hash = SHA-256(raw 32-byte token); the raw token exists only in
 * the value returned to the caller once. */
typedef struct {
    int64_t id, appointment_id;
    yf_invitee_role role;
    char *name;
    char *contact;
    int64_t expires_ms;
    int64_t revoked_ms;      /* 0 = live */
    int64_t admitted_ms;     /* first admission into the room (the host's 准许进入, or
                                entering for roles that do not wait), 0 = never */
    int64_t opened_ms;       /* the link's first successful use (yf_store_invitation_opened), 0 = never */
    int64_t replaced_by;     /* the invitee reissued in its place (yf_store_invitation_reissue), 0 = none */
} yf_invitee;
void yf_invitee_clear(yf_invitee *i);
void yf_invitee_free(yf_invitee *i);    /* accepts NULL */

/* Adds an invitee and issues its invitation token (*out_token, g_free). */
gboolean yf_store_invitee_add(yf_store *st, yf_actor actor, int64_t now_ms, int64_t appointment_id,
                              yf_invitee_role role, const char *name, const char *contact,
                              int64_t expires_ms, int64_t *out_id, char **out_token,
                              GError **error);
/* The invitee behind a token; unknown, expired or revoked: AUTH. */
gboolean yf_store_invitation_lookup(yf_store *st, const char *token, int64_t now_ms,
                                    yf_invitee *out, GError **error);
/* The admission check before a room token is issued: token must be live and
 * bound to this appointment and role, else AUTH. Written to the audit log
 * (hearing.admit / admit.refused); admitted_ms is not touched (the host
 * admits in the room: yf_store_participant_seen). */
gboolean yf_store_invitation_admit(yf_store *st, const char *token, int64_t appointment_id,
                                   yf_invitee_role role, int64_t now_ms, yf_invitee *out,
                                   GError **error);
gboolean yf_store_invitee_get(yf_store *st, int64_t id, yf_invitee *out, GError **error);
/* Revokes the invitation (its token is refused from now on); one already
 * revoked is INVALID and nothing is written. */
gboolean yf_store_invitation_revoke(yf_store *st, yf_actor actor, int64_t now_ms,
                                    int64_t invitee_id, GError **error);
/* A new token for the same person: a new invitee with the old one's
 * appointment, role, name, contact and expiry (*out_id, *out_token g_free),
 * the old one revoked (if it was live) and its replaced_by set, audited as
 * invitation.revoke and invitation.issue in one transaction. INVALID when it
 * was reissued before, its appointment is cancelled or it has expired. */
gboolean yf_store_invitation_reissue(yf_store *st, yf_actor actor, int64_t now_ms, int64_t invitee_id,
                                     int64_t *out_id, char **out_token, GError **error);
/* The invitee's link was used successfully (its own view, or a room token):
 * the first call sets opened_ms to now_ms and writes invitation.open (actor
 * the invitee); later calls change and write nothing. Unknown id: NOT_FOUND. */
gboolean yf_store_invitation_opened(yf_store *st, int64_t invitee_id, int64_t now_ms, GError **error);

/* ---- hearings, participants, notes ---------------------------------------- */

typedef struct {
    int64_t id, case_id, appointment_id; /* appointment_id 0 = none */
    yf_hearing_kind kind;
    char *room;
    int64_t start_ms, end_ms;            /* end_ms 0 = still running */
} yf_hearing;
void yf_hearing_clear(yf_hearing *h);
void yf_hearing_free(yf_hearing *h);    /* accepts NULL */

gboolean yf_store_hearing_create(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id,
                                 int64_t appointment_id, yf_hearing_kind kind, const char *room,
                                 int64_t start_ms, int64_t *out_id, GError **error);
gboolean yf_store_hearing_end(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id,
                              GError **error);
gboolean yf_store_hearing_get(yf_store *st, int64_t id, yf_hearing *out, GError **error);

/* staff_id or invitee_id (one of them, or neither for a walk-in), role free
 * text. The row has no joined_ms until they enter the room (below). */
gboolean yf_store_participant_add(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id,
                                  const char *name, const char *role, int64_t staff_id,
                                  int64_t invitee_id, int64_t *out_id, GError **error);
/* A participant seen in hearing_id's room: their row (matched by staff_id,
 * else invitee_id, else for a walk-in with neither by name and role) is added
 * with name and role when missing. entered_ms != 0: they entered the room's
 * media then (the host's admission, or the entry itself for roles that do not
 * wait), and the row's joined_ms and an invitee's admitted_ms keep the
 * earliest such moment; one after the hearing's end is INVALID. Audited as
 * participant.add (a new row) or participant.join (a time set); nothing is
 * written when nothing changes. *out_id (may be NULL): the row. */
gboolean yf_store_participant_seen(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id,
                                   const char *name, const char *role, int64_t staff_id, int64_t invitee_id,
                                   int64_t entered_ms, int64_t *out_id, GError **error);

/* One note per hearing, created on first entry. Entries after finalization: INVALID. */
gboolean yf_store_note_add_entry(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id,
                                 int64_t offset_ms, const char *text, int64_t *out_entry_id,
                                 GError **error);
gboolean yf_store_note_finalize(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id,
                                GError **error);
/* A participant confirms (TRUE) or refuses the finalized note; once each. */
gboolean yf_store_note_confirm(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id,
                               int64_t participant_id, gboolean confirm, const char *reason,
                               GError **error);
/* The note's entries as text people read (g_free), Beijing time:
 * yf_store_note_format (store_reads.h) over yf_store_note_entries and the
 * hearing's start. "" without entries; NOT_FOUND for an unknown hearing. */
char *yf_store_note_text(yf_store *st, int64_t hearing_id, GError **error);

/* ---- recordings, aid, ratings -------------------------------------------- */

typedef struct {
    int64_t id, hearing_id, participant_id; /* participant_id 0 = composite */
    char *path;
    int64_t size_bytes, duration_ms;
    guint8 sha256[32];
    int64_t created_ms;
    int64_t start_ms;                       /* wall clock of the file's time 0; 0 = not known */
    gboolean deliberation;                  /* recorded in the public hearing's deliberation room */
} yf_recording;
void yf_recording_clear(yf_recording *r);
void yf_recording_free(yf_recording *r);    /* accepts NULL */

gboolean yf_store_recording_add(yf_store *st, yf_actor actor, int64_t now_ms,
                                const yf_recording *in, int64_t *out_id, GError **error);
/* Looks the recording up and writes recording.<what> ("view", "download") to the
 * audit log; call it for every view and download. */
gboolean yf_store_recording_access(yf_store *st, yf_actor actor, int64_t now_ms, int64_t id,
                                   const char *what, yf_recording *out, GError **error);

/* ---- exports: a recording's watermarked copy for someone outside the case -- */

typedef enum {
    YF_EXPORT_QUEUED, YF_EXPORT_PROCESSING, YF_EXPORT_DONE, YF_EXPORT_FAILED,
    YF_EXPORT_STATE_COUNT_
} yf_export_state;
const char *yf_export_state_code(yf_export_state s);   /* "queued", ... */

/* Invariants: path, size_bytes and sha256 are set exactly when state is DONE
 * (path also while PROCESSING); error is "" unless FAILED. */
typedef struct {
    int64_t id, recording_id, hearing_id;
    char *recipient, *organisation, *purpose;  /* organisation, purpose: "" when not given */
    char *requested_by;       /* the actor, "staff:3" */
    int64_t requested_ms, finished_ms;         /* finished_ms 0 until done or failed */
    yf_export_state state;
    char *path;               /* relative to the data directory; "" until started */
    int64_t size_bytes;
    guint8 sha256[32];
    char *error;
} yf_export;
void yf_export_clear(yf_export *e);
void yf_export_free(yf_export *e);   /* accepts NULL */

#define YF_EXPORT_RECIPIENT_MAX 100      /* characters */
#define YF_EXPORT_ORGANISATION_MAX 200
#define YF_EXPORT_PURPOSE_MAX 500
/* A new export of recording_id, QUEUED; audited as recording.export on
 * recording:<id> with the recipient (and organisation, purpose). NOT_FOUND
 * for an unknown recording, INVALID for a blank or too long recipient. */
gboolean yf_store_export_create(yf_store *st, yf_actor actor, int64_t now_ms, int64_t recording_id,
                                const char *recipient, const char *organisation, const char *purpose,
                                int64_t *out_id, GError **error);
/* QUEUED -> PROCESSING into path (relative to the data directory). Not
 * audited (the request and the outcome are). INVALID from another state. */
gboolean yf_store_export_start(yf_store *st, int64_t id, const char *path, GError **error);
/* PROCESSING -> DONE with the file's size and hash; audited as
 * recording.export_done (actor system) with sha256 and size. */
gboolean yf_store_export_done(yf_store *st, int64_t now_ms, int64_t id, int64_t size_bytes,
                              const guint8 sha256[32], GError **error);
/* QUEUED or PROCESSING -> FAILED with why (cut to 1000 characters); audited
 * as recording.export_failed. */
gboolean yf_store_export_fail(yf_store *st, int64_t now_ms, int64_t id, const char *why, GError **error);
/* PROCESSING -> QUEUED (a job cut short by a server stop runs again). */
gboolean yf_store_export_requeue(yf_store *st, int64_t id, GError **error);
/* Looks a DONE export up and writes recording.export_download (object
 * recording:<id>, detail export=<id>); call it for every download. */
gboolean yf_store_export_access(yf_store *st, yf_actor actor, int64_t now_ms, int64_t id, yf_export *out,
                                GError **error);

/* Amount in fen (分), > 0; decision_no unique (CONFLICT). */
gboolean yf_store_aid_create(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id,
                             int64_t hearing_id, const char *decision_no, int64_t amount_fen,
                             int64_t *out_id, GError **error);
gboolean yf_store_aid_confirm(yf_store *st, yf_actor actor, int64_t now_ms, int64_t aid_id,
                              GError **error);

/* score 1..5. */
gboolean yf_store_rating_add(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id,
                             int64_t hearing_id, int score, const char *comment,
                             int64_t *out_id, GError **error);

/* ---- audit log ------------------------------------------------------------ */

/* Appends one entry in its own transaction, for events the store does not
 * record itself (a page view, a refused API call). object e.g. "case:12". */
gboolean yf_store_audit_record(yf_store *st, yf_actor actor, int64_t now_ms, const char *action,
                               const char *object, const char *detail, GError **error);

typedef struct {
    gboolean ok;
    int64_t count;           /* entries checked */
    guint8 head[32];         /* hash of the last entry (zeros when empty) */
    int64_t broken_id;       /* first broken entry when !ok */
    char *reason;            /* why, when !ok */
} yf_audit_report;
void yf_audit_report_clear(yf_audit_report *r);

/* The chain's head as kept beside it (no walk): the id of the last entry --
 * ids run 1, 2, ... so it is also the number of entries -- and its hash.
 * What `yuanfang audit verify` prints for an intact chain. */
gboolean yf_store_audit_head(yf_store *st, int64_t *last_id, guint8 head[32], GError **error);
/* Walks the chain; FALSE only when the walk itself fails (I/O). A broken chain is
 * TRUE with report->ok FALSE. */
gboolean yf_store_audit_verify(yf_store *st, yf_audit_report *report, GError **error);

#endif
