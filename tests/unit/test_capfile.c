/* test_capfile.c -- the capture file codec (media/rec/capfile.h): record
 * encodings as hex vectors (CRCs computed independently with Python's
 * zlib.crc32), header and metadata round trips, damaged inputs through the
 * streaming reader (memory and fd), and recovery of .part files. */
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "media/rec/capfile.h"
#include "yf_test.h"
#include "yf_test_fs.h"

static const struct {
    uint8_t type;
    int64_t time;
    const char *payload, *hex;
} records[] = {
    { YF_CAP_RTP, 0x0102030405060708LL, "deadbeef",
      "01 00000004 0102030405060708 deadbeef a07f73a8" },
    { YF_CAP_RTCP, 0, "", "02 00000000 0000000000000000 6f28f3c9" },
    { YF_CAP_GAP, 1700000000000000LL, "02 00000010 72657374617274",
      "03 0000000c 00060a24181e4000 02 00000010 72657374617274 ae52ed6f" },
    { YF_CAP_END, -1, "", "04 00000000 ffffffffffffffff 8bab2c61" },
    { 9, 5, "0001", "09 00000002 0000000000000005 0001 88015f34" }, /* unknown type */
};

static uint8_t buf[1 << 18], exp_[1 << 17], pl[1 << 17];

