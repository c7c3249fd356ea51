/* api_priv.h -- what the api*.c files share: the request state, reply and error
 * helpers, JSON field readers, and every route handler. Handlers run on the
 * control thread, reply exactly once (the first reply wins) and decide nothing
 * about permissions themselves: they call yf_api_authorize. */
#ifndef YF_API_PRIV_H
#define YF_API_PRIV_H

#include <jansson.h>
#include <stdint.h>

#include "api.h"
#include "throttle.h"
#include "authz.h"
#include "signaling/token/room_token.h"
#include "server/store/store.h"

/* Sign-ins whose passwords are checked off the control thread (api_auth.c). */
typedef struct yf_api_logins yf_api_logins;
typedef struct yf_api_login_job yf_api_login_job;
typedef struct yf_api_later_job yf_api_later_job;
#define YF_LOGIN_THREADS 2          /* scrypt checks at once (32 MiB each) */
#define YF_LOGIN_MAX_QUEUED 64      /* waiting or running; more: 503 busy */
#define YF_LOGIN_MAX_PER_USER 2     /* of one user name at once */
yf_api_logins *yf_api_logins_new(yf_api *api);
void yf_api_logins_free(yf_api_logins *h);   /* accepts NULL */

struct yf_api {
    yf_store *store;           /* borrowed */
    yf_api_logins *logins;
    char *data_dir;
    char *public_url;          /* invitation links start with it (config.h) */
    yf_room_key room_key;
    yf_throttle *login_by_user;  /* failed sign-ins per username */
    yf_throttle *login_by_addr;  /* ... and per client address */
    yf_api_recording_hooks hooks;  /* the recorder's; any member may be NULL */
    void *hooks_user;              /* borrowed, passed to every hook */
    yf_api_refused_fn refused;     /* requests refused before us (per address), or NULL */
    void *refused_user;
    gint signin_failed;            /* g_atomic: sign-ins refused for their credentials */
    gint signin_throttled;         /* g_atomic: sign-ins refused while locked out */
    GHashTable *laters;            /* yf_api_later_job* running (later.c) */
    GHashTable *aid_busy;          /* int64* aid ids whose decision is being written (api_aid.c) */
};

typedef enum {
    YF_API_GET, YF_API_POST, YF_API_PATCH, YF_API_PUT, YF_API_DELETE, YF_API_OTHER
} yf_api_method;

/* One HTTP transaction. Invariants: replied is set by the first reply and the
 * response (status, headers, out or fd) never changes after; fd >= 0 only for
 * a file response, whose bytes file_pos..file_pos+file_left remain to send. */
typedef struct {
    yf_api *api;
    struct lws *wsi;
    yf_api_method method;
    char *path;                 /* below /api/v1, "/cases/3" */
    int64_t ids[2];             /* numeric path segments, in order */
    GHashTable *query;          /* decoded name -> value */
    GByteArray *body;
    gboolean body_too_large;
    size_t body_cap;            /* YF_API_MAX_BODY, or YF_API_ANON_MAX_BODY without a credential */
    int64_t started_ms;         /* the headers' arrival: the body's deadline counts from it */
    gboolean resolved;          /* the principal was resolved with the headers */
    yf_principal who;
    char *bearer;               /* the session token presented, for logout */
    gboolean by_cookie;         /* ... in the console's cookie, not a header */
    yf_api_login_job *login;    /* a sign-in being checked: the reply comes later */
    yf_api_later_job *later;        /* work on a thread: the reply comes from its done */
    char *invitation;           /* the invitation token presented */
    int64_t now_ms;
    /* the response */
    gboolean is_h2;
    gboolean replied, headers_sent, close_after;
    unsigned status;
    const char *content_type;
    GPtrArray *headers;         /* "name:" then value, alternating */
    GByteArray *out;
    size_t out_pos;
    int fd;
    int64_t file_pos, file_left, content_length;
} yf_api_req;

typedef void (*yf_api_handler)(yf_api_req *r);

/* ---- work off the control thread (later.c) ---- */
/* work runs on a thread and touches only data (no store, no request);
 * done runs after it on the control thread with r (NULL when the request
 * went away, or was none) and makes the reply; the request waits for it.
 * free_data (or NULL) frees data after done, or when the API is freed
 * first. A detached request (no connection: the CLI, the fuzzer) runs both
 * at once. */
