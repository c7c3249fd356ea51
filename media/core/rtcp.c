/* rtcp.c -- RTCP compound iteration (RFC 3550 §6.1, A.2), SR/RR (§6.4),
 * SDES CNAME (§6.5), BYE (§6.6) and the common feedback header (RFC 4585
 * §6.1) with generic NACK (§6.2.1) and PLI (§6.3.1). FIR, REMB and
 * transport-cc live in rtcp_fb.c. No allocation; every wire length is
 * checked before use; writers fail with YF_ENOMEM rather than truncate. */
#include <string.h>
#include "rtcp.h"
#include "rtcp_priv.h"

void yf_rtcp_iter_init(yf_rtcp_iter *it, const uint8_t *buf, size_t len)
{
    it->buf = buf;
    it->len = buf ? len : 0;
    it->off = 0;
}

int yf_rtcp_iter_next(yf_rtcp_iter *it, yf_rtcp_packet *out)
{
    if (it->off >= it->len)
        return 0;
    size_t rem = it->len - it->off;
    const uint8_t *p = it->buf + it->off;
    if (rem < 4)
        return YF_ESHORT;
    if ((p[0] >> 6) != 2)
        return YF_EMALFORMED;
    size_t plen = ((size_t)yf_rd16(p + 2) + 1) * 4; /* §6.4.1: length in words minus one */
    if (plen > rem)
        return YF_ESHORT;
    size_t pad = 0;
    out->padding = (p[0] & 0x20) != 0;
    if (out->padding) {
        pad = p[plen - 1];
        if (pad == 0 || pad > plen - 4)
            return YF_EMALFORMED;
    }
    out->count = p[0] & 0x1f;
    out->pt = p[1];
    out->raw = p;
    out->raw_len = plen;
    out->body = p + 4;
    out->body_len = plen - 4 - pad;
    it->off += plen;
    return 1;
}

int yf_rtcp_validate(const uint8_t *buf, size_t len, bool require_report)
{
    yf_rtcp_iter it;
    yf_rtcp_packet p;
    int rc, n = 0;
    yf_rtcp_iter_init(&it, buf, len);
    while ((rc = yf_rtcp_iter_next(&it, &p)) == 1) {
        if (n++ == 0 && require_report && p.pt != YF_RTCP_SR && p.pt != YF_RTCP_RR)
            return YF_EMALFORMED;
    }
    if (rc < 0)
        return rc;
    return n > 0 ? YF_OK : YF_ESHORT;
}

size_t yf_rtcp_put_header(uint8_t *dst, bool padding, uint8_t count, uint8_t pt, size_t total)
{
    dst[0] = (uint8_t)(0x80 | (padding ? 0x20 : 0) | (count & 0x1f));
    dst[1] = pt;
    yf_wr16(dst + 2, (uint16_t)(total / 4 - 1));
    return 4;
}

/* §6.4.1 report block, 24 octets. */
static void report_read(const uint8_t *p, yf_rtcp_report_block *rb)
{
    uint32_t lost = yf_rd24(p + 5);
    rb->ssrc = yf_rd32(p);
    rb->fraction_lost = p[4];
    rb->cumulative_lost = (lost & 0x800000) ? (int32_t)lost - 0x1000000 : (int32_t)lost;
    rb->highest_seq = yf_rd32(p + 8);
    rb->jitter = yf_rd32(p + 12);
    rb->lsr = yf_rd32(p + 16);
    rb->dlsr = yf_rd32(p + 20);
}

static void report_write(uint8_t *p, const yf_rtcp_report_block *rb)
{
    int32_t lost = rb->cumulative_lost;
    if (lost > 0x7fffff)
        lost = 0x7fffff; /* §6.4.1: clamp rather than wrap */
    if (lost < -0x800000)
        lost = -0x800000;
    yf_wr32(p, rb->ssrc);
    p[4] = rb->fraction_lost;
    yf_wr24(p + 5, (uint32_t)lost & 0xffffff);
    yf_wr32(p + 8, rb->highest_seq);
    yf_wr32(p + 12, rb->jitter);
    yf_wr32(p + 16, rb->lsr);
    yf_wr32(p + 20, rb->dlsr);
}

