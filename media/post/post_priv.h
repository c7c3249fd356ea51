/* post_priv.h -- internals of media/post shared by its files: a capture file
 * loaded as an index of its RTP packets (post_source.c), every packet placed
 * on the hearing's wall clock (post_clock.c: which sender reports to trust)
 * and the tracks grouped per participant (post_timeline.c), the appsrc feeder
 * (post_feed.c), the pipeline runner and the job (post.c), the two kinds of
 * output (post_participant.c, post_composite.c) and the fix-ups of their
 * files (post_mkv.c). Nothing outside media/post includes this header. */
#ifndef YF_POST_PRIV_H
#define YF_POST_PRIV_H

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <stdatomic.h>
#include <stdint.h>

#include "media/rec/capfile.h"
#include "post.h"

typedef enum { YF_POST_VP8, YF_POST_H264, YF_POST_OPUS } yf_post_codec;

/* One RTP packet of a track, by reference into its file. */
typedef struct {
    int64_t off;          /* file offset of the packet (the record's payload) */
    int64_t ext_seq;      /* sequence number unwrapped in file order */
    int64_t ext_ts;       /* RTP timestamp unwrapped in file order */
    int64_t arrival_us;   /* server wall clock when it arrived */
    int64_t wall_us;      /* on the hearing's clock (post_clock.c, post_timeline.c) */
    uint32_t order;       /* file order, tie-break of the sort */
    uint32_t len;         /* packet bytes */
    uint8_t skip;         /* of this stream but not media (padding only, other
                             payload type): kept so it leaves no sequence gap */
    uint8_t red;          /* RFC 2198 (the capture's red_payload_type): 0 a
                             plain packet; 1 the primary block of the RED
                             packet at off; 2 + k its redundant block k, which
                             stands for a packet never captured (ext_seq and
                             ext_ts are that packet's) */
} yf_post_pkt;

/* One RTCP sender report of the track's SSRC (RFC 3550 §6.4.1). */
typedef struct {
    int64_t arrival_us;
    int64_t ntp_us;       /* the publisher's wall clock, Unix µs */
    int64_t ext_ts;       /* its RTP timestamp, unwrapped against the packets' */
    gboolean valid;       /* trusted: agrees with its session's clock offset
                             (post_timeline.c), the nominal clock rate and the
                             packets' arrival (post_clock.c) */
} yf_post_sr;

/* One capture file. Invariants once loaded by post_timeline.c: pkts sorted
 * by ext_seq without duplicates; n_media > 0; first_us <= last_us are the
 * wall times of its first and last media packet; along pkts the media
 * packets' wall times never go back: equal for one RTP timestamp, at least
 * YF_POST_MIN_STEP_US apart for a new one (so no frame hides behind another). */
typedef struct {
    char *path;
    int fd;                   /* open for the feeder's pread */
    yf_cap_meta meta;
    yf_post_codec codec;
    GArray *pkts;             /* yf_post_pkt */
    GArray *srs;              /* yf_post_sr, file order */
    guint n_media;            /* packets with skip == 0 */
    int64_t first_arrival_us, last_arrival_us;
    int64_t first_us, last_us;
    gboolean damaged;         /* stopped at a bad record or had no END */
} yf_post_track;

/* A participant: its tracks of each kind, by first_us, one codec per kind
 * (tracks of another codec than the first are left out, with a warning). */
typedef struct {
    uint32_t id;
    char *name, *role;        /* labels (the job's, or "参与人 N") */
    GPtrArray *audio, *video; /* yf_post_track*, borrowed from the timeline */
    int64_t first_us, last_us;
} yf_post_party;

/* The hearing: t0_us is its earliest media, end_us just after its last. */
typedef struct {
    GPtrArray *tracks;        /* yf_post_track*, owned */
    GPtrArray *parties;       /* yf_post_party*, owned, by id */
    int64_t t0_us, end_us;
} yf_post_timeline;

/* post_source.c: reads one capture (untrusted: any damage ends it at its
 * last good record). NULL + YF_POST_ERROR_INPUT if the header is unreadable,
 * the codec is not VP8/H264/opus, or no packet of its stream is in it. */
yf_post_track *yf_post_track_load(const char *path, GError **err);
void yf_post_track_free(gpointer t);
/* Parses an RTP header (RFC 3550 §5.1, CSRCs, §5.3.1 extension, padding).
 * TRUE with the payload's offset and length if it is well-formed. */
gboolean yf_post_rtp_parse(const uint8_t *p, size_t n, uint8_t *pt, uint16_t *seq, uint32_t *ts, uint32_t *ssrc,
                           size_t *payload_off, size_t *payload_len);

/* post_red.c: RFC 2198 redundant audio in a capture. TRUE if the payload
 * is RED whose primary block is of payload type pt and not empty. */
