/* api.h -- the REST API under /api/v1/ (docs/api.md): an lws protocol "api"
 * behind a callback mount, one request state per HTTP transaction, a routing
 * table, JSON in and out, one error shape. Runs on the control thread only
 * (lws callbacks); the store is used synchronously. */
#ifndef YF_API_H
#define YF_API_H

#include <glib.h>
#include <libwebsockets.h>

#include "store.h"

/* Sign-in throttling: this many failures within the window lock a username /
 * a client address until the window ends. */
#define YF_LOGIN_MAX_FAIL_USER 5
#define YF_LOGIN_MAX_FAIL_ADDR 20
#define YF_LOGIN_WINDOW_MS (15 * 60 * 1000LL)

#define YF_API_PROTOCOL "api"
#define YF_API_MOUNTPOINT "/api/v1"
#define YF_API_MAX_BODY (1024 * 1024)   /* larger bodies: 413 too_large */

typedef struct yf_api yf_api;

/* An API over store (borrowed: must outlive the API) with the room-token key of
 * data_dir (created on first use). NULL with *error when the key cannot be read. */
yf_api *yf_api_new(yf_store *store, const char *data_dir, GError **error);
void yf_api_free(yf_api *api);   /* accepts NULL; call after the lws context is gone */

/* The protocol callback; its protocol `user` is the yf_api, per-session data is
 * YF_API_PSS_SIZE bytes. */
int yf_api_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);
#define YF_API_PSS_SIZE sizeof(void *)

/* Fills *m as the callback mount of YF_API_MOUNTPOINT chained before next. */
void yf_api_mount_init(struct lws_http_mount *m, const struct lws_http_mount *next);

#endif
