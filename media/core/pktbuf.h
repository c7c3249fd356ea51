/* pktbuf.h -- refcounted RTP packet buffers from a preallocated pool. A
 * publisher packet is copied once into a yf_pktbuf and shared by the
 * retransmission cache and every subscriber's output (no copy, no malloc
 * per packet). Single-threaded: a pool belongs to one router on one worker;
 * refcounts are plain integers, not atomics. */
#ifndef YF_PKTBUF_H
#define YF_PKTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common.h"

/* Largest decrypted RTP packet we keep: a 1500-byte MTU minus IP/UDP. */
#define YF_PKTBUF_CAP 1500

/* Invariant: refs > 0 while the buffer is out of the pool; len <= CAP; the
 * parsed fields (seq, ts, ssrc, marker, keyframe) describe data[0..len). */
typedef struct yf_pktbuf {
    struct yf_pktbuf *next_free; /* pool free list; NULL while in use */
    uint32_t refs;
    uint16_t len;
    uint16_t payload_len; /* RTP payload octets (for SR octet counts) */
    uint16_t seq;
    uint32_t ts;
    uint32_t ssrc;
    bool marker;
    bool keyframe;      /* starts a keyframe (keyframe.h) */
    int64_t arrival_us;
    uint8_t data[YF_PKTBUF_CAP];
} yf_pktbuf;

typedef struct yf_pktbuf_pool yf_pktbuf_pool;

/* Allocates `count` buffers at once. NULL on allocation failure. */
yf_pktbuf_pool *yf_pktbuf_pool_new(size_t count);
/* Adds `count` more buffers (one allocation; not per packet). YF_OK or
 * YF_ENOMEM (the pool is then unchanged). */
int yf_pktbuf_pool_grow(yf_pktbuf_pool *p, size_t count);
/* Frees the pool; every buffer must have been released (asserted in debug
 * builds by yf_pktbuf_pool_in_use() == 0 at the caller). Accepts NULL. */
void yf_pktbuf_pool_free(yf_pktbuf_pool *p);

/* Takes a free buffer with refs = 1 and len = 0, or NULL when the pool is
 * exhausted (counted; the caller drops the packet). */
yf_pktbuf *yf_pktbuf_alloc(yf_pktbuf_pool *p);
/* Adds a reference; returns b for chaining. */
yf_pktbuf *yf_pktbuf_ref(yf_pktbuf *b);
/* Drops a reference; the last one returns the buffer to its pool. Accepts NULL. */
void yf_pktbuf_unref(yf_pktbuf_pool *p, yf_pktbuf *b);

size_t yf_pktbuf_pool_in_use(const yf_pktbuf_pool *p);
size_t yf_pktbuf_pool_size(const yf_pktbuf_pool *p);
uint64_t yf_pktbuf_pool_exhausted(const yf_pktbuf_pool *p); /* failed allocs */

#endif
