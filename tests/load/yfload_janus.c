/* yfload_janus.c -- the same participant through Janus's websocket API
 * (subprotocol janus-protocol; Janus 1.1 VideoRoom), for the side-by-side
 * benchmark: create a session; attach janus.plugin.videoroom once to
 * publish and once to subscribe; create the room (an "already exists"
 * error means another participant made it first); join as publisher and
 * publish with an offer; once every other participant's feed is known,
 * join as subscriber to all of them and answer Janus's offer with start;
 * trickle candidates both ways; a keepalive every 20 s. An observer
 * (scenario (b)) attaches only to subscribe, asks listparticipants until
 * the host publishes, and subscribes to that one feed. Every request
 * carries a transaction naming what it was, so replies need no table. */
#include "yfload_part.h"

#include <string.h>

#define JANUS_ADMIN_KEY "yfload-bench" /* tests/load/janus/janus.plugin.videoroom.jcfg */
#define JANUS_ROOM_EXISTS 427           /* VideoRoom's JANUS_VIDEOROOM_ERROR_ROOM_EXISTS */

static void jfail(yfl_part *p, const char *what, const char *detail)
{
    if (!p->failed)
        g_message("%s: %s%s%s", p->label, what, detail ? ": " : "", detail ? detail : "");
    p->failed = TRUE;
}

/* Sends {"janus":verb, "transaction":"<tx>/<n>", session, handle, ...}. */
static void jsend(yfl_part *p, const char *verb, const char *tx, json_int_t handle, json_t *extra)
{
    json_t *m = extra ? extra : json_object();
    char *t = g_strdup_printf("%s/%d", tx, ++p->next_id);

    json_object_set_new(m, "janus", json_string(verb));
    json_object_set_new(m, "transaction", json_string(t));
    if (p->j_session)
        json_object_set_new(m, "session_id", json_integer(p->j_session));
    if (handle)
        json_object_set_new(m, "handle_id", json_integer(handle));
    g_free(t);
    yfl_ws_send_take(p->ws, m);
}

static void plugin_msg(yfl_part *p, const char *tx, json_int_t handle, json_t *body, const char *jsep_type,
                       const char *sdp)
{
    json_t *m = json_pack("{s:o}", "body", body);

    if (jsep_type)
        json_object_set_new(m, "jsep", json_pack("{s:s, s:s}", "type", jsep_type, "sdp", sdp));
    jsend(p, "message", tx, handle, m);
}

static void on_pc_candidate(void *user, yfl_pc *pc, const char *line)
{
    yfl_part *p = user;
    json_int_t h = pc == p->pub ? p->j_pub_handle : p->j_sub_handle;
    json_t *c = *line ? json_pack("{s:s, s:s, s:i}", "candidate", line, "sdpMid", "0", "sdpMLineIndex", 0)
                      : json_pack("{s:b}", "completed", 1);

    jsend(p, "trickle", "trickle", h, json_pack("{s:o}", "candidate", c));
}

static void on_first_media(void *user, yfl_pc *pc)
{
    yfl_part *p = user;

    if (pc == p->sub && !p->t_first_media)
        p->t_first_media = g_get_monotonic_time();
}

static const yfl_pc_callbacks pc_cb = { on_pc_candidate, on_first_media, NULL };

static gboolean keepalive(gpointer data)
{
    yfl_part *p = data;

    if (p->j_session)
        jsend(p, "keepalive", "keepalive", 0, NULL);
    return G_SOURCE_CONTINUE;
}

/* ---- the steps ---- */

static void create_room(yfl_part *p)
{
    plugin_msg(p, "create", p->j_pub_handle,
               json_pack("{s:s, s:I, s:i, s:s, s:s, s:s, s:b, s:i}", "request", "create", "room",
                         (json_int_t)p->j_room, "publishers", 16, "admin_key", JANUS_ADMIN_KEY, "audiocodec", "opus",
                         "videocodec", "vp8", "record", 0, "bitrate", 2000000),
               NULL, NULL);
}

static void join_publisher(yfl_part *p)
{
    plugin_msg(p, "join", p->j_pub_handle,
               json_pack("{s:s, s:s, s:I, s:s}", "request", "join", "ptype", "publisher", "room",
                         (json_int_t)p->j_room, "display", p->label),
               NULL, NULL);
}

