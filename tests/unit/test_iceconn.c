/* test_iceconn.c -- the ICE connection module (media/net/iceconn.c) on
 * loopback: two yf_iceconn on this test's GMainContext reach DTLS-SRTP and
 * carry RTP; one of them starts without the remote credentials, so its
 * remote candidates are held until they come; an ICE restart reports
 * "connecting" then "connected" on the same association; a new remote gets
 * a new association; free sends close_notify; once ICE is up, datagrams
 * go out on the pair's socket past libnice, after a restart too; consent
 * (RFC 7675, shortened to 1 s): media answered keeps it, media unanswered
 * for that long loses it ("failed", nothing more sent), a restart gives it
 * back, and media after a pause starts the count again. Hard deadline:
 * never hangs. */
#include <string.h>

#include "media/net/iceconn.h"
#include "media/net/net_priv.h"
#include "yf_test.h"

#define DEADLINE_US (40 * G_USEC_PER_SEC)
#define CONSENT_TEST_US G_USEC_PER_SEC

/* One side: a connection and what it reported. */
typedef struct {
    const char *name;
    yf_iceconn *ice;
    char ufrag[YF_ICECONN_UFRAG_LEN + 1], pwd[YF_ICECONN_PWD_LEN + 1];
    char states[256];           /* "connecting;connected;" */
    char profile[64];
    GPtrArray *lines;           /* candidate lines not yet given to the other side; "" = end */
    int n_rtp, n_peer_end, n_input;
    gboolean connected_event;
} side;

typedef struct {
    GMainContext *ctx;
    int64_t deadline;
    yf_net *media;
    yf_dtls_cert *cert;
    char fp[128];
    side a, b;
    gboolean b_silent;          /* b's candidates do not reach a */
    uint16_t seq;
    int64_t consent_us;         /* for the connections made next; 0: the default */
} T;

/* ---- callbacks ---- */

static void on_state(void *user, const char *state, const char *profile, const char *reason)
{
    side *s = user;

    g_strlcat(s->states, state, sizeof s->states);
    g_strlcat(s->states, ";", sizeof s->states);
    if (profile)
        g_strlcpy(s->profile, profile, sizeof s->profile);
    if (reason)
        fprintf(stderr, "%s: %s: %s\n", s->name, state, reason);
}

static void on_candidate(void *user, const char *line)
{
    side *s = user;

    CHECK(g_str_has_prefix(line, "candidate:"));
    g_ptr_array_add(s->lines, g_strdup(line));
}

static void on_gathering_done(void *user)
{
    side *s = user;

    g_ptr_array_add(s->lines, g_strdup(""));
}

static void on_peer_event(void *user, int64_t now, const yf_output *o)
{
    side *s = user;

    if (o->event == YF_EV_RTP)
        s->n_rtp++;
    else if (o->event == YF_EV_CONNECTED)
        s->connected_event = TRUE;
}

static void on_input(void *user, int64_t now)
{
    side *s = user;

    s->n_input++;
}

static void on_peer_end(void *user, const yf_peer *peer)
{
    side *s = user;

    CHECK(peer != NULL);
    s->n_peer_end++;
}

static const yf_iceconn_callbacks callbacks = {
    .on_state = on_state,
    .on_candidate = on_candidate,
    .on_gathering_done = on_gathering_done,
    .on_peer_event = on_peer_event,
    .on_input = on_input,
    .on_peer_end = on_peer_end,
};

/* ---- helpers ---- */

static void side_new(T *t, side *s, const char *name)
{
    yf_iceconn_config cfg = { .conf = t->media, .ctx = t->ctx, .name = name, .own_timer = TRUE,
                              .consent_us = t->consent_us };

    g_clear_pointer(&s->lines, g_ptr_array_unref);
    memset(s, 0, sizeof *s);
    s->name = name;
    s->lines = g_ptr_array_new_with_free_func(g_free);
    CHECK(yf_iceconn_make_credentials(s->ufrag, s->pwd));
    s->ice = yf_iceconn_new(&cfg, &callbacks, s);
}

/* from's local credentials as to's remote ones; with_remote FALSE: to waits
 * for them (and its peer) like a subscriber connection before the answer. */
