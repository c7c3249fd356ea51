/* sigroom_agenda.c -- a public hearing's agenda in its room (docs/protocol.md,
 * "Public hearings"): the seven steps moved by the host (agenda.step, kept by
 * the case store through the hub's agenda hooks, so it survives a restart),
 * the host's speaking timer (agenda.timer, in memory), the `agenda` event to
 * everyone, and the deliberation room: while the agenda is at 休会评议 the
 * 听证员, and nobody else, may enter the room's own deliberation room, which
 * closes (and its capture with it) when the host moves on. Control thread. */
#define G_LOG_DOMAIN "yf-room"
#include "sigroom_priv.h"

#include <string.h>

static gint64 now_ms(void)
{
    return g_get_real_time() / 1000;
}

void yf_sigroom_hub_set_agenda(yf_sigroom_hub *h, const yf_sigroom_agenda_hooks *hooks, void *user)
{
    memset(&h->agenda, 0, sizeof h->agenda);
    if (hooks)
        h->agenda = *hooks;
    h->agenda_user = user;
}

/* "appt-12.deliberation" for "appt-12" (g_free). */
static char *deliberation_name(const char *room)
{
    return g_strconcat(room, YF_SIGROOM_DELIBERATION_SUFFIX, NULL);
}

/* The hearing room whose agenda r follows: r itself, or for a deliberation
 * room its hearing room (NULL when that has closed). */
static yf_sigroom *agenda_room(yf_sigroom *r)
{
    if (!r->deliberation)
        return r;
    char *main = g_strndup(r->name, strlen(r->name) - strlen(YF_SIGROOM_DELIBERATION_SUFFIX));
    yf_sigroom *out = g_hash_table_lookup(r->hub->rooms, main);
    g_free(main);
    return out;
}

void yf_sigroom_agenda_opened(yf_sigroom *r)
{
    yf_sigroom_hub *h = r->hub;
    int step = 0;
    gint64 since = 0;
    r->deliberation = g_str_has_suffix(r->name, YF_SIGROOM_DELIBERATION_SUFFIX);
    if (r->deliberation || !h->agenda.load || !h->agenda.load(h->agenda_user, r->name, &step, &since))
        return;
    r->has_agenda = TRUE;
    r->agenda_step = CLAMP(step, 0, YF_SIG_AGENDA_STEPS);
    r->step_since_ms = since;
    g_info("room %s: public hearing, agenda at step %d", r->name, r->agenda_step);
}

static gint64 timer_now_ms(const yf_sigroom *r, gint64 now)
{
    return r->timer_running ? MAX(now - r->timer_start_ms, 0) : r->timer_ms;
}

/* The `agenda` event of hearing room r (protocol.md). */
static char *agenda_event(const yf_sigroom *r)
{
    gint64 now = now_ms();
    json_t *timer = json_pack("{s:b, s:I, s:i}", "running", r->timer_running, "elapsed_s",
                              (json_int_t)(timer_now_ms(r, now) / 1000), "limit_s", r->timer_limit_s);
    json_t *data = json_pack("{s:i, s:I, s:b, s:o}", "step", r->agenda_step, "step_elapsed_s",
                             (json_int_t)(r->step_since_ms && now > r->step_since_ms ? (now - r->step_since_ms) / 1000 : 0),
                             "deliberation", r->agenda_step == YF_SIGROOM_DELIBERATION_STEP, "timer", timer);
    return data ? yf_sig_event_take("agenda", data) : NULL;
}

void yf_sigroom_agenda_tell(yf_sigroom_member *m)
{
    yf_sigroom *r = agenda_room(m->room);
    if (r && r->has_agenda && m->admitted && m->conn)
        yf_sigroom_send(m, agenda_event(r));
}

/* The agenda to everyone admitted in r and in its deliberation room. */
static void agenda_broadcast(yf_sigroom *r)
{
    char *name = deliberation_name(r->name);
    yf_sigroom *d = g_hash_table_lookup(r->hub->rooms, name);
    char *msg = agenda_event(r);
    if (d)
        yf_sigroom_broadcast(d, g_strdup(msg));
    yf_sigroom_broadcast(r, msg);
    g_free(name);
}

void yf_sigroom_deliberation_close(yf_sigroom_hub *h, const char *room, const char *reason)
{
    char *name = deliberation_name(room);
    yf_sigroom *d = g_hash_table_lookup(h->rooms, name);
    if (d && d->capturing) {   /* its capture ends with the deliberation, not with the room's grace period */
        yf_sigroom_capture_set(d, NULL);
        if (h->capture.room_closed)
            h->capture.room_closed(h->capture_user, d->name);
    }
    if (d)
        yf_sigroom_hub_end_room(h, name, reason);
    g_free(name);
}

/* FALSE after the forbidden reply unless m hosts a room with an agenda. */
static gboolean check_host(yf_sigroom_member *m, const yf_sig_request *req)
{
    const char *why = !m->host ? "only the host moves the agenda"
                      : !m->room->has_agenda ? "this hearing has no agenda (it is not a public hearing)"
                                             : NULL;
    if (!why)
        return TRUE;
    g_info("room %s: %s (%s) %s refused: %s", m->room->name, m->id, m->role, yf_sig_type_str(req->type), why);
    yf_sigroom_reply_error(m, req, YF_SIG_ERR_FORBIDDEN, why);
    return FALSE;
}

