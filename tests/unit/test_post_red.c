/* test_post_red.c -- recordings of RED audio (RFC 2198, media/post/post_red.c):
 * real Opus packets (opusenc, 20 ms) made into the RED packets a browser
 * sends (each carrying the packet before as a redundant block, payload type
 * 63, the capture's red_payload_type), with single packets lost every 7th
 * and a burst of three lost; post-processing plays the primary blocks as
 * Opus and rebuilds each single loss and the burst's last packet from the
 * redundant blocks. The same losses in a plain Opus capture are counted
 * beside it: with RED the participant file misses two frames (one more
 * after losses, RED or not), without it every lost one. After a pause in
 * speech (a packet with no audio, then one whose redundant block repeats the
 * frame before the pause) nothing is rebuilt. The captures are made as in test_post.c
 * (tests/unit/post_captures.h). */
#include <fcntl.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <string.h>
#include <unistd.h>

#include "post_captures.h"
#include "yf_test.h"

#define SSRC 0x22222222u
#define RED_PT 63
#define BURST_AT 150 /* packets burst_at .. +2 are lost */

typedef struct {
    int64_t arrival_us;
    uint8_t type;
    GBytes *data;
} rec_copy;

/* The records of a capture file, in file order. */
static GArray *read_capture(const char *path)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(rec_copy));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    yf_cap_reader *r = fd >= 0 ? yf_cap_reader_new_fd(fd) : NULL;
    yf_cap_header h;
    yf_cap_record rec;
    CHECK(r && yf_cap_reader_header(r, &h, NULL));
    while (r && yf_cap_reader_next(r, &rec, NULL) == 1) {
        rec_copy c = { rec.arrival_us, rec.type, g_bytes_new(rec.payload, rec.len) };
        g_array_append_val(a, c);
    }
    yf_cap_reader_free(r);
    if (fd >= 0)
        close(fd);
    return a;
}

static uint16_t seq_of(const uint8_t *p) { return (uint16_t)((p[2] << 8) | p[3]); }
static uint32_t ts_of(const uint8_t *p)
{
    return ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) | ((uint32_t)p[6] << 8) | p[7];
}

/* Lost on the way: every 7th packet from the 3rd, and a burst of three. */
static gboolean lost(guint idx)
{
    return idx % 7 == 3 || (idx >= BURST_AT && idx < BURST_AT + 3);
}

/* The RED packet for plain packet cur (12-byte header, no CSRC or
 * extension, as rtpopuspay writes them), carrying prev (NULL: none). */
static GBytes *red_of(GBytes *cur, GBytes *prev)
{
    gsize n, pn = 0;
    const uint8_t *c = g_bytes_get_data(cur, &n), *p = prev ? g_bytes_get_data(prev, &pn) : NULL;
    GByteArray *o = g_byte_array_new();
    uint8_t hdr[12];
    memcpy(hdr, c, 12);
    hdr[1] = (uint8_t)((hdr[1] & 0x80) | RED_PT);
    g_byte_array_append(o, hdr, 12);
    if (p && pn > 12 && pn - 12 < 1024 && ts_of(c) - ts_of(p) < 16384) {
        uint32_t off = ts_of(c) - ts_of(p), len = (uint32_t)(pn - 12);
        uint8_t bh[4] = { 0x80 | 111, (uint8_t)(off >> 6), (uint8_t)(((off & 0x3f) << 2) | (len >> 8)), (uint8_t)len };
        g_byte_array_append(o, bh, 4);
    }
    g_byte_array_append(o, (const uint8_t[]){ 111 }, 1);
    if (p && pn > 12 && pn - 12 < 1024 && ts_of(c) - ts_of(p) < 16384)
        g_byte_array_append(o, p + 12, (guint)(pn - 12));
    g_byte_array_append(o, c + 12, (guint)(n - 12));
    return g_byte_array_free_to_bytes(o);
}

