/* rtcp_fb.c -- payload-specific and transport feedback with FCI lists:
 * FIR (RFC 5104 §4.3.1), REMB (draft-alvestrand-rmcat-remb-03 §2.2) and
 * transport-wide CC feedback (draft-holmer-rmcat-transport-wide-cc-
 * extensions-01 §3.1). Parsers fill caller arrays and never allocate. */
#include <string.h>
#include "rtcp.h"
#include "rtcp_priv.h"

int yf_rtcp_fir_parse(const yf_rtcp_packet *p, yf_rtcp_fb *fb, yf_rtcp_fir_entry *entries,
                      size_t cap, size_t *n)
{
    *n = 0;
    if (p->pt != YF_RTCP_PSFB || p->count != YF_RTCP_FMT_FIR)
        return YF_EUNSUPPORTED;
    int rc = yf_rtcp_fb_parse(p, fb);
    if (rc != YF_OK)
        return rc;
    if (fb->fci_len == 0 || fb->fci_len % 8 != 0)
        return YF_EMALFORMED; /* §4.3.1.2: one or more 8-octet entries */
    for (size_t off = 0; off < fb->fci_len; off += 8) {
        if (*n == cap)
            return YF_ENOMEM;
        entries[*n].ssrc = yf_rd32(fb->fci + off);
        entries[*n].seq = fb->fci[off + 4];
        (*n)++;
    }
    return YF_OK;
}

int yf_rtcp_fir_write(uint32_t sender_ssrc, const yf_rtcp_fir_entry *entries, size_t n,
                      uint8_t *dst, size_t cap)
{
    if (n == 0)
        return YF_EMALFORMED;
    if (n > (YF_RTCP_MAX_LEN - 12) / 8 || cap < 12 + n * 8)
        return YF_ENOMEM;
    size_t total = 12 + n * 8;
    memset(dst, 0, total);
    yf_rtcp_put_header(dst, false, YF_RTCP_FMT_FIR, YF_RTCP_PSFB, total);
    yf_wr32(dst + 4, sender_ssrc); /* media SSRC stays 0, §4.3.1.2 */
    for (size_t i = 0; i < n; i++) {
        yf_wr32(dst + 12 + i * 8, entries[i].ssrc);
        dst[12 + i * 8 + 4] = entries[i].seq;
    }
    return (int)total;
}

static uint64_t remb_bitrate(uint8_t exp, uint32_t mantissa)
{
    if (mantissa == 0)
        return 0;
    if (exp > 0 && ((uint64_t)mantissa >> (64 - exp)) != 0)
        return UINT64_MAX;
    return (uint64_t)mantissa << exp;
}

int yf_rtcp_remb_parse(const yf_rtcp_packet *p, yf_rtcp_remb *r)
{
    yf_rtcp_fb fb;
    if (p->pt != YF_RTCP_PSFB || p->count != YF_RTCP_FMT_REMB)
        return YF_EUNSUPPORTED;
    int rc = yf_rtcp_fb_parse(p, &fb);
    if (rc != YF_OK)
        return rc;
    if (fb.fci_len < 8 || memcmp(fb.fci, "REMB", 4) != 0)
        return YF_EUNSUPPORTED; /* another application-layer feedback */
    uint8_t num = fb.fci[4];
    if (fb.fci_len - 8 < (size_t)num * 4)
        return YF_ESHORT;
    r->sender_ssrc = fb.sender_ssrc;
    r->bitrate_bps = remb_bitrate(fb.fci[5] >> 2, ((uint32_t)(fb.fci[5] & 3) << 16) | yf_rd16(fb.fci + 6));
    r->ssrc_count = num;
    for (unsigned i = 0; i < num; i++)
        r->ssrcs[i] = yf_rd32(fb.fci + 8 + i * 4);
    return YF_OK;
}

