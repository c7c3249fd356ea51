/* post_source.c -- one capture file (docs/recording-format.md) read into an
 * index of its RTP packets (file offsets, unwrapped sequence numbers and
 * timestamps, arrival times) and its sender reports (RFC 3550 §6.4.1). The
 * file is untrusted evidence: every length is checked, a damaged file is used
 * up to its last good record, and nothing here asserts on its contents. */
#define G_LOG_DOMAIN "yf-post"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "post_priv.h"

#define NTP_UNIX_OFFSET 2208988800LL /* seconds from 1900 to 1970 */
#define SEQ_RESTART 1000             /* further back than this: not reordering */
#define FIRST_EXT_TS ((int64_t)1 << 33) /* room below for reordered packets */

/* Running state of one load: the unwrapping references (RFC 3550 A.1), kept
 * on the media packets only; first_ts is the first media packet's timestamp
 * (its ext_ts is the first ext_ts) and the first n_early SRs came before it;
 * spare holds the packets the redundant blocks of RED packets stand for. */
typedef struct {
    yf_post_track *t;
    GArray *spare;             /* yf_post_pkt, red >= 2 */
    gboolean have_seq, have_ts;
    uint16_t last_seq;
    uint32_t last_ts, first_ts;
    int64_t ext_seq, ext_ts, max_seq;
    uint32_t order;
    guint n_early;
} loader;

gboolean yf_post_rtp_parse(const uint8_t *p, size_t n, uint8_t *pt, uint16_t *seq, uint32_t *ts, uint32_t *ssrc,
                           size_t *payload_off, size_t *payload_len)
{
    size_t hdr, pad = 0;

    if (n < 12 || (p[0] >> 6) != 2)
        return FALSE;
    hdr = 12 + 4 * (size_t)(p[0] & 0x0f);
    if ((p[0] & 0x10) && n >= hdr + 4)       /* §5.3.1: 16-bit length in words */
        hdr += 4 + 4 * (size_t)((p[hdr + 2] << 8) | p[hdr + 3]);
    else if (p[0] & 0x10)
        return FALSE;
    if (hdr > n)
        return FALSE;
    if (p[0] & 0x20) {                       /* the last byte counts the padding */
        pad = p[n - 1];
        if (pad == 0 || pad > n - hdr)
            return FALSE;
    }
    *pt = p[1] & 0x7f;
    *seq = (uint16_t)((p[2] << 8) | p[3]);
    *ts = ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) | ((uint32_t)p[6] << 8) | p[7];
    *ssrc = ((uint32_t)p[8] << 24) | ((uint32_t)p[9] << 16) | ((uint32_t)p[10] << 8) | p[11];
    *payload_off = hdr;
    *payload_len = n - hdr - pad;
    return TRUE;
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int64_t unwrap_ts(loader *l, uint32_t ts)
{
    if (!l->have_ts) {
        l->have_ts = TRUE;
        l->ext_ts = FIRST_EXT_TS;
        l->first_ts = ts;
    } else {
        l->ext_ts += (int32_t)(ts - l->last_ts);
    }
    l->last_ts = ts;
    return l->ext_ts;
}

/* A packet far behind the newest one is not late but a restarted sender
 * (same SSRC, new sequence): it continues after the newest, so the sort by
 * sequence number never moves a later stretch of media before an earlier. */
static int64_t unwrap_seq(loader *l, uint16_t seq)
{
    if (!l->have_seq) {
        l->have_seq = TRUE;
        l->ext_seq = l->max_seq = (int64_t)1 << 20;
    } else {
        l->ext_seq += (int16_t)(seq - l->last_seq);
        if (l->ext_seq < l->max_seq - SEQ_RESTART)
            l->ext_seq = l->max_seq + 1;
    }
    l->max_seq = MAX(l->max_seq, l->ext_seq);
    l->last_seq = seq;
    return l->ext_seq;
}

/* An RTP record: packets of another SSRC are not this track's; packets of
 * its SSRC that carry no media (padding only, another payload type such as
 * FEC) are kept as skip entries so the stream shows no false gap. RED of
 * the capture's red_payload_type is media (its primary block), and its
 * redundant blocks are kept aside for packets that may be missing. */
static void on_rtp(loader *l, const yf_cap_record *rec, int64_t off)
{
    yf_post_track *t = l->t;
    yf_post_pkt k = { 0 };
    uint8_t pt;
    uint16_t seq;
    uint32_t ts, ssrc;
    size_t poff, plen;

    if (!yf_post_rtp_parse(rec->payload, rec->len, &pt, &seq, &ts, &ssrc, &poff, &plen) || ssrc != t->meta.ssrc)
        return;
    k.off = off;
    k.len = (uint32_t)rec->len;
    k.arrival_us = rec->arrival_us;
    k.ext_seq = unwrap_seq(l, seq);
    k.order = l->order++;
    k.skip = pt != t->meta.payload_type || plen == 0;
    if (t->meta.red_payload_type && pt == t->meta.red_payload_type) {
        k.skip = !yf_post_red_primary(t->meta.payload_type, rec->payload + poff, plen);
        k.red = !k.skip;
    }
    /* a skip entry's timestamp may belong to another clock (FEC): keep the
     * unwrapping reference on the media packets only */
    k.ext_ts = k.skip ? 0 : unwrap_ts(l, ts);
    if (k.red)
        yf_post_red_spares(l->spare, &k, t->meta.payload_type, rec->payload + poff, plen);
    if (!k.skip) {
        if (t->n_media == 0 || k.arrival_us < t->first_arrival_us)
            t->first_arrival_us = k.arrival_us;
        if (t->n_media == 0 || k.arrival_us > t->last_arrival_us)
            t->last_arrival_us = k.arrival_us;
        t->n_media++;
    }
    g_array_append_val(t->pkts, k);
}

