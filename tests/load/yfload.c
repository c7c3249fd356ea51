/* yfload.c -- the load generator (docs/performance.md): N real WebRTC peers
 * in one process on one GLib main loop, against a running yuanfang.
 * yuanfang (docs/protocol.md) or Janus's VideoRoom (--janus), the same
 * workload for both. Scenario (a): K hearing rooms of 4 participants, each publishing the test
 * stream (audio + video) and receiving the other three. It joins everyone
 * at once, waits until each receives media (or the join timeout), measures
 * for the duration, and prints one line: packets sent and received,
 * forwarded packets a second, loss, added latency and join time.
 * Exit status: 0 when every participant received media, 1 when one did not,
 * 2 for bad options. It prints numbers; it asserts no timing. */
#include "yfload_part.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define PER_ROOM 4
#define TICK_MS 2

static const char *const roles[PER_ROOM] = { "prosecutor", "clerk", "lawyer", "interpreter" };

typedef struct {
    char *host, *yuanfang, *data_dir, *stream_dir, *label;
    char **local;
    int port, rooms, duration, join_timeout, server_pid, observers;
    gboolean host_admits;
    gboolean plain, janus;
} options;

/* The server's own accounting (proc(5)): user + system CPU in clock ticks
 * (fields 14 and 15 of /proc/PID/stat) and resident memory in KiB. */
typedef struct {
    gboolean ok;
    uint64_t ticks;
    uint64_t rss_kib;
} proc_sample;

typedef struct {
    options o;
    GMainLoop *loop;
    yfl_stream stream;
    yfl_env env;
    yfl_target target;
    yfl_part *parts;
    int n;
    guint64 ticks;
    int64_t t_begin, t_window, t_end;
    uint64_t sent0, recv0;
    proc_sample p_begin, p_window, p_end;
    int64_t self_cpu_window, self_cpu_end; /* our own CPU, µs (getrusage) */
    enum { JOINING, MEASURING, DRAINING, DONE } phase;
} run;

/* ---- tokens ---- */

/* One room token from `yuanfang token` (docs/protocol.md, "Hearing rooms"). */
static char *mint_token(const options *o, const char *room, const char *name, const char *role, GError **err)
{
    char *pid = g_strdup_printf("load:%s", name);
    const char *argv[] = { o->yuanfang, "token", "--data-dir", o->data_dir, "--room", room, "--name", name,
                           "--role", role, "--participant", pid, "--ttl", "2h", NULL };
    char *out = NULL, *errout = NULL;
    int status = 0;

    gboolean ok = g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &errout, &status, err);
    g_free(pid);
    if (ok && !g_spawn_check_wait_status(status, NULL)) {
        g_set_error(err, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "%s token: %s", o->yuanfang,
                    errout && *errout ? g_strstrip(errout) : "failed");
        ok = FALSE;
    }
    if (ok && err && !*err && (!out || !*g_strstrip(out))) {
        g_set_error(err, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "no token printed: %s", errout ? errout : "");
        ok = FALSE;
    }
    g_free(errout);
    if (!ok) {
        g_free(out);
        return NULL;
    }
    return g_strstrip(out);
}

/* ---- the server's /proc ---- */

static proc_sample sample_proc(int pid)
{
    proc_sample s = { 0 };
    char path[64], *text = NULL;

    if (pid <= 0)
        return s;
    g_snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return s;
    /* The command name (field 2) may hold spaces: count from its ')'. */
    char *p = strrchr(text, ')');
    char **f = p ? g_strsplit(p + 2, " ", -1) : NULL;
    if (f && g_strv_length(f) > 22) {
        /* f[0] is field 3 (state): utime is field 14, stime 15, rss 24 (pages). */
        s.ticks = g_ascii_strtoull(f[11], NULL, 10) + g_ascii_strtoull(f[12], NULL, 10);
        s.rss_kib = g_ascii_strtoull(f[21], NULL, 10) * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
        s.ok = TRUE;
    }
    g_strfreev(f);
    g_free(text);
    return s;
}

/* The generator's own user + system CPU in µs: when it nears 100 % of a
 * core, loss and latency are its own, not the server's. */
static int64_t self_cpu_us(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec + (int64_t)ru.ru_stime.tv_sec * 1000000 +
           ru.ru_stime.tv_usec;
}

/* ---- the run ---- */

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

    return x < y ? -1 : x > y;
}

