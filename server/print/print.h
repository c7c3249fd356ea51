/* print.h -- what a prosecutor prints and hands out: the invitation slip (邀请函)
 * of one invitee of an appointment, as a one-page A4 PDF with the time, the case
 * number, the host, the join link and its QR code (petitioners open links from
 * WeChat by scanning), and what to prepare; and the QR code alone as a PNG. Library yf_print (server/print):
 * pure rendering with libqrencode, cairo and pango; no store, no HTTP, so the
 * API and a future command line share it and a test can read its output back
 * (pdftotext, zbarimg). Chinese text needs a CJK font (setup.sh installs
 * fonts-droid-fallback; Noto Sans CJK is used when present). */
#ifndef YF_PRINT_H
#define YF_PRINT_H

#include <glib.h>
#include <stdint.h>

typedef struct {
    const char *case_no;        /* 京检控〔2024〕12号 */
    const char *kind_label;     /* 接访, 检察听证, 司法救助 */
    const char *invitee_name;   /* 张三 */
    const char *role_label;     /* 当事人 (yf_print_role_label) */
    const char *host_name;      /* 王检察官 */
    int64_t starts_ms;          /* Unix ms; printed in China Standard Time */
    int64_t expires_ms;         /* the link's end; 0 = not printed */
    const char *join_url;       /* the link and the QR code's content */
} yf_slip;

/* The slip as PDF bytes (g_bytes_unref); NULL with *error when the link
 * cannot be encoded (over 1000 bytes) or cairo fails. */
GBytes *yf_slip_pdf(const yf_slip *slip, GError **error);

/* The QR code of text (a join link, at most 1000 bytes) as a PNG image
 * (g_bytes_unref), module_px pixels per module (2..16) with the four-module
 * quiet zone: for a page to show beside the link. NULL with *error. */
GBytes *yf_qr_png(const char *text, int module_px, GError **error);

/* The Chinese name of an invitee role code ("petitioner" -> 当事人); the code
 * itself when unknown. */
const char *yf_print_role_label(const char *role_code);

#endif
