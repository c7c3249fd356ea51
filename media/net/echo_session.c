/* echo_session.c -- one echo session: an ICE connection (iceconn.c: a
 * libnice stream and a sans-IO yf_peer) and one yf_echo on a media worker,
 * which returns a browser's own media to it; the control-thread half
 * answers the offer (RFC 8829) and relays candidates and states. No lock:
 * see the struct comment. Nothing is logged or allocated per packet. */
#include "net_priv.h"
#include "media/core/echo.h"
#include "iceconn.h"
#include "media/sdp/sdp.h"

#include <openssl/rand.h>
#include <string.h>

#define PKT_MAX 2048      /* a decrypted datagram never exceeds the MTU */

/* A session is shared by the control thread and one worker, without a lock,
 * by ownership of each field group:
 *  - h: as yf_net_handle says (net_priv.h); its refs: one for the control
 *    handle (dropped by yf_echo_session_free), one per message in flight
 *    between the threads (start, candidates, teardown, notes). The worker
 *    half (the connection's callbacks) runs between start and teardown and
 *    needs no ref of its own: the teardown's ref is taken before the control
 *    ref is dropped;
 *  - immutable once yf_echo_session_new returns: the ICE credentials,
 *    mid/mline, role, remote_fp, echo_cfg;
 *  - control thread only: cb, user;
 *  - worker only: ice, echo, torn_down.
 * After yf_echo_session_free returns, no callback runs (h.closed). */
struct yf_echo_session {
    yf_net_handle h;
    char local_ufrag[YF_ICECONN_UFRAG_LEN + 1], local_pwd[YF_ICECONN_PWD_LEN + 1];
    char remote_ufrag[257], remote_pwd[257];
    char mid[32];
    int mline;
    yf_dtls_role role;
    char remote_fp[128];
    yf_echo_config echo_cfg;

    yf_net_callbacks cb;
    void *user;

    yf_iceconn *ice;
    yf_echo *echo;
    gboolean torn_down;
    yf_net_cand_budget cands;   /* control thread: remote candidates it may still send */
};

/* ---- control-thread notes ---- */

typedef enum { NOTE_CANDIDATE, NOTE_STATE } note_kind;

/* A candidate (text: the line, "" at the end) or a state (text, and text2
 * the SRTP profile, reason). */
static void note_deliver(const yf_net_note *n)
{
    yf_echo_session *s = (yf_echo_session *)n->h;

    if (n->kind == NOTE_CANDIDATE && s->cb.on_local_candidate)
        s->cb.on_local_candidate(s->user, n->text, s->mid, s->mline);
    else if (n->kind == NOTE_STATE && s->cb.on_state)
        s->cb.on_state(s->user, n->text, n->text2, n->reason);
}

/* Worker: queues a callback for the control thread (never after teardown). */
static void post_note(yf_echo_session *s, note_kind kind, const char *text, const char *text2,
                      const char *reason)
{
    if (!s->torn_down)
        yf_net_note_post(yf_net_note_new(&s->h, note_deliver, kind, text, text2, reason));
}

/* ---- worker: what the connection reports ---- */

static void on_state(void *user, const char *state, const char *profile, const char *reason)
{
    yf_echo_session *s = user;

    g_debug("session %u: %s%s%s", s->h.id, state, reason ? ": " : "", reason ? reason : "");
    post_note(s, NOTE_STATE, state, profile, reason);
}

static void on_candidate(void *user, const char *line)
{
    post_note(user, NOTE_CANDIDATE, line, NULL, NULL);
}

static void on_gathering_done(void *user)
{
    yf_echo_session *s = user;

    g_debug("session %u: local candidates gathered", s->h.id);
    post_note(s, NOTE_CANDIDATE, "", NULL, NULL);
}

/* The datagram path: media comes back with our SSRCs and the browser's
 * feedback translated (echo.c); it leaves with the drain under way. */
