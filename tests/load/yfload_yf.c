/* yfload_yf.c -- a participant speaking yuanfang's signaling (docs/
 * protocol.md, "Hearing rooms"): hello, room.join with its room token,
 * publish.offer for its audio and video (not as an observer, who waits to
 * be admitted and only receives), the host opening the gallery (or,
 * --host-admits, admitting whoever waits),
 * subscribe.answer to every
 * subscribe.offer (renegotiations included, on the same connection), and
 * ice.candidate both ways with `pc`. Errors are logged with the
 * participant's label and mark it failed; they never stop the run. */
#include "yfload_part.h"

#include <string.h>

static int send_req(yfl_part *p, const char *type, json_t *params)
{
    json_t *m = params ? params : json_object();
    int id = ++p->next_id;

    json_object_set_new(m, "v", json_integer(1));
    json_object_set_new(m, "id", json_integer(id));
    json_object_set_new(m, "type", json_string(type));
    yfl_ws_send_take(p->ws, m);
    return id;
}

static void on_pc_candidate(void *user, yfl_pc *pc, const char *line)
{
    yfl_part *p = user;

    send_req(p, "ice.candidate",
             json_pack("{s:s, s:s, s:s, s:i}", "pc", pc == p->pub ? "publish" : "subscribe", "candidate", line,
                       "sdpMid", "0", "sdpMLineIndex", 0));
}

static void on_first_media(void *user, yfl_pc *pc)
{
    yfl_part *p = user;

    if (pc == p->sub && !p->t_first_media)
        p->t_first_media = g_get_monotonic_time();
}

static const yfl_pc_callbacks pc_cb = { on_pc_candidate, on_first_media, NULL };

static void fail(yfl_part *p, const char *what, const char *detail)
{
    if (!p->failed)
        g_message("%s: %s%s%s", p->label, what, detail ? ": " : "", detail ? detail : "");
    p->failed = TRUE;
}

static void publish(yfl_part *p)
{
    char label[80];

    g_snprintf(label, sizeof label, "%s/pub", p->label);
    p->pub = yfl_pc_new(p->target->env, label, TRUE, &pc_cb, p);
    char *offer = yfl_pc_offer(p->pub);
    p->offer_id = send_req(p, "publish.offer", json_pack("{s:s}", "sdp", offer));
    g_free(offer);
}

static void on_reply(yfl_part *p, json_t *msg)
{
    json_int_t id = json_integer_value(json_object_get(msg, "id"));
    json_t *result = json_object_get(msg, "result");

    if (!json_is_true(json_object_get(msg, "ok"))) {
        json_t *e = json_object_get(msg, "error");
        const char *code = json_string_value(json_object_get(e, "code"));
        /* An answer to an offer a newer one replaced (people joined in the
         * meantime) is answered again with the newer: not an error. */
        if (!code || strcmp(code, "stale") != 0)
            fail(p, "request refused", json_string_value(json_object_get(e, "message")));
        return;
    }
    if (id == p->hello_id) {
        p->join_id = send_req(p, "room.join", json_pack("{s:s}", "token", p->token));
    } else if (id == p->join_id) {
        const char *state = json_string_value(json_object_get(result, "state"));
        p->t_joined = g_get_monotonic_time();
        if (state && !strcmp(state, "admitted"))
            p->t_admitted = p->t_joined;
        if (p->host && !p->host_admits)   /* observers come in as they arrive */
            send_req(p, "room.gallery", json_pack("{s:b}", "open", 1));
        if (state && !strcmp(state, "admitted") && !p->observer)
            publish(p);
        else if (!state || (strcmp(state, "waiting") != 0 && strcmp(state, "admitted") != 0))
            fail(p, "not admitted", state);
        /* waiting: the host admits us (room.admitted) */
    } else if (id == p->offer_id) {
        const char *sdp = json_string_value(json_object_get(result, "sdp"));
        if (!sdp || !yfl_pc_set_remote(p->pub, sdp))
            fail(p, "publish answer unusable", NULL);
        else
            yfl_pc_start(p->pub);
    }
}