static yf_iceconn_params params(const T *t, const side *to, const side *from, yf_dtls_role role,
                                gboolean with_remote)
{
    return (yf_iceconn_params){ .local_ufrag = to->ufrag, .local_pwd = to->pwd,
                                .remote_ufrag = with_remote ? from->ufrag : NULL,
                                .remote_pwd = with_remote ? from->pwd : NULL, .role = role,
                                .remote_fingerprint = with_remote ? t->fp : NULL };
}

/* Trickles what `from` gathered to `to`, as the signaling would. */
static void trickle(T *t, side *from, side *to)
{
    for (guint i = 0; i < from->lines->len; i++) {
        const char *line = from->lines->pdata[i];
        GError *err = NULL;
        NiceCandidate *c = *line ? yf_net_parse_candidate(t->media, from->name, line, NULL, &err) : NULL;

        CHECK(!*line || c != NULL);
        g_clear_error(&err);
        if (c || !*line)
            yf_iceconn_add_remote_candidate(to->ice, c);
        if (c)
            nice_candidate_free(c);
    }
    g_ptr_array_set_size(from->lines, 0);
}

typedef gboolean (*cond_fn)(const T *t);

static gboolean pump(T *t, cond_fn cond)
{
    while (!cond(t) && g_get_monotonic_time() < t->deadline) {
        trickle(t, &t->a, &t->b);
        if (t->b_silent)
            g_ptr_array_set_size(t->b.lines, 0);
        trickle(t, &t->b, &t->a);
        g_main_context_iteration(t->ctx, FALSE);
        g_usleep(1000);
    }
    return cond(t);
}

static gboolean ends_with(const char *s, const char *tail)
{
    return g_str_has_suffix(s, tail);
}

static gboolean both_connected(const T *t)
{
    return ends_with(t->a.states, "connected;") && ends_with(t->b.states, "connected;");
}

static gboolean a_got_rtp(const T *t)
{
    return t->a.n_rtp >= 3;
}

static gboolean b_closed(const T *t)
{
    return ends_with(t->b.states, "closed;");
}

static size_t make_rtp(uint8_t *b, uint16_t seq)
{
    memset(b, 0, 112);
    b[0] = 0x80;
    b[1] = 96;
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    b[11] = 0x42; /* SSRC 0x42 */
    return 112;
}

/* b sends three RTP packets to a. */
static void send_rtp(T *t)
{
    uint8_t buf[112];
    int64_t now = g_get_monotonic_time();
    yf_peer *peer = yf_iceconn_peer(t->b.ice);

    t->a.n_rtp = 0;
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(yf_peer_send_rtp(peer, now, buf, make_rtp(buf, t->seq++)), YF_OK);
    yf_iceconn_drain(t->b.ice, now);
}

/* ---- the cases ---- */

static gboolean a_gathered(const T *t)
{
    return t->a.lines->len && !*(const char *)t->a.lines->pdata[t->a.lines->len - 1];
}

/* a answers like a publisher connection (everything at once); b waits for
 * the remote credentials and the fingerprint like a subscriber connection,
 * holding a's candidates meanwhile. b's own candidates never reach a, so
 * ICE comes up only if the held ones were kept. */
