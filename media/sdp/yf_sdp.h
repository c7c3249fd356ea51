/* yf_sdp.h -- SDP offer/answer (RFC 8829 as browsers speak it, RFC 8843 BUNDLE,
 * RFC 5761 rtcp-mux) on GStreamer's GstSDPMessage. Turns a browser's offer into
 * plain structs and writes our answer. Only what yuanfang negotiates: Opus,
 * VP8, H.264 (packetization-mode=1); BUNDLE and rtcp-mux are required. */
#ifndef YF_SDP_H
#define YF_SDP_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define YF_SDP_MAX_MEDIA 16
#define YF_SDP_MAX_LEN (32 * 1024) /* longer offers are refused */

#define YF_SDP_ERROR (yf_sdp_error_quark())
GQuark yf_sdp_error_quark(void);
typedef enum {
    YF_SDP_ERROR_PARSE,       /* not SDP, or too long */
    YF_SDP_ERROR_UNSUPPORTED, /* valid SDP we cannot answer: no BUNDLE, no
                                 rtcp-mux, no fingerprint, no ICE credentials */
    YF_SDP_ERROR_INVALID,     /* yf_sdp_build_answer: bad parameters (a caller's bug) */
} yf_sdp_error;

/* RTCP feedback (RFC 4585 section 4.2) offered for the chosen payload type,
 * bits of yf_sdp_media.rtcp_fb. The answer keeps NACK, PLI and FIR. */
#define YF_SDP_FB_NACK 0x01u /* a=rtcp-fb:<pt> nack */
#define YF_SDP_FB_PLI  0x02u /* a=rtcp-fb:<pt> nack pli */
#define YF_SDP_FB_FIR  0x04u /* a=rtcp-fb:<pt> ccm fir */
#define YF_SDP_FB_TWCC 0x08u /* a=rtcp-fb:<pt> transport-cc */
#define YF_SDP_FB_REMB 0x10u /* a=rtcp-fb:<pt> goog-remb */

typedef enum { YF_MEDIA_AUDIO, YF_MEDIA_VIDEO, YF_MEDIA_OTHER } yf_media_kind;
typedef enum { YF_CODEC_NONE, YF_CODEC_OPUS, YF_CODEC_VP8, YF_CODEC_H264 } yf_codec;
typedef enum { YF_DIR_SENDRECV, YF_DIR_SENDONLY, YF_DIR_RECVONLY, YF_DIR_INACTIVE } yf_direction;
typedef enum { YF_SETUP_ACTPASS, YF_SETUP_ACTIVE, YF_SETUP_PASSIVE } yf_setup;

typedef struct {
    char mid[32];
    yf_media_kind kind;
    yf_direction direction;     /* as offered */
    bool accepted;              /* false: answered with port 0 */
    /* The payload type chosen from the offer for our codec, and its line. */
    yf_codec codec;
    int pt;
    int clock_rate;
    int channels;               /* audio only */
    char fmtp[256];             /* the offer's fmtp for pt, "" if none */
    /* RTP header extension ids offered (0 = not offered). */
    int ext_mid;                /* urn:ietf:params:rtp-hdrext:sdes:mid */
    int ext_audio_level;        /* urn:ietf:params:rtp-hdrext:ssrc-audio-level */
    int ext_abs_send_time;      /* http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time */
    int ext_twcc;               /* http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01 */
    uint32_t ssrc;              /* first a=ssrc of the offer, 0 if none */
    /* What the answer must echo, also for rejected sections. */
    char media[16];             /* the m-line's media as offered ("application") */
    char proto[32];             /* the m-line's protocol as offered */
    char first_fmt[32];         /* its first format, kept when rejecting */
    bool rtcp_rsize;            /* a=rtcp-rsize offered (RFC 5506) */
    unsigned rtcp_fb;           /* YF_SDP_FB_* offered for pt (or for "*") */
} yf_sdp_media;

typedef struct {
    char ice_ufrag[257];
    char ice_pwd[257];
    char fingerprint[128];      /* sha-256 "AB:CD:...", upper-cased */
    yf_setup setup;
    int n_media;
    yf_sdp_media media[YF_SDP_MAX_MEDIA];
    char bundle_group[512];     /* the mids of a=group:BUNDLE, space separated */
} yf_sdp_offer;

/* Parses a browser's offer. Returns FALSE with *err set (YF_SDP_ERROR) when it
 * cannot be parsed or cannot be answered; the message says why in words a
 * developer can act on. ICE credentials, fingerprint and setup are those of
 * the first accepted (BUNDLE-tagged) section, media-level before session-level.
 * On failure *out is zeroed. Pure function: any thread. */
gboolean yf_sdp_parse_offer(const char *sdp, size_t len, yf_sdp_offer *out, GError **err);

typedef struct {
    const char *ice_ufrag;
    const char *ice_pwd;
    const char *fingerprint;    /* our sha-256 "AB:CD:..." */
    yf_setup setup;             /* PASSIVE when answering a browser */
    uint64_t session_id;
    const char *cname;          /* for a=ssrc cname */
    /* Our sending SSRC per media section, indexed like offer->media; 0 means
     * "we do not send on this section". */
    uint32_t ssrc[YF_SDP_MAX_MEDIA];
} yf_sdp_answer_params;

/* Writes the answer for an offer that yf_sdp_parse_offer accepted. Media we
 * send on are answered sendrecv (or sendonly when the offer was recvonly);
 * unusable sections are rejected with port 0. Returns a newly allocated
 * string (g_free) or NULL with *err set: YF_SDP_ERROR_INVALID for missing or
 * malformed parameters, YF_SDP_ERROR_UNSUPPORTED when p->setup conflicts with
 * the offer's (RFC 5763 section 5: the answer is active or passive). */
char *yf_sdp_build_answer(const yf_sdp_offer *offer, const yf_sdp_answer_params *p, GError **err);

#endif
