/* webroot.h -- the files libwebsockets serves from web_dir are opened here,
 * beneath web_dir only: a symbolic link that leads out of it is not followed. */
#ifndef YF_WEBROOT_H
#define YF_WEBROOT_H

#include <glib.h>
#include <libwebsockets.h>

/* Makes ctx open every file through web_dir's guard: a path that lws builds
 * under origin (the static mount's origin, borrowed; must outlive ctx) is
 * opened beneath web_dir (symbolic links inside it are followed, one that
 * leads out of it, absolute or by "..", is refused as if the file did not
 * exist); any other path is opened as lws would. web_dir is resolved once,
 * here, so web_dir itself may be a link. One guard per process (lws's file
 * hooks carry no user pointer); call on the control thread before serving.
 * FALSE with err when web_dir cannot be opened. */
gboolean yf_webroot_install(struct lws_context *ctx, const char *origin, GError **err);

/* Whether the next file lws opens is refused (the request being dispatched
 * now is over its address's rate: lws then hands it to protocols[0], which
 * answers 429). Set before every request is dispatched; control thread. */
void yf_webroot_refuse_next(gboolean refuse);

/* Closes the guard's directory; the context must be destroyed first. */
void yf_webroot_clear(void);

/* Opens rel (a path below web_dir, leading '/' ignored) beneath dirfd, for
 * reading, following no link out of dirfd: the file descriptor, or -1 with
 * errno (EXDEV or ELOOP for a way out, ENOENT, ...). Regular files and
 * directories only (EACCES for anything else). Exposed for the unit test. */
int yf_webroot_open_beneath(int dirfd, const char *dir_real, const char *rel);

/* The same without openat2 (a kernel before 5.6, or a seccomp filter that
 * refuses it): realpath(dir_real/rel) must lie within dir_real (EXDEV
 * otherwise), then that path is opened (a link swapped in between is not
 * followed at the last component). Exposed for the unit test. */
int yf_webroot_open_resolved(const char *dir_real, const char *rel);

#endif
