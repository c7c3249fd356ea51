/* cap_reader.c -- streaming reader of capture files (docs/recording-format.md)
 * over a file descriptor (pread into one fixed buffer of the largest legal
 * record) or over memory. Files may be damaged: every length is checked
 * against its limit before anything is read, the buffer never grows, and
 * the first bad record stops the reader with its offset. */
#include "capfile.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define BUF_CAP (YF_CAP_RECORD_MAX > YF_CAP_HEADER_MAX ? YF_CAP_RECORD_MAX : YF_CAP_HEADER_MAX)

typedef enum { RD_START, RD_RECORDS, RD_DONE, RD_FAILED } rd_state;

/* Invariants: window = [win, win + avail) holds file bytes from offset
 * `pos`; for fd readers win points into buf and avail <= BUF_CAP. good_end
 * <= pos; every byte before good_end belongs to a good header or record. */
struct yf_cap_reader {
    int fd;                 /* -1 for memory */
    const uint8_t *mem;
    size_t mem_len;
    uint8_t *buf;           /* fd readers: BUF_CAP bytes */
    const uint8_t *win;
    size_t avail;
    uint64_t pos;           /* file offset of win[0] */
    gboolean eof;           /* fd: pread returned 0 */
    rd_state state;
    uint64_t good_end, skipped;
    gboolean complete;
    uint8_t *meta;          /* fd readers: the header's metadata, kept */
};

G_DEFINE_QUARK(yf-cap-error-quark, yf_cap_error)

yf_cap_reader *yf_cap_reader_new_fd(int fd)
{
    yf_cap_reader *r = g_new0(yf_cap_reader, 1);

    r->fd = fd;
    r->buf = g_malloc(BUF_CAP);
    r->win = r->buf;
    return r;
}

yf_cap_reader *yf_cap_reader_new_mem(const uint8_t *data, size_t len)
{
    yf_cap_reader *r = g_new0(yf_cap_reader, 1);

    r->fd = -1;
    r->mem = data;
    r->mem_len = len;
    r->win = data;
    r->avail = len;
    r->eof = TRUE;
    return r;
}

void yf_cap_reader_free(yf_cap_reader *r)
{
    if (!r)
        return;
    g_free(r->buf);
    g_free(r->meta);
    g_free(r);
}

/* Makes at least `need` (<= BUF_CAP) bytes available at win, or all that
 * is left. FALSE only on a read error. */
static gboolean ensure(yf_cap_reader *r, size_t need, GError **err)
{
    if (r->fd < 0 || r->avail >= need || r->eof)
        return TRUE;
    if (r->win != r->buf && r->avail)
        memmove(r->buf, r->win, r->avail);
    r->win = r->buf;
    while (r->avail < need && !r->eof) {
        ssize_t n = pread(r->fd, r->buf + r->avail, BUF_CAP - r->avail, (off_t)(r->pos + r->avail));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_set_error(err, YF_CAP_ERROR, YF_CAP_ERROR_IO, "read at offset %" G_GUINT64_FORMAT ": %s",
                        r->pos + r->avail, g_strerror(errno));
            return FALSE;
        }
        r->eof = n == 0;
        r->avail += (size_t)n;
    }
    return TRUE;
}

static void consume(yf_cap_reader *r, size_t n)
{
    r->win += n;
    r->avail -= n;
    r->pos += n;
}

static int fail(yf_cap_reader *r, GError **err, int code, const char *what, const char *detail)
{
    r->state = RD_FAILED;
    g_set_error(err, YF_CAP_ERROR, code, "%s at offset %" G_GUINT64_FORMAT ": %s", what, r->pos, detail);
    return -1;
}

static int header_code(int rc)
{
    return rc == YF_CAP_ESHORT ? YF_CAP_ERROR_TRUNCATED : rc == YF_CAP_ETOOLONG ? YF_CAP_ERROR_TOO_LONG
         : rc == YF_CAP_ECRC ? YF_CAP_ERROR_CRC : YF_CAP_ERROR_HEADER;
}

