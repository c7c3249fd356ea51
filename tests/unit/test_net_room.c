/* test_net_room.c -- a hearing room end to end on loopback, without a
 * browser: two "browsers", each with the client of net_client.c (a
 * controlling libnice agent plus a yf_peer as DTLS client) per connection
 * on this test's GMainContext, against a real yf_room on a real worker.
 * P1 and P2 publish Opus + VP8, answer the subscriber offers they get,
 * and P2 receives P1's media rewritten to the SSRCs of its offer; then
 * P1's page "reloads" (new certificate, new SSRCs) and P2's sequence
 * numbers continue; a host mute stops and resumes P1's audio; P1 is
 * removed and P2's next offer has P1's lines inactive. Two more rooms, one
 * scenario each, cover pages that keep their DTLS certificate (issue 9): a
 * new o= session id is a new RTCPeerConnection and gets a new
 * association, on the publisher and the subscriber connection, while an
 * ICE restart (same session id) keeps its association. A fourth room is
 * full with 16 who may publish and still takes an observer, who receives.
 * Hard deadline: never hangs CTest. */
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include "media/rec/capfile.h"
#include "media/core/rtp.h"
#include "media/net/room.h"
#include "net_client.h"
#include "yf_test.h"
#include "yf_test_fs.h"

#define DEADLINE_US (30 * G_USEC_PER_SEC)
#define MAX_LINES 8

/* What a participant's page knows. */
typedef struct {
    uint32_t id;
    nc_client *pub, *sub;       /* labelled with id and their yf_pc_kind */
    gboolean server_pub_connected, server_sub_connected, server_failed;
    char server_profile[64];
    char pub_states[256];       /* the publish connection's states, "a;b;" */
    /* the latest subscribe offer */
    char *offer;
    unsigned revision;
    int n_offers;
    yf_room_track tracks[MAX_LINES];
    size_t n_tracks;
    int n_sub_cands;            /* the server's candidates for its subscriber connection */
} part;

typedef struct {
    nc_loop loop;
    yf_net *media;
    yf_room *room;
    yf_dtls_cert *server_cert;
    part p[2];
    int callbacks_after_free;
    gboolean freed;
    int n_levels;
} T;

/* Participant ids from here on have no browser: they only fill a room. */
#define DUMMY_BASE 100

/* ---- clients ---- */

/* A client's candidates trickle to its connection in the room. */
static void client_candidate(void *user, nc_client *c, const char *cand)
{
    T *t = user;
    GError *err = NULL;

    CHECK(yf_room_add_remote_candidate(t->room, c->id, (yf_pc_kind)c->kind, cand, &err));
    g_clear_error(&err);
}

/* A new RTCPeerConnection of participant id's page, with its own certificate. */
static nc_client *client_new(T *t, uint32_t id, yf_pc_kind kind)
{
    nc_client *c = nc_client_new(&t->loop, NULL, client_candidate, t);

    c->id = id;
    c->kind = kind;
    return c;
}

static void free_clients(part *p)
{
    nc_client_free(p->pub);
    nc_client_free(p->sub);
    g_free(p->offer);
}

/* ---- room callbacks (control context = this test's context) ---- */

static part *find_part(T *t, uint32_t id)
{
    for (int i = 0; i < 2; i++)
        if (t->p[i].id == id)
            return &t->p[i];
    return NULL;
}

static void on_local_candidate(void *user, uint32_t id, yf_pc_kind pc, const char *cand, const char *mid,
                               int idx)
{
    T *t = user;
    part *p = find_part(t, id);
    nc_client *c = p ? (pc == YF_PC_PUBLISH ? p->pub : p->sub) : NULL;

    if (id >= DUMMY_BASE)
        return; /* a participant without a browser (scenario_observer_beyond_cap) */
    if (p && pc == YF_PC_SUBSCRIBE)
        p->n_sub_cands++;
    if (t->freed)
        t->callbacks_after_free++;
    CHECK(c != NULL);
    CHECK(mid && *mid);
    if (!c)
        return;
    if (!*cand)
        nc_client_add_remote_candidate(c, cand); /* the end of them */
    else
        CHECK(nc_client_add_remote_candidate(c, cand));
}

static void on_pc_state(void *user, uint32_t id, yf_pc_kind pc, const char *state, const char *profile,
                        const char *reason)
{
    T *t = user;
    part *p = find_part(t, id);

    if (t->freed)
        t->callbacks_after_free++;
    if (!p)
        return;
    if (pc == YF_PC_PUBLISH && strlen(p->pub_states) + strlen(state) + 2 < sizeof p->pub_states) {
        strcat(p->pub_states, state);
        strcat(p->pub_states, ";");
    }
    if (!strcmp(state, "connected")) {
        if (pc == YF_PC_PUBLISH)
            p->server_pub_connected = TRUE;
        else
            p->server_sub_connected = TRUE;
        g_strlcpy(p->server_profile, profile ? profile : "", sizeof p->server_profile);
    } else if (!strcmp(state, "failed")) {
        p->server_failed = TRUE;
        fprintf(stderr, "participant %u %s failed: %s\n", id, pc == YF_PC_PUBLISH ? "publish" : "subscribe",
                reason ? reason : "?");
    }
}

