/* ws.c -- the signaling session behind each /ws websocket: reassembles
 * fragments up to 64 KiB, parses with codec.c, dispatches one function per
 * request type, queues replies and events and writes them only when lws says
 * the socket is writeable. Bad input gets an error reply and a log line; it
 * never touches another session. Holds the limits the sessions share
 * (docs/protocol.md, "Limits"): websockets and device tests per client
 * address, device tests in all, and the media sessions device tests and
 * room participants draw on together. Control thread only. */
#define G_LOG_DOMAIN "yf-ws"
#include "ws.h"

#include <string.h>
#include <sys/socket.h>

#include "codec.h"
#include "sigroom.h"
#include "signaling/turn/turn_cred.h"

/* Invariants: budget.used counts the device tests (n_devtest) and the room
 * participants in media; devtests counts every session's device test by
 * its address, websockets every session that took a place by its address. */
struct yf_ws_hub {
    yf_net *media;
    yf_ws_limits limits;
    yf_media_budget budget;
    int n_devtest;
    yf_peers *websockets;   /* sessions per client address */
    yf_peers *devtests;     /* device tests per client address */
    GHashTable *address_rates; /* yf_peer_key * -> yf_peers_bucket * (both owned): the
                                  messages of every session of an address holding one */
    yf_peers_ratelog ws_refusals, devtest_refusals;
    json_t *ice_servers;
    const yf_turn *turn;    /* NULL: no TURN; borrowed */
    GList *sessions;        /* of yf_ws_session */
    gboolean stopping;
    yf_sigroom_hub *rooms;
};

/* Invariants: wsi is valid until LWS_CALLBACK_CLOSED, when the session is
 * freed; `echo` is NULL or a live media session owned by this session;
 * `member` is NULL or the room participant bound to this session (never both
 * echo and member: a session is a device test or a room session);
 * rx holds the fragments of one message, never more than YF_SIG_MAX_MESSAGE. */
typedef struct {
    yf_ws_hub *hub;
    struct lws *wsi;
    char id[17];
    gboolean hello_done;
    gboolean close_after_write;
    gboolean dead;          /* dropped for not reading: ignore everything */
    gsize txq_bytes;
    GQueue txq;             /* of char *, g_free */
    GByteArray *rx;
    gboolean rx_oversized;
    gboolean has_key;       /* key is the client's address (always, but for a
                               socket getpeername cannot name) */
    yf_peer_key key;
    gboolean counted;       /* holds a place in hub->websockets */
    gboolean refused;       /* over the cap per address: closed, never read */
    yf_peers_ratelog bad_log; /* bad requests past the first 10: one log line a second */
    guint bad_logged;
    yf_peers_bucket rate;   /* messages received (YF_WS_RATE, YF_WS_BURST) */
    gboolean too_fast;      /* closed for sending past the rate (1008) */
    yf_echo_session *echo;
    yf_sigroom_member *member;
    guint connect_timer;    /* running from the offer until "connected" */
    GList *link;            /* in hub->sessions */
} yf_ws_session;

static const yf_sigroom_conn_ops conn_ops;
static void note_bad(yf_ws_session *s, const char *what, const char *detail);
static gboolean within_rate(yf_ws_session *s);

int yf_ws_devtest_max(int max_media, int share_percent)
{
    if (share_percent <= 0)
        return 0;
    int n = (int)((gint64)max_media * share_percent / 100);
    return n < 1 ? 1 : n;
}

yf_ws_hub *yf_ws_hub_new(yf_net *media, const yf_ws_limits *limits, const char *stun_server,
                         const yf_room_key *room_key, int grace_s)
{
    yf_ws_hub *hub = g_new0(yf_ws_hub, 1);
    hub->media = media;
    hub->limits = *limits;
    hub->budget.max = limits->max_media;
    hub->websockets = yf_peers_new();
    hub->devtests = yf_peers_new();
    hub->address_rates = g_hash_table_new_full(yf_peer_key_hash, yf_peer_key_equal, g_free, g_free);
    hub->ice_servers = json_array();
    if (stun_server) {
        char *url = g_strdup_printf("stun:%s", stun_server);
        json_array_append_new(hub->ice_servers, json_pack("{s:[s]}", "urls", url));
        g_free(url);
    }
    hub->rooms = yf_sigroom_hub_new(media, room_key, grace_s, hub->ice_servers, &conn_ops, NULL);
    yf_sigroom_hub_set_budget(hub->rooms, &hub->budget);
    return hub;
}

