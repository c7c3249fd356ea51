/* post_composite.c -- composite.webm of a whole hearing: every participant
 * in a grid tile (1 full, 2 side by side, 3-4 2x2, 5-9 3x3, 10-16 4x4) with
 * a name/role label, a name card for one without video, the case number and
 * a wall clock burned in (the time of the frame shown, from the timeline, not
 * of the processing), all audio mixed; VP8 + Opus in WebM. Time 0 is the
 * hearing's first media; buffers keep their timeline PTS, so a gap shows the
 * last frame (video) or silence (audio) and nothing moves. */
#define G_LOG_DOMAIN "yf-post"

#include <glib/gstdio.h>

#include "post_priv.h"

#define MAX_TILES 16
#define DEFAULT_W 1280
#define DEFAULT_H 720
#define FPS 25
#define VIDEO_KBPS 1500
#define AUDIO_BPS 64000

/* Encoder settings (docs/recording-format.md, "Post-processing"). */
#define VP8ENC "vp8enc name=venc deadline=1 cpu-used=16 threads=2 lag-in-frames=0 end-usage=vbr " \
               "token-partitions=2 keyframe-max-dist=125"

typedef struct {
    int x, y, w, h;
} tile;

/* State of the burned-in clock; lives until the pipeline is gone. */
typedef struct {
    GstElement *overlay;
    int64_t t0_us;
    int tz_offset_s;
    int64_t shown;        /* the second on screen; INT64_MIN: none yet */
} clock_state;

static void grid(guint n, int w, int h, guint i, tile *t)
{
    guint cols = n <= 1 ? 1 : n <= 4 ? 2 : n <= 9 ? 3 : 4;
    guint rows = (n + cols - 1) / cols;

    t->w = (w / (int)cols) & ~1;
    t->h = (h / (int)rows) & ~1;
    t->x = (int)(i % cols) * t->w;
    t->y = (int)(i / cols) * t->h;
}

static void describe_party(GString *d, const yf_post_party *p, guint i, const tile *t, int64_t total_us)
{
    if (p->video->len && ((yf_post_track *)p->video->pdata[0])->codec == YF_POST_H264)
        g_string_append_printf(d, " appsrc name=v%u ! rtph264depay ! h264parse ! avdec_h264 ! queue "
                                  "max-size-buffers=4 max-size-bytes=0 max-size-time=0 ! comp.sink_%u", i, i + 1);
    else if (p->video->len)
        g_string_append_printf(d, " appsrc name=v%u ! rtpvp8depay wait-for-keyframe=true request-keyframe=false "
                                  "! vp8dec threads=1 max-errors=-1 ! queue max-size-buffers=4 max-size-bytes=0 "
                                  "max-size-time=0 ! comp.sink_%u", i, i + 1);
    else
        g_string_append_printf(d, " videotestsrc pattern=solid-color foreground-color=0xff2b3140 num-buffers=%"
                                  G_GINT64_FORMAT " ! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! "
                                  "textoverlay name=card%u ! comp.sink_%u",
                               (total_us * FPS + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC, t->w, t->h, FPS,
                               i, i + 1);
    if (p->audio->len)
        g_string_append_printf(d, " appsrc name=a%u ! rtpopusdepay ! opusdec ! audioconvert ! audioresample ! "
                                  "audio/x-raw,format=S16LE,rate=48000,channels=2 ! queue ! mix.", i);
}

static char *describe(const yf_post_timeline *tl, int w, int h, gboolean audio)
{
    GString *d = g_string_new(NULL);
    int64_t total = tl->end_us - tl->t0_us;
    guint n = MIN(tl->parties->len, MAX_TILES);

    g_string_append_printf(d, "compositor name=comp background=black ! video/x-raw,format=I420,width=%d,height=%d,"
                              "framerate=%d/1", w, h, FPS);
    for (guint i = 0; i < n; i++)
        g_string_append_printf(d, " ! textoverlay name=label%u", i);
    g_string_append(d, " ! textoverlay name=caseno ! textoverlay name=clock ! queue max-size-buffers=8 "
                       "max-size-bytes=0 max-size-time=0 ! " VP8ENC);
    g_string_append_printf(d, " target-bitrate=%d ! queue ! webmmux name=mux ! filesink name=sink", VIDEO_KBPS * 1000);
    g_string_append_printf(d, " videotestsrc pattern=solid-color foreground-color=0xff15181d num-buffers=%"
                              G_GINT64_FORMAT
                              " ! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! comp.sink_0",
                           (total * FPS + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC, w, h, FPS);
    if (audio)
        g_string_append_printf(d, " audiomixer name=mix alignment-threshold=40000000 discont-wait=0 ! "
                                  "audio/x-raw,format=S16LE,rate=48000,channels=2 ! opusenc bitrate=%d ! queue ! mux."
                                  " audiotestsrc wave=silence samplesperbuffer=960 num-buffers=%" G_GINT64_FORMAT
                                  " ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! mix.",
                               AUDIO_BPS, (total + 19999) / 20000);
    for (guint i = 0; i < tl->parties->len; i++) {
        tile t;
        grid(n, w, h, MIN(i, MAX_TILES - 1), &t);
        describe_party(d, tl->parties->pdata[i], i, &t, total);
    }
    return g_string_free(d, FALSE);
}

/* The compositor keeps showing a buffer without duration until a newer one
 * is due: a frame without duration stays up across a gap. */
static GstPadProbeReturn hold_frame(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
    GstBuffer *b = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));

    GST_BUFFER_DURATION(b) = GST_CLOCK_TIME_NONE;
    info->data = b;
    return GST_PAD_PROBE_OK;
}

