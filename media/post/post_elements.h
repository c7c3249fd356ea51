/* post_elements.h -- every GStreamer element post-processing uses, with the
 * Debian 12 package that ships it. One table, read three ways: yf_post_init
 * checks each element at start (post.c), scripts/setup.sh checks each with
 * gst-inspect-1.0 after installing, and the test check_setup_packages keeps
 * the package column inside setup's package list. One entry a line. */
YF_POST_ELEMENT("appsrc", "gstreamer1.0-plugins-base")
YF_POST_ELEMENT("rtpvp8depay", "gstreamer1.0-plugins-good")
YF_POST_ELEMENT("rtpopusdepay", "gstreamer1.0-plugins-good")
YF_POST_ELEMENT("rtph264depay", "gstreamer1.0-plugins-good")
YF_POST_ELEMENT("h264parse", "gstreamer1.0-plugins-bad")
YF_POST_ELEMENT("opusparse", "gstreamer1.0-plugins-bad")
YF_POST_ELEMENT("webmmux", "gstreamer1.0-plugins-good")
YF_POST_ELEMENT("matroskamux", "gstreamer1.0-plugins-good")
YF_POST_ELEMENT("vp8dec", "gstreamer1.0-plugins-good")
YF_POST_ELEMENT("vp8enc", "gstreamer1.0-plugins-good")
YF_POST_ELEMENT("avdec_h264", "gstreamer1.0-libav")
YF_POST_ELEMENT("opusdec", "gstreamer1.0-plugins-base")
YF_POST_ELEMENT("opusenc", "gstreamer1.0-plugins-base")
YF_POST_ELEMENT("compositor", "gstreamer1.0-plugins-base")
YF_POST_ELEMENT("audiomixer", "gstreamer1.0-plugins-base")
YF_POST_ELEMENT("textoverlay", "gstreamer1.0-x")
YF_POST_ELEMENT("videotestsrc", "gstreamer1.0-plugins-base")
YF_POST_ELEMENT("audiotestsrc", "gstreamer1.0-plugins-base")
YF_POST_ELEMENT("videoconvert", "gstreamer1.0-plugins-base")
YF_POST_ELEMENT("audioconvert", "gstreamer1.0-plugins-base")
YF_POST_ELEMENT("audioresample", "gstreamer1.0-plugins-base")
YF_POST_ELEMENT("queue", "libgstreamer1.0-0")
YF_POST_ELEMENT("filesink", "libgstreamer1.0-0")
