/* sigroom.c -- hearing rooms on the control thread: rooms by name (made on the
 * first join, freed after the grace period once empty), participants with the
 * role their room token gives, the waiting room (petitioners and observers
 * wait; a prosecutor admits), host mute/remove, presence events and the
 * reconnection grace period (docs/protocol.md, "Hearing rooms"). Media
 * requests live in sigroom_media.c. Logs ids and roles, never names. */
#define G_LOG_DOMAIN "yf-room"
#include "sigroom_priv.h"

#include <stdio.h>
#include <string.h>

static const yf_sigroom_media_ops real_media = {
    yf_room_new, yf_room_free, yf_room_add_participant, yf_room_remove_participant, yf_room_hang_up,
    yf_room_publish_offer, yf_room_subscribe_answer, yf_room_subscribe_reset,
    yf_room_subscribe_restart, yf_room_add_remote_candidate, yf_room_set_forwarding,
    yf_room_set_capture, yf_room_add_observer, yf_room_set_max_observers,
};

static void room_free(gpointer data);

/* ---- hub ---- */

yf_sigroom_hub *yf_sigroom_hub_new(yf_net *media, const yf_room_key *key, int grace_s,
                                   const json_t *ice_servers, const yf_sigroom_conn_ops *conn,
                                   const yf_sigroom_media_ops *mops)
{
    yf_sigroom_hub *h = g_new0(yf_sigroom_hub, 1);
    h->media = media;
    if (key)
        h->key = *key;
    h->grace_ms = grace_s > 0 ? (guint)grace_s * 1000u : 0;
    h->ice_servers = ice_servers;
    h->conn = conn;
    h->mops = mops ? mops : &real_media;
    h->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, room_free);
    h->max_observers = YF_ROOM_DEFAULT_MAX_OBSERVERS;
    return h;
}

void yf_sigroom_hub_free(yf_sigroom_hub *h)
{
    if (!h)
        return;
    g_hash_table_destroy(h->rooms);
    explicit_bzero(&h->key, sizeof h->key);
    g_free(h);
}

void yf_sigroom_hub_set_budget(yf_sigroom_hub *h, yf_media_budget *b)
{
    h->budget = b;
}

void yf_sigroom_hub_set_max_observers(yf_sigroom_hub *h, unsigned n)
{
    h->max_observers = n;
}

void yf_sigroom_hub_count(const yf_sigroom_hub *h, unsigned *rooms, unsigned *publishers,
                          unsigned *observers)
{
    GHashTableIter it;
    gpointer v;
    *rooms = g_hash_table_size(h->rooms);
    *publishers = *observers = 0;
    g_hash_table_iter_init(&it, h->rooms);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const yf_sigroom *r = v;
        for (guint i = 0; i < r->members->len; i++) {
            const yf_sigroom_member *m = g_ptr_array_index(r->members, i);
            if (m->in_media)
                *(m->observer ? observers : publishers) += 1;
        }
    }
}

void yf_sigroom_hub_set_turn(yf_sigroom_hub *h, const yf_turn *turn)
{
    h->turn = turn;
}

void yf_sigroom_hub_set_audit(yf_sigroom_hub *h, yf_sigroom_audit_fn fn, void *user)
{
    h->audit = fn;
    h->audit_user = user;
}

static void audit(const yf_sigroom_member *m, const char *action, const yf_sigroom_member *by,
                  const char *detail)
{
    yf_sigroom_hub *h = m->room->hub;
    if (h->audit)
        h->audit(h->audit_user, m->room->name, action, m->pid, m->role, by ? by->pid : NULL, detail);
}

/* As audit(), for an action by a host named by their token participant id
 * (who may have left since: the host who opened the gallery). */
static void audit_by_pid(const yf_sigroom_member *m, const char *action, const char *by_pid,
                         const char *detail)
{
    yf_sigroom_hub *h = m->room->hub;
    if (h->audit)
        h->audit(h->audit_user, m->room->name, action, m->pid, m->role, by_pid, detail);
}

void yf_sigroom_audit(const yf_sigroom_member *m, const char *action, const char *detail)
{
    audit(m, action, NULL, detail);
}

void yf_sigroom_hub_set_capture(yf_sigroom_hub *h, yf_rec_writer *w, const yf_sigroom_capture_hooks *hooks,
                                void *user)
{
    h->rec = w;
    memset(&h->capture, 0, sizeof h->capture);
    if (hooks)
        h->capture = *hooks;
    h->capture_user = user;
}

void yf_sigroom_hub_set_gate(yf_sigroom_hub *h, yf_sigroom_gate_fn fn, void *user)
{
    h->gate = fn;
    h->gate_user = user;
}

void yf_sigroom_hub_set_hearing(yf_sigroom_hub *h, const yf_sigroom_hearing_hooks *hooks, void *user)
{
    memset(&h->hearing, 0, sizeof h->hearing);
    if (hooks)
        h->hearing = *hooks;
    h->hearing_user = user;
}

