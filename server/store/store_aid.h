/* store_aid.h -- 司法救助 disbursed in a hearing (docs/api.md "Judicial aid"):
 * one disbursement per aid hearing with its decision number, amount, payee and
 * receiving account; the steps of the guided template (decision shown to the
 * applicant, confirmation asked for, confirmation given at a moment of the
 * hearing) and the files each step leaves (the still of the applicant holding
 * their ID card, the decision document, the receipt), each with its SHA-256.
 * Every change is audited on object aid:<id> in its own transaction. Control
 * thread only, like the rest of the store. */
#ifndef YF_STORE_AID_H
#define YF_STORE_AID_H

#include "store.h"

#define YF_AID_DECISION_NO_MAX 64     /* characters */
#define YF_AID_PAYEE_MAX 100
#define YF_AID_BANK_MAX 100
#define YF_AID_ACCOUNT_MAX 34         /* an IBAN's length; Chinese bank cards: 16..19 digits */
#define YF_AID_AMOUNT_MAX 100000000000LL   /* fen: 10 亿元, far above any award */

/* Invariants: shown_ms, asked_ms, confirmed_ms are 0 until the step happened;
 * confirmed_ms != 0 implies asked_ms != 0; confirm_offset_ms is the
 * confirmation's moment in the hearing (ms since its start). */
typedef struct {
    int64_t id, case_id, hearing_id;
    char *decision_no;
    int64_t amount_fen;
    char *payee, *bank, *account;
    char *created_by;          /* actor, "staff:3" */
    int64_t created_ms, shown_ms, asked_ms, confirmed_ms, confirm_offset_ms;
    char *confirmed_by;        /* actor, "invitee:9"; "" before */
} yf_aid;
void yf_aid_clear(yf_aid *a);
void yf_aid_free(yf_aid *a);   /* accepts NULL */

typedef enum { YF_AID_STILL, YF_AID_DECISION, YF_AID_RECEIPT, YF_AID_FILE_KIND_COUNT_ } yf_aid_file_kind;
const char *yf_aid_file_kind_code(yf_aid_file_kind k);   /* "still", "decision", "receipt" */

typedef struct {
    int64_t id, aid_id;
    yf_aid_file_kind kind;
    char *path;                /* relative to the data directory */
    char *media_type;          /* "image/jpeg", "application/pdf", ... */
    int64_t size_bytes;
    guint8 sha256[32];
    int64_t created_ms;
    int64_t moment_ms;         /* still: wall clock of the frame; 0 = none */
} yf_aid_file;
void yf_aid_file_clear(yf_aid_file *f);
void yf_aid_file_free(yf_aid_file *f);   /* accepts NULL */

/* A new disbursement for an aid hearing. INVALID for a blank or too long
 * text or an amount out of 1..YF_AID_AMOUNT_MAX; CONFLICT when the decision
 * number is taken or the hearing already has one. Audited as aid.create. */
gboolean yf_store_aid_open(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id, int64_t hearing_id,
                           const char *decision_no, int64_t amount_fen, const char *payee, const char *bank,
                           const char *account, int64_t *out_id, GError **error);
gboolean yf_store_aid_get(yf_store *st, int64_t id, yf_aid *out, GError **error);
/* The hearing's disbursement; NOT_FOUND when it has none. */
gboolean yf_store_aid_of_hearing(yf_store *st, int64_t hearing_id, yf_aid *out, GError **error);
/* The case's disbursements (yf_aid*), oldest first. */
GPtrArray *yf_store_aid_of_case(yf_store *st, int64_t case_id, GError **error);

/* A step: "show" (the decision shown to the applicant: sets shown_ms, again
 * on every showing) or "ask" (the applicant asked to confirm: sets asked_ms
 * once; INVALID after the confirmation). Audited as aid.show / aid.ask with
 * detail. */
gboolean yf_store_aid_step(yf_store *st, yf_actor actor, int64_t now_ms, int64_t aid_id, const char *step,
                           const char *detail, GError **error);
/* The applicant's confirmation at offset_ms of the hearing: INVALID before it
 * was asked for, CONFLICT the second time. Audited as aid.confirm. */
gboolean yf_store_aid_confirm_at(yf_store *st, yf_actor actor, int64_t now_ms, int64_t aid_id, int64_t offset_ms,
                                 GError **error);

/* Records a file of a step (audited as aid.still, aid.decision or
 * aid.receipt with its sha256 and size). A decision also withdraws the one
 * shown (shown_ms back to unset, in the same transaction): the applicant sees
 * the new one only once staff show it. */
gboolean yf_store_aid_file_add(yf_store *st, yf_actor actor, int64_t now_ms, const yf_aid_file *f,
                               int64_t *out_id, GError **error);
/* The newest file of a kind; NOT_FOUND when there is none. */
gboolean yf_store_aid_file_latest(yf_store *st, int64_t aid_id, yf_aid_file_kind kind, yf_aid_file *out,
                                  GError **error);
/* Every file of the disbursement (yf_aid_file*), oldest first. */
GPtrArray *yf_store_aid_files(yf_store *st, int64_t aid_id, GError **error);
/* A staff member or the applicant opened a file, or page `page` (1..) of a
 * decision drawn as pictures (0: the file itself): audited as aid.file_view
 * (detail kind=… file=<id>[ page=<n>]) before a byte is sent. */
gboolean yf_store_aid_file_access(yf_store *st, yf_actor actor, int64_t now_ms, const yf_aid_file *f, int page,
                                  GError **error);

#endif
