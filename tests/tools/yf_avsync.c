/* yf_avsync.c -- A/V sync test tool: `make` writes a y4m + wav pair for
 * Chromium's fake capture devices (grey video with white flashes, silence with
 * 1 kHz beeps at the same instants); `measure` decodes any recording, finds
 * flash and beep onsets from buffer stream time and prints their offsets as
 * JSON; `selftest` round-trips made media through VP8/Opus WebM with a known
 * shift. A test tool only: it must not link or include anything of the server. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#define RATE 48000            /* audio sample rate, made and measured */
#define WIN (RATE / 200)      /* 5 ms RMS window */
#define Y_DARK 40
#define Y_FLASH 235
#define BEEP_HZ 1000.0
#define BEEP_AMP 0.5
#define PAIR_MAX_S 0.5        /* a flash pairs with a beep at most this far */
#define BUS_TIMEOUT (300 * GST_SECOND)

/* Made media. Invariant once checked: seconds*fps and seconds/period are whole. */
typedef struct {
  const char *video, *audio;
  double seconds, period;
  int width, height, fps;
} make_opts;

/* Decoded signal. Written by the two appsink streaming threads (video fields by
 * one, audio fields by the other), read by the main thread after EOS. */
typedef struct {
  double region[4];             /* x, y, w, h as fractions of the frame */
  GArray *frame_t, *frame_luma; /* double, stream time in s / mean Y */
  GArray *pcm;                  /* float mono at RATE, zero-filled gaps */
  GstClockTime pcm_t0;          /* stream time of pcm[0], NONE until set */
  gboolean linked_video, linked_audio;
} measure_state;

typedef struct {
  double flash, beep;           /* seconds */
} avsync_pair;

typedef struct {
  GArray *flashes, *beeps;      /* double seconds */
  GArray *pairs;                /* avsync_pair, one per paired flash */
  double max_abs_ms, mean_ms;
} measure_result;

/* ---- common ---- */

/* names: element names separated by spaces; each missing one is printed. */
static gboolean require_plugins(const char *names)
{
  gboolean ok = TRUE;
  g_auto(GStrv) v = g_strsplit(names, " ", -1);
  for (char **n = v; *n; n++) {
    GstElementFactory *f = gst_element_factory_find(*n);
    if (!f)
      g_printerr("yf_avsync: missing GStreamer element %s\n", *n);
    ok = ok && f;
    g_clear_object(&f);
  }
  return ok;
}

/* Waits for EOS or an error; returns FALSE with the error printed. */
static gboolean run_to_eos(GstElement *pipeline, const char *what)
{
  gboolean ok = FALSE;
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered(bus, BUS_TIMEOUT,
                                               GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (!msg) {
    g_printerr("yf_avsync: %s: timed out\n", what);
  } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    char *dbg = NULL;
    gst_message_parse_error(msg, &err, &dbg);
    g_printerr("yf_avsync: %s: %s (%s)\n", what, err->message, dbg ? dbg : "");
    g_clear_error(&err);
    g_free(dbg);
  } else {
    ok = TRUE;
  }
  if (msg)
    gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  return ok;
}

/* ---- make ---- */

static gint64 flash_frame(const make_opts *o, int k)
{
  return llround((k * o->period + o->period / 2) * o->fps);
}

static int flash_frames(const make_opts *o)
{
  return MAX(1, (int)lround(0.1 * o->fps));
}

/* TRUE if frame f is inside one of the flash runs. */
static gboolean frame_is_flash(const make_opts *o, gint64 f)
{
  int k = (int)floor(f / (o->period * o->fps));
  gint64 start = flash_frame(o, k);
  return f >= start && f < start + flash_frames(o);
}

static void fill_frame(const make_opts *o, gint64 f, guint8 *buf)
{
  size_t ysize = (size_t)o->width * o->height;
  if (frame_is_flash(o, f)) {
    memset(buf, Y_FLASH, ysize);
  } else {
    /* Diagonal stripes moving 2 px a frame: the mean stays Y_DARK but every
     * frame differs, so an encoder keeps sending real frames. */
    for (int y = 0; y < o->height; y++)
      for (int x = 0; x < o->width; x++)
        buf[(size_t)y * o->width + x] = ((x + y + 2 * f) / 8) & 1 ? Y_DARK + 6 : Y_DARK - 6;
  }
  memset(buf + ysize, 128, ysize / 2);
}

