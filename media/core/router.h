/* router.h -- the forwarding core of one hearing room: a sans-IO selective
 * forwarding unit (RFC 7667 §3.7 "Selective Forwarding Middlebox"). Decrypted
 * RTP/RTCP from the participants' peers and `now` go in; plaintext RTP/RTCP to
 * hand to a peer's yf_peer_send_rtp/send_rtcp, events and the next timeout
 * come out of yf_router_poll_output. Per subscriber track: SSRC/seq/ts
 * rewriting (rewrite.h), keyframe gating (keyframe.h); per publisher track:
 * retransmission cache and upstream NACK (nack.h, RFC 4585 §6.2.1), receiver
 * reports (reports.h, RFC 3550 §6.4.2), PLI rate limiting (RFC 4585 §6.3.1);
 * per publisher connection: transport-wide CC feedback (twcc.h); per
 * subscriber: sender reports in its rewritten timestamp space (§6.4.1),
 * transport-wide sequence numbers and the downlink estimate from their
 * feedback (twcc_send.h, bwe.h), and the video it can carry (layer.h).
 * No IO, no clock, no locks, no GLib: one router is used by one thread. */
#ifndef YF_ROUTER_H
#define YF_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "keyframe.h"
#include "nack.h"
#include "common.h"

/* Zero means "the default" for every field. */
typedef struct {
    unsigned max_participants;      /* 16 */
    unsigned max_tracks;            /* publisher tracks in the room: 32 */
    unsigned max_subscriptions;     /* max_tracks * max_participants */
    unsigned rtx_cache_packets;     /* per video track: 512 (YF_RTX_CACHE_MAX) */
    uint64_t seed;                  /* our RTCP SSRCs and the subscribers'
                                       first seq/ts are drawn from it; give
                                       it 64 random bits in production */
    int64_t rr_interval_us;         /* receiver reports to publishers: 1 s */
    int64_t sr_interval_us;         /* sender reports to subscribers: 1 s */
    int64_t twcc_interval_us;       /* transport-cc feedback: 50 ms */
    int64_t pli_min_interval_us;    /* at most one PLI per publisher video
                                       track per this: 500 ms */
    int64_t keyframe_retry_us;      /* re-ask while a subscriber still waits
                                       for a keyframe: 1 s */
    int64_t initial_rtt_us;         /* NACK retry interval until measured: 100 ms */
    int64_t nack_reorder_us;        /* wait before the first NACK of a gap: 5 ms */
    unsigned nack_max_tries;        /* NACKs per missing packet: 10 */
    int64_t speaker_interval_us;    /* audio level / active speaker: 500 ms */
    bool audio_loss_from_subscribers; /* true: the RR block of a publisher's
                                       audio track reports the worst fraction
                                       lost of our own and its subscribers'
                                       RRs, so its Opus encoder adds in-band
                                       FEC for the listeners' links too;
                                       false (default): our own only */
    int64_t listener_loss_max_age_us; /* a subscriber's reported loss counts
                                       for the above this long after its last
                                       RR (a browser stops reporting a stream
                                       it no longer hears; audio RRs come
                                       every 2.5..7.5 s): 10 s */
    int64_t rtx_cache_max_age_us;   /* a video packet stays in the NACK
                                       cache this long after the newest
                                       arrival: 1 s (yf_rtx_cache_set_max_age) */
} yf_router_config;

typedef enum { YF_TRACK_AUDIO, YF_TRACK_VIDEO } yf_track_kind;

/* Simulcast layers of one published video track (RFC 8853), each its own
 * RTP stream named by a rid (RFC 8851), at most this many. */
#define YF_ROUTER_MAX_LAYERS 3
#define YF_ROUTER_RID_LEN 17

/* A publisher track as negotiated in the publisher's SDP. Extension ids
 * are the a=extmap ids (RFC 8285); 0 means not negotiated. */
