/* sdp.h -- SDP offer/answer (RFC 8829 as browsers speak it, RFC 8843 BUNDLE,
 * RFC 5761 rtcp-mux) on GStreamer's GstSDPMessage. Both directions: a
 * browser's offer into plain structs and our answer (publisher and device
 * test); our offer (a room's subscriber connection) and the browser's answer
 * into plain structs. Only what yuanfang negotiates: Opus, VP8, H.264
 * (packetization-mode=1); BUNDLE and rtcp-mux are required. */
#ifndef YF_SDP_H
#define YF_SDP_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include "media/core/keyframe.h" /* yf_codec, the router's codec enum (media/core) */

#define YF_SDP_MAX_MEDIA 16
#define YF_SDP_MAX_LEN (32 * 1024) /* longer offers are refused */
/* Subscriber connections: m-lines are never removed (mids are never reused),
 * so a long hearing accumulates inactive ones; answers to such offers may be
 * longer than YF_SDP_MAX_LEN (Chromium writes ~420 bytes per m-line). */
#define YF_SDP_MAX_OFFER_MEDIA 64
#define YF_SDP_MAX_ANSWER_LEN (64 * 1024) /* longer answers are refused */
/* Simulcast (RFC 8853) from a publisher: at most this many layers per video
 * section, each named by a rid (RFC 8851) of 1..16 letters, digits, '-' or
 * '_' (what the rtp-stream-id header extension of RFC 8852 carries). */
#define YF_SDP_MAX_RIDS 3
#define YF_SDP_RID_LEN 17

/* yf_codec comes from keyframe.h (OPUS, VP8, H264, OTHER) so one value goes
 * from SDP to yf_router_track_config unchanged. "No usable codec" is OTHER;
 * yf_sdp_media.codec means something only when .accepted. */
#define YF_CODEC_NONE YF_CODEC_OTHER

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

typedef enum { YF_SDP_AUDIO, YF_SDP_VIDEO, YF_SDP_OTHER } yf_sdp_kind;
typedef enum { YF_DIR_SENDRECV, YF_DIR_SENDONLY, YF_DIR_RECVONLY, YF_DIR_INACTIVE } yf_direction;
typedef enum { YF_SETUP_ACTPASS, YF_SETUP_ACTIVE, YF_SETUP_PASSIVE } yf_setup;

