/* room_conn.c -- one connection of a room participant on the room's worker:
 * a libnice agent (full ICE, controlled, RFC 8445 via libnice's RFC 5245
 * mode, trickle, RFC 7675 consent) and a sans-IO yf_peer (DTLS-SRTP, RFC
 * 5764), as in echo_session.c; ICE restart keeps the peer (RFC 8445 section
 * 9). Decrypted packets go to room_worker.c. Nothing is logged or allocated
 * per packet. */
#include "room_private.h"

#include <string.h>

static void conn_note_state(room_conn *c, const char *state, const char *profile, const char *reason)
{
    if (c->closing || c->wk->torn_down)
        return;
    if (!strcmp(state, "failed")) {
        if (c->said_failed)
            return;
        c->said_failed = TRUE;
    }
    g_debug("room %u conn %u (participant %u %s): %s%s%s", c->wk->room->id, c->serial, c->part->id,
            c->kind == YF_PC_PUBLISH ? "publish" : "subscribe", state, reason ? ": " : "",
            reason ? reason : "");
    yf_room_note_state(c->wk->room, c->part->id, c->kind, state, profile, reason);
}

/* ---- the datagram path ---- */

static void transmit(room_conn *c, const uint8_t *data, size_t len)
{
    if (nice_agent_send(c->agent, c->stream_id, 1, (guint)len, (const gchar *)data) >= 0 || c->ice_up)
        return; /* sent, or lost like any UDP datagram */
    if (!c->early)
        c->early = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    if (c->early->len < ROOM_EARLY_MAX)
        g_ptr_array_add(c->early, g_bytes_new(data, len));
}

static void flush_early(room_conn *c)
{
    if (!c->early)
        return;
    for (guint i = 0; i < c->early->len; i++) {
        gsize len;
        const gchar *data = g_bytes_get_data(c->early->pdata[i], &len);

        nice_agent_send(c->agent, c->stream_id, 1, (guint)len, data);
    }
    g_clear_pointer(&c->early, g_ptr_array_unref);
}

void room_conn_drain(room_conn *c, int64_t now)
{
    yf_output o;

    if (!c->peer)
        return;
    for (;;) {
        yf_peer_poll_output(c->peer, now, &o);
        if (o.kind == YF_OUT_TIMEOUT)
            break;
        if (o.kind == YF_OUT_TRANSMIT)
            transmit(c, o.data, o.len);
        else if (o.event == YF_EV_CONNECTED) {
            c->connected = TRUE;
            c->srtp_profile = o.srtp_profile;
            conn_note_state(c, "connected", o.srtp_profile, NULL);
            room_wk_on_peer_event(c, now, &o);
        } else if (o.event == YF_EV_FAILED) {
            conn_note_state(c, "failed", NULL, o.reason ? o.reason : "dtls failed");
        } else if (o.event == YF_EV_CLOSED) {
            c->connected = FALSE;
            conn_note_state(c, "closed", NULL, NULL);
            room_wk_on_peer_event(c, now, &o);
        } else {
            room_wk_on_peer_event(c, now, &o);
        }
    }
    c->next_timeout = o.timeout_us;
}

void room_conn_timeout(room_conn *c, int64_t now)
{
    if (!c->peer || c->next_timeout == YF_TIME_NEVER || now < c->next_timeout)
        return;
    yf_peer_handle_timeout(c->peer, now);
    room_conn_drain(c, now);
}

static void on_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *buf,
                    gpointer data)
{
    room_conn *c = data;
    int64_t now = g_get_monotonic_time();

    if (!c->peer || c->wk->torn_down)
        return;
    yf_peer_handle_datagram(c->peer, now, (const uint8_t *)buf, len);
    room_conn_drain(c, now);
    room_wk_after_input(c->wk, now);
}

/* ---- libnice signals ---- */

static void post_candidate(room_conn *c, NiceCandidate *cand)
{
    char *line = nice_agent_generate_local_candidate_sdp(c->agent, cand);

    if (line && !c->closing)
        yf_room_note_candidate(c->wk->room, c->part->id, c->kind,
                               g_str_has_prefix(line, "a=") ? line + 2 : line, c->mid, c->mline);
    g_free(line);
}

static void on_new_candidate(NiceAgent *agent, NiceCandidate *cand, gpointer data)
{
    post_candidate(data, cand);
}

static void on_gathering_done(NiceAgent *agent, guint stream_id, gpointer data)
{
    room_conn *c = data;

    if (!c->closing)
        yf_room_note_candidate(c->wk->room, c->part->id, c->kind, "", c->mid, c->mline);
}

