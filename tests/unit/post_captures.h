/* post_captures.h -- what the post-processing tests (test_post,
 * test_post_input) share: captures made with GStreamer as publishers send
 * them (participant 1: VP8, black with white flashes at 2 s and 4 s, and
 * Opus with 1 kHz beeps (triangle) at the same instants; participant 2:
 * Opus only, from a clock 3 s off; each with reordered, late and duplicated
 * packets, RTP timestamps and sequence numbers that wrap, a sender report a
 * second), captures written record by record, and a job over them whose
 * progress is watched and which is cancelled if it runs away. Nothing here
 * counts as a check: the helpers say what failed and the tests check. */
#ifndef POST_CAPTURES_H
#define POST_CAPTURES_H

#include <gst/app/gstappsrc.h>
#include <stdint.h>

#include "media/post/post.h"
#include "media/rec/capfile.h"

#define PC_BASE_US 1736899200000000LL   /* 2025-01-15 00:00:00 UTC */
#define PC_NET_DELAY_US 10000
#define PC_SECONDS 6                     /* of media in each capture */
#define PC_VFPS 30
#define PC_RATE 48000

/* ---- captures ---- */

/* One record of a capture. */
typedef struct {
    int64_t arrival_us;
    uint8_t type;
    GBytes *data;
} pc_rec;

/* A capture being made. */
typedef struct {
    GArray *recs;            /* pc_rec */
    uint32_t ssrc, clock_rate;
    uint32_t ts0;            /* RTP timestamp of the first packet */
    int64_t pts0_us;         /* its PTS */
    uint32_t packets, octets;
    uint32_t sr_speed;       /* SR RTP clock / the packets' clock (a broken sender: 2) */
    int64_t start_us;        /* the publisher starts this long after PC_BASE_US (a reconnect) */
    guint frames;            /* media frames captured: video frames (marker bits), Opus packets */
} pc_track;

void pc_track_init(pc_track *t, uint32_t ssrc, uint32_t clock_rate);
void pc_track_clear(pc_track *t);
void pc_add_rec(pc_track *t, int64_t arrival, uint8_t type, const void *p, size_t n);
/* Writes t as a capture file (records sorted by arrival); with_end FALSE
 * leaves the END record out. FALSE if it could not. */
gboolean pc_write_cap(const char *path, const yf_cap_meta *meta, pc_track *t, gboolean with_end);
/* The metadata of a capture of room "听证-2025-001". */
yf_cap_meta pc_meta_for(uint32_t participant, yf_cap_kind kind, const char *codec, uint8_t payload_type,
                        uint32_t ssrc);

/* Raw media for an encoder's appsrc, PC_SECONDS long: I420 320x240 at
 * PC_VFPS (flat, or with a low-contrast texture so that key frames are
 * several kB and go out in FU-A fragments), mono S16LE at PC_RATE. */
void pc_push_video(GstAppSrc *src);
void pc_push_video_textured(GstAppSrc *src);
void pc_push_audio(GstAppSrc *src);

/* How one capture is made: the encoder and payloader (appsrc "src" fed by
 * push, or a source of its own; appsink "sink"), the capture's codec, loss
 * and the publisher's clock. */
typedef struct {
    uint32_t participant, ssrc;
    yf_cap_kind kind;
    const char *codec;
    uint8_t payload_type;
    const char *file, *desc;
    void (*push)(GstAppSrc *);
    gboolean loss;                  /* drops 2.5 s to 3.5 s */
    int64_t skew_us;
    void (*check)(const pc_track *); /* optional, on the packets sent */
    uint32_t sr_speed;              /* 0: sender reports on the packets' clock */
    int64_t start_us;               /* when the publisher starts, after PC_BASE_US */
} pc_cap_spec;

#define PC_RAW_VIDEO "appsrc name=src format=time caps=\"video/x-raw,format=I420,width=320,height=240,framerate=30/1\" ! "
#define PC_RAW_AUDIO "appsrc name=src format=time caps=\"audio/x-raw,format=S16LE,rate=48000,channels=1," \
                     "layout=interleaved\" ! "

/* Writes the capture s into dir; returns its media frames (video frames or
 * Opus packets) as captured, 0 (said on stderr) if it made none. */
guint pc_make_capture(const char *dir, const pc_cap_spec *s);
/* The captures of the first hearing into dir: p1-video.ycap,
 * p1-audio.ycap, p2-audio.ycap. FALSE if one failed. */
gboolean pc_make_captures(const char *dir);

/* ---- a job over captures ---- */

typedef struct {
    double last;
    int calls;
    gboolean monotonic;
    gint cancel;
    double cancel_at;    /* > 0: set cancel when progress passes it */
    int64_t deadline;    /* monotonic µs: a job still running then is cancelled (set by pc_job_run) */
    gboolean timed_out;
} pc_progress;

typedef struct {
    char **caps;         /* the captures' paths, NULL-terminated */
    const char *kind_label;        /* the job's (optional) */
    const yf_post_step *steps;     /* the job's band steps (optional) */
    size_t n_steps;
    pc_progress pl;
    GError *err;
    GPtrArray *outs;     /* yf_post_output, once run; NULL on error (err) */
} pc_job;

/* A job over the captures names[] (NULL-terminated) in dir, not yet run. */
void pc_job_init(pc_job *j, const char *dir, const char *const *names);
/* Runs it into out, the composite width x height (0: the default), as a
 * hearing of the people 1-3 and 5-6 (names and Chinese roles); returns
 * j->outs. */
GPtrArray *pc_job_run(pc_job *j, const char *out, int width, int height);
void pc_job_clear(pc_job *j);
/* The output whose path ends in suffix, or NULL. */
const yf_post_output *pc_find_out(GPtrArray *outs, const char *suffix);

/* ---- a test's run ---- */

/* Initializes post-processing, makes a temp root (g_dir_make_tmp's tmpl)
 * with the subdirectories sub[0..n), runs tests(dir) with their paths,
 * then removes the root and all below it (kept, and said, when
 * YF_TEST_KEEP is set) and deinitializes GStreamer. FALSE (said on stderr)
 * when post-processing cannot start. */
gboolean pc_run(const char *tmpl, const char *const *sub, size_t n, void (*tests)(char **dir));

#endif