gboolean yf_post_red_primary(uint8_t pt, const uint8_t *payload, size_t len);
/* Appends to spare (yf_post_pkt) an entry for each redundant block of pt in
 * the RED packet k (payload): the packet it stands for, k's distance back
 * (ext_seq - d, ext_ts - the block's offset). */
void yf_post_red_spares(GArray *spare, const yf_post_pkt *k, uint8_t pt, const uint8_t *payload, size_t len);
/* Adds to t->pkts the spare entries whose ext_seq no captured packet has
 * (the first for each), counting them as media. */
void yf_post_red_fill(yf_post_track *t, const GArray *spare);
/* Turns buf[0..len), the RED packet k was read from, in place into the
 * plain packet of its block k->red names, payload type pt. The new length,
 * or 0 if it does not parse (the file is read again, never trusted). */
size_t yf_post_red_plain(uint8_t *buf, size_t len, const yf_post_pkt *k, uint8_t pt);

/* post_clock.c: the wall time of every media packet of t (t->pkts still in
 * file order), through the sender reports that agree with the nominal clock
 * rate and with the packets' own arrival, or, with none, through the packets'
 * arrival (their least-delayed ones). offset: the session's (arrival - NTP);
 * have_offset FALSE: no SR is used. Marks the reports it does not trust
 * invalid, with one warning per track. Never drops a packet. */
void yf_post_clock_map(yf_post_track *t, gboolean have_offset, int64_t offset);
/* RTP ticks to µs at clock_rate > 0, rounded; saturates far beyond any file. */
int64_t yf_post_rtp_to_us(int64_t ticks, uint32_t clock_rate);

/* Two media packets of a track with different RTP timestamps are at least this
 * far apart on the timeline (Matroska's tick: one frame never shares another's
 * time), and no closer than YF_POST_MIN_PACE of their RTP spacing (capped at
 * YF_POST_MAX_PACE_US): where wall times would go back (a reconnect placed
 * before the end of the capture before it, a timestamp that jumps), the media
 * is laid out at that pace and catches up with its wall time. */
#define YF_POST_MIN_STEP_US 1000
#define YF_POST_MIN_PACE 0.9
#define YF_POST_MAX_PACE_US G_USEC_PER_SEC
/* The earliest time at which a packet spaced by rtp_us (its RTP timestamp's
 * distance from the one before it, µs) may follow one placed at prev_us. */
int64_t yf_post_pace(int64_t prev_us, int64_t rtp_us);

/* Longest timeline a job accepts: 12 hours. */
#define YF_POST_MAX_SPAN_US (INT64_C(12) * 3600 * G_USEC_PER_SEC)

/* post_timeline.c: loads every capture of the job, maps each packet to the
 * wall clock (sender reports, one clock offset per participant session),
 * groups by participant. NULL + YF_POST_ERROR_INPUT if nothing usable or
 * the captures span more than YF_POST_MAX_SPAN_US. */
yf_post_timeline *yf_post_timeline_new(const yf_post_job *job, GError **err);
void yf_post_timeline_free(yf_post_timeline *tl);
const char *yf_post_codec_name(yf_post_codec c);

/* post_feed.c: feeds one kind of one participant into an appsrc from the
 * appsrc's streaming thread (need-data): every media packet in sequence order,
 * PTS = wall - base_us (never before the packet before it: a file that
 * overlaps the one before it is laid out after it, yf_post_pace), sequence
 * numbers and SSRC rewritten so reconnects form one stream with a gap
 * (DISCONT) between files. */
typedef struct yf_post_feed yf_post_feed;
yf_post_feed *yf_post_feed_new(const GPtrArray *tracks, int64_t base_us);
void yf_post_feed_free(gpointer f);
/* Sets caps and callbacks on `src`; the feed must outlive the pipeline. */
void yf_post_feed_attach(yf_post_feed *f, GstElement *src);
GstCaps *yf_post_rtp_caps(yf_post_codec c);

/* post.c: runs `pipe` to EOS on the calling thread; every 100 ms checks the
 * job's cancel flag and reports base + span * (*pos_ns / total_ns). FALSE +
 * YF_POST_ERROR_PIPELINE / _IO (an element's resource error) / _CANCELLED.
 * Leaves the pipeline in NULL. */
gboolean yf_post_pipeline_run(GstElement *pipe, const yf_post_job *job, double base, double span,
                              const _Atomic int64_t *pos_ns, int64_t total_ns, GError **err);
/* Builds a pipeline from a description (only numbers and fixed words in
 * it: no user text). NULL + YF_POST_ERROR_PLUGIN. */
