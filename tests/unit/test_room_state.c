/* test_room_state.c -- the hearing-room state machine (signaling/sigroom.c)
 * against a recording fake of the media ops and fake connections: join,
 * waiting room, admit, host-only actions, mute, remove, leave, rejoin within
 * and after the grace period, replaced connections, bad and expired tokens,
 * the host ending the hearing (room.end) and the hearing info in the join. */
#include <glib/gstdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "signaling/sigroom.h"
#include "sigroom_wait.h"
#include "yf_test.h"

/* ---- fakes ---- */

typedef struct {
    GPtrArray *msgs;            /* of char * */
    gboolean closed;
    yf_sigroom_member *member;
} fake_conn;

static void conn_send_take(void *c, char *msg)
{
    fake_conn *fc = c;
    if (msg)
        g_ptr_array_add(fc->msgs, msg);
}
static void conn_unbind(void *c) { ((fake_conn *)c)->member = NULL; }
static void conn_close(void *c) { ((fake_conn *)c)->closed = TRUE; }
static const yf_sigroom_conn_ops conn_ops = {conn_send_take, conn_unbind, conn_close};

static GString *media_log;
static const yf_room_callbacks *media_cb;
static void *media_user;
static int dummy_room;

static yf_room *f_room_new(yf_net *m, const char *name, const yf_room_callbacks *cb, void *user,
                           GError **err)
{
    (void)m; (void)err;
    g_string_append_printf(media_log, "new %s;", name);
    media_cb = cb;
    media_user = user;
    return (yf_room *)&dummy_room;
}
static void f_room_free(yf_room *r) { (void)r; g_string_append(media_log, "free;"); }
static gboolean media_full; /* f_add refuses, as a full room does */
static gboolean f_add(yf_room *r, uint32_t p, GError **err)
{
    (void)r;
    if (media_full) {
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_INTERNAL, "room is full");
        return FALSE;
    }
    g_string_append_printf(media_log, "add %u;", p);
    return TRUE;
}
static void f_remove(yf_room *r, uint32_t p) { (void)r; g_string_append_printf(media_log, "remove %u;", p); }
static void f_hang_up(yf_room *r, uint32_t p) { (void)r; g_string_append_printf(media_log, "hangup %u;", p); }
static gboolean f_publish(yf_room *r, uint32_t p, const char *sdp, char **answer, GError **err)
{
    (void)r;
    if (strcmp(sdp, "bad") == 0) {
        g_set_error_literal(err, YF_NET_ERROR, YF_NET_ERROR_SDP, "no BUNDLE");
        return FALSE;
    }
    g_string_append_printf(media_log, "publish %u;", p);
    *answer = g_strdup("answer");
    return TRUE;
}
static gboolean f_sub_answer(yf_room *r, uint32_t p, unsigned rev, const char *sdp, GError **err)
{
    (void)r;
    if (strcmp(sdp, "race") == 0) { /* media/net's words when a newer offer went out meanwhile */
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_SDP, "stale: answer to offer %u, latest is %u", rev, rev + 1);
        return FALSE;
    }
    g_string_append_printf(media_log, "answer %u %u;", p, rev);
    return TRUE;
}
static gboolean f_sub_reset(yf_room *r, uint32_t p, GError **err)
{
    (void)r; (void)err;
    g_string_append_printf(media_log, "reset %u;", p);
    return TRUE;
}
static gboolean f_sub_restart(yf_room *r, uint32_t p, GError **err)
{
    (void)r; (void)err;
    g_string_append_printf(media_log, "restart %u;", p);
    return TRUE;
}
static gboolean f_cand(yf_room *r, uint32_t p, yf_pc_kind pc, const char *c, GError **err)
{
    (void)r;
    if (strstr(c, "garbage")) {
        g_set_error_literal(err, YF_NET_ERROR, YF_NET_ERROR_CANDIDATE, "cannot parse candidate");
        return FALSE;
    }
    if (strstr(c, " tcp ")) {
        g_set_error_literal(err, YF_NET_ERROR, YF_NET_ERROR_CANDIDATE_UNUSED,
                            "candidate not used: TCP candidates are not used");
        return FALSE;
    }
    g_string_append_printf(media_log, "cand %u %s;", p, pc == YF_PC_PUBLISH ? "pub" : "sub");
    return TRUE;
}
static void f_fwd(yf_room *r, uint32_t p, gboolean a, gboolean v)
{
    (void)r;
    g_string_append_printf(media_log, "fwd %u %d %d;", p, a, v);
}
static void f_capture(yf_room *r, yf_rec_writer *w, const char *dir)
{
    (void)r; (void)w;
    g_string_append_printf(media_log, "capture %s;", dir ? dir : "stop");
}
static const yf_sigroom_media_ops media_ops = {
    f_room_new, f_room_free, f_add, f_remove, f_hang_up, f_publish, f_sub_answer, f_sub_reset, f_sub_restart,
    f_cand, f_fwd, f_capture, NULL, NULL,
};

/* The recorder's hooks, logged. */
static GString *cap_log;
static char *cap_opened(void *user, const char *room)
{
    (void)user;
    g_string_append_printf(cap_log, "opened %s;", room);
    if (g_str_has_suffix(room, ".deliberation"))
        return g_strdup("/cap/deliberation");
    return strcmp(room, "r6") == 0 ? g_strdup("/cap/r6") : NULL;
}
static gint64 cap_entered[8];   /* by num: the entered_ms last given */
static void cap_member(void *user, const char *room, uint32_t num, const char *pid, const char *name,
                       const char *role, gint64 entered_ms)
{
    (void)user;
    g_string_append_printf(cap_log, "member %s %u %s %s %s;", room, num, pid, name, role);
    if (num < G_N_ELEMENTS(cap_entered))
        cap_entered[num] = entered_ms;
}
static void cap_closed(void *user, const char *room)
{
    (void)user;
    g_string_append_printf(cap_log, "closed %s;", room);
}
static const yf_sigroom_capture_hooks cap_hooks = {cap_opened, cap_member, cap_closed};

/* ---- helpers ---- */

static yf_room_key key;
static yf_sigroom_hub *hub;

static fake_conn *conn_new(void)
{
    fake_conn *c = g_new0(fake_conn, 1);
    c->msgs = g_ptr_array_new_with_free_func(g_free);
    return c;
}
static void conn_free(fake_conn *c)
{
    g_ptr_array_free(c->msgs, TRUE);
    g_free(c);
}

static char *token(const char *room, const char *pid, const char *name, const char *role, int64_t ttl,
                   const yf_room_key *k)
{
    yf_room_claims c = {(char *)room, (char *)pid, (char *)name, (char *)role,
                        g_get_real_time() / G_USEC_PER_SEC + ttl, NULL};
    return yf_room_token_mint(k ? k : &key, &c);
}

static void parse(const char *json, yf_sig_request *req)
{
    GError *err = NULL;
    if (!yf_sig_parse(json, strlen(json), req, &err)) {
        fprintf(stderr, "test request does not parse: %s\n", err->message);
        abort();
    }
}

static void join(fake_conn *c, const char *tok)
{
    yf_sig_request req;
    char *json = g_strdup_printf("{\"id\":1,\"type\":\"room.join\",\"token\":\"%s\"}", tok);
    parse(json, &req);
    c->member = yf_sigroom_join(hub, c, &req);
    c->closed = FALSE;
    yf_sig_request_clear(&req);
    g_free(json);
}