/* Queues a message for the client. A client with YF_WS_MAX_QUEUE_BYTES
 * waiting (it floods requests far faster than it reads their replies), or
 * YF_WS_MAX_QUEUE messages while its socket takes nothing (it does not
 * read), is dropped at once: its session is marked dead, so nothing
 * it sends afterwards is dispatched; the close (1008 and a reason) goes out
 * when it is writeable, or lws cuts it after 2 s when it is not. */
static void send_msg_take(yf_ws_session *s, char *msg)
{
    if (!msg || s->dead) {
        g_free(msg);
        return;
    }
    gsize len = strlen(msg);
    if (s->txq_bytes + len > YF_WS_MAX_QUEUE_BYTES ||
        (g_queue_get_length(&s->txq) >= YF_WS_MAX_QUEUE && lws_send_pipe_choked(s->wsi))) {
        g_warning("session %s: %u messages (%" G_GSIZE_FORMAT " bytes) wait for a client that does not read "
                  "them as fast as it sends; closing it", s->id, g_queue_get_length(&s->txq), s->txq_bytes);
        g_free(msg);
        s->dead = TRUE;
        g_queue_clear_full(&s->txq, g_free);
        s->txq_bytes = 0;
        lws_set_timeout(s->wsi, PENDING_TIMEOUT_CLOSE_SEND, 2);
        lws_callback_on_writable(s->wsi);
        return;
    }
    s->txq_bytes += len;
    g_queue_push_tail(&s->txq, msg);
    lws_callback_on_writable(s->wsi);
}

/* ---- the connection ops the rooms use ---- */

static void conn_send_take(void *conn, char *msg)
{
    send_msg_take(conn, msg);
}

static void conn_unbind(void *conn)
{
    yf_ws_session *s = conn;
    s->member = NULL;
}

static void conn_close(void *conn)
{
    yf_ws_session *s = conn;
    s->close_after_write = TRUE;
    if (!s->dead)
        lws_callback_on_writable(s->wsi);
}

static const yf_sigroom_conn_ops conn_ops = {conn_send_take, conn_unbind, conn_close};

static void end_media(yf_ws_session *s)
{
    if (s->connect_timer) {
        g_source_remove(s->connect_timer);
        s->connect_timer = 0;
    }
    if (!s->echo)
        return;
    yf_echo_session_free(s->echo);
    s->echo = NULL;
    s->hub->n_devtest--;
    s->hub->budget.used--;
    if (s->has_key)
        yf_peers_release(s->hub->devtests, &s->key);
}

yf_sigroom_hub *yf_ws_hub_rooms(yf_ws_hub *hub)
{
    return hub->rooms;
}

void yf_ws_hub_set_turn(yf_ws_hub *hub, const yf_turn *turn)
{
    hub->turn = turn;
    yf_sigroom_hub_set_turn(hub->rooms, turn);
}

void yf_ws_hub_set_audit(yf_ws_hub *hub, yf_sigroom_audit_fn fn, void *user)
{
    yf_sigroom_hub_set_audit(hub->rooms, fn, user);
}

void yf_ws_hub_shutdown(yf_ws_hub *hub, const char *reason)
{
    if (!hub || hub->stopping)
        return;
    hub->stopping = TRUE;
    yf_sigroom_hub_stopping(hub->rooms);
    for (GList *l = hub->sessions; l; l = l->next) {
        yf_ws_session *s = l->data;
        end_media(s);
        if (s->member) {
            yf_sigroom_member *m = s->member;
            s->member = NULL;
            yf_sigroom_detach(m);
        }
        send_msg_take(s, yf_sig_event_shutdown(reason));
        s->close_after_write = TRUE;
    }
}

