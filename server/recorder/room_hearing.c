/* room_hearing.c -- what a hearing room learns of its hearing from the case
 * store (docs/protocol.md, HEARING: case number, kind, appointment time, the
 * host's name, start, recording) and the host ending the hearing from the
 * room, by the rules, store call and recorder path of POST /hearings/{id}/end.
 * Nothing here comes from the client but the room's name and the token's
 * participant id. Control thread only. */
#define G_LOG_DOMAIN "yf-recorder"
#include "recorder_priv.h"

#include "server/store/store_reads.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The appointment behind "appt-N", or 0. */
static int64_t appointment_of(const char *room)
{
    int64_t appt = 0;
    int used = 0;
    if (sscanf(room, "appt-%" SCNd64 "%n", &appt, &used) != 1 || room[used] != '\0' || appt <= 0)
        return 0;
    return appt;
}

static json_t *time_json(int64_t ms)
{
    GDateTime *dt = ms > 0 ? g_date_time_new_from_unix_utc(ms / 1000) : NULL;
    char *s = dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;
    json_t *j = s ? json_string(s) : json_null();
    g_free(s);
    if (dt)
        g_date_time_unref(dt);
    return j;
}

/* The appointment's latest hearing into *out (cleared first): TRUE when it
 * has one. */
static gboolean latest_hearing(yf_store *st, int64_t appt, yf_hearing *out, GError **err)
{
    GPtrArray *hs = yf_store_hearing_list(st, 0, appt, err);
    gboolean found = FALSE;
    for (guint i = 0; hs && i < hs->len; i++) {
        const yf_hearing *h = hs->pdata[i];
        if (!found || h->start_ms >= out->start_ms) {
            yf_hearing_clear(out);
            out->id = h->id;
            out->kind = h->kind;
            out->start_ms = h->start_ms;
            out->end_ms = h->end_ms;
            found = TRUE;
        }
    }
    if (hs)
        g_ptr_array_unref(hs);
    return found;
}

static json_t *on_info(void *user, const char *room)
{
    yf_recorder *rec = user;
    int64_t appt = appointment_of(room), now = g_get_real_time() / 1000;
    yf_appointment a = {0};
    yf_case c = {0};
    yf_staff host = {0};
    yf_hearing h = {0};
    GError *err = NULL;
    json_t *o = NULL;
    if (!appt || !yf_store_appointment_get(rec->store, appt, &a, &err) ||
        !yf_store_case_get(rec->store, a.case_id, &c, &err))
        goto out;
    if (a.host_id && !yf_store_staff_get(rec->store, a.host_id, &host, &err))
        goto out;
    gboolean started = latest_hearing(rec->store, appt, &h, &err);
    if (err)
        goto out;
    gboolean running = started && h.end_ms == 0;
    o = json_pack("{s:s, s:s, s:o, s:s?, s:o, s:I, s:b}", "case_no", c.case_no, "kind",
                  yf_hearing_kind_code(started ? h.kind : yf_appointment_kind_hearing(a.kind)), "appointment_at",
                  time_json(a.start_ms), "host", host.display_name, "started_at",
                  time_json(running ? h.start_ms : 0), "elapsed_s",
                  (json_int_t)(running && now > h.start_ms ? (now - h.start_ms) / 1000 : 0), "recording",
                  running && yf_recorder_recording_in(rec, room) != NULL);
out:
    if (err)
        g_warning("room %s: cannot read its hearing: %s", room, err->message);
    g_clear_error(&err);
    yf_appointment_clear(&a);
    yf_case_clear(&c);
    yf_staff_clear(&host);
    yf_hearing_clear(&h);
    return o;
}

static gboolean on_end(void *user, const char *room, const char *participant, gint64 *hearing_id,
                       yf_sig_errc *code, const char **why)
{
    yf_recorder *rec = user;
    int64_t appt = appointment_of(room), staff = 0;
    int used = 0;
    yf_hearing h = {0};
    GError *err = NULL;
    gboolean ok = FALSE;
    *code = YF_SIG_ERR_FORBIDDEN;
    *why = "only a prosecutor signed in to yuanfang may end the hearing";
    if (sscanf(participant, "staff:%" SCNd64 "%n", &staff, &used) != 1 || participant[used] || staff <= 0)
        goto out;
    *code = YF_SIG_ERR_NOT_FOUND;
    *why = "this room belongs to no running hearing";
    if (!appt || !latest_hearing(rec->store, appt, &h, &err) || h.end_ms)
        goto out;
    switch (yf_api_hearing_end_as(rec->api, staff, g_get_real_time() / 1000, h.id, why)) {
    case YF_API_END_OK: ok = TRUE; *hearing_id = h.id; break;
    case YF_API_END_FORBIDDEN: *code = YF_SIG_ERR_FORBIDDEN; break;
    case YF_API_END_ALREADY: *code = YF_SIG_ERR_ENDED; break;
    case YF_API_END_FAILED: *code = YF_SIG_ERR_BUSY; break;
    }
out:
    if (err) {
        g_warning("room %s: cannot find its hearing: %s", room, err->message);
        *code = YF_SIG_ERR_BUSY;
        *why = "the case store is busy; try again in a moment";
    }
    g_clear_error(&err);
    yf_hearing_clear(&h);
    return ok;
}

/* After the host's reply: the path a REST end takes (the recorder's own
 * hearing_ended hook: capture stops, the room ends for everyone). */
static void on_ended(void *user, gint64 hearing_id)
{
    yf_recorder *rec = user;
    yf_api_hearing_ended(rec->api, hearing_id);
}

const yf_sigroom_hearing_hooks yf_recorder_hearing_hooks = {on_info, on_end, on_ended};
