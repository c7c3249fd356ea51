/* migrations.c -- the case store's schema as an ordered list of SQL scripts
 * and the runner that applies them at open (from empty or any older version),
 * each transactional with its user_version bump. Enum columns store ASCII codes
 * guarded by CHECK; the Chinese labels live in store_enums.c. */
#include "migrations.h"

#include "store.h"

static const char v1_base[] =
    "CREATE TABLE staff ("
    " id INTEGER PRIMARY KEY,"
    " username TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 64),"
    " display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),"
    " role TEXT NOT NULL CHECK (role IN ('admin','prosecutor','clerk','aid_staff','viewer')),"
    " password_hash TEXT NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0,1)),"
    " created_ms INTEGER NOT NULL);"
    "CREATE TABLE sessions ("
    " id INTEGER PRIMARY KEY,"
    " token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
    " staff_id INTEGER NOT NULL REFERENCES staff(id),"
    " created_ms INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL,"
    " revoked_ms INTEGER);"
    "CREATE INDEX sessions_staff ON sessions(staff_id);"
    "CREATE TABLE cases ("
    " id INTEGER PRIMARY KEY,"
    " case_no TEXT NOT NULL UNIQUE CHECK (length(case_no) BETWEEN 1 AND 64),"
    " type TEXT NOT NULL CHECK (type IN ('accusation','appeal','report','state_compensation',"
    "  'judicial_aid','legal_consultation')),"
    " channel TEXT NOT NULL CHECK (channel IN ('letter','visit','online','phone','video')),"
    " petitioner TEXT NOT NULL CHECK (length(petitioner) BETWEEN 1 AND 200),"
    " contact TEXT NOT NULL DEFAULT '' CHECK (length(contact) <= 500),"
    " summary TEXT NOT NULL DEFAULT '' CHECK (length(summary) <= 20000),"
    " prosecutor_id INTEGER REFERENCES staff(id),"
    " received TEXT NOT NULL CHECK (received GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),"
    " reply_due TEXT NOT NULL CHECK (reply_due > received),"
    " result_due TEXT NOT NULL CHECK (result_due > received),"
    " stage TEXT NOT NULL CHECK (stage IN ('register','review','assign','handle','reply',"
    "  'recheck','closed')),"
    " created_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL);"
    "CREATE INDEX cases_prosecutor ON cases(prosecutor_id);"
    "CREATE TABLE case_events ("
    " id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " at_ms INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " from_stage TEXT CHECK (from_stage IN ('register','review','assign','handle','reply',"
    "  'recheck','closed')),"
    " to_stage TEXT NOT NULL CHECK (to_stage IN ('register','review','assign','handle','reply',"
    "  'recheck','closed')),"
    " note TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 5000));"
    "CREATE INDEX case_events_case ON case_events(case_id, id);"
    "CREATE TABLE appointments ("
    " id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " host_id INTEGER NOT NULL REFERENCES staff(id),"
    " start_ms INTEGER NOT NULL,"
    " title TEXT NOT NULL DEFAULT '',"
    " cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0,1)));"
    "CREATE INDEX appointments_case ON appointments(case_id);"
    "CREATE TABLE invitees ("
    " id INTEGER PRIMARY KEY,"
    " appointment_id INTEGER NOT NULL REFERENCES appointments(id),"
    " role TEXT NOT NULL CHECK (role IN ('petitioner','agent','witness','interpreter',"
    "  'hearing_member','other')),"
    " name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),"
    " contact TEXT NOT NULL DEFAULT '',"
    " token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
    " expires_ms INTEGER NOT NULL,"
    " revoked_ms INTEGER,"
    " admitted_ms INTEGER);"
    "CREATE INDEX invitees_appointment ON invitees(appointment_id);"
    "CREATE TABLE hearings ("
    " id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " appointment_id INTEGER REFERENCES appointments(id),"
    " kind TEXT NOT NULL CHECK (kind IN ('reception','public_hearing','aid_disbursement')),"
    " room TEXT NOT NULL,"
    " start_ms INTEGER NOT NULL,"
    " end_ms INTEGER CHECK (end_ms IS NULL OR end_ms >= start_ms));"
    "CREATE INDEX hearings_case ON hearings(case_id);"
    "CREATE TABLE participants ("
    " id INTEGER PRIMARY KEY,"
    " hearing_id INTEGER NOT NULL REFERENCES hearings(id),"
    " name TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " staff_id INTEGER REFERENCES staff(id),"
    " invitee_id INTEGER REFERENCES invitees(id),"
    " joined_ms INTEGER NOT NULL,"
    " CHECK (staff_id IS NULL OR invitee_id IS NULL));"
    "CREATE INDEX participants_hearing ON participants(hearing_id);"
    "CREATE TABLE notes ("
    " id INTEGER PRIMARY KEY,"
    " hearing_id INTEGER NOT NULL UNIQUE REFERENCES hearings(id),"
    " finalized_ms INTEGER,"
    " finalized_by TEXT);"
    "CREATE TABLE note_entries ("
    " id INTEGER PRIMARY KEY,"
    " note_id INTEGER NOT NULL REFERENCES notes(id),"
    " author TEXT NOT NULL,"
    " text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 20000),"
    " offset_ms INTEGER NOT NULL CHECK (offset_ms >= 0),"
    " created_ms INTEGER NOT NULL);"
    "CREATE INDEX note_entries_note ON note_entries(note_id, id);"
    "CREATE TABLE note_confirmations ("
    " note_id INTEGER NOT NULL REFERENCES notes(id),"
    " participant_id INTEGER NOT NULL REFERENCES participants(id),"
    " decision TEXT NOT NULL CHECK (decision IN ('confirm','refuse')),"
    " reason TEXT NOT NULL DEFAULT '',"
    " at_ms INTEGER NOT NULL,"
    " PRIMARY KEY (note_id, participant_id));"
    "CREATE TABLE recordings ("
    " id INTEGER PRIMARY KEY,"
    " hearing_id INTEGER NOT NULL REFERENCES hearings(id),"
    " participant_id INTEGER REFERENCES participants(id),"
    " path TEXT NOT NULL UNIQUE,"
    " size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),"
    " duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),"
    " sha256 BLOB NOT NULL CHECK (length(sha256) = 32),"
    " created_ms INTEGER NOT NULL);"
    "CREATE INDEX recordings_hearing ON recordings(hearing_id);"
    "CREATE TABLE aid_disbursements ("
    " id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " hearing_id INTEGER REFERENCES hearings(id),"
    " decision_no TEXT NOT NULL UNIQUE CHECK (length(decision_no) BETWEEN 1 AND 64),"
    " amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),"
    " created_ms INTEGER NOT NULL,"
    " confirmed_ms INTEGER,"
    " confirmed_by TEXT);"
    "CREATE TABLE audit_log ("
    " id INTEGER PRIMARY KEY,"
    " at_ms INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " object TEXT NOT NULL,"
    " detail TEXT NOT NULL,"
    " prev_hash BLOB NOT NULL,"
    " hash BLOB NOT NULL);"
    "CREATE TABLE audit_head ("
    " one INTEGER PRIMARY KEY CHECK (one = 1),"
    " last_id INTEGER NOT NULL,"
    " hash BLOB NOT NULL);"
    "INSERT INTO audit_head (one, last_id, hash) VALUES (1, 0, zeroblob(32));"
    /* Guards against our own bugs; the hash chain is what catches tampering. */
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head"
    " BEGIN SELECT RAISE(ABORT, 'audit head cannot be deleted'); END;";

