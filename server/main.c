/* main.c -- yuanfang's entry point: configuration, logging, the control loop,
 * and a clean stop on SIGINT/SIGTERM (clients told, media closed, then exit). */
#define G_LOG_DOMAIN "yuanfang"
#include <glib-unix.h>
#include <libwebsockets.h>
#include <locale.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "logline.h"
#include "server.h"
#include "server/cli/subcommand.h"


static GLogLevelFlags log_threshold = G_LOG_LEVEL_INFO;
static GMainLoop *main_loop;
static yf_server *server;

static void log_handler(const char *domain, GLogLevelFlags level, const char *msg, gpointer data)
{
    GLogLevelFlags lv = level & G_LOG_LEVEL_MASK;
    if (lv > log_threshold)
        return;
    const char *name = lv <= G_LOG_LEVEL_CRITICAL ? "ERROR" : lv == G_LOG_LEVEL_WARNING ? "WARN"
                     : lv <= G_LOG_LEVEL_INFO ? "INFO" : "DEBUG";
    GDateTime *now = g_date_time_new_now_utc();
    char *ts = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S");
    char *line = yf_log_escape(msg);   /* messages may carry what a client sent */
    fprintf(stderr, "%s.%03dZ %-5s %s: %s\n", ts, g_date_time_get_microsecond(now) / 1000, name,
            domain ? domain : "yuanfang", line);
    g_free(line);
    g_free(ts);
    g_date_time_unref(now);
}

static void lws_log(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    char *copy = g_strndup(line, n);
    if (level & LLL_ERR)
        g_log("yf-lws", G_LOG_LEVEL_WARNING, "%s", copy);
    else
        g_log("yf-lws", G_LOG_LEVEL_DEBUG, "%s", copy);
    g_free(copy);
}

static void set_log_level(const char *level)
{
    if (strcmp(level, "error") == 0)
        log_threshold = G_LOG_LEVEL_CRITICAL;
    else if (strcmp(level, "warning") == 0)
        log_threshold = G_LOG_LEVEL_WARNING;
    else if (strcmp(level, "debug") == 0)
        log_threshold = G_LOG_LEVEL_DEBUG;
    else
        log_threshold = G_LOG_LEVEL_INFO;
    g_log_set_default_handler(log_handler, NULL);
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
}

/* How long a stop waits for uploads being written to reach the case file
 * (yf_server_busy): an 8 MiB aid upload is written, synced and hashed in
 * well under a second on a working disk. */
#define STOP_WAIT_US (20 * G_USEC_PER_SEC)
#define STOP_LINGER_US (300 * 1000)   /* the shutdown events and DTLS close_notify */

static gboolean quit_when_done(gpointer data)
{
    const int64_t *since = data;
    int64_t waited = g_get_monotonic_time() - *since;
    static gboolean said;
    unsigned busy = yf_server_busy(server);

    if (waited < STOP_LINGER_US)
        return G_SOURCE_CONTINUE;
    if (busy && waited < STOP_WAIT_US) {
        if (!said)
            g_message("stopping: waiting for %u file(s) being written to reach the case file", busy);
        said = TRUE;
        return G_SOURCE_CONTINUE;
    }
    if (busy)
        g_warning("stopping with %u file(s) not in the case file after %d s: they may be on disk "
                  "without a record; the senders had no reply and will send them again",
                  busy, (int)(STOP_WAIT_US / G_USEC_PER_SEC));
    g_main_loop_quit(main_loop);
    return G_SOURCE_REMOVE;
}

static gboolean on_stop_signal(gpointer data)
{
    static gboolean stopping;
    static int64_t since;
    if (stopping) {
        g_message("second signal: stopping at once");
        g_main_loop_quit(main_loop);
        return G_SOURCE_CONTINUE;
    }
    stopping = TRUE;
    since = g_get_monotonic_time();
    g_message("stopping (%s)", (const char *)data);
    yf_server_shutdown(server, "server stopping");
    /* Let the shutdown events and DTLS close_notify go out, and what is
     * being written reach the case file. */
    g_timeout_add(50, quit_when_done, &since);
    return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
    yf_config cfg;
    GError *err = NULL;
    gboolean exit_now = FALSE;
    int rc = 1;
    memset(&cfg, 0, sizeof cfg);
    setlocale(LC_ALL, "");
    signal(SIGPIPE, SIG_IGN);
    /* Everything yuanfang writes (the case store with personal data and
     * password hashes, recordings, notes, keys) is its user's alone, whatever
     * the mode of a data directory that existed before. */
    umask(077);
    g_log_set_default_handler(log_handler, NULL);
    if (argc > 1 && argv[1][0] != '-')   /* a subcommand, not the server */
        return yf_subcommand_main(argc, argv);
    if (!yf_config_load(&cfg, &argc, &argv, &exit_now, &err)) {
        fprintf(stderr, "yuanfang: %s\n(try --help)\n", err->message);
        goto out;
    }
    if (exit_now) {
        rc = 0;
        goto out;
    }
    set_log_level(cfg.log_level);
    main_loop = g_main_loop_new(NULL, FALSE);
    server = yf_server_new(&cfg, main_loop, &err);
    if (!server) {
        g_critical("cannot start: %s", err->message);
        goto out;
    }
    g_unix_signal_add(SIGINT, on_stop_signal, "SIGINT");
    g_unix_signal_add(SIGTERM, on_stop_signal, "SIGTERM");
    g_main_loop_run(main_loop);
    yf_server_free(server);
    server = NULL;
    g_message("stopped");
    rc = 0;
out:
    g_clear_error(&err);
    if (main_loop)
        g_main_loop_unref(main_loop);
    yf_config_clear(&cfg);
    return rc;
}
