/* iceconn.c -- one browser connection (iceconn.h): a libnice stream and a
 * yf_peer glued together on a media worker, with the queue of DTLS flights
 * sent before ICE has a pair, the held remote candidates, the state reports,
 * ICE restart (RFC 8445 section 9) and a new DTLS association on the same
 * stream (RFC 6347 section 4.2.8). Nothing is logged or allocated per
 * packet; it must not know rooms or echoes. */
#include "iceconn.h"
#include "net_priv.h"

#include <errno.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/socket.h>

/* Invariants: peer is NULL until the DTLS role and remote fingerprint are
 * known; `held` holds candidates only while !have_remote_creds; `early` is
 * non-NULL only between a send libnice refused and ICE coming up (the
 * handshake, never steady state); stream_id 0 (set-up failed) makes every
 * call but free a no-op; `connected` implies peer. */
struct yf_iceconn {
    yf_iceconn_callbacks cb;
    void *user;
    char name[64];
    const yf_net *conf;
    GMainContext *ctx;
    NiceAgent *agent;
    guint stream_id;
    yf_peer *peer;
    GSource *timer;             /* own_timer only */
    int64_t next_timeout;
    /* DTLS flights that libnice refused because the controlled side had no
     * selected pair yet (the ClientHello can arrive before our triggered
     * check completes); sent once ICE connects, instead of waiting for the
     * DTLS retransmission timer. */
    GPtrArray *early;
    GSList *held;
    guint n_held;               /* at most YF_ICECONN_HELD_MAX */
    gboolean have_remote_creds;
    gboolean ice_up, said_connecting, said_failed, connected, closing;
    gboolean restarting;        /* ICE restart under way on a connected peer */
    const char *srtp_profile;   /* static name, once connected */
    /* The selected pair's own UDP socket and remote address, to send on
     * without libnice (see "the datagram path"); sock NULL: through
     * libnice. direct_stale: the pair changed, look again at the next send. */
    GSocket *direct_sock;
    int direct_fd;
    struct sockaddr_storage direct_to;
    socklen_t direct_to_len;
    int64_t direct_checked_us;  /* the last send through libnice */
    uint64_t direct_sent;
    gboolean direct_stale;
    /* Consent (see "consent"): the last authenticated datagram from the
     * browser, or the start of our sending since; the last RTP sent. */
    int64_t consent_us, heard_us, rtp_sent_us;
    gboolean consent_lost;      /* until ICE is up again */
};

static gboolean has(const char *s)
{
    return s && *s;
}

static void report(yf_iceconn *c, const char *state, const char *profile, const char *reason)
{
    if (!strcmp(state, "failed")) {
        if (c->said_failed)
            return;
        c->said_failed = TRUE;
    }
    if (c->cb.on_state)
        c->cb.on_state(c->user, state, profile, reason);
}

/* ---- consent ---- */

/* Consent to send (RFC 7675). libnice 0.1.21 (Debian 12) with its consent
 * freshness on fails a pair 10 s after the last answer to its checks, not
 * the RFC's 30 s, and sends each check, every 4-6 s, once: on a phone link
 * losing 5 % each way behind a full queue one or two lost checks failed
 * connections that carried media, mid-hearing (fixed in libnice 0.1.22).
 * So our agents run without it but with keepalive-conncheck
 * (candidate.c): libnice still asks on the selected pair every 4-6 s and
 * fails the pair, refusing to send, 50 s after the last answer. The 30 s
 * is kept here from what the browser sends: it answers what it receives
 * (RTCP reports at least every few seconds, transport-wide feedback every
 * 100 ms), and only with our keys (SRTP/SRTCP that authenticates, a
 * replay rejected) can it be heard. A connection we have sent media
 * (RTP) to for consent_us while nothing authenticated came back has lost
 * consent: nothing more is sent and it is reported "failed", as libnice
 * would, until ICE is up again (a restart: the page makes one on
 * "failed"). One that sent nothing for a while starts the count again
 * when media goes out: a page that receives nothing sends nothing, and
 * then it has media to answer. */
#define CONSENT_US (30 * G_USEC_PER_SEC)
#define CONSENT_IDLE_DIV 6 /* media paused this share of consent_us (5 s): a new start */

