/* sigroom_media.c -- the media half of a hearing room: publish.offer,
 * subscribe.answer/restart and trickled candidates go to yf_room (through the
 * hub's ops table); yf_room's callbacks (candidates, connection states,
 * subscriber offers, audio levels) come back here and are sent to the
 * participant's connection with "pc" named. Control thread only. */
#define G_LOG_DOMAIN "yf-room"
#include "sigroom_priv.h"

#include <stdio.h>
#include <string.h>

static const yf_sigroom_media_ops *ops_of(const yf_sigroom_member *m)
{
    return m->room->hub->mops;
}

/* The error reply for a media GError. */
static void reply_media_error(yf_sigroom_member *m, const yf_sig_request *req, GError *err)
{
    yf_sig_errc code = YF_SIG_ERR_INTERNAL;
    if (g_error_matches(err, YF_NET_ERROR, YF_NET_ERROR_SDP))
        /* media/net says "stale: answer to offer N, latest is M". */
        code = g_str_has_prefix(err->message, "stale") ? YF_SIG_ERR_STALE : YF_SIG_ERR_BAD_SDP;
    else if (g_error_matches(err, YF_NET_ERROR, YF_NET_ERROR_CANDIDATE))
        code = YF_SIG_ERR_BAD_CANDIDATE;
    g_message("room %s: %s: %s refused: %s", m->room->name, m->id, yf_sig_type_str(req->type),
              err->message);
    yf_sigroom_reply_error(m, req, code, err->message);
    g_error_free(err);
}

/* FALSE (and the forbidden reply) when m may not use media yet. */
static gboolean check_admitted(yf_sigroom_member *m, const yf_sig_request *req)
{
    if (m->in_media)
        return TRUE;
    yf_sigroom_reply_error(m, req, YF_SIG_ERR_FORBIDDEN,
                           m->admitted ? "media is not available for this participant"
                                       : "wait until the host admits you");
    return FALSE;
}

const char *yf_sigroom_media_add(yf_sigroom_member *m)
{
    GError *err = NULL;
    yf_media_budget *b = m->room->hub->budget;
    if (m->in_media)
        return NULL;
    if (b && b->used >= b->max) {
        g_warning("room %s: %s: the server carries %d media sessions, its limit ([media] max_sessions)",
                  m->room->name, m->id, b->used);
        return "the server is at its limit of media sessions; try again later";
    }
    gboolean observer = m->observer && ops_of(m)->add_observer;
    if (!(observer ? ops_of(m)->add_observer : ops_of(m)->add_participant)(m->room->media, m->num, &err)) {
        g_warning("room %s: %s: cannot add to media: %s", m->room->name, m->id, err->message);
        g_error_free(err);
        return m->observer ? "this hearing has as many observers as it can carry"
                           : "this hearing has as many participants who speak as it can carry (16)";
    }
    if (b)
        b->used++;
    m->in_media = TRUE;
    m->entered_ms = g_get_real_time() / 1000;
    yf_sigroom_hub *h = m->room->hub;
    if (m->room->capturing && h->capture.member)
        h->capture.member(h->capture_user, m->room->name, m->num, m->pid, m->name, m->role, m->entered_ms);
    /* A host mute set while waiting, or before leaving and rejoining, holds. */
    if (m->host_muted_audio || m->host_muted_video)
        ops_of(m)->set_forwarding(m->room->media, m->num, !m->host_muted_audio, !m->host_muted_video);
    return NULL;
}

void yf_sigroom_capture_set(yf_sigroom *r, const char *dir)
{
    yf_sigroom_hub *h = r->hub;
    if (!h->rec || !h->mops->set_capture)
        return;
    h->mops->set_capture(r->media, h->rec, dir);
    r->capturing = dir != NULL;
    g_info("room %s: recording %s", r->name, dir ? "started" : "stopped");
    for (guint i = 0; dir && h->capture.member && i < r->members->len; i++) {
        const yf_sigroom_member *m = g_ptr_array_index(r->members, i);
        if (m->in_media)
            h->capture.member(h->capture_user, r->name, m->num, m->pid, m->name, m->role, m->entered_ms);
    }
}

void yf_sigroom_media_remove(yf_sigroom_member *m)
{
    if (!m->in_media)
        return;
    m->in_media = FALSE;
    m->entered_ms = 0;
    if (m->room->hub->budget && m->room->hub->budget->used > 0)
        m->room->hub->budget->used--;
    ops_of(m)->remove_participant(m->room->media, m->num);
}