static GstElement *make_pipeline(const char *desc, const char *location)
{
  GError *err = NULL;
  GstElement *p = gst_parse_launch(desc, &err);
  if (!p) {
    g_printerr("yf_avsync: %s: %s\n", desc, err->message);
    g_clear_error(&err);
    return NULL;
  }
  GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
  g_object_set(sink, "location", location, NULL);
  gst_object_unref(sink);
  return p;
}

/* Pushes n buffers made by fill() through appsrc "src" of pipeline p. */
static gboolean push_all(GstElement *p, const char *what, gint64 n, size_t size,
                         GstClockTime (*ts)(const make_opts *, gint64),
                         void (*fill)(const make_opts *, gint64, guint8 *), const make_opts *o)
{
  GstElement *src = gst_bin_get_by_name(GST_BIN(p), "src");
  gst_element_set_state(p, GST_STATE_PLAYING);
  GstFlowReturn fr = GST_FLOW_OK;
  for (gint64 i = 0; i < n && fr == GST_FLOW_OK; i++) {
    GstBuffer *b = gst_buffer_new_allocate(NULL, size, NULL);
    GstMapInfo m;
    gst_buffer_map(b, &m, GST_MAP_WRITE);
    fill(o, i, m.data);
    gst_buffer_unmap(b, &m);
    GST_BUFFER_PTS(b) = ts(o, i);
    GST_BUFFER_DURATION(b) = ts(o, i + 1) - ts(o, i);
    fr = gst_app_src_push_buffer(GST_APP_SRC(src), b);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  gst_object_unref(src);
  gboolean ok = run_to_eos(p, what);
  gst_object_unref(p);
  return ok && fr == GST_FLOW_OK;
}

static GstClockTime frame_ts(const make_opts *o, gint64 f)
{
  return gst_util_uint64_scale(f, GST_SECOND, o->fps);
}

#define CHUNK (RATE / 10)  /* audio buffers of 100 ms */

static GstClockTime chunk_ts(const make_opts *o, gint64 c)
{
  return gst_util_uint64_scale(c * CHUNK, GST_SECOND, RATE);
}

static void fill_chunk(const make_opts *o, gint64 c, guint8 *buf)
{
  gint16 *s = (gint16 *)buf;
  gint64 period = llround(o->period * RATE), beep_len = RATE / 10;
  for (int i = 0; i < CHUNK; i++) {
    gint64 n = c * CHUNK + i;
    gint64 k = n / period;
    gint64 start = gst_util_uint64_scale(flash_frame(o, (int)k), RATE, o->fps);
    double v = 0;
    if (n >= start && n < start + beep_len)
      v = BEEP_AMP * sin(2 * G_PI * BEEP_HZ * (double)(n - start) / RATE);
    s[i] = (gint16)lrint(v * 32767);
  }
}

static gboolean avsync_make(const make_opts *o)
{
  double frames = o->seconds * o->fps, periods = o->seconds / o->period;
  if (o->width < 16 || o->height < 16 || o->width % 2 || o->height % 2 || o->fps < 1 ||
      o->period < 0.5 || fabs(frames - llround(frames)) > 1e-6 ||
      fabs(periods - llround(periods)) > 1e-6 || periods < 1 ||
      llround(o->seconds * RATE) % CHUNK) {
    g_printerr("yf_avsync: make: need even sizes, --seconds a whole multiple of "
               "--period (>= 0.5) and of 0.1 s, and seconds*fps whole\n");
    return FALSE;
  }
  char *vdesc = g_strdup_printf(
      "appsrc name=src format=time block=true caps=video/x-raw,format=I420,width=%d,"
      "height=%d,framerate=%d/1,pixel-aspect-ratio=1/1,interlace-mode=progressive"
      " ! y4menc ! filesink name=sink", o->width, o->height, o->fps);
  GstElement *vp = make_pipeline(vdesc, o->video);
  GstElement *ap = make_pipeline(
      "appsrc name=src format=time block=true caps=audio/x-raw,format=S16LE,rate=48000,"
      "channels=1,layout=interleaved ! wavenc ! filesink name=sink", o->audio);
  g_free(vdesc);
  gboolean ok = vp && ap;
  size_t fsize = (size_t)o->width * o->height * 3 / 2;
  if (ok)
    ok = push_all(vp, o->video, llround(frames), fsize, frame_ts, fill_frame, o);
  else if (vp)
    gst_object_unref(vp);
  if (ok)
    ok = push_all(ap, o->audio, llround(o->seconds * RATE) / CHUNK,
                  CHUNK * sizeof(gint16), chunk_ts, fill_chunk, o);
  else if (ap)
    gst_object_unref(ap);
  return ok;
}

/* ---- measure: decoding ---- */

static double stream_time_s(GstSample *s, GstClockTime pts)
{
  const GstSegment *seg = gst_sample_get_segment(s);
  guint64 st = seg ? gst_segment_to_stream_time(seg, GST_FORMAT_TIME, pts) : pts;
  return (double)(GST_CLOCK_TIME_IS_VALID(st) ? st : pts) / GST_SECOND;
}

static GstFlowReturn on_video_sample(GstAppSink *sink, gpointer data)
{
  measure_state *ms = data;
  GstSample *s = gst_app_sink_pull_sample(sink);
  GstVideoInfo info;
  GstVideoFrame vf;
  GstBuffer *b = gst_sample_get_buffer(s);
  if (gst_video_info_from_caps(&info, gst_sample_get_caps(s)) &&
      GST_BUFFER_PTS_IS_VALID(b) && gst_video_frame_map(&vf, &info, b, GST_MAP_READ)) {
    int w = GST_VIDEO_INFO_WIDTH(&info), h = GST_VIDEO_INFO_HEIGHT(&info);
    int x0 = (int)(ms->region[0] * w), y0 = (int)(ms->region[1] * h);
    int x1 = MIN(w, x0 + MAX(1, (int)(ms->region[2] * w)));
    int y1 = MIN(h, y0 + MAX(1, (int)(ms->region[3] * h)));
    const guint8 *p = GST_VIDEO_FRAME_PLANE_DATA(&vf, 0);
    int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&vf, 0);
    guint64 sum = 0;
    for (int y = y0; y < y1; y++)
      for (int x = x0; x < x1; x++)
        sum += p[(size_t)y * stride + x];
    double t = stream_time_s(s, GST_BUFFER_PTS(b));
    double luma = (double)sum / ((double)(x1 - x0) * (y1 - y0));
    g_array_append_val(ms->frame_t, t);
    g_array_append_val(ms->frame_luma, luma);
    gst_video_frame_unmap(&vf);
  }
  gst_sample_unref(s);
  return GST_FLOW_OK;
}

