#include <stdio.h>

#include "store/sqlite/sq.h"

/* Numbered schema steps; PRAGMA user_version records how many have run. */
static const char *const migrations[] = {
	/* 1: todos, and the key-mapping table from each idempotency key to its result. */
	"CREATE TABLE todos ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"	/* never reused: replays may name deleted ids */
	" title TEXT NOT NULL,"
	" description TEXT,"
	" is_completed INTEGER NOT NULL DEFAULT 0 CHECK (is_completed IN (0, 1)),"
	" version INTEGER NOT NULL DEFAULT 1,"
	" created_at TEXT NOT NULL,"
	" updated_at TEXT NOT NULL);"
	"CREATE TABLE idempotency_keys ("
	" key TEXT PRIMARY KEY,"
	" method TEXT NOT NULL,"
	" path TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL,"
	" todo_id INTEGER,"
	" status INTEGER NOT NULL,"
	" headers TEXT NOT NULL DEFAULT '',"
	" body BLOB NOT NULL DEFAULT x'',"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL);"
	"CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);",
	/* 2: keys belong to a client (scope): the same key from two clients is two keys. */
	"CREATE TABLE idempotency_keys_2 ("
	" scope TEXT NOT NULL DEFAULT '',"
	" key TEXT NOT NULL,"
	" method TEXT NOT NULL,"
	" path TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL,"
	" todo_id INTEGER,"
	" status INTEGER NOT NULL,"
	" headers TEXT NOT NULL DEFAULT '',"
	" body BLOB NOT NULL DEFAULT x'',"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL,"
	" PRIMARY KEY (scope, key));"
	"INSERT INTO idempotency_keys_2 (key, method, path, fingerprint, todo_id, status,"
	" headers, body, created_at, expires_at) SELECT key, method, path, fingerprint,"
	" todo_id, status, headers, body, created_at, expires_at FROM idempotency_keys;"
	"DROP TABLE idempotency_keys;"
	"ALTER TABLE idempotency_keys_2 RENAME TO idempotency_keys;"
	"CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);",
	/* 3: a retry that resends the very bytes is known without parsing them. */
	"ALTER TABLE idempotency_keys ADD COLUMN raw_fingerprint TEXT;",
	/*
	 * 4: a key is remembered past its TTL until forget_at, as a tombstone
	 * (the request and where its todo is, no response), so that a late
	 * retry is refused rather than run again. Keys kept before this step
	 * are remembered for the default horizon, 30 days from their first use.
	 */
	"ALTER TABLE idempotency_keys ADD COLUMN forget_at INTEGER NOT NULL DEFAULT 0;"
	"UPDATE idempotency_keys SET forget_at = max(expires_at, created_at + 2592000);"
	"CREATE TABLE idempotency_tombstones ("
	" scope TEXT NOT NULL,"
	" key TEXT NOT NULL,"
	" method TEXT NOT NULL,"
	" path TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL,"
	" todo_id INTEGER,"
	" status INTEGER NOT NULL,"
	" headers TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL,"
	" forget_at INTEGER NOT NULL,"
	" PRIMARY KEY (scope, key)) WITHOUT ROWID;"
	"CREATE INDEX idempotency_tombstones_forget ON idempotency_tombstones (forget_at);",
	/*
	 * 5: the open or the done todos, a page at a time newest first, and
	 * how many of each, read from an index rather than the whole table.
	 */
	"CREATE INDEX todos_completed ON todos (is_completed, id);",
};

#define MIGRATIONS	(int)(sizeof(migrations) / sizeof(migrations[0]))

/* Runs the migrations not yet applied, each in its own transaction. */
int
sq_migrate(sqlite3 *h)
{
	sqlite3_stmt	*st = NULL;
	char		 sql[64];
	int		 version, i;

	if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto fail;
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (version > MIGRATIONS) {
		fprintf(stderr, "database schema version %d is newer than this program (%d)\n",
		    version, MIGRATIONS);
		goto fail;
	}
	for (i = version; i < MIGRATIONS; i++) {
		if (sqlite3_exec(h, migrations[i], NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", i + 1);
		if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
	}
	if (sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "schema migration failed: %s\n", sqlite3_errmsg(h));
	sqlite3_finalize(st);
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
sq_schema_current(void)
{
	return MIGRATIONS;
}

int
sq_schema_version(sqlite3 *h)
{
	sqlite3_stmt	*st = NULL;
	int		 version = -1;

	if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return version;
}