/* The room's HEARING object (new reference) or NULL; a deliberation room's
 * is its hearing room's. */
static json_t *hearing_info(yf_sigroom_hub *h, const char *room)
{
    if (!h->hearing.info)
        return NULL;
    char *main = g_str_has_suffix(room, YF_SIGROOM_DELIBERATION_SUFFIX)
                     ? g_strndup(room, strlen(room) - strlen(YF_SIGROOM_DELIBERATION_SUFFIX))
                     : NULL;
    json_t *o = h->hearing.info(h->hearing_user, main ? main : room);
    g_free(main);
    return o;
}

gboolean yf_sigroom_hub_capture(yf_sigroom_hub *h, const char *room, const char *dir)
{
    yf_sigroom *r = g_hash_table_lookup(h->rooms, room);
    if (!r)
        return FALSE;
    yf_sigroom_capture_set(r, dir);
    return TRUE;
}

void yf_sigroom_hub_set_grace_ms(yf_sigroom_hub *h, guint grace_ms)
{
    h->grace_ms = grace_ms;
}

guint yf_sigroom_hub_n_rooms(const yf_sigroom_hub *h)
{
    return g_hash_table_size(h->rooms);
}

const char *yf_sigroom_member_id(const yf_sigroom_member *m)
{
    return m->id;
}

/* ---- members ---- */

static void member_free(gpointer data)
{
    yf_sigroom_member *m = data;
    if (m->grace_timer)
        g_source_remove(m->grace_timer);
    g_free(m->pid);
    g_free(m->name);
    g_free(m->role);
    g_free(m->told_participants);
    g_free(m->told_waiting);
    g_free(m);
}

static void room_free(gpointer data)
{
    yf_sigroom *r = data;
    yf_sigroom_hub *h = r->hub;
    if (r->empty_timer)
        g_source_remove(r->empty_timer);
    if (r->hosts_timer)
        g_source_remove(r->hosts_timer);
    for (guint i = 0; i < r->members->len; i++) {
        yf_sigroom_member *m = g_ptr_array_index(r->members, i);
        if (m->conn)
            h->conn->unbind(m->conn);
    }
    g_ptr_array_free(r->members, TRUE);
    h->mops->room_free(r->media);
    if (r->capturing && h->capture.room_closed)
        h->capture.room_closed(h->capture_user, r->name);
    g_hash_table_destroy(r->removed);
    g_hash_table_destroy(r->host_mutes);
    g_hash_table_destroy(r->nums);
    g_free(r->gallery_by);
    g_free(r->name);
    g_free(r);
}

void yf_sigroom_send(yf_sigroom_member *m, char *msg)
{
    if (m->conn)
        m->room->hub->conn->send_take(m->conn, msg);
    else
        g_free(msg);
}

void yf_sigroom_reply_error(yf_sigroom_member *m, const yf_sig_request *req, yf_sig_errc code,
                            const char *msg)
{
    yf_sigroom_send(m, yf_sig_reply_error(&req->id, code, msg));
}

yf_sigroom_member *yf_sigroom_find_num(yf_sigroom *r, uint32_t num)
{
    for (guint i = 0; i < r->members->len; i++) {
        yf_sigroom_member *m = g_ptr_array_index(r->members, i);
        if (m->num == num)
            return m;
    }
    return NULL;
}

static yf_sigroom_member *find_id(yf_sigroom *r, const char *id)
{
    for (guint i = 0; i < r->members->len; i++) {
        yf_sigroom_member *m = g_ptr_array_index(r->members, i);
        if (strcmp(m->id, id) == 0)
            return m;
    }
    return NULL;
}

static yf_sigroom_member *find_pid(yf_sigroom *r, const char *pid)
{
    for (guint i = 0; i < r->members->len; i++) {
        yf_sigroom_member *m = g_ptr_array_index(r->members, i);
        if (strcmp(m->pid, pid) == 0)
            return m;
    }
    return NULL;
}

static const char *state_of(const yf_sigroom_member *m)
{
    return !m->admitted ? "waiting" : m->conn ? "present" : "reconnecting";
}

static yf_sig_participant wire_of(const yf_sigroom_member *m)
{
    return (yf_sig_participant){m->id, m->name, m->role, state_of(m), m->audio_muted,
                                m->video_muted, m->host_muted_audio, m->host_muted_video};
}

/* The admitted (waiting == FALSE) or waiting members as wire structs
 * (g_free); observers only when with_observers (the hosts' lists). */
static yf_sig_participant *list_of(yf_sigroom *r, gboolean waiting, gboolean with_observers, size_t *n)
{
    yf_sig_participant *out = g_new0(yf_sig_participant, r->members->len + 1);
    *n = 0;
    for (guint i = 0; i < r->members->len; i++) {
        yf_sigroom_member *m = g_ptr_array_index(r->members, i);
        if (m->admitted != waiting && (with_observers || !m->observer))
            out[(*n)++] = wire_of(m);
    }
    return out;
}

