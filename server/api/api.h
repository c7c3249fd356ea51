/* api.h -- the REST API under /api/v1/ (docs/api.md): an lws protocol "api"
 * behind a callback mount, one request state per HTTP transaction, a routing
 * table, JSON in and out, one error shape. Runs on the control thread only
 * (lws callbacks); the store is used synchronously. Library yf_api
 * (server/api: one handler file per resource, authz.c for who may do what,
 * throttle.c, range.c): uses the store and the room tokens, nothing of media;
 * the recorder hooks itself in (yf_api_set_recording_hooks). */
#ifndef YF_API_H
#define YF_API_H

#include <glib.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <stdint.h>

#include "server/store/store.h"

/* Sign-in throttling: this many failures within the window lock a username /
 * a client address until the window ends. */
#define YF_LOGIN_MAX_FAIL_USER 5
#define YF_LOGIN_MAX_FAIL_ADDR 20
#define YF_LOGIN_WINDOW_MS (15 * 60 * 1000LL)

#define YF_API_PROTOCOL "api"
#define YF_API_MOUNTPOINT "/api/v1"
#define YF_API_MAX_BODY (1024 * 1024)   /* larger bodies: 413 too_large */
#define YF_API_ANON_MAX_BODY 4096       /* ... without a credential (sign-in) */
#define YF_API_BODY_SECONDS 30          /* a body must have arrived by then */

typedef struct yf_api yf_api;

/* An API over store (borrowed: must outlive the API) with the room-token key of
 * data_dir (created on first use). NULL with *error when the key cannot be read. */
yf_api *yf_api_new(yf_store *store, const char *data_dir, GError **error);
void yf_api_free(yf_api *api);   /* accepts NULL; call after the lws context is gone */
/* Work handed to a thread and not yet applied on the control thread (an
 * aid upload written and hashed, a receipt drawn): the server waits for it
 * before it stops, or the file is on disk and the case file does not know
 * it (later.c). */
unsigned yf_api_busy(const yf_api *api);
/* For /metrics: staff sign-ins refused since the start, for wrong or
 * disabled credentials (*failed) and while locked out (*throttled). Any
 * thread. */
void yf_api_signin_failures(yf_api *api, unsigned *failed, unsigned *throttled);

/* What the API asks of the hearing recorder (server/recorder/recorder.c); every hook
 * runs on the control thread and may be NULL. */
typedef struct {
    /* The store has just recorded a hearing's start or end. */
    void (*hearing_started)(void *user, int64_t hearing_id, const char *room);
    void (*hearing_ended)(void *user, int64_t hearing_id);
    /* The recording's state as JSON (new reference): {"state": "none" |
     * "waiting" (the hearing runs, its room is closed) | "recording" |
     * "queued" | "processing" | "done" | "failed", "progress": 0..1,
     * "error": string|null} (docs/recording.md). NULL = unknown hearing. */
    json_t *(*status)(void *user, int64_t hearing_id);
    /* The notes were finalized or a participant confirmed them. */
    void (*notes_changed)(void *user, int64_t hearing_id);
    /* The path of the hearing's evidence archive once built (g_free), as
     * open() takes it (the data directory included), else NULL. */
    char *(*evidence_path)(void *user, int64_t hearing_id);
    /* An export was queued in the store (POST /recordings/{id}/exports):
     * make it when its turn comes. */
    void (*export_queued)(void *user, int64_t export_id);
    /* How far a running export is, 0..1; -1 when it is not running. */
    double (*export_progress)(void *user, int64_t export_id);
    /* 司法救助 identity check: starts taking a still (JPEG) of the newest
     * video the server captured of the hearing's participant in room role
     * `role` (the applicant: "petitioner"), on a thread; when it is done the
     * recorder records it as a file of aid disbursement aid_id (actor
     * staff:<staff_id>) and writes the 【系统】 note. FALSE + *err (a
     * sentence) when it cannot start: the hearing is not being recorded, or
     * a still of this disbursement is already being taken. */
    gboolean (*still_take)(void *user, int64_t hearing_id, int64_t aid_id, const char *role, int64_t staff_id,
                           GError **err);
    /* Whether a still of aid_id is being taken now, and why the last try
     * failed (g_free; NULL when it did not). */
    gboolean (*still_state)(void *user, int64_t aid_id, char **last_error);
} yf_api_recording_hooks;

