/* test_logline.c -- log messages stay one line: a client's newline, escape
 * sequence or broken UTF-8 is escaped by yf_log_escape (server/logline.c),
 * Chinese text passes unchanged. */
#include <glib.h>

#include "server/logline.h"
#include "yf_test.h"

static void expect(const char *in, const char *want)
{
    char *got = yf_log_escape(in);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "escape: got \"%s\", want \"%s\"\n", got, want);
    CHECK(strcmp(got, want) == 0);
    g_free(got);
}

int main(void)
{
    expect("room r1: p2 joined", "room r1: p2 joined");
    expect("unknown type \"x\n2026-12-05T00:00:00.000Z INFO  yuanfang: FAKE\"",
           "unknown type \"x\\n2026-12-05T00:00:00.000Z INFO  yuanfang: FAKE\"");
    expect("client \x1b[31mred\x1b[0m", "client \\x1b[31mred\\x1b[0m");
    expect("a\rb\tc\x7f", "a\\rb\\tc\\x7f");
    expect("张三 (petitioner) 准许进入", "张三 (petitioner) 准许进入");
    expect("csi \xc2\x9b" "2J", "csi \\u009b2J");         /* C1 CSI */
    expect("bad \xff\xfe utf-8 \xe5\xbc", "bad \\xff\\xfe utf-8 \\xe5\\xbc");
    expect(NULL, "");
    expect("", "");
    return yf_test_done("test_logline");
}
