/* config.h -- yuanfang's configuration: defaults, then the INI file (GKeyFile),
 * then command-line overrides. Every key is documented in docs/config.md. */
#ifndef YF_CONFIG_H
#define YF_CONFIG_H

#include <glib.h>

typedef struct {
    char *config_file;     /* NULL: none */
    /* [server] */
    char *listen;          /* address for HTTPS/WSS, default 127.0.0.1 */
    int port;              /* default 8443 */
    char *data_dir;        /* default ./data */
    char *web_dir;         /* default: the source tree's web/ */
    gboolean production;   /* refuse to start without an admin account; default TRUE */
    char *public_url;      /* what invitation links start with, "https://host[:port]" without a
                              trailing slash; default https://LISTEN:PORT (localhost for a
                              wildcard listen address). Never taken from a request. */
    int max_connections_per_address; /* live TCP connections to the listener from one client
                                        address (an IPv6 /64 counts as one), default 128 */
    int max_websockets_per_address;  /* signaling websockets (/ws) from one address, default 64 */
    int ws_messages_per_address;     /* signaling messages a second from one address, default 400 */
    int http_requests_per_address;   /* HTTP requests a second from one address (REST and
                                        files; 10 s' worth at once), default 100 */
    gboolean http2;        /* offer HTTP/2 (ALPN h2); default FALSE, so each signaling
                              websocket has a TCP connection of its own (docs/config.md) */
    /* [tls] */
    char *tls_cert;        /* NULL: self-signed, generated under data_dir/tls */
    char *tls_key;
    /* [media] */
    int workers;           /* 0: one per core */
    char **media_addresses; /* host-candidate addresses, default 127.0.0.1 */
    int port_min, port_max;
    char *stun_server;     /* "host:port" or NULL */
    int max_sessions;      /* media sessions at once (device tests and hearing
                              participants), default 200 */
    int devtest_share;     /* percent of max_sessions device tests may hold, default 25 */
    int devtest_per_address; /* device tests at once from one address, default 4 */
    /* [room] */
    int grace_s;           /* seconds a dropped participant keeps its place, default 60 */
    int max_observers;     /* receive-only observers (旁听) per room, besides its 16
                              who may publish; default 500 */
    /* [metrics] */
    char *metrics_listen;  /* "IP:PORT" of the /metrics listener; NULL: none (default) */
    /* [log] */
    char *log_level;       /* error|warning|info|debug, default info */
    /* [media] ice_tcp and [turn] (docs/config.md) */
    gboolean ice_tcp;      /* offer passive ICE-TCP host candidates, default FALSE */
    char **turn_urls;      /* NULL-terminated turn:/turns: URLs, NULL: no TURN */
    char *turn_secret_file; /* the shared secret (read by the server at start) */
    int turn_lifetime;     /* seconds a minted credential is valid, default 43200 */
    /* [media] audio_resilience (docs/config.md) */
    gboolean audio_resilience; /* negotiate Opus FEC and DTX, default TRUE */
    gboolean audio_red;        /* [media] audio_red: with it, RED for audio where offered, default FALSE */
} yf_config;

/* Fills cfg from defaults, the file named by --config and the command line.
 * On --help prints usage and sets *exit_now (returns TRUE); on a bad option
 * or file returns FALSE with *err set. cfg must be zeroed. */
gboolean yf_config_load(yf_config *cfg, int *argc, char ***argv, gboolean *exit_now, GError **err);
void yf_config_clear(yf_config *cfg);

#endif