static char *participants_event(yf_sigroom *r, gboolean waiting, gboolean with_observers)
{
    size_t n;
    yf_sig_participant *list = list_of(r, waiting, with_observers, &n);
    char *msg = yf_sig_event_participants(waiting, list, n);
    g_free(list);
    return msg;
}

void yf_sigroom_broadcast(yf_sigroom *r, char *msg)
{
    for (guint i = 0; msg && i < r->members->len; i++) {
        yf_sigroom_member *m = g_ptr_array_index(r->members, i);
        if (m->admitted && m->conn)
            r->hub->conn->send_take(m->conn, g_strdup(msg));
    }
    g_free(msg);
}

/* Sends msg to m unless m's connection already has this very list (*told
 * keeps the last one sent), so a change elsewhere sends nothing. */
static void tell_list(yf_sigroom_member *m, const char *msg, char **told)
{
    if (!msg || g_strcmp0(msg, *told) == 0)
        return;
    g_free(*told);
    *told = g_strdup(msg);
    m->room->hub->conn->send_take(m->conn, g_strdup(msg));
}

/* The hosts' room.participants (everyone) and room.waiting, now. */
static void announce_hosts(yf_sigroom *r)
{
    char *all = NULL, *waiting = NULL;
    r->hosts_told_us = g_get_monotonic_time();
    for (guint i = 0; i < r->members->len; i++) {
        yf_sigroom_member *m = g_ptr_array_index(r->members, i);
        if (!m->conn || !m->host)
            continue;
        if (!all) {
            all = participants_event(r, FALSE, TRUE);
            waiting = participants_event(r, TRUE, TRUE);
        }
        if (m->admitted)
            tell_list(m, all, &m->told_participants);
        tell_list(m, waiting, &m->told_waiting);
    }
    g_free(all);
    g_free(waiting);
}

static gboolean on_hosts_timer(gpointer data)
{
    yf_sigroom *r = data;
    r->hosts_timer = 0;
    announce_hosts(r);
    return G_SOURCE_REMOVE;
}

/* room.participants to everyone admitted and room.waiting to the hosts, each
 * only when the list they would get differs from the last one they got.
 * Hosts get everyone; the others get the room without its observers, so an
 * observer coming or going sends nothing to the hundreds of others (their
 * list is unchanged) and the bytes per change stay bounded by the
 * publishers, not the audience. The hosts' lists grow with the audience:
 * when hundreds open the link of a public hearing at once, a list per
 * arrival would send the host O(n²) bytes (for 200, 115 messages and a
 * megabyte queued within seconds, and the server closed the host's
 * connection as one that does not read), so a change within
 * YF_SIGROOM_HOST_LIST_GAP_MS of the last lists sent is sent with the
 * next ones, at the end of that gap: the latest state, at most a few times
 * a second. */
static void announce(yf_sigroom *r)
{
    char *stage = participants_event(r, FALSE, FALSE);
    for (guint i = 0; i < r->members->len; i++) {
        yf_sigroom_member *m = g_ptr_array_index(r->members, i);
        if (m->conn && m->admitted && !m->host)
            tell_list(m, stage, &m->told_participants);
    }
    g_free(stage);
    if (r->hosts_timer)
        return; /* the pending send will carry this change */
    gint64 since_ms = (g_get_monotonic_time() - r->hosts_told_us) / 1000;
    if (!r->hosts_told_us || since_ms >= YF_SIGROOM_HOST_LIST_GAP_MS)
        announce_hosts(r);
    else
        r->hosts_timer = g_timeout_add((guint)(YF_SIGROOM_HOST_LIST_GAP_MS - since_ms), on_hosts_timer, r);
}

/* ---- a public hearing's gallery ---- */

#define GALLERY_DETAIL "the gallery is open"

/* Observer t, waiting, comes in if the room and the server can carry them:
 * NULL, or why not (they go on waiting). by_pid names the host who let them
 * in; the caller announces. */
static const char *observer_in(yf_sigroom_member *t, const char *by_pid, const char *detail)
{
    const char *full = yf_sigroom_media_add(t);
    if (full)
        return full;
    t->admitted = TRUE;
    audit_by_pid(t, "hearing.admit", by_pid, detail);
    yf_sigroom_send(t, yf_sig_event_admitted());
    yf_sigroom_agenda_tell(t);
    return NULL;
}

/* Every observer waiting comes in, in the order they came, until the room or
 * the server can carry no more. Returns how many came in; *left is how many
 * still wait and *full why (NULL when none does). The caller announces. */
static int observers_in(yf_sigroom *r, const char *by_pid, const char *detail, int *left,
                        const char **full)
{
    int admitted = 0;
    *left = 0;
    *full = NULL;
    for (guint i = 0; i < r->members->len; i++) {
        yf_sigroom_member *t = g_ptr_array_index(r->members, i);
        if (!t->observer || t->admitted)
            continue;
        if (*full || (*full = observer_in(t, by_pid, detail)) != NULL)
            (*left)++;
        else
            admitted++;
    }
    return admitted;
}

