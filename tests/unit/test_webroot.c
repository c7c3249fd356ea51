/* test_webroot.c -- opening web_dir's files beneath it: links that stay
 * inside are followed, links that lead out (by "..", absolute, through a
 * linked directory) are refused with EXDEV or ELOOP, a FIFO with EACCES;
 * the same table through openat2 and through the realpath fallback. */
#include "server/webroot.h"
#include "yf_test.h"
#include "yf_test_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    const char *rel;
    int want_errno;   /* 0: opens */
} open_case;

static const open_case cases[] = {
    {"index.html", 0},
    {"/index.html", 0},          /* lws's path has a '/' after the origin */
    {"//sub//up.html", 0},
    {"", 0},                     /* the directory itself (lws appends index.html) */
    {"sub", 0},
    {"inside.html", 0},          /* a relative link that stays inside */
    {"missing.html", ENOENT},
    {"out.txt", EXDEV},          /* ../secret.txt */
    {"sub/out2.txt", EXDEV},     /* ../../secret.txt */
    {"abs.txt", EXDEV},          /* an absolute link out */
    {"abs-inside.html", EXDEV},  /* an absolute link, even back inside */
    {"outdir/secret.txt", EXDEV},
    {"../secret.txt", EXDEV},    /* lws refuses "..", but even so */
    {"pipe", EACCES},            /* a FIFO: refused, not waited on */
};

static void run(const char *name, int dirfd, const char *real, gboolean fallback)
{
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const open_case *c = &cases[i];
        errno = 0;
        int fd = fallback ? yf_webroot_open_resolved(real, c->rel) : yf_webroot_open_beneath(dirfd, real, c->rel);
        int e = errno;
        gboolean ok = c->want_errno ? fd < 0 && (e == c->want_errno || (c->want_errno == EXDEV && e == ELOOP))
                                    : fd >= 0;
        /* The fallback cannot tell an absolute link back inside from a
         * relative one: it judges where the path ends, so it opens it. */
        if (fallback && !strcmp(c->rel, "abs-inside.html"))
            ok = fd >= 0;
        if (!ok)
            fprintf(stderr, "  %s: %s: fd %d errno %d (%s), want %d\n", name, c->rel, fd, e, g_strerror(e), c->want_errno);
        CHECK(ok);
        if (fd >= 0)
            close(fd);
    }
}

int main(void)
{
    char *tmp = g_dir_make_tmp("yf-webroot-XXXXXX", NULL);
    CHECK(tmp != NULL);
    if (!tmp)
        return yf_test_done("test_webroot");
    char *real = g_build_filename(tmp, "site", NULL);
    char *p;
#define AT(...) (g_free(p), p = g_build_filename(__VA_ARGS__, NULL))
    p = NULL;
    CHECK(g_mkdir_with_parents(AT(real, "sub"), 0700) == 0);
    CHECK(g_file_set_contents(AT(real, "index.html"), "<!doctype html>", -1, NULL));
    CHECK(g_file_set_contents(AT(tmp, "secret.txt"), "secret", -1, NULL));
    CHECK(g_mkdir_with_parents(AT(tmp, "secretdir"), 0700) == 0);
    CHECK(g_file_set_contents(AT(tmp, "secretdir", "secret.txt"), "secret", -1, NULL));
    CHECK(symlink("index.html", AT(real, "inside.html")) == 0);
    CHECK(symlink("../index.html", AT(real, "sub", "up.html")) == 0);
    CHECK(symlink("../secret.txt", AT(real, "out.txt")) == 0);
    CHECK(symlink("../../secret.txt", AT(real, "sub", "out2.txt")) == 0);
    char *abs_out = g_build_filename(tmp, "secret.txt", NULL), *abs_in = g_build_filename(real, "index.html", NULL);
    CHECK(symlink(abs_out, AT(real, "abs.txt")) == 0);
    CHECK(symlink(abs_in, AT(real, "abs-inside.html")) == 0);
    CHECK(symlink("../secretdir", AT(real, "outdir")) == 0);
    CHECK(mkfifo(AT(real, "pipe"), 0600) == 0);

    int dirfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(dirfd >= 0);
    run("openat2", dirfd, real, FALSE);
    run("realpath", dirfd, real, TRUE);

    close(dirfd);
    g_free(p);
    g_free(abs_out);
    g_free(abs_in);
    yf_test_rm_rf(tmp);
    g_free(real);
    g_free(tmp);
    return yf_test_done("test_webroot");
}