/* Shared tail of SR and RR: rc report blocks, then the profile extension. */
static int reports_read(const uint8_t *b, size_t len, uint8_t rc, yf_rtcp_report_block *rbs,
                        const uint8_t **ext, size_t *ext_len)
{
    if (len < (size_t)rc * 24)
        return YF_ESHORT;
    for (unsigned i = 0; i < rc; i++)
        report_read(b + i * 24, &rbs[i]);
    *ext = len > (size_t)rc * 24 ? b + (size_t)rc * 24 : NULL;
    *ext_len = len - (size_t)rc * 24;
    return YF_OK;
}

int yf_rtcp_sr_parse(const yf_rtcp_packet *p, yf_rtcp_sr *sr)
{
    if (p->pt != YF_RTCP_SR)
        return YF_EUNSUPPORTED;
    if (p->body_len < 24)
        return YF_ESHORT;
    const uint8_t *b = p->body;
    sr->ssrc = yf_rd32(b);
    sr->ntp = ((uint64_t)yf_rd32(b + 4) << 32) | yf_rd32(b + 8);
    sr->rtp_ts = yf_rd32(b + 12);
    sr->packet_count = yf_rd32(b + 16);
    sr->octet_count = yf_rd32(b + 20);
    sr->report_count = p->count;
    return reports_read(b + 24, p->body_len - 24, p->count, sr->reports, &sr->ext, &sr->ext_len);
}

static int reports_check(uint8_t rc, size_t ext_len, const uint8_t *ext, size_t fixed, size_t cap)
{
    if (rc > YF_RTCP_MAX_COUNT || ext_len % 4 != 0 || (ext_len && !ext))
        return YF_EMALFORMED;
    if (ext_len > 0x3ffff)
        return YF_ENOMEM;
    if (cap < fixed + (size_t)rc * 24 + ext_len)
        return YF_ENOMEM;
    return YF_OK;
}

static size_t reports_put(uint8_t *dst, uint8_t rc, const yf_rtcp_report_block *rbs,
                          const uint8_t *ext, size_t ext_len)
{
    for (unsigned i = 0; i < rc; i++)
        report_write(dst + i * 24, &rbs[i]);
    if (ext_len)
        memmove(dst + (size_t)rc * 24, ext, ext_len);
    return (size_t)rc * 24 + ext_len;
}

/* An SR or RR (§6.4.1, §6.4.2): header, sender SSRC, then after `fixed`
 * bytes the report blocks and profile extension; the SR's sender info
 * (bytes 8..27) is the caller's. Returns the length or an error. */
static int reports_write(uint8_t pt, uint32_t ssrc, size_t fixed, uint8_t rc, const yf_rtcp_report_block *rbs,
                         const uint8_t *ext, size_t ext_len, uint8_t *dst, size_t cap)
{
    int err = reports_check(rc, ext_len, ext, fixed, cap);
    if (err != YF_OK)
        return err;
    size_t total = fixed + (size_t)rc * 24 + ext_len;
    yf_rtcp_put_header(dst, false, rc, pt, total);
    yf_wr32(dst + 4, ssrc);
    reports_put(dst + fixed, rc, rbs, ext, ext_len);
    return (int)total;
}

int yf_rtcp_sr_write(const yf_rtcp_sr *sr, uint8_t *dst, size_t cap)
{
    int n = reports_write(YF_RTCP_SR, sr->ssrc, 28, sr->report_count, sr->reports, sr->ext, sr->ext_len,
                          dst, cap);
    if (n < 0)
        return n;
    yf_wr32(dst + 8, (uint32_t)(sr->ntp >> 32));
    yf_wr32(dst + 12, (uint32_t)sr->ntp);
    yf_wr32(dst + 16, sr->rtp_ts);
    yf_wr32(dst + 20, sr->packet_count);
    yf_wr32(dst + 24, sr->octet_count);
    return n;
}

int yf_rtcp_rr_parse(const yf_rtcp_packet *p, yf_rtcp_rr *rr)
{
    if (p->pt != YF_RTCP_RR)
        return YF_EUNSUPPORTED;
    if (p->body_len < 4)
        return YF_ESHORT;
    rr->ssrc = yf_rd32(p->body);
    rr->report_count = p->count;
    return reports_read(p->body + 4, p->body_len - 4, p->count, rr->reports, &rr->ext, &rr->ext_len);
}

int yf_rtcp_rr_write(const yf_rtcp_rr *rr, uint8_t *dst, size_t cap)
{
    return reports_write(YF_RTCP_RR, rr->ssrc, 8, rr->report_count, rr->reports, rr->ext, rr->ext_len, dst, cap);
}

/* One SDES chunk (§6.5): SSRC, items, a null item, zero fill to 32 bits.
 * *off is relative to the body, which starts 32-bit aligned. */