static void test_connect(T *t)
{
    yf_iceconn_params pa, pb;

    side_new(t, &t->a, "conn a");
    side_new(t, &t->b, "conn b");
    pa = params(t, &t->a, &t->b, YF_DTLS_ROLE_SERVER, TRUE);
    pb = params(t, &t->b, &t->a, YF_DTLS_ROLE_CLIENT, FALSE);
    CHECK(yf_iceconn_start(t->a.ice, &pa));
    CHECK(yf_iceconn_start(t->b.ice, &pb));
    CHECK(yf_iceconn_peer(t->a.ice) != NULL);
    CHECK(yf_iceconn_peer(t->b.ice) == NULL);
    CHECK_EQ_INT(yf_iceconn_next_timeout(t->b.ice), YF_TIME_NEVER);
    while (!a_gathered(t) && g_get_monotonic_time() < t->deadline)
        g_main_context_iteration(t->ctx, TRUE);
    trickle(t, &t->a, &t->b); /* held: b has no remote credentials */
    t->b_silent = TRUE;
    CHECK(!yf_iceconn_is_connected(t->a.ice));
    pb = params(t, &t->b, &t->a, YF_DTLS_ROLE_CLIENT, TRUE);
    yf_iceconn_set_remote(t->b.ice, &pb);
    CHECK(yf_iceconn_peer(t->b.ice) != NULL);
    CHECK(pump(t, both_connected));
    CHECK_EQ_INT(strcmp(t->a.states, "connecting;connected;"), 0);
    CHECK_EQ_INT(strcmp(t->b.states, "connecting;connected;"), 0);
    CHECK_EQ_INT(strcmp(t->a.profile, "AEAD_AES_128_GCM"), 0);
    CHECK(yf_iceconn_is_connected(t->a.ice) && yf_iceconn_is_connected(t->b.ice));
    CHECK(t->a.connected_event && t->b.connected_event);
    send_rtp(t);
    CHECK(pump(t, a_got_rtp));
    CHECK(t->a.n_input > 0);
    /* after the first through libnice, on the pair's socket directly */
    CHECK(yf_iceconn_direct_sent(t->b.ice) > 0);
    t->b_silent = FALSE;
}

/* RFC 8445 section 9 on both sides: "connecting", then "connected" again
 * from ICE, with no new DTLS handshake; media flows on. */
static void test_restart(T *t)
{
    yf_iceconn_params pa, pb;

    CHECK(yf_iceconn_make_credentials(t->a.ufrag, t->a.pwd));
    CHECK(yf_iceconn_make_credentials(t->b.ufrag, t->b.pwd));
    t->a.states[0] = t->b.states[0] = '\0';
    t->a.connected_event = t->b.connected_event = FALSE;
    pa = params(t, &t->a, &t->b, YF_DTLS_ROLE_SERVER, TRUE);
    pb = params(t, &t->b, &t->a, YF_DTLS_ROLE_CLIENT, TRUE);
    yf_iceconn_restart(t->a.ice, &pa);
    yf_iceconn_restart(t->b.ice, &pb);
    CHECK(t->a.lines->len >= 2); /* our candidates again, and the end */
    CHECK(pump(t, both_connected));
    CHECK_EQ_INT(strcmp(t->a.states, "connecting;connected;"), 0);
    CHECK_EQ_INT(strcmp(t->b.states, "connecting;connected;"), 0);
    CHECK(!t->a.connected_event && !t->b.connected_event);
    CHECK_EQ_INT(t->a.n_peer_end, 0);
    uint64_t direct = yf_iceconn_direct_sent(t->b.ice);
    send_rtp(t);
    CHECK(pump(t, a_got_rtp));
    CHECK(yf_iceconn_direct_sent(t->b.ice) > direct); /* the new pair's socket */
}

/* b's page made a new RTCPeerConnection: a keeps its stream and gets a new
 * association; the old peer's counters come out once. */
static void test_new_remote(T *t)
{
    yf_iceconn_params pa, pb;

    yf_iceconn_free(t->b.ice);
    side_new(t, &t->b, "conn b2");
    CHECK(yf_iceconn_make_credentials(t->a.ufrag, t->a.pwd));
    t->a.states[0] = '\0';
    t->a.connected_event = FALSE;
    pa = params(t, &t->a, &t->b, YF_DTLS_ROLE_SERVER, TRUE);
    pb = params(t, &t->b, &t->a, YF_DTLS_ROLE_CLIENT, TRUE);
    yf_iceconn_new_remote(t->a.ice, &pa);
    CHECK_EQ_INT(t->a.n_peer_end, 1);
    CHECK(!yf_iceconn_is_connected(t->a.ice));
    CHECK(yf_iceconn_start(t->b.ice, &pb));
    CHECK(pump(t, both_connected));
    CHECK_EQ_INT(strcmp(t->a.states, "connecting;connected;"), 0); /* nothing of the old one */
    CHECK(t->a.connected_event);
    send_rtp(t);
    CHECK(pump(t, a_got_rtp));
}

/* Freeing a sends its close_notify: b hears "closed". a had b's media and
 * wrote its DTLS session off (dtls.h, yf_dtls_retire): the close_notify it
 * sends is the one it made then. (b never had a's media, so it still reads
 * records; a would no longer read b's.) */