typedef struct {
    yf_track_kind kind;
    yf_codec codec;           /* decides keyframe detection */
    uint32_t ssrc;            /* from a=ssrc, or 0 to learn it from the first
                                 packet with this payload type (or mid) */
    uint8_t pt;
    uint32_t clock_rate;      /* 48000 Opus, 90000 video */
    uint8_t twcc_ext_id;      /* transport-wide-cc-extensions-01 */
    uint8_t audio_level_ext_id; /* urn:ietf:params:rtp-hdrext:ssrc-audio-level, RFC 6464 */
    uint8_t mid_ext_id;       /* urn:ietf:params:rtp-hdrext:sdes:mid, RFC 8843 §15.2 */
    char mid[17];             /* the track's a=mid; "" if none */
    bool nack;                /* a=rtcp-fb:<pt> nack: we send NACKs upstream */
    uint8_t red_pt;           /* audio: the publisher's RFC 2198 RED payload
                                 type carrying this track's pt (red.h), 0:
                                 none; its packets are checked, and given
                                 as they are only to subscribers that take
                                 RED (yf_router_set_subscription_red) */
    /* Simulcast (video only): n_layers 2..YF_ROUTER_MAX_LAYERS streams
     * named rids[0..n_layers), LOWEST FIRST, each learnt (SSRC) from the
     * rtp-stream-id header extension (RFC 8852, id rid_ext_id) of its first
     * packets, within the track's mid; ssrc must be 0. Each layer has its
     * own retransmission cache, NACK, receiver report and rate; each
     * subscriber gets one layer at a time under the one out SSRC of its
     * subscription (router_layers.c). 0 or 1: one plain stream. */
    uint8_t rid_ext_id;
    uint8_t n_layers;
    char rids[YF_ROUTER_MAX_LAYERS][YF_ROUTER_RID_LEN];
} yf_router_track_config;

/* Which of a participant's two connections a packet came in on / goes out on. */
typedef enum { YF_CONN_PUBLISHER, YF_CONN_SUBSCRIBER } yf_router_conn;

typedef enum {
    YF_ROUTER_OUT_TIMEOUT, /* nothing more now; call handle_timeout at .timeout_us */
    YF_ROUTER_OUT_RTP,     /* yf_peer_send_rtp(.participant's .conn peer, .data, .len) */
    YF_ROUTER_OUT_RTCP,    /* yf_peer_send_rtcp(... same) */
    YF_ROUTER_OUT_EVENT,   /* see .event */
} yf_router_output_kind;

typedef enum {
    YF_ROUTER_EV_KEYFRAME_REQUESTED, /* a PLI went to .participant for .track_id */
    YF_ROUTER_EV_SOURCE_SWITCHED,    /* .track_id's publisher SSRC changed */
    YF_ROUTER_EV_AUDIO_LEVEL,        /* .track_id's recent .level changed (>= 3 dB) */
    YF_ROUTER_EV_ACTIVE_SPEAKER,     /* .track_id / .participant now loudest */
    YF_ROUTER_EV_VIDEO_PAUSED,       /* .participant's downlink cannot carry the
                                        video it subscribed: it gets audio only */
    YF_ROUTER_EV_VIDEO_RESUMED,      /* .participant gets its video again */
} yf_router_event_kind;

typedef struct {
    yf_router_output_kind kind;
    int64_t timeout_us;         /* TIMEOUT: YF_TIME_NEVER if nothing is pending */
    uint32_t participant;
    yf_router_conn conn;
    const uint8_t *data;        /* RTP/RTCP: valid until the next call into
                                   the router */
    size_t len;
    bool retransmission;        /* RTP: an answer to a subscriber's NACK */
    yf_router_event_kind event;
    uint32_t track_id;          /* events */
    uint8_t level;              /* AUDIO_LEVEL, ACTIVE_SPEAKER: -dBov, 0 loudest, 127 silence */
} yf_router_output;

