/* test_post.c -- post-processing (media/post/post.h) on captures made here
 * with GStreamer: participant 1 sends VP8 (black, white flashes at 2 s and
 * 4 s) and Opus (1 kHz beeps (triangle) at the same instants) with a 1 s loss, late
 * (reordered) and duplicated packets, RTP timestamps and sequence numbers
 * that wrap; participant 2 sends Opus only from a clock 3 s off. Checks the
 * outputs with GstDiscoverer, decodes the composite to the end and measures
 * the flash-to-beep offset in it. Then a second hearing where participant 3
 * publishes H.264 as Chromium / iOS Safari do (packetization-mode=1, SPS and
 * PPS only in band, in a STAP-A before each IDR; no SDP sprop) with the same
 * flashes, beeps and loss from a clock 1 s behind, next to participant 1's
 * VP8: its p3.mkv and its tile in the composite. Then: a damaged tail, a
 * capture without media, cancel. */
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#include "media/rec/capfile.h"
#include "media/post/post.h"
#include "yf_test.h"
#include "yf_test_fs.h"

#define BASE_US 1736899200000000LL   /* 2025-01-15 00:00:00 UTC */
#define NET_DELAY_US 10000
#define SECONDS 6
#define W 320
#define H 240
#define VFPS 30
#define RATE 48000
#define GAP_FROM_US 2500000
#define GAP_TO_US 3500000
#define JOB_TIMEOUT_S 120   /* a job that runs away (a wrong timeline) fails instead of hanging CI */

typedef struct {
    int64_t arrival_us;
    uint8_t type;
    GBytes *data;
} rec;

typedef struct {
    GArray *recs;            /* rec */
    uint32_t ssrc, clock_rate;
    uint32_t ts0;            /* RTP timestamp of the first packet */
    int64_t pts0_us;         /* its PTS */
    uint32_t packets, octets;
    uint32_t sr_speed;       /* SR RTP clock / the packets' clock (a broken sender: 2) */
    int64_t start_us;        /* the publisher starts this long after BASE_US (a reconnect) */
    guint frames;            /* media frames captured: video frames (marker bits), Opus packets */
} track;

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static gboolean flash_at(int frame) { return (frame >= 60 && frame < 63) || (frame >= 120 && frame < 123); }
static gboolean beep_at(int64_t sample)
{
    return (sample >= 2 * RATE && sample < 2 * RATE + RATE / 10) ||
           (sample >= 4 * RATE && sample < 4 * RATE + RATE / 10);
}

/* Raw media for participants 1 and 3, pushed into the encoder's appsrc.
 * textured: a fixed pattern of low contrast on the picture, so that key
 * frames are several kB and go out in FU-A fragments (a flat picture fits
 * one packet); the mean luma stays far from the flash. */
static void push_frames(GstAppSrc *src, gboolean textured)
{
    for (int i = 0; i < SECONDS * VFPS; i++) {
        GstBuffer *b = gst_buffer_new_allocate(NULL, W * H * 3 / 2, NULL);
        GstMapInfo m;
        gst_buffer_map(b, &m, GST_MAP_WRITE);
        memset(m.data, flash_at(i) ? 235 : 16, W * H);
        for (int y = 0; textured && y < H; y++)
            for (int x = 0; x < W; x++)
                m.data[y * W + x] += (uint8_t)(((x * 7 + y * 13) ^ (x * y)) & 15);
        memset(m.data + W * H, 128, W * H / 2);
        gst_buffer_unmap(b, &m);
        GST_BUFFER_PTS(b) = gst_util_uint64_scale(i, GST_SECOND, VFPS);
        GST_BUFFER_DURATION(b) = GST_SECOND / VFPS;
        gst_app_src_push_buffer(src, b);
    }
}

static void push_video(GstAppSrc *src) { push_frames(src, FALSE); }
static void push_video_textured(GstAppSrc *src) { push_frames(src, TRUE); }

static void push_audio(GstAppSrc *src)
{
    for (int64_t s0 = 0; s0 < SECONDS * RATE; s0 += 960) {
        GstBuffer *b = gst_buffer_new_allocate(NULL, 960 * 2, NULL);
        GstMapInfo m;
        gst_buffer_map(b, &m, GST_MAP_WRITE);
        for (int i = 0; i < 960; i++) {
            int64_t s = s0 + i;
            int64_t ph = s % 48; /* a 1 kHz triangle */
            int16_t v = beep_at(s) ? (int16_t)(26000 * (ph < 24 ? ph - 12 : 36 - ph) / 12) : 0;
            memcpy(m.data + 2 * i, &v, 2);
        }
        gst_buffer_unmap(b, &m);
        GST_BUFFER_PTS(b) = gst_util_uint64_scale(s0, GST_SECOND, RATE);
        GST_BUFFER_DURATION(b) = gst_util_uint64_scale(960, GST_SECOND, RATE);
        gst_app_src_push_buffer(src, b);
    }
}

static void add_rec(track *t, int64_t arrival, uint8_t type, const void *p, size_t n)
{
    rec r = { arrival, type, g_bytes_new(p, n) };
    g_array_append_val(t->recs, r);
}

/* RTCP SR (RFC 3550 §6.4.1) for the publisher time t_us, from a clock that
 * is off by skew_us, arriving NET_DELAY_US later. */
static void add_sr(track *t, int64_t t_us, int64_t skew_us)
{
    uint8_t p[28] = { 0x80, 200, 0, 6 };
    int64_t ntp_us = BASE_US + t->start_us + skew_us + t_us;
    uint64_t frac = ((uint64_t)(ntp_us % 1000000) << 32) / 1000000;

    put32(p + 4, t->ssrc);
    put32(p + 8, (uint32_t)(ntp_us / 1000000 + 2208988800LL));
    put32(p + 12, (uint32_t)frac);
    put32(p + 16, t->ts0 + (uint32_t)((t_us - t->pts0_us) * t->clock_rate * MAX(t->sr_speed, 1) / 1000000));
    put32(p + 20, t->packets);
    put32(p + 24, t->octets);
    add_rec(t, BASE_US + t->start_us + t_us + NET_DELAY_US, YF_CAP_RTCP, p, sizeof p);
}

/* Runs the encoder pipeline, turns its RTP packets into records: arrival =
 * BASE + PTS + delay (every 37th 15 ms late; every 101st twice), drops the
 * loss window if asked; adds an SR every second. */
