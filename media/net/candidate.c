/* candidate.c -- what the echo session and the room share about ICE:
 * validation of a browser's trickled candidate lines (RFC 8839 section 5.1)
 * on the control thread -- parse with a stream-less libnice agent (a line
 * that does not parse is YF_NET_ERROR_CANDIDATE), keep UDP RTP component
 * candidates, and set aside (YF_NET_ERROR_CANDIDATE_UNUSED, with the reason)
 * mDNS names, TCP but the browser's active ICE-TCP ones (RFC 6544: the server
 * never opens a TCP connection outward), RTCP components, addresses our STUN
 * checks must not be aimed at and candidates past a connection's budget --
 * and the set-up of each connection's agent on its worker. */
#include "net_priv.h"

#include <gio/gio.h>
#include <string.h>

#define CANDIDATE_MAX 1024

static gboolean is_loopback_string(const char *addr)
{
    GInetAddress *a = g_inet_address_new_from_string(addr);
    gboolean lo = a && g_inet_address_get_is_loopback(a);
    g_clear_object(&a);
    return lo;
}

/* One of the addresses the server offers its own candidates on. */
static gboolean is_own(char *const *local, GInetAddress *a)
{
    gboolean own = FALSE;
    for (char *const *p = local; p && *p && !own; p++) {
        GInetAddress *l = g_inet_address_new_from_string(*p);
        own = l && g_inet_address_equal(l, a);
        g_clear_object(&l);
    }
    return own;
}

/* IPv4 blocks no browser is reached at: 0.0.0.0/8 ("this network", RFC
 * 1122 section 3.2.1.3) and 240.0.0.0/4 (reserved, broadcast included). */
static gboolean is_reserved_v4(GInetAddress *a)
{
    if (g_inet_address_get_family(a) != G_SOCKET_FAMILY_IPV4)
        return FALSE;
    const guint8 *b = g_inet_address_to_bytes(a);
    return b[0] == 0 || b[0] >= 240;
}

/* An IPv6 address that carries an IPv4 one (::ffff:a.b.c.d, ::a.b.c.d):
 * browsers never offer one, and it would slip past the IPv4 rules. */
static gboolean is_v4_in_v6(GInetAddress *a)
{
    static const guint8 zero[10];
    if (g_inet_address_get_family(a) != G_SOCKET_FAMILY_IPV6)
        return FALSE;
    const guint8 *b = g_inet_address_to_bytes(a);
    return !memcmp(b, zero, 10) && ((b[10] == 0xff && b[11] == 0xff) ||
                                    (b[10] == 0 && b[11] == 0 && b[12] != 0));   /* not :: or ::1 */
}

const char *yf_net_candidate_address_unusable(char *const *local, const char *addr, guint port)
{
    GInetAddress *a = g_inet_address_new_from_string(addr);
    const char *why = NULL;
    if (!a)
        why = "address not understood";
    else if (port == 0)
        why = "port 0";
    else if (g_inet_address_get_is_any(a) || g_inet_address_get_is_multicast(a) || is_reserved_v4(a))
        why = "not a unicast address";
    else if (is_v4_in_v6(a))
        why = "IPv4 address written as IPv6";
    else if (g_inet_address_get_is_link_local(a))
        why = "link-local address";
    else if (g_inet_address_get_is_loopback(a)) {
        gboolean allowed = FALSE;
        for (char *const *p = local; p && *p && !allowed; p++)
            allowed = is_loopback_string(*p);
        if (!allowed)
            why = "loopback address";
    } else if (is_own(local, a))
        why = "the server's own address";
    g_clear_object(&a);
    return why;
}

/* A browser's candidates name where our media ports will send STUN checks, so
 * a hostile client must not aim them anywhere but at itself. */
static const char *unusable_address(const yf_net *m, const NiceCandidate *c)
{
    char str[NICE_ADDRESS_STRING_LEN];
    nice_address_to_string(&c->addr, str);
    return yf_net_candidate_address_unusable(m->local_addresses, str, nice_address_get_port(&c->addr));
}

/* Why a TCP candidate is set aside, or NULL (UDP, or an active ICE-TCP one
 * while [media] ice_tcp is on). A passive or simultaneous-open candidate
 * would have the server connect out to an address the client names. */
static const char *tcp_unused(const yf_net *m, const NiceCandidate *c)
{
    if (c->transport == NICE_CANDIDATE_TRANSPORT_UDP)
        return NULL;
    if (!m->ice_tcp)
        return "TCP candidates are not used ([media] ice_tcp is off)";
    if (c->transport != NICE_CANDIDATE_TRANSPORT_TCP_ACTIVE)
        return "passive and simultaneous-open TCP candidates are not used (the server opens no TCP connection)";
    return NULL;
}