/* A pause in speech as Chromium's RED makes one: packet idx carries no
 * audio (and reached no capture: the server used to drop such empty
 * packets), and the next one repeats the frame before the pause. */
static gboolean paused(guint idx)
{
    return idx % 20 == 10;
}

/* Writes the capture of recs with the losses (with `pauses`, the pauses
 * instead), as RED or plain Opus. *sent: distinct media packets the
 * encoder made. */
static gboolean write_lossy(const char *path, GArray *recs, gboolean red, gboolean pauses, guint *sent)
{
    GHashTable *by_seq = g_hash_table_new(g_direct_hash, g_direct_equal); /* seq -> GBytes */
    GHashTable *index = g_hash_table_new(g_direct_hash, g_direct_equal);  /* seq -> 1 + order */
    uint16_t first = 0;
    gboolean have_first = FALSE;
    pc_track t;
    pc_track_init(&t, SSRC, 48000);
    for (guint i = 0; i < recs->len; i++) { /* the encoder's order, by seq */
        rec_copy *c = &g_array_index(recs, rec_copy, i);
        const uint8_t *p = g_bytes_get_data(c->data, NULL);
        if (c->type != YF_CAP_RTP)
            continue;
        if (!have_first || (int16_t)(seq_of(p) - first) < 0)
            first = seq_of(p), have_first = TRUE;
        g_hash_table_insert(by_seq, GUINT_TO_POINTER(seq_of(p)), c->data);
    }
    *sent = g_hash_table_size(by_seq);
    for (guint i = 0; i < recs->len; i++) {
        rec_copy *c = &g_array_index(recs, rec_copy, i);
        const uint8_t *p = g_bytes_get_data(c->data, NULL);
        if (c->type != YF_CAP_RTP) {
            pc_add_rec(&t, c->arrival_us, c->type, g_bytes_get_data(c->data, NULL), g_bytes_get_size(c->data));
            continue;
        }
        guint idx = (uint16_t)(seq_of(p) - first);
        g_hash_table_insert(index, GUINT_TO_POINTER(seq_of(p)), GUINT_TO_POINTER(idx + 1));
        if (pauses ? paused(idx) : lost(idx))
            continue;
        uint16_t before = (uint16_t)(seq_of(p) - (pauses && paused(idx - 1) ? 2 : 1));
        GBytes *out = red ? red_of(c->data, g_hash_table_lookup(by_seq, GUINT_TO_POINTER(before)))
                          : g_bytes_ref(c->data);
        pc_add_rec(&t, c->arrival_us, YF_CAP_RTP, g_bytes_get_data(out, NULL), g_bytes_get_size(out));
        g_bytes_unref(out);
    }
    yf_cap_meta m = pc_meta_for(1, YF_CAP_AUDIO, "opus", 111, SSRC);
    m.red_payload_type = red ? RED_PT : 0;
    gboolean ok = pc_write_cap(path, &m, &t, TRUE);
    pc_track_clear(&t);
    g_hash_table_destroy(by_seq);
    g_hash_table_destroy(index);
    return ok;
}

