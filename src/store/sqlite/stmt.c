#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sq.h"

#define TODO_COLS	"id, title, description, is_completed, version, created_at, updated_at"

static const char *const stmts[SQ__MAX] = {
	/* SQ_BEGIN: take the write lock now, so the operation cannot deadlock later */
	"BEGIN IMMEDIATE",
	/* SQ_COMMIT */
	"COMMIT",
	/* SQ_ROLLBACK */
	"ROLLBACK",
	/* SQ_SAVEPOINT: one operation inside a transaction that holds several */
	"SAVEPOINT op",
	/* SQ_RELEASE */
	"RELEASE op",
	/* SQ_ROLLBACK_TO: undoes the operation; RELEASE then drops the savepoint */
	"ROLLBACK TO op",
	/* SQ_HEALTH */
	"SELECT count(*) FROM sqlite_schema",
	/* SQ_TODO_INSERT */
	"INSERT INTO todos (title, description, is_completed, created_at, updated_at)"
	" VALUES (?1, ?2, ?3, ?4, ?4)",
	/* SQ_TODO_GET */
	"SELECT " TODO_COLS " FROM todos WHERE id = ?1",
	/* SQ_TODO_UPDATE: only over the version read, so no change is lost */
	"UPDATE todos SET title = ?2, description = ?3, is_completed = ?4,"
	" version = version + 1, updated_at = ?5 WHERE id = ?1 AND version = ?6",
	/* SQ_TODO_DELETE */
	"DELETE FROM todos WHERE id = ?1",
	/* SQ_TODO_LIST: newest first, by the primary key */
	"SELECT " TODO_COLS " FROM todos ORDER BY id DESC LIMIT ?1",
	/* SQ_TODO_LIST_BEFORE: the next page of a keyset pagination */
	"SELECT " TODO_COLS " FROM todos WHERE id < ?2 ORDER BY id DESC LIMIT ?1",
	/*
	 * SQ_TODO_LIST_SHOW: the open (?3 = 0) or done (?3 = 1) ones below ?2,
	 * read in id order from the (is_completed, id) index
	 */
	"SELECT " TODO_COLS " FROM todos WHERE is_completed = ?3 AND id < ?2"
	" ORDER BY id DESC LIMIT ?1",
	/*
	 * SQ_TODO_COUNTS: all, open; one read. The whole count comes from the
	 * b-tree's pages without stepping its rows, the open ones from the
	 * index: done todos pile up, open ones stay few.
	 */
	"SELECT (SELECT count(*) FROM todos), (SELECT count(*) FROM todos WHERE is_completed = 0)",
	/*
	 * SQ_KEY_CLAIM: the key's row with no response yet, or a row past its
	 * horizon taken over; the unique (scope, key) decides, a row or a
	 * tombstone within the horizon is left be.
	 */
	"INSERT INTO idempotency_keys (scope, key, method, path, fingerprint,"
	" raw_fingerprint, todo_id, status, headers, body, created_at, expires_at, forget_at)"
	" SELECT ?1, ?2, ?3, ?4, ?5, ?6, NULL, 0, '', x'', ?7, ?7 + ?8, ?7 + max(?8, ?9)"
	" WHERE NOT EXISTS (SELECT 1 FROM idempotency_tombstones"
	" WHERE scope = ?1 AND key = ?2 AND forget_at > ?7)"
	" ON CONFLICT (scope, key) DO UPDATE SET method = excluded.method,"
	" path = excluded.path, fingerprint = excluded.fingerprint,"
	" raw_fingerprint = excluded.raw_fingerprint, todo_id = NULL, status = 0,"
	" headers = '', body = x'', created_at = excluded.created_at,"
	" expires_at = excluded.expires_at, forget_at = excluded.forget_at"
	" WHERE idempotency_keys.forget_at <= excluded.created_at",
	/* SQ_KEY_RECORD: the response, into the row this transaction claimed */
	"UPDATE idempotency_keys SET todo_id = ?3, status = ?4, headers = ?5, body = ?6"
	" WHERE scope = ?1 AND key = ?2",
	/*
	 * SQ_KEY_GET: the live row; else, marked expired, the row past its
	 * TTL not yet moved or the tombstone, within the horizon
	 */
	"SELECT method, path, fingerprint, status, headers, body, expires_at,"
	" raw_fingerprint, todo_id, expires_at <= ?3 FROM idempotency_keys"
	" WHERE scope = ?1 AND key = ?2 AND forget_at > ?3"
	" UNION ALL SELECT method, path, fingerprint, status, headers, x'', expires_at,"
	" NULL, todo_id, 1 FROM idempotency_tombstones"
	" WHERE scope = ?1 AND key = ?2 AND forget_at > ?3 LIMIT 1",
	/*
	 * SQ_KEY_MOVE: the oldest expired rows, those SQ_KEY_PURGE then
	 * deletes, kept as tombstones when recorded and within the horizon;
	 * a tombstone left past the horizon of an earlier use is replaced
	 */
	"INSERT OR REPLACE INTO idempotency_tombstones (scope, key, method, path,"
	" fingerprint, todo_id, status, headers, created_at, expires_at, forget_at)"
	" SELECT scope, key, method, path, fingerprint, todo_id, status, headers,"
	" created_at, expires_at, forget_at FROM (SELECT * FROM idempotency_keys"
	" WHERE expires_at <= ?1 ORDER BY expires_at, rowid LIMIT ?2)"
	" WHERE status <> 0 AND forget_at > ?1",
	/* SQ_KEY_PURGE: bounded, so each write pays a small and fixed share */
	"DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys"
	" WHERE expires_at <= ?1 ORDER BY expires_at, rowid LIMIT ?2)",
	/* SQ_TOMB_PURGE: tombstones past the horizon, bounded alike */
	"DELETE FROM idempotency_tombstones WHERE (scope, key) IN (SELECT scope, key"
	" FROM idempotency_tombstones WHERE forget_at <= ?1 ORDER BY forget_at LIMIT ?2)",
	/*
	 * SQ_KEY_NEXT_EXPIRY: the next row or tombstone due, by their indexes.
	 * With no key row, a new one may come at any time: look again in a
	 * second (a new key expires after every older one, never a tombstone).
	 */
	"SELECT min(coalesce((SELECT min(expires_at) FROM idempotency_keys), ?1 + 1),"
	" coalesce((SELECT min(forget_at) FROM idempotency_tombstones), 9223372036854775807))",
	/* SQ_KEY_COUNT: rows, expired rows by the expires_at index, tombstones; each up to ?2 */
	"SELECT (SELECT count(*) FROM (SELECT 1 FROM idempotency_keys LIMIT ?2)),"
	" (SELECT count(*) FROM (SELECT 1 FROM idempotency_keys WHERE expires_at <= ?1"
	" LIMIT ?2)),"
	" (SELECT count(*) FROM (SELECT 1 FROM idempotency_tombstones LIMIT ?2))",
};

