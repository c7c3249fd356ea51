/* test_rec_writer.c -- the capture writer (media/rec/writer.h): 3 tracks ×
 * 2000 records from 2 producer threads read back in order with their
 * arrival times; periodic fdatasync rounds over a 2.5 s run; a full queue
 * drops and counts (and the file says so with a GAP) instead of blocking;
 * a track in a missing directory; tracks left open at writer_free. */
#include <glib.h>
#include <glib/gstdio.h>

#include "media/rec/capfile.h"
#include "media/rec/writer.h"
#include "yf_test.h"
#include "yf_test_fs.h"

#define N_TRACKS 3
#define N_RECORDS 2000
#define T0 1736899200000000LL

static yf_cap_meta meta_for(uint32_t participant, yf_cap_kind kind)
{
    yf_cap_meta m = { .participant = participant, .kind = kind, .payload_type = kind == YF_CAP_AUDIO ? 111 : 96,
                      .clock_rate = kind == YF_CAP_AUDIO ? 48000 : 90000, .ssrc = 0xabc000 + participant };
    g_strlcpy(m.room, "听证/room 1", sizeof m.room);
    g_strlcpy(m.codec, kind == YF_CAP_AUDIO ? "opus" : "VP8", sizeof m.codec);
    return m;
}

/* Record i of track k: size 12..1311, bytes derived from (k, i). */
static size_t make_payload(unsigned k, unsigned i, uint8_t *p)
{
    size_t n = 12 + (i * 37 + k * 11) % 1300;

    for (size_t j = 0; j < n; j++)
        p[j] = (uint8_t)(k * 31 + i * 7 + j);
    return n;
}

static int64_t arrival(unsigned k, unsigned i) { return T0 + (int64_t)i * 1000 + k; }

typedef struct {
    yf_rec_track *tracks[N_TRACKS];
    unsigned first, step;   /* this producer's tracks: first, first+step, ... */
} producer;

static gpointer produce(gpointer data)
{
    producer *pr = data;
    uint8_t p[2000];

    for (unsigned i = 0; i < N_RECORDS; i++)
        for (unsigned k = pr->first; k < N_TRACKS; k += pr->step) {
            size_t n = make_payload(k, i, p);
            if (!yf_rec_track_append(pr->tracks[k], i % 50 == 49 ? YF_CAP_RTCP : YF_CAP_RTP, arrival(k, i), p, n))
                fprintf(stderr, "append refused: track %u record %u\n", k, i);
        }
    for (unsigned k = pr->first; k < N_TRACKS; k += pr->step)
        yf_rec_track_close(pr->tracks[k]);
    return NULL;
}

/* Names in dir ending with suffix, sorted. */
static GPtrArray *list(const char *dir, const char *suffix)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *n;

    while (d && (n = g_dir_read_name(d)))
        if (g_str_has_suffix(n, suffix))
            g_ptr_array_add(a, g_build_filename(dir, n, NULL));
    if (d)
        g_dir_close(d);
    return a;
}

/* The capture files in dir, once checked that there are n of them and no
 * .part is left (g_ptr_array_unref). */
static GPtrArray *finished_files(const char *dir, guint n)
{
    GPtrArray *files = list(dir, YF_CAP_SUFFIX), *parts = list(dir, ".part");

    CHECK_EQ_INT(files->len, n);
    CHECK_EQ_INT(parts->len, 0);
    g_ptr_array_unref(parts);
    return files;
}

/* Reads a finished capture, checks it record by record against track k. */
static void check_track_file(const char *path)
{
    char *data = NULL;
    gsize len = 0;
    yf_cap_reader *r;
    yf_cap_header h;
    yf_cap_meta m;
    yf_cap_record rec;
    GError *err = NULL;
    unsigned i = 0, k;
    uint8_t p[2000];
    int rc;

    CHECK(g_file_get_contents(path, &data, &len, NULL));
    r = yf_cap_reader_new_mem((const uint8_t *)data, len);
    CHECK(yf_cap_reader_header(r, &h, &err));
    CHECK_EQ_INT(yf_cap_meta_parse(h.meta_json, h.meta_len, &m), YF_CAP_OK);
    CHECK(!strcmp(m.room, "听证/room 1"));
    k = m.participant;
    CHECK(k < N_TRACKS);
    while ((rc = yf_cap_reader_next(r, &rec, &err)) == 1 && rec.type != YF_CAP_END) {
        size_t n = make_payload(k, i, p);
        CHECK_EQ_INT(rec.type, i % 50 == 49 ? YF_CAP_RTCP : YF_CAP_RTP);
        CHECK_EQ_INT(rec.arrival_us, arrival(k, i));
        CHECK(rec.len == n && !memcmp(rec.payload, p, n));
        i++;
    }
    CHECK_EQ_INT(rc, 1); /* stopped at END */
    CHECK_EQ_INT(yf_cap_reader_next(r, &rec, &err), 0);
    CHECK(yf_cap_reader_complete(r));
    CHECK_EQ_INT(i, N_RECORDS);
    g_clear_error(&err);
    yf_cap_reader_free(r);
    g_free(data);
}

