/* net_client.c -- the browser side of the media/net loopback tests: a
 * controlling libnice agent (RFC 8445, trickle per RFC 8838) and a sans-IO
 * yf_peer as DTLS client (RFC 5763/5764), both on the test's GMainContext,
 * plus the SDP text a browser writes and reads. It asserts only what it
 * does itself; what the server does is for the tests to check. */
#include "net_client.h"

#include <stdlib.h>
#include <string.h>

#include "media/core/rtp.h"

/* ---- the loop ---- */

void nc_loop_init(nc_loop *l, int64_t budget_us)
{
    l->ctx = g_main_context_new();
    g_main_context_push_thread_default(l->ctx);
    l->deadline = g_get_monotonic_time() + budget_us;
}

void nc_loop_clear(nc_loop *l)
{
    while (g_main_context_pending(l->ctx))
        g_main_context_iteration(l->ctx, FALSE);
    g_main_context_pop_thread_default(l->ctx);
    g_clear_pointer(&l->ctx, g_main_context_unref);
}

static gboolean wake_up(gpointer data)
{
    return G_SOURCE_CONTINUE;
}

gboolean nc_pump(nc_loop *l, nc_cond_fn cond, const void *data)
{
    int64_t left = l->deadline - g_get_monotonic_time();
    GSource *wake;

    if (cond(data) || left <= 0)
        return cond(data);
    /* Something wakes the loop at the deadline even if nothing else does. */
    wake = g_timeout_source_new((guint)((left + 999) / 1000));
    g_source_set_callback(wake, wake_up, NULL, NULL);
    g_source_attach(wake, l->ctx);
    while (!cond(data) && g_get_monotonic_time() < l->deadline)
        g_main_context_iteration(l->ctx, TRUE);
    g_source_destroy(wake);
    g_source_unref(wake);
    return cond(data);
}

gboolean nc_pump_within(nc_loop *l, nc_cond_fn cond, const void *data, int64_t us)
{
    int64_t saved = l->deadline;
    gboolean ok;

    l->deadline = MIN(saved, g_get_monotonic_time() + us);
    ok = nc_pump(l, cond, data);
    l->deadline = saved;
    return ok;
}

static gboolean never(const void *data)
{
    return FALSE;
}

void nc_pump_for(nc_loop *l, int64_t us)
{
    nc_pump_within(l, never, NULL, us);
}

yf_net *nc_media_new(nc_loop *l, const yf_dtls_cert *cert, GError **err)
{
    char *addrs[] = { "127.0.0.1", NULL };
    yf_net_config cfg = { 0 };

    cfg.n_workers = 2;
    cfg.local_addresses = addrs;
    cfg.cert = cert;
    return yf_net_new(&cfg, l->ctx, err);
}

/* ---- the peer ---- */

static void on_peer_event(nc_client *c, const yf_output *o)
{
    if (o->event == YF_EV_CONNECTED) {
        c->connected = TRUE;
        g_strlcpy(c->profile, o->srtp_profile, sizeof c->profile);
    } else if (o->event == YF_EV_RTP && c->n_rx < NC_MAX_RX && o->len <= sizeof c->rx[0].buf) {
        memcpy(c->rx[c->n_rx].buf, o->data, o->len);
        c->rx[c->n_rx++].len = o->len;
    } else if (o->event == YF_EV_CLOSED) {
        c->closed = TRUE;
    } else if (o->event == YF_EV_FAILED) {
        fprintf(stderr, "client %u/%d peer failed: %s\n", c->id, c->kind, o->reason ? o->reason : "?");
    }
}

/* After every input to the peer: its transmits go out, its events land in c. */
static void drain(nc_client *c)
{
    yf_output o;
    int64_t now = g_get_monotonic_time();

    for (;;) {
        yf_peer_poll_output(c->peer, now, &o);
        if (o.kind == YF_OUT_TIMEOUT)
            break;
        if (o.kind == YF_OUT_TRANSMIT)
            nice_agent_send(c->agent, c->stream, 1, (guint)o.len, (const gchar *)o.data);
        else
            on_peer_event(c, &o);
    }
    c->peer_timeout = o.timeout_us;
}

