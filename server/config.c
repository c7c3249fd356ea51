/* config.c -- loads yf_config: built-in defaults, then the [server], [tls],
 * [media], [turn], [room] and [log] groups of an INI file, then command-line
 * options, which win. Refuses unknown groups/keys' bad values with a message
 * naming them. */
#include "config.h"

#include <gio/gio.h>

#include <stdio.h>
#include <string.h>

#include "server/cli/subcommand.h"
#include "metrics.h"

#ifndef YF_WEB_DIR_DEFAULT
#define YF_WEB_DIR_DEFAULT "web"
#endif

static void set_defaults(yf_config *cfg)
{
    cfg->listen = g_strdup("127.0.0.1");
    cfg->port = 8443;
    cfg->data_dir = g_strdup("data");
    cfg->web_dir = g_strdup(YF_WEB_DIR_DEFAULT);
    cfg->workers = 0;
    cfg->media_addresses = g_strsplit("127.0.0.1", ",", -1);
    cfg->max_connections_per_address = 128;
    cfg->max_websockets_per_address = 64;
    cfg->ws_messages_per_address = 400;
    cfg->http_requests_per_address = 100;
    cfg->max_sessions = 200;
    cfg->devtest_share = 25;
    cfg->devtest_per_address = 4;
    cfg->grace_s = 60;
    cfg->max_observers = 500;
    cfg->log_level = g_strdup("info");
    cfg->ice_tcp = FALSE;   /* off until the connections a candidate accepts are capped (docs/security.md) */
    cfg->turn_lifetime = 43200;
    cfg->audio_resilience = TRUE;
    cfg->audio_red = TRUE; /* RED where offered: measured in docs/deployment.md */
}

static void take_string(GKeyFile *kf, const char *group, const char *key, char **dst)
{
    char *v = g_key_file_get_string(kf, group, key, NULL);
    if (v == NULL)
        return;
    g_strstrip(v);
    g_free(*dst);
    *dst = *v ? v : (g_free(v), NULL);
}

static gboolean take_int(GKeyFile *kf, const char *group, const char *key, int *dst, GError **err)
{
    GError *e = NULL;
    if (!g_key_file_has_key(kf, group, key, NULL))
        return TRUE;
    int v = g_key_file_get_integer(kf, group, key, &e);
    if (e) {
        g_propagate_prefixed_error(err, e, "[%s] %s: ", group, key);
        return FALSE;
    }
    *dst = v;
    return TRUE;
}

static gboolean take_bool(GKeyFile *kf, const char *group, const char *key, gboolean *dst, GError **err)
{
    GError *e = NULL;
    if (!g_key_file_has_key(kf, group, key, NULL))
        return TRUE;
    gboolean v = g_key_file_get_boolean(kf, group, key, &e);
    if (e) {
        g_propagate_prefixed_error(err, e, "[%s] %s: ", group, key);
        return FALSE;
    }
    *dst = v;
    return TRUE;
}

static gboolean check_keys(GKeyFile *kf, GError **err)
{
    static const char *known[] = {
        "server:listen", "server:port", "server:data_dir", "server:web_dir", "server:production",
        "server:public_url", "server:max_connections_per_address", "server:max_websockets_per_address",
        "server:ws_messages_per_address",
        "server:http_requests_per_address", "server:http2",
        "tls:cert", "tls:key",
        "media:workers", "media:addresses", "media:port_min", "media:port_max",
        "media:stun_server", "media:max_sessions", "media:devtest_share", "media:devtest_per_address",
        "room:grace_s", "log:level",
        "media:ice_tcp", "turn:urls", "turn:secret_file", "turn:lifetime",
        "room:max_observers", "metrics:listen", "media:audio_resilience", "media:audio_red", NULL};
    gboolean ok = TRUE;
    gchar **groups = g_key_file_get_groups(kf, NULL);
    for (gsize g = 0; ok && groups[g]; g++) {
        gchar **keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
        for (gsize k = 0; ok && keys && keys[k]; k++) {
            char *name = g_strdup_printf("%s:%s", groups[g], keys[k]);
            ok = g_strv_contains(known, name);
            if (!ok)
                g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                            "unknown key [%s] %s (see docs/config.md)", groups[g], keys[k]);
            g_free(name);
        }
        g_strfreev(keys);
    }
    g_strfreev(groups);
    return ok;
}

