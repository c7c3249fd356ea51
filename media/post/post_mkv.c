/* post_mkv.c -- one fix-up of the Matroska/WebM files matroskamux writes, so
 * that browsers can seek in them.
 *
 * GStreamer 1.22's matroskamux sets the keyframe flag only on video
 * SimpleBlocks and indexes (Cues) only the video track. FFmpeg's Matroska
 * demuxer (Chromium's <video> uses it) seeks a track by its index, built from
 * the Cues and from the keyframe-flagged blocks it has read: the audio track
 * has no entry at all. Chromium seeks on the audio track whenever the seek
 * time lies before the video track's first frame -- at the start of playback
 * when a participant's audio starts before their video, and always in the
 * composite, whose first Opus block maps to -6.5 ms (its CodecDelay). That
 * seek fails ("FFmpegDemuxer: demuxer seek failed") and nothing plays.
 *
 * Every Opus packet decodes on its own (with SeekPreRoll for exact output):
 * a keyframe in Matroska's sense, as mkvmerge and FFmpeg write it. So the flag
 * is set in place on the Opus track's SimpleBlocks: one bit of one byte per
 * block, the file's size and every timestamp unchanged.
 *
 * Written here because no Debian C library does this one step: libavformat
 * could remux the whole file (a second muxer and a second copy of every
 * recording), mkvtoolnix is a program, not a library. The file read is the
 * one this job just wrote; the walk is still bounded by the file's size. */
#define G_LOG_DOMAIN "yf-post"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "post_priv.h"

#define ID_SEGMENT 0x18538067u
#define ID_TRACKS 0x1654AE6Bu
#define ID_TRACK_ENTRY 0xAEu
#define ID_TRACK_NUMBER 0xD7u
#define ID_CODEC_ID 0x86u
#define ID_CLUSTER 0x1F43B675u
#define ID_SIMPLE_BLOCK 0xA3u
#define KEYFRAME 0x80u
#define MAX_TRACKS 8

typedef struct {
    int fd;
    uint64_t opus[MAX_TRACKS]; /* track numbers of the Opus tracks */
    guint n_opus;
    guint64 marked;
    const char *bad;           /* why the structure was not understood */
} mkv;

typedef struct {
    uint32_t id;
    int64_t body, end;         /* body offset; end of the element */
} element;

/* Reads exactly n bytes at off: -1 on an I/O error, 0 if the file ends. */
static int read_at(mkv *m, int64_t off, uint8_t *buf, size_t n)
{
    ssize_t r = pread(m->fd, buf, n, off);

    if (r < 0)
        return -1;
    return (size_t)r == n;
}

/* An EBML variable-size integer at p[0..n): its length, 0 if malformed. */
static int vint(const uint8_t *p, size_t n, gboolean keep_marker, uint64_t *v)
{
    int len = 1;

    if (n == 0 || p[0] == 0)
        return 0;
    while (!(p[0] & (0x80 >> (len - 1))))
        len++;
    if ((size_t)len > n)
        return 0;
    *v = keep_marker ? p[0] : p[0] & (0xFFu >> len);
    for (int i = 1; i < len; i++)
        *v = (*v << 8) | p[i];
    return len;
}

/* The element whose header starts at off, inside [off, end). 1: read; 0: not
 * understood (m->bad says why); -1: I/O error. */
static int read_element(mkv *m, int64_t off, int64_t end, element *e)
{
    uint8_t h[12];
    size_t n = (size_t)MIN((int64_t)sizeof h, end - off);
    uint64_t id, size;
    int il, sl, r;

    if ((r = read_at(m, off, h, n)) <= 0)
        return r < 0 ? -1 : (m->bad = "file ends inside an element", 0);
    il = vint(h, n, TRUE, &id);
    sl = il && il <= 4 ? vint(h + il, n - (size_t)il, FALSE, &size) : 0;
    if (!sl) {
        m->bad = "malformed element header";
        return 0;
    }
    e->id = (uint32_t)id;
    e->body = off + il + sl;
    if (size == (UINT64_C(1) << (7 * sl)) - 1)   /* unknown size: only the segment may */
        e->end = e->id == ID_SEGMENT ? end : -1;
    else
        e->end = size <= (uint64_t)(end - e->body) ? e->body + (int64_t)size : -1;
    if (e->end < 0) {
        m->bad = "element overruns its parent";
        return 0;
    }
    return 1;
}