static void on_subscribe_offer(void *user, uint32_t id, const char *sdp, unsigned revision,
                               const yf_room_track *tracks, size_t n_tracks)
{
    T *t = user;
    part *p = find_part(t, id);

    if (id >= DUMMY_BASE)
        return;
    if (t->freed)
        t->callbacks_after_free++;
    CHECK(p != NULL);
    CHECK(n_tracks <= MAX_LINES);
    if (!p || n_tracks > MAX_LINES)
        return;
    g_free(p->offer);
    p->offer = g_strdup(sdp);
    p->revision = revision;
    p->n_offers++;
    memcpy(p->tracks, tracks, n_tracks * sizeof *tracks);
    p->n_tracks = n_tracks;
    /* As a page's setRemoteDescription: our candidates may follow at once. */
    if (!p->sub)
        p->sub = client_new(t, id, YF_PC_SUBSCRIBE);
}

static void on_audio_level(void *user, uint32_t id, int level)
{
    T *t = user;

    t->n_levels++;
}

static void on_active_speaker(void *user, uint32_t id) {}

/* Loopback never runs short of bandwidth: video is never paused here
 * (test_router_bwe and sim_bwe cover the estimate). */
static void on_downlink(void *user, uint32_t id, gboolean video_paused)
{
    CHECK(!video_paused);
}

static const yf_room_callbacks callbacks = { on_local_candidate, on_pc_state, on_subscribe_offer,
                                             on_audio_level, on_active_speaker, on_downlink };

/* ---- SDP text ---- */

#define TWCC_EXTMAP "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"

/* A publisher's offer: Opus and VP8, sendonly, with these SSRCs. */
static char *publish_offer_text(const nc_client *c, uint32_t assrc, uint32_t vssrc)
{
    const nc_section sections[] = {
        { "m=audio 9 UDP/TLS/RTP/SAVPF 111",
          "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n" TWCC_EXTMAP
          "a=sendonly\r\na=msid:s a0\r\na=rtcp-mux\r\n" NC_OPUS_LINES, assrc },
        { "m=video 9 UDP/TLS/RTP/SAVPF 96",
          TWCC_EXTMAP "a=sendonly\r\na=msid:s v0\r\na=rtcp-mux\r\na=rtcp-rsize\r\n" NC_VP8_LINES, vssrc },
    };

    return nc_client_offer(c, sections, G_N_ELEMENTS(sections));
}

/* ---- conditions ---- */

static gboolean conn_up(const part *p, const nc_client *c, gboolean server)
{
    return c && c->connected && server;
}

static gboolean all_connected(const void *data)
{
    const T *t = data;

    for (int i = 0; i < 2; i++) {
        const part *p = &t->p[i];
        if (p->server_failed)
            return TRUE;
        if (!conn_up(p, p->pub, p->server_pub_connected) || !conn_up(p, p->sub, p->server_sub_connected))
            return FALSE;
    }
    return TRUE;
}

static gboolean offers_arrived(const void *data)
{
    const T *t = data;

    return t->p[0].n_offers >= 1 && t->p[1].n_offers >= 1;
}

/* ---- media ---- */

/* n VP8 frames (the first a keyframe, RFC 7741 §4.2/§4.3) and n Opus packets. */
static void send_media(nc_client *c, uint32_t assrc, uint32_t vssrc, uint16_t seq0, int n, uint8_t tag)
{
    uint8_t pl[300];

    for (int i = 0; i < n; i++) {
        uint16_t seq = (uint16_t)(seq0 + i);

        memset(pl, tag, sizeof pl);
        pl[0] = 0x10;                            /* S=1, PID 0 */
        pl[1] = i == 0 ? 0x00 : 0x01;            /* P=0: keyframe */
        if (i == 0) {
            pl[4] = 0x9d, pl[5] = 0x01, pl[6] = 0x2a; /* keyframe start code */
        }
        pl[10] = (uint8_t)i;
        CHECK_EQ_INT(nc_client_send_rtp(c, 96, seq, 9000u * (uint32_t)i, vssrc, pl, 200), YF_OK);
        memset(pl, tag, 60);
        pl[10] = (uint8_t)i;
        CHECK_EQ_INT(nc_client_send_rtp(c, 111, seq, 960u * (uint32_t)i, assrc, pl, 60), YF_OK);
    }
}

static void send_audio(nc_client *c, uint32_t assrc, uint16_t seq0, int n, uint8_t tag)
{
    uint8_t pl[60];

    memset(pl, tag, sizeof pl);
    for (int i = 0; i < n; i++)
        CHECK_EQ_INT(nc_client_send_rtp(c, 111, (uint16_t)(seq0 + i), 960u * (uint32_t)i, assrc, pl, sizeof pl),
                     YF_OK);
}

static int g_want_rx; /* for p2_received */

static gboolean p2_received(const void *data)
{
    const T *t = data;

    return t->p[1].sub && t->p[1].sub->n_rx >= g_want_rx;
}

/* ---- steps ---- */

