/* post_participant.c -- one participant's own file: its audio and video
 * passed through, never transcoded (RTP -> depayloader -> muxer): VP8/Opus
 * in WebM (p<N>.webm), H.264 (with its Opus) in Matroska (p<N>.mkv). Time 0
 * is the participant's first media; every reconnect on the same timeline. */
#define G_LOG_DOMAIN "yf-post"

#include <glib/gstdio.h>

#include "post_priv.h"

static char *describe(const yf_post_party *p, gboolean h264)
{
    GString *d = g_string_new(h264 ? "matroskamux name=mux" : "webmmux name=mux");

    g_string_append(d, " ! filesink name=sink");
    if (p->video->len)
        g_string_append(d, h264 ? " appsrc name=v ! rtph264depay ! h264parse ! queue ! mux."
                                : " appsrc name=v ! rtpvp8depay ! queue ! mux.");
    if (p->audio->len)
        g_string_append(d, " appsrc name=a ! rtpopusdepay ! opusparse ! queue ! mux.");
    return g_string_free(d, FALSE);
}

static const char *media_type(const yf_post_party *p, gboolean h264)
{
    if (h264)
        return "video/x-matroska";
    return p->video->len ? "video/webm" : "audio/webm";
}

/* Builds and runs the pipeline into tmp; *duration_ms: the file's. */
static gboolean run(const yf_post_job *job, const yf_post_party *p, gboolean h264, const char *tmp, double base,
                    double span, int64_t *duration_ms, GError **err)
{
    char *desc = describe(p, h264);
    GstElement *pipe = yf_post_parse(desc, err);
    yf_post_feed *fv = NULL, *fa = NULL;
    _Atomic int64_t pos = 0;
    gboolean ok = FALSE;

    g_free(desc);
    if (!pipe)
        return FALSE;
    g_object_set(yf_post_get(pipe, "sink"), "location", tmp, NULL);
    if (p->video->len) {
        fv = yf_post_feed_new(p->video, p->first_us);
        yf_post_feed_attach(fv, yf_post_get(pipe, "v"));
        yf_post_watch_pts(yf_post_get(pipe, "v"), "src", &pos);
    }
    if (p->audio->len) {
        fa = yf_post_feed_new(p->audio, p->first_us);
        yf_post_feed_attach(fa, yf_post_get(pipe, "a"));
        yf_post_watch_pts(yf_post_get(pipe, "a"), "src", &pos);
    }
    ok = yf_post_pipeline_run(pipe, job, base, span, &pos, (p->last_us - p->first_us) * 1000, err) &&
         yf_post_mkv_finish(tmp, duration_ms, err);
    gst_object_unref(pipe);
    yf_post_feed_free(fv);
    yf_post_feed_free(fa);
    return ok;
}

yf_post_output *yf_post_participant_run(const yf_post_job *job, const yf_post_party *p, double base, double span,
                                        GError **err)
{
    gboolean h264 = p->video->len && ((yf_post_track *)p->video->pdata[0])->codec == YF_POST_H264;
    char *name = g_strdup_printf("p%u.%s", p->id, h264 ? "mkv" : "webm");
    char *path = g_build_filename(job->out_dir, name, NULL);
    char *tmp = g_strconcat(path, ".part", NULL);
    yf_post_output *o = NULL;
    int64_t duration_ms = -1;

    if (!run(job, p, h264, tmp, base, span, &duration_ms, err))
        g_unlink(tmp);
    else if (yf_post_commit(tmp, path, err))
        o = yf_post_output_new(path, p->id, media_type(p, h264), p->first_us,
                               duration_ms >= 0 ? duration_ms : (p->last_us + 20000 - p->first_us) / 1000,
                               p->audio->len > 0, p->video->len > 0);
    g_free(name);
    g_free(path);
    g_free(tmp);
    return o;
}
