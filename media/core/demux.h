/* demux.h -- classifies a datagram arriving on a bundled, rtcp-muxed port by
 * its first byte (RFC 7983 §7, which updates RFC 5764 §5.1.2) and separates
 * RTCP from RTP by the second byte (RFC 5761 §4). Pure function: no state,
 * no allocation; it looks at no more than the first two bytes and the length. */
#ifndef YF_DEMUX_H
#define YF_DEMUX_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    YF_DEMUX_GARBAGE = 0, /* no protocol matches, or too short for its header */
    YF_DEMUX_STUN,        /* first byte 0..3, at least the 20-byte STUN header */
    YF_DEMUX_DTLS,        /* first byte 20..63, at least a 13-byte record header */
    YF_DEMUX_RTP,         /* first byte 128..191, at least 12 bytes */
    YF_DEMUX_RTCP,        /* as RTP, second byte 192..223, at least 8 bytes */
} yf_demux_kind;

/* Classifies buf[0..len). buf may be NULL when len is 0. Any thread. */
yf_demux_kind yf_demux_classify(const uint8_t *buf, size_t len);

/* "stun", "dtls", "rtp", "rtcp" or "garbage"; never NULL. */
const char *yf_demux_kind_name(yf_demux_kind kind);

#endif