/* p's page publishes on the new connection c (taken). */
static void publish_on(T *t, part *p, nc_client *c, uint32_t assrc, uint32_t vssrc)
{
    GError *err = NULL;
    char *answer = NULL;
    char *offer;

    p->pub = c;
    offer = publish_offer_text(p->pub, assrc, vssrc);
    CHECK(yf_room_publish_offer(t->room, p->id, offer, &answer, &err));
    if (err)
        fprintf(stderr, "publish offer refused: %s\n", err->message);
    g_clear_error(&err);
    if (answer) {
        CHECK(strstr(answer, "a=setup:passive") != NULL);
        CHECK(strstr(answer, "transport-wide-cc") != NULL);
        nc_client_read_remote(p->pub, answer);
        nc_client_start(p->pub);
    }
    g_free(answer);
    g_free(offer);
}

static void publish(T *t, part *p, uint32_t assrc, uint32_t vssrc)
{
    publish_on(t, p, client_new(t, p->id, YF_PC_PUBLISH), assrc, vssrc);
}

static void answer_subscribe(T *t, part *p)
{
    GError *err = NULL;
    gboolean first = !p->sub->started;
    char *answer;

    nc_client_read_remote(p->sub, p->offer);
    answer = nc_client_answer(p->sub, p->offer);
    CHECK(yf_room_subscribe_answer(t->room, p->id, p->revision, answer, &err));
    if (err)
        fprintf(stderr, "subscribe answer refused: %s\n", err->message);
    g_clear_error(&err);
    if (first)
        nc_client_start(p->sub);
    g_free(answer);
}

/* The index of publisher `pub`'s `kind` line in p's latest offer. */
static int line_of(const part *p, uint32_t pub, const char *kind)
{
    for (size_t i = 0; i < p->n_tracks; i++)
        if (p->tracks[i].participant == pub && !strcmp(p->tracks[i].kind, kind))
            return (int)i;
    return -1;
}

typedef struct {
    uint32_t assrc, vssrc;
    uint16_t last_aseq, last_vseq;
    int audio, video;
} rx_check;

/* One packet of a kind P2 received: the SSRC P2's offer gives that line,
 * the payload length and tag P1 sent, the sequence number right after the
 * previous one of that kind, and the router's transport-wide sequence
 * number under the id of P2's offer (3: no audio level claims it). */
static void check_pkt(const nc_pkt *q, uint32_t ssrc, size_t len, uint8_t tag, uint16_t *last_seq, int *count)
{
    uint16_t seq = nc_rtp_seq(q);
    yf_rtp_header h;
    yf_rtp_ext e;

    CHECK_EQ_INT(nc_rtp_ssrc(q), ssrc);
    CHECK_EQ_INT(yf_rtp_parse(q->buf, q->len, &h), YF_OK);
    CHECK_EQ_INT(h.payload_len, len - 12);
    CHECK(h.payload_len > 20 && h.payload[20] == tag);
    CHECK(yf_rtp_ext_find(&h, 3, &e) == 1 && e.len == 2);
    if (*count)
        CHECK_EQ_INT(seq, (uint16_t)(*last_seq + 1));
    *last_seq = seq;
    (*count)++;
}

/* Checks what P2 received from index `from` on: P1's media with the SSRCs
 * of P2's offer, payload intact, sequence numbers without a gap. */
static void check_rx(const nc_client *c, int from, rx_check *k, uint8_t tag)
{
    for (int i = from; i < c->n_rx; i++) {
        const nc_pkt *q = &c->rx[i];
        int pt = nc_rtp_pt(q);

        if (pt == 96) {
            check_pkt(q, k->vssrc, 12 + 200, tag, &k->last_vseq, &k->video);
        } else {
            CHECK_EQ_INT(pt, 111);
            check_pkt(q, k->assrc, 12 + 60, tag, &k->last_aseq, &k->audio);
        }
    }
}

static gboolean p1_received(const void *data)
{
    const T *t = data;

    return t->p[0].sub && t->p[0].sub->n_rx >= g_want_rx;
}

static gboolean p1_pub_up(const void *data)
{
    const T *t = data;

    return (t->p[0].pub->connected && t->p[0].server_pub_connected) || t->p[0].server_failed;
}

static int g_offers;

static gboolean p2_new_offer(const void *data)
{
    const T *t = data;

    return t->p[1].n_offers > g_offers;
}

static int g_p1_offers;

static gboolean p1_new_offer_since(const void *data)
{
    const T *t = data;

    return t->p[0].n_offers > g_p1_offers;
}

static gboolean p1_closed(const void *data)
{
    const T *t = data;

    return t->p[0].pub->closed && t->p[0].sub->closed;
}

/* P1 and P2 join, publish Opus + VP8 (SSRCs 1111/2222 and 3333/4444) and
 * answer their subscriber offers. TRUE once all four connections are up on
 * both sides. */