/* Opus frames in the participant file (matroskademux, no decoding). */
static guint opus_frames(const char *path)
{
    char *desc = g_strdup_printf("filesrc location=\"%s\" ! matroskademux ! audio/x-opus ! appsink name=sink sync=false",
                                 path);
    GstElement *pipe = gst_parse_launch(desc, NULL);
    GstElement *sink = pipe ? gst_bin_get_by_name(GST_BIN(pipe), "sink") : NULL;
    GstSample *s;
    guint n = 0;
    g_free(desc);
    if (!sink)
        return 0;
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    while ((s = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
        n++;
        gst_sample_unref(s);
    }
    gst_element_set_state(pipe, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipe);
    return n;
}

static guint run_job(const char *in, const char *name, const char *out)
{
    const char *const names[] = { name, NULL };
    pc_job j;
    guint n = 0;
    pc_job_init(&j, in, names);
    if (!pc_job_run(&j, out, 0, 0))
        fprintf(stderr, "%s: %s\n", name, j.err->message);
    const yf_post_output *p1 = j.outs ? pc_find_out(j.outs, "/p1.webm") : NULL;
    CHECK(p1 != NULL);
    if (p1)
        n = opus_frames(p1->path);
    pc_job_clear(&j);
    return n;
}

static void run(char **dir)
{
    static const pc_cap_spec spec = {
        1, SSRC, YF_CAP_AUDIO, "opus", 111, "plain.ycap",
        PC_RAW_AUDIO "opusenc frame-size=20 ! rtpopuspay pt=111 ssrc=572662306 timestamp-offset=4294919296 ! "
        "appsink name=sink sync=false",
        pc_push_audio, FALSE, 0, NULL, 1, 0 };
    CHECK(pc_make_capture(dir[0], &spec) > 0);
    char *plain = g_build_filename(dir[0], "plain.ycap", NULL);
    char *red = g_build_filename(dir[0], "red.ycap", NULL);
    char *lossy = g_build_filename(dir[0], "lossy.ycap", NULL);
    GArray *recs = read_capture(plain);
    guint sent = 0, lost_n = 0;
    CHECK(write_lossy(red, recs, TRUE, FALSE, &sent));
    CHECK(write_lossy(lossy, recs, FALSE, FALSE, &sent));
    char *red_pauses = g_build_filename(dir[0], "red-pauses.ycap", NULL);
    char *plain_pauses = g_build_filename(dir[0], "plain-pauses.ycap", NULL);
    CHECK(write_lossy(red_pauses, recs, TRUE, TRUE, &sent));
    CHECK(write_lossy(plain_pauses, recs, FALSE, TRUE, &sent));
    for (guint i = 0; i < sent; i++)
        lost_n += lost(i);
    guint whole = run_job(dir[0], "plain.ycap", dir[3]);
    guint with_red = run_job(dir[0], "red.ycap", dir[1]);
    guint without = run_job(dir[0], "lossy.ycap", dir[2]);
    printf("RED recording: %u Opus packets sent (%u frames in the file of a lossless capture), %u lost; "
           "the participant file has %u frames with RED (2 of the burst of 3 cannot be rebuilt), %u without\n",
           sent, whole, lost_n, with_red, without);
    CHECK(sent > 250 && whole + 1 >= sent && lost_n > 40);
    /* RED brings back every lost packet but two; the file of a lossy
     * capture holds one frame less than its packets, with RED or without */
    CHECK_EQ_INT(with_red - without, lost_n - 2);
    CHECK(with_red + 3 >= whole && with_red + 2 <= whole);
    /* after a pause the redundant block repeats the frame before it, which
     * the capture has: nothing is rebuilt, no frame is played twice */
    guint pauses_red = run_job(dir[0], "red-pauses.ycap", dir[4]);
    guint pauses_plain = run_job(dir[0], "plain-pauses.ycap", dir[5]);
    printf("pauses: %u frames with RED, %u as plain Opus\n", pauses_red, pauses_plain);
    CHECK(pauses_plain > 200);
    CHECK_EQ_INT(pauses_red, pauses_plain);
    g_free(red_pauses);
    g_free(plain_pauses);
    for (guint i = 0; i < recs->len; i++)
        g_bytes_unref(g_array_index(recs, rec_copy, i).data);
    g_array_unref(recs);
    g_free(plain);
    g_free(red);
    g_free(lossy);
}

int main(void)
{
    static const char *const sub[] = { "in", "out-red", "out-lossy", "out-whole", "out-red-pauses", "out-plain-pauses" };
    int rc;

    CHECK(pc_run("yf-test-post-red-XXXXXX", sub, G_N_ELEMENTS(sub), run));
    rc = yf_test_done("test_post_red");
    fflush(stdout); /* LeakSanitizer exits without flushing stdio */
    return rc;
}
