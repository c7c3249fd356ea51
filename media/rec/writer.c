/* writer.c -- the capture writer thread (writer.h): one GAsyncQueue from every
 * media worker, bounded by bytes (a full queue drops the newest record and
 * never blocks the caller), one thread that owns every capture file, a sync
 * round every sync interval, and the finish of a file on close. Disk IO
 * happens here and in start-up recovery only, never on a media worker. */
#define G_LOG_DOMAIN "yf-rec"
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_QUEUE_MAX (32u << 20)
#define DEFAULT_SYNC_US (500 * 1000)
#define TRACK_BUF 16384          /* per open file; larger records bypass it */
#define IDLE_FLUSH_US 20000      /* buffered bytes reach the kernel this soon
                                    when the queue runs dry (a killed process
                                    loses no more; fdatasync covers power) */
#define NAME_TRIES 100

typedef enum { IT_OPEN, IT_DATA, IT_CLOSE, IT_FLUSH, IT_PAUSE, IT_STOP } item_kind;

typedef struct {
    GMutex lock;
    GCond cond;
    gboolean done;
} waiter;

/* One queue entry; DATA carries its payload inline (one allocation). */
typedef struct {
    item_kind kind;
    uint8_t type;
    uint32_t drops_before;   /* records dropped on this track just before */
    int64_t arrival_us;
    yf_rec_track *track;
    waiter *wait;            /* FLUSH */
    size_t charge;           /* bytes counted against the queue bound */
    size_t len;
    uint8_t data[];
} item;

/* Invariants: after OPEN is handled, fd >= 0 or failed; buf_len <= TRACK_BUF;
 * dirty means bytes were handed to the file (or sit in buf) since its last
 * fdatasync. Fields under "writer" are touched by the writer thread only;
 * pending_drops by the thread that uses the handle. */
struct yf_rec_track {
    yf_rec_writer *w;
    uint32_t pending_drops;
    /* writer */
    char *dir, *path;
    yf_cap_meta meta;
    int64_t created_us;
    int fd;
    gboolean failed, dirty;
    uint8_t *buf;
    size_t buf_len;
    uint64_t buf_records;
};

struct yf_rec_writer {
    yf_rec_writer_config cfg;
    GAsyncQueue *q;
    GThread *thread;
    GPtrArray *open;          /* writer: tracks that got an OPEN */
    uint8_t *scratch;         /* writer: one record of the largest size */
    GMutex pause_lock;
    GCond pause_cond;
    gboolean paused;
    _Atomic uint64_t queued, dropped, written, lost, bytes, fsyncs, rounds, errors, opened, finished,
        queue_bytes, queue_peak;
    _Atomic int64_t cpu_us;
};

static inline void add(_Atomic uint64_t *c, uint64_t n) { atomic_fetch_add_explicit(c, n, memory_order_relaxed); }
static inline uint64_t get(_Atomic uint64_t *c) { return atomic_load_explicit(c, memory_order_relaxed); }

/* ---- producer side (any thread) ---- */

static item *item_new(item_kind kind, yf_rec_track *t, size_t len)
{
    item *it = g_malloc(sizeof *it + len);

    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->track = t;
    it->len = len;
    return it;
}

yf_rec_track *yf_rec_track_open(yf_rec_writer *w, const char *dir, const yf_cap_meta *meta, int64_t created_us)
{
    yf_rec_track *t = g_new0(yf_rec_track, 1);

    t->w = w;
    t->dir = g_strdup(dir);
    t->meta = *meta;
    t->created_us = created_us ? created_us : g_get_real_time();
    t->fd = -1;
    g_async_queue_push(w->q, item_new(IT_OPEN, t, 0));
    return t;
}

static void note_peak(yf_rec_writer *w, uint64_t now)
{
    uint64_t peak = get(&w->queue_peak);

    while (now > peak && !atomic_compare_exchange_weak(&w->queue_peak, &peak, now))
        ;
}