gboolean yf_cap_reader_header(yf_cap_reader *r, yf_cap_header *out, GError **err)
{
    int rc;

    if (r->state != RD_START) {
        g_set_error(err, YF_CAP_ERROR, YF_CAP_ERROR_STATE, "header already read");
        return FALSE;
    }
    if (!ensure(r, YF_CAP_HEADER_MAX, err)) {
        r->state = RD_FAILED;
        return FALSE;
    }
    rc = yf_cap_header_decode(r->win, r->avail, out);
    if (rc < 0)
        return fail(r, err, header_code(rc), "header", yf_cap_strerror(rc)) == 0;
    if (r->fd >= 0) { /* keep the metadata valid after the buffer moves on */
        r->meta = g_memdup2(out->meta_json, out->meta_len ? out->meta_len : 1);
        out->meta_json = r->meta;
    }
    consume(r, (size_t)rc);
    r->good_end = r->pos;
    r->state = RD_RECORDS;
    return TRUE;
}

static int record_error(yf_cap_reader *r, int rc, GError **err)
{
    char detail[96];

    if (rc == YF_CAP_ESHORT)
        return fail(r, err, YF_CAP_ERROR_TRUNCATED, "record", "data ends inside the record (torn write)");
    if (rc == YF_CAP_ETOOLONG) {
        g_snprintf(detail, sizeof detail, "length %u exceeds the limit of %u bytes",
                   ((unsigned)r->win[1] << 24) | ((unsigned)r->win[2] << 16) | ((unsigned)r->win[3] << 8) |
                   r->win[4], (unsigned)YF_CAP_PAYLOAD_MAX);
        return fail(r, err, YF_CAP_ERROR_TOO_LONG, "record", detail);
    }
    return fail(r, err, YF_CAP_ERROR_CRC, "record", "CRC mismatch");
}

int yf_cap_reader_next(yf_cap_reader *r, yf_cap_record *out, GError **err)
{
    for (;;) {
        int rc;

        if (r->state == RD_FAILED || r->state == RD_START) {
            g_set_error(err, YF_CAP_ERROR, YF_CAP_ERROR_STATE, r->state == RD_START ? "header not read"
                        : "reader stopped at offset %" G_GUINT64_FORMAT, r->good_end);
            return -1;
        }
        if (!ensure(r, YF_CAP_RECORD_HEAD, err)) {
            r->state = RD_FAILED;
            return -1;
        }
        if (r->state == RD_DONE)
            return r->avail ? fail(r, err, YF_CAP_ERROR_AFTER_END, "data", "bytes after the END record") : 0;
        if (r->avail == 0)
            return 0;
        if (r->avail >= YF_CAP_RECORD_HEAD) { /* the length is checked before it sizes a read */
            uint32_t pl = ((uint32_t)r->win[1] << 24) | ((uint32_t)r->win[2] << 16) |
                          ((uint32_t)r->win[3] << 8) | r->win[4];
            if (pl <= YF_CAP_PAYLOAD_MAX && !ensure(r, YF_CAP_RECORD_OVERHEAD + pl, err)) {
                r->state = RD_FAILED;
                return -1;
            }
        }
        rc = yf_cap_record_decode(r->win, r->avail, out);
        if (rc < 0)
            return record_error(r, rc, err);
        consume(r, (size_t)rc);
        r->good_end = r->pos;
        if (out->type == YF_CAP_END) {
            r->state = RD_DONE;
            r->complete = TRUE;
        }
        if (out->type >= YF_CAP_RTP && out->type <= YF_CAP_END)
            return 1;
        r->skipped++;
    }
}

uint64_t yf_cap_reader_good_end(const yf_cap_reader *r) { return r->good_end; }
gboolean yf_cap_reader_complete(const yf_cap_reader *r) { return r->complete; }
uint64_t yf_cap_reader_skipped(const yf_cap_reader *r) { return r->skipped; }
