/* post_feed.c -- feeds the RTP packets of one kind of one participant (one or
 * more capture files, reconnects) into an appsrc, from the appsrc's own
 * streaming thread (need-data), so every input of a pipeline advances on its
 * own and none can starve a muxer or mixer waiting on another. Each buffer's
 * PTS is its wall time minus the output's time 0; a file whose first media
 * the clocks place before the end of the file before it is laid out after
 * that end (yf_post_pace) and catches up, never cut. Sequence numbers, SSRC
 * and payload type are rewritten into one stream: real losses stay gaps (the
 * depayloader marks them DISCONT), a new file starts after a forced gap. */
#define G_LOG_DOMAIN "yf-post"

#include <string.h>
#include <unistd.h>

#include "post_priv.h"

#define BATCH 32           /* buffers pushed per need-data */
#define MAX_SEQ_GAP 1000   /* larger losses are shown as this gap */
#define FILE_SEQ_GAP 1000  /* between two files: forces DISCONT */
#define AUDIO_JUMP_NS (150 * GST_MSECOND)
#define OUT_SSRC 0x59460001u

/* Invariants: 0 <= ti <= tracks->len; pi indexes tracks[ti]->pkts; when
 * in_track, prev_ext is the last pushed packet's ext_seq in tracks[ti],
 * prev_wall its wall time and skipped counts skip entries seen after it;
 * placed_us (where the last pushed packet went) and last_pts are
 * non-decreasing, and a new RTP timestamp is placed after the last one. */
struct yf_post_feed {
    GPtrArray *tracks;     /* yf_post_track*, borrowed; by first_us */
    yf_post_codec codec;
    int64_t base_us;
    guint ti, pi;
    gboolean in_track, started, eos;
    int64_t prev_ext, prev_ts, prev_wall, skipped;
    int64_t placed_us;     /* wall time the last buffer was placed at */
    int64_t last_pts;      /* ns; -1 before the first buffer */
    uint16_t seq;
    uint8_t *buf;          /* YF_CAP_PAYLOAD_MAX bytes */
};

yf_post_feed *yf_post_feed_new(const GPtrArray *tracks, int64_t base_us)
{
    yf_post_feed *f = g_new0(yf_post_feed, 1);

    f->tracks = g_ptr_array_copy((GPtrArray *)tracks, NULL, NULL);
    f->codec = ((yf_post_track *)tracks->pdata[0])->codec;
    f->base_us = base_us;
    f->last_pts = -1;
    f->buf = g_malloc(YF_CAP_PAYLOAD_MAX);
    return f;
}

void yf_post_feed_free(gpointer p)
{
    yf_post_feed *f = p;

    if (!f)
        return;
    g_ptr_array_unref(f->tracks);
    g_free(f->buf);
    g_free(f);
}

GstCaps *yf_post_rtp_caps(yf_post_codec c)
{
    if (c == YF_POST_OPUS)
        return gst_caps_from_string("application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,"
                                    "payload=111,encoding-params=(string)2");
    return gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, "video", "clock-rate", G_TYPE_INT,
                               90000, "encoding-name", G_TYPE_STRING, c == YF_POST_VP8 ? "VP8" : "H264",
                               "payload", G_TYPE_INT, 96, NULL);
}

/* Reads packet k again (the file is evidence: checked again, never trusted),
 * takes the Opus block it stands for out of a RED packet (post_red.c) and
 * rewrites its payload type and SSRC (the caller sets the sequence number).
 * NULL if it no longer parses. */
static GstBuffer *make_buffer(yf_post_feed *f, const yf_post_track *t, const yf_post_pkt *k)
{
    uint8_t pt;
    uint16_t seq;
    uint32_t ts, ssrc;
    size_t poff, plen;

    if (k->len > YF_CAP_PAYLOAD_MAX || pread(t->fd, f->buf, k->len, k->off) != (ssize_t)k->len)
        return NULL;
    if (!yf_post_rtp_parse(f->buf, k->len, &pt, &seq, &ts, &ssrc, &poff, &plen) || plen == 0)
        return NULL;
    size_t len = k->red ? yf_post_red_plain(f->buf, k->len, k, t->meta.payload_type) : k->len;
    if (len == 0)
        return NULL;
    f->buf[1] = (uint8_t)((f->buf[1] & 0x80) | (f->codec == YF_POST_OPUS ? 111 : 96));
    f->buf[8] = (uint8_t)(OUT_SSRC >> 24);
    f->buf[9] = (uint8_t)(OUT_SSRC >> 16);
    f->buf[10] = (uint8_t)(OUT_SSRC >> 8);
    f->buf[11] = (uint8_t)OUT_SSRC;
    return gst_buffer_new_memdup(f->buf, len);
}

