/* echo.c -- device-test echo translator (RFC 3550 §7.1/§8.3: a translator
 * that rewrites SSRCs must rewrite them in RTCP too). RTP: SSRC to ours by
 * payload type. RTCP: SRs relabelled with our SSRCs, report blocks and
 * NACK/PLI/FIR/REMB retargeted from our SSRCs to the browser's. Pure: no IO,
 * no clock, no allocation after yf_echo_new. */
#include <stdlib.h>
#include <string.h>
#include "echo.h"
#include "rtcp.h"
#include "rtp.h"

enum { AUDIO = 0, VIDEO = 1, NKINDS = 2 };

/* Invariant: browser[k] is meaningful only while have[k]; fir_last[k] is
 * the number we last sent for kind k, valid while fir_seen[k]. */
struct yf_echo {
    yf_echo_config cfg;
    bool have[NKINDS];
    uint32_t browser[NKINDS];
    bool fir_seen[NKINDS];
    uint8_t fir_in[NKINDS];   /* the browser's last FIR number for kind k */
    uint8_t fir_last[NKINDS]; /* our number for that request */
    yf_echo_stats st;
};

typedef struct {
    uint8_t *dst;
    size_t cap, off;
} out_buf;

yf_echo *yf_echo_new(const yf_echo_config *cfg)
{
    if (cfg->audio_pt == cfg->video_pt || cfg->audio_ssrc == cfg->video_ssrc ||
        cfg->audio_pt > 127 || cfg->video_pt > 127)
        return NULL;
    yf_echo *e = calloc(1, sizeof *e);
    if (e)
        e->cfg = *cfg;
    return e;
}

void yf_echo_free(yf_echo *e)
{
    free(e);
}

static uint32_t ours(const yf_echo *e, int k)
{
    return k == AUDIO ? e->cfg.audio_ssrc : e->cfg.video_ssrc;
}

/* The kind whose server SSRC is ssrc, if the browser's SSRC for it is known. */
/* The SSRC our RRs and REMBs come from: video's once the browser sends
 * video, else audio's (an audio-only session may leave video_ssrc unset). */
static uint32_t report_ssrc(const yf_echo *e)
{
    return e->have[VIDEO] || !e->have[AUDIO] ? e->cfg.video_ssrc : e->cfg.audio_ssrc;
}

static int kind_of_ours(const yf_echo *e, uint32_t ssrc)
{
    for (int k = 0; k < NKINDS; k++)
        if (e->have[k] && ours(e, k) == ssrc)
            return k;
    return -1;
}

static int kind_of_browser(const yf_echo *e, uint32_t ssrc)
{
    for (int k = 0; k < NKINDS; k++)
        if (e->have[k] && e->browser[k] == ssrc)
            return k;
    return -1;
}

int yf_echo_on_rtp(yf_echo *e, const uint8_t *pkt, size_t len, uint8_t *dst, size_t cap)
{
    yf_rtp_header h;
    int rc = yf_rtp_parse(pkt, len, &h);
    if (rc != YF_OK) {
        e->st.rtp_malformed++;
        return rc;
    }
    e->st.rtp_in++;
    int k = h.payload_type == e->cfg.audio_pt ? AUDIO : h.payload_type == e->cfg.video_pt ? VIDEO : -1;
    if (k < 0) {
        e->st.rtp_unknown_pt++;
        return 0;
    }
    if (!e->have[k] || e->browser[k] != h.ssrc) {
        if (e->have[k])
            e->st.ssrc_changes++;
        e->have[k] = true;
        e->browser[k] = h.ssrc;
    }
    if (cap < len || len > INT32_MAX)
        return YF_ENOMEM;
    memcpy(dst, pkt, len);
    yf_rtp_set_ssrc(dst, len, ours(e, k));
    e->st.rtp_out++;
    return (int)len;
}

/* Keeps the report blocks about our SSRCs, retargeted at the browser's
 * (its reception of the echo, reported to it as sender). */
