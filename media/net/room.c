/* room.c -- the control half of a hearing room (room.h): answers each
 * participant's publisher offer (RFC 8829), keeps every participant's
 * subscriber m-line table (media/core/sublines.h: mids never reused, a gone
 * track's line turns inactive, RFC 8843 BUNDLE) and writes its offers
 * through media/sdp, checks answers and candidates, and posts what the
 * worker needs (room_worker.c). Callbacks from the worker are delivered
 * here, on the control context, and never after yf_room_free.
 *
 * Design: one room = one worker (least loaded at creation) = one yf_router.
 * Per participant two connections: publish (the browser offers, we answer
 * passive, i.e. DTLS server, preferring AEAD_AES_128_GCM) and subscribe (we
 * offer actpass; Chromium answers active, so we are the DTLS server there
 * too). What changed in a repeated publisher offer decides what happens to
 * the connection (media/core/offer_judge.h): a new o= session id or a new
 * fingerprint is a new RTCPeerConnection (a reload; RFC 8829 section 5.2.2
 * keeps the session id for a connection's life, and a page may keep its
 * certificate): a new agent + peer, so its ClientHello starts a new
 * association (RFC 6347 section 4.2.8), the router tracks (keyed by the
 * publisher's mid) stay and switch source to the new SSRCs, so the
 * subscribers' sequence numbers continue; the same session with a new
 * ufrag: ICE restart (new local credentials, same DTLS session); nothing
 * new: renegotiation. A subscriber answer from another session or
 * certificate than the last one gets a new association on the same ICE
 * stream. Subscriber offers go out only when a participant's line table
 * changes and has at least one line; the worker subscribes in the router
 * only while the subscriber connection is connected (so the first keyframe
 * request reaches a live receiver). */
#include "room_priv.h"

#include <openssl/rand.h>
#include <string.h>

/* ---- notes (worker -> control) ---- */

/* What each kind carries: CAND part, pc, text (the line), text2 (mid), num
 * (m-line); STATE part, pc, text (state), text2 (SRTP profile), reason;
 * LEVEL and SPEAKER part, num (level); OFFER part, text (the SDP), num
 * (revision), tracks (yf_room_track); DOWNLINK part, num (1: video paused). */
typedef enum { NOTE_CAND, NOTE_STATE, NOTE_LEVEL, NOTE_SPEAKER, NOTE_OFFER, NOTE_DOWNLINK } note_kind;

static void note_deliver(const yf_net_note *n)
{
    yf_room *r = (yf_room *)n->h;
    const yf_room_callbacks *cb = &r->cb;

    switch ((note_kind)n->kind) {
    case NOTE_CAND:
        if (cb->on_local_candidate)
            cb->on_local_candidate(r->user, n->part, n->pc, n->text, n->text2, n->num);
        break;
    case NOTE_STATE:
        if (cb->on_pc_state)
            cb->on_pc_state(r->user, n->part, n->pc, n->text, n->text2, n->reason);
        break;
    case NOTE_LEVEL:
        if (cb->on_audio_level)
            cb->on_audio_level(r->user, n->part, n->num);
        break;
    case NOTE_SPEAKER:
        if (cb->on_active_speaker)
            cb->on_active_speaker(r->user, n->part);
        break;
    case NOTE_OFFER:
        if (cb->on_subscribe_offer)
            cb->on_subscribe_offer(r->user, n->part, n->text, (unsigned)n->num,
                                   (const yf_room_track *)(void *)n->tracks->data, n->tracks->len);
        break;
    case NOTE_DOWNLINK:
        if (cb->on_downlink)
            cb->on_downlink(r->user, n->part, n->num != 0);
        break;
    }
}

/* A note of kind about participant part, with copies of the strings. */
static yf_net_note *note_new(yf_room *r, note_kind kind, uint32_t part, yf_pc_kind pc, const char *text,
                             const char *text2, const char *reason)
{
    yf_net_note *n = yf_net_note_new(&r->h, note_deliver, kind, text, text2, reason);

    n->part = part;
    n->pc = pc;
    return n;
}

void yf_room_note_candidate(yf_room *r, uint32_t part, yf_pc_kind pc, const char *cand, const char *mid,
                            int mline)
{
    yf_net_note *n = note_new(r, NOTE_CAND, part, pc, cand, mid, NULL);

    n->num = mline;
    yf_net_note_post(n);
}

void yf_room_note_state(yf_room *r, uint32_t part, yf_pc_kind pc, const char *state, const char *profile,
                        const char *reason)
{
    yf_net_note_post(note_new(r, NOTE_STATE, part, pc, state, profile, reason));
}