static void place_tile(GstElement *comp, guint i, const tile *t, gboolean video)
{
    char name[32];
    GstPad *pad;

    g_snprintf(name, sizeof name, "sink_%u", i + 1);
    pad = gst_element_get_static_pad(comp, name);
    if (!pad)
        return;
    g_object_set(pad, "xpos", t->x, "ypos", t->y, "width", t->w, "height", t->h, NULL);
    gst_util_set_object_arg(G_OBJECT(pad), "sizing-policy", "keep-aspect-ratio");
    if (video)
        gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, hold_frame, NULL, NULL);
    if (i >= MAX_TILES)
        g_object_set(pad, "alpha", 0.0, NULL); /* beyond the grid: heard, not shown */
    gst_object_unref(pad);
}

static void set_font(GstElement *overlay, int px)
{
    char *font = g_strdup_printf("%s %dpx", YF_POST_FONT, px);

    g_object_set(overlay, "font-desc", font, "auto-resize", FALSE, "xpad", 0, "ypad", 0, NULL);
    g_free(font);
}

/* A tile's label (bottom left) or, for a name card, name and role big in its
 * middle. Text is set as plain text: names never reach Pango markup. */
static void label_party(GstElement *pipe, const yf_post_party *p, guint i, const tile *t, int h)
{
    char name[32];
    char *text = *p->role ? g_strdup_printf("%s  %s", p->name, p->role) : g_strdup(p->name);
    GstElement *label, *card;

    g_snprintf(name, sizeof name, "label%u", i);
    if ((label = yf_post_get(pipe, name))) {
        set_font(label, MAX(12, MIN(t->w, t->h) / 20));
        g_object_set(label, "text", text, "halignment", 0 /* left */, "valignment", 1 /* bottom */,
                     "deltax", t->x + 8, "deltay", -(h - t->y - t->h) - 8, "shaded-background", TRUE, NULL);
    }
    g_snprintf(name, sizeof name, "card%u", i);
    if ((card = yf_post_get(pipe, name))) {
        char *big = g_strdup_printf("%s\n%s", p->name, p->role);
        set_font(card, MAX(16, t->h / 8));
        g_object_set(card, "text", big, "halignment", 1 /* center */, "valignment", 4 /* center */,
                     "line-alignment", 1, NULL);
        g_free(big);
    }
    g_free(text);
}

static GstPadProbeReturn tick(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
    clock_state *c = user;
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
    int64_t sec;
    GDateTime *dt;

    if (!GST_BUFFER_PTS_IS_VALID(b))
        return GST_PAD_PROBE_OK;
    sec = (c->t0_us + (int64_t)(GST_BUFFER_PTS(b) / 1000)) / G_USEC_PER_SEC + c->tz_offset_s;
    if (sec == c->shown)
        return GST_PAD_PROBE_OK;
    c->shown = sec;
    if ((dt = g_date_time_new_from_unix_utc(sec))) {
        char *text = g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
        g_object_set(c->overlay, "text", text, NULL);
        g_free(text);
        g_date_time_unref(dt);
    }
    return GST_PAD_PROBE_OK;
}