int yf_rtcp_remb_write(const yf_rtcp_remb *r, uint8_t *dst, size_t cap)
{
    size_t total = 20 + (size_t)r->ssrc_count * 4;
    if (cap < total)
        return YF_ENOMEM;
    uint8_t exp = 0;
    while ((r->bitrate_bps >> exp) > 0x3ffff)
        exp++;
    uint32_t mantissa = (uint32_t)(r->bitrate_bps >> exp);
    yf_rtcp_put_header(dst, false, YF_RTCP_FMT_REMB, YF_RTCP_PSFB, total);
    yf_wr32(dst + 4, r->sender_ssrc);
    yf_wr32(dst + 8, 0);
    memcpy(dst + 12, "REMB", 4);
    dst[16] = r->ssrc_count;
    dst[17] = (uint8_t)((exp << 2) | (mantissa >> 16));
    yf_wr16(dst + 18, (uint16_t)mantissa);
    for (unsigned i = 0; i < r->ssrc_count; i++)
        yf_wr32(dst + 20 + i * 4, r->ssrcs[i]);
    return (int)total;
}

/* §3.1.3 run length chunk: T=0, S(2), run(13). §3.1.4 status vector chunk:
 * T=1, S=0: fourteen 1-bit symbols; S=1: seven 2-bit symbols. Symbols past
 * status_count in the last chunk are ignored. */
static int twcc_chunk_read(uint16_t chunk, yf_twcc_status *st, size_t count, size_t *i)
{
    if (!(chunk & 0x8000)) {
        uint8_t sym = (chunk >> 13) & 3;
        size_t run = chunk & 0x1fff;
        if (sym == 3)
            return YF_EMALFORMED;
        for (size_t k = 0; k < run && *i < count; k++)
            st[(*i)++].symbol = sym;
        return YF_OK;
    }
    bool two = (chunk & 0x4000) != 0;
    unsigned nsym = two ? 7 : 14, bits = two ? 2 : 1;
    for (unsigned k = 0; k < nsym && *i < count; k++) {
        uint8_t sym = (uint8_t)((chunk >> (14 - bits * (k + 1))) & (two ? 3 : 1));
        if (sym == 3)
            return YF_EMALFORMED;
        st[(*i)++].symbol = sym;
    }
    return YF_OK;
}

/* §3.1.5 receive deltas: one octet unsigned or two octets signed. */
static int twcc_deltas_read(const uint8_t *b, size_t len, size_t off, yf_twcc_status *st, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        size_t need = st[i].symbol == YF_TWCC_SMALL_DELTA ? 1 : st[i].symbol == YF_TWCC_LARGE_DELTA ? 2 : 0;
        if (len - off < need)
            return YF_ESHORT;
        if (need == 1)
            st[i].delta = b[off];
        else if (need == 2)
            st[i].delta = (int16_t)yf_rd16(b + off);
        else
            st[i].delta = 0;
        off += need;
    }
    return YF_OK;
}

int yf_rtcp_twcc_parse(const yf_rtcp_packet *p, yf_rtcp_twcc *tw, yf_twcc_status *st, size_t cap)
{
    yf_rtcp_fb fb;
    if (p->pt != YF_RTCP_RTPFB || p->count != YF_RTCP_FMT_TWCC)
        return YF_EUNSUPPORTED;
    int rc = yf_rtcp_fb_parse(p, &fb);
    if (rc != YF_OK)
        return rc;
    if (fb.fci_len < 8)
        return YF_ESHORT;
    uint32_t ref = yf_rd24(fb.fci + 4);
    tw->sender_ssrc = fb.sender_ssrc;
    tw->media_ssrc = fb.media_ssrc;
    tw->base_seq = yf_rd16(fb.fci);
    tw->status_count = yf_rd16(fb.fci + 2);
    tw->ref_time = (ref & 0x800000) ? (int32_t)ref - 0x1000000 : (int32_t)ref;
    tw->fb_count = fb.fci[7];
    if (tw->status_count > cap)
        return YF_ENOMEM;
    size_t off = 8, i = 0;
    while (i < tw->status_count) {
        if (fb.fci_len - off < 2)
            return YF_ESHORT;
        rc = twcc_chunk_read(yf_rd16(fb.fci + off), st, tw->status_count, &i);
        if (rc != YF_OK)
            return rc;
        off += 2;
    }
    return twcc_deltas_read(fb.fci, fb.fci_len, off, st, tw->status_count);
}