static gboolean start_room(T *t)
{
    GError *err = NULL;
    part *p1 = &t->p[0], *p2 = &t->p[1];
    int64_t t0 = g_get_monotonic_time();

    CHECK(yf_room_add_participant(t->room, 1, &err));
    CHECK(yf_room_add_participant(t->room, 2, &err));
    g_clear_error(&err);
    publish(t, p1, 1111, 2222);
    publish(t, p2, 3333, 4444);
    CHECK(nc_pump(&t->loop, offers_arrived, t));
    CHECK_EQ_INT(p2->n_tracks, 2);
    CHECK_EQ_INT(p1->n_tracks, 2);
    answer_subscribe(t, p1);
    answer_subscribe(t, p2);
    CHECK(nc_pump(&t->loop, all_connected, t));
    CHECK(!p1->server_failed && !p2->server_failed);
    printf("4 connections connected after %.1f ms\n", (g_get_monotonic_time() - t0) / 1000.0);
    return all_connected(t) && !p1->server_failed && !p2->server_failed && p2->sub && p2->sub->connected;
}

/* The SSRCs P2's offer gives P1's audio and video lines. */
static void p1_lines_of_p2(const part *p2, rx_check *k)
{
    int al = line_of(p2, 1, "audio"), vl = line_of(p2, 1, "video");
    gboolean inactive;

    CHECK(al >= 0 && vl >= 0);
    memset(k, 0, sizeof *k);
    k->assrc = al < 0 ? 0 : nc_sdp_ssrc(p2->offer, (size_t)al, &inactive);
    k->vssrc = vl < 0 ? 0 : nc_sdp_ssrc(p2->offer, (size_t)vl, &inactive);
    CHECK(k->assrc && k->vssrc && k->assrc != 1111 && k->vssrc != 2222);
}

/* P1 sends 5 frames of each kind tagged `tag` from sequence number seq0
 * with these SSRCs; within us, P2 must get them after what it had,
 * rewritten as k says (check_rx). */
static void p1_media_to_p2(T *t, rx_check *k, uint32_t assrc, uint32_t vssrc, uint16_t seq0, uint8_t tag,
                           int64_t us)
{
    nc_client *rx = t->p[1].sub;
    int from = rx->n_rx;

    send_media(t->p[0].pub, assrc, vssrc, seq0, 5, tag);
    g_want_rx = from + 10;
    CHECK(nc_pump_within(&t->loop, p2_received, t, us));
    check_rx(rx, from, k, tag);
}

