/* steps.h -- the seven steps of a public hearing's agenda (检察听证): their
 * Chinese names, and the stored record of each step change (migration 16),
 * which survives a restart, starts a section in the notes and feeds the
 * composite's band. The names are pure (any thread); the store calls are on
 * the store's thread as every other. */
#ifndef YF_STORE_STEPS_H
#define YF_STORE_STEPS_H

#include "store.h"

#define YF_HEARING_STEPS 7   /* steps are numbered 1..7; 0 = the agenda has not begun */

/* "介绍与宣布纪律", ... for step 1..7; "" otherwise. Static. */
const char *yf_hearing_step_name(int step);
/* "第一项" ... "第七项" for step 1..7; "" otherwise. Static. */
const char *yf_hearing_step_ordinal(int step);
/* "【第二项】当事人陈述" (g_free); NULL for a step outside 1..7. */
char *yf_hearing_step_title(int step);

/* One step change: from at_ms on, the hearing was at `step`. */
typedef struct {
    int64_t id;
    int step;
    int64_t at_ms;
} yf_hearing_step;

/* The host moved the agenda of a running hearing to step (1..7) at now_ms:
 * the change is stored and audited (hearing.step) in one transaction, then
 * the notes get the section's 【系统】 entry at offset_ms into the hearing
 * (not when they are finalized: the audit entry still says it). INVALID for
 * a step outside 1..7, the step it is already at, or a hearing that has
 * ended or is not a public hearing; NOT_FOUND for an unknown hearing. */
gboolean yf_store_hearing_step_set(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id, int step,
                                   int64_t offset_ms, GError **error);
/* The hearing's step changes in order (GArray of yf_hearing_step); empty
 * when the agenda has not begun. NULL with *error on failure. */
GArray *yf_store_hearing_steps(yf_store *st, int64_t hearing_id, GError **error);

#endif
