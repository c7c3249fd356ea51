/* sublines.h -- one participant's subscriber m-line table: which line of its
 * subscriber connection carries which publisher's track, kept across joins,
 * leaves, rejoins and renegotiations (RFC 8829 section 5.2.2 subsequent
 * offers, RFC 8843 BUNDLE: mids are never reused, so lines are never removed),
 * and what the next offer says per line. Pure: no IO, no clock, no GLib; the
 * only allocation is the table's lines, grown as lines are added (a
 * participant keeps a table for its whole stay, most with a few lines, so a
 * table of YF_SUBLINES_MAX lines from the start cost ~30 KiB each); SSRCs
 * come from a seeded generator. */
#ifndef YF_SUBLINES_H
#define YF_SUBLINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "router.h"
#include "common.h"

/* Lines of one subscriber connection; media/sdp writes offers of at most
 * YF_SDP_MAX_OFFER_MEDIA m-lines (media/net/room.c checks they agree). */
#define YF_SUBLINES_MAX 64
/* Tracks of one publisher that get lines; further ones are ignored (the
 * room answers them but does not forward them: YF_ROOM_MAX_PUB_TRACKS). */
#define YF_SUBLINES_MAX_PUB_TRACKS 4

/* A track a participant publishes, as negotiated from its offer; known by
 * the offer's mid (a reloaded page reuses its mids, so the same mid means
 * the same track with a new source). */
typedef struct {
    char mid[32];
    yf_router_track_config cfg;
    int channels;
    char fmtp[256];
} yf_sublines_track;

/* One m-line of a subscriber offer. */
typedef struct {
    char mid[32];             /* ours, in the subscriber connection */
    uint32_t publisher;
    char pub_mid[32];         /* the publisher's mid of the track */
    yf_sublines_track track;  /* its codec, as last published */
    uint32_t out_ssrc;        /* ours, nonzero */
    uint32_t rtx_ssrc;        /* ours for its RTX stream (padding probes), nonzero */
    bool active;              /* false: a=inactive, the track is gone */
} yf_sublines_line;

/* Invariants: lines[0..n) are in offer order and n <= cap <= YF_SUBLINES_MAX
 * (lines is malloc'd, NULL while cap is 0); line
 * i's mid is the decimal i (lines are never removed, so no mid is reused);
 * no two of the lines' out_ssrc and rtx_ssrc are the same; a line belongs to one publisher for
 * good, and no two lines of a publisher have the same (pub_mid, kind). */
typedef struct {
    yf_sublines_line *lines;
    unsigned n, cap;
    uint64_t rng;             /* splitmix64 state for out SSRCs */
} yf_sublines;

/* An empty table; seed: 64 random bits (the lines' SSRCs are drawn from it,
 * RFC 3550 section 8). Free its lines with yf_sublines_clear. */
void yf_sublines_init(yf_sublines *t, uint64_t seed);
/* Frees the lines; t is empty afterwards (its generator kept). */
void yf_sublines_clear(yf_sublines *t);

/* Brings the lines of `publisher` in line with its tracks (borrowed; n == 0:
 * it left or publishes nothing, so all its lines turn inactive). Only the
 * first YF_SUBLINES_MAX_PUB_TRACKS tracks count. Per track, in order:
 *  - its line (same publisher, pub_mid and kind) stays or turns active and
 *    takes the track's codec; a new payload type (or RED pt) counts as a change;
 *  - else the publisher's first inactive line of that kind comes back to
 *    life with the track's mid (a rejoin, or a renegotiation that renamed
 *    its mids): lines are never given to another publisher, so the page's
 *    mid -> participant mapping stays true and churn cannot fill the table;
 *  - else a new line at the end, with a fresh SSRC.
 * Lines of the publisher whose track is gone turn inactive. *changed tells
 * whether the next offer differs. Returns YF_OK, or YF_ENOMEM when a track
 * needed a new line and the table was full (or its lines could not grow): that track and the ones after
 * it got nothing; what changed before stays (and is in *changed). */
int yf_sublines_update(yf_sublines *t, uint32_t publisher, const yf_sublines_track *tracks, size_t n,
                       bool *changed);

/* What the subscriber offer says about one line beyond the line itself. */
typedef struct {
    const yf_sublines_line *line; /* borrowed from the table */
    char msid_stream[16];     /* "p<publisher>" (RFC 8830) */
    char msid_track[48];      /* "p<publisher>-<publisher's mid>" */
    uint8_t ext_audio_level;  /* ssrc-audio-level extmap id to declare, 0: none */
} yf_sublines_plan_line;

typedef struct {
    yf_sublines_plan_line lines[YF_SUBLINES_MAX];
    unsigned n;
} yf_sublines_plan;

/* Plans the next offer: one entry per line, in order. Forwarded packets keep
 * their publisher's header extensions, and our offer declares one id per URI
 * for the whole BUNDLE group, so the audio-level id is that of the first active
 * audio line with one, declared on every active audio line whose publisher
 * uses the same id. The plan borrows t: valid until t changes. */
void yf_sublines_plan_offer(const yf_sublines *t, yf_sublines_plan *out);

#endif