static void scenario(T *t)
{
    GError *err = NULL;
    part *p1 = &t->p[0], *p2 = &t->p[1];
    int64_t t0;
    rx_check k = { 0 };
    gboolean inactive;

    start_room(t);
    CHECK(!yf_room_add_participant(t->room, 2, &err)); /* duplicate */
    g_clear_error(&err);
    for (int i = 0; i < 2; i++) {
        CHECK(strcmp(t->p[i].server_profile, "AEAD_AES_128_GCM") == 0);
        CHECK(t->p[i].pub && strcmp(t->p[i].pub->profile, "AEAD_AES_128_GCM") == 0);
        CHECK(t->p[i].sub && strcmp(t->p[i].sub->profile, "AEAD_AES_128_GCM") == 0);
    }
    if (!all_connected(t) || !p2->sub || !p2->sub->connected)
        return;

    /* P1 -> P2, rewritten to the SSRCs of P2's offer. */
    p1_lines_of_p2(p2, &k);
    p1_media_to_p2(t, &k, 1111, 2222, 1000, 0xa1, DEADLINE_US);
    CHECK_EQ_INT(k.video, 5);
    CHECK_EQ_INT(k.audio, 5);

    /* P1's page reloads: new certificate, new SSRCs, seq elsewhere. */
    int offers_before = p2->n_offers;
    nc_client *old = p1->pub;
    p1->server_pub_connected = FALSE;
    t0 = g_get_monotonic_time();
    publish(t, p1, 5555, 6666);
    CHECK(nc_pump(&t->loop, p1_pub_up, t));
    printf("reconnected publisher connected after %.1f ms\n", (g_get_monotonic_time() - t0) / 1000.0);
    nc_client_free(old);
    if (!p1->pub->connected)
        return;
    p1_media_to_p2(t, &k, 5555, 6666, 30000, 0xb2, DEADLINE_US);
    CHECK_EQ_INT(k.video, 10);
    CHECK_EQ_INT(k.audio, 10);
    CHECK_EQ_INT(p2->n_offers, offers_before); /* same tracks: no renegotiation */

    /* Host mute of P1's audio: nothing reaches P2; then it resumes. */
    yf_room_set_forwarding(t->room, 1, FALSE, TRUE);
    nc_pump_for(&t->loop, 50 * 1000);
    send_audio(p1->pub, 5555, 30005, 3, 0xc3);
    nc_pump_for(&t->loop, 300 * 1000);
    CHECK_EQ_INT(p2->sub->n_rx, 20);
    yf_room_set_forwarding(t->room, 1, TRUE, TRUE);
    nc_pump_for(&t->loop, 50 * 1000);
    send_audio(p1->pub, 5555, 30008, 3, 0xd4);
    g_want_rx = 23;
    CHECK(nc_pump(&t->loop, p2_received, t));
    check_rx(p2->sub, 20, &k, 0xd4);
    CHECK_EQ_INT(k.audio, 13);

    /* P2 restarts ICE on its publisher connection (same DTLS session): new
     * credentials both ways, candidates again; its audio still reaches P1. */
    nc_client *c2 = p2->pub;
    GError *rerr = NULL;
    char *answer = NULL, *offer;
    nc_client_restart_ice(c2); /* same o= session id and certificate */
    p2->pub_states[0] = '\0';
    char old_ufrag[64];
    g_strlcpy(old_ufrag, c2->remote_ufrag, sizeof old_ufrag);
    offer = publish_offer_text(c2, 3333, 4444);
    CHECK(yf_room_publish_offer(t->room, 2, offer, &answer, &rerr));
    g_clear_error(&rerr);
    if (answer) {
        nc_client_read_remote(c2, answer);
        CHECK(strcmp(old_ufrag, c2->remote_ufrag) != 0);
        nc_client_restarted(c2);
    }
    g_free(answer);
    g_free(offer);
    nc_pump_for(&t->loop, 300 * 1000);
    int rx1 = p1->sub->n_rx;
    send_audio(c2, 3333, 500, 3, 0xe5);
    g_want_rx = rx1 + 3;
    CHECK(nc_pump(&t->loop, p1_received, t));
    CHECK_EQ_INT(p1->sub->n_rx, rx1 + 3);
    /* The page is told: connecting, then connected again on the same DTLS. */
    if (strcmp(p2->pub_states, "connecting;connected;") != 0)
        fprintf(stderr, "publish states across the ICE restart: %s\n", p2->pub_states);
    CHECK(strcmp(p2->pub_states, "connecting;connected;") == 0);

    /* A stale answer is refused. */
    CHECK(!yf_room_subscribe_answer(t->room, 2, p2->revision + 5, "v=0\r\n", &err));
    CHECK(err && err->code == YF_NET_ERROR_SDP && strstr(err->message, "stale"));
    g_clear_error(&err);

    /* P1 leaves: its connections close, P2's lines for it turn inactive. */
    g_offers = p2->n_offers;
    yf_room_remove_participant(t->room, 1);
    CHECK(nc_pump(&t->loop, p2_new_offer, t));
    CHECK(nc_pump(&t->loop, p1_closed, t));
    CHECK_EQ_INT(p2->n_tracks, 2);
    for (size_t i = 0; i < p2->n_tracks; i++) {
        CHECK(!p2->tracks[i].active);
        nc_sdp_ssrc(p2->offer, i, &inactive);
        CHECK(inactive);
    }
    answer_subscribe(t, p2);
    nc_pump_for(&t->loop, 100 * 1000);
    CHECK(p2->sub->connected);

    /* P1 comes back (a rejoin keeps its id) and publishes again: P2's old
     * lines for it come back to life; none are added, so a participant who
     * leaves and rejoins in a loop cannot fill everyone's connection. */
    char *again = publish_offer_text(p1->pub, 0x1111, 0x2222), *ans = NULL;
    g_offers = p2->n_offers;
    CHECK(yf_room_add_participant(t->room, 1, &err));
    CHECK(yf_room_publish_offer(t->room, 1, again, &ans, &err));
    CHECK(nc_pump(&t->loop, p2_new_offer, t));
    CHECK_EQ_INT(p2->n_tracks, 2);
    for (size_t i = 0; i < p2->n_tracks; i++)
        CHECK(p2->tracks[i].active && p2->tracks[i].participant == 1);
    g_free(again);
    g_free(ans);
}

/* ---- a new RTCPeerConnection with the same certificate (issue 9) ---- */

/* How long a reconnect may take: on loopback ICE and DTLS take well under a
 * second; a ClientHello nobody answers would take forever. */
#define RECONNECT_US (5 * G_USEC_PER_SEC)

static gboolean p1_sub_up(const void *data)
{
    const T *t = data;

    return (t->p[0].sub->connected && t->p[0].server_sub_connected) || t->p[0].server_failed;
}

static gboolean p2_sub_up(const void *data)
{
    const T *t = data;

    return (t->p[1].sub->connected && t->p[1].server_sub_connected) || t->p[1].server_failed;
}

static double ms_since(int64_t t0)
{
    return (g_get_monotonic_time() - t0) / 1000.0;
}

/* P1's page reloads and keeps its DTLS certificate: a new publisher offer
 * with a new o= session id, new ICE credentials and the same fingerprint
 * is a new RTCPeerConnection, not an ICE restart of the dead one, so its
 * ClientHello must get a new association; P2's pictures continue. The
 * rejoin's fresh subscriber connection (same certificate again) connects
 * too, and P2's audio reaches it. */
