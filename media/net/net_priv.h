/* net_priv.h -- what the files of media/net share: the worker threads,
 * the yf_net object, the cross-thread posting helper, the worker timer,
 * candidate checks and agent set-up. Nothing here is used outside media/net
 * (but by its unit tests). */
#ifndef YF_NET_PRIV_H
#define YF_NET_PRIV_H

#undef G_LOG_DOMAIN /* glib.h defines it to NULL when it is not set yet */
#define G_LOG_DOMAIN "yf-media"

#include <nice/agent.h>
#include <string.h>
#include "net.h"
#include "net_stats.h"
#include "media/sdp/sdp.h"

/* One media worker. Invariants: `ctx` is owned (iterated) only by `thread`
 * while the loop runs; `load` counts the sessions placed on this worker: it
 * is incremented by the control thread at placement and decremented by the
 * worker when a session's teardown has run (g_atomic_int_*, no lock). */
typedef struct {
    unsigned index;
    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread;
    gint load;
    yf_net_stats stats;         /* written by the worker only (net_stats.h) */
} yf_worker;

/* The media edge. Invariants: everything but the workers' `load` is touched
 * only on the control thread; `live` holds the placed and not yet stopped
 * echo sessions and rooms (their handles, borrowed), so yf_net_free can
 * stop them; `parser` is a NiceAgent without streams, on the control
 * context, used only to parse remote candidate lines for validation before
 * they are posted to a worker. */
struct yf_net {
    GMainContext *control;
    unsigned n_workers;
    yf_worker *workers;
    char **local_addresses;
    guint port_min, port_max;
    char *stun_server;
    guint stun_port;
    const yf_dtls_cert *cert;
    gboolean ice_tcp;
    gboolean audio_resilience;   /* yf_net_config's */
    gboolean audio_red;          /* yf_net_config's */
    NiceAgent *parser;
    GHashTable *live;           /* yf_net_handle*, borrowed (yf_net_handle_stop) */
    guint next_session_id;
    GSource *trim;              /* give_back_memory's timer, on control */
    uint64_t trimmed_at;        /* yf_peer_dtls_retired_total at the last trim */
};

/* Runs fn(data) on ctx's thread, after everything posted to ctx before it
 * (FIFO: one idle source per call, default priority); destroy(data) runs
 * after it, or when the context is freed without running it. Any thread. */
void yf_net_post(GMainContext *ctx, GSourceFunc fn, gpointer data, GDestroyNotify destroy);

/* A timer source on ctx that fires once at a time set with
 * yf_net_timer_arm, and then waits to be armed again (a peer's or a router's
 * "next timeout"). name is static (g_source_set_static_name). The caller owns
 * the source: g_source_destroy + g_source_unref. The context's thread only. */
GSource *yf_net_timer_new(GMainContext *ctx, const char *name, GSourceFunc fn, gpointer data);
/* Arms it at the monotonic time at_us (g_get_monotonic_time); YF_TIME_NEVER
 * disarms it; a time in the past fires at the next iteration. */
void yf_net_timer_arm(GSource *timer, int64_t at_us);

/* The least loaded worker; its load is incremented. Control thread. */
yf_worker *yf_net_place(yf_net *m);

/* ---- handles and notes (handle.c) ---- */

typedef struct yf_net_handle yf_net_handle;
/* Tears an object's worker half down, on its worker (handle.c then drops
 * the worker's load). */
typedef void (*yf_net_handle_fn)(yf_net_handle *h);

/* The first member of an echo session (echo_session.c) and of a room
 * (room.c), so a pointer to one is a pointer to the other: what the control
 * thread and the object's worker share without a lock. Fields:
 *  - immutable once placed: id, conf, worker, teardown;
 *  - control thread only: media (NULL once stopped), closed (set by the
 *    stop; a note is delivered only while it is FALSE, so no callback runs
 *    after it);
 *  - refs (g_atomic_*): the control handle plus one per message or note in
 *    flight; the last unref frees the object with g_free, so the object
 *    owns nothing else by then.
 * The object's own comment says who owns its other fields. */
struct yf_net_handle {
    gint refs;
    guint id;
    const yf_net *conf;        /* immutable config; outlives the worker half */
    yf_worker *worker;
    yf_net_handle_fn teardown;
    yf_net *media;
    gboolean closed;
};

/* What every answer and offer of m says of Opus FEC and DTX ([media]
 * audio_resilience). Any thread: the config is immutable. */
