/* test_receipt.c -- server/print/receipt.c: the amount in the capitals of
 * Chinese financial writing (a table of the cases that trip people up: inner
 * zeros, whole yuan, jiao without fen, fen without jiao, 万 and 亿 groups,
 * amounts under one yuan), the figures with thousands separators, and the
 * receipt read back with pdftotext: the case number, both forms of the
 * amount and the recording's hash on one line. Skips the PDF part (77) when
 * poppler-utils is missing. */
#include <glib/gstdio.h>
#include <string.h>

#include "server/print/receipt.h"
#include "yf_test.h"

static const struct {
    int64_t fen;
    const char *caps, *figures;
} amounts[] = {
    {1234567, "壹万贰仟叁佰肆拾伍元陆角柒分", "12,345.67"},
    {100, "壹元整", "1.00"},
    {1000000, "壹万元整", "10,000.00"},
    {1000500, "壹万零伍元整", "10,005.00"},
    {10005000, "壹拾万零伍拾元整", "100,050.00"},
    {100000000, "壹佰万元整", "1,000,000.00"},
    {10000000100, "壹亿零壹元整", "100,000,001.00"},
    {10100000000, "壹亿零壹佰万元整", "101,000,000.00"},
    {105050, "壹仟零伍拾元伍角整", "1,050.50"},
    {100005, "壹仟元零伍分", "1,000.05"},
    {50, "伍角整", "0.50"},
    {7, "柒分", "0.07"},
    {2000010, "贰万元壹角整", "20,000.10"},
};

static char *pdftotext(const char *path)
{
    const char *argv[] = {"pdftotext", "-layout", path, "-", NULL};
    char *out = NULL;
    int status = 0;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                      &out, NULL, &status, NULL) || !g_spawn_check_wait_status(status, NULL))
        g_clear_pointer(&out, g_free);
    return out;
}

int main(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(amounts); i++) {
        char *caps = yf_print_amount_caps(amounts[i].fen), *fig = yf_print_amount_figures(amounts[i].fen);
        if (strcmp(caps, amounts[i].caps) || strcmp(fig, amounts[i].figures))
            fprintf(stderr, "%lld fen: %s %s, want %s %s\n", (long long)amounts[i].fen, caps, fig, amounts[i].caps,
                    amounts[i].figures);
        CHECK(strcmp(caps, amounts[i].caps) == 0);
        CHECK(strcmp(fig, amounts[i].figures) == 0);
        g_free(caps);
        g_free(fig);
    }
    char *none = yf_print_amount_caps(0);
    CHECK(strcmp(none, "") == 0);
    g_free(none);

    const char *hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    yf_receipt_person people[] = {{"刘救助员", "司法救助工作人员"}, {"张三", "信访人"}};
    yf_receipt r = {.case_no = "京检救〔2026〕7号", .decision_no = "京检救决〔2026〕7号", .amount_fen = 1234567,
                    .payee = "张三", .bank = "中国工商银行", .account_masked = "6222 **** **** 3445",
                    .hearing_start_ms = 1796520000000, .hearing_end_ms = 1796520600000,
                    .confirmed_ms = 1796520300000, .confirm_offset_ms = 300000, .issued_ms = 1796521000000,
                    .people = people, .n_people = 2, .recording_sha256 = hash, .issued_by = "刘救助员"};
    GError *err = NULL;
    GBytes *pdf = yf_receipt_pdf(&r, &err);
    CHECK(pdf != NULL);
    yf_receipt bad = r;
    bad.recording_sha256 = NULL;
    GBytes *refused = yf_receipt_pdf(&bad, NULL);
    CHECK(refused == NULL);   /* a receipt without the recording's hash is never made */
    char *dir = g_dir_make_tmp("yf-receipt-XXXXXX", NULL), *path = g_build_filename(dir, "r.pdf", NULL);
    CHECK(pdf && g_file_set_contents(path, g_bytes_get_data(pdf, NULL), (gssize)g_bytes_get_size(pdf), NULL));
    char *text = pdftotext(path);
    if (!text) {
        fprintf(stderr, "pdftotext is missing (poppler-utils): the PDF is not read back\n");
        return 77;
    }
    CHECK(strstr(text, "国家司法救助金领取回执") != NULL);
    CHECK(strstr(text, "京检救〔2026〕7号") != NULL);
    CHECK(strstr(text, "12,345.67") != NULL);
    CHECK(strstr(text, "壹万贰仟叁佰肆拾伍元陆角柒分") != NULL);
    CHECK(strstr(text, hash) != NULL);   /* on one line, in one piece */
    CHECK(strstr(text, "00:05:00") != NULL);   /* the confirmation's moment in the recording */
    CHECK(strstr(text, "张三（信访人）") != NULL);
    if (yf_test_failures)
        fprintf(stderr, "%s\n", text);
    g_unlink(path);
    g_rmdir(dir);
    g_free(text);
    g_free(path);
    g_free(dir);
    g_bytes_unref(pdf);
    return yf_test_done("receipt");
}