static void capture(track *t, const char *desc, void (*push)(GstAppSrc *), gboolean loss, int64_t skew_us)
{
    GstElement *pipe = gst_parse_launch(desc, NULL);
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipe), "src"), *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
    GstSample *s;
    int n = 0;

    gst_element_set_state(pipe, GST_STATE_PLAYING);
    if (push) {
        push(GST_APP_SRC(src));
        gst_app_src_end_of_stream(GST_APP_SRC(src));
    }
    while ((s = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
        GstBuffer *b = gst_sample_get_buffer(s);
        /* running time: x264enc starts its stream at 1000 h, not 0 */
        int64_t pts_us = (int64_t)(gst_segment_to_running_time(gst_sample_get_segment(s), GST_FORMAT_TIME,
                                                               GST_BUFFER_PTS(b)) / 1000);
        GstMapInfo m;
        gst_buffer_map(b, &m, GST_MAP_READ);
        if (n++ == 0) {
            t->ts0 = ((uint32_t)m.data[4] << 24) | ((uint32_t)m.data[5] << 16) | ((uint32_t)m.data[6] << 8) | m.data[7];
            t->pts0_us = pts_us;
        }
        if (!(loss && pts_us >= GAP_FROM_US && pts_us < GAP_TO_US)) {
            int64_t late = n % 37 == 0 ? 15000 : 0;
            add_rec(t, BASE_US + t->start_us + pts_us + NET_DELAY_US + late, YF_CAP_RTP, m.data, m.size);
            t->frames += t->clock_rate != 90000 || (m.data[1] & 0x80);
            if (n % 101 == 0)
                add_rec(t, BASE_US + t->start_us + pts_us + NET_DELAY_US + 40000, YF_CAP_RTP, m.data, m.size);
            t->packets++;
            t->octets += (uint32_t)m.size - 12;
        }
        gst_buffer_unmap(b, &m);
        gst_sample_unref(s);
    }
    for (int sec = 1; sec < SECONDS; sec++)
        add_sr(t, sec * 1000000LL, skew_us);
    gst_element_set_state(pipe, GST_STATE_NULL);
    if (src)
        gst_object_unref(src);
    gst_object_unref(sink);
    gst_object_unref(pipe);
}

static int cmp_rec(const void *a, const void *b)
{
    const rec *x = a, *y = b;
    return x->arrival_us < y->arrival_us ? -1 : x->arrival_us > y->arrival_us;
}

/* Writes t as a capture file; with_end FALSE leaves the END record out. */
static void write_cap(const char *path, const yf_cap_meta *meta, track *t, gboolean with_end)
{
    GByteArray *out = g_byte_array_new();
    uint8_t buf[YF_CAP_RECORD_MAX];
    int n = yf_cap_header_encode(meta, BASE_US, buf, sizeof buf);

    CHECK(n > 0);
    g_byte_array_append(out, buf, (guint)n);
    g_array_sort(t->recs, cmp_rec); /* stable for equal times: mergesort */
    for (guint i = 0; i < t->recs->len; i++) {
        rec *r = &g_array_index(t->recs, rec, i);
        gsize len;
        const uint8_t *p = g_bytes_get_data(r->data, &len);
        n = yf_cap_record_encode(r->type, r->arrival_us, p, len, buf, sizeof buf);
        g_byte_array_append(out, buf, (guint)n);
    }
    if (with_end) {
        n = yf_cap_record_encode(YF_CAP_END, BASE_US + t->start_us + SECONDS * 1000000LL, NULL, 0, buf, sizeof buf);
        g_byte_array_append(out, buf, (guint)n);
    }
    CHECK(g_file_set_contents(path, (const char *)out->data, out->len, NULL));
    g_byte_array_unref(out);
}

static void track_init(track *t, uint32_t ssrc, uint32_t clock_rate)
{
    memset(t, 0, sizeof *t);
    t->recs = g_array_new(FALSE, FALSE, sizeof(rec));
    t->ssrc = ssrc;
    t->clock_rate = clock_rate;
}

static void track_clear(track *t)
{
    for (guint i = 0; i < t->recs->len; i++)
        g_bytes_unref(g_array_index(t->recs, rec, i).data);
    g_array_unref(t->recs);
}

static yf_cap_meta meta_for(uint32_t participant, yf_cap_kind kind, const char *codec, uint8_t payload_type,
                            uint32_t ssrc)
{
    yf_cap_meta m = { .participant = participant, .kind = kind, .payload_type = payload_type,
                      .clock_rate = kind == YF_CAP_AUDIO ? 48000 : 90000, .ssrc = ssrc };
    g_strlcpy(m.room, "听证-2025-001", sizeof m.room);
    g_strlcpy(m.codec, codec, sizeof m.codec);
    return m;
}

/* RFC 6184 as Chromium sends it (packetization-mode=1): every IDR has the SPS
 * and PPS in band right before it, in the same STAP-A or in the packet before
 * (no sprop-parameter-sets reach the capture); large NAL units in FU-A. */
static void check_h264_packets(const track *t)
{
    guint idr = 0, idr_with_ps = 0, stap = 0, fua = 0, single = 0;
    gboolean prev_ps = FALSE;
    int last_seq = -1;

    for (guint i = 0; i < t->recs->len; i++) {   /* still in sending order, duplicates next to the original */
        const rec *r = &g_array_index(t->recs, rec, i);
        gsize n;
        const uint8_t *p = g_bytes_get_data(r->data, &n);
        gboolean sps = FALSE, pps = FALSE, is_idr = FALSE;
        if (r->type != YF_CAP_RTP || n < 14 || (p[0] & 0x1f) != 0x00 || ((p[2] << 8) | p[3]) == last_seq)
            continue;   /* rtph264pay writes no CSRC or extension */
        last_seq = (p[2] << 8) | p[3];
        switch (p[12] & 0x1f) {
        case 24:   /* STAP-A: 16-bit size, NAL unit, ... */
            stap++;
            for (gsize off = 13; off + 2 < n; off += 2 + (gsize)((p[off] << 8) | p[off + 1])) {
                sps |= (p[off + 2] & 0x1f) == 7;
                pps |= (p[off + 2] & 0x1f) == 8;
                is_idr |= (p[off + 2] & 0x1f) == 5;
            }
            break;
        case 28:   /* FU-A: the start fragment tells the type */
            fua++;
            is_idr = (p[13] & 0x80) && (p[13] & 0x1f) == 5;
            break;
        default:   /* a single NAL unit */
            single++;
            is_idr = (p[12] & 0x1f) == 5;
            break;
        }
        if (is_idr) {
            idr++;
            idr_with_ps += (sps && pps) || prev_ps;
        }
        prev_ps = sps && pps;
    }
    printf("H.264 capture: %u IDR (%u with SPS+PPS in band), %u STAP-A, %u FU-A, %u single NAL unit\n", idr,
           idr_with_ps, stap, fua, single);
    CHECK(idr >= SECONDS - 1 && idr_with_ps == idr);
    CHECK(stap >= idr && fua > 0);
}