void yf_ws_hub_free(yf_ws_hub *hub)
{
    if (!hub)
        return;
    /* The lws context is destroyed first, so every session saw CLOSED. */
    g_warn_if_fail(hub->sessions == NULL);
    yf_sigroom_hub_free(hub->rooms);
    yf_peers_free(hub->websockets);
    yf_peers_free(hub->devtests);
    g_hash_table_destroy(hub->address_rates);
    json_decref(hub->ice_servers);
    g_free(hub);
}

/* ---- media callbacks: run on the control context, like lws ---- */

static void on_local_candidate(void *user, const char *candidate, const char *mid, int mline_index)
{
    yf_ws_session *s = user;
    send_msg_take(s, yf_sig_event_ice_candidate(candidate, mid, mline_index, YF_SIG_PC_NONE));
}

static void on_media_state(void *user, const char *state, const char *srtp_profile, const char *reason)
{
    yf_ws_session *s = user;
    g_debug("session %s: media %s%s%s", s->id, state, srtp_profile ? " " : "", srtp_profile ? srtp_profile : "");
    if (s->connect_timer && strcmp(state, "connecting") != 0) {
        g_source_remove(s->connect_timer);
        s->connect_timer = 0;
    }
    send_msg_take(s, yf_sig_event_media_state(state, srtp_profile, reason, YF_SIG_PC_NONE));
    /* A failed or closed media session frees its slot, agent and port now,
     * not when the websocket goes; the page may send a new offer. */
    if (strcmp(state, "failed") == 0 || strcmp(state, "closed") == 0)
        end_media(s);
}

/* A browser whose network blocks UDP never finishes ICE, and libnice waits for
 * an end-of-candidates that may never come: give up and say so. */
static gboolean on_connect_timeout(gpointer data)
{
    yf_ws_session *s = data;
    s->connect_timer = 0;
    g_message("session %s: media not connected within %d s; ending it", s->id, YF_WS_CONNECT_TIMEOUT_S);
    end_media(s);
    send_msg_take(s, yf_sig_event_media_state("failed", NULL, "no media connection within the time limit "
                                                                "(the network may block UDP)", YF_SIG_PC_NONE));
    return G_SOURCE_REMOVE;
}

static const yf_net_callbacks media_callbacks = {on_local_candidate, on_media_state};

/* ---- one function per request type ---- */

static void do_hello(yf_ws_session *s, const yf_sig_request *req)
{
    s->hello_done = TRUE;
    g_debug("session %s: hello from %s", s->id, req->hello.client ? req->hello.client : "(unnamed client)");
    /* The device test's TURN credential is this session's own and lives 10
     * minutes (hello needs no login: a long-lived relay credential must not
     * be had for the asking); a hearing participant gets one of their own,
     * for the configured lifetime, in the room.join reply. */
    json_t *ice = yf_turn_ice_servers(s->hub->turn, s->hub->ice_servers, s->id, g_get_real_time() / G_USEC_PER_SEC,
                                      YF_TURN_DEVTEST_LIFETIME_S);
    send_msg_take(s, yf_sig_reply_hello(&req->id, s->id, ice));
    json_decref(ice);
}

/* Why a device test cannot start now (the busy reply's sentence), or NULL.
 * Device tests need no credential, so they get a share of the media
 * sessions (hearings always keep the rest) and a few per address. */
