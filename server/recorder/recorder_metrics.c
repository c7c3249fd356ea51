/* recorder_metrics.c -- what /metrics shows of the recorder: the capture
 * writer's counters (read from any thread, media/rec/writer.h) and the job
 * thread's queue, running flag and failures (atomics). No lock is taken. */
#define G_LOG_DOMAIN "yf-recorder"
#include "recorder_priv.h"

void yf_recorder_get_metrics(yf_recorder *rec, yf_recorder_metrics *out)
{
    yf_rec_stats st;
    memset(out, 0, sizeof *out);
    if (!rec)
        return;
    if (rec->writer) {
        yf_rec_writer_get_stats(rec->writer, &st);
        out->capture_queue_bytes = st.queue_bytes;
        out->capture_records_dropped = st.records_dropped;
        out->capture_write_errors = st.write_errors;
    }
    gint queued = g_async_queue_length(rec->jobs);
    out->jobs_queued = queued > 0 ? (unsigned)queued : 0;
    out->jobs_running = (unsigned)g_atomic_int_get(&rec->jobs_running);
    out->jobs_failed = (unsigned)g_atomic_int_get(&rec->jobs_failed);
}
