/* writer.h -- the capture writer: ONE thread per process that owns every
 * capture file (docs/recording-format.md). Media workers hand it records
 * through a bounded queue and never block or touch the disk: when the queue
 * is full the newest record is dropped, counted, and a GAP(queue full) is
 * written before the track's next record. The writer fdatasyncs every file
 * with unsynced data at least every sync interval, and finishes a file on
 * close (END, fdatasync, rename NAME.ycap.part -> NAME.ycap, fsync dir). */
#ifndef YF_REC_WRITER_H
#define YF_REC_WRITER_H

#include <glib.h>
#include <stdint.h>
#include "capfile.h"

typedef struct yf_rec_writer yf_rec_writer;
typedef struct yf_rec_track yf_rec_track;

/* Zero means the default for every field. */
typedef struct {
    size_t queue_max_bytes;     /* queued record bytes before drops: 32 MiB */
    int64_t sync_interval_us;   /* 500 ms: leaves room inside the 1 s loss
                                   bound for the queue and the sync itself */
} yf_rec_writer_config;

/* Counters; read from any thread with yf_rec_writer_get_stats. */
typedef struct {
    uint64_t records_queued;    /* accepted by yf_rec_track_append */
    uint64_t records_dropped;   /* refused: queue full */
    uint64_t records_written;   /* encoded into files (GAP/END included) */
    uint64_t records_lost;      /* accepted, but the file could not take them */
    uint64_t bytes_written;     /* write()n to files, headers included */
    uint64_t fsyncs;            /* fdatasync/fsync calls (files and dirs) */
    uint64_t sync_rounds;       /* periodic rounds that synced >= 1 file */
    uint64_t write_errors;      /* failed create/write/sync/rename */
    uint64_t tracks_opened, tracks_finished;
    uint64_t queue_bytes, queue_peak_bytes;
    int64_t writer_cpu_us;      /* CPU time of the writer thread so far */
} yf_rec_stats;

/* Starts the writer thread. Call from the control thread. NULL + GError if
 * the thread cannot start. */
yf_rec_writer *yf_rec_writer_new(const yf_rec_writer_config *cfg, GError **err);
/* Finishes every track still open (END + rename), drains the queue and
 * joins the thread. No track handle may be used after it. NULL is fine. */
void yf_rec_writer_free(yf_rec_writer *w);

/* Opens a capture track, from any thread; returns at once, never NULL. The
 * writer thread creates DIR/NAME.ycap.part (NAME from the metadata: room,
 * participant, kind, SSRC and creation time; a -N suffix if taken), writes
 * the header, fdatasyncs it and fsyncs `dir` (which must exist). If that
 * fails, the track's records are counted as lost and logged once. `meta` and
 * `dir` are copied. created_us 0 means now (wall clock). One thread at a time
 * may use a track (the room's worker); different tracks, any threads. */
yf_rec_track *yf_rec_track_open(yf_rec_writer *w, const char *dir, const yf_cap_meta *meta, int64_t created_us);
/* Queues one record (YF_CAP_RTP, YF_CAP_RTCP or YF_CAP_GAP; arrival_us is
 * the wall clock when the packet arrived). Copies `data` into one queue
 * item (one g_malloc per record). Never blocks. TRUE if queued; FALSE if
 * dropped (queue full, counted) or refused (other type, len >
 * YF_CAP_PAYLOAD_MAX). */
gboolean yf_rec_track_append(yf_rec_track *t, uint8_t type, int64_t arrival_us, const void *data, size_t len);
/* Convenience: a GAP record with cause and text (yf_cap_gap_encode). */
gboolean yf_rec_track_gap(yf_rec_track *t, int64_t arrival_us, yf_cap_gap_cause cause, uint32_t count,
                          const char *text);
/* Queues the close (never dropped): the writer writes END stamped with the
 * wall clock, fdatasyncs, renames and frees the track. The handle is gone
 * when this returns. NULL is fine. */
void yf_rec_track_close(yf_rec_track *t);

void yf_rec_writer_get_stats(yf_rec_writer *w, yf_rec_stats *out);

/* Waits until everything queued before the call is processed and every
 * file's data is written and fdatasync'd. Blocks: control thread or tests
 * only, never a media worker. */
void yf_rec_writer_flush(yf_rec_writer *w);
/* Tests and maintenance: the writer stops taking items after those queued
 * before the call (the queue fills, appends drop), until resume. */
void yf_rec_writer_pause(yf_rec_writer *w);
void yf_rec_writer_resume(yf_rec_writer *w);

/* ---- start-up recovery ---- */

/* Finishes every DIR/ *.ycap.part (yf_cap_recover_file) and returns one
 * yf_cap_recovered per file found (error set when that file failed), in
 * name order; free with g_ptr_array_unref. Call at start-up before any
 * writer uses `dir`. NULL + GError only if `dir` cannot be read. */
GPtrArray *yf_rec_recover_dir(const char *dir, GError **err);

#endif
