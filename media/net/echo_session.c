/* echo_session.c -- one echo session: a libnice agent (full ICE, controlled,
 * RFC 8445 via libnice's RFC 5245 mode, trickle, RFC 7675 consent), one
 * sans-IO yf_peer (DTLS-SRTP, RFC 5764) and one yf_echo glued together on a
 * media worker; the control-thread half answers the offer (RFC 8829) and
 * relays candidates and states. No lock: see the struct comment. Nothing is
 * logged or allocated per packet. */
#include "net_private.h"
#include "echo.h"
#include "yf_sdp.h"

#include <openssl/rand.h>
#include <string.h>

#define ICE_UFRAG_LEN 8   /* RFC 8839 section 5.4: at least 4 ice-chars */
#define ICE_PWD_LEN 24    /* ... and at least 22 for the password */
#define PKT_MAX 2048      /* a decrypted datagram never exceeds the MTU */
#define EARLY_MAX 16      /* datagrams kept while ICE has no selected pair */

/* A session is shared by the control thread and one worker, without a lock,
 * by ownership of each field group:
 *  - immutable once yf_echo_session_new returns: id, worker, conf, the ICE
 *    credentials, mid/mline, peer_cfg, echo_cfg;
 *  - control thread only: media (NULL once stopped), cb, user, closed;
 *  - worker only: agent .. torn_down;
 *  - refs (g_atomic_*): one for the control handle (dropped by
 *    yf_echo_session_free), one per message in flight between the threads
 *    (start, candidates, teardown, callbacks). The worker half (signals,
 *    recv, timer) runs between start and teardown and needs no ref of its
 *    own: the teardown's ref is taken before the control ref is dropped.
 * Callbacks are delivered by trampolines on the control context that check
 * `closed`, which only the control thread reads and writes: after
 * yf_echo_session_free returns, no callback runs. */
struct yf_echo_session {
    gint refs;
    guint id;
    yf_worker *worker;
    const yf_media *conf;        /* immutable config; outlives the worker half */
    char local_ufrag[ICE_UFRAG_LEN + 1], local_pwd[ICE_PWD_LEN + 1];
    char remote_ufrag[257], remote_pwd[257];
    char mid[32];
    int mline;
    yf_peer_config peer_cfg;
    yf_echo_config echo_cfg;

    yf_media *media;
    yf_media_callbacks cb;
    void *user;
    gboolean closed;

    NiceAgent *agent;
    guint stream_id;
    yf_peer *peer;
    yf_echo *echo;
    GSource *timer;
    /* DTLS flights that libnice refused because the controlled side had no
     * selected pair yet (the ClientHello can arrive before our triggered
     * check completes); sent once ICE connects, instead of waiting for the
     * DTLS retransmission timer. Handshake only: NULL in steady state. */
    GPtrArray *early;
    gboolean ice_up;
    gboolean said_connecting;
    gboolean said_failed;        /* ICE and DTLS failures: report one */
    gboolean torn_down;
};

/* ---- refcount and control-thread notes ---- */

static yf_echo_session *session_ref(yf_echo_session *s)
{
    g_atomic_int_inc(&s->refs);
    return s;
}

static void session_unref(gpointer data)
{
    yf_echo_session *s = data;

    if (g_atomic_int_dec_and_test(&s->refs))
        g_free(s);
}

/* A callback on its way to the control thread. state NULL: a candidate. */
typedef struct {
    yf_echo_session *s;
    const char *state;
    char *text;     /* candidate line, or srtp profile */
    char *reason;
} note;

static gboolean note_deliver(gpointer data)
{
    note *n = data;
    yf_echo_session *s = n->s;

    if (s->closed)
        return G_SOURCE_REMOVE;
    if (!n->state && s->cb.on_local_candidate)
        s->cb.on_local_candidate(s->user, n->text, s->mid, s->mline);
    else if (n->state && s->cb.on_state)
        s->cb.on_state(s->user, n->state, n->text, n->reason);
    return G_SOURCE_REMOVE;
}