/* Sends a room request from c; its reply is the next message. */
static void request(fake_conn *c, const char *json)
{
    yf_sig_request req;
    parse(json, &req);
    yf_sigroom_request(c->member, &req);
    yf_sig_request_clear(&req);
}

/* TRUE when some message of c since index `from` contains every needle. */
static gboolean got(fake_conn *c, guint from, const char *n1, const char *n2)
{
    for (guint i = from; i < c->msgs->len; i++) {
        const char *m = g_ptr_array_index(c->msgs, i);
        if (strstr(m, n1) && (!n2 || strstr(m, n2)))
            return TRUE;
    }
    return FALSE;
}

/* The last message of c. */
static const char *last(fake_conn *c)
{
    return c->msgs->len ? g_ptr_array_index(c->msgs, c->msgs->len - 1) : "";
}

static gboolean logged(const char *what)
{
    return strstr(media_log->str, what) != NULL;
}

/* The last room.participants c got, or "". */
static const char *last_roster(fake_conn *c)
{
    for (guint i = c->msgs->len; i > 0; i--)
        if (strstr(g_ptr_array_index(c->msgs, i - 1), "\"event\":\"room.participants\""))
            return g_ptr_array_index(c->msgs, i - 1);
    return "";
}

static GString *audited;
static void audit_fn(void *user, const char *room, const char *action, const char *participant, const char *role,
                     const char *by, const char *detail)
{
    (void)user; (void)room; (void)role; (void)by; (void)detail;
    g_string_append_printf(audited, "%s %s;", action, participant);
}

/* ---- the cases ---- */

static void test_tokens(void)
{
    yf_room_key other;
    fake_conn *c = conn_new();
    memset(&other, 7, sizeof other);
    char *t = token("r1", "x:1", "X", "clerk", 3600, &other);
    join(c, t);
    CHECK(c->member == NULL && strstr(last(c), "\"code\":\"bad_token\""));
    g_free(t);
    t = token("r1", "x:1", "X", "clerk", -10, NULL);
    join(c, t);
    CHECK(c->member == NULL && strstr(last(c), "\"code\":\"token_expired\""));
    g_free(t);
    join(c, "garbage");
    CHECK(c->member == NULL && strstr(last(c), "\"code\":\"bad_token\""));
    t = token("r1", "x:1", "X", "judge", 3600, NULL);
    join(c, t);
    CHECK(c->member == NULL && strstr(last(c), "\"code\":\"bad_token\""));
    g_free(t);
    CHECK_EQ_INT(yf_sigroom_hub_n_rooms(hub), 0);
    conn_free(c);
}