static int64_t ntp_to_unix_us(uint32_t msw, uint32_t lsw)
{
    return ((int64_t)msw - NTP_UNIX_OFFSET) * 1000000 + (int64_t)(((uint64_t)lsw * 1000000 + (1u << 31)) >> 32);
}

/* An SR's RTP timestamp, unwrapped against the media packet before it in the
 * file (one before any packet: later, against the first). Never the other way
 * round: a report whose clock is wrong, or far from the packets', must not
 * move the reference the packets are unwrapped by. */
static int64_t unwrap_sr_ts(loader *l, uint32_t ts)
{
    if (!l->have_ts) {
        l->n_early++;
        return ts;   /* resolved by resolve_early_srs() */
    }
    return l->ext_ts + (int32_t)(ts - l->last_ts);
}

static void resolve_early_srs(loader *l)
{
    for (guint i = 0; l->have_ts && i < l->n_early; i++) {
        yf_post_sr *sr = &g_array_index(l->t->srs, yf_post_sr, i);
        sr->ext_ts = FIRST_EXT_TS + (int32_t)((uint32_t)sr->ext_ts - l->first_ts);
    }
}

/* An RTCP compound (RFC 3550 §6.1): keeps the SRs (PT 200) of the track's
 * SSRC; stops at the first malformed packet of the compound. */
static void on_rtcp(loader *l, const yf_cap_record *rec)
{
    const uint8_t *p = rec->payload;
    size_t n = rec->len;

    while (n >= 4 && (p[0] >> 6) == 2) {
        size_t plen = 4 * ((size_t)((p[2] << 8) | p[3]) + 1);
        if (plen > n)
            return;
        if (p[1] == 200 && plen >= 28 && be32(p + 4) == l->t->meta.ssrc) {
            yf_post_sr sr = { .arrival_us = rec->arrival_us, .valid = TRUE };
            sr.ntp_us = ntp_to_unix_us(be32(p + 8), be32(p + 12));
            sr.ext_ts = unwrap_sr_ts(l, be32(p + 16));
            g_array_append_val(l->t->srs, sr);
        }
        p += plen;
        n -= plen;
    }
}

static gboolean codec_of(const yf_cap_meta *m, yf_post_codec *c)
{
    if (m->kind == YF_CAP_VIDEO && !g_ascii_strcasecmp(m->codec, "VP8"))
        *c = YF_POST_VP8;
    else if (m->kind == YF_CAP_VIDEO && !g_ascii_strcasecmp(m->codec, "H264"))
        *c = YF_POST_H264;
    else if (m->kind == YF_CAP_AUDIO && !g_ascii_strcasecmp(m->codec, "opus"))
        *c = YF_POST_OPUS;
    else
        return FALSE;
    return TRUE;
}

static gboolean read_header(yf_post_track *t, yf_cap_reader *r, GError **err)
{
    yf_cap_header h;
    GError *e = NULL;

    if (!yf_cap_reader_header(r, &h, &e) || yf_cap_meta_parse(h.meta_json, h.meta_len, &t->meta) != YF_CAP_OK) {
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_INPUT, "%s: %s", t->path,
                    e ? e->message : "bad metadata");
        g_clear_error(&e);
        return FALSE;
    }
    if (!codec_of(&t->meta, &t->codec)) {
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_INPUT, "%s: codec %s is not supported", t->path,
                    t->meta.codec);
        return FALSE;
    }
    return TRUE;
}

static void read_records(yf_post_track *t, yf_cap_reader *r)
{
    loader l = { .t = t, .spare = g_array_new(FALSE, FALSE, sizeof(yf_post_pkt)) };
    yf_cap_record rec;
    GError *e = NULL;
    int rc;

    while ((rc = yf_cap_reader_next(r, &rec, &e)) == 1) {
        int64_t off = (int64_t)yf_cap_reader_good_end(r) - 4 - (int64_t)rec.len;
        if (rec.type == YF_CAP_RTP)
            on_rtp(&l, &rec, off);
        else if (rec.type == YF_CAP_RTCP)
            on_rtcp(&l, &rec);
    }
    resolve_early_srs(&l);
    yf_post_red_fill(t, l.spare);
    g_array_unref(l.spare);
    if (rc < 0) {
        g_warning("%s: using the capture up to its last good record: %s", t->path, e->message);
        g_clear_error(&e);
    }
    t->damaged = rc < 0 || !yf_cap_reader_complete(r);
}

yf_post_track *yf_post_track_load(const char *path, GError **err)
{
    yf_post_track *t = g_new0(yf_post_track, 1);
    yf_cap_reader *r = NULL;

    t->path = g_strdup(path);
    t->pkts = g_array_new(FALSE, FALSE, sizeof(yf_post_pkt));
    t->srs = g_array_new(FALSE, FALSE, sizeof(yf_post_sr));
    t->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (t->fd < 0) {
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_INPUT, "%s: %s", path, g_strerror(errno));
        goto fail;
    }
    r = yf_cap_reader_new_fd(t->fd);
    if (!read_header(t, r, err))
        goto fail;
    read_records(t, r);
    if (t->n_media == 0) {
        g_set_error(err, YF_POST_ERROR, YF_POST_ERROR_INPUT, "%s: no media", path);
        goto fail;
    }
    yf_cap_reader_free(r);
    return t;
fail:
    yf_cap_reader_free(r);
    yf_post_track_free(t);
    return NULL;
}

void yf_post_track_free(gpointer p)
{
    yf_post_track *t = p;

    if (!t)
        return;
    if (t->fd >= 0)
        close(t->fd);
    g_free(t->path);
    g_array_unref(t->pkts);
    g_array_unref(t->srs);
    g_free(t);
}
