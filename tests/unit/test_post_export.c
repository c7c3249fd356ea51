/* test_post_export.c -- the watermarked export (media/post/post.h,
 * yf_post_export_run) of recordings made here with GStreamer: a 4 s VP8/Opus
 * WebM of a flat grey picture and an Opus-only WebM. The export must decode
 * to the end, keep the input's duration (±200 ms) and audio, leave the input's
 * bytes as they were, be mode 0600 with no .part left, and carry the marks:
 * a decoded frame differs from the original's in the top band and the lower
 * third (where the marks are) and not in a corner (where they are not). A
 * file without video gets a card with the marks; bad input and a cancelled
 * run leave nothing behind. */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "media/post/post.h"
#include "yf_test.h"
#include "yf_test_fs.h"

#define W 640
#define H 360

static gboolean make_input(const char *path, gboolean video)
{
    char *desc = g_strdup_printf(
        "webmmux name=m ! filesink location=\"%s\" "
        "audiotestsrc num-buffers=200 samplesperbuffer=960 freq=440 ! audio/x-raw,rate=48000,channels=1 ! opusenc ! m. "
        "%s",
        path,
        video ? "videotestsrc num-buffers=100 pattern=solid-color foreground-color=0xff505050 ! "
                "video/x-raw,width=640,height=360,framerate=25/1 ! vp8enc deadline=1 ! m."
              : "");
    GError *e = NULL;
    GstElement *p = gst_parse_launch(desc, &e);
    gboolean ok = FALSE;
    g_free(desc);
    if (!p) {
        fprintf(stderr, "input pipeline: %s\n", e ? e->message : "?");
        g_clear_error(&e);
        return FALSE;
    }
    gst_element_set_state(p, GST_STATE_PLAYING);
    GstBus *bus = gst_element_get_bus(p);
    GstMessage *m = gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    ok = m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
    if (m)
        gst_message_unref(m);
    gst_object_unref(bus);
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
    return ok;
}

static char *sha256_of(const char *path)
{
    char *data = NULL;
    gsize n = 0;
    if (!g_file_get_contents(path, &data, &n, NULL))
        return g_strdup("unreadable");
    char *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, n);
    g_free(data);
    return hex;
}

typedef struct {
    int64_t duration_ms;
    gboolean vp8, opus;
    int width;
} found;

static found discover(const char *path)
{
    found f = {-1, FALSE, FALSE, 0};
    char *uri = gst_filename_to_uri(path, NULL);
    GstDiscoverer *d = gst_discoverer_new(20 * GST_SECOND, NULL);
    GstDiscovererInfo *info = d ? gst_discoverer_discover_uri(d, uri, NULL) : NULL;
    if (info && gst_discoverer_info_get_result(info) == GST_DISCOVERER_OK) {
        f.duration_ms = (int64_t)(gst_discoverer_info_get_duration(info) / GST_MSECOND);
        GList *all = gst_discoverer_info_get_stream_list(info);
        for (GList *l = all; l; l = l->next) {
            GstCaps *c = gst_discoverer_stream_info_get_caps(l->data);
            const char *name = c ? gst_structure_get_name(gst_caps_get_structure(c, 0)) : "";
            f.vp8 |= !strcmp(name, "video/x-vp8");
            f.opus |= !strcmp(name, "audio/x-opus");
            if (GST_IS_DISCOVERER_VIDEO_INFO(l->data))
                f.width = (int)gst_discoverer_video_info_get_width(l->data);
            if (c)
                gst_caps_unref(c);
        }
        gst_discoverer_stream_info_list_free(all);
    }
    if (info)
        g_object_unref(info);
    if (d)
        g_object_unref(d);
    g_free(uri);
    return f;
}

/* Decodes path to the end (it must play) and keeps the grey frame at or
 * after at_ns (g_free, W×H bytes); NULL if decoding failed. *frames: how many. */
