/* sdp_four_lines.h -- the subscriber offer the SDP tests and the answer fuzz
 * target share: four m-lines as a room writes them for subscriber p1, p2's
 * audio (with p2's audio-level id) and video, p3's audio (p3 left: inactive)
 * and H.264 video. mids "0".."3" match tests/data/sdp/chrome_subscribe_answer.sdp. */
#ifndef YF_TEST_SDP_FOUR_LINES_H
#define YF_TEST_SDP_FOUR_LINES_H

#include "media/sdp/sdp.h"

#define YF_TEST_FP "0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9"
#define YF_TEST_H264_FMTP "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"

static const yf_sdp_offer_media yf_test_four_lines[4] = {
    { .mid = "0", .kind = YF_SDP_AUDIO, .codec = YF_CODEC_OPUS, .pt = 111,
      .fmtp = "minptime=10;useinbandfec=1", .ssrc = 1001, .msid_stream = "p2",
      .msid_track = "p2-audio", .active = TRUE, .ext_audio_level = 1 },
    { .mid = "1", .kind = YF_SDP_VIDEO, .codec = YF_CODEC_VP8, .pt = 96, .ssrc = 1002,
      .msid_stream = "p2", .msid_track = "p2-video", .active = TRUE },
    { .mid = "2", .kind = YF_SDP_AUDIO, .codec = YF_CODEC_OPUS, .pt = 111,
      .fmtp = "minptime=10;useinbandfec=1", .ssrc = 1003, .msid_stream = "p3",
      .msid_track = "p3-audio", .active = FALSE, .ext_audio_level = 1 },
    { .mid = "3", .kind = YF_SDP_VIDEO, .codec = YF_CODEC_H264, .pt = 102, .clock_rate = 90000,
      .fmtp = YF_TEST_H264_FMTP, .ssrc = 1004, .msid_stream = "p3", .msid_track = "p3-video",
      .active = TRUE },
};

#endif
