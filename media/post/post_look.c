/* post_look.c -- how the composite reads as evidence: the geometry (a band
 * on top, framed tiles below it, never overlapping), the band's texts (case
 * number and kind, the agenda step, the wall clock of the frame shown), each
 * tile's label, and the name card shown whenever a participant has no
 * picture at that moment -- before their first frame, while their frames
 * are blank (a camera turned off: browsers send black), and when their last
 * frame is older than YF_POST_FREEZE_MAX_NS (a gap, a camera stopped). The
 * switch happens in the compositor's samples-selected signal, for exactly
 * the frame being made. All text is escaped: names never reach markup. */
#define G_LOG_DOMAIN "yf-post"

#include <gst/base/gstaggregator.h>
#include <gst/video/video.h>
#include <string.h>

#include "post_priv.h"

#define LINE 2                 /* px: the line where tiles meet */
#define FLAG_BLANK GST_VIDEO_BUFFER_FLAG_LAST   /* ours: a blank frame */
#define COLOR_NOTE "#9aa3b2"

/* One participant with a picture: its pad, texts and what is shown. */
typedef struct {
    GstPad *pad;               /* owned */
    GstElement *card, *label;  /* borrowed from the pipeline */
    gboolean shown;            /* the picture is shown (else the card) */
    GstVideoInfo info;         /* its frames (streaming thread only) */
    gboolean have_info;
} party_look;

struct yf_post_look {
    GstElement *clock, *step;
    int64_t t0_us;
    int tz_offset_s;
    const yf_post_job *job;    /* steps, borrowed for the run */
    int64_t shown_sec;         /* on the clock; INT64_MIN: none yet */
    const char *shown_step;    /* in the band; NULL: none yet */
    GPtrArray *parties;        /* party_look*, owned */
    const yf_post_layout *lay;
};

void yf_post_layout_make(yf_post_layout *l, int w, int h, guint n_parties)
{
    guint n = MIN(MAX(n_parties, 1), YF_POST_MAX_TILES);
    guint cols = n <= 1 ? 1 : n <= 4 ? 2 : n <= 9 ? 3 : 4;
    guint rows = (n + cols - 1) / cols;
    int cw, ch;

    memset(l, 0, sizeof *l);
    l->w = w;
    l->h = h;
    l->band_h = MAX(24, h / 15) & ~1;
    l->n_tiles = MIN(n_parties, YF_POST_MAX_TILES);
    cw = (w / (int)cols) & ~1;
    ch = ((h - l->band_h) / (int)rows) & ~1;
    for (guint i = 0; i < l->n_tiles; i++)
        l->tiles[i] = (yf_post_tile){ (int)(i % cols) * cw, l->band_h + (int)(i / cols) * ch, cw, ch };
    for (guint c = 1; c < cols && l->n_tiles > 1; c++)
        l->lines[l->n_lines++] = (yf_post_tile){ (int)c * cw - LINE, l->band_h, LINE, (int)rows * ch };
    for (guint r = 1; r < rows; r++)
        l->lines[l->n_lines++] = (yf_post_tile){ 0, l->band_h + (int)r * ch - LINE, (int)cols * cw, LINE };
}

gboolean yf_post_frame_blank(const uint8_t *luma, int width, int height, int stride)
{
    for (int y = 0; y < height; y += 8)
        for (int x = 0; x < width; x += 8)
            if (luma[(size_t)y * (size_t)stride + (size_t)x] > YF_POST_BLANK_LUMA)
                return FALSE;
    return TRUE;
}

static void set_font(GstElement *overlay, int px)
{
    char *font = g_strdup_printf("%s %dpx", YF_POST_FONT, px);

    g_object_set(overlay, "font-desc", font, "auto-resize", FALSE, "xpad", 0, "ypad", 0, NULL);
    g_free(font);
}

/* textoverlay parses its text as Pango markup: plain text is escaped. */
static void set_plain(GstElement *overlay, const char *text)
{
    char *esc = g_markup_escape_text(text ? text : "", -1);

    g_object_set(overlay, "text", esc, NULL);
    g_free(esc);
}

/* Places an overlay so its text is centred at (cx, cy) of the frame
 * (halign, valign: 0/1/2 left/center/right, 2/4/1 top/center/bottom). */
static void place_text(GstElement *o, const yf_post_layout *lay, int halign, int dx, int cy)
{
    g_object_set(o, "halignment", halign, "valignment", 4 /* center */, "deltax", dx, "deltay", cy - lay->h / 2,
                 "line-alignment", 1, NULL);
}

/* ---- the band ---- */

static const char *step_at(const yf_post_job *job, int64_t wall_us)
{
    const yf_post_step *best = NULL;

    for (size_t i = 0; i < job->n_steps; i++)
        if (job->steps[i].from_us <= wall_us && job->steps[i].text && (!best || job->steps[i].from_us >= best->from_us))
            best = &job->steps[i];
    return best ? best->text : "";
}

