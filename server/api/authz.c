/* authz.c -- the role × action table and the object rules behind every REST
 * call (docs/api.md "Authorization" is this table in prose). Nothing else in the
 * server decides who may do what; handlers only ask. Reads the store only for
 * the clerk's participation rule; never writes. */
#define G_LOG_DOMAIN "yf-authz"
#include "authz.h"

#include <string.h>

#include "server/store/store_reads.h"

typedef enum { NO = 0, YES, OWN } cell;

/* Rows: admin, prosecutor, clerk, aid_staff, viewer (yf_role order), invitee. */
static const struct {
    const char *code;
    cell row[YF_ROLE_COUNT_ + 1];
} table[YF_ACT_COUNT_] = {
    /*                                   admin prosecutor clerk aid  viewer invitee */
    [YF_ACT_STAFF_MANAGE]       = {"staff.manage",       {YES, NO,  NO,  NO,  NO,  NO}},
    [YF_ACT_CASE_CREATE]        = {"case.create",        {NO,  YES, YES, OWN, NO,  NO}},
    [YF_ACT_CASE_READ]          = {"case.read",          {YES, OWN, OWN, OWN, YES, NO}},
    [YF_ACT_CASE_UPDATE]        = {"case.update",        {NO,  OWN, NO,  OWN, NO,  NO}},
    [YF_ACT_CASE_ASSIGN]        = {"case.assign",        {YES, OWN, NO,  NO,  NO,  NO}},
    [YF_ACT_CASE_TRANSITION]    = {"case.transition",    {NO,  OWN, NO,  OWN, NO,  NO}},
    [YF_ACT_APPOINTMENT_CREATE] = {"appointment.create", {NO,  OWN, NO,  OWN, NO,  NO}},
    [YF_ACT_APPOINTMENT_MANAGE] = {"appointment.manage", {NO,  OWN, NO,  OWN, NO,  NO}},
    [YF_ACT_HEARING_RUN]        = {"hearing.run",        {NO,  OWN, NO,  OWN, NO,  NO}},
    [YF_ACT_ROOM_ENTER]         = {"room.enter",         {NO,  OWN, OWN, OWN, NO,  NO}},
    [YF_ACT_NOTES_READ]         = {"notes.read",         {NO,  OWN, OWN, OWN, YES, NO}},
    [YF_ACT_NOTES_WRITE]        = {"notes.write",        {NO,  OWN, OWN, OWN, NO,  NO}},
    [YF_ACT_RECORDING_READ]     = {"recording.read",     {NO,  OWN, OWN, OWN, YES, NO}},
    [YF_ACT_RECORDING_EXPORT]   = {"recording.export",   {NO,  OWN, NO,  OWN, NO,  NO}},
    [YF_ACT_STATS_READ]         = {"stats.read",         {YES, YES, YES, YES, YES, NO}},
    [YF_ACT_AUDIT_READ]         = {"audit.read",         {YES, NO,  NO,  NO,  NO,  NO}},
    [YF_ACT_INVITATION_READ]    = {"invitation.read",    {NO,  NO,  NO,  NO,  NO,  OWN}},
    [YF_ACT_INVITATION_PROGRESS] = {"invitation.progress", {NO, NO, NO,  NO,  NO,  OWN}},
    [YF_ACT_INVITATION_RATE]    = {"invitation.rate",    {NO,  NO,  NO,  NO,  NO,  OWN}},
    [YF_ACT_INVITATION_ENTER]   = {"invitation.enter",   {NO,  NO,  NO,  NO,  NO,  OWN}},
    [YF_ACT_AID_RUN]            = {"aid.run",            {NO,  OWN, NO,  OWN, NO,  NO}},
    [YF_ACT_AID_CONFIRM]        = {"aid.confirm",        {NO,  NO,  NO,  NO,  NO,  OWN}},
    [YF_ACT_NOTES_SIGN]         = {"notes.sign",         {NO,  OWN, OWN, OWN, NO,  OWN}},
};

void yf_principal_clear(yf_principal *p)
{
    yf_staff_clear(&p->staff);
    yf_invitee_clear(&p->invitee);
    memset(p, 0, sizeof *p);
}