static void test_three_tracks(const char *dir)
{
    yf_rec_writer *w = yf_rec_writer_new(NULL, NULL);
    producer a = { .first = 0, .step = 2 }, b = { .first = 1, .step = 2 };
    GThread *ta, *tb;
    yf_rec_stats st;
    GPtrArray *files;

    /* invalid metadata: no file, an error counted */
    yf_rec_track_close(yf_rec_track_open(w, dir, &(yf_cap_meta){ 0 }, 0));
    for (unsigned k = 0; k < N_TRACKS; k++) {
        yf_cap_meta m = meta_for(k, k == 1 ? YF_CAP_AUDIO : YF_CAP_VIDEO);
        a.tracks[k] = b.tracks[k] = yf_rec_track_open(w, dir, &m, 0);
    }
    ta = g_thread_new("producer-a", produce, &a);
    tb = g_thread_new("producer-b", produce, &b);
    g_thread_join(ta);
    g_thread_join(tb);
    yf_rec_writer_flush(w);
    yf_rec_writer_get_stats(w, &st);
    CHECK_EQ_INT(st.records_queued, N_TRACKS * N_RECORDS);
    CHECK_EQ_INT(st.records_dropped, 0);
    CHECK_EQ_INT(st.records_written, N_TRACKS * (N_RECORDS + 1));
    CHECK_EQ_INT(st.tracks_finished, N_TRACKS);
    CHECK_EQ_INT(st.queue_bytes, 0);
    CHECK_EQ_INT(st.write_errors, 1); /* the one with invalid metadata */
    files = finished_files(dir, N_TRACKS);
    for (guint i = 0; i < files->len; i++)
        check_track_file(g_ptr_array_index(files, i));
    g_ptr_array_unref(files);
    yf_rec_writer_free(w);
}

static void test_sync_rounds(const char *dir)
{
    yf_rec_writer *w = yf_rec_writer_new(NULL, NULL);
    yf_cap_meta m = meta_for(9, YF_CAP_AUDIO);
    yf_rec_track *t = yf_rec_track_open(w, dir, &m, 0);
    int64_t start = g_get_monotonic_time();
    uint8_t p[160] = { 0x80 };
    yf_rec_stats st;

    while (g_get_monotonic_time() - start < 2500000) {
        yf_rec_track_append(t, YF_CAP_RTP, g_get_real_time(), p, sizeof p);
        g_usleep(2000);
    }
    yf_rec_writer_get_stats(w, &st);
    printf("2.5 s run: %" G_GUINT64_FORMAT " sync rounds, %" G_GUINT64_FORMAT " fsyncs\n", st.sync_rounds,
           st.fsyncs);
    CHECK(st.sync_rounds >= 2);
    yf_rec_track_close(t);
    yf_rec_writer_free(w);
}

