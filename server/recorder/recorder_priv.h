/* recorder_priv.h -- what recorder.c (control thread: capture, notes, audit,
 * attach) and recorder_job.c (the job thread: post-processing, hashing,
 * evidence) share. Not for other modules. */
#ifndef YF_RECORDER_PRIV_H
#define YF_RECORDER_PRIV_H

#include <jansson.h>

#include "server/evidence/evidence.h"
#include "recorder.h"

/* A hearing's recording directory DATA_DIR/recordings/h<ID>:
 *   s<K>/          one capture session (a room's life while the hearing ran):
 *                  *.ycap and roster.json ([{num, participant, name, role,
 *                  label}]; label: the role in Chinese, an invitee's own)
 *   out/           post-processing outputs (p<N>.webm|mkv, composite.webm)
 *   paused         while a running hearing is not captured: since when, why
 *   notes.txt      the notes as packed into the evidence package
 *   signatures/    participant-<ID>.png: each signature drawn on the notes (0600)
 *   attached       marker: the outputs are in the case store
 *   evidence.tar   the signed evidence package */
#define YF_RECORDER_DIR_NAME "recordings"
#define YF_RECORDER_ROSTER "roster.json"
#define YF_RECORDER_ATTACHED "attached"
#define YF_RECORDER_EVIDENCE "evidence.tar"
#define YF_RECORDER_NOTES "notes.txt"
#define YF_RECORDER_SIGNATURE_FMT "signatures/participant-%" G_GINT64_FORMAT ".png"
#define YF_RECORDER_PAUSED "paused"       /* "<ms> <reason>" (kept across a restart) */

typedef enum {
    YF_RECORDER_NONE,        /* nothing captured (yet) */
    YF_RECORDER_WAITING,     /* the hearing runs; its room is not open */
    YF_RECORDER_RECORDING,
    YF_RECORDER_QUEUED,
    YF_RECORDER_PROCESSING,
    YF_RECORDER_DONE,
    YF_RECORDER_FAILED,
} yf_recorder_state;

/* One hearing the recorder knows. Invariants: never freed before the
 * recorder (the job thread holds pointers); state, progress and error are
 * guarded by the recorder's lock, everything else is control-thread only;
 * session != NULL <=> state == YF_RECORDER_RECORDING. */
typedef struct {
    int64_t id;
    char *room;
    char *dir;
    char *session;            /* the capture session being written */
    json_t *roster;           /* of `session` */
    int64_t start_ms;         /* the hearing's start (note offsets) */
    const char *kind_label;   /* static: 接访, 检察听证, 司法救助 */
    int64_t gap_since_ms;     /* capture interrupted since (0: not) ... */
    char *gap_reason;         /* ... and why */
    gboolean notes_stale;     /* the notes changed after the queued package
                                 gathered them: build it again after */
    GHashTable *presence;     /* participant -> its presence lines (presence.c) */
    guint presence_timer;     /* writes the folded ones when due */
    yf_recorder_state state;
    double progress;
    char *error;
    char *delib_session;      /* the deliberation room's capture dir (d<K>) while open */
    json_t *delib_roster;     /* of delib_session */
} yf_recorder_hearing;

typedef struct yf_recorder_exports yf_recorder_exports;

/* A job for the thread. FULL: post-process, hash; EVIDENCE: build the
 * package from `ev` (strings owned by `keep`). */
typedef enum { JOB_FULL, JOB_EVIDENCE } yf_recorder_job_kind;

typedef struct {
    yf_recorder *rec;
    yf_recorder_hearing *h;
    yf_recorder_job_kind kind;
    char *dir;                /* copy of h->dir */
    char *case_no;
    const char *kind_label;   /* static: the hearing's kind in Chinese, for the composite's band */
    /* results of JOB_FULL, for the control thread */
    GPtrArray *outputs;       /* yf_post_output* */
    GPtrArray *output_pids;   /* char*: the token participant of each output ("" composite) */
    GPtrArray *output_names, *output_roles;
    GArray *sha256;           /* guint8[32] per output */
    GArray *sizes;            /* int64 per output */
    GArray *output_delib;     /* gboolean per output: made from a deliberation room's captures */
    double progress_base, progress_span;   /* where the running post-processing's 0..1 lies in the job's */
    GString *delib_errors;    /* deliberations that could not be processed, and why; NULL: none */
    /* JOB_EVIDENCE */
    yf_evidence_input ev;
    GPtrArray *keep;          /* strings ev points into */
    GArray *ev_files, *ev_people;
    GError *error;
    GArray *steps;            /* yf_post_step: a public hearing's agenda for the band */
    GPtrArray *step_texts;    /* the strings steps point into */
} yf_recorder_job;

struct yf_recorder {
    yf_store *store;
    char *data_dir, *root;
    yf_sigroom_hub *rooms;
    yf_api *api;              /* borrowed (yf_recorder_attach) */
    yf_rec_writer *writer;
    GHashTable *hearings;     /* int64* id -> yf_recorder_hearing* */
    GMutex lock;              /* yf_recorder_hearing state/progress/error; busy */
    GThread *thread;
    GAsyncQueue *jobs;        /* yf_recorder_job*; a job with h == NULL stops the thread */
    gint cancel;              /* g_atomic: the running job stops */
    GAsyncQueue *done;        /* yf_recorder_job*: finished, for the control thread */
    GSource *done_src;        /* on the control context: drains `done` */
    yf_recorder_exports *exports;   /* recorder_export.c */
    struct yf_recorder_stills *stills;   /* recorder_still.c; NULL until the first still */
    gint jobs_running;        /* g_atomic: 1 while the job thread runs a job */
    gint jobs_failed;         /* g_atomic: recordings whose post-processing or evidence failed */
};

