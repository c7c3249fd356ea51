/* demux.c -- first-byte demultiplexing of STUN, DTLS and SRTP/SRTCP on one
 * port (RFC 7983 §7) and RTP/RTCP separation under rtcp-mux (RFC 5761 §4:
 * RTCP packet types 192..223 are never used as RTP payload types with the
 * marker bit). Looks at bytes only; never decrypts or validates further. */
#include "demux.h"

enum {
    STUN_MIN = 20, /* RFC 5389 §6 header */
    DTLS_MIN = 13, /* RFC 6347 §4.1 record header */
    RTP_MIN = 12,  /* RFC 3550 §5.1 fixed header */
    RTCP_MIN = 8,  /* RFC 3550 §6.4.2: header and sender SSRC */
};

static yf_demux_kind classify_rtp(const uint8_t *buf, size_t len)
{
    if (len < RTCP_MIN)
        return YF_DEMUX_GARBAGE;
    if (buf[1] >= 192 && buf[1] <= 223)
        return YF_DEMUX_RTCP;
    return len >= RTP_MIN ? YF_DEMUX_RTP : YF_DEMUX_GARBAGE;
}

yf_demux_kind yf_demux_classify(const uint8_t *buf, size_t len)
{
    if (len == 0 || buf == NULL)
        return YF_DEMUX_GARBAGE;
    uint8_t b = buf[0];
    if (b <= 3)
        return len >= STUN_MIN ? YF_DEMUX_STUN : YF_DEMUX_GARBAGE;
    if (b >= 20 && b <= 63)
        return len >= DTLS_MIN ? YF_DEMUX_DTLS : YF_DEMUX_GARBAGE;
    if (b >= 128 && b <= 191)
        return classify_rtp(buf, len);
    return YF_DEMUX_GARBAGE; /* ZRTP 16..19, TURN channel 64..79, the rest */
}

const char *yf_demux_kind_name(yf_demux_kind kind)
{
    switch (kind) {
    case YF_DEMUX_STUN: return "stun";
    case YF_DEMUX_DTLS: return "dtls";
    case YF_DEMUX_RTP: return "rtp";
    case YF_DEMUX_RTCP: return "rtcp";
    default: return "garbage";
    }
}
