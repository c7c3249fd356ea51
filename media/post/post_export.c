/* post_export.c -- a copy of one recording for someone outside the case, with
 * a visible watermark (post.h, yf_post_export_run): the picture decoded, two
 * text overlays drawn on it (a full line at the top, a large semi-transparent
 * name in the lower third), re-encoded to VP8; Opus passed through; WebM. A
 * file without video gets a dark card carrying the same marks for its length.
 * The original is only ever opened for reading (filesrc, the discoverer). */
#define G_LOG_DOMAIN "yf-post"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gst/pbutils/pbutils.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "post_priv.h"

#define PROBE_TIMEOUT_S 30
#define CARD_W 640
#define CARD_H 360
#define CARD_FPS 5
#define RUN_SHARE 0.97   /* of the progress; the fix-ups and the rename take the rest */

/* What the input holds, from GstDiscoverer. */
typedef struct {
    int64_t duration_ns;
    int width, height;        /* 0 when it has no video */
    gboolean audio, opus;
} probe;

static gboolean probe_input(const char *path, probe *out, GError **err)
{
    GError *e = NULL;
    char *uri = gst_filename_to_uri(path, &e);
    GstDiscoverer *d = uri ? gst_discoverer_new(PROBE_TIMEOUT_S * GST_SECOND, &e) : NULL;
    GstDiscovererInfo *info = d ? gst_discoverer_discover_uri(d, uri, &e) : NULL;
    gboolean ok = info && gst_discoverer_info_get_result(info) == GST_DISCOVERER_OK;

    memset(out, 0, sizeof *out);
    if (ok) {
        GList *vs = gst_discoverer_info_get_video_streams(info), *as = gst_discoverer_info_get_audio_streams(info);
        out->duration_ns = (int64_t)gst_discoverer_info_get_duration(info);
        if (vs) {
            out->width = (int)gst_discoverer_video_info_get_width(vs->data);
            out->height = (int)gst_discoverer_video_info_get_height(vs->data);
        }
        if (as) {
            GstCaps *c = gst_discoverer_stream_info_get_caps(as->data);
            out->audio = TRUE;
            out->opus = c && gst_structure_has_name(gst_caps_get_structure(c, 0), "audio/x-opus");
            if (c)
                gst_caps_unref(c);
        }
        gst_discoverer_stream_info_list_free(vs);
        gst_discoverer_stream_info_list_free(as);
    }
    if (!ok)
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_INPUT, "cannot read the recording %s: %s", path,
                    e ? e->message : "not a playable media file");
    else if (out->duration_ns <= 0 || (!out->width && !out->audio))
        ok = (g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_INPUT, "the recording %s has no media", path), FALSE);
    else if (out->audio && !out->opus)
        ok = (g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_INPUT, "the recording's audio is not Opus"), FALSE);
    g_clear_error(&e);
    if (info)
        g_object_unref(info);
    if (d)
        g_object_unref(d);
    g_free(uri);
    return ok;
}

/* The pipeline's description: fixed words and numbers only (the marks are
 * set as properties). Elements named src, sink, enc, line, mark, card. */
static char *describe(const probe *p)
{
    GString *d = g_string_new("filesrc name=src ! matroskademux name=d webmmux name=mux ! filesink name=sink ");
    int w = p->width ? p->width : CARD_W, h = p->width ? p->height : CARD_H;
    int64_t bitrate = p->width ? CLAMP((int64_t)w * h * 16 / 10, 300000, 2500000) : 200000;

    if (p->width)
        g_string_append(d, "d.video_0 ! queue max-size-time=5000000000 max-size-buffers=0 max-size-bytes=0"
                           " ! decodebin ! videoconvert ");
    else
        g_string_append_printf(d, "videotestsrc pattern=black num-buffers=%" G_GINT64_FORMAT
                               " ! video/x-raw,width=%d,height=%d,framerate=%d/1 ! textoverlay name=card ",
                               (p->duration_ns * CARD_FPS + GST_SECOND - 1) / GST_SECOND, CARD_W, CARD_H, CARD_FPS);
    g_string_append_printf(d, "! textoverlay name=line ! textoverlay name=mark ! videoconvert"
                              " ! vp8enc name=enc deadline=1 cpu-used=16 threads=2 lag-in-frames=0 end-usage=vbr"
                              " target-bitrate=%" G_GINT64_FORMAT " keyframe-max-dist=125 ! queue ! mux. ",
                           bitrate);
    if (p->audio)
        g_string_append(d, "d.audio_0 ! queue max-size-time=5000000000 max-size-buffers=0 max-size-bytes=0"
                           " ! opusparse ! mux.");
    return g_string_free(d, FALSE);
}

