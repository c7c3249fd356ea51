/* test_post_look.c -- the composite reads as evidence (media/post/post_look.c):
 * the layout keeps a band on top and every tile below it, apart from the
 * others, for any number of people and frame size; blank frames are told
 * apart; and a hearing is decoded frame by frame at known moments: the
 * band holds the case number and kind, the agenda step from its moment on
 * and nothing of any picture; participant 5 turns the camera off at 3 s
 * (black frames, as a browser sends) and participant 6 stops sending video
 * at 3 s (audio goes on): each shows a picture with its label before, and
 * a name card after (participant 6's last frame held for under 2 s first). */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <string.h>

#include "media/post/post_priv.h"
#include "post_captures.h"
#include "yf_test.h"

#define W 320
#define H 240
#define OUT_W 640
#define OUT_H 360

/* ---- the layout ---- */

static gboolean overlap(const yf_post_tile *a, const yf_post_tile *b)
{
    return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

static void test_layout(void)
{
    static const int sizes[][2] = { { 1280, 720 }, { 640, 360 }, { 1366, 768 }, { 390, 844 }, { 320, 180 } };
    for (size_t s = 0; s < G_N_ELEMENTS(sizes); s++) {
        for (guint n = 0; n <= 20; n++) {
            yf_post_layout l;
            gboolean ok = TRUE;
            yf_post_layout_make(&l, sizes[s][0], sizes[s][1], n);
            ok &= l.band_h >= 24 && l.band_h < l.h / 8 + 24 && l.band_h % 2 == 0;
            ok &= l.n_tiles == MIN(n, YF_POST_MAX_TILES);
            for (guint i = 0; i < l.n_tiles; i++) {
                const yf_post_tile *t = &l.tiles[i];
                ok &= t->y >= l.band_h && t->x >= 0 && t->x + t->w <= l.w && t->y + t->h <= l.h;
                ok &= t->w > 0 && t->h > 0 && t->x % 2 == 0 && t->y % 2 == 0 && t->w % 2 == 0 && t->h % 2 == 0;
                for (guint k = 0; k < i; k++)
                    ok &= !overlap(t, &l.tiles[k]);
            }
            ok &= l.n_lines <= YF_POST_MAX_LINES;
            for (guint i = 0; i < l.n_lines; i++)   /* where tiles meet, below the band */
                ok &= l.lines[i].y >= l.band_h && l.lines[i].x % 2 == 0 && l.lines[i].y % 2 == 0 &&
                      l.lines[i].x + l.lines[i].w <= l.w && l.lines[i].y + l.lines[i].h <= l.h;
            ok &= n != 2 || (l.n_lines == 1 && l.tiles[0].w == ((l.w / 2) & ~1));   /* 640x480 fits 1280x720 unscaled */
            if (!ok)
                fprintf(stderr, "layout %dx%d, %u people: wrong\n", sizes[s][0], sizes[s][1], n);
            CHECK(ok);
        }
    }
}

static void test_blank(void)
{
    uint8_t f[64 * 48];
    memset(f, 0, sizeof f);
    CHECK(yf_post_frame_blank(f, 64, 48, 64));
    memset(f, 16, sizeof f);   /* limited-range black */
    CHECK(yf_post_frame_blank(f, 64, 48, 64));
    f[8 * 64 + 40] = 200;      /* a sampled pixel that is not black */
    CHECK(!yf_post_frame_blank(f, 64, 48, 64));
    memset(f, 16, sizeof f);
    f[9 * 64 + 41] = 200;      /* between the samples: still blank */
    CHECK(yf_post_frame_blank(f, 64, 48, 64));
}

/* ---- the hearing ---- */

/* A mid-grey texture (never bright, never blank) for the first 3 s; after
 * that black frames (camera_off) or nothing (the video stops). */
static void push(GstAppSrc *src, gboolean camera_off)
{
    int n = camera_off ? PC_SECONDS * PC_VFPS : 3 * PC_VFPS;
    for (int i = 0; i < n; i++) {
        GstBuffer *b = gst_buffer_new_allocate(NULL, W * H * 3 / 2, NULL);
        GstMapInfo m;
        gst_buffer_map(b, &m, GST_MAP_WRITE);
        memset(m.data, 16, W * H);
        for (int y = 0; i < 3 * PC_VFPS && y < H; y++)
            for (int x = 0; x < W; x++)
                m.data[y * W + x] = (uint8_t)(70 + (((x * 7 + y * 13) ^ (x * y)) & 31));
        memset(m.data + W * H, 128, W * H / 2);
        gst_buffer_unmap(b, &m);
        GST_BUFFER_PTS(b) = gst_util_uint64_scale(i, GST_SECOND, PC_VFPS);
        GST_BUFFER_DURATION(b) = GST_SECOND / PC_VFPS;
        gst_app_src_push_buffer(src, b);
    }
}

static void push_camera_off(GstAppSrc *src) { push(src, TRUE); }
static void push_stops(GstAppSrc *src) { push(src, FALSE); }

#define VIDEO(ssrc) PC_RAW_VIDEO "vp8enc deadline=1 keyframe-max-dist=10 target-bitrate=300000 ! " \
                    "rtpvp8pay pt=96 mtu=600 ssrc=" #ssrc " ! appsink name=sink sync=false"
#define AUDIO(ssrc) PC_RAW_AUDIO "opusenc frame-size=20 ! rtpopuspay pt=111 ssrc=" #ssrc " ! appsink name=sink sync=false"

static gboolean make_captures(const char *dir)
{
    static const pc_cap_spec spec[] = {
        { 5, 0x55555551, YF_CAP_VIDEO, "VP8", 96, "p5-video.ycap", VIDEO(1431655761), push_camera_off, FALSE, 0, NULL,
          0, 0 },
        { 5, 0x55555552, YF_CAP_AUDIO, "opus", 111, "p5-audio.ycap", AUDIO(1431655762), pc_push_audio, FALSE, 0, NULL,
          0, 0 },
        { 6, 0x66666661, YF_CAP_VIDEO, "VP8", 96, "p6-video.ycap", VIDEO(1717986913), push_stops, FALSE, 0, NULL, 0,
          0 },
        { 6, 0x66666662, YF_CAP_AUDIO, "opus", 111, "p6-audio.ycap", AUDIO(1717986914), pc_push_audio, FALSE, 0, NULL,
          0, 0 },
    };
    gboolean ok = TRUE;
    for (size_t i = 0; i < G_N_ELEMENTS(spec); i++)
        ok = pc_make_capture(dir, &spec[i]) > 0 && ok;
    return ok;
}

/* The composite's frames (GRAY8) at the moments asked for: the first frame
 * at or after each. */
#define N_AT 4
static const double at_s[N_AT] = { 1.0, 4.0, 4.6, 5.5 };

typedef struct {
    GstBuffer *frame[N_AT];
    int stride;
} frames;

static GstFlowReturn on_frame(GstAppSink *sink, gpointer user)
{
    frames *f = user;
    GstSample *s = gst_app_sink_pull_sample(sink);
    GstBuffer *b = gst_sample_get_buffer(s);
    GstVideoInfo vi;

    gst_video_info_from_caps(&vi, gst_sample_get_caps(s));
    f->stride = GST_VIDEO_INFO_PLANE_STRIDE(&vi, 0);
    for (int i = 0; i < N_AT; i++)
        if (!f->frame[i] && GST_BUFFER_PTS(b) >= (GstClockTime)(at_s[i] * GST_SECOND))
            f->frame[i] = gst_buffer_ref(b);
    gst_sample_unref(s);
    return GST_FLOW_OK;
}

static gboolean grab(const char *path, frames *f)
{
    char *desc = g_strdup_printf("filesrc location=\"%s\" ! matroskademux ! vp8dec ! videoconvert ! "
                                 "video/x-raw,format=GRAY8,width=%d,height=%d ! appsink name=v sync=false",
                                 path, OUT_W, OUT_H);
    GstElement *pipe = gst_parse_launch(desc, NULL), *v = gst_bin_get_by_name(GST_BIN(pipe), "v");
    GstAppSinkCallbacks cb = { .new_sample = on_frame };
    GstBus *bus = gst_element_get_bus(pipe);
    GstMessage *msg;
    gboolean ok;

    gst_app_sink_set_callbacks(GST_APP_SINK(v), &cb, f, NULL);
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    ok = msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS;
    if (msg)
        gst_message_unref(msg);
    gst_element_set_state(pipe, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(v);
    gst_object_unref(pipe);
    g_free(desc);
    return ok;
}

typedef struct {
    int x0, y0, x1, y1;
} box;

/* In box b of frame k: the mean luma, the spread (max - min) and the number
 * of bright pixels (> 150: text; no picture here is that bright). */
typedef struct {
    double mean;
    int spread, bright;
} stats;

static stats measure(const frames *f, int k, box b)
{
    stats st = { 0, 0, 0 };
    GstMapInfo m;
    int lo = 255, hi = 0;
    long sum = 0, n = 0;

    if (!f->frame[k] || !gst_buffer_map(f->frame[k], &m, GST_MAP_READ))
        return st;
    for (int y = b.y0; y < b.y1; y++)
        for (int x = b.x0; x < b.x1; x++, n++) {
            int v = m.data[(size_t)y * (size_t)f->stride + (size_t)x];
            sum += v;
            lo = MIN(lo, v);
            hi = MAX(hi, v);
            st.bright += v > 150;
        }
    gst_buffer_unmap(f->frame[k], &m);
    st.mean = n ? (double)sum / (double)n : 0;
    st.spread = hi - lo;
    return st;
}

/* The middle of a tile (where the picture or the card's text is) and the
 * strip at its bottom left (its label). */
static box centre(const yf_post_tile *t)
{
    return (box){ t->x + t->w / 4, t->y + t->h / 3, t->x + t->w * 3 / 4, t->y + t->h * 2 / 3 };
}

static box label_strip(const yf_post_tile *t)
{
    return (box){ t->x, t->y + t->h - 24, t->x + t->w / 2, t->y + t->h - 1 };
}

/* Picture (no text in its middle, not flat) or card (text in its middle). */
static void check_tile(const frames *f, int k, const yf_post_tile *t, gboolean card, const char *who)
{
    stats c = measure(f, k, centre(t)), l = measure(f, k, label_strip(t));
    printf("%s at %.1f s: middle mean %.0f spread %d bright %d; label strip bright %d -> %s\n", who, at_s[k], c.mean,
           c.spread, c.bright, l.bright, card ? "card expected" : "picture expected");
    if (card)
        CHECK(c.bright > 200 && l.bright == 0);    /* the card's name, and its label hidden */
    else
        CHECK(c.bright == 0 && c.spread > 10 && c.mean > 60 && l.bright > 20);   /* the texture, and its label */
}

static void check_band(const frames *f, const yf_post_layout *lay)
{
    box mid = { lay->w * 2 / 5, 2, lay->w * 3 / 5, lay->band_h - 2 }, left = { 0, 0, lay->w / 3, lay->band_h };
    stats before = measure(f, 0, mid), after = measure(f, 1, mid), l = measure(f, 0, left);
    stats pic = measure(f, 0, centre(&lay->tiles[0]));

    printf("band: middle before the step bright %d spread %d mean %.0f, after it bright %d; left bright %d; "
           "picture mean %.0f\n", before.bright, before.spread, before.mean, after.bright, l.bright, pic.mean);
    CHECK(before.bright == 0 && before.spread < 12);   /* flat: nothing of a picture reaches the band */
    CHECK(after.bright > 20);                          /* the agenda step from 2.5 s on */
    CHECK(l.bright > 40);                              /* case number and kind */
    CHECK(pic.mean - before.mean > 20);                /* the band is not the picture */
}

static void test_hearing(const char *in, const char *out)
{
    static const char *const names[] = { "p5-video.ycap", "p5-audio.ycap", "p6-video.ycap", "p6-audio.ycap", NULL };
    const yf_post_step steps[] = { { PC_BASE_US + 2500000, "第二项：调查" } };
    yf_post_layout lay;
    frames f = { { NULL }, 0 };
    const yf_post_output *c;
    pc_job j;

    CHECK(make_captures(in));
    pc_job_init(&j, in, names);
    j.kind_label = "检察听证";
    j.steps = steps;
    j.n_steps = G_N_ELEMENTS(steps);
    if (!pc_job_run(&j, out, OUT_W, OUT_H))
        fprintf(stderr, "yf_post_run: %s\n", j.err->message);
    c = pc_find_out(j.outs, "/composite.webm");
    CHECK(c && c->has_video && llabs(c->duration_ms - PC_SECONDS * 1000) < 300);
    if (c)
        CHECK(grab(c->path, &f));
    for (int k = 0; k < N_AT; k++)
        CHECK(f.frame[k] != NULL);
    yf_post_layout_make(&lay, OUT_W, OUT_H, 2);
    if (f.frame[N_AT - 1]) {
        check_band(&f, &lay);
        check_tile(&f, 0, &lay.tiles[0], FALSE, "p5");
        check_tile(&f, 0, &lay.tiles[1], FALSE, "p6");
        check_tile(&f, 1, &lay.tiles[0], TRUE, "p5 (camera off)");
        check_tile(&f, 1, &lay.tiles[1], FALSE, "p6 (last frame held)");
        check_tile(&f, 2, &lay.tiles[0], TRUE, "p5 (camera off)");
        check_tile(&f, 3, &lay.tiles[1], TRUE, "p6 (no video since 3 s)");
    }
    for (int k = 0; k < N_AT; k++)
        if (f.frame[k])
            gst_buffer_unref(f.frame[k]);
    pc_job_clear(&j);
}

static void run(char **dir)
{
    test_hearing(dir[0], dir[1]);
}

int main(void)
{
    static const char *const sub[] = { "in", "out" };
    int rc;

    test_layout();
    test_blank();
    CHECK(pc_run("yf-test-post-look-XXXXXX", sub, G_N_ELEMENTS(sub), run));
    rc = yf_test_done("test_post_look");
    fflush(stdout); /* LeakSanitizer exits without flushing stdio */
    return rc;
}