static void map_blocks(yf_echo *e, const yf_rtcp_report_block *in, unsigned n,
                       yf_rtcp_report_block *out, uint8_t *nout)
{
    for (unsigned i = 0; i < n && *nout < YF_RTCP_MAX_COUNT; i++) {
        int k = kind_of_ours(e, in[i].ssrc);
        if (k < 0)
            continue;
        out[*nout] = in[i];
        out[*nout].ssrc = e->browser[k];
        (*nout)++;
        e->st.rr_blocks++;
    }
}

/* Pass 1 for an SR: written relabelled when its sender is a browser SSRC we
 * know; its report blocks otherwise join the RR in *rr. */
static int put_sr(yf_echo *e, const yf_rtcp_packet *p, out_buf *o, yf_rtcp_rr *rr)
{
    yf_rtcp_sr sr;
    if (yf_rtcp_sr_parse(p, &sr) != YF_OK)
        return 0;
    int k = kind_of_browser(e, sr.ssrc);
    if (k < 0) {
        map_blocks(e, sr.reports, sr.report_count, rr->reports, &rr->report_count);
        return 0;
    }
    yf_rtcp_sr t = sr;
    t.ssrc = ours(e, k);
    t.report_count = 0;
    t.ext = NULL;
    t.ext_len = 0;
    map_blocks(e, sr.reports, sr.report_count, t.reports, &t.report_count);
    int n = yf_rtcp_sr_write(&t, o->dst + o->off, o->cap - o->off);
    if (n > 0) {
        o->off += (size_t)n;
        e->st.sr++;
    }
    return n < 0 ? n : 1;
}

/* NACK and PLI: same FCI, retargeted from our SSRC to the browser's. */
static int put_retarget(yf_echo *e, const yf_rtcp_packet *p, out_buf *o, uint64_t *counter)
{
    yf_rtcp_fb fb;
    if (yf_rtcp_fb_parse(p, &fb) != YF_OK || fb.fci_len % 4 != 0)
        return 0;
    if (p->pt == YF_RTCP_RTPFB && fb.fci_len == 0)
        return 0; /* a NACK without entries, RFC 4585 §6.2.1 */
    int k = kind_of_ours(e, fb.media_ssrc);
    if (k < 0)
        return 0;
    fb.sender_ssrc = ours(e, k);
    fb.media_ssrc = e->browser[k];
    int n = yf_rtcp_fb_write(&fb, o->dst + o->off, o->cap - o->off);
    if (n < 0)
        return n;
    o->off += (size_t)n;
    (*counter)++;
    return 1;
}

/* RFC 5104 §4.3.1.2: the number changes only for a new request. */
static uint8_t fir_number(yf_echo *e, int k, uint8_t in)
{
    if (!e->fir_seen[k] || e->fir_in[k] != in) {
        e->fir_last[k] = e->fir_seen[k] ? (uint8_t)(e->fir_last[k] + 1) : 0;
        e->fir_seen[k] = true;
        e->fir_in[k] = in;
    }
    return e->fir_last[k];
}

static int put_fir(yf_echo *e, const yf_rtcp_packet *p, out_buf *o)
{
    yf_rtcp_fb fb;
    yf_rtcp_fir_entry in[8], out[NKINDS];
    size_t n = 0, m = 0;
    int rc = yf_rtcp_fir_parse(p, &fb, in, 8, &n);
    if (rc != YF_OK && rc != YF_ENOMEM)
        return 0;
    uint32_t sender = 0;
    for (size_t i = 0; i < n && m < NKINDS; i++) {
        int k = kind_of_ours(e, in[i].ssrc);
        if (k < 0)
            continue;
        out[m].ssrc = e->browser[k];
        out[m].seq = fir_number(e, k, in[i].seq);
        sender = ours(e, k);
        m++;
    }
    if (m == 0)
        return 0;
    int w = yf_rtcp_fir_write(sender, out, m, o->dst + o->off, o->cap - o->off);
    if (w < 0)
        return w;
    o->off += (size_t)w;
    e->st.fir++;
    return 1;
}