/* recorder.c: the hearing whose room is being captured now, or NULL. */
yf_recorder_hearing *yf_recorder_recording_in(yf_recorder *rec, const char *room);
/* room_hearing.c: the rooms' hearing hooks (what the room shows of its
 * hearing; the host ending it from the room). */
extern const yf_sigroom_hearing_hooks yf_recorder_hearing_hooks;

/* room_agenda.c: a public hearing's agenda (the rooms' agenda hooks) and
 * its deliberation room's own capture (DIR/h<ID>/d<K>), called from the
 * rooms' capture hooks for a room named with YF_SIGROOM_DELIBERATION_SUFFIX. */
extern const yf_sigroom_agenda_hooks yf_recorder_agenda_hooks;
gboolean yf_recorder_is_deliberation(const char *room);
char *yf_recorder_deliberation_opened(yf_recorder *rec, const char *room);
void yf_recorder_deliberation_member(yf_recorder *rec, const char *room, uint32_t num, const char *pid,
                                     const char *name, const char *role, gint64 entered_ms);
void yf_recorder_deliberation_closed(yf_recorder *rec, const char *room);
/* room_agenda.c: the hearing's step changes as the composite's band labels
 * (into j->steps / j->step_texts; nothing when it has none). */
void yf_recorder_job_steps(yf_recorder *rec, yf_recorder_job *j, int64_t hearing_id);

void yf_recorder_job_free(yf_recorder_job *j);
/* What a directory under DIR/h<ID> named `name` is: 's' for a capture session
 * of the hearing room (s<K>), 'd' for one of its deliberation room (d<K>), 0
 * for anything else (out/, stills, markers). */
char yf_recorder_session_kind(const char *name);
/* recorder_job.c: SHA-256 and size of a file (any thread). */
gboolean yf_recorder_hash_file(const char *path, guint8 out[32], int64_t *size, GError **err);

/* recorder_export.c: watermarked copies of recordings (docs/recording.md,
 * "Exports"), one at a time on a thread of their own, so a hearing's
 * post-processing never waits behind one. new requeues what a stop cut short
 * and starts the oldest queued export; free stops a running one (rec->cancel
 * must be set) and joins its thread. Control thread. */
yf_recorder_exports *yf_recorder_exports_new(yf_recorder *rec);
void yf_recorder_exports_free(yf_recorder_exports *ex);   /* accepts NULL */
void yf_recorder_export_queued(void *user, int64_t export_id);       /* API hook; user = the recorder */
double yf_recorder_export_progress(void *user, int64_t export_id);   /* API hook */
/* recorder_still.c: 司法救助 identity stills (API hooks); free forgets the
 * stills still being taken (their results are dropped). */
gboolean yf_recorder_still_take(void *user, int64_t hearing_id, int64_t aid_id, const char *role, int64_t staff_id,
                                GError **err);
gboolean yf_recorder_still_state(void *user, int64_t aid_id, char **last_error);
void yf_recorder_stills_free(yf_recorder *rec);
/* recorder_job.c: the thread's loop (GThreadFunc, data = the recorder). */
gpointer yf_recorder_job_thread(gpointer data);
/* recorder.c */
void yf_recorder_audit(yf_recorder *rec, const yf_recorder_hearing *h, const char *action, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
void yf_recorder_note(yf_recorder *rec, const yf_recorder_hearing *h, int64_t at_ms, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
char *yf_recorder_clock_text(int64_t ms);   /* "14:03:05", UTC+8 */
yf_recorder_hearing *yf_recorder_hearing_get(yf_recorder *rec, int64_t id);   /* from the store on first use */
void yf_recorder_hearing_free(gpointer h);
void yf_recorder_queue_job(yf_recorder *rec, yf_recorder_hearing *h, yf_recorder_job_kind kind, yf_recorder_job *j);
void yf_recorder_queue_full(yf_recorder *rec, yf_recorder_hearing *h);
extern const yf_api_recording_hooks yf_recorder_api_hooks;
extern const yf_sigroom_capture_hooks yf_recorder_room_hooks;
/* presence.c: someone left, dropped out or came back (text: the whole line
 * after 【系统】): at most one line per participant per quiet window, the
 * changes inside it folded into one. flush writes what waits (capture stops);
 * clear drops it all (the hearing is freed). */
#define YF_PRESENCE_QUIET_MS 30000
void yf_recorder_presence_line(yf_recorder *rec, yf_recorder_hearing *h, const char *participant, int64_t now,
                               const char *text);
void yf_recorder_presence_flush(yf_recorder *rec, yf_recorder_hearing *h);
void yf_recorder_presence_clear(yf_recorder_hearing *h);
/* recorder_attach.c: a finished job, on the control thread (takes it). */
void yf_recorder_job_done(yf_recorder_job *j);
/* recorder_attach.c: the evidence job for h, whose outputs are attached. */
void yf_recorder_queue_evidence(yf_recorder *rec, yf_recorder_hearing *h);
/* recorder_attach.c: the participants row of hearing_id for a token
 * participant ("staff:3", "invitee:9", else a walk-in by name and role),
 * added when missing; entered_ms != 0 records their entry into the room
 * (yf_store_participant_seen). 0 (logged) when it cannot be recorded. */
int64_t yf_recorder_participant(yf_recorder *rec, int64_t hearing_id, const char *pid, const char *name, const char *role,
                        int64_t entered_ms);
void yf_recorder_set_state(yf_recorder *rec, yf_recorder_hearing *h, yf_recorder_state s, double progress, const char *error);

#endif