yf_actor yf_principal_actor(const yf_principal *p)
{
    if (p->kind == YF_PRINCIPAL_STAFF)
        return yf_actor_staff(p->staff.id);
    if (p->kind == YF_PRINCIPAL_INVITEE)
        return yf_actor_invitee(p->invitee.id);
    return yf_actor_system();
}

const char *yf_authz_action_code(yf_authz_action a)
{
    return (unsigned)a < YF_ACT_COUNT_ ? table[a].code : NULL;
}

const char *yf_authz_cell(int row, yf_authz_action a)
{
    static const char *names[] = {"no", "yes", "own"};
    if ((unsigned)a >= YF_ACT_COUNT_ || row < 0 || row > YF_AUTHZ_ROW_INVITEE)
        return NULL;
    return names[table[a].row[row]];
}

/* The clerk's rule: a participant of the hearing, or of any hearing of the case. */
static gboolean clerk_takes_part(yf_store *st, int64_t staff_id, const yf_authz_object *obj)
{
    GError *err = NULL;
    gboolean in;
    if (obj->hearing_id > 0)
        in = yf_store_staff_in_hearing(st, staff_id, obj->hearing_id, &err);
    else
        in = obj->kase && yf_store_staff_in_case(st, staff_id, obj->kase->id, &err);
    if (err) {
        g_warning("participation check for staff:%" G_GINT64_FORMAT " failed: %s", staff_id,
                  err->message);
        g_error_free(err);
        return FALSE;
    }
    return in;
}

/* The object rule of a role whose cell is OWN. */
static gboolean owns(yf_store *st, const yf_staff *s, yf_authz_action action,
                     const yf_authz_object *obj)
{
    if (action == YF_ACT_CASE_CREATE)
        return s->role == YF_ROLE_AID_STAFF && obj->case_type == YF_CASE_JUDICIAL_AID;
    switch (s->role) {
    case YF_ROLE_PROSECUTOR:   /* their cases; and to read, the appointments they host */
        return (obj->kase && obj->kase->prosecutor_id == s->id) ||
               (action == YF_ACT_CASE_READ && obj->host_id != 0 && obj->host_id == s->id);
    case YF_ROLE_AID_STAFF:
        return obj->kase && obj->kase->type == YF_CASE_JUDICIAL_AID;
    case YF_ROLE_CLERK:
        return clerk_takes_part(st, s->id, obj);
    default:
        return FALSE;
    }
}

/* An invitee's actions only touch its own invitation; the case's progress and
 * the rating belong to the petitioner and their agent, not witnesses or observers. */
static gboolean invitee_may(const yf_invitee *i, yf_authz_action action)
{
    if (action == YF_ACT_INVITATION_PROGRESS || action == YF_ACT_INVITATION_RATE)
        return i->role == YF_INVITEE_PETITIONER || i->role == YF_INVITEE_AGENT;
    if (action == YF_ACT_AID_CONFIRM)   /* the applicant themselves */
        return i->role == YF_INVITEE_PETITIONER;
    if (action == YF_ACT_NOTES_SIGN)   /* observers (旁听) do not confirm the notes */
        return i->role != YF_INVITEE_OTHER;
    return TRUE;
}

yf_authz_result yf_authz_check(yf_store *st, const yf_principal *p, yf_authz_action action,
                               const yf_authz_object *obj)
{
    if ((unsigned)action >= YF_ACT_COUNT_ || p->kind == YF_PRINCIPAL_NONE)
        return YF_AUTHZ_UNAUTHENTICATED;
    int row = p->kind == YF_PRINCIPAL_INVITEE ? YF_AUTHZ_ROW_INVITEE : (int)p->staff.role;
    if (row < 0 || row > YF_AUTHZ_ROW_INVITEE)
        return YF_AUTHZ_FORBIDDEN;
    cell c = table[action].row[row];
    if (c == NO)
        return YF_AUTHZ_FORBIDDEN;
    if (p->kind == YF_PRINCIPAL_INVITEE)
        return invitee_may(&p->invitee, action) ? YF_AUTHZ_ALLOW : YF_AUTHZ_FORBIDDEN;
    if (c == YES || obj == NULL)
        return YF_AUTHZ_ALLOW;
    return owns(st, &p->staff, action, obj) ? YF_AUTHZ_ALLOW : YF_AUTHZ_FORBIDDEN;
}