static gboolean on_room_empty(gpointer data)
{
    yf_sigroom *r = data;
    r->empty_timer = 0;
    g_info("room %s: empty for the grace period; closed", r->name);
    g_hash_table_remove(r->hub->rooms, r->name);
    return G_SOURCE_REMOVE;
}

/* Takes m out of the room: its media ends, its connection (if any) is unbound,
 * the others are told. The room is freed after the grace period once empty. */
static void member_drop(yf_sigroom_member *m, const char *why)
{
    yf_sigroom *r = m->room;
    gboolean seat_freed = m->in_media; /* an observer's place, or one of the server's sessions */
    g_info("room %s: %s (%s) %s", r->name, m->id, m->role, why);
    audit(m, "room.leave", NULL, why);
    if (m->conn)
        r->hub->conn->unbind(m->conn);
    m->conn = NULL;
    yf_sigroom_media_remove(m);
    g_ptr_array_remove(r->members, m);   /* frees m */
    if (seat_freed && r->gallery_open) { /* an open gallery was full: those waiting come in, if they can now */
        int left;
        const char *full;
        observers_in(r, r->gallery_by, GALLERY_DETAIL, &left, &full);
    }
    announce(r);
    if (r->members->len == 0 && !r->empty_timer)
        r->empty_timer = g_timeout_add(r->hub->grace_ms, on_room_empty, r);
}

void yf_sigroom_member_drop(yf_sigroom_member *m, const char *why)
{
    member_drop(m, why);
}

static gboolean on_grace_over(gpointer data)
{
    yf_sigroom_member *m = data;
    m->grace_timer = 0;
    member_drop(m, "did not come back within the grace period; removed");
    return G_SOURCE_REMOVE;
}

void yf_sigroom_detach(yf_sigroom_member *m)
{
    if (!m || !m->conn)
        return;
    m->conn = NULL;
    if (m->room->hub->grace_ms == 0) {
        member_drop(m, "disconnected; removed");
        return;
    }
    g_info("room %s: %s (%s) disconnected; keeping the place", m->room->name, m->id, m->role);
    audit(m, "room.disconnect", NULL, NULL);
    yf_sigroom_media_hang_up(m);
    m->grace_timer = g_timeout_add(m->room->hub->grace_ms, on_grace_over, m);
    announce(m->room);
}

void yf_sigroom_hub_stopping(yf_sigroom_hub *h)
{
    GHashTableIter it;
    gpointer room;
    g_hash_table_iter_init(&it, h->rooms);
    while (g_hash_table_iter_next(&it, NULL, &room))
        ((yf_sigroom *)room)->gallery_open = FALSE;
}

void yf_sigroom_hub_end_room(yf_sigroom_hub *h, const char *room, const char *reason)
{
    yf_sigroom_deliberation_close(h, room, reason);
    yf_sigroom *r = g_hash_table_lookup(h->rooms, room);
    if (!r)
        return;
    g_info("room %s: the hearing ended; closing it for its %u members", r->name, r->members->len);
    r->gallery_open = FALSE;
    while (r->members->len) {
        yf_sigroom_member *m = g_ptr_array_index(r->members, r->members->len - 1);
        void *conn = m->conn;
        if (conn)
            yf_sigroom_send(m, yf_sig_event_ended(reason));
        member_drop(m, "the hearing ended");
        if (conn)
            h->conn->close(conn);
    }
}

/* ---- room.join ---- */

/* Verifies the token into *c; on failure sends the error reply to conn. */
static gboolean check_token(yf_sigroom_hub *h, void *conn, const yf_sig_request *req,
                            yf_room_claims *c)
{
    GError *err = NULL;
    yf_sig_errc code = YF_SIG_ERR_BAD_TOKEN;
    if (yf_room_token_verify(&h->key, req->join.token, NULL, g_get_real_time() / G_USEC_PER_SEC, c,
                             &err)) {
        if (yf_room_role_valid(c->role) && g_utf8_validate(c->name, -1, NULL) &&
            g_utf8_validate(c->room, -1, NULL))
            return TRUE;
        yf_room_claims_clear(c);
        g_set_error_literal(&err, YF_ROOM_TOKEN_ERROR, YF_ROOM_TOKEN_ERROR_MALFORMED,
                            "room token has an unknown role");
    }
    if (g_error_matches(err, YF_ROOM_TOKEN_ERROR, YF_ROOM_TOKEN_ERROR_EXPIRED))
        code = YF_SIG_ERR_TOKEN_EXPIRED;
    g_message("room.join refused: %s", err->message);
    h->conn->send_take(conn, yf_sig_reply_error(&req->id, code, err->message));
    g_error_free(err);
    return FALSE;
}