static void on_component_state(NiceAgent *agent, guint stream_id, guint component_id, guint state,
                               gpointer data)
{
    room_conn *c = data;

    g_debug("room %u conn %u: ice %s", c->wk->room->id, c->serial, nice_component_state_to_string(state));
    if (state == NICE_COMPONENT_STATE_CONNECTING && !c->said_connecting) {
        c->said_connecting = TRUE;
        conn_note_state(c, "connecting", NULL, NULL);
    } else if (state == NICE_COMPONENT_STATE_CONNECTED || state == NICE_COMPONENT_STATE_READY) {
        c->ice_up = TRUE;
        flush_early(c);
        if (c->restarting && c->connected) /* same DTLS: media flows again */
            conn_note_state(c, "connected", c->srtp_profile, NULL);
        c->restarting = FALSE;
    } else if (state == NICE_COMPONENT_STATE_FAILED) {
        conn_note_state(c, "failed", NULL, "ice failed");
    }
}

/* ---- set-up ---- */

static const char *stream_setup(room_conn *c, const room_msg *m)
{
    const yf_media *conf = c->wk->room->conf;

    c->stream_id = nice_agent_add_stream(c->agent, 1);
    if (!c->stream_id)
        return "cannot add an ICE stream";
    if (conf->port_min || conf->port_max)
        nice_agent_set_port_range(c->agent, c->stream_id, 1, conf->port_min, conf->port_max);
    if (!nice_agent_set_local_credentials(c->agent, c->stream_id, m->local_ufrag, m->local_pwd))
        return "cannot set ICE credentials";
    if (m->remote_ufrag[0]) {
        if (!nice_agent_set_remote_credentials(c->agent, c->stream_id, m->remote_ufrag, m->remote_pwd))
            return "cannot set ICE credentials";
        c->have_remote_creds = TRUE;
    }
    g_signal_connect(c->agent, "new-candidate-full", G_CALLBACK(on_new_candidate), c);
    g_signal_connect(c->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), c);
    g_signal_connect(c->agent, "component-state-changed", G_CALLBACK(on_component_state), c);
    nice_agent_attach_recv(c->agent, c->stream_id, 1, c->wk->room->worker->ctx, on_recv, c);
    if (!nice_agent_gather_candidates(c->agent, c->stream_id))
        return "cannot gather candidates (no usable local address or port)";
    return NULL;
}

static const char *peer_setup(room_conn *c, const room_msg *m, int64_t now)
{
    c->peer_cfg.cert = c->wk->room->conf->cert;
    c->peer_cfg.role = m->role;
    g_strlcpy(c->peer_cfg.remote_fingerprint, m->remote_fp, sizeof c->peer_cfg.remote_fingerprint);
    c->peer = yf_peer_new(&c->peer_cfg, now);
    return c->peer ? NULL : "cannot create the DTLS peer";
}

/* A publisher connection knows everything from the offer; a subscriber
 * connection gathers at once (its candidates follow our offer) and gets its
 * remote credentials and peer from the answer (room_conn_set_remote). */
room_conn *room_conn_new(room_wk *wk, room_wpart *part, yf_pc_kind kind, const room_msg *m)
{
    room_conn *c = g_new0(room_conn, 1);
    int64_t now = g_get_monotonic_time();
    const char *why = NULL;

    c->wk = wk;
    c->part = part;
    c->kind = kind;
    c->serial = ++wk->next_serial;
    c->next_timeout = YF_TIME_NEVER;
    g_strlcpy(c->mid, m->mid, sizeof c->mid);
    c->mline = m->mline;
    c->agent = yf_net_agent_new(wk->room->conf, wk->room->worker->ctx);
    if (kind == YF_PC_PUBLISH)
        why = peer_setup(c, m, now);
    if (!why)
        why = stream_setup(c, m);
    g_ptr_array_add(wk->conns, c);
    if (why)
        conn_note_state(c, "failed", NULL, why);
    else
        room_conn_drain(c, now);
    g_debug("room %u conn %u: new %s connection of participant %u", wk->room->id, c->serial,
            kind == YF_PC_PUBLISH ? "publish" : "subscribe", part->id);
    return c;
}

static void flush_held(room_conn *c)
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

/* The subscriber's answer: remote credentials, and the peer on the first. */
void room_conn_set_remote(room_conn *c, const room_msg *m)
{
    int64_t now = g_get_monotonic_time();

    if (!c->stream_id)
        return;
    if (m->remote_ufrag[0]) { /* "" = unchanged */
        nice_agent_set_remote_credentials(c->agent, c->stream_id, m->remote_ufrag, m->remote_pwd);
        c->have_remote_creds = TRUE;
        flush_held(c);
    }
    if (!c->peer) {
        const char *why = peer_setup(c, m, now);

        if (why)
            conn_note_state(c, "failed", NULL, why);
        room_conn_drain(c, now);
    }
}