static void on_peer_event(void *user, int64_t now, const yf_output *o)
{
    yf_echo_session *s = user;
    uint8_t buf[PKT_MAX];
    int n;

    if (o->event == YF_EV_RTP) {
        n = yf_echo_on_rtp(s->echo, o->data, o->len, buf, sizeof buf);
        if (n > 0)
            yf_peer_send_rtp(yf_iceconn_peer(s->ice), now, buf, (size_t)n);
    } else if (o->event == YF_EV_RTCP) {
        n = yf_echo_on_rtcp(s->echo, o->data, o->len, buf, sizeof buf);
        if (n > 0)
            yf_peer_send_rtcp(yf_iceconn_peer(s->ice), now, buf, (size_t)n);
    }
}

/* One line per session at its end: what came in, what went out, and what was
 * dropped and why (garbage, failed authentication, too early). No addresses. */
static void log_counters(void *user, const yf_peer *peer)
{
    yf_echo_session *s = user;
    yf_peer_stats st;

    yf_peer_get_stats(peer, &st);
    g_info("session %u: rtp in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT ", rtcp in %" G_GUINT64_FORMAT
           " out %" G_GUINT64_FORMAT ", dropped: garbage %" G_GUINT64_FORMAT " auth %" G_GUINT64_FORMAT
           " early %" G_GUINT64_FORMAT,
           s->h.id, st.rtp_in, st.rtp_out, st.rtcp_in, st.rtcp_out, st.dropped_garbage, st.dropped_auth,
           st.dropped_early);
}

static const yf_iceconn_callbacks ice_callbacks = {
    .on_state = on_state,
    .on_candidate = on_candidate,
    .on_gathering_done = on_gathering_done,
    .on_peer_event = on_peer_event,
    .on_peer_end = log_counters,
};

/* ---- worker: start and teardown ---- */

static gboolean start_on_worker(gpointer data)
{
    yf_echo_session *s = data;
    char name[32];
    yf_iceconn_config cfg = { .conf = s->h.conf, .ctx = s->h.worker->ctx, .name = name, .own_timer = TRUE };
    yf_iceconn_params p = { .local_ufrag = s->local_ufrag, .local_pwd = s->local_pwd,
                            .remote_ufrag = s->remote_ufrag, .remote_pwd = s->remote_pwd,
                            .role = s->role, .remote_fingerprint = s->remote_fp };

    s->echo = yf_echo_new(&s->echo_cfg);
    if (!s->echo) {
        on_state(s, "failed", NULL, "cannot create the echo");
        return G_SOURCE_REMOVE;
    }
    g_snprintf(name, sizeof name, "session %u", s->h.id);
    s->ice = yf_iceconn_new(&cfg, &ice_callbacks, s);
    if (yf_iceconn_start(s->ice, &p))
        g_debug("session %u: started on worker %u", s->h.id, s->h.worker->index);
    return G_SOURCE_REMOVE;
}

static void teardown_on_worker(yf_net_handle *h)
{
    yf_echo_session *s = (yf_echo_session *)h;

    s->torn_down = TRUE; /* before the close_notify: no note after this */
    g_clear_pointer(&s->ice, yf_iceconn_free);
    g_clear_pointer(&s->echo, yf_echo_free);
    g_debug("session %u: torn down", h->id);
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

    if (!s->torn_down && s->ice)
        yf_iceconn_add_remote_candidate(s->ice, r->c); /* NULL: the end */
    return G_SOURCE_REMOVE;
}

static void remote_cand_free(gpointer data)
{
    remote_cand *r = data;

    if (r->c)
        nice_candidate_free(r->c);
    yf_net_handle_unref(r->s);
    g_free(r);
}

static void post_remote_cand(yf_echo_session *s, NiceCandidate *c)
{
    remote_cand *r = g_new0(remote_cand, 1);

    r->s = yf_net_handle_ref(s);
    r->c = c;
    yf_net_post(s->h.worker->ctx, remote_cand_on_worker, r, remote_cand_free);
}

