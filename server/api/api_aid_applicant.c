/* api_aid_applicant.c -- the applicant's side of 司法救助 in a hearing
 * (docs/api.md "Judicial aid"): their view of the disbursement, the decision
 * once it is shown (a PDF also as PNG pages, drawn here after the upload),
 * and their confirmation, stamped with its moment in the hearing. Who may:
 * aid.confirm (the appointment's petitioner, with their invitation). */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_aid.h"
#include "server/print/receipt.h"
#include "server/store/store_aid.h"
#include "server/store/store_reads.h"

/* ---- a PDF decision as pictures for the applicant's screen ----
 * A phone's browser (WeChat's among them) shows no PDF inside a page, and
 * the pages' content security policy allows no frames: the applicant sees
 * the decision as PNG pages, drawn from the PDF by poppler's pdftoppm on a
 * thread right after the upload, next to it as decision-<ms>-page-<n>.png. */

#define PAGES_MAX 20
#define PAGE_PX 1240   /* the longer side: A4 at 150 dpi */

static void rasterize_run(GTask *task, gpointer src, gpointer data, GCancellable *cancel)
{
    (void)src;
    (void)cancel;
    char **paths = data;   /* the PDF, the output prefix */
    char *max_pages = g_strdup_printf("%d", PAGES_MAX), *px = g_strdup_printf("%d", PAGE_PX);
    /* A broken or hostile PDF must not hold a pool thread or the CPU for
     * long: coreutils' timeout ends pdftoppm after 60 s (KILL 5 s later). */
    const char *argv[] = {"timeout", "-k", "5", "60", "pdftoppm", "-png", "-l", max_pages, "-scale-to", px,
                          paths[0], paths[1], NULL};
    char *err_text = NULL;
    int status = 0;
    GError *err = NULL;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                      &err_text, &status, &err) || !g_spawn_check_wait_status(status, &err))
        g_warning("the decision %s was not drawn as pictures (pdftoppm, Debian package poppler-utils): %s%s",
                  paths[0], err->message, err_text ? err_text : "");
    g_clear_error(&err);
    g_free(err_text);
    g_free(max_pages);
    g_free(px);
    g_task_return_boolean(task, TRUE);
}

void yf_api_aid_rasterize(yf_api *api, int64_t hearing_id, const char *name)
{
    char *dir = yf_api_aid_dir(api, hearing_id);
    char *base = g_strndup(name, strlen(name) - 4);   /* without ".pdf" */
    char **paths = g_new0(char *, 3);
    paths[0] = g_build_filename(dir, name, NULL);
    paths[1] = g_strdup_printf("%s/%s-page", dir, base);
    GTask *task = g_task_new(NULL, NULL, NULL, NULL);
    g_task_set_task_data(task, paths, (GDestroyNotify)g_strfreev);
    g_task_run_in_thread(task, rasterize_run);
    g_object_unref(task);
    g_free(base);
    g_free(dir);
}

static int page_number(const char *name, const char *prefix)
{
    const char *p = name + strlen(prefix);
    char *end = NULL;
    long n = strtol(p, &end, 10);
    return end && end != p && !strcmp(end, ".png") && n > 0 && n <= PAGES_MAX ? (int)n : 0;
}

/* The pictures of the decision f (a PDF), in page order: g_free'd paths as
 * open() takes them, index = page - 1; empty while they are being drawn. */
static GPtrArray *decision_pages(yf_api *api, const yf_aid_file *f)
{
    GPtrArray *pages = g_ptr_array_new_with_free_func(g_free);
    char *full = g_build_filename(api->data_dir, f->path, NULL);
    char *dir = g_path_get_dirname(full), *base = g_path_get_basename(full);
    char *prefix = g_strdup_printf("%.*s-page-", (int)strlen(base) - 4, base);
    char *by_page[PAGES_MAX + 1] = {NULL};
    GDir *d = g_str_has_suffix(base, ".pdf") ? g_dir_open(dir, 0, NULL) : NULL;
    const char *n;
    while (d && (n = g_dir_read_name(d))) {
        int k = g_str_has_prefix(n, prefix) ? page_number(n, prefix) : 0;
        if (k && !by_page[k])
            by_page[k] = g_build_filename(dir, n, NULL);
    }
    for (int k = 1; k <= PAGES_MAX && by_page[k]; k++)
        g_ptr_array_add(pages, g_steal_pointer(&by_page[k]));
    for (int k = 1; k <= PAGES_MAX; k++)
        g_free(by_page[k]);
    if (d)
        g_dir_close(d);
    g_free(prefix);
    g_free(base);
    g_free(dir);
    g_free(full);
    return pages;
}

/* ---- the applicant ---- */

/* The disbursement of the invitee's appointment's latest hearing; FALSE after the reply. */
static gboolean my_aid(yf_api_req *r, yf_aid *a, yf_hearing *h)
{
    GError *err = NULL;
    if (!yf_api_authorize(r, YF_ACT_AID_CONFIRM, NULL))
        return FALSE;
    GPtrArray *hs = yf_store_hearing_list(r->api->store, 0, r->who.invitee.appointment_id, &err);
    gboolean ok = hs && hs->len > 0;
    if (ok) {
        yf_hearing *last = g_ptr_array_index(hs, hs->len - 1);
        *h = *last;
        memset(last, 0, sizeof *last);   /* moved out */
        ok = yf_store_aid_of_hearing(r->api->store, h->id, a, &err);
    }
    if (!ok && err)
        yf_api_store_error(r, err, FALSE);
    else if (!ok)
        yf_api_error(r, 404, "not_found", "the appointment has no hearing yet");
    if (hs)
        g_ptr_array_unref(hs);
    g_clear_error(&err);
    return ok;
}