void yf_room_note_level(yf_room *r, uint32_t part, int level, gboolean speaker)
{
    yf_net_note *n = note_new(r, speaker ? NOTE_SPEAKER : NOTE_LEVEL, part, 0, NULL, NULL, NULL);

    n->num = level;
    yf_net_note_post(n);
}

void yf_room_note_downlink(yf_room *r, uint32_t part, gboolean video_paused)
{
    yf_net_note *n = note_new(r, NOTE_DOWNLINK, part, 0, NULL, NULL, NULL);

    n->num = video_paused ? 1 : 0;
    yf_net_note_post(n);
}

/* ---- messages (control -> worker) ---- */

static yf_room_msg *msg_new(yf_room *r, room_msg_kind kind, uint32_t part)
{
    yf_room_msg *m = g_new0(yf_room_msg, 1);

    m->room = yf_net_handle_ref(r);
    m->kind = kind;
    m->part = part;
    return m;
}

static void msg_post(yf_room *r, yf_room_msg *m)
{
    yf_net_post(r->h.worker->ctx, yf_room_wk_dispatch, m, yf_room_msg_free);
}

/* ---- randomness ---- */

static gboolean random_bytes(void *dst, size_t n)
{
    return RAND_bytes(dst, (int)n) == 1;
}

/* ---- participants ---- */

static void ctl_part_free(gpointer data)
{
    yf_room_ctl_part *p = data;

    g_array_unref(p->pub_tracks);
    yf_sublines_clear(&p->lines);
    g_free(p);
}

static yf_room_ctl_part *ctl_part(yf_room *r, uint32_t id)
{
    return g_hash_table_lookup(r->parts, GUINT_TO_POINTER(id));
}

static gboolean no_part(yf_room *r, uint32_t id, yf_room_ctl_part **out, GError **err)
{
    *out = ctl_part(r, id);
    if (*out)
        return FALSE;
    g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_INTERNAL, "room %u: no participant %u", r->h.id, id);
    return TRUE;
}

/* ---- subscriber offers ---- */

_Static_assert(YF_SUBLINES_MAX == YF_SDP_MAX_OFFER_MEDIA, "a subscriber offer holds every line");
_Static_assert(YF_SUBLINES_MAX_PUB_TRACKS == YF_ROOM_MAX_PUB_TRACKS, "every forwarded track gets a line");

/* yf_sdp_offer_params with the plan whose strings it borrows. */
typedef struct {
    yf_sdp_offer_params p;
    yf_sdp_offer_media media[YF_SDP_MAX_OFFER_MEDIA];
    yf_sublines_plan plan;
} offer_build;

/* RED on a line only where its payload type means the same everywhere in
 * the offer (publishers may differ: one pt, one meaning in a BUNDLE group);
 * a line whose RED would clash gets Opus alone, unwrapped by the router. */
static void offer_red_fix(offer_build *b)
{
    for (size_t i = 0; i < b->p.n_media; i++) {
        yf_sdp_offer_media *a = &b->media[i];
        for (size_t j = 0; a->red_pt && j < b->p.n_media; j++) {
            const yf_sdp_offer_media *o = &b->media[j];
            if (o->pt == a->red_pt || (j < i && o->red_pt == a->red_pt && o->pt != a->pt))
                a->red_pt = 0;
        }
    }
}

/* Whether pt means anything on any line of the offer. */
static bool pt_used(const offer_build *b, int pt)
{
    for (size_t i = 0; i < b->p.n_media; i++) {
        const yf_sdp_offer_media *m = &b->media[i];
        if (m->pt == pt || m->red_pt == pt || m->rtx_pt == pt)
            return true;
    }
    return false;
}

/* RTX on every active video line, one pt per repaired pt across the offer
 * (one meaning per pt in a BUNDLE group): the one another line already
 * has for that pt, else the first free of 96..127 and 35..63. The router
 * sends only padding on it (probe.h). Chosen the same way for every offer
 * of the same lines, so it stays put while the lines keep their codecs; a
 * later line whose codec takes that pt moves it (until the answer to that
 * offer comes, padding goes under the old pt). */