static void scenario_reload_same_cert(T *t)
{
    GError *err = NULL;
    part *p1 = &t->p[0], *p2 = &t->p[1];
    rx_check k;
    int64_t t0;

    if (!start_room(t))
        return;
    p1_lines_of_p2(p2, &k);
    p1_media_to_p2(t, &k, 1111, 2222, 1000, 0xa1, DEADLINE_US);

    nc_client *old = p1->pub;
    int offers_before = p2->n_offers;
    p1->server_pub_connected = FALSE;
    t0 = g_get_monotonic_time();
    publish_on(t, p1, nc_client_new_keeping_cert(old), 5555, 6666);
    CHECK(!strcmp(p1->pub->fp, old->fp) && p1->pub->session != old->session);
    CHECK(nc_pump_within(&t->loop, p1_pub_up, t, RECONNECT_US));
    CHECK(p1->pub->connected && p1->server_pub_connected && !p1->server_failed);
    printf("reload with the same certificate: publisher %s after %.1f ms\n",
           p1->pub->connected ? "connected" : "still not connected", ms_since(t0));
    nc_client_free(old);
    if (!p1->pub->connected)
        return;
    p1_media_to_p2(t, &k, 5555, 6666, 30000, 0xb2, RECONNECT_US);
    CHECK_EQ_INT(k.video, 10);
    CHECK_EQ_INT(k.audio, 10);
    CHECK_EQ_INT(p2->n_offers, offers_before); /* the same tracks switched source */

    /* The rejoin resets P1's subscriber connection; the page answers from a
     * new RTCPeerConnection with its kept certificate. */
    nc_client *old_sub = p1->sub;
    g_p1_offers = p1->n_offers;
    p1->sub = nc_client_new_keeping_cert(old_sub);
    p1->server_sub_connected = FALSE;
    t0 = g_get_monotonic_time();
    CHECK(yf_room_subscribe_reset(t->room, 1, &err));
    g_clear_error(&err);
    CHECK(nc_pump_within(&t->loop, p1_new_offer_since, t, RECONNECT_US));
    answer_subscribe(t, p1);
    CHECK(nc_pump_within(&t->loop, p1_sub_up, t, RECONNECT_US));
    CHECK(p1->sub->connected && p1->server_sub_connected);
    printf("reload with the same certificate: subscriber %s after %.1f ms\n",
           p1->sub->connected ? "connected" : "still not connected", ms_since(t0));
    nc_client_free(old_sub);
    if (!p1->sub->connected)
        return;
    nc_pump_for(&t->loop, 100 * 1000); /* the router subscribes once the connection is up */
    send_audio(p2->pub, 3333, 200, 3, 0xc3);
    g_want_rx = 3;
    CHECK(nc_pump_within(&t->loop, p1_received, t, RECONNECT_US));
}

/* P1's websocket drops (yf_room_hang_up): both its connections end at once,
 * each with its close_notify, and P2's audio no longer goes to it; its place
 * and tracks stay. Its page comes back with new RTCPeerConnections (a new
 * certificate): the new publisher connection carries the same tracks to P2
 * without a renegotiation, and the fresh subscriber connection gets P2's
 * audio again. */
static void scenario_hang_up(T *t)
{
    GError *err = NULL;
    part *p1 = &t->p[0], *p2 = &t->p[1];
    rx_check k;

    if (!start_room(t))
        return;
    p1_lines_of_p2(p2, &k);
    p1_media_to_p2(t, &k, 1111, 2222, 1000, 0xa1, DEADLINE_US);
    int offers_before = p2->n_offers;

    yf_room_hang_up(t->room, 1);
    CHECK(nc_pump_within(&t->loop, p1_closed, t, RECONNECT_US));
    CHECK(!t->p[0].server_failed);
    yf_room_hang_up(t->room, 1); /* again: nothing left to end */
    yf_room_hang_up(t->room, 9); /* nobody */
    nc_pump_for(&t->loop, 50 * 1000);
    CHECK_EQ_INT(p2->n_offers, offers_before);

    nc_client *old = p1->pub, *old_sub = p1->sub;
    p1->server_pub_connected = FALSE;
    publish(t, p1, 5555, 6666);
    CHECK(nc_pump_within(&t->loop, p1_pub_up, t, RECONNECT_US));
    nc_client_free(old);
    if (!p1->pub->connected)
        return;
    p1_media_to_p2(t, &k, 5555, 6666, 30000, 0xb2, RECONNECT_US);
    CHECK_EQ_INT(k.video, 10);
    CHECK_EQ_INT(k.audio, 10);
    CHECK_EQ_INT(p2->n_offers, offers_before); /* the same tracks switched source */

    g_p1_offers = p1->n_offers;
    p1->sub = client_new(t, 1, YF_PC_SUBSCRIBE);
    p1->server_sub_connected = FALSE;
    CHECK(yf_room_subscribe_reset(t->room, 1, &err));
    g_clear_error(&err);
    CHECK(nc_pump_within(&t->loop, p1_new_offer_since, t, RECONNECT_US));
    answer_subscribe(t, p1);
    CHECK(nc_pump_within(&t->loop, p1_sub_up, t, RECONNECT_US));
    nc_client_free(old_sub);
    if (!p1->sub->connected)
        return;
    nc_pump_for(&t->loop, 100 * 1000);
    send_audio(p2->pub, 3333, 200, 3, 0xc3);
    g_want_rx = 3;
    CHECK(nc_pump_within(&t->loop, p1_received, t, RECONNECT_US));

    /* Away again, P1 gets a new offer (P2 left): its lines change, but no
     * subscriber connection is made for a page that is not there. */
    yf_room_hang_up(t->room, 1);
    nc_pump_for(&t->loop, 100 * 1000);
    int offers = p1->n_offers, cands = p1->n_sub_cands;
    yf_room_remove_participant(t->room, 2);
    nc_pump_for(&t->loop, 500 * 1000);
    CHECK(p1->n_offers > offers);
    CHECK_EQ_INT(p1->n_sub_cands, cands);
}

