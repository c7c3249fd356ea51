/* pktbuf.c -- the preallocated pool of pktbuf.h: one allocation per chunk
 * (at creation and when a track is added), a free list after that. Nothing
 * here allocates per packet. */
#include <stdlib.h>
#include "pktbuf.h"

typedef struct chunk {
    struct chunk *next;
    size_t count;
    yf_pktbuf bufs[];
} chunk;

/* Invariant: free_list links exactly count - in_use buffers of the chunks. */
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
    c->next = p->chunks;
    p->chunks = c;
    for (size_t i = count; i-- > 0;) {
        c->bufs[i].next_free = p->free_list;
        p->free_list = &c->bufs[i];
    }
    p->count += count;
    return YF_OK;
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
    if (!b) {
        p->exhausted++;
        return NULL;
    }
    p->free_list = b->next_free;
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
