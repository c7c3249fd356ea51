/* codec_room.c -- encoders for the hearing-room replies and events of
 * docs/protocol.md ("Hearing rooms"). Pure: jansson in, compact JSON text out;
 * every string argument is borrowed, and a NULL or non-UTF-8 one makes the
 * encoder return NULL rather than emit a half message. */
#include "codec.h"

json_t *yf_sig_participant_json(const yf_sig_participant *p)
{
    json_t *o = json_object();
    int rc;

    rc = json_object_set_new(o, "id", p->id ? json_string(p->id) : NULL);
    rc |= json_object_set_new(o, "name", p->name ? json_string(p->name) : NULL);
    rc |= json_object_set_new(o, "role", p->role ? json_string(p->role) : NULL);
    rc |= json_object_set_new(o, "state", p->state ? json_string(p->state) : NULL);
    rc |= json_object_set_new(o, "audio_muted", json_boolean(p->audio_muted));
    rc |= json_object_set_new(o, "video_muted", json_boolean(p->video_muted));
    rc |= json_object_set_new(o, "host_muted_audio", json_boolean(p->host_muted_audio));
    rc |= json_object_set_new(o, "host_muted_video", json_boolean(p->host_muted_video));
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* [PARTICIPANT...]; NULL when one of them does not encode. */
static json_t *participant_array(const yf_sig_participant *list, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++) {
        if (json_array_append_new(a, yf_sig_participant_json(&list[i]))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

char *yf_sig_reply_join(const yf_sig_id *id, const char *room, const yf_sig_participant *self,
                        const char *state, const yf_sig_participant *list, size_t n,
                        const json_t *ice_servers, const json_t *hearing)
{
    json_t *res = json_object();
    int rc;

    if ((ice_servers && !json_is_array(ice_servers)) || (hearing && !json_is_object(hearing))) {
        json_decref(res);
        return NULL;
    }
    rc = json_object_set_new(res, "room", room ? json_string(room) : NULL);
    rc |= json_object_set_new(res, "self", yf_sig_participant_json(self));
    rc |= json_object_set_new(res, "state", state ? json_string(state) : NULL);
    rc |= json_object_set_new(res, "participants", participant_array(list, n));
    rc |= json_object_set_new(res, "recording", json_true());
    rc |= json_object_set_new(res, "ice_servers",
                              ice_servers ? json_deep_copy(ice_servers) : json_array());
    if (hearing)
        rc |= json_object_set_new(res, "hearing", json_deep_copy(hearing));
    if (rc) {
        json_decref(res);
        return NULL;
    }
    return yf_sig_reply_ok_take(id, res);
}

/* The event NAME with data {KEY: value}; value stolen. */
static char *event1(const char *name, const char *key, json_t *value)
{
    json_t *data = json_object();

    if (json_object_set_new(data, key, value)) {
        json_decref(data);
        return NULL;
    }
    return yf_sig_event_take(name, data);
}

char *yf_sig_event_participants(gboolean waiting, const yf_sig_participant *list, size_t n)
{
    return event1(waiting ? "room.waiting" : "room.participants",
                  waiting ? "waiting" : "participants", participant_array(list, n));
}

char *yf_sig_event_admitted(void)
{
    return yf_sig_event_take("room.admitted", NULL);
}

char *yf_sig_event_gallery(gboolean open)
{
    return event1("room.gallery", "open", json_boolean(open));
}

char *yf_sig_event_removed(const char *reason)
{
    return event1("room.removed", "reason", json_string(reason ? reason : ""));
}

char *yf_sig_event_ended(const char *reason)
{
    return event1("room.ended", "reason", json_string(reason ? reason : ""));
}

char *yf_sig_event_muted(const char *kind, const char *by, gboolean muted)
{
    json_t *data = json_object();
    int rc;

    rc = json_object_set_new(data, "kind", kind ? json_string(kind) : NULL);
    rc |= json_object_set_new(data, "by", by ? json_string(by) : NULL);
    if (!muted)
        rc |= json_object_set_new(data, "muted", json_false());
    if (rc) {
        json_decref(data);
        return NULL;
    }
    return yf_sig_event_take("room.muted", data);
}

static json_t *track_json(const yf_sig_track *t)
{
    json_t *o = json_object();
    int rc;

    rc = json_object_set_new(o, "mid", t->mid ? json_string(t->mid) : NULL);
    rc |= json_object_set_new(o, "participant", t->participant ? json_string(t->participant) : NULL);
    rc |= json_object_set_new(o, "kind", t->kind ? json_string(t->kind) : NULL);
    rc |= json_object_set_new(o, "active", json_boolean(t->active));
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *yf_sig_event_subscribe_offer(const char *sdp, guint32 revision, const yf_sig_track *tracks,
                                   size_t n)
{
    json_t *data = json_object();
    json_t *arr = json_array();
    int rc = 0;

    for (size_t i = 0; i < n; i++)
        rc |= json_array_append_new(arr, track_json(&tracks[i]));
    rc |= json_object_set_new(data, "sdp", sdp ? json_string(sdp) : NULL);
    rc |= json_object_set_new(data, "revision", json_integer(revision));
    rc |= json_object_set_new(data, "tracks", arr);
    if (rc) {
        json_decref(data);
        return NULL;
    }
    return yf_sig_event_take("subscribe.offer", data);
}

char *yf_sig_event_speaking(const char *participant, int level)
{
    json_t *data = json_object();
    int rc;

    rc = json_object_set_new(data, "participant", participant ? json_string(participant) : NULL);
    rc |= json_object_set_new(data, "level", json_integer(level));
    if (rc) {
        json_decref(data);
        return NULL;
    }
    return yf_sig_event_take("room.speaking", data);
}

char *yf_sig_event_active_speaker(const char *participant)
{
    return event1("room.active_speaker", "participant",
                  participant ? json_string(participant) : NULL);
}

char *yf_sig_event_downlink(gboolean video_paused)
{
    return event1("media.downlink", "video_paused", json_boolean(video_paused));
}
