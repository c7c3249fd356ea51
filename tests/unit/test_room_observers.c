/* test_room_observers.c -- receive-only observers (旁听) beyond the
 * 16-publisher cap: the hearing-room state machine (signaling/sigroom.c) on
 * the real room media (media/net/room.c, one worker, no browsers). 16
 * participants who may publish fill the room and a 17th is refused with a
 * sentence that says why; then 300 observers (120 under AddressSanitizer) are admitted into the same
 * room, up to the room's observer limit and not one more; an observer may
 * not publish; and an observer coming in sends nothing to the people on the
 * stage (their roster leaves the audience out), while the host's roster
 * counts everyone. An open gallery (room.gallery) lets observers in as
 * they arrive. */
#include <stdlib.h>

#include "media/core/dtls.h"
#include "signaling/sigroom.h"
#include "sigroom_wait.h"
#include "yf_test.h"

#define N_STAGE 16
/* The host's roster names every observer, so admitting n of them builds
 * O(n²) JSON objects; under AddressSanitizer (with its slow, exact unwinding
 * on every allocation) 300 take minutes, so that build admits 120, which
 * still grows every table of the room past its first size. */
#if defined(__SANITIZE_ADDRESS__)
#define N_OBSERVERS 120
#else
#define N_OBSERVERS 300
#endif

typedef struct {
    GPtrArray *msgs;            /* of char * */
    gsize bytes;                /* everything ever sent to it */
    yf_sigroom_member *member;
} fake_conn;

static void conn_send_take(void *c, char *msg)
{
    fake_conn *fc = c;
    if (!msg)
        return;
    fc->bytes += strlen(msg);
    g_ptr_array_add(fc->msgs, msg);
}
static void conn_unbind(void *c) { ((fake_conn *)c)->member = NULL; }
static void conn_close(void *c) { (void)c; }
static const yf_sigroom_conn_ops conn_ops = {conn_send_take, conn_unbind, conn_close};

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

static const char *last(const fake_conn *c)
{
    return c->msgs->len ? g_ptr_array_index(c->msgs, c->msgs->len - 1) : "";
}

static void request(fake_conn *c, const char *json, gboolean join)
{
    yf_sig_request req;
    GError *err = NULL;
    if (!yf_sig_parse(json, strlen(json), &req, &err)) {
        fprintf(stderr, "test request does not parse: %s\n", err->message);
        abort();
    }
    if (join)
        c->member = yf_sigroom_join(hub, c, &req);
    else
        yf_sigroom_request(c->member, &req);
    yf_sig_request_clear(&req);
}

static const char *room_name = "hall";

static void join(fake_conn *c, const char *pid, const char *role)
{
    yf_room_claims claims = {(char *)room_name, (char *)pid, "某人", (char *)role,
                             g_get_real_time() / G_USEC_PER_SEC + 3600, NULL};
    char *tok = yf_room_token_mint(&key, &claims);
    char *json = g_strdup_printf("{\"id\":1,\"type\":\"room.join\",\"token\":\"%s\"}", tok);
    request(c, json, TRUE);
    g_free(json);
    g_free(tok);
}

static void admit(fake_conn *host, const fake_conn *who)
{
    char *json = g_strdup_printf("{\"id\":2,\"type\":\"room.admit\",\"participant\":\"%s\"}",
                                 yf_sigroom_member_id(who->member));
    request(host, json, FALSE);
    g_free(json);
}

static unsigned events(const fake_conn *c, const char *needle, guint from);

