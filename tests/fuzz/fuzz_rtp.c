/* fuzz_rtp.c -- libFuzzer target for the RTP codec (RFC 3550 §5.1, RFC 8285):
 * a parsed packet must write back to the same bytes (padding contents
 * aside), re-parse to the same fields, and its extension elements must lie
 * inside the block and survive a rebuild. Also feeds the echo translator,
 * and the router's transport-wide seq writer (twcc_send.h): what it writes
 * parses, carries the seq under its id, drops the dropped id and keeps the
 * payload. */
#include <stdlib.h>
#include <string.h>
#include "media/core/echo.h"
#include "media/core/rtp.h"
#include "media/core/twcc_send.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[1 << 17], blk[1 << 18];

static void check_same(const yf_rtp_header *a, const yf_rtp_header *b)
{
    FUZZ_CHECK(a->padding == b->padding && a->extension == b->extension && a->marker == b->marker);
    FUZZ_CHECK(a->csrc_count == b->csrc_count && a->payload_type == b->payload_type);
    FUZZ_CHECK(a->seq == b->seq && a->timestamp == b->timestamp && a->ssrc == b->ssrc);
    FUZZ_CHECK(memcmp(a->csrc, b->csrc, sizeof a->csrc[0] * a->csrc_count) == 0);
    FUZZ_CHECK(a->ext_profile == b->ext_profile && a->ext_len == b->ext_len);
    FUZZ_CHECK(a->header_len == b->header_len && a->payload_len == b->payload_len);
    FUZZ_CHECK(a->padding_len == b->padding_len);
}

static void check_extensions(const yf_rtp_header *h)
{
    yf_rtp_ext els[256], e;
    size_t pos = 0, n = 0;
    int rc;
    while (n < 256 && (rc = yf_rtp_ext_next(h, &pos, &els[n])) == 1) {
        FUZZ_CHECK(els[n].data >= h->ext_data && els[n].data + els[n].len <= h->ext_data + h->ext_len);
        FUZZ_CHECK(yf_rtp_ext_find(h, els[n].id, &e) != 0);
        n++;
    }
    uint16_t prof;
    int bl = yf_rtp_ext_build(h->ext_profile, els, n, &prof, blk, sizeof blk);
    if (bl < 0)
        return;
    yf_rtp_header r = *h;
    r.ext_profile = prof;
    r.ext_data = blk;
    r.ext_len = (size_t)bl;
    pos = 0;
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(yf_rtp_ext_next(&r, &pos, &e) == 1);
        FUZZ_CHECK(e.id == els[i].id && e.len == els[i].len && memcmp(e.data, els[i].data, e.len) == 0);
    }
}

static void fuzz_echo(const uint8_t *data, size_t size)
{
    static const yf_echo_config cfg = { 111, 96, 0xa0a0a0a0, 0xb0b0b0b0 };
    yf_echo *e = yf_echo_new(&cfg);
    FUZZ_CHECK(e != NULL);
    int w = yf_echo_on_rtp(e, data, size, out, sizeof out);
    FUZZ_CHECK(w <= 0 || ((size_t)w == size && (yf_rd32(out + 8) == cfg.audio_ssrc || yf_rd32(out + 8) == cfg.video_ssrc) &&
                          memcmp(out, data, 8) == 0 && memcmp(out + 12, data + 12, size - 12) == 0));
    yf_echo_free(e);
}

static void fuzz_twcc_ext(const uint8_t *data, size_t size, const yf_rtp_header *h)
{
    static uint8_t tw[1 << 17];
    uint8_t id = (uint8_t)(1 + size % 14), drop = (uint8_t)(size % 15);
    int n = yf_twcc_send_write_ext(tw, sizeof tw, data, size, id, drop, 0xbeef);
    if (n < 0)
        return;
    yf_rtp_header r;
    yf_rtp_ext e;
    FUZZ_CHECK(yf_rtp_parse(tw, (size_t)n, &r) == YF_OK);
    FUZZ_CHECK(yf_rtp_ext_find(&r, id, &e) == 1 && e.len == 2 && e.data[0] == 0xbe && e.data[1] == 0xef);
    FUZZ_CHECK(drop == 0 || drop == id || yf_rtp_ext_find(&r, drop, &e) == 0);
    FUZZ_CHECK(r.payload_len == h->payload_len && memcmp(r.payload, h->payload, h->payload_len) == 0);
    FUZZ_CHECK(r.seq == h->seq && r.ssrc == h->ssrc && r.timestamp == h->timestamp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    yf_rtp_header h, h2;
    fuzz_echo(data, size);
    if (yf_rtp_parse(data, size, &h) != YF_OK || size > sizeof out)
        return 0;
    FUZZ_CHECK(h.header_len + h.payload_len + h.padding_len == size);
    FUZZ_CHECK(h.payload == data + h.header_len);
    fuzz_twcc_ext(data, size, &h);
    int w = yf_rtp_write(&h, h.payload, h.payload_len, out, sizeof out);
    FUZZ_CHECK(w == (int)size);
    size_t cmp = size - h.padding_len;
    FUZZ_CHECK(memcmp(out, data, cmp) == 0 && out[size - 1] == data[size - 1]);
    FUZZ_CHECK(yf_rtp_parse(out, size, &h2) == YF_OK);
    check_same(&h, &h2);
    check_extensions(&h);
    FUZZ_CHECK(yf_rtp_set_ssrc(out, size, ~h.ssrc) == YF_OK);
    FUZZ_CHECK(yf_rtp_set_seq(out, size, (uint16_t)(h.seq + 1)) == YF_OK);
    FUZZ_CHECK(yf_rtp_parse(out, size, &h2) == YF_OK);
    FUZZ_CHECK(h2.ssrc == ~h.ssrc && h2.seq == (uint16_t)(h.seq + 1) && h2.header_len == h.header_len);
    return 0;
}
