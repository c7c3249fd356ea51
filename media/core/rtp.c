/* rtp.c -- RTP header parse/serialize (RFC 3550 §5.1, §5.3.1) and RFC 8285
 * header extension elements (§4.2 one-byte, §4.3 two-byte). No allocation,
 * no copy of the payload; every length read from the wire is checked
 * against the buffer before it is used. */
#include <string.h>
#include "rtp.h"

static int parse_extension(const uint8_t *buf, size_t len, size_t *off, yf_rtp_header *h)
{
    if (len - *off < 4)
        return YF_ESHORT;
    h->ext_profile = yf_rd16(buf + *off);
    h->ext_len = (size_t)yf_rd16(buf + *off + 2) * 4;
    *off += 4;
    if (len - *off < h->ext_len)
        return YF_ESHORT;
    h->ext_data = buf + *off;
    *off += h->ext_len;
    return YF_OK;
}

int yf_rtp_parse(const uint8_t *buf, size_t len, yf_rtp_header *h)
{
    if (len < YF_RTP_FIXED_LEN)
        return YF_ESHORT;
    memset(h, 0, sizeof *h);
    h->version = buf[0] >> 6;
    if (h->version != 2)
        return YF_EMALFORMED;
    h->padding = (buf[0] & 0x20) != 0;
    h->extension = (buf[0] & 0x10) != 0;
    h->csrc_count = buf[0] & 0x0f;
    h->marker = (buf[1] & 0x80) != 0;
    h->payload_type = buf[1] & 0x7f;
    h->seq = yf_rd16(buf + 2);
    h->timestamp = yf_rd32(buf + 4);
    h->ssrc = yf_rd32(buf + 8);
    size_t off = YF_RTP_FIXED_LEN;
    if (len - off < (size_t)h->csrc_count * 4)
        return YF_ESHORT;
    for (unsigned i = 0; i < h->csrc_count; i++, off += 4)
        h->csrc[i] = yf_rd32(buf + off);
    if (h->extension) {
        int rc = parse_extension(buf, len, &off, h);
        if (rc != YF_OK)
            return rc;
    }
    h->header_len = off;
    if (h->padding) {
        /* §5.1: the last octet counts the padding, itself included. */
        uint8_t pad = buf[len - 1];
        if (pad == 0 || pad > len - off)
            return YF_EMALFORMED;
        h->padding_len = pad;
    }
    h->payload = buf + off;
    h->payload_len = len - off - h->padding_len;
    return YF_OK;
}

int yf_rtp_header_write(const yf_rtp_header *h, uint8_t *dst, size_t cap)
{
    if (h->csrc_count > YF_RTP_MAX_CSRC || h->payload_type > 127)
        return YF_EMALFORMED;
    if (h->extension && (h->ext_len % 4 != 0 || h->ext_len > 0xFFFFu * 4 ||
                         (h->ext_len > 0 && h->ext_data == NULL)))
        return YF_EMALFORMED;
    size_t need = YF_RTP_FIXED_LEN + (size_t)h->csrc_count * 4 + (h->extension ? 4 + h->ext_len : 0);
    if (cap < need)
        return YF_ENOMEM;
    dst[0] = (uint8_t)(0x80 | (h->padding ? 0x20 : 0) | (h->extension ? 0x10 : 0) | h->csrc_count);
    dst[1] = (uint8_t)((h->marker ? 0x80 : 0) | h->payload_type);
    yf_wr16(dst + 2, h->seq);
    yf_wr32(dst + 4, h->timestamp);
    yf_wr32(dst + 8, h->ssrc);
    size_t off = YF_RTP_FIXED_LEN;
    for (unsigned i = 0; i < h->csrc_count; i++, off += 4)
        yf_wr32(dst + off, h->csrc[i]);
    if (h->extension) {
        yf_wr16(dst + off, h->ext_profile);
        yf_wr16(dst + off + 2, (uint16_t)(h->ext_len / 4));
        off += 4;
        if (h->ext_len)
            memmove(dst + off, h->ext_data, h->ext_len);
        off += h->ext_len;
    }
    return (int)off;
}

int yf_rtp_write(const yf_rtp_header *h, const uint8_t *payload, size_t payload_len,
                 uint8_t *dst, size_t cap)
{
    if (h->padding && h->padding_len == 0)
        return YF_EMALFORMED;
    int hl = yf_rtp_header_write(h, dst, cap);
    if (hl < 0)
        return hl;
    size_t pad = h->padding ? h->padding_len : 0;
    if (cap - (size_t)hl < payload_len || cap - (size_t)hl - payload_len < pad)
        return YF_ENOMEM;
    if (payload_len > (size_t)INT32_MAX - (size_t)hl - pad)
        return YF_ENOMEM;
    if (payload_len)
        memmove(dst + hl, payload, payload_len);
    size_t off = (size_t)hl + payload_len;
    if (pad) {
        memset(dst + off, 0, pad - 1);
        dst[off + pad - 1] = (uint8_t)pad;
    }
    return (int)(off + pad);
}

/* One-byte form, RFC 8285 §4.2: ID(4) L(4), data L+1 octets; ID 0 is a
 * padding octet whatever its L (as libwebrtc reads it); ID 15 ends
 * processing. */
