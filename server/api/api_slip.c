/* api_slip.c -- POST /invitations/{id}/slip: the printable invitation slip of
 * one invitee, and POST /invitations/{id}/qr: its join link's QR code alone
 * as a PNG for the page (server/print). The store keeps only a hash of each
 * invitation token, so the caller sends the token it was given when the
 * appointment was made (or reissued); either is made only for staff who may
 * schedule on the case, and only when that token is the live one of this
 * very invitee. The slip is audited as invitation.slip. */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"
#include "server/print/print.h"

static void print_invitation(yf_api_req *r, gboolean qr_only)
{
    static const char *const fields[] = {"token", NULL};
    const char *token;
    yf_invitee inv = {0};
    yf_appointment a = {0};
    yf_case c = {0};
    yf_staff host = {0};
    GError *err = NULL;
    GBytes *pdf = NULL;
    json_t *o = NULL;
    /* Only staff make slips; whether this one may, is asked of the case below. */
    if (r->who.kind != YF_PRINCIPAL_STAFF && !yf_api_authorize(r, YF_ACT_APPOINTMENT_CREATE, NULL))
        return;
    o = yf_api_body_object(r);
    if (!o || !yf_api_only_fields(r, o, fields) || !yf_api_field_str(r, o, "token", TRUE, 128, &token))
        goto out;
    if (!yf_store_invitation_lookup(r->api->store, token, r->now_ms, &inv, &err) || inv.id != r->ids[0]) {
        yf_api_error(r, 400, "bad_request",
                     "token: not the live invitation link of this invitee (reissue the link to print a new slip)");
        goto out;
    }
    if (!yf_store_appointment_get(r->api->store, inv.appointment_id, &a, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    if (!yf_api_load_case(r, a.case_id, &c))
        goto out;
    yf_authz_object obj = {.kase = &c, .case_type = -1};
    if (!yf_api_authorize(r, YF_ACT_APPOINTMENT_CREATE, &obj))
        goto out;
    if (!yf_store_staff_get(r->api->store, a.host_id, &host, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    char *url = g_strdup_printf("%s/join.html?t=%s", r->api->public_url, token);
    if (qr_only) {
        pdf = yf_qr_png(url, 8, &err);
    } else {
        yf_slip slip = {
            .case_no = c.case_no, .kind_label = yf_appointment_kind_label(a.kind), .invitee_name = inv.name,
            .role_label = yf_print_role_label(yf_invitee_role_code(inv.role)), .host_name = host.display_name,
            .starts_ms = a.start_ms, .expires_ms = inv.expires_ms, .join_url = url,
        };
        pdf = yf_slip_pdf(&slip, &err);
    }
    g_free(url);
    if (!pdf) {
        g_warning("invitation %" G_GINT64_FORMAT ": %s: %s", inv.id, qr_only ? "QR code" : "slip", err->message);
        yf_api_error(r, 500, "internal", "the %s could not be made", qr_only ? "QR code" : "slip");
        goto out;
    }
    if (qr_only) {
        yf_api_reply_bytes(r, 200, "image/png", pdf);
        goto out;
    }
    char object[48], disp[96];
    g_snprintf(object, sizeof object, "invitation:%" G_GINT64_FORMAT, inv.id);
    yf_store_audit_record(r->api->store, yf_principal_actor(&r->who), r->now_ms, "invitation.slip", object, NULL, NULL);
    g_snprintf(disp, sizeof disp, "attachment; filename=\"invitation-%" G_GINT64_FORMAT ".pdf\"", inv.id);
    yf_api_add_header(r, "content-disposition", disp);
    yf_api_reply_bytes(r, 200, "application/pdf", pdf);
out:
    g_clear_error(&err);
    g_clear_pointer(&pdf, g_bytes_unref);
    yf_invitee_clear(&inv);
    yf_appointment_clear(&a);
    yf_case_clear(&c);
    yf_staff_clear(&host);
    json_decref(o);
}

void yf_api_invitation_slip(yf_api_req *r)
{
    print_invitation(r, FALSE);
}

void yf_api_invitation_qr(yf_api_req *r)
{
    print_invitation(r, TRUE);
}
