/* post_mkv.c -- two fix-ups of the Matroska/WebM files matroskamux writes:
 * browsers can seek in them, and their Duration is where their last block
 * ends.
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
 * The Segment's Duration: GStreamer 1.22's matroskamux writes the longest
 * track's own span, from that track's first block to its end, which falls
 * short of the file's end when a track that starts late also ends last (a
 * participant whose video starts a second after the audio and outlasts it).
 * The walk below sees every block anyway, so it notes where the last one ends
 * (Opus blocks last as long as their packet's TOC says, RFC 6716 §3.1; a
 * video block has no duration of its own) and, if the Duration is shorter,
 * rewrites it in place: the same 8-byte float. That Duration is what players
 * show and what the job reports as the file's duration_ms.
 *
 * Written here because no Debian C library does these steps: libavformat
 * could remux the whole file (a second muxer and a second copy of every
 * recording), mkvtoolnix is a program, not a library. The file read is the
 * one this job just wrote; the walk is still bounded by the file's size. */
#define G_LOG_DOMAIN "yf-post"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "post_priv.h"

#define ID_SEGMENT 0x18538067u
#define ID_INFO 0x1549A966u
#define ID_TIMECODE_SCALE 0x2AD7B1u
#define ID_DURATION 0x4489u
#define ID_TRACKS 0x1654AE6Bu
#define ID_TRACK_ENTRY 0xAEu
#define ID_TRACK_NUMBER 0xD7u
#define ID_CODEC_ID 0x86u
#define ID_CLUSTER 0x1F43B675u
#define ID_CLUSTER_TIMECODE 0xE7u
#define ID_SIMPLE_BLOCK 0xA3u
#define ID_BLOCK_GROUP 0xA0u
#define ID_BLOCK 0xA1u
#define ID_BLOCK_DURATION 0x9Bu
#define KEYFRAME 0x80u
#define MAX_TRACKS 8

