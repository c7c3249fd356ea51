/* room_worker.c -- the worker half of a room: its yf_router, its
 * participants' connections (room_conn.c), the messages the control thread
 * posts, and the packet path peer -> router -> peers (RFC 7667 section 3.7).
 * One timer per room: the earliest of the router's and every peer's
 * timeout. No lock, no allocation and no log per packet. */
#include "room_priv.h"

#include <openssl/rand.h>
#include <string.h>

/* ---- lookups ---- */

static yf_room_wpart *wpart(yf_room_wk *wk, uint32_t id)
{
    return g_hash_table_lookup(wk->parts, GUINT_TO_POINTER(id));
}

static yf_room_conn *wconn(yf_room_wk *wk, uint32_t id, yf_router_conn conn)
{
    yf_room_wpart *p = wpart(wk, id);

    if (!p)
        return NULL;
    return conn == YF_CONN_PUBLISHER ? p->pub : p->sub;
}

static uint32_t find_track_id(yf_room_wk *wk, uint32_t publisher, const char *mid)
{
    yf_room_wpart *p = wpart(wk, publisher);

    for (guint i = 0; p && i < p->tracks->len; i++) {
        yf_room_wk_track *t = &g_array_index(p->tracks, yf_room_wk_track, i);
        if (!strcmp(t->mid, mid))
            return t->track_id;
    }
    return 0;
}

/* ---- subscriptions: the router holds one exactly for every active line of
 * a connected subscriber whose publisher track exists ---- */

static void sync_subs(yf_room_wk *wk, yf_room_wpart *s, int64_t now)
{
    gboolean live = s->sub && yf_iceconn_is_connected(s->sub->ice);

    for (guint i = 0; i < s->subs->len; i++) {
        yf_room_wk_sub *e = &g_array_index(s->subs, yf_room_wk_sub, i);
        uint32_t want = live && e->active ? find_track_id(wk, e->publisher, e->pub_mid) : 0;

        if (e->track_id && e->track_id != want) {
            yf_router_unsubscribe(wk->router, s->id, e->track_id); /* gone with its track: harmless */
            e->track_id = 0;
        }
        if (want && !e->track_id) {
            int rc = yf_router_subscribe(wk->router, now, s->id, want, e->out_ssrc, e->out_pt);
            if (rc == YF_OK) {
                e->track_id = want;
                yf_router_set_subscription_red(wk->router, s->id, want, e->red_pt);
                yf_router_set_subscription_rtx(wk->router, s->id, want, e->rtx_ssrc, e->rtx_pt);
            }
            else
                g_warning("room %u: participant %u cannot subscribe to track %u: %s", wk->room->h.id, s->id,
                          want, yf_strerror(rc));
        }
    }
}

static void sync_all(yf_room_wk *wk, int64_t now)
{
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, wk->parts);
    while (g_hash_table_iter_next(&it, NULL, &v))
        sync_subs(wk, v, now);
}

/* ---- the packet path ---- */

void yf_room_wk_on_peer_event(yf_room_conn *c, int64_t now, const yf_output *o)
{
    yf_room_wk *wk = c->wk;
    yf_router_conn rc = c->kind == YF_PC_PUBLISH ? YF_CONN_PUBLISHER : YF_CONN_SUBSCRIBER;

    if (c->closing)
        return;
    switch (o->event) {
    case YF_EV_RTP:
        if (c->kind == YF_PC_PUBLISH) {
            wk->forwarding = TRUE;
            yf_router_handle_rtp(wk->router, now, c->part->id, o->data, o->len);
            yf_room_cap_rtp(wk, c->part, o->data, o->len);
        }
        break;
    case YF_EV_RTCP:
        yf_router_handle_rtcp(wk->router, now, c->part->id, rc, o->data, o->len);
        if (c->kind == YF_PC_PUBLISH)
            yf_room_cap_rtcp(wk, c->part, o->data, o->len);
        break;
    case YF_EV_CONNECTED: /* on_state in room_conn.c: yf_room_wk_downlink_afresh */
        break;
    case YF_EV_CLOSED:
        if (c->kind == YF_PC_SUBSCRIBE)
            sync_subs(wk, c->part, now);
        break;
    case YF_EV_FAILED: break;
    }
}

