/* recorder.h -- every hearing recorded to evidence grade (docs/recording.md):
 * while a hearing runs, its room is captured (media/rec, one writer thread);
 * start, stop and every interruption become audit entries and system entries
 * in the hearing's notes; at start-up the captures a crash left behind are
 * recovered; after the hearing ends a job thread post-processes the captures
 * with GStreamer (media/post), the results are attached to the case file with
 * their size, duration and SHA-256, and the signed evidence package is built.
 * Control thread only, except the job thread it owns. Library yf_recorder
 * (server/recorder): uses the store, the API (its hooks), evidence,
 * signaling's room hooks, media/rec and media/post. */
#ifndef YF_RECORDER_H
#define YF_RECORDER_H

#include <glib.h>

#include "server/api/api.h"
#include "signaling/sigroom.h"
#include "server/store/store.h"
#include "media/rec/writer.h"

typedef struct yf_recorder yf_recorder;

/* Recovers DATA_DIR/recordings (every hearing's unfinished captures), starts
 * the capture writer and the job thread, and queues the post-processing of
 * ended hearings whose recordings were never attached. store and rooms are
 * borrowed and must outlive the recorder. NULL + *err when the directory or
 * a thread cannot be made. */
yf_recorder *yf_recorder_new(yf_store *store, const char *data_dir, GError **err);
/* Stops capturing, waits for the running job to stop at its next check (it
 * is started again at the next start-up), finishes every capture file.
 * Accepts NULL. Call after the rooms are gone. */
void yf_recorder_free(yf_recorder *rec);

/* The server is stopping (SIGTERM): every capture ends with a note saying
 * so; a hearing still running resumes in a new session after the restart,
 * with a note on how long it was interrupted. Call while the rooms exist. */
void yf_recorder_shutdown(yf_recorder *rec);

/* Hooks the recorder into the rooms (capture) and the API (start, end,
 * status, evidence); rooms must outlive the recorder. */
void yf_recorder_attach(yf_recorder *rec, yf_sigroom_hub *rooms, yf_api *api);

/* A room event from the signaling audit hook ("room.disconnect",
 * "room.rejoin", "room.leave", ...): a participant's network dropping is an
 * interruption of their recording and goes into the notes. */
void yf_recorder_room_event(yf_recorder *rec, const char *room, const char *action, const char *participant,
                            const char *role);

/* For /metrics (recorder_metrics.c): the capture writer's queue and drops,
 * and post-processing jobs. Control thread. */
typedef struct {
    uint64_t capture_queue_bytes;       /* records waiting for the writer thread */
    uint64_t capture_records_dropped;   /* refused because that queue was full */
    uint64_t capture_write_errors;
    unsigned jobs_queued, jobs_running; /* post-processing and evidence jobs */
    unsigned jobs_failed;               /* since the start */
} yf_recorder_metrics;
void yf_recorder_get_metrics(yf_recorder *rec, yf_recorder_metrics *out);

#endif
