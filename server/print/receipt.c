/* receipt.c -- the 司法救助 receipt (receipt.h): one A4 page drawn with
 * cairo's PDF surface, text by pango; the amount in figures and in the
 * capitals of Chinese financial writing; hashes in a monospaced face on
 * lines of their own, so a reader (or pdftotext) gets each in one piece. */
#define G_LOG_DOMAIN "yf-print"
#include "receipt.h"

#include "page.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <gio/gio.h>
#include <pango/pangocairo.h>
#include <string.h>

#define LABEL_W 96.0

static const char *const digits[] = {"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"};

/* One group of four digits (1..9999), inner zeros as one 零. */
static void caps_group(GString *s, int g)
{
    static const char *const unit[] = {"仟", "佰", "拾", ""};
    int d[4] = {g / 1000, g / 100 % 10, g / 10 % 10, g % 10};
    gboolean started = FALSE, zero = FALSE;
    for (int i = 0; i < 4; i++) {
        if (d[i] == 0) {
            zero = started;
            continue;
        }
        if (zero)
            g_string_append(s, "零");
        zero = FALSE;
        g_string_append(s, digits[d[i]]);
        g_string_append(s, unit[i]);
        started = TRUE;
    }
}

char *yf_print_amount_caps(int64_t fen)
{
    static const char *const big[] = {"", "万", "亿", "万"};
    if (fen <= 0)
        return g_strdup("");
    GString *s = g_string_new(NULL);
    int64_t yuan = fen / 100;
    int jiao = (int)(fen / 10 % 10), f = (int)(fen % 10);
    int groups[4] = {0}, n = 0;
    for (int64_t y = yuan; y > 0 && n < 4; y /= 10000)
        groups[n++] = (int)(y % 10000);
    gboolean pending_zero = FALSE;
    for (int k = n - 1; k >= 0; k--) {
        if (groups[k] == 0) {
            pending_zero = s->len > 0;
            continue;
        }
        if (s->len > 0 && (pending_zero || groups[k] < 1000))
            g_string_append(s, "零");
        caps_group(s, groups[k]);
        g_string_append(s, big[k]);
        pending_zero = FALSE;
    }
    if (yuan > 0)
        g_string_append(s, "元");
    if (jiao == 0 && f == 0) {
        g_string_append(s, "整");
    } else {
        if (jiao > 0) {
            g_string_append(s, digits[jiao]);
            g_string_append(s, "角");
        } else if (yuan > 0) {
            g_string_append(s, "零");
        }
        if (f > 0) {
            g_string_append(s, digits[f]);
            g_string_append(s, "分");
        } else {
            g_string_append(s, "整");
        }
    }
    return g_string_free(s, FALSE);
}

char *yf_print_amount_figures(int64_t fen)
{
    char raw[32];
    g_snprintf(raw, sizeof raw, "%" G_GINT64_FORMAT, (gint64)(fen / 100));
    GString *s = g_string_new(NULL);
    size_t n = strlen(raw);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            g_string_append_c(s, ',');
        g_string_append_c(s, raw[i]);
    }
    g_string_append_printf(s, ".%02d", (int)(fen % 100));
    return g_string_free(s, FALSE);
}

/* A row: the label in grey, the value (plain text, escaped here) beside it. */
static double row(cairo_t *cr, double y, const char *label, const char *value, gboolean strong)
{
    const double col = YF_PAGE_MARGIN + LABEL_W + 8, w = YF_PAGE_W - YF_PAGE_MARGIN - col;
    char *l = g_markup_printf_escaped("<span foreground=\"#555555\">%s</span>", label);
    char *v = g_markup_escape_text(value && *value ? value : "无", -1);
    double h1 = yf_page_text(cr, YF_PAGE_MARGIN, y + (strong ? 2 : 0), LABEL_W, l, 12, FALSE, PANGO_ALIGN_LEFT);
    double h2 = yf_page_text(cr, col, y, w, v, strong ? 15 : 13, strong, PANGO_ALIGN_LEFT);
    g_free(l);
    g_free(v);
    return MAX(h1, h2) + 8;
}

/* A hash on a line of its own in a monospaced face, under its label. */
static double hash_row(cairo_t *cr, double y, const char *label, const char *hex)
{
    if (!hex || !*hex)
        return row(cr, y, label, NULL, FALSE);   /* says 无 */
    char *l = g_markup_printf_escaped("<span foreground=\"#555555\">%s</span>", label);
    yf_page_text(cr, YF_PAGE_MARGIN, y, YF_PAGE_W - 2 * YF_PAGE_MARGIN, l, 12, FALSE, PANGO_ALIGN_LEFT);
    g_free(l);
    double h;
    char *m = g_markup_printf_escaped("<tt>%s</tt>", hex);
    h = yf_page_text(cr, YF_PAGE_MARGIN + 12, y + 18, YF_PAGE_W - 2 * YF_PAGE_MARGIN - 12, m, 9.5, FALSE, PANGO_ALIGN_LEFT) + 26;
    g_free(m);
    return h;
}