static void test_hearing(void)
{
    fake_conn *host = conn_new(), *pet = conn_new(), *clerk = conn_new(), *pet2 = conn_new(),
              *pet3 = conn_new();
    char *th = token("r2", "staff:1", "王检察官", "prosecutor", 3600, NULL);
    char *tp = token("r2", "invitee:9", "张三", "petitioner", 3600, NULL);
    char *tc = token("r2", "staff:2", "李书记员", "clerk", 3600, NULL);
    guint mark;

    /* host enters directly; the petitioner waits; the clerk enters directly */
    join(host, th);
    CHECK(host->member && got(host, 0, "\"state\":\"admitted\"", "\"recording\":true") &&
          got(host, 0, "\"self\":{\"id\":\"p1\"", NULL));
    CHECK(got(host, 0, "\"event\":\"room.participants\"", NULL));
    CHECK(logged("new r2;add 1;"));
    mark = host->msgs->len;
    join(pet, tp);
    CHECK(pet->member && got(pet, 0, "\"state\":\"waiting\"", "\"participants\":[]"));
    hosts_told();
    CHECK(got(host, mark, "\"event\":\"room.waiting\"", "\"id\":\"p2\""));
    CHECK(!logged("add 2;"));
    request(pet, "{\"id\":5,\"type\":\"publish.offer\",\"sdp\":\"v=0\"}");
    CHECK(strstr(last(pet), "\"code\":\"forbidden\""));
    mark = host->msgs->len;
    join(clerk, tc);
    CHECK(clerk->member != NULL);
    CHECK(got(clerk, 0, "\"state\":\"admitted\"", "\"id\":\"p3\""));
    CHECK(!got(clerk, 0, "room.waiting", NULL)); /* only hosts see the waiting room */
    /* The clerk's entry changes the room, not the waiting room: the host gets
     * the new participants and no repeat of an unchanged waiting list. */
    hosts_told();
    CHECK(got(host, mark, "room.participants", "\"id\":\"p3\""));
    CHECK(!got(host, mark, "room.waiting", NULL));

    /* host-only checks */
    request(clerk, "{\"id\":6,\"type\":\"room.admit\",\"participant\":\"p2\"}");
    CHECK(got(clerk, 0, "\"id\":6", "\"code\":\"forbidden\""));
    request(host, "{\"id\":7,\"type\":\"room.admit\",\"participant\":\"p9\"}");
    CHECK(got(host, 0, "\"id\":7", "\"code\":\"not_found\""));

    /* admit */
    mark = clerk->msgs->len;
    request(host, "{\"id\":8,\"type\":\"room.admit\",\"participant\":\"p2\"}");
    CHECK(got(host, 0, "\"id\":8", "\"ok\":true"));
    CHECK(got(pet, 0, "\"event\":\"room.admitted\"", NULL));
    CHECK(logged("add 2;"));
    CHECK(got(clerk, mark, "room.participants", "\"id\":\"p2\",\"name\":\"张三\",\"role\":\"petitioner\",\"state\":\"present\""));

    /* media: publish, subscriber offer and answer, candidates */
    request(pet, "{\"id\":9,\"type\":\"publish.offer\",\"sdp\":\"v=0\"}");
    CHECK(strstr(last(pet), "\"id\":9") && strstr(last(pet), "\"sdp\":\"answer\""));
    request(pet, "{\"id\":10,\"type\":\"publish.offer\",\"sdp\":\"bad\"}");
    CHECK(strstr(last(pet), "\"code\":\"bad_sdp\""));
    yf_room_track tr[2] = {{"0", 1, "audio", TRUE}, {"1", 1, "video", TRUE}};
    media_cb->on_subscribe_offer(media_user, 2, "offer", 5, tr, 2);
    CHECK(strstr(last(pet), "\"event\":\"subscribe.offer\"") && strstr(last(pet), "\"revision\":5") &&
          strstr(last(pet), "{\"mid\":\"1\",\"participant\":\"p1\",\"kind\":\"video\",\"active\":true}"));
    request(pet, "{\"id\":11,\"type\":\"subscribe.answer\",\"sdp\":\"v=0\",\"revision\":4}");
    CHECK(strstr(last(pet), "\"code\":\"stale\""));
    /* The same from media/net (an offer it made after the one answered): stale, not bad_sdp. */
    request(pet, "{\"id\":111,\"type\":\"subscribe.answer\",\"sdp\":\"race\",\"revision\":5}");
    CHECK(strstr(last(pet), "\"id\":111") && strstr(last(pet), "\"code\":\"stale\""));
    request(pet, "{\"id\":12,\"type\":\"subscribe.answer\",\"sdp\":\"v=0\",\"revision\":5}");
    CHECK(strstr(last(pet), "\"id\":12") && strstr(last(pet), "\"ok\":true") && logged("answer 2 5;"));
    request(pet, "{\"id\":13,\"type\":\"ice.candidate\",\"candidate\":\"\"}");
    CHECK(strstr(last(pet), "\"code\":\"bad_request\""));
    request(pet, "{\"id\":14,\"type\":\"ice.candidate\",\"pc\":\"subscribe\",\"candidate\":\"\"}");
    CHECK(strstr(last(pet), "\"ok\":true") && strstr(last(pet), "\"used\":true") && logged("cand 2 sub;"));
    /* A line that does not parse is an error; one set aside by policy is not. */
    request(pet, "{\"id\":31,\"type\":\"ice.candidate\",\"pc\":\"publish\",\"candidate\":\"candidate:garbage\"}");
    CHECK(strstr(last(pet), "\"code\":\"bad_candidate\""));
    request(pet, "{\"id\":32,\"type\":\"ice.candidate\",\"pc\":\"publish\",\"candidate\":\"candidate:1 1 tcp 1 192.0.2.1 9 typ host\"}");
    CHECK(strstr(last(pet), "\"ok\":true") && strstr(last(pet), "\"used\":false") &&
          strstr(last(pet), "\"reason\":\"candidate not used: TCP"));
    media_cb->on_local_candidate(media_user, 2, YF_PC_PUBLISH, "candidate:1 1 UDP 1 127.0.0.1 9 typ host", "0", 0);
    CHECK(strstr(last(pet), "\"pc\":\"publish\"") && strstr(last(pet), "ice.candidate"));
    media_cb->on_pc_state(media_user, 2, YF_PC_SUBSCRIBE, "connected", "AEAD_AES_128_GCM", NULL);
    CHECK(strstr(last(pet), "\"state\":\"connected\"") && strstr(last(pet), "\"pc\":\"subscribe\""));
    /* A link cut the websocket outlives: the publish connection fails, and
     * the audit log (so the notes) says so once and again when it is back;
     * the subscribe connection's state alone says nothing there, nor does a
     * publish connection that never connected (no media, so no gap). */
    audited = g_string_new(NULL);
    yf_sigroom_hub_set_audit(hub, audit_fn, NULL);
    media_cb->on_pc_state(media_user, 2, YF_PC_SUBSCRIBE, "failed", NULL, "ice failed");
    media_cb->on_pc_state(media_user, 2, YF_PC_PUBLISH, "failed", NULL, "ice failed");
    media_cb->on_pc_state(media_user, 2, YF_PC_PUBLISH, "connected", NULL, NULL);
    CHECK(audited->len == 0);
    media_cb->on_pc_state(media_user, 2, YF_PC_PUBLISH, "failed", NULL, "ice failed");
    media_cb->on_pc_state(media_user, 2, YF_PC_PUBLISH, "connecting", NULL, NULL);
    media_cb->on_pc_state(media_user, 2, YF_PC_PUBLISH, "failed", NULL, "ice failed");
    CHECK(strstr(last(pet), "\"state\":\"failed\"") && strstr(last(pet), "\"pc\":\"publish\""));
    media_cb->on_pc_state(media_user, 2, YF_PC_PUBLISH, "connected", NULL, NULL);
    media_cb->on_pc_state(media_user, 2, YF_PC_PUBLISH, "connected", NULL, NULL);
    CHECK(!strcmp(audited->str, "room.media_lost invitee:9;room.media_back invitee:9;"));
    yf_sigroom_hub_set_audit(hub, NULL, NULL);
    g_string_free(audited, TRUE);
    request(pet, "{\"id\":15,\"type\":\"subscribe.restart\"}");
    CHECK(logged("restart 2;"));
    media_cb->on_active_speaker(media_user, 2);
    CHECK(strstr(last(clerk), "room.active_speaker") && strstr(last(clerk), "\"p2\""));
    /* p2's downlink cannot carry its video: only p2 hears of it */
    mark = clerk->msgs->len;
    media_cb->on_downlink(media_user, 2, TRUE);
    CHECK(!strcmp(last(pet), "{\"v\":1,\"type\":\"event\",\"event\":\"media.downlink\",\"data\":{\"video_paused\":true}}"));
    media_cb->on_downlink(media_user, 2, FALSE);
    CHECK(strstr(last(pet), "\"video_paused\":false") != NULL);
    CHECK_EQ_INT(clerk->msgs->len, mark);
    media_cb->on_downlink(media_user, 99, TRUE); /* gone: nothing */

    /* host mute */
    request(clerk, "{\"id\":16,\"type\":\"room.mute\",\"participant\":\"p2\",\"kind\":\"audio\"}");
    CHECK(strstr(last(clerk), "\"code\":\"forbidden\""));
    mark = clerk->msgs->len;
    request(host, "{\"id\":17,\"type\":\"room.mute\",\"participant\":\"p2\",\"kind\":\"audio\"}");
    CHECK(logged("fwd 2 0 1;"));
    CHECK(got(pet, 0, "\"event\":\"room.muted\"", "\"by\":\"p1\""));
    CHECK(got(clerk, mark, "room.participants", "\"id\":\"p2\",\"name\":\"张三\",\"role\":\"petitioner\",\"state\":\"present\",\"audio_muted\":false,\"video_muted\":false,\"host_muted_audio\":true"));
    request(pet, "{\"id\":18,\"type\":\"room.mute_self\",\"kind\":\"video\",\"muted\":true}");
    CHECK(got(clerk, mark, "room.participants", "\"video_muted\":true"));

    /* rejoin within the grace period: same id, straight in, fresh subscriber */
    mark = clerk->msgs->len;
    yf_sigroom_detach(pet->member);
    CHECK(got(clerk, mark, "room.participants", "\"id\":\"p2\",\"name\":\"张三\",\"role\":\"petitioner\",\"state\":\"reconnecting\""));
    CHECK(logged("hangup 2;"));                   /* nothing more to a page that is gone */
    CHECK(strstr(media_log->str, "remove 2;") == NULL);
    join(pet2, tp);
    CHECK(pet2->member && got(pet2, 0, "\"state\":\"admitted\"", "\"self\":{\"id\":\"p2\""));
    CHECK(logged("reset 2;"));
    CHECK(strstr(media_log->str, "remove 2;") == NULL);

    /* a second live connection with the same token replaces the first */
    join(pet3, tp);
    CHECK(pet3->member && pet2->member == NULL && pet2->closed);
    CHECK(strstr(last(pet2), "room.removed"));
    media_cb->on_local_candidate(media_user, 2, YF_PC_SUBSCRIBE, "", "0", 0);
    CHECK(strstr(last(pet3), "ice.candidate"));

    /* after the grace period the clerk is gone; coming back is a new join
     * that keeps the old id, so their media lines elsewhere come back */
    yf_sigroom_hub_set_grace_ms(hub, 100);
    mark = clerk->msgs->len;
    yf_sigroom_detach(clerk->member);
    clerk->member = NULL;
    run_for_ms(300);
    hosts_told();
    CHECK(logged("remove 3;"));
    CHECK(strstr(last_roster(host), "room.participants") && !strstr(last_roster(host), "\"id\":\"p3\""));
    g_string_truncate(media_log, 0);
    join(clerk, tc);
    CHECK(clerk->member && got(clerk, mark, "\"self\":{\"id\":\"p3\"", NULL));
    CHECK(logged("add 3;"));

    /* remove: the petitioner is told, closed, and may not come back */
    mark = host->msgs->len;
    request(host, "{\"id\":19,\"type\":\"room.remove\",\"participant\":\"p2\"}");
    CHECK(got(host, mark, "\"id\":19", "\"ok\":true"));
    CHECK(strstr(last(pet3), "room.removed") && pet3->closed && pet3->member == NULL);
    CHECK(logged("remove 2;"));
    hosts_told();
    CHECK(strstr(last_roster(host), "room.participants") && !strstr(last_roster(host), "\"id\":\"p2\""));
    join(pet, tp);
    CHECK(pet->member == NULL && strstr(last(pet), "\"code\":\"forbidden\""));
    request(host, "{\"id\":20,\"type\":\"room.remove\",\"participant\":\"p1\"}");
    CHECK(strstr(last(host), "\"code\":\"bad_request\""));

    /* leave; the empty room closes after the grace period */
    request(clerk, "{\"id\":21,\"type\":\"room.leave\"}");
    CHECK(clerk->member == NULL && got(clerk, 0, "\"id\":21", "\"ok\":true"));
    request(host, "{\"id\":22,\"type\":\"room.leave\"}");
    CHECK(host->member == NULL);
    CHECK_EQ_INT(yf_sigroom_hub_n_rooms(hub), 1);
    run_for_ms(300);
    CHECK_EQ_INT(yf_sigroom_hub_n_rooms(hub), 0);
    CHECK(logged("free;"));

    g_free(th); g_free(tp); g_free(tc);
    conn_free(host); conn_free(pet); conn_free(clerk); conn_free(pet2); conn_free(pet3);
}