static int next_one_byte(const yf_rtp_header *h, size_t *pos, yf_rtp_ext *out)
{
    const uint8_t *p = h->ext_data;
    while (*pos < h->ext_len && (p[*pos] >> 4) == 0)
        (*pos)++;
    if (*pos >= h->ext_len)
        return 0;
    uint8_t id = p[*pos] >> 4;
    size_t len = (size_t)(p[*pos] & 0x0f) + 1;
    if (id == 15) {
        *pos = h->ext_len;
        return 0;
    }
    if (h->ext_len - *pos - 1 < len)
        return YF_EMALFORMED;
    out->id = id;
    out->data = p + *pos + 1;
    out->len = len;
    *pos += 1 + len;
    return 1;
}

/* Two-byte form, RFC 8285 §4.3: ID(8) L(8), data L octets (L may be 0). */
static int next_two_byte(const yf_rtp_header *h, size_t *pos, yf_rtp_ext *out)
{
    const uint8_t *p = h->ext_data;
    while (*pos < h->ext_len && p[*pos] == 0)
        (*pos)++;
    if (*pos >= h->ext_len)
        return 0;
    if (h->ext_len - *pos < 2)
        return YF_EMALFORMED;
    size_t len = p[*pos + 1];
    if (h->ext_len - *pos - 2 < len)
        return YF_EMALFORMED;
    out->id = p[*pos];
    out->data = p + *pos + 2;
    out->len = len;
    *pos += 2 + len;
    return 1;
}

int yf_rtp_ext_next(const yf_rtp_header *h, size_t *pos, yf_rtp_ext *out)
{
    if (!h->extension || h->ext_data == NULL)
        return 0;
    if (h->ext_profile == YF_RTP_EXT_ONE_BYTE)
        return next_one_byte(h, pos, out);
    if ((h->ext_profile & YF_RTP_EXT_TWO_BYTE_MASK) == YF_RTP_EXT_TWO_BYTE)
        return next_two_byte(h, pos, out);
    return 0;
}

int yf_rtp_ext_find(const yf_rtp_header *h, uint8_t id, yf_rtp_ext *out)
{
    size_t pos = 0;
    yf_rtp_ext e;
    int rc;
    while ((rc = yf_rtp_ext_next(h, &pos, &e)) == 1) {
        if (e.id == id) {
            *out = e;
            return 1;
        }
    }
    return rc;
}

static bool fits_one_byte(const yf_rtp_ext *els, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (els[i].id < 1 || els[i].id > 14 || els[i].len < 1 || els[i].len > 16)
            return false;
    return true;
}

int yf_rtp_ext_build(uint16_t profile_hint, const yf_rtp_ext *els, size_t n,
                     uint16_t *profile, uint8_t *dst, size_t cap)
{
    bool one = profile_hint == YF_RTP_EXT_ONE_BYTE && fits_one_byte(els, n);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (els[i].id == 0 || els[i].len > 255)
            return YF_EMALFORMED;
        size_t hl = one ? 1 : 2;
        if (cap - off < hl + els[i].len)
            return YF_ENOMEM;
        if (one) {
            dst[off] = (uint8_t)((els[i].id << 4) | (els[i].len - 1));
        } else {
            dst[off] = els[i].id;
            dst[off + 1] = (uint8_t)els[i].len;
        }
        if (els[i].len)
            memcpy(dst + off + hl, els[i].data, els[i].len);
        off += hl + els[i].len;
    }
    size_t padded = (off + 3) & ~(size_t)3;
    if (padded > cap || padded > 0xFFFFu * 4)
        return YF_ENOMEM;
    memset(dst + off, 0, padded - off);
    *profile = one ? YF_RTP_EXT_ONE_BYTE
                   : (uint16_t)((profile_hint & YF_RTP_EXT_TWO_BYTE_MASK) == YF_RTP_EXT_TWO_BYTE
                                    ? profile_hint : YF_RTP_EXT_TWO_BYTE);
    return (int)padded;
}

/* Writes a 32-bit field of the fixed header (§5.1) at off. */
static int set32(uint8_t *pkt, size_t len, size_t off, uint32_t v)
{
    if (len < YF_RTP_FIXED_LEN)
        return YF_ESHORT;
    yf_wr32(pkt + off, v);
    return YF_OK;
}

int yf_rtp_set_ssrc(uint8_t *pkt, size_t len, uint32_t ssrc)
{
    return set32(pkt, len, 8, ssrc);
}

int yf_rtp_set_seq(uint8_t *pkt, size_t len, uint16_t seq)
{
    if (len < YF_RTP_FIXED_LEN)
        return YF_ESHORT;
    yf_wr16(pkt + 2, seq);
    return YF_OK;
}

int yf_rtp_set_timestamp(uint8_t *pkt, size_t len, uint32_t ts)
{
    return set32(pkt, len, 4, ts);
}

int yf_rtp_set_payload_type(uint8_t *pkt, size_t len, uint8_t pt)
{
    if (len < YF_RTP_FIXED_LEN || pt > 127)
        return len < YF_RTP_FIXED_LEN ? YF_ESHORT : YF_EMALFORMED;
    pkt[1] = (uint8_t)((pkt[1] & 0x80) | pt);
    return YF_OK;
}