typedef struct {
    char mid[32];
    yf_sdp_kind kind;
    yf_direction direction;     /* as offered */
    bool accepted;              /* false: answered with port 0 */
    /* The payload type chosen from the offer for our codec, and its line. */
    yf_codec codec;
    int pt;
    int clock_rate;
    int channels;               /* audio only */
    char fmtp[256];             /* the offer's fmtp for pt, "" if none */
    int red_pt;                 /* audio: RFC 2198 RED for Opus offered
                                   (red/48000/2 with fmtp "<pt>/<pt>..."), 0: none */
    /* RTP header extension ids offered (0 = not offered). */
    int ext_mid;                /* urn:ietf:params:rtp-hdrext:sdes:mid */
    int ext_audio_level;        /* urn:ietf:params:rtp-hdrext:ssrc-audio-level */
    int ext_abs_send_time;      /* http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time */
    int ext_twcc;               /* http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01 */
    int ext_rid;                /* urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id */
    int ext_rrid;               /* urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id */
    /* Simulcast the section sends (a=simulcast:send, each stream's first
     * alternative, '~' dropped; every rid with its a=rid:<rid> send line):
     * 0 = one plain stream. Only on accepted video sections with ext_mid
     * and ext_rid; anything else with a=simulcast:send is refused. The
     * answer receives them (a=rid:<rid> recv, a=simulcast:recv). */
    int n_rids;
    char rids[YF_SDP_MAX_RIDS][YF_SDP_RID_LEN];
    uint32_t ssrc;              /* first a=ssrc of the offer, 0 if none (with
                                   ssrc-group FID, the primary stream) */
    char msid_stream[65];       /* a=msid:<stream> <track> (RFC 8830), else
                                   a=ssrc:<ssrc> msid:...; "" if none or not a
                                   1..64 token; Chromium writes "-" for a
                                   track without stream */
    char msid_track[65];
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
    char session_id[32];        /* o= sess-id: the same in every offer of one
                                   RTCPeerConnection, new with a new one (RFC
                                   8829 sections 5.2.1, 5.2.2); "" if absent or
                                   not a number */
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

/* What our answers and offers say of Opus's in-band FEC and DTX (RFC 7587
 * section 6.1, `useinbandfec`, `usedtx`: what the receiver wants, so a
 * browser's encoder follows the parameters of the description it got). */
typedef enum {
    YF_SDP_OPUS_AS_OFFERED = 0, /* the offer's (or publisher's) fmtp unchanged */
    YF_SDP_OPUS_RESILIENT,      /* useinbandfec=1;usedtx=1, the rest kept */
    YF_SDP_OPUS_PLAIN,          /* neither (RFC 7587's default: off), the rest kept */
} yf_sdp_opus_mode;

/* Writes the Opus fmtp `in` ("minptime=10;useinbandfec=1", NULL or "") as
 * mode says into dst: entries in their order, trimmed, ours replaced.
 * FALSE (dst "") when the result does not fit cap or is not printable
 * ASCII; callers then keep `in`. Pure function: any thread. */
gboolean yf_sdp_opus_fmtp(const char *in, yf_sdp_opus_mode mode, char *dst, size_t cap);

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
    /* TRUE (publisher connections): keep transport-wide congestion control
     * where the offer has it: a=extmap:<the offer's id> transport-wide-cc
     * in every accepted audio and video section, and a=rtcp-fb:<pt>
     * transport-cc where the offer had it for the chosen pt. The browser
     * then numbers its packets and runs its send-side estimator on the
     * router's feedback (twcc.h). FALSE (device test): neither line. */
    gboolean twcc;
    /* The Opus fmtp of the answer ([media] audio_resilience). */
    yf_sdp_opus_mode opus;
    /* TRUE: where the offer has RED for Opus (red_pt), the answer keeps it,
     * listed BEFORE Opus (m=audio ... <red> <opus>): Chromium sends RED
     * only when the RED format comes before the codec it carries in the
     * description it got. FALSE: Opus alone. */
    gboolean red;
} yf_sdp_answer_params;

/* Writes the answer for an offer that yf_sdp_parse_offer accepted. Media we
 * send on are answered sendrecv (or sendonly when the offer was recvonly);
 * unusable sections are rejected with port 0. Returns a newly allocated
 * string (g_free) or NULL with *err set: YF_SDP_ERROR_INVALID for missing or
 * malformed parameters, YF_SDP_ERROR_UNSUPPORTED when p->setup conflicts with
 * the offer's (RFC 5763 section 5: the answer is active or passive). */
char *yf_sdp_build_answer(const yf_sdp_offer *offer, const yf_sdp_answer_params *p, GError **err);

