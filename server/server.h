/* server.h -- one running yuanfang: the HTTPS/WSS listener (libwebsockets on
 * the control GMainContext), the media workers and the signaling hub. Library
 * yf_app (server/: config.c, http.c, httprate.c, selfsigned.c, server.c,
 * webroot.c), the process
 * itself, the one place that uses every other library; main.c is its
 * command line. */
#ifndef YF_SERVER_H
#define YF_SERVER_H

#include <glib.h>
#include <sys/socket.h>
#include "config.h"

typedef struct yf_server yf_server;

/* Prepares the data directory and certificate, starts the media workers and
 * the listener on the default GMainContext, which `loop` runs. Returns NULL
 * with *err set (port in use, unreadable certificate, ...). */
yf_server *yf_server_new(const yf_config *cfg, GMainLoop *loop, GError **err);
/* Tells every connected client the server is stopping and closes sessions;
 * the loop should run a little longer so the messages go out. */
void yf_server_shutdown(yf_server *s, const char *reason);
/* Work that must be applied before the process ends (yf_api_busy): the
 * loop should run until it is 0. */
unsigned yf_server_busy(const yf_server *s);
/* Stops the listener and the workers. Accepts NULL. */
void yf_server_free(yf_server *s);

/* The listener's connections, counted per client address (libwebsockets'
 * accept, wsi-created and wsi-destroyed callbacks of protocols[0], http.c):
 * accept returns FALSE when the address is at [server]
 * max_connections_per_address (the caller closes it). Control thread. */
gboolean yf_server_accept_connection(yf_server *s, const struct sockaddr *sa, socklen_t len);
void yf_server_connection_created(yf_server *s, const void *wsi);
void yf_server_connection_destroyed(yf_server *s, const void *wsi);

/* An HTTP request (not /healthz, not a websocket upgrade) is about to be
 * dispatched (FILTER_HTTP_CONNECTION of protocols[0]): counts it against
 * its address's [server] http_requests_per_address. 0 when it may go on,
 * else the seconds to wait: the API answers it 429, and a file request
 * reaches protocols[0]'s LWS_CALLBACK_HTTP, where yf_server_http_refused
 * (which forgets it) says so. Control thread. */
struct lws;
guint yf_server_http_request(yf_server *s, struct lws *wsi);
guint yf_server_http_refused(yf_server *s, struct lws *wsi);

/* For /healthz. */
const char *yf_server_version(void);
gint64 yf_server_uptime_s(const yf_server *s);

#endif