/* An observer waits too; a waiting participant who drops and comes back within
 * the grace period waits again, with the same id. */
/* A host mute cannot be escaped: one set while the petitioner waits holds
 * when they are admitted, and a muted clerk who leaves and rejoins with the
 * same token comes back muted. */
static void test_mute_holds(void)
{
    fake_conn *host = conn_new(), *pet = conn_new(), *clerk = conn_new(), *clerk2 = conn_new();
    char *th = token("r4", "staff:1", "H", "prosecutor", 3600, NULL);
    char *tp = token("r4", "invitee:9", "P", "petitioner", 3600, NULL);
    char *tc = token("r4", "staff:2", "C", "clerk", 3600, NULL);
    join(host, th);
    join(pet, tp);
    join(clerk, tc);
    request(host, "{\"id\":1,\"type\":\"room.mute\",\"participant\":\"p2\",\"kind\":\"audio\"}");
    CHECK(got(host, 0, "\"id\":1", "\"ok\":true"));
    g_string_truncate(media_log, 0);
    request(host, "{\"id\":2,\"type\":\"room.admit\",\"participant\":\"p2\"}");
    CHECK(logged("add 2;fwd 2 0 1;"));   /* muted from the first packet */

    request(host, "{\"id\":3,\"type\":\"room.mute\",\"participant\":\"p3\",\"kind\":\"video\"}");
    request(clerk, "{\"id\":4,\"type\":\"room.leave\"}");
    g_string_truncate(media_log, 0);
    join(clerk2, tc);
    CHECK(clerk2->member != NULL);
    CHECK(got(clerk2, 0, "\"host_muted_video\":true", NULL));
    CHECK(got(clerk2, 0, "\"self\":{\"id\":\"p3\"", NULL)); /* the same id again */
    CHECK(logged("fwd 3 1 0;"));          /* video still held back */
    g_free(th); g_free(tp); g_free(tc);
    request(host, "{\"id\":5,\"type\":\"room.leave\"}");
    request(pet, "{\"id\":6,\"type\":\"room.leave\"}");
    request(clerk2, "{\"id\":7,\"type\":\"room.leave\"}");
    conn_free(host); conn_free(pet); conn_free(clerk); conn_free(clerk2);
}

/* A full room says so: a directly admitted joiner is refused with busy, and
 * the host's admit of a waiting petitioner answers busy (one reply) and
 * leaves them waiting. */
static void test_full_room(void)
{
    fake_conn *host = conn_new(), *pet = conn_new(), *clerk = conn_new();
    char *th = token("r5", "staff:1", "H", "prosecutor", 3600, NULL);
    char *tp = token("r5", "invitee:9", "P", "petitioner", 3600, NULL);
    char *tc = token("r5", "staff:2", "C", "clerk", 3600, NULL);
    join(host, th);
    join(pet, tp);
    media_full = TRUE;
    join(clerk, tc);
    CHECK(clerk->member == NULL && strstr(last(clerk), "\"code\":\"busy\""));
    guint mark = host->msgs->len;
    request(host, "{\"id\":1,\"type\":\"room.admit\",\"participant\":\"p2\"}");
    CHECK(got(host, mark, "\"id\":1", "\"code\":\"busy\""));
    CHECK(!got(host, mark, "\"id\":1", "\"ok\":true"));
    CHECK(!got(pet, 0, "room.admitted", NULL));
    media_full = FALSE;
    request(host, "{\"id\":2,\"type\":\"room.admit\",\"participant\":\"p2\"}");
    CHECK(got(pet, 0, "room.admitted", NULL));
    request(host, "{\"id\":3,\"type\":\"room.leave\"}");
    request(pet, "{\"id\":4,\"type\":\"room.leave\"}");
    g_free(th); g_free(tp); g_free(tc);
    conn_free(host); conn_free(pet); conn_free(clerk);
}

/* The server's media budget (shared with the device tests): a participant
 * it has no room for gets busy, saying the server is at its limit; leaving
 * gives the place back. */
static void test_budget(void)
{
    yf_media_budget b = {.used = 0, .max = 2};
    fake_conn *host = conn_new(), *pet = conn_new(), *clerk = conn_new();
    char *th = token("r9", "staff:1", "H", "prosecutor", 3600, NULL);
    char *tp = token("r9", "invitee:9", "P", "petitioner", 3600, NULL);
    char *tc = token("r9", "staff:2", "C", "clerk", 3600, NULL);
    yf_sigroom_hub_set_budget(hub, &b);
    join(host, th);
    CHECK_EQ_INT(b.used, 1);
    join(pet, tp);                              /* p2; waiting takes no media */
    CHECK_EQ_INT(b.used, 1);
    b.used++;                                   /* a device test elsewhere */
    join(clerk, tc);
    CHECK(clerk->member == NULL && strstr(last(clerk), "\"code\":\"busy\"") &&
          strstr(last(clerk), "limit of media sessions"));
    guint mark = host->msgs->len;
    request(host, "{\"id\":1,\"type\":\"room.admit\",\"participant\":\"p2\"}");
    CHECK(got(host, mark, "\"id\":1", "limit of media sessions"));
    b.used--;                                   /* the device test ended */
    request(host, "{\"id\":2,\"type\":\"room.admit\",\"participant\":\"p2\"}");
    CHECK(got(pet, 0, "room.admitted", NULL));
    CHECK_EQ_INT(b.used, 2);
    request(pet, "{\"id\":3,\"type\":\"room.leave\"}");
    request(host, "{\"id\":4,\"type\":\"room.leave\"}");
    CHECK_EQ_INT(b.used, 0);
    yf_sigroom_hub_set_budget(hub, NULL);
    g_free(th); g_free(tp); g_free(tc);
    conn_free(host); conn_free(pet); conn_free(clerk);
}

