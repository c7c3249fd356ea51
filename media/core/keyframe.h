/* keyframe.h -- does this RTP payload start a keyframe? VP8: payload
 * descriptor (RFC 7741 §4.2) with S = 1 and PID = 0, then the VP8 payload
 * header (§4.3) with P = 0. H.264 packetization-mode 1 (RFC 6184 §5.6-5.8):
 * an IDR (type 5) or SPS (type 7) as a single NAL, inside a STAP-A, or as
 * the start fragment of an FU-A. Opus: every packet. Pure functions over
 * untrusted bytes: bounds-checked, no allocation. */
#ifndef YF_KEYFRAME_H
#define YF_KEYFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    YF_CODEC_OPUS,
    YF_CODEC_VP8,
    YF_CODEC_H264,
    YF_CODEC_OTHER, /* never a keyframe; video of this codec is forwarded
                       only while the source does not change */
} yf_codec;

bool yf_keyframe_vp8(const uint8_t *payload, size_t len);
bool yf_keyframe_h264(const uint8_t *payload, size_t len);
/* Dispatch by codec; YF_CODEC_OPUS is always true. */
bool yf_keyframe_detect(yf_codec codec, const uint8_t *payload, size_t len);

#endif