static void offer_rtx(offer_build *b)
{
    static const int ranges[][2] = { { 96, 127 }, { 35, 63 } };
    for (size_t i = 0; i < b->p.n_media; i++) {
        yf_sdp_offer_media *a = &b->media[i];
        if (a->kind != YF_SDP_VIDEO || !a->active || !a->rtx_ssrc)
            continue;
        for (size_t j = 0; j < i && !a->rtx_pt; j++)
            if (b->media[j].rtx_pt && b->media[j].pt == a->pt)
                a->rtx_pt = b->media[j].rtx_pt;
        for (size_t k = 0; k < G_N_ELEMENTS(ranges) && !a->rtx_pt; k++)
            for (int pt = ranges[k][0]; pt <= ranges[k][1] && !a->rtx_pt; pt++)
                if (!pt_used(b, pt))
                    a->rtx_pt = pt;
    }
}

static void offer_fill(const yf_room *r, const yf_room_ctl_part *p, offer_build *b)
{
    memset(b, 0, sizeof *b);
    b->p.ice_ufrag = p->sub_ufrag;
    b->p.ice_pwd = p->sub_pwd;
    b->p.fingerprint = r->fingerprint;
    b->p.session_id = p->sub_session_id;
    b->p.session_version = p->sub_version;
    b->p.cname = "yuanfang";
    yf_sublines_plan_offer(&p->lines, &b->plan);
    b->p.n_media = b->plan.n;
    b->p.media = b->media;
    b->p.opus = yf_net_opus_mode(r->h.conf);
    for (size_t i = 0; i < b->p.n_media; i++) {
        const yf_sublines_plan_line *e = &b->plan.lines[i];
        const yf_sublines_line *l = e->line;
        yf_sdp_offer_media *md = &b->media[i];

        md->mid = l->mid;
        md->kind = l->track.cfg.kind == YF_TRACK_AUDIO ? YF_SDP_AUDIO : YF_SDP_VIDEO;
        md->codec = l->track.cfg.codec;
        md->pt = l->track.cfg.pt;
        md->clock_rate = (int)l->track.cfg.clock_rate;
        md->channels = l->track.channels;
        md->fmtp = l->track.fmtp;
        md->ssrc = l->out_ssrc;
        md->msid_stream = e->msid_stream;
        md->msid_track = e->msid_track;
        md->active = l->active;
        md->ext_audio_level = e->ext_audio_level;
        md->red_pt = l->active ? l->track.cfg.red_pt : 0;
        md->rtx_ssrc = l->active && md->kind == YF_SDP_VIDEO ? l->rtx_ssrc : 0;
    }
    offer_red_fix(b);
    offer_rtx(b);
    b->p.ext_twcc = p->sub_twcc_id;
    for (size_t i = 0; i < b->p.n_media; i++)
        if (b->media[i].ext_audio_level == b->p.ext_twcc)
            b->media[i].ext_audio_level = 0; /* a later publisher's id: ours stays */
}

/* The transport-cc id for a new subscriber connection: the first of 3..14,
 * 1, 2 that no line of the plan uses for its audio level. Kept for the
 * connection's life: a browser keeps one id map per transport. */
static uint8_t pick_twcc_id(const yf_room_ctl_part *p)
{
    yf_sublines_plan *plan = g_new(yf_sublines_plan, 1);
    uint8_t id = 0;

    yf_sublines_plan_offer(&p->lines, plan);
    for (int k = 0; k < 14 && !id; k++) {
        uint8_t c = (uint8_t)(k < 12 ? 3 + k : k - 11);
        gboolean used = FALSE;
        for (unsigned i = 0; i < plan->n && !used; i++)
            used = plan->lines[i].ext_audio_level == c;
        if (!used)
            id = c;
    }
    g_free(plan);
    return id;
}

/* Writes the participant's next subscriber offer and posts its lines (and
 * what happens to the connection) to the worker; the offer reaches the
 * callback through the control context's queue, before any of the new
 * connection's candidates. */