/* How one capture is made: the encoder and payloader (appsrc "src" fed by
 * push, or a source of its own; appsink "sink"), the capture's codec, loss
 * and the publisher's clock. */
typedef struct {
    uint32_t participant, ssrc;
    yf_cap_kind kind;
    const char *codec;
    uint8_t payload_type;
    const char *file, *desc;
    void (*push)(GstAppSrc *);
    gboolean loss;
    int64_t skew_us;
    void (*check)(const track *);   /* optional, on the packets sent */
    uint32_t sr_speed;              /* 0: sender reports on the packets' clock */
    int64_t start_us;               /* when the publisher starts, after BASE_US */
} cap_spec;

#define RAW_VIDEO "appsrc name=src format=time caps=\"video/x-raw,format=I420,width=320,height=240,framerate=30/1\" ! "
#define RAW_AUDIO "appsrc name=src format=time caps=\"audio/x-raw,format=S16LE,rate=48000,channels=1," \
                  "layout=interleaved\" ! "

/* Writes the capture s into dir; returns its media frames (video frames or
 * Opus packets) as captured. */
static guint make_capture(const char *dir, const cap_spec *s)
{
    track t;
    yf_cap_meta m = meta_for(s->participant, s->kind, s->codec, s->payload_type, s->ssrc);
    char *path = g_build_filename(dir, s->file, NULL);
    guint frames;

    track_init(&t, s->ssrc, m.clock_rate);
    t.sr_speed = s->sr_speed;
    t.start_us = s->start_us;
    capture(&t, s->desc, s->push, s->loss, s->skew_us);
    CHECK(t.packets > 100);
    if (s->check)
        s->check(&t);
    write_cap(path, &m, &t, TRUE);
    frames = t.frames;
    track_clear(&t);
    g_free(path);
    return frames;
}