static void do_step(yf_sigroom_member *m, const yf_sig_request *req)
{
    yf_sigroom_hub *h = m->room->hub;
    yf_sigroom *r = m->room;
    yf_sig_errc code = YF_SIG_ERR_FORBIDDEN;
    const char *why = "this hearing has no agenda";
    gint64 now = now_ms();
    int from = r->agenda_step, to = req->agenda.step;
    if (!check_host(m, req))
        return;
    if (to == from) {   /* already there: nothing stored, nothing told */
        yf_sigroom_send(m, yf_sig_reply_ok_take(&req->id, NULL));
        return;
    }
    if (!h->agenda.set || !h->agenda.set(h->agenda_user, r->name, m->pid, to, now, &code, &why)) {
        g_info("room %s: %s: agenda step %d refused: %s", r->name, m->id, to, why);
        yf_sigroom_reply_error(m, req, code, why);
        return;
    }
    r->agenda_step = to;
    r->step_since_ms = now;
    r->timer_running = FALSE;   /* a new step starts with the timer at zero, no limit */
    r->timer_ms = 0;
    r->timer_limit_s = 0;
    g_info("room %s: %s moved the agenda from step %d to %d", r->name, m->id, from, to);
    yf_sigroom_send(m, yf_sig_reply_ok_take(&req->id, NULL));
    if (from == YF_SIGROOM_DELIBERATION_STEP)
        yf_sigroom_deliberation_close(h, r->name, "deliberation_over");
    agenda_broadcast(r);
}

static void do_timer(yf_sigroom_member *m, const yf_sig_request *req)
{
    yf_sigroom *r = m->room;
    gint64 now = now_ms();
    if (!check_host(m, req))
        return;
    if (req->agenda.running) {   /* (re)starts from zero, for the next speaker */
        r->timer_running = TRUE;
        r->timer_start_ms = now;
        r->timer_ms = 0;
        r->timer_limit_s = req->agenda.limit_s;
    } else if (r->timer_running) {
        r->timer_ms = timer_now_ms(r, now);
        r->timer_running = FALSE;
    }
    g_info("room %s: %s %s the speaking timer", r->name, m->id, req->agenda.running ? "started" : "stopped");
    yf_sigroom_send(m, yf_sig_reply_ok_take(&req->id, NULL));
    agenda_broadcast(r);
}

void yf_sigroom_agenda_request(yf_sigroom_member *m, const yf_sig_request *req)
{
    if (req->type == YF_SIG_AGENDA_STEP)
        do_step(m, req);
    else
        do_timer(m, req);
}

/* The refusal of a deliberation join (a static sentence), or NULL. */
static const char *deliberation_refusal(yf_sigroom_hub *h, const yf_sig_request *req, const yf_room_claims *c,
                                        yf_sig_errc *code)
{
    yf_sigroom *r;
    *code = YF_SIG_ERR_FORBIDDEN;
    if (g_str_has_suffix(c->room, YF_SIGROOM_DELIBERATION_SUFFIX)) {
        *code = YF_SIG_ERR_BAD_TOKEN;
        return "a deliberation room is entered only from its hearing room's token";
    }
    if (!req->join.deliberation)
        return NULL;
    if (strcmp(c->role, "hearing_officer") != 0)
        return "only the 听证员 enter the deliberation room";
    r = g_hash_table_lookup(h->rooms, c->room);
    if (!r || !r->has_agenda || r->agenda_step != YF_SIGROOM_DELIBERATION_STEP)
        return "the deliberation room is not open";
    if (g_hash_table_contains(r->removed, c->participant))   /* the hearing room's removals hold here too */
        return "you were removed from this hearing";
    return NULL;
}

gboolean yf_sigroom_deliberation_admit(yf_sigroom_hub *h, void *conn, const yf_sig_request *req,
                                       yf_room_claims *c)
{
    yf_sig_errc code;
    const char *why = deliberation_refusal(h, req, c, &code);
    if (why) {
        g_info("room %s: a deliberation join refused (%s): %s", c->room, c->role, why);
        h->conn->send_take(conn, yf_sig_reply_error(&req->id, code, why));
        return FALSE;
    }
    if (!req->join.deliberation)
        return TRUE;
    /* A 听证员 is in one room at a time: their place in the hearing room goes. */
    yf_sigroom *r = g_hash_table_lookup(h->rooms, c->room);
    for (guint i = 0; i < r->members->len; i++) {
        yf_sigroom_member *m = g_ptr_array_index(r->members, i);
        if (strcmp(m->pid, c->participant) == 0) {
            yf_sigroom_member_drop(m, "went to the deliberation room");
            break;
        }
    }
    char *name = deliberation_name(c->room);
    g_free(c->room);
    c->room = name;
    return TRUE;
}
