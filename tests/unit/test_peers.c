/* test_peers.c -- counts per client address: keys from IPv4, IPv4-mapped and
 * IPv6 addresses (one /64 is one address), the cap, the rate-limited log
 * line, and the listener's bookkeeping of accepted connections across lws's
 * accept / create / destroy (HTTP/2 streams not counted, a lost wsi mended). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "signaling/peers/peers.h"
#include "yf_test.h"

static yf_peer_key v4(const char *a)
{
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(40000)};
    yf_peer_key k;
    inet_pton(AF_INET, a, &in.sin_addr);
    CHECK(yf_peer_key_from_sockaddr((struct sockaddr *)&in, sizeof in, &k));
    return k;
}

static yf_peer_key v6(const char *a)
{
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(40000)};
    yf_peer_key k;
    inet_pton(AF_INET6, a, &in6.sin6_addr);
    CHECK(yf_peer_key_from_sockaddr((struct sockaddr *)&in6, sizeof in6, &k));
    return k;
}

static gboolean same(yf_peer_key a, yf_peer_key b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static void test_keys(void)
{
    CHECK(same(v4("127.0.0.1"), v4("127.0.0.1")));
    CHECK(!same(v4("127.0.0.1"), v4("127.0.0.2")));
    CHECK(same(v4("192.0.2.7"), v6("::ffff:192.0.2.7")));          /* mapped is IPv4 */
    CHECK(same(v6("2001:db8:1:2::1"), v6("2001:db8:1:2:ffff::9")));  /* one /64 */
    CHECK(!same(v6("2001:db8:1:2::1"), v6("2001:db8:1:3::1")));
    CHECK(!same(v6("::1"), v4("0.0.0.1")));
    struct sockaddr_in in = {.sin_family = AF_INET};
    yf_peer_key k;
    CHECK(!yf_peer_key_from_sockaddr((struct sockaddr *)&in, 4, &k));   /* too short */
    struct sockaddr un = {.sa_family = AF_UNIX};
    CHECK(!yf_peer_key_from_sockaddr(&un, sizeof un, &k));
    CHECK(!yf_peer_key_from_sockaddr(NULL, 0, &k));
}

static void test_counts(void)
{
    yf_peers *p = yf_peers_new();
    yf_peer_key a = v4("10.0.0.1"), b = v4("10.0.0.2");
    for (int i = 0; i < 3; i++)
        CHECK(yf_peers_take(p, &a, 3));
    CHECK(!yf_peers_take(p, &a, 3));                /* the fourth is refused */
    CHECK_EQ_INT(yf_peers_count(p, &a), 3);
    CHECK(yf_peers_take(p, &b, 3));                 /* another address is not */
    CHECK_EQ_INT(yf_peers_total(p), 4);
    CHECK_EQ_INT(yf_peers_addresses(p), 2);
    yf_peers_release(p, &a);
    CHECK(yf_peers_take(p, &a, 3));                 /* one back, one more */
    for (int i = 0; i < 3; i++)
        yf_peers_release(p, &a);
    yf_peers_release(p, &a);                        /* one too many: ignored */
    CHECK_EQ_INT(yf_peers_count(p, &a), 0);
    CHECK_EQ_INT(yf_peers_addresses(p), 1);         /* an address at 0 is forgotten */
    CHECK_EQ_INT(yf_peers_total(p), 1);
    for (int i = 0; i < 1000; i++)
        CHECK(yf_peers_take(p, &a, 0));             /* no cap */
    CHECK_EQ_INT(yf_peers_count(p, &a), 1000);
    yf_peers_free(p);
    yf_peers_free(NULL);
}

static void test_ratelog(void)
{
    yf_peers_ratelog r = {0};
    guint sup = 99;
    CHECK(yf_peers_ratelog_due(&r, 0, 10, &sup));    /* the first at time 0 too */
    CHECK_EQ_INT(sup, 0);
    CHECK(!yf_peers_ratelog_due(&r, 3, 10, &sup));
    CHECK(!yf_peers_ratelog_due(&r, 9, 10, &sup));
    CHECK(yf_peers_ratelog_due(&r, 12, 10, &sup));
    CHECK_EQ_INT(sup, 2);
    CHECK(yf_peers_ratelog_due(&r, 100, 10, &sup));
    CHECK_EQ_INT(sup, 0);
}

