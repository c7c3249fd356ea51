/* post_still.c -- the newest frame of a participant's captured video as a
 * JPEG (post_still.h). Reads the capture with the bounded reader (a .part
 * being written ends at a record boundary: what the writer has flushed),
 * keeps the RTP packets from the last VP8 keyframe on (RFC 7741 §4.2-4.3:
 * S = 1, PID = 0, P = 0) and the group before it, and decodes them with
 * GStreamer (rtpvp8depay, vp8dec); the sink's last sample is converted to
 * JPEG. When the newest group yields no picture (a keyframe still arriving)
 * the one before it is decoded. */
#define G_LOG_DOMAIN "yf-post"

#include "post_still.h"

#include <fcntl.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <string.h>
#include <unistd.h>

#include "post_priv.h"

#define DECODE_TIMEOUT_S 120

typedef struct {
    GByteArray *bytes;     /* the RTP packets, back to back */
    GArray *lens;          /* guint: length of each */
    int64_t last_us;       /* arrival of the last packet */
} group;

static void group_free(group *g)
{
    if (!g)
        return;
    g_byte_array_unref(g->bytes);
    g_array_unref(g->lens);
    g_free(g);
}

static group *group_new(void)
{
    group *g = g_new0(group, 1);
    g->bytes = g_byte_array_new();
    g->lens = g_array_new(FALSE, FALSE, sizeof(guint));
    return g;
}

/* RFC 7741 §4.2: the payload descriptor; §4.3: P = 0 in the payload header
 * of the first partition's start marks a keyframe. */
static gboolean vp8_keyframe_start(const uint8_t *p, size_t n)
{
    size_t i = 1;
    if (n < 2 || !(p[0] & 0x10) || (p[0] & 0x07) != 0)
        return FALSE;
    if (p[0] & 0x80) {                      /* X: extension byte */
        uint8_t x = p[1];
        i = 2;
        if (x & 0x80) {                     /* I: picture id, 7 or 15 bits */
            if (i >= n)
                return FALSE;
            i += (p[i] & 0x80) ? 2 : 1;
        }
        if (x & 0x40)                       /* L: TL0PICIDX */
            i++;
        if (x & 0x30)                       /* T or K: TID/KEYIDX */
            i++;
    }
    return i < n && (p[i] & 0x01) == 0;
}

/* Reads the capture into its last two keyframe groups (*prev may stay NULL). */
static gboolean read_groups(const char *path, group **prev, group **cur, uint8_t *pt_out, GError **err)
{
    yf_cap_header h;
    yf_cap_meta m;
    yf_cap_record rec;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_INPUT, "cannot open the capture: %s", g_strerror(errno));
        return FALSE;
    }
    yf_cap_reader *r = yf_cap_reader_new_fd(fd);
    gboolean ok = yf_cap_reader_header(r, &h, err);
    if (ok && (yf_cap_meta_parse(h.meta_json, h.meta_len, &m) != YF_CAP_OK || m.kind != YF_CAP_VIDEO ||
               g_ascii_strcasecmp(m.codec, "VP8") != 0)) {
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_INPUT, "the capture is not VP8 video");
        ok = FALSE;
    }
    if (ok)
        *pt_out = m.payload_type;
    int got;
    guint count = 0;
    while (ok && (got = yf_cap_reader_next(r, &rec, NULL)) == 1) {
        uint8_t pt;
        uint16_t seq;
        uint32_t ts, ssrc;
        size_t off, len;
        if (rec.type != YF_CAP_RTP ||
            !yf_post_rtp_parse(rec.payload, rec.len, &pt, &seq, &ts, &ssrc, &off, &len) || pt != m.payload_type)
            continue;
        if (vp8_keyframe_start(rec.payload + off, len)) {
            group_free(*prev);
            *prev = *cur;
            *cur = group_new();
            count = 0;
        }
        guint n = (guint)rec.len;
        if (!*cur || ++count > YF_POST_STILL_MAX_PACKETS || (*cur)->bytes->len + n > YF_POST_STILL_MAX_BYTES)
            continue;
        g_byte_array_append((*cur)->bytes, rec.payload, n);
        g_array_append_val((*cur)->lens, n);
        (*cur)->last_us = rec.arrival_us;
    }
    /* a torn record at the end of a file being written is where the data ends */
    yf_cap_reader_free(r);
    close(fd);
    if (ok && !*cur) {
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_INPUT, "the capture holds no keyframe yet");
        ok = FALSE;
    }
    return ok;
}

