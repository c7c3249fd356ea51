/* test_net_candidate.c -- which remote candidates get our connectivity
 * checks: a table of addresses judged against the server's own, the
 * per-connection budget on a virtual clock, and both through the parser of
 * a trickled line (candidate.c; docs/protocol.md `ice.candidate`). */
#include "media/net/net_priv.h"
#include "yf_test.h"

#include <string.h>

typedef struct {
    const char *addr;
    guint port;
    const char *why;   /* a word of the reason, or NULL: used */
} addr_case;

static void test_addresses(void)
{
    char *public[] = { "203.0.113.10", "2001:db8::10", NULL };
    char *loop[] = { "127.0.0.1", NULL };
    static const addr_case with_public[] = {
        { "198.51.100.7", 50000, NULL },          /* a browser somewhere */
        { "192.168.1.20", 50000, NULL },          /* a browser on the office LAN */
        { "10.1.2.3", 9, NULL },
        { "2001:db8::99", 50000, NULL },
        { "198.51.100.7", 0, "port 0" },
        { "0.0.0.0", 9, "unicast" },
        { "0.1.2.3", 9, "unicast" },              /* 0/8, "this network" */
        { "::", 9, "unicast" },
        { "224.0.0.251", 5353, "unicast" },
        { "239.255.255.250", 1900, "unicast" },
        { "ff02::1", 9, "unicast" },
        { "255.255.255.255", 9, "unicast" },
        { "240.0.0.1", 9, "unicast" },            /* reserved */
        { "169.254.10.20", 40000, "link-local" },
        { "fe80::1", 40000, "link-local" },
        { "127.0.0.1", 40000, "loopback" },
        { "127.8.9.10", 40000, "loopback" },
        { "::1", 40000, "loopback" },
        { "::ffff:127.0.0.1", 40000, "IPv4" },
        { "::ffff:198.51.100.7", 40000, "IPv4" },
        { "::127.0.0.1", 40000, "IPv4" },
        { "203.0.113.10", 40000, "own" },         /* the server itself */
        { "2001:db8::10", 40000, "own" },
        { "2001:0db8:0::0010", 3478, "own" },     /* written otherwise */
        { "not-an-address", 9, "understood" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(with_public); i++) {
        const addr_case *c = &with_public[i];
        const char *why = yf_net_candidate_address_unusable(public, c->addr, c->port);
        if (c->why ? !why || !strstr(why, c->why) : why != NULL)
            fprintf(stderr, "  %s:%u: got %s, want %s\n", c->addr, c->port, why ? why : "used",
                    c->why ? c->why : "used");
        CHECK(c->why ? why && strstr(why, c->why) : why == NULL);
    }
    /* Loopback only when the server offers loopback itself (tests, one machine). */
    CHECK(yf_net_candidate_address_unusable(loop, "127.0.0.1", 40000) == NULL);
    CHECK(yf_net_candidate_address_unusable(loop, "::1", 40000) == NULL);
    CHECK(yf_net_candidate_address_unusable(NULL, "198.51.100.7", 40000) == NULL);
}

static void test_budget(void)
{
    yf_net_cand_budget b;
    memset(&b, 0, sizeof b);
    int64_t t = (int64_t)1000 * G_USEC_PER_SEC;
    for (int i = 0; i < YF_NET_CAND_BURST; i++)
        CHECK(yf_net_cand_budget_take(&b, t));
    CHECK(!yf_net_cand_budget_take(&b, t));             /* a burst, no more */
    CHECK(!yf_net_cand_budget_take(&b, t + G_USEC_PER_SEC));
    t += 60 * G_USEC_PER_SEC / YF_NET_CAND_PER_MIN;     /* one more after its share of a minute */
    CHECK(yf_net_cand_budget_take(&b, t));
    CHECK(!yf_net_cand_budget_take(&b, t));
    int got = 0;                                        /* a minute flooding: PER_MIN more */
    for (int64_t s = 1; s <= 600; s++)
        got += yf_net_cand_budget_take(&b, t + s * G_USEC_PER_SEC / 10);
    CHECK(got >= YF_NET_CAND_PER_MIN - 1 && got <= YF_NET_CAND_PER_MIN + 1);
    /* An hour idle refills to the burst, not past it. */
    t += (int64_t)3600 * G_USEC_PER_SEC;
    got = 0;
    for (int i = 0; i < 3 * YF_NET_CAND_BURST; i++)
        got += yf_net_cand_budget_take(&b, t);
    CHECK_EQ_INT(got, YF_NET_CAND_BURST);
    /* A clock that does not move adds nothing. */
    CHECK(!yf_net_cand_budget_take(&b, t));
}

/* Through the parser of trickled lines, with a server on a public address. */
static void test_lines(void)
{
    GMainContext *ctx = g_main_context_new();
    g_main_context_push_thread_default(ctx);
    char *addrs[] = { "203.0.113.10", NULL };
    yf_net_config cfg = { 0 };
    yf_dtls_cert *cert = NULL;
    GError *err = NULL;
    CHECK_EQ_INT(yf_dtls_cert_generate(&cert), YF_OK);
    cfg.n_workers = 1;
    cfg.local_addresses = addrs;
    cfg.cert = cert;
    yf_net *m = yf_net_new(&cfg, ctx, &err);
    CHECK(m != NULL);
    if (m) {
        yf_net_cand_budget b;
        memset(&b, 0, sizeof b);
        NiceCandidate *c = yf_net_parse_candidate(m, "t", "candidate:1 1 udp 2122260223 203.0.113.10 40000 typ host",
                                                  &b, &err);
        CHECK(!c && err && err->code == YF_NET_ERROR_CANDIDATE_UNUSED && strstr(err->message, "own"));
        g_clear_error(&err);
        c = yf_net_parse_candidate(m, "t", "candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host", &b, &err);
        CHECK(!c && err && strstr(err->message, "loopback"));
        g_clear_error(&err);
        int used = 0;
        for (int i = 0; i < YF_NET_CAND_BURST + 5; i++) {
            char line[128];
            g_snprintf(line, sizeof line, "candidate:%d 1 udp 1677729535 198.51.100.%d %d typ srflx", i, i + 1,
                       50000 + i);
            c = yf_net_parse_candidate(m, "t", line, &b, &err);
            if (c)
                used++;
            else
                CHECK(err && err->code == YF_NET_ERROR_CANDIDATE_UNUSED && strstr(err->message, "too many"));
            g_clear_error(&err);
            if (c)
                nice_candidate_free(c);
        }
        CHECK_EQ_INT(used, YF_NET_CAND_BURST);   /* refused ones cost nothing: the two above */
        c = yf_net_parse_candidate(m, "t", "candidate:9 1 udp 1677729535 198.51.100.200 50000 typ srflx", NULL, &err);
        CHECK(c != NULL);   /* no budget: not counted */
        if (c)
            nice_candidate_free(c);
        g_clear_error(&err);
    }
    yf_net_free(m);
    yf_dtls_cert_free(cert);
    g_main_context_pop_thread_default(ctx);
    g_main_context_unref(ctx);
}

/* With [media] ice_tcp on: the browser's active TCP candidates are taken
 * (RFC 6544 section 4.5: it connects to our passive ones), passive and
 * simultaneous-open ones never (the server would connect out to an address
 * the client names), and the address rules and budget still hold. Off, no
 * TCP candidate is used at all. */
static void test_tcp_lines(void)
{
    static const struct { gboolean ice_tcp; const char *line; const char *refused; } rows[] = {
        {TRUE, "candidate:2 1 tcp 1518280447 198.51.100.7 9 typ host tcptype active", NULL},
        {TRUE, "candidate:3 1 tcp 1518280447 198.51.100.7 50000 typ host tcptype passive", "opens no TCP"},
        {TRUE, "candidate:4 1 tcp 1518280447 198.51.100.7 50000 typ host tcptype so", "opens no TCP"},
        {TRUE, "candidate:5 1 tcp 1518280447 203.0.113.10 9 typ host tcptype active", "own"},
        {TRUE, "candidate:6 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active", "loopback"},
        {TRUE, "candidate:7 2 tcp 1518280446 198.51.100.7 9 typ host tcptype active", "rtcp-mux"},
        {TRUE, "candidate:8 1 udp 2122260223 198.51.100.7 50000 typ host", NULL},
        {FALSE, "candidate:2 1 tcp 1518280447 198.51.100.7 9 typ host tcptype active", "ice_tcp is off"},
        {FALSE, "candidate:8 1 udp 2122260223 198.51.100.7 50000 typ host", NULL},
    };
    GMainContext *ctx = g_main_context_new();
    g_main_context_push_thread_default(ctx);
    char *addrs[] = { "203.0.113.10", NULL };
    yf_dtls_cert *cert = NULL;
    CHECK_EQ_INT(yf_dtls_cert_generate(&cert), YF_OK);
    for (int on = 0; on < 2; on++) {
        yf_net_config cfg = { .n_workers = 1, .local_addresses = addrs, .cert = cert, .ice_tcp = on };
        GError *err = NULL;
        yf_net *m = yf_net_new(&cfg, ctx, &err);
        CHECK(m != NULL);
        for (size_t i = 0; m && i < G_N_ELEMENTS(rows); i++) {
            if (rows[i].ice_tcp != on)
                continue;
            yf_net_cand_budget b;
            memset(&b, 0, sizeof b);
            NiceCandidate *c = yf_net_parse_candidate(m, "t", rows[i].line, &b, &err);
            if (rows[i].refused)
                CHECK(!c && err && err->code == YF_NET_ERROR_CANDIDATE_UNUSED && strstr(err->message, rows[i].refused));
            else
                CHECK(c && !err);
            if (err && !rows[i].refused)
                fprintf(stderr, "row %zu: %s\n", i, err->message);
            if (c && rows[i].refused)
                fprintf(stderr, "row %zu taken\n", i);
            if (c)
                nice_candidate_free(c);
            g_clear_error(&err);
        }
        yf_net_free(m);
    }
    yf_dtls_cert_free(cert);
    g_main_context_pop_thread_default(ctx);
    g_main_context_unref(ctx);
}

int main(void)
{
    test_addresses();
    test_budget();
    test_lines();
    test_tcp_lines();
    return yf_test_done("test_net_candidate");
}
