/* yf_test.h -- the few macros unit tests share: CHECK records a failure and
 * goes on, so one run reports every broken case of a table; yf_test_done()
 * prints the count and gives main its exit code. */
#ifndef YF_TEST_H
#define YF_TEST_H

#include <stdio.h>
#include <string.h>

static int yf_test_failures;
static int yf_test_checks;

#define CHECK(cond)                                                          \
    do {                                                                     \
        yf_test_checks++;                                                    \
        if (!(cond)) {                                                       \
            yf_test_failures++;                                              \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                    \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                   \
    do {                                                                     \
        long long a_ = (long long)(a), b_ = (long long)(b);                  \
        yf_test_checks++;                                                    \
        if (a_ != b_) {                                                      \
            yf_test_failures++;                                              \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n",      \
                    __FILE__, __LINE__, #a, a_, #b, b_);                     \
        }                                                                    \
    } while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

/* Decodes hex digits into out, skipping spaces and any other non-hex
 * character, so vectors can be written in readable groups. Returns bytes. */
static inline size_t yf_test_hex(const char *s, unsigned char *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v = (*s >= '0' && *s <= '9') ? *s - '0' : (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
              : (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10 : -1;
        if (v < 0)
            continue;
        if (hi < 0) {
            hi = v;
        } else if (n < cap) {
            out[n++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}

static inline int yf_test_done(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, yf_test_checks, yf_test_failures);
    return yf_test_failures ? 1 : 0;
}

#endif