static void test_waiting_rejoin(void)
{
    fake_conn *host = conn_new(), *obs = conn_new(), *obs2 = conn_new();
    char *th = token("r3", "staff:1", "H", "prosecutor", 3600, NULL);
    char *to = token("r3", "guest:1", "O", "observer", 3600, NULL);
    yf_sigroom_hub_set_grace_ms(hub, 5000);
    join(host, th);
    join(obs, to);
    CHECK(got(obs, 0, "\"state\":\"waiting\"", NULL));
    yf_sigroom_detach(obs->member);
    join(obs2, to);
    CHECK(got(obs2, 0, "\"state\":\"waiting\"", "\"self\":{\"id\":\"p2\""));
    request(host, "{\"id\":3,\"type\":\"room.admit\",\"participant\":\"p2\"}");
    CHECK(got(obs2, 0, "room.admitted", NULL));
    g_free(th); g_free(to);
    yf_sigroom_hub_free(hub);   /* frees the room with members in it */
    hub = NULL;
    CHECK(host->member == NULL && obs2->member == NULL);
    conn_free(host); conn_free(obs); conn_free(obs2);
}

/* A room the recorder wants is captured from its opening; everyone who
 * enters its media is named to the recorder with the moment they entered it,
 * waiting participants only once admitted (the moment of the admit); capture
 * can stop and start again on the open room; the close is
 * reported. Rooms the recorder does not want are not captured. */
static void test_capture(void)
{
    fake_conn *host = conn_new(), *pet = conn_new(), *other = conn_new();
    char *th = token("r6", "staff:1", "H", "prosecutor", 3600, NULL);
    char *tp = token("r6", "invitee:9", "P", "petitioner", 3600, NULL);
    char *t7 = token("r7", "staff:1", "H", "prosecutor", 3600, NULL);
    int dummy_writer;
    cap_log = g_string_new(NULL);
    yf_sigroom_hub_set_grace_ms(hub, 0);
    yf_sigroom_hub_set_capture(hub, (yf_rec_writer *)&dummy_writer, &cap_hooks, NULL);
    g_string_truncate(media_log, 0);
    join(host, th);
    CHECK(logged("new r6;capture /cap/r6;"));
    CHECK(strstr(cap_log->str, "opened r6;member r6 1 staff:1 H prosecutor;") != NULL);
    gint64 host_entered = cap_entered[1];
    join(pet, tp);
    CHECK(strstr(cap_log->str, "invitee:9") == NULL);   /* waiting: not in the media */
    run_for_ms(20);
    gint64 before_admit = g_get_real_time() / 1000;
    request(host, "{\"id\":1,\"type\":\"room.admit\",\"participant\":\"p2\"}");
    CHECK(strstr(cap_log->str, "member r6 2 invitee:9 P petitioner;") != NULL);
    /* entered_ms: the host's own join, the petitioner's admission (not their join). */
    CHECK(host_entered > 0 && host_entered < before_admit && cap_entered[2] >= before_admit);
    gint64 pet_entered = cap_entered[2];
    CHECK(yf_sigroom_hub_capture(hub, "r6", NULL));
    CHECK(logged("capture stop;"));
    g_string_truncate(cap_log, 0);
    CHECK(yf_sigroom_hub_capture(hub, "r6", "/cap/again"));
    CHECK(logged("capture /cap/again;"));
    CHECK(!strcmp(cap_log->str, "member r6 1 staff:1 H prosecutor;member r6 2 invitee:9 P petitioner;"));
    CHECK(cap_entered[1] == host_entered && cap_entered[2] == pet_entered);   /* when they entered, again */
    CHECK(!yf_sigroom_hub_capture(hub, "nosuch", "/x"));
    g_string_truncate(media_log, 0);
    join(other, t7);
    CHECK(logged("new r7;") && !logged("capture"));
    request(other, "{\"id\":2,\"type\":\"room.leave\"}");
    g_string_truncate(cap_log, 0);
    request(host, "{\"id\":3,\"type\":\"room.leave\"}");
    request(pet, "{\"id\":4,\"type\":\"room.leave\"}");
    run_for_ms(20);
    CHECK(!strcmp(cap_log->str, "closed r6;"));   /* r7 was not captured */
    yf_sigroom_hub_set_capture(hub, NULL, NULL, NULL);
    g_free(th); g_free(tp); g_free(t7);
    conn_free(host); conn_free(pet); conn_free(other);
    g_string_free(cap_log, TRUE);
}

/* The gate the recorder sets: TRUE while the room's hearing may be held and
 * the person may still come in (here: invitee:9 once room8_barred). */
static gboolean room8_over, room8_barred;
static gboolean gate_r8(void *user, const yf_room_claims *c, yf_sig_errc *code, const char **why)
{
    (void)user;
    if (strcmp(c->room, "r8") == 0 && room8_over) {
        *code = YF_SIG_ERR_ENDED;
        *why = "this hearing has ended";
        return FALSE;
    }
    if (strcmp(c->room, "r8") == 0 && room8_barred && strcmp(c->participant, "invitee:9") == 0) {
        *code = YF_SIG_ERR_FORBIDDEN;
        *why = "you were removed from this hearing";
        return FALSE;
    }
    return TRUE;
}

/* A person the gate bars (removed, invitation withdrawn, signed out) gets
 * forbidden at every join, a rejoin with the same token included, and is not
 * let into the room; others still are. */
static void test_gate_person(void)
{
    fake_conn *host = conn_new(), *pet = conn_new(), *again = conn_new();
    char *th = token("r8", "staff:1", "H", "prosecutor", 3600, NULL);
    char *tp = token("r8", "invitee:9", "P", "petitioner", 3600, NULL);
    yf_sigroom_hub_set_gate(hub, gate_r8, NULL);
    join(host, th);
    join(pet, tp);
    CHECK(pet->member != NULL);
    request(pet, "{\"id\":2,\"type\":\"room.leave\"}");
    room8_barred = TRUE;
    join(again, tp);
    CHECK(again->member == NULL && strstr(last(again), "\"code\":\"forbidden\"") &&
          strstr(last(again), "removed"));
    CHECK(host->member != NULL);
    request(host, "{\"id\":3,\"type\":\"room.leave\"}");
    room8_barred = FALSE;
    yf_sigroom_hub_set_gate(hub, NULL, NULL);
    g_free(th); g_free(tp);
    conn_free(host); conn_free(pet); conn_free(again);
}

/* Ending a hearing ends its room for everyone, the waiting included: each is
 * told room.ended, taken out of the media and closed; the room closes; a later
 * join with any of its tokens gets hearing_ended, and other rooms go on. */