/* A TrackEntry: remembers its number if its codec is Opus. */
static int on_track(mkv *m, const element *t)
{
    uint64_t number = 0;
    char codec[16] = "";
    element e;
    int r;

    for (int64_t off = t->body; off < t->end; off = e.end) {
        uint8_t b[8];
        if ((r = read_element(m, off, t->end, &e)) <= 0)
            return r;
        if (e.id == ID_TRACK_NUMBER && e.end - e.body <= 8) {
            if ((r = read_at(m, e.body, b, (size_t)(e.end - e.body))) <= 0)
                return r < 0 ? -1 : 0;
            number = 0;
            for (int64_t i = 0; i < e.end - e.body; i++)
                number = (number << 8) | b[i];
        } else if (e.id == ID_CODEC_ID && e.end - e.body < (int64_t)sizeof codec) {
            memset(codec, 0, sizeof codec);
            if ((r = read_at(m, e.body, (uint8_t *)codec, (size_t)(e.end - e.body))) <= 0)
                return r < 0 ? -1 : 0;
        }
    }
    if (number && !strcmp(codec, "A_OPUS") && m->n_opus < MAX_TRACKS)
        m->opus[m->n_opus++] = number;
    return 1;
}

static gboolean is_opus(const mkv *m, uint64_t track)
{
    for (guint i = 0; i < m->n_opus; i++)
        if (m->opus[i] == track)
            return TRUE;
    return FALSE;
}

/* A SimpleBlock: track number, 16-bit timecode, flags. */
static int on_block(mkv *m, const element *b)
{
    uint8_t h[11];
    size_t n = (size_t)MIN((int64_t)sizeof h, b->end - b->body);
    uint64_t track;
    int tl, r;

    if ((r = read_at(m, b->body, h, n)) <= 0)
        return r < 0 ? -1 : 0;
    tl = vint(h, n, FALSE, &track);
    if (!tl || (size_t)tl + 3 > n) {
        m->bad = "malformed SimpleBlock";
        return 0;
    }
    if (!is_opus(m, track) || (h[tl + 2] & KEYFRAME))
        return 1;
    h[tl + 2] |= KEYFRAME;
    if (pwrite(m->fd, &h[tl + 2], 1, b->body + tl + 2) != 1)
        return -1;
    m->marked++;
    return 1;
}

/* The elements in [off, end): descends into the segment, the track list and
 * the clusters (the tracks come before the clusters in matroskamux's files). */
static int walk(mkv *m, int64_t off, int64_t end)
{
    element e;
    int r = 1;

    for (; off < end && r > 0; off = e.end) {
        if ((r = read_element(m, off, end, &e)) <= 0)
            break;
        if (e.id == ID_SEGMENT || e.id == ID_TRACKS || e.id == ID_CLUSTER)
            r = walk(m, e.body, e.end);
        else if (e.id == ID_TRACK_ENTRY)
            r = on_track(m, &e);
        else if (e.id == ID_SIMPLE_BLOCK)
            r = on_block(m, &e);
    }
    return r;
}

gboolean yf_post_mkv_mark_audio_keyframes(const char *path, GError **err)
{
    mkv m = { .fd = open(path, O_RDWR | O_CLOEXEC) };
    int64_t size;
    int r;

    if (m.fd < 0 || (size = lseek(m.fd, 0, SEEK_END)) < 0) {
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_IO, "%s: %s", path, g_strerror(errno));
        if (m.fd >= 0)
            close(m.fd);
        return FALSE;
    }
    r = walk(&m, 0, size);
    if (r < 0)
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_IO, "%s: %s", path, g_strerror(errno));
    else if (r == 0) /* still a file GStreamer wrote and plays: keep it */
        g_warning("%s: audio keyframe flags not set (%s); browsers may fail to seek in it", path, m.bad);
    else
        g_debug("%s: %" G_GUINT64_FORMAT " Opus blocks marked as keyframes", path, m.marked);
    close(m.fd);
    return r >= 0;
}