static const char v2_ratings_overdue[] =
    "CREATE TABLE ratings ("
    " id INTEGER PRIMARY KEY,"
    " case_id INTEGER NOT NULL REFERENCES cases(id),"
    " hearing_id INTEGER REFERENCES hearings(id),"
    " score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),"
    " comment TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),"
    " by_actor TEXT NOT NULL,"
    " at_ms INTEGER NOT NULL);"
    "CREATE INDEX ratings_case ON ratings(case_id);"
    /* The overdue list: a prosecutor's open cases in id order, closed ones left out. */
    "CREATE INDEX cases_open_by_prosecutor ON cases(prosecutor_id, id) WHERE stage <> 'closed';"
    "CREATE INDEX cases_received ON cases(received);";

/* A participant's joined_ms is when they first entered the hearing room's
 * media, and NULL when they never did; the NOT NULL column of v1 held when
 * the row was added and keeps that as added_ms. Rows from before v3 keep
 * their old time as joined_ms too: it is all that is known of them. */
static const char v3_participant_joined[] =
    "ALTER TABLE participants RENAME COLUMN joined_ms TO added_ms;"
    "ALTER TABLE participants ADD COLUMN joined_ms INTEGER;"
    "UPDATE participants SET joined_ms = added_ms;";

/* User names are one account whatever their case: "Admin1" is "admin1", both
 * when made and when signing in. A file that already holds two names differing
 * only in case stops here, and the operator renames one first. */