static GstFlowReturn on_audio_sample(GstAppSink *sink, gpointer data)
{
  measure_state *ms = data;
  GstSample *s = gst_app_sink_pull_sample(sink);
  GstBuffer *b = gst_sample_get_buffer(s);
  GstMapInfo m;
  if (GST_BUFFER_PTS_IS_VALID(b) && gst_buffer_map(b, &m, GST_MAP_READ)) {
    GstClockTime t = (GstClockTime)llround(stream_time_s(s, GST_BUFFER_PTS(b)) * GST_SECOND);
    if (!GST_CLOCK_TIME_IS_VALID(ms->pcm_t0))
      ms->pcm_t0 = t;
    /* Place the buffer where its timestamp says: fill gaps, cut overlaps. */
    gint64 at = t > ms->pcm_t0 ? (gint64)gst_util_uint64_scale_round(t - ms->pcm_t0, RATE, GST_SECOND) : 0;
    if (llabs(at - (gint64)ms->pcm->len) > RATE / 1000)
      g_array_set_size(ms->pcm, (guint)at);
    g_array_append_vals(ms->pcm, m.data, (guint)(m.size / sizeof(float)));
    gst_buffer_unmap(b, &m);
  }
  gst_sample_unref(s);
  return GST_FLOW_OK;
}

static const char *VIDEO_BRANCH = "videoconvert ! video/x-raw,format=I420 ! appsink name=as sync=false";
static const char *AUDIO_BRANCH = "audioconvert ! audioresample ! audio/x-raw,format=F32LE,"
                                  "rate=48000,channels=1,layout=interleaved ! appsink name=as sync=false";

/* uridecodebin pad-added: the first video and audio pads go to appsinks,
 * anything else to a fakesink so it cannot stall the demuxer. */