/* The member's signaling went away. Its page closes its RTCPeerConnections
 * when its websocket drops (a closed tab does too), and comes back with new
 * ones, so its connections end now rather than at ICE consent's timeout:
 * nothing more is sent to a page that is gone. Its place stays for the
 * grace period. */
void yf_sigroom_media_hang_up(yf_sigroom_member *m)
{
    if (m->in_media && ops_of(m)->hang_up)
        ops_of(m)->hang_up(m->room->media, m->num);
}

void yf_sigroom_media_rejoin(yf_sigroom_member *m)
{
    GError *err = NULL;
    if (!m->in_media)
        return;
    m->sub_offered = FALSE;
    if (!ops_of(m)->subscribe_reset(m->room->media, m->num, &err)) {
        g_debug("room %s: %s: no subscriber connection to reset: %s", m->room->name, m->id,
                err->message);
        g_error_free(err);
    }
}

void yf_sigroom_publish_offer(yf_sigroom_member *m, const yf_sig_request *req)
{
    GError *err = NULL;
    char *answer = NULL;
    if (!check_admitted(m, req))
        return;
    if (strcmp(m->role, "observer") == 0) {   /* 旁听: receive-only, whatever the page sends */
        g_info("room %s: %s (observer) tried to publish; refused", m->room->name, m->id);
        yf_sigroom_reply_error(m, req, YF_SIG_ERR_FORBIDDEN, "an observer only watches and listens");
        return;
    }
    if (!ops_of(m)->publish_offer(m->room->media, m->num, req->offer.sdp, &answer, &err)) {
        reply_media_error(m, req, err);
        return;
    }
    g_debug("room %s: %s: publish answered", m->room->name, m->id);
    yf_sigroom_send(m, yf_sig_reply_offer(&req->id, answer));
    g_free(answer);
}

void yf_sigroom_subscribe_answer(yf_sigroom_member *m, const yf_sig_request *req)
{
    GError *err = NULL;
    if (!check_admitted(m, req))
        return;
    if (!m->sub_offered || req->offer.revision != m->sub_revision) {
        yf_sigroom_reply_error(m, req, YF_SIG_ERR_STALE,
                               "this answers a subscribe.offer that was replaced");
        return;
    }
    if (!ops_of(m)->subscribe_answer(m->room->media, m->num, req->offer.revision, req->offer.sdp,
                                     &err)) {
        reply_media_error(m, req, err);
        return;
    }
    yf_sigroom_send(m, yf_sig_reply_ok_take(&req->id, NULL));
}

void yf_sigroom_subscribe_restart(yf_sigroom_member *m, const yf_sig_request *req)
{
    GError *err = NULL;
    if (!check_admitted(m, req))
        return;
    /* the reply goes first: the new offer may come back within the call */
    yf_sigroom_send(m, yf_sig_reply_ok_take(&req->id, NULL));
    if (!ops_of(m)->subscribe_restart(m->room->media, m->num, &err)) {
        g_message("room %s: %s: subscribe.restart failed: %s", m->room->name, m->id, err->message);
        g_error_free(err);
    }
}

void yf_sigroom_ice_candidate(yf_sigroom_member *m, const yf_sig_request *req)
{
    GError *err = NULL;
    if (!check_admitted(m, req))
        return;
    if (req->ice.pc == YF_SIG_PC_NONE) {
        yf_sigroom_reply_error(m, req, YF_SIG_ERR_BAD_REQUEST,
                               "ice.candidate in a room needs \"pc\": \"publish\" or \"subscribe\"");
        return;
    }
    if (!ops_of(m)->add_remote_candidate(m->room->media, m->num,
                                         req->ice.pc == YF_SIG_PC_PUBLISH ? YF_PC_PUBLISH : YF_PC_SUBSCRIBE,
                                         req->ice.candidate, &err)) {
        if (!g_error_matches(err, YF_NET_ERROR, YF_NET_ERROR_CANDIDATE_UNUSED)) {
            reply_media_error(m, req, err);
            return;
        }
        yf_sigroom_send(m, yf_sig_reply_candidate(&req->id, err->message));
        g_error_free(err);
        return;
    }
    yf_sigroom_send(m, yf_sig_reply_candidate(&req->id, NULL));
}

/* ---- callbacks from yf_room (control context) ---- */