static const char *devtest_refusal(yf_ws_session *s)
{
    yf_ws_hub *h = s->hub;
    const char *why = NULL;
    guint suppressed = 0;
    if (s->has_key && yf_peers_count(h->devtests, &s->key) >= (guint)h->limits.devtest_per_address)
        why = "too many device tests from your network at once; try again in a minute";
    else if (h->n_devtest >= h->limits.devtest_max)
        why = "too many device tests at once; try again in a minute";
    else if (h->budget.used >= h->budget.max)
        why = "the server is at its limit of media sessions; try again later";
    if (why && yf_peers_ratelog_due(&h->devtest_refusals, g_get_monotonic_time(), 10 * G_USEC_PER_SEC, &suppressed))
        g_warning("session %s: refused a device test: %s (%d device tests, %d media sessions running; "
                  "%u more refused since the last such line)", s->id, why, h->n_devtest, h->budget.used, suppressed);
    return why;
}

static void do_echo_offer(yf_ws_session *s, const yf_sig_request *req)
{
    GError *err = NULL;
    char *answer = NULL;
    if (s->member) {
        send_msg_take(s, yf_sig_reply_error(&req->id, YF_SIG_ERR_NOT_READY, "this session is in a room"));
        return;
    }
    end_media(s);
    const char *full = devtest_refusal(s);
    if (full) {
        send_msg_take(s, yf_sig_reply_error(&req->id, YF_SIG_ERR_BUSY, full));
        return;
    }
    s->echo = yf_echo_session_new(s->hub->media, req->offer.sdp, strlen(req->offer.sdp), &media_callbacks, s,
                                  &answer, &err);
    if (!s->echo) {
        gboolean sdp = g_error_matches(err, YF_NET_ERROR, YF_NET_ERROR_SDP);
        g_message("session %s: echo.offer refused: %s", s->id, err->message);
        send_msg_take(s, yf_sig_reply_error(&req->id, sdp ? YF_SIG_ERR_BAD_SDP : YF_SIG_ERR_INTERNAL, err->message));
        g_error_free(err);
        return;
    }
    s->hub->n_devtest++;
    s->hub->budget.used++;
    if (s->has_key)
        yf_peers_take(s->hub->devtests, &s->key, 0);
    s->connect_timer = g_timeout_add_seconds(YF_WS_CONNECT_TIMEOUT_S, on_connect_timeout, s);
    send_msg_take(s, yf_sig_reply_offer(&req->id, answer));
    g_free(answer);
}

static void do_ice_candidate(yf_ws_session *s, const yf_sig_request *req)
{
    GError *err = NULL;
    if (s->member) {
        yf_sigroom_request(s->member, req);
        return;
    }
    if (!s->echo) {
        send_msg_take(s, yf_sig_reply_error(&req->id, YF_SIG_ERR_NOT_READY, "send an offer before candidates"));
        return;
    }
    if (yf_echo_session_add_remote_candidate(s->echo, req->ice.candidate, &err)) {
        send_msg_take(s, yf_sig_reply_candidate(&req->id, NULL));
    } else if (g_error_matches(err, YF_NET_ERROR, YF_NET_ERROR_CANDIDATE_UNUSED)) {
        send_msg_take(s, yf_sig_reply_candidate(&req->id, err->message));
    } else {
        note_bad(s, "bad candidate", err->message);
        send_msg_take(s, yf_sig_reply_error(&req->id, YF_SIG_ERR_BAD_CANDIDATE, err->message));
    }
    g_clear_error(&err);
}

static void do_bye(yf_ws_session *s, const yf_sig_request *req)
{
    if (s->member) {
        yf_sigroom_member *m = s->member;
        s->member = NULL;
        yf_sigroom_detach(m);
    }
    end_media(s);
    send_msg_take(s, yf_sig_reply_ok_take(&req->id, NULL));
    s->close_after_write = TRUE;
}

static void do_room_join(yf_ws_session *s, const yf_sig_request *req)
{
    if (s->echo || s->member) {
        send_msg_take(s, yf_sig_reply_error(&req->id, YF_SIG_ERR_NOT_READY,
                                            s->echo ? "this session runs a device test"
                                                    : "already in a room; send room.leave first"));
        return;
    }
    s->member = yf_sigroom_join(s->hub->rooms, s, req);
}

