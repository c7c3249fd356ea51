/* test_range.c -- table tests for server/api/range.c: the three single-range forms,
 * clamping, unsatisfiable ranges (416) and everything that falls back to the
 * whole file (another unit, lists, junk, overflowing digits). */
#include "server/api/range.h"
#include "yf_test.h"

typedef struct {
    const char *header;
    int64_t size;
    yf_range_result want;
    int64_t first, last;
} range_case;

static const range_case cases[] = {
    {"bytes=0-99", 1000, YF_RANGE_OK, 0, 99},
    {"bytes=100-", 1000, YF_RANGE_OK, 100, 999},
    {"bytes=-100", 1000, YF_RANGE_OK, 900, 999},
    {"bytes=-5000", 1000, YF_RANGE_OK, 0, 999},       /* suffix longer than the file */
    {"bytes=500-5000", 1000, YF_RANGE_OK, 500, 999},  /* last clamped */
    {"bytes=999-999", 1000, YF_RANGE_OK, 999, 999},
    {" bytes=1-2 ", 1000, YF_RANGE_OK, 1, 2},
    {"bytes=1000-", 1000, YF_RANGE_UNSATISFIABLE, 0, 0},
    {"bytes=-0", 1000, YF_RANGE_UNSATISFIABLE, 0, 0},
    {"bytes=0-", 0, YF_RANGE_UNSATISFIABLE, 0, 0},
    {"bytes=-1", 0, YF_RANGE_UNSATISFIABLE, 0, 0},
    {NULL, 1000, YF_RANGE_NONE, 0, 0},
    {"", 1000, YF_RANGE_NONE, 0, 0},
    {"bytes=", 1000, YF_RANGE_NONE, 0, 0},
    {"bytes=-", 1000, YF_RANGE_NONE, 0, 0},
    {"bytes=5-1", 1000, YF_RANGE_NONE, 0, 0},
    {"bytes=0-1,5-9", 1000, YF_RANGE_NONE, 0, 0},
    {"items=0-1", 1000, YF_RANGE_NONE, 0, 0},
    {"bytes=a-b", 1000, YF_RANGE_NONE, 0, 0},
    {"bytes=1-2x", 1000, YF_RANGE_NONE, 0, 0},
    {"bytes=99999999999999999999-", 1000, YF_RANGE_NONE, 0, 0},
    {"bytes=0-99999999999999999999", 1000, YF_RANGE_NONE, 0, 0},
};

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const range_case *c = &cases[i];
        int64_t first = -1, last = -1;
        yf_range_result got = yf_range_parse(c->header, c->header ? strlen(c->header) : 0, c->size,
                                             &first, &last);
        CHECK_EQ_INT(got, c->want);
        if (got == YF_RANGE_OK && c->want == YF_RANGE_OK) {
            CHECK_EQ_INT(first, c->first);
            CHECK_EQ_INT(last, c->last);
        }
    }
    /* Not NUL-terminated: the parser must stop at len. */
    char buf[12] = {'b', 'y', 't', 'e', 's', '=', '0', '-', '9', '9', '9', '9'};
    int64_t f = -1, l = -1;
    CHECK_EQ_INT(yf_range_parse(buf, 9, 1000, &f, &l), YF_RANGE_OK);
    CHECK_EQ_INT(l, 9);
    return yf_test_done("range");
}