static unsigned count(const char *hay, const char *needle)
{
    unsigned n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void scenario(void)
{
    fake_conn *stage[N_STAGE + 1], *obs[N_OBSERVERS + 1];
    unsigned rooms, pubs, observers;
    char pid[32];

    /* The host, then 15 others who enter directly and may publish. */
    for (int i = 0; i <= N_STAGE; i++) {
        stage[i] = conn_new();
        g_snprintf(pid, sizeof pid, "staff:%d", i + 1);
        join(stage[i], pid, i == 0 ? "prosecutor" : i % 2 ? "lawyer" : "hearing_officer");
    }
    for (int i = 0; i < N_STAGE; i++)
        CHECK(stage[i]->member && strstr(g_ptr_array_index(stage[i]->msgs, 0), "\"ok\":true"));
    /* The 17th who may publish is refused, and told why. */
    CHECK(stage[N_STAGE]->member == NULL);
    CHECK(strstr(last(stage[N_STAGE]), "\"code\":\"busy\"") &&
          strstr(last(stage[N_STAGE]), "participants who speak as it can carry (16)"));

    /* N_OBSERVERS wait and are admitted; the limit is N_OBSERVERS here. */
    gsize stage_bytes = 0;
    for (int i = 1; i < N_STAGE; i++)
        stage_bytes += stage[i]->bytes;
    gsize host_before = stage[0]->bytes;
    guint host_msgs = stage[0]->msgs->len;
    gint64 t0 = g_get_monotonic_time();
    for (int i = 0; i <= N_OBSERVERS; i++) {
        obs[i] = conn_new();
        g_snprintf(pid, sizeof pid, "invitee:%d", i + 1);
        join(obs[i], pid, "observer");
        CHECK(obs[i]->member && strstr(last(obs[i]), "\"state\":\"waiting\""));
        admit(stage[0], obs[i]);
    }
    /* The host's rosters (which name everyone) come at most once per gap,
     * not once per arrival: 300 arriving at once are a few lists, not 600
     * growing ones (O(n²) bytes, which once got a host's connection closed). */
    gint64 took_ms = (g_get_monotonic_time() - t0) / 1000;
    hosts_told();
    unsigned rosters = events(stage[0], "\"event\":\"room.participants\"", host_msgs) +
                       events(stage[0], "\"event\":\"room.waiting\"", host_msgs);
    printf("%d observers came and were admitted in %" G_GINT64_FORMAT " ms; the host got %u rosters\n",
           N_OBSERVERS + 1, took_ms, rosters);
    CHECK(rosters >= 2 && rosters <= 2 * (2 + took_ms / YF_SIGROOM_HOST_LIST_GAP_MS));
    /* The one past the limit is refused, with a sentence. */
    gboolean refused = FALSE;
    for (guint i = 0; i < stage[0]->msgs->len; i++)
        if (strstr(g_ptr_array_index(stage[0]->msgs, i), "as many observers as it can carry"))
            refused = TRUE;
    CHECK(refused);
    yf_sigroom_hub_count(hub, &rooms, &pubs, &observers);
    CHECK_EQ_INT(rooms, 1);
    CHECK_EQ_INT(pubs, N_STAGE);
    CHECK_EQ_INT(observers, N_OBSERVERS);

    /* Nobody on the stage but the host heard of them: not one byte. */
    gsize after = 0;
    for (int i = 1; i < N_STAGE; i++)
        after += stage[i]->bytes;
    CHECK_EQ_INT(after, stage_bytes);
    /* The host's last roster names everyone; the host got something for each. */
    const char *roster = NULL;
    for (guint i = 0; i < stage[0]->msgs->len; i++)
        if (strstr(g_ptr_array_index(stage[0]->msgs, i), "\"event\":\"room.participants\""))
            roster = g_ptr_array_index(stage[0]->msgs, i);
    CHECK(roster && count(roster, "\"role\":\"observer\"") == N_OBSERVERS &&
          count(roster, "\"id\":\"p") == N_STAGE + N_OBSERVERS);
    CHECK(stage[0]->bytes > host_before);
    /* An observer's roster is the stage: 16 entries, itself not among them. */
    const char *seen = NULL;
    for (guint i = 0; i < obs[0]->msgs->len; i++)
        if (strstr(g_ptr_array_index(obs[0]->msgs, i), "\"event\":\"room.participants\""))
            seen = g_ptr_array_index(obs[0]->msgs, i);
    CHECK(seen && count(seen, "\"id\":\"p") == N_STAGE && !strstr(seen, "\"role\":\"observer\""));
    /* ... and what each observer received is bounded by the stage, not the
     * audience: the last admitted got no more than the first. */
    CHECK(obs[N_OBSERVERS - 1]->bytes <= obs[0]->bytes + 64);

    /* An observer may not publish. */
    request(obs[5], "{\"id\":3,\"type\":\"publish.offer\",\"sdp\":\"v=0\"}", FALSE);
    CHECK(strstr(last(obs[5]), "\"code\":\"forbidden\"") && strstr(last(obs[5]), "only watches"));

    /* Observers leaving free their places; the stage hears nothing of it. */
    for (int i = 0; i < 10; i++)
        request(obs[i], "{\"id\":4,\"type\":\"room.leave\"}", FALSE);
    yf_sigroom_hub_count(hub, &rooms, &pubs, &observers);
    CHECK_EQ_INT(observers, N_OBSERVERS - 10);
    after = 0;
    for (int i = 1; i < N_STAGE; i++)
        after += stage[i]->bytes;
    CHECK_EQ_INT(after, stage_bytes);
    /* A publisher leaving is news to everyone, observers included. */
    gsize obs_before = obs[20]->bytes;
    request(stage[3], "{\"id\":5,\"type\":\"room.leave\"}", FALSE);
    CHECK(obs[20]->bytes > obs_before && stage[1]->bytes > 0);
    /* ... and its place on the stage can be taken again. */
    join(stage[N_STAGE], "staff:99", "lawyer");
    CHECK(stage[N_STAGE]->member != NULL);

    yf_sigroom_hub_free(hub);   /* unbinds the connections, so before them */
    hub = NULL;
    for (int i = 0; i <= N_STAGE; i++)
        conn_free(stage[i]);
    for (int i = 0; i <= N_OBSERVERS; i++)
        conn_free(obs[i]);
}

/* The reply to request id (the last message carrying it), or "". */
static const char *reply_to(const fake_conn *c, int id)
{
    char *idkey = g_strdup_printf("\"id\":%d,", id);
    const char *found = "";
    for (guint i = 0; i < c->msgs->len; i++)
        if (strstr(g_ptr_array_index(c->msgs, i), idkey) && !strstr(g_ptr_array_index(c->msgs, i), "\"event\""))
            found = g_ptr_array_index(c->msgs, i);
    g_free(idkey);
    return found;
}

static unsigned events(const fake_conn *c, const char *needle, guint from)
{
    unsigned n = 0;
    for (guint i = from; i < c->msgs->len; i++)
        n += strstr(g_ptr_array_index(c->msgs, i), needle) != NULL;
    return n;
}

/* room.admit {"observers":true}: the host lets a waiting audience in with one
 * message (one by one, 500 would take five seconds of the host's message
 * budget), each of them told and audited, the host's roster sent once; a
 * participant who is not the host may not; past the observer limit the rest
 * wait, and the reply says how many could not come in and why. */
static void admit_all(void)
{
    enum { N = N_OBSERVERS + 7 };
    fake_conn *host = conn_new(), *lawyer = conn_new(), *obs[N];
    char pid[32];

    room_name = "hall-all";
    join(host, "staff:1", "prosecutor");
    join(lawyer, "staff:2", "lawyer");
    for (int i = 0; i < N; i++) {
        obs[i] = conn_new();
        g_snprintf(pid, sizeof pid, "invitee:%d", i + 1);
        join(obs[i], pid, "observer");
        CHECK(obs[i]->member && strstr(last(obs[i]), "\"state\":\"waiting\""));
    }
    request(lawyer, "{\"id\":7,\"type\":\"room.admit\",\"observers\":true}", FALSE);
    CHECK(strstr(reply_to(lawyer, 7), "\"code\":\"forbidden\"") != NULL);
    CHECK(events(obs[0], "room.admitted", 0) == 0);

    hosts_told();
    guint before = host->msgs->len;
    request(host, "{\"id\":8,\"type\":\"room.admit\",\"observers\":true}", FALSE);
    char *want = g_strdup_printf("\"admitted\":%d", N_OBSERVERS);
    const char *reply = NULL;
    for (guint i = before; i < host->msgs->len; i++)
        if (strstr(g_ptr_array_index(host->msgs, i), "\"id\":8"))
            reply = g_ptr_array_index(host->msgs, i);
    CHECK(reply && strstr(reply, "\"ok\":true") && strstr(reply, want) && strstr(reply, "\"not_admitted\":7") &&
          strstr(reply, "as many observers as it can carry"));
    g_free(want);
    hosts_told();
    CHECK_EQ_INT(events(host, "\"event\":\"room.participants\"", before), 1);
    unsigned told = 0;
    for (int i = 0; i < N; i++)
        told += events(obs[i], "\"event\":\"room.admitted\"", 0);
    CHECK_EQ_INT(told, N_OBSERVERS);
    CHECK(events(obs[0], "\"event\":\"room.admitted\"", 0) == 1 && events(obs[N - 1], "room.admitted", 0) == 0);

    /* None can come in now: busy, and nobody is told anything new. */
    before = host->msgs->len;
    request(host, "{\"id\":9,\"type\":\"room.admit\",\"observers\":true}", FALSE);
    CHECK(strstr(reply_to(host, 9), "\"code\":\"busy\"") != NULL);
    hosts_told();
    CHECK_EQ_INT(events(host, "\"event\":\"room.participants\"", before), 0);
    /* Once places are free, the rest come in; with nobody waiting, 0. */
    for (int i = 0; i < 7; i++)
        request(obs[i], "{\"id\":4,\"type\":\"room.leave\"}", FALSE);
    request(host, "{\"id\":10,\"type\":\"room.admit\",\"observers\":true}", FALSE);
    CHECK(strstr(reply_to(host, 10), "\"admitted\":7") && !strstr(reply_to(host, 10), "not_admitted"));
    request(host, "{\"id\":11,\"type\":\"room.admit\",\"observers\":true}", FALSE);
    CHECK(strstr(reply_to(host, 11), "\"ok\":true") && strstr(reply_to(host, 11), "\"admitted\":0"));

    yf_sigroom_hub_free(hub);
    hub = NULL;
    conn_free(host);
    conn_free(lawyer);
    for (int i = 0; i < N; i++)
        conn_free(obs[i]);
}

/* The audit entries of the gallery test: "action subject by detail". */
static GPtrArray *audited;

static void on_audit(void *user, const char *room, const char *action, const char *pid, const char *role,
                     const char *by, const char *detail)
{
    (void)user, (void)room, (void)role;
    g_ptr_array_add(audited, g_strdup_printf("%s %s %s %s", action, pid, by ? by : "-", detail ? detail : "-"));
}

static gboolean audited_has(const char *line)
{
    for (guint i = 0; i < audited->len; i++)
        if (strcmp(g_ptr_array_index(audited, i), line) == 0)
            return TRUE;
    return FALSE;
}

/* room.gallery: the host opens a public hearing's gallery, and observers come
 * in as they arrive, each audited as admitted by that host, until it is full
 * (the next arrivals wait, and come in as places free); a second host
 * arriving is told it is open; closed, newcomers wait again. Only a host may. */
static void gallery(void)
{
    enum { LIMIT = 4, N = 7 };
    fake_conn *host = conn_new(), *lawyer = conn_new(), *host2 = conn_new(), *obs[N];
    char pid[32];

    room_name = "hall-gallery";
    yf_sigroom_hub_set_max_observers(hub, LIMIT);
    audited = g_ptr_array_new_with_free_func(g_free);
    yf_sigroom_hub_set_audit(hub, on_audit, NULL);
    join(host, "staff:1", "prosecutor");
    join(lawyer, "staff:2", "lawyer");
    for (int i = 0; i < N; i++) {
        obs[i] = conn_new();
        g_snprintf(pid, sizeof pid, "invitee:%d", i + 1);
    }
    join(obs[0], "invitee:1", "observer");
    join(obs[1], "invitee:2", "observer");
    CHECK(strstr(last(obs[0]), "\"state\":\"waiting\"") && strstr(last(obs[1]), "\"state\":\"waiting\""));

    request(lawyer, "{\"id\":7,\"type\":\"room.gallery\",\"open\":true}", FALSE);
    CHECK(strstr(reply_to(lawyer, 7), "\"code\":\"forbidden\"") != NULL);
    CHECK(events(obs[0], "room.admitted", 0) == 0);

    /* Opened: the two waiting come in at once; the host is told. */
    request(host, "{\"id\":8,\"type\":\"room.gallery\",\"open\":true}", FALSE);
    CHECK(strstr(reply_to(host, 8), "\"open\":true") && strstr(reply_to(host, 8), "\"admitted\":2"));
    CHECK(events(obs[0], "\"event\":\"room.admitted\"", 0) == 1 && events(obs[1], "\"event\":\"room.admitted\"", 0) == 1);
    CHECK_EQ_INT(events(host, "\"event\":\"room.gallery\",\"data\":{\"open\":true}", 0), 1);
    CHECK(audited_has("room.gallery_open staff:1 - -") && audited_has("hearing.admit invitee:1 staff:1 the gallery is open"));
    /* A second host who comes is told it is open; the lawyer never is. */
    join(host2, "staff:3", "prosecutor");
    CHECK_EQ_INT(events(host2, "\"event\":\"room.gallery\"", 0), 1);
    CHECK_EQ_INT(events(lawyer, "\"event\":\"room.gallery\"", 0), 0);

    /* Those who come now are in at once, up to the limit; then they wait. */
    join(obs[2], "invitee:3", "observer");
    join(obs[3], "invitee:4", "observer");
    CHECK(strstr(g_ptr_array_index(obs[2]->msgs, 0), "\"state\":\"admitted\"") &&
          strstr(g_ptr_array_index(obs[3]->msgs, 0), "\"state\":\"admitted\""));
    CHECK(audited_has("room.join invitee:3 staff:1 the gallery is open"));
    join(obs[4], "invitee:5", "observer");
    CHECK(obs[4]->member && strstr(g_ptr_array_index(obs[4]->msgs, 0), "\"state\":\"waiting\""));
    /* One leaves: the one waiting comes in, without the host's word. */
    request(obs[0], "{\"id\":4,\"type\":\"room.leave\"}", FALSE);
    CHECK_EQ_INT(events(obs[4], "\"event\":\"room.admitted\"", 0), 1);
    CHECK(audited_has("hearing.admit invitee:5 staff:1 the gallery is open"));
    unsigned rooms, pubs, observers;
    yf_sigroom_hub_count(hub, &rooms, &pubs, &observers);
    CHECK_EQ_INT(observers, LIMIT);

    /* The other host "opens" it again: nothing changes, and those who come
     * are still admitted in the name of the host who opened it. */
    request(obs[1], "{\"id\":4,\"type\":\"room.leave\"}", FALSE);
    guint host_before = host->msgs->len;
    request(host2, "{\"id\":11,\"type\":\"room.gallery\",\"open\":true}", FALSE);
    CHECK(strstr(reply_to(host2, 11), "\"open\":true") && strstr(reply_to(host2, 11), "\"admitted\":0"));
    CHECK(!audited_has("room.gallery_open staff:3 - -") && host->msgs->len == host_before);
    join(obs[6], "invitee:7", "observer");
    CHECK(strstr(g_ptr_array_index(obs[6]->msgs, 0), "\"state\":\"admitted\""));
    CHECK(audited_has("room.join invitee:7 staff:1 the gallery is open"));

    /* Closed by the other host: both hosts are told; newcomers wait again,
     * those inside stay. */
    request(host2, "{\"id\":9,\"type\":\"room.gallery\",\"open\":false}", FALSE);
    CHECK(strstr(reply_to(host2, 9), "\"open\":false") && strstr(reply_to(host2, 9), "\"admitted\":0"));
    CHECK_EQ_INT(events(host, "\"event\":\"room.gallery\",\"data\":{\"open\":false}", 0), 1);
    CHECK_EQ_INT(events(host2, "\"event\":\"room.gallery\",\"data\":{\"open\":false}", 0), 1);
    CHECK(audited_has("room.gallery_close staff:3 - -"));
    join(obs[5], "invitee:6", "observer");
    CHECK(strstr(g_ptr_array_index(obs[5]->msgs, 0), "\"state\":\"waiting\""));
    yf_sigroom_hub_count(hub, &rooms, &pubs, &observers);
    CHECK_EQ_INT(observers, LIMIT);
    /* Closing what is closed changes nothing and tells nobody. */
    guint before = host->msgs->len;
    request(host2, "{\"id\":10,\"type\":\"room.gallery\",\"open\":false}", FALSE);
    CHECK(strstr(reply_to(host2, 10), "\"ok\":true") && host->msgs->len == before);

    yf_sigroom_hub_free(hub);
    hub = NULL;
    conn_free(host);
    conn_free(host2);
    conn_free(lawyer);
    for (int i = 0; i < N; i++)
        conn_free(obs[i]);
    g_ptr_array_free(audited, TRUE);
}

int main(void)
{
    GError *err = NULL;
    yf_dtls_cert *cert = NULL;
    char *addrs[] = {"127.0.0.1", NULL};

    CHECK_EQ_INT(yf_dtls_cert_generate(&cert), YF_OK);
    yf_net_config cfg = {.n_workers = 1, .local_addresses = addrs, .cert = cert};
    yf_net *media = yf_net_new(&cfg, NULL, &err);
    CHECK(media != NULL);
    if (!media)
        return yf_test_done("test_room_observers");
    memset(&key, 3, sizeof key);
    hub = yf_sigroom_hub_new(media, &key, 0, NULL, &conn_ops, NULL);
    yf_sigroom_hub_set_max_observers(hub, N_OBSERVERS);
    scenario();
    hub = yf_sigroom_hub_new(media, &key, 0, NULL, &conn_ops, NULL);
    yf_sigroom_hub_set_max_observers(hub, N_OBSERVERS);
    admit_all();
    hub = yf_sigroom_hub_new(media, &key, 0, NULL, &conn_ops, NULL);
    gallery();
    yf_sigroom_hub_free(hub);
    yf_net_free(media);
    yf_dtls_cert_free(cert);
    return yf_test_done("test_room_observers");
}
