/* test_range.c -- table tests for server/api/range.c: the three single-range forms,
 * clamping, unsatisfiable ranges (416) and everything that falls back to the
 * whole file (another unit, lists, junk, overflowing digits). */
#include "server/api/range.h"
#include "yf_test.h"

/* Satisfiable ranges: what the parser makes of them for the file's size. */
static const struct {
    const char *header;
    int64_t size, first, last;
} ok[] = {
    {"bytes=0-99", 1000, 0, 99},
    {"bytes=100-", 1000, 100, 999},
    {"bytes=-100", 1000, 900, 999},
    {"bytes=-5000", 1000, 0, 999},       /* suffix longer than the file */
    {"bytes=500-5000", 1000, 500, 999},  /* last clamped */
    {"bytes=999-999", 1000, 999, 999},
    {" bytes=1-2 ", 1000, 1, 2},
};

/* Unsatisfiable (416): past the end of the file, or of an empty one. */
static const struct {
    const char *header;
    int64_t size;
} unsatisfiable[] = {{"bytes=1000-", 1000}, {"bytes=-0", 1000}, {"bytes=0-", 0}, {"bytes=-1", 0}};

/* The whole file instead (1000 bytes): no header, another unit, a list,
 * a range backwards, junk, digits that overflow. */
static const char *const whole_file[] = {
    NULL, "", "bytes=", "bytes=-", "bytes=5-1", "bytes=0-1,5-9", "items=0-1", "bytes=a-b", "bytes=1-2x",
    "bytes=99999999999999999999-", "bytes=0-99999999999999999999",
};

/* Parses header for a file of size bytes: want, and for YF_RANGE_OK the
 * bytes first..last. */
static void check(const char *header, int64_t size, yf_range_result want, int64_t first, int64_t last)
{
    int64_t f = -1, l = -1;
    yf_range_result got = yf_range_parse(header, header ? strlen(header) : 0, size, &f, &l);

    if (got != want)
        fprintf(stderr, "header \"%s\", size %lld\n", header ? header : "(none)", (long long)size);
    CHECK_EQ_INT(got, want);
    if (got == YF_RANGE_OK && want == YF_RANGE_OK) {
        CHECK_EQ_INT(f, first);
        CHECK_EQ_INT(l, last);
    }
}

int main(void)
{
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        check(ok[i].header, ok[i].size, YF_RANGE_OK, ok[i].first, ok[i].last);
    for (size_t i = 0; i < sizeof unsatisfiable / sizeof unsatisfiable[0]; i++)
        check(unsatisfiable[i].header, unsatisfiable[i].size, YF_RANGE_UNSATISFIABLE, 0, 0);
    for (size_t i = 0; i < sizeof whole_file / sizeof whole_file[0]; i++)
        check(whole_file[i], 1000, YF_RANGE_NONE, 0, 0);
    /* Not NUL-terminated: the parser must stop at len. */
    char buf[12] = {'b', 'y', 't', 'e', 's', '=', '0', '-', '9', '9', '9', '9'};
    int64_t f = -1, l = -1;
    CHECK_EQ_INT(yf_range_parse(buf, 9, 1000, &f, &l), YF_RANGE_OK);
    CHECK_EQ_INT(l, 9);
    return yf_test_done("range");
}
