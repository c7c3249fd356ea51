/* slip.c -- the invitation slip (print.h): one A4 page drawn with cairo's PDF
 * surface, text laid out by pango (Chinese line breaking, font fallback), the
 * QR code from libqrencode drawn module by module as filled squares, so it
 * stays sharp at any printer resolution. */
#define G_LOG_DOMAIN "yf-print"
#include "print.h"

#include "page.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <gio/gio.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <string.h>

#define QR_SIZE 190.0   /* points: ~67 mm, scannable from a table */
#define URL_MAX 1000

static const struct { const char *code, *label; } roles[] = {
    {"petitioner", "信访人"}, {"agent", "代理人（律师）"}, {"witness", "证人"},
    {"interpreter", "翻译"}, {"hearing_member", "听证员"}, {"other", "其他参加人"},
};

const char *yf_print_role_label(const char *role_code)
{
    for (size_t i = 0; role_code && i < G_N_ELEMENTS(roles); i++)
        if (strcmp(roles[i].code, role_code) == 0)
            return roles[i].label;
    return role_code ? role_code : "";
}

/* One line of the table beside the QR code: the label in grey in its own
 * column, the value (plain text, escaped here) after it. */
static double field(cairo_t *cr, double y, const char *label, const char *value, gboolean strong)
{
    const double label_w = 84, col = YF_PAGE_MARGIN + label_w + 10;
    /* the time, in large type, has the whole width above the QR code */
    const double value_w = YF_PAGE_W - YF_PAGE_MARGIN - (strong ? 0 : QR_SIZE + 16) - col;
    char *l = g_markup_printf_escaped("<span foreground=\"#555555\">%s</span>", label);
    char *v = g_markup_escape_text(value, -1);
    double h1 = yf_page_text(cr, YF_PAGE_MARGIN, y + (strong ? 2 : 0), label_w, l, 13, FALSE, PANGO_ALIGN_LEFT);
    double h2 = yf_page_text(cr, col, y, value_w, v, strong ? 16 : 14, strong, PANGO_ALIGN_LEFT);
    g_free(l);
    g_free(v);
    return MAX(h1, h2) + 10;
}

static void draw_qr(cairo_t *cr, const QRcode *qr, double x, double y, double size)
{
    int quiet = 4;   /* ISO/IEC 18004: four modules of light margin */
    double m = size / (qr->width + 2 * quiet);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, x, y, size, size);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int r = 0; r < qr->width; r++)
        for (int c = 0; c < qr->width; c++)
            if (qr->data[r * qr->width + c] & 1)
                cairo_rectangle(cr, x + (c + quiet) * m, y + (r + quiet) * m, m, m);
    cairo_fill(cr);
}

/* "2024年5月3日（星期五）09:00" in China Standard Time (g_free). */
static char *cst_time(int64_t ms)
{
    static const char *const wd[] = {"", "一", "二", "三", "四", "五", "六", "日"};
    GTimeZone *tz = g_time_zone_new_offset(8 * 3600);
    GDateTime *utc = g_date_time_new_from_unix_utc(ms / 1000);
    GDateTime *t = g_date_time_to_timezone(utc, tz);
    char *s = g_strdup_printf("%d年%d月%d日（星期%s）%02d:%02d", g_date_time_get_year(t),
                              g_date_time_get_month(t), g_date_time_get_day_of_month(t),
                              wd[g_date_time_get_day_of_week(t)], g_date_time_get_hour(t),
                              g_date_time_get_minute(t));
    g_date_time_unref(t);
    g_date_time_unref(utc);
    g_time_zone_unref(tz);
    return s;
}

static QRcode *encode(const char *text, GError **error)
{
    if (!text || strlen(text) > URL_MAX) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "the join link is missing or over %d bytes",
                    URL_MAX);
        return NULL;
    }
    QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (!qr)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the QR code could not be made");
    return qr;
}

GBytes *yf_qr_png(const char *text, int module_px, GError **error)
{
    QRcode *qr = encode(text, error);
    if (!qr)
        return NULL;
    module_px = CLAMP(module_px, 2, 16);
    int size = (qr->width + 8) * module_px;
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, size, size);
    cairo_t *cr = cairo_create(surf);
    draw_qr(cr, qr, 0, 0, size);
    cairo_destroy(cr);
    GByteArray *out = g_byte_array_new();
    cairo_status_t st = cairo_surface_write_to_png_stream(surf, yf_page_append_bytes, out);
    cairo_surface_destroy(surf);
    QRcode_free(qr);
    if (st != CAIRO_STATUS_SUCCESS) {
        g_byte_array_unref(out);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the QR image could not be written: %s",
                    cairo_status_to_string(st));
        return NULL;
    }
    return g_byte_array_free_to_bytes(out);
}