/* What invitation links start with: "https://host[:port]" (copied); until
 * set, https://localhost. Never the request's Host. */
void yf_api_set_public_url(yf_api *api, const char *url);

/* How yf_api_hearing_end_as went. */
typedef enum {
    YF_API_END_OK,
    YF_API_END_FORBIDDEN,   /* not a staff member, the account is disabled, or
                               hearing.run is not theirs on this case */
    YF_API_END_ALREADY,     /* the hearing had already ended */
    YF_API_END_FAILED,      /* the store failed (logged) or has no such hearing */
} yf_api_end_result;

/* Ends hearing_id for staff member staff_id by the rules of POST
 * /hearings/{id}/end (docs/api.md): hearing.run on its case, the same store
 * call and audit entry (actor staff:ID). The recorder is not told yet: call
 * yf_api_hearing_ended once the caller has answered its own client (the
 * room's host gets its reply before the room closes). *why: a static
 * sentence when not OK. Control thread. */
yf_api_end_result yf_api_hearing_end_as(yf_api *api, int64_t staff_id, int64_t now_ms, int64_t hearing_id,
                                        const char **why);
/* The hearing has ended in the store: the recording hook (capture stops,
 * the room ends for everyone, post-processing is queued). */
void yf_api_hearing_ended(yf_api *api, int64_t hearing_id);
/* The hearing's recording is attached (its composite's SHA-256 is in the
 * store): a confirmed 司法救助 disbursement of it without a receipt gets one
 * now (api_aid.c; actor system), before the evidence package is built.
 * Failures are logged. Control thread. */
void yf_api_aid_processed(yf_api *api, int64_t hearing_id);
/* At start-up: the receipts a stop left unmade (confirmed, the recording
 * processed, no receipt yet) are made now. Control thread. */
void yf_api_aid_resume(yf_api *api);

/* Sets the recorder hooks (copied; user borrowed). */
void yf_api_set_recording_hooks(yf_api *api, const yf_api_recording_hooks *hooks, void *user);

/* The protocol callback; its protocol `user` is the yf_api, per-session data is
 * YF_API_PSS_SIZE bytes. */
int yf_api_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);
#define YF_API_PSS_SIZE sizeof(void *)

/* One request without a connection, for the REST fuzz target and tests:
 * routing, the body's size check and the handler run as over HTTPS, with the
 * session of bearer (or the invitation token; neither: no credential; a dead
 * one: 401) and no headers. Sign-in (checked on other threads) answers 501.
 * method "GET"/"POST"/…, path as after the mount point ("/cases/3"), query
 * without "?" (may be NULL). Returns the status; *reply (when reply is not
 * NULL) gets the body (g_byte_array_unref). Control thread only. */
unsigned yf_api_run_detached(yf_api *api, const char *bearer, const char *invitation, const char *method,
                             const char *path, const char *query, const void *body, size_t len,
                             GByteArray **reply);

/* Fills *m as the callback mount of YF_API_MOUNTPOINT chained before next. */
void yf_api_mount_init(struct lws_http_mount *m, const struct lws_http_mount *next);

/* Who says a request was refused before the API saw it (server.c counts
 * HTTP requests per client address, docs/api.md "Limits"): refused(user,
 * wsi) returns the seconds the client must wait (and forgets the request),
 * 0 when it was not refused; such a request is answered 429
 * too_many_requests with Retry-After and its body is not read. fn may be
 * NULL. Control thread. */
typedef guint (*yf_api_refused_fn)(void *user, struct lws *wsi);
void yf_api_set_refused(yf_api *api, yf_api_refused_fn fn, void *user);

#endif
