/* probe.h -- does a subscriber's downlink carry a higher rate, asked
 * before the router sends it one: for a short window every packet to the
 * subscriber is sent as one probe cluster, topped up with padding to the
 * rate in question, and the transport-wide feedback of the cluster says
 * what arrived and how fast (the packet train's dispersion at the
 * bottleneck, after the probing of draft-ietf-rmcat-gcc-02 §5 and
 * libwebrtc's probe clusters). A link that cannot carry the rate delivers
 * the cluster at its own rate, or drops some of it; one that can delivers
 * it as sent. The cost of asking is a fraction of a second of queue, not
 * the seconds of frozen picture and lost sound that a keyframe of a layer
 * the link cannot carry costs.
 *
 * Sans-IO: every call takes `now`; no IO, no allocation. The caller
 * (router_bwe.c) stamps every packet it sends during the window with
 * yf_probe_cluster() (twcc_send.h carries it back in the feedback),
 * reports it with yf_probe_on_sent(), sends yf_probe_padding_due() bytes
 * of padding whenever asked, and feeds every feedback's packets in. */
#ifndef YF_PROBE_H
#define YF_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "twcc_send.h"

#define YF_PROBE_WINDOW_US 200000  /* the cluster's sending window */
#define YF_PROBE_TICK_US 5000      /* padding is topped up this often */
#define YF_PROBE_MIN_PACKETS 10    /* fewer reported, or under half the
                                      cluster: no verdict (failed) */
#define YF_PROBE_MAX_PADDING 255   /* bytes of RTP padding in one packet (RFC 3550 §5.1) */
#define YF_PROBE_TRAIN_MAX 128     /* received packets kept per cluster for the
                                      stall test (a 200 ms window at 6 Mbit/s) */

typedef enum {
    YF_PROBE_IDLE,     /* nothing asked, or the last verdict taken */
    YF_PROBE_SENDING,  /* inside the window */
    YF_PROBE_WAITING,  /* window closed, its feedback not all in */
    YF_PROBE_OK,       /* the link carried the rate: a verdict to take */
    YF_PROBE_FAILED,   /* it did not (or the feedback never came) */
    YF_PROBE_SHORT,    /* the sender fell short of need_bps (a busy server's
                          late ticks) and the link carried all it was sent:
                          nothing learnt about the rate; ask again */
    YF_PROBE_STALLED   /* the train arrived unstretched but for one pause
                          (the receiver's own stall, not the link): nothing
                          learnt; ask again */
} yf_probe_state;

typedef struct {
    uint64_t probes, ok, failed, short_n, stalled;
    uint64_t padding_bytes, padding_packets;
    int64_t last_sent_bps, last_recv_bps; /* the last cluster's rates */
    uint8_t last_loss_pct;
} yf_probe_stats;

/* One received packet of a cluster: its send time since the cluster's
 * start, its arrival since the first arrival recorded (µs). */
typedef struct {
    int32_t send, arr;
} yf_probe_arrival;

/* Invariant: cluster != 0 once a probe started; sent_n counts the packets
 * stamped with it; reported_n <= sent_n. */
typedef struct {
    yf_probe_state state;
    uint8_t cluster;
    int64_t start_us, end_us, deadline_us;
    int64_t target_bps;       /* sent in the window, media and padding */
    int64_t need_bps;         /* arriving at this rate or more: carried */
    uint64_t sent_bytes;      /* all bytes stamped in the window */
    uint32_t sent_n;
    int64_t first_stamp, last_stamp;  /* of the packets stamped */
    uint64_t stamped_bytes;           /* sent_bytes without the owed */
    uint32_t last_stamp_size;
    /* the cluster's feedback */
    uint32_t reported_n, lost_n;
    int64_t first_arr, last_arr;      /* of the received packets */
    int64_t first_recv_send, last_recv_send; /* their send times */
    uint64_t send_bytes, recv_bytes;  /* of reported / received packets */
    /* the first YF_PROBE_TRAIN_MAX received: send time since start_us and
     * arrival since the first one recorded (arr_base), in feedback order */
    yf_probe_arrival train[YF_PROBE_TRAIN_MAX];
    uint32_t train_n;
    int64_t arr_base;
    bool forgiven;                    /* a STALLED verdict since the last OK, SHORT or cancel */
    yf_probe_stats st;
} yf_probe;

void yf_probe_init(yf_probe *p);

/* Starts a cluster: target_bps sent for YF_PROBE_WINDOW_US from now, a
 * verdict of "carried" if at least need_bps arrive. rtt_us (0: unknown)
 * sets how long the feedback is awaited. Ignored unless idle. */
void yf_probe_start(yf_probe *p, int64_t now_us, int64_t target_bps, int64_t need_bps,
                    int64_t rtt_us);

/* The cluster to stamp a packet sent now with (0: none); closes the
 * window when it has passed. */
uint8_t yf_probe_cluster(yf_probe *p, int64_t now_us);

/* A packet of `size` bytes stamped with the cluster at now_us (padding
 * included). */
void yf_probe_on_sent(yf_probe *p, int64_t now_us, size_t size, bool padding);

/* Bytes of padding to send now to keep the window at its rate (0 outside
 * it). The caller sends them in packets of at most YF_PROBE_MAX_PADDING
 * padding bytes each, calling yf_probe_on_sent for each. */
size_t yf_probe_padding_due(yf_probe *p, int64_t now_us);

/* When to call again (padding, or the feedback's deadline); YF_TIME_NEVER
 * (common.h) when idle or holding a verdict. */
int64_t yf_probe_next_us(const yf_probe *p);

/* One feedback's packets (twcc_send.h). */
void yf_probe_on_feedback(yf_probe *p, int64_t now_us, const yf_twcc_result *r, size_t n);

/* The state, after the deadline check; a verdict (OK, FAILED, SHORT or
 * STALLED) is returned once and the probe goes back to idle. */
yf_probe_state yf_probe_poll(yf_probe *p, int64_t now_us);

/* Drops a probe in progress (a move down, a new connection): no verdict. */
void yf_probe_cancel(yf_probe *p);

void yf_probe_get_stats(const yf_probe *p, yf_probe_stats *out);

#endif