static gboolean on_tick(gpointer data)
{
    nc_client *c = data;

    if (c->peer && g_get_monotonic_time() >= c->peer_timeout) {
        yf_peer_handle_timeout(c->peer, g_get_monotonic_time());
        drain(c);
    }
    return G_SOURCE_CONTINUE;
}

static void on_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len, gchar *buf, gpointer data)
{
    nc_client *c = data;

    if (!c->peer)
        return;
    yf_peer_handle_datagram(c->peer, g_get_monotonic_time(), (const uint8_t *)buf, len);
    drain(c);
}

/* ---- ICE ---- */

static void on_candidate(NiceAgent *agent, NiceCandidate *cand, gpointer data)
{
    nc_client *c = data;
    char *line = nice_agent_generate_local_candidate_sdp(agent, cand);

    c->on_candidate(c->user, c, g_str_has_prefix(line, "a=") ? line + 2 : line);
    g_free(line);
}

static void on_gathered(NiceAgent *agent, guint stream_id, gpointer data)
{
    nc_client *c = data;

    c->on_candidate(c->user, c, "");
}

/* ICE is up: the DTLS client starts (RFC 5763 §5: the answerer said
 * setup:passive, so we are active). */
static void on_ice_state(NiceAgent *agent, guint stream_id, guint component_id, guint state, gpointer data)
{
    nc_client *c = data;
    yf_peer_config pc;

    if ((state != NICE_COMPONENT_STATE_READY && state != NICE_COMPONENT_STATE_CONNECTED) || c->peer)
        return;
    c->t_ready = g_get_monotonic_time();
    memset(&pc, 0, sizeof pc);
    pc.cert = c->cert;
    pc.role = YF_DTLS_ROLE_CLIENT;
    g_strlcpy(pc.remote_fingerprint, c->remote_fp, sizeof pc.remote_fingerprint);
    /* Chromium's order: AES-CM first; the server's preference must win. */
    pc.srtp_profiles = "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM";
    pc.keep_dtls_session = true; /* a browser reads close_notify to the end */
    c->peer = yf_peer_new(&pc, g_get_monotonic_time());
    CHECK(c->peer != NULL);
    if (c->peer)
        drain(c);
}

static void read_local_credentials(nc_client *c)
{
    gchar *ufrag = NULL, *pwd = NULL;

    nice_agent_get_local_credentials(c->agent, c->stream, &ufrag, &pwd);
    g_strlcpy(c->ufrag, ufrag, sizeof c->ufrag);
    g_strlcpy(c->pwd, pwd, sizeof c->pwd);
    g_free(ufrag);
    g_free(pwd);
}

static void agent_setup(nc_client *c)
{
    NiceAddress addr;

    c->agent = nice_agent_new_full(c->loop->ctx, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);
    g_object_set(c->agent, "controlling-mode", TRUE, "ice-tcp", FALSE, "upnp", FALSE, NULL);
    nice_address_init(&addr);
    nice_address_set_from_string(&addr, "127.0.0.1");
    nice_agent_add_local_address(c->agent, &addr);
    c->stream = nice_agent_add_stream(c->agent, 1);
    read_local_credentials(c);
    g_signal_connect(c->agent, "new-candidate-full", G_CALLBACK(on_candidate), c);
    g_signal_connect(c->agent, "candidate-gathering-done", G_CALLBACK(on_gathered), c);
    g_signal_connect(c->agent, "component-state-changed", G_CALLBACK(on_ice_state), c);
    nice_agent_attach_recv(c->agent, c->stream, 1, c->loop->ctx, on_recv, c);
}

/* ---- the client ---- */

nc_client *nc_client_new(nc_loop *l, const yf_dtls_cert *cert, nc_candidate_fn on_candidate_fn, void *user)
{
    nc_client *c = g_new0(nc_client, 1);

    c->loop = l;
    c->on_candidate = on_candidate_fn;
    c->user = user;
    c->cert = cert;
    if (!cert) {
        CHECK_EQ_INT(yf_dtls_cert_generate(&c->own_cert), YF_OK);
        c->cert = c->own_cert;
    }
    CHECK_EQ_INT(yf_dtls_cert_fingerprint(c->cert, c->fp, sizeof c->fp), YF_OK);
    /* A new RTCPeerConnection picks a new session id (RFC 8829 §5.2.1):
     * 62 random bits, never 0. */
    c->session = ((((uint64_t)g_random_int() << 32) | g_random_int()) & G_GUINT64_CONSTANT(0x3fffffffffffffff)) | 1;
    agent_setup(c);
    c->tick = g_timeout_source_new(5);
    g_source_set_callback(c->tick, on_tick, c, NULL);
    g_source_attach(c->tick, l->ctx);
    return c;
}