static void test_record_table(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(records); i++) {
        size_t en = yf_test_hex(records[i].hex, exp_, sizeof exp_);
        size_t pn = yf_test_hex(records[i].payload, pl, sizeof pl);
        int n = yf_cap_record_encode(records[i].type, records[i].time, pl, pn, buf, sizeof buf);
        yf_cap_record r;

        CHECK_EQ_INT(n, en);
        CHECK_MEM(buf, exp_, en);
        CHECK_EQ_INT(yf_cap_record_decode(exp_, en, &r), en);
        CHECK_EQ_INT(r.type, records[i].type);
        CHECK_EQ_INT(r.arrival_us, records[i].time);
        CHECK_EQ_INT(r.len, pn);
        CHECK(pn == 0 || memcmp(r.payload, pl, pn) == 0);
        for (size_t cut = 0; cut < en; cut++) /* every torn prefix */
            CHECK_EQ_INT(yf_cap_record_decode(exp_, cut, &r), YF_CAP_ESHORT);
        for (size_t bit = 0; bit < en * 8; bit += 7) { /* any flipped bit is caught */
            int rc;
            exp_[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            rc = yf_cap_record_decode(exp_, en, &r);
            CHECK(rc == YF_CAP_ECRC || rc == YF_CAP_ESHORT || rc == YF_CAP_ETOOLONG);
            exp_[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
    }
    CHECK_EQ_INT(yf_cap_record_encode(0, 0, NULL, 0, buf, sizeof buf), YF_CAP_EINVAL);
    CHECK_EQ_INT(yf_cap_record_encode(1, 0, pl, YF_CAP_PAYLOAD_MAX + 1, buf, sizeof buf), YF_CAP_EINVAL);
    CHECK_EQ_INT(yf_cap_record_encode(1, 0, pl, 4, buf, 20), YF_CAP_ENOSPACE);
    CHECK_EQ_INT(yf_cap_record_encode(1, 0, pl, YF_CAP_PAYLOAD_MAX, buf, sizeof buf), YF_CAP_RECORD_MAX);
}

static void test_record_limits(void)
{
    yf_cap_record r;
    size_t n = yf_test_hex("01 00010001 0000000000000000", buf, sizeof buf); /* 65537: one too many */

    CHECK_EQ_INT(yf_cap_record_decode(buf, n, &r), YF_CAP_ETOOLONG);
    n = yf_test_hex("01 ffffffff 0000000000000000", buf, sizeof buf);
    CHECK_EQ_INT(yf_cap_record_decode(buf, n, &r), YF_CAP_ETOOLONG);
    n = yf_test_hex("01 00000010 0000000000000000 00", buf, sizeof buf);
    CHECK_EQ_INT(yf_cap_record_decode(buf, n, &r), YF_CAP_ESHORT);
}

static yf_cap_meta test_meta(void)
{
    yf_cap_meta m = { .participant = 7, .kind = YF_CAP_VIDEO, .payload_type = 96, .clock_rate = 90000,
                      .ssrc = 0x12345678 };
    g_strlcpy(m.room, "听证-2025-001 \"A\"", sizeof m.room);
    g_strlcpy(m.codec, "VP8", sizeof m.codec);
    return m;
}

static void test_header(void)
{
    yf_cap_meta m = test_meta(), back;
    yf_cap_header h;
    const char *json = "{\"clock_rate\":90000,\"codec\":\"VP8\",\"kind\":\"video\",\"participant\":7,"
                       "\"payload_type\":96,\"room\":\"\\u542C\\u8BC1-2025-001 \\\"A\\\"\",\"ssrc\":305419896}";
    int n = yf_cap_header_encode(&m, 1736899200000000LL, buf, sizeof buf);
    size_t jl = strlen(json);

    CHECK_EQ_INT(n, YF_CAP_HEADER_FIXED + jl + 4);
    CHECK_MEM(buf, "YFCAP1\0\0\x00\x01\x00\x00", 12);
    yf_test_hex("00062bb3 5bd3a000", exp_, sizeof exp_); /* 1736899200000000 */
    CHECK_MEM(buf + 12, exp_, 8);
    CHECK_MEM(buf + YF_CAP_HEADER_FIXED, json, jl);
    CHECK_EQ_INT(yf_cap_header_decode(buf, (size_t)n, &h), n);
    CHECK_EQ_INT(h.created_us, 1736899200000000LL);
    CHECK_EQ_INT(h.version, 1);
    CHECK_EQ_INT(yf_cap_meta_parse(h.meta_json, h.meta_len, &back), YF_CAP_OK);
    CHECK(!strcmp(back.room, m.room) && !strcmp(back.codec, "VP8"));
    CHECK(back.participant == 7 && back.kind == YF_CAP_VIDEO && back.payload_type == 96);
    CHECK(back.clock_rate == 90000 && back.ssrc == 0x12345678);
    for (int cut = 0; cut < n; cut += 5)
        CHECK_EQ_INT(yf_cap_header_decode(buf, (size_t)cut, &h), YF_CAP_ESHORT);
    buf[30] ^= 1;
    CHECK_EQ_INT(yf_cap_header_decode(buf, (size_t)n, &h), YF_CAP_ECRC);
    buf[30] ^= 1;
    buf[9] = 2;
    CHECK_EQ_INT(yf_cap_header_decode(buf, (size_t)n, &h), YF_CAP_EVERSION);
    buf[9] = 1;
    buf[20] = 0x7f; /* metadata length 2 GB */
    CHECK_EQ_INT(yf_cap_header_decode(buf, (size_t)n, &h), YF_CAP_ETOOLONG);
    buf[20] = 0;
    buf[0] = 'X';
    CHECK_EQ_INT(yf_cap_header_decode(buf, (size_t)n, &h), YF_CAP_EMAGIC);
    CHECK_EQ_INT(yf_cap_header_decode(buf, 10, &h), YF_CAP_EMAGIC);
    m.payload_type = 128;
    CHECK_EQ_INT(yf_cap_header_encode(&m, 0, buf, sizeof buf), YF_CAP_EINVAL);
    m = test_meta();
    m.codec[0] = 0;
    CHECK_EQ_INT(yf_cap_header_encode(&m, 0, buf, sizeof buf), YF_CAP_EINVAL);
    m = test_meta();
    CHECK_EQ_INT(yf_cap_header_encode(&m, 0, buf, 40), YF_CAP_ENOSPACE);
}

static void test_meta_parse(void)
{
    static const char *bad[] = {
        "", "[]", "{}", "not json",
        "{\"clock_rate\":0,\"codec\":\"VP8\",\"kind\":\"video\",\"participant\":1,\"payload_type\":96,\"room\":\"r\",\"ssrc\":1}",
        "{\"clock_rate\":1,\"codec\":\"VP8\",\"kind\":\"data\",\"participant\":1,\"payload_type\":96,\"room\":\"r\",\"ssrc\":1}",
        "{\"clock_rate\":1,\"codec\":\"VP8\",\"kind\":\"video\",\"participant\":1,\"payload_type\":128,\"room\":\"r\",\"ssrc\":1}",
        "{\"clock_rate\":1,\"codec\":\"VP8\",\"kind\":\"video\",\"participant\":-1,\"payload_type\":96,\"room\":\"r\",\"ssrc\":1}",
        "{\"clock_rate\":1,\"codec\":\"VP8\",\"kind\":\"video\",\"participant\":1,\"payload_type\":96,\"room\":\"r\",\"ssrc\":4294967296}",
        "{\"clock_rate\":1,\"codec\":\"VP8\",\"kind\":\"video\",\"participant\":1,\"payload_type\":96,\"room\":\"r\",\"ssrc\":1,\"ssrc\":2}",
        "{\"clock_rate\":1,\"codec\":\"\",\"kind\":\"video\",\"participant\":1,\"payload_type\":96,\"room\":\"r\",\"ssrc\":1}",
        "{\"clock_rate\":1,\"codec\":\"VP8\",\"kind\":\"video\",\"participant\":1,\"payload_type\":96,\"ssrc\":1}",
    };
    const char *ok = "{\"clock_rate\":48000,\"codec\":\"opus\",\"future\":[1,2],\"kind\":\"audio\","
                     "\"participant\":1,\"payload_type\":111,\"room\":\"\",\"ssrc\":4294967295}";
    yf_cap_meta m;

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        CHECK_EQ_INT(yf_cap_meta_parse((const uint8_t *)bad[i], strlen(bad[i]), &m), YF_CAP_EMETA);
    CHECK_EQ_INT(yf_cap_meta_parse((const uint8_t *)ok, strlen(ok), &m), YF_CAP_OK);
    CHECK(m.kind == YF_CAP_AUDIO && m.ssrc == 0xffffffffu && m.clock_rate == 48000 && !strcmp(m.codec, "opus"));
    CHECK_EQ_INT(m.red_payload_type, 0);
}

/* red_payload_type: written only when set, read back; a wrong one refused. */
static void test_meta_red(void)
{
    yf_cap_meta m = { .participant = 2, .kind = YF_CAP_AUDIO, .payload_type = 111, .clock_rate = 48000,
                      .ssrc = 5, .red_payload_type = 63 }, back;
    yf_cap_header h;
    uint8_t hb[1024];
    g_strlcpy(m.codec, "opus", sizeof m.codec);
    int n = yf_cap_header_encode(&m, 1, hb, sizeof hb);
    CHECK(n > 0 && yf_cap_header_decode(hb, (size_t)n, &h) == n);
    CHECK(g_strstr_len((const char *)h.meta_json, (gssize)h.meta_len, "\"red_payload_type\":63") != NULL);
    CHECK_EQ_INT(yf_cap_meta_parse(h.meta_json, h.meta_len, &back), YF_CAP_OK);
    CHECK_EQ_INT(back.red_payload_type, 63);
    m.red_payload_type = 0;
    n = yf_cap_header_encode(&m, 1, hb, sizeof hb);
    CHECK(n > 0 && yf_cap_header_decode(hb, (size_t)n, &h) == n);
    CHECK(g_strstr_len((const char *)h.meta_json, (gssize)h.meta_len, "red_payload_type") == NULL);
    /* RED under the codec's own pt is never written: the reader refuses it */
    m.red_payload_type = 111;
    CHECK(yf_cap_header_encode(&m, 1, hb, sizeof hb) < 0);
    static const char *bad[] = { "128", "-1", "\"63\"", "111", "null" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *j = g_strdup_printf("{\"clock_rate\":48000,\"codec\":\"opus\",\"kind\":\"audio\",\"participant\":1,"
                                  "\"payload_type\":111,\"red_payload_type\":%s,\"room\":\"r\",\"ssrc\":1}", bad[i]);
        CHECK_EQ_INT(yf_cap_meta_parse((const uint8_t *)j, strlen(j), &back), YF_CAP_EMETA);
        g_free(j);
    }
}

static void test_gap(void)
{
    uint8_t p[600], cause;
    uint32_t count;
    const char *text;
    size_t tl;
    char longtext[400];
    int n = yf_cap_gap_encode(YF_CAP_GAP_QUEUE_FULL, 42, "queue full", p, sizeof p);

    CHECK_EQ_INT(n, 15);
    CHECK_EQ_INT(yf_cap_gap_decode(p, (size_t)n, &cause, &count, &text, &tl), YF_CAP_OK);
    CHECK(cause == 3 && count == 42 && tl == 10 && !memcmp(text, "queue full", 10));
    memset(longtext, 'x', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = 0;
    CHECK_EQ_INT(yf_cap_gap_encode(YF_CAP_GAP_NO_MEDIA, 0, longtext, p, sizeof p), 5 + YF_CAP_GAP_TEXT_MAX);
    CHECK_EQ_INT(yf_cap_gap_decode(p, 4, &cause, &count, &text, &tl), YF_CAP_ESHORT);
    CHECK_EQ_INT(yf_cap_gap_decode(p, 5 + YF_CAP_GAP_TEXT_MAX + 1, &cause, &count, &text, &tl), YF_CAP_ETOOLONG);
}

/* ---- a whole file, then damaged copies through the reader ---- */

typedef struct {
    size_t len;
    size_t off[8];   /* record offsets */
    size_t n;
} file_img;

static void put(file_img *f, uint8_t type, int64_t t, const uint8_t *p, size_t len)
{
    f->off[f->n++] = f->len;
    f->len += (size_t)yf_cap_record_encode(type, t, p, len, buf + f->len, sizeof buf - f->len);
}

/* header, RTP(1200), RTCP(28), unknown(9), GAP, RTP(65536), END */
static file_img make_file(gboolean with_end)
{
    yf_cap_meta m = test_meta();
    file_img f = { 0 };
    uint8_t g[32];
    int gl = yf_cap_gap_encode(YF_CAP_GAP_NO_MEDIA, 0, "no media", g, sizeof g);

    for (size_t i = 0; i < sizeof pl; i++)
        pl[i] = (uint8_t)(i * 7 + 1);
    f.len = (size_t)yf_cap_header_encode(&m, 1000, buf, sizeof buf);
    put(&f, YF_CAP_RTP, 1001, pl, 1200);
    put(&f, YF_CAP_RTCP, 1002, pl, 28);
    put(&f, 9, 1003, pl, 3);
    put(&f, YF_CAP_GAP, 1004, g, (size_t)gl);
    put(&f, YF_CAP_RTP, 1005, pl, YF_CAP_PAYLOAD_MAX);
    if (with_end)
        put(&f, YF_CAP_END, 1006, NULL, 0);
    return f;
}

/* Reads through a reader; returns records read, fills the last error. */
static int read_all(yf_cap_reader *r, int *last_rc, GError **err, int64_t *times)
{
    yf_cap_header h;
    yf_cap_record rec;
    int n = 0, rc;

    if (!yf_cap_reader_header(r, &h, err)) {
        *last_rc = -2;
        return 0;
    }
    while ((rc = yf_cap_reader_next(r, &rec, err)) == 1) {
        if (times)
            times[n] = rec.arrival_us;
        n++;
    }
    *last_rc = rc;
    return n;
}

static int write_tmp(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char *path = g_build_filename(dir, name, NULL);
    int fd;

    g_file_set_contents(path, (const char *)p, (gssize)n, NULL);
    fd = open(path, O_RDONLY);
    g_free(path);
    return fd;
}

/* The same bytes through a memory and an fd reader must agree. */
static int read_both(const char *dir, const uint8_t *p, size_t n, int *rc, GError **err, uint64_t *good_end)
{
    yf_cap_reader *m = yf_cap_reader_new_mem(p, n);
    int fd = write_tmp(dir, "x.ycap", p, n), rc2;
    yf_cap_reader *r = yf_cap_reader_new_fd(fd);
    GError *e2 = NULL;
    int got = read_all(m, rc, err, NULL), got2 = read_all(r, &rc2, &e2, NULL);

    CHECK_EQ_INT(got, got2);
    CHECK_EQ_INT(*rc, rc2);
    CHECK_EQ_INT(yf_cap_reader_good_end(m), yf_cap_reader_good_end(r));
    CHECK((*err == NULL) == (e2 == NULL));
    CHECK(!*err || !e2 || ((*err)->code == e2->code && !strcmp((*err)->message, e2->message)));
    *good_end = yf_cap_reader_good_end(m);
    g_clear_error(&e2);
    yf_cap_reader_free(m);
    yf_cap_reader_free(r);
    close(fd);
    return got;
}

static void test_reader(const char *dir)
{
    file_img f = make_file(TRUE);
    GError *err = NULL;
    uint64_t ge;
    int rc;
    int64_t times[8];
    char off[32];
    yf_cap_reader *r = yf_cap_reader_new_mem(buf, f.len);

    /* whole file: 5 known records + END, the unknown one skipped */
    CHECK_EQ_INT(read_all(r, &rc, &err, times), 5);
    CHECK_EQ_INT(rc, 0);
    CHECK(yf_cap_reader_complete(r));
    CHECK_EQ_INT(yf_cap_reader_skipped(r), 1);
    CHECK(times[0] == 1001 && times[1] == 1002 && times[2] == 1004 && times[3] == 1005 && times[4] == 1006);
    CHECK_EQ_INT(yf_cap_reader_good_end(r), f.len);
    yf_cap_reader_free(r);
    CHECK_EQ_INT(read_both(dir, buf, f.len, &rc, &err, &ge), 5);
    CHECK(err == NULL && rc == 0 && ge == f.len);

    /* torn last record: no END, the big RTP cut in half */
    f = make_file(FALSE);
    CHECK_EQ_INT(read_both(dir, buf, f.off[4] + 30000, &rc, &err, &ge), 3);
    CHECK(rc == -1 && err && err->code == YF_CAP_ERROR_TRUNCATED);
    CHECK_EQ_INT(ge, f.off[4]);
    g_snprintf(off, sizeof off, "offset %zu", f.off[4]);
    CHECK(err && strstr(err->message, off));
    g_clear_error(&err);

    /* no END, cut at a record boundary: a clean but incomplete end */
    CHECK_EQ_INT(read_both(dir, buf, f.len, &rc, &err, &ge), 4);
    CHECK(rc == 0 && !err && ge == f.len);

    /* bad CRC in the middle: stops there with the offset */
    f = make_file(TRUE);
    buf[f.off[1] + 20] ^= 0x40;
    CHECK_EQ_INT(read_both(dir, buf, f.len, &rc, &err, &ge), 1);
    CHECK(rc == -1 && err && err->code == YF_CAP_ERROR_CRC && ge == f.off[1]);
    g_snprintf(off, sizeof off, "offset %zu", f.off[1]);
    CHECK(err && strstr(err->message, off));
    g_clear_error(&err);
    r = yf_cap_reader_new_mem(buf, f.len); /* and stays stopped */
    read_all(r, &rc, &err, NULL);
    g_clear_error(&err);
    CHECK_EQ_INT(yf_cap_reader_next(r, &(yf_cap_record){ 0 }, &err), -1);
    CHECK(err && err->code == YF_CAP_ERROR_STATE);
    g_clear_error(&err);
    yf_cap_reader_free(r);

    /* huge length field */
    f = make_file(TRUE);
    buf[f.off[2] + 1] = 0xff;
    CHECK_EQ_INT(read_both(dir, buf, f.len, &rc, &err, &ge), 2);
    CHECK(rc == -1 && err && err->code == YF_CAP_ERROR_TOO_LONG && ge == f.off[2]);
    CHECK(err && strstr(err->message, "exceeds the limit"));
    g_clear_error(&err);

    /* bytes after END */
    f = make_file(TRUE);
    buf[f.len] = 1;
    CHECK_EQ_INT(read_both(dir, buf, f.len + 1, &rc, &err, &ge), 5);
    CHECK(rc == -1 && err && err->code == YF_CAP_ERROR_AFTER_END && ge == f.len);
    g_clear_error(&err);

    /* empty file; torn header; header only */
    CHECK_EQ_INT(read_both(dir, buf, 0, &rc, &err, &ge), 0);
    CHECK(rc == -2 && err && err->code == YF_CAP_ERROR_TRUNCATED);
    g_clear_error(&err);
    CHECK_EQ_INT(read_both(dir, buf, f.off[0] - 1, &rc, &err, &ge), 0);
    CHECK(rc == -2 && err && err->code == YF_CAP_ERROR_TRUNCATED);
    g_clear_error(&err);
    CHECK_EQ_INT(read_both(dir, buf, f.off[0], &rc, &err, &ge), 0);
    CHECK(rc == 0 && !err && ge == f.off[0]);
    memcpy(exp_, "garbage!garbage!garbage!garbage!", 32);
    CHECK_EQ_INT(read_both(dir, exp_, 32, &rc, &err, &ge), 0);
    CHECK(rc == -2 && err && err->code == YF_CAP_ERROR_HEADER);
    g_clear_error(&err);
}

/* ---- recovery ---- */

static yf_cap_recovered recover(const char *dir, const char *name, const uint8_t *p, size_t n, gboolean *ok,
                                GError **err)
{
    char *path = g_build_filename(dir, name, NULL);
    yf_cap_recovered out;

    g_file_set_contents(path, (const char *)p, (gssize)n, NULL);
    *ok = yf_cap_recover_file(path, 999999, &out, err);
    g_free(path);
    return out;
}

static void check_finished(const char *dir, const char *name, int known, uint32_t cut)
{
    char *path = g_build_filename(dir, name, NULL), *data = NULL;
    gsize n = 0;
    yf_cap_reader *r;
    yf_cap_header h;
    yf_cap_record rec;
    GError *err = NULL;
    int count = 0, rc;
    uint8_t cause = 0;
    uint32_t cnt = 0;

    CHECK(g_file_get_contents(path, &data, &n, NULL));
    r = yf_cap_reader_new_mem((const uint8_t *)data, n);
    CHECK(yf_cap_reader_header(r, &h, &err));
    while ((rc = yf_cap_reader_next(r, &rec, &err)) == 1) {
        const char *text;
        size_t tl;
        if (rec.type == YF_CAP_GAP)
            yf_cap_gap_decode(rec.payload, rec.len, &cause, &cnt, &text, &tl);
        count++;
    }
    CHECK_EQ_INT(rc, 0);
    CHECK(yf_cap_reader_complete(r));
    CHECK_EQ_INT(count, known);
    if (cut != UINT32_MAX) {
        CHECK_EQ_INT(cause, YF_CAP_GAP_RESTART);
        CHECK_EQ_INT(cnt, cut);
    }
    yf_cap_reader_free(r);
    g_free(data);
    g_free(path);
}

static void test_recover(const char *dir)
{
    file_img f = make_file(FALSE);
    gboolean ok;
    GError *err = NULL;
    yf_cap_recovered out;
    char *p;

    /* torn tail: cut, GAP(restart, bytes cut), END */
    out = recover(dir, "torn.ycap.part", buf, f.off[4] + 100, &ok, &err);
    CHECK(ok && !err);
    CHECK(out.name && !strcmp(out.name, "torn.ycap"));
    CHECK_EQ_INT(out.records_kept, 4); /* RTP, RTCP, unknown, GAP */
    CHECK_EQ_INT(out.bytes_truncated, 100);
    CHECK_EQ_INT(out.last_arrival_us, 1004);
    CHECK(!out.was_complete);
    yf_cap_recovered_clear(&out);
    check_finished(dir, "torn.ycap", 3 + 2, 100); /* RTP, RTCP, GAP + GAP, END */
    p = g_build_filename(dir, "torn.ycap.part", NULL);
    CHECK(!g_file_test(p, G_FILE_TEST_EXISTS));
    g_free(p);

    /* bad CRC in the middle: cut there */
    f = make_file(FALSE);
    buf[f.off[1] + 3] ^= 1;
    out = recover(dir, "mid.ycap.part", buf, f.len, &ok, &err);
    CHECK(ok && out.records_kept == 1 && out.bytes_truncated == f.len - f.off[1]);
    yf_cap_recovered_clear(&out);
    check_finished(dir, "mid.ycap", 1 + 2, (uint32_t)(f.len - f.off[1]));

    /* END already there (crash before the rename): renamed only */
    f = make_file(TRUE);
    out = recover(dir, "done.ycap.part", buf, f.len, &ok, &err);
    CHECK(ok && out.was_complete && out.bytes_truncated == 0 && out.records_kept == 5);
    yf_cap_recovered_clear(&out);
    check_finished(dir, "done.ycap", 5, UINT32_MAX);

    /* header only: GAP + END */
    out = recover(dir, "hdr.ycap.part", buf, f.off[0], &ok, &err);
    CHECK(ok && out.records_kept == 0 && out.last_arrival_us == 0);
    yf_cap_recovered_clear(&out);
    check_finished(dir, "hdr.ycap", 2, 0);

    /* torn header: renamed to .damaged, nothing deleted */
    out = recover(dir, "bad.ycap.part", buf, 10, &ok, &err);
    CHECK(!ok && err);
    g_clear_error(&err);
    CHECK(out.name && !strcmp(out.name, "bad.ycap.damaged"));
    yf_cap_recovered_clear(&out);
    p = g_build_filename(dir, "bad.ycap.damaged", NULL);
    CHECK(g_file_test(p, G_FILE_TEST_EXISTS));
    g_free(p);

    /* the finished name is taken: refused, the .part stays */
    out = recover(dir, "torn.ycap.part", buf, f.len, &ok, &err);
    CHECK(!ok && err && err->code == G_FILE_ERROR_EXIST);
    g_clear_error(&err);
    yf_cap_recovered_clear(&out);
    p = g_build_filename(dir, "torn.ycap.part", NULL);
    CHECK(g_file_test(p, G_FILE_TEST_EXISTS));
    g_free(p);

    /* not a .part name */
    CHECK(!yf_cap_recover_file("x.ycap", 0, &out, &err) && err);
    g_clear_error(&err);
}

int main(void)
{
    char *dir = g_dir_make_tmp("yf-capfile-XXXXXX", NULL);

    test_record_table();
    test_record_limits();
    test_header();
    test_meta_parse();
    test_meta_red();
    test_gap();
    test_reader(dir);
    test_recover(dir);
    yf_test_rm_rf(dir);
    g_free(dir);
    return yf_test_done("test_capfile");
}