static void publish(yfl_part *p)
{
    char label[80];

    g_snprintf(label, sizeof label, "%s/pub", p->label);
    p->pub = yfl_pc_new(p->target->env, label, TRUE, &pc_cb, p);
    char *offer = yfl_pc_offer(p->pub);
    plugin_msg(p, "publish", p->j_pub_handle, json_pack("{s:s, s:b, s:b}", "request", "publish", "audio", 1, "video", 1),
               "offer", offer);
    g_free(offer);
}

static void note_feeds(yfl_part *p, json_t *list)
{
    size_t i;
    json_t *f;

    json_array_foreach(list, i, f) {
        json_int_t id = json_integer_value(json_object_get(f, "id"));
        gboolean known = id == 0 || id == p->j_feed;
        for (int k = 0; k < p->j_n_feeds && !known; k++)
            known = p->j_feeds[k] == id;
        if (!known && p->j_n_feeds < (int)G_N_ELEMENTS(p->j_feeds))
            p->j_feeds[p->j_n_feeds++] = id;
    }
    if (p->j_subscribed || !p->expect_tracks || p->j_n_feeds < p->j_peers - 1 || !p->j_sub_handle)
        return;
    p->j_subscribed = TRUE;
    json_t *streams = json_array();
    for (int k = 0; k < p->j_n_feeds; k++)
        json_array_append_new(streams, json_pack("{s:I}", "feed", p->j_feeds[k]));
    plugin_msg(p, "subscribe", p->j_sub_handle,
               json_pack("{s:s, s:s, s:I, s:o}", "request", "join", "ptype", "subscriber", "room",
                         (json_int_t)p->j_room, "streams", streams),
               NULL, NULL);
}

static void on_sub_offer(yfl_part *p, const char *sdp)
{
    char label[80];

    if (!p->sub) {
        g_snprintf(label, sizeof label, "%s/sub", p->label);
        p->sub = yfl_pc_new(p->target->env, label, FALSE, &pc_cb, p);
    }
    if (!yfl_pc_set_remote(p->sub, sdp)) {
        jfail(p, "Janus's subscriber offer unusable", NULL);
        return;
    }
    char *answer = yfl_pc_answer(p->sub, sdp);
    plugin_msg(p, "start", p->j_sub_handle, json_pack("{s:s}", "request", "start"), "answer", answer);
    g_free(answer);
    yfl_pc_start(p->sub);
}

static void list_publishers(yfl_part *p)
{
    plugin_msg(p, "list", p->j_sub_handle,
               json_pack("{s:s, s:I}", "request", "listparticipants", "room", (json_int_t)p->j_room), NULL, NULL);
}

static gboolean list_again(gpointer data)
{
    yfl_part *p = data;

    p->j_retry = 0;
    list_publishers(p);
    return G_SOURCE_REMOVE;
}

/* listparticipants: the room's publishers, once the host has published. */
static void on_list(yfl_part *p, json_t *msg)
{
    json_t *d = json_object_get(json_object_get(msg, "plugindata"), "data");
    json_t *list = json_object_get(d, "participants"), *pubs = json_array(), *e;
    size_t i;

    json_array_foreach(list, i, e)
        if (json_is_true(json_object_get(e, "publisher")))
            json_array_append(pubs, e);
    if (json_array_size(pubs))
        note_feeds(p, pubs);
    else if (!p->j_retry)
        p->j_retry = g_timeout_add(200, list_again, p); /* no room or no publisher yet */
    json_decref(pubs);
}

/* ---- what Janus says ---- */