static void note_free(gpointer data)
{
    note *n = data;

    session_unref(n->s);
    g_free(n->text);
    g_free(n->reason);
    g_free(n);
}

/* Worker: queues a callback for the control thread (never after teardown). */
static void post_note(yf_echo_session *s, const char *state, const char *text, const char *reason)
{
    note *n;

    if (s->torn_down)
        return;
    n = g_new0(note, 1);
    n->s = session_ref(s);
    n->state = state;
    n->text = g_strdup(text);
    n->reason = g_strdup(reason);
    yf_net_post(s->conf->control, note_deliver, n, note_free);
}

static void post_state(yf_echo_session *s, const char *state, const char *profile, const char *reason)
{
    if (!strcmp(state, "failed")) {
        if (s->said_failed)
            return;
        s->said_failed = TRUE;
    }
    g_debug("session %u: %s%s%s", s->id, state, reason ? ": " : "", reason ? reason : "");
    post_note(s, state, profile, reason);
}

/* ---- worker: the datagram path ---- */

static void echo_rtp(yf_echo_session *s, int64_t now, const yf_output *o)
{
    uint8_t buf[PKT_MAX];
    int n = yf_echo_on_rtp(s->echo, o->data, o->len, buf, sizeof buf);

    if (n > 0)
        yf_peer_send_rtp(s->peer, now, buf, (size_t)n);
}

static void echo_rtcp(yf_echo_session *s, int64_t now, const yf_output *o)
{
    uint8_t buf[PKT_MAX];
    int n = yf_echo_on_rtcp(s->echo, o->data, o->len, buf, sizeof buf);

    if (n > 0)
        yf_peer_send_rtcp(s->peer, now, buf, (size_t)n);
}

static void on_peer_event(yf_echo_session *s, int64_t now, const yf_output *o)
{
    switch (o->event) {
    case YF_EV_CONNECTED: post_state(s, "connected", o->srtp_profile, NULL); break;
    case YF_EV_RTP: echo_rtp(s, now, o); break;
    case YF_EV_RTCP: echo_rtcp(s, now, o); break;
    case YF_EV_FAILED: post_state(s, "failed", NULL, o->reason ? o->reason : "dtls failed"); break;
    case YF_EV_CLOSED: post_state(s, "closed", NULL, NULL); break;
    }
}

static void transmit(yf_echo_session *s, const uint8_t *data, size_t len)
{
    if (nice_agent_send(s->agent, s->stream_id, 1, (guint)len, (const gchar *)data) >= 0 || s->ice_up)
        return; /* sent, or lost like any UDP datagram */
    if (!s->early)
        s->early = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    if (s->early->len < EARLY_MAX)
        g_ptr_array_add(s->early, g_bytes_new(data, len));
}

static void flush_early(yf_echo_session *s)
{
    if (!s->early)
        return;
    for (guint i = 0; i < s->early->len; i++) {
        gsize len;
        const gchar *data = g_bytes_get_data(s->early->pdata[i], &len);

        nice_agent_send(s->agent, s->stream_id, 1, (guint)len, data);
    }
    g_clear_pointer(&s->early, g_ptr_array_unref);
}

/* Polls the peer until it says "timeout" (str0m's loop): sends transmits,
 * handles events, re-arms the one timer of the session. */
static void drain(yf_echo_session *s)
{
    int64_t now = g_get_monotonic_time();
    yf_output o;

    for (;;) {
        yf_peer_poll_output(s->peer, now, &o);
        if (o.kind == YF_OUT_TIMEOUT)
            break;
        if (o.kind == YF_OUT_TRANSMIT)
            transmit(s, o.data, o.len);
        else
            on_peer_event(s, now, &o);
    }
    yf_net_timer_arm(s->timer, o.timeout_us);
}

