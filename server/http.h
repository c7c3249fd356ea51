/* http.h -- the plain-HTTP side of the listener: /healthz and the mounts that
 * serve web/. */
#ifndef YF_HTTP_H
#define YF_HTTP_H

#include <libwebsockets.h>

/* The lws protocol callback for HTTP; its protocol `user` is the yf_server. */
int yf_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

/* The per_session_data_size of the "http" protocol. */
size_t yf_http_pss_size(void);

/* Fills mounts[0..1]: "/healthz" (callback) and "/" (files of web_dir).
 * web_dir is borrowed and must outlive the context. */
void yf_http_mounts_init(struct lws_http_mount mounts[2], const char *web_dir);

#endif
