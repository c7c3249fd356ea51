/* test_slip.c -- server/print/slip.c read back the way a person and a phone
 * would: the PDF is one A4 page (pdfinfo) whose text (pdftotext) names the
 * invitee, the role, the case, the time in China Standard Time, the host and
 * what to prepare, and whose QR code (pdftoppm, then zbarimg) decodes to the
 * join link exactly. Also: a link too long for a slip is refused. Skips (77)
 * when poppler-utils or zbar-tools are missing (setup.sh installs both). */
#include <glib/gstdio.h>
#include <string.h>

#include "server/print/print.h"
#include "yf_test.h"

static char *run(const char *const *argv)
{
    char *out = NULL, *err = NULL;
    int status = 0;
    GError *e = NULL;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &e)) {
        fprintf(stderr, "%s: %s\n", argv[0], e->message);
        g_error_free(e);
        return NULL;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        fprintf(stderr, "%s failed: %s\n", argv[0], err);
        g_clear_pointer(&out, g_free);
    }
    g_free(err);
    return out;
}

int main(void)
{
    const char *tools[] = {"pdftotext", "pdftoppm", "pdfinfo", "zbarimg"};
    for (size_t i = 0; i < G_N_ELEMENTS(tools); i++) {
        char *p = g_find_program_in_path(tools[i]);
        if (!p) {
            fprintf(stderr, "test_slip: %s is missing (scripts/setup.sh installs it): skipped\n", tools[i]);
            return 77;
        }
        g_free(p);
    }
    const char *url = "https://jieifang.example.cn:8443/join.html?t=Xy3q-7wK_2aB9cD0eF1gH2iJ3kL4mN5oP6qR7sT8uV";
    yf_slip s = {
        .case_no = "京检控〔2024〕12号", .kind_label = "接访", .invitee_name = "张三",
        .role_label = yf_print_role_label("petitioner"), .host_name = "王检察官",
        .starts_ms = 1714698000000,      /* 2024-05-03 01:00 UTC = 09:00 CST, a Friday */
        .expires_ms = 1714784400000, .join_url = url,
    };
    GError *err = NULL;
    GBytes *pdf = yf_slip_pdf(&s, &err);
    CHECK(pdf != NULL);
    if (!pdf)
        return yf_test_done("slip");
    char *dir = g_dir_make_tmp("yf-slip-XXXXXX", NULL);
    char *file = g_build_filename(dir, "slip.pdf", NULL), *png = g_build_filename(dir, "slip", NULL);
    gsize n = 0;
    const char *bytes = g_bytes_get_data(pdf, &n);
    CHECK(n > 1000 && memcmp(bytes, "%PDF-", 5) == 0);
    CHECK(g_file_set_contents(file, bytes, (gssize)n, NULL));

    const char *info_argv[] = {"pdfinfo", file, NULL};
    char *info = run(info_argv);
    CHECK(info && g_regex_match_simple("^Pages: +1$", info, G_REGEX_MULTILINE, 0) && strstr(info, "(A4)"));
    CHECK(info && strstr(info, "远程视频接访邀请函"));
    const char *text_argv[] = {"pdftotext", "-enc", "UTF-8", file, "-", NULL};
    char *text = run(text_argv);
    const char *want[] = {"张三", "信访人", "京检控〔2024〕12号", "2024年5月3日（星期五）09:00", "王检察官",
                          "身份证", "全程录音录像", "2024年5月4日"};
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        gboolean found = text && strstr(text, want[i]);
        if (!found)
            fprintf(stderr, "slip text lacks %s\n", want[i]);
        CHECK(found);
    }
    const char *ppm_argv[] = {"pdftoppm", "-png", "-r", "150", "-singlefile", file, png, NULL};
    g_free(run(ppm_argv));
    char *png_file = g_strconcat(png, ".png", NULL);
    const char *zbar_argv[] = {"zbarimg", "--quiet", "--raw", png_file, NULL};
    char *decoded = run(zbar_argv);
    CHECK(decoded && strcmp(g_strstrip(decoded), url) == 0);
    if (decoded && strcmp(decoded, url) != 0)
        fprintf(stderr, "QR decoded as %s\n", decoded);

    /* A link no slip should carry is refused with a reason. */
    char *long_url = g_strnfill(1001, 'a');
    s.join_url = long_url;
    GBytes *none = yf_slip_pdf(&s, &err);
    CHECK(none == NULL && err && strstr(err->message, "1000"));
    g_clear_error(&err);
    CHECK(strcmp(yf_print_role_label("hearing_member"), "听证员") == 0);
    CHECK(strcmp(yf_print_role_label("nobody"), "nobody") == 0);

    g_free(long_url);
    g_free(decoded);
    g_free(text);
    g_free(info);
    g_unlink(png_file);
    g_unlink(file);
    g_rmdir(dir);
    g_free(png_file);
    g_free(png);
    g_free(file);
    g_free(dir);
    g_bytes_unref(pdf);
    return yf_test_done("slip");
}