typedef struct {
    uint64_t rtp_in, rtp_malformed, rtp_unknown, rtp_too_big, rtp_stale_ssrc;
    uint64_t forwarded, retransmitted;   /* RTP outputs */
    uint64_t nack_in, nack_miss;         /* seqs asked by subscribers / not in cache */
    uint64_t pli_in, fir_in;             /* from subscribers */
    uint64_t pli_sent, pli_suppressed;   /* upstream, and requests folded by the limit */
    uint64_t nack_sent, rr_sent, twcc_sent, sr_sent; /* RTCP packets we wrote */
    uint64_t rtcp_malformed;
    uint64_t queue_drops, pool_exhausted, source_switches;
    uint64_t pool_buffers;               /* packet buffers the pool holds (bounded by
                                            the live tracks' needs, not by churn) */
    uint64_t lost;                       /* publisher packets never received (RFC 3550
                                            A.3 cumulative loss of every track and
                                            source the router has had) */
    uint64_t twcc_fb_in, twcc_fb_bad;    /* subscribers' transport-cc feedback */
    uint64_t video_pauses, video_resumes; /* downlinks dropped to audio only / back */
    uint64_t downlink_drops;             /* video packets not sent to a paused downlink */
    uint64_t twcc_stamp_drops;           /* packets not sent to a transport-cc subscriber:
                                            the publisher's extension block could not be
                                            rewritten (its own seq must not reach the
                                            subscriber's feedback) */
    uint64_t red_in;                     /* RED packets received (RFC 2198) */
    uint64_t red_malformed;              /* RED packets dropped: blocks that do not
                                            parse, or a primary of another pt */
    uint64_t red_unwrapped;              /* RED packets given as plain Opus to
                                            subscribers that do not take RED */
    uint64_t layer_switches;             /* a subscriber moved to another simulcast layer
                                            (at that layer's keyframe) */
    uint64_t nack_held;                  /* NACKed seqs not resent: asked again
                                            within the subscriber's round trip, or
                                            over its resend budget (rtx_guard.h) */
    uint64_t probes, probes_ok, probes_failed; /* downlink probes (probe.h) and their verdicts */
    uint64_t probes_short;               /* sent short of their rate: no verdict */
    uint64_t probes_stalled;             /* the receiver stalled inside: no verdict */
    uint64_t padding_packets;            /* probe padding sent */
} yf_router_stats;

typedef struct {
    uint32_t ssrc;                       /* simulcast: the layer the recording follows
                                            (the highest that sends, taken at its
                                            keyframe); 0 none yet */
    uint64_t packets;                    /* received (incl. retransmissions) */
    yf_nack_stats nack;                  /* upstream NACK generator */
    int64_t rtt_us;                      /* learnt from retransmissions */
    uint8_t level;                       /* audio: recent level, -dBov */
    uint64_t keyframes;
} yf_router_track_stats;

typedef struct {
    uint32_t out_ssrc;
    uint64_t packets, octets;            /* forwarded (RTP payload octets) */
    uint64_t retransmitted;
    uint64_t dropped;                    /* waiting for a keyframe / stale */
    uint64_t epochs;                     /* 1 + source switches seen */
    uint8_t fraction_lost;               /* from the subscriber's last RR */
    uint32_t jitter;
    int64_t rtt_us;                      /* from its RRs of our SRs; 0: not yet */
    uint64_t nack_repeats, nack_over_budget; /* its NACKed seqs not resent (rtx_guard.h) */
    int layer;                           /* simulcast: the layer it gets (0 lowest), -1
                                            none yet or not simulcast */
    int layer_wanted;                    /* the layer its downlink was given, -1 likewise */
    uint64_t layer_switches;
} yf_router_sub_stats;

/* One subscriber connection's downlink, as its transport-cc feedback
 * tells it (bwe.h). Meaningful when .estimating. */
