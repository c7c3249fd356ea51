/* test_post.c -- what post-processing (media/post/post.h) makes of captures
 * made with GStreamer (tests/unit/post_captures.h): a hearing of participant
 * 1 (VP8 with white flashes at 2 s and 4 s, Opus with beeps at the same
 * instants, a 1 s loss, late and duplicated packets, RTP timestamps and
 * sequence numbers that wrap) and participant 2 (Opus from a clock 3 s off),
 * whose outputs are checked with GstDiscoverer, decoded to the end and
 * measured for the flash-to-beep offset, and scanned for what FFmpeg seeks
 * by; a second hearing where participant 3 publishes H.264 as Chromium / iOS
 * Safari do (packetization-mode=1, SPS and PPS only in band, in a STAP-A
 * before each IDR; no SDP sprop) from a clock 1 s behind, next to
 * participant 1's VP8: its p3.mkv and its tile in the composite; and a
 * publisher whose sender reports run at twice the RTP rate and who
 * reconnects. What post-processing refuses or survives: test_post_input.c. */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#include "post_captures.h"
#include "yf_test.h"

/* RFC 6184 as Chromium sends it (packetization-mode=1): every IDR has the SPS
 * and PPS in band right before it, in the same STAP-A or in the packet before
 * (no sprop-parameter-sets reach the capture); large NAL units in FU-A. */