/* Every other room request goes to the participant bound to this session. */
static void do_room_request(yf_ws_session *s, const yf_sig_request *req)
{
    if (!s->member) {
        send_msg_take(s, yf_sig_reply_error(&req->id, YF_SIG_ERR_NOT_READY, "send room.join first"));
        return;
    }
    yf_sigroom_request(s->member, req);
}

static void dispatch(yf_ws_session *s, const yf_sig_request *req)
{
    if (s->close_after_write || s->hub->stopping) {
        send_msg_take(s, yf_sig_reply_error(&req->id, YF_SIG_ERR_NOT_READY, "the session is closing"));
        return;
    }
    if (!s->hello_done && req->type != YF_SIG_HELLO) {
        send_msg_take(s, yf_sig_reply_error(&req->id, YF_SIG_ERR_NOT_READY, "the first request must be hello"));
        return;
    }
    switch (req->type) {
    case YF_SIG_HELLO: do_hello(s, req); break;
    case YF_SIG_ECHO_OFFER: do_echo_offer(s, req); break;
    case YF_SIG_ICE_CANDIDATE: do_ice_candidate(s, req); break;
    case YF_SIG_BYE: do_bye(s, req); break;
    case YF_SIG_ROOM_JOIN: do_room_join(s, req); break;
    case YF_SIG_PUBLISH_OFFER:
    case YF_SIG_SUBSCRIBE_ANSWER:
    case YF_SIG_SUBSCRIBE_RESTART:
    case YF_SIG_ROOM_MUTE_SELF:
    case YF_SIG_ROOM_ADMIT:
    case YF_SIG_ROOM_GALLERY:
    case YF_SIG_ROOM_MUTE:
    case YF_SIG_ROOM_REMOVE:
    case YF_SIG_ROOM_LEAVE:
    case YF_SIG_ROOM_END:
    case YF_SIG_AGENDA_STEP:
    case YF_SIG_AGENDA_TIMER: do_room_request(s, req); break;
    default:
        send_msg_take(s, yf_sig_reply_error(&req->id, YF_SIG_ERR_INTERNAL, "request type not dispatched"));
        break;
    }
}

/* Logs a refused message: a session's first 10 each, then at most one line
 * a second with the number left out since, so a flood of bad requests
 * cannot flood the log. */
static void note_bad(yf_ws_session *s, const char *what, const char *detail)
{
    guint suppressed = 0;
    if (s->bad_logged >= 10 &&
        !yf_peers_ratelog_due(&s->bad_log, g_get_monotonic_time(), G_USEC_PER_SEC, &suppressed))
        return;
    s->bad_logged++;
    if (suppressed)
        g_message("session %s: %s%s%s (and %u more refused in the last second)", s->id, what, detail ? ": " : "",
                  detail ? detail : "", suppressed);
    else
        g_message("session %s: %s%s%s", s->id, what, detail ? ": " : "", detail ? detail : "");
}

static void handle_message(yf_ws_session *s, const char *buf, size_t len)
{
    yf_sig_request req;
    GError *err = NULL;
    if (yf_sig_parse(buf, len, &req, &err)) {
        dispatch(s, &req);
    } else {
        note_bad(s, "bad request", err->message);
        send_msg_take(s, yf_sig_reply_gerror(&req.id, err));
        g_error_free(err);
    }
    yf_sig_request_clear(&req);
}