static guint8 *frame_at(const char *path, GstClockTime at_ns, int *frames)
{
    char *desc = g_strdup_printf("filesrc location=\"%s\" ! matroskademux ! vp8dec ! videoconvert ! videoscale ! "
                                 "video/x-raw,format=GRAY8,width=%d,height=%d ! appsink name=s sync=false",
                                 path, W, H);
    GstElement *p = gst_parse_launch(desc, NULL);
    guint8 *out = NULL;
    GstSample *s;
    g_free(desc);
    *frames = 0;
    if (!p)
        return NULL;
    GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "s");
    gst_element_set_state(p, GST_STATE_PLAYING);
    while ((s = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
        GstBuffer *b = gst_sample_get_buffer(s);
        GstMapInfo map;
        (*frames)++;
        if (!out && GST_BUFFER_PTS(b) >= at_ns && gst_buffer_map(b, &map, GST_MAP_READ)) {
            if (map.size >= W * H)
                out = g_memdup2(map.data, W * H);
            gst_buffer_unmap(b, &map);
        }
        gst_sample_unref(s);
    }
    GstBus *bus = gst_element_get_bus(p);
    GstMessage *err = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (err) {
        g_clear_pointer(&out, g_free);
        gst_message_unref(err);
    }
    gst_object_unref(bus);
    gst_object_unref(sink);
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
    return out;
}

/* Mean absolute difference of two frames over [x0,x1)×[y0,y1). */
static double region_diff(const guint8 *a, const guint8 *b, int x0, int y0, int x1, int y1)
{
    double sum = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            sum += fabs((double)a[y * W + x] - (double)b[y * W + x]);
    return sum / ((x1 - x0) * (y1 - y0));
}

static double region_mean(const guint8 *a, int x0, int y0, int x1, int y1)
{
    double sum = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            sum += a[y * W + x];
    return sum / ((x1 - x0) * (y1 - y0));
}

typedef struct {
    double last;
    int calls;
    gboolean backwards;
} progress_seen;

static void on_progress(void *user, double f)
{
    progress_seen *p = user;
    p->backwards |= f < p->last;
    p->last = f;
    p->calls++;
}

static yf_post_export_job job_for(const char *in, const char *out, progress_seen *ps)
{
    return (yf_post_export_job){
        .input = in,
        .output = out,
        .mark_line = "仅供 李律师 查阅 · 2026年12月6日 10:00 导出 · 远访 <b>&",
        .mark_big = "仅供 李律师 查阅",
        .no_picture = "本录音没有画面",
        .progress = on_progress,
        .progress_user = ps,
    };
}

static gboolean no_part(const char *out)
{
    char *part = g_strconcat(out, ".part", NULL);
    gboolean none = !g_file_test(part, G_FILE_TEST_EXISTS);
    g_free(part);
    return none;
}

