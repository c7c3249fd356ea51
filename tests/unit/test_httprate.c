/* test_httprate.c -- HTTP requests per address on a virtual clock: the
 * burst, the rate, Retry-After, the refused request remembered once and
 * forgotten, addresses counted apart, and the bounded table. */
#include "server/httprate.h"
#include "yf_test.h"

#include <string.h>

static yf_peer_key v4(guint8 a, guint8 b, guint8 c, guint8 d)
{
    yf_peer_key k;
    memset(&k, 0, sizeof k);
    k.family = 4;
    k.bytes[0] = a, k.bytes[1] = b, k.bytes[2] = c, k.bytes[3] = d;
    return k;
}

int main(void)
{
    yf_httprate *h = yf_httprate_new(5, 10, 4);   /* 5 a second, 50 at once */
    yf_peer_key a = v4(198, 51, 100, 7), b = v4(203, 0, 113, 9);
    int req = 0, other = 0;
    gint64 t = (gint64)1000 * G_USEC_PER_SEC;
    for (int i = 0; i < 50; i++)
        CHECK_EQ_INT(yf_httprate_take(h, &req, &a, t), 0);
    guint wait = yf_httprate_take(h, &req, &a, t);   /* the 51st: one token is 0.2 s away */
    CHECK_EQ_INT(wait, 1);
    CHECK_EQ_INT(yf_httprate_take(h, &other, &b, t), 0);   /* another address is its own */
    CHECK_EQ_INT(yf_httprate_refused(h, &other), 0);
    CHECK_EQ_INT(yf_httprate_refused(h, &req), 1);      /* remembered once */
    CHECK_EQ_INT(yf_httprate_refused(h, &req), 0);
    CHECK(yf_httprate_take(h, &req, &a, t) > 0);
    yf_httprate_forget(h, &req);                        /* its wsi is gone */
    CHECK_EQ_INT(yf_httprate_refused(h, &req), 0);
    /* 5 a second come back. */
    t += G_USEC_PER_SEC;
    int got = 0;
    for (int i = 0; i < 20; i++)
        got += yf_httprate_take(h, &req, &a, t) == 0;
    CHECK_EQ_INT(got, 5);
    /* A flood for a minute passes 5 a second, no more. */
    got = 0;
    for (int i = 1; i <= 6000; i++)
        got += yf_httprate_take(h, &req, &a, t + (gint64)i * G_USEC_PER_SEC / 100) == 0;
    CHECK(got >= 299 && got <= 301);
    /* Retry-After grows with a slower rate: 1 a second and the bucket empty. */
    yf_httprate *slow = yf_httprate_new(0.25, 4, 4);   /* one every 4 s */
    CHECK_EQ_INT(yf_httprate_take(slow, &req, &a, t), 0);
    CHECK_EQ_INT(yf_httprate_take(slow, &req, &a, t), 4);
    yf_httprate_free(slow);
    /* The table holds at most 4 addresses: a fifth pushes out the idlest,
     * which then starts full again. */
    for (guint8 i = 1; i <= 10; i++) {
        yf_peer_key k = v4(10, 0, 0, i);
        CHECK_EQ_INT(yf_httprate_take(h, &other, &k, t + 70 * G_USEC_PER_SEC), 0);
        CHECK(yf_httprate_addresses(h) <= 4);
    }
    yf_httprate_free(h);
    yf_httprate_free(NULL);
    return yf_test_done("test_httprate");
}