static void check_h264_packets(const pc_track *t)
{
    guint idr = 0, idr_with_ps = 0, stap = 0, fua = 0, single = 0;
    gboolean prev_ps = FALSE;
    int last_seq = -1;

    for (guint i = 0; i < t->recs->len; i++) {   /* still in sending order, duplicates next to the original */
        const pc_rec *r = &g_array_index(t->recs, pc_rec, i);
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
    CHECK(idr >= PC_SECONDS - 1 && idr_with_ps == idr);
    CHECK(stap >= idr && fua > 0);
}

/* Participant 3 of the second hearing: H.264 (constrained baseline, no
 * B-frames, a key frame each second, SPS/PPS before every IDR, aggregated as
 * Chromium's packetizer does) on payload type 102, and Opus; from a clock
 * 1 s behind the server's. */
static void make_h264_captures(const char *dir)
{
    static const pc_cap_spec spec[] = {
        { 3, 0x44444444, YF_CAP_VIDEO, "H264", 102, "p3-video.ycap",
          PC_RAW_VIDEO "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 threads=1 ! "
          "video/x-h264,profile=constrained-baseline ! rtph264pay pt=102 mtu=1200 config-interval=-1 "
          "aggregate-mode=zero-latency ssrc=1145324612 seqnum-offset=65300 timestamp-offset=4294000000 ! "
          "appsink name=sink sync=false",
          pc_push_video_textured, TRUE, -1000000, check_h264_packets, 1, 0 },
        { 3, 0x55555555, YF_CAP_AUDIO, "opus", 111, "p3-audio.ycap",
          PC_RAW_AUDIO "opusenc frame-size=20 ! rtpopuspay pt=111 ssrc=1431655765 ! appsink name=sink sync=false",
          pc_push_audio, TRUE, -1000000, NULL, 1, 0 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(spec); i++)
        CHECK(pc_make_capture(dir, &spec[i]) > 0);
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
    CHECK(s.audio_track > 0 && s.audio_blocks >= 50 * (PC_SECONDS - 1));
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
        int64_t t = (int64_t)GST_BUFFER_PTS(b) + (int64_t)gst_util_uint64_scale(i / 2, GST_SECOND, PC_RATE);
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

static void check_participants(GPtrArray *outs)
{
    const yf_post_output *p1 = pc_find_out(outs, "/p1.webm"), *p2 = pc_find_out(outs, "/p2.webm");
    GstDiscovererInfo *info;

    CHECK(p1 && p1->has_video && p1->has_audio && !strcmp(p1->media_type, "video/webm"));
    CHECK(p2 && !p2->has_video && p2->has_audio && !strcmp(p2->media_type, "audio/webm"));
    if (p1 && (info = discover(p1->path))) {
        CHECK(has_stream(info, TRUE, "video/x-vp8") && has_stream(info, FALSE, "audio/x-opus"));
        CHECK(fabs(duration_s(info) - PC_SECONDS) < 0.5);
        printf("p1.webm: %.3f s (output says %" G_GINT64_FORMAT " ms)\n", duration_s(info), p1->duration_ms);
        g_object_unref(info);
    }
    if (p1)
        check_audio_seekable(p1->path);
    if (p2)
        check_audio_seekable(p2->path);
    if (p2 && (info = discover(p2->path))) {
        CHECK(!has_stream(info, TRUE, "video/x-vp8") && has_stream(info, FALSE, "audio/x-opus"));
        CHECK(fabs(duration_s(info) - PC_SECONDS) < 0.5);
        g_object_unref(info);
    }
}

/* Where an output's flashes and beeps belong, seconds from its time 0. */
typedef struct {
    int n;
    double at[MAX_MARKS];
} marks;

/* One capture of pc_push_video and pc_push_audio. */
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
    CHECK(llabs(c->start_us - (PC_BASE_US + PC_NET_DELAY_US)) < 50000);
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

static void test_hearing(const char *in, const char *out)
{
    static const char *const names[] = { "p1-video.ycap", "p1-audio.ycap", "p2-audio.ycap", NULL };
    pc_job j;

    pc_job_init(&j, in, names);
    if (!pc_job_run(&j, out, 0, 0))
        fprintf(stderr, "yf_post_run: %s\n", j.err->message);
    CHECK(j.outs && j.outs->len == 3);
    CHECK(j.pl.monotonic && j.pl.calls > 2 && j.pl.last == 1.0);
    check_participants(j.outs);
    check_composite(pc_find_out(j.outs, "/composite.webm"), LEFT_TILE, &AT_2_4, PC_SECONDS * 1000);
    pc_job_clear(&j);
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
    CHECK(llabs(o->duration_ms - PC_SECONDS * 1000) < 500);
    if ((info = discover(o->path))) {
        CHECK(has_stream(info, TRUE, "video/x-h264") && has_stream(info, FALSE, "audio/x-opus"));
        CHECK(!has_stream(info, TRUE, "video/x-vp8"));
        CHECK(fabs(duration_s(info) - PC_SECONDS) < 0.5);
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
    CHECK(ms.frames >= (PC_SECONDS - 1) * PC_VFPS - PC_VFPS / 2);
    CHECK(ms.last_video_ns > (PC_SECONDS * 1000 - 200) * GST_MSECOND);
    CHECK(ms.samples >= (PC_SECONDS - 1) * PC_RATE);
    check_sync("p3.mkv", &ms, &AT_2_4);
}

/* A second hearing: participant 1 (VP8, left) and participant 3 (H.264,
 * right), the composite at 640x360 to keep the test quick. */
static void test_h264(const char *in, const char *out)
{
    static const char *const names[] = { "p1-video.ycap", "p1-audio.ycap", "p3-video.ycap", "p3-audio.ycap", NULL };
    pc_job j;

    make_h264_captures(in);
    pc_job_init(&j, in, names);
    if (!pc_job_run(&j, out, 640, 360))
        fprintf(stderr, "yf_post_run (H.264): %s\n", j.err->message);
    CHECK(j.outs && j.outs->len == 3);
    CHECK(j.pl.monotonic && j.pl.last == 1.0);
    CHECK(pc_find_out(j.outs, "/p1.webm") != NULL);
    CHECK(!pc_find_out(j.outs, "/p3.webm"));
    check_h264_participant(pc_find_out(j.outs, "/p3.mkv"));
    check_composite(pc_find_out(j.outs, "/composite.webm"), RIGHT_TILE, &AT_2_4, PC_SECONDS * 1000);
    pc_job_clear(&j);
}

#define P4_VIDEO(ssrc) PC_RAW_VIDEO "vp8enc deadline=1 keyframe-max-dist=10 target-bitrate=300000 ! " \
                      "rtpvp8pay pt=96 mtu=600 ssrc=" #ssrc " ! appsink name=sink sync=false"
#define P4_AUDIO(ssrc) PC_RAW_AUDIO "opusenc frame-size=20 ! rtpopuspay pt=111 ssrc=" #ssrc " ! appsink name=sink sync=false"
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
    static const pc_cap_spec spec[] = {
        { 4, 0x66666666, YF_CAP_VIDEO, "VP8", 96, "p4-video.ycap", P4_VIDEO(1717986918), pc_push_video, FALSE, 0, NULL, 2, 0 },
        { 4, 0x77777777, YF_CAP_AUDIO, "opus", 111, "p4-audio.ycap", P4_AUDIO(2004318071), pc_push_audio, FALSE, 0, NULL, 2,
          0 },
        { 4, 0x66666667, YF_CAP_VIDEO, "VP8", 96, "p4-video-2.ycap", P4_VIDEO(1717986919), pc_push_video, FALSE, 0, NULL, 2,
          P4_AGAIN_US },
        { 4, 0x77777778, YF_CAP_AUDIO, "opus", 111, "p4-audio-2.ycap", P4_AUDIO(2004318072), pc_push_audio, FALSE, 0, NULL,
          2, P4_AGAIN_US },
    };
    static const char *const names[] = { "p4-video.ycap", "p4-audio.ycap", "p4-video-2.ycap", "p4-audio-2.ycap", NULL };
    static const marks at = { 4, { 2, 4, 2 + P4_AGAIN_US / 1e6, 4 + P4_AGAIN_US / 1e6 } };
    guint made[G_N_ELEMENTS(spec)], frames, packets;
    int64_t want_ms = (P4_AGAIN_US + PC_SECONDS * G_USEC_PER_SEC) / 1000;
    measure ms = { .x_from = 0.125, .x_to = 0.875 };
    const yf_post_output *p4, *c;
    mkv_scan scan;
    pc_job j;

    for (size_t i = 0; i < G_N_ELEMENTS(spec); i++)
        CHECK((made[i] = pc_make_capture(in, &spec[i])) > 0);
    frames = made[0] + made[2];
    packets = made[1] + made[3];
    pc_job_init(&j, in, names);
    if (!pc_job_run(&j, out, 640, 360))
        fprintf(stderr, "yf_post_run (bad SRs): %s\n", j.err->message);
    p4 = pc_find_out(j.outs, "/p4.webm");
    c = pc_find_out(j.outs, "/composite.webm");
    CHECK(j.outs && j.outs->len == 2 && p4 && c);
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
    pc_job_clear(&j);
}

#define P5_HIGH(ssrc) PC_RAW_VIDEO "vp8enc deadline=1 keyframe-max-dist=30 target-bitrate=300000 ! " \
                      "rtpvp8pay pt=96 mtu=1100 ssrc=" #ssrc " ! appsink name=sink sync=false"
#define P5_LOW(ssrc) PC_RAW_VIDEO "videoscale ! video/x-raw,width=160,height=120 ! " \
                     "vp8enc deadline=1 keyframe-max-dist=30 target-bitrate=100000 ! " \
                     "rtpvp8pay pt=96 mtu=1100 ssrc=" #ssrc " ! appsink name=sink sync=false"
#define P5_SWITCH_US (PC_SECONDS * G_USEC_PER_SEC)

/* Participant 5 sends simulcast, and the recording follows the highest
 * layer it sends (docs/recording-format.md): 320x240 for the first 6 s,
 * then that layer stops and the capture goes on with the 160x120 layer
 * from its keyframe, a capture of its own (its own SSRC). (The helper's
 * captures are 6 s long, so the audio here is two captures too.) p5.webm
 * holds every frame of both, decodes across the change of size, and has
 * the flashes at 2, 4, 8 and 10 s in sync with the beeps; so does the
 * composite. */
static void test_simulcast(const char *in, const char *out)
{
    static const pc_cap_spec spec[] = {
        { 5, 0x55550001, YF_CAP_VIDEO, "VP8", 96, "p5-video-f.ycap", P5_HIGH(1431633921), pc_push_video, FALSE, 0, NULL, 0, 0 },
        { 5, 0x55550100, YF_CAP_AUDIO, "opus", 111, "p5-audio.ycap", P4_AUDIO(1431634176), pc_push_audio, FALSE, 0, NULL, 0, 0 },
        { 5, 0x55550002, YF_CAP_VIDEO, "VP8", 96, "p5-video-q.ycap", P5_LOW(1431633922), pc_push_video, FALSE, 0, NULL, 0,
          P5_SWITCH_US },
        { 5, 0x55550101, YF_CAP_AUDIO, "opus", 111, "p5-audio-2.ycap", P4_AUDIO(1431634177), pc_push_audio, FALSE, 0, NULL, 0,
          P5_SWITCH_US },
    };
    static const char *const names[] = { "p5-video-f.ycap", "p5-audio.ycap", "p5-video-q.ycap", "p5-audio-2.ycap", NULL };
    static const marks at = { 4, { 2, 4, 2 + P5_SWITCH_US / 1e6, 4 + P5_SWITCH_US / 1e6 } };
    guint made[G_N_ELEMENTS(spec)];
    int64_t want_ms = (P5_SWITCH_US + PC_SECONDS * G_USEC_PER_SEC) / 1000;
    measure ms = { .x_from = 0.125, .x_to = 0.875 };
    const yf_post_output *p5, *c;
    mkv_scan scan;
    pc_job j;

    for (size_t i = 0; i < G_N_ELEMENTS(spec); i++)
        CHECK((made[i] = pc_make_capture(in, &spec[i])) > 0);
    pc_job_init(&j, in, names);
    if (!pc_job_run(&j, out, 640, 360))
        fprintf(stderr, "yf_post_run (simulcast): %s\n", j.err->message);
    p5 = pc_find_out(j.outs, "/p5.webm");
    c = pc_find_out(j.outs, "/composite.webm");
    CHECK(j.outs && j.outs->len == 2 && p5 && c);
    if (p5) {
        scan_file(p5->path, &scan);
        printf("p5.webm (simulcast, 320x240 then 160x120): %u frames captured, %u in the file; duration_ms %"
               G_GINT64_FORMAT "\n", made[0] + made[2], scan.video_blocks, p5->duration_ms);
        CHECK_EQ_INT(scan.video_blocks, made[0] + made[2]);
        CHECK(llabs(p5->duration_ms - want_ms) < 150);
        CHECK(decode(p5->path, "vp8dec threads=1", &ms));
        CHECK_EQ_INT(ms.frames, made[0] + made[2]);
        check_sync("p5.webm", &ms, &at);
    }
    check_composite(c, 0.25, 0.75, &at, want_ms);
    pc_job_clear(&j);
}

/* The tests, in the directories of main's sub[]: dir[0] holds the
 * captures. */
static void run(char **dir)
{
    CHECK(pc_make_captures(dir[0]));
    test_hearing(dir[0], dir[1]);
    test_h264(dir[0], dir[2]);
    test_bad_sr(dir[0], dir[3]);
    test_simulcast(dir[0], dir[4]);
}

int main(void)
{
    static const char *const sub[] = { "in", "out", "out-h264", "out-bad-sr", "out-simulcast" };
    int rc;

    CHECK(pc_run("yf-test-post-XXXXXX", sub, G_N_ELEMENTS(sub), run));
    rc = yf_test_done("test_post");
    fflush(stdout); /* LeakSanitizer exits without flushing stdio */
    return rc;
}