nc_client *nc_client_new_keeping_cert(nc_client *old)
{
    nc_client *c = nc_client_new(old->loop, old->cert, old->on_candidate, old->user);

    c->own_cert = old->own_cert;
    old->own_cert = NULL;
    CHECK(!strcmp(c->fp, old->fp) && c->session != old->session);
    c->id = old->id;
    c->kind = old->kind;
    return c;
}

void nc_client_free(nc_client *c)
{
    if (!c)
        return;
    g_source_destroy(c->tick);
    g_source_unref(c->tick);
    g_clear_pointer(&c->peer, yf_peer_free);
    g_signal_handlers_disconnect_by_data(c->agent, c);
    nice_agent_attach_recv(c->agent, c->stream, 1, c->loop->ctx, NULL, NULL);
    nice_agent_remove_stream(c->agent, c->stream);
    g_clear_object(&c->agent);
    yf_dtls_cert_free(c->own_cert);
    g_free(c);
}

void nc_client_start(nc_client *c)
{
    c->started = TRUE;
    nice_agent_set_remote_credentials(c->agent, c->stream, c->remote_ufrag, c->remote_pwd);
    nice_agent_gather_candidates(c->agent, c->stream);
}

gboolean nc_client_add_remote_candidate(nc_client *c, const char *candidate)
{
    char *line;
    NiceCandidate *nc;
    GSList one = { 0 };

    if (!*candidate) {
        nice_agent_peer_candidate_gathering_done(c->agent, c->stream);
        return TRUE;
    }
    line = g_strconcat("a=", candidate, NULL);
    nc = nice_agent_parse_remote_candidate_sdp(c->agent, c->stream, line);
    if (nc) {
        one.data = nc;
        nice_agent_set_remote_candidates(c->agent, c->stream, 1, &one);
        nice_candidate_free(nc);
    }
    g_free(line);
    return nc != NULL;
}

void nc_client_restart_ice(nc_client *c)
{
    nice_agent_restart_stream(c->agent, c->stream);
    read_local_credentials(c);
}

void nc_client_restarted(nc_client *c)
{
    GSList *locals;

    nice_agent_set_remote_credentials(c->agent, c->stream, c->remote_ufrag, c->remote_pwd);
    locals = nice_agent_get_local_candidates(c->agent, c->stream, 1);
    for (GSList *l = locals; l; l = l->next)
        on_candidate(c->agent, l->data, c);
    g_slist_free_full(locals, (GDestroyNotify)nice_candidate_free);
}

int nc_client_send_rtp(nc_client *c, int pt, uint16_t seq, uint32_t ts, uint32_t ssrc, const uint8_t *payload,
                       size_t n)
{
    yf_rtp_header h = { 0 };
    uint8_t b[1500];
    int len, rc;

    if (!c->peer)
        return YF_ESTATE;
    h.version = 2;
    h.payload_type = (uint8_t)pt;
    h.seq = seq;
    h.timestamp = ts;
    h.ssrc = ssrc;
    len = yf_rtp_write(&h, payload, n, b, sizeof b);
    if (len < 0)
        return len;
    rc = yf_peer_send_rtp(c->peer, g_get_monotonic_time(), b, (size_t)len);
    drain(c);
    return rc;
}

uint32_t nc_rtp_ssrc(const nc_pkt *p)
{
    const uint8_t *b = p->buf;

    return ((uint32_t)b[8] << 24) | ((uint32_t)b[9] << 16) | ((uint32_t)b[10] << 8) | b[11];
}

uint16_t nc_rtp_seq(const nc_pkt *p)
{
    return (uint16_t)((p->buf[2] << 8) | p->buf[3]);
}

int nc_rtp_pt(const nc_pkt *p)
{
    return p->buf[1] & 0x7f;
}

/* ---- SDP ---- */