/* Collects fragments; an oversized message is answered once and dropped. */
static void on_receive(yf_ws_session *s, const void *in, size_t len)
{
    if (lws_is_first_fragment(s->wsi)) {
        g_byte_array_set_size(s->rx, 0);
        s->rx_oversized = FALSE;
    }
    if (!s->rx_oversized && s->rx->len + len > YF_SIG_MAX_MESSAGE) {
        s->rx_oversized = TRUE;
        g_byte_array_set_size(s->rx, 0);
    }
    if (!s->rx_oversized)
        g_byte_array_append(s->rx, in, (guint)len);
    if (!lws_is_final_fragment(s->wsi))
        return;
    if (!within_rate(s)) {
        s->too_fast = s->dead = TRUE;
        g_queue_clear_full(&s->txq, g_free);
        s->txq_bytes = 0;
        g_byte_array_set_size(s->rx, 0);
        lws_set_timeout(s->wsi, PENDING_TIMEOUT_CLOSE_SEND, 2);
        lws_callback_on_writable(s->wsi);
        return;
    }
    if (s->rx_oversized) {
        note_bad(s, "message over 64 KiB refused", NULL);
        send_msg_take(s, yf_sig_reply_error(NULL, YF_SIG_ERR_TOO_LARGE, "message longer than 64 KiB"));
    } else {
        handle_message(s, (const char *)s->rx->data, s->rx->len);
    }
    g_byte_array_set_size(s->rx, 0);
}

/* Whether this message keeps within the rates: the session's own and its
 * address's (all its sessions together). FALSE logs which it broke. */
static gboolean within_rate(yf_ws_session *s)
{
    gint64 now = g_get_monotonic_time();
    if (!yf_peers_bucket_take(&s->rate, now, YF_WS_RATE, YF_WS_BURST)) {
        g_warning("session %s: more than %d messages a second (%d at once); closing it", s->id, YF_WS_RATE,
                  YF_WS_BURST);
        return FALSE;
    }
    if (!s->has_key)
        return TRUE;
    yf_peers_bucket *b = g_hash_table_lookup(s->hub->address_rates, &s->key);
    if (!b) {
        b = g_new0(yf_peers_bucket, 1);
        g_hash_table_insert(s->hub->address_rates, g_memdup2(&s->key, sizeof s->key), b);
    }
    int rate = s->hub->limits.messages_per_address;
    if (yf_peers_bucket_take(b, now, rate, 2 * rate))
        return TRUE;
    g_warning("session %s: its address sends more than %d messages a second over all its sessions "
              "([server] ws_messages_per_address); closing this one", s->id, rate);
    return FALSE;
}

/* Writes queued messages while the socket takes them (at most 16 a call, so
 * one session cannot hold the loop). lws_rx_flow_control() is not used for
 * backpressure: with lws 4.1.6's GLib loop a session with its reading
 * switched off spins the loop and is never writeable again. */
static int on_writeable(yf_ws_session *s)
{
    for (int i = 0; i < 16 && !g_queue_is_empty(&s->txq); i++) {
        if (i > 0 && lws_send_pipe_choked(s->wsi))
            break;
        char *msg = g_queue_pop_head(&s->txq);
        size_t len = strlen(msg);
        s->txq_bytes -= len;
        unsigned char *buf = g_malloc(LWS_PRE + len);
        memcpy(buf + LWS_PRE, msg, len);
        int n = lws_write(s->wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT);
        g_free(buf);
        g_free(msg);
        if (n < (int)len)
            return -1;
    }
    if (!g_queue_is_empty(&s->txq)) {
        lws_callback_on_writable(s->wsi);
        return 0;
    }
    if (s->close_after_write) {
        lws_close_reason(s->wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
        return -1;
    }
    return 0;
}

/* The client's address: of the network connection (over HTTP/2 a
 * websocket is a stream of it). */
static gboolean peer_key_of(struct lws *wsi, yf_peer_key *key)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    struct lws *nwsi = lws_get_network_wsi(wsi);
    int fd = nwsi ? lws_get_socket_fd(nwsi) : -1;
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
        return FALSE;
    return yf_peer_key_from_sockaddr((struct sockaddr *)&ss, len, key);
}

/* A session beyond [server] max_websockets_per_address: its websocket is
 * closed at once with 1013 "try again later" and a reason, before any
 * request is read. */