static void offer_subscriber(yf_room *r, yf_room_ctl_part *p)
{
    offer_build *b;
    GError *err = NULL;
    char *sdp;
    yf_room_msg *m;
    yf_net_note *n;

    if (!p->lines.n || !r->h.media)
        return;
    if (!p->sub_created)
        p->sub_pending = CONN_NEW;
    if (p->sub_pending == CONN_NEW) {
        p->sub_twcc_id = pick_twcc_id(p);
        p->sub_remote_ufrag[0] = p->sub_remote_fp[0] = p->sub_remote_session[0] = '\0';
        random_bytes(&p->sub_session_id, sizeof p->sub_session_id);
        p->sub_session_id &= G_GUINT64_CONSTANT(0x3fffffffffffffff);
    }
    if (p->sub_pending != CONN_KEEP && !yf_iceconn_make_credentials(p->sub_ufrag, p->sub_pwd))
        g_warning("room %u: no randomness for ICE credentials", r->h.id);
    p->sub_version++;
    b = g_new(offer_build, 1);
    offer_fill(r, p, b);
    sdp = yf_sdp_build_offer(&b->p, &err);
    g_free(b);
    if (!sdp) {
        g_warning("room %u: participant %u: cannot write the subscriber offer: %s", r->h.id, p->id,
                  err->message);
        g_error_free(err);
        return;
    }
    p->revision++;
    m = msg_new(r, MSG_SUB_LINES, p->id);
    m->change = p->sub_pending;
    m->twcc_id = p->sub_twcc_id;
    g_strlcpy(m->local_ufrag, p->sub_ufrag, sizeof m->local_ufrag);
    g_strlcpy(m->local_pwd, p->sub_pwd, sizeof m->local_pwd);
    g_strlcpy(m->mid, p->lines.lines[0].mid, sizeof m->mid);
    m->tracks = g_array_sized_new(FALSE, FALSE, sizeof(yf_room_sub_line), p->lines.n); /* the worker's own */
    g_array_append_vals(m->tracks, p->lines.lines, p->lines.n);
    n = note_new(r, NOTE_OFFER, p->id, 0, NULL, NULL, NULL);
    n->text = sdp;
    n->num = (int)p->revision;
    n->tracks = g_array_new(FALSE, TRUE, sizeof(yf_room_track));
    for (unsigned i = 0; i < p->lines.n; i++) {
        const yf_sublines_line *l = &p->lines.lines[i];
        yf_room_track t = { .participant = l->publisher, .active = l->active };

        g_strlcpy(t.mid, l->mid, sizeof t.mid);
        g_strlcpy(t.kind, l->track.cfg.kind == YF_TRACK_AUDIO ? "audio" : "video", sizeof t.kind);
        g_array_append_val(n->tracks, t);
    }
    yf_net_note_post(n);
    msg_post(r, m);
    g_debug("room %u: participant %u: subscriber offer %u (%u m-lines)", r->h.id, p->id, p->revision,
            p->lines.n);
    p->sub_created = TRUE;
    p->sub_pending = CONN_KEEP;
}

/* Subscriber s's lines for publisher pub follow pub's tracks (NULL: it
 * left). Returns TRUE if the next offer differs. */
static gboolean update_lines(yf_room_ctl_part *s, uint32_t pub, const GArray *tracks)
{
    bool changed;

    if (yf_sublines_update(&s->lines, pub, tracks ? (const yf_sublines_track *)(void *)tracks->data : NULL,
                           tracks ? tracks->len : 0, &changed) != YF_OK)
        g_warning("participant %u: subscriber connection full (%d m-lines)", s->id, YF_SUBLINES_MAX);
    return changed;
}

/* Publisher pub's tracks changed (or it left: tracks NULL): every other
 * participant's lines follow, and those that changed are renegotiated. */
static void publisher_changed(yf_room *r, uint32_t pub, const GArray *tracks)
{
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, r->parts);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        yf_room_ctl_part *s = v;
        if (s->id != pub && update_lines(s, pub, tracks))
            offer_subscriber(r, s);
    }
}

/* ---- publisher offers ---- */

static gboolean is_published(const yf_sdp_media *md)
{
    return md->accepted && (md->kind == YF_SDP_AUDIO || md->kind == YF_SDP_VIDEO) &&
           md->codec != YF_CODEC_NONE &&
           (md->direction == YF_DIR_SENDRECV || md->direction == YF_DIR_SENDONLY);
}