typedef struct {
    int fd;
    uint64_t opus[MAX_TRACKS]; /* track numbers of the Opus tracks */
    guint n_opus;
    guint64 marked;
    const char *bad;           /* why the structure was not understood */
    uint64_t scale;            /* TimecodeScale, ns per tick */
    int64_t duration_off;      /* the 8-byte Duration float's offset; -1: none */
    double duration;           /* in ticks; 0 if none */
    uint64_t cluster_ticks;    /* the current cluster's timecode */
    int64_t group_ticks;       /* the current BlockGroup's BlockDuration; -1: none */
    double end_ticks;          /* where the last block ends */
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

/* The body of e as an unsigned integer (at most 8 bytes). 1, 0, -1 as
 * read_element. */
static int read_uint(mkv *m, const element *e, uint64_t *v)
{
    uint8_t b[8];
    int r;

    if (e->end - e->body > 8) {
        m->bad = "integer longer than 8 bytes";
        return 0;
    }
    if ((r = read_at(m, e->body, b, (size_t)(e->end - e->body))) <= 0)
        return r < 0 ? -1 : (m->bad = "file ends inside an integer", 0);
    *v = 0;
    for (int64_t i = 0; i < e->end - e->body; i++)
        *v = (*v << 8) | b[i];
    return 1;
}

/* The Info element: the TimecodeScale, and the Duration float (and where
 * it is, if it has 8 bytes: matroskamux's). */
static int on_info(mkv *m, const element *info)
{
    element e;
    uint64_t v;
    int r;

    for (int64_t off = info->body; off < info->end; off = e.end) {
        if ((r = read_element(m, off, info->end, &e)) <= 0)
            return r;
        if (e.id == ID_TIMECODE_SCALE) {
            if ((r = read_uint(m, &e, &v)) <= 0)
                return r;
            m->scale = v ? v : m->scale;
        } else if (e.id == ID_DURATION && (e.end - e.body == 8 || e.end - e.body == 4)) {
            if ((r = read_uint(m, &e, &v)) <= 0)
                return r;
            if (e.end - e.body == 8) {
                memcpy(&m->duration, &v, 8);
                m->duration_off = e.body;
            } else {
                uint32_t u = (uint32_t)v;
                float f;
                memcpy(&f, &u, 4);
                m->duration = f;
            }
            if (!(m->duration >= 0 && m->duration < 1e15))   /* NaN or absurd: as if none */
                m->duration = 0;
        }
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

/* How long an Opus packet plays, in ns, from its TOC byte and, for code 3,
 * its frame count byte (RFC 6716 §3.1, §3.2.5); 0 if there is none. */
static int64_t opus_packet_ns(const uint8_t *p, size_t n)
{
    static const int64_t silk_us[4] = { 10000, 20000, 40000, 60000 }, celt_us[4] = { 2500, 5000, 10000, 20000 };
    guint config, frames;
    int64_t frame_us;

    if (n == 0)
        return 0;
    config = p[0] >> 3;
    frame_us = config < 12 ? silk_us[config % 4] : config < 16 ? silk_us[config % 2] : celt_us[config % 4];
    frames = (p[0] & 3) == 0 ? 1 : (p[0] & 3) < 3 ? 2 : n > 1 ? (p[1] & 0x3f) : 0;
    return frame_us * frames * 1000;
}

/* Notes where a block at rel ticks from its cluster ends: after its
 * BlockDuration if its group has one, else after an Opus packet's length. */
static void note_end(mkv *m, int16_t rel, gboolean opus, const uint8_t *frame, size_t n)
{
    double at = (double)m->cluster_ticks + rel, len = 0;

    if (m->group_ticks >= 0)
        len = (double)m->group_ticks;
    else if (opus)
        len = (double)opus_packet_ns(frame, n) / (double)m->scale;
    m->end_ticks = MAX(m->end_ticks, at + len);
}

/* A SimpleBlock or a Block (in a BlockGroup): track number, 16-bit
 * timecode, flags, then the frame. An Opus SimpleBlock gets the keyframe
 * flag (a Block has no such flag). */
static int on_block(mkv *m, const element *b)
{
    uint8_t h[12];
    size_t n = (size_t)MIN((int64_t)sizeof h, b->end - b->body);
    uint64_t track;
    int tl, r;

    if ((r = read_at(m, b->body, h, n)) <= 0)
        return r < 0 ? -1 : (m->bad = "file ends inside a block", 0);
    tl = vint(h, n, FALSE, &track);
    if (!tl || (size_t)tl + 3 > n) {
        m->bad = "malformed block";
        return 0;
    }
    note_end(m, (int16_t)((h[tl] << 8) | h[tl + 1]), is_opus(m, track), h + tl + 3, n - (size_t)tl - 3);
    if (b->id != ID_SIMPLE_BLOCK || !is_opus(m, track) || (h[tl + 2] & KEYFRAME))
        return 1;
    h[tl + 2] |= KEYFRAME;
    if (pwrite(m->fd, &h[tl + 2], 1, b->body + tl + 2) != 1)
        return -1;
    m->marked++;
    return 1;
}

/* A BlockGroup: its BlockDuration (matroskamux writes it first), then its
 * Block. */
static int on_group(mkv *m, const element *g)
{
    element e;
    uint64_t v;
    int r = 1;

    m->group_ticks = -1;
    for (int64_t off = g->body; off < g->end && r > 0; off = e.end) {
        if ((r = read_element(m, off, g->end, &e)) <= 0)
            break;
        if (e.id == ID_BLOCK_DURATION && (r = read_uint(m, &e, &v)) > 0)
            m->group_ticks = (int64_t)MIN(v, (uint64_t)INT32_MAX);
        else if (e.id == ID_BLOCK)
            r = on_block(m, &e);
    }
    m->group_ticks = -1;
    return r;
}

/* A Cluster: its timecode (matroskamux writes it first), then its blocks. */
static int on_cluster(mkv *m, const element *c)
{
    element e;
    uint64_t v;
    int r = 1;

    m->cluster_ticks = 0;
    for (int64_t off = c->body; off < c->end && r > 0; off = e.end) {
        if ((r = read_element(m, off, c->end, &e)) <= 0)
            break;
        if (e.id == ID_CLUSTER_TIMECODE && (r = read_uint(m, &e, &v)) > 0)
            m->cluster_ticks = MIN(v, (uint64_t)1 << 52);
        else if (e.id == ID_SIMPLE_BLOCK)
            r = on_block(m, &e);
        else if (e.id == ID_BLOCK_GROUP)
            r = on_group(m, &e);
    }
    return r;
}

/* The elements in [off, end): descends into the segment and the track list;
 * the info, the tracks and the clusters (the tracks come before the clusters
 * in matroskamux's files). */
static int walk(mkv *m, int64_t off, int64_t end)
{
    element e;
    int r = 1;

    for (; off < end && r > 0; off = e.end) {
        if ((r = read_element(m, off, end, &e)) <= 0)
            break;
        if (e.id == ID_SEGMENT || e.id == ID_TRACKS)
            r = walk(m, e.body, e.end);
        else if (e.id == ID_INFO)
            r = on_info(m, &e);
        else if (e.id == ID_TRACK_ENTRY)
            r = on_track(m, &e);
        else if (e.id == ID_CLUSTER)
            r = on_cluster(m, &e);
    }
    return r;
}

/* Makes the Duration reach the end of the last block; *duration_ms: the
 * Duration the file then states. 1, or -1 on an I/O error. */
static int fix_duration(mkv *m, int64_t *duration_ms)
{
    double ticks = m->duration_off >= 0 ? MAX(m->duration, m->end_ticks)
                 : m->duration > 0      ? m->duration   /* a 4-byte float: kept as it is */
                                        : m->end_ticks;

    if (m->duration_off >= 0 && m->end_ticks > m->duration) {
        uint64_t bits;
        memcpy(&bits, &ticks, 8);
        bits = GUINT64_TO_BE(bits);
        if (pwrite(m->fd, &bits, 8, m->duration_off) != 8)
            return -1;
    }
    *duration_ms = (int64_t)llround(ticks * (double)m->scale / 1e6);
    return 1;
}

gboolean yf_post_mkv_finish(const char *path, int64_t *duration_ms, GError **err)
{
    mkv m = { .fd = open(path, O_RDWR | O_CLOEXEC), .scale = 1000000, .duration_off = -1, .group_ticks = -1 };
    int64_t size;
    int r;

    *duration_ms = -1;
    if (m.fd < 0 || (size = lseek(m.fd, 0, SEEK_END)) < 0) {
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_IO, "%s: %s", path, g_strerror(errno));
        if (m.fd >= 0)
            close(m.fd);
        return FALSE;
    }
    r = walk(&m, 0, size);
    if (r > 0)
        r = fix_duration(&m, duration_ms);
    if (r < 0)
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_IO, "%s: %s", path, g_strerror(errno));
    else if (r == 0) /* still a file GStreamer wrote and plays: keep it */
        g_warning("%s: not finished (%s): Opus blocks may lack the keyframe flag (browsers may fail to seek) "
                  "and its duration is not checked", path, m.bad);
    else
        g_debug("%s: %" G_GUINT64_FORMAT " Opus blocks marked as keyframes, %" G_GINT64_FORMAT " ms", path,
                m.marked, *duration_ms);
    close(m.fd);
    return r >= 0;
}