static gboolean take_place(yf_ws_session *s)
{
    guint suppressed = 0;
    if (!s->has_key || yf_peers_take(s->hub->websockets, &s->key, s->hub->limits.websockets_per_address)) {
        s->counted = s->has_key;
        return TRUE;
    }
    if (yf_peers_ratelog_due(&s->hub->ws_refusals, g_get_monotonic_time(), 10 * G_USEC_PER_SEC, &suppressed))
        g_warning("session %s: refused: its address already holds %d websockets (the limit, [server] "
                  "max_websockets_per_address); %u more refused since the last such line", s->id,
                  s->hub->limits.websockets_per_address, suppressed);
    return FALSE;
}

static yf_ws_session *session_new(yf_ws_hub *hub, struct lws *wsi)
{
    yf_ws_session *s = g_new0(yf_ws_session, 1);
    unsigned char rnd[8];
    lws_get_random(lws_get_context(wsi), rnd, sizeof rnd);
    for (int i = 0; i < 8; i++)
        g_snprintf(s->id + 2 * i, 3, "%02x", rnd[i]);
    s->hub = hub;
    s->wsi = wsi;
    g_queue_init(&s->txq);
    s->rx = g_byte_array_new();
    s->has_key = peer_key_of(wsi, &s->key);
    hub->sessions = g_list_prepend(hub->sessions, s);
    s->link = hub->sessions;
    return s;
}

static void session_free(yf_ws_session *s)
{
    if (s->member) {
        yf_sigroom_member *m = s->member;
        s->member = NULL;
        yf_sigroom_detach(m);
    }
    end_media(s);
    if (s->counted)
        yf_peers_release(s->hub->websockets, &s->key);
    if (s->has_key && yf_peers_count(s->hub->websockets, &s->key) == 0)
        g_hash_table_remove(s->hub->address_rates, &s->key);   /* its last session */
    s->hub->sessions = g_list_delete_link(s->hub->sessions, s->link);
    g_queue_clear_full(&s->txq, g_free);
    g_byte_array_unref(s->rx);
    g_free(s);
}

/* Only /ws upgrades to the signaling protocol. Over HTTP/1.1 the path is in
 * the GET line; over HTTP/2 (RFC 8441 extended CONNECT) in :path. */
static int check_path(struct lws *wsi)
{
    char uri[64];
    int n = lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
    if (n <= 0)
        n = lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_HTTP_COLON_PATH);
    return (n > 0 && strcmp(uri, "/ws") == 0) ? 0 : -1;
}

int yf_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    yf_ws_session **slot = user;
    const struct lws_protocols *proto = lws_get_protocol(wsi);
    yf_ws_hub *hub = proto ? proto->user : NULL;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return (hub && !hub->stopping) ? check_path(wsi) : -1;
    case LWS_CALLBACK_ESTABLISHED:
        *slot = session_new(hub, wsi);
        g_debug("session %s: open", (*slot)->id);
        if (!take_place(*slot)) {
            (*slot)->refused = TRUE;    /* closed when writeable, with the reason */
            lws_callback_on_writable(wsi);
        }
        return 0;
    case LWS_CALLBACK_RECEIVE:
        if (*slot && ((*slot)->dead || (*slot)->refused))
            return 0;   /* nothing more is read; the close is on its way */
        if (*slot)
            on_receive(*slot, in, len);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (*slot && (*slot)->dead) {
            static const char flood[] = "too many messages waiting: read the replies";
            static const char fast[] = "too many messages a second";
            const char *why = (*slot)->too_fast ? fast : flood;
            lws_close_reason(wsi, YF_WS_CLOSE_POLICY, (unsigned char *)why, strlen(why));
            return -1;
        }
        if (*slot && (*slot)->refused) {
            static const char why[] = "too many connections from your address";
            lws_close_reason(wsi, YF_WS_CLOSE_TRY_LATER, (unsigned char *)why, sizeof why - 1);
            return -1;
        }
        return *slot ? on_writeable(*slot) : 0;
    case LWS_CALLBACK_CLOSED:
        if (*slot) {
            g_debug("session %s: closed", (*slot)->id);
            session_free(*slot);
            *slot = NULL;
        }
        return 0;
    default:
        return 0;
    }
}