static void on_pad_added(GstElement *dec, GstPad *pad, gpointer data)
{
  measure_state *ms = data;
  GstCaps *caps = gst_pad_get_current_caps(pad);
  if (!caps)
    caps = gst_pad_query_caps(pad, NULL);
  const char *name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  gboolean video = g_str_has_prefix(name, "video/") && !ms->linked_video;
  gboolean audio = g_str_has_prefix(name, "audio/") && !ms->linked_audio;
  gst_caps_unref(caps);
  const char *desc = video ? VIDEO_BRANCH : audio ? AUDIO_BRANCH : "fakesink sync=false";
  GstElement *bin = gst_parse_bin_from_description(desc, TRUE, NULL);
  GstElement *pipeline = GST_ELEMENT(gst_element_get_parent(dec));
  if (video || audio) {
    GstAppSinkCallbacks cb = { 0 };
    cb.new_sample = video ? on_video_sample : on_audio_sample;
    GstElement *as = gst_bin_get_by_name(GST_BIN(bin), "as");
    gst_app_sink_set_callbacks(GST_APP_SINK(as), &cb, ms, NULL);
    gst_object_unref(as);
  }
  ms->linked_video |= video;
  ms->linked_audio |= audio;
  gst_bin_add(GST_BIN(pipeline), bin);
  gst_element_sync_state_with_parent(bin);
  GstPad *sinkpad = gst_element_get_static_pad(bin, "sink");
  if (gst_pad_link(pad, sinkpad) != GST_PAD_LINK_OK)
    g_printerr("yf_avsync: cannot link %s pad\n", name);
  gst_object_unref(sinkpad);
  gst_object_unref(pipeline);
}

/* uridecodebin autoplug-select. Chromium's MediaRecorder WebM says its VP8 may
 * carry alpha; vp8alphadecodebin then fails without alpha side data. */
static int on_autoplug_select(GstElement *dec, GstPad *pad, GstCaps *caps,
                              GstElementFactory *f, gpointer data)
{
  const char *name = gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(f));
  return strstr(name, "alphadecodebin") ? 2 /* SKIP */ : 0 /* TRY */;
}

static gboolean decode_file(const char *path, measure_state *ms)
{
  GError *err = NULL;
  char *uri = gst_uri_is_valid(path) ? g_strdup(path) : gst_filename_to_uri(path, &err);
  if (!uri) {
    g_printerr("yf_avsync: %s: %s\n", path, err->message);
    g_clear_error(&err);
    return FALSE;
  }
  GstElement *pipeline = gst_pipeline_new("measure");
  GstElement *dec = gst_element_factory_make("uridecodebin", NULL);
  g_object_set(dec, "uri", uri, NULL);
  g_signal_connect(dec, "pad-added", G_CALLBACK(on_pad_added), ms);
  g_signal_connect(dec, "autoplug-select", G_CALLBACK(on_autoplug_select), NULL);
  gst_bin_add(GST_BIN(pipeline), dec);
  gboolean ok = gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
  ok = run_to_eos(pipeline, path) && ok;
  gst_object_unref(pipeline);
  g_free(uri);
  return ok;
}

/* ---- measure: analysis ---- */

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The q-quantile (0..1) of n values; 0 when n is 0. */
static double quantile(const double *v, size_t n, double q)
{
  if (!n)
    return 0;
  double *c = g_memdup2(v, n * sizeof(double));
  qsort(c, n, sizeof(double), cmp_double);
  double r = c[(size_t)(q * (n - 1))];
  g_free(c);
  return r;
}

/* Onsets in a level series: indices of values above `hi` that follow at least
 * `quiet` values below `lo` (values in between keep the count). */
static GArray *find_onsets(const double *v, size_t n, double lo, double hi, int quiet)
{
  GArray *idx = g_array_new(FALSE, FALSE, sizeof(size_t));
  int below = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i] > hi && below >= quiet)
      g_array_append_val(idx, i);
    below = v[i] < lo ? below + 1 : (v[i] > hi ? 0 : below);
  }
  return idx;
}

static void find_flashes(const measure_state *ms, GArray *out)
{
  const double *l = (const double *)ms->frame_luma->data;
  size_t n = ms->frame_luma->len;
  double base = quantile(l, n, 0.5), top = quantile(l, n, 1.0);
  if (top - base < 20) /* no flash bigger than texture and coding noise */
    return;
  GArray *idx = find_onsets(l, n, base + 0.35 * (top - base), base + 0.5 * (top - base), 1);
  for (guint i = 0; i < idx->len; i++)
    g_array_append_val(out, g_array_index(ms->frame_t, double, g_array_index(idx, size_t, i)));
  g_array_free(idx, TRUE);
}

/* Refines a window onset to the first sample reaching 30% of the beep's peak
 * within the window before and the window itself. */