static void test_end_room(void)
{
    fake_conn *host = conn_new(), *pet = conn_new(), *obs = conn_new(), *late = conn_new(),
              *other = conn_new();
    char *th = token("r8", "staff:1", "H", "prosecutor", 3600, NULL);
    char *tp = token("r8", "invitee:9", "P", "petitioner", 3600, NULL);
    char *to = token("r8", "guest:1", "O", "observer", 3600, NULL);
    char *t9 = token("r9", "staff:1", "H", "prosecutor", 3600, NULL);
    yf_sigroom_hub_set_grace_ms(hub, 300);
    yf_sigroom_hub_set_gate(hub, gate_r8, NULL);
    join(host, th);
    join(pet, tp);
    join(obs, to);   /* stays waiting */
    join(other, t9);
    request(host, "{\"id\":1,\"type\":\"room.admit\",\"participant\":\"p2\"}");
    g_string_truncate(media_log, 0);
    room8_over = TRUE;
    yf_sigroom_hub_end_room(hub, "r8", "hearing_ended");
    CHECK(got(host, 0, "\"event\":\"room.ended\"", "hearing_ended") && host->closed);
    CHECK(got(pet, 0, "\"event\":\"room.ended\"", NULL) && pet->closed);
    CHECK(got(obs, 0, "\"event\":\"room.ended\"", NULL) && obs->closed);
    CHECK(logged("remove 1;") && logged("remove 2;") && !logged("remove 3;"));   /* p3 never had media */
    CHECK(host->member == NULL && pet->member == NULL && obs->member == NULL);
    CHECK(!other->closed && !got(other, 0, "room.ended", NULL));
    join(late, tp);
    CHECK(late->member == NULL && strstr(last(late), "\"code\":\"hearing_ended\""));
    /* The emptied room closes after the grace period: a join the gate lets
     * through afterwards opens a new one. */
    run_for_ms(500);
    room8_over = FALSE;
    g_string_truncate(media_log, 0);
    join(host, th);
    CHECK(host->member != NULL && logged("new r8;"));
    request(host, "{\"id\":3,\"type\":\"room.leave\"}");
    yf_sigroom_hub_end_room(hub, "nosuch", "hearing_ended");   /* no such room: nothing */
    request(other, "{\"id\":2,\"type\":\"room.leave\"}");
    yf_sigroom_hub_set_gate(hub, NULL, NULL);
    room8_over = FALSE;
    g_free(th); g_free(tp); g_free(to); g_free(t9);
    conn_free(host); conn_free(pet); conn_free(obs); conn_free(late); conn_free(other);
}

/* The store's side, as the recorder plays it: room r10's hearing info and
 * whether the token's person may end it. */
static int ended_calls;
static json_t *info_r10(void *user, const char *room)
{
    (void)user;
    return strcmp(room, "r10") == 0 ? json_pack("{s:s, s:s}", "case_no", "C-10", "host", "H") : NULL;
}
static gboolean end_r10(void *user, const char *room, const char *participant, gint64 *hearing_id,
                        yf_sig_errc *code, const char **why)
{
    (void)user;
    if (strcmp(room, "r10") == 0 && strcmp(participant, "staff:1") == 0) {
        *hearing_id = 10;
        return TRUE;
    }
    *code = YF_SIG_ERR_FORBIDDEN;
    *why = "only the case's prosecutor may end this hearing";
    return FALSE;
}
static void ended_r10(void *user, gint64 id)
{
    ended_calls++;
    CHECK(id == 10);
    yf_sigroom_hub_end_room(user, "r10", "hearing_ended");
}
static gboolean gate_r10_early;
static gboolean gate_r10(void *user, const yf_room_claims *c, yf_sig_errc *code, const char **why)
{
    (void)user; (void)c;
    if (!gate_r10_early)
        return TRUE;
    *code = YF_SIG_ERR_NOT_STARTED;
    *why = "the hearing has not started yet";
    return FALSE;
}

/* room.end: only the host, and only when the store agrees; the host gets its
 * reply before the room ends for everyone. The join result, and a
 * not_started refusal, carry the store's view of the hearing. */
static void test_room_end(void)
{
    fake_conn *early = conn_new(), *host = conn_new(), *pet = conn_new(), *clerk = conn_new(),
              *host2 = conn_new();
    char *th = token("r10", "staff:1", "H", "prosecutor", 3600, NULL);
    char *th2 = token("r10", "staff:2", "H2", "prosecutor", 3600, NULL);
    char *tp = token("r10", "invitee:9", "P", "petitioner", 3600, NULL);
    char *tc = token("r10", "staff:3", "C", "clerk", 3600, NULL);
    yf_sigroom_hearing_hooks hooks = {info_r10, end_r10, ended_r10};
    yf_sigroom_hub_set_hearing(hub, &hooks, hub);
    yf_sigroom_hub_set_gate(hub, gate_r10, NULL);
    gate_r10_early = TRUE;
    join(early, tp);
    CHECK(early->member == NULL && strstr(last(early), "\"code\":\"not_started\"") &&
          strstr(last(early), "\"hearing\":{\"case_no\":\"C-10\""));
    gate_r10_early = FALSE;
    join(host, th);
    CHECK(got(host, 0, "\"type\":\"reply\"", "\"hearing\":{\"case_no\":\"C-10\",\"host\":\"H\"}"));
    join(pet, tp);
    join(clerk, tc);
    join(host2, th2);
    request(host, "{\"id\":1,\"type\":\"room.admit\",\"participant\":\"p2\"}");
    request(pet, "{\"id\":2,\"type\":\"room.end\"}");
    CHECK(strstr(last(pet), "\"id\":2") && strstr(last(pet), "\"code\":\"forbidden\"") && !pet->closed);
    request(clerk, "{\"id\":3,\"type\":\"room.end\"}");
    CHECK(strstr(last(clerk), "\"code\":\"forbidden\"") && !clerk->closed);
    request(host2, "{\"id\":4,\"type\":\"room.end\"}");   /* a host the store refuses */
    CHECK(strstr(last(host2), "\"code\":\"forbidden\"") && strstr(last(host2), "prosecutor"));
    CHECK(ended_calls == 0);
    request(host, "{\"id\":5,\"type\":\"room.end\"}");
    CHECK(ended_calls == 1);
    CHECK(got(host, 0, "\"id\":5,\"type\":\"reply\",\"ok\":true", NULL));
    CHECK(got(host, 0, "\"event\":\"room.ended\"", NULL) && host->closed);
    int at_reply = -1, at_ended = -1;
    for (guint i = 0; i < host->msgs->len; i++) {
        const char *msg = g_ptr_array_index(host->msgs, i);
        if (strstr(msg, "\"id\":5,"))
            at_reply = (int)i;
        if (strstr(msg, "room.ended"))
            at_ended = (int)i;
    }
    CHECK(at_reply >= 0 && at_reply < at_ended);
    CHECK(pet->closed && clerk->closed && host2->closed && pet->member == NULL);
    yf_sigroom_hub_set_hearing(hub, NULL, NULL);
    yf_sigroom_hub_set_gate(hub, NULL, NULL);
    g_free(th); g_free(th2); g_free(tp); g_free(tc);
    conn_free(early); conn_free(host); conn_free(pet); conn_free(clerk); conn_free(host2);
}

/* ---- a public hearing's agenda, its deliberation room, observers ---- */