int
sq_prepare(struct sq *db)
{
	int	 i;

	for (i = 0; i < SQ__MAX; i++)
		if (sqlite3_prepare_v3(db->h, stmts[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &db->stmt[i], NULL) != SQLITE_OK) {
			fprintf(stderr, "statement %d: %s\n", i, sqlite3_errmsg(db->h));
			return -1;
		}
	return 0;
}

void
sq_finalize(struct sq *db)
{
	int	 i;

	for (i = 0; i < SQ__MAX; i++) {
		sqlite3_finalize(db->stmt[i]);
		db->stmt[i] = NULL;
	}
}

/*
 * Maps a step result: a busy lock is reported apart from real errors, and
 * a fault of the file under the handle (read-only, an I/O error, a full
 * disk, a file it cannot open or that is not a database) is STORE_DOWN,
 * remembered in the handle, which is then not used again (sq_check).
 */
enum store_res
sq_map(struct sq *db, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return STORE_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STORE_BUSY;
	case SQLITE_CONSTRAINT:
		return STORE_EXISTS;
	case SQLITE_READONLY:
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_PERM:
		if (db != NULL && db->fault == 0)
			db->fault = rc;
		return STORE_DOWN;
	default:
		return STORE_ERROR;
	}
}

/* A step result that is not a success: its failure, never STORE_OK. */
enum store_res
sq_fail(struct sq *db, int rc)
{
	enum store_res	 res = sq_map(db, rc);

	return res == STORE_OK ? STORE_ERROR : res;
}

/* Resets a statement and its bindings for the next use. */
void
sq_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Steps a statement that returns no rows, then resets it. */
enum store_res
sq_exec(struct sq *db, enum sq_stmt s)
{
	sqlite3_stmt	*st = db->stmt[s];
	int		 rc;

	rc = sqlite3_step(st);
	sq_done(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_map(db, rc);
}

int
sq_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* A copy of column i's text, or NULL for NULL (or when out of memory). */
char *
sq_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char	*s;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	s = sqlite3_column_text(st, i);
	return strdup(s != NULL ? (const char *)s : "");
}

/* Copies the text of column i into out (cap bytes), cut to fit. */
void
sq_col_copy(sqlite3_stmt *st, int i, char *out, size_t cap)
{
	const unsigned char	*s = sqlite3_column_text(st, i);
	size_t			 n = 0;

	if (s != NULL && (n = (size_t)sqlite3_column_bytes(st, i)) >= cap)
		n = cap - 1;
	if (n > 0)
		memcpy(out, s, n);
	out[n] = '\0';
}
