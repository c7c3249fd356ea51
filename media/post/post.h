/* post.h -- post-processing of a hearing's capture files (.ycap,
 * docs/recording-format.md) with GStreamer, after the hearing: per
 * participant one file with audio and video passed through (VP8/Opus ->
 * WebM, H.264 -> Matroska), and one composite of the whole hearing (a band
 * with the case number, the hearing's kind, the agenda step and the wall
 * clock above framed tiles labelled with name and role, a name card while
 * a participant shows no picture, all audio mixed; VP8/Opus WebM that
 * Chromium plays). Every track is placed on one timeline by its RTCP sender
 * reports (NTP <-> RTP) where they agree with its packets, else by the
 * packets' arrival; lost media becomes a frozen frame or silence, never a
 * shift in time, and no captured frame is dropped. Blocking: run jobs on a
 * thread of their own, never on the control loop or a media worker. */
#ifndef YF_POST_H
#define YF_POST_H

#include <glib.h>
#include <stdint.h>

#define YF_POST_ERROR (yf_post_error_quark())
GQuark yf_post_error_quark(void);

typedef enum {
    YF_POST_ERROR_INPUT,     /* no readable capture, or none with media */
    YF_POST_ERROR_PLUGIN,    /* a GStreamer element is missing */
    YF_POST_ERROR_PIPELINE,  /* GStreamer reported an error while running */
    YF_POST_ERROR_CANCELLED,
    YF_POST_ERROR_IO,        /* an output could not be written */
} yf_post_error_code;

/* Labels of one participant (the `participant` number of the capture
 * metadata). Borrowed for the call. */
typedef struct {
    uint32_t participant;
    const char *name;         /* display name, UTF-8 */
    const char *role;         /* role label as shown, UTF-8 (e.g. "检察官") */
} yf_post_person;

/* A label of the composite's band from a moment on: the step of a public
 * hearing's agenda under way. Borrowed for the call. */
typedef struct {
    int64_t from_us;          /* wall clock, µs since the epoch */
    const char *text;         /* UTF-8, shown as it is (never as markup) */
} yf_post_step;

/* One job: every capture file of one hearing. Borrowed for the call. */
typedef struct {
    const char *const *captures;  /* NULL-terminated .ycap paths, any order;
                                     several per participant (reconnects) */
    const uint32_t *participant_of; /* optional, parallel to captures: the
                                     participant a file belongs to, overriding
                                     its metadata's number (a server restart
                                     renumbers a room); 0 = the metadata's */
    const yf_post_person *people; /* labels; a participant without one is
                                     shown as "参与人 N" */
    size_t n_people;
    const char *case_no;          /* burned into the composite's band; may be NULL */
    const char *kind_label;       /* the hearing's kind as the band shows it
                                     ("接访", "检察听证"); may be NULL */
    const yf_post_step *steps;    /* the band's middle shows, at each frame,
                                     the step with the latest from_us not
                                     after it (any order); none: empty */
    size_t n_steps;
    int tz_offset_s;              /* the clock shown is UTC + this (28800: UTC+8) */
    const char *out_dir;          /* existing directory for the outputs */
    int width, height;            /* composite size; 0 = the default */
    /* Progress 0..1 of the whole job, from the calling thread, about every
     * 100 ms and never decreasing: the participants' files take the first
     * 5%, the composite the rest (by the position of its video encoder);
     * 1.0 once all outputs are in place. May be NULL. */
    void (*progress)(void *user, double fraction);
    void *progress_user;
    const gint *cancel;           /* optional: nonzero (g_atomic) stops the job
                                     within ~100 ms: YF_POST_ERROR_CANCELLED */
} yf_post_job;

/* One file written by a job: OUT_DIR/p<N>.webm (VP8 and/or Opus) or
 * OUT_DIR/p<N>.mkv (H.264 video) per participant N, OUT_DIR/composite.webm.
 * A participant's time 0 is its own first media; the composite's is the
 * hearing's first media (start_us says which wall-clock instant). */
typedef struct {
    char *path;               /* in out_dir */
    uint32_t participant;     /* 0 = the composite (always the last entry;
                                 a real participant 0 is told by its path) */
    char *media_type;         /* "video/webm", "video/x-matroska", "audio/webm" */
    int64_t start_us;         /* wall clock (µs since the epoch) of its time 0 */
    int64_t duration_ms;      /* the file's own duration: the Duration it
                                 states (what players show), which reaches
                                 from its time 0 to the end of its last
                                 frame or audio block */
    gboolean has_audio, has_video;
} yf_post_output;
void yf_post_output_free(gpointer o);

/* Initializes GStreamer once (any thread, idempotent) and checks that every
 * element the jobs need exists; FALSE + YF_POST_ERROR_PLUGIN naming the
 * missing element and its Debian package. */
gboolean yf_post_init(GError **err);

/* Runs one job to the end: the participants' files (p<N>.webm or p<N>.mkv),
 * then composite.webm. Outputs are written under a temporary name and renamed
 * when complete; a failed job leaves no partial output. Returns the outputs
 * (yf_post_output*, participants first, the composite last; free with
 * g_ptr_array_unref) or NULL + *err. */
GPtrArray *yf_post_run(const yf_post_job *job, GError **err);

/* A watermarked export of one recording (post_export.c): for someone outside
 * the case, a copy whose picture carries the marks. Borrowed for the call. */
typedef struct {
    const char *input;        /* a WebM/Matroska output of yf_post_run; opened
                                 for reading only, never written */
    const char *output;       /* the export's path: written as OUTPUT.part,
                                 made mode 0600, synced and renamed */
    const char *mark_line;    /* plain UTF-8: the full line at the top */
    const char *mark_big;     /* plain UTF-8: large and semi-transparent, in
                                 the lower third */
    const char *no_picture;   /* plain UTF-8: said on the dark card that
                                 stands in for the picture of a file
                                 without video */
    void (*progress)(void *user, double fraction);   /* 0..1, calling thread,
                                 about every 100 ms, from the encoder's
                                 position over the input's duration; may be NULL */
    void *progress_user;
    const gint *cancel;       /* optional (g_atomic): stops within ~100 ms */
} yf_post_export_job;

typedef struct {
    int64_t duration_ms;      /* the export's own duration */
    gboolean had_video;       /* FALSE: the input had no picture (a card) */
} yf_post_export_result;

/* Decodes the input's video, draws both marks on every frame, encodes VP8
 * (bitrate from the picture size, a keyframe every 5 s), passes the Opus
 * audio through, and muxes WebM. An input without video gets a 640×360 card
 * at 5 fps for its whole length with the marks and no_picture. FALSE +
 * *err (YF_POST_ERROR_INPUT: unreadable, no media, audio not Opus;
 * _PIPELINE, _IO, _CANCELLED, _PLUGIN), and no file left behind. Blocking:
 * never on the control loop or a media worker. */
gboolean yf_post_export_run(const yf_post_export_job *job, yf_post_export_result *res, GError **err);

#endif