static double refine_beep(const float *pcm, size_t n, size_t w)
{
  size_t from = w > 0 ? (w - 1) * WIN : 0, to = MIN(n, (w + 1) * WIN), end = MIN(n, from + 20 * WIN);
  float peak = 0;
  for (size_t i = from; i < end; i++)
    peak = MAX(peak, fabsf(pcm[i]));
  for (size_t i = from; i < to; i++)
    if (fabsf(pcm[i]) >= 0.3f * peak)
      return (double)i;
  return (double)(w * WIN);
}

static void find_beeps(const measure_state *ms, GArray *out)
{
  const float *pcm = (const float *)ms->pcm->data;
  size_t nw = ms->pcm->len / WIN;
  double *rms = g_new0(double, nw + 1);
  for (size_t w = 0; w < nw; w++) {
    double acc = 0;
    for (size_t i = 0; i < WIN; i++)
      acc += (double)pcm[w * WIN + i] * pcm[w * WIN + i];
    rms[w] = sqrt(acc / WIN);
  }
  double floor_ = quantile(rms, nw, 0.2), top = quantile(rms, nw, 0.999);
  if (top > 0.01 && top > 4 * floor_) { /* louder than -40 dBFS and the floor */
    /* 10 quiet windows (50 ms) before an onset: silence, not a beep's tail. */
    GArray *idx = find_onsets(rms, nw, floor_ + 0.1 * (top - floor_),
                              floor_ + 0.25 * (top - floor_), 10);
    for (guint i = 0; i < idx->len; i++) {
      double s = refine_beep(pcm, ms->pcm->len, g_array_index(idx, size_t, i));
      double sec = (double)ms->pcm_t0 / GST_SECOND + s / RATE;
      g_array_append_val(out, sec);
    }
    g_array_free(idx, TRUE);
  }
  g_free(rms);
}

static void pair_up(measure_result *r)
{
  double sum = 0;
  r->max_abs_ms = 0;
  for (guint i = 0; i < r->flashes->len; i++) {
    avsync_pair pr = { g_array_index(r->flashes, double, i), INFINITY };
    for (guint j = 0; j < r->beeps->len; j++) {
      double b = g_array_index(r->beeps, double, j);
      if (fabs(b - pr.flash) <= MIN(PAIR_MAX_S, fabs(pr.beep - pr.flash)))
        pr.beep = b;
    }
    if (!isfinite(pr.beep))
      continue;
    g_array_append_val(r->pairs, pr);
    sum += (pr.beep - pr.flash) * 1000;
    r->max_abs_ms = MAX(r->max_abs_ms, fabs(pr.beep - pr.flash) * 1000);
  }
  r->mean_ms = r->pairs->len ? sum / r->pairs->len : 0;
}

static void result_clear(measure_result *r)
{
  g_array_free(r->flashes, TRUE);
  g_array_free(r->beeps, TRUE);
  g_array_free(r->pairs, TRUE);
}

/* Decodes path and fills r (initialised here; caller clears it). FALSE if the
 * file could not be decoded; r then holds whatever was found. */
static gboolean avsync_measure(const char *path, const double region[4], measure_result *r)
{
  measure_state ms = { .pcm_t0 = GST_CLOCK_TIME_NONE };
  memcpy(ms.region, region, sizeof ms.region);
  ms.frame_t = g_array_new(FALSE, FALSE, sizeof(double));
  ms.frame_luma = g_array_new(FALSE, FALSE, sizeof(double));
  ms.pcm = g_array_new(FALSE, TRUE, sizeof(float));
  r->flashes = g_array_new(FALSE, FALSE, sizeof(double));
  r->beeps = g_array_new(FALSE, FALSE, sizeof(double));
  r->pairs = g_array_new(FALSE, FALSE, sizeof(avsync_pair));
  gboolean ok = decode_file(path, &ms);
  find_flashes(&ms, r->flashes);
  find_beeps(&ms, r->beeps);
  pair_up(r);
  g_array_free(ms.frame_t, TRUE);
  g_array_free(ms.frame_luma, TRUE);
  g_array_free(ms.pcm, TRUE);
  return ok;
}

static void print_list(const char *key, GArray *a, const char *sep)
{
  printf("\"%s\":[", key);
  for (guint i = 0; i < a->len; i++)
    printf("%s%.4f", i ? "," : "", g_array_index(a, double, i));
  printf("]%s", sep);
}

