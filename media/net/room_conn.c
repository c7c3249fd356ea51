/* room_conn.c -- one connection of a room participant on the room's worker:
 * an ICE connection (iceconn.c: libnice stream + yf_peer) named by its
 * participant and kind. Its states and candidates become notes for the
 * control thread, its decrypted packets go to room_worker.c; the room's one
 * timer drives it. Nothing is logged or allocated per packet. */
#include "room_priv.h"

static const char *kind_name(const yf_room_conn *c)
{
    return c->kind == YF_PC_PUBLISH ? "publish" : "subscribe";
}

/* ---- what the ICE connection reports ---- */

static void on_state(void *user, const char *state, const char *profile, const char *reason)
{
    yf_room_conn *c = user;

    if (c->closing || c->wk->torn_down)
        return;
    g_debug("room %u conn %u (participant %u %s): %s%s%s", c->wk->room->h.id, c->serial, c->part->id,
            kind_name(c), state, reason ? ": " : "", reason ? reason : "");
    yf_room_note_state(c->wk->room, c->part->id, c->kind, state, profile, reason);
    if (c->kind == YF_PC_SUBSCRIBE && !strcmp(state, "connected"))
        yf_room_wk_downlink_afresh(c->wk, c->part, g_get_monotonic_time());
}

static void on_candidate(void *user, const char *line)
{
    yf_room_conn *c = user;

    if (!c->closing)
        yf_room_note_candidate(c->wk->room, c->part->id, c->kind, line, c->mid, c->mline);
}

static void on_gathering_done(void *user)
{
    on_candidate(user, "");
}

static void on_peer_event(void *user, int64_t now, const yf_output *o)
{
    yf_room_wk_on_peer_event(user, now, o);
}

static void on_input(void *user, int64_t now)
{
    yf_room_conn *c = user;

    yf_room_wk_after_input(c->wk, now);
}

/* One line per DTLS association at its end; no addresses. */
static void log_counters(void *user, const yf_peer *peer)
{
    yf_room_conn *c = user;
    yf_peer_stats st;

    yf_peer_get_stats(peer, &st);
    g_info("room %u conn %u (participant %u %s): rtp in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT
           ", rtcp in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT ", dropped: garbage %" G_GUINT64_FORMAT
           " auth %" G_GUINT64_FORMAT " early %" G_GUINT64_FORMAT " queue %" G_GUINT64_FORMAT
           " new-hello %" G_GUINT64_FORMAT " dtls-after-media %" G_GUINT64_FORMAT,
           c->wk->room->h.id, c->serial, c->part->id, kind_name(c), st.rtp_in, st.rtp_out, st.rtcp_in,
           st.rtcp_out, st.dropped_garbage, st.dropped_auth, st.dropped_early, st.dropped_queue,
           st.dropped_new_hello, st.dropped_retired);
}

static const yf_iceconn_callbacks callbacks = {
    .on_state = on_state,
    .on_candidate = on_candidate,
    .on_gathering_done = on_gathering_done,
    .on_peer_event = on_peer_event,
    .on_input = on_input,
    .on_peer_end = log_counters,
};

/* ---- life ---- */

yf_iceconn_params yf_room_conn_params(const yf_room_msg *m)
{
    return (yf_iceconn_params){ .local_ufrag = m->local_ufrag, .local_pwd = m->local_pwd,
                                .remote_ufrag = m->remote_ufrag, .remote_pwd = m->remote_pwd,
                                .role = m->role, .remote_fingerprint = m->remote_fp };
}

/* A publisher connection knows everything from the offer; a subscriber
 * connection gathers at once (its candidates follow our offer) and gets its
 * remote credentials and peer from the answer (yf_iceconn_set_remote). */
yf_room_conn *yf_room_conn_new(yf_room_wk *wk, yf_room_wpart *part, yf_pc_kind kind, const yf_room_msg *m)
{
    yf_room_conn *c = g_new0(yf_room_conn, 1);
    yf_iceconn_params p = yf_room_conn_params(m);
    char name[48];
    yf_iceconn_config cfg = { .conf = wk->room->h.conf, .ctx = wk->room->h.worker->ctx, .name = name };

    c->wk = wk;
    c->part = part;
    c->kind = kind;
    c->serial = ++wk->next_serial;
    g_strlcpy(c->mid, m->mid, sizeof c->mid);
    c->mline = m->mline;
    g_snprintf(name, sizeof name, "room %u conn %u", wk->room->h.id, c->serial);
    c->ice = yf_iceconn_new(&cfg, &callbacks, c);
    g_ptr_array_add(wk->conns, c);
    if (kind != YF_PC_PUBLISH)
        p.remote_fingerprint = NULL;
    yf_iceconn_start(c->ice, &p);
    g_debug("room %u conn %u: new %s connection of participant %u", wk->room->h.id, c->serial, kind_name(c),
            part->id);
    return c;
}

void yf_room_conn_free(yf_room_conn *c)
{
    if (!c)
        return;
    c->closing = TRUE; /* before the close_notify: no note after this */
    yf_iceconn_free(c->ice);
    g_ptr_array_remove_fast(c->wk->conns, c);
    g_free(c);
}