/* The captures of the first hearing into dir. */
static void make_captures(const char *dir)
{
    static const cap_spec spec[] = {
        { 1, 0x11111111, YF_CAP_VIDEO, "VP8", 96, "p1-video.ycap",
          RAW_VIDEO "vp8enc deadline=1 keyframe-max-dist=10 target-bitrate=300000 ! rtpvp8pay pt=96 mtu=600 "
          "ssrc=286331153 seqnum-offset=65400 timestamp-offset=4294697296 ! appsink name=sink sync=false",
          push_video, TRUE, 0, NULL, 1, 0 },
        { 1, 0x22222222, YF_CAP_AUDIO, "opus", 111, "p1-audio.ycap",
          RAW_AUDIO "opusenc frame-size=20 ! rtpopuspay pt=111 ssrc=572662306 timestamp-offset=4294919296 ! "
          "appsink name=sink sync=false",
          push_audio, TRUE, 0, NULL, 1, 0 },
        { 2, 0x33333333, YF_CAP_AUDIO, "opus", 111, "p2-audio.ycap",
          "audiotestsrc wave=sine freq=300 volume=0.05 samplesperbuffer=960 num-buffers=300 ! opusenc frame-size=20 "
          "! rtpopuspay pt=111 ssrc=858993459 ! appsink name=sink sync=false",
          NULL, FALSE, 3000000, NULL, 1, 0 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(spec); i++)
        make_capture(dir, &spec[i]);
}

/* Participant 3 of the second hearing: H.264 (constrained baseline, no
 * B-frames, a key frame each second, SPS/PPS before every IDR, aggregated as
 * Chromium's packetizer does) on payload type 102, and Opus; from a clock
 * 1 s behind the server's. */
static void make_h264_captures(const char *dir)
{
    static const cap_spec spec[] = {
        { 3, 0x44444444, YF_CAP_VIDEO, "H264", 102, "p3-video.ycap",
          RAW_VIDEO "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 threads=1 ! "
          "video/x-h264,profile=constrained-baseline ! rtph264pay pt=102 mtu=1200 config-interval=-1 "
          "aggregate-mode=zero-latency ssrc=1145324612 seqnum-offset=65300 timestamp-offset=4294000000 ! "
          "appsink name=sink sync=false",
          push_video_textured, TRUE, -1000000, check_h264_packets, 1, 0 },
        { 3, 0x55555555, YF_CAP_AUDIO, "opus", 111, "p3-audio.ycap",
          RAW_AUDIO "opusenc frame-size=20 ! rtpopuspay pt=111 ssrc=1431655765 ! appsink name=sink sync=false",
          push_audio, TRUE, -1000000, NULL, 1, 0 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(spec); i++)
        make_capture(dir, &spec[i]);
}

/* ---- checking the outputs ---- */

static GstDiscovererInfo *discover(const char *path)
{
    GstDiscoverer *d = gst_discoverer_new(10 * GST_SECOND, NULL);
    char *uri = gst_filename_to_uri(path, NULL);
    GError *e = NULL;
    GstDiscovererInfo *info = d ? gst_discoverer_discover_uri(d, uri, &e) : NULL;

    if (!info || gst_discoverer_info_get_result(info) != GST_DISCOVERER_OK)
        fprintf(stderr, "discover %s: %s\n", path, e ? e->message : "failed");
    g_clear_error(&e);
    g_free(uri);
    if (d)
        g_object_unref(d);
    return info;
}

/* Whether the file has a stream of kind (video/audio) with caps name. */
static gboolean has_stream(GstDiscovererInfo *info, gboolean video, const char *caps_name)
{
    GList *l = video ? gst_discoverer_info_get_video_streams(info) : gst_discoverer_info_get_audio_streams(info);
    gboolean found = FALSE;

    for (GList *i = l; i; i = i->next) {
        GstCaps *c = gst_discoverer_stream_info_get_caps(i->data);
        found |= c && gst_structure_has_name(gst_caps_get_structure(c, 0), caps_name);
        if (c)
            gst_caps_unref(c);
    }
    gst_discoverer_stream_info_list_free(l);
    return found;
}

static double duration_s(GstDiscovererInfo *info)
{
    return (double)gst_discoverer_info_get_duration(info) / GST_SECOND;
}

/* ---- the Matroska blocks: what FFmpeg (Chromium's <video>) seeks by ---- */

/* FFmpeg's Matroska demuxer seeks a track by the Cues (matroskamux writes them
 * for the video track only) and by the blocks flagged as keyframes that it has
 * read. Chromium seeks on the audio track whenever the seek time lies before
 * the video's first frame: at the start of playback when the audio starts
 * first, and always in the composite (its first Opus block maps to -6.5 ms,
 * the CodecDelay). Opus blocks without the keyframe flag leave that seek
 * nothing to find: "demuxer seek failed", and the file does not play. */
typedef struct {
    uint64_t audio_track;      /* TrackType 2 */
    uint64_t video_track;      /* TrackType 1 */
    guint audio_blocks, audio_not_key;
    guint video_blocks;        /* frames in the file */
    guint video_shown, audio_shown; /* blocks later than the block before on their track: a player
                                       shows one frame (plays one block) per instant */
    uint64_t cluster;          /* the current cluster's timecode */
    int64_t video_last, audio_last; /* the last block's timecode; -1 before the first */
    double duration;           /* Info/Duration in TimecodeScale units; -1: none */
    uint64_t timecode_scale;   /* ns; 0: not given (the default, 1 ms) */
} mkv_scan;

/* An EBML number (an ID keeps its length marker): its length, 0 if malformed. */
static size_t ebml_num(const uint8_t *p, size_t n, gboolean id, uint64_t *v)
{
    size_t len = 1;

    if (!n || !p[0])
        return 0;
    while (!(p[0] & (0x80 >> (len - 1))))
        len++;
    if (len > n)
        return 0;
    *v = id ? p[0] : p[0] & (0xFFu >> len);
    for (size_t i = 1; i < len; i++)
        *v = *v << 8 | p[i];
    return len;
}

/* A SimpleBlock or a Block (in a BlockGroup): counted for its track; a
 * SimpleBlock of the audio track is checked for the keyframe flag. */
static gboolean scan_block(const uint8_t *body, uint64_t size, gboolean simple, mkv_scan *s)
{
    uint64_t v = 0;
    size_t tl = ebml_num(body, size, FALSE, &v);
    int64_t at;

    if (!tl || tl + 3 > size)
        return FALSE;
    at = (int64_t)s->cluster + (int16_t)(body[tl] << 8 | body[tl + 1]);
    if (v == s->audio_track) {
        s->audio_blocks++;
        s->audio_not_key += simple && !(body[tl + 2] & 0x80);
        s->audio_shown += at > s->audio_last;
        s->audio_last = MAX(s->audio_last, at);
    } else if (v == s->video_track) {
        s->video_blocks++;
        s->video_shown += at > s->video_last;
        s->video_last = MAX(s->video_last, at);
    }
    return TRUE;
}

/* The elements in p[0..n): into the segment, track list, track entries,
 * clusters and block groups; notes the audio and video tracks, counts their
 * blocks and checks the audio SimpleBlocks' keyframe flags. */
static gboolean scan_mkv(const uint8_t *p, size_t n, mkv_scan *s)
{
    uint64_t number = 0, type = 0;

    for (size_t off = 0; off < n;) {
        uint64_t id, size, v = 0;
        size_t il = ebml_num(p + off, n - off, TRUE, &id), sl = 0;
        const uint8_t *body;
        if (!il || !(sl = ebml_num(p + off + il, n - off - il, FALSE, &size)))
            return FALSE;
        body = p + off + il + sl;
        size = MIN(size, n - off - il - sl);   /* unknown size: to the end */
        if (id == 0x18538067 || id == 0x1654AE6B || id == 0x1F43B675 || id == 0xA0 || id == 0x1549A966) {
            /* Segment, Tracks, Cluster, BlockGroup, Info */
            if (!scan_mkv(body, size, s))
                return FALSE;
        } else if (id == 0xAE) {   /* TrackEntry */
            mkv_scan t = { 0 };
            if (!scan_mkv(body, size, &t))
                return FALSE;
            s->audio_track = t.audio_track ? t.audio_track : s->audio_track;
            s->video_track = t.video_track ? t.video_track : s->video_track;
        } else if (id == 0xD7 || id == 0x83) {   /* TrackNumber, TrackType (inside a TrackEntry) */
            for (uint64_t i = 0; i < size; i++)
                v = v << 8 | body[i];
            *(id == 0xD7 ? &number : &type) = v;
        } else if (id == 0xE7) {   /* Timecode (of a Cluster) */
            s->cluster = 0;
            for (uint64_t i = 0; i < size; i++)
                s->cluster = s->cluster << 8 | body[i];
        } else if (id == 0x2AD7B1) {   /* TimecodeScale (in Info) */
            for (uint64_t i = 0; i < size; i++)
                s->timecode_scale = s->timecode_scale << 8 | body[i];
        } else if (id == 0x4489 && (size == 4 || size == 8)) {   /* Duration (in Info): a float */
            for (uint64_t i = 0; i < size; i++)
                v = v << 8 | body[i];
            if (size == 4) {
                float f;
                uint32_t u = (uint32_t)v;
                memcpy(&f, &u, 4);
                s->duration = f;
            } else {
                memcpy(&s->duration, &v, 8);
            }
        } else if ((id == 0xA3 || id == 0xA1) && !scan_block(body, size, id == 0xA3, s)) {
            return FALSE;   /* SimpleBlock, Block: track, timecode, flags */
        }
        off += il + sl + size;
    }
    if (type == 2)
        s->audio_track = number;
    else if (type == 1)
        s->video_track = number;
    return TRUE;
}

/* The tracks, blocks and duration of the Matroska file at path. */
static void scan_file(const char *path, mkv_scan *s)
{
    gchar *data = NULL;
    gsize len = 0;

    memset(s, 0, sizeof *s);
    s->duration = -1;
    s->video_last = s->audio_last = -1;
    CHECK(g_file_get_contents(path, &data, &len, NULL));
    CHECK(scan_mkv((const uint8_t *)data, len, s));
    g_free(data);
}

/* The file's own duration (its Segment's Info/Duration), ms; -1: none. */
static int64_t file_duration_ms(const mkv_scan *s)
{
    double scale = s->timecode_scale ? (double)s->timecode_scale : 1e6;

    return s->duration < 0 ? -1 : (int64_t)(s->duration * scale / 1e6 + 0.5);
}

static void check_audio_seekable(const char *path)
{
    mkv_scan s;

    scan_file(path, &s);
    CHECK(s.audio_track > 0 && s.audio_blocks >= 50 * (SECONDS - 1));
    CHECK_EQ_INT(s.audio_not_key, 0);
    printf("%s: %u Opus blocks, %u not flagged as keyframes\n", strrchr(path, '/') + 1, s.audio_blocks,
           s.audio_not_key);
}

/* Flash and beep onsets found while decoding a file; the flash is looked for
 * in x_from..x_to (fractions of the width) of the picture's middle rows: a
 * participant's 4:3 picture in the middle of its tile. */
#define MAX_MARKS 4
typedef struct {
    double x_from, x_to;
    int64_t flash_ns[MAX_MARKS], beep_ns[MAX_MARKS];
    int n_flash, n_beep;
    gboolean bright;
    int64_t last_loud_ns, last_video_ns;
    guint64 frames, samples;
    guint warnings;
} measure;

/* The middle of the left or the right tile of a composite of two. */
#define LEFT_TILE 0.125, 0.375
#define RIGHT_TILE 0.625, 0.875

static GstFlowReturn on_video(GstAppSink *sink, gpointer user)
{
    measure *ms = user;
    GstSample *s = gst_app_sink_pull_sample(sink);
    GstBuffer *b = gst_sample_get_buffer(s);
    GstVideoInfo vi;
    GstMapInfo m;
    guint64 sum = 0, n = 0;

    gst_video_info_from_caps(&vi, gst_sample_get_caps(s));
    gst_buffer_map(b, &m, GST_MAP_READ);
    for (int y = vi.height * 3 / 10; y < vi.height * 7 / 10; y += 2)
        for (int x = (int)(vi.width * ms->x_from); x < (int)(vi.width * ms->x_to); x += 2, n++)
            sum += m.data[(size_t)y * GST_VIDEO_INFO_PLANE_STRIDE(&vi, 0) + (size_t)x];
    gst_buffer_unmap(b, &m);
    if (n && sum / n > 128 && !ms->bright && ms->n_flash < MAX_MARKS)
        ms->flash_ns[ms->n_flash++] = (int64_t)GST_BUFFER_PTS(b);
    ms->bright = n && sum / n > 128;
    ms->last_video_ns = (int64_t)GST_BUFFER_PTS(b);
    ms->frames++;
    gst_sample_unref(s);
    return GST_FLOW_OK;
}

static GstFlowReturn on_audio(GstAppSink *sink, gpointer user)
{
    measure *ms = user;
    GstSample *s = gst_app_sink_pull_sample(sink);
    GstBuffer *b = gst_sample_get_buffer(s);
    GstMapInfo m;

    gst_buffer_map(b, &m, GST_MAP_READ);
    for (size_t i = 0; i + 1 < m.size; i += 2) {
        int16_t v;
        int64_t t = (int64_t)GST_BUFFER_PTS(b) + (int64_t)gst_util_uint64_scale(i / 2, GST_SECOND, RATE);
        memcpy(&v, m.data + i, 2);
        if (abs(v) < 0.3 * 32767)
            continue;
        if (t - ms->last_loud_ns > 50 * GST_MSECOND && ms->n_beep < MAX_MARKS)
            ms->beep_ns[ms->n_beep++] = t;
        ms->last_loud_ns = t;
    }
    ms->samples += m.size / 2;
    gst_buffer_unmap(b, &m);
    gst_sample_unref(s);
    return GST_FLOW_OK;
}

/* Decodes path (Matroska/WebM, video with vdec, Opus) to the end; TRUE if no
 * element reported an error. Warnings are printed and counted. */
static gboolean decode(const char *path, const char *vdec, measure *ms)
{
    char *desc = g_strdup_printf(
        "filesrc name=src ! matroskademux name=d d.video_0 ! queue ! %s ! videoconvert ! "
        "video/x-raw,format=GRAY8 ! "
        "appsink name=v sync=false d.audio_0 ! queue ! opusdec ! audioconvert ! audioresample ! "
        "audio/x-raw,format=S16LE,channels=1,rate=48000 ! appsink name=a sync=false", vdec);
    GstElement *pipe = gst_parse_launch(desc, NULL);
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipe), "src"), *v = gst_bin_get_by_name(GST_BIN(pipe), "v"),
               *a = gst_bin_get_by_name(GST_BIN(pipe), "a");
    GstAppSinkCallbacks vcb = { .new_sample = on_video }, acb = { .new_sample = on_audio };
    GstBus *bus = gst_element_get_bus(pipe);
    GstMessage *msg;
    gboolean ok;

    g_object_set(src, "location", path, NULL);
    gst_app_sink_set_callbacks(GST_APP_SINK(v), &vcb, ms, NULL);
    gst_app_sink_set_callbacks(GST_APP_SINK(a), &acb, ms, NULL);
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    while ((msg = gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND,
                                             GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING)) &&
           GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING) {
        GError *e = NULL;
        gst_message_parse_warning(msg, &e, NULL);
        fprintf(stderr, "decode %s: warning from %s: %s\n", path, GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), e->message);
        ms->warnings++;
        g_error_free(e);
        gst_message_unref(msg);
    }
    ok = msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS;
    if (msg && !ok) {
        GError *e = NULL;
        gst_message_parse_error(msg, &e, NULL);
        fprintf(stderr, "decode %s: %s\n", path, e->message);
        g_error_free(e);
    }
    if (msg)
        gst_message_unref(msg);
    gst_element_set_state(pipe, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(src);
    gst_object_unref(v);
    gst_object_unref(a);
    gst_object_unref(pipe);
    g_free(desc);
    return ok;
}

