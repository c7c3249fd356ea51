/* pktbuf.c -- the preallocated pool of pktbuf.h: one allocation per chunk
 * (at creation and when a track is added), a free list after that. Nothing
 * here allocates per packet. A chunk's buffers are handed out in order the
 * first time and only then join the free list, so a buffer never used is
 * never written and its pages never become resident: a pool reserved for
 * the worst case costs what the tracks really hold. */
#include <stdlib.h>
#include "pktbuf.h"

typedef struct chunk {
    struct chunk *next;
    size_t count;
    size_t fresh;   /* bufs[fresh..count) have never been handed out */
    yf_pktbuf bufs[];
} chunk;

/* Invariant: free_list links exactly the buffers that were handed out
 * once and are back (count - in_use - the chunks' never-used tails); a
 * chunk's bufs[fresh..count) have never been written since calloc. */
struct yf_pktbuf_pool {
    chunk *chunks;
    size_t count, in_use;
    yf_pktbuf *free_list;
    uint64_t exhausted;
};

int yf_pktbuf_pool_grow(yf_pktbuf_pool *p, size_t count)
{
    if (count == 0)
        return YF_OK;
    chunk *c = calloc(1, sizeof *c + count * sizeof(yf_pktbuf));
    if (!c)
        return YF_ENOMEM;
    c->count = count;
    c->fresh = 0;
    c->next = p->chunks;
    p->chunks = c;
    p->count += count;
    return YF_OK;
}

/* A buffer no one has used yet, from the first chunk that has one. */
static yf_pktbuf *take_fresh(yf_pktbuf_pool *p)
{
    for (chunk *c = p->chunks; c; c = c->next)
        if (c->fresh < c->count)
            return &c->bufs[c->fresh++];
    return NULL;
}

yf_pktbuf_pool *yf_pktbuf_pool_new(size_t count)
{
    yf_pktbuf_pool *p = calloc(1, sizeof *p);
    if (p && yf_pktbuf_pool_grow(p, count) != YF_OK) {
        free(p);
        return NULL;
    }
    return p;
}

void yf_pktbuf_pool_free(yf_pktbuf_pool *p)
{
    if (!p)
        return;
    while (p->chunks) {
        chunk *c = p->chunks;
        p->chunks = c->next;
        free(c);
    }
    free(p);
}

yf_pktbuf *yf_pktbuf_alloc(yf_pktbuf_pool *p)
{
    yf_pktbuf *b = p->free_list;
    if (b)
        p->free_list = b->next_free;
    else if (!(b = take_fresh(p))) {
        p->exhausted++;
        return NULL;
    }
    b->next_free = NULL;
    b->refs = 1;
    b->len = 0;
    b->payload_len = 0;
    b->keyframe = false;
    p->in_use++;
    return b;
}

yf_pktbuf *yf_pktbuf_ref(yf_pktbuf *b)
{
    b->refs++;
    return b;
}

void yf_pktbuf_unref(yf_pktbuf_pool *p, yf_pktbuf *b)
{
    if (!b || --b->refs > 0)
        return;
    b->next_free = p->free_list;
    p->free_list = b;
    p->in_use--;
}

size_t yf_pktbuf_pool_in_use(const yf_pktbuf_pool *p)
{
    return p->in_use;
}

size_t yf_pktbuf_pool_size(const yf_pktbuf_pool *p)
{
    return p->count;
}

uint64_t yf_pktbuf_pool_exhausted(const yf_pktbuf_pool *p)
{
    return p->exhausted;
}
