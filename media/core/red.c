/* red.c -- RFC 2198 redundant audio: the block headers of section 3 (F bit,
 * block PT, 14-bit timestamp offset, 10-bit length; a 1-byte header for the
 * last, primary block), and plain RTP packets made of one block. Pure
 * codec: no allocation, no clock; bounds checked before every read. */
#include <string.h>
#include "red.h"
#include "rtp.h"

int yf_red_parse(const uint8_t *payload, size_t len, yf_red *out)
{
    size_t pos = 0, data_len = 0;
    int rc = YF_OK;
    memset(out, 0, sizeof *out);
    for (;;) {
        if (pos >= len) {
            rc = YF_ESHORT; /* no primary header */
            goto out;
        }
        if (out->n == YF_RED_MAX_BLOCKS) {
            rc = YF_EMALFORMED;
            goto out;
        }
        yf_red_block *b = &out->block[out->n++];
        b->pt = payload[pos] & 0x7f;
        if (!(payload[pos] & 0x80)) { /* F = 0: the primary's header */
            pos++;
            break;
        }
        if (len - pos < 4) {
            rc = YF_ESHORT;
            goto out;
        }
        b->ts_offset = (uint16_t)(((payload[pos + 1] << 6) | (payload[pos + 2] >> 2)) & 0x3fff);
        b->len = ((size_t)(payload[pos + 2] & 0x03) << 8) | payload[pos + 3];
        data_len += b->len;
        pos += 4;
    }
    if (data_len > len - pos) {
        rc = YF_EMALFORMED; /* the redundant blocks run past the payload */
        goto out;
    }
    for (size_t i = 0; i < out->n; i++) {
        yf_red_block *b = &out->block[i];
        if (i == out->n - 1)
            b->len = len - pos; /* the primary takes the rest */
        b->data = payload + pos;
        pos += b->len;
    }
out:
    if (rc != YF_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* pkt's header with out_pt, no padding, then body: the new length. */
static long write_plain(const yf_rtp_header *h, const uint8_t *pkt, uint8_t out_pt,
                        const uint8_t *body, size_t body_len, uint8_t *dst, size_t cap)
{
    if (h->header_len + body_len > cap)
        return YF_ENOMEM;
    memmove(dst, pkt, h->header_len); /* dst may be pkt itself */
    memmove(dst + h->header_len, body, body_len);
    dst[0] &= (uint8_t)~0x20;         /* padding dropped */
    dst[1] = (uint8_t)((dst[1] & 0x80) | (out_pt & 0x7f));
    return (long)(h->header_len + body_len);
}

static int parse_packet(const uint8_t *pkt, size_t len, yf_rtp_header *h, yf_red *red)
{
    int rc = yf_rtp_parse(pkt, len, h);
    return rc != YF_OK ? rc : yf_red_parse(h->payload, h->payload_len, red);
}

long yf_red_unwrap(const uint8_t *pkt, size_t len, uint8_t want_pt, uint8_t out_pt,
                   uint8_t *dst, size_t cap)
{
    yf_rtp_header h;
    yf_red red;
    int rc = yf_rtp_parse(pkt, len, &h);
    if (rc != YF_OK)
        return rc;
    if (h.payload_len == 0) /* no block at all: an empty packet stays one */
        return write_plain(&h, pkt, out_pt, h.payload, 0, dst, cap);
    rc = yf_red_parse(h.payload, h.payload_len, &red);
    if (rc != YF_OK)
        return rc;
    const yf_red_block *p = &red.block[red.n - 1];
    if (p->pt != want_pt)
        return YF_EMALFORMED;
    return write_plain(&h, pkt, out_pt, p->data, p->len, dst, cap);
}

long yf_red_block_packet(const uint8_t *pkt, size_t len, size_t k, uint8_t want_pt,
                         uint8_t out_pt, uint16_t seq, uint8_t *dst, size_t cap)
{
    yf_rtp_header h;
    yf_red red;
    int rc = parse_packet(pkt, len, &h, &red);
    if (rc != YF_OK)
        return rc;
    if (k + 1 >= red.n || red.block[k].pt != want_pt)
        return YF_EMALFORMED;
    long n = write_plain(&h, pkt, out_pt, red.block[k].data, red.block[k].len, dst, cap);
    if (n < 0)
        return n;
    dst[1] &= 0x7f; /* marker: the talkspurt began with the earlier packet, if at all */
    yf_wr16(dst + 2, seq);
    yf_wr32(dst + 4, h.timestamp - red.block[k].ts_offset);
    return n;
}
