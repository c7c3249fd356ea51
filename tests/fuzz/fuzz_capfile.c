/* fuzz_capfile.c -- libFuzzer target for capture files (media/rec/capfile.h,
 * docs/recording-format.md): arbitrary bytes through the memory reader and
 * the fd reader (a memfd) must give the same records and the same stop
 * offset; every record lies inside the input, re-encodes to the same bytes,
 * and the good end advances by exactly the record sizes. Metadata that
 * parses must survive an encode/decode round trip. Each input also runs a
 * second time with every CRC it frames repaired, so the fuzzer reaches the
 * metadata and record handling behind the CRCs. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "media/rec/capfile.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[YF_CAP_RECORD_MAX + YF_CAP_HEADER_MAX];
static uint8_t fixed[1 << 20];

static void put_crc(uint8_t *p, size_t covered)
{
    uint32_t c = (uint32_t)crc32(0, p, (uInt)covered);

    p[covered] = (uint8_t)(c >> 24);
    p[covered + 1] = (uint8_t)(c >> 16);
    p[covered + 2] = (uint8_t)(c >> 8);
    p[covered + 3] = (uint8_t)c;
}

/* Copies data into `fixed` and rewrites the CRC of the header and of each
 * record it can frame. Returns the size. */
static size_t repair(const uint8_t *data, size_t size)
{
    size_t at, ml;

    memcpy(fixed, data, size);
    if (size < YF_CAP_HEADER_FIXED)
        return size;
    ml = ((size_t)fixed[20] << 24) | ((size_t)fixed[21] << 16) | ((size_t)fixed[22] << 8) | fixed[23];
    if (ml > YF_CAP_META_MAX || YF_CAP_HEADER_FIXED + ml + 4 > size)
        return size;
    put_crc(fixed, YF_CAP_HEADER_FIXED + ml);
    for (at = YF_CAP_HEADER_FIXED + ml + 4; at + YF_CAP_RECORD_HEAD <= size;) {
        size_t pl = ((size_t)fixed[at + 1] << 24) | ((size_t)fixed[at + 2] << 16) | ((size_t)fixed[at + 3] << 8) |
                    fixed[at + 4];
        if (pl > YF_CAP_PAYLOAD_MAX || at + YF_CAP_RECORD_OVERHEAD + pl > size)
            break;
        put_crc(fixed + at, YF_CAP_RECORD_HEAD + pl);
        at += YF_CAP_RECORD_OVERHEAD + pl;
    }
    return size;
}

static void check_meta(const yf_cap_header *h)
{
    yf_cap_meta m, m2;
    yf_cap_header h2;
    int n;

    if (yf_cap_meta_parse(h->meta_json, h->meta_len, &m) != YF_CAP_OK)
        return;
    n = yf_cap_header_encode(&m, h->created_us, out, sizeof out);
    if (n < 0) /* a room or codec of valid JSON but outside the encoder's limits */
        return;
    FUZZ_CHECK(yf_cap_header_decode(out, (size_t)n, &h2) == n && h2.created_us == h->created_us);
    FUZZ_CHECK(yf_cap_meta_parse(h2.meta_json, h2.meta_len, &m2) == YF_CAP_OK);
    FUZZ_CHECK(!strcmp(m.room, m2.room) && !strcmp(m.codec, m2.codec) && m.kind == m2.kind);
    FUZZ_CHECK(m.participant == m2.participant && m.ssrc == m2.ssrc && m.clock_rate == m2.clock_rate &&
               m.payload_type == m2.payload_type);
}

static void check_record(const uint8_t *data, size_t size, const yf_cap_record *rec, uint64_t at)
{
    uint8_t cause;
    uint32_t count;
    const char *text;
    size_t tl;

    FUZZ_CHECK(rec->size == rec->len + YF_CAP_RECORD_OVERHEAD && rec->len <= YF_CAP_PAYLOAD_MAX);
    FUZZ_CHECK(at + rec->size <= size);
    FUZZ_CHECK(rec->payload == data + at + YF_CAP_RECORD_HEAD);
    /* Type 0 is never written (the encoder refuses it) but is read and
     * skipped like any unknown type (docs/recording-format.md): no round trip. */
    if (rec->type != 0) {
        FUZZ_CHECK(yf_cap_record_encode(rec->type, rec->arrival_us, rec->payload, rec->len, out, sizeof out) ==
                   (int)rec->size);
        FUZZ_CHECK(memcmp(out, data + at, rec->size) == 0);
    }
    if (rec->type == YF_CAP_GAP && yf_cap_gap_decode(rec->payload, rec->len, &cause, &count, &text, &tl) == 0)
        FUZZ_CHECK(text == (const char *)rec->payload + 5 && tl == rec->len - 5);
}

/* Reads everything; returns records, fills the stop offset and result. */
static unsigned read_mem(const uint8_t *data, size_t size, uint64_t *good_end, int *last)
{
    yf_cap_reader *r = yf_cap_reader_new_mem(data, size);
    yf_cap_header h;
    yf_cap_record rec;
    unsigned n = 0;
    uint64_t at;
    int rc = -2;

    if (yf_cap_reader_header(r, &h, NULL)) {
        FUZZ_CHECK(h.size <= size && h.meta_len <= YF_CAP_META_MAX && h.meta_json == data + YF_CAP_HEADER_FIXED);
        check_meta(&h);
        at = yf_cap_reader_good_end(r);
        FUZZ_CHECK(at == h.size);
        while ((rc = yf_cap_reader_next(r, &rec, NULL)) == 1) {
            uint64_t end = yf_cap_reader_good_end(r);
            FUZZ_CHECK(end >= at + rec.size && end <= size);
            check_record(data, size, &rec, end - rec.size);
            at = end;
            n++;
        }
        FUZZ_CHECK(rc != 0 || !yf_cap_reader_complete(r) || yf_cap_reader_good_end(r) == size);
        FUZZ_CHECK(yf_cap_reader_next(r, &rec, NULL) == rc || rc == 0);
    }
    *good_end = yf_cap_reader_good_end(r);
    *last = rc;
    yf_cap_reader_free(r);
    return n;
}

static unsigned read_fd(int fd, uint64_t *good_end, int *last)
{
    yf_cap_reader *r = yf_cap_reader_new_fd(fd);
    yf_cap_header h;
    yf_cap_record rec;
    unsigned n = 0;
    int rc = -2;

    if (yf_cap_reader_header(r, &h, NULL))
        while ((rc = yf_cap_reader_next(r, &rec, NULL)) == 1)
            n++;
    *good_end = yf_cap_reader_good_end(r);
    *last = rc;
    yf_cap_reader_free(r);
    return n;
}

static void run(const uint8_t *data, size_t size)
{
    yf_cap_record rec;
    yf_cap_header h;
    uint64_t ge, ge2;
    int rc, rc2, fd;
    unsigned n, n2;

    if (yf_cap_record_decode(data, size, &rec) > 0)
        check_record(data, size, &rec, 0);
    if (yf_cap_header_decode(data, size, &h) > 0)
        FUZZ_CHECK(h.size <= size);
    n = read_mem(data, size, &ge, &rc);
    fd = memfd_create("fuzz_capfile", MFD_CLOEXEC);
    if (fd < 0)
        return;
    if (write(fd, data, size) == (ssize_t)size) {
        n2 = read_fd(fd, &ge2, &rc2);
        FUZZ_CHECK(n == n2 && ge == ge2 && rc == rc2);
    }
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size);
    if (size <= sizeof fixed)
        run(fixed, repair(data, size));
    return 0;
}