static void print_result(const measure_result *r, gboolean json)
{
  if (json) {
    printf("{");
    print_list("flashes_s", r->flashes, ",");
    print_list("beeps_s", r->beeps, ",\"pairs\":[");
  } else {
    printf("flashes %u, beeps %u, pairs %u, mean offset %.1f ms, max |offset| %.1f ms\n",
           r->flashes->len, r->beeps->len, r->pairs->len, r->mean_ms, r->max_abs_ms);
  }
  for (guint i = 0; i < r->pairs->len; i++) {
    avsync_pair pr = g_array_index(r->pairs, avsync_pair, i);
    double ms = (pr.beep - pr.flash) * 1000;
    if (json)
      printf("%s{\"flash_s\":%.4f,\"beep_s\":%.4f,\"offset_ms\":%.1f}", i ? "," : "",
             pr.flash, pr.beep, ms);
    else
      printf("  flash %.4f s  beep %.4f s  offset %+.1f ms\n", pr.flash, pr.beep, ms);
  }
  if (json)
    printf("],\"max_abs_offset_ms\":%.1f,\"mean_offset_ms\":%.1f,\"n_pairs\":%u}\n",
           r->max_abs_ms, r->mean_ms, r->pairs->len);
}

/* ---- selftest ---- */

static GstPadProbeReturn shift_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstClockTime by = GPOINTER_TO_SIZE(data) * GST_MSECOND;
  GstBuffer *b = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
  if (GST_BUFFER_PTS_IS_VALID(b))
    GST_BUFFER_PTS(b) += by;
  if (GST_BUFFER_DTS_IS_VALID(b))
    GST_BUFFER_DTS(b) += by;
  GST_PAD_PROBE_INFO_DATA(info) = b;
  return GST_PAD_PROBE_OK;
}

/* Delays the buffers leaving element `name` of p by ms milliseconds. */
static void delay_element(GstElement *p, const char *name, int ms)
{
  GstElement *e = gst_bin_get_by_name(GST_BIN(p), name);
  GstPad *pad = gst_element_get_static_pad(e, "src");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, shift_buffer, GSIZE_TO_POINTER(ms), NULL);
  gst_object_unref(pad);
  gst_object_unref(e);
}

/* Encodes the made pair into VP8/Opus WebM; a positive shift_ms delays the
 * audio, a negative one delays the video. */
static gboolean encode_webm(const make_opts *o, const char *out, int shift_ms)
{
  char *desc = g_strdup_printf(
      "webmmux name=mux ! filesink name=sink "
      "filesrc location=\"%s\" ! y4mdec ! videoconvert ! identity name=vshift"
      " ! vp8enc deadline=1 target-bitrate=1000000 keyframe-max-dist=60 ! queue ! mux. "
      "filesrc location=\"%s\" ! wavparse ! audioconvert ! audioresample ! identity name=ashift"
      " ! opusenc ! queue ! mux.", o->video, o->audio);
  GstElement *p = make_pipeline(desc, out);
  g_free(desc);
  if (!p)
    return FALSE;
  delay_element(p, shift_ms > 0 ? "ashift" : "vshift", abs(shift_ms));
  gst_element_set_state(p, GST_STATE_PLAYING);
  gboolean ok = run_to_eos(p, out);
  gst_object_unref(p);
  return ok;
}

static gboolean check_shift(const make_opts *o, const char *webm, int shift_ms)
{
  static const double whole[4] = { 0, 0, 1, 1 };
  measure_result r;
  gboolean ok = encode_webm(o, webm, shift_ms) && avsync_measure(webm, whole, &r);
  if (!ok)
    return FALSE;
  guint want = (guint)llround(o->seconds / o->period);
  ok = r.pairs->len == want && r.flashes->len == want && r.beeps->len == want;
  for (guint i = 0; ok && i < r.pairs->len; i++) {
    avsync_pair pr = g_array_index(r.pairs, avsync_pair, i);
    double expect_f = (double)flash_frame(o, (int)i) / o->fps + (shift_ms < 0 ? -shift_ms / 1000.0 : 0);
    ok = fabs((pr.beep - pr.flash) * 1000 - shift_ms) <= 12 && fabs(pr.flash - expect_f) <= 0.012;
  }
  printf("%s shift %+d ms: ", ok ? "ok  " : "FAIL", shift_ms);
  print_result(&r, FALSE);
  result_clear(&r);
  return ok;
}