static void on_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *buf,
                    gpointer data)
{
    yf_echo_session *s = data;

    if (!s->peer || s->torn_down)
        return;
    yf_peer_handle_datagram(s->peer, g_get_monotonic_time(), (const uint8_t *)buf, len);
    drain(s);
}

static gboolean on_timer(gpointer data)
{
    yf_echo_session *s = data;

    yf_peer_handle_timeout(s->peer, g_get_monotonic_time());
    drain(s);
    return G_SOURCE_CONTINUE;
}

/* ---- worker: libnice signals ---- */

static void on_new_candidate(NiceAgent *agent, NiceCandidate *c, gpointer data)
{
    yf_echo_session *s = data;
    char *line = nice_agent_generate_local_candidate_sdp(agent, c);

    if (line)
        post_note(s, NULL, g_str_has_prefix(line, "a=") ? line + 2 : line, NULL);
    g_free(line);
}

static void on_gathering_done(NiceAgent *agent, guint stream_id, gpointer data)
{
    yf_echo_session *s = data;

    g_debug("session %u: local candidates gathered", s->id);
    post_note(s, NULL, "", NULL);
}

static void on_component_state(NiceAgent *agent, guint stream_id, guint component_id, guint state,
                               gpointer data)
{
    yf_echo_session *s = data;

    g_debug("session %u: ice %s", s->id, nice_component_state_to_string(state));
    if (state == NICE_COMPONENT_STATE_CONNECTING && !s->said_connecting) {
        s->said_connecting = TRUE;
        post_state(s, "connecting", NULL, NULL);
    } else if (state == NICE_COMPONENT_STATE_CONNECTED || state == NICE_COMPONENT_STATE_READY) {
        s->ice_up = TRUE;
        flush_early(s);
    } else if (state == NICE_COMPONENT_STATE_FAILED) {
        post_state(s, "failed", NULL, "ice failed");
    }
}

/* ---- worker: start and teardown ---- */

/* Creates the agent's one stream (BUNDLE + rtcp-mux: one component). */
static const char *stream_setup(yf_echo_session *s)
{
    const yf_media *conf = s->conf;

    s->stream_id = nice_agent_add_stream(s->agent, 1);
    if (!s->stream_id)
        return "cannot add an ICE stream";
    if (conf->port_min || conf->port_max)
        nice_agent_set_port_range(s->agent, s->stream_id, 1, conf->port_min, conf->port_max);
    if (!nice_agent_set_local_credentials(s->agent, s->stream_id, s->local_ufrag, s->local_pwd) ||
        !nice_agent_set_remote_credentials(s->agent, s->stream_id, s->remote_ufrag, s->remote_pwd))
        return "cannot set ICE credentials";
    g_signal_connect(s->agent, "new-candidate-full", G_CALLBACK(on_new_candidate), s);
    g_signal_connect(s->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), s);
    g_signal_connect(s->agent, "component-state-changed", G_CALLBACK(on_component_state), s);
    nice_agent_attach_recv(s->agent, s->stream_id, 1, s->worker->ctx, on_recv, s);
    if (!nice_agent_gather_candidates(s->agent, s->stream_id))
        return "cannot gather candidates (no usable local address or port)";
    return NULL;
}

static gboolean start_on_worker(gpointer data)
{
    yf_echo_session *s = data;
    int64_t now = g_get_monotonic_time();
    const char *why = NULL;

    s->timer = yf_net_timer_new(s->worker->ctx, "yf-media peer timer", on_timer, s);
    s->echo = yf_echo_new(&s->echo_cfg);
    s->peer = yf_peer_new(&s->peer_cfg, now);
    s->agent = yf_net_agent_new(s->conf, s->worker->ctx);
    if (!s->echo)
        why = "cannot create the echo";
    else if (!s->peer)
        why = "cannot create the DTLS peer";
    else
        why = stream_setup(s);
    if (why) {
        post_state(s, "failed", NULL, why);
        return G_SOURCE_REMOVE;
    }
    g_debug("session %u: started on worker %u", s->id, s->worker->index);
    drain(s);
    return G_SOURCE_REMOVE;
}