static int64_t pct(const int64_t *v, size_t n, double q)
{
    if (!n)
        return -1;
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return v[i];
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

/* Everyone receives every other participant's audio and video: the
 * window starts only then, so no video still waiting for its first
 * keyframe (one a second in the stream) is counted short. */
static gboolean all_joined(const run *r)
{
    for (int i = 0; i < r->n; i++) {
        const yfl_part *p = &r->parts[i];
        yfl_pc_info info;
        if (p->failed)
            continue;
        if (!p->expect_tracks) { /* the publisher alone on the stage */
            if (!p->pub)
                return FALSE;
            yfl_pc_get_info(p->pub, &info);
            if (!info.connected)
                return FALSE;
            continue;
        }
        if (!p->sub)
            return FALSE;
        yfl_pc_get_info(p->sub, &info);
        if (info.rx_tracks < p->expect_tracks)
            return FALSE;
    }
    return TRUE;
}

static void begin_window(run *r, int64_t now)
{
    r->phase = MEASURING;
    r->t_window = now;
    r->sent0 = yfl_tot.sent;
    r->recv0 = yfl_tot.received;
    r->p_window = sample_proc(r->o.server_pid);
    r->self_cpu_window = self_cpu_us();
    g_array_set_size(yfl_tot.latency_us, 0);
}

static void stop_media(run *r, int64_t now)
{
    r->phase = DRAINING;
    r->t_end = now;
    r->p_end = sample_proc(r->o.server_pid);
    r->self_cpu_end = self_cpu_us();
    for (int i = 0; i < r->n; i++)
        if (r->parts[i].pub)
            yfl_pc_stop_media(r->parts[i].pub);
}

static void each_pc(run *r, int64_t now, gboolean rtcp)
{
    for (int i = 0; i < r->n; i++) {
        yfl_pc *pcs[2] = { r->parts[i].pub, r->parts[i].sub };
        for (int k = 0; k < 2; k++) {
            if (!pcs[k])
                continue;
            yfl_pc_pace(pcs[k], &r->stream, now);
            if (rtcp)
                yfl_pc_tick(pcs[k], now);
        }
    }
}

static gboolean on_tick(gpointer data)
{
    run *r = data;
    int64_t now = g_get_monotonic_time();

    each_pc(r, now, ++r->ticks % 10 == 0);
    switch (r->phase) {
    case JOINING:
        if (all_joined(r) || now - r->t_begin > (int64_t)r->o.join_timeout * G_USEC_PER_SEC)
            begin_window(r, now);
        break;
    case MEASURING:
        if (now - r->t_window >= (int64_t)r->o.duration * G_USEC_PER_SEC)
            stop_media(r, now);
        break;
    case DRAINING:
        /* What is in flight arrives; its NACKs are answered. */
        if (now - r->t_end >= 500000) {
            r->phase = DONE;
            g_main_loop_quit(r->loop);
        }
        break;
    case DONE: break;
    }
    return G_SOURCE_CONTINUE;
}

/* ---- the report ---- */

/* Where a join's time goes: for each step, the median over the joined
 * receivers of its time since the websocket opened (cumulative), "-" where
 * the step is not seen (Janus has no admission). */
static void report_phases(const run *r)
{
    enum { N_PHASES = 6 };
    static const char *names[N_PHASES] = { "joined", "admitted", "offer", "ice", "dtls", "media" };
    int64_t *v[N_PHASES];
    size_t n[N_PHASES] = { 0 };

    for (int ph = 0; ph < N_PHASES; ph++)
        v[ph] = g_new0(int64_t, r->n + 1);
    for (int i = 0; i < r->n; i++) {
        const yfl_part *p = &r->parts[i];
        yfl_pc_info info;
        if (!p->t_first_media || !p->t_open || p->expect_tracks <= 0 || !p->sub)
            continue;
        yfl_pc_get_info(p->sub, &info);
        const int64_t at[N_PHASES] = { p->t_joined, p->t_admitted, p->t_offer, info.ice_ready_us,
                                       info.connected_us, p->t_first_media };
        for (int ph = 0; ph < N_PHASES; ph++)
            if (at[ph] && at[ph] >= p->t_open)
                v[ph][n[ph]++] = at[ph] - p->t_open;
    }
    printf("yfload server=%s join_phases_p50_ms", r->o.label);
    for (int ph = 0; ph < N_PHASES; ph++) {
        qsort(v[ph], n[ph], sizeof *v[ph], cmp_i64);
        if (n[ph])
            printf(" %s=%.1f", names[ph], pct(v[ph], n[ph], 0.5) / 1000.0);
        else
            printf(" %s=-", names[ph]);
        g_free(v[ph]);
    }
    printf("\n");
}

static int report(run *r)
{
    int64_t *join = g_new0(int64_t, r->n);
    size_t n_join = 0, n_receivers = 0;
    uint64_t expected = 0, got = 0;
    double window_s = (double)(r->t_end - r->t_window) / G_USEC_PER_SEC;

    for (int i = 0; i < r->n; i++) {
        yfl_part *p = &r->parts[i];
        yfl_pc_info info;
        n_receivers += p->expect_tracks > 0;
        if (p->t_first_media && p->t_open && p->expect_tracks > 0)
            join[n_join++] = p->t_first_media - p->t_open;
        if (p->sub) {
            yfl_pc_get_info(p->sub, &info);
            expected += info.rx_expected;
            got += info.rx_packets;
        }
    }
    qsort(join, n_join, sizeof *join, cmp_i64);
    GArray *lat = yfl_tot.latency_us;
    g_array_sort(lat, cmp_i32);
    int64_t *l64 = g_new0(int64_t, lat->len + 1);
    for (guint i = 0; i < lat->len; i++)
        l64[i] = g_array_index(lat, int32_t, i);
    /* Sent in the window; received until the end of the drain, so what was
     * in flight when the window closed is counted. */
    uint64_t sent = yfl_tot.sent - r->sent0, recv = yfl_tot.received - r->recv0;
    /* What the publishers were asked to send in the window: below ~95 % the
     * generator fell behind (a publisher late by 50 ms moves its schedule)
     * and offered less than the step says. */
    int publishers = 0;
    for (int i = 0; i < r->n; i++)
        publishers += !r->parts[i].observer;
    double nominal = (double)publishers * (double)r->stream.n * window_s * G_USEC_PER_SEC / (double)r->stream.period_us;
    double loss = expected ? 100.0 * (double)(expected > got ? expected - got : 0) / (double)expected : 100.0;
    printf("yfload server=%s scenario=%s rooms=%d peers=%d window_s=%.1f sent=%" G_GUINT64_FORMAT
           " received=%" G_GUINT64_FORMAT " forwarded_pps=%.0f loss_pct=%.3f latency_p50_us=%" G_GINT64_FORMAT
           " latency_p99_us=%" G_GINT64_FORMAT " stamps=%u join_p50_ms=%.1f join_p99_ms=%.1f joined=%zu/%zu"
           " nacks_sent=%" G_GUINT64_FORMAT " retransmitted=%" G_GUINT64_FORMAT " generator_cpu_pct=%.1f"
           " srtp_gcm=%u srtp_aes_cm=%u sent_total=%" G_GUINT64_FORMAT " received_total=%" G_GUINT64_FORMAT
           " schedule_pct=%.1f\n",
           r->o.label, r->o.observers ? "observers" : "rooms", r->o.observers ? 1 : r->o.rooms, r->n, window_s, sent, recv, window_s > 0 ? (double)recv / window_s : 0.0, loss,
           pct(l64, lat->len, 0.5), pct(l64, lat->len, 0.99), lat->len, pct(join, n_join, 0.5) / 1000.0,
           pct(join, n_join, 0.99) / 1000.0, n_join, n_receivers, yfl_tot.nacks_sent, yfl_tot.retransmitted,
           window_s > 0 ? (double)(r->self_cpu_end - r->self_cpu_window) / 1e4 / window_s : 0.0, yfl_tot.srtp_gcm,
           yfl_tot.srtp_cm, yfl_tot.sent + yfl_tot.retransmitted, yfl_tot.received,
           nominal > 0 ? 100.0 * (double)sent / nominal : 0.0);
    if (r->p_begin.ok && r->p_window.ok && r->p_end.ok) {
        double cpu_s = (double)(r->p_end.ticks - r->p_window.ticks) / (double)sysconf(_SC_CLK_TCK);
        printf("yfload server=%s server_cpu_pct=%.1f server_cpu_us_per_pkt=%.2f server_rss_kib_before=%" G_GUINT64_FORMAT
               " server_rss_kib_after=%" G_GUINT64_FORMAT " server_rss_kib_per_peer=%.0f\n",
               r->o.label, window_s > 0 ? 100.0 * cpu_s / window_s : 0.0, recv ? cpu_s * 1e6 / (double)recv : 0.0,
               r->p_begin.rss_kib, r->p_end.rss_kib,
               ((double)r->p_end.rss_kib - (double)r->p_begin.rss_kib) / r->n);
    }
    report_phases(r);
    fflush(stdout);
    g_free(l64);
    g_free(join);
    return n_join == n_receivers && recv > 0 ? 0 : 1;
}

/* ---- main ---- */

static gboolean parse_options(options *o, int argc, char **argv)
{
    GError *err = NULL;
    const GOptionEntry entries[] = {
        { "server", 's', 0, G_OPTION_ARG_STRING, &o->host, "server address (required)", "ADDR" },
        { "port", 'p', 0, G_OPTION_ARG_INT, &o->port, "its HTTPS/WSS port (8443)", "N" },
        { "janus", 0, 0, G_OPTION_ARG_NONE, &o->janus, "the server is Janus (VideoRoom, janus-protocol)", NULL },
        { "plain", 0, 0, G_OPTION_ARG_NONE, &o->plain, "ws:// instead of wss://", NULL },
        { "rooms", 'k', 0, G_OPTION_ARG_INT, &o->rooms, "rooms of 4 participants (1)", "K" },
        { "observers", 0, 0, G_OPTION_ARG_INT, &o->observers,
          "scenario (b): one room, one publisher and N receive-only observers", "N" },
        { "host-admits", 0, 0, G_OPTION_ARG_NONE, &o->host_admits,
          "yuanfang's host admits those waiting (every 20 ms) instead of opening the gallery", NULL },
        { "duration", 't', 0, G_OPTION_ARG_INT, &o->duration, "seconds measured after everyone joined (10)", "S" },
        { "join-timeout", 0, 0, G_OPTION_ARG_INT, &o->join_timeout, "seconds to wait for every join (20)", "S" },
        { "yuanfang", 0, 0, G_OPTION_ARG_FILENAME, &o->yuanfang, "the yuanfang binary, to mint room tokens",
          "BIN" },
        { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &o->data_dir, "the server's data directory (its token key)",
          "DIR" },
        { "stream-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->stream_dir, "video.ycap and audio.ycap", "DIR" },
        { "local-address", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &o->local, "our ICE host address (repeatable)",
          "ADDR" },
        { "stamp-every", 0, 0, G_OPTION_ARG_INT, &yfl_stamp_every, "stamp 1 packet in N (4; 0: none)", "N" },
        { "server-pid", 0, 0, G_OPTION_ARG_INT, &o->server_pid,
          "read this process's CPU time and memory from /proc (the server's PID)", "PID" },
        { "label", 0, 0, G_OPTION_ARG_STRING, &o->label, "server name in the report (yuanfang)", "NAME" },
        { NULL, 0, 0, 0, NULL, NULL, NULL }
    };
    GOptionContext *ctx = g_option_context_new("- WebRTC load against a running yuanfang (or Janus, --janus)");

    g_option_context_add_main_entries(ctx, entries, NULL);
    gboolean ok = g_option_context_parse(ctx, &argc, &argv, &err);
    g_option_context_free(ctx);
    if (!ok) {
        fprintf(stderr, "yfload: %s\n", err->message);
        g_error_free(err);
        return FALSE;
    }
    if (!o->host || (!o->janus && (!o->yuanfang || !o->data_dir))) {
        fprintf(stderr, "yfload: --server, and for yuanfang --yuanfang and --data-dir, are required (see --help)\n");
        return FALSE;
    }
    if (o->observers < 0 || o->observers > 10000 || o->rooms < 1 || o->rooms > 1000 || o->duration < 1 || o->port < 1 || o->port > 65535 ||
        o->join_timeout < 1) {
        fprintf(stderr, "yfload: --rooms 1..1000, --observers 0..10000, --duration >= 1, --join-timeout >= 1, --port 1..65535\n");
        return FALSE;
    }
    return TRUE;
}

static void options_clear(options *o)
{
    g_free(o->host);
    g_free(o->yuanfang);
    g_free(o->data_dir);
    g_free(o->stream_dir);
    g_free(o->label);
    g_strfreev(o->local);
    memset(o, 0, sizeof *o);
}

/* Scenario (a): K rooms of 4 who all enter directly and publish. Scenario
 * (b): one room, a host who publishes and opens the gallery (or admits),
 * and N observers. */
static gboolean make_parts(run *r)
{
    GError *err = NULL;
    int rooms = r->o.observers ? 1 : r->o.rooms;
    int per_room = r->o.observers ? 1 + r->o.observers : PER_ROOM;

    r->n = rooms * per_room;
    r->parts = g_new0(yfl_part, r->n);
    for (int k = 0; k < rooms; k++) {
        char *room = g_strdup_printf("load-%d-%d", (int)getpid(), k);
        for (int i = 0; i < per_room; i++) {
            yfl_part *p = &r->parts[k * per_room + i];
            const char *role = r->o.observers ? (i ? "observer" : "prosecutor") : roles[i];
            p->target = &r->target;
            p->observer = r->o.observers && i > 0;
            p->host = r->o.observers && i == 0;
            p->host_admits = r->o.host_admits;
            p->expect_tracks = r->o.observers ? (i ? 2 : 0) : 2 * (PER_ROOM - 1);
            if (r->o.observers)
                g_snprintf(p->label, sizeof p->label, i ? "obs%d" : "host", i);
            else
                g_snprintf(p->label, sizeof p->label, "r%d-%s", k, role);
            p->j_room = (int64_t)getpid() * 1000 + k;
            p->j_peers = r->o.observers ? 2 : PER_ROOM; /* feeds to wait for, plus one */
            if (r->o.janus)
                continue;
            p->token = mint_token(&r->o, room, p->label, role, &err);
            if (!p->token) {
                fprintf(stderr, "yfload: cannot mint a room token: %s\n", err ? err->message : "?");
                g_clear_error(&err);
                g_free(room);
                return FALSE;
            }
        }
        g_free(room);
    }
    return TRUE;
}

int main(int argc, char **argv)
{
    run r = { 0 };
    yf_dtls_cert *cert = NULL;
    GError *err = NULL;
    int rc = 2;

    r.o.port = 8443;
    r.o.rooms = 1;
    r.o.duration = 10;
    r.o.join_timeout = 20;
    if (!parse_options(&r.o, argc, argv)) {
        options_clear(&r.o);
        return 2;
    }
    if (!r.o.stream_dir)
        r.o.stream_dir = g_strdup(YFLOAD_STREAM_DIR);
    if (!r.o.label)
        r.o.label = g_strdup(r.o.janus ? "janus" : "yuanfang");
    if (!yfl_stream_load(&r.stream, r.o.stream_dir, &err)) {
        fprintf(stderr, "yfload: cannot read the test stream in %s: %s\n", r.o.stream_dir, err->message);
        g_error_free(err);
        options_clear(&r.o);
        return 2;
    }
    yfl_the_stream = &r.stream;
    yfl_tot.latency_us = g_array_new(FALSE, FALSE, sizeof(int32_t));
    if (yf_dtls_cert_generate(&cert) != YF_OK) {
        fprintf(stderr, "yfload: cannot make a DTLS certificate\n");
        goto out;
    }
    r.loop = g_main_loop_new(NULL, FALSE);
    r.env = (yfl_env){ .ctx = g_main_context_default(), .cert = cert, .local_addresses = r.o.local };
    r.target = (yfl_target){ .host = r.o.host, .port = r.o.port, .tls = !r.o.plain, .env = &r.env };
    if (!yfl_ws_init(r.loop)) {
        fprintf(stderr, "yfload: cannot make the websocket context\n");
        goto out;
    }
    if (!make_parts(&r))
        goto out;
    r.t_begin = g_get_monotonic_time();
    r.p_begin = sample_proc(r.o.server_pid);
    for (int i = 0; i < r.n; i++)
        (r.o.janus ? yfl_janus_start : yfl_yf_start)(&r.parts[i]);
    g_timeout_add(TICK_MS, on_tick, &r);
    g_main_loop_run(r.loop);
    rc = report(&r);
out:
    for (int i = 0; r.parts && i < r.n; i++) {
        yfl_part_stop(&r.parts[i]);
        g_free(r.parts[i].token);
    }
    /* Let the websockets close before the context goes. */
    for (int i = 0; i < 50 && g_main_context_pending(NULL); i++)
        g_main_context_iteration(NULL, FALSE);
    yfl_ws_shutdown();
    g_free(r.parts);
    yfl_stream_clear(&r.stream);
    yf_dtls_cert_free(cert);
    if (r.loop)
        g_main_loop_unref(r.loop);
    g_array_free(yfl_tot.latency_us, TRUE);
    options_clear(&r.o);
    return rc;
}