static void test_free(T *t)
{
    yf_peer_stats st;
    yf_peer_get_stats(yf_iceconn_peer(t->a.ice), &st);
    CHECK(st.dtls_retired);
    yf_iceconn_free(t->a.ice);
    t->a.ice = NULL;
    CHECK_EQ_INT(t->a.n_peer_end, 2); /* its first peer ended in test_new_remote */
    CHECK(pump(t, b_closed));
    CHECK(!yf_iceconn_is_connected(t->b.ice));
    yf_iceconn_free(t->b.ice);
    t->b.ice = NULL;
    CHECK_EQ_INT(t->b.n_peer_end, 1);
    yf_iceconn_free(NULL);
}

/* A set-up failure is reported once, as "failed" with the reason, and the
 * connection is inert until freed. */
static void test_failure(T *t)
{
    yf_iceconn_params p;

    side_new(t, &t->a, "conn bad");
    p = params(t, &t->a, &t->a, (yf_dtls_role)7, TRUE);
    CHECK(!yf_iceconn_start(t->a.ice, &p));
    CHECK_EQ_INT(strcmp(t->a.states, "failed;"), 0);
    CHECK(yf_iceconn_peer(t->a.ice) == NULL);
    yf_iceconn_add_remote_candidate(t->a.ice, NULL);
    yf_iceconn_restart(t->a.ice, &p);
    CHECK_EQ_INT(strcmp(t->a.states, "failed;"), 0);
    yf_iceconn_free(t->a.ice);
    t->a.ice = NULL;
    CHECK_EQ_INT(t->a.n_peer_end, 0);
}

/* One RTP packet from `from` to the other side. */
static void send_one(T *t, side *from)
{
    uint8_t buf[112];
    int64_t now = g_get_monotonic_time();

    CHECK_EQ_INT(yf_peer_send_rtp(yf_iceconn_peer(from->ice), now, buf, make_rtp(buf, t->seq++)), YF_OK);
    yf_iceconn_drain(from->ice, now);
}

/* ms of b sending media every 20 ms (b_sends) and a answering every
 * 100 ms (a_answers); stops early once b reports "failed". */
static void run_media(T *t, int ms, gboolean b_sends, gboolean a_answers)
{
    int64_t end = g_get_monotonic_time() + ms * 1000, next_b = 0, next_a = 0;

    while (g_get_monotonic_time() < end && g_get_monotonic_time() < t->deadline &&
           !ends_with(t->b.states, "failed;")) {
        int64_t now = g_get_monotonic_time();
        if (b_sends && now >= next_b) {
            send_one(t, &t->b);
            next_b = now + 20000;
        }
        if (a_answers && now >= next_a) {
            send_one(t, &t->a);
            next_a = now + 100000;
        }
        g_main_context_iteration(t->ctx, FALSE);
        g_usleep(1000);
    }
}