/* ---- our offers (a room's subscriber connection) ------------------------
 * Shape (RFC 8829 section 5.2 as Chromium writes it): every m-line
 * "UDP/TLS/RTP/SAVPF", port 9, c=IN IP4 0.0.0.0, a=setup:actpass, our ICE
 * credentials and fingerprint, a=rtcp-mux, a=rtcp-rsize, one payload type.
 * Active m-lines: a=sendonly, a=msid:<stream> <track>, a=ssrc:<ssrc>
 * cname:<cname> and a=ssrc:<ssrc> msid:<stream> <track>. Inactive m-lines
 * keep port 9, their mid, their codec and their place in BUNDLE, with
 * a=inactive and no msid/ssrc/extmap (what Chromium writes for a transceiver
 * of direction "inactive"; it can become active again in a later offer).
 * We never write port 0: that would stop the browser's transceiver for good.
 * a=group:BUNDLE lists every mid; a=ice-options:trickle; a=msid-semantic:
 * WMS *. Video: rtcp-fb nack, nack pli, ccm fir (the router answers them).
 *
 * Header extensions: the router forwards publishers' packets with their
 * header extensions unchanged, so an id declared here must be the
 * publisher's id for that URI, and at most these are declared:
 *   ext_audio_level (audio m-lines): urn:ietf:params:rtp-hdrext:ssrc-audio-level
 *     -- pass the publisher's id (yf_sdp_media.ext_audio_level) or 0.
 *   ext_mid: urn:ietf:params:rtp-hdrext:sdes:mid -- MUST be 0 with today's
 *     router: forwarded packets carry the PUBLISHER's mid value, and Chromium
 *     routes a packet by a declared mid extension before its SSRC (and drops
 *     unknown mids, RFC 8843 section 9.2), so the subscriber would get the
 *     wrong track or none. Only for a router that rewrites the mid.
 *   ext_twcc (yf_sdp_offer_params, every active m-line):
 *     http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
 *     with a=rtcp-fb:<pt> transport-cc -- the router writes its OWN
 *     per-connection sequence under this id into every packet (the
 *     publisher's element is removed), and the browser's feedback feeds the
 *     subscriber's downlink estimate (media/core/bwe.h). The id must differ
 *     from every ext_audio_level and ext_mid of the offer.
 *   Never abs-send-time: its value is the publisher's clock, meaningless on
 *   the subscriber's transport. Undeclared ids in forwarded packets are
 *   ignored by the browser (RFC 8285 section 5).
 * Within one offer an id means one URI and a URI has one id (Chromium
 * refuses a BUNDLE group where an id is reused for another URI, and keeps
 * one id map per transport); a conflict is YF_SDP_ERROR_INVALID, so the
 * caller must pass 0 for a publisher whose id differs from the others'.
 * Likewise one payload type means one codec/clock/channels/fmtp across the
 * offer (Chromium: "codec collision" in a BUNDLE group). Demultiplexing at
 * the browser is by the a=ssrc lines (RFC 8843 section 9.2). */

/* One m-line of our offer. Strings are borrowed for the call. */
typedef struct {
    const char *mid;            /* 1..31 token chars, unique in the offer, and
                                   stable: m-line i keeps its mid forever */
    yf_sdp_kind kind;         /* YF_SDP_AUDIO or YF_SDP_VIDEO */
    yf_codec codec;             /* OPUS (audio); VP8 or H264 (video) */
    int pt;                     /* 0..63 or 96..127 (RFC 5761 section 4); use
                                   the publisher's, as the router's out_pt */
    int clock_rate;             /* 0: 48000 for Opus, 90000 for video */
    int channels;               /* Opus: 0 or 2 */
    const char *fmtp;           /* NULL or "": none; else printable, e.g. the
                                   publisher's H.264 fmtp */
    uint32_t ssrc;              /* our sending SSRC for this track (the
                                   router's out_ssrc); nonzero and unique in
                                   the offer when active, ignored otherwise */
    const char *msid_stream;    /* the publishing participant, e.g. "p2";
                                   1..64 token chars (RFC 8830 msid-id) */
    const char *msid_track;     /* e.g. "p2-video"; 1..64 token chars */
    gboolean active;            /* FALSE: a=inactive (see above) */
    int ext_audio_level;        /* 1..14 or 0 (see above); audio only */
    int ext_mid;                /* keep 0 (see above) */
    int red_pt;                 /* audio: 0, or RFC 2198 RED offered beside
                                   pt (a=rtpmap:<red_pt> red/48000/2, a=fmtp:
                                   <red_pt> <pt>/<pt>), 1..63 or 96..127 (Chromium:
                                   63), not pt; one
                                   red_pt carries one pt across the offer */
    int rtx_pt;                 /* video: 0, or RFC 4588 RTX offered beside pt
                                   (a=rtpmap:<rtx_pt> rtx/90000, a=fmtp:<rtx_pt>
                                   apt=<pt>, a=ssrc-group:FID <ssrc> <rtx_ssrc>),
                                   1..63 or 96..127, not pt; one rtx_pt
                                   repairs one pt across the offer. The router
                                   sends only padding on it: its downlink
                                   probes (probe.h), which a browser counts in
                                   its transport-cc feedback and then drops */
    uint32_t rtx_ssrc;          /* with rtx_pt: nonzero, unique in the offer */
} yf_sdp_offer_media;

