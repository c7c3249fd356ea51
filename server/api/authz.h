/* authz.h -- who may do what: THE one place the REST API asks. A table of
 * role × action (docs/api.md "Authorization") plus the object rules: a
 * prosecutor acts only on cases assigned to them (and reads the appointments
 * they host), a clerk only on cases of
 * hearings they take part in, aid staff only on 司法救助 cases, viewers only read,
 * an invitee only on their own invitation. Control thread only. */
#ifndef YF_AUTHZ_H
#define YF_AUTHZ_H

#include <glib.h>

#include "server/store/store.h"

typedef enum {
    YF_PRINCIPAL_NONE,      /* no or bad credentials */
    YF_PRINCIPAL_STAFF,     /* a session token */
    YF_PRINCIPAL_INVITEE,   /* an invitation token */
} yf_principal_kind;

/* Invariant: staff is filled for STAFF, invitee for INVITEE, both zeroed otherwise. */
typedef struct {
    yf_principal_kind kind;
    yf_staff staff;
    yf_invitee invitee;
} yf_principal;
void yf_principal_clear(yf_principal *p);
/* The audit actor for p (system for NONE). */
yf_actor yf_principal_actor(const yf_principal *p);

typedef enum {
    YF_ACT_STAFF_MANAGE,        /* list/create/disable accounts, reset passwords */
    YF_ACT_CASE_CREATE,         /* object: case_type */
    YF_ACT_CASE_READ,           /* a case, its timeline, appointments, hearings */
    YF_ACT_CASE_UPDATE,         /* petitioner, contact, summary */
    YF_ACT_CASE_ASSIGN,         /* set or change the prosecutor */
    YF_ACT_CASE_TRANSITION,
    YF_ACT_APPOINTMENT_CREATE,  /* schedule and invite */
    YF_ACT_APPOINTMENT_MANAGE,  /* reschedule, cancel, revoke and reissue invitations */
    YF_ACT_HEARING_RUN,         /* start/end a hearing, invite staff to it */
    YF_ACT_ROOM_ENTER,          /* a staff room token for a hearing room */
    YF_ACT_NOTES_READ,
    YF_ACT_NOTES_WRITE,
    YF_ACT_RECORDING_READ,      /* list, view, download; see the exports made */
    YF_ACT_RECORDING_EXPORT,    /* a watermarked copy for someone outside the case; its download */
    YF_ACT_STATS_READ,
    YF_ACT_AUDIT_READ,
    YF_ACT_INVITATION_READ,     /* the petitioner's own view */
    YF_ACT_INVITATION_PROGRESS, /* the case's stages and deadlines (petitioner, agent) */
    YF_ACT_INVITATION_RATE,     /* one rating after the hearing (petitioner, agent) */
    YF_ACT_INVITATION_ENTER,    /* an invitee's room token */
    YF_ACT_AID_RUN,             /* 司法救助 in a hearing: open, still, decision, steps, receipt; the full account */
    YF_ACT_AID_CONFIRM,         /* the applicant's view of the disbursement and their confirmation */
    YF_ACT_NOTES_SIGN,          /* one's own decision on the finalized notes, with a signature */
    YF_ACT_COUNT_
} yf_authz_action;

/* What the action is about; unset fields are 0/NULL. */
typedef struct {
    const yf_case *kase;        /* the case acted on */
    int case_type;              /* YF_ACT_CASE_CREATE: the new case's type, else -1 */
    int64_t hearing_id;         /* when the action is on one hearing */
    int64_t host_id;            /* when it is on one appointment: its host (a
                                   prosecutor may read what they host) */
} yf_authz_object;

typedef enum {
    YF_AUTHZ_ALLOW,
    YF_AUTHZ_UNAUTHENTICATED,   /* 401: no principal, or the wrong kind for the action */
    YF_AUTHZ_FORBIDDEN,         /* 403 */
} yf_authz_result;

/* Decides action for p on obj (NULL = no object: the role's row only, used to
 * gate listings whose items are then checked one by one). Reads the store for
 * the clerk rule (participation). Never writes. */
yf_authz_result yf_authz_check(yf_store *st, const yf_principal *p, yf_authz_action action,
                               const yf_authz_object *obj);

/* The action's code ("case.read") and, for the docs and tests, the table cell
 * for a role: "yes", "own" (object rule applies) or "no". */
const char *yf_authz_action_code(yf_authz_action a);
const char *yf_authz_cell(int role_or_invitee, yf_authz_action a);
#define YF_AUTHZ_ROW_INVITEE YF_ROLE_COUNT_

#endif
