/* post_red.c -- RFC 2198 redundant audio in post-processing: a RED packet of
 * a capture plays as its primary Opus block, and a packet the capture lacks
 * is rebuilt from the redundant block a later RED packet carries for it
 * (section 3: the block's timestamp offset; the sender repeats the packets
 * just before, so block k of n - 1 is the packet n - 1 - k back, except
 * after a pause in speech: see yf_post_red_fill). The
 * capture keeps RTP as received; this only reads it. Parsing is red.h's. */
#define G_LOG_DOMAIN "yf-post"

#include "media/core/red.h"
#include "post_priv.h"

gboolean yf_post_red_primary(uint8_t pt, const uint8_t *payload, size_t len)
{
    yf_red red;
    return yf_red_parse(payload, len, &red) == YF_OK && red.block[red.n - 1].pt == pt &&
           red.block[red.n - 1].len > 0;
}

void yf_post_red_spares(GArray *spare, const yf_post_pkt *k, uint8_t pt, const uint8_t *payload, size_t len)
{
    yf_red red;
    if (yf_red_parse(payload, len, &red) != YF_OK)
        return;
    for (size_t i = 0; i + 1 < red.n; i++) {
        const yf_red_block *b = &red.block[i];
        if (b->pt != pt || b->len == 0 || b->ts_offset == 0)
            continue; /* not our codec, nothing, or not an earlier frame */
        yf_post_pkt e = *k;
        e.red = (uint8_t)(2 + i);
        e.ext_seq = k->ext_seq - (int64_t)(red.n - 1 - i);
        e.ext_ts = k->ext_ts - b->ts_offset;
        g_array_append_val(spare, e);
    }
}

/* A spare fills a sequence number the capture lacks, unless the frame it
 * carries is one the capture has: after a pause in speech a sender's
 * packet repeats the last frame before it, not the packet just before
 * (which had no audio, or never came), and playing it again would add
 * 20 ms of sound that was not said at the pause. */
void yf_post_red_fill(yf_post_track *t, const GArray *spare)
{
    GHashTable *have = g_hash_table_new(g_int64_hash, g_int64_equal);
    GHashTable *have_ts = g_hash_table_new(g_int64_hash, g_int64_equal);
    int64_t *seqs = g_new(int64_t, t->pkts->len + 1); /* t->pkts moves as it grows */
    int64_t *tss = g_new(int64_t, t->pkts->len + 1);
    guint added = 0, again = 0;
    for (guint i = 0; i < t->pkts->len; i++) {
        const yf_post_pkt *k = &g_array_index(t->pkts, yf_post_pkt, i);
        seqs[i] = k->ext_seq;
        tss[i] = k->ext_ts;
        g_hash_table_add(have, &seqs[i]);
        if (!k->skip)
            g_hash_table_add(have_ts, &tss[i]);
    }
    for (guint i = 0; i < spare->len; i++) {
        const yf_post_pkt *e = &g_array_index(spare, yf_post_pkt, i);
        if (g_hash_table_contains(have, &e->ext_seq))
            continue;
        if (g_hash_table_contains(have_ts, &e->ext_ts)) {
            again++;
            continue;
        }
        g_hash_table_add(have, (gpointer)&e->ext_seq); /* spare outlives the tables */
        g_hash_table_add(have_ts, (gpointer)&e->ext_ts);
        g_array_append_val(t->pkts, *e);
        if (t->n_media == 0 || e->arrival_us < t->first_arrival_us)
            t->first_arrival_us = e->arrival_us;
        if (t->n_media == 0 || e->arrival_us > t->last_arrival_us)
            t->last_arrival_us = e->arrival_us;
        t->n_media++;
        added++;
    }
    g_hash_table_destroy(have);
    g_hash_table_destroy(have_ts);
    g_free(seqs);
    g_free(tss);
    if (added || again)
        g_debug("%s: %u lost packets rebuilt from RED, %u redundant blocks of frames already there", t->path,
                added, again);
}

size_t yf_post_red_plain(uint8_t *buf, size_t len, const yf_post_pkt *k, uint8_t pt)
{
    long n = k->red == 1 ? yf_red_unwrap(buf, len, pt, pt, buf, len)
                         : yf_red_block_packet(buf, len, (size_t)(k->red - 2), pt, pt, 0, buf, len);
    return n > 0 ? (size_t)n : 0;
}