static GArray *offer_tracks(const yf_sdp_offer *o, gboolean red)
{
    GArray *a = g_array_new(FALSE, TRUE, sizeof(yf_room_pub_track));

    for (int i = 0; i < o->n_media; i++) {
        const yf_sdp_media *md = &o->media[i];
        yf_room_pub_track t;

        if (!is_published(md))
            continue;
        if (a->len >= YF_ROOM_MAX_PUB_TRACKS) /* a camera, a microphone, and a spare each */
            break;
        memset(&t, 0, sizeof t);
        g_strlcpy(t.mid, md->mid, sizeof t.mid);
        t.cfg.kind = md->kind == YF_SDP_AUDIO ? YF_TRACK_AUDIO : YF_TRACK_VIDEO;
        t.cfg.codec = md->codec;
        t.cfg.ssrc = md->ssrc;
        t.cfg.pt = (uint8_t)md->pt;
        t.cfg.clock_rate = (uint32_t)md->clock_rate;
        t.cfg.twcc_ext_id = (uint8_t)md->ext_twcc;
        t.cfg.audio_level_ext_id = (uint8_t)md->ext_audio_level;
        t.cfg.mid_ext_id = (uint8_t)md->ext_mid;
        g_strlcpy(t.cfg.mid, md->mid, sizeof t.cfg.mid);
        t.cfg.nack = (md->rtcp_fb & YF_SDP_FB_NACK) != 0;
        t.cfg.red_pt = red ? (uint8_t)md->red_pt : 0; /* what the answer kept */
        /* simulcast: the layers by rid, lowest first (protocol.md) */
        G_STATIC_ASSERT(YF_SDP_MAX_RIDS <= YF_ROUTER_MAX_LAYERS && YF_SDP_RID_LEN <= YF_ROUTER_RID_LEN);
        if (md->n_rids >= 2 && md->ext_rid <= 14) {
            t.cfg.rid_ext_id = (uint8_t)md->ext_rid;
            t.cfg.n_layers = (uint8_t)md->n_rids;
            for (int l = 0; l < md->n_rids; l++)
                g_strlcpy(t.cfg.rids[l], md->rids[l], sizeof t.cfg.rids[l]);
            t.cfg.ssrc = 0;
        }
        t.channels = md->channels;
        g_strlcpy(t.fmtp, md->fmtp, sizeof t.fmtp);
        g_array_append_val(a, t);
    }
    return a;
}

static int first_accepted(const yf_sdp_offer *o)
{
    for (int i = 0; i < o->n_media; i++)
        if (o->media[i].accepted)
            return i;
    return -1;
}

static char *answer_publisher(yf_room *r, yf_room_ctl_part *p, const yf_sdp_offer *o, yf_room_msg *m,
                              GError **err)
{
    yf_sdp_answer_params ap;
    GError *serr = NULL;
    char *answer;

    memset(&ap, 0, sizeof ap);
    if (m->change != CONN_KEEP && !yf_iceconn_make_credentials(p->pub_ufrag, p->pub_pwd)) {
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_INTERNAL, "no randomness");
        return NULL;
    }
    random_bytes(&ap.session_id, sizeof ap.session_id);
    ap.session_id &= G_GUINT64_CONSTANT(0x3fffffffffffffff); /* RFC 8829 5.2.1: < 2^63 */
    ap.ice_ufrag = p->pub_ufrag;
    ap.ice_pwd = p->pub_pwd;
    ap.fingerprint = r->fingerprint;
    /* The DTLS server (we choose the SRTP profile: GCM) unless the offerer
     * insists on being it. We send nothing on this connection but RTCP. */
    ap.setup = o->setup == YF_SETUP_PASSIVE ? YF_SETUP_ACTIVE : YF_SETUP_PASSIVE;
    ap.cname = "yuanfang";
    ap.twcc = TRUE;
    ap.opus = yf_net_opus_mode(r->h.conf);
    ap.red = r->h.conf->audio_red; /* RED for audio where offered */
    m->role = ap.setup == YF_SETUP_ACTIVE ? YF_DTLS_ROLE_CLIENT : YF_DTLS_ROLE_SERVER;
    answer = yf_sdp_build_answer(o, &ap, &serr);
    if (!answer) {
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_SDP, "%s", serr->message);
        g_error_free(serr);
    }
    return answer;
}

/* The offer judgement (media/core/offer_judge.h) of o against p's last
 * publisher offer. *why is for the log. */
static yf_room_conn_change publisher_change(const yf_room_ctl_part *p, const yf_sdp_offer *o, const char **why)
{
    const yf_offer_judge_peer last = { p->pub_remote_fp, p->pub_remote_session, p->pub_remote_ufrag };
    const yf_offer_judge_peer now = { o->fingerprint, o->session_id, o->ice_ufrag };

    return (yf_room_conn_change)yf_offer_judge_offer(p->has_pub ? &last : NULL, &now, why);
}

