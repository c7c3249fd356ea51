/* page.c -- the drawing the printed pages share (page.h). */
#define G_LOG_DOMAIN "yf-print"
#include "page.h"

double yf_page_text(cairo_t *cr, double x, double y, double width, const char *markup, double size, gboolean bold,
                    PangoAlignment align)
{
    PangoLayout *l = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_from_string(YF_PAGE_FONT);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    if (bold)
        pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(l, fd);
    pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, align);
    pango_layout_set_markup(l, markup, -1);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, l);
    int w, h;
    pango_layout_get_size(l, &w, &h);
    pango_font_description_free(fd);
    g_object_unref(l);
    return (double)h / PANGO_SCALE;
}

cairo_status_t yf_page_append_bytes(void *closure, const unsigned char *data, unsigned int len)
{
    g_byte_array_append(closure, data, len);
    return CAIRO_STATUS_SUCCESS;
}