static gboolean avsync_selftest(void)
{
  GError *err = NULL;
  char *dir = g_dir_make_tmp("yf_avsync_XXXXXX", &err);
  if (!dir) {
    g_printerr("yf_avsync: %s\n", err->message);
    g_clear_error(&err);
    return FALSE;
  }
  g_autofree char *v = g_build_filename(dir, "t.y4m", NULL);
  g_autofree char *a = g_build_filename(dir, "t.wav", NULL);
  g_autofree char *w = g_build_filename(dir, "t.webm", NULL);
  make_opts o = { v, a, 6, 2, 320, 240, 30 };
  gboolean ok = avsync_make(&o);
  ok = ok && check_shift(&o, w, 40);
  ok = ok && check_shift(&o, w, -40);
  g_remove(v);
  g_remove(a);
  g_remove(w);
  g_rmdir(dir);
  g_free(dir);
  return ok;
}

/* ---- main ---- */

#define MAKE_PLUGINS "appsrc y4menc wavenc filesink"
#define MEASURE_PLUGINS "uridecodebin appsink videoconvert audioconvert audioresample fakesink"
#define SELFTEST_PLUGINS "filesrc y4mdec wavparse identity vp8enc opusenc webmmux"

static int usage(void)
{
  g_printerr("usage: yf_avsync make --video OUT.y4m --audio OUT.wav [--seconds 4] [--period 2]\n"
             "                      [--width 640 --height 480 --fps 30]\n"
             "       yf_avsync measure FILE [--region x,y,w,h (fractions)] [--json]\n"
             "       yf_avsync selftest\n");
  return 1;
}

static int cmd_make(int argc, char **argv)
{
  make_opts o = { NULL, NULL, 4, 2, 640, 480, 30 };
  for (int i = 2; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--video")) o.video = v;
    else if (!strcmp(k, "--audio")) o.audio = v;
    else if (!strcmp(k, "--seconds")) o.seconds = g_ascii_strtod(v, NULL);
    else if (!strcmp(k, "--period")) o.period = g_ascii_strtod(v, NULL);
    else if (!strcmp(k, "--width")) o.width = atoi(v);
    else if (!strcmp(k, "--height")) o.height = atoi(v);
    else if (!strcmp(k, "--fps")) o.fps = atoi(v);
    else return usage();
  }
  if (!o.video || !o.audio || argc % 2)
    return usage();
  return avsync_make(&o) ? 0 : 1;
}

static int cmd_measure(int argc, char **argv)
{
  double region[4] = { 0, 0, 1, 1 };
  gboolean json = FALSE;
  const char *file = NULL;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) {
      json = TRUE;
    } else if (!strcmp(argv[i], "--region") && i + 1 < argc) {
      if (sscanf(argv[++i], "%lf,%lf,%lf,%lf", &region[0], &region[1], &region[2], &region[3]) != 4 ||
          region[0] < 0 || region[1] < 0 || region[2] <= 0 || region[3] <= 0 ||
          region[0] + region[2] > 1.0001 || region[1] + region[3] > 1.0001)
        return usage();
    } else if (!file && argv[i][0] != '-') {
      file = argv[i];
    } else {
      return usage();
    }
  }
  if (!file)
    return usage();
  measure_result r;
  gboolean ok = avsync_measure(file, region, &r);
  print_result(&r, json);
  int rc = 0;
  if (!ok) {
    g_printerr("yf_avsync: %s: could not decode\n", file);
    rc = 2;
  } else if (!r.pairs->len) {
    g_printerr("yf_avsync: %s: no flash/beep pairs (%u flashes, %u beeps)\n", file,
               r.flashes->len, r.beeps->len);
    rc = 2;
  }
  result_clear(&r);
  return rc;
}

int main(int argc, char **argv)
{
  gst_init(&argc, &argv);
  if (argc < 2)
    return usage();
  if (!strcmp(argv[1], "make"))
    return require_plugins(MAKE_PLUGINS) ? cmd_make(argc, argv) : 1;
  if (!strcmp(argv[1], "measure"))
    return require_plugins(MEASURE_PLUGINS) ? cmd_measure(argc, argv) : 2;
  if (!strcmp(argv[1], "selftest"))
    return require_plugins(MAKE_PLUGINS " " MEASURE_PLUGINS " " SELFTEST_PLUGINS) &&
           avsync_selftest() ? 0 : 1;
  return usage();
}