static gboolean is_rtp(const uint8_t *data, size_t len)
{
    /* RFC 7983 / RFC 5761: RTP or RTCP by the first byte, RTCP by its type */
    return len >= 12 && data[0] >= 128 && data[0] <= 191 && !(data[1] >= 192 && data[1] <= 223);
}

/* Whether a datagram may go out now; after consent_us of media without an
 * answer, never again on this ICE generation. */
static gboolean consent_allows(yf_iceconn *c, int64_t now, const uint8_t *data, size_t len)
{
    if (c->consent_lost)
        return FALSE;
    if (!c->connected || c->restarting || !is_rtp(data, len))
        return TRUE;
    if (now - c->rtp_sent_us > c->consent_us / CONSENT_IDLE_DIV && c->heard_us < now)
        c->heard_us = now; /* media after a pause: the browser gets its time to answer */
    c->rtp_sent_us = now;
    if (now - c->heard_us <= c->consent_us)
        return TRUE;
    c->consent_lost = TRUE;
    report(c, "failed", NULL, "consent expired: nothing heard from the browser while media went to it");
    return FALSE;
}

static void consent_fresh(yf_iceconn *c, int64_t now)
{
    c->consent_lost = FALSE;
    c->heard_us = now;
    c->rtp_sent_us = now;
}

/* ---- the datagram path ---- */

/* Counts a datagram sent (net_stats.h; nothing off a worker thread). */
static void count_out(size_t len)
{
    yf_net_stats *st = yf_net_stats_mine();
    if (st) {
        YF_NET_STATS_ADD(st, datagrams_out, 1);
        YF_NET_STATS_ADD(st, bytes_out, len);
    }
}

/* Sending past libnice. nice_agent_send takes the agent's lock, finds the
 * stream, the component and its pair, and goes through GIO's
 * g_socket_send_message: some 4 % of a worker's time in rooms
 * (docs/performance.md, change 9). Once ICE has
 * chosen a pair of UDP candidates that are not our relayed ones, the
 * datagram goes to the same socket and address with sendto. libnice stays
 * a judge of whether we may send at all (its keepalives' 50 s, a pair gone;
 * see "consent" for ours): that is not told to the application, so a
 * datagram at least every DIRECT_CHECK_US goes through nice_agent_send,
 * and after a refusal there every datagram does until one is let through
 * again.
 * The socket is libnice's; the fd is used only while the GSocket we hold
 * a reference to is open, checked before each send on this thread, the
 * only one that runs the agent. */
#define DIRECT_CHECK_US 100000

static void direct_clear(yf_iceconn *c)
{
    g_clear_object(&c->direct_sock);
    c->direct_fd = -1;
}

static void direct_take_pair(yf_iceconn *c)
{
    NiceCandidate *local = NULL, *remote = NULL;
    GSocket *sock;

    direct_clear(c);
    c->direct_stale = FALSE;
    if (!nice_agent_get_selected_pair(c->agent, c->stream_id, 1, &local, &remote) ||
        local->transport != NICE_CANDIDATE_TRANSPORT_UDP || remote->transport != NICE_CANDIDATE_TRANSPORT_UDP ||
        local->type == NICE_CANDIDATE_TYPE_RELAYED)
        return;
    sock = nice_agent_get_selected_socket(c->agent, c->stream_id, 1);
    if (!sock)
        return;
    memset(&c->direct_to, 0, sizeof c->direct_to);
    nice_address_copy_to_sockaddr(&remote->addr, (struct sockaddr *)&c->direct_to);
    c->direct_to_len = c->direct_to.ss_family == AF_INET    ? sizeof(struct sockaddr_in)
                       : c->direct_to.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                            : 0;
    if (!c->direct_to_len || g_socket_is_closed(sock) || g_socket_get_fd(sock) < 0) {
        g_object_unref(sock);
        return;
    }
    c->direct_sock = sock;
    c->direct_fd = g_socket_get_fd(sock);
}

/* The pair is to be looked up again at the next send. */
static void direct_forget(yf_iceconn *c)
{
    direct_clear(c);
    c->direct_stale = TRUE;
}

/* TRUE: handled (sent, or lost like any UDP datagram); FALSE: send it
 * through libnice. */
