/*
 * The SQLite engine: one file, WAL, and a writer lock file beside it
 * (group.c). Opening, transactions and the engine's table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static struct store *
sq_open(const struct store_conf *conf)
{
	static const char *const pragma[] = {
		[STORE_SYNC_FULL] = "PRAGMA synchronous = FULL;",
		[STORE_SYNC_GROUP] = "PRAGMA synchronous = NORMAL;",
		[STORE_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL;",
	};
	const char	*path = conf->db;
	struct sq	*db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	db->base.engine = &store_sqlite;
	db->busy_ms = conf->busy_ms;
	db->sync = conf->sync;
	db->horizon = conf->key_horizon;
	sq_group_open(db, path);
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", path, db->h ? sqlite3_errmsg(db->h) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(db->h, conf->busy_ms);
	sqlite3_extended_result_codes(db->h, 1);
	/* WAL lets readers go on while one writer commits. */
	if (sqlite3_exec(db->h, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db->h, pragma[conf->sync], NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db->h));
		goto fail;
	}
	if (sq_migrate(db->h) == -1 || sq_prepare(db) == -1)
		goto fail;
	return &db->base;
fail:
	sq_close(&db->base);
	return NULL;
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
	} else if ((rc = sq_exec(db, SQ_COMMIT)) != STORE_OK)
		sq_rollback(s);
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
	return rc == SQLITE_ROW ? STORE_OK : sq_map(rc) == STORE_OK ? STORE_ERROR : sq_map(rc);
}

const struct store_engine store_sqlite = {
	.name = "sqlite",
	/* One writer batches every change into one transaction and one sync. */
	.wants_writer = 1,
	.accepts = sq_accepts,
	.open = sq_open,
	.close = sq_close,
	.errmsg = sq_errmsg,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.savepoint = sq_savepoint,
	.release = sq_release,
	.rollback_to = sq_rollback_to,
	.durable = sq_durable,
	.health = sq_health,
	.todo_insert = sq_todo_insert,
	.todo_get = sq_todo_get,
	.todo_update = sq_todo_update,
	.todo_delete = sq_todo_delete,
	.todo_list = sq_todo_list,
	.key_claim = sq_key_claim,
	.key_record = sq_key_record,
	.key_get = sq_key_get,
	.key_purge = sq_key_purge,
	.key_count = sq_key_count,
};
