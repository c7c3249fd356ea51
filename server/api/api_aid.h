/* api_aid.h -- what api_aid.c (staff) and api_aid_applicant.c (the
 * applicant, the decision's pages) share. Not for other modules. Control
 * thread. */
#ifndef YF_API_AID_H
#define YF_API_AID_H

#include "api_priv.h"
#include "server/store/store_aid.h"

/* The account as screens show it: "6222 **** **** 3445" (g_free). */
char *yf_api_aid_mask_account(const char *account);
/* Replies with the newest file of kind of a (audited aid.file_view first). */
void yf_api_aid_send_file(yf_api_req *r, const yf_aid *a, yf_aid_file_kind kind);
/* A 【系统】 line in the hearing's notes at now (or its end); failures logged. */
void yf_api_aid_system_note(yf_api_req *r, const yf_hearing *h, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* DATA_DIR/recordings/h<ID>/aid, made 0700 (g_free). */
char *yf_api_aid_dir(yf_api *api, int64_t hearing_id);
/* Draws the PDF decision `name` (in the hearing's aid directory) as PNG pages
 * on a thread; a failure is logged (the applicant then sees none). */
void yf_api_aid_rasterize(yf_api *api, int64_t hearing_id, const char *name);

#endif
