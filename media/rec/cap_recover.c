/* cap_recover.c -- finishing a capture file a crash left as NAME.ycap.part
 * (docs/recording-format.md, "Crash recovery"): cut after the last record
 * whose CRC checks, append GAP(server restart) + END, fdatasync, rename to
 * NAME.ycap, fsync the directory. Deletes nothing: an unreadable file is
 * renamed to NAME.ycap.damaged and left for a person to look at. */
#define G_LOG_DOMAIN "yf-rec"
#include "capfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

gboolean yf_cap_sync_dir(const char *dir, GError **err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), "fsync of directory %s: %s", dir,
                    g_strerror(e));
        if (fd >= 0)
            close(fd);
        return FALSE;
    }
    close(fd);
    return TRUE;
}

void yf_cap_recovered_clear(yf_cap_recovered *r)
{
    if (!r)
        return;
    g_free(r->name);
    g_free(r->error);
    memset(r, 0, sizeof *r);
}

static gboolean io_error(GError **err, const char *what, const char *path)
{
    int e = errno;

    g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), "%s %s: %s", what, path, g_strerror(e));
    return FALSE;
}

/* Renames without replacing; then makes the rename durable. */
static gboolean rename_new(const char *from, const char *to, GError **err)
{
    char *dir = g_path_get_dirname(to);
    gboolean ok = FALSE;

    if (g_file_test(to, G_FILE_TEST_EXISTS)) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_EXIST, "recovery of %s: %s already exists", from, to);
        goto out;
    }
    if (rename(from, to) != 0) {
        io_error(err, "rename to", to);
        goto out;
    }
    ok = yf_cap_sync_dir(dir, err);
out:
    g_free(dir);
    return ok;
}

static gboolean write_all_at(int fd, const uint8_t *p, size_t n, off_t at)
{
    while (n) {
        ssize_t w = pwrite(fd, p, n, at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return FALSE;
        p += w;
        n -= (size_t)w;
        at += w;
    }
    return TRUE;
}

/* GAP(server restart) at the last kept arrival time, then END at now. */
static gboolean append_tail(int fd, off_t at, const yf_cap_recovered *out, int64_t gap_us, int64_t now_us)
{
    uint8_t gap[5 + YF_CAP_GAP_TEXT_MAX], rec[2 * YF_CAP_RECORD_OVERHEAD + sizeof gap];
    char text[YF_CAP_GAP_TEXT_MAX + 1];
    int gl, n1, n2;

    g_snprintf(text, sizeof text, "server restart: capture finished by recovery, %" G_GUINT64_FORMAT
               " bytes cut after the last good record", out->bytes_truncated);
    gl = yf_cap_gap_encode(YF_CAP_GAP_RESTART, (uint32_t)MIN(out->bytes_truncated, G_MAXUINT32), text, gap,
                           sizeof gap);
    n1 = gl < 0 ? gl : yf_cap_record_encode(YF_CAP_GAP, gap_us, gap, (size_t)gl, rec, sizeof rec);
    n2 = n1 < 0 ? n1 : yf_cap_record_encode(YF_CAP_END, now_us, NULL, 0, rec + n1, sizeof rec - (size_t)n1);
    if (n2 < 0) {
        errno = EINVAL;
        return FALSE;
    }
    return write_all_at(fd, rec, (size_t)(n1 + n2), at);
}

/* Reads the header and every good record; leaves the cut point and counts
 * in out. FALSE on a read error or an unreadable header (*bad_header). */
static gboolean scan(int fd, const char *path, yf_cap_recovered *out, int64_t *gap_us, gboolean *bad_header, uint64_t *cut,
                     GError **err)
{
    yf_cap_reader *r = yf_cap_reader_new_fd(fd);
    yf_cap_header h;
    yf_cap_record rec;
    GError *e = NULL;
    int rc;

    *bad_header = FALSE;
    if (!yf_cap_reader_header(r, &h, &e)) {
        *bad_header = e->domain == YF_CAP_ERROR && e->code != YF_CAP_ERROR_IO;
        g_propagate_error(err, e);
        yf_cap_reader_free(r);
        return FALSE;
    }
    *gap_us = h.created_us;
    while ((rc = yf_cap_reader_next(r, &rec, &e)) == 1) {
        if (rec.type == YF_CAP_END)
            continue;
        out->records_kept++;
        out->last_arrival_us = *gap_us = rec.arrival_us;
    }
    out->records_kept += yf_cap_reader_skipped(r);
    if (rc < 0 && e->code == YF_CAP_ERROR_IO) {
        g_propagate_error(err, e);
        yf_cap_reader_free(r);
        return FALSE;
    }
    if (e)
        g_message("recovery of %s: %s; cut there", path, e->message);
    g_clear_error(&e);
    out->was_complete = yf_cap_reader_complete(r);
    *cut = yf_cap_reader_good_end(r);
    yf_cap_reader_free(r);
    return TRUE;
}

static gboolean finish(int fd, const char *part_path, yf_cap_recovered *out, uint64_t cut, int64_t gap_us,
                       int64_t now_us, GError **err)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        return io_error(err, "stat", part_path);
    out->bytes_truncated = (uint64_t)st.st_size > cut ? (uint64_t)st.st_size - cut : 0;
    if (out->bytes_truncated && ftruncate(fd, (off_t)cut) != 0)
        return io_error(err, "truncate", part_path);
    if (!out->was_complete && !append_tail(fd, (off_t)cut, out, gap_us, now_us))
        return io_error(err, "append GAP/END to", part_path);
    if (fdatasync(fd) != 0)
        return io_error(err, "fdatasync", part_path);
    return TRUE;
}

gboolean yf_cap_recover_file(const char *part_path, int64_t now_us, yf_cap_recovered *out, GError **err)
{
    size_t pl = strlen(part_path), sl = strlen(YF_CAP_PART_SUFFIX);
    char *final = NULL, *damaged = NULL;
    gboolean ok = FALSE, bad_header = FALSE;
    int64_t gap_us = 0;
    uint64_t cut = 0;
    int fd = -1;

    memset(out, 0, sizeof *out);
    if (pl <= sl || strcmp(part_path + pl - sl, YF_CAP_PART_SUFFIX)) {
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is not a *%s file", part_path, YF_CAP_PART_SUFFIX);
        return FALSE;
    }
    final = g_strndup(part_path, pl - strlen(".part"));
    fd = open(part_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        io_error(err, "open", part_path);
        goto out;
    }
    if (!scan(fd, part_path, out, &gap_us, &bad_header, &cut, err)) {
        if (bad_header) { /* no media to save; keep the bytes for a person */
            damaged = g_strconcat(final, ".damaged", NULL);
            out->name = g_path_get_basename(damaged);
            if (!rename_new(part_path, damaged, NULL))
                g_warning("recovery: cannot rename %s to %s", part_path, damaged);
        }
        goto out;
    }
    if (!finish(fd, part_path, out, cut, gap_us, now_us, err))
        goto out;
    close(fd);
    fd = -1;
    ok = rename_new(part_path, final, err);
    out->name = g_path_get_basename(final);
out:
    if (fd >= 0)
        close(fd);
    g_free(final);
    g_free(damaged);
    return ok;
}