/* One line per session at its end: what came in, what went out, and what was
 * dropped and why (garbage, failed authentication, too early). No addresses. */
static void log_counters(const yf_echo_session *s)
{
    yf_peer_stats st;
    if (!s->peer)
        return;
    yf_peer_get_stats(s->peer, &st);
    g_info("session %u: rtp in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT ", rtcp in %" G_GUINT64_FORMAT
           " out %" G_GUINT64_FORMAT ", dropped: garbage %" G_GUINT64_FORMAT " auth %" G_GUINT64_FORMAT
           " early %" G_GUINT64_FORMAT,
           s->id, st.rtp_in, st.rtp_out, st.rtcp_in, st.rtcp_out, st.dropped_garbage, st.dropped_auth,
           st.dropped_early);
}

static gboolean teardown_on_worker(gpointer data)
{
    yf_echo_session *s = data;

    if (s->peer && s->agent && s->stream_id) {
        s->torn_down = TRUE; /* before the drain: no note after this */
        yf_peer_close(s->peer, g_get_monotonic_time());
        drain(s);
    }
    s->torn_down = TRUE;
    if (s->agent) {
        g_signal_handlers_disconnect_by_data(s->agent, s);
        if (s->stream_id) {
            nice_agent_attach_recv(s->agent, s->stream_id, 1, s->worker->ctx, NULL, NULL);
            nice_agent_remove_stream(s->agent, s->stream_id);
        }
        g_clear_object(&s->agent);
    }
    if (s->timer) {
        g_source_destroy(s->timer);
        g_clear_pointer(&s->timer, g_source_unref);
    }
    g_clear_pointer(&s->early, g_ptr_array_unref);
    log_counters(s);
    g_clear_pointer(&s->peer, yf_peer_free);
    g_clear_pointer(&s->echo, yf_echo_free);
    g_atomic_int_add(&s->worker->load, -1);
    g_debug("session %u: torn down", s->id);
    return G_SOURCE_REMOVE;
}

/* ---- worker: remote candidates ---- */

typedef struct {
    yf_echo_session *s;
    NiceCandidate *c; /* NULL: end of candidates */
} remote_cand;

static gboolean remote_cand_on_worker(gpointer data)
{
    remote_cand *r = data;
    yf_echo_session *s = r->s;

    if (s->torn_down || !s->agent || !s->stream_id)
        return G_SOURCE_REMOVE;
    if (!r->c) {
        nice_agent_peer_candidate_gathering_done(s->agent, s->stream_id);
        return G_SOURCE_REMOVE;
    }
    r->c->stream_id = s->stream_id;
    GSList one = { .data = r->c, .next = NULL };
    nice_agent_set_remote_candidates(s->agent, s->stream_id, 1, &one);
    return G_SOURCE_REMOVE;
}

static void remote_cand_free(gpointer data)
{
    remote_cand *r = data;

    if (r->c)
        nice_candidate_free(r->c);
    session_unref(r->s);
    g_free(r);
}

static void post_remote_cand(yf_echo_session *s, NiceCandidate *c)
{
    remote_cand *r = g_new0(remote_cand, 1);

    r->s = session_ref(s);
    r->c = c;
    yf_net_post(s->worker->ctx, remote_cand_on_worker, r, remote_cand_free);
}

gboolean yf_echo_session_add_remote_candidate(yf_echo_session *s, const char *candidate, GError **err)
{
    NiceCandidate *c;

    g_return_val_if_fail(s != NULL, FALSE);
    if (!s->media) /* stopped by yf_media_free: nothing to feed */
        return TRUE;
    if (!candidate || !*candidate) {
        g_debug("session %u: end of remote candidates", s->id);
        post_remote_cand(s, NULL);
        return TRUE;
    }
    char who[32];
    g_snprintf(who, sizeof who, "session %u", s->id);
    c = yf_net_parse_candidate(s->media, who, candidate, err);
    if (!c)
        return FALSE;
    post_remote_cand(s, c);
    return TRUE;
}

