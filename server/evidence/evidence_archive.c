/* evidence_archive.c -- writes a hearing's evidence package: a POSIX tar (pax
 * restricted: plain ustar headers unless a size or path needs a pax record)
 * through libarchive, the artifacts first, each read once and hashed while it
 * is copied, then manifest.json, manifest.sig and signing-key.pub.pem. Written
 * beside the destination and renamed, so a failure never leaves half a package. */
#define G_LOG_DOMAIN "yf-evidence"
#include "evidence.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_CHUNK (256u << 10)

static gboolean archive_fail(struct archive *a, const char *path, GError **err)
{
    g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_IO, "cannot write %s: %s", path,
                archive_error_string(a) ? archive_error_string(a) : "archive error");
    return FALSE;
}

static gboolean write_header(struct archive *a, const char *name, int64_t size, time_t mtime)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, size);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, mtime, 0);
    int r = archive_write_header(a, e);
    archive_entry_free(e);
    return r == ARCHIVE_OK;
}

static gboolean add_mem(struct archive *a, const char *name, const void *data, size_t len,
                        time_t mtime, const char *out_path, GError **err)
{
    if (!write_header(a, name, (int64_t)len, mtime) ||
        (len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len) ||
        archive_write_finish_entry(a) != ARCHIVE_OK)
        return archive_fail(a, out_path, err);
    return TRUE;
}

/* Copies exactly size bytes of fd into the current entry, hashing them. */
static gboolean copy_hashed(struct archive *a, int fd, int64_t size, guint8 sha[32],
                            const char *disk_path, const char *out_path, GError **err)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char *buf = g_malloc(COPY_CHUNK);
    int64_t left = size;
    gboolean ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    while (ok && left > 0) {
        ssize_t n = read(fd, buf, (size_t)MIN((int64_t)COPY_CHUNK, left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            g_set_error(err, YF_EVIDENCE_ERROR,
                        n < 0 ? YF_EVIDENCE_ERROR_IO : YF_EVIDENCE_ERROR_CHANGED, "%s: %s",
                        disk_path, n < 0 ? g_strerror(errno) : "shrank while packing");
            ok = FALSE;
        } else if (archive_write_data(a, buf, (size_t)n) != n) {
            ok = archive_fail(a, out_path, err);
        } else {
            EVP_DigestUpdate(md, buf, (size_t)n);
            left -= n;
        }
    }
    if (ok && read(fd, buf, 1) != 0) {   /* a finished artifact does not grow */
        g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_CHANGED,
                    "%s: grew while packing (is it still being written?)", disk_path);
        ok = FALSE;
    }
    ok = ok && EVP_DigestFinal_ex(md, sha, NULL) == 1;
    EVP_MD_CTX_free(md);
    g_free(buf);
    return ok;
}

static gboolean add_file(struct archive *a, const yf_evidence_file *f, time_t mtime,
                         guint8 sha[32], int64_t *size, const char *out_path, GError **err)
{
    struct stat st;
    int fd = open(f->disk_path, O_RDONLY | O_CLOEXEC);
    gboolean ok = FALSE;
    if (fd < 0 || fstat(fd, &st) != 0) {
        g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_IO, "cannot read %s: %s",
                    f->disk_path, g_strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_INVALID,
                    "%s is not a regular file", f->disk_path);
        goto out;
    }
    *size = (int64_t)st.st_size;
    if (!write_header(a, f->archive_path, *size, mtime)) {
        archive_fail(a, out_path, err);
        goto out;
    }
    ok = copy_hashed(a, fd, *size, sha, f->disk_path, out_path, err) &&
         (archive_write_finish_entry(a) == ARCHIVE_OK || archive_fail(a, out_path, err));
out:
    if (fd >= 0)
        close(fd);
    return ok;
}

/* The three package files after the artifacts: the manifest, its signature and
 * the public key. */