gboolean yf_room_publish_offer(yf_room *r, uint32_t participant, const char *sdp, char **answer,
                               GError **err)
{
    yf_sdp_offer *o = NULL;
    yf_room_ctl_part *p;
    yf_room_msg *m = NULL;
    GError *serr = NULL;
    gboolean ok = FALSE;
    const char *why;
    int first;

    g_return_val_if_fail(r && sdp && answer, FALSE);
    *answer = NULL;
    if (no_part(r, participant, &p, err))
        return FALSE;
    if (p->observer) {
        g_set_error_literal(err, YF_NET_ERROR, YF_NET_ERROR_SDP, "an observer only watches and listens");
        return FALSE;
    }
    o = g_new0(yf_sdp_offer, 1);
    if (!yf_sdp_parse_offer(sdp, strlen(sdp), o, &serr)) {
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_SDP, "%s", serr->message);
        g_error_free(serr);
        goto out;
    }
    first = first_accepted(o);
    m = msg_new(r, MSG_PUBLISH, participant);
    m->change = publisher_change(p, o, &why);
    *answer = first < 0 ? NULL : answer_publisher(r, p, o, m, err);
    if (first < 0)
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_SDP, "the offer has no section we can answer");
    if (!*answer)
        goto out;
    g_strlcpy(m->local_ufrag, p->pub_ufrag, sizeof m->local_ufrag);
    g_strlcpy(m->local_pwd, p->pub_pwd, sizeof m->local_pwd);
    g_strlcpy(m->remote_ufrag, o->ice_ufrag, sizeof m->remote_ufrag);
    g_strlcpy(m->remote_pwd, o->ice_pwd, sizeof m->remote_pwd);
    g_strlcpy(m->remote_fp, o->fingerprint, sizeof m->remote_fp);
    g_strlcpy(m->mid, o->media[first].mid, sizeof m->mid);
    m->mline = first;
    m->tracks = offer_tracks(o, r->h.conf->audio_red);
    g_debug("room %u: participant %u: publisher offer (%s, %u tracks)", r->h.id, participant, why,
            m->tracks->len);
    p->has_pub = TRUE;
    g_strlcpy(p->pub_remote_ufrag, o->ice_ufrag, sizeof p->pub_remote_ufrag);
    g_strlcpy(p->pub_remote_fp, o->fingerprint, sizeof p->pub_remote_fp);
    g_strlcpy(p->pub_remote_session, o->session_id, sizeof p->pub_remote_session);
    g_array_unref(p->pub_tracks);
    p->pub_tracks = g_array_copy(m->tracks);
    if (r->h.media)
        msg_post(r, g_steal_pointer(&m));
    publisher_changed(r, participant, p->pub_tracks);
    ok = TRUE;
out:
    if (m)
        yf_room_msg_free(m);
    g_free(o);
    return ok;
}

/* ---- subscriber answers and restarts ---- */

/* The same judgement for an answer to our offer, against the last answer
 * on the connection ("" since we made it anew): the first sets it up; one
 * from another session or certificate needs a new association; a new
 * ufrag alone follows our own ICE restart. */
static yf_room_conn_change subscriber_change(const yf_room_ctl_part *p, const yf_sdp_answer_info *a, const char **why)
{
    const yf_offer_judge_peer last = { p->sub_remote_fp, p->sub_remote_session, p->sub_remote_ufrag };
    const yf_offer_judge_peer now = { a->fingerprint, a->session_id, a->ice_ufrag };

    return (yf_room_conn_change)yf_offer_judge_answer(&last, &now, why);
}

gboolean yf_room_subscribe_answer(yf_room *r, uint32_t participant, unsigned revision, const char *sdp,
                                  GError **err)
{
    yf_room_ctl_part *p;
    yf_sdp_answer_info *info;
    offer_build *b;
    GError *serr = NULL;
    gboolean ok = FALSE;
    const char *why;

    g_return_val_if_fail(r && sdp, FALSE);
    if (no_part(r, participant, &p, err))
        return FALSE;
    if (!p->revision || revision != p->revision) {
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_SDP, "stale: answer to offer %u, latest is %u",
                    revision, p->revision);
        return FALSE;
    }
    info = g_new0(yf_sdp_answer_info, 1);
    b = g_new(offer_build, 1);
    offer_fill(r, p, b); /* the lines have not changed since that offer */
    if (!yf_sdp_parse_answer(sdp, strlen(sdp), &b->p, info, &serr)) {
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_SDP, "%s", serr->message);
        g_error_free(serr);
        goto out;
    }
    yf_room_msg *m = msg_new(r, MSG_SUB_ANSWER, participant);
    m->change = subscriber_change(p, info, &why);
    m->tracks = g_array_sized_new(FALSE, TRUE, sizeof(yf_room_sub_accept), (guint)info->n_media);
    for (int i = 0; i < info->n_media; i++) {
        yf_room_sub_accept a = {
            .red_pt = info->media[i].red ? (uint8_t)b->media[i].red_pt : 0,
            .rtx_pt = info->media[i].rtx ? (uint8_t)b->media[i].rtx_pt : 0,
            .rtx_ssrc = info->media[i].rtx ? b->media[i].rtx_ssrc : 0,
        };
        g_array_append_val(m->tracks, a);
    }
    if (m->change == CONN_NEW || strcmp(info->ice_ufrag, p->sub_remote_ufrag)) {
        g_strlcpy(m->remote_ufrag, info->ice_ufrag, sizeof m->remote_ufrag);
        g_strlcpy(m->remote_pwd, info->ice_pwd, sizeof m->remote_pwd);
    }
    g_strlcpy(m->local_ufrag, p->sub_ufrag, sizeof m->local_ufrag); /* kept by an ICE restart */
    g_strlcpy(m->local_pwd, p->sub_pwd, sizeof m->local_pwd);
    g_strlcpy(m->remote_fp, info->fingerprint, sizeof m->remote_fp);
    m->role = info->setup == YF_SETUP_PASSIVE ? YF_DTLS_ROLE_CLIENT : YF_DTLS_ROLE_SERVER;
    if (m->change == CONN_NEW)
        g_debug("room %u: participant %u: subscriber answer from a new connection (%s)", r->h.id, participant,
                why);
    g_strlcpy(p->sub_remote_ufrag, info->ice_ufrag, sizeof p->sub_remote_ufrag);
    g_strlcpy(p->sub_remote_fp, info->fingerprint, sizeof p->sub_remote_fp);
    g_strlcpy(p->sub_remote_session, info->session_id, sizeof p->sub_remote_session);
    if (r->h.media)
        msg_post(r, m);
    else
        yf_room_msg_free(m);
    ok = TRUE;
