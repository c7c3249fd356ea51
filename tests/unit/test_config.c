/* test_config.c -- configuration: defaults, the INI file, command-line
 * overrides winning over it, and bad files/values refused with a message
 * naming the problem. */
#include <glib/gstdio.h>
#include <unistd.h>

#include "server/config.h"
#include "yf_test.h"

static gboolean load(yf_config *cfg, const char *ini, const char *const *extra, GError **err)
{
    char *path = NULL;
    GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(args, g_strdup("yuanfang"));
    if (ini) {
        int fd = g_file_open_tmp("yf-config-XXXXXX.ini", &path, NULL);
        g_assert(fd >= 0);
        close(fd);
        g_file_set_contents(path, ini, -1, NULL);
        g_ptr_array_add(args, g_strdup("--config"));
        g_ptr_array_add(args, g_strdup(path));
    }
    for (int i = 0; extra && extra[i]; i++)
        g_ptr_array_add(args, g_strdup(extra[i]));
    int argc = (int)args->len;
    char **argv = g_new0(char *, argc + 1);
    char **keep = argv;
    for (int i = 0; i < argc; i++)
        argv[i] = args->pdata[i];
    gboolean exit_now = FALSE;
    memset(cfg, 0, sizeof *cfg);
    gboolean ok = yf_config_load(cfg, &argc, &argv, &exit_now, err);
    CHECK(!exit_now);
    g_free(keep);
    g_ptr_array_free(args, TRUE);
    if (path) {
        g_unlink(path);
        g_free(path);
    }
    return ok;
}

static void test_defaults(void)
{
    yf_config cfg;
    CHECK(load(&cfg, NULL, NULL, NULL));
    CHECK(g_str_equal(cfg.listen, "127.0.0.1"));
    CHECK_EQ_INT(cfg.port, 8443);
    CHECK(g_str_equal(cfg.data_dir, "data"));
    CHECK(cfg.media_addresses && g_str_equal(cfg.media_addresses[0], "127.0.0.1") && !cfg.media_addresses[1]);
    CHECK_EQ_INT(cfg.workers, 0);
    CHECK(cfg.tls_cert == NULL);
    CHECK(g_str_equal(cfg.log_level, "info"));
    CHECK(g_str_equal(cfg.public_url, "https://127.0.0.1:8443"));
    CHECK_EQ_INT(cfg.max_connections_per_address, 128);
    CHECK_EQ_INT(cfg.max_websockets_per_address, 64);
    CHECK_EQ_INT(cfg.ws_messages_per_address, 400);
    CHECK_EQ_INT(cfg.http_requests_per_address, 100);
    CHECK_EQ_INT(cfg.max_sessions, 200);
    CHECK_EQ_INT(cfg.devtest_share, 25);
    CHECK_EQ_INT(cfg.devtest_per_address, 4);
    CHECK_EQ_INT(cfg.max_observers, 500);
    CHECK(cfg.metrics_listen == NULL);   /* no metrics listener unless asked */
    yf_config_clear(&cfg);
    CHECK(load(&cfg, "[room]\nmax_observers = 800\n[metrics]\nlisten = [::1]:9464\n", NULL, NULL));
    CHECK_EQ_INT(cfg.max_observers, 800);
    CHECK(cfg.metrics_listen && g_str_equal(cfg.metrics_listen, "[::1]:9464"));
    yf_config_clear(&cfg);
    CHECK(load(&cfg, "[metrics]\nlisten = 127.0.0.1:9464\n", NULL, NULL));
    CHECK(cfg.metrics_listen && g_str_equal(cfg.metrics_listen, "127.0.0.1:9464"));
    yf_config_clear(&cfg);
    /* The limits per address, from the file. */
    CHECK(load(&cfg, "[server]\nmax_connections_per_address = 7\nmax_websockets_per_address = 3\n"
                     "http_requests_per_address = 5\nws_messages_per_address = 9000\n"
                     "[media]\ndevtest_share = 10\ndevtest_per_address = 1\n", NULL, NULL));
    CHECK_EQ_INT(cfg.max_connections_per_address, 7);
    CHECK_EQ_INT(cfg.max_websockets_per_address, 3);
    CHECK_EQ_INT(cfg.http_requests_per_address, 5);
    CHECK_EQ_INT(cfg.ws_messages_per_address, 9000);
    CHECK_EQ_INT(cfg.devtest_share, 10);
    CHECK_EQ_INT(cfg.devtest_per_address, 1);
    yf_config_clear(&cfg);
}