static const char v4_username_nocase[] =
    "CREATE UNIQUE INDEX staff_username_nocase ON staff(username COLLATE NOCASE);";

/* A host's removal of someone from a hearing room outlives the room's memory
 * (an emptied room, a restart): every join asks here (store_rooms.c). */
static const char v5_room_removals[] =
    "CREATE TABLE room_removals ("
    " room TEXT NOT NULL,"
    " participant TEXT NOT NULL,"
    " removed_ms INTEGER NOT NULL,"
    " by_participant TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY (room, participant)) WITHOUT ROWID;";

/* The petitioner's resident ID number (optional): "" or 18 characters, the
 * last a digit or X. The check digit is verified before a write
 * (identity.c); the CHECK guards the form against our own bugs. */
static const char v6_case_id_number[] =
    "ALTER TABLE cases ADD COLUMN id_number TEXT NOT NULL DEFAULT ''"
    " CHECK (id_number = '' OR id_number GLOB"
    " '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9X]');";

/* What an appointment is for: 接访 (every existing one), 检察听证, 司法救助. */
static const char v7_appointment_kind[] =
    "ALTER TABLE appointments ADD COLUMN kind TEXT NOT NULL DEFAULT 'reception'"
    " CHECK (kind IN ('reception','public_hearing','aid'));";

/* When an invitation link was first used (GET /invitation or its room
 * token): NULL until then, written once. */
static const char v8_invitee_opened[] =
    "ALTER TABLE invitees ADD COLUMN opened_ms INTEGER;";

/* The day's appointments are read by start time. */
static const char v9_appointments_start[] =
    "CREATE INDEX appointments_start ON appointments(start_ms);";

/* A cancellation keeps when and why; a reissued invitation names the
 * invitation that replaced it (its token was revoked in the same step). */
static const char v10_cancel_reissue[] =
    "ALTER TABLE appointments ADD COLUMN cancelled_ms INTEGER;"
    "ALTER TABLE appointments ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT ''"
    " CHECK (length(cancel_reason) <= 500);"
    "ALTER TABLE invitees ADD COLUMN replaced_by INTEGER REFERENCES invitees(id);";

/* Where a recording's time 0 lies on the wall clock (the post-processing
 * output's start), so a note entry's moment in the hearing can be found in
 * the file: NULL for recordings made before this. */
static const char v11_recording_start[] =
    "ALTER TABLE recordings ADD COLUMN start_ms INTEGER;";

/* A case's own audit trail (GET /cases/{id}/audit) looks entries up by the
 * objects of the case: without this, every look would read the whole log. */
static const char v12_audit_object[] =
    "CREATE INDEX audit_log_object ON audit_log(object, id);";

/* A recording's copy for someone outside the case (a lawyer, a reviewer),
 * watermarked with their name: who asked, for whom and why, and the file
 * with its own hash once the job has made it (store_exports.c). */
