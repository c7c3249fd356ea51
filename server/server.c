/* server.c -- assembles one yuanfang: data directory, HTTPS certificate, the
 * case store and REST API, the process's DTLS identity, the media workers, and
 * the libwebsockets context
 * on the control GMainContext (lws's GLib event library, foreign loop).
 * libwebsockets is single-threaded here: only the control thread calls it. */
#define G_LOG_DOMAIN "yf-server"
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libwebsockets.h>
#include <string.h>

#include "server/api/api.h"
#include "http.h"
#include "selfsigned.h"
#include "webroot.h"
#include "metrics.h"
#include "httprate.h"
#include "media/core/srtp.h"
#include "server/store/store.h"
#include "media/core/peer.h"
#include "server/recorder/recorder.h"
#include "signaling/ws.h"
#include "signaling/token/room_token.h"
#include "signaling/peers/peers.h"
#include "media/net/net.h"
#include "signaling/turn/turn_cred.h"


struct yf_server {
    gint64 started_us;
    char *web_dir;
    char *cert_path, *key_path;
    yf_dtls_cert *dtls_cert;
    yf_net *media;
    yf_ws_hub *hub;
    yf_store *store;
    yf_api *api;
    yf_recorder *recorder;
    yf_metrics *metrics;       /* NULL: no [metrics] listen */
    yf_conntrack *conns;       /* the listener's connections per address */
    yf_peers_ratelog conn_refusals;
    yf_httprate *reqs;         /* HTTP requests per address */
    yf_peers_ratelog req_refusals;
    struct lws_context *lws;
    struct lws_protocols protocols[4];
    struct lws_http_mount mounts[2];
    struct lws_http_mount api_mount;
    void *foreign_loops[1];
    yf_turn *turn;             /* NULL: no [turn] configured */
};

const char *yf_server_version(void) { return YF_VERSION; }

gint64 yf_server_uptime_s(const yf_server *s)
{
    return (g_get_monotonic_time() - s->started_us) / G_USEC_PER_SEC;
}

static gboolean prepare_dirs(const yf_config *cfg, yf_server *s, GError **err)
{
    if (g_mkdir_with_parents(cfg->data_dir, 0700) != 0) {
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot create data directory %s: %s",
                    cfg->data_dir, g_strerror(errno));
        return FALSE;
    }
    char *index = g_build_filename(cfg->web_dir, "index.html", NULL);
    gboolean ok = g_file_test(index, G_FILE_TEST_IS_REGULAR);
    if (!ok)
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                    "web directory %s has no index.html (set [server] web_dir or --web-dir)", cfg->web_dir);
    g_free(index);
    if (!ok)
        return FALSE;
    s->web_dir = g_canonicalize_filename(cfg->web_dir, NULL);
    if (cfg->tls_cert) {
        s->cert_path = g_strdup(cfg->tls_cert);
        s->key_path = g_strdup(cfg->tls_key);
        return TRUE;
    }
    return yf_selfsigned_ensure(cfg->data_dir, &s->cert_path, &s->key_path, err);
}

/* The case store and the REST API over it. Production refuses to start with no
 * administrator (the message says how to make one); development only warns. */
static gboolean open_store(const yf_config *cfg, yf_server *s, GError **err)
{
    char *path = yf_store_path_in(cfg->data_dir);
    GError *boot = NULL;
    s->store = yf_store_open(path, YF_STORE_OPEN_DEFAULT, err);
    g_free(path);
    if (!s->store)
        return FALSE;
    if (!yf_store_check_bootstrap(s->store, cfg->data_dir, &boot)) {
        if (cfg->production) {
            g_propagate_error(err, boot);
            return FALSE;
        }
        g_warning("development mode: %s", boot->message);
        g_error_free(boot);
    }
    s->api = yf_api_new(s->store, cfg->data_dir, err);
    if (s->api)
        yf_api_set_public_url(s->api, cfg->public_url);
    if (!s->api)
        return FALSE;
    /* Recovers a crashed server's captures before anything records. */
    s->recorder = yf_recorder_new(s->store, cfg->data_dir, err);
    return s->recorder != NULL;
}

/* Room events (joins, admissions, mutes, removals, disconnects) go into the
 * case store's hash-chained audit log. The store is on this thread, like the
 * rooms; a failed append is logged, never silently lost. */
