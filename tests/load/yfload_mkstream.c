/* yfload_mkstream.c -- makes the load generator's test stream once: about
 * 10 s of VP8 (640x480, 30 fps, ~1.4 Mbit/s, a keyframe a second) and Opus
 * (48 kHz, 20 ms frames) from GStreamer's test sources, payloaded to RTP
 * (RFC 7741, RFC 7587) and written as two capture files (.ycap, the
 * recorder's format, docs/recording-format.md) whose arrival times are the
 * packets' presentation times. Run by tests/load/make_stream.sh; the result
 * is kept in tests/data/load/ and not rebuilt by the build. */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <stdio.h>
#include <string.h>

#include "media/rec/capfile.h"

#define SECONDS 10

typedef struct {
    FILE *f;
    const char *path;
    uint64_t packets, bytes;
    gboolean failed;
} sink_out;

static gboolean write_all(sink_out *o, const uint8_t *b, size_t n)
{
    if (fwrite(b, 1, n, o->f) != n) {
        o->failed = TRUE;
        return FALSE;
    }
    return TRUE;
}

static gboolean open_out(sink_out *o, const char *path, const yf_cap_meta *m)
{
    uint8_t hdr[8192];
    int n = yf_cap_header_encode(m, 0, hdr, sizeof hdr);

    o->path = path;
    o->f = fopen(path, "wb");
    if (!o->f || n < 0) {
        fprintf(stderr, "yfload_mkstream: cannot open %s\n", path);
        return FALSE;
    }
    return write_all(o, hdr, (size_t)n);
}

static void put_record(sink_out *o, uint8_t type, int64_t t_us, const uint8_t *p, size_t len)
{
    uint8_t rec[70000];
    int n = yf_cap_record_encode(type, t_us, p, len, rec, sizeof rec);

    if (n < 0) {
        o->failed = TRUE;
        return;
    }
    write_all(o, rec, (size_t)n);
}

/* Every RTP buffer the payloader pushes becomes one record at its PTS. */
static GstFlowReturn on_sample(GstAppSink *sink, gpointer data)
{
    sink_out *o = data;
    GstSample *s = gst_app_sink_pull_sample(sink);
    GstBuffer *b = s ? gst_sample_get_buffer(s) : NULL;
    GstMapInfo map;

    if (b && gst_buffer_map(b, &map, GST_MAP_READ)) {
        int64_t t = GST_BUFFER_PTS_IS_VALID(b) ? (int64_t)(GST_BUFFER_PTS(b) / 1000) : 0;
        put_record(o, YF_CAP_RTP, t, map.data, map.size);
        o->packets++;
        o->bytes += map.size;
        gst_buffer_unmap(b, &map);
    }
    if (s)
        gst_sample_unref(s);
    return GST_FLOW_OK;
}

static void attach(GstElement *pipe, const char *name, sink_out *o)
{
    GstElement *e = gst_bin_get_by_name(GST_BIN(pipe), name);
    GstAppSinkCallbacks cb = { 0 };

    cb.new_sample = on_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(e), &cb, o, NULL);
    gst_object_unref(e);
}

static gboolean finish(sink_out *o)
{
    if (!o->f)
        return FALSE;
    put_record(o, YF_CAP_END, (int64_t)SECONDS * 1000000, NULL, 0);
    if (fclose(o->f) != 0)
        o->failed = TRUE;
    printf("%s: %" G_GUINT64_FORMAT " packets, %" G_GUINT64_FORMAT " bytes (%.0f kbit/s)\n", o->path, o->packets,
           o->bytes, o->bytes * 8.0 / SECONDS / 1000);
    return !o->failed && o->packets > 0;
}

int main(int argc, char **argv)
{
    yf_cap_meta vm = { .participant = 1, .kind = YF_CAP_VIDEO, .payload_type = 96, .clock_rate = 90000,
                       .ssrc = 0x11111111 };
    yf_cap_meta am = { .participant = 1, .kind = YF_CAP_AUDIO, .payload_type = 111, .clock_rate = 48000,
                       .ssrc = 0x22222222 };
    sink_out vo = { 0 }, ao = { 0 };
    GError *err = NULL;
    int rc = 1;

    gst_init(&argc, &argv);
    if (argc != 3) {
        fprintf(stderr, "usage: yfload_mkstream VIDEO.ycap AUDIO.ycap\n");
        return 2;
    }
    strcpy(vm.room, "yfload");
    strcpy(vm.codec, "VP8");
    strcpy(am.room, "yfload");
    strcpy(am.codec, "opus");
    /* A moving picture (a ball over the SMPTE bars, scrolling) so the
     * encoder spends its rate as a camera would; CBR at 1.4 Mbit/s. */
    char *desc = g_strdup_printf(
        "videotestsrc num-buffers=%d pattern=smpte horizontal-speed=3 ! "
        "video/x-raw,width=640,height=480,framerate=30/1 ! videoconvert ! "
        "vp8enc deadline=1 cpu-used=4 end-usage=cbr target-bitrate=1400000 keyframe-max-dist=30 "
        "error-resilient=default ! rtpvp8pay pt=96 mtu=1180 picture-id-mode=15-bit ssrc=286331153 ! "
        "appsink name=v sync=false emit-signals=false "
        "audiotestsrc num-buffers=%d samplesperbuffer=960 wave=sine freq=440 ! "
        "audio/x-raw,rate=48000,channels=2 ! audioconvert ! opusenc bitrate=64000 frame-size=20 ! "
        "rtpopuspay pt=111 ssrc=572662306 ! appsink name=a sync=false emit-signals=false",
        SECONDS * 30, SECONDS * 50);
    GstElement *pipe = gst_parse_launch(desc, &err);
    g_free(desc);
    if (!pipe) {
        fprintf(stderr, "yfload_mkstream: %s\n", err ? err->message : "cannot build the pipeline");
        return 1;
    }
    if (!open_out(&vo, argv[1], &vm) || !open_out(&ao, argv[2], &am))
        goto out;
    attach(pipe, "v", &vo);
    attach(pipe, "a", &ao);
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    GstBus *bus = gst_element_get_bus(pipe);
    GstMessage *m = gst_bus_timed_pop_filtered(bus, 120 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    gboolean ok = m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
    if (m && !ok) {
        GError *e = NULL;
        gst_message_parse_error(m, &e, NULL);
        fprintf(stderr, "yfload_mkstream: %s\n", e->message);
        g_error_free(e);
    }
    if (m)
        gst_message_unref(m);
    gst_object_unref(bus);
    gst_element_set_state(pipe, GST_STATE_NULL);
    rc = finish(&vo) & finish(&ao) & ok ? 0 : 1;
out:
    gst_object_unref(pipe);
    return rc;
}