gboolean yf_rec_track_append(yf_rec_track *t, uint8_t type, int64_t arrival_us, const void *data, size_t len)
{
    yf_rec_writer *w = t->w;
    size_t charge = sizeof(item) + len;
    uint64_t before;
    item *it;

    if ((type != YF_CAP_RTP && type != YF_CAP_RTCP && type != YF_CAP_GAP) || len > YF_CAP_PAYLOAD_MAX)
        return FALSE;
    before = atomic_fetch_add(&w->queue_bytes, charge);
    if (before + charge > w->cfg.queue_max_bytes) {
        atomic_fetch_sub(&w->queue_bytes, charge);
        add(&w->dropped, 1);
        t->pending_drops++;
        return FALSE;
    }
    note_peak(w, before + charge);
    it = item_new(IT_DATA, t, len);
    it->type = type;
    it->arrival_us = arrival_us;
    it->charge = charge;
    it->drops_before = t->pending_drops;
    t->pending_drops = 0;
    if (len)
        memcpy(it->data, data, len);
    add(&w->queued, 1);
    g_async_queue_push(w->q, it);
    return TRUE;
}

gboolean yf_rec_track_gap(yf_rec_track *t, int64_t arrival_us, yf_cap_gap_cause cause, uint32_t count,
                          const char *text)
{
    uint8_t p[5 + YF_CAP_GAP_TEXT_MAX];
    int n = yf_cap_gap_encode(cause, count, text, p, sizeof p);

    return n >= 0 && yf_rec_track_append(t, YF_CAP_GAP, arrival_us, p, (size_t)n);
}

void yf_rec_track_close(yf_rec_track *t)
{
    item *it;

    if (!t)
        return;
    it = item_new(IT_CLOSE, t, 0);
    it->drops_before = t->pending_drops;
    g_async_queue_push(t->w->q, it);
}

/* ---- writer thread: files ---- */

static void track_fail(yf_rec_track *t, const char *what)
{
    int e = errno;

    add(&t->w->errors, 1);
    if (!t->failed)
        g_warning("capture %s: %s failed: %s; its records are lost from here", t->path ? t->path : t->dir, what,
                  g_strerror(e));
    t->failed = TRUE;
    if (t->fd >= 0)
        close(t->fd); /* the .part stays; start-up recovery finishes it */
    t->fd = -1;
    add(&t->w->lost, t->buf_records);
    t->buf_len = 0;
    t->buf_records = 0;
}

static gboolean write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0)
                errno = EIO;
            return FALSE;
        }
        p += k;
        n -= (size_t)k;
    }
    return TRUE;
}

static void track_flush(yf_rec_track *t)
{
    if (t->fd < 0 || !t->buf_len)
        return;
    if (!write_all(t->fd, t->buf, t->buf_len)) {
        track_fail(t, "write");
        return;
    }
    add(&t->w->bytes, t->buf_len);
    t->buf_len = 0;
    t->buf_records = 0;
}

static void track_sync(yf_rec_track *t)
{
    track_flush(t);
    if (t->fd < 0 || !t->dirty)
        return;
    add(&t->w->fsyncs, 1);
    if (fdatasync(t->fd) != 0)
        track_fail(t, "fdatasync");
    t->dirty = FALSE;
}

/* Encodes one record into the track's buffer (or, if larger, writes it
 * straight from the scratch buffer). */
static void track_put(yf_rec_track *t, uint8_t type, int64_t arrival_us, const uint8_t *p, size_t len)
{
    size_t size = YF_CAP_RECORD_OVERHEAD + len;

    if (t->fd < 0) {
        add(&t->w->lost, 1);
        return;
    }
    if (t->buf_len + size > TRACK_BUF)
        track_flush(t);
    if (size <= TRACK_BUF && t->fd >= 0) {
        yf_cap_record_encode(type, arrival_us, p, len, t->buf + t->buf_len, TRACK_BUF - t->buf_len);
        t->buf_len += size;
        t->buf_records++;
    } else if (t->fd >= 0) {
        yf_cap_record_encode(type, arrival_us, p, len, t->w->scratch, YF_CAP_RECORD_MAX);
        if (!write_all(t->fd, t->w->scratch, size)) {
            add(&t->w->lost, 1);
            track_fail(t, "write");
            return;
        }
        add(&t->w->bytes, size);
    } else {
        add(&t->w->lost, 1);
        return;
    }
    add(&t->w->written, 1);
    t->dirty = TRUE;
}

static void track_put_gap(yf_rec_track *t, int64_t arrival_us, yf_cap_gap_cause cause, uint32_t count,
                          const char *text)
{
    uint8_t p[5 + YF_CAP_GAP_TEXT_MAX];
    int n = yf_cap_gap_encode(cause, count, text, p, sizeof p);

    if (n >= 0)
        track_put(t, YF_CAP_GAP, arrival_us, p, (size_t)n);
}

