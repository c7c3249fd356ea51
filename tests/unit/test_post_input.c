/* test_post_input.c -- what post-processing (media/post/post.h) does with
 * captures it cannot fully use: a video capture damaged half way and cut
 * inside a record (used up to the damage), captures without media or that
 * are not captures at all, two captures 13 hours apart (refused), and a job
 * cancelled while it runs (nothing left behind). The captures are made as
 * in test_post.c (tests/unit/post_captures.h). */
#include <gst/gst.h>
#include <string.h>

#include "post_captures.h"
#include "yf_test.h"

static guint count_files(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    guint n = 0;

    while (d && g_dir_read_name(d))
        n++;
    if (d)
        g_dir_close(d);
    return n;
}

/* The video capture cut inside a record (no END): used up to there. */
static void test_damaged(const char *in, const char *out)
{
    static const char *const names[] = { "damaged.ycap", "p1-audio.ycap", NULL };
    char *src = g_build_filename(in, "p1-video.ycap", NULL), *data = NULL;
    gsize len = 0;
    pc_job j;

    pc_job_init(&j, in, names);
    CHECK(g_file_get_contents(src, &data, &len, NULL) && len > 5000);
    data[len / 2] ^= 0x55;   /* a CRC fails half way: the rest is not used */
    CHECK(g_file_set_contents(j.caps[0], data, (gssize)(len - 777), NULL));
    if (!pc_job_run(&j, out, 0, 0))
        fprintf(stderr, "damaged: %s\n", j.err->message);
    CHECK(j.outs && j.outs->len == 2);
    if (j.outs) {
        const yf_post_output *p1 = pc_find_out(j.outs, "/p1.webm");
        CHECK(p1 && p1->has_video && p1->has_audio);
    }
    pc_job_clear(&j);
    g_free(src);
    g_free(data);
}

/* Only a header and END, plus a file that is not a capture at all. */
static void test_no_media(const char *in, const char *out)
{
    static const char *const names[] = { "empty.ycap", "garbage.ycap", "missing.ycap", NULL };
    pc_track t;
    yf_cap_meta m = pc_meta_for(1, YF_CAP_VIDEO, "VP8", 96, 1);
    pc_job j;

    pc_job_init(&j, in, names);
    pc_track_init(&t, 1, 90000);
    CHECK(pc_write_cap(j.caps[0], &m, &t, TRUE));
    pc_track_clear(&t);
    CHECK(g_file_set_contents(j.caps[1], "YFCAP1\0\0 not really", 20, NULL));
    CHECK(!pc_job_run(&j, out, 0, 0));
    CHECK(j.err && j.err->domain == YF_POST_ERROR && j.err->code == YF_POST_ERROR_INPUT);
    pc_job_clear(&j);
}

/* Two captures 13 hours apart (another day's file slipped into the job):
 * refused, rather than a composite of the whole gap. */
static void test_span(const char *in, const char *out)
{
    static const char *const names[] = { "early.ycap", "late.ycap", NULL };
    pc_job j;

    pc_job_init(&j, in, names);
    for (int f = 0; f < 2; f++) {
        pc_track t;
        yf_cap_meta m = pc_meta_for(f + 1, YF_CAP_AUDIO, "opus", 111, (uint32_t)f + 7);
        int64_t base = 1700000000000000LL + f * INT64_C(13) * 3600 * G_USEC_PER_SEC;
        pc_track_init(&t, (uint32_t)f + 7, 48000);
        for (int i = 0; i < 50; i++) {
            uint8_t pkt[16] = { 0x80, 111, 0, (uint8_t)i, 0, 0, (uint8_t)(i * 960 >> 8), (uint8_t)(i * 960), 0, 0, 0,
                                (uint8_t)(f + 7), 0xfc, 0xff, 0xfe, 0 };
            pc_add_rec(&t, base + i * 20000, YF_CAP_RTP, pkt, sizeof pkt);
        }
        CHECK(pc_write_cap(j.caps[f], &m, &t, TRUE));
        pc_track_clear(&t);
    }
    CHECK(!pc_job_run(&j, out, 0, 0));
    CHECK(j.err && j.err->code == YF_POST_ERROR_INPUT && strstr(j.err->message, "span"));
    pc_job_clear(&j);
}

static void test_cancel(const char *in, const char *out)
{
    static const char *const names[] = { "p1-video.ycap", "p1-audio.ycap", "p2-audio.ycap", NULL };
    pc_job j;

    pc_job_init(&j, in, names);
    j.pl.cancel_at = 0.2;
    CHECK(!pc_job_run(&j, out, 0, 0));
    CHECK(j.err && j.err->domain == YF_POST_ERROR && j.err->code == YF_POST_ERROR_CANCELLED);
    CHECK_EQ_INT(count_files(out), 0);   /* nothing left behind, not even a .part */
    pc_job_clear(&j);
}

/* The tests, in the directories of main's sub[]: dir[0] holds the
 * captures. */
static void run(char **dir)
{
    CHECK(pc_make_captures(dir[0]));
    test_damaged(dir[0], dir[1]);
    test_no_media(dir[0], dir[2]);
    test_span(dir[0], dir[2]);
    test_cancel(dir[0], dir[3]);
}

int main(void)
{
    static const char *const sub[] = { "in", "out-damaged", "out-empty", "out-cancel" };
    int rc;

    CHECK(pc_run("yf-test-post-input-XXXXXX", sub, G_N_ELEMENTS(sub), run));
    rc = yf_test_done("test_post_input");
    fflush(stdout); /* LeakSanitizer exits without flushing stdio */
    return rc;
}