static yf_sigroom *room_get(yf_sigroom_hub *h, const char *name, GError **err)
{
    yf_sigroom *r = g_hash_table_lookup(h->rooms, name);
    if (r) {
        if (r->empty_timer)
            g_source_remove(r->empty_timer);
        r->empty_timer = 0;
        /* A deliberation closed and opened again within the grace period:
         * its capture ended with the close, so this one starts a new one. */
        if (!r->capturing && g_str_has_suffix(r->name, YF_SIGROOM_DELIBERATION_SUFFIX) && h->rec &&
            h->capture.room_opened) {
            char *dir = h->capture.room_opened(h->capture_user, r->name);
            if (dir)
                yf_sigroom_capture_set(r, dir);
            g_free(dir);
        }
        return r;
    }
    r = g_new0(yf_sigroom, 1);
    r->hub = h;
    r->name = g_strdup(name);
    r->members = g_ptr_array_new_with_free_func(member_free);
    r->removed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    r->host_mutes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    r->nums = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    r->media = h->mops->room_new(h->media, name, &yf_sigroom_media_callbacks, r, err);
    if (!r->media) {
        g_ptr_array_free(r->members, TRUE);
        g_hash_table_destroy(r->removed);
        g_hash_table_destroy(r->host_mutes);
        g_hash_table_destroy(r->nums);
        g_free(r->name);
        g_free(r);
        return NULL;
    }
    if (h->mops->set_max_observers)
        h->mops->set_max_observers(r->media, h->max_observers);
    g_hash_table_insert(h->rooms, r->name, r);
    g_info("room %s: opened", name);
    yf_sigroom_agenda_opened(r);
    if (h->rec && h->capture.room_opened) {
        char *dir = h->capture.room_opened(h->capture_user, r->name);
        if (dir)
            yf_sigroom_capture_set(r, dir);
        g_free(dir);
    }
    return r;
}

static yf_sigroom_member *member_new(yf_sigroom *r, yf_room_claims *c, const char **media_full)
{
    yf_sigroom_member *m = g_new0(yf_sigroom_member, 1);
    m->room = r;
    m->num = GPOINTER_TO_UINT(g_hash_table_lookup(r->nums, c->participant));
    if (!m->num || yf_sigroom_find_num(r, m->num)) {
        m->num = ++r->next_num;
        g_hash_table_replace(r->nums, g_strdup(c->participant), GUINT_TO_POINTER(m->num));
    }
    g_snprintf(m->id, sizeof m->id, "p%u", m->num);
    m->pid = g_strdup(c->participant);
    m->name = g_strdup(c->name);
    m->role = g_strdup(c->role);
    m->host = strcmp(c->role, "prosecutor") == 0;
    m->observer = strcmp(c->role, "observer") == 0;
    m->admitted = strcmp(c->role, "petitioner") != 0 && strcmp(c->role, "witness") != 0 &&
                  strcmp(c->role, "observer") != 0;
    guint mutes = GPOINTER_TO_UINT(g_hash_table_lookup(r->host_mutes, m->pid));
    m->host_muted_audio = (mutes & HOST_MUTED_AUDIO) != 0;
    m->host_muted_video = (mutes & HOST_MUTED_VIDEO) != 0;
    g_ptr_array_add(r->members, m);
    gboolean gallery = m->observer && r->gallery_open;
    if (gallery) /* in at once if the gallery has room; else waiting, as if it were closed */
        m->admitted = yf_sigroom_media_add(m) == NULL;
    else if (m->admitted)
        *media_full = yf_sigroom_media_add(m);
    g_info("room %s: %s (%s) joined, %s%s", r->name, m->id, m->role, m->admitted ? "admitted" : "waiting",
           gallery ? (m->admitted ? " (the gallery is open)" : " (the gallery is open but full)") : "");
    if (gallery && m->admitted)
        audit_by_pid(m, "room.join", r->gallery_by, GALLERY_DETAIL);
    else
        audit(m, m->admitted ? "room.join" : "room.wait", NULL, NULL);
    return m;
}

/* Binds an existing member to a new connection; a live older one is closed. */
static void member_rebind(yf_sigroom_member *m, void *conn)
{
    const yf_sigroom_conn_ops *ops = m->room->hub->conn;
    if (m->conn && m->conn != conn) {
        ops->send_take(m->conn, yf_sig_event_removed("replaced by a newer connection"));
        ops->unbind(m->conn);
        ops->close(m->conn);
    }
    if (m->grace_timer)
        g_source_remove(m->grace_timer);
    m->grace_timer = 0;
    g_info("room %s: %s (%s) rejoined, %s", m->room->name, m->id, m->role,
           m->admitted ? "admitted" : "waiting");
    m->media_up = m->media_lost = FALSE;   /* room.rejoin says it came back; new connections follow */
    audit(m, "room.rejoin", NULL, NULL);
}