static gboolean add_signed_manifest(struct archive *a, const yf_evidence_input *in, EVP_PKEY *key,
                                    const guint8 (*sha)[32], const int64_t *sizes,
                                    const char *out_path, GError **err)
{
    guint8 key_id[32], sig[YF_EVIDENCE_SIG_LEN];
    time_t mtime = (time_t)(in->created_ms / 1000);
    char *manifest = NULL, *pem = NULL;
    gboolean ok = FALSE;
    if (!yf_evidence_key_id(key, key_id) || (pem = yf_evidence_pubkey_pem(key)) == NULL) {
        g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_KEY, "cannot encode the public key");
        goto out;
    }
    if ((manifest = yf_evidence_manifest_build(in, sha, sizes, key_id, err)) == NULL)
        goto out;
    if (!yf_evidence_sign(key, manifest, strlen(manifest), sig)) {
        g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_KEY, "cannot sign the manifest");
        goto out;
    }
    ok = add_mem(a, YF_EVIDENCE_MANIFEST, manifest, strlen(manifest), mtime, out_path, err) &&
         add_mem(a, YF_EVIDENCE_SIGNATURE, sig, sizeof sig, mtime, out_path, err) &&
         add_mem(a, YF_EVIDENCE_PUBKEY, pem, strlen(pem), mtime, out_path, err);
out:
    g_free(manifest);
    g_free(pem);
    return ok;
}

/* Writes the whole tar to fd. */
static gboolean write_package(int fd, const yf_evidence_input *in, EVP_PKEY *key,
                              const char *out_path, GError **err)
{
    struct archive *a = archive_write_new();
    guint8 (*sha)[32] = g_malloc0_n(in->n_files + 1, 32);
    int64_t *sizes = g_new0(int64_t, in->n_files + 1);
    time_t mtime = (time_t)(in->created_ms / 1000);
    gboolean ok = a && archive_write_set_format_pax_restricted(a) == ARCHIVE_OK &&
                  archive_write_add_filter_none(a) == ARCHIVE_OK &&
                  archive_write_open_fd(a, fd) == ARCHIVE_OK;
    if (!ok)
        archive_fail(a, out_path, err);
    for (size_t i = 0; ok && i < in->n_files; i++)
        ok = add_file(a, &in->files[i], mtime, sha[i], &sizes[i], out_path, err);
    ok = ok && add_signed_manifest(a, in, key, (const guint8 (*)[32])sha, sizes, out_path, err);
    if (ok && archive_write_close(a) != ARCHIVE_OK)
        ok = archive_fail(a, out_path, err);
    archive_write_free(a);
    g_free(sha);
    g_free(sizes);
    return ok;
}

gboolean yf_evidence_build(const yf_evidence_input *in, const char *key_dir,
                           const char *out_path, GError **err)
{
    char *tmp = NULL, *dir = NULL;
    int fd = -1;
    gboolean ok = FALSE, made = FALSE;
    EVP_PKEY *key = NULL;
    if (!yf_evidence_input_check(in, err) || (key = yf_evidence_key_load(key_dir, err)) == NULL)
        goto out;
    tmp = g_strdup_printf("%s.tmp-XXXXXX", out_path);
    if ((fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0644)) < 0) {
        g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_IO, "cannot create %s: %s", tmp,
                    g_strerror(errno));
        goto out;
    }
    made = TRUE;
    if (!write_package(fd, in, key, out_path, err))
        goto out;
    gboolean synced = fsync(fd) == 0;
    int saved = errno;
    if (close(fd) != 0 && synced)
        synced = FALSE, saved = errno;
    fd = -1;
    if (!synced || g_rename(tmp, out_path) != 0) {
        g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_IO, "cannot write %s: %s",
                    out_path, g_strerror(synced ? errno : saved));
        goto out;
    }
    dir = g_path_get_dirname(out_path);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    g_debug("evidence package for hearing %" G_GINT64_FORMAT " written to %s", in->hearing_id,
            out_path);
    ok = TRUE;
out:
    if (fd >= 0)
        close(fd);
    if (!ok && made)
        g_unlink(tmp);
    g_free(tmp);
    g_free(dir);
    EVP_PKEY_free(key);
    return ok;
}