/* Before each frame reaches the clock: the second and the step it shows. */
static GstPadProbeReturn tick(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
    yf_post_look *k = user;
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
    int64_t wall, sec;
    const char *step;
    GDateTime *dt;

    if (!GST_BUFFER_PTS_IS_VALID(b))
        return GST_PAD_PROBE_OK;
    wall = k->t0_us + (int64_t)(GST_BUFFER_PTS(b) / 1000);
    step = step_at(k->job, wall);
    if (step != k->shown_step) {
        set_plain(k->step, step);
        k->shown_step = step;
    }
    sec = wall / G_USEC_PER_SEC + k->tz_offset_s;
    if (sec != k->shown_sec && (dt = g_date_time_new_from_unix_utc(sec))) {
        char *text = g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
        set_plain(k->clock, text);
        g_free(text);
        g_date_time_unref(dt);
        k->shown_sec = sec;
    }
    return GST_PAD_PROBE_OK;
}

static void setup_band(yf_post_look *k, GstElement *pipe, const yf_post_job *job, const yf_post_layout *lay)
{
    GstElement *caseno = yf_post_get(pipe, "caseno");
    int px = MAX(12, lay->band_h * 9 / 20), mid = lay->band_h / 2;
    GString *left = g_string_new(NULL);
    GstPad *pad;

    if (job->case_no && *job->case_no)
        g_string_append_printf(left, "案号：%s", job->case_no);
    if (job->kind_label && *job->kind_label)
        g_string_append_printf(left, "%s%s", left->len ? "　　" : "", job->kind_label);
    for (int i = 0; i < 3; i++) {
        GstElement *o = i == 0 ? caseno : i == 1 ? k->step : k->clock;
        set_font(o, px);
        place_text(o, lay, i == 0 ? 0 : i == 1 ? 1 : 2, i == 0 ? px : i == 1 ? 0 : -px, mid);
    }
    set_plain(caseno, left->str);
    set_plain(k->step, "");
    g_string_free(left, TRUE);
    pad = gst_element_get_static_pad(k->clock, "video_sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, tick, k, NULL);
    gst_object_unref(pad);
}

/* ---- the pictures and their cards ---- */

/* Which picture the compositor is about to use for the frame at pts, per
 * participant: shown only when it is not blank and not older than
 * YF_POST_FREEZE_MAX_NS; otherwise the card (compositor's thread, before
 * the frame is blended and before it passes the labels and cards). */
static void on_samples_selected(GstElement *comp, GstSegment *segment, GstClockTime pts, GstClockTime dts,
                                GstClockTime duration, GstStructure *info, gpointer user)
{
    yf_post_look *k = user;

    (void)segment, (void)dts, (void)duration, (void)info;
    for (guint i = 0; i < k->parties->len; i++) {
        party_look *p = k->parties->pdata[i];
        GstSample *s = gst_aggregator_peek_next_sample(GST_AGGREGATOR(comp), GST_AGGREGATOR_PAD(p->pad));
        gboolean show = FALSE;
        if (s) {
            GstBuffer *b = gst_sample_get_buffer(s);
            guint64 at = b ? gst_segment_to_running_time(gst_sample_get_segment(s), GST_FORMAT_TIME,
                                                        GST_BUFFER_PTS(b)) : GST_CLOCK_TIME_NONE;
            show = b && !GST_BUFFER_FLAG_IS_SET(b, FLAG_BLANK) && at != GST_CLOCK_TIME_NONE &&
                   GST_CLOCK_TIME_IS_VALID(pts) && pts < at + YF_POST_FREEZE_MAX_NS;
            gst_sample_unref(s);
        }
        if (show == p->shown)
            continue;
        p->shown = show;
        g_object_set(p->pad, "alpha", show ? 1.0 : 0.0, NULL);
        g_object_set(p->card, "silent", show, NULL);
        g_object_set(p->label, "silent", !show, NULL);
    }
}

/* A frame without duration stays up until a newer one is due (the
 * compositor holds it); a blank one is marked for on_samples_selected. */
static GstPadProbeReturn on_picture(GstPad *pad, GstPadProbeInfo *info, gpointer user)
{
    party_look *p = user;
    GstMapInfo m;

    if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
        GstEvent *ev = GST_PAD_PROBE_INFO_EVENT(info);
        GstCaps *caps;
        if (GST_EVENT_TYPE(ev) == GST_EVENT_CAPS) {
            gst_event_parse_caps(ev, &caps);
            p->have_info = gst_video_info_from_caps(&p->info, caps) &&
                           GST_VIDEO_FORMAT_INFO_IS_YUV(p->info.finfo) &&
                           GST_VIDEO_FORMAT_INFO_DEPTH(p->info.finfo, 0) == 8;
        }
        return GST_PAD_PROBE_OK;
    }
    GstBuffer *b = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
    GST_BUFFER_DURATION(b) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_FLAG_UNSET(b, FLAG_BLANK);
    if (p->have_info && gst_buffer_get_size(b) >= GST_VIDEO_INFO_SIZE(&p->info) &&
        gst_buffer_map(b, &m, GST_MAP_READ)) {
        if (yf_post_frame_blank(m.data + GST_VIDEO_INFO_PLANE_OFFSET(&p->info, 0), GST_VIDEO_INFO_WIDTH(&p->info),
                                GST_VIDEO_INFO_HEIGHT(&p->info), GST_VIDEO_INFO_PLANE_STRIDE(&p->info, 0)))
            GST_BUFFER_FLAG_SET(b, FLAG_BLANK);
        gst_buffer_unmap(b, &m);
    }
    info->data = b;
    return GST_PAD_PROBE_OK;
}

