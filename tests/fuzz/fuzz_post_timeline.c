/* fuzz_post_timeline.c -- libFuzzer target for the untrusted half of
 * post-processing (media/post/post_source.c, post_timeline.c): the RTP and
 * RTCP a browser sent, as captured, parsed into tracks, mapped through sender
 * reports onto one timeline and grouped by participant. The input is cut into
 * records (u8 selector, u16 length, payload) that are framed with valid CRCs
 * into two capture files (an audio and a video track of one participant, or
 * of two), so the fuzzer spends its time behind the capture format's checks:
 * in RTP headers, SR fields, timestamp and sequence wrap, arrival times that
 * jump back, sender reports whose clock disagrees with the packets'. Nothing
 * may crash, and the loaded timeline keeps its invariants: packets of a track
 * in sequence order without duplicates, its media packets' wall times never
 * going back (one time per RTP timestamp, a new one YF_POST_MIN_STEP_US or
 * more later: no frame hidden behind another), its first and last times
 * inside the hearing's [t0, end]. Bit 1 of the first byte makes the audio
 * track's packets of payload type 63 RED (RFC 2198), whose redundant blocks
 * fill packets the capture lacks. */
#define _GNU_SOURCE
#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "media/rec/capfile.h"
#include "media/post/post_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[YF_CAP_RECORD_MAX];

static int open_track(const yf_cap_meta *m, char *path, size_t cap)
{
    int fd = memfd_create("yf-fuzz-cap", 0);
    int n = yf_cap_header_encode(m, 1700000000000000LL, buf, sizeof buf);
    if (fd < 0 || n <= 0 || write(fd, buf, (size_t)n) != n)
        abort();
    snprintf(path, cap, "/proc/self/fd/%d", fd);
    return fd;
}

static void put(int fd, uint8_t type, int64_t arrival, const uint8_t *p, size_t len)
{
    int n = yf_cap_record_encode(type, arrival, p, len, buf, sizeof buf);
    if (n <= 0 || write(fd, buf, (size_t)n) != n)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    yf_cap_meta a = { .room = "fuzz", .participant = 1, .kind = YF_CAP_AUDIO, .codec = "opus",
                      .payload_type = 111, .clock_rate = 48000, .ssrc = 0x11111111 };
    yf_cap_meta v = { .room = "fuzz", .participant = 1, .kind = YF_CAP_VIDEO, .codec = "VP8",
                      .payload_type = 96, .clock_rate = 90000, .ssrc = 0x22222222 };
    char pa[64], pv[64];
    int64_t arrival = 1700000000000000LL;

    if (size > 0 && (data[0] & 1))
        v.participant = 2;
    if (size > 0 && (data[0] & 2))
        a.red_payload_type = 63; /* RED (post_red.c): primaries played, lost packets rebuilt */
    int fa = open_track(&a, pa, sizeof pa), fv = open_track(&v, pv, sizeof pv);
    for (size_t i = 1; i + 3 <= size;) {
        uint8_t sel = data[i];
        size_t len = (size_t)data[i + 1] << 8 | data[i + 2];
        i += 3;
        if (len > size - i)
            len = size - i;
        /* bit 0: track; bits 1-2: type (RTP, RTCP, GAP, END); bits 3-7: time step */
        uint8_t type = (uint8_t)(1 + ((sel >> 1) & 3));
        arrival += (int64_t)(sel >> 3) * 5000 - 20000;
        put(sel & 1 ? fv : fa, type, arrival, data + i, len);
        i += len;
    }
    const char *caps[] = { pa, pv, NULL };
    const yf_post_person people[] = { { 1, "甲", "检察官" } };
    yf_post_job job = { .captures = caps, .people = people, .n_people = 1 };
    GError *err = NULL;
    yf_post_timeline *tl = yf_post_timeline_new(&job, &err);
    FUZZ_CHECK(tl || err);
    for (guint i = 0; tl && i < tl->tracks->len; i++) {
        const yf_post_track *t = tl->tracks->pdata[i];
        FUZZ_CHECK(t->n_media > 0 && t->first_us <= t->last_us);
        FUZZ_CHECK(t->first_us >= tl->t0_us && t->last_us <= tl->end_us);
        const yf_post_pkt *prev = NULL;
        for (guint k = 0; k < t->pkts->len; k++) {
            const yf_post_pkt *p = &g_array_index(t->pkts, yf_post_pkt, k);
            FUZZ_CHECK(k == 0 || g_array_index(t->pkts, yf_post_pkt, k - 1).ext_seq < p->ext_seq);
            if (p->skip)
                continue;
            FUZZ_CHECK(p->wall_us >= t->first_us && p->wall_us <= t->last_us);
            if (prev && p->ext_ts == prev->ext_ts)
                FUZZ_CHECK(p->wall_us == prev->wall_us);
            else if (prev)
                FUZZ_CHECK(p->wall_us >= prev->wall_us + YF_POST_MIN_STEP_US);
            prev = p;
        }
    }
    g_clear_error(&err);
    yf_post_timeline_free(tl);
    close(fa);
    close(fv);
    return 0;
}