typedef struct {
    double last;
    int calls;
    gboolean monotonic;
    gint cancel;
    double cancel_at;    /* > 0: set cancel when progress passes it */
    int64_t deadline;    /* monotonic µs: a job still running then is cancelled (set by run_job) */
    gboolean timed_out;
} progress_log;

static void on_progress(void *user, double f)
{
    progress_log *p = user;

    p->monotonic &= f >= p->last && f <= 1.0;
    p->last = f;
    p->calls++;
    if (p->cancel_at > 0 && f >= p->cancel_at)
        g_atomic_int_set(&p->cancel, 1);
    if (g_get_monotonic_time() > p->deadline && !p->timed_out) {
        fprintf(stderr, "job still running after %d s: cancelled\n", JOB_TIMEOUT_S);
        p->timed_out = TRUE;
        g_atomic_int_set(&p->cancel, 1);
    }
}

static const yf_post_person people[] = {
    { 1, "张三", "检察官" },
    { 2, "李四", "申诉人" },
    { 3, "王五", "证人" },
};

/* width, height: the composite's size, 0 = the default */
static GPtrArray *run_job(const char *const *caps, const char *out, int width, int height, progress_log *pl,
                          GError **err)
{
    yf_post_job job = { .captures = caps, .people = people, .n_people = G_N_ELEMENTS(people),
                        .case_no = "京检听〔2025〕1号", .tz_offset_s = 28800, .out_dir = out, .width = width,
                        .height = height, .progress = on_progress, .progress_user = pl, .cancel = &pl->cancel };

    pl->deadline = g_get_monotonic_time() + JOB_TIMEOUT_S * G_USEC_PER_SEC;
    return yf_post_run(&job, err);
}

