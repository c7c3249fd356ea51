/* echo.h -- the device-test echo: a sans-IO translator that sends a browser's
 * own media back to it on the same PeerConnection. RTP is copied with the
 * SSRC rewritten to ours (RFC 3550 §8.3 translator; seq, timestamp and
 * header extensions pass through). The browser's RTCP as a receiver of the
 * echo (NACK RFC 4585 §6.2.1, PLI §6.3.1, FIR RFC 5104 §4.3.1, REMB, report
 * blocks) is retargeted at the browser's sending SSRCs, and its sender
 * reports are relabelled with our SSRCs so it can lip-sync the echo. No IO,
 * no clock; one yf_echo is used by one thread at a time. */
#ifndef YF_ECHO_H
#define YF_ECHO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common.h"

typedef struct {
    uint8_t audio_pt;     /* the audio payload type of our answer (e.g. Opus 111) */
    uint8_t video_pt;     /* the video payload type (e.g. VP8 96); != audio_pt */
    uint32_t audio_ssrc;  /* our SSRCs, as announced in the answer's a=ssrc */
    uint32_t video_ssrc;  /* != audio_ssrc */
} yf_echo_config;

typedef struct {
    uint64_t rtp_in, rtp_out;
    uint64_t rtp_unknown_pt;   /* dropped: payload type neither audio nor video */
    uint64_t rtp_malformed;    /* dropped: yf_rtp_parse failed */
    uint64_t ssrc_changes;     /* the browser's SSRC for a kind changed */
    uint64_t rtcp_in, rtcp_out;
    uint64_t rtcp_malformed;   /* whole compounds dropped */
    uint64_t rtcp_dropped;     /* packets inside compounds not translated */
    uint64_t sr, rr_blocks, nack, pli, fir, remb; /* translated */
    bool have_audio, have_video;        /* browser SSRCs learned yet? */
    uint32_t browser_audio_ssrc, browser_video_ssrc;
} yf_echo_stats;

typedef struct yf_echo yf_echo;

/* Copies *cfg. Returns NULL if the allocation fails or the config is
 * ambiguous (audio_pt == video_pt, audio_ssrc == video_ssrc, pt > 127). */
yf_echo *yf_echo_new(const yf_echo_config *cfg);
void yf_echo_free(yf_echo *e); /* accepts NULL */

/* One decrypted RTP packet from the browser. The payload type picks the
 * kind; the packet's SSRC becomes the browser's SSRC for that kind (first
 * packet, and again whenever it changes). Writes the echo packet to
 * dst[0..cap) and returns its length; 0 when the packet is dropped (an
 * unknown payload type, counted); YF_EMALFORMED/YF_ESHORT for a packet
 * yf_rtp_parse rejects; YF_ENOMEM when cap < len. pkt and dst may not
 * overlap. */
int yf_echo_on_rtp(yf_echo *e, const uint8_t *pkt, size_t len, uint8_t *dst, size_t cap);

/* One decrypted compound RTCP packet from the browser. Writes the compound
 * to send back (it starts with an SR or RR, RFC 3550 §6.1: the browser's
 * translated SRs first, else an RR from our video SSRC (audio SSRC while
 * the browser has sent no video) carrying the
 * translated report blocks, possibly none) and returns its length; 0 when
 * nothing in it concerns the echo (including before the browser's SSRCs
 * are known); YF_ESHORT/YF_EMALFORMED for an invalid compound (counted,
 * nothing written that matters); YF_ENOMEM when cap is too small. Feedback
 * is sent from our SSRC of the same kind; FIR command sequence numbers are
 * our own, advanced once per new request from the browser (RFC 5104
 * §4.3.1.2: a repeated request keeps its number). */
int yf_echo_on_rtcp(yf_echo *e, const uint8_t *pkt, size_t len, uint8_t *dst, size_t cap);

void yf_echo_get_stats(const yf_echo *e, yf_echo_stats *out);

#endif
