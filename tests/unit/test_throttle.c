/* test_throttle.c -- sign-in throttling: the lock after N failures, its end,
 * success clearing a key, independent keys, and the bounded table. */
#include "server/api/throttle.h"
#include "yf_test.h"

int main(void)
{
    yf_throttle *t = yf_throttle_new(3, 60000, 30000, 4);
    CHECK_EQ_INT(yf_throttle_wait_ms(t, "u:alice", 0), 0);
    yf_throttle_fail(t, "u:alice", 0);
    yf_throttle_fail(t, "u:alice", 1000);
    CHECK_EQ_INT(yf_throttle_wait_ms(t, "u:alice", 1000), 0);
    yf_throttle_fail(t, "u:alice", 2000); /* third: locked to the end of the window */
    CHECK_EQ_INT(yf_throttle_wait_ms(t, "u:alice", 2000), 58000);
    CHECK_EQ_INT(yf_throttle_wait_ms(t, "u:bob", 2000), 0);
    CHECK_EQ_INT(yf_throttle_wait_ms(t, "u:alice", 59999), 1);
    CHECK_EQ_INT(yf_throttle_wait_ms(t, "u:alice", 60000), 0); /* window over */
    CHECK_EQ_INT(yf_throttle_size(t), 0);

    /* Failing late in a window still locks for at least lock_ms. */
    yf_throttle_fail(t, "ip:1", 0);
    yf_throttle_fail(t, "ip:1", 1);
    yf_throttle_fail(t, "ip:1", 50000);
    CHECK_EQ_INT(yf_throttle_wait_ms(t, "ip:1", 50000), 30000);

    /* Success clears. */
    yf_throttle_fail(t, "u:carol", 0);
    yf_throttle_fail(t, "u:carol", 0);
    yf_throttle_success(t, "u:carol");
    yf_throttle_fail(t, "u:carol", 0);
    CHECK_EQ_INT(yf_throttle_wait_ms(t, "u:carol", 0), 0);

    /* The table never grows past max_keys, whatever the keys. */
    for (int i = 0; i < 1000; i++) {
        char k[32];
        g_snprintf(k, sizeof k, "ip:%d", i);
        yf_throttle_fail(t, k, 100000 + i);
        CHECK(yf_throttle_size(t) <= 4);
    }
    yf_throttle_free(t);

    /* A full table gives up unlocked keys before a locked one: new keys
     * cannot free a locked account to more guesses. */
    t = yf_throttle_new(3, 60000, 30000, 4);
    for (int i = 0; i < 3; i++)
        yf_throttle_fail(t, "u:victim", i);
    CHECK(yf_throttle_wait_ms(t, "u:victim", 10) > 0);
    for (int i = 0; i < 100; i++) {
        char k[32];
        g_snprintf(k, sizeof k, "u:flood%d", i);
        yf_throttle_fail(t, k, 20 + i);
    }
    CHECK(yf_throttle_size(t) <= 4);
    CHECK(yf_throttle_wait_ms(t, "u:victim", 200) > 0);
    /* One report per lockout, however many refused tries. */
    CHECK(yf_throttle_first_refusal(t, "u:victim", 300));
    CHECK(!yf_throttle_first_refusal(t, "u:victim", 301));
    CHECK(!yf_throttle_first_refusal(t, "u:nobody", 301));
    yf_throttle_free(t);
    return yf_test_done("test_throttle");
}