typedef struct {
    bool estimating;                     /* transport-cc negotiated and fed back */
    int64_t estimate_bps;                /* what the downlink carries, as estimated */
    int64_t acked_bps;                   /* what it received lately */
    int64_t rtt_us;
    const char *state;                   /* "increase", "hold", "decrease" */
    uint8_t loss_fraction;               /* 0..255 */
    int64_t video_bps, audio_bps;        /* what its subscriptions take now */
    bool video_paused;                   /* audio only: the video does not fit */
    int64_t delay_bps, loss_bps;         /* the estimate's two parts (bwe.h) */
    uint64_t feedbacks, stamped;
    uint64_t reported, lost, overuses;   /* packets fed back, of them lost; overuses seen */
    uint64_t unknown;                    /* statuses for packets not in the history */
    uint64_t probes, probes_ok, probes_failed; /* moves up asked of the link (probe.h) */
    uint64_t probes_short;               /* sent short of their rate: asked again */
    uint64_t probes_stalled;             /* the receiver stalled inside: asked again */
    uint64_t padding_bytes;              /* sent in probes */
    int64_t probe_recv_bps;              /* the last probe: what arrived of it */
} yf_router_downlink;

typedef struct yf_router yf_router;

/* Returns NULL on allocation failure. *cfg is copied. */
yf_router *yf_router_new(const yf_router_config *cfg);
void yf_router_free(yf_router *r); /* accepts NULL */

/* A participant, known by the caller's id (unique in the room). YF_ESTATE if
 * the id exists, YF_ENOMEM if the room is full. */
int yf_router_add_participant(yf_router *r, uint32_t participant);
/* Removes its publisher tracks (and everyone's subscriptions to them) and
 * its own subscriptions. YF_ESTATE if unknown. */
int yf_router_remove_participant(yf_router *r, uint32_t participant);

/* Adds a track the participant publishes; *track_id gets its room-unique id
 * (never 0, never reused). Grows the packet pool by the track's cache (one
 * allocation). YF_ESTATE (unknown participant, duplicate nonzero SSRC or
 * payload type), YF_ENOMEM, YF_EMALFORMED (clock_rate 0, pt > 127). */
int yf_router_add_publisher_track(yf_router *r, uint32_t participant,
                                  const yf_router_track_config *cfg, uint32_t *track_id);
int yf_router_remove_publisher_track(yf_router *r, uint32_t track_id);
/* Tells the router the track's source is now `ssrc` (0: learn it from the
 * next packet), e.g. after the publisher's connection was replaced. Without
 * this call a packet with a new SSRC but the track's payload type (or mid)
 * switches the source automatically. Subscribers' rewriters continue
 * seamlessly; video restarts at the next keyframe. */
int yf_router_replace_publisher_source(yf_router *r, int64_t now_us, uint32_t track_id, uint32_t ssrc);

/* Server-side mute: while `forward` is false the track's packets are still
 * received (stats, NACK, RR) but reach no subscriber. Resuming starts a new
 * epoch in every subscriber's rewriter (sequence numbers continue at last +
 * 1, no gap to NACK) and, for video, asks the publisher for a keyframe.
 * YF_ESTATE for an unknown track. */
int yf_router_set_track_forwarding(yf_router *r, int64_t now_us, uint32_t track_id, bool forward);

/* The subscriber receives track_id as out_ssrc / out_pt (from its SDP
 * offer). For video, a PLI goes upstream (rate limited) so the picture
 * appears at once. YF_ESTATE (unknown ids, already subscribed, out_ssrc in
 * use for this subscriber), YF_ENOMEM. */
int yf_router_subscribe(yf_router *r, int64_t now_us, uint32_t subscriber, uint32_t track_id,
                        uint32_t out_ssrc, uint8_t out_pt);
int yf_router_unsubscribe(yf_router *r, uint32_t subscriber, uint32_t track_id);
/* Whether the subscription takes the publisher's RED packets (RFC 2198) as
 * they are, under red_pt (its SDP answer accepted RED; the payload type of
 * our offer), or (red_pt 0, the default) gets each RED packet as the plain
 * Opus packet of its primary block under the subscription's out_pt, with
 * the same seq: its sequence numbers stay continuous either way. Takes
 * effect with the next packet. YF_ESTATE (not subscribed), YF_EMALFORMED
 * (red_pt > 127). */