gboolean yf_net_cand_budget_take(yf_net_cand_budget *b, int64_t now_us)
{
    if (!b->started) {
        b->started = TRUE;
        b->tokens = YF_NET_CAND_BURST;
        b->last_us = now_us;
    }
    if (now_us > b->last_us) {
        b->tokens += (double)(now_us - b->last_us) * YF_NET_CAND_PER_MIN / (60.0 * G_USEC_PER_SEC);
        if (b->tokens > YF_NET_CAND_BURST)
            b->tokens = YF_NET_CAND_BURST;
        b->last_us = now_us;
    }
    if (b->tokens < 1.0)
        return FALSE;
    b->tokens -= 1.0;
    return TRUE;
}

NiceCandidate *yf_net_parse_candidate(const yf_net *m, const char *who, const char *cand,
                                      yf_net_cand_budget *budget, GError **err)
{
    char *line;
    NiceCandidate *c;

    if (strlen(cand) > CANDIDATE_MAX) {
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_CANDIDATE, "candidate longer than %d bytes",
                    CANDIDATE_MAX);
        return NULL;
    }
    if (g_str_has_prefix(cand, "a="))
        cand += 2;
    /* libnice wants the attribute line with its "a=" prefix. */
    line = g_strconcat("a=", cand, NULL);
    c = nice_agent_parse_remote_candidate_sdp(m->parser, 1, line);
    g_free(line);
    if (!c && strstr(cand, ".local ")) {
        g_debug("%s: mDNS candidate not used", who);
        g_set_error_literal(err, YF_NET_ERROR, YF_NET_ERROR_CANDIDATE_UNUSED,
                            "mDNS host name: not resolved (peer-reflexive discovery covers it)");
        return NULL;
    }
    if (!c) {
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_CANDIDATE,
                    "cannot parse candidate: want \"candidate:<foundation> <component> "
                    "<transport> <priority> <ip> <port> typ <type> ...\"");
        return NULL;
    }
    const char *why = tcp_unused(m, c);
    if (!why)
        why = c->component_id != 1 ? "RTCP component: rtcp-mux is required" : unusable_address(m, c);
    if (!why && budget && !yf_net_cand_budget_take(budget, g_get_monotonic_time()))
        why = "too many candidates on this connection (" G_STRINGIFY(YF_NET_CAND_BURST) " at once, "
              G_STRINGIFY(YF_NET_CAND_PER_MIN) " a minute)";
    if (why) {
        g_debug("%s: candidate not used: %s", who, why);
        g_set_error(err, YF_NET_ERROR, YF_NET_ERROR_CANDIDATE_UNUSED, "candidate not used: %s", why);
        nice_candidate_free(c);
        return NULL;
    }
    return c;
}

/* ---- agents ---- */

static void set_if_exists(GObject *obj, const char *prop, gboolean v)
{
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(obj), prop))
        g_object_set(obj, prop, v, NULL);
}

NiceAgent *yf_net_agent_new(const yf_net *conf, GMainContext *ctx)
{
    /* Not NICE_AGENT_OPTION_CONSENT_FRESHNESS: libnice 0.1.21 lets consent
     * lapse 10 s after the last answer, a third of RFC 7675's 30 s, which a
     * lossy phone link reaches mid-hearing. keepalive-conncheck keeps its
     * binding requests on the selected pair every 4-6 s (a pair fails 50 s
     * after the last answer); iceconn.c keeps the RFC's 30 s. */
    NiceAgent *a = nice_agent_new_full(ctx, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);

    /* ICE-TCP: libnice gathers passive (listening) and active host TCP
     * candidates; only the passive ones are offered (iceconn.c), and TCP's
     * type preference is half of UDP's, so UDP wins where it works. */
    g_object_set(a, "controlling-mode", FALSE, "ice-tcp", conf->ice_tcp, "keepalive-conncheck", TRUE, NULL);
    set_if_exists(G_OBJECT(a), "upnp", FALSE);
    if (conf->stun_server)
        g_object_set(a, "stun-server", conf->stun_server, "stun-server-port", conf->stun_port, NULL);
    for (char **p = conf->local_addresses; p && *p; p++) {
        NiceAddress addr;

        nice_address_init(&addr);
        if (nice_address_set_from_string(&addr, *p))
            nice_agent_add_local_address(a, &addr);
    }
    return a;
}
