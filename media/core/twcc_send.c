/* twcc_send.c -- transport-wide CC, sender side (draft-holmer-rmcat-
 * transport-wide-cc-extensions-01): sequence numbers (§2), the send history,
 * and feedback (§3.1) mapped back to send times. The chunk decoding itself
 * is rtcp_fb.c's; here is what a feedback's statuses mean for packets we
 * sent. Arrival times follow §3.1: reference time (64 ms units, 24-bit,
 * unwrapped here) plus the running sum of receive deltas (250 µs). */
#include <string.h>
#include "rtp.h"
#include "twcc_send.h"

#define HMASK (YF_TWCC_SEND_HISTORY - 1)
#define REF_SPAN (1 << 24)
#define MAX_ELEMS 16

enum { SLOT_FREE, SLOT_SENT, SLOT_REPORTED };

void yf_twcc_send_init(yf_twcc_send *s, uint16_t seq0)
{
    memset(s, 0, sizeof *s);
    s->next_seq = seq0;
}

uint16_t yf_twcc_send_stamp(yf_twcc_send *s, int64_t now_us, size_t size)
{
    uint16_t seq = s->next_seq++;
    yf_twcc_sent *e = &s->hist[seq & HMASK];
    e->send_us = now_us;
    e->seq = seq;
    e->size = (uint16_t)(size > UINT16_MAX ? UINT16_MAX : size);
    e->state = SLOT_SENT;
    e->cluster = s->cluster;
    s->st.stamped++;
    return seq;
}

/* The reference time in µs on one unwrapped axis (§3.1: 24-bit, 64 ms). */
static int64_t unwrap_ref(yf_twcc_send *s, int32_t ref)
{
    int32_t u = ref & (REF_SPAN - 1);
    if (s->ref_known) {
        int32_t d = u - s->last_ref;
        if (d > REF_SPAN / 2)
            s->ref_wraps--;
        else if (d < -REF_SPAN / 2)
            s->ref_wraps++;
    }
    s->ref_known = true;
    s->last_ref = u;
    return ((int64_t)u + s->ref_wraps * REF_SPAN) * YF_TWCC_REF_TIME_UNIT_US;
}

/* The history slot of seq, if it holds an unreported packet we sent. */
static yf_twcc_sent *sent_slot(yf_twcc_send *s, uint16_t seq)
{
    uint16_t age = (uint16_t)(s->next_seq - 1 - seq);
    if (s->st.stamped == 0 || age >= YF_TWCC_SEND_HISTORY || age >= s->st.stamped)
        return NULL;
    yf_twcc_sent *e = &s->hist[seq & HMASK];
    return e->state == SLOT_SENT && e->seq == seq ? e : NULL;
}

/* Walks the statuses; with mark, fills out and marks the slots reported. */
static size_t walk(yf_twcc_send *s, const yf_rtcp_twcc *tw, const yf_twcc_status *st,
                   int64_t ref_us, yf_twcc_result *out, bool mark)
{
    int64_t arrival = ref_us;
    size_t n = 0;
    for (uint16_t i = 0; i < tw->status_count; i++) {
        bool got = st[i].symbol != YF_TWCC_NOT_RECEIVED;
        if (got)
            arrival += (int64_t)st[i].delta * YF_TWCC_DELTA_TICK_US;
        yf_twcc_sent *e = sent_slot(s, (uint16_t)(tw->base_seq + i));
        if (!e) {
            if (mark)
                s->st.unknown++;
            continue;
        }
        if (mark) {
            out[n].send_us = e->send_us;
            out[n].arrival_us = got ? arrival : YF_TWCC_LOST;
            out[n].size = e->size;
            out[n].cluster = e->cluster;
            e->state = SLOT_REPORTED;
            s->st.reported++;
        }
        n++;
    }
    return n;
}

int yf_twcc_send_on_feedback(yf_twcc_send *s, const yf_rtcp_packet *p,
                             yf_twcc_result *out, size_t cap, size_t *n)
{
    yf_twcc_status st[YF_TWCC_SEND_MAX_STATUS];
    yf_rtcp_twcc tw;
    *n = 0;
    int rc = yf_rtcp_twcc_parse(p, &tw, st, YF_TWCC_SEND_MAX_STATUS);
    if (rc == YF_EUNSUPPORTED)
        return rc;
    if (rc != YF_OK || walk(s, &tw, st, 0, out, false) > cap) {
        s->st.malformed++;
        return rc != YF_OK ? rc : YF_ENOMEM;
    }
    s->st.feedbacks++;
    *n = walk(s, &tw, st, unwrap_ref(s, tw.ref_time), out, true);
    return YF_OK;
}

/* The packet's elements other than id and drop_id; count in *n. */
static int keep_elements(const yf_rtp_header *h, uint8_t id, uint8_t drop_id,
                         yf_rtp_ext *els, size_t *n)
{
    size_t pos = 0;
    yf_rtp_ext e;
    int rc;
    *n = 0;
    while ((rc = yf_rtp_ext_next(h, &pos, &e)) == 1) {
        if (e.id == id || (drop_id && e.id == drop_id))
            continue;
        if (*n == MAX_ELEMS - 1)
            return YF_ENOMEM;
        els[(*n)++] = e;
    }
    return rc;
}

int yf_twcc_send_write_ext(uint8_t *dst, size_t cap, const uint8_t *pkt, size_t len,
                           uint8_t id, uint8_t drop_id, uint16_t seq)
{
    yf_rtp_header h;
    yf_rtp_ext els[MAX_ELEMS];
    uint8_t val[2] = { (uint8_t)(seq >> 8), (uint8_t)seq };
    uint8_t block[MAX_ELEMS * 18 + 4];
    size_t n = 0;
    if (id == 0)
        return YF_EMALFORMED;
    int rc = yf_rtp_parse(pkt, len, &h);
    if (rc == YF_OK)
        rc = keep_elements(&h, id, drop_id, els, &n);
    if (rc < 0)
        return rc;
    els[n++] = (yf_rtp_ext){ .id = id, .data = val, .len = 2 };
    bool two = h.extension && (h.ext_profile & YF_RTP_EXT_TWO_BYTE_MASK) == YF_RTP_EXT_TWO_BYTE;
    uint16_t profile;
    int bl = yf_rtp_ext_build(two ? h.ext_profile : YF_RTP_EXT_ONE_BYTE, els, n, &profile,
                              block, sizeof block);
    if (bl < 0)
        return bl;
    size_t rest = len - h.header_len; /* payload and padding */
    h.extension = true;
    h.ext_profile = profile;
    h.ext_data = block;
    h.ext_len = (size_t)bl;
    int hl = yf_rtp_header_write(&h, dst, cap);
    if (hl < 0)
        return hl;
    if (cap - (size_t)hl < rest)
        return YF_ENOMEM;
    memcpy(dst + hl, pkt + h.header_len, rest);
    return hl + (int)rest;
}
