/* keyframe.c -- keyframe-start detection for VP8 (RFC 7741 §4.2, §4.3) and
 * H.264 packetization-mode 1 (RFC 6184 §5.7.1 STAP-A, §5.8 FU-A). Every
 * read is bounds-checked: payloads come from the network. */
#include "keyframe.h"

enum { H264_IDR = 5, H264_SPS = 7, H264_STAP_A = 24, H264_FU_A = 28 };

/* RFC 7741 §4.2: returns the descriptor length, or 0 if truncated. */
static size_t vp8_descriptor_len(const uint8_t *p, size_t len)
{
    size_t off = 1;
    if (len < 1)
        return 0;
    if (p[0] & 0x80) {              /* X: extended control bits follow */
        if (len < 2)
            return 0;
        uint8_t x = p[1];
        off = 2;
        if (x & 0x80) {             /* I: PictureID, 7 or 15 bits (M) */
            if (len < off + 1)
                return 0;
            off += (p[off] & 0x80) ? 2 : 1;
        }
        if (x & 0x40)               /* L: TL0PICIDX */
            off++;
        if (x & 0x30)               /* T or K: TID/Y/KEYIDX octet */
            off++;
    }
    return off < len ? off : 0;
}

bool yf_keyframe_vp8(const uint8_t *payload, size_t len)
{
    size_t off = vp8_descriptor_len(payload, len);
    if (off == 0)
        return false;
    bool start = (payload[0] & 0x10) != 0;  /* S */
    uint8_t pid = payload[0] & 0x07;
    /* §4.3: the first octet of the VP8 payload header; P (bit 0) is the
     * inverse key frame flag. */
    return start && pid == 0 && (payload[off] & 0x01) == 0;
}

static bool h264_key_type(uint8_t type)
{
    return type == H264_IDR || type == H264_SPS;
}

/* §5.7.1: NAL units, each after a 16-bit size. */
static bool h264_stap_a(const uint8_t *p, size_t len)
{
    size_t off = 1;
    while (len - off >= 3) {
        size_t n = (size_t)((p[off] << 8) | p[off + 1]);
        off += 2;
        if (n == 0 || n > len - off)
            return false;
        if (h264_key_type(p[off] & 0x1f))
            return true;
        off += n;
    }
    return false;
}

bool yf_keyframe_h264(const uint8_t *payload, size_t len)
{
    if (len < 1)
        return false;
    uint8_t type = payload[0] & 0x1f;
    if (type == H264_STAP_A)
        return h264_stap_a(payload, len);
    if (type == H264_FU_A)  /* §5.8: FU header S bit and the original type */
        return len >= 2 && (payload[1] & 0x80) && h264_key_type(payload[1] & 0x1f);
    return h264_key_type(type);
}

bool yf_keyframe_detect(yf_codec codec, const uint8_t *payload, size_t len)
{
    switch (codec) {
    case YF_CODEC_OPUS:
        return true;
    case YF_CODEC_VP8:
        return yf_keyframe_vp8(payload, len);
    case YF_CODEC_H264:
        return yf_keyframe_h264(payload, len);
    default:
        return false;
    }
}