static const yf_post_output *find_out(GPtrArray *outs, const char *suffix)
{
    for (guint i = 0; outs && i < outs->len; i++)
        if (g_str_has_suffix(((yf_post_output *)outs->pdata[i])->path, suffix))
            return outs->pdata[i];
    return NULL;
}

static void check_participants(GPtrArray *outs)
{
    const yf_post_output *p1 = find_out(outs, "/p1.webm"), *p2 = find_out(outs, "/p2.webm");
    GstDiscovererInfo *info;

    CHECK(p1 && p1->has_video && p1->has_audio && !strcmp(p1->media_type, "video/webm"));
    CHECK(p2 && !p2->has_video && p2->has_audio && !strcmp(p2->media_type, "audio/webm"));
    if (p1 && (info = discover(p1->path))) {
        CHECK(has_stream(info, TRUE, "video/x-vp8") && has_stream(info, FALSE, "audio/x-opus"));
        CHECK(fabs(duration_s(info) - SECONDS) < 0.5);
        printf("p1.webm: %.3f s (output says %" G_GINT64_FORMAT " ms)\n", duration_s(info), p1->duration_ms);
        g_object_unref(info);
    }
    if (p1)
        check_audio_seekable(p1->path);
    if (p2)
        check_audio_seekable(p2->path);
    if (p2 && (info = discover(p2->path))) {
        CHECK(!has_stream(info, TRUE, "video/x-vp8") && has_stream(info, FALSE, "audio/x-opus"));
        CHECK(fabs(duration_s(info) - SECONDS) < 0.5);
        g_object_unref(info);
    }
}

/* Where an output's flashes and beeps belong, seconds from its time 0. */
typedef struct {
    int n;
    double at[MAX_MARKS];
} marks;

/* One capture of push_video and push_audio. */
static const marks AT_2_4 = { 2, { 2, 4 } };

/* Every flash and beep found, where they belong, each flash within a frame
 * of its beep. */
static void check_sync(const char *what, const measure *ms, const marks *want)
{
    CHECK_EQ_INT(ms->n_flash, want->n);
    CHECK_EQ_INT(ms->n_beep, want->n);
    for (int k = 0; k < MIN(ms->n_flash, ms->n_beep); k++) {
        double off_ms = (double)(ms->flash_ns[k] - ms->beep_ns[k]) / 1e6;
        printf("%s: A/V sync %d: flash at %.3f s, beep at %.3f s: video - audio = %+.1f ms\n", what, k,
               (double)ms->flash_ns[k] / 1e9, (double)ms->beep_ns[k] / 1e9, off_ms);
        CHECK(fabs(off_ms) < 40);
        CHECK(k < want->n && llabs(ms->beep_ns[k] - (int64_t)(want->at[k] * GST_SECOND)) < 40 * GST_MSECOND);
    }
}

/* The composite: both streams, want_ms long, and in the tile at
 * x_from..x_to the flashes in sync with the beeps, where they belong. */
static void check_composite(const yf_post_output *c, double x_from, double x_to, const marks *want,
                            int64_t want_ms)
{
    GstDiscovererInfo *info;
    measure ms = { .x_from = x_from, .x_to = x_to };

    CHECK(c && c->participant == 0 && c->has_video && c->has_audio);
    if (!c)
        return;
    /* participant 2's clock is 3 s ahead: aligned, the hearing stays ~6 s */
    CHECK(llabs(c->duration_ms - want_ms) < 300);
    CHECK(llabs(c->start_us - (BASE_US + NET_DELAY_US)) < 50000);
    if ((info = discover(c->path))) {
        CHECK(has_stream(info, TRUE, "video/x-vp8") && has_stream(info, FALSE, "audio/x-opus"));
        CHECK(fabs(duration_s(info) - (double)c->duration_ms / 1000) < 0.5);
        printf("composite.webm: %.3f s, timeline %" G_GINT64_FORMAT " ms\n", duration_s(info), c->duration_ms);
        g_object_unref(info);
    }
    check_audio_seekable(c->path);
    CHECK(decode(c->path, "vp8dec threads=1", &ms));
    CHECK(ms.last_video_ns > (c->duration_ms - 200) * GST_MSECOND);
    check_sync("composite.webm", &ms, want);
}

static char **capture_list(const char *dir, const char *const *names)
{
    GPtrArray *a = g_ptr_array_new();

    for (size_t i = 0; names[i]; i++)
        g_ptr_array_add(a, g_build_filename(dir, names[i], NULL));
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(a, FALSE);
}

static void test_hearing(const char *in, const char *out)
{
    static const char *const names[] = { "p1-video.ycap", "p1-audio.ycap", "p2-audio.ycap", NULL };
    char **caps = capture_list(in, names);
    progress_log pl = { .monotonic = TRUE };
    GError *err = NULL;
    GPtrArray *outs = run_job((const char *const *)caps, out, 0, 0, &pl, &err);

    if (!outs)
        fprintf(stderr, "yf_post_run: %s\n", err->message);
    CHECK(outs && outs->len == 3);
    CHECK(pl.monotonic && pl.calls > 2 && pl.last == 1.0);
    check_participants(outs);
    check_composite(find_out(outs, "/composite.webm"), LEFT_TILE, &AT_2_4, SECONDS * 1000);
    if (outs)
        g_ptr_array_unref(outs);
    g_clear_error(&err);
    g_strfreev(caps);
}

/* p3.mkv: H.264 passed through (Matroska, not WebM) with its Opus; decodes
 * to the end with the flashes in sync with the beeps. */
static void check_h264_participant(const yf_post_output *o)
{
    GstDiscovererInfo *info;
    measure ms = { .x_from = 0.125, .x_to = 0.875 };

    CHECK(o && o->participant == 3 && o->has_video && o->has_audio);
    if (!o)
        return;
    CHECK(!strcmp(o->media_type, "video/x-matroska"));
    CHECK(g_file_test(o->path, G_FILE_TEST_IS_REGULAR));
    CHECK(llabs(o->duration_ms - SECONDS * 1000) < 500);
    if ((info = discover(o->path))) {
        CHECK(has_stream(info, TRUE, "video/x-h264") && has_stream(info, FALSE, "audio/x-opus"));
        CHECK(!has_stream(info, TRUE, "video/x-vp8"));
        CHECK(fabs(duration_s(info) - SECONDS) < 0.5);
        printf("p3.mkv: %.3f s (output says %" G_GINT64_FORMAT " ms)\n", duration_s(info), o->duration_ms);
        g_object_unref(info);
    }
    check_audio_seekable(o->path);
    CHECK(decode(o->path, "h264parse ! avdec_h264 max-threads=1", &ms));
    CHECK_EQ_INT(ms.warnings, 0);
    /* every frame but those of the 1 s loss (a few more may be dropped
     * until the next IDR); the last one near the end */
    printf("p3.mkv: %" G_GUINT64_FORMAT " frames, last at %.3f s, %" G_GUINT64_FORMAT " samples\n", ms.frames,
           (double)ms.last_video_ns / 1e9, ms.samples);
    CHECK(ms.frames >= (SECONDS - 1) * VFPS - VFPS / 2);
    CHECK(ms.last_video_ns > (SECONDS * 1000 - 200) * GST_MSECOND);
    CHECK(ms.samples >= (SECONDS - 1) * RATE);
    check_sync("p3.mkv", &ms, &AT_2_4);
}