static void audit_room_event(void *user, const char *room, const char *action, const char *participant,
                             const char *role, const char *by, const char *detail)
{
    yf_server *s = user;
    GError *err = NULL;
    char *object = g_strdup_printf("room:%s", room);
    char *text = g_strdup_printf("participant=%s role=%s%s%s%s%s", participant, role, by ? " by=" : "",
                                 by ? by : "", detail ? " detail=" : "", detail ? detail : "");
    if (!yf_store_audit_record(s->store, yf_actor_system(), g_get_real_time() / 1000, action, object, text, &err)) {
        g_warning("audit: cannot record %s on %s: %s", action, object, err->message);
        g_error_free(err);
    }
    /* A removal is kept in the store too: the rooms' gate asks it at every
     * join, so it outlives the room's memory and a restart. */
    if (strcmp(action, "room.remove") == 0 &&
        !yf_store_room_remove(s->store, g_get_real_time() / 1000, room, participant, by, &err)) {
        g_warning("room %s: cannot keep the removal of %s: %s", room, participant, err->message);
        g_clear_error(&err);
    }
    g_free(text);
    g_free(object);
    yf_recorder_room_event(s->recorder, room, action, participant, role);
}

static gboolean start_media(const yf_config *cfg, yf_server *s, GError **err)
{
    if (yf_srtp_global_init() != YF_OK || yf_dtls_cert_generate(&s->dtls_cert) != YF_OK) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot initialize SRTP or generate the DTLS certificate");
        return FALSE;
    }
    char *stun_host = NULL;
    guint stun_port = 3478;
    if (cfg->stun_server) { /* validated by the config: "host", "host:port", "[v6]:port" */
        GSocketConnectable *na = g_network_address_parse(cfg->stun_server, 3478, NULL);
        if (na) {
            stun_host = g_strdup(g_network_address_get_hostname(G_NETWORK_ADDRESS(na)));
            stun_port = g_network_address_get_port(G_NETWORK_ADDRESS(na));
            g_object_unref(na);
        }
    }
    yf_net_config mc = {
        .n_workers = (unsigned)cfg->workers,
        .local_addresses = cfg->media_addresses,
        .port_min = (guint)cfg->port_min,
        .port_max = (guint)cfg->port_max,
        .stun_server = stun_host,
        .stun_port = stun_port,
        .cert = s->dtls_cert,
        .ice_tcp = cfg->ice_tcp,
        .audio_resilience = cfg->audio_resilience,
        .audio_red = cfg->audio_resilience && cfg->audio_red,
    };
    s->media = yf_net_new(&mc, g_main_context_default(), err);
    g_free(stun_host);
    if (!s->media)
        return FALSE;
    yf_room_key key;
    if (!yf_room_key_load(cfg->data_dir, &key, err))
        return FALSE;
    yf_ws_limits limits = {
        .max_media = cfg->max_sessions,
        .devtest_max = yf_ws_devtest_max(cfg->max_sessions, cfg->devtest_share),
        .devtest_per_address = cfg->devtest_per_address,
        .websockets_per_address = cfg->max_websockets_per_address,
        .messages_per_address = cfg->ws_messages_per_address,
    };
    s->hub = yf_ws_hub_new(s->media, &limits, cfg->stun_server, &key, cfg->grace_s);
    explicit_bzero(&key, sizeof key);
    yf_ws_hub_set_audit(s->hub, audit_room_event, s);
    yf_sigroom_hub_set_max_observers(yf_ws_hub_rooms(s->hub), (unsigned)cfg->max_observers);
    if (cfg->turn_urls) {
        s->turn = yf_turn_new(cfg->turn_urls, cfg->turn_secret_file, cfg->turn_lifetime, err);
        if (!s->turn)
            return FALSE;
        yf_ws_hub_set_turn(s->hub, s->turn);
        g_info("TURN: credentials valid %d s minted for each participant, %u URL(s)", cfg->turn_lifetime,
               g_strv_length(cfg->turn_urls));
    }
    yf_recorder_attach(s->recorder, yf_ws_hub_rooms(s->hub), s->api);
    if (cfg->metrics_listen) {
        yf_metrics_sources src = {s->media, yf_ws_hub_rooms(s->hub), s->recorder, s->api};
        s->metrics = yf_metrics_new(cfg->metrics_listen, &src, err);
        if (!s->metrics)
            return FALSE;
    }
    return TRUE;
}

