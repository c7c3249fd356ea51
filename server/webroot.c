/* webroot.c -- opens the files of the static mount beneath web_dir only.
 * libwebsockets opens what it serves with open(2) on "web_dir/uri" and
 * follows every symbolic link; here its open hook is replaced so a link that
 * leads out of web_dir (absolute, or by "..") is refused like a missing file.
 * Uses openat2(2) RESOLVE_BENEATH (Linux 5.6); on an older kernel the
 * resolved path is checked against web_dir's instead. Must not serve
 * anything but regular files and directories (lws appends index.html). */
#define G_LOG_DOMAIN "yf-http"
#include "webroot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The guard, set once by yf_webroot_install on the control thread before
 * lws serves anything and read only by lws's open hook on that thread. */
static struct {
    int dirfd;                        /* web_dir, resolved; -1 when not installed */
    char *real;                       /* web_dir's resolved path */
    const char *origin;               /* the mount's origin, as lws prefixes it */
    size_t origin_len;
    struct lws_plat_file_ops fops;    /* lws's own, with OPEN replaced */
    const struct lws_plat_file_ops *plat;
    gboolean refuse_next;             /* yf_webroot_refuse_next */
    gint64 last_warn_us;
    unsigned refused;                 /* since the last warning */
} guard = {.dirfd = -1};

/* Refuses what is neither a regular file nor a directory (EACCES). */
static int only_files(int fd)
{
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) || (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)))) {
        close(fd);
        errno = EACCES;
        return -1;
    }
    return fd;
}

int yf_webroot_open_resolved(const char *dir_real, const char *rel)
{
    while (*rel == '/')
        rel++;
    char *want = g_build_filename(dir_real, rel, NULL), got[PATH_MAX];
    size_t n = strlen(dir_real);
    int fd = -1;
    if (!realpath(want, got))
        goto out;
    if (strncmp(got, dir_real, n) || (got[n] != '/' && got[n] != '\0')) {
        errno = EXDEV;
        goto out;
    }
    fd = only_files(open(got, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW));
out:
    g_free(want);
    return fd;
}

int yf_webroot_open_beneath(int dirfd, const char *dir_real, const char *rel)
{
    while (*rel == '/')
        rel++;
    if (!*rel)
        rel = ".";
    struct open_how how = {
        .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    int fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
    if (fd < 0 && (errno == ENOSYS || errno == EPERM) && dir_real)
        return yf_webroot_open_resolved(dir_real, rel);   /* no openat2 (old kernel, seccomp) */
    return only_files(fd);
}

/* At most one warning per 10 s, with the count: a client may ask for the
 * same link in a loop. The path is the operator's own file, not the client's. */
static void warn_refused(const char *filename)
{
    gint64 now = g_get_monotonic_time();
    guard.refused++;
    if (guard.last_warn_us && now - guard.last_warn_us < 10 * G_USEC_PER_SEC)
        return;
    g_warning("refused to serve %s: a symbolic link leads out of web_dir %s (%u refused since the last warning)",
              filename, guard.real, guard.refused);
    guard.last_warn_us = now;
    guard.refused = 0;
}

void yf_webroot_refuse_next(gboolean refuse)
{
    guard.refuse_next = refuse;
}

static lws_fop_fd_t webroot_open(const struct lws_plat_file_ops *fops, const char *filename,
                                 const char *vpath, lws_fop_flags_t *flags)
{
    if (guard.refuse_next) {
        guard.refuse_next = FALSE;
        errno = EAGAIN;
        return NULL;
    }
    if (strncmp(filename, guard.origin, guard.origin_len) || filename[guard.origin_len] != '/')
        return guard.plat->LWS_FOP_OPEN(fops, filename, vpath, flags);
    int fd = yf_webroot_open_beneath(guard.dirfd, guard.real, filename + guard.origin_len);
    if (fd < 0) {
        if (errno == EXDEV || errno == ELOOP)
            warn_refused(filename);
        return NULL;
    }
    struct stat st;
    lws_fop_fd_t f = NULL;
    if (fstat(fd, &st) || !(f = calloc(1, sizeof *f))) {   /* lws's close frees it with free() */
        close(fd);
        return NULL;
    }
    f->fd = fd;
    f->fops = fops;
    f->flags = *flags;
    f->len = (lws_filepos_t)st.st_size;
    return f;
}

gboolean yf_webroot_install(struct lws_context *ctx, const char *origin, GError **err)
{
    char real[PATH_MAX];
    if (!realpath(origin, real) || (guard.dirfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        int e = errno;
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), "cannot open web directory %s: %s", origin,
                    g_strerror(e));
        return FALSE;
    }
    guard.real = g_strdup(real);
    guard.origin = origin;
    guard.origin_len = strlen(origin);
    guard.plat = lws_get_fops(ctx);
    guard.fops = *guard.plat;
    guard.fops.LWS_FOP_OPEN = webroot_open;
    lws_set_fops(ctx, &guard.fops);
    return TRUE;
}

void yf_webroot_clear(void)
{
    if (guard.dirfd >= 0)
        close(guard.dirfd);
    g_free(guard.real);
    memset(&guard, 0, sizeof guard);
    guard.dirfd = -1;
}
