/* router_layers.c -- simulcast in the router (RFC 8853): a published video
 * track whose layers are RTP streams of their own, told apart by the
 * rtp-stream-id header extension of their first packets (RFC 8852 §3),
 * and per subscriber the one layer its downlink carries (layer.h, chosen
 * in router_bwe.c), switched only at a keyframe start of the new layer
 * (asked for with a PLI, rate limited like any other) under the
 * subscription's one out SSRC, its sequence numbers and timestamps
 * continuing across the switch (rewrite.h: a new epoch). No allocation
 * on the packet path. */
#include <string.h>
#include "router_priv.h"

int yf_router_layers_add(yf_router *r, int t)
{
    rt_track *top = &r->tracks[t];
    yf_router_track_config cfg = top->cfg;
    cfg.n_layers = 0;
    cfg.ssrc = 0;
    for (int l = 0; l < top->cfg.n_layers; l++) {
        int slot = NO_IDX;
        for (unsigned i = 0; i < r->cfg.max_tracks && slot == NO_IDX; i++)
            if (!r->tracks[i].used)
                slot = (int)i;
        size_t more = r->cfg.rtx_cache_packets + 32;
        size_t have = yf_pktbuf_pool_size(r->pool);
        if (slot == NO_IDX ||
            (r->pool_reserved + more > have &&
             yf_pktbuf_pool_grow(r->pool, r->pool_reserved + more - have) != YF_OK))
            return YF_ENOMEM;
        rt_track *ly = &r->tracks[slot];
        yf_router_track_init(r, ly, top->owner, &cfg);
        ly->parent = t;
        ly->layer = l;
        ly->pool_share = more;
        r->pool_reserved += more;
        top->layers[top->n_layers++] = slot;
    }
    top->rec_layer = -1;
    return YF_OK;
}

int yf_router_layers_match(const yf_router *r, const rt_track *t, const yf_rtp_header *h)
{
    yf_rtp_ext rid, mid;
    if (yf_rtp_ext_find(h, t->cfg.rid_ext_id, &rid) != 1 || rid.len == 0)
        return NO_IDX;
    if (t->cfg.mid_ext_id && yf_rtp_ext_find(h, t->cfg.mid_ext_id, &mid) == 1 &&
        (mid.len != strlen(t->cfg.mid) || memcmp(mid.data, t->cfg.mid, mid.len) != 0))
        return NO_IDX; /* another track's layer of the same name */
    for (int l = 0; l < t->n_layers; l++)
        if (rid.len == strlen(t->cfg.rids[l]) && memcmp(rid.data, t->cfg.rids[l], rid.len) == 0)
            return t->layers[l];
    return NO_IDX;
}

rt_track *yf_router_sub_source(const yf_router *r, const rt_sub *s)
{
    rt_track *t = &r->tracks[s->track];
    if (!t->n_layers)
        return t;
    int l = s->layer >= 0 ? s->layer : s->want >= 0 ? s->want : 0;
    return &r->tracks[t->layers[l]];
}

/* The layer of simulcast track t for a downlink at `level`: the highest
 * live layer at or under it, else the lowest live one (a publisher whose
 * encoder dropped its low layers still shows its picture); -1 while no
 * layer sends. */
static int layer_for(const yf_router *r, int64_t now_us, const rt_track *t, int level)
{
    int best = -1, lowest = -1;
    for (int l = 0; l < t->n_layers; l++) {
        if (!yf_router_track_live(&r->tracks[t->layers[l]], now_us))
            continue;
        if (lowest < 0)
            lowest = l;
        if (l <= level)
            best = l;
    }
    return best >= 0 ? best : lowest;
}

int64_t yf_router_layers_rate(const yf_router *r, int64_t now_us, const rt_track *t, int level,
                              int *levels)
{
    *levels = t->n_layers ? t->n_layers : 1;
    if (!t->n_layers)
        return yf_router_track_rate_now(t, now_us);
    int l = layer_for(r, now_us, t, level);
    return l < 0 ? 0 : yf_router_track_rate_now(&r->tracks[t->layers[l]], now_us);
}

