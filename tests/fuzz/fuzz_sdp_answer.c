/* fuzz_sdp_answer.c -- libFuzzer target for yf_sdp_parse_answer: any bytes as
 * the browser's answer to a fixed four-m-line subscriber offer (two active,
 * one inactive, one H.264). Aborts when a refusal is not a YF_SDP_ERROR or
 * leaves *out unzeroed, or an accepted answer breaks what the header
 * promises: our mids in our order, a decided DTLS role, checked ICE and
 * fingerprint, RFC 3264 directions, at least one accepted m-line. The SDP
 * functions of GStreamer need no gst_init. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "media/sdp/sdp.h"
#include "tests/unit/sdp_four_lines.h"

#define FP YF_TEST_FP

static const yf_sdp_offer_media *const media = yf_test_four_lines;

static const yf_sdp_offer_params offer = {
    .ice_ufrag = "sUb1", .ice_pwd = "subPassword0123456789+/", .fingerprint = FP,
    .session_id = 1, .session_version = 2, .cname = "yuanfang", .n_media = 4, .media = media,
};

static int ice_ok(const char *s, size_t min)
{
    size_t n = strlen(s);
    if (n < min || n > 256)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!g_ascii_isalnum(s[i]) && s[i] != '+' && s[i] != '/')
            return 0;
    return 1;
}

static int fingerprint_ok(const char *f)
{
    if (strlen(f) != 95)
        return 0;
    for (int i = 0; i < 95; i++)
        if (i % 3 == 2 ? f[i] != ':' : !(g_ascii_isdigit(f[i]) || (f[i] >= 'A' && f[i] <= 'F')))
            return 0;
    return 1;
}

static void check_accepted(const yf_sdp_answer_info *a)
{
    int accepted = 0;
    if (a->n_media != 4 || (a->setup != YF_SETUP_ACTIVE && a->setup != YF_SETUP_PASSIVE) ||
        !ice_ok(a->ice_ufrag, 4) || !ice_ok(a->ice_pwd, 22) || !fingerprint_ok(a->fingerprint))
        abort();
    for (int i = 0; i < 4; i++) {
        const yf_sdp_answer_media *m = &a->media[i];
        if (strcmp(m->mid, media[i].mid) != 0)
            abort();
        if (!m->accepted)
            continue;
        accepted++;
        if (m->direction != YF_DIR_INACTIVE &&
            !(media[i].active && m->direction == YF_DIR_RECVONLY))
            abort();
    }
    if (accepted == 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const yf_sdp_answer_info zero;
    yf_sdp_answer_info info, again;
    GError *err = NULL;

    gboolean ok = yf_sdp_parse_answer((const char *)data, size, &offer, &info, &err);
    if (!ok) {
        if (!err || err->domain != YF_SDP_ERROR || err->code == YF_SDP_ERROR_INVALID ||
            memcmp(&info, &zero, sizeof info) != 0)
            abort();
        g_error_free(err);
        return 0;
    }
    if (err)
        abort();
    check_accepted(&info);
    /* a pure function: the same bytes, the same result */
    if (!yf_sdp_parse_answer((const char *)data, size, &offer, &again, NULL) ||
        memcmp(&info, &again, sizeof info) != 0) {
        fprintf(stderr, "second parse differs\n");
        abort();
    }
    return 0;
}