/* ROOM-pPARTICIPANT-KIND-SSRC-CREATED, the room reduced to [A-Za-z0-9._-]. */
static char *base_name(const yf_rec_track *t, unsigned attempt)
{
    GString *s = g_string_new(NULL);

    for (const char *c = t->meta.room; *c && s->len < 48; c++)
        g_string_append_c(s, g_ascii_isalnum(*c) || *c == '-' || *c == '_' || *c == '.' ? *c : '_');
    if (!s->len || s->str[0] == '.')
        g_string_prepend_c(s, 'r');
    g_string_append_printf(s, "-p%u-%s-%08x-%" G_GINT64_FORMAT, t->meta.participant,
                           t->meta.kind == YF_CAP_AUDIO ? "audio" : "video", t->meta.ssrc, t->created_us);
    if (attempt)
        g_string_append_printf(s, "-%u", attempt + 1);
    return g_string_free(s, FALSE);
}

static int create_part(yf_rec_track *t)
{
    for (unsigned i = 0; i < NAME_TRIES; i++) {
        char *base = base_name(t, i), *fin = g_strdup_printf("%s/%s%s", t->dir, base, YF_CAP_SUFFIX);
        gboolean taken = g_file_test(fin, G_FILE_TEST_EXISTS);
        int fd = -1, e = EEXIST;

        g_free(t->path);
        t->path = g_strconcat(fin, ".part", NULL);
        g_free(base);
        g_free(fin);
        if (!taken) {
            fd = open(t->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
            e = errno;
        }
        if (fd >= 0)
            return fd;
        if (e != EEXIST) {
            errno = e;
            return -1;
        }
    }
    errno = EEXIST;
    return -1;
}

static void handle_open(yf_rec_writer *w, yf_rec_track *t)
{
    int n = yf_cap_header_encode(&t->meta, t->created_us, w->scratch, YF_CAP_RECORD_MAX);

    g_ptr_array_add(w->open, t);
    add(&w->opened, 1);
    t->buf = g_malloc(TRACK_BUF);
    if (n < 0) {
        errno = EINVAL;
        track_fail(t, "header (invalid metadata)");
        return;
    }
    t->fd = create_part(t);
    if (t->fd < 0) {
        track_fail(t, "create");
        return;
    }
    add(&w->fsyncs, 2);
    if (!write_all(t->fd, w->scratch, (size_t)n) || fdatasync(t->fd) != 0) {
        track_fail(t, "header write");
        return;
    }
    add(&w->bytes, (uint64_t)n);
    if (!yf_cap_sync_dir(t->dir, NULL))
        add(&w->errors, 1);
    g_debug("capture %s: opened", t->path);
}

static void track_free(yf_rec_track *t)
{
    g_free(t->dir);
    g_free(t->path);
    g_free(t->buf);
    g_free(t);
}

/* END, fdatasync, close, rename NAME.ycap.part -> NAME.ycap, fsync dir. */
static void handle_close(yf_rec_writer *w, yf_rec_track *t, uint32_t drops)
{
    size_t pl = t->path ? strlen(t->path) : 0;

    if (drops)
        track_put_gap(t, g_get_real_time(), YF_CAP_GAP_QUEUE_FULL, drops, "writer queue full");
    if (t->fd >= 0)
        track_put(t, YF_CAP_END, g_get_real_time(), NULL, 0);
    track_sync(t);
    if (t->fd >= 0) {
        char *fin = g_strndup(t->path, pl - strlen(".part"));
        int rc = close(t->fd);

        t->fd = -1;
        if (rc != 0 || rename(t->path, fin) != 0)
            track_fail(t, "close/rename");
        else if (!yf_cap_sync_dir(t->dir, NULL))
            add(&w->errors, 1);
        else
            add(&w->finished, 1);
        add(&w->fsyncs, 1);
        g_debug("capture %s: finished", fin);
        g_free(fin);
    }
    g_ptr_array_remove_fast(w->open, t);
    track_free(t);
}

static void handle_data(yf_rec_writer *w, item *it)
{
    yf_rec_track *t = it->track;

    if (it->drops_before)
        track_put_gap(t, it->arrival_us, YF_CAP_GAP_QUEUE_FULL, it->drops_before, "writer queue full");
    track_put(t, it->type, it->arrival_us, it->data, it->len);
    atomic_fetch_sub(&w->queue_bytes, it->charge);
}

/* ---- writer thread: the loop ---- */

static void note_cpu(yf_rec_writer *w)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        atomic_store(&w->cpu_us, (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

static void flush_all(yf_rec_writer *w)
{
    for (guint i = 0; i < w->open->len; i++)
        track_flush(g_ptr_array_index(w->open, i));
}

static gboolean any_buffered(yf_rec_writer *w)
{
    for (guint i = 0; i < w->open->len; i++)
        if (((yf_rec_track *)g_ptr_array_index(w->open, i))->buf_len)
            return TRUE;
    return FALSE;
}

static void sync_all(yf_rec_writer *w, gboolean round)
{
    uint64_t before = get(&w->fsyncs);

    for (guint i = 0; i < w->open->len; i++)
        track_sync(g_ptr_array_index(w->open, i));
    if (round && get(&w->fsyncs) != before)
        add(&w->rounds, 1);
    note_cpu(w);
}

static void signal_waiter(waiter *wt)
{
    g_mutex_lock(&wt->lock);
    wt->done = TRUE;
    g_cond_signal(&wt->cond);
    g_mutex_unlock(&wt->lock);
}

static void wait_resume(yf_rec_writer *w)
{
    g_mutex_lock(&w->pause_lock);
    while (w->paused)
        g_cond_wait(&w->pause_cond, &w->pause_lock);
    g_mutex_unlock(&w->pause_lock);
}

/* One function per item kind; TRUE when the thread should stop. */
static gboolean handle(yf_rec_writer *w, item *it)
{
    gboolean stop = FALSE;

    switch (it->kind) {
    case IT_OPEN: handle_open(w, it->track); break;
    case IT_DATA: handle_data(w, it); break;
    case IT_CLOSE: handle_close(w, it->track, it->drops_before); break;
    case IT_FLUSH:
        sync_all(w, FALSE);
        signal_waiter(it->wait);
        break;
    case IT_PAUSE: wait_resume(w); break;
    case IT_STOP: stop = TRUE; break;
    }
    g_free(it);
    return stop;
}

static gpointer writer_main(gpointer data)
{
    yf_rec_writer *w = data;
    int64_t next_sync = g_get_monotonic_time() + w->cfg.sync_interval_us, next_flush = 0;
    gboolean stop = FALSE;

    while (!stop) {
        int64_t now = g_get_monotonic_time(), wake;
        item *it;

        if (now >= next_sync) {
            sync_all(w, TRUE);
            next_sync = now + w->cfg.sync_interval_us;
        }
        it = g_async_queue_try_pop(w->q);
        if (!it) { /* idle: hand what is buffered to the kernel, then wait */
            if (now >= next_flush) {
                flush_all(w);
                note_cpu(w);
                next_flush = now + IDLE_FLUSH_US;
            }
            wake = any_buffered(w) ? MIN(next_sync, next_flush) : next_sync;
            now = g_get_monotonic_time();
            it = g_async_queue_timeout_pop(w->q, (guint64)MAX(wake - now, 1));
        }
        if (it)
            stop = handle(w, it);
    }
    while (w->open->len) /* tracks never closed: finish them */
        handle_close(w, g_ptr_array_index(w->open, 0), 0);
    note_cpu(w);
    return NULL;
}

/* ---- lifetime, stats, control ---- */

yf_rec_writer *yf_rec_writer_new(const yf_rec_writer_config *cfg, GError **err)
{
    yf_rec_writer *w = g_new0(yf_rec_writer, 1);

    if (cfg)
        w->cfg = *cfg;
    if (!w->cfg.queue_max_bytes)
        w->cfg.queue_max_bytes = DEFAULT_QUEUE_MAX;
    if (w->cfg.sync_interval_us <= 0)
        w->cfg.sync_interval_us = DEFAULT_SYNC_US;
    w->q = g_async_queue_new();
    w->open = g_ptr_array_new();
    w->scratch = g_malloc(YF_CAP_RECORD_MAX);
    g_mutex_init(&w->pause_lock);
    g_cond_init(&w->pause_cond);
    w->thread = g_thread_try_new("yf-rec-writer", writer_main, w, err);
    if (!w->thread) {
        g_async_queue_unref(w->q);
        g_ptr_array_free(w->open, TRUE);
        g_free(w->scratch);
        g_free(w);
        return NULL;
    }
    return w;
}

void yf_rec_writer_free(yf_rec_writer *w)
{
    if (!w)
        return;
    yf_rec_writer_resume(w);
    g_async_queue_push(w->q, item_new(IT_STOP, NULL, 0));
    g_thread_join(w->thread);
    g_async_queue_unref(w->q);
    g_ptr_array_free(w->open, TRUE);
    g_free(w->scratch);
    g_mutex_clear(&w->pause_lock);
    g_cond_clear(&w->pause_cond);
    g_free(w);
}

void yf_rec_writer_get_stats(yf_rec_writer *w, yf_rec_stats *o)
{
    o->records_queued = get(&w->queued);
    o->records_dropped = get(&w->dropped);
    o->records_written = get(&w->written);
    o->records_lost = get(&w->lost);
    o->bytes_written = get(&w->bytes);
    o->fsyncs = get(&w->fsyncs);
    o->sync_rounds = get(&w->rounds);
    o->write_errors = get(&w->errors);
    o->tracks_opened = get(&w->opened);
    o->tracks_finished = get(&w->finished);
    o->queue_bytes = get(&w->queue_bytes);
    o->queue_peak_bytes = get(&w->queue_peak);
    o->writer_cpu_us = atomic_load(&w->cpu_us);
}

void yf_rec_writer_flush(yf_rec_writer *w)
{
    waiter wt = { .done = FALSE };
    item *it = item_new(IT_FLUSH, NULL, 0);

    g_mutex_init(&wt.lock);
    g_cond_init(&wt.cond);
    it->wait = &wt;
    g_async_queue_push(w->q, it);
    g_mutex_lock(&wt.lock);
    while (!wt.done)
        g_cond_wait(&wt.cond, &wt.lock);
    g_mutex_unlock(&wt.lock);
    g_mutex_clear(&wt.lock);
    g_cond_clear(&wt.cond);
}

void yf_rec_writer_pause(yf_rec_writer *w)
{
    g_mutex_lock(&w->pause_lock);
    w->paused = TRUE;
    g_mutex_unlock(&w->pause_lock);
    g_async_queue_push(w->q, item_new(IT_PAUSE, NULL, 0));
}

void yf_rec_writer_resume(yf_rec_writer *w)
{
    g_mutex_lock(&w->pause_lock);
    w->paused = FALSE;
    g_cond_broadcast(&w->pause_cond);
    g_mutex_unlock(&w->pause_lock);
}

/* ---- start-up recovery ---- */

static gint by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void recovered_free(gpointer p)
{
    yf_cap_recovered_clear(p);
    g_free(p);
}

GPtrArray *yf_rec_recover_dir(const char *dir, GError **err)
{
    GDir *d = g_dir_open(dir, 0, err);
    GPtrArray *names, *out;
    const char *n;

    if (!d)
        return NULL;
    names = g_ptr_array_new_with_free_func(g_free);
    while ((n = g_dir_read_name(d)))
        if (g_str_has_suffix(n, YF_CAP_PART_SUFFIX))
            g_ptr_array_add(names, g_strdup(n));
    g_dir_close(d);
    g_ptr_array_sort(names, by_name);
    out = g_ptr_array_new_with_free_func(recovered_free);
    for (guint i = 0; i < names->len; i++) {
        char *path = g_build_filename(dir, g_ptr_array_index(names, i), NULL);
        yf_cap_recovered *r = g_new0(yf_cap_recovered, 1);
        GError *e = NULL;

        if (!yf_cap_recover_file(path, g_get_real_time(), r, &e)) {
            r->error = g_strdup(e->message);
            if (!r->name)
                r->name = g_strdup(g_ptr_array_index(names, i));
            g_warning("recovery of %s failed: %s", path, e->message);
            g_clear_error(&e);
        } else {
            g_message("recovered %s: %" G_GUINT64_FORMAT " records kept, %" G_GUINT64_FORMAT " bytes cut", r->name,
                      r->records_kept, r->bytes_truncated);
        }
        g_ptr_array_add(out, r);
        g_free(path);
    }
    g_ptr_array_unref(names);
    return out;
}