static size_t twcc_run(const yf_twcc_status *st, size_t i, size_t n)
{
    size_t r = 1;
    while (i + r < n && r < 0x1fff && st[i + r].symbol == st[i].symbol)
        r++;
    return r;
}

static bool twcc_one_bit_fits(const yf_twcc_status *st, size_t i, size_t n)
{
    for (size_t k = i; k < n && k < i + 14; k++)
        if (st[k].symbol > YF_TWCC_SMALL_DELTA)
            return false;
    return true;
}

/* Picks the next chunk for st[i..n): a run when it covers the rest or at
 * least 14 symbols, else a 1-bit vector when one fits, else a run of 7 or
 * more, else a 2-bit vector. *used receives the symbols consumed. */
static uint16_t twcc_chunk_make(const yf_twcc_status *st, size_t i, size_t n, size_t *used)
{
    size_t rem = n - i, r = twcc_run(st, i, n);
    bool one = twcc_one_bit_fits(st, i, n);
    if (r == rem || r >= 14 || (!one && r >= 7)) {
        *used = r;
        return (uint16_t)((st[i].symbol << 13) | r);
    }
    unsigned nsym = one ? 14 : 7, bits = one ? 1 : 2;
    uint16_t chunk = one ? 0x8000 : 0xc000;
    *used = rem < nsym ? rem : nsym;
    for (size_t k = 0; k < *used; k++)
        chunk |= (uint16_t)(st[i + k].symbol << (14 - bits * (k + 1)));
    return chunk;
}

static int twcc_check(const yf_twcc_status *st, size_t n, size_t *delta_bytes)
{
    *delta_bytes = 0;
    for (size_t i = 0; i < n; i++) {
        if (st[i].symbol > YF_TWCC_LARGE_DELTA)
            return YF_EMALFORMED;
        if (st[i].symbol == YF_TWCC_SMALL_DELTA && (st[i].delta < 0 || st[i].delta > 255))
            return YF_EMALFORMED;
        *delta_bytes += st[i].symbol;
    }
    return YF_OK;
}

int yf_rtcp_twcc_write(const yf_rtcp_twcc *tw, const yf_twcc_status *st, uint8_t *dst, size_t cap)
{
    size_t n = tw->status_count, dbytes, off = 20, used;
    int rc = twcc_check(st, n, &dbytes);
    if (rc != YF_OK)
        return rc;
    for (size_t i = 0; i < n; i += used) {
        uint16_t chunk = twcc_chunk_make(st, i, n, &used);
        if (cap < off + 2)
            return YF_ENOMEM;
        yf_wr16(dst + off, chunk);
        off += 2;
    }
    size_t end = off + dbytes, total = (end + 3) & ~(size_t)3;
    if (cap < total || total > YF_RTCP_MAX_LEN)
        return YF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (st[i].symbol == YF_TWCC_SMALL_DELTA)
            dst[off++] = (uint8_t)st[i].delta;
        else if (st[i].symbol == YF_TWCC_LARGE_DELTA) {
            yf_wr16(dst + off, (uint16_t)st[i].delta);
            off += 2;
        }
    }
    memset(dst + end, 0, total - end);
    if (total > end)
        dst[total - 1] = (uint8_t)(total - end); /* RFC 3550 §6.4.1 padding */
    yf_rtcp_put_header(dst, total > end, YF_RTCP_FMT_TWCC, YF_RTCP_RTPFB, total);
    yf_wr32(dst + 4, tw->sender_ssrc);
    yf_wr32(dst + 8, tw->media_ssrc);
    yf_wr16(dst + 12, tw->base_seq);
    yf_wr16(dst + 14, tw->status_count);
    yf_wr24(dst + 16, (uint32_t)tw->ref_time & 0xffffff);
    dst[19] = tw->fb_count;
    return (int)total;
}