static gboolean load_file(yf_config *cfg, const char *path, GError **err)
{
    GKeyFile *kf = g_key_file_new();
    gboolean ok = g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, err) && check_keys(kf, err);
    if (!ok)
        goto out;
    take_string(kf, "server", "listen", &cfg->listen);
    take_string(kf, "server", "data_dir", &cfg->data_dir);
    take_string(kf, "server", "web_dir", &cfg->web_dir);
    take_string(kf, "server", "public_url", &cfg->public_url);
    take_string(kf, "tls", "cert", &cfg->tls_cert);
    take_string(kf, "tls", "key", &cfg->tls_key);
    take_string(kf, "media", "stun_server", &cfg->stun_server);
    take_string(kf, "log", "level", &cfg->log_level);
    take_string(kf, "metrics", "listen", &cfg->metrics_listen);
    take_string(kf, "turn", "secret_file", &cfg->turn_secret_file);
    char *turn_urls = NULL;
    take_string(kf, "turn", "urls", &turn_urls);
    if (turn_urls) {
        g_strfreev(cfg->turn_urls);
        cfg->turn_urls = g_strsplit_set(turn_urls, ", ", -1);
        g_free(turn_urls);
    }
    char *addrs = NULL;
    take_string(kf, "media", "addresses", &addrs);
    if (addrs) {
        g_strfreev(cfg->media_addresses);
        cfg->media_addresses = g_strsplit_set(addrs, ", ", -1);
        g_free(addrs);
    }
    ok = take_bool(kf, "server", "production", &cfg->production, err) &&
         take_bool(kf, "server", "http2", &cfg->http2, err) &&
         take_int(kf, "server", "port", &cfg->port, err) &&
         take_int(kf, "server", "max_connections_per_address", &cfg->max_connections_per_address, err) &&
         take_int(kf, "server", "max_websockets_per_address", &cfg->max_websockets_per_address, err) &&
         take_int(kf, "server", "ws_messages_per_address", &cfg->ws_messages_per_address, err) &&
         take_int(kf, "server", "http_requests_per_address", &cfg->http_requests_per_address, err) &&
         take_int(kf, "media", "workers", &cfg->workers, err) &&
         take_int(kf, "media", "port_min", &cfg->port_min, err) &&
         take_int(kf, "media", "port_max", &cfg->port_max, err) &&
         take_int(kf, "media", "max_sessions", &cfg->max_sessions, err) &&
         take_int(kf, "media", "devtest_share", &cfg->devtest_share, err) &&
         take_int(kf, "media", "devtest_per_address", &cfg->devtest_per_address, err) &&
         take_int(kf, "room", "grace_s", &cfg->grace_s, err) &&
         take_int(kf, "room", "max_observers", &cfg->max_observers, err) &&
         take_bool(kf, "media", "ice_tcp", &cfg->ice_tcp, err) &&
         take_bool(kf, "media", "audio_resilience", &cfg->audio_resilience, err) &&
         take_bool(kf, "media", "audio_red", &cfg->audio_red, err) &&
         take_int(kf, "turn", "lifetime", &cfg->turn_lifetime, err);
out:
    g_key_file_free(kf);
    return ok;
}

/* Drops empty entries that g_strsplit_set leaves for "a, b". */
static char **compact_strv(char **v)
{
    GPtrArray *out = g_ptr_array_new();
    for (gsize i = 0; v && v[i]; i++)
        if (*v[i])
            g_ptr_array_add(out, g_strdup(v[i]));
    g_ptr_array_add(out, NULL);
    g_strfreev(v);
    return (char **)g_ptr_array_free(out, FALSE);
}

static gboolean stun_ok(const char *s)
{
    GSocketConnectable *na = g_network_address_parse(s, 3478, NULL);
    gboolean ok = na && g_network_address_get_port(G_NETWORK_ADDRESS(na)) > 0 &&
                  *g_network_address_get_hostname(G_NETWORK_ADDRESS(na));
    g_clear_object(&na);
    return ok;
}

/* "https://host[:port]" with nothing after it (a trailing "/" is dropped):
 * the origin every invitation link names. NULL: not such a URL. */
static char *public_origin(const char *url)
{
    GUri *u = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
    char *out = NULL;
    if (u && g_strcmp0(g_uri_get_scheme(u), "https") == 0 && g_uri_get_host(u) && *g_uri_get_host(u) &&
        !g_uri_get_userinfo(u) && !g_uri_get_query(u) && !g_uri_get_fragment(u) &&
        (!*g_uri_get_path(u) || strcmp(g_uri_get_path(u), "/") == 0))
        out = g_uri_join(G_URI_FLAGS_NONE, "https", NULL, g_uri_get_host(u), g_uri_get_port(u), "", NULL, NULL);
    if (u)
        g_uri_unref(u);
    return out;
}

