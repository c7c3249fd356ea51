/* store_sign.h -- each participant's own decision on a finalized note (笔录
 *核对): who must confirm, the confirmation with a handwritten signature (a PNG
 * kept with its SHA-256) or the objection with a reason, given from the
 * participant's own screen. Engine-neutral like store.h. Control thread only.
 * The rule of who must confirm is in docs/api.md "Confirming the notes". */
#ifndef YF_STORE_SIGN_H
#define YF_STORE_SIGN_H

#include "store.h"

#define YF_SIGN_PNG_MAX (256u << 10)   /* bytes of one signature image */

/* A participant who must confirm the note, or who has decided on it. */
typedef struct {
    int64_t participant_id, staff_id, invitee_id;   /* 0 when not that kind */
    char *name;
    char *role;           /* an invitee's own role code (agent, witness), else the participant's */
    gboolean must;        /* took part (entered the room) as staff or as an invitee other than "other" */
    gboolean decided, confirm, by_self, has_signature;
    int64_t at_ms;        /* the decision's moment, 0 before */
    char *reason;         /* "" when none */
    guint8 sha256[32];    /* of the signature, when has_signature */
} yf_note_signer;
void yf_note_signer_free(yf_note_signer *s);   /* accepts NULL */

/* yf_note_signer* of hearing_id, by participant id: everyone who must confirm
 * and everyone who has decided. NULL on error. */
GPtrArray *yf_store_note_signers(yf_store *st, int64_t hearing_id, GError **error);

/* The participant's own decision on the finalized note: confirm with png (a
 * signature the caller has checked: yf_sign_png_check; width w, height h), or
 * refuse (png NULL) with a reason. In one transaction with its audit entry
 * note.sign (detail "participant=<id> confirm sha256=<hex>" or "... refuse").
 * Errors: NOT_FOUND (no such hearing, no note, or not a participant of it),
 * INVALID (not finalized yet; a confirmation without a signature), CONFLICT
 * (this participant has decided already). */
gboolean yf_store_note_sign(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id,
                            int64_t participant_id, gboolean confirm, const char *reason, GBytes *png,
                            guint w, guint h, GError **error);

/* The signature image of a participant of hearing_id (new reference), NULL
 * with NOT_FOUND when there is none. */
GBytes *yf_store_note_signature_png(yf_store *st, int64_t hearing_id, int64_t participant_id,
                                    GError **error);

#endif