/* A second hearing: participant 1 (VP8, left) and participant 3 (H.264,
 * right), the composite at 640x360 to keep the test quick. */
static void test_h264(const char *in, const char *out)
{
    static const char *const names[] = { "p1-video.ycap", "p1-audio.ycap", "p3-video.ycap", "p3-audio.ycap", NULL };
    char **caps = capture_list(in, names);
    progress_log pl = { .monotonic = TRUE };
    GError *err = NULL;
    GPtrArray *outs;

    make_h264_captures(in);
    outs = run_job((const char *const *)caps, out, 640, 360, &pl, &err);
    if (!outs)
        fprintf(stderr, "yf_post_run (H.264): %s\n", err->message);
    CHECK(outs && outs->len == 3);
    CHECK(pl.monotonic && pl.last == 1.0);
    CHECK(find_out(outs, "/p1.webm") != NULL);
    CHECK(!find_out(outs, "/p3.webm"));
    check_h264_participant(find_out(outs, "/p3.mkv"));
    check_composite(find_out(outs, "/composite.webm"), RIGHT_TILE, &AT_2_4, SECONDS * 1000);
    if (outs)
        g_ptr_array_unref(outs);
    g_clear_error(&err);
    g_strfreev(caps);
}

#define P4_VIDEO(ssrc) RAW_VIDEO "vp8enc deadline=1 keyframe-max-dist=10 target-bitrate=300000 ! " \
                      "rtpvp8pay pt=96 mtu=600 ssrc=" #ssrc " ! appsink name=sink sync=false"
#define P4_AUDIO(ssrc) RAW_AUDIO "opusenc frame-size=20 ! rtpopuspay pt=111 ssrc=" #ssrc " ! appsink name=sink sync=false"
#define P4_AGAIN_US 5900000   /* the reconnect: 0.1 s before the first capture's end */

/* Participant 4 publishes as GStreamer 1.22's webrtcbin does: sender reports
 * whose RTP timestamp runs twice as fast as the packets' (against their NTP
 * time and their arrival), and reconnects 5.9 s in, so the clocks put the
 * second capture's first 0.1 s before the end of the first. The reports must
 * not be trusted and nothing may be dropped: p4.webm has every frame and
 * every Opus packet captured, each at its own instant (a block at the same
 * time as the one before is one a player skips), the flashes and beeps at
 * 2, 4, 7.9 and 9.9 s in it and in the composite, and each output's
 * duration_ms is the duration the file itself states. */
static void test_bad_sr(const char *in, const char *out)
{
    static const cap_spec spec[] = {
        { 4, 0x66666666, YF_CAP_VIDEO, "VP8", 96, "p4-video.ycap", P4_VIDEO(1717986918), push_video, FALSE, 0, NULL, 2, 0 },
        { 4, 0x77777777, YF_CAP_AUDIO, "opus", 111, "p4-audio.ycap", P4_AUDIO(2004318071), push_audio, FALSE, 0, NULL, 2,
          0 },
        { 4, 0x66666667, YF_CAP_VIDEO, "VP8", 96, "p4-video-2.ycap", P4_VIDEO(1717986919), push_video, FALSE, 0, NULL, 2,
          P4_AGAIN_US },
        { 4, 0x77777778, YF_CAP_AUDIO, "opus", 111, "p4-audio-2.ycap", P4_AUDIO(2004318072), push_audio, FALSE, 0, NULL,
          2, P4_AGAIN_US },
    };
    static const char *const names[] = { "p4-video.ycap", "p4-audio.ycap", "p4-video-2.ycap", "p4-audio-2.ycap", NULL };
    static const marks at = { 4, { 2, 4, 2 + P4_AGAIN_US / 1e6, 4 + P4_AGAIN_US / 1e6 } };
    char **caps = capture_list(in, names);
    progress_log pl = { .monotonic = TRUE };
    GError *err = NULL;
    guint frames = make_capture(in, &spec[0]) + make_capture(in, &spec[2]);
    guint packets = make_capture(in, &spec[1]) + make_capture(in, &spec[3]);
    int64_t want_ms = (P4_AGAIN_US + SECONDS * G_USEC_PER_SEC) / 1000;
    GPtrArray *outs = run_job((const char *const *)caps, out, 640, 360, &pl, &err);
    const yf_post_output *p4 = find_out(outs, "/p4.webm"), *c = find_out(outs, "/composite.webm");
    measure ms = { .x_from = 0.125, .x_to = 0.875 };
    mkv_scan scan;

    if (!outs)
        fprintf(stderr, "yf_post_run (bad SRs): %s\n", err->message);
    CHECK(outs && outs->len == 2 && p4 && c);
    if (p4) {
        scan_file(p4->path, &scan);
        printf("p4.webm: %u frames captured, %u in the file, %u at their own instant; %u Opus packets captured, "
               "%u in the file, %u at their own instant; duration_ms %" G_GINT64_FORMAT ", the file says %"
               G_GINT64_FORMAT " ms\n", frames, scan.video_blocks, scan.video_shown, packets, scan.audio_blocks,
               scan.audio_shown, p4->duration_ms, file_duration_ms(&scan));
        CHECK_EQ_INT(scan.video_blocks, frames);
        CHECK_EQ_INT(scan.video_shown, frames);
        CHECK_EQ_INT(scan.audio_blocks, packets);
        CHECK_EQ_INT(scan.audio_shown, packets);
        CHECK_EQ_INT(p4->duration_ms, file_duration_ms(&scan));
        CHECK(llabs(p4->duration_ms - want_ms) < 100);
        CHECK(decode(p4->path, "vp8dec threads=1", &ms));
        CHECK_EQ_INT(ms.frames, frames);
        check_sync("p4.webm", &ms, &at);
    }
    check_composite(c, 0.25, 0.75, &at, want_ms);
    if (c) {
        scan_file(c->path, &scan);
        CHECK_EQ_INT(c->duration_ms, file_duration_ms(&scan));
    }
    if (outs)
        g_ptr_array_unref(outs);
    g_clear_error(&err);
    g_strfreev(caps);
}