static void test_video(const char *dir)
{
    char *in = g_build_filename(dir, "composite.webm", NULL), *out = g_build_filename(dir, "export-1.webm", NULL);
    progress_seen ps = {0};
    yf_post_export_result res;
    GError *err = NULL;
    struct stat sb;
    int n_in = 0, n_out = 0;

    CHECK(make_input(in, TRUE));
    char *before = sha256_of(in);
    chmod(in, 0400);   /* an export needs no write access to its input */
    yf_post_export_job job = job_for(in, out, &ps);
    CHECK(yf_post_export_run(&job, &res, &err));
    if (err)
        fprintf(stderr, "export: %s\n", err->message);
    g_clear_error(&err);
    char *after = sha256_of(in);
    CHECK(strcmp(before, after) == 0);
    CHECK(stat(out, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    CHECK(no_part(out));
    CHECK(res.had_video);
    CHECK(ps.calls >= 2 && !ps.backwards && ps.last == 1.0);

    found fi = discover(in), fo = discover(out);
    CHECK(fo.vp8 && fo.opus && fo.width == W);
    CHECK(fi.duration_ms > 3500 && llabs(fo.duration_ms - fi.duration_ms) <= 200);
    CHECK(llabs(res.duration_ms - fi.duration_ms) <= 200);
    printf("durations: input %" G_GINT64_FORMAT " ms, export %" G_GINT64_FORMAT " ms (says %" G_GINT64_FORMAT ")\n",
           (gint64)fi.duration_ms, (gint64)fo.duration_ms, (gint64)res.duration_ms);

    guint8 *a = frame_at(in, 2 * GST_SECOND, &n_in), *b = frame_at(out, 2 * GST_SECOND, &n_out);
    CHECK(a && b);
    CHECK(n_in == 100 && n_out == n_in);
    if (a && b) {
        double top = region_diff(a, b, 160, 20, 480, 60), low = region_diff(a, b, 100, 230, 540, 290),
               corner = region_diff(a, b, 0, 300, 60, 360);
        printf("frame differences: top band %.1f, lower third %.1f, corner %.1f\n", top, low, corner);
        CHECK(top > 25);     /* the full line on its shaded band */
        CHECK(low > 4);      /* the large semi-transparent name */
        CHECK(corner < 3);   /* nothing but re-encoding there */
    }
    g_free(a);
    g_free(b);
    g_free(before);
    g_free(after);
    g_free(in);
    g_free(out);
}

static void test_audio_only(const char *dir)
{
    char *in = g_build_filename(dir, "p2.webm", NULL), *out = g_build_filename(dir, "export-2.webm", NULL);
    progress_seen ps = {0};
    yf_post_export_result res;
    GError *err = NULL;
    int n = 0;

    CHECK(make_input(in, FALSE));
    yf_post_export_job job = job_for(in, out, &ps);
    CHECK(yf_post_export_run(&job, &res, &err));
    g_clear_error(&err);
    CHECK(!res.had_video);
    found fi = discover(in), fo = discover(out);
    CHECK(fo.vp8 && fo.opus);
    CHECK(fi.duration_ms > 3500 && llabs(fo.duration_ms - fi.duration_ms) <= 200);
    printf("audio only: input %" G_GINT64_FORMAT " ms, export %" G_GINT64_FORMAT " ms\n", (gint64)fi.duration_ms,
           (gint64)fo.duration_ms);
    guint8 *card = frame_at(out, 2 * GST_SECOND, &n);
    CHECK(card != NULL && n >= 19);
    if (card) {
        CHECK(region_mean(card, 0, 300, 60, 360) < 20);          /* a dark card ... */
        CHECK(region_mean(card, 120, 20, 520, 60) > 12);         /* ... with the line at the top */
        CHECK(region_mean(card, 190, 140, 450, 180) > 12);       /* ... and the notice */
    }
    g_free(card);
    g_free(in);
    g_free(out);
}

static void test_refusals(const char *dir)
{
    char *junk = g_build_filename(dir, "junk.webm", NULL), *out = g_build_filename(dir, "export-3.webm", NULL);
    char *in = g_build_filename(dir, "composite.webm", NULL);
    progress_seen ps = {0};
    yf_post_export_result res;
    GError *err = NULL;

    g_file_set_contents(junk, "this is not a recording", -1, NULL);
    yf_post_export_job job = job_for(junk, out, &ps);
    CHECK(!yf_post_export_run(&job, &res, &err));
    CHECK(err && err->domain == YF_POST_ERROR && err->code == YF_POST_ERROR_INPUT);
    CHECK(!g_file_test(out, G_FILE_TEST_EXISTS) && no_part(out));
    g_clear_error(&err);

    gint cancel = 1;
    job = job_for(in, out, &ps);
    job.cancel = &cancel;
    CHECK(!yf_post_export_run(&job, &res, &err));
    CHECK(err && err->code == YF_POST_ERROR_CANCELLED);
    CHECK(!g_file_test(out, G_FILE_TEST_EXISTS) && no_part(out));
    g_clear_error(&err);
    g_free(junk);
    g_free(in);
    g_free(out);
}

int main(void)
{
    GError *err = NULL;
    char *dir = g_dir_make_tmp("yf-export-XXXXXX", NULL);

    gst_init(NULL, NULL);
    if (!yf_post_init(&err)) {
        fprintf(stderr, "%s\n", err->message);
        return 1;
    }
    test_video(dir);
    test_audio_only(dir);
    test_refusals(dir);
    if (g_getenv("YF_TEST_KEEP"))
        printf("kept %s\n", dir);
    else
        yf_test_rm_rf(dir);
    g_free(dir);
    return yf_test_done("test_post_export");
}
