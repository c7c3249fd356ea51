/* rtcp.h -- RTCP codec: compound iteration (RFC 3550 §6.1, A.2), SR/RR
 * (§6.4), SDES CNAME (§6.5), BYE (§6.6), feedback (RFC 4585 §6.1): generic
 * NACK (§6.2.1), PLI (§6.3.1), FIR (RFC 5104 §4.3.1), REMB
 * (draft-alvestrand-rmcat-remb-03 §2.2) and transport-wide CC feedback
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1). Parsers read a
 * packet found by the iterator and never allocate; writers write one packet
 * into (dst, cap) and return its length or a yf_err (YF_ENOMEM: cap too small). */
#ifndef YF_RTCP_H
#define YF_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common.h"

enum {
    YF_RTCP_SR = 200, YF_RTCP_RR = 201, YF_RTCP_SDES = 202, YF_RTCP_BYE = 203,
    YF_RTCP_APP = 204, YF_RTCP_RTPFB = 205, YF_RTCP_PSFB = 206, YF_RTCP_XR = 207,
};
enum { YF_RTCP_FMT_NACK = 1, YF_RTCP_FMT_TWCC = 15 };                     /* RTPFB */
enum { YF_RTCP_FMT_PLI = 1, YF_RTCP_FMT_FIR = 4, YF_RTCP_FMT_REMB = 15 }; /* PSFB */

#define YF_RTCP_MAX_COUNT 31   /* the 5-bit RC / SC field */
#define YF_RTCP_MAX_REMB_SSRC 255

/* One packet of a compound. raw/raw_len cover the whole packet (header,
 * body, padding); body/body_len the part after the 4-byte header, without
 * padding. */
typedef struct {
    uint8_t count;   /* RC, SC or FMT: the 5 low bits of the first octet */
    uint8_t pt;
    bool padding;
    const uint8_t *raw;
    size_t raw_len;
    const uint8_t *body;
    size_t body_len;
} yf_rtcp_packet;

typedef struct {
    const uint8_t *buf;
    size_t len;
    size_t off;
} yf_rtcp_iter;

/* Iterates the packets of a compound buf[0..len) (borrowed). next returns 1
 * with *out filled, 0 at the end, or YF_ESHORT / YF_EMALFORMED (version not
 * 2, a length field past the end, padding larger than its packet); after an
 * error the iteration stays at the bad packet. Padding is accepted in any
 * packet (libwebrtc pads inner packets). */
void yf_rtcp_iter_init(yf_rtcp_iter *it, const uint8_t *buf, size_t len);
int yf_rtcp_iter_next(yf_rtcp_iter *it, yf_rtcp_packet *out);

/* RFC 3550 A.2 check of a whole compound: every packet well formed and the
 * lengths add up. With require_report, the first packet must be SR or RR
 * (§6.1; relax it for reduced-size RTCP, RFC 5506). YF_OK or an error. */
int yf_rtcp_validate(const uint8_t *buf, size_t len, bool require_report);

/* §6.4.1 report block. cumulative_lost is the 24-bit signed field. */
typedef struct {
    uint32_t ssrc;
    uint8_t fraction_lost;
    int32_t cumulative_lost;
    uint32_t highest_seq;
    uint32_t jitter;
    uint32_t lsr;
    uint32_t dlsr;
} yf_rtcp_report_block;

typedef struct {
    uint32_t ssrc;
    uint64_t ntp;           /* 64-bit NTP timestamp */
    uint32_t rtp_ts;
    uint32_t packet_count;
    uint32_t octet_count;
    uint8_t report_count;
    yf_rtcp_report_block reports[YF_RTCP_MAX_COUNT];
    const uint8_t *ext;     /* profile-specific extension (§6.4.1), borrowed */
    size_t ext_len;         /* multiple of 4 */
} yf_rtcp_sr;

typedef struct {
    uint32_t ssrc;
    uint8_t report_count;
    yf_rtcp_report_block reports[YF_RTCP_MAX_COUNT];
    const uint8_t *ext;
    size_t ext_len;
} yf_rtcp_rr;

int yf_rtcp_sr_parse(const yf_rtcp_packet *p, yf_rtcp_sr *out);
int yf_rtcp_sr_write(const yf_rtcp_sr *sr, uint8_t *dst, size_t cap);
int yf_rtcp_rr_parse(const yf_rtcp_packet *p, yf_rtcp_rr *out);
int yf_rtcp_rr_write(const yf_rtcp_rr *rr, uint8_t *dst, size_t cap);

/* §6.5: one chunk per SSRC; only the CNAME item is kept (others are
 * skipped on parse and not written). cname points into the packet. */
typedef struct {
    uint32_t ssrc;
    const uint8_t *cname;   /* NULL if the chunk has no CNAME */
    uint8_t cname_len;
} yf_rtcp_sdes_chunk;

typedef struct {
    uint8_t count;
    yf_rtcp_sdes_chunk chunks[YF_RTCP_MAX_COUNT];
} yf_rtcp_sdes;

int yf_rtcp_sdes_parse(const yf_rtcp_packet *p, yf_rtcp_sdes *out);
int yf_rtcp_sdes_write(const yf_rtcp_sdes *s, uint8_t *dst, size_t cap);