/* The next sequence number for k, and whether it follows a gap. */
static gboolean advance_seq(yf_post_feed *f, const yf_post_pkt *k)
{
    int64_t inc;

    if (!f->started) {
        f->started = TRUE;
        return TRUE;
    }
    if (!f->in_track) {
        f->seq = (uint16_t)(f->seq + FILE_SEQ_GAP);
        return TRUE;
    }
    inc = CLAMP(k->ext_seq - f->prev_ext - f->skipped, 1, MAX_SEQ_GAP);
    f->seq = (uint16_t)(f->seq + inc);
    return inc > 1;
}

/* Where packet k of the current track goes on the wall clock: at its own
 * time, unless that is before the packet pushed before it (the first packets
 * of a file that overlaps the file before); then at the pace of its own
 * timeline from there. The timeline keeps that pace within a track. */
static int64_t place(yf_post_feed *f, const yf_post_pkt *k)
{
    if (!f->started)
        return k->wall_us;
    if (!f->in_track)
        return MAX(k->wall_us, yf_post_pace(f->placed_us, 0));
    if (k->ext_ts == f->prev_ts)
        return f->placed_us;
    return MAX(k->wall_us, yf_post_pace(f->placed_us, k->wall_us - f->prev_wall));
}

/* The next buffer to push, or NULL at the end of the last track. */
static GstBuffer *next_buffer(yf_post_feed *f)
{
    while (f->ti < f->tracks->len) {
        const yf_post_track *t = f->tracks->pdata[f->ti];
        const yf_post_pkt *k;
        GstBuffer *b;
        int64_t pts, at;
        gboolean gap;
        if (f->pi >= t->pkts->len || t->codec != f->codec) {
            f->ti++;
            f->pi = 0;
            f->in_track = FALSE;
            continue;
        }
        k = &g_array_index(t->pkts, yf_post_pkt, f->pi++);
        if (k->skip || !(b = make_buffer(f, t, k))) {   /* no media, or unreadable */
            f->skipped += f->in_track;
            continue;
        }
        at = place(f, k);
        pts = MAX((at - f->base_us) * 1000, 0);
        gap = advance_seq(f, k);
        if (f->codec == YF_POST_OPUS && f->last_pts >= 0 && pts - f->last_pts > AUDIO_JUMP_NS)
            gap = TRUE; /* silence without lost packets (DTX): the mixer must resync at once */
        gst_buffer_fill(b, 2, (uint8_t[]){ (uint8_t)(f->seq >> 8), (uint8_t)f->seq }, 2);
        f->in_track = TRUE;
        f->prev_ext = k->ext_seq;
        f->prev_ts = k->ext_ts;
        f->prev_wall = k->wall_us;
        f->placed_us = at;
        f->skipped = 0;
        f->last_pts = MAX(pts, f->last_pts);
        GST_BUFFER_PTS(b) = (GstClockTime)f->last_pts;
        if (gap)
            GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DISCONT);
        return b;
    }
    return NULL;
}

static void need_data(GstAppSrc *src, guint length, gpointer user)
{
    yf_post_feed *f = user;

    for (int n = 0; n < BATCH && !f->eos; n++) {
        GstBuffer *b = next_buffer(f);
        if (!b) {
            f->eos = TRUE;
            gst_app_src_end_of_stream(src);
        } else if (gst_app_src_push_buffer(src, b) != GST_FLOW_OK) {
            return; /* flushing or shutting down */
        }
    }
}

void yf_post_feed_attach(yf_post_feed *f, GstElement *src)
{
    GstAppSrcCallbacks cbs = { .need_data = need_data };
    GstCaps *caps = yf_post_rtp_caps(f->codec);

    g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, "is-live", FALSE, "do-timestamp", FALSE,
                 "max-bytes", (guint64)(1 << 20), NULL);
    gst_caps_unref(caps);
    gst_app_src_set_callbacks(GST_APP_SRC(src), &cbs, f, NULL);
}