static yf_sig_pc pc_of(yf_pc_kind pc)
{
    return pc == YF_PC_PUBLISH ? YF_SIG_PC_PUBLISH : YF_SIG_PC_SUBSCRIBE;
}

static void on_local_candidate(void *user, uint32_t participant, yf_pc_kind pc, const char *candidate,
                               const char *mid, int mline_index)
{
    yf_sigroom_member *m = yf_sigroom_find_num(user, participant);
    if (m)
        yf_sigroom_send(m, yf_sig_event_ice_candidate(candidate, mid, mline_index, pc_of(pc)));
}

static void on_pc_state(void *user, uint32_t participant, yf_pc_kind pc, const char *state,
                        const char *srtp_profile, const char *reason)
{
    yf_sigroom_member *m = yf_sigroom_find_num(user, participant);
    if (!m)
        return;
    g_debug("room %s: %s: %s connection %s", m->room->name, m->id, yf_sig_pc_str(pc_of(pc)), state);
    /* A link cut shorter than the websocket's TCP gives up on: the websocket
     * stays, but ICE fails (no answer to its checks for some seconds) and
     * the participant's media stops reaching the server, so their
     * recording has a gap. The audit log, and through it the notes, say so
     * once, and again when the publish connection is back. A connection
     * that never carried media (a network that blocks it) is no gap. */
    if (pc == YF_PC_PUBLISH && m->conn) {
        if (!strcmp(state, "failed") && m->media_up && !m->media_lost) {
            m->media_lost = TRUE;
            g_info("room %s: %s (%s): media lost (%s)", m->room->name, m->id, m->role, reason ? reason : "failed");
            yf_sigroom_audit(m, "room.media_lost", reason);
        } else if (!strcmp(state, "connected") && m->media_lost) {
            m->media_lost = FALSE;
            g_info("room %s: %s (%s): media back", m->room->name, m->id, m->role);
            yf_sigroom_audit(m, "room.media_back", NULL);
        }
        if (!strcmp(state, "connected"))
            m->media_up = TRUE;
    }
    yf_sigroom_send(m, yf_sig_event_media_state(state, srtp_profile, reason, pc_of(pc)));
}

static void on_subscribe_offer(void *user, uint32_t participant, const char *sdp, unsigned revision,
                               const yf_room_track *tracks, size_t n_tracks)
{
    yf_sigroom_member *m = yf_sigroom_find_num(user, participant);
    if (!m)
        return;
    yf_sig_track *t = g_new0(yf_sig_track, n_tracks + 1);
    typedef char id_buf[16];
    id_buf *ids = g_new0(id_buf, n_tracks + 1);
    for (size_t i = 0; i < n_tracks; i++) {
        g_snprintf(ids[i], sizeof ids[i], "p%u", tracks[i].participant);
        t[i] = (yf_sig_track){tracks[i].mid, ids[i], tracks[i].kind, tracks[i].active};
    }
    m->sub_offered = TRUE;
    m->sub_revision = revision;
    g_debug("room %s: %s: subscribe offer %u with %zu tracks", m->room->name, m->id, revision, n_tracks);
    yf_sigroom_send(m, yf_sig_event_subscribe_offer(sdp, revision, t, n_tracks));
    g_free(ids);
    g_free(t);
}

static void on_audio_level(void *user, uint32_t participant, int level)
{
    char id[16];
    g_snprintf(id, sizeof id, "p%u", participant);
    yf_sigroom_broadcast(user, yf_sig_event_speaking(id, level));
}

static void on_active_speaker(void *user, uint32_t participant)
{
    char id[16];
    g_snprintf(id, sizeof id, "p%u", participant);
    yf_sigroom_broadcast(user, yf_sig_event_active_speaker(id));
}

/* Only to the participant concerned: its page says that its video was
 * paused for its network, and that it is back. */
static void on_downlink(void *user, uint32_t participant, gboolean video_paused)
{
    yf_sigroom_member *m = yf_sigroom_find_num(user, participant);
    if (!m)
        return;
    g_info("room %s: %s: downlink %s", m->room->name, m->id,
           video_paused ? "too weak for video, audio only" : "carries video again");
    yf_sigroom_send(m, yf_sig_event_downlink(video_paused));
}

const yf_room_callbacks yf_sigroom_media_callbacks = {
    on_local_candidate, on_pc_state, on_subscribe_offer, on_audio_level, on_active_speaker,
    on_downlink,
};