void yf_api_invitation_aid(yf_api_req *r)
{
    yf_aid a = {0};
    yf_hearing h = {0};
    yf_aid_file f = {0};
    if (!my_aid(r, &a, &h))
        goto out;
    char *figures = yf_print_amount_figures(a.amount_fen), *caps = yf_print_amount_caps(a.amount_fen);
    char *masked = yf_api_aid_mask_account(a.account);
    gboolean shown = a.shown_ms && yf_store_aid_file_latest(r->api->store, a.id, YF_AID_DECISION, &f, NULL);
    json_t *pages = json_array();
    if (shown && strcmp(f.media_type, "application/pdf") != 0) {
        json_array_append_new(pages, json_string(YF_API_MOUNTPOINT "/invitation/aid/decision"));
    } else if (shown) {
        GPtrArray *list = decision_pages(r->api, &f);
        for (guint i = 0; i < list->len; i++)
            json_array_append_new(pages, json_sprintf(YF_API_MOUNTPOINT "/invitation/aid/decision/pages/%u", i + 1));
        g_ptr_array_unref(list);
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:b}", "decision_no", a.decision_no,
                          "amount", figures, "amount_caps", caps, "payee", a.payee, "bank", a.bank,
                          "account_masked", masked, "shown_at", yf_api_time_json(a.shown_ms),
                          "decision", shown ? json_pack("{s:s, s:s, s:O}", "media_type", f.media_type, "url",
                                                        YF_API_MOUNTPOINT "/invitation/aid/decision", "pages", pages)
                                            : json_null(),
                          "asked_at", yf_api_time_json(a.asked_ms),
                          "confirmed_at", yf_api_time_json(a.confirmed_ms), "hearing_ended", h.end_ms != 0);
    yf_api_reply_json(r, 200, o);
    json_decref(pages);
    g_free(figures);
    g_free(caps);
    g_free(masked);
out:
    yf_aid_file_clear(&f);
    yf_aid_clear(&a);
    yf_hearing_clear(&h);
}

void yf_api_invitation_aid_decision(yf_api_req *r)
{
    yf_aid a = {0};
    yf_hearing h = {0};
    if (my_aid(r, &a, &h)) {
        if (!a.shown_ms)
            yf_api_error(r, 404, "not_found", "the decision has not been shown yet");
        else
            yf_api_aid_send_file(r, &a, YF_AID_DECISION);
    }
    yf_aid_clear(&a);
    yf_hearing_clear(&h);
}

void yf_api_invitation_aid_page(yf_api_req *r)
{
    yf_aid a = {0};
    yf_hearing h = {0};
    yf_aid_file f = {0};
    GError *err = NULL;
    int64_t size = 0;
    if (!my_aid(r, &a, &h))
        goto out;
    GPtrArray *pages = a.shown_ms && yf_store_aid_file_latest(r->api->store, a.id, YF_AID_DECISION, &f, NULL)
                           ? decision_pages(r->api, &f) : g_ptr_array_new();
    int fd = r->ids[0] >= 1 && r->ids[0] <= (int64_t)pages->len
                 ? yf_api_open_file(pages->pdata[r->ids[0] - 1], &size) : -1;
    if (fd < 0) {
        yf_api_error(r, 404, "not_found", "no such page of the decision (yet)");
    } else if (!yf_store_aid_file_access(r->api->store, yf_principal_actor(&r->who), r->now_ms, &f, (int)r->ids[0],
                                         &err)) {
        close(fd);   /* every page the applicant is shown: audited */
        yf_api_store_error(r, err, FALSE);
    } else {
        char *name = g_strdup_printf("decision-page-%" G_GINT64_FORMAT ".png", (gint64)r->ids[0]);
        yf_api_send_file(r, fd, size, "image/png", TRUE, name);
        g_free(name);
    }
    g_ptr_array_unref(pages);
out:
    g_clear_error(&err);
    yf_aid_file_clear(&f);
    yf_aid_clear(&a);
    yf_hearing_clear(&h);
}

void yf_api_invitation_aid_confirm(yf_api_req *r)
{
    static const char *const none[] = {NULL};
    yf_aid a = {0};
    yf_hearing h = {0};
    json_t *body = NULL;
    GError *err = NULL;
    if (!my_aid(r, &a, &h) || !(body = yf_api_body_object(r)) || !yf_api_only_fields(r, body, none))
        goto out;
    if (h.end_ms) {
        yf_api_error(r, 409, "conflict", "the hearing has ended");
        goto out;
    }
    int64_t offset = r->now_ms - h.start_ms;
    if (!yf_store_aid_confirm_at(r->api->store, yf_principal_actor(&r->who), r->now_ms, a.id, offset, &err)) {
        yf_api_store_error(r, err, TRUE);
        goto out;
    }
    char *figures = yf_print_amount_figures(a.amount_fen);
    yf_api_aid_system_note(r, &h, "申请人确认领取救助金 %s 元（决定书 %s），在本人屏幕上点击了“确认领取”", figures,
                a.decision_no);
    g_free(figures);
    yf_api_reply_json(r, 200, json_pack("{s:b, s:o, s:I}", "confirmed", TRUE, "confirmed_at",
                                        yf_api_time_json(r->now_ms), "offset_ms", (json_int_t)MAX(offset, 0)));
out:
    g_clear_error(&err);
    json_decref(body);
    yf_aid_clear(&a);
    yf_hearing_clear(&h);
}