/* Invitation links start with [server] public_url: an https origin, checked;
 * by default the listen address and port (localhost for a wildcard). */
static void test_public_url(void)
{
    static const struct { const char *ini, *arg, *want; } rows[] = {
        {"[server]\npublic_url = https://jf.example.gov.cn\n", NULL, "https://jf.example.gov.cn"},
        {"[server]\npublic_url = https://jf.example.gov.cn:9443/\n", NULL, "https://jf.example.gov.cn:9443"},
        {NULL, "https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"},
        {"[server]\nlisten = 0.0.0.0\nport = 9000\n", NULL, "https://localhost:9000"},
        {"[server]\nlisten = ::1\n", NULL, "https://[::1]:8443"},
        {"[server]\npublic_url = http://jf.example.gov.cn\n", NULL, NULL},        /* not https */
        {"[server]\npublic_url = https://jf.example.gov.cn/yf\n", NULL, NULL},     /* a path */
        {"[server]\npublic_url = https://a@jf.example.gov.cn\n", NULL, NULL},      /* user info */
        {"[server]\npublic_url = https://jf.example.gov.cn?x=1\n", NULL, NULL},    /* a query */
        {"[server]\npublic_url = jf.example.gov.cn\n", NULL, NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        const char *args[] = {"--public-url", rows[i].arg, NULL};
        yf_config cfg;
        GError *err = NULL;
        gboolean ok = load(&cfg, rows[i].ini, rows[i].arg ? args : NULL, &err);
        if (rows[i].want) {
            CHECK(ok && g_str_equal(cfg.public_url, rows[i].want));
            if (!ok || !g_str_equal(cfg.public_url, rows[i].want))
                fprintf(stderr, "row %zu: got %s (%s)\n", i, ok ? cfg.public_url : "error", err ? err->message : "");
        } else {
            CHECK(!ok && err && strstr(err->message, "public_url"));
        }
        g_clear_error(&err);
        yf_config_clear(&cfg);   /* also what a refused load left */
    }
}

static void test_file_and_overrides(void)
{
    const char *ini = "[server]\nlisten = 0.0.0.0\nport = 9000\ndata_dir = /tmp/yfdata\n"
                      "[media]\nworkers = 3\naddresses = 10.0.0.1, 192.0.2.4\nport_min = 40000\nport_max = 40100\n"
                      "[log]\nlevel = debug\n";
    const char *args[] = {"--port", "9443", "--media-address", "127.0.0.1", NULL};
    yf_config cfg;
    GError *err = NULL;
    CHECK(load(&cfg, ini, args, &err));
    CHECK(err == NULL);
    CHECK(g_str_equal(cfg.listen, "0.0.0.0"));
    CHECK_EQ_INT(cfg.port, 9443); /* the command line wins */
    CHECK_EQ_INT(cfg.workers, 3);
    CHECK_EQ_INT(cfg.port_min, 40000);
    CHECK(g_str_equal(cfg.media_addresses[0], "127.0.0.1") && !cfg.media_addresses[1]);
    CHECK(g_str_equal(cfg.log_level, "debug"));
    yf_config_clear(&cfg);

    CHECK(load(&cfg, "[media]\naddresses = 10.0.0.1, 192.0.2.4\n", NULL, NULL));
    CHECK(g_strv_length(cfg.media_addresses) == 2 && g_str_equal(cfg.media_addresses[1], "192.0.2.4"));
    yf_config_clear(&cfg);

    const char *v6[] = {"--stun-server", "[2001:db8::1]:3479", NULL};
    CHECK(load(&cfg, NULL, v6, NULL));
    yf_config_clear(&cfg);
}

static const struct {
    const char *ini;
    const char *args[4];
    const char *message_part;
} bad[] = {
    {"[server]\nprot = 1\n", {NULL}, "unknown key [server] prot"},
    {"[sever]\nport = 1\n", {NULL}, "unknown key [sever] port"},
    {"[server]\nport = eighty\n", {NULL}, "port"},
    {"[server]\nport = 70000\n", {NULL}, "port must be"},
    {"not an ini file\n", {NULL}, ""},
    {NULL, {"--port", "0", NULL}, "port must be"},
    {NULL, {"--log-level", "loud", NULL}, "log level"},
    {NULL, {"--workers", "-2", NULL}, ""},
    {NULL, {"--tls-cert", "/x.pem", NULL}, "together"},
    {NULL, {"--no-such-option", NULL}, "no-such-option"},
    {"[media]\nport_min = 5000\nport_max = 4000\n", {NULL}, "port_min"},
    {"[media]\naddresses = ,\n", {NULL}, "at least one address"},
    {NULL, {"--stun-server", "stun.example.org:70000", NULL}, "stun_server"},
    {NULL, {"--stun-server", ":3478", NULL}, "stun_server"},
    {"[server]\nmax_connections_per_address = 0\n", {NULL}, "max_connections_per_address must be"},
    {"[server]\nmax_websockets_per_address = -1\n", {NULL}, "max_websockets_per_address must be"},
    {"[server]\nws_messages_per_address = 0\n", {NULL}, "ws_messages_per_address must be"},
    {"[server]\nhttp_requests_per_address = 0\n", {NULL}, "http_requests_per_address must be"},
    {"[media]\ndevtest_share = 101\n", {NULL}, "devtest_share must be"},
    {"[media]\ndevtest_per_address = 0\n", {NULL}, "devtest_per_address must be"},
    {"[room]\nmax_observers = 0\n", {NULL}, "max_observers must be 1..10000"},
    {"[room]\nmax_observers = 10001\n", {NULL}, "max_observers must be 1..10000"},
    {"[metrics]\nlisten = 9464\n", {NULL}, "[metrics] listen must be IP:PORT"},
    {"[metrics]\nlisten = localhost:9464\n", {NULL}, "an address, not a name"},
    {"[metrics]\nlisten = 127.0.0.1:0\n", {NULL}, "[metrics] listen must be"},
    {"[metrics]\nlisten = 127.0.0.1:65536\n", {NULL}, "[metrics] listen must be"},
    {"[metrics]\nlisten = ::1:9464\n", {NULL}, "[metrics] listen must be"},
    {"[metrics]\nport = 9464\n", {NULL}, "unknown key [metrics] port"},
};

static void test_bad(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        yf_config cfg;
        GError *err = NULL;
        gboolean ok = load(&cfg, bad[i].ini, bad[i].args, &err);
        CHECK(!ok);
        CHECK(err != NULL);
        if (err && !strstr(err->message, bad[i].message_part)) {
            fprintf(stderr, "case %zu: message '%s' lacks '%s'\n", i, err->message, bad[i].message_part);
            CHECK(0);
        }
        g_clear_error(&err);
        yf_config_clear(&cfg);
    }
}

