/* metrics.c -- renders /metrics in the Prometheus text exposition format,
 * version 0.0.4: for each metric a "# HELP" and a "# TYPE" line, then its
 * samples; names yuanfang_* (and the usual process_* ones). Counters come
 * from the modules: the media workers' cells (media/net/net_stats.h, summed
 * here), the recorder's and the API's atomics, and the rooms' table, which
 * is read on the control thread like everything else of it. */
#define G_LOG_DOMAIN "yf-metrics"
#include "metrics.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "media/net/net_stats.h"

static void head(GString *o, const char *name, const char *type, const char *help)
{
    g_string_append_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(GString *o, const char *name, const char *type, const char *help, guint64 v)
{
    head(o, name, type, help);
    g_string_append_printf(o, "%s %" G_GUINT64_FORMAT "\n", name, v);
}

static void rooms(GString *o, yf_sigroom_hub *h)
{
    unsigned n = 0, pubs = 0, obs = 0;
    if (h)
        yf_sigroom_hub_count(h, &n, &pubs, &obs);
    one(o, "yuanfang_rooms", "gauge", "Hearing rooms open now.", n);
    head(o, "yuanfang_room_participants", "gauge",
         "Participants in the rooms' media now: publishers (everyone who may speak) and receive-only observers.");
    g_string_append_printf(o, "yuanfang_room_participants{kind=\"publisher\"} %u\n", pubs);
    g_string_append_printf(o, "yuanfang_room_participants{kind=\"observer\"} %u\n", obs);
}

static void media(GString *o, yf_net *m)
{
    yf_net_stats st;
    yf_net_get_stats(m, &st);
    head(o, "yuanfang_udp_datagrams_total", "counter", "UDP datagrams of media connections (ICE, DTLS, SRTP), by direction.");
    g_string_append_printf(o, "yuanfang_udp_datagrams_total{direction=\"in\"} %" G_GUINT64_FORMAT "\n", st.datagrams_in);
    g_string_append_printf(o, "yuanfang_udp_datagrams_total{direction=\"out\"} %" G_GUINT64_FORMAT "\n", st.datagrams_out);
    head(o, "yuanfang_udp_bytes_total", "counter", "UDP payload bytes of media connections, by direction.");
    g_string_append_printf(o, "yuanfang_udp_bytes_total{direction=\"in\"} %" G_GUINT64_FORMAT "\n", st.bytes_in);
    g_string_append_printf(o, "yuanfang_udp_bytes_total{direction=\"out\"} %" G_GUINT64_FORMAT "\n", st.bytes_out);
    one(o, "yuanfang_rtp_packets_received_total", "counter", "RTP packets the rooms received from publishers.", st.rtp_in);
    one(o, "yuanfang_rtp_packets_forwarded_total", "counter", "RTP packets the rooms sent to subscribers (retransmissions included).",
        st.rtp_forwarded);
    one(o, "yuanfang_rtp_packets_retransmitted_total", "counter", "RTP packets resent to subscribers who asked with a NACK.",
        st.rtp_retransmitted);
    one(o, "yuanfang_rtp_packets_lost_total", "counter", "Publisher RTP packets never received (RFC 3550 cumulative loss).",
        st.rtp_lost);
    one(o, "yuanfang_nack_received_total", "counter", "Sequence numbers subscribers asked to have resent.", st.nack_received);
    one(o, "yuanfang_nack_sent_total", "counter", "NACK packets sent to publishers.", st.nack_sent);
    one(o, "yuanfang_keyframe_requests_received_total", "counter", "PLI and FIR from subscribers.",
        st.keyframe_requests_received);
    one(o, "yuanfang_keyframe_requests_sent_total", "counter", "PLI sent to publishers.", st.keyframe_requests_sent);
    one(o, "yuanfang_router_queue_drops_total", "counter", "Packets a room could not queue for sending.", st.router_queue_drops);
    head(o, "yuanfang_forward_seconds", "histogram",
         "Time from a publisher's RTP packet reaching its room's worker to its last copy sent to the subscribers.");
    guint64 cum = 0;
    for (size_t b = 0; b < G_N_ELEMENTS(st.forward_us_le); b++) {
        cum += st.forward_us_le[b];
        if (yf_net_forward_bounds_us[b] == UINT64_MAX)
            g_string_append_printf(o, "yuanfang_forward_seconds_bucket{le=\"+Inf\"} %" G_GUINT64_FORMAT "\n", cum);
        else
            g_string_append_printf(o, "yuanfang_forward_seconds_bucket{le=\"%g\"} %" G_GUINT64_FORMAT "\n",
                                   (double)yf_net_forward_bounds_us[b] / 1e6, cum);
    }
    g_string_append_printf(o, "yuanfang_forward_seconds_sum %.6f\n", (double)st.forward_us_sum / 1e6);
    g_string_append_printf(o, "yuanfang_forward_seconds_count %" G_GUINT64_FORMAT "\n", cum);
}

static void recorder(GString *o, yf_recorder *rec)
{
    yf_recorder_metrics m;
    yf_recorder_get_metrics(rec, &m);
    one(o, "yuanfang_capture_queue_bytes", "gauge", "Captured media waiting for the capture writer thread.",
        m.capture_queue_bytes);
    one(o, "yuanfang_capture_records_dropped_total", "counter", "Captured packets dropped because the writer's queue was full.",
        m.capture_records_dropped);
    one(o, "yuanfang_capture_write_errors_total", "counter", "Capture files that could not be created, written or synced.",
        m.capture_write_errors);
    head(o, "yuanfang_postprocess_jobs", "gauge", "Post-processing and evidence jobs, waiting and running.");
    g_string_append_printf(o, "yuanfang_postprocess_jobs{state=\"queued\"} %u\n", m.jobs_queued);
    g_string_append_printf(o, "yuanfang_postprocess_jobs{state=\"running\"} %u\n", m.jobs_running);
    one(o, "yuanfang_postprocess_jobs_failed_total", "counter", "Recordings whose post-processing or evidence package failed.",
        m.jobs_failed);
}

static void signins(GString *o, yf_api *api)
{
    unsigned failed, throttled;
    yf_api_signin_failures(api, &failed, &throttled);
    head(o, "yuanfang_signin_failures_total", "counter",
         "Staff sign-ins refused: wrong or disabled credentials, or while locked out after failures.");
    g_string_append_printf(o, "yuanfang_signin_failures_total{reason=\"credentials\"} %u\n", failed);
    g_string_append_printf(o, "yuanfang_signin_failures_total{reason=\"throttled\"} %u\n", throttled);
}

/* CPU exactly as /proc/self/stat reports it (utime + stime, fields 14 and
 * 15, in clock ticks: what an operator or a benchmark reading /proc sees),
 * resident memory from /proc/self/statm. */
static double proc_cpu_seconds(void)
{
    char buf[1024];
    unsigned long utime = 0, stime = 0;
    FILE *f = fopen("/proc/self/stat", "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');   /* the command name may hold spaces */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        return 0;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static void process(GString *o)
{
    unsigned long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    head(o, "process_cpu_seconds_total", "counter", "User and system CPU time of the server process, in seconds.");
    g_string_append_printf(o, "process_cpu_seconds_total %.2f\n", proc_cpu_seconds());
    one(o, "process_resident_memory_bytes", "gauge", "Resident memory of the server process, in bytes.",
        (guint64)resident * (guint64)sysconf(_SC_PAGESIZE));
}

char *yf_metrics_render(const yf_metrics_sources *src)
{
    GString *o = g_string_sized_new(4096);
    rooms(o, src->rooms);
    media(o, src->media);
    recorder(o, src->recorder);
    signins(o, src->api);
    process(o);
    return g_string_free(o, FALSE);
}