/* ---- control thread: the offer, the answer, the session's life ---- */

static gboolean random_bytes(void *dst, size_t n)
{
    return RAND_bytes(dst, (int)n) == 1;
}

/* RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/", 64 of them, so a random
 * byte's low six bits pick one uniformly. */
static gboolean random_ice_string(char *dst, size_t n)
{
    static const char ice_chars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t raw[64];

    if (n > sizeof raw || !random_bytes(raw, n))
        return FALSE;
    for (size_t i = 0; i < n; i++)
        dst[i] = ice_chars[raw[i] & 63];
    dst[n] = '\0';
    return TRUE;
}

static gboolean ssrc_taken(const yf_sdp_offer *o, const uint32_t *ours, uint32_t v)
{
    if (v == 0)
        return TRUE;
    for (int i = 0; i < o->n_media; i++)
        if (o->media[i].ssrc == v || ours[i] == v)
            return TRUE;
    return FALSE;
}

static gboolean random_ssrc(const yf_sdp_offer *o, const uint32_t *ours, uint32_t *out)
{
    uint32_t v = 0;

    do {
        if (!random_bytes(&v, sizeof v))
            return FALSE;
    } while (ssrc_taken(o, ours, v));
    *out = v;
    return TRUE;
}

/* Picks the first accepted audio and video sections and the first accepted
 * section (whose mid the local candidates carry). */
static gboolean pick_sections(const yf_sdp_offer *o, int *audio, int *video, int *first)
{
    *audio = *video = *first = -1;
    for (int i = 0; i < o->n_media; i++) {
        const yf_sdp_media *md = &o->media[i];

        if (!md->accepted)
            continue;
        if (*first < 0)
            *first = i;
        if (md->kind == YF_MEDIA_AUDIO && *audio < 0)
            *audio = i;
        if (md->kind == YF_MEDIA_VIDEO && *video < 0)
            *video = i;
    }
    return *first >= 0;
}

static char *answer_offer(yf_echo_session *s, const yf_sdp_offer *o, GError **err)
{
    yf_sdp_answer_params p;
    char fp[128];
    int audio, video, first;

    memset(&p, 0, sizeof p);
    if (!pick_sections(o, &audio, &video, &first) || (audio < 0 && video < 0)) {
        g_set_error(err, YF_MEDIA_ERROR, YF_MEDIA_ERROR_SDP,
                    "the offer has no audio or video section we can answer");
        return NULL;
    }
    if (yf_dtls_cert_fingerprint(s->conf->cert, fp, sizeof fp) != YF_OK ||
        !random_ice_string(s->local_ufrag, ICE_UFRAG_LEN) ||
        !random_ice_string(s->local_pwd, ICE_PWD_LEN) || !random_bytes(&p.session_id, sizeof p.session_id) ||
        (audio >= 0 && !random_ssrc(o, p.ssrc, &p.ssrc[audio])) ||
        (video >= 0 && !random_ssrc(o, p.ssrc, &p.ssrc[video]))) {
        g_set_error(err, YF_MEDIA_ERROR, YF_MEDIA_ERROR_INTERNAL, "no randomness or no fingerprint");
        return NULL;
    }
    p.session_id &= G_GUINT64_CONSTANT(0x3fffffffffffffff); /* RFC 8829 5.2.1: < 2^63 */
    p.ice_ufrag = s->local_ufrag;
    p.ice_pwd = s->local_pwd;
    p.fingerprint = fp;
    /* We are the DTLS server unless the offerer insists on being it: as the
     * server we choose the SRTP profile and can prefer AEAD_AES_128_GCM. */
    p.setup = o->setup == YF_SETUP_PASSIVE ? YF_SETUP_ACTIVE : YF_SETUP_PASSIVE;
    p.cname = "yuanfang";
    s->peer_cfg.role = p.setup == YF_SETUP_ACTIVE ? YF_DTLS_ROLE_CLIENT : YF_DTLS_ROLE_SERVER;
    /* A kind we do not echo gets a payload type no browser sends with
     * rtcp-mux (RFC 5761 section 4: 72-76 collide with RTCP). */
    s->echo_cfg.audio_pt = (uint8_t)(audio >= 0 ? o->media[audio].pt : 72);
    s->echo_cfg.video_pt = (uint8_t)(video >= 0 ? o->media[video].pt : 73);
    s->echo_cfg.audio_ssrc = audio >= 0 ? p.ssrc[audio] : 0;
    s->echo_cfg.video_ssrc = video >= 0 ? p.ssrc[video] : 0;
    g_strlcpy(s->mid, o->media[first].mid, sizeof s->mid);
    s->mline = first;
    return yf_sdp_build_answer(o, &p, err);
}