static gboolean direct_send(yf_iceconn *c, int64_t now, const uint8_t *data, size_t len)
{
    if (c->direct_stale && c->ice_up && !c->restarting)
        direct_take_pair(c);
    if (!c->direct_sock || g_socket_is_closed(c->direct_sock))
        return FALSE;
    if (now - c->direct_checked_us >= DIRECT_CHECK_US)
        return FALSE; /* libnice's turn: it still lets us send */
    ssize_t n = sendto(c->direct_fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL,
                       (const struct sockaddr *)&c->direct_to, c->direct_to_len);
    if (n >= 0) {
        count_out(len);
        c->direct_sent++;
        return TRUE;
    }
    /* a full buffer drops it, as libnice would; anything else is libnice's
     * to judge and report */
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS;
}

static void transmit(yf_iceconn *c, int64_t now, const uint8_t *data, size_t len)
{
    if (!consent_allows(c, now, data, len))
        return;
    if (direct_send(c, now, data, len))
        return;
    if (nice_agent_send(c->agent, c->stream_id, 1, (guint)len, (const gchar *)data) >= 0) {
        count_out(len);
        c->direct_checked_us = now;
        return;
    }
    /* refused (consent expired, no pair, a full buffer): libnice alone
     * until one of its sends goes through again */
    direct_forget(c);
    if (c->ice_up)
        return; /* lost like any UDP datagram */
    if (!c->early)
        c->early = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    if (c->early->len < YF_ICECONN_EARLY_MAX)
        g_ptr_array_add(c->early, g_bytes_new(data, len));
}

static void flush_early(yf_iceconn *c)
{
    if (!c->early)
        return;
    for (guint i = 0; i < c->early->len; i++) {
        gsize len;
        const gchar *data = g_bytes_get_data(c->early->pdata[i], &len);

        if (nice_agent_send(c->agent, c->stream_id, 1, (guint)len, data) >= 0)
            count_out(len);
    }
    g_clear_pointer(&c->early, g_ptr_array_unref);
}

static void on_event(yf_iceconn *c, int64_t now, const yf_output *o)
{
    switch (o->event) {
    case YF_EV_CONNECTED:
        c->connected = TRUE;
        consent_fresh(c, now);
        c->srtp_profile = o->srtp_profile;
        report(c, "connected", o->srtp_profile, NULL);
        break;
    case YF_EV_FAILED: report(c, "failed", NULL, o->reason ? o->reason : "dtls failed"); break;
    case YF_EV_CLOSED:
        c->connected = FALSE;
        report(c, "closed", NULL, NULL);
        break;
    case YF_EV_RTP:
    case YF_EV_RTCP: c->heard_us = now; break;
    }
    if (c->cb.on_peer_event)
        c->cb.on_peer_event(c->user, now, o);
}

/* str0m's loop: poll until "timeout", sending transmits and reporting
 * events, then re-arm. */
void yf_iceconn_drain(yf_iceconn *c, int64_t now)
{
    yf_output o;

    if (!c->peer)
        return;
    for (;;) {
        yf_peer_poll_output(c->peer, now, &o);
        if (o.kind == YF_OUT_TIMEOUT)
            break;
        if (o.kind == YF_OUT_TRANSMIT)
            transmit(c, now, o.data, o.len);
        else
            on_event(c, now, &o);
    }
    c->next_timeout = o.timeout_us;
    if (c->timer)
        yf_net_timer_arm(c->timer, o.timeout_us);
}

void yf_iceconn_handle_timeout(yf_iceconn *c, int64_t now)
{
    if (!c->peer || c->next_timeout == YF_TIME_NEVER || now < c->next_timeout)
        return;
    yf_peer_handle_timeout(c->peer, now);
    yf_iceconn_drain(c, now);
}

int64_t yf_iceconn_next_timeout(const yf_iceconn *c)
{
    return c->peer ? c->next_timeout : YF_TIME_NEVER;
}

static gboolean on_timer(gpointer data)
{
    yf_iceconn_handle_timeout(data, g_get_monotonic_time());
    return G_SOURCE_CONTINUE;
}

/* GLib takes a source that may not recurse out of the poll set while it
 * dispatches and puts it back after (block_source/unblock_source), and
 * each of the two writes the context's wakeup eventfd (GLib 2.74): two
 * writes, and one more loop iteration over every source, for each socket
 * read. A worker never runs its context from inside a dispatch, so there
 * is nothing to recurse into: the socket source libnice dispatches us from
 * is marked recursive on its first datagram (GLib still puts it back after
 * that one, as it checks the source's blocked flag, not this one). */