static int sdes_chunk_read(const uint8_t *b, size_t len, size_t *off, yf_rtcp_sdes_chunk *c)
{
    if (len - *off < 4)
        return YF_ESHORT;
    c->ssrc = yf_rd32(b + *off);
    c->cname = NULL;
    c->cname_len = 0;
    *off += 4;
    for (;;) {
        if (*off >= len)
            return YF_EMALFORMED; /* no terminating null item */
        uint8_t type = b[*off];
        if (type == 0)
            break;
        if (len - *off < 2 || len - *off - 2 < b[*off + 1])
            return YF_ESHORT;
        if (type == 1 && !c->cname) {
            c->cname = b + *off + 2;
            c->cname_len = b[*off + 1];
        }
        *off += 2 + (size_t)b[*off + 1];
    }
    *off = (*off + 4) & ~(size_t)3; /* past the null octet, to the boundary */
    if (*off > len)
        *off = len;
    return YF_OK;
}

int yf_rtcp_sdes_parse(const yf_rtcp_packet *p, yf_rtcp_sdes *s)
{
    if (p->pt != YF_RTCP_SDES)
        return YF_EUNSUPPORTED;
    size_t off = 0;
    s->count = p->count;
    for (unsigned i = 0; i < p->count; i++) {
        int rc = sdes_chunk_read(p->body, p->body_len, &off, &s->chunks[i]);
        if (rc != YF_OK)
            return rc;
    }
    return YF_OK;
}

static size_t sdes_chunk_len(const yf_rtcp_sdes_chunk *c)
{
    size_t n = 4 + (c->cname ? 2 + (size_t)c->cname_len : 0) + 1;
    return (n + 3) & ~(size_t)3;
}

int yf_rtcp_sdes_write(const yf_rtcp_sdes *s, uint8_t *dst, size_t cap)
{
    if (s->count > YF_RTCP_MAX_COUNT)
        return YF_EMALFORMED;
    size_t total = 4;
    for (unsigned i = 0; i < s->count; i++)
        total += sdes_chunk_len(&s->chunks[i]);
    if (cap < total)
        return YF_ENOMEM;
    memset(dst, 0, total);
    yf_rtcp_put_header(dst, false, s->count, YF_RTCP_SDES, total);
    size_t off = 4;
    for (unsigned i = 0; i < s->count; i++) {
        const yf_rtcp_sdes_chunk *c = &s->chunks[i];
        yf_wr32(dst + off, c->ssrc);
        if (c->cname) {
            dst[off + 4] = 1; /* CNAME */
            dst[off + 5] = c->cname_len;
            memcpy(dst + off + 6, c->cname, c->cname_len);
        }
        off += sdes_chunk_len(c);
    }
    return (int)total;
}

int yf_rtcp_bye_parse(const yf_rtcp_packet *p, yf_rtcp_bye *b)
{
    if (p->pt != YF_RTCP_BYE)
        return YF_EUNSUPPORTED;
    size_t n = (size_t)p->count * 4;
    if (p->body_len < n)
        return YF_ESHORT;
    b->count = p->count;
    for (unsigned i = 0; i < p->count; i++)
        b->ssrc[i] = yf_rd32(p->body + i * 4);
    b->reason = NULL;
    b->reason_len = 0;
    if (p->body_len > n) {
        uint8_t rl = p->body[n];
        if (p->body_len - n - 1 < rl)
            return YF_ESHORT;
        b->reason = p->body + n + 1;
        b->reason_len = rl;
    }
    return YF_OK;
}

int yf_rtcp_bye_write(const yf_rtcp_bye *b, uint8_t *dst, size_t cap)
{
    if (b->count > YF_RTCP_MAX_COUNT || (b->reason_len && !b->reason))
        return YF_EMALFORMED;
    size_t rlen = b->reason ? ((1 + (size_t)b->reason_len + 3) & ~(size_t)3) : 0;
    size_t total = 4 + (size_t)b->count * 4 + rlen;
    if (cap < total)
        return YF_ENOMEM;
    memset(dst, 0, total);
    yf_rtcp_put_header(dst, false, b->count, YF_RTCP_BYE, total);
    for (unsigned i = 0; i < b->count; i++)
        yf_wr32(dst + 4 + i * 4, b->ssrc[i]);
    if (b->reason) {
        dst[4 + b->count * 4] = b->reason_len;
        memcpy(dst + 5 + b->count * 4, b->reason, b->reason_len);
    }
    return (int)total;
}

