/* post_captures.c -- the captures and jobs the post-processing tests share
 * (post_captures.h): raw media pushed through GStreamer encoders and
 * payloaders, their RTP packets turned into capture records as a network
 * delivers them (late, duplicated, lost in a window), sender reports added,
 * written as capture files; and a job over them whose progress is watched
 * and which is cancelled if it runs away. */
#include <gst/app/gstappsink.h>
#include <stdlib.h>
#include <string.h>

#include "post_captures.h"
#include "yf_test_fs.h"

#define W 320
#define H 240
#define GAP_FROM_US 2500000
#define GAP_TO_US 3500000
#define JOB_TIMEOUT_S 120   /* a job that runs away (a wrong timeline) fails instead of hanging CI */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static gboolean flash_at(int frame) { return (frame >= 60 && frame < 63) || (frame >= 120 && frame < 123); }
static gboolean beep_at(int64_t sample)
{
    return (sample >= 2 * PC_RATE && sample < 2 * PC_RATE + PC_RATE / 10) ||
           (sample >= 4 * PC_RATE && sample < 4 * PC_RATE + PC_RATE / 10);
}

/* Raw media for participants 1 and 3, pushed into the encoder's appsrc.
 * textured: a fixed pattern of low contrast on the picture, so that key
 * frames are several kB and go out in FU-A fragments (a flat picture fits
 * one packet); the mean luma stays far from the flash. */
static void push_frames(GstAppSrc *src, gboolean textured)
{
    for (int i = 0; i < PC_SECONDS * PC_VFPS; i++) {
        GstBuffer *b = gst_buffer_new_allocate(NULL, W * H * 3 / 2, NULL);
        GstMapInfo m;
        gst_buffer_map(b, &m, GST_MAP_WRITE);
        memset(m.data, flash_at(i) ? 235 : 16, W * H);
        for (int y = 0; textured && y < H; y++)
            for (int x = 0; x < W; x++)
                m.data[y * W + x] += (uint8_t)(((x * 7 + y * 13) ^ (x * y)) & 15);
        memset(m.data + W * H, 128, W * H / 2);
        gst_buffer_unmap(b, &m);
        GST_BUFFER_PTS(b) = gst_util_uint64_scale(i, GST_SECOND, PC_VFPS);
        GST_BUFFER_DURATION(b) = GST_SECOND / PC_VFPS;
        gst_app_src_push_buffer(src, b);
    }
}

void pc_push_video(GstAppSrc *src)
{
    push_frames(src, FALSE);
}

void pc_push_video_textured(GstAppSrc *src)
{
    push_frames(src, TRUE);
}

void pc_push_audio(GstAppSrc *src)
{
    for (int64_t s0 = 0; s0 < PC_SECONDS * PC_RATE; s0 += 960) {
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
        GST_BUFFER_PTS(b) = gst_util_uint64_scale(s0, GST_SECOND, PC_RATE);
        GST_BUFFER_DURATION(b) = gst_util_uint64_scale(960, GST_SECOND, PC_RATE);
        gst_app_src_push_buffer(src, b);
    }
}

void pc_add_rec(pc_track *t, int64_t arrival, uint8_t type, const void *p, size_t n)
{
    pc_rec r = { arrival, type, g_bytes_new(p, n) };
    g_array_append_val(t->recs, r);
}

/* RTCP SR (RFC 3550 §6.4.1) for the publisher time t_us, from a clock that
 * is off by skew_us, arriving PC_NET_DELAY_US later. */
static void add_sr(pc_track *t, int64_t t_us, int64_t skew_us)
{
    uint8_t p[28] = { 0x80, 200, 0, 6 };
    int64_t ntp_us = PC_BASE_US + t->start_us + skew_us + t_us;
    uint64_t frac = ((uint64_t)(ntp_us % 1000000) << 32) / 1000000;

    put32(p + 4, t->ssrc);
    put32(p + 8, (uint32_t)(ntp_us / 1000000 + 2208988800LL));
    put32(p + 12, (uint32_t)frac);
    put32(p + 16, t->ts0 + (uint32_t)((t_us - t->pts0_us) * t->clock_rate * MAX(t->sr_speed, 1) / 1000000));
    put32(p + 20, t->packets);
    put32(p + 24, t->octets);
    pc_add_rec(t, PC_BASE_US + t->start_us + t_us + PC_NET_DELAY_US, YF_CAP_RTCP, p, sizeof p);
}

/* Runs the encoder pipeline, turns its RTP packets into records: arrival =
 * BASE + PTS + delay (every 37th 15 ms late; every 101st twice), drops the
 * loss window if asked; adds an SR every second. */
