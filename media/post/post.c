/* post.c -- the post-processing job (post.h): GStreamer set-up and the
 * plugin check, the timeline, the participants' files then the composite,
 * and the pipeline runner every output shares (bus on the calling thread,
 * progress, cancel). A failed or cancelled job removes what it wrote. */
#define G_LOG_DOMAIN "yf-post"

#include <errno.h>
#include <glib/gstdio.h>

#include "post_priv.h"

#define PARTICIPANT_SHARE 0.05   /* of the job's progress; remuxing is cheap */
#define POLL_NS (100 * GST_MSECOND)

G_DEFINE_QUARK(yf-post-error-quark, yf_post_error)

static const struct {
    const char *element, *package;
} required[] = {
#define YF_POST_ELEMENT(element, package) { element, package },
#include "post_elements.h"
#undef YF_POST_ELEMENT
};

static gpointer init_once(gpointer data)
{
    GError *e = NULL;

    if (!gst_init_check(NULL, NULL, &e))
        return e;
    for (size_t i = 0; i < G_N_ELEMENTS(required); i++) {
        GstElementFactory *f = gst_element_factory_find(required[i].element);
        if (!f)
            return g_error_new(YF_POST_ERROR, YF_POST_ERROR_PLUGIN, "GStreamer element %s is missing (Debian "
                               "package %s)", required[i].element, required[i].package);
        gst_object_unref(f);
    }
    return NULL;
}

gboolean yf_post_init(GError **err)
{
    static GOnce once = G_ONCE_INIT;
    GError *e = g_once(&once, init_once, NULL);

    if (e) {
        g_set_error(err, YF_POST_ERROR, e->domain == YF_POST_ERROR ? e->code : YF_POST_ERROR_PLUGIN, "%s",
                    e->message);
        return FALSE;
    }
    return TRUE;
}

void yf_post_output_free(gpointer p)
{
    yf_post_output *o = p;

    if (!o)
        return;
    g_free(o->path);
    g_free(o->media_type);
    g_free(o);
}

yf_post_output *yf_post_output_new(const char *path, uint32_t participant, const char *media_type,
                                   int64_t start_us, int64_t duration_ms, gboolean audio, gboolean video)
{
    yf_post_output *o = g_new0(yf_post_output, 1);

    o->path = g_strdup(path);
    o->participant = participant;
    o->media_type = g_strdup(media_type);
    o->start_us = start_us;
    o->duration_ms = MAX(duration_ms, 0);
    o->has_audio = audio;
    o->has_video = video;
    return o;
}

GstElement *yf_post_parse(const char *desc, GError **err)
{
    GError *e = NULL;
    GstElement *p = gst_parse_launch_full(desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &e);

    if (!p) {
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_PLUGIN, "cannot build the pipeline: %s",
                    e ? e->message : "?");
        g_clear_error(&e);
    }
    return p;
}

GstElement *yf_post_get(GstElement *pipe, const char *name)
{
    GstElement *e = gst_bin_get_by_name(GST_BIN(pipe), name);

    if (e)
        gst_object_unref(e); /* the pipeline keeps it alive */
    return e;
}

gboolean yf_post_commit(const char *tmp, const char *final, GError **err)
{
    if (g_rename(tmp, final) == 0)
        return TRUE;
    g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_IO, "rename %s: %s", final, g_strerror(errno));
    g_unlink(tmp);
    return FALSE;
}

static GstPadProbeReturn on_pts(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
    _Atomic int64_t *pos = user;
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
    int64_t v, cur;

    if (!b || !GST_BUFFER_PTS_IS_VALID(b))
        return GST_PAD_PROBE_OK;
    v = (int64_t)GST_BUFFER_PTS(b);
    cur = atomic_load(pos);
    while (v > cur && !atomic_compare_exchange_weak(pos, &cur, v))
        ;
    return GST_PAD_PROBE_OK;
}

void yf_post_watch_pts(GstElement *el, const char *pad_name, _Atomic int64_t *pos)
{
    GstPad *pad = gst_element_get_static_pad(el, pad_name);

    if (!pad)
        return;
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_pts, pos, NULL);
    gst_object_unref(pad);
}

static void report(const yf_post_job *job, double fraction)
{
    if (job->progress)
        job->progress(job->progress_user, CLAMP(fraction, 0.0, 1.0));
}