gboolean yf_echo_session_add_remote_candidate(yf_echo_session *s, const char *candidate, GError **err)
{
    NiceCandidate *c;

    g_return_val_if_fail(s != NULL, FALSE);
    if (!s->h.media) /* stopped by yf_net_free: nothing to feed */
        return TRUE;
    if (!candidate || !*candidate) {
        g_debug("session %u: end of remote candidates", s->h.id);
        post_remote_cand(s, NULL);
        return TRUE;
    }
    char who[32];
    g_snprintf(who, sizeof who, "session %u", s->h.id);
    c = yf_net_parse_candidate(s->h.media, who, candidate, &s->cands, err);
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
        if (md->kind == YF_SDP_AUDIO && *audio < 0)
            *audio = i;
        if (md->kind == YF_SDP_VIDEO && *video < 0)
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
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_SDP,
                    "the offer has no audio or video section we can answer");
        return NULL;
    }
    if (yf_dtls_cert_fingerprint(s->h.conf->cert, fp, sizeof fp) != YF_OK ||
        !yf_iceconn_make_credentials(s->local_ufrag, s->local_pwd) ||
        !random_bytes(&p.session_id, sizeof p.session_id) ||
        (audio >= 0 && !random_ssrc(o, p.ssrc, &p.ssrc[audio])) ||
        (video >= 0 && !random_ssrc(o, p.ssrc, &p.ssrc[video]))) {
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_INTERNAL, "no randomness or no fingerprint");
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
    p.opus = yf_net_opus_mode(s->h.conf);
    s->role = p.setup == YF_SETUP_ACTIVE ? YF_DTLS_ROLE_CLIENT : YF_DTLS_ROLE_SERVER;
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

static yf_echo_session *session_alloc(yf_net *m, const yf_sdp_offer *o, const yf_net_callbacks *cb,
                                      void *user)
{
    yf_echo_session *s = g_new0(yf_echo_session, 1);

    yf_net_handle_init(&s->h, m, teardown_on_worker);
    s->cb = *cb;
    s->user = user;
    g_strlcpy(s->remote_ufrag, o->ice_ufrag, sizeof s->remote_ufrag);
    g_strlcpy(s->remote_pwd, o->ice_pwd, sizeof s->remote_pwd);
    g_strlcpy(s->remote_fp, o->fingerprint, sizeof s->remote_fp);
    return s;
}

yf_echo_session *yf_echo_session_new(yf_net *m, const char *offer_sdp, size_t offer_len,
                                     const yf_net_callbacks *cb, void *user, char **answer_out,
                                     GError **err)
{
    yf_sdp_offer *offer = g_new0(yf_sdp_offer, 1);
    yf_echo_session *s = NULL;
    GError *perr = NULL;
    char *answer = NULL;

    g_return_val_if_fail(m && offer_sdp && cb && answer_out, NULL);
    if (!yf_sdp_parse_offer(offer_sdp, offer_len, offer, &perr)) {
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_SDP, "%s", perr->message);
        g_error_free(perr);
        goto out;
    }
    s = session_alloc(m, offer, cb, user);
    answer = answer_offer(s, offer, &perr);
    if (!answer) {
        if (perr->domain == YF_NET_ERROR)
            g_propagate_error(err, perr);
        else {
            g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_SDP, "%s", perr->message);
            g_error_free(perr);
        }
        g_clear_pointer(&s, g_free);
        goto out;
    }
    yf_net_handle_place(&s->h);
    yf_net_post(s->h.worker->ctx, start_on_worker, yf_net_handle_ref(s), yf_net_handle_unref);
    g_debug("session %u: answered (mid %s), placed on worker %u", s->h.id, s->mid, s->h.worker->index);
    *answer_out = answer;
out:
    g_free(offer);
    return s;
}

void yf_echo_session_free(yf_echo_session *s)
{
    if (!s)
        return;
    yf_net_handle_stop(&s->h);
    yf_net_handle_unref(s);
}
