/* migrations.h -- the versioned schema of the SQLite case store. PRAGMA
 * user_version holds the applied version; each migration runs in its own
 * BEGIN IMMEDIATE transaction that also bumps user_version. Migrations are
 * append-only: a released one is never edited, only followed by a new one. */
#ifndef YF_MIGRATIONS_H
#define YF_MIGRATIONS_H

#include <glib.h>
#include <sqlite3.h>

typedef struct {
    int version;          /* 1, 2, ... in order, no gaps */
    const char *name;
    const char *sql;      /* several statements */
} yf_migration;

/* The newest version this build knows. */
int yf_migrations_latest(void);
/* The array of all migrations; *n gets its length. */
const yf_migration *yf_migrations_all(int *n);
/* Reads PRAGMA user_version (-1 on error). */
int yf_migrations_current(sqlite3 *db);
/* Applies every migration above the database's version up to target (0 =
 * latest). A database newer than this build: YF_STORE_ERROR_VERSION. A failed
 * migration rolls back alone; earlier ones stay applied. */
gboolean yf_migrations_apply(sqlite3 *db, int target, GError **error);

#endif