/* Whether the job was cancelled; if so, *err says so. */
static gboolean cancelled(const yf_post_job *job, GError **err)
{
    if (!job->cancel || !g_atomic_int_get(job->cancel))
        return FALSE;
    g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_CANCELLED, "cancelled");
    return TRUE;
}

/* Turns a bus ERROR into *err: a resource error (disk) is IO. */
static void set_pipeline_error(GstMessage *m, GError **err)
{
    GError *e = NULL;
    char *dbg = NULL;

    gst_message_parse_error(m, &e, &dbg);
    g_set_error(err, YF_POST_ERROR, e->domain == GST_RESOURCE_ERROR ? YF_POST_ERROR_IO : YF_POST_ERROR_PIPELINE,
                "%s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(m)), e->message);
    g_debug("pipeline error: %s", dbg ? dbg : "");
    g_error_free(e);
    g_free(dbg);
}

/* One bus message: TRUE when the run is over (*ok says how). */
static gboolean on_message(GstMessage *m, gboolean *ok, GError **err)
{
    switch (GST_MESSAGE_TYPE(m)) {
    case GST_MESSAGE_EOS:
        *ok = TRUE;
        return TRUE;
    case GST_MESSAGE_ERROR:
        set_pipeline_error(m, err);
        return TRUE;
    default:
        return FALSE;
    }
}

gboolean yf_post_pipeline_run(GstElement *pipe, const yf_post_job *job, double base, double span,
                              const _Atomic int64_t *pos_ns, int64_t total_ns, GError **err)
{
    GstBus *bus;
    gboolean ok = FALSE, done = FALSE;

    /* Cancelled before it starts: nothing runs. The loop below looks at the
     * flag only between bus messages, and a short input can reach its end
     * within the first wait, so a job cancelled in advance would finish. */
    if (cancelled(job, err))
        return FALSE;
    bus = gst_element_get_bus(pipe);
    gst_element_set_state(pipe, GST_STATE_PLAYING); /* a failure posts an ERROR */
    while (!done) {
        GstMessage *m = gst_bus_timed_pop_filtered(bus, POLL_NS, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
        if (m) {
            done = on_message(m, &ok, err);
            gst_message_unref(m);
        }
        if (!done && cancelled(job, err))
            done = TRUE;
        if (pos_ns && total_ns > 0)
            report(job, base + span * MIN(1.0, (double)atomic_load(pos_ns) / (double)total_ns));
    }
    gst_element_set_state(pipe, GST_STATE_NULL);
    gst_object_unref(bus);
    return ok;
}

static gboolean check_job(const yf_post_job *job, GError **err)
{
    if (!job->out_dir || !g_file_test(job->out_dir, G_FILE_TEST_IS_DIR)) {
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_IO, "output directory %s does not exist",
                    job->out_dir ? job->out_dir : "(none)");
        return FALSE;
    }
    return !cancelled(job, err);
}

static gboolean run_outputs(const yf_post_job *job, const yf_post_timeline *tl, GPtrArray *outs, GError **err)
{
    guint n = tl->parties->len;
    yf_post_output *o;

    for (guint i = 0; i < n; i++) {
        o = yf_post_participant_run(job, tl->parties->pdata[i], PARTICIPANT_SHARE * i / n, PARTICIPANT_SHARE / n,
                                    err);
        if (!o)
            return FALSE;
        g_ptr_array_add(outs, o);
    }
    o = yf_post_composite_run(job, tl, PARTICIPANT_SHARE, 1.0 - PARTICIPANT_SHARE, err);
    if (!o)
        return FALSE;
    g_ptr_array_add(outs, o);
    return TRUE;
}

GPtrArray *yf_post_run(const yf_post_job *job, GError **err)
{
    yf_post_timeline *tl;
    GPtrArray *outs;

    if (!yf_post_init(err) || !check_job(job, err))
        return NULL;
    report(job, 0.0);
    if (!(tl = yf_post_timeline_new(job, err)))
        return NULL;
    outs = g_ptr_array_new_with_free_func(yf_post_output_free);
    if (!run_outputs(job, tl, outs, err)) {
        for (guint i = 0; i < outs->len; i++)
            g_unlink(((yf_post_output *)outs->pdata[i])->path);
        g_clear_pointer(&outs, g_ptr_array_unref);
    } else {
        report(job, 1.0);
    }
    yf_post_timeline_free(tl);
    return outs;
}