static void socket_source_may_recurse(void)
{
    GSource *src = g_main_current_source();

    if (src && !g_source_get_can_recurse(src))
        g_source_set_can_recurse(src, TRUE);
}

static void on_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *buf,
                    gpointer data)
{
    yf_iceconn *c = data;
    int64_t now = g_get_monotonic_time();
    yf_net_stats *st = yf_net_stats_mine();

    socket_source_may_recurse();

    if (st) {
        YF_NET_STATS_ADD(st, datagrams_in, 1);
        YF_NET_STATS_ADD(st, bytes_in, len);
    }
    if (!c->peer || c->closing)
        return;
    yf_peer_handle_datagram(c->peer, now, (const uint8_t *)buf, len);
    yf_iceconn_drain(c, now);
    if (c->cb.on_input)
        c->cb.on_input(c->user, now);
}

/* ---- libnice signals ---- */

static void report_candidate(yf_iceconn *c, NiceCandidate *cand)
{
    /* Our own active and simultaneous-open TCP candidates would pair only
     * with passive ones of the browser's, which are never used
     * (candidate.c): the server only listens. */
    if (cand->transport == NICE_CANDIDATE_TRANSPORT_TCP_ACTIVE || cand->transport == NICE_CANDIDATE_TRANSPORT_TCP_SO)
        return;
    char *line = nice_agent_generate_local_candidate_sdp(c->agent, cand);

    if (line && c->cb.on_candidate)
        c->cb.on_candidate(c->user, g_str_has_prefix(line, "a=") ? line + 2 : line);
    g_free(line);
}

static void on_new_candidate(NiceAgent *agent, NiceCandidate *cand, gpointer data)
{
    report_candidate(data, cand);
}

static void on_gathering_done(NiceAgent *agent, guint stream_id, gpointer data)
{
    yf_iceconn *c = data;

    if (c->cb.on_gathering_done)
        c->cb.on_gathering_done(c->user);
}

static void on_selected_pair(NiceAgent *agent, guint stream_id, guint component_id, NiceCandidate *local,
                             NiceCandidate *remote, gpointer data)
{
    yf_iceconn *c = data;

    direct_forget(c);
}

static void on_component_state(NiceAgent *agent, guint stream_id, guint component_id, guint state,
                               gpointer data)
{
    yf_iceconn *c = data;

    g_debug("%s: ice %s", c->name, nice_component_state_to_string(state));
    if (state == NICE_COMPONENT_STATE_CONNECTING && !c->said_connecting) {
        c->said_connecting = TRUE;
        report(c, "connecting", NULL, NULL);
    } else if (state == NICE_COMPONENT_STATE_CONNECTED || state == NICE_COMPONENT_STATE_READY) {
        c->ice_up = TRUE;
        consent_fresh(c, g_get_monotonic_time()); /* ICE's checks were answered */
        flush_early(c);
        if (c->restarting && c->connected) /* same DTLS: media flows again */
            report(c, "connected", c->srtp_profile, NULL);
        c->restarting = FALSE;
    } else if (state == NICE_COMPONENT_STATE_FAILED) {
        direct_clear(c);
        report(c, "failed", NULL, "ice failed");
    }
}

/* ---- set-up ---- */

yf_iceconn *yf_iceconn_new(const yf_iceconn_config *cfg, const yf_iceconn_callbacks *cb, void *user)
{
    yf_iceconn *c = g_new0(yf_iceconn, 1);

    c->cb = *cb;
    c->user = user;
    g_strlcpy(c->name, cfg->name ? cfg->name : "ice", sizeof c->name);
    c->conf = cfg->conf;
    c->ctx = cfg->ctx;
    c->next_timeout = YF_TIME_NEVER;
    c->direct_fd = -1;
    c->consent_us = cfg->consent_us > 0 ? cfg->consent_us : CONSENT_US;
    if (cfg->own_timer)
        c->timer = yf_net_timer_new(cfg->ctx, "yf-media peer timer", on_timer, c);
    c->agent = yf_net_agent_new(cfg->conf, cfg->ctx);
    return c;
}

static const char *peer_setup(yf_iceconn *c, const yf_iceconn_params *p, int64_t now)
{
    yf_peer_config pc = { .cert = c->conf->cert, .role = p->role };

    g_strlcpy(pc.remote_fingerprint, p->remote_fingerprint ? p->remote_fingerprint : "",
              sizeof pc.remote_fingerprint);
    c->peer = yf_peer_new(&pc, now);
    return c->peer ? NULL : "cannot create the DTLS peer";
}