/* §6.6 */
typedef struct {
    uint8_t count;
    uint32_t ssrc[YF_RTCP_MAX_COUNT];
    const uint8_t *reason;  /* NULL if none; borrowed */
    uint8_t reason_len;
} yf_rtcp_bye;

int yf_rtcp_bye_parse(const yf_rtcp_packet *p, yf_rtcp_bye *out);
int yf_rtcp_bye_write(const yf_rtcp_bye *b, uint8_t *dst, size_t cap);

/* RFC 4585 §6.1 common feedback header; fci points into the packet. */
typedef struct {
    uint8_t pt;             /* YF_RTCP_RTPFB or YF_RTCP_PSFB */
    uint8_t fmt;
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    const uint8_t *fci;
    size_t fci_len;
} yf_rtcp_fb;

/* Parses any RTPFB/PSFB packet; YF_EUNSUPPORTED for other types. */
int yf_rtcp_fb_parse(const yf_rtcp_packet *p, yf_rtcp_fb *out);
/* Writes a feedback packet with the given FCI (fci_len a multiple of 4). */
int yf_rtcp_fb_write(const yf_rtcp_fb *fb, uint8_t *dst, size_t cap);

/* Generic NACK (RFC 4585 §6.2.1). parse expands every PID+BLP pair into
 * seqs[] in wire order (duplicates are kept); *n receives the count. An
 * empty FCI is YF_EMALFORMED; more than cap sequence numbers fills cap and
 * returns YF_ENOMEM. write packs seqs[0..n) (ascending modulo 2^16, n > 0)
 * greedily into PID+BLP pairs. */
int yf_rtcp_nack_parse(const yf_rtcp_packet *p, yf_rtcp_fb *fb,
                       uint16_t *seqs, size_t cap, size_t *n);
int yf_rtcp_nack_write(uint32_t sender_ssrc, uint32_t media_ssrc,
                       const uint16_t *seqs, size_t n, uint8_t *dst, size_t cap);

/* PLI (RFC 4585 §6.3.1): no FCI. parse checks PT/FMT and fills *fb. */
int yf_rtcp_pli_parse(const yf_rtcp_packet *p, yf_rtcp_fb *fb);
int yf_rtcp_pli_write(uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t *dst, size_t cap);

/* FIR (RFC 5104 §4.3.1): entries of (SSRC, command sequence number). The
 * media SSRC of the header is 0 on write and ignored on parse. */
typedef struct {
    uint32_t ssrc;
    uint8_t seq;
} yf_rtcp_fir_entry;

int yf_rtcp_fir_parse(const yf_rtcp_packet *p, yf_rtcp_fb *fb,
                      yf_rtcp_fir_entry *entries, size_t cap, size_t *n);
int yf_rtcp_fir_write(uint32_t sender_ssrc, const yf_rtcp_fir_entry *entries, size_t n,
                      uint8_t *dst, size_t cap);

/* REMB: bitrate = mantissa (18 bits) << exp (6 bits), saturated to
 * UINT64_MAX on parse; write picks the smallest exponent (the low bits of
 * a bitrate that needs more than 18 significant bits are dropped). */
typedef struct {
    uint32_t sender_ssrc;
    uint64_t bitrate_bps;
    uint8_t ssrc_count;
    uint32_t ssrcs[YF_RTCP_MAX_REMB_SSRC];
} yf_rtcp_remb;

int yf_rtcp_remb_parse(const yf_rtcp_packet *p, yf_rtcp_remb *out);
int yf_rtcp_remb_write(const yf_rtcp_remb *r, uint8_t *dst, size_t cap);

/* Transport-wide CC feedback. One status per packet from base_seq on. */
typedef enum {
    YF_TWCC_NOT_RECEIVED = 0,
    YF_TWCC_SMALL_DELTA = 1,  /* delta 0..255 ticks, one octet */
    YF_TWCC_LARGE_DELTA = 2,  /* delta -32768..32767 ticks, two octets */
} yf_twcc_symbol;

#define YF_TWCC_DELTA_TICK_US 250
#define YF_TWCC_REF_TIME_UNIT_US 64000

typedef struct {
    uint8_t symbol;  /* yf_twcc_symbol */
    int16_t delta;   /* receive delta in 250 us ticks, if received */
} yf_twcc_status;

typedef struct {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    uint16_t base_seq;
    uint16_t status_count;
    int32_t ref_time;   /* 24-bit signed, multiples of 64 ms */
    uint8_t fb_count;
} yf_rtcp_twcc;

/* parse fills tw and st[0..status_count); YF_ENOMEM if status_count > cap,
 * YF_EMALFORMED for a reserved symbol or a chunk/delta past the packet.
 * write encodes st[0..tw->status_count) with run-length and 1-/2-bit
 * status-vector chunks, pads with the RTCP padding bit as libwebrtc does;
 * YF_EMALFORMED if a SMALL status has a delta outside 0..255. */
int yf_rtcp_twcc_parse(const yf_rtcp_packet *p, yf_rtcp_twcc *tw,
                       yf_twcc_status *st, size_t cap);
int yf_rtcp_twcc_write(const yf_rtcp_twcc *tw, const yf_twcc_status *st,
                       uint8_t *dst, size_t cap);

#endif