static void on_subscribe_offer(yfl_part *p, json_t *data)
{
    const char *sdp = json_string_value(json_object_get(data, "sdp"));
    json_t *rev = json_object_get(data, "revision");
    char label[80];

    if (!sdp || !json_is_integer(rev)) {
        fail(p, "subscribe.offer without sdp or revision", NULL);
        return;
    }
    if (!p->t_offer)
        p->t_offer = g_get_monotonic_time();
    if (!p->sub) {
        g_snprintf(label, sizeof label, "%s/sub", p->label);
        p->sub = yfl_pc_new(p->target->env, label, FALSE, &pc_cb, p);
    }
    if (!yfl_pc_set_remote(p->sub, sdp)) {
        fail(p, "subscribe.offer unusable", NULL);
        return;
    }
    char *answer = yfl_pc_answer(p->sub, sdp);
    send_req(p, "subscribe.answer", json_pack("{s:s, s:O}", "sdp", answer, "revision", rev));
    g_free(answer);
    yfl_pc_start(p->sub);
}

/* --host-admits: instead of opening the gallery, the host lets everyone
 * waiting in with one room.admit {"observers":true}
 * (docs/protocol.md, "Observers"), at most once per tick of 20 ms however
 * many room.waiting events arrive: 50 messages a second at most, under the
 * server's 100 a second per client. Everyone who waits here is an observer. */
static gboolean admit_next(gpointer data)
{
    yfl_part *p = data;

    if (p->admit_due) {
        send_req(p, "room.admit", json_pack("{s:b}", "observers", 1));
        p->admit_due = FALSE;
    }
    return G_SOURCE_CONTINUE;
}

static void on_waiting(yfl_part *p, json_t *data)
{
    if (!p->host || !p->host_admits)
        return;
    if (!p->admit_timer)
        p->admit_timer = g_timeout_add(20, admit_next, p);
    if (json_array_size(json_object_get(data, "waiting")) > 0)
        p->admit_due = TRUE;
}

static void on_event(yfl_part *p, json_t *msg)
{
    const char *ev = json_string_value(json_object_get(msg, "event"));
    json_t *data = json_object_get(msg, "data");

    if (!ev)
        return;
    if (!strcmp(ev, "subscribe.offer")) {
        on_subscribe_offer(p, data);
    } else if (!strcmp(ev, "room.waiting")) {
        on_waiting(p, data);
    } else if (!strcmp(ev, "room.admitted")) {
        if (!p->t_admitted)
            p->t_admitted = g_get_monotonic_time();
        if (!p->observer && !p->pub)
            publish(p);
    } else if (!strcmp(ev, "ice.candidate")) {
        const char *which = json_string_value(json_object_get(data, "pc"));
        const char *cand = json_string_value(json_object_get(data, "candidate"));
        yfl_pc *pc = which && !strcmp(which, "subscribe") ? p->sub : p->pub;
        if (pc && cand && !yfl_pc_add_candidate(pc, cand))
            g_message("%s: server candidate not understood: %s", p->label, cand);
    } else if (!strcmp(ev, "media.state")) {
        const char *st = json_string_value(json_object_get(data, "state"));
        if (st && !strcmp(st, "failed"))
            fail(p, "server says media failed",
                 json_string_value(json_object_get(data, "reason")));
    } else if (!strcmp(ev, "room.ended") || !strcmp(ev, "room.removed") || !strcmp(ev, "server.shutdown")) {
        fail(p, ev, NULL);
    }
}

static void on_open(void *user, yfl_ws *ws)
{
    yfl_part *p = user;

    p->t_open = g_get_monotonic_time();
    p->hello_id = send_req(p, "hello", json_pack("{s:s}", "client", "yfload/0.1"));
}

static void on_message(void *user, yfl_ws *ws, json_t *msg)
{
    yfl_part *p = user;
    const char *type = json_string_value(json_object_get(msg, "type"));

    if (type && !strcmp(type, "reply"))
        on_reply(p, msg);
    else if (type && !strcmp(type, "event"))
        on_event(p, msg);
}

static void on_close(void *user, yfl_ws *ws, const char *why)
{
    yfl_part *p = user;

    if (!p->failed && !p->t_first_media)
        fail(p, "websocket closed", why);
}

void yfl_yf_start(yfl_part *p)
{
    static const yfl_ws_callbacks cb = { on_open, on_message, on_close };

    p->ws = yfl_ws_connect(p->target->host, p->target->port, p->target->tls, "/ws", "yuanfang.v1", &cb, p);
}

void yfl_part_stop(yfl_part *p)
{
    if (p->admit_timer)
        g_source_remove(p->admit_timer);
    p->admit_timer = 0;
    if (p->j_keepalive)
        g_source_remove(p->j_keepalive);
    if (p->j_retry)
        g_source_remove(p->j_retry);
    p->j_keepalive = p->j_retry = 0;
    g_clear_pointer(&p->pub, yfl_pc_free);
    g_clear_pointer(&p->sub, yfl_pc_free);
    g_clear_pointer(&p->ws, yfl_ws_free);
}