int yf_router_set_subscription_red(yf_router *r, uint32_t subscriber, uint32_t track_id,
                                   uint8_t red_pt);

/* The subscription's RTX stream (RFC 4588; the subscriber's answer took
 * rtx_pt for it): the router sends its downlink probes there, as padding
 * only (probe.h), which a browser counts in its transport-cc feedback and
 * then drops. A subscriber with one moves up a layer (or back from audio
 * only) only after a probe says its link carries it, and starts a
 * simulcast track on its lowest layer. rtx_ssrc 0: none. YF_ESTATE (not
 * subscribed), YF_EMALFORMED (rtx_pt > 127, or 0 with an ssrc). */
int yf_router_set_subscription_rtx(yf_router *r, uint32_t subscriber, uint32_t track_id,
                                   uint32_t rtx_ssrc, uint8_t rtx_pt);

/* A decrypted RTP packet from the participant's publisher connection
 * (YF_EV_RTP of its publisher peer). YF_OK, or an error for a dropped
 * packet (counted): YF_ESHORT/YF_EMALFORMED, YF_ESTATE (unknown participant
 * or stream), YF_ENOMEM (larger than YF_PKTBUF_CAP, or no buffer). */
int yf_router_handle_rtp(yf_router *r, int64_t now_us, uint32_t participant,
                         const uint8_t *pkt, size_t len);
/* A decrypted compound RTCP packet from either of the participant's
 * connections: SRs on the publisher connection; NACK, PLI, FIR and receiver
 * reports on the subscriber connection. YF_OK or an error (counted). */
int yf_router_handle_rtcp(yf_router *r, int64_t now_us, uint32_t participant,
                          yf_router_conn conn, const uint8_t *pkt, size_t len);
/* Timers: NACK retries, RR, SR, TWCC feedback, deferred PLIs, speakers.
 * Calling early is harmless. */
void yf_router_handle_timeout(yf_router *r, int64_t now_us);
/* The next output; call until it returns YF_ROUTER_OUT_TIMEOUT after every
 * handle_* call. RTP comes out fully rewritten in a router-owned buffer. */
void yf_router_poll_output(yf_router *r, int64_t now_us, yf_router_output *out);

void yf_router_get_stats(const yf_router *r, yf_router_stats *out);
int yf_router_get_track_stats(const yf_router *r, uint32_t track_id, yf_router_track_stats *out);
int yf_router_get_sub_stats(const yf_router *r, uint32_t subscriber, uint32_t track_id,
                            yf_router_sub_stats *out);
/* The transport-cc extension id (RFC 8285, 1..14) of the participant's
 * subscriber connection, from its SDP; 0 turns it off. From then on every
 * RTP packet to that connection carries a transport-wide sequence number
 * under that id (the publisher's own element is removed), the browser's
 * feedback feeds the downlink estimate, and when the estimate cannot carry
 * the subscribed video plus audio the video stops (audio goes on) until it
 * can again (YF_ROUTER_EV_VIDEO_PAUSED / _RESUMED). A new id, or a call for
 * a new connection, starts the estimate afresh (a paused participant gets
 * its video back from the next keyframe, with _RESUMED); the sequence
 * continues. YF_ESTATE (unknown
 * participant), YF_EMALFORMED (id > 14). */
int yf_router_set_subscriber_twcc(yf_router *r, int64_t now_us, uint32_t participant, uint8_t ext_id);
/* .video_bps / .audio_bps are measured up to now_us. YF_ESTATE if unknown. */
int yf_router_get_downlink(const yf_router *r, int64_t now_us, uint32_t participant,
                           yf_router_downlink *out);

/* Our SSRC in the RTCP we send on a participant's publisher connection
 * (the worker may announce it; tests match it). 0 if unknown. */
uint32_t yf_router_rtcp_ssrc(const yf_router *r, uint32_t participant);

#endif