static void test_bucket(void)
{
    yf_peers_bucket b = {0};
    int n = 0;
    while (yf_peers_bucket_take(&b, 1000000, 100, 200))
        n++;
    CHECK_EQ_INT(n, 200);                               /* the burst, at once */
    CHECK(!yf_peers_bucket_take(&b, 1000000, 100, 200));
    CHECK(!yf_peers_bucket_take(&b, 1005000, 100, 200)); /* 5 ms: half a token */
    CHECK(yf_peers_bucket_take(&b, 1010000, 100, 200));  /* 10 ms: one */
    CHECK(!yf_peers_bucket_take(&b, 1010000, 100, 200));
    n = 0;
    for (gint64 t = 1010000; t < 2010000; t += 1000)      /* one a millisecond for 1 s */
        n += yf_peers_bucket_take(&b, t, 100, 200);
    CHECK(n >= 99 && n <= 101);                         /* the rate, not the offered load */
    n = 0;
    while (yf_peers_bucket_take(&b, 100000000, 100, 200))
        n++;
    CHECK_EQ_INT(n, 200);                               /* a long pause refills to the burst only */
}

static void test_conntrack(void)
{
    yf_conntrack *c = yf_conntrack_new(2);
    yf_peer_key a = v4("127.0.0.1"), b = v4("127.0.0.2");
    int w1, w2, w3, s1, s2, listener;
    guint held = 0;
    const yf_peers *p = yf_conntrack_peers(c);

    yf_conntrack_created(c, &listener);             /* no accept before: not counted */
    CHECK(yf_conntrack_key_of(c, &listener) == NULL);
    CHECK(yf_conntrack_accept(c, &a, &held));
    CHECK_EQ_INT(held, 0);
    yf_conntrack_created(c, &w1);
    CHECK(yf_conntrack_key_of(c, &w1) && same(*yf_conntrack_key_of(c, &w1), a));
    yf_conntrack_created(c, &s1);                   /* an HTTP/2 stream on w1 */
    yf_conntrack_created(c, &s2);
    CHECK(yf_conntrack_key_of(c, &s1) == NULL);
    CHECK(yf_conntrack_accept(c, &a, &held));
    yf_conntrack_created(c, &w2);
    CHECK(!yf_conntrack_accept(c, &a, &held));      /* the third from a: refused */
    CHECK_EQ_INT(held, 2);
    CHECK(yf_conntrack_accept(c, &b, NULL));        /* b is served */
    yf_conntrack_created(c, &w3);
    CHECK_EQ_INT(yf_peers_count(p, &a), 2);
    CHECK_EQ_INT(yf_peers_count(p, &b), 1);

    yf_conntrack_destroyed(c, &s1);                 /* streams end: nothing changes */
    yf_conntrack_destroyed(c, &s2);
    CHECK_EQ_INT(yf_peers_count(p, &a), 2);
    yf_conntrack_destroyed(c, &w1);
    yf_conntrack_destroyed(c, &w1);                 /* twice: once counted */
    CHECK_EQ_INT(yf_peers_count(p, &a), 1);
    CHECK(yf_conntrack_accept(c, &a, NULL));        /* a has room again */

    /* That accept never got its wsi (lws out of memory): the next accept
     * gives its count back. */
    CHECK_EQ_INT(yf_peers_count(p, &a), 2);
    CHECK(yf_conntrack_accept(c, &b, NULL));
    CHECK_EQ_INT(yf_peers_count(p, &a), 1);
    /* ... and a pointer lws reused without telling is counted once. */
    yf_conntrack_created(c, &w3);
    CHECK_EQ_INT(yf_peers_count(p, &b), 1);
    yf_conntrack_destroyed(c, &w2);
    yf_conntrack_destroyed(c, &w3);
    CHECK_EQ_INT(yf_peers_total(p), 0);
    CHECK_EQ_INT(yf_peers_addresses(p), 0);
    yf_conntrack_free(c);

    c = yf_conntrack_new(0);                        /* no cap */
    for (int i = 0; i < 500; i++)
        CHECK(yf_conntrack_accept(c, &a, NULL));
    yf_conntrack_free(c);
    yf_conntrack_free(NULL);
}

int main(void)
{
    test_keys();
    test_counts();
    test_ratelog();
    test_bucket();
    test_conntrack();
    return yf_test_done("test_peers");
}