static void capture(pc_track *t, const char *desc, void (*push)(GstAppSrc *), gboolean loss, int64_t skew_us)
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
            pc_add_rec(t, PC_BASE_US + t->start_us + pts_us + PC_NET_DELAY_US + late, YF_CAP_RTP, m.data, m.size);
            t->frames += t->clock_rate != 90000 || (m.data[1] & 0x80);
            if (n % 101 == 0)
                pc_add_rec(t, PC_BASE_US + t->start_us + pts_us + PC_NET_DELAY_US + 40000, YF_CAP_RTP, m.data, m.size);
            t->packets++;
            t->octets += (uint32_t)m.size - 12;
        }
        gst_buffer_unmap(b, &m);
        gst_sample_unref(s);
    }
    for (int sec = 1; sec < PC_SECONDS; sec++)
        add_sr(t, sec * 1000000LL, skew_us);
    gst_element_set_state(pipe, GST_STATE_NULL);
    if (src)
        gst_object_unref(src);
    gst_object_unref(sink);
    gst_object_unref(pipe);
}

static int cmp_rec(const void *a, const void *b)
{
    const pc_rec *x = a, *y = b;
    return x->arrival_us < y->arrival_us ? -1 : x->arrival_us > y->arrival_us;
}

gboolean pc_write_cap(const char *path, const yf_cap_meta *meta, pc_track *t, gboolean with_end)
{
    GByteArray *out = g_byte_array_new();
    uint8_t buf[YF_CAP_RECORD_MAX];
    int n = yf_cap_header_encode(meta, PC_BASE_US, buf, sizeof buf);
    gboolean ok = n > 0;

    g_byte_array_append(out, buf, (guint)MAX(n, 0));
    g_array_sort(t->recs, cmp_rec); /* stable for equal times: mergesort */
    for (guint i = 0; i < t->recs->len; i++) {
        pc_rec *r = &g_array_index(t->recs, pc_rec, i);
        gsize len;
        const uint8_t *p = g_bytes_get_data(r->data, &len);
        n = yf_cap_record_encode(r->type, r->arrival_us, p, len, buf, sizeof buf);
        g_byte_array_append(out, buf, (guint)n);
    }
    if (with_end) {
        n = yf_cap_record_encode(YF_CAP_END, PC_BASE_US + t->start_us + PC_SECONDS * 1000000LL, NULL, 0, buf, sizeof buf);
        g_byte_array_append(out, buf, (guint)n);
    }
    ok = g_file_set_contents(path, (const char *)out->data, out->len, NULL) && ok;
    g_byte_array_unref(out);
    return ok;
}

void pc_track_init(pc_track *t, uint32_t ssrc, uint32_t clock_rate)
{
    memset(t, 0, sizeof *t);
    t->recs = g_array_new(FALSE, FALSE, sizeof(pc_rec));
    t->ssrc = ssrc;
    t->clock_rate = clock_rate;
}

void pc_track_clear(pc_track *t)
{
    for (guint i = 0; i < t->recs->len; i++)
        g_bytes_unref(g_array_index(t->recs, pc_rec, i).data);
    g_array_unref(t->recs);
}

yf_cap_meta pc_meta_for(uint32_t participant, yf_cap_kind kind, const char *codec, uint8_t payload_type,
                        uint32_t ssrc)
{
    yf_cap_meta m = { .participant = participant, .kind = kind, .payload_type = payload_type,
                      .clock_rate = kind == YF_CAP_AUDIO ? 48000 : 90000, .ssrc = ssrc };
    g_strlcpy(m.room, "听证-2025-001", sizeof m.room);
    g_strlcpy(m.codec, codec, sizeof m.codec);
    return m;
}

guint pc_make_capture(const char *dir, const pc_cap_spec *s)
{
    pc_track t;
    yf_cap_meta m = pc_meta_for(s->participant, s->kind, s->codec, s->payload_type, s->ssrc);
    char *path = g_build_filename(dir, s->file, NULL);
    guint frames;

    pc_track_init(&t, s->ssrc, m.clock_rate);
    t.sr_speed = s->sr_speed;
    t.start_us = s->start_us;
    capture(&t, s->desc, s->push, s->loss, s->skew_us);
    if (t.packets <= 100)
        fprintf(stderr, "%s: only %u packets from the encoder\n", s->file, t.packets);
    if (s->check)
        s->check(&t);
    frames = t.packets > 100 && pc_write_cap(path, &m, &t, TRUE) ? t.frames : 0;
    pc_track_clear(&t);
    g_free(path);
    return frames;
}