/* [media] ice_tcp (off by default) and [turn]: urls and secret_file together,
 * turn:/turns: URLs only, a lifetime in range. */
static void test_turn(void)
{
    yf_config cfg;
    GError *err = NULL;
    CHECK(load(&cfg, NULL, NULL, NULL));
    CHECK(!cfg.ice_tcp && cfg.turn_urls == NULL && cfg.turn_secret_file == NULL);
    CHECK_EQ_INT(cfg.turn_lifetime, 43200);
    yf_config_clear(&cfg);
    CHECK(load(&cfg, "[media]\nice_tcp = true\n[turn]\nurls = turn:192.0.2.1:3478?transport=udp, "
                     "turns:turn.example.gov.cn:443?transport=tcp\nsecret_file = /etc/yuanfang/turn-secret\n"
                     "lifetime = 3600\n", NULL, &err));
    CHECK(err == NULL && cfg.ice_tcp && g_strv_length(cfg.turn_urls) == 2);
    CHECK(cfg.turn_urls && g_str_equal(cfg.turn_urls[1], "turns:turn.example.gov.cn:443?transport=tcp"));
    CHECK(g_strcmp0(cfg.turn_secret_file, "/etc/yuanfang/turn-secret") == 0);
    CHECK_EQ_INT(cfg.turn_lifetime, 3600);
    g_clear_error(&err);
    yf_config_clear(&cfg);
    static const struct { const char *ini, *want; } refused[] = {
        {"[turn]\nurls = turn:192.0.2.1\n", "together"},
        {"[turn]\nsecret_file = /etc/yuanfang/turn-secret\n", "together"},
        {"[turn]\nurls = stun:192.0.2.1\nsecret_file = /s\n", "turn urls"},
        {"[turn]\nurls = turn:192.0.2.1\nsecret_file = /s\nlifetime = 10\n", "lifetime"},
        {"[turn]\nsecret = abc\n", "unknown key"},
        {"[media]\nice_tcp = maybe\n", "ice_tcp"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
        CHECK(!load(&cfg, refused[i].ini, NULL, &err) && err && strstr(err->message, refused[i].want));
        if (err && !strstr(err->message, refused[i].want))
            fprintf(stderr, "row %zu: %s\n", i, err->message);
        g_clear_error(&err);
        yf_config_clear(&cfg);
    }
}

/* [media] audio_red: on unless turned off, a boolean only. */
static void test_audio_red(void)
{
    yf_config cfg;
    GError *err = NULL;
    CHECK(load(&cfg, NULL, NULL, NULL) && cfg.audio_red);
    yf_config_clear(&cfg);
    CHECK(load(&cfg, "[media]\naudio_red = false\n", NULL, &err) && !cfg.audio_red && cfg.audio_resilience);
    yf_config_clear(&cfg);
    CHECK(!load(&cfg, "[media]\naudio_red = maybe\n", NULL, &err) && err && strstr(err->message, "audio_red"));
    g_clear_error(&err);
    yf_config_clear(&cfg);
}

/* [media] audio_resilience: on unless turned off, a boolean only. */
static void test_audio_resilience(void)
{
    yf_config cfg;
    GError *err = NULL;
    CHECK(load(&cfg, NULL, NULL, NULL) && cfg.audio_resilience);
    yf_config_clear(&cfg);
    CHECK(load(&cfg, "[media]\naudio_resilience = false\n", NULL, &err) && !cfg.audio_resilience);
    g_clear_error(&err);
    yf_config_clear(&cfg);
    CHECK(!load(&cfg, "[media]\naudio_resilience = 1x\n", NULL, &err) && err &&
          strstr(err->message, "audio_resilience"));
    g_clear_error(&err);
    yf_config_clear(&cfg);
}

/* [server] http2: off unless the file or --http2 turns it on, a boolean only. */
static void test_http2(void)
{
    yf_config cfg;
    GError *err = NULL;
    static const char *const flag[] = {"--http2", NULL};
    CHECK(load(&cfg, NULL, NULL, NULL) && !cfg.http2);
    yf_config_clear(&cfg);
    CHECK(load(&cfg, "[server]\nhttp2 = true\n", NULL, &err) && cfg.http2);
    g_clear_error(&err);
    yf_config_clear(&cfg);
    CHECK(load(&cfg, NULL, flag, &err) && cfg.http2);
    g_clear_error(&err);
    yf_config_clear(&cfg);
    CHECK(!load(&cfg, "[server]\nhttp2 = h2\n", NULL, &err) && err && strstr(err->message, "http2"));
    g_clear_error(&err);
    yf_config_clear(&cfg);
}

int main(void)
{
    test_http2();
    test_audio_resilience();
    test_audio_red();
    test_turn();
    test_defaults();
    test_public_url();
    test_file_and_overrides();
    test_bad();
    return yf_test_done("test_config");
}
