/* test_offer_judge.c -- the offer judgement (offer_judge.h) as tables: a
 * publisher's offer and a subscriber's answer against the last one, by
 * fingerprint, o= session id (RFC 8829 section 5.2.2) and ICE ufrag,
 * including offers without a session id. Links yf_core only. */
#include <stdbool.h>

#include "media/core/offer_judge.h"
#include "yf_test.h"

#define KEEP YF_OFFER_JUDGE_KEEP
#define NEW YF_OFFER_JUDGE_NEW
#define RESTART YF_OFFER_JUDGE_ICE_RESTART

/* Fingerprints are shortened: only equality matters. */
#define FP_A "AA:01"
#define FP_B "BB:02"

typedef struct {
    const char *name;
    bool has_last;                  /* false: no earlier offer / answer */
    yf_offer_judge_peer last, now;  /* fingerprint, session id, ufrag */
    yf_offer_judge_change want;
    const char *why;
} row;

static const row offers[] = {
    { "first offer", false, { "", "", "" }, { FP_A, "111", "uf1" }, NEW, "new connection" },
    { "same everything", true, { FP_A, "111", "uf1" }, { FP_A, "111", "uf1" }, KEEP, "renegotiation" },
    { "new fingerprint", true, { FP_A, "111", "uf1" }, { FP_B, "111", "uf1" }, NEW,
      "new connection: reload, new certificate" },
    { "new fingerprint, session, ufrag", true, { FP_A, "111", "uf1" }, { FP_B, "222", "uf2" }, NEW,
      "new connection: reload, new certificate" },
    { "same cert, new session id", true, { FP_A, "111", "uf1" }, { FP_A, "222", "uf1" }, NEW,
      "new connection: reload, same certificate, new session id" },
    { "same cert, new session id and ufrag", true, { FP_A, "111", "uf1" }, { FP_A, "222", "uf2" }, NEW,
      "new connection: reload, same certificate, new session id" },
    { "same session, new ufrag", true, { FP_A, "111", "uf1" }, { FP_A, "111", "uf2" }, RESTART, "ice restart" },
    /* Without a session id on either side: fingerprint and ufrag alone, so
     * a reload that keeps its certificate looks like an ICE restart. */
    { "no session id now, new ufrag", true, { FP_A, "111", "uf1" }, { FP_A, "", "uf2" }, RESTART,
      "ice restart" },
    { "no session id before, new ufrag", true, { FP_A, "", "uf1" }, { FP_A, "111", "uf2" }, RESTART,
      "ice restart" },
    { "no session id before, same ufrag", true, { FP_A, "", "uf1" }, { FP_A, "111", "uf1" }, KEEP,
      "renegotiation" },
    { "no session id at all, same", true, { FP_A, "", "uf1" }, { FP_A, "", "uf1" }, KEEP, "renegotiation" },
    { "no session id at all, new fingerprint", true, { FP_A, "", "uf1" }, { FP_B, "", "uf1" }, NEW,
      "new connection: reload, new certificate" },
    { "session ids compare as written", true, { FP_A, "0111", "uf1" }, { FP_A, "111", "uf1" }, NEW,
      "new connection: reload, same certificate, new session id" },
};

static const row answers[] = {
    { "first answer", false, { "", "", "" }, { FP_A, "111", "uf1" }, KEEP, "first answer" },
    /* After our own reset (a new offer session), the last answer is forgotten. */
    { "first answer after our reset", true, { "", "", "" }, { FP_B, "222", "uf2" }, KEEP, "first answer" },
    { "same everything", true, { FP_A, "111", "uf1" }, { FP_A, "111", "uf1" }, KEEP, "renegotiation" },
    { "new ufrag follows our restart", true, { FP_A, "111", "uf1" }, { FP_A, "111", "uf2" }, KEEP,
      "ice restart" },
    { "new fingerprint", true, { FP_A, "111", "uf1" }, { FP_B, "111", "uf1" }, NEW, "new certificate" },
    { "same cert, new session id", true, { FP_A, "111", "uf1" }, { FP_A, "222", "uf2" }, NEW,
      "same certificate, new session id" },
    { "no session id now, new ufrag", true, { FP_A, "111", "uf1" }, { FP_A, "", "uf2" }, KEEP, "ice restart" },
    { "no session id before, same", true, { FP_A, "", "uf1" }, { FP_A, "111", "uf1" }, KEEP, "renegotiation" },
    { "no session id at all, new fingerprint", true, { FP_A, "", "uf1" }, { FP_B, "", "uf1" }, NEW,
      "new certificate" },
};

typedef yf_offer_judge_change (*judge_fn)(const yf_offer_judge_peer *, const yf_offer_judge_peer *,
                                          const char **);

static void run(const char *table, judge_fn judge, const row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        const char *why = NULL;
        yf_offer_judge_change got = judge(r->has_last ? &r->last : NULL, &r->now, &why);

        if (got != r->want || !why || strcmp(why, r->why))
            fprintf(stderr, "%s \"%s\": got %d (%s)\n", table, r->name, (int)got, why ? why : "NULL");
        CHECK_EQ_INT(got, r->want);
        CHECK(why && !strcmp(why, r->why));
        CHECK(judge(r->has_last ? &r->last : NULL, &r->now, NULL) == r->want); /* why is optional */
    }
}

int main(void)
{
    run("offer", yf_offer_judge_offer, offers, sizeof offers / sizeof offers[0]);
    run("answer", yf_offer_judge_answer, answers, sizeof answers / sizeof answers[0]);
    return yf_test_done("test_offer_judge");
}
