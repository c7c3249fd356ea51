/* test_keyframe.c -- keyframe-start detection: VP8 payload descriptors
 * (RFC 7741 §4.2) and payload header P bit (§4.3); H.264 single NAL,
 * STAP-A (RFC 6184 §5.7.1) and FU-A (§5.8) start fragments. */
#include "media/core/keyframe.h"
#include "yf_test.h"

typedef struct {
    const char *name;
    yf_codec codec;
    const char *hex;
    bool key;
} vector;

static const vector vectors[] = {
    /* VP8: X=0, S=1, PID=0; then the frame tag (§4.3: Size0|H|VER|P, P in
     * bit 0: 0x50 key, 0x31 delta) and, for a key frame, the 9d 01 2a start code */
    { "vp8 key, short descriptor", YF_CODEC_VP8, "10 50 42 00 9d 01 2a", true },
    { "vp8 delta", YF_CODEC_VP8, "10 31 00 00", false },
    { "vp8 key but not a partition start", YF_CODEC_VP8, "00 50 42 00 9d 01 2a", false },
    { "vp8 key in partition 1", YF_CODEC_VP8, "11 50 42 00 9d 01 2a", false },
    /* X=1, I=1 with 15-bit picture id (M=1), L=1, T=1: 1+1+2+1+1 = 6 */
    { "vp8 key, full descriptor", YF_CODEC_VP8, "90 e0 81 23 05 40 50 42 00 9d", true },
    { "vp8 delta, full descriptor", YF_CODEC_VP8, "90 e0 81 23 05 40 51 42 00", false },
    /* X=1, I=1 with 7-bit picture id: 1+1+1 = 3 */
    { "vp8 key, 7-bit picture id", YF_CODEC_VP8, "90 80 12 50", true },
    { "vp8 truncated descriptor", YF_CODEC_VP8, "90 e0 81 23", false },
    { "vp8 empty", YF_CODEC_VP8, "", false },
    /* H.264 (NAL header F|NRI|type) */
    { "h264 IDR single NAL", YF_CODEC_H264, "65 88 84 00", true },
    { "h264 SPS single NAL", YF_CODEC_H264, "67 42 c0 1f", true },
    { "h264 non-IDR slice", YF_CODEC_H264, "41 9a 02", false },
    { "h264 STAP-A SPS+PPS", YF_CODEC_H264, "78 00 04 67 42 c0 1f 00 02 68 ce", true },
    { "h264 STAP-A SEI only", YF_CODEC_H264, "78 00 02 06 05", false },
    { "h264 STAP-A overrun", YF_CODEC_H264, "78 00 09 67 42", false },
    { "h264 FU-A IDR start", YF_CODEC_H264, "7c 85 88 84", true },
    { "h264 FU-A IDR middle", YF_CODEC_H264, "7c 05 88 84", false },
    { "h264 FU-A non-IDR start", YF_CODEC_H264, "7c 81 9a 02", false },
    { "h264 FU-A truncated", YF_CODEC_H264, "7c", false },
    { "opus always", YF_CODEC_OPUS, "78", true },
    { "other never", YF_CODEC_OTHER, "10 50", false },
};

int main(void)
{
    unsigned char buf[64];
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        size_t n = yf_test_hex(vectors[i].hex, buf, sizeof buf);
        bool got = yf_keyframe_detect(vectors[i].codec, buf, n);
        if (got != vectors[i].key)
            fprintf(stderr, "case '%s'\n", vectors[i].name);
        CHECK(got == vectors[i].key);
    }
    return yf_test_done("test_keyframe");
}