static const char v13_exports[] =
    "CREATE TABLE exports ("
    " id INTEGER PRIMARY KEY,"
    " recording_id INTEGER NOT NULL REFERENCES recordings(id),"
    " recipient TEXT NOT NULL CHECK (length(recipient) BETWEEN 1 AND 100),"
    " organisation TEXT NOT NULL DEFAULT '' CHECK (length(organisation) <= 200),"
    " purpose TEXT NOT NULL DEFAULT '' CHECK (length(purpose) <= 500),"
    " requested_by TEXT NOT NULL,"
    " requested_ms INTEGER NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('queued','processing','done','failed')),"
    " path TEXT UNIQUE,"
    " size_bytes INTEGER CHECK (size_bytes >= 0),"
    " sha256 BLOB CHECK (sha256 IS NULL OR length(sha256) = 32),"
    " finished_ms INTEGER,"
    " error TEXT NOT NULL DEFAULT '' CHECK (length(error) <= 1000));"
    "CREATE INDEX exports_recording ON exports(recording_id);"
    "CREATE INDEX exports_pending ON exports(state) WHERE state IN ('queued','processing');";

/* 司法救助 disbursed in a hearing (store_aid.c): to whom and to which account,
 * when the decision was shown and the confirmation asked for and given (its
 * moment in the hearing), and the files of each step -- the still of the
 * applicant holding their ID card, the decision document, the receipt -- each
 * with its SHA-256. Only new columns and a new table. */
static const char v14_aid[] =
    "ALTER TABLE aid_disbursements ADD COLUMN payee TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE aid_disbursements ADD COLUMN bank TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE aid_disbursements ADD COLUMN account TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE aid_disbursements ADD COLUMN created_by TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE aid_disbursements ADD COLUMN shown_ms INTEGER;"
    "ALTER TABLE aid_disbursements ADD COLUMN asked_ms INTEGER;"
    "ALTER TABLE aid_disbursements ADD COLUMN confirm_offset_ms INTEGER;"
    "CREATE INDEX aid_disbursements_hearing ON aid_disbursements(hearing_id);"
    "CREATE INDEX aid_disbursements_case ON aid_disbursements(case_id);"
    "CREATE TABLE aid_files ("
    " id INTEGER PRIMARY KEY,"
    " aid_id INTEGER NOT NULL REFERENCES aid_disbursements(id),"
    " kind TEXT NOT NULL CHECK (kind IN ('still','decision','receipt')),"
    " path TEXT NOT NULL UNIQUE,"
    " media_type TEXT NOT NULL,"
    " size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),"
    " sha256 BLOB NOT NULL CHECK (length(sha256) = 32),"
    " created_ms INTEGER NOT NULL,"
    " moment_ms INTEGER);"
    "CREATE INDEX aid_files_aid ON aid_files(aid_id);";

/* Each participant's own decision on the finalized note (docs/store.md):
 * the handwritten signature of a confirmation, kept as the PNG the server
 * checked with its SHA-256, and whether the participant gave the decision
 * themselves (from their own screen) or staff recorded it for them. Only a
 * new table and a new column, so it applies whatever came before it. */
static const char v15_note_signatures[] =
    "CREATE TABLE note_signatures ("
    " note_id INTEGER NOT NULL REFERENCES notes(id),"
    " participant_id INTEGER NOT NULL REFERENCES participants(id),"
    " png BLOB NOT NULL CHECK (length(png) BETWEEN 57 AND 262144),"
    " sha256 BLOB NOT NULL CHECK (length(sha256) = 32),"
    " width INTEGER NOT NULL CHECK (width > 0),"
    " height INTEGER NOT NULL CHECK (height > 0),"
    " PRIMARY KEY (note_id, participant_id));"
    "ALTER TABLE note_confirmations ADD COLUMN by_self INTEGER NOT NULL DEFAULT 0"
    " CHECK (by_self IN (0,1));";

/* A public hearing's agenda: each step change (1..7) with its moment and
 * who moved it; the current step is the latest row (store_steps.c). */