static void push_group(GstElement *src, const group *g)
{
    gsize pos = 0;
    for (guint i = 0; i < g->lens->len; i++) {
        guint n = g_array_index(g->lens, guint, i);
        GstBuffer *b = gst_buffer_new_memdup(g->bytes->data + pos, n);
        GST_BUFFER_PTS(b) = (GstClockTime)i * GST_MSECOND;   /* order only: nothing is played in time */
        pos += n;
        gst_app_src_push_buffer(GST_APP_SRC(src), b);
    }
    gst_app_src_end_of_stream(GST_APP_SRC(src));
}

/* Decodes the group; the last decoded frame as *sample, or NULL (no picture). */
static gboolean decode(const group *g, uint8_t pt, GstSample **sample, GError **err)
{
    char *desc = g_strdup_printf("appsrc name=src format=time max-bytes=0 caps=\"application/x-rtp,media=video,"
                                 "encoding-name=VP8,clock-rate=90000,payload=%u\" ! rtpvp8depay ! vp8dec ! "
                                 "videoconvert ! video/x-raw,format=I420 ! fakesink name=sink sync=false "
                                 "enable-last-sample=true", pt);
    GstElement *pipe = gst_parse_launch(desc, err);
    g_free(desc);
    *sample = NULL;
    if (!pipe) {
        g_prefix_error(err, "still decoder: ");
        return FALSE;
    }
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipe), "src"), *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
    gboolean ok = gst_element_set_state(pipe, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
    if (ok)
        push_group(src, g);
    GstBus *bus = gst_element_get_bus(pipe);
    GstMessage *msg = ok ? gst_bus_timed_pop_filtered(bus, DECODE_TIMEOUT_S * GST_SECOND,
                                                      GST_MESSAGE_EOS | GST_MESSAGE_ERROR)
                         : NULL;
    if (!msg || GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        GError *ge = NULL;
        if (msg)
            gst_message_parse_error(msg, &ge, NULL);
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_PIPELINE, "decoding the still failed: %s",
                    ge ? ge->message : "no end within the time allowed");
        g_clear_error(&ge);
        ok = FALSE;
    } else {
        g_object_get(sink, "last-sample", sample, NULL);
    }
    if (msg)
        gst_message_unref(msg);
    gst_object_unref(bus);
    gst_element_set_state(pipe, GST_STATE_NULL);
    gst_object_unref(src);
    gst_object_unref(sink);
    gst_object_unref(pipe);
    return ok;
}

static gboolean to_jpeg(GstSample *raw, yf_post_still_result *out, GError **err)
{
    GstCaps *jpeg = gst_caps_new_empty_simple("image/jpeg");
    GError *ge = NULL;
    GstSample *s = gst_video_convert_sample(raw, jpeg, 10 * GST_SECOND, &ge);
    gst_caps_unref(jpeg);
    GstVideoInfo vi;
    if (!s) {
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_PIPELINE, "the still could not be made a JPEG: %s",
                    ge ? ge->message : "unknown");
        g_clear_error(&ge);
        return FALSE;
    }
    GstMapInfo map;
    GstBuffer *b = gst_sample_get_buffer(s);
    if (b && gst_buffer_map(b, &map, GST_MAP_READ)) {
        out->jpeg = g_bytes_new(map.data, map.size);
        gst_buffer_unmap(b, &map);
    }
    if (gst_video_info_from_caps(&vi, gst_sample_get_caps(raw))) {
        out->width = GST_VIDEO_INFO_WIDTH(&vi);
        out->height = GST_VIDEO_INFO_HEIGHT(&vi);
    }
    gst_sample_unref(s);
    if (!out->jpeg)
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_PIPELINE, "the still's JPEG is empty");
    return out->jpeg != NULL;
}

void yf_post_still_result_clear(yf_post_still_result *r)
{
    if (r->jpeg)
        g_bytes_unref(r->jpeg);
    memset(r, 0, sizeof *r);
}

gboolean yf_post_still(const char *capture_path, yf_post_still_result *out, GError **err)
{
    group *prev = NULL, *cur = NULL;
    GstSample *sample = NULL;
    uint8_t pt = 0;
    memset(out, 0, sizeof *out);
    if (!yf_post_init(err) || !read_groups(capture_path, &prev, &cur, &pt, err))
        goto out;
    group *tries[2] = {cur, prev};
    for (int i = 0; i < 2 && !sample && tries[i]; i++) {
        g_clear_error(err);
        if (decode(tries[i], pt, &sample, err) && sample)
            out->frame_us = tries[i]->last_us;
    }
    if (!sample) {
        if (err && !*err)
            g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_INPUT, "no picture could be decoded from the capture");
        goto out;
    }
    g_clear_error(err);
    if (!to_jpeg(sample, out, err))
        yf_post_still_result_clear(out);
out:
    if (sample)
        gst_sample_unref(sample);
    group_free(prev);
    group_free(cur);
    return out->jpeg != NULL;
}