static int put_remb(yf_echo *e, const yf_rtcp_packet *p, out_buf *o)
{
    yf_rtcp_remb r, t;
    if (yf_rtcp_remb_parse(p, &r) != YF_OK)
        return 0;
    t.sender_ssrc = report_ssrc(e);
    t.bitrate_bps = r.bitrate_bps;
    t.ssrc_count = 0;
    for (unsigned i = 0; i < r.ssrc_count; i++) {
        int k = kind_of_ours(e, r.ssrcs[i]);
        if (k >= 0)
            t.ssrcs[t.ssrc_count++] = e->browser[k];
    }
    if (t.ssrc_count == 0)
        return 0;
    int w = yf_rtcp_remb_write(&t, o->dst + o->off, o->cap - o->off);
    if (w < 0)
        return w;
    o->off += (size_t)w;
    e->st.remb++;
    return 1;
}

/* Pass 2: one function per feedback type; 0 = dropped, 1 = written. */
static int put_feedback(yf_echo *e, const yf_rtcp_packet *p, out_buf *o)
{
    if (p->pt == YF_RTCP_RTPFB && p->count == YF_RTCP_FMT_NACK)
        return put_retarget(e, p, o, &e->st.nack);
    if (p->pt == YF_RTCP_PSFB && p->count == YF_RTCP_FMT_PLI)
        return put_retarget(e, p, o, &e->st.pli);
    if (p->pt == YF_RTCP_PSFB && p->count == YF_RTCP_FMT_FIR)
        return put_fir(e, p, o);
    if (p->pt == YF_RTCP_PSFB && p->count == YF_RTCP_FMT_REMB)
        return put_remb(e, p, o);
    return 0;
}

/* Pass 1: SRs written, RR blocks gathered; then the RR (always, when no SR
 * went out, so the compound starts with a report: RFC 3550 §6.1). */
static int put_reports(yf_echo *e, const uint8_t *pkt, size_t len, out_buf *o, bool *any)
{
    yf_rtcp_iter it;
    yf_rtcp_packet p;
    yf_rtcp_rr rr, in;
    int srs = 0, rc;
    memset(&rr, 0, sizeof rr);
    rr.ssrc = report_ssrc(e);
    yf_rtcp_iter_init(&it, pkt, len);
    while (yf_rtcp_iter_next(&it, &p) == 1) {
        if (p.pt == YF_RTCP_SR) {
            if ((rc = put_sr(e, &p, o, &rr)) < 0)
                return rc;
            srs += rc;
        } else if (p.pt == YF_RTCP_RR && yf_rtcp_rr_parse(&p, &in) == YF_OK) {
            map_blocks(e, in.reports, in.report_count, rr.reports, &rr.report_count);
        }
    }
    *any = srs > 0 || rr.report_count > 0;
    if (srs > 0 && rr.report_count == 0)
        return YF_OK;
    rc = yf_rtcp_rr_write(&rr, o->dst + o->off, o->cap - o->off);
    if (rc < 0)
        return rc;
    o->off += (size_t)rc;
    return YF_OK;
}

int yf_echo_on_rtcp(yf_echo *e, const uint8_t *pkt, size_t len, uint8_t *dst, size_t cap)
{
    out_buf o = { dst, cap, 0 };
    yf_rtcp_iter it;
    yf_rtcp_packet p;
    bool any = false;
    int rc = yf_rtcp_validate(pkt, len, false);
    if (rc != YF_OK) {
        e->st.rtcp_malformed++;
        return rc;
    }
    e->st.rtcp_in++;
    if ((rc = put_reports(e, pkt, len, &o, &any)) < 0)
        return rc;
    yf_rtcp_iter_init(&it, pkt, len);
    while (yf_rtcp_iter_next(&it, &p) == 1) {
        if (p.pt == YF_RTCP_SR || p.pt == YF_RTCP_RR)
            continue;
        if ((rc = put_feedback(e, &p, &o)) < 0)
            return rc;
        if (rc == 0)
            e->st.rtcp_dropped++;
        any = any || rc > 0;
    }
    if (!any)
        return 0;
    e->st.rtcp_out++;
    return (int)o.off;
}

void yf_echo_get_stats(const yf_echo *e, yf_echo_stats *out)
{
    *out = e->st;
    out->have_audio = e->have[AUDIO];
    out->have_video = e->have[VIDEO];
    out->browser_audio_ssrc = e->browser[AUDIO];
    out->browser_video_ssrc = e->browser[VIDEO];
}