int yf_rtcp_fb_parse(const yf_rtcp_packet *p, yf_rtcp_fb *fb)
{
    if (p->pt != YF_RTCP_RTPFB && p->pt != YF_RTCP_PSFB)
        return YF_EUNSUPPORTED;
    if (p->body_len < 8)
        return YF_ESHORT;
    fb->pt = p->pt;
    fb->fmt = p->count;
    fb->sender_ssrc = yf_rd32(p->body);
    fb->media_ssrc = yf_rd32(p->body + 4);
    fb->fci = p->body + 8;
    fb->fci_len = p->body_len - 8;
    return YF_OK;
}

int yf_rtcp_fb_write(const yf_rtcp_fb *fb, uint8_t *dst, size_t cap)
{
    if (fb->fci_len % 4 != 0 || fb->fmt > 31 || (fb->fci_len && !fb->fci))
        return YF_EMALFORMED;
    if (fb->fci_len > YF_RTCP_MAX_LEN - 12 || cap < 12 + fb->fci_len)
        return YF_ENOMEM;
    size_t total = 12 + fb->fci_len;
    yf_rtcp_put_header(dst, false, fb->fmt, fb->pt, total);
    yf_wr32(dst + 4, fb->sender_ssrc);
    yf_wr32(dst + 8, fb->media_ssrc);
    if (fb->fci_len)
        memmove(dst + 12, fb->fci, fb->fci_len);
    return (int)total;
}

int yf_rtcp_nack_parse(const yf_rtcp_packet *p, yf_rtcp_fb *fb, uint16_t *seqs, size_t cap,
                       size_t *n)
{
    *n = 0;
    if (p->pt != YF_RTCP_RTPFB || p->count != YF_RTCP_FMT_NACK)
        return YF_EUNSUPPORTED;
    int rc = yf_rtcp_fb_parse(p, fb);
    if (rc != YF_OK)
        return rc;
    if (fb->fci_len == 0 || fb->fci_len % 4 != 0)
        return YF_EMALFORMED; /* §6.2.1: one or more PID+BLP entries */
    for (size_t off = 0; off < fb->fci_len; off += 4) {
        uint16_t pid = yf_rd16(fb->fci + off), blp = yf_rd16(fb->fci + off + 2);
        for (int bit = -1; bit < 16; bit++) {
            if (bit >= 0 && !(blp & (1u << bit)))
                continue;
            if (*n == cap)
                return YF_ENOMEM;
            seqs[(*n)++] = (uint16_t)(pid + bit + 1);
        }
    }
    return YF_OK;
}

int yf_rtcp_nack_write(uint32_t sender_ssrc, uint32_t media_ssrc, const uint16_t *seqs,
                       size_t n, uint8_t *dst, size_t cap)
{
    if (n == 0)
        return YF_EMALFORMED;
    size_t off = 12;
    for (size_t i = 0; i < n;) {
        uint16_t pid = seqs[i], blp = 0;
        size_t j = i + 1;
        for (; j < n; j++) {
            uint16_t d = (uint16_t)(seqs[j] - pid);
            if (d > 16)
                break;
            if (d > 0)
                blp |= (uint16_t)(1u << (d - 1));
        }
        if (cap < off + 4 || off + 4 > YF_RTCP_MAX_LEN)
            return YF_ENOMEM;
        yf_wr16(dst + off, pid);
        yf_wr16(dst + off + 2, blp);
        off += 4;
        i = j;
    }
    yf_rtcp_put_header(dst, false, YF_RTCP_FMT_NACK, YF_RTCP_RTPFB, off);
    yf_wr32(dst + 4, sender_ssrc);
    yf_wr32(dst + 8, media_ssrc);
    return (int)off;
}

int yf_rtcp_pli_parse(const yf_rtcp_packet *p, yf_rtcp_fb *fb)
{
    if (p->pt != YF_RTCP_PSFB || p->count != YF_RTCP_FMT_PLI)
        return YF_EUNSUPPORTED;
    return yf_rtcp_fb_parse(p, fb); /* §6.3.1: no FCI; extra octets ignored */
}

int yf_rtcp_pli_write(uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t *dst, size_t cap)
{
    yf_rtcp_fb fb = { YF_RTCP_PSFB, YF_RTCP_FMT_PLI, sender_ssrc, media_ssrc, NULL, 0 };
    return yf_rtcp_fb_write(&fb, dst, cap);
}
