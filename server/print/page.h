/* page.h -- what the printed pages of yf_print share (internal to
 * server/print): the A4 geometry, the font list, pango text drawing and the
 * byte sink cairo writes a PDF or PNG into. */
#ifndef YF_PRINT_PAGE_H
#define YF_PRINT_PAGE_H

#include <cairo.h>
#include <glib.h>
#include <pango/pangocairo.h>

#define YF_PAGE_W 595.28 /* A4 in points */
#define YF_PAGE_H 841.89
#define YF_PAGE_MARGIN 56.0
#define YF_PAGE_FONT "Noto Sans CJK SC, Droid Sans Fallback, sans-serif"

/* Draws pango markup at (x, y) within width, wrapped at any character (Chinese
 * has no spaces); returns the height used in points. */
double yf_page_text(cairo_t *cr, double x, double y, double width, const char *markup, double size, gboolean bold,
                    PangoAlignment align);

/* cairo_write_func_t appending to the GByteArray given as closure. */
cairo_status_t yf_page_append_bytes(void *closure, const unsigned char *data, unsigned int len);

#endif