void yf_room_wk_downlink_afresh(yf_room_wk *wk, yf_room_wpart *p, int64_t now)
{
    if (wk->torn_down)
        return;
    yf_router_set_subscriber_twcc(wk->router, now, p->id, p->sub_twcc_id);
    sync_subs(wk, p, now);
}

static void router_out(yf_room_wk *wk, int64_t now, const yf_router_output *o)
{
    yf_room_conn *c = wconn(wk, o->participant, o->conn);

    if (!c || !yf_iceconn_is_connected(c->ice))
        return;
    if (o->kind == YF_ROUTER_OUT_RTP)
        yf_peer_send_rtp(yf_iceconn_peer(c->ice), now, o->data, o->len);
    else
        yf_peer_send_rtcp(yf_iceconn_peer(c->ice), now, o->data, o->len);
    yf_iceconn_drain(c->ice, now);
}

/* Why a subscriber's video stopped or came back: the estimate and its
 * parts against what its subscriptions take. */
static void log_downlink(yf_room_wk *wk, int64_t now, uint32_t part, gboolean paused)
{
    yf_router_downlink d;

    if (yf_router_get_downlink(wk->router, now, part, &d) != YF_OK)
        return;
    g_info("room %u: participant %u: downlink video %s: estimate %" G_GINT64_FORMAT " bit/s (delay %"
           G_GINT64_FORMAT ", loss bound %" G_GINT64_FORMAT ", received %" G_GINT64_FORMAT
           "), needs video %" G_GINT64_FORMAT " audio %" G_GINT64_FORMAT ", rtt %" G_GINT64_FORMAT
           " ms, %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " reported lost (%" G_GUINT64_FORMAT
           " sent, %" G_GUINT64_FORMAT " unknown), %" G_GUINT64_FORMAT " overuses, state %s; %"
           G_GUINT64_FORMAT " probes, %" G_GUINT64_FORMAT " carried, %" G_GUINT64_FORMAT
           " sent short, %" G_GUINT64_FORMAT " stalled, the last received at %" G_GINT64_FORMAT " bit/s",
           wk->room->h.id, part, paused ? "paused (audio only)" : "resumed", d.estimate_bps, d.delay_bps,
           d.loss_bps, d.acked_bps, d.video_bps, d.audio_bps, d.rtt_us / 1000, d.lost, d.reported,
           d.stamped, d.unknown, d.overuses, d.state, d.probes, d.probes_ok, d.probes_short,
           d.probes_stalled, d.probe_recv_bps);
}

static void router_event(yf_room_wk *wk, int64_t now, const yf_router_output *o)
{
    switch (o->event) {
    case YF_ROUTER_EV_AUDIO_LEVEL: yf_room_note_level(wk->room, o->participant, o->level, FALSE); break;
    case YF_ROUTER_EV_ACTIVE_SPEAKER:
        if (o->participant != wk->speaker) {
            wk->speaker = o->participant;
            yf_room_note_level(wk->room, o->participant, o->level, TRUE);
        }
        break;
    case YF_ROUTER_EV_SOURCE_SWITCHED:
        g_debug("room %u: track %u of participant %u switched source", wk->room->h.id, o->track_id,
                o->participant);
        break;
    case YF_ROUTER_EV_KEYFRAME_REQUESTED: break;
    case YF_ROUTER_EV_VIDEO_PAUSED:
    case YF_ROUTER_EV_VIDEO_RESUMED:
        log_downlink(wk, now, o->participant, o->event == YF_ROUTER_EV_VIDEO_PAUSED);
        yf_room_note_downlink(wk->room, o->participant, o->event == YF_ROUTER_EV_VIDEO_PAUSED);
        break;
    }
}

static void drain_router(yf_room_wk *wk, int64_t now)
{
    yf_router_output o;

    for (;;) {
        yf_router_poll_output(wk->router, now, &o);
        if (o.kind == YF_ROUTER_OUT_TIMEOUT)
            break;
        if (o.kind == YF_ROUTER_OUT_EVENT)
            router_event(wk, now, &o);
        else
            router_out(wk, now, &o);
    }
    wk->router_next = o.timeout_us;
}

static void rearm(yf_room_wk *wk)
{
    int64_t at = wk->router_next;

    for (guint i = 0; i < wk->conns->len; i++) {
        const yf_room_conn *c = wk->conns->pdata[i];
        at = MIN(at, yf_iceconn_next_timeout(c->ice));
    }
    yf_net_timer_arm(wk->timer, at);
}

void yf_room_wk_after_input(yf_room_wk *wk, int64_t now)
{
    if (wk->torn_down)
        return;
    drain_router(wk, now);
    if (wk->forwarding) { /* now: when the datagram reached the worker */
        wk->forwarding = FALSE;
        yf_net_stats_forward(g_get_monotonic_time() - now);
    }
    rearm(wk);
}

#define COUNT_INTERVAL_US (250 * 1000)

/* Adds what the router did since the last call to the worker's counters
 * (net_stats.h), at most every COUNT_INTERVAL_US unless `now` is
 * YF_TIME_NEVER (the teardown: everything left). */
static void count_router(yf_room_wk *wk, int64_t now)
{
    yf_router_stats st;
    yf_net_stats d = {0};

    if (now != YF_TIME_NEVER) {
        if (now < wk->count_next_us)
            return;
        wk->count_next_us = now + COUNT_INTERVAL_US;
    }
    yf_router_get_stats(wk->router, &st);
#define DELTA(field) (st.field > wk->counted.field ? st.field - wk->counted.field : 0)
    d.rtp_in = DELTA(rtp_in);
    d.rtp_forwarded = DELTA(forwarded);
    d.rtp_retransmitted = DELTA(retransmitted);
    d.rtp_lost = DELTA(lost);
    d.nack_received = DELTA(nack_in);
    d.nack_sent = DELTA(nack_sent);
    d.keyframe_requests_received = DELTA(pli_in) + DELTA(fir_in);
    d.keyframe_requests_sent = DELTA(pli_sent);
    d.router_queue_drops = DELTA(queue_drops);
#undef DELTA
    /* lost can shrink (a late packet); count only what it grew by. */
    if (st.lost < wk->counted.lost)
        st.lost = wk->counted.lost;
    wk->counted = st;
    yf_net_stats_add(&d);
}

static gboolean on_timer(gpointer data)
{
    yf_room_wk *wk = data;
    int64_t now = g_get_monotonic_time();

    for (guint i = 0; i < wk->conns->len; i++)
        yf_iceconn_handle_timeout(((yf_room_conn *)wk->conns->pdata[i])->ice, now);
    if (wk->router_next != YF_TIME_NEVER && now >= wk->router_next)
        yf_router_handle_timeout(wk->router, now);
    yf_room_wk_after_input(wk, now);
    count_router(wk, now);
    return G_SOURCE_CONTINUE;
}

/* ---- set-up and teardown ---- */

static void wpart_free(gpointer data)
{
    yf_room_wpart *p = data;

    yf_room_cap_close_part(p);
    yf_room_conn_free(p->pub);
    yf_room_conn_free(p->sub);
    g_array_unref(p->tracks);
    g_array_unref(p->subs);
    g_free(p);
}

static yf_room_wk *wk_new(yf_room *r)
{
    yf_room_wk *wk = g_new0(yf_room_wk, 1);
    yf_router_config rc = { 0 };

    if (RAND_bytes((unsigned char *)&rc.seed, sizeof rc.seed) != 1)
        rc.seed = (uint64_t)g_get_real_time() ^ r->h.id;
    wk->room = r;
    /* Publishers plus the room's observers; the router's tables grow to it
     * only as they come. */
    rc.max_participants = YF_ROOM_MAX_PARTICIPANTS + r->max_observers;
    rc.audio_loss_from_subscribers = r->h.conf->audio_resilience; /* their FEC (router.h) */
    /* a camera and a microphone for each who may publish, and the layers
     * of up to 5 simulcast cameras (the staff's): each takes 1 + 3 slots.
     * The packet path scans this table, so it is no larger. */
    rc.max_tracks = YF_ROOM_MAX_PARTICIPANTS * 2 + 5 * YF_ROUTER_MAX_LAYERS;
    wk->router = yf_router_new(&rc);
    wk->parts = g_hash_table_new_full(NULL, NULL, NULL, wpart_free);
    wk->conns = g_ptr_array_new();
    wk->router_next = YF_TIME_NEVER;
    wk->timer = yf_net_timer_new(r->h.worker->ctx, "yf-media room timer", on_timer, wk);
    g_debug("room %u: started on worker %u", r->h.id, r->h.worker->index);
    return wk;
}

static void log_router(const yf_room_wk *wk)
{
    yf_router_stats st;

    yf_router_get_stats(wk->router, &st);
    g_info("room %u: router rtp in %" G_GUINT64_FORMAT " forwarded %" G_GUINT64_FORMAT
           " retransmitted %" G_GUINT64_FORMAT ", unknown %" G_GUINT64_FORMAT " stale %" G_GUINT64_FORMAT
           ", nack in %" G_GUINT64_FORMAT " held %" G_GUINT64_FORMAT " sent %" G_GUINT64_FORMAT
           ", pli in %" G_GUINT64_FORMAT
           " sent %" G_GUINT64_FORMAT ", queue drops %" G_GUINT64_FORMAT ", source switches %" G_GUINT64_FORMAT
           ", red in %" G_GUINT64_FORMAT " unwrapped %" G_GUINT64_FORMAT " malformed %" G_GUINT64_FORMAT
           ", layer switches %" G_GUINT64_FORMAT,
           wk->room->h.id, st.rtp_in, st.forwarded, st.retransmitted, st.rtp_unknown, st.rtp_stale_ssrc,
           st.nack_in, st.nack_held, st.nack_sent, st.pli_in, st.pli_sent, st.queue_drops, st.source_switches,
           st.red_in, st.red_unwrapped, st.red_malformed, st.layer_switches);
}

void yf_room_wk_teardown(yf_net_handle *h)
{
    yf_room *r = (yf_room *)h;
    yf_room_wk *wk = r->wk;

    if (!wk)
        return;
    wk->torn_down = TRUE; /* before the closes: no note after this */
    g_hash_table_destroy(wk->parts); /* close_notify on every connection */
    g_ptr_array_unref(wk->conns);
    g_source_destroy(wk->timer);
    g_source_unref(wk->timer);
    log_router(wk);
    count_router(wk, YF_TIME_NEVER);
    yf_router_free(wk->router);
    g_free(wk->rec_dir);
    g_free(wk);
    r->wk = NULL;
    g_debug("room %u: torn down", h->id);
}

/* ---- messages ---- */

static void msg_add_part(yf_room_wk *wk, const yf_room_msg *m)
{
    yf_room_wpart *p;

    if (wpart(wk, m->part) || yf_router_add_participant(wk->router, m->part) != YF_OK) {
        g_warning("room %u: cannot add participant %u to the router", wk->room->h.id, m->part);
        return;
    }
    p = g_new0(yf_room_wpart, 1);
    p->id = m->part;
    p->tracks = g_array_new(FALSE, TRUE, sizeof(yf_room_wk_track));
    p->subs = g_array_new(FALSE, TRUE, sizeof(yf_room_wk_sub));
    p->fwd_audio = p->fwd_video = TRUE;
    g_hash_table_insert(wk->parts, GUINT_TO_POINTER(p->id), p);
}

static void msg_remove_part(yf_room_wk *wk, const yf_room_msg *m, int64_t now)
{
    yf_router_downlink d;

    if (!wpart(wk, m->part))
        return;
    if (yf_router_get_downlink(wk->router, now, m->part, &d) == YF_OK && d.estimating)
        g_info("room %u: participant %u: downlink at the end: estimate %" G_GINT64_FORMAT " bit/s, %"
               G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " reported lost, %" G_GUINT64_FORMAT
               " overuses; %" G_GUINT64_FORMAT " probes, %" G_GUINT64_FORMAT " carried, %" G_GUINT64_FORMAT
               " sent short, %" G_GUINT64_FORMAT " stalled, %" G_GUINT64_FORMAT " bytes of padding", wk->room->h.id,
               m->part, d.estimate_bps, d.lost, d.reported, d.overuses, d.probes, d.probes_ok, d.probes_short,
               d.probes_stalled, d.padding_bytes);
    yf_router_remove_participant(wk->router, m->part); /* its tracks and subscriptions */
    g_hash_table_remove(wk->parts, GUINT_TO_POINTER(m->part));
    sync_all(wk, now);
}

/* The connections end (close_notify on each); the participant, its tracks
 * and its subscription lines stay for the connections that replace them. */
static void msg_hang_up(yf_room_wk *wk, const yf_room_msg *m, int64_t now)
{
    yf_room_wpart *p = wpart(wk, m->part);

    if (!p)
        return;
    g_clear_pointer(&p->pub, yf_room_conn_free);
    g_clear_pointer(&p->sub, yf_room_conn_free);
    p->hung_up = TRUE;
    sync_subs(wk, p, now); /* no live connection: its subscriptions go */
}

static void apply_forwarding(yf_room_wk *wk, yf_room_wpart *p, const yf_room_wk_track *t, int64_t now)
{
    gboolean fwd = t->kind == YF_TRACK_AUDIO ? p->fwd_audio : p->fwd_video;

    yf_router_set_track_forwarding(wk->router, now, t->track_id, fwd);
}

/* Whether the router's track for t still describes pt: its kind, its RED
 * payload type and its simulcast layers (count, rid extension and names).
 * A change of any of them needs a new router track, or RED would reach
 * listeners as Opus and renamed layers would never be matched. */
static gboolean same_shape(const yf_room_wk_track *t, const yf_room_pub_track *pt)
{
    uint8_t layers = pt->cfg.n_layers >= 2 ? pt->cfg.n_layers : 0;
    if (t->kind != pt->cfg.kind || t->red_pt != pt->cfg.red_pt || t->layers != layers)
        return FALSE;
    if (layers && t->rid_ext_id != pt->cfg.rid_ext_id)
        return FALSE;
    for (int l = 0; l < layers; l++)
        if (strcmp(t->rids[l], pt->cfg.rids[l]) != 0)
            return FALSE;
    return TRUE;
}

/* One published track: the same mid and shape keeps its router track (a
 * new SSRC switches its source); otherwise a new router track. */
static void publish_track(yf_room_wk *wk, yf_room_wpart *p, const yf_room_pub_track *pt, gboolean new_conn, int64_t now)
{
    for (guint i = 0; i < p->tracks->len; i++) {
        yf_room_wk_track *t = &g_array_index(p->tracks, yf_room_wk_track, i);
        yf_router_track_stats ts;

        if (strcmp(t->mid, pt->mid))
            continue;
        if (yf_router_get_track_stats(wk->router, t->track_id, &ts) == YF_OK && same_shape(t, pt)) {
            /* kept; pt changes are not expected from one browser */
            t->codec = pt->cfg.codec;
            t->clock_rate = pt->cfg.clock_rate;
            if (t->pt != pt->cfg.pt)
                yf_room_cap_close_track(t);
            t->pt = pt->cfg.pt;
            if ((pt->cfg.ssrc && pt->cfg.ssrc != ts.ssrc) || (new_conn && !pt->cfg.ssrc))
                yf_router_replace_publisher_source(wk->router, now, t->track_id, pt->cfg.ssrc);
            return;
        }
        yf_room_cap_close_track(t);
        yf_router_remove_publisher_track(wk->router, t->track_id);
        g_array_remove_index(p->tracks, i);
        break;
    }
    yf_room_wk_track nt = { .kind = pt->cfg.kind, .codec = pt->cfg.codec, .pt = pt->cfg.pt,
                         .clock_rate = pt->cfg.clock_rate, .red_pt = pt->cfg.red_pt,
                         .layers = pt->cfg.n_layers >= 2 ? pt->cfg.n_layers : 0,
                         .rid_ext_id = pt->cfg.rid_ext_id };
    for (int l = 0; l < nt.layers; l++)
        g_strlcpy(nt.rids[l], pt->cfg.rids[l], sizeof nt.rids[l]);
    int rc = yf_router_add_publisher_track(wk->router, p->id, &pt->cfg, &nt.track_id);
    if (rc != YF_OK) {
        g_warning("room %u: participant %u: cannot add track mid %s: %s", wk->room->h.id, p->id, pt->mid,
                  yf_strerror(rc));
        return;
    }
    g_strlcpy(nt.mid, pt->mid, sizeof nt.mid);
    if (nt.layers)
        g_debug("room %u: participant %u: track mid %s is simulcast, %u layers", wk->room->h.id, p->id, pt->mid,
                nt.layers);
    g_array_append_val(p->tracks, nt);
    apply_forwarding(wk, p, &nt, now);
}

/* What room.c judged an offer does to a participant's connection c (NULL:
 * none yet): a new one, an ICE restart of it, or nothing. Returns the
 * connection to keep. */
static yf_room_conn *conn_change(yf_room_wk *wk, yf_room_wpart *p, yf_room_conn *c, yf_pc_kind kind, const yf_room_msg *m)
{
    yf_iceconn_params ip = yf_room_conn_params(m);

    if (m->change == CONN_NEW || !c) {
        yf_room_conn_free(c);
        return yf_room_conn_new(wk, p, kind, m);
    }
    if (m->change == CONN_ICE_RESTART)
        yf_iceconn_restart(c->ice, &ip);
    return c;
}

static gboolean has_mid(const GArray *tracks, const char *mid)
{
    for (guint i = 0; i < tracks->len; i++)
        if (!strcmp(g_array_index(tracks, yf_room_pub_track, i).mid, mid))
            return TRUE;
    return FALSE;
}

static void msg_publish(yf_room_wk *wk, yf_room_msg *m, int64_t now)
{
    yf_room_wpart *p = wpart(wk, m->part);

    if (!p)
        return;
    p->pub = conn_change(wk, p, p->pub, YF_PC_PUBLISH, m);
    for (guint i = p->tracks->len; i-- > 0;) {
        yf_room_wk_track *t = &g_array_index(p->tracks, yf_room_wk_track, i);
        if (!has_mid(m->tracks, t->mid)) {
            yf_room_cap_close_track(t);
            yf_router_remove_publisher_track(wk->router, t->track_id);
            g_array_remove_index(p->tracks, i);
        }
    }
    for (guint i = 0; i < m->tracks->len; i++)
        publish_track(wk, p, &g_array_index(m->tracks, yf_room_pub_track, i), m->change == CONN_NEW, now);
    sync_all(wk, now);
}

static void msg_sub_lines(yf_room_wk *wk, yf_room_msg *m, int64_t now)
{
    yf_room_wpart *p = wpart(wk, m->part);

    if (!p)
        return;
    /* A renegotiation while its page is away (others came or went) updates
     * its lines only: a connection now would gather and wait for nobody. */
    if (m->change == CONN_NEW)
        p->hung_up = FALSE;
    if (!p->hung_up)
        p->sub = conn_change(wk, p, p->sub, YF_PC_SUBSCRIBE, m);
    if (m->twcc_id != p->sub_twcc_id) {
        p->sub_twcc_id = m->twcc_id;
        yf_router_set_subscriber_twcc(wk->router, now, p->id, p->sub_twcc_id);
    }
    /* Lines only grow and keep their order: entry i is line i. */
    for (guint i = 0; i < m->tracks->len; i++) {
        const yf_room_sub_line *l = &g_array_index(m->tracks, yf_room_sub_line, i);
        if (i >= p->subs->len) {
            yf_room_wk_sub e = { .publisher = l->publisher, .out_ssrc = l->out_ssrc,
                              .out_pt = l->track.cfg.pt };
            g_strlcpy(e.pub_mid, l->pub_mid, sizeof e.pub_mid);
            g_array_append_val(p->subs, e);
        }
        g_array_index(p->subs, yf_room_wk_sub, i).active = l->active;
    }
    sync_subs(wk, p, now);
}

static void msg_forwarding(yf_room_wk *wk, const yf_room_msg *m, int64_t now)
{
    yf_room_wpart *p = wpart(wk, m->part);

    if (!p)
        return;
    p->fwd_audio = m->audio;
    p->fwd_video = m->video;
    for (guint i = 0; i < p->tracks->len; i++)
        apply_forwarding(wk, p, &g_array_index(p->tracks, yf_room_wk_track, i), now);
}

static void msg_candidate(yf_room_wk *wk, yf_room_msg *m)
{
    yf_room_wpart *p = wpart(wk, m->part);
    yf_room_conn *c = p ? (m->pc == YF_PC_PUBLISH ? p->pub : p->sub) : NULL;

    if (c)
        yf_iceconn_add_remote_candidate(c->ice, m->cand);
}

static void msg_sub_answer(yf_room_wk *wk, yf_room_msg *m, int64_t now)
{
    yf_room_wpart *p = wpart(wk, m->part);
    yf_iceconn_params ip = yf_room_conn_params(m);

    if (!p || !p->sub)
        return;
    for (guint i = 0; m->tracks && i < m->tracks->len && i < p->subs->len; i++) {
        yf_room_wk_sub *e = &g_array_index(p->subs, yf_room_wk_sub, i);
        const yf_room_sub_accept *a = &g_array_index(m->tracks, yf_room_sub_accept, i);
        e->red_pt = a->red_pt;
        e->rtx_pt = a->rtx_pt;
        e->rtx_ssrc = a->rtx_ssrc;
        if (e->track_id) {
            yf_router_set_subscription_red(wk->router, p->id, e->track_id, e->red_pt);
            yf_router_set_subscription_rtx(wk->router, p->id, e->track_id, e->rtx_ssrc, e->rtx_pt);
        }
    }
    if (m->change != CONN_NEW || !yf_iceconn_peer(p->sub->ice)) {
        yf_iceconn_set_remote(p->sub->ice, &ip);
        return;
    }
    yf_iceconn_new_remote(p->sub->ice, &ip);
    sync_subs(wk, p, now); /* none until the new association is up */
}

gboolean yf_room_wk_dispatch(gpointer data)
{
    yf_room_msg *m = data;
    yf_room *r = m->room;
    int64_t now = g_get_monotonic_time();

    if (!r->wk)
        r->wk = wk_new(r);
    if (r->wk->torn_down)
        return G_SOURCE_REMOVE;
    switch (m->kind) {
    case MSG_ADD_PART: msg_add_part(r->wk, m); break;
    case MSG_REMOVE_PART: msg_remove_part(r->wk, m, now); break;
    case MSG_HANG_UP: msg_hang_up(r->wk, m, now); break;
    case MSG_PUBLISH: msg_publish(r->wk, m, now); break;
    case MSG_SUB_LINES: msg_sub_lines(r->wk, m, now); break;
    case MSG_SUB_ANSWER: msg_sub_answer(r->wk, m, now); break;
    case MSG_CANDIDATE: msg_candidate(r->wk, m); break;
    case MSG_FORWARDING: msg_forwarding(r->wk, m, now); break;
    case MSG_CAPTURE:
        yf_room_cap_set(r->wk, m->rec, m->rec_dir);
        m->rec_dir = NULL;
        break;
    }
    yf_room_wk_after_input(r->wk, now);
    return G_SOURCE_REMOVE;
}

void yf_room_msg_free(gpointer data)
{
    yf_room_msg *m = data;

    if (m->tracks)
        g_array_unref(m->tracks);
    if (m->cand)
        nice_candidate_free(m->cand);
    g_free(m->rec_dir);
    yf_net_handle_unref(m->room);
    g_free(m);
}