char *nc_client_offer(const nc_client *c, const nc_section *s, size_t n)
{
    GString *o = g_string_new(NULL);

    g_string_printf(o, "v=0\r\no=- %" G_GUINT64_FORMAT " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                       "a=group:BUNDLE", c->session);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(o, " %zu", i);
    g_string_append(o, "\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS s\r\n");
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(o, "%s\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
                                  "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=ice-options:trickle\r\n"
                                  "a=fingerprint:sha-256 %s\r\na=setup:actpass\r\na=mid:%zu\r\n%s",
                               s[i].m, c->ufrag, c->pwd, c->fp, i, s[i].attrs);
        if (s[i].ssrc)
            g_string_append_printf(o, "a=ssrc:%u cname:testclient\r\n", s[i].ssrc);
    }
    return g_string_free(o, FALSE);
}

static gboolean copied_to_answer(const char *line)
{
    static const char *const prefixes[] = { "a=mid:", "a=rtpmap:", "a=fmtp:", "a=rtcp-fb:" };

    for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++)
        if (g_str_has_prefix(line, prefixes[i]))
            return TRUE;
    return FALSE;
}

char *nc_client_answer(const nc_client *c, const char *offer)
{
    char **lines = g_strsplit(offer, "\n", -1);
    GString *s = g_string_new(NULL);
    gboolean in_media = FALSE;

    g_string_printf(s, "v=0\r\no=- %" G_GUINT64_FORMAT " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", c->session);
    for (char **l = lines; *l; l++) {
        g_strchomp(*l);
        if (g_str_has_prefix(*l, "a=group:BUNDLE"))
            g_string_append_printf(s, "%s\r\n", *l);
    }
    for (char **l = lines; *l; l++) {
        if (g_str_has_prefix(*l, "m=")) {
            in_media = TRUE;
            g_string_append_printf(s, "%s\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
                                      "a=fingerprint:sha-256 %s\r\na=setup:active\r\na=rtcp-mux\r\n",
                                   *l, c->ufrag, c->pwd, c->fp);
        } else if (in_media && copied_to_answer(*l)) {
            g_string_append_printf(s, "%s\r\n", *l);
        } else if (in_media && !strcmp(*l, "a=sendonly")) {
            g_string_append(s, "a=recvonly\r\n");
        } else if (in_media && !strcmp(*l, "a=inactive")) {
            g_string_append(s, "a=inactive\r\n");
        }
    }
    g_strfreev(lines);
    return g_string_free(s, FALSE);
}

void nc_client_read_remote(nc_client *c, const char *sdp)
{
    char **lines = g_strsplit(sdp, "\n", -1);

    for (char **l = lines; *l; l++) {
        g_strchomp(*l);
        if (g_str_has_prefix(*l, "a=ice-ufrag:"))
            g_strlcpy(c->remote_ufrag, *l + 12, sizeof c->remote_ufrag);
        else if (g_str_has_prefix(*l, "a=ice-pwd:"))
            g_strlcpy(c->remote_pwd, *l + 10, sizeof c->remote_pwd);
        else if (g_str_has_prefix(*l, "a=fingerprint:sha-256 "))
            g_strlcpy(c->remote_fp, *l + 22, sizeof c->remote_fp);
        else if (g_str_has_prefix(*l, "a=setup:"))
            g_strlcpy(c->remote_setup, *l + 8, sizeof c->remote_setup);
    }
    g_strfreev(lines);
}

uint32_t nc_sdp_ssrc(const char *sdp, size_t section, gboolean *inactive)
{
    char **lines = g_strsplit(sdp, "\n", -1);
    int at = -1;
    uint32_t ssrc = 0;
    gboolean off = FALSE;

    for (char **l = lines; *l; l++) {
        g_strchomp(*l);
        if (g_str_has_prefix(*l, "m="))
            at++;
        else if (at == (int)section && g_str_has_prefix(*l, "a=ssrc:") && !ssrc)
            ssrc = (uint32_t)strtoul(*l + 7, NULL, 10);
        else if (at == (int)section && !strcmp(*l, "a=inactive"))
            off = TRUE;
    }
    g_strfreev(lines);
    if (inactive)
        *inactive = off;
    return ssrc;
}

/* ---- counting ---- */

void nc_test_counts(int *checks, int *failures)
{
    *checks = yf_test_checks;
    *failures = yf_test_failures;
}