static inline yf_sdp_opus_mode yf_net_opus_mode(const yf_net *m)
{
    return m->audio_resilience ? YF_SDP_OPUS_RESILIENT : YF_SDP_OPUS_PLAIN;
}

/* Sets up h, the zeroed first member of a new object, on m: the control
 * handle's ref, the next id, teardown for the stop. Control thread. */
void yf_net_handle_init(yf_net_handle *h, yf_net *m, yf_net_handle_fn teardown);
/* Places h on the least loaded worker and lists it as live. Control thread. */
void yf_net_handle_place(yf_net_handle *h);
gpointer yf_net_handle_ref(gpointer h);
/* Drops a ref (a GDestroyNotify); the last frees the object. Any thread. */
void yf_net_handle_unref(gpointer h);
/* Closes h, so no note is delivered any more; the first time also takes it
 * off the live list and posts its teardown to its worker (with a ref). The
 * control handle stays valid until its unref. Control thread. */
void yf_net_handle_stop(yf_net_handle *h);

/* A callback on its way from a worker (or a later turn of the control
 * loop) to the control thread: a kind and the fields it carries (room.c
 * and echo_session.c say which), with a ref on its handle. Owns its
 * strings and tracks. */
typedef struct yf_net_note yf_net_note;
typedef void (*yf_net_note_fn)(const yf_net_note *n);
struct yf_net_note {
    yf_net_handle *h;
    yf_net_note_fn deliver;
    int kind;
    uint32_t part;
    int pc;
    char *text, *text2, *reason;
    int num;
    GArray *tracks;
};

/* A note of kind for h (a ref taken) with copies of the strings (any may be
 * NULL), to be delivered by deliver. Any thread. */
yf_net_note *yf_net_note_new(yf_net_handle *h, yf_net_note_fn deliver, int kind, const char *text,
                             const char *text2, const char *reason);
/* Posts n, taking it: deliver(n) runs on the control context unless the
 * handle is closed by then; then n is freed. Any thread. */
void yf_net_note_post(yf_net_note *n);

/* What one connection may still hand us of remote candidates: a token
 * bucket of YF_NET_CAND_BURST, refilled by YF_NET_CAND_PER_MIN a minute (a
 * browser sends a handful per ICE generation; each used candidate makes
 * libnice send connectivity checks to it). Zeroed = full. Control thread. */
#define YF_NET_CAND_BURST 30
#define YF_NET_CAND_PER_MIN 30
typedef struct {
    gboolean started;
    double tokens;
    int64_t last_us;
} yf_net_cand_budget;

/* Takes one candidate from b at now_us (monotonic, microseconds); FALSE when
 * the bucket is empty. */
gboolean yf_net_cand_budget_take(yf_net_cand_budget *b, int64_t now_us);

/* Why a remote candidate at addr:port must not get our connectivity checks,
 * or NULL when it may: "any", multicast, broadcast and reserved IPv4
 * (0/8, 240/4), port 0, IPv4 written as IPv6, link-local, loopback unless
 * one of `local` (the server's media addresses) is loopback, and the server's
 * own addresses. Pure; any thread. */
const char *yf_net_candidate_address_unusable(char *const *local, const char *addr, guint port);

/* Parses and validates one remote "candidate:..." line (candidate.c, RFC
 * 8839 section 5.1) on the control thread with m->parser. Returns the
 * candidate (nice_candidate_free), or NULL with *err set:
 * YF_NET_ERROR_CANDIDATE when the line does not parse,
 * YF_NET_ERROR_CANDIDATE_UNUSED when it is understood but set aside (mDNS,
 * TCP, RTCP component, an address checks must not go to, or the
 * connection's `budget` is spent -- NULL: no budget; the message says
 * which). `who` names the session in debug lines. */
NiceCandidate *yf_net_parse_candidate(const yf_net *m, const char *who, const char *cand,
                                      yf_net_cand_budget *budget, GError **err);

/* A libnice agent for one browser connection on the worker context `ctx`:
 * RFC 5245, controlled (the browser controls), trickle ICE, binding requests
 * as keepalives on the selected pair (consent, RFC 7675, with iceconn.c),
 * no UPnP, the configured STUN server, and host
 * candidates on the configured addresses (libnice skips loopback otherwise). */
NiceAgent *yf_net_agent_new(const yf_net *conf, GMainContext *ctx);

#endif