/* "2024年5月3日 09:00:05" in China Standard Time (g_free); "" for 0. */
static char *cst(int64_t ms, gboolean seconds)
{
    if (ms <= 0)
        return g_strdup("");
    GTimeZone *tz = g_time_zone_new_offset(8 * 3600);
    GDateTime *utc = g_date_time_new_from_unix_utc(ms / 1000);
    GDateTime *t = g_date_time_to_timezone(utc, tz);
    char *s = seconds ? g_date_time_format(t, "%Y年%-m月%-d日 %H:%M:%S") : g_date_time_format(t, "%Y年%-m月%-d日");
    g_date_time_unref(t);
    g_date_time_unref(utc);
    g_time_zone_unref(tz);
    return s;
}

static char *clock_of(int64_t ms)
{
    int64_t s = MAX(ms, 0) / 1000;
    return g_strdup_printf("%02d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
}

static double draw_body(cairo_t *cr, const yf_receipt *r)
{
    double y = YF_PAGE_MARGIN, w = YF_PAGE_W - 2 * YF_PAGE_MARGIN;
    cairo_set_source_rgb(cr, 0.702, 0.149, 0.118);   /* procuratorate red */
    y += yf_page_text(cr, YF_PAGE_MARGIN, y, w, "国家司法救助金领取回执", 24, TRUE, PANGO_ALIGN_CENTER) + 6;
    cairo_rectangle(cr, YF_PAGE_MARGIN, y, w, 1.5);
    cairo_fill(cr);
    y += 16;
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);

    char *figures = yf_print_amount_figures(r->amount_fen), *caps = yf_print_amount_caps(r->amount_fen);
    char *amount = g_strdup_printf("人民币 %s 元", figures);
    char *caps_line = g_strdup_printf("人民币%s", caps);
    char *from = cst(r->hearing_start_ms, TRUE), *to = cst(r->hearing_end_ms, TRUE);
    char *held = g_strdup_printf("%s 至 %s", from, to);
    g_free(from);
    g_free(to);
    char *conf_at = cst(r->confirmed_ms, TRUE), *offset = clock_of(r->confirm_offset_ms);
    char *confirmed = r->confirmed_ms ? g_strdup_printf("%s（录像中 %s 处），申请人在本人屏幕上点击“确认领取”；其口头确认见录像该处",
                                                       conf_at, offset)
                                      : g_strdup("申请人未确认");
    char *issued = cst(r->issued_ms, FALSE);
    y += row(cr, y, "案件编号", r->case_no, FALSE);
    y += row(cr, y, "救助决定书编号", r->decision_no, FALSE);
    y += row(cr, y, "救助金额（小写）", amount, TRUE);
    y += row(cr, y, "救助金额（大写）", caps_line, TRUE);
    y += row(cr, y, "领取人", r->payee, FALSE);
    y += row(cr, y, "开户银行", r->bank, FALSE);
    y += row(cr, y, "收款账号", r->account_masked, FALSE);
    y += row(cr, y, "视频发放时间", held, FALSE);
    y += row(cr, y, "申请人确认", confirmed, FALSE);

    GString *people = g_string_new(NULL);
    for (size_t i = 0; i < r->n_people; i++)
        g_string_append_printf(people, "%s%s（%s）", i ? "、" : "", r->people[i].name ? r->people[i].name : "",
                               r->people[i].role ? r->people[i].role : "");
    y += row(cr, y, "参加人员", people->str, FALSE);
    y += row(cr, y, "经办人", r->issued_by, FALSE);
    y += row(cr, y, "回执日期", issued, FALSE);
    y += 6;
    y += hash_row(cr, y, "录像 SHA-256", r->recording_sha256);
    y += hash_row(cr, y, "身份核验截图 SHA-256", r->still_sha256);
    y += hash_row(cr, y, "救助决定书 SHA-256", r->decision_sha256);
    y += 10;
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    y += yf_page_text(cr, YF_PAGE_MARGIN, y, w,
              "本回执由远访系统在视频发放结束后生成。录像、身份核验截图和救助决定书的 SHA-256 可与本案证据包中的"
              "文件核对：任何一个字节的改动都会使数值不同。",
              11, FALSE, PANGO_ALIGN_LEFT);
    g_string_free(people, TRUE);
    g_free(figures);
    g_free(caps);
    g_free(amount);
    g_free(caps_line);
    g_free(held);
    g_free(conf_at);
    g_free(offset);
    g_free(confirmed);
    g_free(issued);
    return y;
}

GBytes *yf_receipt_pdf(const yf_receipt *r, GError **error)
{
    if (!r->case_no || !r->decision_no || r->amount_fen <= 0 || !r->recording_sha256) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "a receipt needs the case and decision numbers, an amount and the recording's hash");
        return NULL;
    }
    GByteArray *out = g_byte_array_new();
    cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(yf_page_append_bytes, out, YF_PAGE_W, YF_PAGE_H);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, "国家司法救助金领取回执");
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "yuanfang");
    cairo_t *cr = cairo_create(surf);
    draw_body(cr, r);
    cairo_show_page(cr);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surf);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    if (st != CAIRO_STATUS_SUCCESS) {
        g_byte_array_unref(out);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the receipt could not be drawn: %s",
                    cairo_status_to_string(st));
        return NULL;
    }
    return g_byte_array_free_to_bytes(out);
}
