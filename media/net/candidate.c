/* candidate.c -- what the echo session and the room share about ICE:
 * validation of a browser's trickled candidate lines (RFC 8839 section 5.1)
 * on the control thread -- parse with a stream-less libnice agent (a line
 * that does not parse is YF_NET_ERROR_CANDIDATE), keep UDP RTP component
 * candidates, and set aside (YF_NET_ERROR_CANDIDATE_UNUSED, with the reason)
 * mDNS names, TCP, RTCP components and addresses our STUN checks must not be
 * aimed at -- and the set-up of each connection's agent on its worker. */
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

/* A browser's candidates name where our media ports will send STUN checks, so
 * a hostile client must not aim them at multicast, broadcast, "any", port 0,
 * or (unless the server itself offers loopback, as in tests) at the server's
 * own loopback or link-local neighbours. Returns the reason, or NULL. */
static const char *unusable_address(const yf_net *m, const NiceCandidate *c)
{
    char str[NICE_ADDRESS_STRING_LEN];
    nice_address_to_string(&c->addr, str);
    GInetAddress *a = g_inet_address_new_from_string(str);
    const char *why = NULL;
    if (!a)
        why = "address not understood";
    else if (nice_address_get_port(&c->addr) == 0)
        why = "port 0";
    else if (g_inet_address_get_is_any(a) || g_inet_address_get_is_multicast(a) ||
             strcmp(str, "255.255.255.255") == 0)
        why = "not a unicast address";
    else if (g_inet_address_get_is_link_local(a))
        why = "link-local address";
    else if (g_inet_address_get_is_loopback(a)) {
        gboolean allowed = FALSE;
        for (char **p = m->local_addresses; p && *p && !allowed; p++)
            allowed = is_loopback_string(*p);
        if (!allowed)
            why = "loopback address";
    }
    g_clear_object(&a);
    return why;
}

NiceCandidate *yf_net_parse_candidate(const yf_net *m, const char *who, const char *cand, GError **err)
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
    const char *why = c->transport != NICE_CANDIDATE_TRANSPORT_UDP ? "TCP candidates are not used"
                      : c->component_id != 1 ? "RTCP component: rtcp-mux is required"
                      : unusable_address(m, c);
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
    NiceAgent *a = nice_agent_new_full(ctx, NICE_COMPATIBILITY_RFC5245,
                                       NICE_AGENT_OPTION_ICE_TRICKLE |
                                       NICE_AGENT_OPTION_CONSENT_FRESHNESS);

    g_object_set(a, "controlling-mode", FALSE, "ice-tcp", FALSE, NULL);
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