GBytes *yf_slip_pdf(const yf_slip *s, GError **error)
{
    QRcode *qr = encode(s->join_url, error);
    if (!qr)
        return NULL;
    GByteArray *out = g_byte_array_new();
    cairo_surface_t *surf = cairo_pdf_surface_create_for_stream(yf_page_append_bytes, out, YF_PAGE_W, YF_PAGE_H);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, "远程视频接访邀请函");
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "yuanfang");
    cairo_t *cr = cairo_create(surf);

    double y = YF_PAGE_MARGIN, w = YF_PAGE_W - 2 * YF_PAGE_MARGIN;
    cairo_set_source_rgb(cr, 0.702, 0.149, 0.118);   /* procuratorate red */
    char *title = g_markup_printf_escaped("远程视频%s邀请函", s->kind_label ? s->kind_label : "接访");
    y += yf_page_text(cr, YF_PAGE_MARGIN, y, w, title, 24, TRUE, PANGO_ALIGN_CENTER) + 6;
    g_free(title);
    cairo_rectangle(cr, YF_PAGE_MARGIN, y, w, 1.5);
    cairo_fill(cr);
    y += 18;

    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    char *who = g_markup_printf_escaped("%s（%s）：", s->invitee_name ? s->invitee_name : "",
                                        s->role_label ? s->role_label : "");
    y += yf_page_text(cr, YF_PAGE_MARGIN, y, w, who, 16, TRUE, PANGO_ALIGN_LEFT) + 8;
    g_free(who);
    y += yf_page_text(cr, YF_PAGE_MARGIN, y, w,
              "请您在下面的时间，用手机或电脑参加远程视频见面。到时用微信“扫一扫”扫描右边的二维码，"
              "或在浏览器中打开下面的链接即可进入，不需要下载任何软件。",
              13, FALSE, PANGO_ALIGN_LEFT) + 14;

    char *when = cst_time(s->starts_ms);
    y += field(cr, y, "时间", when, TRUE) + 4;
    g_free(when);
    double qr_top = y;
    y += field(cr, y, "案件编号", s->case_no ? s->case_no : "", FALSE);
    y += field(cr, y, "事项", s->kind_label ? s->kind_label : "接访", FALSE);
    if (s->host_name && *s->host_name)
        y += field(cr, y, "承办检察官", s->host_name, FALSE);
    if (s->expires_ms > 0) {
        char *until = cst_time(s->expires_ms);
        y += field(cr, y, "链接有效至", until, FALSE);
        g_free(until);
    }
    draw_qr(cr, qr, YF_PAGE_W - YF_PAGE_MARGIN - QR_SIZE, qr_top - 12, QR_SIZE);
    y = MAX(y, qr_top - 12 + QR_SIZE) + 12;

    char *link = g_markup_printf_escaped("<span foreground=\"#555555\">链接</span>  <tt>%s</tt>", s->join_url);
    y += yf_page_text(cr, YF_PAGE_MARGIN, y, w, link, 11, FALSE, PANGO_ALIGN_LEFT) + 22;
    g_free(link);

    y += yf_page_text(cr, YF_PAGE_MARGIN, y, w, "见面前请准备", 15, TRUE, PANGO_ALIGN_LEFT) + 8;
    static const char *const prepare[] = {
        "1. 本人身份证，见面时需要对着摄像头出示。",
        "2. 与您反映的事情有关的材料，见面时可以对着摄像头展示。",
        "3. 一部能上网的手机或电脑，电量充足；最好连接无线网络（Wi-Fi）。",
        "4. 一个安静、光线明亮的地方。",
        "5. 请提前 10 分钟打开链接，先按提示检查摄像头和麦克风，再等候检察官准许进入。",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(prepare); i++)
        y += yf_page_text(cr, YF_PAGE_MARGIN + 8, y, w - 8, prepare[i], 13, FALSE, PANGO_ALIGN_LEFT) + 5;
    y += 16;
    cairo_set_source_rgb(cr, 0.70, 0.15, 0.12);
    y += yf_page_text(cr, YF_PAGE_MARGIN, y, w,
              "本次见面全程录音录像。此链接只供您本人使用，请不要转发给他人；"
              "如果链接丢失或打不开，请与承办检察官联系，重新发给您。",
              13, TRUE, PANGO_ALIGN_LEFT);

    cairo_show_page(cr);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surf);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    QRcode_free(qr);
    if (st != CAIRO_STATUS_SUCCESS) {
        g_byte_array_unref(out);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the slip could not be drawn: %s",
                    cairo_status_to_string(st));
        return NULL;
    }
    return g_byte_array_free_to_bytes(out);
}