/* The agent's one stream (BUNDLE + rtcp-mux: one component). */
static const char *stream_setup(yf_iceconn *c, const yf_iceconn_params *p)
{
    const yf_net *conf = c->conf;

    c->stream_id = nice_agent_add_stream(c->agent, 1);
    if (!c->stream_id)
        return "cannot add an ICE stream";
    if (conf->port_min || conf->port_max)
        nice_agent_set_port_range(c->agent, c->stream_id, 1, conf->port_min, conf->port_max);
    if (!nice_agent_set_local_credentials(c->agent, c->stream_id, p->local_ufrag, p->local_pwd))
        return "cannot set ICE credentials";
    if (has(p->remote_ufrag)) {
        if (!nice_agent_set_remote_credentials(c->agent, c->stream_id, p->remote_ufrag, p->remote_pwd))
            return "cannot set ICE credentials";
        c->have_remote_creds = TRUE;
    }
    g_signal_connect(c->agent, "new-candidate-full", G_CALLBACK(on_new_candidate), c);
    g_signal_connect(c->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), c);
    g_signal_connect(c->agent, "component-state-changed", G_CALLBACK(on_component_state), c);
    g_signal_connect(c->agent, "new-selected-pair-full", G_CALLBACK(on_selected_pair), c);
    nice_agent_attach_recv(c->agent, c->stream_id, 1, c->ctx, on_recv, c);
    if (!nice_agent_gather_candidates(c->agent, c->stream_id))
        return "cannot gather candidates (no usable local address or port)";
    return NULL;
}

gboolean yf_iceconn_start(yf_iceconn *c, const yf_iceconn_params *p)
{
    int64_t now = g_get_monotonic_time();
    const char *why = NULL;

    if (p->remote_fingerprint)
        why = peer_setup(c, p, now);
    if (!why)
        why = stream_setup(c, p);
    if (why) {
        report(c, "failed", NULL, why);
        return FALSE;
    }
    yf_iceconn_drain(c, now);
    return TRUE;
}

static void flush_held(yf_iceconn *c)
{
    GSList *held = g_slist_reverse(c->held);

    c->held = NULL;
    c->n_held = 0;
    for (GSList *l = held; l; l = l->next) {
        GSList one = { .data = l->data, .next = NULL };

        nice_agent_set_remote_candidates(c->agent, c->stream_id, 1, &one);
    }
    g_slist_free_full(held, (GDestroyNotify)nice_candidate_free);
}

void yf_iceconn_set_remote(yf_iceconn *c, const yf_iceconn_params *p)
{
    int64_t now = g_get_monotonic_time();

    if (!c->stream_id)
        return;
    if (has(p->remote_ufrag)) {
        nice_agent_set_remote_credentials(c->agent, c->stream_id, p->remote_ufrag, p->remote_pwd);
        c->have_remote_creds = TRUE;
        flush_held(c);
    }
    if (!c->peer && p->remote_fingerprint) {
        const char *why = peer_setup(c, p, now);

        if (why)
            report(c, "failed", NULL, why);
        yf_iceconn_drain(c, now);
    }
}

void yf_iceconn_add_remote_candidate(yf_iceconn *c, NiceCandidate *cand)
{
    if (!c->stream_id)
        return;
    if (!cand) {
        if (c->have_remote_creds)
            nice_agent_peer_candidate_gathering_done(c->agent, c->stream_id);
        return;
    }
    cand->stream_id = c->stream_id;
    if (!c->have_remote_creds) {
        if (c->n_held >= YF_ICECONN_HELD_MAX)
            return;
        c->held = g_slist_prepend(c->held, nice_candidate_copy(cand));
        c->n_held++;
        return;
    }
    GSList one = { .data = cand, .next = NULL };
    nice_agent_set_remote_candidates(c->agent, c->stream_id, 1, &one);
}

/* ---- restarts ---- */

