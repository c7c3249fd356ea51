/* net_priv.h -- what the files of media/net share: the worker threads,
 * the yf_net object, the cross-thread posting helper, the worker timer,
 * candidate checks and agent set-up. Nothing here is used outside media/net
 * (but by its unit tests). */
#ifndef YF_NET_PRIV_H
#define YF_NET_PRIV_H

#undef G_LOG_DOMAIN /* glib.h defines it to NULL when it is not set yet */
#define G_LOG_DOMAIN "yf-media"

#include <nice/agent.h>
#include "net.h"

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
} yf_worker;

/* The media edge. Invariants: everything but the workers' `load` is touched
 * only on the control thread; `sessions` holds the live (not yet stopped)
 * sessions and `rooms`, borrowed, so yf_net_free can stop them; `parser` is a NiceAgent
 * without streams, on the control context, used only to parse remote
 * candidate lines for validation before they are posted to a worker. */
struct yf_net {
    GMainContext *control;
    unsigned n_workers;
    yf_worker *workers;
    char **local_addresses;
    guint port_min, port_max;
    char *stun_server;
    guint stun_port;
    const yf_dtls_cert *cert;
    NiceAgent *parser;
    GHashTable *sessions;
    GHashTable *rooms;          /* live rooms, borrowed (yf_room_stop) */
    guint next_session_id;
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

/* Detaches the session from the media and stops it on its worker (the
 * control handle stays valid until yf_echo_session_free). Control thread;
 * used by yf_net_free. */
void yf_echo_session_stop(yf_echo_session *s);

/* The same for a room (room.c): no callback runs after it, the worker tears
 * the room down; the handle stays valid until yf_room_free. */
struct yf_room;
void yf_room_stop(struct yf_room *r);

/* Parses and validates one remote "candidate:..." line (candidate.c, RFC
 * 8839 section 5.1) on the control thread with m->parser. Returns the
 * candidate (nice_candidate_free), or NULL with *err set:
 * YF_NET_ERROR_CANDIDATE when the line does not parse,
 * YF_NET_ERROR_CANDIDATE_UNUSED when it is understood but set aside (mDNS,
 * TCP, RTCP component, an address checks must not go to; the message says
 * which). `who` names the session in debug lines. */
NiceCandidate *yf_net_parse_candidate(const yf_net *m, const char *who, const char *cand, GError **err);

/* A libnice agent for one browser connection on the worker context `ctx`:
 * RFC 5245, controlled (the browser controls), trickle ICE, consent freshness
 * (RFC 7675), UDP only, no UPnP, the configured STUN server, and host
 * candidates on the configured addresses (libnice skips loopback otherwise). */
NiceAgent *yf_net_agent_new(const yf_net *conf, GMainContext *ctx);

#endif
