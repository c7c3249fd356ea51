/* store_reads.h -- the store's listings and read queries, beside store.h's
 * records and writes: listings by case, appointment and hearing, the clerk's
 * participation, whether an appointment can still be held, a note's
 * finalization and confirmations, rating-once, the audit listing and the
 * statistics rows. Engine-neutral like store.h (no SQL, no SQLite type).
 * Control thread only. */
#ifndef YF_STORE_READS_H
#define YF_STORE_READS_H

#include "store.h"

/* TRUE when staff_id is a participant of the hearing / of any hearing of the case.
 * FALSE with *error set on failure (FALSE without error: not a participant). */
gboolean yf_store_staff_in_hearing(yf_store *st, int64_t staff_id, int64_t hearing_id,
                                       GError **error);
gboolean yf_store_staff_in_case(yf_store *st, int64_t staff_id, int64_t case_id,
                                    GError **error);

/* Each returns a GPtrArray that frees its elements, oldest first; NULL on error. */
GPtrArray *yf_store_appointment_list(yf_store *st, int64_t case_id, GError **error);   /* yf_appointment* */
GPtrArray *yf_store_invitee_list(yf_store *st, int64_t appointment_id, GError **error); /* yf_invitee* */
#define YF_STORE_DAY_MAX 1000
/* The appointments not cancelled that start in [from_ms, to_ms), by start time
 * then id, at most YF_STORE_DAY_MAX: yf_appointment*. */
GPtrArray *yf_store_appointments_between(yf_store *st, int64_t from_ms, int64_t to_ms, GError **error);
GPtrArray *yf_store_hearing_list(yf_store *st, int64_t case_id, int64_t appointment_id,
                                 GError **error);  /* yf_hearing*; filter by case, or appointment when case_id 0 */
/* Whether appointment_id can still be held: FALSE with *code (a stable API
 * error code: "appointment_cancelled", "case_closed" when its case is at
 * 终结, "hearing_ended" when its latest hearing has ended) and *why (an
 * English sentence), both static. A hearing started again after an end opens
 * it again. An appointment the store cannot read counts as open: the
 * caller's own look-ups report that. */
gboolean yf_store_appointment_open(yf_store *st, int64_t appointment_id, const char **code, const char **why);
GPtrArray *yf_store_recording_list(yf_store *st, int64_t hearing_id, GError **error); /* yf_recording* */

typedef struct {
    int64_t id, staff_id, invitee_id, joined_ms;
    char *name, *role;
} yf_participant;
void yf_participant_free(yf_participant *p);
GPtrArray *yf_store_participant_list(yf_store *st, int64_t hearing_id, GError **error);

/* When the hearing's note was finalized: *finalized_ms 0 when it is not (yet),
 * or when the hearing has no note. */
gboolean yf_store_note_finalized(yf_store *st, int64_t hearing_id, int64_t *finalized_ms,
                                     GError **error);

/* One participant's decision on a finalized note (yf_store_note_confirm). */
typedef struct {
    int64_t participant_id, at_ms;
    char *name, *role;         /* the participant's, as in participants */
    gboolean confirm;          /* FALSE: refused */
    char *reason;              /* "" when none was given */
} yf_note_confirmation;
void yf_note_confirmation_free(yf_note_confirmation *c);   /* accepts NULL */
/* yf_note_confirmation*, in the order they were given; empty without a note. */
GPtrArray *yf_store_note_confirmations(yf_store *st, int64_t hearing_id, GError **error);

/* One entry of a hearing's note, with who wrote it by name: a staff member
 * or invitee as they are listed among the hearing's participants (else as
 * their account or invitation names them); the recorder's lines are by
 * "system" with name and role "". */
typedef struct {
    int64_t id, offset_ms, created_ms;
    char *author;              /* "staff:4", "invitee:9" or "system" */
    char *name, *role;
    char *text;
} yf_note_entry;
void yf_note_entry_free(yf_note_entry *e);   /* accepts NULL */
/* yf_note_entry*, in the note's order (offset, then as written); empty without a note. */
GPtrArray *yf_store_note_entries(yf_store *st, int64_t hearing_id, GError **error);

