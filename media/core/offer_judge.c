/* offer_judge.c -- the offer judgement (offer_judge.h): a publisher's offer
 * or a subscriber's answer against the last one from the same participant.
 * Only string comparisons; the connection changes themselves are the IO
 * edge's (media/net/room_worker.c). */
#include "offer_judge.h"

#include <stddef.h>
#include <string.h>

/* Another RTCPeerConnection: its o= session id differs (RFC 8829 sections
 * 5.2.2, 5.3.2). An offer or answer without one is judged without it. */
static int other_session(const char *last, const char *now)
{
    return last[0] && now[0] && strcmp(last, now) != 0;
}

static yf_offer_judge_change say(yf_offer_judge_change c, const char *text, const char **why)
{
    if (why)
        *why = text;
    return c;
}

yf_offer_judge_change yf_offer_judge_offer(const yf_offer_judge_peer *last, const yf_offer_judge_peer *now,
                                           const char **why)
{
    if (!last)
        return say(YF_OFFER_JUDGE_NEW, "new connection", why);
    if (strcmp(last->fingerprint, now->fingerprint))
        return say(YF_OFFER_JUDGE_NEW, "new connection: reload, new certificate", why);
    if (other_session(last->session_id, now->session_id))
        return say(YF_OFFER_JUDGE_NEW, "new connection: reload, same certificate, new session id", why);
    if (strcmp(last->ice_ufrag, now->ice_ufrag))
        return say(YF_OFFER_JUDGE_ICE_RESTART, "ice restart", why);
    return say(YF_OFFER_JUDGE_KEEP, "renegotiation", why);
}

yf_offer_judge_change yf_offer_judge_answer(const yf_offer_judge_peer *last, const yf_offer_judge_peer *now,
                                            const char **why)
{
    if (!last || !last->fingerprint[0])
        return say(YF_OFFER_JUDGE_KEEP, "first answer", why);
    if (strcmp(last->fingerprint, now->fingerprint))
        return say(YF_OFFER_JUDGE_NEW, "new certificate", why);
    if (other_session(last->session_id, now->session_id))
        return say(YF_OFFER_JUDGE_NEW, "same certificate, new session id", why);
    if (strcmp(last->ice_ufrag, now->ice_ufrag))
        return say(YF_OFFER_JUDGE_KEEP, "ice restart", why);
    return say(YF_OFFER_JUDGE_KEEP, "renegotiation", why);
}
