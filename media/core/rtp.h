/* rtp.h -- RTP fixed header codec (RFC 3550 §5.1, §5.3.1) and RFC 8285
 * header extensions (one-byte §4.2, two-byte §4.3). Parsing never copies the
 * payload or allocates: the parsed header points into the caller's buffer,
 * which must outlive it. Untrusted input is bounds-checked everywhere. */
#ifndef YF_RTP_H
#define YF_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common.h"

#define YF_RTP_FIXED_LEN 12
#define YF_RTP_MAX_CSRC 15
#define YF_RTP_EXT_ONE_BYTE 0xBEDEu      /* RFC 8285 §4.2 profile */
#define YF_RTP_EXT_TWO_BYTE 0x1000u      /* RFC 8285 §4.3, low 4 bits appbits */
#define YF_RTP_EXT_TWO_BYTE_MASK 0xFFF0u

/* A parsed header. Invariants after a successful yf_rtp_parse():
 * header_len + payload_len + padding_len == the packet's length;
 * ext_data (if extension) lies inside the packet, ext_len % 4 == 0. */
typedef struct {
    uint8_t version;      /* always 2 after parse */
    bool padding;
    bool extension;
    bool marker;
    uint8_t csrc_count;   /* 0..15 */
    uint8_t payload_type; /* 0..127 */
    uint16_t seq;
    uint32_t timestamp;
    uint32_t ssrc;
    uint32_t csrc[YF_RTP_MAX_CSRC];
    uint16_t ext_profile;     /* "defined by profile" field, if extension */
    const uint8_t *ext_data;  /* extension body after its 4-byte header */
    size_t ext_len;           /* bytes of ext_data (length field * 4) */
    size_t header_len;        /* fixed + CSRCs + extension */
    const uint8_t *payload;
    size_t payload_len;       /* excludes padding */
    uint8_t padding_len;      /* last octet when padding is set, else 0 */
} yf_rtp_header;

/* Parses buf[0..len) into *out. YF_ESHORT if shorter than its headers say,
 * YF_EMALFORMED for a version other than 2, or padding that is zero or
 * longer than the space after the header. Extension elements are not
 * checked here (yf_rtp_ext_next/find do that). *out is undefined on error. */
int yf_rtp_parse(const uint8_t *buf, size_t len, yf_rtp_header *out);

/* Writes the header of h (fixed part, csrc_count CSRCs, and the extension
 * block when h->extension: profile, ext_len/4, ext_data; ext_len must be a
 * multiple of 4 and at most 262140) into dst. Returns bytes written, or
 * YF_ENOMEM if cap is too small, YF_EMALFORMED for impossible fields. */
int yf_rtp_header_write(const yf_rtp_header *h, uint8_t *dst, size_t cap);

/* Writes a whole packet: header, payload[0..payload_len) and, when
 * h->padding, h->padding_len (1..255) octets of padding whose last octet is
 * the count. h->payload/payload_len are ignored in favour of the arguments.
 * Returns bytes written or a yf_err as yf_rtp_header_write. */
int yf_rtp_write(const yf_rtp_header *h, const uint8_t *payload, size_t payload_len,
                 uint8_t *dst, size_t cap);

/* One header extension element (RFC 8285 §4). data points into the packet. */
typedef struct {
    uint8_t id;          /* 1..14 (one-byte) or 1..255 (two-byte) */
    const uint8_t *data;
    size_t len;          /* 1..16 (one-byte) or 0..255 (two-byte) */
} yf_rtp_ext;

/* Walks the elements of h's extension block; start with *pos = 0. Returns 1
 * and fills *out for each element, 0 at the end (also when the block is not
 * one- or two-byte form, or an id 15 ends a one-byte block, §4.2), or
 * YF_EMALFORMED when an element runs past the block. Padding is skipped:
 * a zero octet (two-byte form), an octet with ID 0 (one-byte form). */
int yf_rtp_ext_next(const yf_rtp_header *h, size_t *pos, yf_rtp_ext *out);

/* Finds the first element with this id. Returns 1 (found, *out filled),
 * 0 (absent) or YF_EMALFORMED. */
int yf_rtp_ext_find(const yf_rtp_header *h, uint8_t id, yf_rtp_ext *out);

/* Builds an extension body (what goes in ext_data) from n elements in the
 * one-byte form when every element fits it (id 1..14, len 1..16) and
 * profile_hint is YF_RTP_EXT_ONE_BYTE, else the two-byte form; zero-pads to
 * a multiple of 4. *profile receives the profile to put in the header.
 * Returns bytes written, YF_ENOMEM, or YF_EMALFORMED (id 0, or len > 255). */
int yf_rtp_ext_build(uint16_t profile_hint, const yf_rtp_ext *els, size_t n,
                     uint16_t *profile, uint8_t *dst, size_t cap);

/* In-place rewrites used by forwarding. Each returns YF_OK, or YF_ESHORT
 * when len < 12 (the packet is then untouched). */
int yf_rtp_set_ssrc(uint8_t *pkt, size_t len, uint32_t ssrc);
int yf_rtp_set_seq(uint8_t *pkt, size_t len, uint16_t seq);
int yf_rtp_set_timestamp(uint8_t *pkt, size_t len, uint32_t ts);
int yf_rtp_set_payload_type(uint8_t *pkt, size_t len, uint8_t pt);

#endif