typedef struct {
    const char *ice_ufrag;      /* ours: 4..256 ice-chars */
    const char *ice_pwd;        /* ours: 22..256 ice-chars */
    const char *fingerprint;    /* our sha-256 "AB:CD:..." */
    uint64_t session_id;        /* o= line: fixed for the connection, < 2^63 */
    uint64_t session_version;   /* o= line: +1 per offer (RFC 3264 section 8) */
    const char *cname;          /* a=ssrc cname, no spaces */
    size_t n_media;             /* 1..YF_SDP_MAX_OFFER_MEDIA: an offer with no
                                   m-line has no transport, so the room offers
                                   once there is a first track to send */
    const yf_sdp_offer_media *media; /* n_media of them, in m-line order */
    int ext_twcc;               /* 1..14: transport-cc on every active m-line
                                   (see above); 0: none */
    /* The Opus fmtp of every audio m-line ([media] audio_resilience): the
     * same mode for all, so one payload type keeps one fmtp. */
    yf_sdp_opus_mode opus;
} yf_sdp_offer_params;

/* Writes our offer. Returns a newly allocated string (g_free), or NULL with
 * *err set: YF_SDP_ERROR_INVALID and a message naming the m-line for
 * missing, malformed or conflicting parameters (a caller's bug). Pure
 * function: any thread. */
char *yf_sdp_build_offer(const yf_sdp_offer_params *p, GError **err);

/* One m-line of the browser's answer, in our offer's order. */
typedef struct {
    char mid[32];               /* = our offer's mid */
    bool accepted;              /* port != 0 (or a=bundle-only) */
    yf_direction direction;     /* as answered: RECVONLY expected for our
                                   active m-lines, INACTIVE for inactive ones */
    bool red;                   /* accepted, and kept our red_pt: RED may be
                                   sent on it */
    bool rtx;                   /* accepted, and kept our rtx_pt */
} yf_sdp_answer_media;

typedef struct {
    char ice_ufrag[257];        /* the browser's */
    char ice_pwd[257];
    char fingerprint[128];      /* sha-256 "AB:CD:...", upper-cased */
    char session_id[32];        /* o= sess-id of the answering connection:
                                   fixed for its life (RFC 8829 sections
                                   5.3.1, 5.3.2); "" if absent or not a number */
    yf_setup setup;             /* ACTIVE (Chromium) or PASSIVE */
    int n_media;                /* = our offer's n_media */
    yf_sdp_answer_media media[YF_SDP_MAX_OFFER_MEDIA];
} yf_sdp_answer_info;

/* Parses the browser's answer to our_offer (the parameters that
 * yf_sdp_build_offer wrote it from). Refused (FALSE, *err set, *out zeroed):
 * text that is not SDP or longer than YF_SDP_MAX_ANSWER_LEN
 * (YF_SDP_ERROR_PARSE); m-lines whose count, order, media or a=mid differ
 * from our offer's; no accepted m-line; an accepted m-line without our
 * payload type, without a=rtcp-mux, or outside the answer's BUNDLE group; a
 * direction RFC 3264 section 6.1 forbids (an answer to sendonly is recvonly
 * or inactive, to inactive is inactive); no a=ice-ufrag/a=ice-pwd or no
 * a=fingerprint:sha-256; a=setup absent or not active/passive (RFC 5763
 * section 5) (YF_SDP_ERROR_UNSUPPORTED). Transport is read like an offer's:
 * the first accepted m-line, media-level before session-level. Pure
 * function: any thread. */
gboolean yf_sdp_parse_answer(const char *sdp, size_t len, const yf_sdp_offer_params *our_offer,
                             yf_sdp_answer_info *out, GError **err);

#endif
