/* router_red.c -- RFC 2198 redundant audio in the router: a publisher's RED
 * packets are checked once on arrival (red.h; a malformed one is dropped
 * and counted; an empty one, which Chromium sends at some pauses in
 * speech, passes as an empty packet), go as they are to subscriptions whose SDP took RED, and as
 * the plain Opus packet of their primary block to the others: one unwrapped
 * copy per packet shared by all of those, with the subscriber's own seq
 * (unchanged numbering: one packet in, one out). No allocation beyond the
 * packet pool. */
#include <string.h>
#include "red.h"
#include "router_priv.h"

static bool is_red(const rt_track *t, uint8_t pt)
{
    return t->cfg.red_pt != 0 && pt == t->cfg.red_pt;
}

bool yf_router_red_ok(yf_router *r, const rt_track *t, const yf_rtp_header *h)
{
    yf_red red;
    if (!is_red(t, h->payload_type))
        return true;
    r->st.red_in++;
    if (h->payload_len == 0)
        return true; /* no audio in it, but a sequence number the listeners would miss */
    if (yf_red_parse(h->payload, h->payload_len, &red) == YF_OK &&
        red.block[red.n - 1].pt == t->cfg.pt)
        return true;
    r->st.red_malformed++;
    return false;
}

/* The plain Opus packet of RED packet b, in a pool buffer (NULL: none free). */
static yf_pktbuf *unwrap(yf_router *r, const rt_track *t, const yf_pktbuf *b)
{
    yf_pktbuf *p = yf_pktbuf_alloc(r->pool);
    if (!p)
        return NULL;
    long n = yf_red_unwrap(b->data, b->len, t->cfg.pt, t->cfg.pt, p->data, sizeof p->data);
    if (n < 0) { /* checked on arrival: cannot happen */
        yf_pktbuf_unref(r->pool, p);
        return NULL;
    }
    yf_rtp_header h;
    p->len = (uint16_t)n;
    p->payload_len = yf_rtp_parse(p->data, p->len, &h) == YF_OK ? (uint16_t)h.payload_len : 0;
    p->seq = b->seq;
    p->ts = b->ts;
    p->ssrc = b->ssrc;
    p->marker = b->marker;
    p->keyframe = b->keyframe;
    p->arrival_us = b->arrival_us;
    r->st.red_unwrapped++;
    return p;
}

bool yf_router_push_fanned(yf_router *r, const rt_track *t, rt_sub *s, yf_pktbuf *b,
                           uint16_t seq, uint32_t ts, yf_pktbuf **plain)
{
    if (!is_red(t, (uint8_t)(b->data[1] & 0x7f)))
        return yf_router_push_rtp(r, s, b, seq, ts, false);
    if (s->red_pt) {
        if (!yf_router_push_rtp(r, s, b, seq, ts, false))
            return false;
        r->q[(r->q_head + r->q_len - 1) % r->q_cap].pt = s->red_pt; /* the slot just queued */
        return true;
    }
    if (!*plain)
        *plain = unwrap(r, t, b);
    return *plain && yf_router_push_rtp(r, s, *plain, seq, ts, false);
}

int yf_router_set_subscription_red(yf_router *r, uint32_t subscriber, uint32_t track_id,
                                   uint8_t red_pt)
{
    int p = yf_router_find_participant(r, subscriber), t = yf_router_find_track(r, track_id);
    if (red_pt > 127)
        return YF_EMALFORMED;
    if (p == NO_IDX || t == NO_IDX)
        return YF_ESTATE;
    for (int i = r->tracks[t].subs; i != NO_IDX; i = r->subs[i].next_in_track) {
        if (r->subs[i].sub == p) {
            r->subs[i].red_pt = red_pt;
            return YF_OK;
        }
    }
    return YF_ESTATE;
}
