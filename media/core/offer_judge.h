/* offer_judge.h -- the offer judgement (docs/architecture.md, "Rooms"): what a
 * repeated SDP offer or answer does to its connection, from what identifies
 * the RTCPeerConnection that wrote it: DTLS fingerprint (RFC 8122 section 5),
 * o= session id (one per RTCPeerConnection, RFC 8829 sections 5.2.1, 5.2.2),
 * ICE ufrag (new on a restart, RFC 8445 section 9). Pure functions over
 * strings: no IO, no allocation. */
#ifndef YF_OFFER_JUDGE_H
#define YF_OFFER_JUDGE_H

typedef enum {
    YF_OFFER_JUDGE_KEEP,        /* renegotiation: the connection stays */
    YF_OFFER_JUDGE_NEW,         /* another RTCPeerConnection: a new DTLS
                                   association (RFC 6347 section 4.2.8) */
    YF_OFFER_JUDGE_ICE_RESTART, /* the same one with new ICE credentials:
                                   the DTLS association stays */
} yf_offer_judge_change;

/* What one offer or answer says about the RTCPeerConnection that wrote it.
 * The strings are borrowed and never NULL; "" means absent (yf_sdp gives ""
 * for a session id that is missing or not a number). */
typedef struct {
    const char *fingerprint;
    const char *session_id;
    const char *ice_ufrag;
} yf_offer_judge_peer;

/* A publisher's offer, against the last offer accepted from that participant
 * (last NULL: none yet, so NEW). A new fingerprint or a new session id is a
 * new RTCPeerConnection (a reload, which may keep its certificate); the same
 * session with a new ufrag is an ICE restart; nothing new is a
 * renegotiation. A session id missing from either side is not compared, so
 * such an offer is judged by fingerprint and ufrag alone. *why (may be NULL)
 * gets a static phrase for the log. Any thread. */
yf_offer_judge_change yf_offer_judge_offer(const yf_offer_judge_peer *last, const yf_offer_judge_peer *now,
                                           const char **why);

/* A browser's answer to our offer, against the last answer on that
 * connection (last NULL or its fingerprint "": none since our side of the
 * connection was made, so the first answer just sets it up: KEEP). Another
 * fingerprint or session id than the last answer's is NEW (the page answered
 * from a new RTCPeerConnection); otherwise KEEP, even with a new ufrag (that
 * only follows our own ICE restart; the caller passes the new credentials
 * on). Never ICE_RESTART. *why (may be NULL) gets a static phrase for the
 * log. Any thread. */
yf_offer_judge_change yf_offer_judge_answer(const yf_offer_judge_peer *last, const yf_offer_judge_peer *now,
                                            const char **why);

#endif