void yf_iceconn_restart(yf_iceconn *c, const yf_iceconn_params *p)
{
    GSList *locals;

    if (!c->stream_id)
        return;
    nice_agent_restart_stream(c->agent, c->stream_id);
    direct_forget(c); /* through libnice until the restart has its pair */
    nice_agent_set_local_credentials(c->agent, c->stream_id, p->local_ufrag, p->local_pwd);
    c->have_remote_creds = FALSE;
    if (has(p->remote_ufrag)) {
        nice_agent_set_remote_credentials(c->agent, c->stream_id, p->remote_ufrag, p->remote_pwd);
        c->have_remote_creds = TRUE;
    }
    c->ice_up = FALSE;
    c->said_failed = FALSE;
    /* The client hears "connecting" and, once ICE is back on the same DTLS
     * association, "connected" again. */
    c->said_connecting = FALSE;
    c->restarting = TRUE;
    /* The browser drops candidates of the previous generation. */
    locals = nice_agent_get_local_candidates(c->agent, c->stream_id, 1);
    for (GSList *l = locals; l; l = l->next)
        report_candidate(c, l->data);
    g_slist_free_full(locals, (GDestroyNotify)nice_candidate_free);
    if (c->cb.on_gathering_done)
        c->cb.on_gathering_done(c->user);
    g_debug("%s: ice restart", c->name);
}

static void end_peer(yf_iceconn *c)
{
    if (!c->peer)
        return;
    if (c->cb.on_peer_end)
        c->cb.on_peer_end(c->user, c->peer);
    g_clear_pointer(&c->peer, yf_peer_free);
}

void yf_iceconn_new_remote(yf_iceconn *c, const yf_iceconn_params *p)
{
    int64_t now = g_get_monotonic_time();
    const char *why;
    yf_output o;

    if (!c->stream_id)
        return;
    if (c->peer) {
        yf_peer_close(c->peer, now);
        do {
            yf_peer_poll_output(c->peer, now, &o);
            if (o.kind == YF_OUT_TRANSMIT)
                transmit(c, now, o.data, o.len);
        } while (o.kind != YF_OUT_TIMEOUT);
        end_peer(c); /* the old association's counters */
    }
    c->connected = FALSE;
    c->next_timeout = YF_TIME_NEVER;
    yf_iceconn_restart(c, p);
    why = peer_setup(c, p, now);
    if (why)
        report(c, "failed", NULL, why);
    yf_iceconn_drain(c, now);
    g_debug("%s: new DTLS association for a new remote connection", c->name);
}

/* ---- accessors, the end ---- */

yf_peer *yf_iceconn_peer(const yf_iceconn *c)
{
    return c->peer;
}

gboolean yf_iceconn_is_connected(const yf_iceconn *c)
{
    return c->connected;
}

uint64_t yf_iceconn_direct_sent(const yf_iceconn *c)
{
    return c->direct_sent;
}

void yf_iceconn_free(yf_iceconn *c)
{
    int64_t now = g_get_monotonic_time();

    if (!c)
        return;
    c->closing = TRUE;
    if (c->peer && c->stream_id) {
        yf_peer_close(c->peer, now);
        yf_iceconn_drain(c, now);
    }
    g_signal_handlers_disconnect_by_data(c->agent, c);
    direct_clear(c);
    if (c->stream_id) {
        nice_agent_attach_recv(c->agent, c->stream_id, 1, c->ctx, NULL, NULL);
        nice_agent_remove_stream(c->agent, c->stream_id);
    }
    g_clear_object(&c->agent);
    if (c->timer) {
        g_source_destroy(c->timer);
        g_source_unref(c->timer);
    }
    g_clear_pointer(&c->early, g_ptr_array_unref);
    g_slist_free_full(c->held, (GDestroyNotify)nice_candidate_free);
    end_peer(c);
    g_free(c);
}

/* ---- credentials (any thread) ---- */

/* RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/", 64 of them, so a random
 * byte's low six bits pick one uniformly. */
static gboolean random_ice_string(char *dst, size_t n)
{
    static const char ice_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t raw[64];

    if (n > sizeof raw || RAND_bytes(raw, (int)n) != 1)
        return FALSE;
    for (size_t i = 0; i < n; i++)
        dst[i] = ice_chars[raw[i] & 63];
    dst[n] = '\0';
    return TRUE;
}

gboolean yf_iceconn_make_credentials(char *ufrag, char *pwd)
{
    return random_ice_string(ufrag, YF_ICECONN_UFRAG_LEN) && random_ice_string(pwd, YF_ICECONN_PWD_LEN);
}