/* The store's side of room r20's agenda, as the recorder plays it. */
static int agenda_stored = -1;
static gboolean agenda_load(void *user, const char *room, int *step, gint64 *since_ms)
{
    (void)user;
    if (strcmp(room, "r20") != 0)
        return FALSE;
    *step = agenda_stored < 0 ? 0 : agenda_stored;
    *since_ms = 0;
    return TRUE;
}
static gboolean agenda_set(void *user, const char *room, const char *participant, int step, gint64 now_ms,
                           yf_sig_errc *code, const char **why)
{
    (void)user; (void)now_ms;
    if (strcmp(room, "r20") != 0 || strcmp(participant, "staff:1") != 0) {
        *code = YF_SIG_ERR_FORBIDDEN;
        *why = "no";
        return FALSE;
    }
    agenda_stored = step;
    return TRUE;
}

static void join_part(fake_conn *c, const char *tok)
{
    yf_sig_request req;
    char *json = g_strdup_printf("{\"id\":1,\"type\":\"room.join\",\"token\":\"%s\",\"part\":\"deliberation\"}", tok);
    parse(json, &req);
    c->member = yf_sigroom_join(hub, c, &req);
    c->closed = FALSE;
    yf_sig_request_clear(&req);
    g_free(json);
}

/* The host moves the agenda (stored through the hook, told to everyone);
 * nobody else may; the timer is the host's; at 休会评议 the 听证员, and only
 * they, enter the deliberation room, which closes (captured apart) when the
 * host moves on; a room opened later reads the stored step back; an
 * observer cannot publish and the host cannot unmute them. */
static void test_agenda(void)
{
    fake_conn *host = conn_new(), *pet = conn_new(), *ho1 = conn_new(), *ho2 = conn_new(), *obs = conn_new(),
              *d1 = conn_new(), *d2 = conn_new(), *sneak = conn_new();
    char *th = token("r20", "staff:1", "H", "prosecutor", 3600, NULL);
    char *tp = token("r20", "invitee:1", "P", "petitioner", 3600, NULL);
    char *t1 = token("r20", "invitee:2", "O1", "hearing_officer", 3600, NULL);
    char *t2 = token("r20", "invitee:3", "O2", "hearing_officer", 3600, NULL);
    char *to = token("r20", "invitee:4", "W", "observer", 3600, NULL);
    char *tdirect = token("r20.deliberation", "invitee:2", "O1", "hearing_officer", 3600, NULL);
    yf_sigroom_agenda_hooks hooks = {agenda_load, agenda_set};
    yf_sigroom_hub_set_agenda(hub, &hooks, NULL);
    yf_sigroom_hub_set_capture(hub, (yf_rec_writer *)&dummy_room, &cap_hooks, NULL);
    cap_log = g_string_new(NULL);
    join(host, th);
    CHECK(got(host, 0, "\"event\":\"agenda\"", "\"step\":0"));
    join(pet, tp);
    join(ho1, t1);
    join(ho2, t2);
    join(obs, to);
    request(host, "{\"id\":2,\"type\":\"room.admit\",\"participant\":\"p2\"}");
    request(host, "{\"id\":3,\"type\":\"room.admit\",\"participant\":\"p5\"}");
    CHECK(got(pet, 0, "\"event\":\"agenda\"", NULL) && got(obs, 0, "\"event\":\"agenda\"", NULL));
    /* only the host moves it */
    request(pet, "{\"id\":4,\"type\":\"agenda.step\",\"step\":2}");
    CHECK(strstr(last(pet), "\"code\":\"forbidden\"") && agenda_stored < 0);
    request(ho1, "{\"id\":5,\"type\":\"agenda.timer\",\"running\":true}");
    CHECK(strstr(last(ho1), "\"code\":\"forbidden\""));
    guint mark = obs->msgs->len;
    request(host, "{\"id\":6,\"type\":\"agenda.step\",\"step\":2}");
    CHECK(agenda_stored == 2 && got(host, 0, "\"id\":6,\"type\":\"reply\",\"ok\":true", NULL));
    CHECK(got(obs, mark, "\"event\":\"agenda\"", "\"step\":2,") && got(pet, 0, "\"deliberation\":false", NULL));
    request(host, "{\"id\":7,\"type\":\"agenda.timer\",\"running\":true,\"limit_s\":300}");
    CHECK(got(pet, 0, "\"running\":true", "\"limit_s\":300"));
    request(host, "{\"id\":8,\"type\":\"agenda.timer\",\"running\":false}");
    CHECK(strstr(last(pet), "\"running\":false"));
    /* the deliberation room is shut before 休会评议, and to everyone but 听证员 */
    join_part(d1, t1);
    CHECK(d1->member == NULL && strstr(last(d1), "\"code\":\"forbidden\"") && strstr(last(d1), "not open"));
    request(host, "{\"id\":9,\"type\":\"agenda.step\",\"step\":4}");
    CHECK(got(ho1, 0, "\"deliberation\":true", NULL) && got(pet, 0, "\"deliberation\":true", NULL));
    join_part(sneak, tp);
    CHECK(sneak->member == NULL && strstr(last(sneak), "\"code\":\"forbidden\"") && strstr(last(sneak), "听证员"));
    join_part(sneak, th);
    CHECK(sneak->member == NULL && strstr(last(sneak), "\"code\":\"forbidden\""));
    join(sneak, tdirect);   /* a token naming the deliberation room itself */
    CHECK(sneak->member == NULL && strstr(last(sneak), "\"code\":\"bad_token\""));
    g_string_truncate(cap_log, 0);
    join_part(d1, t1);
    join_part(d2, t2);
    CHECK(d1->member && d2->member && strstr(cap_log->str, "opened r20.deliberation;"));
    CHECK(got(d1, 0, "\"room\":\"r20.deliberation\"", NULL) && got(d1, 0, "\"event\":\"agenda\"", "\"step\":4"));
    CHECK(ho1->member == NULL && ho2->member == NULL);   /* out of the hearing room */
    const char *list = NULL;
    hosts_told();
    for (guint i = 0; i < host->msgs->len; i++)
        if (strstr(g_ptr_array_index(host->msgs, i), "\"event\":\"room.participants\""))
            list = g_ptr_array_index(host->msgs, i);
    CHECK(list && !strstr(list, "\"name\":\"O1\"") && strstr(list, "\"name\":\"W\""));
    /* the host resumes: the deliberation room ends for its members */
    request(host, "{\"id\":10,\"type\":\"agenda.step\",\"step\":5}");
    CHECK(got(d1, 0, "\"event\":\"room.ended\"", "deliberation_over") && d1->closed && d2->closed);
    CHECK(strstr(cap_log->str, "closed r20.deliberation;"));
    join_part(d1, t1);
    CHECK(d1->member == NULL && strstr(last(d1), "not open"));
    join(ho1, t1);   /* back in the hearing room */
    CHECK(ho1->member && got(ho1, 0, "\"step\":5", NULL));
    /* back to 休会评议 within the grace period: the deliberation is captured again */
    fake_conn *d3 = conn_new();
    g_string_truncate(cap_log, 0);
    request(host, "{\"id\":30,\"type\":\"agenda.step\",\"step\":4}");
    join_part(d3, t1);
    CHECK(d3->member && strstr(cap_log->str, "opened r20.deliberation;"));
    request(host, "{\"id\":31,\"type\":\"agenda.step\",\"step\":5}");
    CHECK(d3->closed && strstr(cap_log->str, "closed r20.deliberation;"));
    join(ho1, t1);
    CHECK(ho1->member != NULL);
    /* a witness (证人) waits like a petitioner and, once admitted, may speak */
    fake_conn *wit = conn_new();
    char *tw = token("r20", "invitee:9", "Z", "witness", 3600, NULL);
    join(wit, tw);
    hosts_told();
    CHECK(got(host, 0, "\"event\":\"room.waiting\"", "\"name\":\"Z\""));
    request(host, "{\"id\":32,\"type\":\"room.admit\",\"participant\":\"p6\"}");
    request(wit, "{\"id\":33,\"type\":\"publish.offer\",\"sdp\":\"v=0\"}");
    CHECK(strstr(last(wit), "\"id\":33") && !strstr(last(wit), "only watches"));
    /* observers: receive-only */
    request(obs, "{\"id\":11,\"type\":\"publish.offer\",\"sdp\":\"v=0\"}");
    CHECK(strstr(last(obs), "\"code\":\"forbidden\"") && strstr(last(obs), "observer"));
    request(host, "{\"id\":12,\"type\":\"room.mute\",\"participant\":\"p5\",\"kind\":\"audio\",\"muted\":false}");
    CHECK(strstr(last(host), "\"id\":12") && strstr(last(host), "\"code\":\"forbidden\""));
    request(host, "{\"id\":13,\"type\":\"room.mute\",\"participant\":\"p5\",\"kind\":\"audio\"}");
    CHECK(got(host, 0, "\"id\":13,\"type\":\"reply\",\"ok\":true", NULL));
    /* a room without an agenda refuses the requests */
    fake_conn *plain = conn_new();
    char *tplain = token("r21", "staff:1", "H", "prosecutor", 3600, NULL);
    join(plain, tplain);
    CHECK(!got(plain, 0, "\"event\":\"agenda\"", NULL));
    request(plain, "{\"id\":14,\"type\":\"agenda.step\",\"step\":1}");
    CHECK(strstr(last(plain), "\"code\":\"forbidden\"") && strstr(last(plain), "public hearing"));
    request(plain, "{\"id\":15,\"type\":\"room.leave\"}");
    /* after everyone leaves and the room closes, it reads the step back */
    yf_sigroom_hub_set_grace_ms(hub, 50);
    request(host, "{\"id\":16,\"type\":\"room.leave\"}");
    request(pet, "{\"id\":17,\"type\":\"room.leave\"}");
    request(ho1, "{\"id\":18,\"type\":\"room.leave\"}");
    request(obs, "{\"id\":19,\"type\":\"room.leave\"}");
    request(wit, "{\"id\":34,\"type\":\"room.leave\"}");
    run_for_ms(200);
    fake_conn *host2 = conn_new();
    join(host2, th);
    CHECK(got(host2, 0, "\"event\":\"agenda\"", "\"step\":5,"));
    request(host2, "{\"id\":20,\"type\":\"room.leave\"}");
    yf_sigroom_hub_set_agenda(hub, NULL, NULL);
    yf_sigroom_hub_set_capture(hub, NULL, NULL, NULL);
    g_string_free(cap_log, TRUE);
    cap_log = NULL;
    g_free(th); g_free(tp); g_free(t1); g_free(t2); g_free(to); g_free(tdirect); g_free(tplain); g_free(tw);
    conn_free(wit); conn_free(d3);
    conn_free(host); conn_free(pet); conn_free(ho1); conn_free(ho2); conn_free(obs); conn_free(d1);
    conn_free(d2); conn_free(sneak); conn_free(plain); conn_free(host2);
}

