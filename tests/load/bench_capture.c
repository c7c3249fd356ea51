/* bench_capture.c -- CPU cost of capturing 20 concurrent 1.5 Mbps video
 * tracks (media/rec/writer.h): two producer threads, standing in for media
 * workers, each append 10 tracks' 1200-byte packets at the real rate
 * (20 × 1.5e6 / 8 / 1200 ≈ 3125 packets/s in all) with arrival times, for
 * 10 s (1 s with --quick). Prints the writer thread's and the producers' CPU
 * time as a share of one core (CLOCK_THREAD_CPUTIME_ID), drops and fsyncs.
 * The aim is under 10% of one core; numbers only, no timed assertion.
 * Usage: bench_capture [--quick] [--dir DIR] (default: a temp directory;
 * use a directory on the disk the server records to). */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "media/rec/writer.h"
#include "tests/unit/yf_test_fs.h"

#define N_TRACKS 20
#define N_PRODUCERS 2
#define PKT_LEN 1200
#define TRACK_BPS 1500000.0

typedef struct {
    yf_rec_track *tracks[N_TRACKS / N_PRODUCERS];
    double seconds;
    uint64_t sent, refused;
    int64_t cpu_us, append_ns;
} producer;

static int64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t thread_cpu_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sends each track's packets when due, waking every millisecond as a
 * worker's event loop would. */
static gpointer produce(gpointer data)
{
    producer *p = data;
    const double per_track_pps = TRACK_BPS / 8 / PKT_LEN;
    const int n = N_TRACKS / N_PRODUCERS;
    int64_t start = g_get_monotonic_time(), end = start + (int64_t)(p->seconds * 1e6);
    int64_t cpu0 = thread_cpu_us();
    uint64_t due_sent = 0;
    uint8_t pkt[PKT_LEN];

    memset(pkt, 0xa5, sizeof pkt);
    pkt[0] = 0x80;
    for (int64_t now = start; now < end; now = g_get_monotonic_time()) {
        uint64_t due = (uint64_t)((double)(now - start) / 1e6 * per_track_pps * n);
        int64_t a0 = mono_ns();
        for (; due_sent < due; due_sent++) {
            yf_rec_track *t = p->tracks[due_sent % (uint64_t)n];
            pkt[2] = (uint8_t)(due_sent >> 8);
            pkt[3] = (uint8_t)due_sent;
            if (yf_rec_track_append(t, YF_CAP_RTP, g_get_real_time(), pkt, sizeof pkt))
                p->sent++;
            else
                p->refused++;
        }
        p->append_ns += mono_ns() - a0;
        g_usleep(1000);
    }
    p->cpu_us = thread_cpu_us() - cpu0;
    return NULL;
}

int main(int argc, char **argv)
{
    gboolean quick = FALSE;
    const char *dir_arg = NULL;
    char *dir;
    double seconds;
    yf_rec_writer *w = yf_rec_writer_new(NULL, NULL);
    producer pr[N_PRODUCERS];
    GThread *th[N_PRODUCERS];
    yf_rec_stats st0, st;
    int64_t t0, wall;
    uint64_t sent = 0, refused = 0;
    int64_t prod_cpu = 0, append_ns = 0;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = TRUE;
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            dir_arg = argv[++i];
    }
    seconds = quick ? 1.0 : 10.0;
    dir = dir_arg ? g_strdup(dir_arg) : g_dir_make_tmp("yf-bench-capture-XXXXXX", NULL);
    if (!w || !dir) {
        fprintf(stderr, "bench_capture: cannot start the writer or make a directory\n");
        return 1;
    }
    memset(pr, 0, sizeof pr);
    for (int i = 0; i < N_TRACKS; i++) {
        yf_cap_meta m = { .participant = (uint32_t)i + 1, .kind = YF_CAP_VIDEO, .payload_type = 96,
                          .clock_rate = 90000, .ssrc = 0x1000u + (uint32_t)i };
        g_strlcpy(m.room, "bench", sizeof m.room);
        g_strlcpy(m.codec, "VP8", sizeof m.codec);
        pr[i % N_PRODUCERS].tracks[i / N_PRODUCERS] = yf_rec_track_open(w, dir, &m, 0);
    }
    yf_rec_writer_flush(w); /* files created: measure the steady state */
    yf_rec_writer_get_stats(w, &st0);
    t0 = g_get_monotonic_time();
    for (int i = 0; i < N_PRODUCERS; i++) {
        pr[i].seconds = seconds;
        th[i] = g_thread_new("producer", produce, &pr[i]);
    }
    for (int i = 0; i < N_PRODUCERS; i++) {
        g_thread_join(th[i]);
        sent += pr[i].sent;
        refused += pr[i].refused;
        prod_cpu += pr[i].cpu_us;
        append_ns += pr[i].append_ns;
    }
    yf_rec_writer_flush(w);
    wall = g_get_monotonic_time() - t0;
    yf_rec_writer_get_stats(w, &st);

    printf("bench_capture: %d tracks x %.1f Mbps (%d-byte packets), %d producers, %.1f s%s, dir %s\n", N_TRACKS,
           TRACK_BPS / 1e6, PKT_LEN, N_PRODUCERS, seconds, quick ? " (--quick)" : "", dir);
    printf("  packets: %" G_GUINT64_FORMAT " appended (%.0f/s), %" G_GUINT64_FORMAT " refused, %" G_GUINT64_FORMAT
           " dropped by the writer\n", sent, (double)sent * 1e6 / (double)wall, refused, st.records_dropped);
    printf("  written: %.1f MB, %" G_GUINT64_FORMAT " fsyncs in %" G_GUINT64_FORMAT " rounds, queue peak %.1f kB\n",
           (double)(st.bytes_written - st0.bytes_written) / 1e6, st.fsyncs - st0.fsyncs,
           st.sync_rounds - st0.sync_rounds, (double)st.queue_peak_bytes / 1e3);
    printf("  writer thread CPU: %.2f%% of one core\n",
           100.0 * (double)(st.writer_cpu_us - st0.writer_cpu_us) / (double)wall);
    printf("  producers' CPU (appends + pacing): %.2f%% of one core (%.2f us per packet)\n",
           100.0 * (double)prod_cpu / (double)wall, sent ? (double)prod_cpu / (double)sent : 0.0);
    printf("  of which in yf_rec_track_append: %.2f%% of one core (%.2f us per packet, wall time)\n",
           100.0 * (double)append_ns / 1e3 / (double)wall, sent ? (double)append_ns / 1e3 / (double)sent : 0.0);
    printf("  total: %.2f%% of one core (aim: under 10%%)\n",
           100.0 * (double)(st.writer_cpu_us - st0.writer_cpu_us + prod_cpu) / (double)wall);

    yf_rec_writer_free(w);
    if (!dir_arg)
        yf_test_rm_rf(dir);
    g_free(dir);
    return st.write_errors ? 1 : 0;
}