/* The default origin: the listen address and port, localhost for a wildcard. */
static char *default_origin(const yf_config *cfg)
{
    const char *host = cfg->listen;
    if (!strcmp(host, "0.0.0.0") || !strcmp(host, "::") || !strcmp(host, "[::]"))
        host = "localhost";
    gboolean v6 = strchr(host, ':') != NULL && host[0] != '[';
    return g_strdup_printf("https://%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", cfg->port);
}

/* [turn]: urls and secret_file together, each URL turn: or turns:. The
 * secret file itself is read (and its mode checked) by the server at start. */
static const char *turn_bad(const yf_config *cfg)
{
    if ((cfg->turn_urls == NULL) != (cfg->turn_secret_file == NULL))
        return "turn urls and secret_file must be given together";
    if (cfg->turn_lifetime < 60 || cfg->turn_lifetime > 604800)
        return "turn lifetime must be 60..604800 seconds";
    for (char **u = cfg->turn_urls; u && *u; u++)
        if (!g_str_has_prefix(*u, "turn:") && !g_str_has_prefix(*u, "turns:"))
            return "turn urls must be turn:HOST[:PORT][?transport=udp|tcp] or turns:HOST[:PORT][?transport=tcp]";
    return NULL;
}

static gboolean validate(yf_config *cfg, GError **err)
{
    static const char *levels[] = {"error", "warning", "info", "debug", NULL};
    cfg->media_addresses = compact_strv(cfg->media_addresses);
    if (cfg->turn_urls) {
        cfg->turn_urls = compact_strv(cfg->turn_urls);
        if (!cfg->turn_urls[0])
            g_clear_pointer(&cfg->turn_urls, g_strfreev);
    }
    const char *bad = NULL;
    if (cfg->port < 1 || cfg->port > 65535)
        bad = "port must be 1..65535";
    else if (cfg->workers < 0 || cfg->workers > 256)
        bad = "media workers must be 0..256";
    else if (cfg->port_min < 0 || cfg->port_max > 65535 || cfg->port_min > cfg->port_max)
        bad = "media port_min..port_max must be a range within 0..65535";
    else if (cfg->max_connections_per_address < 1 || cfg->max_connections_per_address > 100000)
        bad = "server max_connections_per_address must be 1..100000";
    else if (cfg->max_websockets_per_address < 1 || cfg->max_websockets_per_address > 100000)
        bad = "server max_websockets_per_address must be 1..100000";
    else if (cfg->ws_messages_per_address < 1 || cfg->ws_messages_per_address > 1000000)
        bad = "server ws_messages_per_address must be 1..1000000";
    else if (cfg->http_requests_per_address < 1 || cfg->http_requests_per_address > 100000)
        bad = "server http_requests_per_address must be 1..100000";
    else if (cfg->max_sessions < 1)
        bad = "media max_sessions must be at least 1";
    else if (cfg->devtest_share < 0 || cfg->devtest_share > 100)
        bad = "media devtest_share must be a percentage 0..100";
    else if (cfg->devtest_per_address < 1 || cfg->devtest_per_address > 100000)
        bad = "media devtest_per_address must be 1..100000";
    else if (cfg->grace_s < 0 || cfg->grace_s > 3600)
        bad = "room grace_s must be 0..3600";
    else if (cfg->max_observers < 1 || cfg->max_observers > 10000)
        bad = "room max_observers must be 1..10000";
    else if (!g_strv_contains(levels, cfg->log_level))
        bad = "log level must be error, warning, info or debug";
    else if (!cfg->media_addresses[0])
        bad = "media addresses must name at least one address";
    else if (cfg->stun_server && !stun_ok(cfg->stun_server))
        bad = "media stun_server must be host, host:port or [ipv6]:port with a port in 1..65535";
    else if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL))
        bad = "tls cert and key must be given together";
    else if ((bad = turn_bad(cfg)))
        ;
    else if (cfg->public_url) {
        char *origin = public_origin(cfg->public_url);
        if (!origin)
            bad = "server public_url must be https://HOST or https://HOST:PORT";
        g_free(cfg->public_url);
        cfg->public_url = origin;
    }
    if (!bad && !cfg->public_url)
        cfg->public_url = default_origin(cfg);
    GInetSocketAddress *maddr = NULL;
    if (!bad && cfg->metrics_listen && !yf_metrics_parse_listen(cfg->metrics_listen, &maddr, err))
        return FALSE;
    g_clear_object(&maddr);
    if (bad)
        g_set_error(err, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s", bad);
    return bad == NULL;
}

