/* bench_composite.c -- speed of post-processing (media/post/post.h) for a
 * two-party hearing: each party sends VP8 640x480 at 30 fps (~1 Mbps, what a
 * browser sends) and Opus, for 10 minutes (30 s with --quick). The media is
 * encoded once (a 10 s loop per party, repeated with running sequence numbers
 * and timestamps, SRs every second) and written as capture files; then
 * yf_post_run is timed. Prints generation time, media/wall/CPU seconds and
 * the speed against real time (aim >= 4x). Numbers only, no timed assertion.
 * Usage: bench_composite [--quick] [--keep] */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "media/rec/capfile.h"
#include "media/post/post.h"
#include "tests/unit/yf_test_fs.h"

#define BASE_US 1736899200000000LL
#define LOOP_S 10
#define DELAY_US 20000

typedef struct {
    GPtrArray *pkts;    /* GBytes */
    GArray *pts_us;     /* int64_t per packet */
} loop;

/* Runs an encoder pipeline ending in appsink "sink"; the RTP packets. */
static void encode(const char *desc, loop *l)
{
    GstElement *pipe = gst_parse_launch(desc, NULL);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
    GstSample *s;

    l->pkts = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    l->pts_us = g_array_new(FALSE, FALSE, sizeof(int64_t));
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    while ((s = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
        GstBuffer *b = gst_sample_get_buffer(s);
        GstMapInfo m;
        int64_t pts = (int64_t)(GST_BUFFER_PTS(b) / 1000);
        gst_buffer_map(b, &m, GST_MAP_READ);
        g_ptr_array_add(l->pkts, g_bytes_new(m.data, m.size));
        g_array_append_val(l->pts_us, pts);
        gst_buffer_unmap(b, &m);
        gst_sample_unref(s);
    }
    gst_element_set_state(pipe, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipe);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void write_rec(FILE *f, uint8_t type, int64_t arrival, const uint8_t *p, size_t n)
{
    static uint8_t buf[YF_CAP_RECORD_MAX];
    int len = yf_cap_record_encode(type, arrival, p, n, buf, sizeof buf);

    if (len > 0)
        fwrite(buf, 1, (size_t)len, f);
}

static void write_sr(FILE *f, uint32_t ssrc, int64_t t_us, uint32_t rtp_ts)
{
    uint8_t p[28] = { 0x80, 200, 0, 6 };
    int64_t ntp = BASE_US + t_us;

    put32(p + 4, ssrc);
    put32(p + 8, (uint32_t)(ntp / 1000000 + 2208988800LL));
    put32(p + 12, (uint32_t)(((uint64_t)(ntp % 1000000) << 32) / 1000000));
    put32(p + 16, rtp_ts);
    write_rec(f, YF_CAP_RTCP, BASE_US + t_us + DELAY_US, p, sizeof p);
}

/* Writes `seconds` of the loop repeated as one capture; returns bytes. */
static long write_track(const char *path, const yf_cap_meta *m, const loop *l, int seconds)
{
    FILE *f = fopen(path, "wb");
    uint8_t hdr[YF_CAP_HEADER_MAX], pkt[2048];
    int hn = yf_cap_header_encode(m, BASE_US, hdr, sizeof hdr);
    uint16_t seq = 1;
    int64_t next_sr = 1000000;
    long size;

    if (!f || hn <= 0)
        return 0;
    fwrite(hdr, 1, (size_t)hn, f);
    for (int rep = 0; rep * LOOP_S < seconds; rep++)
        for (guint i = 0; i < l->pkts->len; i++) {
            gsize n;
            const uint8_t *p = g_bytes_get_data(l->pkts->pdata[i], &n);
            int64_t t = rep * LOOP_S * 1000000LL + g_array_index(l->pts_us, int64_t, i);
            uint32_t ts = (uint32_t)(t * m->clock_rate / 1000000);
            if (n > sizeof pkt || n < 12)
                continue;
            for (; next_sr <= t; next_sr += 1000000)
                write_sr(f, m->ssrc, next_sr, (uint32_t)(next_sr * m->clock_rate / 1000000));
            memcpy(pkt, p, n);
            pkt[2] = (uint8_t)(seq >> 8), pkt[3] = (uint8_t)seq++;
            put32(pkt + 4, ts);
            put32(pkt + 8, m->ssrc);
            write_rec(f, YF_CAP_RTP, BASE_US + t + DELAY_US, pkt, n);
        }
    write_rec(f, YF_CAP_END, BASE_US + seconds * 1000000LL, NULL, 0);
    size = ftell(f);
    fclose(f);
    return size;
}

static const char *video_desc[] = {
    "videotestsrc pattern=smpte horizontal-speed=3 num-buffers=300 ! "
    "video/x-raw,width=640,height=480,framerate=30/1 ! vp8enc deadline=1 cpu-used=16 end-usage=cbr "
    "target-bitrate=1000000 keyframe-max-dist=3000 threads=2 ! rtpvp8pay pt=96 mtu=1200 ! appsink name=sink sync=false",
    "videotestsrc pattern=smpte75 horizontal-speed=-5 num-buffers=300 ! "
    "video/x-raw,width=640,height=480,framerate=30/1 ! vp8enc deadline=1 cpu-used=16 end-usage=cbr "
    "target-bitrate=1000000 keyframe-max-dist=3000 threads=2 ! rtpvp8pay pt=96 mtu=1200 ! appsink name=sink sync=false",
};
#define AUDIO_DESC "audiotestsrc wave=sine freq=440 samplesperbuffer=960 num-buffers=500 ! opusenc frame-size=20 " \
                   "bitrate=32000 ! rtpopuspay pt=111 ! appsink name=sink sync=false"

/* Two parties' captures into dir; their NULL-terminated paths. */
static char **generate(const char *dir, int seconds, long *bytes)
{
    GPtrArray *paths = g_ptr_array_new();

    *bytes = 0;
    for (uint32_t p = 1; p <= 2; p++)
        for (int kind = 0; kind < 2; kind++) {
            loop l;
            yf_cap_meta m = { .participant = p, .kind = kind ? YF_CAP_AUDIO : YF_CAP_VIDEO,
                              .payload_type = kind ? 111 : 96, .clock_rate = kind ? 48000 : 90000,
                              .ssrc = 0x1000 * p + (uint32_t)kind };
            char *path = g_strdup_printf("%s/p%u-%s.ycap", dir, p, kind ? "audio" : "video");
            g_strlcpy(m.room, "bench", sizeof m.room);
            g_strlcpy(m.codec, kind ? "opus" : "VP8", sizeof m.codec);
            encode(kind ? AUDIO_DESC : video_desc[p - 1], &l);
            *bytes += write_track(path, &m, &l, seconds);
            g_ptr_array_add(paths, path);
            g_ptr_array_unref(l.pkts);
            g_array_unref(l.pts_us);
        }
    g_ptr_array_add(paths, NULL);
    return (char **)g_ptr_array_free(paths, FALSE);
}

/* Notes when the participants' files are done (the first 5% of progress). */
static void on_progress(void *user, double f)
{
    int64_t *split = user;

    if (f >= 0.05 && split[1] == 0)
        split[1] = g_get_monotonic_time() - split[0];
}

static double cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
    gboolean quick = FALSE, keep = FALSE;
    int seconds;
    char *dir = g_dir_make_tmp("yf-bench-composite-XXXXXX", NULL);
    char **caps;
    long bytes;
    int64_t t0;
    double c0, wall, cpu, media = 0;
    GError *err = NULL;
    GPtrArray *outs;
    int64_t split[2] = { 0, 0 };
    static const yf_post_person people[] = { { 1, "王检察官", "检察官" }, { 2, "赵女士", "申诉人" } };
    yf_post_job job = { .people = people, .n_people = 2, .case_no = "京检听〔2025〕12号", .tz_offset_s = 28800 };

    for (int i = 1; i < argc; i++) {
        quick |= !strcmp(argv[i], "--quick");
        keep |= !strcmp(argv[i], "--keep");
    }
    seconds = quick ? 30 : 600;
    if (!dir || !yf_post_init(&err)) {
        fprintf(stderr, "bench_composite: %s\n", err ? err->message : "no temp directory");
        return 1;
    }
    t0 = g_get_monotonic_time();
    caps = generate(dir, seconds, &bytes);
    printf("generated %d s of two parties (VP8 640x480 30 fps + Opus): %.1f MB of captures (%.2f Mbps per party) "
           "in %.1f s\n", seconds, (double)bytes / 1e6, (double)bytes * 8 / seconds / 2 / 1e6,
           (double)(g_get_monotonic_time() - t0) / 1e6);
    fflush(stdout);
    job.captures = (const char *const *)caps;
    job.out_dir = dir;
    job.progress = on_progress;
    job.progress_user = split;
    c0 = cpu_s();
    t0 = split[0] = g_get_monotonic_time();
    outs = yf_post_run(&job, &err);
    wall = (double)(g_get_monotonic_time() - t0) / 1e6;
    cpu = cpu_s() - c0;
    if (!outs) {
        fprintf(stderr, "bench_composite: yf_post_run: %s\n", err->message);
        return 1;
    }
    for (guint i = 0; i < outs->len; i++) {
        yf_post_output *o = outs->pdata[i];
        if (o->participant == 0)
            media = (double)o->duration_ms / 1000;
    }
    printf("participant files: %.1f s of the wall time\n", (double)split[1] / 1e6);
    printf("media seconds: %.1f\nwall seconds: %.1f\nCPU seconds: %.1f (%.2f cores)\n", media, wall, cpu, cpu / wall);
    printf("composite speed: %.1f x real time (aim >= 4x)\n", media / wall);
    g_ptr_array_unref(outs);
    g_strfreev(caps);
    if (keep)
        printf("kept %s\n", dir);
    else
        yf_test_rm_rf(dir);
    g_free(dir);
    return 0;
}