static yf_echo_session *session_alloc(yf_media *m, const yf_sdp_offer *o, const yf_media_callbacks *cb,
                                      void *user)
{
    yf_echo_session *s = g_new0(yf_echo_session, 1);

    s->refs = 1;
    s->id = ++m->next_session_id;
    s->conf = m;
    s->media = m;
    s->cb = *cb;
    s->user = user;
    g_strlcpy(s->remote_ufrag, o->ice_ufrag, sizeof s->remote_ufrag);
    g_strlcpy(s->remote_pwd, o->ice_pwd, sizeof s->remote_pwd);
    s->peer_cfg.cert = m->cert;
    g_strlcpy(s->peer_cfg.remote_fingerprint, o->fingerprint, sizeof s->peer_cfg.remote_fingerprint);
    return s;
}

yf_echo_session *yf_echo_session_new(yf_media *m, const char *offer_sdp, size_t offer_len,
                                     const yf_media_callbacks *cb, void *user, char **answer_out,
                                     GError **err)
{
    yf_sdp_offer *offer = g_new0(yf_sdp_offer, 1);
    yf_echo_session *s = NULL;
    GError *perr = NULL;
    char *answer = NULL;

    g_return_val_if_fail(m && offer_sdp && cb && answer_out, NULL);
    if (!yf_sdp_parse_offer(offer_sdp, offer_len, offer, &perr)) {
        g_set_error(err, YF_MEDIA_ERROR, YF_MEDIA_ERROR_SDP, "%s", perr->message);
        g_error_free(perr);
        goto out;
    }
    s = session_alloc(m, offer, cb, user);
    answer = answer_offer(s, offer, &perr);
    if (!answer) {
        if (perr->domain == YF_MEDIA_ERROR)
            g_propagate_error(err, perr);
        else {
            g_set_error(err, YF_MEDIA_ERROR, YF_MEDIA_ERROR_SDP, "%s", perr->message);
            g_error_free(perr);
        }
        g_clear_pointer(&s, g_free);
        goto out;
    }
    s->worker = yf_media_place(m);
    g_hash_table_add(m->sessions, s);
    yf_net_post(s->worker->ctx, start_on_worker, session_ref(s), session_unref);
    g_debug("session %u: answered (mid %s), placed on worker %u", s->id, s->mid, s->worker->index);
    *answer_out = answer;
out:
    g_free(offer);
    return s;
}

void yf_echo_session_stop(yf_echo_session *s)
{
    if (!s->media)
        return;
    s->closed = TRUE;
    g_hash_table_remove(s->media->sessions, s);
    s->media = NULL;
    /* The worker ref taken for the start is dropped after the teardown. */
    yf_net_post(s->worker->ctx, teardown_on_worker, session_ref(s), session_unref);
}

void yf_echo_session_free(yf_echo_session *s)
{
    if (!s)
        return;
    s->closed = TRUE;
    yf_echo_session_stop(s);
    session_unref(s);
}
