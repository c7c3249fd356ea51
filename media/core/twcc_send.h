/* twcc_send.h -- the sender side of transport-wide congestion control
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01) on a subscriber
 * connection: a transport-wide sequence number stamped into every RTP
 * packet we send (§2, the header extension), a short send history (seq ->
 * send time, size), and the receiver's feedback (§3.1, RTPFB FMT 15) turned
 * back into per-packet (send time, arrival time or lost, size) for the
 * downlink estimator (bwe.h). Sans-IO: times are the `now` given; no
 * allocation. Feedback is untrusted: unknown, repeated or stale sequence
 * numbers are skipped and counted, never trusted. */
#ifndef YF_TWCC_SEND_H
#define YF_TWCC_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common.h"
#include "rtcp.h"

#define YF_TWCC_SEND_HISTORY 512      /* packets remembered; power of two.
                                          ~1.7 s of a 2.5 Mbit/s video and
                                          its audio: far more than the
                                          browser's feedback interval */
#define YF_TWCC_SEND_MAX_STATUS 1024  /* a feedback reporting more packets
                                          than this is refused (size limit) */
#define YF_TWCC_LOST (-1)             /* arrival_us of a packet reported lost */

/* One packet of a feedback, as the estimator wants it. */
typedef struct {
    int64_t send_us;     /* our `now` when it was stamped */
    int64_t arrival_us;  /* the receiver's clock (offset unknown, only
                            differences mean anything), or YF_TWCC_LOST */
    uint32_t size;       /* bytes of the RTP packet as sent */
    uint8_t cluster;     /* the probe cluster it was sent in (probe.h), 0 none */
} yf_twcc_result;

typedef struct {
    int64_t send_us;
    uint16_t seq;
    uint16_t size;
    uint8_t state;       /* 0 free, 1 sent, 2 reported */
    uint8_t cluster;
} yf_twcc_sent;

typedef struct {
    uint64_t stamped;        /* packets numbered */
    uint64_t feedbacks;      /* feedback packets taken */
    uint64_t malformed;      /* feedback packets refused (parse, size) */
    uint64_t reported;       /* statuses that named a packet of the history */
    uint64_t unknown;        /* statuses for seqs never sent, forgotten, or
                                reported before */
} yf_twcc_send_stats;

/* Invariant: hist[s % HISTORY] describes seq s (16 bit) for the last
 * HISTORY packets stamped, the newest being next_seq - 1. */
typedef struct {
    uint16_t next_seq;
    uint8_t cluster;         /* given to every packet stamped while nonzero:
                                a probe (probe.h) is sending */
    bool ref_known;
    int32_t last_ref;        /* last reference time seen (24-bit, signed) */
    int64_t ref_wraps;       /* unwrapped reference time = ref + wraps * 2^24 */
    yf_twcc_sent hist[YF_TWCC_SEND_HISTORY];
    yf_twcc_send_stats st;
} yf_twcc_send;

/* seq0: the first sequence number (any value; the router starts at 1). */
void yf_twcc_send_init(yf_twcc_send *s, uint16_t seq0);

/* Numbers one packet of `size` bytes sent at now_us, of s->cluster;
 * returns its seq. */
uint16_t yf_twcc_send_stamp(yf_twcc_send *s, int64_t now_us, size_t size);

/* Reads one transport-cc feedback packet (an RTPFB FMT 15 of a compound
 * the caller validated) and fills out[0..*n) with the packets it reports
 * that are in the history and not reported before, in sequence order.
 * YF_OK; YF_EUNSUPPORTED (not FMT 15); YF_ESHORT / YF_EMALFORMED (bad
 * bytes); YF_ENOMEM (more than YF_TWCC_SEND_MAX_STATUS statuses, or more
 * results than cap). On error *n is 0 and nothing is marked reported. */
int yf_twcc_send_on_feedback(yf_twcc_send *s, const yf_rtcp_packet *p,
                             yf_twcc_result *out, size_t cap, size_t *n);

/* Copies the RTP packet pkt[0..len) into dst with the transport-wide
 * sequence number `seq` as header extension `id` (one-byte form when the
 * packet has none or a one-byte block, RFC 8285 §4.2; else two-byte).
 * Elements with id `id` or `drop_id` (the publisher's own transport-cc id;
 * 0: none) are left out. dst and pkt must not overlap. Returns the new
 * length, or YF_ESHORT / YF_EMALFORMED (unparsable packet or extension
 * block), YF_ENOMEM (cap too small, or more than 16 elements). */
int yf_twcc_send_write_ext(uint8_t *dst, size_t cap, const uint8_t *pkt, size_t len,
                           uint8_t id, uint8_t drop_id, uint16_t seq);

#endif
