/* peers.h -- counts of live things (network connections, websocket sessions,
 * device tests) per client address, with a cap per address, and the
 * bookkeeping that ties a network connection to its address between the
 * listener's accept and the connection's end. Library yf_peers
 * (signaling/peers): GLib only, no sockets read, no clock read, so every
 * rule here is unit-tested. Control thread only (not thread-safe). */
#ifndef YF_PEERS_H
#define YF_PEERS_H

#include <glib.h>
#include <sys/socket.h>

/* A client address as counted: an IPv4 address (also when it arrives as an
 * IPv4-mapped IPv6 address), or the /64 prefix of an IPv6 address (one
 * host may hold a whole /64). */
typedef struct {
    guint8 family;          /* 4 or 6 */
    guint8 bytes[8];        /* IPv4: the first 4; IPv6: the /64 prefix */
} yf_peer_key;

/* For a GHashTable keyed by yf_peer_key *. */
guint yf_peer_key_hash(gconstpointer key);
gboolean yf_peer_key_equal(gconstpointer a, gconstpointer b);

/* Fills *key from a socket address; FALSE for a family that is neither
 * IPv4 nor IPv6 or a length too short for its family. */
gboolean yf_peer_key_from_sockaddr(const struct sockaddr *sa, socklen_t len, yf_peer_key *key);

/* ---- counts per address ---- */

typedef struct yf_peers yf_peers;

/* Invariant: every address in the table has a count > 0 (an address whose
 * count falls to 0 is forgotten), and the sum of the counts is total. */
yf_peers *yf_peers_new(void);
void yf_peers_free(yf_peers *p);   /* accepts NULL */

/* Takes one for key when it has fewer than limit (limit <= 0: no cap) and
 * returns TRUE; FALSE (nothing taken) at the cap. */
gboolean yf_peers_take(yf_peers *p, const yf_peer_key *key, int limit);
/* Gives one back; an address that holds none is left alone (and logged at
 * debug: a bookkeeping slip, never a crash). */
void yf_peers_release(yf_peers *p, const yf_peer_key *key);
guint yf_peers_count(const yf_peers *p, const yf_peer_key *key);
guint yf_peers_total(const yf_peers *p);
guint yf_peers_addresses(const yf_peers *p);   /* addresses holding any */

/* Rate-limits the log line a refusal writes: TRUE when a line is due now
 * (the first refusal, or the first one at least interval_us after the last
 * line), with *suppressed the refusals not logged since that last line. */
typedef struct {
    gint64 last_us;         /* 0: never logged */
    guint suppressed;
} yf_peers_ratelog;
gboolean yf_peers_ratelog_due(yf_peers_ratelog *r, gint64 now_us, gint64 interval_us, guint *suppressed);

/* A token bucket: take() spends one token when there is one (TRUE), else
 * FALSE; tokens come back at rate_per_s up to burst. Starts full. */
typedef struct {
    double tokens;
    gint64 last_us;         /* 0: not used yet */
} yf_peers_bucket;
gboolean yf_peers_bucket_take(yf_peers_bucket *b, gint64 now_us, double rate_per_s, double burst);

/* ---- network connections of a listener ----
 * libwebsockets (4.1.6) tells the listener's first protocol three things: a
 * connection was accepted (FILTER_NETWORK_CONNECTION, with the address; it
 * may refuse it), then at once, on the same thread, that the connection's
 * wsi was created (WSI_CREATE, no address), and at the end that a wsi is
 * destroyed (WSI_DESTROY). HTTP/2 streams are wsis too (created and
 * destroyed with no accept before them): only a wsi created right after an
 * accept is counted, keyed by its pointer. */

typedef struct yf_conntrack yf_conntrack;

/* limit: network connections per address (<= 0: no cap). */
yf_conntrack *yf_conntrack_new(int limit);
void yf_conntrack_free(yf_conntrack *c);   /* accepts NULL */

/* An accepted connection from key: TRUE to keep it (counted, and the next
 * yf_conntrack_created binds it), FALSE to refuse it (the address is at its
 * cap; *held says how many it holds). */
gboolean yf_conntrack_accept(yf_conntrack *c, const yf_peer_key *key, guint *held);
/* A wsi was created: the connection of the last accept when one is pending,
 * else (an HTTP/2 stream) ignored. conn is only a key, never dereferenced. */
void yf_conntrack_created(yf_conntrack *c, const void *conn);
/* A wsi is destroyed: its address gets its count back if it was counted. */
void yf_conntrack_destroyed(yf_conntrack *c, const void *conn);
/* The address a counted connection came from (NULL: not counted). */
const yf_peer_key *yf_conntrack_key_of(const yf_conntrack *c, const void *conn);
const yf_peers *yf_conntrack_peers(const yf_conntrack *c);

#endif