/* Counted per client address (docs/api.md, "Limits"): a connection beyond
 * [server] max_connections_per_address is closed at once, before TLS, and
 * a warning says so at most every 10 s (the address only at debug: it is
 * personal data). Called from protocols[0] (http.c). */
gboolean yf_server_accept_connection(yf_server *s, const struct sockaddr *sa, socklen_t len)
{
    yf_peer_key key;
    guint held = 0, suppressed = 0;
    if (!yf_peer_key_from_sockaddr(sa, len, &key))
        return TRUE;    /* not IP (never on this listener): nothing to count */
    if (yf_conntrack_accept(s->conns, &key, &held))
        return TRUE;
    if (yf_peers_ratelog_due(&s->conn_refusals, g_get_monotonic_time(), 10 * G_USEC_PER_SEC, &suppressed))
        g_warning("refused a connection: its address already holds %u (the limit, [server] "
                  "max_connections_per_address); %u more refused since the last such line", held, suppressed);
    if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
        char host[64] = "";
        const void *a = sa->sa_family == AF_INET ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
                                                 : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
        inet_ntop(sa->sa_family, a, host, sizeof host);
        g_debug("refused a connection from %s (%u open)", host, held);
    }
    return FALSE;
}

void yf_server_connection_created(yf_server *s, const void *wsi)
{
    yf_conntrack_created(s->conns, wsi);
}

void yf_server_connection_destroyed(yf_server *s, const void *wsi)
{
    yf_httprate_forget(s->reqs, wsi);
    yf_conntrack_destroyed(s->conns, wsi);
}

/* Counted per client address (docs/api.md, "Limits"): a request over
 * [server] http_requests_per_address is refused; the API answers it 429,
 * and a file's request, whose open is then refused, gets http.c's 429 page.
 * One warning at most every 10 s. Called from protocols[0] before the
 * request is dispatched. */
guint yf_server_http_request(yf_server *s, struct lws *wsi)
{
    const yf_peer_key *key = yf_conntrack_key_of(s->conns, lws_get_network_wsi(wsi));
    guint wait_s = key ? yf_httprate_take(s->reqs, wsi, key, g_get_monotonic_time()) : 0;
    guint suppressed = 0;
    yf_webroot_refuse_next(wait_s != 0);
    if (wait_s && yf_peers_ratelog_due(&s->req_refusals, g_get_monotonic_time(), 10 * G_USEC_PER_SEC, &suppressed))
        g_warning("refused an HTTP request: its address sent more than the limit ([server] "
                  "http_requests_per_address); %u more refused since the last such line", suppressed);
    return wait_s;
}

guint yf_server_http_refused(yf_server *s, struct lws *wsi)
{
    return yf_httprate_refused(s->reqs, wsi);
}

static guint refused_for_api(void *user, struct lws *wsi)
{
    return yf_server_http_refused(user, wsi);
}