/* Which layer s goes by now, and whether packet b of layer ly is to be
 * forwarded to it: its current layer's packets are, until the wanted
 * layer's keyframe start comes (then the switch). A change of wanted layer
 * asks that layer for a keyframe at once; a switch still waiting asks
 * again every keyframe_retry_us (yf_router_request_keyframe's limits). */
static bool layer_passes(yf_router *r, int64_t now_us, rt_sub *s, const rt_track *top,
                         const rt_track *ly, const yf_pktbuf *b)
{
    int want = layer_for(r, now_us, top, r->parts[s->sub].level);
    if (want != s->want) {
        s->want = (int8_t)want;
        if (want >= 0 && want != s->layer)
            yf_router_request_keyframe(r, now_us, &r->tracks[top->layers[want]], false);
    }
    if (ly->layer == s->layer) {
        if (want >= 0 && want != s->layer)
            yf_router_request_keyframe(r, now_us, &r->tracks[top->layers[want]], true);
        return true;
    }
    if (ly->layer != want)
        return false;
    if (!b->keyframe) {
        if (s->layer < 0 || !yf_router_track_live(&r->tracks[top->layers[s->layer]], now_us))
            yf_router_request_keyframe(r, now_us, &r->tracks[top->layers[want]], true);
        return false;
    }
    if (s->layer >= 0) {
        s->switches++;
        r->st.layer_switches++;
    }
    s->layer = (int8_t)want;
    return true;
}

void yf_router_layers_fan_out(yf_router *r, int64_t now_us, rt_track *ly, yf_pktbuf *b)
{
    const rt_track *top = &r->tracks[ly->parent];
    for (int i = top->subs; i != NO_IDX; i = r->subs[i].next_in_track) {
        rt_sub *s = &r->subs[i];
        uint16_t seq;
        uint32_t ts;
        if (yf_router_video_paused(r, s->sub)) {
            r->st.downlink_drops++; /* audio only: its downlink cannot carry this */
            continue;
        }
        if (!layer_passes(r, now_us, s, top, ly, b))
            continue;
        if (!yf_rewrite_packet(&s->rw, now_us, b->ssrc, b->seq, b->ts, b->keyframe, &seq, &ts)) {
            if (s->rw.waiting_keyframe)
                yf_router_request_keyframe(r, now_us, ly, true);
            continue;
        }
        if (yf_router_push_rtp(r, s, b, seq, ts, false)) {
            yf_rtx_guard_on_forward(&s->guard);
            s->packets++;
            s->octets += b->payload_len;
            r->st.forwarded++;
        }
    }
}

/* A layer that sent nothing for this long no longer carries the recording:
 * a browser drops a layer it cannot afford whole. Not shorter: a camera
 * turned off in the page still sends every layer, a black frame about once
 * a second, and a shorter silence moved the recording down and up at each
 * of them (a new capture file and a keyframe request every time). */
#define REC_SILENT_US 2000000

static bool silent(const rt_track *ly, int64_t now_us)
{
    return !ly->last_rx_us || now_us - ly->last_rx_us > REC_SILENT_US;
}

void yf_router_layers_on_packet(yf_router *r, int64_t now_us, rt_track *ly, const yf_pktbuf *b)
{
    rt_track *top = &r->tracks[ly->parent];
    int cur = top->rec_layer;
    ly->last_rx_us = now_us;
    if (ly->layer == cur)
        return;
    if (cur >= 0 && ly->layer < cur && !silent(&r->tracks[top->layers[cur]], now_us))
        return; /* a lower layer while the one followed still sends */
    for (int l = ly->layer + 1; l < top->n_layers; l++)
        if (l != cur && !silent(&r->tracks[top->layers[l]], now_us))
            return; /* a higher one sends too: that one's keyframe */
    if (!b->keyframe) {
        yf_router_request_keyframe(r, now_us, ly, true);
        return;
    }
    top->rec_layer = ly->layer;
}