/* The subscriber side of the same rule, on P2's subscriber connection. A
 * true ICE restart (subscribe.restart: our new offer, P2 answers from the
 * same RTCPeerConnection with new ICE credentials, the same o= session id
 * and fingerprint) keeps the DTLS association: P2's peer never handshakes
 * again and P1's media still arrives. Then P2's page answers the same offer
 * from a new RTCPeerConnection that keeps the certificate (new session id):
 * that answer gets a new association, and P1's media reaches the new one. */
static void scenario_subscriber_same_cert(T *t)
{
    GError *err = NULL;
    part *p2 = &t->p[1];
    rx_check k;
    int64_t t0;

    if (!start_room(t))
        return;
    p1_lines_of_p2(p2, &k);

    nc_client *c = p2->sub;
    char old_remote[64];
    g_strlcpy(old_remote, c->remote_ufrag, sizeof old_remote);
    g_offers = p2->n_offers;
    CHECK(yf_room_subscribe_restart(t->room, 2, &err));
    g_clear_error(&err);
    nc_client_restart_ice(c); /* as the page does on setRemoteDescription */
    CHECK(nc_pump(&t->loop, p2_new_offer, t));
    answer_subscribe(t, p2);
    CHECK(strcmp(old_remote, c->remote_ufrag) != 0);
    nc_client_restarted(c);
    nc_pump_for(&t->loop, 300 * 1000); /* the restart's checks run; the answer is applied */
    p1_media_to_p2(t, &k, 1111, 2222, 1000, 0xa1, RECONNECT_US);
    CHECK_EQ_INT(k.video, 5);
    CHECK_EQ_INT(k.audio, 5);
    CHECK(!p2->server_failed && c->connected && !c->closed);

    nc_client *old = p2->sub;
    p2->sub = nc_client_new_keeping_cert(old);
    p2->server_sub_connected = FALSE;
    t0 = g_get_monotonic_time();
    answer_subscribe(t, p2); /* the latest revision, from the new connection */
    CHECK(nc_pump_within(&t->loop, p2_sub_up, t, RECONNECT_US));
    CHECK(p2->sub->connected && p2->server_sub_connected && !p2->server_failed);
    printf("new subscriber connection with the same certificate: %s after %.1f ms\n",
           p2->sub->connected ? "connected" : "still not connected", ms_since(t0));
    nc_client_free(old);
    if (!p2->sub->connected)
        return;
    nc_pump_for(&t->loop, 100 * 1000);
    p1_lines_of_p2(p2, &k);
    p1_media_to_p2(t, &k, 1111, 2222, 1005, 0xb2, RECONNECT_US);
    CHECK_EQ_INT(k.video, 5);
    CHECK_EQ_INT(k.audio, 5);
}

static gboolean p2_has_p1_lines(const void *data)
{
    const T *t = data;

    return line_of(&t->p[1], 1, "video") >= 0 && line_of(&t->p[1], 1, "audio") >= 0;
}

/* A public hearing: 16 who may publish fill the room (P1 and 15 without a
 * browser), a 17th is refused, and P2 comes in past them as a receive-only
 * observer: its publish offer is refused, and it receives P1's media. */
static void scenario_observer_beyond_cap(T *t)
{
    GError *err = NULL;
    part *p1 = &t->p[0], *p2 = &t->p[1];
    rx_check k;

    for (uint32_t id = DUMMY_BASE; id < DUMMY_BASE + YF_ROOM_MAX_PARTICIPANTS - 1; id++)
        CHECK(yf_room_add_participant(t->room, id, &err));
    CHECK(yf_room_add_participant(t->room, 1, &err));
    CHECK(!yf_room_add_participant(t->room, DUMMY_BASE + 50, &err));
    CHECK(err && strstr(err->message, "full (16 participants)"));
    g_clear_error(&err);
    CHECK(yf_room_add_observer(t->room, 2, &err));
    g_clear_error(&err);
    nc_client *would = client_new(t, 2, YF_PC_PUBLISH);
    char *answer = NULL, *offer = publish_offer_text(would, 5, 6);
    CHECK(!yf_room_publish_offer(t->room, 2, offer, &answer, &err));
    CHECK(err && strstr(err->message, "only watches and listens") && !answer);
    g_clear_error(&err);
    g_free(offer);
    nc_client_free(would);

    publish(t, p1, 1111, 2222);
    CHECK(nc_pump(&t->loop, p2_has_p1_lines, t));
    if (!p2->sub || line_of(p2, 1, "video") < 0)
        return;
    answer_subscribe(t, p2);
    CHECK(nc_pump(&t->loop, p1_pub_up, t));
    CHECK(nc_pump(&t->loop, p2_sub_up, t));
    if (!p2->sub->connected || p2->server_failed)
        return;
    nc_pump_for(&t->loop, 100 * 1000);
    p1_lines_of_p2(p2, &k);
    p1_media_to_p2(t, &k, 1111, 2222, 1, 0xc3, RECONNECT_US);
    CHECK_EQ_INT(k.video, 5);
    CHECK_EQ_INT(k.audio, 5);
    printf("the 17th in the room, an observer, receives the publisher's media\n");
}