static void send_join_reply(yf_sigroom_member *m, const yf_sig_request *req)
{
    size_t n = 0;
    yf_sig_participant self = wire_of(m);
    yf_sig_participant *list = m->admitted ? list_of(m->room, FALSE, m->host, &n) : g_new0(yf_sig_participant, 1);
    json_t *hearing = hearing_info(m->room->hub, m->room->name);
    /* A TURN credential of this participant's own, minted now: coturn's
     * log names the participant id, never the person. */
    json_t *ice = yf_turn_ice_servers(m->room->hub->turn, m->room->hub->ice_servers, m->id,
                                      g_get_real_time() / G_USEC_PER_SEC, 0);
    yf_sigroom_send(m, yf_sig_reply_join(&req->id, m->room->name, &self,
                                         m->admitted ? "admitted" : "waiting", list, n, ice, hearing));
    json_decref(ice);
    json_decref(hearing);
    g_free(list);
}

yf_sigroom_member *yf_sigroom_join(yf_sigroom_hub *h, void *conn, const yf_sig_request *req)
{
    yf_room_claims c = {0};
    GError *err = NULL;
    yf_sigroom_member *m = NULL;
    gboolean again = FALSE, entered = FALSE;
    const char *why = NULL, *full = NULL;
    yf_sig_errc code = YF_SIG_ERR_FORBIDDEN;
    if (!check_token(h, conn, req, &c))
        return NULL;
    if (h->gate && !h->gate(h->gate_user, &c, &code, &why)) {
        /* Someone early waits for a hearing: the page shows whose and when. */
        json_t *hearing = code == YF_SIG_ERR_NOT_STARTED ? hearing_info(h, c.room) : NULL;
        g_info("room %s: a join refused (%s): %s", c.room, c.role, why);
        h->conn->send_take(conn, yf_sig_reply_error_with(&req->id, code, why, "hearing", hearing));
        json_decref(hearing);
        goto out;
    }
    if (!yf_sigroom_deliberation_admit(h, conn, req, &c))
        goto out;
    yf_sigroom *r = room_get(h, c.room, &err);
    if (!r) {
        g_warning("room %s: cannot open its media: %s", c.room, err->message);
        h->conn->send_take(conn, yf_sig_reply_error(&req->id, YF_SIG_ERR_INTERNAL, err->message));
        g_error_free(err);
        goto out;
    }
    if (g_hash_table_contains(r->removed, c.participant)) {
        g_info("room %s: a removed participant (%s) tried to join again", r->name, c.role);
        h->conn->send_take(conn, yf_sig_reply_error(&req->id, YF_SIG_ERR_FORBIDDEN,
                                                    "you were removed from this hearing"));
        if (r->members->len == 0 && !r->empty_timer)
            r->empty_timer = g_timeout_add(h->grace_ms, on_room_empty, r);
        goto out;
    }
    m = find_pid(r, c.participant);
    again = m != NULL;
    if (again) {
        member_rebind(m, conn);
        /* Someone who waited, back while the gallery is open, comes in now. */
        if (m->observer && !m->admitted && r->gallery_open && yf_sigroom_media_add(m) == NULL) {
            m->admitted = entered = TRUE; /* a new subscriber: its first offer follows */
            audit_by_pid(m, "hearing.admit", r->gallery_by, GALLERY_DETAIL);
        }
    } else
        m = member_new(r, &c, &full);
    if (m->admitted && !m->in_media) { /* the room's (or the server's) media is full */
        member_drop(m, "refused: the hearing is full");
        m = NULL;
        h->conn->send_take(conn, yf_sig_reply_error(&req->id, YF_SIG_ERR_BUSY,
                                                    full ? full : "this hearing has as many participants as it can carry"));
        goto out;
    }
    m->conn = conn;
    g_clear_pointer(&m->told_participants, g_free); /* a new connection knows nothing yet */
    g_clear_pointer(&m->told_waiting, g_free);
    send_join_reply(m, req);
    if (m->host && r->gallery_open)
        yf_sigroom_send(m, yf_sig_event_gallery(TRUE));
    announce(r);
    if (m->admitted)
        yf_sigroom_agenda_tell(m);
    if (again && !entered)
        yf_sigroom_media_rejoin(m);
out:
    yf_room_claims_clear(&c);
    return m;
}

/* ---- host actions and the participant's own state ---- */

/* Whether m is a host; if not, m gets the error reply. */
static gboolean host_only(yf_sigroom_member *m, const yf_sig_request *req)
{
    if (m->host)
        return TRUE;
    g_info("room %s: %s (%s) tried a host action", m->room->name, m->id, m->role);
    yf_sigroom_reply_error(m, req, YF_SIG_ERR_FORBIDDEN, "only the host may do this");
    return FALSE;
}

/* The member a host request names; NULL after an error reply. */
static yf_sigroom_member *host_target(yf_sigroom_member *m, const yf_sig_request *req)
{
    yf_sigroom_member *t;
    if (!host_only(m, req))
        return NULL;
    t = find_id(m->room, req->member.participant);
    if (!t)
        yf_sigroom_reply_error(m, req, YF_SIG_ERR_NOT_FOUND, "no such participant in the room");
    return t;
}