out:
    g_free(b);
    g_free(info);
    return ok;
}

static gboolean resubscribe(yf_room *r, uint32_t participant, yf_room_conn_change change, GError **err)
{
    yf_room_ctl_part *p;

    if (no_part(r, participant, &p, err))
        return FALSE;
    if (p->sub_created)
        p->sub_pending = change;
    offer_subscriber(r, p);
    return TRUE;
}

gboolean yf_room_subscribe_reset(yf_room *r, uint32_t participant, GError **err)
{
    return resubscribe(r, participant, CONN_NEW, err);
}

gboolean yf_room_subscribe_restart(yf_room *r, uint32_t participant, GError **err)
{
    return resubscribe(r, participant, CONN_ICE_RESTART, err);
}

/* ---- candidates, forwarding ---- */

gboolean yf_room_add_remote_candidate(yf_room *r, uint32_t participant, yf_pc_kind pc, const char *candidate,
                                      GError **err)
{
    yf_room_ctl_part *p;
    NiceCandidate *c = NULL;
    char who[48];
    yf_room_msg *m;

    g_return_val_if_fail(r != NULL, FALSE);
    if (no_part(r, participant, &p, err))
        return FALSE;
    if (!r->h.media)
        return TRUE;
    if (candidate && *candidate) {
        g_snprintf(who, sizeof who, "room %u participant %u", r->h.id, participant);
        c = yf_net_parse_candidate(r->h.media, who, candidate,
                                   pc == YF_PC_PUBLISH ? &p->pub_cands : &p->sub_cands, err);
        if (!c)
            return FALSE;
    }
    m = msg_new(r, MSG_CANDIDATE, participant);
    m->pc = pc;
    m->cand = c;
    msg_post(r, m);
    return TRUE;
}

void yf_room_set_forwarding(yf_room *r, uint32_t participant, gboolean audio, gboolean video)
{
    yf_room_msg *m;

    g_return_if_fail(r != NULL);
    if (!ctl_part(r, participant) || !r->h.media)
        return;
    m = msg_new(r, MSG_FORWARDING, participant);
    m->audio = audio;
    m->video = video;
    msg_post(r, m);
}

void yf_room_set_capture(yf_room *r, yf_rec_writer *w, const char *dir)
{
    yf_room_msg *m;

    g_return_if_fail(r != NULL);
    if (!r->h.media)
        return;
    m = msg_new(r, MSG_CAPTURE, 0);
    m->rec = dir ? w : NULL;
    m->rec_dir = dir && w ? g_strdup(dir) : NULL;
    msg_post(r, m);
}

/* ---- the room's life ---- */