/* Beijing time (UTC+8): notes are read there. */
#define YF_STORE_TZ_BEIJING_S (8 * 3600)
/* ms since the epoch at UTC + tz_offset_s in a g_date_time_format format
 * ("%Y-%m-%d %H:%M:%S"), g_free; "?" for a time out of range. Any thread. */
char *yf_store_time_text(int64_t ms, int tz_offset_s, const char *format);
/* The entries (yf_note_entry*, in order) as the notes' text, g_free: one
 * line per entry, "[00:01:02 · 08:34:39] 李书记员（书记员）：信访人陈述：……" --
 * the moment in the hearing (h:mm:ss since start_ms, two-digit hours) and the
 * wall clock at UTC + tz_offset_s, then the author's name and Chinese role
 * (yf_participant_role_label); the recorder's lines as
 * "[00:00:02 · 08:30:44] 【系统】……". A line break inside an entry continues
 * it on a line indented by four spaces, so no text can pose as another
 * entry. "" for no entries. Pure: any thread. */
char *yf_store_note_format(const GPtrArray *entries, int64_t start_ms, int tz_offset_s);

/* The hearing a recording belongs to (no audit entry: that comes with access). */
gboolean yf_store_recording_hearing(yf_store *st, int64_t recording_id, int64_t *hearing_id,
                                        GError **error);
/* One export (no audit entry: a download's comes with yf_store_export_access). */
gboolean yf_store_export_get(yf_store *st, int64_t id, yf_export *out, GError **error);
/* yf_export* of one recording, newest first; of every QUEUED or PROCESSING
 * export when recording_id is 0, oldest first (the job order). */
GPtrArray *yf_store_export_list(yf_store *st, int64_t recording_id, GError **error);

/* Number of ratings given by actor ("invitee:5"); -1 on error. */
int64_t yf_store_rating_count(yf_store *st, yf_actor actor, GError **error);

typedef struct {
    int64_t id, at_ms;
    char *actor, *action, *object, *detail;
} yf_audit_row;
void yf_audit_row_free(yf_audit_row *r);
/* Entries with id > after_id (ascending), at most limit; action_prefix NULL = all. */
GPtrArray *yf_store_audit_list(yf_store *st, int64_t after_id, int limit,
                                   const char *action_prefix, GError **error);
/* A satisfaction rating of the case (POST /invitation/rating), with who gave
 * it by name (the invitee's) and role. */
typedef struct {
    int64_t id, hearing_id, at_ms;
    int score;
    char *comment, *name, *role;
} yf_rating_row;
void yf_rating_row_free(yf_rating_row *r);   /* accepts NULL */
/* yf_rating_row*, oldest first. */
GPtrArray *yf_store_case_ratings(yf_store *st, int64_t case_id, GError **error);

/* A case's own audit trail, newest first: the entries about the case and
 * everything of it (appointments, invitations, hearings, participants,
 * recordings, note entries, ratings, aid), with id < before_id (0: from the
 * newest). */
GPtrArray *yf_store_case_audit(yf_store *st, int64_t case_id, int64_t before_id, int limit, GError **error);
/* The same newest first: rows with id < before_id (0: from the newest). */
GPtrArray *yf_store_audit_list_newest(yf_store *st, int64_t before_id, int limit, const char *action_prefix,
                                      GError **error);

/* One case received within [from, to] with its two answer times (0 = not yet). */
typedef struct {
    yf_case_type type;
    yf_channel channel;
    yf_stage stage;
    GDate received, reply_due, result_due;
    int64_t forwarded_ms;   /* first move out of 登记/审查 */
    int64_t closed_ms;      /* first move to 终结 */
} yf_stats_row;
/* GArray of yf_stats_row, NULL on error. */
GArray *yf_store_stats_rows(yf_store *st, const GDate *from, const GDate *to, GError **error);

#endif
