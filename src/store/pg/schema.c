#include <stdio.h>
#include <stdlib.h>

#include "lib/buf.h"
#include "store/pg/pg.h"

/*
 * Numbered schema steps; schema_version holds how many have run. Only
 * append: a database keeps the steps it ran.
 */
static const char *const migrations[] = {
	/* 1: todos, and the idempotency keys with the response each produced. */
	"CREATE TABLE todos ("
	" id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"	/* never reused: replays may name deleted ids */
	" title text NOT NULL,"
	" description text,"
	" is_completed integer NOT NULL DEFAULT 0 CHECK (is_completed IN (0, 1)),"
	" version bigint NOT NULL DEFAULT 1,"
	" created_at timestamptz NOT NULL DEFAULT now(),"
	" updated_at timestamptz NOT NULL DEFAULT now());"
	"CREATE TABLE idempotency_keys ("
	" scope text NOT NULL DEFAULT '',"
	" key text NOT NULL,"
	" method text NOT NULL,"
	" path text NOT NULL,"
	" fingerprint text NOT NULL,"
	" raw_fingerprint text,"
	" todo_id bigint,"
	" status integer NOT NULL,"
	" headers text NOT NULL DEFAULT '',"
	" body bytea NOT NULL DEFAULT '',"
	" created_at bigint NOT NULL,"	/* unix seconds, the database's clock */
	" expires_at bigint NOT NULL,"
	" PRIMARY KEY (scope, key));"
	"CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);",
	/*
	 * 2: a key is remembered past its TTL until forget_at, as a tombstone
	 * (the request and where its todo is, no response), so that a late
	 * retry is refused rather than run again. Keys kept before this step
	 * are remembered for the default horizon, 30 days from their first use.
	 */
	"ALTER TABLE idempotency_keys ADD COLUMN forget_at bigint;"
	"UPDATE idempotency_keys SET forget_at = greatest(expires_at, created_at + 2592000);"
	"ALTER TABLE idempotency_keys ALTER COLUMN forget_at SET NOT NULL;"
	"CREATE TABLE idempotency_tombstones ("
	" scope text NOT NULL,"
	" key text NOT NULL,"
	" method text NOT NULL,"
	" path text NOT NULL,"
	" fingerprint text NOT NULL,"
	" todo_id bigint,"
	" status integer NOT NULL,"
	" headers text NOT NULL DEFAULT '',"
	" created_at bigint NOT NULL,"
	" expires_at bigint NOT NULL,"
	" forget_at bigint NOT NULL,"
	" PRIMARY KEY (scope, key));"
	"CREATE INDEX idempotency_tombstones_forget ON idempotency_tombstones (forget_at);",
	/*
	 * 3: the open or the done todos, a page at a time newest first, and
	 * how many of each, read from an index of their own rather than the
	 * whole table. Two partial indexes, not one on (is_completed, id):
	 * the planner takes that one for no cheaper than the primary key.
	 */
	"CREATE INDEX todos_open ON todos (id)"
	" WHERE is_completed = 0;"
	"CREATE INDEX todos_done ON todos (id) WHERE is_completed = 1;",
};

#define MIGRATIONS	(int)(sizeof(migrations) / sizeof(migrations[0]))

/* Any fixed number: every host takes the same lock before it migrates. */
#define MIGRATE_LOCK	"8390035060554295154"

/* The steps run so far (0 on a new database) into *v: 0, or -1. */
static int
version_get(struct pgs *p, int *v)
{
	PGresult	*res = NULL;
	int64_t		 n = 0;
	int		 rc = -1;

	/* to_regclass, not CREATE ... IF NOT EXISTS: no notice on every start. */
	if (pgs_exec_sql(p, "SELECT to_regclass('schema_version') IS NOT NULL", 0, NULL,
	    &res) != STORE_OK)
		goto out;
	if (PQntuples(res) != 1 || PQgetvalue(res, 0, 0)[0] != 't') {
		PQclear(res);
		res = NULL;
		if (pgs_exec_sql(p, "CREATE TABLE schema_version (version integer NOT NULL);"
		    "INSERT INTO schema_version VALUES (0)", 0, NULL, NULL) != STORE_OK)
			goto out;
		*v = 0;
		rc = 0;
		goto out;
	}
	PQclear(res);
	res = NULL;
	if (pgs_exec_sql(p, "SELECT max(version) FROM schema_version", 0, NULL,
	    &res) != STORE_OK)
		goto out;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) &&
	    (pgs_int64(PQgetvalue(res, 0, 0), &n) == -1 || n < 0 || n > 1000000)) {
		pgs_fail(p, STORE_ERROR, "schema_version holds no version");
		goto out;
	}
	*v = (int)n;
	rc = 0;
out:
	PQclear(res);
	return rc;
}

int
pgs_migrate(struct pgs *p)
{
	char		 num[NUM_MAX];
	const char	*v[1] = { num };
	int		 ver, i;

	/*
	 * One transaction under one advisory lock: hosts starting together
	 * migrate once, in turn, and a step that fails leaves nothing. The
	 * wait is for another host's migration, so longer than busy_ms.
	 */
	if (pgs_exec_sql(p, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL, NULL) != STORE_OK ||
	    pgs_exec_sql(p, "SELECT set_config('lock_timeout', '60s', true),"
	    " set_config('statement_timeout', '120s', true)", 0, NULL, NULL) != STORE_OK ||
	    pgs_exec_sql(p, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", 0, NULL,
	    NULL) != STORE_OK ||
	    version_get(p, &ver) == -1)
		goto fail;
	if (ver > MIGRATIONS) {
		snprintf(p->err, sizeof(p->err), "the schema is at version %d, newer than"
		    " this program's %d: run a newer program", ver, MIGRATIONS);
		goto fail;
	}
	for (i = ver; i < MIGRATIONS; i++)
		if (pgs_exec_sql(p, migrations[i], 0, NULL, NULL) != STORE_OK)
			goto fail;
	if (ver < MIGRATIONS) {
		num_format(num, MIGRATIONS);
		if (pgs_exec_sql(p, "UPDATE schema_version SET version = $1", 1, v,
		    NULL) != STORE_OK)
			goto fail;
	}
	if (pgs_exec_sql(p, "COMMIT", 0, NULL, NULL) != STORE_OK)
		goto fail;
	return 0;
fail:
	if (PQtransactionStatus(p->conn) != PQTRANS_IDLE)
		PQclear(PQexec(p->conn, "ROLLBACK"));
	return -1;
}