/* RFC 8445 section 9: new credentials, the candidates again, same DTLS.
 * remote_ufrag "" (our own restart, before the answer): remote credentials
 * follow with room_conn_set_remote. */
void room_conn_ice_restart(room_conn *c, const room_msg *m)
{
    GSList *locals;

    if (!c->stream_id)
        return;
    nice_agent_restart_stream(c->agent, c->stream_id);
    nice_agent_set_local_credentials(c->agent, c->stream_id, m->local_ufrag, m->local_pwd);
    c->have_remote_creds = FALSE;
    if (m->remote_ufrag[0]) {
        nice_agent_set_remote_credentials(c->agent, c->stream_id, m->remote_ufrag, m->remote_pwd);
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
        post_candidate(c, l->data);
    g_slist_free_full(locals, (GDestroyNotify)nice_candidate_free);
    if (!c->closing)
        yf_room_note_candidate(c->wk->room, c->part->id, c->kind, "", c->mid, c->mline);
    g_debug("room %u conn %u: ice restart", c->wk->room->id, c->serial);
}

/* The subscriber's answer came from another RTCPeerConnection (room.c: its
 * o= session id or certificate differs from the last answer's). The old
 * association gets its close_notify on the path it still has, and nothing
 * more from it reaches the room; ICE restarts with our offered credentials
 * and the answer's (our candidates again: the new connection has none);
 * a new peer answers the new ClientHello (RFC 6347 section 4.2.8). */
void room_conn_new_remote(room_conn *c, const room_msg *m)
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
                transmit(c, o.data, o.len);
        } while (o.kind != YF_OUT_TIMEOUT);
        room_conn_log_counters(c); /* the old association's line */
        g_clear_pointer(&c->peer, yf_peer_free);
    }
    c->connected = FALSE;
    c->next_timeout = YF_TIME_NEVER;
    room_conn_ice_restart(c, m);
    why = peer_setup(c, m, now);
    if (why)
        conn_note_state(c, "failed", NULL, why);
    room_conn_drain(c, now);
    g_debug("room %u conn %u: new DTLS association for a new remote connection", c->wk->room->id, c->serial);
}

void room_conn_add_candidate(room_conn *c, NiceCandidate *cand)
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
        if (c->n_held >= ROOM_HELD_MAX)
            return; /* libnice keeps 25 remote candidates anyway */
        c->held = g_slist_prepend(c->held, nice_candidate_copy(cand));
        c->n_held++;
        return;
    }
    GSList one = { .data = cand, .next = NULL };
    nice_agent_set_remote_candidates(c->agent, c->stream_id, 1, &one);
}

/* One line per connection at its end; no addresses. */
void room_conn_log_counters(const room_conn *c)
{
    yf_peer_stats st;

    if (!c->peer)
        return;
    yf_peer_get_stats(c->peer, &st);
    g_info("room %u conn %u (participant %u %s): rtp in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT
           ", rtcp in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT ", dropped: garbage %" G_GUINT64_FORMAT
           " auth %" G_GUINT64_FORMAT " early %" G_GUINT64_FORMAT " queue %" G_GUINT64_FORMAT
           " new-hello %" G_GUINT64_FORMAT,
           c->wk->room->id, c->serial, c->part->id, c->kind == YF_PC_PUBLISH ? "publish" : "subscribe",
           st.rtp_in, st.rtp_out, st.rtcp_in, st.rtcp_out, st.dropped_garbage, st.dropped_auth,
           st.dropped_early, st.dropped_queue, st.dropped_new_hello);
}

void room_conn_free(room_conn *c)
{
    int64_t now = g_get_monotonic_time();

    if (!c)
        return;
    c->closing = TRUE; /* before the drain: no note after this */
    if (c->peer && c->stream_id) {
        yf_peer_close(c->peer, now);
        room_conn_drain(c, now);
    }
    if (c->agent) {
        g_signal_handlers_disconnect_by_data(c->agent, c);
        if (c->stream_id) {
            nice_agent_attach_recv(c->agent, c->stream_id, 1, c->wk->room->worker->ctx, NULL, NULL);
            nice_agent_remove_stream(c->agent, c->stream_id);
        }
        g_clear_object(&c->agent);
    }
    g_ptr_array_remove_fast(c->wk->conns, c);
    g_clear_pointer(&c->early, g_ptr_array_unref);
    g_slist_free_full(c->held, (GDestroyNotify)nice_candidate_free);
    room_conn_log_counters(c);
    g_clear_pointer(&c->peer, yf_peer_free);
    g_free(c);
}
