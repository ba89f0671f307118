/*
 * The SQLite engine: one file, WAL, and a writer lock file beside it
 * (group.c). Opening, transactions and the engine's table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/clock.h"
#include "store/sqlite/sq.h"

static void	sq_close(struct store *);

static int
sq_accepts(const char *db)
{
	(void)db;
	return 1;	/* any other value is a file path */
}

static const char *
sq_errmsg(struct store *s)
{
	return sqlite3_errmsg(SQ(s)->h);
}

/*
 * Whether the path still names the file the handle opened: STORE_OK, or
 * STORE_MOVED with why in *why.
 */
static enum store_res
sq_check_file(struct sq *db, const char **why)
{
	struct stat	 st;

	if (stat(db->path, &st) == -1) {
		*why = "the database file is gone";
		return STORE_MOVED;
	}
	if (st.st_dev != db->dev || st.st_ino != db->ino) {
		*why = "the database file was replaced";
		return STORE_MOVED;
	}
	return STORE_OK;
}

/*
 * Opens the file. Only a first open (conf->create, the master's at start)
 * creates the file and migrates its schema: any later one fails on a
 * missing file or an older schema, rather than start an empty database
 * where the operator's went away. A handle SQLite could only open
 * read-only (a write-protected file or folder) fails too: used, every
 * write would fail, and it would stay read-only after the cause is gone.
 */