gboolean pc_make_captures(const char *dir)
{
    static const pc_cap_spec spec[] = {
        { 1, 0x11111111, YF_CAP_VIDEO, "VP8", 96, "p1-video.ycap",
          PC_RAW_VIDEO "vp8enc deadline=1 keyframe-max-dist=10 target-bitrate=300000 ! rtpvp8pay pt=96 mtu=600 "
          "ssrc=286331153 seqnum-offset=65400 timestamp-offset=4294697296 ! appsink name=sink sync=false",
          pc_push_video, TRUE, 0, NULL, 1, 0 },
        { 1, 0x22222222, YF_CAP_AUDIO, "opus", 111, "p1-audio.ycap",
          PC_RAW_AUDIO "opusenc frame-size=20 ! rtpopuspay pt=111 ssrc=572662306 timestamp-offset=4294919296 ! "
          "appsink name=sink sync=false",
          pc_push_audio, TRUE, 0, NULL, 1, 0 },
        { 2, 0x33333333, YF_CAP_AUDIO, "opus", 111, "p2-audio.ycap",
          "audiotestsrc wave=sine freq=300 volume=0.05 samplesperbuffer=960 num-buffers=300 ! opusenc frame-size=20 "
          "! rtpopuspay pt=111 ssrc=858993459 ! appsink name=sink sync=false",
          NULL, FALSE, 3000000, NULL, 1, 0 },
    };

    gboolean ok = TRUE;

    for (size_t i = 0; i < G_N_ELEMENTS(spec); i++)
        ok = pc_make_capture(dir, &spec[i]) > 0 && ok;
    return ok;
}

/* ---- the job ---- */

static void on_progress(void *user, double f)
{
    pc_progress *p = user;

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
    { 5, "赵六", "信访人" },
    { 6, "钱七", "司法救助工作人员" },
};

/* The captures' paths, NULL-terminated (g_strfreev). */
static char **capture_list(const char *dir, const char *const *names)
{
    GPtrArray *a = g_ptr_array_new();

    for (size_t i = 0; names[i]; i++)
        g_ptr_array_add(a, g_build_filename(dir, names[i], NULL));
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(a, FALSE);
}

void pc_job_init(pc_job *j, const char *dir, const char *const *names)
{
    memset(j, 0, sizeof *j);
    j->caps = capture_list(dir, names);
    j->pl.monotonic = TRUE;
}

GPtrArray *pc_job_run(pc_job *j, const char *out, int width, int height)
{
    yf_post_job job = { .captures = (const char *const *)j->caps, .people = people,
                        .n_people = G_N_ELEMENTS(people), .case_no = "京检听〔2025〕1号", .tz_offset_s = 28800,
                        .kind_label = j->kind_label, .steps = j->steps, .n_steps = j->n_steps,
                        .out_dir = out, .width = width, .height = height, .progress = on_progress,
                        .progress_user = &j->pl, .cancel = &j->pl.cancel };

    j->pl.deadline = g_get_monotonic_time() + JOB_TIMEOUT_S * G_USEC_PER_SEC;
    j->outs = yf_post_run(&job, &j->err);
    return j->outs;
}

void pc_job_clear(pc_job *j)
{
    if (j->outs)
        g_ptr_array_unref(j->outs);
    g_clear_error(&j->err);
    g_strfreev(j->caps);
}

const yf_post_output *pc_find_out(GPtrArray *outs, const char *suffix)
{
    for (guint i = 0; outs && i < outs->len; i++)
        if (g_str_has_suffix(((yf_post_output *)outs->pdata[i])->path, suffix))
            return outs->pdata[i];
    return NULL;
}

/* ---- a test's run ---- */

gboolean pc_run(const char *tmpl, const char *const *sub, size_t n, void (*tests)(char **dir))
{
    GError *err = NULL;
    char *root, **dir;

    if (!yf_post_init(&err)) {
        fprintf(stderr, "yf_post_init: %s\n", err ? err->message : "failed");
        g_clear_error(&err);
        return FALSE;
    }
    root = g_dir_make_tmp(tmpl, NULL);
    dir = g_new0(char *, n + 1);
    for (size_t i = 0; i < n; i++) {
        dir[i] = g_build_filename(root, sub[i], NULL);
        g_mkdir(dir[i], 0700);
    }
    tests(dir);
    if (!getenv("YF_TEST_KEEP"))
        yf_test_rm_rf(root);
    else
        printf("kept %s\n", root);
    g_strfreev(dir);
    g_free(root);
    gst_deinit();
    return TRUE;
}

#ifdef __SANITIZE_ADDRESS__
/* Full stacks for LeakSanitizer, so tests/lsan.supp can name the library
 * constructor behind GLib's deliberate quark-block leak. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "fast_unwind_on_malloc=0"; }
#endif
