/* post_composite.c -- composite.webm of a whole hearing, made to be watched
 * as evidence: a header band above the tiles (case number, the hearing's
 * kind, the step of its agenda, the wall clock of the frame shown), every
 * participant in a tile of a grid below it (1 full, 2 side by side, 3-4
 * 2x2, 5-9 3x3, 10-16 4x4; lines where tiles meet) labelled with name and
 * role at the tile's bottom, and a name card whenever a participant shows
 * no picture at that moment (post_look.c draws and decides); all audio
 * mixed; VP8 + Opus in WebM. Time 0 is the hearing's first media; buffers
 * keep their timeline PTS, so a gap shows silence and nothing moves. */
#define G_LOG_DOMAIN "yf-post"

#include <glib/gstdio.h>

#include "post_priv.h"

#define DEFAULT_W 1280
#define DEFAULT_H 720
#define VIDEO_KBPS 1500
#define AUDIO_BPS 64000

/* Colours (ARGB): the tiles (the background), the band, the lines between
 * tiles. */
#define COLOR_BACK "0xff262c38"
#define COLOR_BAND "0xff1c2a40"
#define COLOR_LINE "0xff0e1116"

/* Encoder settings (docs/recording-format.md, "Post-processing"). */
#define VP8ENC "vp8enc name=venc deadline=1 cpu-used=16 threads=2 lag-in-frames=0 end-usage=vbr " \
               "token-partitions=2 keyframe-max-dist=125"

/* A still layer: one frame of one colour, repeated to the end. */
static void describe_still(GString *d, const char *color, int w, int h, guint pad)
{
    g_string_append_printf(d, " videotestsrc pattern=solid-color foreground-color=%s num-buffers=1 ! "
                              "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! comp.sink_%u",
                           color, w, h, YF_POST_FPS, pad);
}

static void describe_party(GString *d, const yf_post_party *p, guint i)
{
    if (p->video->len && ((yf_post_track *)p->video->pdata[0])->codec == YF_POST_H264)
        g_string_append_printf(d, " appsrc name=v%u ! rtph264depay ! h264parse ! avdec_h264 ! queue "
                                  "max-size-buffers=4 max-size-bytes=0 max-size-time=0 ! comp.sink_%u", i,
                               YF_POST_PAD_VIDEO + i);
    else if (p->video->len)
        g_string_append_printf(d, " appsrc name=v%u ! rtpvp8depay wait-for-keyframe=true request-keyframe=false "
                                  "! vp8dec threads=1 max-errors=-1 ! queue max-size-buffers=4 max-size-bytes=0 "
                                  "max-size-time=0 ! comp.sink_%u", i, YF_POST_PAD_VIDEO + i);
    if (p->audio->len)
        g_string_append_printf(d, " appsrc name=a%u ! rtpopusdepay ! opusdec ! audioconvert ! audioresample ! "
                                  "audio/x-raw,format=S16LE,rate=48000,channels=2 ! queue ! mix.", i);
}