/* The card: name large, role below, and that there is no picture. */
static void setup_card(GstElement *card, const yf_post_layout *lay, const yf_post_tile *t, const yf_post_party *p)
{
    long chars = MAX(4, MAX(g_utf8_strlen(p->name, -1), g_utf8_strlen(p->role, -1)));
    int px = MAX(14, MIN(t->h / 7, (int)(t->w * 4 / 5 / chars)));
    char *name = g_markup_escape_text(p->name, -1), *role = g_markup_escape_text(p->role, -1);
    char *role_line = *role ? g_strdup_printf("\n<span size=\"70%%\">%s</span>", role) : g_strdup("");
    char *markup = g_strdup_printf("%s%s\n<span size=\"50%%\" foreground=\"" COLOR_NOTE "\">（无画面）</span>", name,
                                   role_line);

    set_font(card, px);
    g_object_set(card, "text", markup, NULL);
    place_text(card, lay, 1, t->x + t->w / 2 - lay->w / 2, t->y + t->h / 2);
    g_free(markup);
    g_free(role_line);
    g_free(name);
    g_free(role);
}

/* The label: "name（role）" at the tile's bottom left, inside its frame. */
static void setup_label(GstElement *label, const yf_post_layout *lay, const yf_post_tile *t, const yf_post_party *p)
{
    int px = MAX(12, MIN(t->w, t->h) / 24);
    char *text = *p->role ? g_strdup_printf("%s（%s）", p->name, p->role) : g_strdup(p->name);

    set_font(label, px);
    set_plain(label, text);
    g_object_set(label, "halignment", 0 /* left */, "valignment", 1 /* bottom */, "deltax", t->x + px / 2,
                 "deltay", -(lay->h - t->y - t->h) - px / 3, "shaded-background", TRUE, "silent", TRUE, NULL);
    g_free(text);
}

void yf_post_look_party(yf_post_look *k, GstElement *pipe, guint i, const yf_post_party *p, GstPad *video_pad)
{
    char name[32];
    GstElement *card = NULL, *label = NULL;

    if (i < k->lay->n_tiles) {
        g_snprintf(name, sizeof name, "card%u", i);
        card = yf_post_get(pipe, name);
        g_snprintf(name, sizeof name, "label%u", i);
        label = yf_post_get(pipe, name);
        setup_card(card, k->lay, &k->lay->tiles[i], p);
        setup_label(label, k->lay, &k->lay->tiles[i], p);
    }
    if (!video_pad)
        return;
    g_object_set(video_pad, "alpha", 0.0, NULL);   /* the card until a picture is due */
    if (!card) {                                    /* beyond the grid: heard, not shown */
        gst_object_unref(video_pad);
        return;
    }
    party_look *pl = g_new0(party_look, 1);
    pl->pad = video_pad;
    pl->card = card;
    pl->label = label;
    gst_pad_add_probe(video_pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_picture, pl,
                      NULL);
    g_ptr_array_add(k->parties, pl);
}

static void party_look_free(gpointer data)
{
    party_look *p = data;

    gst_object_unref(p->pad);
    g_free(p);
}

yf_post_look *yf_post_look_new(GstElement *pipe, const yf_post_job *job, const yf_post_layout *lay, int64_t t0_us)
{
    yf_post_look *k = g_new0(yf_post_look, 1);
    GstElement *comp = yf_post_get(pipe, "comp");

    k->clock = yf_post_get(pipe, "clock");
    k->step = yf_post_get(pipe, "step");
    k->t0_us = t0_us;
    k->tz_offset_s = job->tz_offset_s;
    k->job = job;
    k->lay = lay;
    k->shown_sec = INT64_MIN;
    k->parties = g_ptr_array_new_with_free_func(party_look_free);
    setup_band(k, pipe, job, lay);
    g_object_set(comp, "emit-signals", TRUE, NULL);
    g_signal_connect(comp, "samples-selected", G_CALLBACK(on_samples_selected), k);
    return k;
}

void yf_post_look_free(yf_post_look *k)
{
    if (!k)
        return;
    g_ptr_array_unref(k->parties);
    g_free(k);
}