static struct store *
sq_open(const struct store_conf *conf)
{
	static const char *const pragma[] = {
		[STORE_SYNC_FULL] = "PRAGMA synchronous = FULL;",
		[STORE_SYNC_GROUP] = "PRAGMA synchronous = NORMAL;",
		[STORE_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL;",
	};
	const char	*path = conf->db, *why = NULL;
	struct sq	*db;
	struct stat	 st;
	char		 lock[4096];
	int		 version = -1;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	db->base.engine = &store_sqlite;
	db->busy_ms = conf->busy_ms;
	db->sync = conf->sync;
	db->horizon = conf->key_horizon;
	db->lockfd = -1;
	if ((db->path = strdup(path)) == NULL)
		goto fail;
	if (conf->create != STORE_CREATE && stat(path, &st) == -1) {
		snprintf(lock, sizeof(lock), "%s-writer", path);
		if (conf->create == STORE_CREATE_NO || stat(lock, &st) == 0) {
			why = "the database file is missing";
			goto fail;
		}
	}
	sq_group_open(db, path);
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    (conf->create ? SQLITE_OPEN_CREATE : 0), NULL) != SQLITE_OK)
		goto fail;
	if (!conf->reader && sqlite3_db_readonly(db->h, "main") != 0) {
		why = "the database file or its folder is read-only";
		goto fail;
	}
	sqlite3_busy_timeout(db->h, conf->busy_ms);
	sqlite3_extended_result_codes(db->h, 1);
	/* WAL lets readers go on while one writer commits. */
	if (sqlite3_exec(db->h, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db->h, pragma[conf->sync], NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (conf->create != STORE_CREATE_NO ? sq_migrate(db->h) == -1 :
	    (version = sq_schema_version(db->h)) != sq_schema_current()) {
		if (version >= 0)
			why = "the database file's schema is not this program's (restart to migrate)";
		goto fail;
	}
	if (sq_prepare(db) == -1)
		goto fail;
	/* The file the handle has, as its path names it after the open. */
	if (stat(path, &st) == -1) {
		why = "the database file is missing";
		goto fail;
	}
	db->dev = st.st_dev;
	db->ino = st.st_ino;
	return &db->base;
fail:
	if (!conf->quiet)
		fprintf(stderr, "%s: cannot open: %s\n", path, why != NULL ? why :
		    db->h != NULL ? sqlite3_errmsg(db->h) : "out of memory");
	sq_close(&db->base);
	return NULL;
}

/*
 * STORE_OK while the handle can be used: no fault of its file seen, and
 * its path still names the file it opened. A file replaced or removed
 * under the handle would take every change into a file nobody reads.
 */
static enum store_res
sq_check(struct store *s, const char **why)
{
	struct sq	*db = SQ(s);

	if (db->fault != 0) {
		*why = sqlite3_errstr(db->fault);
		return STORE_DOWN;
	}
	return sq_check_file(db, why);
}

static void
sq_close(struct store *s)
{
	struct sq	*db = SQ(s);

	if (db == NULL)
		return;
	sq_finalize(db);
	sqlite3_close(db->h);
	sq_group_close(db);
	free(db->path);
	free(db);
}

static enum store_res
sq_begin(struct store *s)
{
	struct sq	*db = SQ(s);
	enum store_res	 rc;

	if (sq_lock(db) == -1)
		return STORE_BUSY;
	db->undo_failed = 0;
	db->purged = 0;
	if ((rc = sq_exec(db, SQ_BEGIN)) != STORE_OK)
		sq_unlock(db);
	return rc;
}

static void
sq_rollback(struct store *s)
{
	struct sq	*db = SQ(s);

	if (!sqlite3_get_autocommit(db->h))
		sq_exec(db, SQ_ROLLBACK);
	/* What the purge removed is back: purge again on the next write. */
	if (db->purged)
		db->purge_after = 0;
	db->purged = 0;
	sq_unlock(db);
}

/*
 * Under GROUP the commit is written while the write lock is held and synced
 * after it is freed, so the next writer commits while this one waits on the
 * disk, and one sync answers for all the commits written meanwhile. A
 * failed sync leaves the commit in place but not known to be durable:
 * STORE_UNKNOWN, never "not done", and a retry with its key replays the
 * record once a sync succeeds.
 */
static enum store_res
sq_commit(struct store *s)
{
	struct sq	*db = SQ(s);
	enum store_res	 rc;
	uint64_t	 seq;

	seq = sq_commit_start(db);
	if (db->undo_failed) {
		sq_exec(db, SQ_ROLLBACK);
		if (db->purged)
			db->purge_after = 0;
		rc = STORE_ERROR;
	} else if ((rc = sq_exec(db, SQ_COMMIT)) != STORE_OK) {
		sq_rollback(s);
		/*
		 * An I/O error in COMMIT may come after the commit's frames
		 * reached the log, where the next open of the file finds them
		 * committed: not known. A full disk, or a read-only file,
		 * stopped it before.
		 */
		if (rc == STORE_DOWN && (db->fault & 0xff) == SQLITE_IOERR)
			rc = STORE_UNKNOWN;
	}
	/*
	 * A fault earlier in the transaction (a full disk while a statement
	 * spilled pages) had SQLite roll it back: nothing was committed, and
	 * the store is the cause, not the program.
	 */
	if (rc == STORE_ERROR && db->fault != 0)
		rc = STORE_DOWN;
	sq_commit_end(db, seq);
	sq_unlock(db);
	if (rc == STORE_OK && db->sync == STORE_SYNC_GROUP && sq_sync_upto(db, seq) != STORE_OK)
		rc = STORE_UNKNOWN;
	return rc;
}

static enum store_res
sq_savepoint(struct store *s)
{
	return sq_exec(SQ(s), SQ_SAVEPOINT);
}

static enum store_res
sq_release(struct store *s)
{
	return sq_exec(SQ(s), SQ_RELEASE);
}

static void
sq_rollback_to(struct store *s)
{
	struct sq	*db = SQ(s);

	if (sq_exec(db, SQ_ROLLBACK_TO) != STORE_OK || sq_exec(db, SQ_RELEASE) != STORE_OK) {
		/* What it did could stay in the transaction: it must not commit. */
		fprintf(stderr, "undoing an operation failed: %s\n", sqlite3_errmsg(db->h));
		db->undo_failed = 1;
	}
}

static enum store_res
sq_health(struct store *s)
{
	sqlite3_stmt	*st = SQ(s)->stmt[SQ_HEALTH];
	int		 rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : sq_fail(SQ(s), rc);
}

static void
sq_set_aside(const char *path)
{
	static const char *const side[] = { "-wal", "-shm" };
	char		 from[4096], to[4200];
	struct stat	 st;
	size_t		 i;

	for (i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		snprintf(from, sizeof(from), "%s%s", path, side[i]);
		if (stat(from, &st) == -1)
			continue;
		snprintf(to, sizeof(to), "%s.replaced-%lld", from, (long long)clock_now_s());
		if (rename(from, to) == -1)
			fprintf(stderr, "%s: cannot set it aside: %s\n", from, strerror(errno));
		else
			fprintf(stderr, "%s, the replaced or removed file's, set aside as %s\n",
			    from, to);
	}
}

/* Sets the schema version to what it is: the header page is written again. */
static enum store_res
sq_touch(struct store *s)
{
	struct sq	*db = SQ(s);
	char		 sql[64];
	int		 rc;

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", sq_schema_current());
	rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? STORE_OK : sq_fail(db, rc);
}

const struct store_engine store_sqlite = {
	.name = "sqlite",
	/* One writer batches every change into one transaction and one sync. */
	.wants_writer = 1,
	.accepts = sq_accepts,
	.open = sq_open,
	.close = sq_close,
	.check = sq_check,
	.set_aside = sq_set_aside,
	.errmsg = sq_errmsg,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.savepoint = sq_savepoint,
	.release = sq_release,
	.rollback_to = sq_rollback_to,
	.durable = sq_durable,
	.health = sq_health,
	.touch = sq_touch,
	.todo_insert = sq_todo_insert,
	.todo_get = sq_todo_get,
	.todo_update = sq_todo_update,
	.todo_delete = sq_todo_delete,
	.todo_list = sq_todo_list,
	.todo_counts = sq_todo_counts,
	.key_claim = sq_key_claim,
	.key_record = sq_key_record,
	.key_get = sq_key_get,
	.key_purge = sq_key_purge,
	.key_count = sq_key_count,
};
