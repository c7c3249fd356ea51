/* nack.h -- generic NACK (RFC 4585 §6.2.1) on both sides of the router.
 * yf_rtx_cache: the last N packets of a publisher track by sequence number,
 * holding references to the shared pktbufs, to answer subscribers' NACKs
 * (RFC 4585 §3.2: repair by retransmission on the same SSRC, no RTX).
 * yf_nack_gen: the receiver side towards a publisher: detects sequence
 * gaps, asks again at about one RTT until a retry limit, and learns the RTT
 * from how long retransmissions take. Sans-IO: `now` in, no allocation. */
#ifndef YF_NACK_H
#define YF_NACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pktbuf.h"

#define YF_RTX_CACHE_MAX 512  /* power of two */

/* Invariant: slot[i], when set, holds one reference and its seq % size == i;
 * with max_age_us set, order[] holds the seqs put, oldest first (from
 * order_head, order_n of them, at most size), and no slot holds a packet
 * that arrived more than max_age_us before the newest put. */
typedef struct {
    uint16_t size;            /* 0 (disabled) or a power of two <= MAX */
    yf_pktbuf *slot[YF_RTX_CACHE_MAX];
    int64_t max_age_us;       /* 0: kept until its slot is reused */
    uint16_t order[YF_RTX_CACHE_MAX];
    uint16_t order_head, order_n;
} yf_rtx_cache;

/* size is rounded down to a power of two and capped at YF_RTX_CACHE_MAX. */
void yf_rtx_cache_init(yf_rtx_cache *c, unsigned size);
/* Releases packets once they are more than max_age_us older (by
 * arrival_us) than the newest put: a repair that late no longer helps the
 * receiver, and a track's buffers then follow its packet rate rather than
 * the slot count. 0 (the default after init) keeps them until their slot
 * is reused. */
void yf_rtx_cache_set_max_age(yf_rtx_cache *c, int64_t max_age_us);
/* Stores b (takes a new reference), replacing whatever had its slot, and
 * releases what max_age_us says is too old. */
void yf_rtx_cache_put(yf_rtx_cache *c, yf_pktbuf_pool *pool, yf_pktbuf *b);
/* The packet with this seq, borrowed (valid until the next put/clear), or NULL. */
yf_pktbuf *yf_rtx_cache_get(const yf_rtx_cache *c, uint16_t seq);
/* Releases every reference. */
void yf_rtx_cache_clear(yf_rtx_cache *c, yf_pktbuf_pool *pool);

#define YF_NACK_MAX_MISSING 256

typedef struct {
    uint16_t seq;
    uint8_t tries;       /* NACKs sent for it so far */
    int64_t next_us;     /* when to (re)send */
    int64_t sent_us;     /* last send */
} yf_nack_missing;

typedef struct {
    uint64_t packets;    /* packets seen (including retransmissions) */
    uint64_t missing;    /* sequence numbers found missing */
    uint64_t recovered;  /* missing ones that arrived later */
    uint64_t gave_up;    /* abandoned after max_tries, age or overflow */
    uint64_t requested;  /* sequence numbers put in NACKs (with retries) */
} yf_nack_stats;

/* Invariant: missing[0..n) are distinct, in ascending serial order, all
 * before max_seq. */
typedef struct {
    bool started;
    uint16_t max_seq;
    size_t n;
    yf_nack_missing missing[YF_NACK_MAX_MISSING];
    int64_t srtt_us;
    int64_t reorder_us;   /* wait this long before the first NACK */
    unsigned max_tries;
    uint16_t max_age;     /* give up on seqs this far behind max_seq */
    yf_nack_stats st;
} yf_nack_gen;

/* rtt_us: the estimate until retransmissions teach a better one. */
void yf_nack_gen_init(yf_nack_gen *g, int64_t rtt_us, int64_t reorder_us, unsigned max_tries);
/* Forgets the sequence state (new source); keeps stats and the RTT. */
void yf_nack_gen_reset(yf_nack_gen *g);
/* One received packet. */
void yf_nack_gen_on_packet(yf_nack_gen *g, int64_t now_us, uint16_t seq);
/* Collects the sequence numbers due at now into seqs[0..*n) (ascending,
 * at most cap) and schedules their next try; drops those past their limit. */
void yf_nack_gen_poll(yf_nack_gen *g, int64_t now_us, uint16_t *seqs, size_t cap, size_t *n);
/* Earliest next_us, or YF_TIME_NEVER. */
int64_t yf_nack_gen_next_timeout(const yf_nack_gen *g);

#endif