static char *describe(const yf_post_timeline *tl, const yf_post_layout *lay, gboolean audio)
{
    GString *d = g_string_new(NULL);
    int64_t total = tl->end_us - tl->t0_us;

    g_string_append_printf(d, "compositor name=comp background=black ! video/x-raw,format=I420,width=%d,height=%d,"
                              "framerate=%d/1", lay->w, lay->h, YF_POST_FPS);
    for (guint i = 0; i < lay->n_tiles; i++)
        g_string_append_printf(d, " ! textoverlay name=label%u ! textoverlay name=card%u", i, i);
    g_string_append(d, " ! textoverlay name=caseno ! textoverlay name=step ! textoverlay name=clock ! queue "
                       "max-size-buffers=8 max-size-bytes=0 max-size-time=0 ! " VP8ENC);
    g_string_append_printf(d, " target-bitrate=%d ! queue ! webmmux name=mux ! filesink name=sink", VIDEO_KBPS * 1000);
    /* the background runs the whole hearing: the composite lasts as long */
    g_string_append_printf(d, " videotestsrc pattern=solid-color foreground-color=" COLOR_BACK " num-buffers=%"
                              G_GINT64_FORMAT " ! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! "
                              "comp.sink_%u",
                           (total * YF_POST_FPS + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC, lay->w, lay->h, YF_POST_FPS,
                           YF_POST_PAD_BACK);
    describe_still(d, COLOR_BAND, lay->w, lay->band_h, YF_POST_PAD_BAND);
    for (guint i = 0; i < lay->n_lines; i++)
        describe_still(d, COLOR_LINE, lay->lines[i].w, lay->lines[i].h, YF_POST_PAD_LINE + i);
    if (audio)
        g_string_append_printf(d, " audiomixer name=mix alignment-threshold=40000000 discont-wait=0 ! "
                                  "audio/x-raw,format=S16LE,rate=48000,channels=2 ! opusenc bitrate=%d ! queue ! mux."
                                  " audiotestsrc wave=silence samplesperbuffer=960 num-buffers=%" G_GINT64_FORMAT
                                  " ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! mix.",
                               AUDIO_BPS, (total + 19999) / 20000);
    for (guint i = 0; i < tl->parties->len; i++)
        describe_party(d, tl->parties->pdata[i], i);
    return g_string_free(d, FALSE);
}

/* Where pad `name` of the compositor goes; zorder: background 0, band 1,
 * pictures 2, lines 3. Still layers repeat their one frame to the end. */
static GstPad *place(GstElement *comp, guint pad_no, const yf_post_tile *t, guint zorder, gboolean still)
{
    char name[32];
    GstPad *pad;

    g_snprintf(name, sizeof name, "sink_%u", pad_no);
    if (!(pad = gst_element_get_static_pad(comp, name)))
        return NULL;
    g_object_set(pad, "xpos", t->x, "ypos", t->y, "width", t->w, "height", t->h, "zorder", zorder, NULL);
    if (still)
        g_object_set(pad, "repeat-after-eos", TRUE, NULL);
    return pad;
}

/* Attaches a feed per track list, places every layer and pictures; the
 * participants beyond the grid are heard, not shown. */
static void setup_parties(GstElement *pipe, const yf_post_timeline *tl, const yf_post_layout *lay, yf_post_look *look,
                          GPtrArray *feeds)
{
    GstElement *comp = yf_post_get(pipe, "comp");
    yf_post_tile whole = { 0, 0, lay->w, lay->h }, band = { 0, 0, lay->w, lay->band_h };
    GstPad *pad;

    if ((pad = place(comp, YF_POST_PAD_BACK, &whole, 0, FALSE)))
        gst_object_unref(pad);
    if ((pad = place(comp, YF_POST_PAD_BAND, &band, 1, TRUE)))
        gst_object_unref(pad);
    for (guint i = 0; i < lay->n_lines; i++)
        if ((pad = place(comp, YF_POST_PAD_LINE + i, &lay->lines[i], 3, TRUE)))
            gst_object_unref(pad);
    for (guint i = 0; i < tl->parties->len; i++) {
        const yf_post_party *p = tl->parties->pdata[i];
        const yf_post_tile *t = &lay->tiles[MIN(i, MAX(lay->n_tiles, 1) - 1)];
        char name[32];
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
        /* the last picture stays after its stream ends, for post_look.c to
         * replace by the card once it is too old */
        pad = p->video->len ? place(comp, YF_POST_PAD_VIDEO + i, t, 2, TRUE) : NULL;
        if (pad)
            gst_util_set_object_arg(G_OBJECT(pad), "sizing-policy", "keep-aspect-ratio");
        yf_post_look_party(look, pipe, i, p, pad);   /* takes pad */
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
    yf_post_layout lay;
    char *desc;
    GstElement *pipe;
    GPtrArray *feeds = g_ptr_array_new_with_free_func(yf_post_feed_free);
    yf_post_look *look;
    _Atomic int64_t pos = 0;
    gboolean ok = FALSE;

    yf_post_layout_make(&lay, job->width > 0 ? job->width & ~1 : DEFAULT_W,
                        job->height > 0 ? job->height & ~1 : DEFAULT_H, tl->parties->len);
    desc = describe(tl, &lay, has_audio(tl));
    pipe = yf_post_parse(desc, err);
    g_free(desc);
    if (!pipe) {
        g_ptr_array_unref(feeds);
        return FALSE;
    }
    look = yf_post_look_new(pipe, job, &lay, tl->t0_us);
    g_object_set(yf_post_get(pipe, "sink"), "location", tmp, NULL);
    setup_parties(pipe, tl, &lay, look, feeds);
    yf_post_watch_pts(yf_post_get(pipe, "venc"), "sink", &pos);
    ok = yf_post_pipeline_run(pipe, job, base, span, &pos, (tl->end_us - tl->t0_us) * 1000, err) &&
         yf_post_mkv_finish(tmp, duration_ms, err);
    gst_object_unref(pipe);
    yf_post_look_free(look);   /* after the pipeline: its callbacks use it */
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