static void on_success(yfl_part *p, const char *tx, json_t *msg)
{
    json_int_t id = json_integer_value(json_object_get(json_object_get(msg, "data"), "id"));

    if (g_str_has_prefix(tx, "session/")) {
        p->j_session = id;
        p->j_keepalive = g_timeout_add_seconds(20, keepalive, p);
        if (!p->observer)
            jsend(p, "attach", "attach-pub", 0, json_pack("{s:s}", "plugin", "janus.plugin.videoroom"));
        jsend(p, "attach", "attach-sub", 0, json_pack("{s:s}", "plugin", "janus.plugin.videoroom"));
    } else if (g_str_has_prefix(tx, "attach-pub/")) {
        p->j_pub_handle = id;
        create_room(p);
    } else if (g_str_has_prefix(tx, "attach-sub/")) {
        p->j_sub_handle = id;
        if (p->observer)
            list_publishers(p);
        else
            note_feeds(p, NULL);
    } else if (g_str_has_prefix(tx, "list/")) {
        on_list(p, msg);
    } else if (g_str_has_prefix(tx, "create/")) {
        json_t *d = json_object_get(json_object_get(msg, "plugindata"), "data");
        json_int_t code = json_integer_value(json_object_get(d, "error_code"));
        if (json_object_get(d, "error") && code != JANUS_ROOM_EXISTS)
            jfail(p, "room not created", json_string_value(json_object_get(d, "error")));
        else
            join_publisher(p);
    }
}

static void on_plugin_event(yfl_part *p, json_t *msg)
{
    json_t *d = json_object_get(json_object_get(msg, "plugindata"), "data");
    json_t *jsep = json_object_get(msg, "jsep");
    const char *what = json_string_value(json_object_get(d, "videoroom"));
    const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
    json_int_t sender = json_integer_value(json_object_get(msg, "sender"));

    if (json_object_get(d, "error")) {
        jfail(p, "VideoRoom refused", json_string_value(json_object_get(d, "error")));
        return;
    }
    if (sender == p->j_pub_handle) {
        if (what && !strcmp(what, "joined")) {
            p->j_feed = json_integer_value(json_object_get(d, "id"));
            publish(p);
        }
        if (json_object_get(d, "publishers"))
            note_feeds(p, json_object_get(d, "publishers"));
        if (sdp) {
            if (!yfl_pc_set_remote(p->pub, sdp))
                jfail(p, "Janus's answer unusable", NULL);
            else
                yfl_pc_start(p->pub);
        }
    } else if (sender == p->j_sub_handle && sdp) {
        on_sub_offer(p, sdp);
    }
}

static void on_trickle(yfl_part *p, json_t *msg)
{
    json_int_t sender = json_integer_value(json_object_get(msg, "sender"));
    json_t *c = json_object_get(msg, "candidate");
    yfl_pc *pc = sender == p->j_sub_handle ? p->sub : p->pub;
    const char *line = json_string_value(json_object_get(c, "candidate"));

    if (!pc)
        return;
    if (json_is_true(json_object_get(c, "completed")))
        yfl_pc_add_candidate(pc, "");
    else if (line)
        yfl_pc_add_candidate(pc, g_str_has_prefix(line, "a=") ? line + 2 : line);
}

static void on_message(void *user, yfl_ws *ws, json_t *msg)
{
    yfl_part *p = user;
    const char *verb = json_string_value(json_object_get(msg, "janus"));
    const char *tx = json_string_value(json_object_get(msg, "transaction"));

    if (!verb)
        return;
    if (!strcmp(verb, "success") && tx)
        on_success(p, tx, msg);
    else if (!strcmp(verb, "event"))
        on_plugin_event(p, msg);
    else if (!strcmp(verb, "trickle"))
        on_trickle(p, msg);
    else if (!strcmp(verb, "error"))
        jfail(p, "Janus error", json_string_value(json_object_get(json_object_get(msg, "error"), "reason")));
    else if (!strcmp(verb, "hangup") || !strcmp(verb, "detached"))
        jfail(p, verb, json_string_value(json_object_get(msg, "reason")));
}

static void on_open(void *user, yfl_ws *ws)
{
    yfl_part *p = user;

    p->t_open = g_get_monotonic_time();
    jsend(p, "create", "session", 0, NULL);
}

static void on_close(void *user, yfl_ws *ws, const char *why)
{
    yfl_part *p = user;

    if (!p->failed && !p->t_first_media)
        jfail(p, "websocket closed", why);
}

void yfl_janus_start(yfl_part *p)
{
    static const yfl_ws_callbacks cb = { on_open, on_message, on_close };

    p->ws = yfl_ws_connect(p->target->host, p->target->port, p->target->tls, "/", "janus-protocol", &cb, p);
}