/* room.admit {"observers":true}: every observer waiting, in the order they
 * came, until the room or the server can carry no more; one announcement at
 * the end, one audit entry each. The reply says how many came in, and, when
 * some could not, why (`busy` when none could). */
static void admit_observers(yf_sigroom_member *m, const yf_sig_request *req)
{
    yf_sigroom *r = m->room;
    const char *full;
    int left;

    if (!host_only(m, req))
        return;
    int admitted = observers_in(r, m->pid, NULL, &left, &full);
    g_info("room %s: %s admitted %d observers at once%s", r->name, m->id, admitted,
           left ? " (some could not come in)" : "");
    if (!admitted && left) {
        yf_sigroom_reply_error(m, req, YF_SIG_ERR_BUSY, full);
        return;
    }
    json_t *res = json_pack("{s:i}", "admitted", admitted);
    if (left) {
        json_object_set_new(res, "not_admitted", json_integer(left));
        json_object_set_new(res, "reason", json_string(full));
    }
    yf_sigroom_send(m, yf_sig_reply_ok_take(&req->id, res));
    if (admitted)
        announce(r);
}

/* room.gallery {"open":B}: the host opens the room's gallery (its observers,
 * 旁听: a public hearing followed online; every observer waiting comes in, as
 * with room.admit {"observers":true}, and those who join later come in at
 * once, each audited as admitted by the host who opened it)
 * or closes it (newcomers wait again; those inside stay). An open gallery
 * that is full (the room's observers, or the server's media sessions) lets
 * those waiting in as anyone in the room's media leaves. The
 * reply says what changed; every host is told of a change (room.gallery),
 * and a host who joins while it is open is told so. */
static void do_gallery(yf_sigroom_member *m, const yf_sig_request *req)
{
    yf_sigroom *r = m->room;
    gboolean open = req->member.open, changed = open != r->gallery_open;
    const char *full = NULL;
    int admitted = 0, left = 0;

    if (!host_only(m, req))
        return;
    r->gallery_open = open;
    if (changed && open) { /* later entries are audited as this host's (who opened it) */
        g_free(r->gallery_by);
        r->gallery_by = g_strdup(m->pid);
    }
    if (open)
        admitted = observers_in(r, m->pid, GALLERY_DETAIL, &left, &full);
    g_info("room %s: %s %s the gallery%s (%d observers came in%s)", r->name, m->id,
           open ? "opened" : "closed", changed ? "" : ", as it was", admitted,
           left ? ", some could not" : "");
    if (changed)
        audit(m, open ? "room.gallery_open" : "room.gallery_close", NULL, NULL);
    json_t *res = json_pack("{s:b,s:i}", "open", open, "admitted", admitted);
    if (left) {
        json_object_set_new(res, "not_admitted", json_integer(left));
        json_object_set_new(res, "reason", json_string(full));
    }
    yf_sigroom_send(m, yf_sig_reply_ok_take(&req->id, res));
    for (guint i = 0; changed && i < r->members->len; i++) {
        yf_sigroom_member *o = g_ptr_array_index(r->members, i);
        if (o->host && o->admitted)
            yf_sigroom_send(o, yf_sig_event_gallery(open));
    }
    if (admitted)
        announce(r);
}

static void do_admit(yf_sigroom_member *m, const yf_sig_request *req)
{
    if (req->member.all_observers) {
        admit_observers(m, req);
        return;
    }
    yf_sigroom_member *t = host_target(m, req);
    if (!t)
        return;
    const char *full = t->admitted ? NULL : yf_sigroom_media_add(t);
    if (full) {
        yf_sigroom_reply_error(m, req, YF_SIG_ERR_BUSY, full);
        return;
    }
    yf_sigroom_send(m, yf_sig_reply_ok_take(&req->id, NULL));
    if (t->admitted)
        return;
    t->admitted = TRUE;
    g_info("room %s: %s admitted %s (%s)", m->room->name, m->id, t->id, t->role);
    audit(t, "hearing.admit", m, NULL);
    yf_sigroom_send(t, yf_sig_event_admitted());
    announce(m->room);
    yf_sigroom_agenda_tell(t);
}

static void do_mute(yf_sigroom_member *m, const yf_sig_request *req)
{
    yf_sigroom_member *t = host_target(m, req);
    gboolean audio = strcmp(req->member.kind, "audio") == 0;
    if (!t)
        return;
    if (!req->member.muted && strcmp(t->role, "observer") == 0) {
        g_info("room %s: %s tried to unmute observer %s", m->room->name, m->id, t->id);
        yf_sigroom_reply_error(m, req, YF_SIG_ERR_FORBIDDEN, "an observer only watches and listens");
        return;
    }
    if (audio)
        t->host_muted_audio = req->member.muted;
    else
        t->host_muted_video = req->member.muted;
    g_hash_table_replace(m->room->host_mutes, g_strdup(t->pid),
                         GUINT_TO_POINTER((t->host_muted_audio ? HOST_MUTED_AUDIO : 0) |
                                          (t->host_muted_video ? HOST_MUTED_VIDEO : 0)));
    g_info("room %s: %s %s %s of %s (%s)", m->room->name, m->id, req->member.muted ? "muted" : "unmuted",
           req->member.kind, t->id, t->role);
    audit(t, req->member.muted ? "room.mute" : "room.unmute", m, req->member.kind);
    if (t->in_media)
        m->room->hub->mops->set_forwarding(m->room->media, t->num, !t->host_muted_audio,
                                           !t->host_muted_video);
    yf_sigroom_send(m, yf_sig_reply_ok_take(&req->id, NULL));
    yf_sigroom_send(t, yf_sig_event_muted(req->member.kind, m->id, req->member.muted));
    announce(m->room);
}