static gboolean start_listener(const yf_config *cfg, yf_server *s, GMainLoop *loop, GError **err)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    s->conns = yf_conntrack_new(cfg->max_connections_per_address);
    s->reqs = yf_httprate_new(cfg->http_requests_per_address, 10, 65536);
    yf_api_set_refused(s->api, refused_for_api, s);
    info.user = s;      /* protocols[0] finds the server here in every callback */
    s->protocols[0] = (struct lws_protocols){"http", yf_http_callback, yf_http_pss_size(), 0, 0, s, 0};
    s->protocols[1] = (struct lws_protocols){YF_WS_PROTOCOL, yf_ws_callback, sizeof(void *), 4096, 0, s->hub, 0};
    s->protocols[2] = (struct lws_protocols){YF_API_PROTOCOL, yf_api_callback, YF_API_PSS_SIZE, 0, 0, s->api, 0};
    yf_http_mounts_init(s->mounts, s->web_dir);
    yf_api_mount_init(&s->api_mount, &s->mounts[0]);
    s->foreign_loops[0] = loop;
    info.port = cfg->port;
    info.iface = cfg->listen;
    info.protocols = s->protocols;
    info.mounts = &s->api_mount;
    info.options = LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    /* HTTP/1.1 only unless [server] http2: browsers carry a websocket as a
     * stream of the page's HTTP/2 connection when the server offers it, and
     * after a network outage that one TCP connection waits out its
     * retransmission backoff (seconds after a cut of ten), the signaling
     * with it; the room page's new websocket cannot get past it either. Over
     * HTTP/1.1 every websocket has a connection of its own, and the page's
     * new one gets through at once (docs/config.md). */
    info.alpn = cfg->http2 ? "h2,http/1.1" : "http/1.1";
    /* Every response carries these. The content security policy is
     * libwebsockets' best-practice one (only this site's own scripts, styles
     * and images, no framing) with media-src 'self' added: the console plays
     * recordings from /api/v1/recordings/{id}/view in a <video>. Every
     * response also says: come back over HTTPS only (browsers ignore it for a
     * certificate they had to accept by hand, and for IP addresses). */
    static const struct lws_protocol_vhost_options referrer = {NULL, NULL, "referrer-policy:", "no-referrer"};
    static const struct lws_protocol_vhost_options frames = {&referrer, NULL, "x-frame-options:", "deny"};
    static const struct lws_protocol_vhost_options nosniff = {&frames, NULL, "x-content-type-options:", "nosniff"};
    static const struct lws_protocol_vhost_options csp = {&nosniff, NULL, "content-security-policy:",
        "default-src 'none'; img-src 'self' data:; media-src 'self'; script-src 'self'; font-src 'self'; "
        "style-src 'self'; connect-src 'self' wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"};
    static const struct lws_protocol_vhost_options hsts = {&csp, NULL, "strict-transport-security:",
                                                           "max-age=31536000"};
    info.headers = &hsts;
    info.foreign_loops = s->foreign_loops;
    info.ssl_cert_filepath = s->cert_path;
    info.ssl_private_key_filepath = s->key_path;
    info.vhost_name = "yuanfang";
    info.timeout_secs = 30;
    /* A phone that drops off the network sends no FIN: ping websockets idle
     * for 20 s and hang up on those silent for 40 s, so their sessions end. */
    static const lws_retry_bo_t idle_policy = {.secs_since_valid_ping = 20, .secs_since_valid_hangup = 40};
    info.retry_and_idle_policy = &idle_policy;
    s->lws = lws_create_context(&info);
    if (!s->lws) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED,
                    "cannot listen on https://%s:%d (port in use, or certificate %s unreadable)",
                    cfg->listen, cfg->port, s->cert_path);
        return FALSE;
    }
    /* Files of web_dir are opened beneath it: no link leads out (webroot.c). */
    return yf_webroot_install(s->lws, s->web_dir, err);
}

yf_server *yf_server_new(const yf_config *cfg, GMainLoop *loop, GError **err)
{
    yf_server *s = g_new0(yf_server, 1);
    s->started_us = g_get_monotonic_time();
    if (!prepare_dirs(cfg, s, err) || !open_store(cfg, s, err) || !start_media(cfg, s, err) ||
        !start_listener(cfg, s, loop, err)) {
        yf_server_free(s);
        return NULL;
    }
    g_message("yuanfang %s listening on https://%s:%d (web %s, data %s, %u media workers, %s mode)",
              YF_VERSION, cfg->listen, cfg->port, s->web_dir, cfg->data_dir, yf_net_n_workers(s->media),
              cfg->production ? "production" : "development");
    return s;
}

void yf_server_shutdown(yf_server *s, const char *reason)
{
    if (s)
        yf_recorder_shutdown(s->recorder);   /* before the rooms close */
    if (s && s->hub)
        yf_ws_hub_shutdown(s->hub, reason);
}

unsigned yf_server_busy(const yf_server *s)
{
    return s ? yf_api_busy(s->api) : 0;
}

void yf_server_free(yf_server *s)
{
    if (!s)
        return;
    yf_recorder_shutdown(s->recorder);
    yf_metrics_free(s->metrics);   /* before what it counts */
    if (s->hub)
        yf_ws_hub_shutdown(s->hub, "server stopping");
    if (s->lws)
        lws_context_destroy(s->lws);
    yf_webroot_clear();
    yf_conntrack_free(s->conns);   /* after lws: every connection's end was counted */
    yf_httprate_free(s->reqs);
    yf_ws_hub_free(s->hub);
    yf_turn_free(s->turn);   /* after the hub that borrowed it */
    yf_net_free(s->media);
    yf_recorder_free(s->recorder);   /* after the rooms: their captures are closed */
    yf_dtls_cert_free(s->dtls_cert);
    yf_api_free(s->api);
    yf_store_close(s->store);
    g_free(s->web_dir); g_free(s->cert_path); g_free(s->key_path);
    g_free(s);
}