/* With TURN set on the hub, each room.join reply carries a credential of
 * the participant's own: "EXPIRY:pN" (EXPIRY = now + lifetime) and the
 * HMAC-SHA1 of exactly that username; two participants get two. */
static void test_turn_credentials(void)
{
    char *path = NULL;
    int fd = g_file_open_tmp("yf-room-turn-XXXXXX", &path, NULL);
    g_assert(fd >= 0);
    close(fd);
    g_file_set_contents(path, "room-state-secret\n", -1, NULL);
    g_chmod(path, 0600);
    char *urls[] = {"turns:turn.example.gov.cn:443?transport=tcp", NULL};
    GError *err = NULL;
    yf_turn *turn = yf_turn_new(urls, path, 600, &err);
    CHECK(turn != NULL);
    yf_sigroom_hub_set_turn(hub, turn);
    fake_conn *a = conn_new(), *b = conn_new();
    char *ta = token("turn-room", "turn-a", "甲", "prosecutor", 600, NULL);
    char *tb = token("turn-room", "turn-b", "乙", "clerk", 600, NULL);
    gint64 before = g_get_real_time() / G_USEC_PER_SEC;
    join(a, ta);
    join(b, tb);
    gint64 after = g_get_real_time() / G_USEC_PER_SEC;
    const char *users[2] = {NULL, NULL};
    json_t *replies[2] = {NULL, NULL};
    fake_conn *conns[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        CHECK(conns[i]->member != NULL && conns[i]->msgs->len > 0);
        if (!conns[i]->msgs->len)
            continue;
        replies[i] = json_loads(g_ptr_array_index(conns[i]->msgs, 0), 0, NULL);
        json_t *ice = json_object_get(json_object_get(replies[i], "result"), "ice_servers");
        json_t *t = json_array_get(ice, json_array_size(ice) - 1);
        users[i] = json_string_value(json_object_get(t, "username"));
        const char *cred = json_string_value(json_object_get(t, "credential"));
        CHECK(users[i] && cred);
        if (!users[i] || !cred)
            continue;
        gint64 expiry = g_ascii_strtoll(users[i], NULL, 10);
        CHECK(expiry >= before + 600 && expiry <= after + 600);
        CHECK(strchr(users[i], ':') && strchr(users[i], ':')[1] == 'p');   /* the participant id, not a name */
        char *u = NULL, *want = NULL;
        yf_turn_mint((const guint8 *)"room-state-secret", 17, expiry, strchr(users[i], ':') + 1, &u, &want);
        CHECK(g_str_equal(u, users[i]) && g_str_equal(want, cred));
        g_free(u); g_free(want);
    }
    CHECK(users[0] && users[1] && !g_str_equal(users[0], users[1]));
    for (int i = 0; i < 2; i++)
        json_decref(replies[i]);
    yf_sigroom_hub_end_room(hub, "turn-room", "test over");
    yf_sigroom_hub_set_turn(hub, NULL);
    yf_turn_free(turn);
    g_unlink(path);
    g_free(path); g_free(ta); g_free(tb);
    conn_free(a); conn_free(b);
}

int main(void)
{
    media_log = g_string_new(NULL);
    memset(&key, 1, sizeof key);
    hub = yf_sigroom_hub_new(NULL, &key, 60, NULL, &conn_ops, &media_ops);
    test_tokens();
    test_hearing();
    test_gate_person();
    test_mute_holds();
    test_full_room();
    test_budget();
    test_capture();
    test_end_room();
    test_room_end();
    test_agenda();
    test_turn_credentials();
    test_waiting_rejoin();   /* frees the hub: last */
    g_string_free(media_log, TRUE);
    return yf_test_done("test_room_state");
}