static guint count_files(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    guint n = 0;

    while (d && g_dir_read_name(d))
        n++;
    if (d)
        g_dir_close(d);
    return n;
}

/* The video capture cut inside a record (no END): used up to there. */
static void test_damaged(const char *in, const char *out)
{
    static const char *const names[] = { "damaged.ycap", "p1-audio.ycap", NULL };
    char **caps = capture_list(in, names);
    char *src = g_build_filename(in, "p1-video.ycap", NULL), *data = NULL;
    gsize len = 0;
    progress_log pl = { .monotonic = TRUE };
    GError *err = NULL;
    GPtrArray *outs;

    CHECK(g_file_get_contents(src, &data, &len, NULL) && len > 5000);
    data[len / 2] ^= 0x55;   /* a CRC fails half way: the rest is not used */
    CHECK(g_file_set_contents(caps[0], data, (gssize)(len - 777), NULL));
    outs = run_job((const char *const *)caps, out, 0, 0, &pl, &err);
    if (!outs)
        fprintf(stderr, "damaged: %s\n", err->message);
    CHECK(outs && outs->len == 2);
    if (outs) {
        const yf_post_output *p1 = find_out(outs, "/p1.webm");
        CHECK(p1 && p1->has_video && p1->has_audio);
        g_ptr_array_unref(outs);
    }
    g_clear_error(&err);
    g_strfreev(caps);
    g_free(src);
    g_free(data);
}

/* Only a header and END, plus a file that is not a capture at all. */
static void test_no_media(const char *in, const char *out)
{
    static const char *const names[] = { "empty.ycap", "garbage.ycap", "missing.ycap", NULL };
    char **caps = capture_list(in, names);
    track t;
    yf_cap_meta m = meta_for(1, YF_CAP_VIDEO, "VP8", 96, 1);
    progress_log pl = { .monotonic = TRUE };
    GError *err = NULL;
    GPtrArray *outs;

    track_init(&t, 1, 90000);
    write_cap(caps[0], &m, &t, TRUE);
    track_clear(&t);
    CHECK(g_file_set_contents(caps[1], "YFCAP1\0\0 not really", 20, NULL));
    outs = run_job((const char *const *)caps, out, 0, 0, &pl, &err);
    CHECK(!outs);
    CHECK(err && err->domain == YF_POST_ERROR && err->code == YF_POST_ERROR_INPUT);
    if (outs)
        g_ptr_array_unref(outs);
    g_clear_error(&err);
    g_strfreev(caps);
}

/* Two captures 13 hours apart (another day's file slipped into the job):
 * refused, rather than a composite of the whole gap. */
static void test_span(const char *in, const char *out)
{
    static const char *const names[] = { "early.ycap", "late.ycap", NULL };
    char **caps = capture_list(in, names);
    progress_log pl = { .monotonic = TRUE };
    GError *err = NULL;

    for (int f = 0; f < 2; f++) {
        track t;
        yf_cap_meta m = meta_for(f + 1, YF_CAP_AUDIO, "opus", 111, (uint32_t)f + 7);
        int64_t base = 1700000000000000LL + f * INT64_C(13) * 3600 * G_USEC_PER_SEC;
        track_init(&t, (uint32_t)f + 7, 48000);
        for (int i = 0; i < 50; i++) {
            uint8_t pkt[16] = { 0x80, 111, 0, (uint8_t)i, 0, 0, (uint8_t)(i * 960 >> 8), (uint8_t)(i * 960), 0, 0, 0,
                                (uint8_t)(f + 7), 0xfc, 0xff, 0xfe, 0 };
            add_rec(&t, base + i * 20000, YF_CAP_RTP, pkt, sizeof pkt);
        }
        write_cap(caps[f], &m, &t, TRUE);
        track_clear(&t);
    }
    GPtrArray *outs = run_job((const char *const *)caps, out, 0, 0, &pl, &err);
    CHECK(!outs);
    CHECK(err && err->code == YF_POST_ERROR_INPUT && strstr(err->message, "span"));
    if (outs)
        g_ptr_array_unref(outs);
    g_clear_error(&err);
    g_strfreev(caps);
}

static void test_cancel(const char *in, const char *out)
{
    static const char *const names[] = { "p1-video.ycap", "p1-audio.ycap", "p2-audio.ycap", NULL };
    char **caps = capture_list(in, names);
    progress_log pl = { .monotonic = TRUE, .cancel_at = 0.2 };
    GError *err = NULL;
    GPtrArray *outs = run_job((const char *const *)caps, out, 0, 0, &pl, &err);

    CHECK(!outs);
    CHECK(err && err->domain == YF_POST_ERROR && err->code == YF_POST_ERROR_CANCELLED);
    CHECK_EQ_INT(count_files(out), 0);   /* nothing left behind, not even a .part */
    if (outs)
        g_ptr_array_unref(outs);
    g_clear_error(&err);
    g_strfreev(caps);
}

#ifdef __SANITIZE_ADDRESS__
/* Full stacks for LeakSanitizer, so tests/lsan.supp can name the library
 * constructor behind GLib's deliberate quark-block leak. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "fast_unwind_on_malloc=0"; }

#endif

int main(void)
{
    GError *err = NULL;
    int rc;
    char *root = g_dir_make_tmp("yf-test-post-XXXXXX", NULL);
    const char *sub[] = { "in", "out", "out-damaged", "out-empty", "out-cancel", "out-h264", "out-bad-sr" };
    char *dir[G_N_ELEMENTS(sub)];

    CHECK(yf_post_init(&err));
    if (err) {
        fprintf(stderr, "yf_post_init: %s\n", err->message);
        return yf_test_done("test_post");
    }
    for (size_t i = 0; i < G_N_ELEMENTS(sub); i++) {
        dir[i] = g_build_filename(root, sub[i], NULL);
        g_mkdir(dir[i], 0700);
    }
    make_captures(dir[0]);
    test_hearing(dir[0], dir[1]);
    test_h264(dir[0], dir[5]);
    test_bad_sr(dir[0], dir[6]);
    test_damaged(dir[0], dir[2]);
    test_no_media(dir[0], dir[3]);
    test_span(dir[0], dir[3]);
    test_cancel(dir[0], dir[4]);
    if (!getenv("YF_TEST_KEEP"))
        yf_test_rm_rf(root);
    else
        printf("kept %s\n", root);
    for (size_t i = 0; i < G_N_ELEMENTS(sub); i++)
        g_free(dir[i]);
    g_free(root);
    gst_deinit();
    rc = yf_test_done("test_post");
    fflush(stdout); /* LeakSanitizer exits without flushing stdio */
    return rc;
}
