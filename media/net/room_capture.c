/* room_capture.c -- the capture tap of a room (docs/recording-format.md):
 * every publisher RTP packet, decrypted, and every RTCP compound carrying a
 * sender report goes to the capture writer with its wall-clock arrival time,
 * one file per track and SSRC; of a simulcast track, the layer the router
 * says the recording follows (the highest that sends: a new file from that
 * layer's keyframe on). Worker thread only; it never touches the disk
 * and never blocks (yf_rec_track_append drops and counts when the writer is
 * behind). */
#include "room_priv.h"

#include <string.h>

#define RTCP_PT_SR 200

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const char *codec_name(yf_codec c)
{
    switch (c) {
    case YF_CODEC_OPUS: return "opus";
    case YF_CODEC_VP8: return "VP8";
    case YF_CODEC_H264: return "H264";
    case YF_CODEC_OTHER: break;
    }
    return "other";
}

void yf_room_cap_close_track(yf_room_wk_track *t)
{
    if (!t->rec)
        return;
    yf_rec_track_close(t->rec);
    t->rec = NULL;
    t->rec_ssrc = 0;
}

void yf_room_cap_close_part(yf_room_wpart *p)
{
    for (guint i = 0; i < p->tracks->len; i++)
        yf_room_cap_close_track(&g_array_index(p->tracks, yf_room_wk_track, i));
}

static void open_track(yf_room_wk *wk, yf_room_wpart *p, yf_room_wk_track *t, uint32_t ssrc)
{
    yf_cap_meta meta = { .participant = p->id, .payload_type = t->pt, .clock_rate = t->clock_rate, .ssrc = ssrc,
                         .red_payload_type = t->red_pt };

    yf_room_cap_close_track(t);
    g_strlcpy(meta.room, wk->room->name, sizeof meta.room);
    meta.kind = t->kind == YF_TRACK_AUDIO ? YF_CAP_AUDIO : YF_CAP_VIDEO;
    g_strlcpy(meta.codec, codec_name(t->codec), sizeof meta.codec);
    t->rec = yf_rec_track_open(wk->rec, wk->rec_dir, &meta, 0);
    t->rec_ssrc = ssrc;
    g_debug("room %u: participant %u: capturing %s track %u (ssrc %08x)", wk->room->h.id, p->id, meta.codec,
            t->track_id, ssrc);
}

/* Whether the router still has the simulcast track t's recording on ssrc. */
static gboolean still_followed(yf_room_wk *wk, const yf_room_wk_track *t, uint32_t ssrc)
{
    yf_router_track_stats ts;
    return !t->layers || (yf_router_get_track_stats(wk->router, t->track_id, &ts) == YF_OK && ts.ssrc == ssrc);
}

/* The track a packet of this SSRC and payload type belongs to: the one
 * already capturing it, else the one the router maps the SSRC to (the router
 * saw the packet first; RED counts as the track's own). NULL for RTX, a
 * simulcast layer the recording does not follow, and anything unknown. */
static yf_room_wk_track *track_of(yf_room_wk *wk, yf_room_wpart *p, uint32_t ssrc, uint8_t pt)
{
    for (guint i = 0; i < p->tracks->len; i++) {
        yf_room_wk_track *t = &g_array_index(p->tracks, yf_room_wk_track, i);
        if (t->rec && t->rec_ssrc == ssrc && still_followed(wk, t, ssrc))
            return t;
    }
    for (guint i = 0; i < p->tracks->len; i++) {
        yf_room_wk_track *t = &g_array_index(p->tracks, yf_room_wk_track, i);
        yf_router_track_stats ts;
        if ((t->pt == pt || (t->red_pt && t->red_pt == pt)) && yf_router_get_track_stats(wk->router, t->track_id, &ts) == YF_OK && ts.ssrc == ssrc) {
            open_track(wk, p, t, ssrc);
            return t;
        }
    }
    return NULL;
}

void yf_room_cap_rtp(yf_room_wk *wk, yf_room_wpart *p, const uint8_t *pkt, size_t len)
{
    yf_room_wk_track *t;

    if (!wk->rec || len < 12)
        return;
    t = track_of(wk, p, be32(pkt + 8), pkt[1] & 0x7f);
    if (t)
        yf_rec_track_append(t->rec, YF_CAP_RTP, g_get_real_time(), pkt, len);
}

/* Each track whose SSRC sends a sender report in the compound gets the whole
 * compound once (RFC 3550 section 6.4.1: the SR's SSRC is its sender). */
void yf_room_cap_rtcp(yf_room_wk *wk, yf_room_wpart *p, const uint8_t *pkt, size_t len)
{
    int64_t now = 0;

    if (!wk->rec)
        return;
    for (guint i = 0; i < p->tracks->len; i++) {
        yf_room_wk_track *t = &g_array_index(p->tracks, yf_room_wk_track, i);
        size_t off = 0;

        if (!t->rec)
            continue;
        while (off + 8 <= len) {
            size_t plen = ((size_t)be32(pkt + off) & 0xffff) * 4 + 4;
            if (pkt[off + 1] == RTCP_PT_SR && be32(pkt + off + 4) == t->rec_ssrc) {
                if (!now)
                    now = g_get_real_time();
                yf_rec_track_append(t->rec, YF_CAP_RTCP, now, pkt, len);
                break;
            }
            off += plen;
        }
    }
}

void yf_room_cap_set(yf_room_wk *wk, yf_rec_writer *rec, char *dir)
{
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, wk->parts);
    while (g_hash_table_iter_next(&it, NULL, &v))
        yf_room_cap_close_part(v);
    g_free(wk->rec_dir);
    wk->rec = dir ? rec : NULL;
    wk->rec_dir = wk->rec ? dir : NULL;
    if (!wk->rec)
        g_free(dir);
    g_info("room %u: capture %s%s", wk->room->h.id, wk->rec ? "started in " : "stopped", wk->rec ? wk->rec_dir : "");
}