static const char v16_hearing_steps[] =
    "CREATE TABLE hearing_steps ("
    " id INTEGER PRIMARY KEY,"
    " hearing_id INTEGER NOT NULL REFERENCES hearings(id),"
    " step INTEGER NOT NULL CHECK (step BETWEEN 1 AND 7),"
    " at_ms INTEGER NOT NULL,"
    " actor TEXT NOT NULL);"
    "CREATE INDEX hearing_steps_hearing ON hearing_steps(hearing_id, id);";

/* A public hearing's deliberation room is recorded on its own: its files
 * are recordings of the hearing marked as the deliberation's (recorder). */
static const char v17_recording_deliberation[] =
    "ALTER TABLE recordings ADD COLUMN deliberation INTEGER NOT NULL DEFAULT 0"
    " CHECK (deliberation IN (0,1));";

static const yf_migration migrations[] = {
    { 1, "base schema", v1_base },
    { 2, "satisfaction ratings; overdue and date-range indexes", v2_ratings_overdue },
    { 3, "participants: joined_ms nullable (entry into the room), added_ms", v3_participant_joined },
    { 4, "staff user names unique without case", v4_username_nocase },
    { 5, "removals from hearing rooms", v5_room_removals },
    { 6, "cases: the petitioner's resident ID number", v6_case_id_number },
    { 7, "appointments: kind (reception, public hearing, aid)", v7_appointment_kind },
    { 8, "invitees: opened_ms (the link's first use)", v8_invitee_opened },
    { 9, "appointments: index by start time", v9_appointments_start },
    { 10, "appointments: when and why cancelled; invitees: replaced_by", v10_cancel_reissue },
    { 11, "recordings: start_ms (the wall-clock moment of the file's time 0)", v11_recording_start },
    { 12, "audit_log: index by object (a case's own audit trail)", v12_audit_object },
    { 13, "exports: watermarked copies of recordings", v13_exports },
    { 14, "aid disbursements: account, steps and their files", v14_aid },
    { 15, "note signatures; confirmations given by the participant themselves", v15_note_signatures },
    { 16, "hearing_steps: a public hearing's agenda", v16_hearing_steps },
    { 17, "recordings: the deliberation room's files", v17_recording_deliberation },
};

/* The last migration's version (the list is in ascending order). */
int yf_migrations_latest(void)
{
    return migrations[G_N_ELEMENTS(migrations) - 1].version;
}

const yf_migration *yf_migrations_all(int *n)
{
    *n = (int)G_N_ELEMENTS(migrations);
    return migrations;
}

int yf_migrations_current(sqlite3 *db)
{
    sqlite3_stmt *s = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* One migration in one transaction; re-checks the version inside it so two
 * processes opening at once do not both apply it. */
static gboolean apply_one(sqlite3 *db, const yf_migration *m, GError **error)
{
    char *msg = NULL, *bump = NULL;
    gboolean ok = FALSE;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
        goto out;
    int cur = yf_migrations_current(db);
    if (cur >= m->version) {
        ok = sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) == SQLITE_OK;
        goto out;
    }
    bump = g_strdup_printf("PRAGMA user_version = %d", m->version);  /* our constant */
    if (sqlite3_exec(db, m->sql, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(db, bump, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        goto out;
    }
    ok = TRUE;
out:
    if (!ok)
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_INTERNAL, "migration %d (%s) failed: %s",
                    m->version, m->name, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    g_free(bump);
    return ok;
}

gboolean yf_migrations_apply(sqlite3 *db, int target, GError **error)
{
    int latest = yf_migrations_latest();
    int cur = yf_migrations_current(db);
    if (target <= 0 || target > latest)
        target = latest;
    if (cur < 0) {
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_INTERNAL, "cannot read schema version: %s",
                    sqlite3_errmsg(db));
        return FALSE;
    }
    if (cur > latest) {
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_VERSION,
                    "database schema version %d is newer than this yuanfang knows (%d); "
                    "run a newer yuanfang or restore a backup", cur, latest);
        return FALSE;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(migrations); i++) {
        if (migrations[i].version <= cur || migrations[i].version > target)
            continue;
        if (!apply_one(db, &migrations[i], error))
            return FALSE;
    }
    return TRUE;
}