gboolean yf_config_load(yf_config *cfg, int *argc, char ***argv, gboolean *exit_now, GError **err)
{
    char *file = NULL, *listen = NULL, *data = NULL, *web = NULL, *level = NULL, *public_url = NULL;
    char *cert = NULL, *key = NULL, *stun = NULL;
    char **addrs = NULL;
    int port = G_MININT, workers = G_MININT;
    gboolean version = FALSE, ok = FALSE, production = FALSE, http2 = FALSE;
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &file, "INI configuration file", "FILE"},
        {"listen", 0, 0, G_OPTION_ARG_STRING, &listen, "HTTPS/WSS address (127.0.0.1)", "ADDR"},
        {"port", 'p', 0, G_OPTION_ARG_INT, &port, "HTTPS/WSS port (8443)", "PORT"},
        {"data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data, "data directory (./data)", "DIR"},
        {"web-dir", 0, 0, G_OPTION_ARG_FILENAME, &web, "directory of the browser client", "DIR"},
        {"production", 0, 0, G_OPTION_ARG_NONE, &production, "production mode: refuse to start without an admin account", NULL},
        {"http2", 0, 0, G_OPTION_ARG_NONE, &http2, "offer HTTP/2 as well as HTTP/1.1 ([server] http2)", NULL},
        {"public-url", 0, 0, G_OPTION_ARG_STRING, &public_url, "what invitation links start with (https://LISTEN:PORT)", "URL"},
        {"tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &cert, "TLS certificate (PEM)", "FILE"},
        {"tls-key", 0, 0, G_OPTION_ARG_FILENAME, &key, "TLS private key (PEM)", "FILE"},
        {"media-address", 0, 0, G_OPTION_ARG_STRING_ARRAY, &addrs, "address for ICE host candidates (repeatable)", "ADDR"},
        {"workers", 'w', 0, G_OPTION_ARG_INT, &workers, "media worker threads (0: one per core)", "N"},
        {"stun-server", 0, 0, G_OPTION_ARG_STRING, &stun, "STUN server host:port", "HOST:PORT"},
        {"log-level", 0, 0, G_OPTION_ARG_STRING, &level, "error|warning|info|debug (info)", "LEVEL"},
        {"version", 'V', 0, G_OPTION_ARG_NONE, &version, "print the version and exit", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("- yuanfang video remote-reception server");
    g_option_context_set_summary(ctx, "Serves HTTPS, the /ws signaling endpoint and WebRTC media.\n"
                                      "Settings come from defaults, then --config FILE, then these options.\n"
                                      "Every configuration key is described in docs/config.md.");
    char *subcommands = yf_subcommand_describe_all();
    g_option_context_set_description(ctx, subcommands);
    g_free(subcommands);
    g_option_context_add_main_entries(ctx, entries, NULL);
    *exit_now = FALSE;
    set_defaults(cfg);
    if (!g_option_context_parse(ctx, argc, argv, err))
        goto out;
    if (version) {
        printf("yuanfang %s\n", YF_VERSION);
        *exit_now = TRUE;
        ok = TRUE;
        goto out;
    }
    if (file && !load_file(cfg, file, err))
        goto out;
    cfg->config_file = g_steal_pointer(&file);
#define OVERRIDE(dst, src) do { if (src) { g_free(dst); (dst) = g_steal_pointer(&(src)); } } while (0)
    OVERRIDE(cfg->listen, listen);
    OVERRIDE(cfg->data_dir, data);
    OVERRIDE(cfg->web_dir, web);
    OVERRIDE(cfg->public_url, public_url);
    OVERRIDE(cfg->tls_cert, cert);
    OVERRIDE(cfg->tls_key, key);
    OVERRIDE(cfg->stun_server, stun);
    OVERRIDE(cfg->log_level, level);
#undef OVERRIDE
    if (addrs) {
        g_strfreev(cfg->media_addresses);
        cfg->media_addresses = g_steal_pointer(&addrs);
    }
    if (port != G_MININT)
        cfg->port = port;
    if (http2)
        cfg->http2 = TRUE;
    if (production)
        cfg->production = TRUE;
    if (workers != G_MININT)
        cfg->workers = workers;
    ok = validate(cfg, err);
out:
    g_free(file); g_free(listen); g_free(data); g_free(web); g_free(level); g_free(public_url);
    g_free(cert); g_free(key); g_free(stun); g_strfreev(addrs);
    g_option_context_free(ctx);
    return ok;
}

void yf_config_clear(yf_config *cfg)
{
    g_free(cfg->config_file); g_free(cfg->listen); g_free(cfg->data_dir); g_free(cfg->web_dir);
    g_free(cfg->public_url);
    g_free(cfg->tls_cert); g_free(cfg->tls_key); g_strfreev(cfg->media_addresses);
    g_free(cfg->stun_server); g_free(cfg->log_level); g_free(cfg->metrics_listen);
    g_strfreev(cfg->turn_urls); g_free(cfg->turn_secret_file);
    memset(cfg, 0, sizeof *cfg);
}