static void setup_overlays(GstElement *pipe, const yf_post_job *job, clock_state *c, int h)
{
    GstElement *caseno = yf_post_get(pipe, "caseno");
    GstPad *pad;
    int px = MAX(14, h / 30);

    set_font(caseno, px);
    set_font(c->overlay, px);
    g_object_set(caseno, "text", job->case_no ? job->case_no : "", "halignment", 0, "valignment", 2 /* top */,
                 "deltax", 10, "deltay", 8, "shaded-background", TRUE, NULL);
    g_object_set(c->overlay, "halignment", 2 /* right */, "valignment", 2, "deltax", -10, "deltay", 8,
                 "shaded-background", TRUE, NULL);
    pad = gst_element_get_static_pad(c->overlay, "video_sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, tick, c, NULL);
    gst_object_unref(pad);
}

/* Attaches a feed per track list and lays out tiles and labels. */
static void setup_parties(GstElement *pipe, const yf_post_timeline *tl, GPtrArray *feeds, int w, int h)
{
    GstElement *comp = yf_post_get(pipe, "comp");
    guint n = MIN(tl->parties->len, MAX_TILES);

    for (guint i = 0; i < tl->parties->len; i++) {
        const yf_post_party *p = tl->parties->pdata[i];
        char name[32];
        tile t;
        grid(n, w, h, MIN(i, MAX_TILES - 1), &t);
        for (int kind = 0; kind < 2; kind++) {
            GPtrArray *list = kind ? p->audio : p->video;
            yf_post_feed *f;
            if (!list->len)
                continue;
            g_snprintf(name, sizeof name, "%c%u", kind ? 'a' : 'v', i);
            f = yf_post_feed_new(list, tl->t0_us);
            yf_post_feed_attach(f, yf_post_get(pipe, name));
            g_ptr_array_add(feeds, f);
        }
        place_tile(comp, i, &t, p->video->len > 0);
        if (i < MAX_TILES)
            label_party(pipe, p, i, &t, h);
    }
}

static gboolean has_audio(const yf_post_timeline *tl)
{
    for (guint i = 0; i < tl->parties->len; i++)
        if (((yf_post_party *)tl->parties->pdata[i])->audio->len)
            return TRUE;
    return FALSE;
}

static gboolean run(const yf_post_job *job, const yf_post_timeline *tl, const char *tmp, double base, double span,
                    int64_t *duration_ms, GError **err)
{
    int w = job->width > 0 ? job->width & ~1 : DEFAULT_W, h = job->height > 0 ? job->height & ~1 : DEFAULT_H;
    char *desc = describe(tl, w, h, has_audio(tl));
    GstElement *pipe = yf_post_parse(desc, err);
    GPtrArray *feeds = g_ptr_array_new_with_free_func(yf_post_feed_free);
    clock_state clock = { .t0_us = tl->t0_us, .tz_offset_s = job->tz_offset_s, .shown = INT64_MIN };
    _Atomic int64_t pos = 0;
    gboolean ok = FALSE;

    g_free(desc);
    if (pipe) {
        g_object_set(yf_post_get(pipe, "sink"), "location", tmp, NULL);
        clock.overlay = yf_post_get(pipe, "clock");
        setup_overlays(pipe, job, &clock, h);
        setup_parties(pipe, tl, feeds, w, h);
        yf_post_watch_pts(yf_post_get(pipe, "venc"), "sink", &pos);
        ok = yf_post_pipeline_run(pipe, job, base, span, &pos, (tl->end_us - tl->t0_us) * 1000, err) &&
             yf_post_mkv_finish(tmp, duration_ms, err);
        gst_object_unref(pipe);
    }
    g_ptr_array_unref(feeds);
    return ok;
}

yf_post_output *yf_post_composite_run(const yf_post_job *job, const yf_post_timeline *tl, double base, double span,
                                      GError **err)
{
    char *path = g_build_filename(job->out_dir, "composite.webm", NULL);
    char *tmp = g_strconcat(path, ".part", NULL);
    yf_post_output *o = NULL;
    int64_t duration_ms = -1;

    if (!run(job, tl, tmp, base, span, &duration_ms, err))
        g_unlink(tmp);
    else if (yf_post_commit(tmp, path, err))
        o = yf_post_output_new(path, 0, "video/webm", tl->t0_us,
                               duration_ms >= 0 ? duration_ms : (tl->end_us - tl->t0_us) / 1000, has_audio(tl), TRUE);
    g_free(path);
    g_free(tmp);
    return o;
}