static void test_queue_full(const char *dir)
{
    yf_rec_writer_config cfg = { .queue_max_bytes = 64 * 1024 };
    yf_rec_writer *w = yf_rec_writer_new(&cfg, NULL);
    yf_cap_meta m = meta_for(20, YF_CAP_VIDEO);
    yf_rec_track *t = yf_rec_track_open(w, dir, &m, 0);
    uint8_t p[1000] = { 0x80 };
    unsigned ok = 0, dropped = 0;
    int64_t slowest = 0;
    yf_rec_stats st;
    GPtrArray *files;

    yf_rec_writer_pause(w);
    for (unsigned i = 0; i < 1000; i++) {
        int64_t t0 = g_get_monotonic_time();
        if (yf_rec_track_append(t, YF_CAP_RTP, T0 + i, p, sizeof p))
            ok++;
        else
            dropped++;
        slowest = MAX(slowest, g_get_monotonic_time() - t0);
    }
    yf_rec_writer_get_stats(w, &st);
    printf("queue full: %u queued, %u dropped, slowest append %" G_GINT64_FORMAT " us\n", ok, dropped, slowest);
    CHECK(ok > 10 && ok < 100);
    CHECK_EQ_INT(st.records_dropped, dropped);
    CHECK(st.queue_bytes <= cfg.queue_max_bytes && st.queue_peak_bytes <= cfg.queue_max_bytes);
    CHECK(slowest < 100000); /* never waits for the writer (generous for loaded CI) */
    yf_rec_writer_resume(w);
    yf_rec_writer_flush(w); /* drained: room again */
    CHECK(yf_rec_track_append(t, YF_CAP_RTP, T0 + 5000, p, 10));
    yf_rec_track_close(t);
    yf_rec_writer_flush(w);

    files = list(dir, YF_CAP_SUFFIX);
    for (guint i = 0; i < files->len; i++) {
        char *data = NULL;
        gsize len = 0;
        yf_cap_header h;
        yf_cap_record rec;
        yf_cap_reader *r;
        unsigned n = 0, gaps = 0;
        yf_cap_meta mm;

        g_file_get_contents(g_ptr_array_index(files, i), &data, &len, NULL);
        r = yf_cap_reader_new_mem((const uint8_t *)data, len);
        CHECK(yf_cap_reader_header(r, &h, NULL));
        yf_cap_meta_parse(h.meta_json, h.meta_len, &mm);
        while (mm.participant == 20 && yf_cap_reader_next(r, &rec, NULL) == 1) {
            if (rec.type == YF_CAP_GAP) {
                uint8_t cause;
                uint32_t count;
                const char *text;
                size_t tl;
                CHECK_EQ_INT(yf_cap_gap_decode(rec.payload, rec.len, &cause, &count, &text, &tl), YF_CAP_OK);
                CHECK(cause == YF_CAP_GAP_QUEUE_FULL && count == dropped && n == ok);
                CHECK_EQ_INT(rec.arrival_us, T0 + 5000);
                gaps++;
            } else if (rec.type == YF_CAP_RTP) {
                CHECK_EQ_INT(rec.arrival_us, n < ok ? T0 + n : T0 + 5000);
                n++;
            }
        }
        if (mm.participant == 20) {
            CHECK_EQ_INT(gaps, 1);
            CHECK_EQ_INT(n, ok + 1);
            CHECK(yf_cap_reader_complete(r));
        }
        yf_cap_reader_free(r);
        g_free(data);
    }
    g_ptr_array_unref(files);
    yf_rec_writer_free(w);
}

static void test_bad_dir_and_leftovers(const char *dir)
{
    yf_rec_writer *w = yf_rec_writer_new(NULL, NULL);
    yf_cap_meta m = meta_for(30, YF_CAP_AUDIO);
    char *missing = g_build_filename(dir, "missing", NULL), *sub = g_build_filename(dir, "left", NULL);
    yf_rec_track *bad = yf_rec_track_open(w, missing, &m, 0), *left;
    uint8_t p[100] = { 0 };
    yf_rec_stats st;

    g_mkdir(sub, 0700);
    left = yf_rec_track_open(w, sub, &m, 0);
    for (int i = 0; i < 10; i++) {
        yf_rec_track_append(bad, YF_CAP_RTP, T0 + i, p, sizeof p);
        yf_rec_track_append(left, YF_CAP_RTP, T0 + i, p, sizeof p);
    }
    CHECK(!yf_rec_track_append(left, YF_CAP_END, T0, NULL, 0));
    CHECK(!yf_rec_track_append(left, YF_CAP_RTP, T0, p, YF_CAP_PAYLOAD_MAX + 1));
    yf_rec_track_close(bad);
    yf_rec_writer_flush(w);
    yf_rec_writer_get_stats(w, &st);
    CHECK(st.write_errors >= 1);
    CHECK_EQ_INT(st.records_lost, 10);
    yf_rec_writer_free(w); /* `left` was never closed: finished here */
    g_ptr_array_unref(finished_files(sub, 1));
    g_free(missing);
    g_free(sub);
}

int main(void)
{
    char *dir = g_dir_make_tmp("yf-rec-writer-XXXXXX", NULL);

    test_three_tracks(dir);
    test_sync_rounds(dir);
    test_queue_full(dir);
    test_bad_dir_and_leftovers(dir);
    yf_test_rm_rf(dir);
    g_free(dir);
    return yf_test_done("test_rec_writer");
}
