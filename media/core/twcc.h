/* twcc.h -- the receiver side of transport-wide congestion control
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01): records the arrival
 * time of every packet by its transport-wide sequence number (header
 * extension, §2) and builds the RTPFB FMT 15 feedback (§3.1): base seq,
 * reference time in 64 ms units, receive deltas in 250 µs ticks. One
 * recorder per publisher connection (the seq is transport-wide). Sans-IO:
 * arrival times are the `now` given; no allocation. */
#ifndef YF_TWCC_H
#define YF_TWCC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common.h"

#define YF_TWCC_WINDOW 1024        /* packets remembered; power of two */
#define YF_TWCC_MAX_STATUS 512     /* statuses per feedback packet */

/* Invariant: arrival[s % WINDOW] is meaningful for next_base <= s <= max_seq
 * (extended, 64-bit) and -1 when that seq has not arrived. */
typedef struct {
    bool started;
    int64_t next_base;     /* first extended seq not yet reported */
    int64_t max_seq;       /* highest extended seq recorded */
    uint16_t last_seq16;
    uint8_t fb_count;
    int64_t arrival[YF_TWCC_WINDOW];
    uint64_t recorded, late, feedbacks;
} yf_twcc_recv;

void yf_twcc_recv_init(yf_twcc_recv *t);
/* Reads the 16-bit transport-wide seq (the extension's 2 data octets). */
void yf_twcc_recv_on_packet(yf_twcc_recv *t, int64_t now_us, uint16_t seq);
/* True when packets wait to be reported. */
bool yf_twcc_recv_pending(const yf_twcc_recv *t);
/* Writes one feedback packet about the packets recorded since the last one
 * (up to YF_TWCC_MAX_STATUS, and stopping before a delta that does not fit
 * 16 bits; the rest goes in the next). Returns its length, 0 when nothing
 * is pending, or YF_ENOMEM. */
int yf_twcc_recv_build(yf_twcc_recv *t, uint32_t sender_ssrc, uint32_t media_ssrc,
                       uint8_t *dst, size_t cap);

#endif