GstElement *yf_post_parse(const char *desc, GError **err);
GstElement *yf_post_get(GstElement *pipe, const char *name); /* borrowed */
/* Stores the largest buffer PTS seen on el's pad into *pos (any thread). */
void yf_post_watch_pts(GstElement *el, const char *pad_name, _Atomic int64_t *pos);
/* Renames tmp to final; FALSE + YF_POST_ERROR_IO. */
gboolean yf_post_commit(const char *tmp, const char *final, GError **err);
yf_post_output *yf_post_output_new(const char *path, uint32_t participant, const char *media_type,
                                   int64_t start_us, int64_t duration_ms, gboolean audio, gboolean video);

/* post_mkv.c: finishes a Matroska/WebM file written by matroskamux, in place:
 * sets the keyframe flag on every SimpleBlock of the Opus track(s) (matroskamux
 * leaves it off), so FFmpeg-based players (Chromium) can seek on the audio
 * track, and makes the Segment's Duration reach the end of its last block
 * (matroskamux writes the longest track's own span, short of the end when
 * that track starts late). *duration_ms: the Duration the file then states
 * (without one, where its last block ends), -1 if its structure was not
 * understood. FALSE + YF_POST_ERROR_IO on an I/O error; a structure it does
 * not understand is left as it is, with a warning. */
gboolean yf_post_mkv_finish(const char *path, int64_t *duration_ms, GError **err);

/* post_participant.c: p<N>.webm / p<N>.mkv of one participant. */
yf_post_output *yf_post_participant_run(const yf_post_job *job, const yf_post_party *p, double base, double span,
                                        GError **err);
/* post_composite.c: composite.webm of the whole timeline. */
yf_post_output *yf_post_composite_run(const yf_post_job *job, const yf_post_timeline *tl, double base, double span,
                                      GError **err);

#define YF_POST_FONT "Noto Sans CJK SC,Droid Sans Fallback,Sans"

/* ---- the composite's look (post_look.c) ---- */

#define YF_POST_FPS 25
#define YF_POST_MAX_TILES 16
/* The compositor's pads: the background in the tiles' colour (it runs the
 * whole hearing, so the composite lasts as long), the band, the lines
 * between tiles, each picture. */
#define YF_POST_PAD_BACK 0
#define YF_POST_PAD_BAND 1
#define YF_POST_PAD_LINE 2                    /* + line */
#define YF_POST_MAX_LINES 6                   /* 4x4: 3 down, 3 across */
#define YF_POST_PAD_VIDEO (YF_POST_PAD_LINE + YF_POST_MAX_LINES)  /* + participant */
/* A participant's last frame stays up this long after its time; longer
 * without a newer one (a gap, a camera stopped), the name card shows. */
#define YF_POST_FREEZE_MAX_NS (2 * GST_SECOND)
/* A decoded frame whose sampled luma never exceeds this is blank: what a
 * browser sends for a camera turned off (all black). */
#define YF_POST_BLANK_LUMA 24

typedef struct {
    int x, y, w, h;
} yf_post_tile;

/* The composite's geometry. Invariants: the band is [0, band_h) of the
 * frame's rows; every tile lies below it, inside the frame, apart from the
 * others; lines (2 px, over the pictures) mark where tiles meet; even
 * positions and sizes (I420). A tile is its whole grid cell, so a picture
 * of the cell's width (640x480 in two tiles of 1280x720) is not scaled. */
typedef struct {
    int w, h, band_h;
    guint n_tiles;                           /* min(participants, YF_POST_MAX_TILES) */
    yf_post_tile tiles[YF_POST_MAX_TILES];   /* in participant order */
    guint n_lines;
    yf_post_tile lines[YF_POST_MAX_LINES];
} yf_post_layout;
void yf_post_layout_make(yf_post_layout *l, int w, int h, guint n_parties);

/* Everything drawn over the pictures, and the switch between a picture and
 * its name card: made for a parsed composite pipeline (its textoverlays
 * "caseno", "step", "clock", "label<i>", "card<i>" and compositor "comp"),
 * freed after the pipeline stopped. The band's texts come from the job
 * (case_no, kind_label, steps) and the timeline's clock (t0_us). */
typedef struct yf_post_look yf_post_look;
yf_post_look *yf_post_look_new(GstElement *pipe, const yf_post_job *job, const yf_post_layout *lay, int64_t t0_us);
/* Participant i (party p): its label and card; video_pad (taken; NULL when
 * it has no video) is its picture's compositor pad, shown only while it
 * has a picture (post_look.c). */
void yf_post_look_party(yf_post_look *k, GstElement *pipe, guint i, const yf_post_party *p, GstPad *video_pad);
void yf_post_look_free(yf_post_look *k);
/* Whether an I420 or other planar 8-bit luma frame is blank: every 8th
 * luma sample of every 8th row at most YF_POST_BLANK_LUMA. */
gboolean yf_post_frame_blank(const uint8_t *luma, int width, int height, int stride);

#endif