/* RTP records per (participant, SSRC) in the finished captures of dir;
 * every file must be complete. */
static void check_captures(const char *dir)
{
    static const struct { uint32_t part, ssrc; int rtp; } want[] = {
        { 1, 1111, 5 }, { 1, 2222, 5 }, { 1, 5555, 11 }, { 1, 6666, 5 }, { 2, 3333, 3 },
    };
    int got[G_N_ELEMENTS(want)] = { 0 }, files = 0;
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *n;

    CHECK(d != NULL);
    while (d && (n = g_dir_read_name(d))) {
        char *path = g_build_filename(dir, n, NULL);
        int fd = open(path, O_RDONLY);
        yf_cap_reader *r = yf_cap_reader_new_fd(fd);
        yf_cap_header h;
        yf_cap_meta m;
        yf_cap_record rec;
        int rtp = 0;

        CHECK(g_str_has_suffix(n, YF_CAP_SUFFIX));
        CHECK(yf_cap_reader_header(r, &h, NULL) && yf_cap_meta_parse(h.meta_json, h.meta_len, &m) == YF_CAP_OK);
        while (yf_cap_reader_next(r, &rec, NULL) == 1)
            rtp += rec.type == YF_CAP_RTP;
        CHECK(yf_cap_reader_complete(r));
        CHECK(!strcmp(m.room, "test") && m.clock_rate > 0);
        for (size_t i = 0; i < G_N_ELEMENTS(want); i++)
            if (want[i].part == m.participant && want[i].ssrc == m.ssrc)
                got[i] += rtp;
        files++;
        yf_cap_reader_free(r);
        close(fd);
        g_free(path);
    }
    if (d)
        g_dir_close(d);
    CHECK_EQ_INT(files, (int)G_N_ELEMENTS(want));
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        if (got[i] != want[i].rtp)
            printf("capture of participant %u ssrc %u: %d RTP records, want %d\n", want[i].part, want[i].ssrc,
                   got[i], want[i].rtp);
        CHECK_EQ_INT(got[i], want[i].rtp);
    }
}

/* Frees the clients of the previous room and runs fn in a new room of its
 * own (not captured); no callback may come after the room is freed. */
static void run_in_new_room(T *t, void (*fn)(T *t))
{
    GError *err = NULL;

    for (int i = 0; i < 2; i++) {
        free_clients(&t->p[i]);
        memset(&t->p[i], 0, sizeof t->p[i]);
        t->p[i].id = (uint32_t)i + 1;
    }
    t->freed = FALSE;
    t->loop.deadline = g_get_monotonic_time() + DEADLINE_US;
    t->room = yf_room_new(t->media, "test", &callbacks, t, &err);
    CHECK(t->room != NULL);
    g_clear_error(&err);
    if (t->room)
        fn(t);
    yf_room_free(t->room);
    t->room = NULL;
    t->freed = TRUE;
    nc_pump_for(&t->loop, 100 * 1000);
    CHECK_EQ_INT(t->callbacks_after_free, 0);
}

int main(void)
{
    T t;
    GError *err = NULL;

    memset(&t, 0, sizeof t);
    nc_loop_init(&t.loop, DEADLINE_US);
    t.p[0].id = 1;
    t.p[1].id = 2;
    CHECK_EQ_INT(yf_dtls_cert_generate(&t.server_cert), YF_OK);
    t.media = nc_media_new(&t.loop, t.server_cert, &err);
    CHECK(t.media != NULL);
    t.room = yf_room_new(t.media, "test", &callbacks, &t, &err);
    CHECK(t.room != NULL);
    /* Everything published is captured, one file per track and SSRC. */
    char *capdir = g_dir_make_tmp("yf-room-cap-XXXXXX", NULL);
    yf_rec_writer *w = yf_rec_writer_new(NULL, NULL);
    CHECK(capdir && w);
    if (t.room)
        yf_room_set_capture(t.room, w, capdir);
    if (t.media && t.room)
        scenario(&t);

    yf_room_free(t.room);
    t.freed = TRUE;
    nc_pump_for(&t.loop, 100 * 1000);
    CHECK_EQ_INT(t.callbacks_after_free, 0);
    if (t.media) {
        run_in_new_room(&t, scenario_reload_same_cert);
        run_in_new_room(&t, scenario_subscriber_same_cert);
        run_in_new_room(&t, scenario_hang_up);
        run_in_new_room(&t, scenario_observer_beyond_cap);
    }
    yf_net_free(t.media);
    nc_pump_for(&t.loop, 20 * 1000);
    yf_rec_writer_free(w);
    check_captures(capdir);
    yf_test_rm_rf(capdir);
    g_free(capdir);

    for (int i = 0; i < 2; i++)
        free_clients(&t.p[i]);
    nc_loop_clear(&t.loop);
    yf_dtls_cert_free(t.server_cert);
    return nc_test_done("test_net_room");
}