yf_room *yf_room_new(yf_net *m, const char *name, const yf_room_callbacks *cb, void *user, GError **err)
{
    yf_room *r;

    g_return_val_if_fail(m && cb, NULL);
    r = g_new0(yf_room, 1);
    if (yf_dtls_cert_fingerprint(m->cert, r->fingerprint, sizeof r->fingerprint) != YF_OK) {
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_INTERNAL, "no certificate fingerprint");
        g_free(r);
        return NULL;
    }
    yf_net_handle_init(&r->h, m, yf_room_wk_teardown);
    g_strlcpy(r->name, name ? name : "", sizeof r->name);
    r->cb = *cb;
    r->user = user;
    r->parts = g_hash_table_new_full(NULL, NULL, NULL, ctl_part_free);
    r->max_observers = YF_ROOM_DEFAULT_MAX_OBSERVERS;
    yf_net_handle_place(&r->h);
    g_debug("room %u (%s): placed on worker %u", r->h.id, r->name, r->h.worker->index);
    return r;
}

/* Adds a participant (observer: receive-only) once the caller has checked
 * the room's limits. */
static gboolean add_part(yf_room *r, uint32_t participant, gboolean observer, GError **err)
{
    yf_room_ctl_part *p;
    GHashTableIter it;
    gpointer v;
    uint64_t seed;

    if (participant == 0 || ctl_part(r, participant)) {
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_INTERNAL, "room %u: participant id %u %s", r->h.id,
                    participant, participant ? "already in the room" : "is not allowed");
        return FALSE;
    }
    p = g_new0(yf_room_ctl_part, 1);
    p->id = participant;
    p->observer = observer;
    r->n_observers += observer ? 1 : 0;
    p->pub_tracks = g_array_new(FALSE, TRUE, sizeof(yf_room_pub_track));
    if (!random_bytes(&seed, sizeof seed))
        seed = (uint64_t)g_random_int() << 32 | g_random_int();
    yf_sublines_init(&p->lines, seed);
    g_hash_table_insert(r->parts, GUINT_TO_POINTER(participant), p);
    if (r->h.media)
        msg_post(r, msg_new(r, MSG_ADD_PART, participant));
    /* Everyone already publishing becomes its first subscriber offer. */
    g_hash_table_iter_init(&it, r->parts);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        yf_room_ctl_part *pub = v;
        if (pub != p && pub->pub_tracks->len)
            update_lines(p, pub->id, pub->pub_tracks);
    }
    offer_subscriber(r, p);
    return TRUE;
}

gboolean yf_room_add_participant(yf_room *r, uint32_t participant, GError **err)
{
    g_return_val_if_fail(r != NULL, FALSE);
    if (g_hash_table_size(r->parts) - r->n_observers >= YF_ROOM_MAX_PARTICIPANTS) {
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_INTERNAL, "room %u is full (%d participants)", r->h.id,
                    YF_ROOM_MAX_PARTICIPANTS);
        return FALSE;
    }
    return add_part(r, participant, FALSE, err);
}

gboolean yf_room_add_observer(yf_room *r, uint32_t participant, GError **err)
{
    g_return_val_if_fail(r != NULL, FALSE);
    if (r->n_observers >= r->max_observers) {
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_INTERNAL, "room %u is full (%u observers)", r->h.id,
                    r->max_observers);
        return FALSE;
    }
    return add_part(r, participant, TRUE, err);
}

void yf_room_set_max_observers(yf_room *r, unsigned n)
{
    g_return_if_fail(r != NULL);
    if (g_hash_table_size(r->parts) > 0) {
        g_warning("room %u: the observer limit changes only before the first participant", r->h.id);
        return;
    }
    r->max_observers = CLAMP(n, 1, YF_ROOM_OBSERVERS_CEILING);
}

void yf_room_remove_participant(yf_room *r, uint32_t participant)
{
    yf_room_ctl_part *p;

    g_return_if_fail(r != NULL);
    p = ctl_part(r, participant);
    if (!p)
        return;
    r->n_observers -= p->observer ? 1 : 0;
    g_hash_table_remove(r->parts, GUINT_TO_POINTER(participant));
    if (r->h.media)
        msg_post(r, msg_new(r, MSG_REMOVE_PART, participant));
    publisher_changed(r, participant, NULL);
    g_debug("room %u: participant %u removed", r->h.id, participant);
}

void yf_room_hang_up(yf_room *r, uint32_t participant)
{
    g_return_if_fail(r != NULL);
    if (!ctl_part(r, participant) || !r->h.media)
        return;
    msg_post(r, msg_new(r, MSG_HANG_UP, participant));
    g_debug("room %u: participant %u: its connections end", r->h.id, participant);
}

void yf_room_free(yf_room *r)
{
    if (!r)
        return;
    yf_net_handle_stop(&r->h);
    g_clear_pointer(&r->parts, g_hash_table_destroy);
    yf_net_handle_unref(r);
}