static void do_remove(yf_sigroom_member *m, const yf_sig_request *req)
{
    yf_sigroom_member *t = host_target(m, req);
    if (!t)
        return;
    if (t == m) {
        yf_sigroom_reply_error(m, req, YF_SIG_ERR_BAD_REQUEST, "use room.leave to leave");
        return;
    }
    yf_sigroom_send(m, yf_sig_reply_ok_take(&req->id, NULL));
    audit(t, "room.remove", m, NULL);
    g_hash_table_add(m->room->removed, g_strdup(t->pid));
    if (t->conn) {
        void *conn = t->conn;
        yf_sigroom_send(t, yf_sig_event_removed("removed by the host"));
        member_drop(t, "removed by the host");
        m->room->hub->conn->close(conn);
        return;
    }
    member_drop(t, "removed by the host");
}

static void do_mute_self(yf_sigroom_member *m, const yf_sig_request *req)
{
    if (strcmp(req->member.kind, "audio") == 0)
        m->audio_muted = req->member.muted;
    else
        m->video_muted = req->member.muted;
    yf_sigroom_send(m, yf_sig_reply_ok_take(&req->id, NULL));
    if (m->admitted)
        announce(m->room);
}

static void do_leave(yf_sigroom_member *m, const yf_sig_request *req)
{
    yf_sigroom_send(m, yf_sig_reply_ok_take(&req->id, NULL));
    member_drop(m, "left");
}

/* room.end: the host ends the hearing for everyone; the store decides (the
 * same rules and audit as the REST end), the host gets its reply, and then
 * the room ends as for a hearing ended over REST (m is gone afterwards). */
static void do_end(yf_sigroom_member *m, const yf_sig_request *req)
{
    yf_sigroom_hub *h = m->room->hub;
    gint64 hearing_id = 0;
    yf_sig_errc code = YF_SIG_ERR_FORBIDDEN;
    const char *why = "only the host may end the hearing";
    if (m->host && !h->hearing.end) {
        code = YF_SIG_ERR_NOT_FOUND;
        why = "this room belongs to no hearing";
    }
    if (!m->host || !h->hearing.end ||
        !h->hearing.end(h->hearing_user, m->room->name, m->pid, &hearing_id, &code, &why)) {
        g_info("room %s: %s (%s) may not end the hearing: %s", m->room->name, m->id, m->role, why);
        yf_sigroom_reply_error(m, req, code, why);
        return;
    }
    g_info("room %s: %s (%s) ended hearing %" G_GINT64_FORMAT, m->room->name, m->id, m->role, hearing_id);
    yf_sigroom_send(m, yf_sig_reply_ok_take(&req->id, NULL));
    if (h->hearing.ended)
        h->hearing.ended(h->hearing_user, hearing_id);
}

void yf_sigroom_request(yf_sigroom_member *m, const yf_sig_request *req)
{
    switch (req->type) {
    case YF_SIG_PUBLISH_OFFER: yf_sigroom_publish_offer(m, req); break;
    case YF_SIG_SUBSCRIBE_ANSWER: yf_sigroom_subscribe_answer(m, req); break;
    case YF_SIG_SUBSCRIBE_RESTART: yf_sigroom_subscribe_restart(m, req); break;
    case YF_SIG_ICE_CANDIDATE: yf_sigroom_ice_candidate(m, req); break;
    case YF_SIG_ROOM_MUTE_SELF: do_mute_self(m, req); break;
    case YF_SIG_ROOM_ADMIT: do_admit(m, req); break;
    case YF_SIG_ROOM_GALLERY: do_gallery(m, req); break;
    case YF_SIG_ROOM_MUTE: do_mute(m, req); break;
    case YF_SIG_ROOM_REMOVE: do_remove(m, req); break;
    case YF_SIG_ROOM_LEAVE: do_leave(m, req); break;
    case YF_SIG_ROOM_END: do_end(m, req); break;
    case YF_SIG_AGENDA_STEP:
    case YF_SIG_AGENDA_TIMER: yf_sigroom_agenda_request(m, req); break;
    default:
        yf_sigroom_reply_error(m, req, YF_SIG_ERR_BAD_REQUEST, "not a room request");
        break;
    }
}
