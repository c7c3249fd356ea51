/* yfload_stream.c -- the test stream in memory: the RTP records of
 * tests/data/load/{video,audio}.ycap (docs/recording-format.md, read with
 * media/rec's reader), merged in send order, with each packet's offset from
 * the start and its RTP timestamp relative to its kind's first (the
 * reader's payload lives until its next record, so each is copied). */
#include "yfload.h"

#include <string.h>

#include "media/rec/capfile.h"

static gboolean read_kind(yfl_stream *s, GBytes *file, yfl_kind kind, GArray *out, GError **err)
{
    gsize size;
    const uint8_t *data = g_bytes_get_data(file, &size);
    yf_cap_reader *r = yf_cap_reader_new_mem(data, size);
    yf_cap_header h;
    yf_cap_record rec;
    gboolean have_first = FALSE, ok = FALSE;
    uint32_t ts0 = 0;
    int64_t t0 = 0;
    int rc;

    if (!yf_cap_reader_header(r, &h, err))
        goto out;
    while ((rc = yf_cap_reader_next(r, &rec, err)) > 0) {
        if (rec.type != YF_CAP_RTP || rec.len < 12 || rec.len > 1300)
            continue;
        uint32_t ts = ((uint32_t)rec.payload[4] << 24) | ((uint32_t)rec.payload[5] << 16) |
                      ((uint32_t)rec.payload[6] << 8) | rec.payload[7];
        if (!have_first) {
            have_first = TRUE;
            ts0 = ts;
            t0 = rec.arrival_us;
        }
        yfl_pkt p = { .data = g_memdup2(rec.payload, rec.len), .len = (uint16_t)rec.len, .kind = (uint8_t)kind,
                      .idx = (uint32_t)s->n_kind[kind]++, .t_us = rec.arrival_us - t0, .ts_off = ts - ts0 };
        g_array_append_val(out, p);
    }
    ok = rc == 0 && have_first;
    if (rc == 0 && !have_first)
        g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL, "no RTP packets in the stream");
out:
    yf_cap_reader_free(r);
    return ok;
}

static gint by_time(gconstpointer a, gconstpointer b)
{
    const yfl_pkt *x = a, *y = b;

    return x->t_us < y->t_us ? -1 : x->t_us > y->t_us ? 1 : (int)x->kind - (int)y->kind;
}

static GBytes *slurp(const char *dir, const char *name, GError **err)
{
    char *path = g_build_filename(dir, name, NULL);
    char *buf = NULL;
    gsize len = 0;
    GBytes *b = NULL;

    if (g_file_get_contents(path, &buf, &len, err))
        b = g_bytes_new_take(buf, len);
    g_free(path);
    return b;
}

gboolean yfl_stream_load(yfl_stream *s, const char *dir, GError **err)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(yfl_pkt));

    memset(s, 0, sizeof *s);
    s->video_file = slurp(dir, "video.ycap", err);
    if (!s->video_file)
        goto fail;
    s->audio_file = slurp(dir, "audio.ycap", err);
    if (!s->audio_file || !read_kind(s, s->video_file, YFL_VIDEO, a, err) ||
        !read_kind(s, s->audio_file, YFL_AUDIO, a, err))
        goto fail;
    g_array_sort(a, by_time);
    s->n = a->len;
    s->pkts = (yfl_pkt *)g_array_free(a, FALSE);
    /* One loop lasts the stream's whole seconds, rounded up: the last frame
     * keeps its duration and the next loop's timestamps continue evenly. */
    s->period_us = (s->pkts[s->n - 1].t_us / G_USEC_PER_SEC + 1) * G_USEC_PER_SEC;
    s->period_ts[YFL_VIDEO] = (uint32_t)(s->period_us / 1000 * 90);
    s->period_ts[YFL_AUDIO] = (uint32_t)(s->period_us / 1000 * 48);
    return TRUE;
fail:
    for (guint i = 0; i < a->len; i++)
        g_free((void *)g_array_index(a, yfl_pkt, i).data);
    g_array_free(a, TRUE);
    yfl_stream_clear(s);
    return FALSE;
}

void yfl_stream_clear(yfl_stream *s)
{
    for (size_t i = 0; i < s->n; i++)
        g_free((void *)s->pkts[i].data);
    g_free(s->pkts);
    if (s->video_file)
        g_bytes_unref(s->video_file);
    if (s->audio_file)
        g_bytes_unref(s->audio_file);
    memset(s, 0, sizeof *s);
}