/* One overlay: plain text (escaped: textoverlay reads Pango markup) in a
 * font of px pixels, centred. */
static void set_text(GstElement *pipe, const char *name, const char *text, const char *style, int px, guint argb)
{
    GstElement *o = yf_post_get(pipe, name);
    char *markup = g_markup_escape_text(text ? text : "", -1);
    char *font = g_strdup_printf("%s %s%dpx", YF_POST_FONT, style, px);

    g_object_set(o, "text", markup, "font-desc", font, "auto-resize", FALSE, "color", argb, "xpad", 0, "ypad", 0,
                 "halignment", 1 /* center */, "wrap-mode", 2 /* word-char */, NULL);
    g_free(font);
    g_free(markup);
}

/* The full line at the top, below the row where a composite shows its case
 * number and clock (post_composite.c: h/30 pixels high, 8 from the top), so
 * it hides neither; the large name in the lower third, semi-transparent. */
static void set_marks(GstElement *pipe, const yf_post_export_job *job, const probe *p)
{
    int h = p->width ? p->height : CARD_H;
    GstElement *line = yf_post_get(pipe, "line"), *mark = yf_post_get(pipe, "mark");

    set_text(pipe, "line", job->mark_line, "", MAX(12, h / 32), 0xffffffff);
    g_object_set(line, "valignment", 2 /* top */, "deltay", MAX(14, h / 30) + 18, "shaded-background", TRUE,
                 "shading-value", 120, NULL);
    set_text(pipe, "mark", job->mark_big, "Bold ", MAX(20, h / 12), 0x66ffffff);
    gst_util_set_object_arg(G_OBJECT(mark), "valignment", "position");
    g_object_set(mark, "ypos", 0.72, "outline-color", 0x66000000u, NULL);
    if (!p->width) {
        set_text(pipe, "card", job->no_picture, "", MAX(14, h / 24), 0xffd0d0d0);
        gst_util_set_object_arg(G_OBJECT(yf_post_get(pipe, "card")), "valignment", "position");
        g_object_set(yf_post_get(pipe, "card"), "ypos", 0.45, NULL);
    }
}

/* Runs the pipeline into tmp; *duration_ms: what the finished file states. */
static gboolean run(const yf_post_export_job *job, const probe *p, const char *tmp, int64_t *duration_ms,
                    GError **err)
{
    char *desc = describe(p);
    GstElement *pipe = yf_post_parse(desc, err);
    yf_post_job pj = {.progress = job->progress, .progress_user = job->progress_user, .cancel = job->cancel};
    _Atomic int64_t pos = 0;
    gboolean ok;

    g_free(desc);
    if (!pipe)
        return FALSE;
    g_object_set(yf_post_get(pipe, "src"), "location", job->input, NULL);
    g_object_set(yf_post_get(pipe, "sink"), "location", tmp, NULL);
    set_marks(pipe, job, p);
    yf_post_watch_pts(yf_post_get(pipe, "enc"), "src", &pos);
    ok = yf_post_pipeline_run(pipe, &pj, 0.0, RUN_SHARE, &pos, p->duration_ns, err) &&
         yf_post_mkv_finish(tmp, duration_ms, err);
    gst_object_unref(pipe);
    return ok;
}

/* The finished file: owner-only, on disk, then under its name. */
static gboolean commit(const char *tmp, const char *path, GError **err)
{
    int fd = g_open(tmp, O_RDONLY | O_CLOEXEC, 0);
    gboolean ok = fd >= 0 && fchmod(fd, 0600) == 0 && fsync(fd) == 0;

    if (!ok)
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_IO, "%s: %s", tmp, g_strerror(errno));
    if (fd >= 0)
        close(fd);
    return ok && yf_post_commit(tmp, path, err);
}

gboolean yf_post_export_run(const yf_post_export_job *job, yf_post_export_result *res, GError **err)
{
    probe p;
    int64_t duration_ms = -1;
    char *tmp = NULL;
    gboolean ok = FALSE;

    memset(res, 0, sizeof *res);
    if (!yf_post_init(err) || !probe_input(job->input, &p, err))
        return FALSE;
    if (job->progress)
        job->progress(job->progress_user, 0.0);
    tmp = g_strconcat(job->output, ".part", NULL);
    g_unlink(tmp);   /* a run cut short by a restart */
    if (run(job, &p, tmp, &duration_ms, err) && commit(tmp, job->output, err)) {
        ok = TRUE;
        res->duration_ms = duration_ms >= 0 ? duration_ms : p.duration_ns / GST_MSECOND;
        res->had_video = p.width > 0;
        if (job->progress)
            job->progress(job->progress_user, 1.0);
    }
    if (!ok)
        g_unlink(tmp);
    g_free(tmp);
    return ok;
}
