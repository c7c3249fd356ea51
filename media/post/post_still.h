/* post_still.h -- one picture from a participant's video as the server
 * captured it (a .ycap or a .ycap.part still being written): the newest
 * complete frame, decoded from the last VP8 keyframe in the file through
 * every frame after it, as a JPEG. For the identity check of a 司法救助
 * hearing (the applicant holding their ID card): it depends on nothing the
 * browser does. Blocking (decodes up to minutes of video): run it on a thread
 * of its own, never on the control loop or a media worker. */
#ifndef YF_POST_STILL_H
#define YF_POST_STILL_H

#include <glib.h>
#include <stdint.h>

#define YF_POST_STILL_MAX_PACKETS 400000   /* ~ 30 minutes of 640×480 VP8 after a keyframe */
#define YF_POST_STILL_MAX_BYTES (32u << 20)   /* and at most this much of it kept in memory */

typedef struct {
    GBytes *jpeg;          /* the picture */
    int width, height;
    int64_t frame_us;      /* wall clock (µs since the epoch) the frame's last packet arrived */
} yf_post_still_result;
void yf_post_still_result_clear(yf_post_still_result *r);

/* Decodes the newest frame of capture_path (VP8 video; read only, never
 * written). FALSE + *err: YF_POST_ERROR_INPUT (unreadable, not video, not
 * VP8, no keyframe, nothing decodable), _PLUGIN, _PIPELINE. */
gboolean yf_post_still(const char *capture_path, yf_post_still_result *out, GError **err);

#endif