typedef void (*yf_api_later_work)(gpointer data);
typedef void (*yf_api_later_done)(yf_api *api, yf_api_req *r, gpointer data);
void yf_api_later(yf_api *api, yf_api_req *r, yf_api_later_work work, yf_api_later_done done, gpointer data,
                  GDestroyNotify free_data);
void yf_api_later_detach(yf_api_later_job *l);    /* the request is gone */
void yf_api_laters_drop(yf_api *api);         /* the API is going: nothing more is applied */

/* ---- replies (api.c) ---- */
/* A reply made later than its handler returned (a sign-in's check): send it. */
void yf_api_resume(yf_api_req *r);
/* The request is gone: the sign-in being checked for it must not reply. */
void yf_api_login_detach(yf_api_login_job *j);
void yf_api_reply_json(yf_api_req *r, unsigned status, json_t *body);   /* takes body */
void yf_api_error(yf_api_req *r, unsigned status, const char *code, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
/* Maps a store error: NOT_FOUND 404, CONFLICT 409, INVALID 400 (or 409 when
 * invalid_is_conflict), AUTH 401, BUSY 503, else 500. */
void yf_api_store_error(yf_api_req *r, const GError *e, gboolean invalid_is_conflict);
/* One listing's reply: 200 {"items":[to_json(r, item)...]} from list (taken),
 * or the store's error when list is NULL (err taken). */
typedef json_t *(*yf_api_item_json)(yf_api_req *r, const void *item);
void yf_api_reply_items_take(yf_api_req *r, GPtrArray *list, GError *err, yf_api_item_json to_json);
/* Loads the case of ids[0] and checks action on it; FALSE after the reply. */
gboolean yf_api_case_for(yf_api_req *r, yf_authz_action action, yf_case *c);
void yf_api_add_header(yf_api_req *r, const char *name, const char *value);
/* A reply of bytes (borrowed: copied) of content_type. */
void yf_api_reply_bytes(yf_api_req *r, unsigned status, const char *content_type, GBytes *bytes);
/* Sends len bytes of fd from pos (fd is taken and closed at the end). */
void yf_api_reply_file(yf_api_req *r, unsigned status, const char *content_type, int fd,
                       int64_t pos, int64_t len);

/* Asks authz; on refusal replies 401 unauthorized or 403 forbidden (and writes
 * api.refused to the audit log) and returns FALSE. */
gboolean yf_api_authorize(yf_api_req *r, yf_authz_action action, const yf_authz_object *obj);
/* The same question without an answer to the client and without an audit entry:
 * for optional parts of a reply, left out when the caller may not see them. */
gboolean yf_api_may(yf_api_req *r, yf_authz_action action, const yf_authz_object *obj);

/* ---- input (api_json.c) ---- */
/* The body as a JSON object (new reference); NULL after replying bad_json. */
json_t *yf_api_body_object(yf_api_req *r);
/* FALSE after replying bad_request when o has a key outside allowed (NULL-ended). */
gboolean yf_api_only_fields(yf_api_req *r, json_t *o, const char *const *allowed);
/* String field: FALSE after replying bad_request when missing (if required), not
 * a string, empty (if required) or longer than max_chars code points. *out is
 * borrowed from o, NULL when absent. */
gboolean yf_api_field_str(yf_api_req *r, json_t *o, const char *key, gboolean required,
                          size_t max_chars, const char **out);
/* Integer field within [min, max]; *present tells whether it was there (may be NULL). */
gboolean yf_api_field_int(yf_api_req *r, json_t *o, const char *key, gboolean required,
                          int64_t min, int64_t max, int64_t *out, gboolean *present);
const char *yf_api_query(yf_api_req *r, const char *name);
/* A request header's value (g_free), NULL when absent. */
char *yf_api_header(yf_api_req *r, enum lws_token_indexes t);
/* Whether the request's Origin, when present, is this server (cookie.h);
 * FALSE after replying 403. */
gboolean yf_api_same_origin(yf_api_req *r);
/* Sets or (token NULL) clears the console's session cookie on the reply. */
void yf_api_set_session_cookie(yf_api_req *r, const char *token, int64_t max_age_s);
/* Query integer within [min, max], def when absent; FALSE after replying bad_request. */
gboolean yf_api_query_int(yf_api_req *r, const char *name, int64_t min, int64_t max, int64_t def,
                          int64_t *out);
/* RFC 3339 ("2024-05-01T09:00:00+08:00") to Unix ms; FALSE when malformed. */
gboolean yf_api_parse_time(const char *s, int64_t *ms);
/* Unix ms as RFC 3339 UTC (json string), or JSON null for 0. */
json_t *yf_api_time_json(int64_t ms);
json_t *yf_api_date_json(const GDate *d);
/* Today's civil date in China Standard Time. */
void yf_api_today(const yf_api_req *r, GDate *out);

/* ---- shared loaders and views (api_json.c) ---- */
/* Loads the case; FALSE after replying 404 or 500. */
gboolean yf_api_load_case(yf_api_req *r, int64_t id, yf_case *out);
/* Loads hearing id and its case and checks action on that hearing; FALSE after
 * replying 404, 500 or the refusal. h and c are filled as far as they got. */
gboolean yf_api_load_hearing(yf_api_req *r, int64_t id, yf_authz_action action, yf_hearing *h,
                             yf_case *c);
/* The case as every reply shows it. masked: its contact and ID number as
 * listings show them (identity.h) with "masked": true; else in full with
 * "masked": false, which only GET /cases/{id} sends (after auditing it). */
json_t *yf_api_case_json(const yf_case *c, const GDate *today, gboolean masked);
/* Sets "contact", "id_number" and "masked" of the case on o. */
void yf_api_identity_json(json_t *o, const yf_case *c, gboolean masked);
/* TRUE for an absent or empty id_number or a valid one; else FALSE after
 * replying 400 with the field's name and what is wrong. */
gboolean yf_api_id_number_ok(yf_api_req *r, const char *v);
json_t *yf_api_staff_json(const yf_staff *s);
/* Loads appointment ids[0] and its case and checks action on that case (with
 * the appointment's latest hearing when hearing_id is not NULL: *hearing_id
 * is its id, 0 without one); FALSE after replying 404, 500 or the refusal. */
gboolean yf_api_appointment_for(yf_api_req *r, yf_authz_action action, yf_appointment *a, yf_case *c,
                                int64_t *hearing_id);
/* "appt-<id>" (g_free): the signaling room of an appointment. */
char *yf_api_room_name(int64_t appointment_id);
/* Days past the deadline the case is overdue on (0: in time), and in *which
 * (may be NULL) that deadline: "result" when it is past (it wins over the
 * reply's), else "reply" while at 登记/审查, else NULL. */
int yf_api_days_overdue(const yf_case *c, const GDate *today, const char **which);

/* ---- hearing files (api_recordings.c, api_notes.c); callers check authz ---- */
/* The recorder's status of the hearing, or {"state":"none","progress":0,"error":null}
 * without a status hook or for a hearing it does not know (new reference). */
json_t *yf_api_recording_status(yf_api_req *r, int64_t hearing_id);
/* The items of GET /hearings/{id}/recordings (new reference); NULL with *error. */
json_t *yf_api_recording_items(yf_api_req *r, const yf_hearing *h, GError **error);
/* {"text", "finalized_at", "confirmations": [...]} of the hearing's note (new
 * reference); NULL with *error. */
json_t *yf_api_notes_json(yf_api_req *r, int64_t hearing_id, GError **error);

/* Opens a regular file for reading (a symlink at the end is refused); -1
 * (logged) when there is none. */
int yf_api_open_file(const char *path, int64_t *size);
/* Replies with fd (taken) of size bytes: the whole file (200), one range (206)
 * or 416, as filename, inline or as an attachment. Sends nothing yet: the
 * bytes go out when the connection is writeable, after the handler returns. */
void yf_api_send_file(yf_api_req *r, int fd, int64_t size, const char *type, gboolean inline_view,
                      const char *filename);

/* ---- handlers ---- */
void yf_api_auth_login(yf_api_req *r);
void yf_api_invitation_slip(yf_api_req *r);
void yf_api_invitation_qr(yf_api_req *r);
void yf_api_auth_logout(yf_api_req *r);
void yf_api_me(yf_api_req *r);
void yf_api_staff_list(yf_api_req *r);
void yf_api_staff_create(yf_api_req *r);
void yf_api_staff_get(yf_api_req *r);
void yf_api_staff_patch(yf_api_req *r);
void yf_api_staff_password(yf_api_req *r);
void yf_api_cases_list(yf_api_req *r);
void yf_api_cases_create(yf_api_req *r);
void yf_api_cases_due(yf_api_req *r);
void yf_api_case_get(yf_api_req *r);
void yf_api_case_patch(yf_api_req *r);
void yf_api_case_transition(yf_api_req *r);
void yf_api_case_events(yf_api_req *r);
void yf_api_case_audit(yf_api_req *r);
void yf_api_case_appointments(yf_api_req *r);
void yf_api_case_hearings(yf_api_req *r);
void yf_api_appointment_create(yf_api_req *r);
void yf_api_appointment_get(yf_api_req *r);
void yf_api_appointments_day(yf_api_req *r);
void yf_api_appointment_patch(yf_api_req *r);
void yf_api_appointment_cancel(yf_api_req *r);
void yf_api_invitation_revoke(yf_api_req *r);
void yf_api_invitation_reissue(yf_api_req *r);
void yf_api_appointment_room_token(yf_api_req *r);
void yf_api_hearing_start(yf_api_req *r);
void yf_api_hearing_get(yf_api_req *r);
void yf_api_hearing_end(yf_api_req *r);
void yf_api_hearing_add_staff(yf_api_req *r);
void yf_api_hearing_invitable(yf_api_req *r);
void yf_api_notes_get(yf_api_req *r);
void yf_api_notes_add(yf_api_req *r);
void yf_api_notes_finalize(yf_api_req *r);
void yf_api_notes_confirm(yf_api_req *r);
void yf_api_recordings_list(yf_api_req *r);
void yf_api_hearing_evidence(yf_api_req *r);
void yf_api_recording_download(yf_api_req *r);
void yf_api_recording_view(yf_api_req *r);
void yf_api_export_create(yf_api_req *r);
void yf_api_exports_list(yf_api_req *r);
void yf_api_export_get(yf_api_req *r);
void yf_api_export_download(yf_api_req *r);
void yf_api_stats(yf_api_req *r);
void yf_api_stats_csv(yf_api_req *r);
void yf_api_audit_list(yf_api_req *r);
void yf_api_audit_verify(yf_api_req *r);
void yf_api_invitation_get(yf_api_req *r);
void yf_api_invitation_rate(yf_api_req *r);
void yf_api_invitation_room_token(yf_api_req *r);
/* api_aid.c: 司法救助 in a hearing */
void yf_api_aid_create(yf_api_req *r);
void yf_api_aid_of_hearing(yf_api_req *r);
void yf_api_aid_of_case(yf_api_req *r);
void yf_api_aid_of_appointment(yf_api_req *r);
void yf_api_aid_still_take(yf_api_req *r);
void yf_api_aid_still_get(yf_api_req *r);
void yf_api_aid_decision_put(yf_api_req *r);
void yf_api_aid_decision_get(yf_api_req *r);
void yf_api_aid_show(yf_api_req *r);
void yf_api_aid_ask(yf_api_req *r);
void yf_api_aid_receipt_make(yf_api_req *r);
void yf_api_aid_receipt_get(yf_api_req *r);
void yf_api_invitation_aid(yf_api_req *r);
void yf_api_invitation_aid_decision(yf_api_req *r);
void yf_api_invitation_aid_page(yf_api_req *r);
void yf_api_invitation_aid_confirm(yf_api_req *r);
/* Whether r uploads a decision document (its body may be larger, YF_API_AID_DOC_CAP). */
gboolean yf_api_aid_upload_path(const yf_api_req *r);
#define YF_API_AID_DOC_CAP (8 * 1024 * 1024 + 1)   /* one byte over the limit: told apart from a body at it */
/* api_sign.c: the participants' own decisions on the notes */
json_t *yf_api_signers_json(yf_api_req *r, int64_t hearing_id, GError **error);
void yf_api_invitation_notes_get(yf_api_req *r);
void yf_api_invitation_notes_confirm(yf_api_req *r);
void yf_api_notes_sign(yf_api_req *r);
void yf_api_notes_signature(yf_api_req *r);

#endif