static void test_consent(T *t)
{
    yf_iceconn_params pa, pb;

    t->consent_us = CONSENT_TEST_US;
    side_new(t, &t->a, "browser");
    side_new(t, &t->b, "server");
    pa = params(t, &t->a, &t->b, YF_DTLS_ROLE_CLIENT, TRUE);
    pb = params(t, &t->b, &t->a, YF_DTLS_ROLE_SERVER, TRUE);
    CHECK(yf_iceconn_start(t->a.ice, &pa));
    CHECK(yf_iceconn_start(t->b.ice, &pb));
    CHECK(pump(t, both_connected));
    /* media answered: three times the consent time, nothing lost */
    t->a.n_rtp = t->b.n_rtp = 0;
    run_media(t, 3000, TRUE, TRUE);
    CHECK(!ends_with(t->b.states, "failed;"));
    CHECK(t->a.n_rtp > 100 && t->b.n_rtp > 20);
    /* the browser falls silent: consent goes a second later, not before */
    int64_t silent = g_get_monotonic_time();
    run_media(t, 3000, TRUE, FALSE);
    int64_t took = g_get_monotonic_time() - silent;
    CHECK(ends_with(t->b.states, "connected;failed;"));
    CHECK(took >= CONSENT_TEST_US - 150000 && took < CONSENT_TEST_US + 500000); /* a answered every 100 ms */
    /* and nothing more reaches it */
    run_media(t, 50, FALSE, FALSE);
    int got = t->a.n_rtp;
    uint64_t direct = yf_iceconn_direct_sent(t->b.ice);
    for (int i = 0; i < 20; i++)
        send_one(t, &t->b);
    run_media(t, 300, FALSE, FALSE);
    CHECK_EQ_INT(t->a.n_rtp, got);
    CHECK_EQ_INT(yf_iceconn_direct_sent(t->b.ice), direct);
    /* an ICE restart gives it back */
    CHECK(yf_iceconn_make_credentials(t->a.ufrag, t->a.pwd));
    CHECK(yf_iceconn_make_credentials(t->b.ufrag, t->b.pwd));
    t->a.states[0] = t->b.states[0] = '\0';
    pa = params(t, &t->a, &t->b, YF_DTLS_ROLE_CLIENT, TRUE);
    pb = params(t, &t->b, &t->a, YF_DTLS_ROLE_SERVER, TRUE);
    yf_iceconn_restart(t->a.ice, &pa);
    yf_iceconn_restart(t->b.ice, &pb);
    CHECK(pump(t, both_connected));
    got = t->a.n_rtp;
    run_media(t, 300, TRUE, FALSE);
    CHECK(t->a.n_rtp > got + 5);
    /* media after a pause longer than the consent time, unanswered: the
     * browser gets its time to answer before consent goes */
    run_media(t, 1500, FALSE, FALSE);
    run_media(t, 700, TRUE, FALSE);
    CHECK(!ends_with(t->b.states, "failed;"));
    run_media(t, 1000, TRUE, FALSE);
    CHECK(ends_with(t->b.states, "failed;"));
    yf_iceconn_free(t->a.ice);
    yf_iceconn_free(t->b.ice);
    t->a.ice = t->b.ice = NULL;
    t->consent_us = 0;
}

static void test_credentials(void)
{
    char ufrag[YF_ICECONN_UFRAG_LEN + 1], pwd[YF_ICECONN_PWD_LEN + 1];
    char ufrag2[YF_ICECONN_UFRAG_LEN + 1], pwd2[YF_ICECONN_PWD_LEN + 1];

    CHECK(yf_iceconn_make_credentials(ufrag, pwd));
    CHECK(yf_iceconn_make_credentials(ufrag2, pwd2));
    CHECK_EQ_INT(strlen(ufrag), YF_ICECONN_UFRAG_LEN);
    CHECK_EQ_INT(strlen(pwd), YF_ICECONN_PWD_LEN);
    CHECK_EQ_INT(strspn(pwd, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
                 YF_ICECONN_PWD_LEN);
    CHECK(strcmp(pwd, pwd2) != 0);
}

int main(void)
{
    T t;
    GError *err = NULL;
    char *addrs[] = { "127.0.0.1", NULL };
    yf_net_config cfg = { 0 };

    memset(&t, 0, sizeof t);
    t.ctx = g_main_context_new();
    g_main_context_push_thread_default(t.ctx);
    t.deadline = g_get_monotonic_time() + DEADLINE_US;
    CHECK_EQ_INT(yf_dtls_cert_generate(&t.cert), YF_OK);
    CHECK_EQ_INT(yf_dtls_cert_fingerprint(t.cert, t.fp, sizeof t.fp), YF_OK);
    cfg.n_workers = 1;
    cfg.local_addresses = addrs;
    cfg.cert = t.cert;
    t.media = yf_net_new(&cfg, t.ctx, &err);
    CHECK(t.media != NULL);

    test_credentials();
    if (t.media) {
        test_connect(&t);
        test_restart(&t);
        test_new_remote(&t);
        test_free(&t);
        test_failure(&t);
        test_consent(&t);
    }

    yf_net_free(t.media);
    g_clear_pointer(&t.a.lines, g_ptr_array_unref);
    g_clear_pointer(&t.b.lines, g_ptr_array_unref);
    while (g_main_context_pending(t.ctx))
        g_main_context_iteration(t.ctx, FALSE);
    g_main_context_pop_thread_default(t.ctx);
    g_main_context_unref(t.ctx);
    yf_dtls_cert_free(t.cert);
    return yf_test_done("test_iceconn");
}
