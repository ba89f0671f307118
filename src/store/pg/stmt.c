#include "store/pg/pg.h"

/*
 * Every statement the engine runs, prepared once per connection (again
 * after a reset). rerun marks those a lost connection may repeat: reads,
 * and BEGIN, which starts over from nothing.
 */
const struct pgs_stmt_def pgs_stmts[PGS__MAX] = {
	/* PGS_BEGIN: explicit, whatever the server's default */
	[PGS_BEGIN] = { "todo_begin", "BEGIN ISOLATION LEVEL READ COMMITTED", 0, 0, 1 },
	[PGS_COMMIT] = { "todo_commit", "COMMIT", 0, 0, 0 },
	[PGS_ROLLBACK] = { "todo_rollback", "ROLLBACK", 0, 0, 0 },
	/* PGS_SAVEPOINT: one operation inside a transaction that holds several */
	[PGS_SAVEPOINT] = { "todo_savepoint", "SAVEPOINT op", 0, 0, 0 },
	[PGS_RELEASE] = { "todo_release", "RELEASE op", 0, 0, 0 },
	/* PGS_ROLLBACK_TO: undoes the operation; RELEASE then drops the savepoint */
	[PGS_ROLLBACK_TO] = { "todo_rollback_to", "ROLLBACK TO op", 0, 0, 0 },
	[PGS_HEALTH] = { "todo_health", "SELECT 1", 0, 0, 1 },
	/* PGS_TODO_INSERT: the database's clock stamps it; identity ids are never reused */
	[PGS_TODO_INSERT] = { "todo_insert",
	    "INSERT INTO todos (title, description, is_completed) VALUES ($1, $2, $3)"
	    " RETURNING id, created_at", 3, 1, 0 },
	[PGS_TODO_GET] = { "todo_get",
	    "SELECT " PGS_TODO_COLS " FROM todos WHERE id = $1", 1, 1, 1 },
	/* PGS_TODO_UPDATE: only over the version the caller read */
	[PGS_TODO_UPDATE] = { "todo_update",
	    "UPDATE todos SET title = $2, description = $3, is_completed = $4,"
	    " version = version + 1, updated_at = now() WHERE id = $1 AND version = $5",
	    5, 0, 0 },
	/* PGS_TODO_EXISTS: after an update that changed nothing, conflict or gone */
	[PGS_TODO_EXISTS] = { "todo_exists", "SELECT 1 FROM todos WHERE id = $1", 1, 0, 0 },
	[PGS_TODO_DELETE] = { "todo_delete", "DELETE FROM todos WHERE id = $1", 1, 0, 0 },
	/* PGS_TODO_LIST: newest first, by the primary key */
	[PGS_TODO_LIST] = { "todo_list",
	    "SELECT " PGS_TODO_COLS " FROM todos ORDER BY id DESC LIMIT $1", 1, 1, 1 },
	/* PGS_TODO_LIST_BEFORE: the next page of a keyset pagination */
	[PGS_TODO_LIST_BEFORE] = { "todo_list_before",
	    "SELECT " PGS_TODO_COLS " FROM todos WHERE id < $2 ORDER BY id DESC LIMIT $1",
	    2, 1, 1 },
	/*
	 * PGS_TODO_LIST_OPEN, PGS_TODO_LIST_DONE: those below $2, read backward
	 * along their own partial index. The value is written out, not a
	 * parameter, so that every plan, generic ones too, can use the index,
	 * and the planner has no reason to prefer walking the primary key,
	 * which passes over every todo of the other kind first.
	 */
	[PGS_TODO_LIST_OPEN] = { "todo_list_open",
	    "SELECT " PGS_TODO_COLS " FROM todos WHERE is_completed = 0 AND id < $2"
	    " ORDER BY id DESC LIMIT $1", 2, 1, 1 },
	[PGS_TODO_LIST_DONE] = { "todo_list_done",
	    "SELECT " PGS_TODO_COLS " FROM todos WHERE is_completed = 1 AND id < $2"
	    " ORDER BY id DESC LIMIT $1", 2, 1, 1 },
	/* PGS_TODO_COUNTS: open, done; one snapshot, each from its index alone */
	[PGS_TODO_COUNTS] = { "todo_counts",
	    "SELECT (SELECT count(*) FROM todos WHERE is_completed = 0),"
	    " (SELECT count(*) FROM todos WHERE is_completed = 1)", 0, 0, 1 },
	/*
	 * PGS_KEY_CLAIM: one statement, so the primary key decides between
	 * concurrent claims; a row past its horizon is taken over as if free,
	 * a row or a tombstone within it is left be. The row's expiry comes
	 * back only when this transaction claimed the key.
	 */
	[PGS_KEY_CLAIM] = { "todo_key_claim",
	    "INSERT INTO idempotency_keys (scope, key, method, path, fingerprint,"
	    " raw_fingerprint, todo_id, status, headers, body, created_at, expires_at, forget_at)"
	    " SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, NULL, 0, '', '',"
	    " " PGS_NOW ", " PGS_NOW " + $7::bigint, " PGS_NOW " + greatest($7::bigint, $8::bigint)"
	    " WHERE NOT EXISTS (SELECT 1 FROM idempotency_tombstones"
	    " WHERE scope = $1::text AND key = $2::text AND forget_at > " PGS_NOW ")"
	    " ON CONFLICT (scope, key) DO UPDATE SET method = excluded.method,"
	    " path = excluded.path, fingerprint = excluded.fingerprint,"
	    " raw_fingerprint = excluded.raw_fingerprint, todo_id = NULL, status = 0,"
	    " headers = '', body = '', created_at = excluded.created_at,"
	    " expires_at = excluded.expires_at, forget_at = excluded.forget_at"
	    " WHERE idempotency_keys.forget_at <= excluded.created_at RETURNING expires_at",
	    8, 0, 0 },
	/*
	 * PGS_KEY_RECORD: the response, into the row this transaction claimed,
	 * unless the key has a tombstone now: the claim's look at tombstones
	 * was as of its start, and a row another host moved while the claim
	 * waited for it is seen only by this later statement.
	 */
	[PGS_KEY_RECORD] = { "todo_key_record",
	    "UPDATE idempotency_keys SET todo_id = $3, status = $4, headers = $5, body = $6"
	    " WHERE scope = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM idempotency_tombstones"
	    " WHERE scope = $1 AND key = $2 AND forget_at > " PGS_NOW ")", 6, 0, 0 },
	/*
	 * PGS_KEY_GET: binary, so the body comes as its bytes; the live row,
	 * else, marked expired, the row past its TTL not yet moved or the
	 * tombstone, within the horizon
	 */
	[PGS_KEY_GET] = { "todo_key_get",
	    "SELECT method, path, fingerprint, status, headers, body, expires_at,"
	    " raw_fingerprint, todo_id, (expires_at <= " PGS_NOW ")::integer"
	    " FROM idempotency_keys WHERE scope = $1 AND key = $2 AND forget_at > " PGS_NOW
	    " UNION ALL SELECT method, path, fingerprint, status, headers, ''::bytea, expires_at,"
	    " NULL::text, todo_id, 1 FROM idempotency_tombstones"
	    " WHERE scope = $1 AND key = $2 AND forget_at > " PGS_NOW " LIMIT 1", 2, 1, 1 },
	/*
	 * PGS_KEY_PURGE: bounded, so each write pays a small and fixed share;
	 * rows other transactions hold are left for later, never waited for.
	 * The rows deleted are kept as tombstones when recorded and within
	 * the horizon (one left past the horizon of an earlier use replaced).
	 */
	[PGS_KEY_PURGE] = { "todo_key_purge",
	    "WITH gone AS (DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid"
	    " FROM idempotency_keys WHERE expires_at <= " PGS_NOW " ORDER BY expires_at LIMIT $1"
	    " FOR UPDATE SKIP LOCKED) RETURNING scope, key, method, path, fingerprint, todo_id,"
	    " status, headers, created_at, expires_at, forget_at),"
	    " kept AS (INSERT INTO idempotency_tombstones (scope, key, method, path, fingerprint,"
	    " todo_id, status, headers, created_at, expires_at, forget_at)"
	    " SELECT * FROM gone WHERE status <> 0 AND forget_at > " PGS_NOW
	    " ON CONFLICT (scope, key) DO UPDATE SET method = excluded.method,"
	    " path = excluded.path, fingerprint = excluded.fingerprint,"
	    " todo_id = excluded.todo_id, status = excluded.status, headers = excluded.headers,"
	    " created_at = excluded.created_at, expires_at = excluded.expires_at,"
	    " forget_at = excluded.forget_at)"
	    " SELECT count(*) FROM gone", 1, 0, 0 },
	/* PGS_TOMB_PURGE: tombstones past the horizon, bounded alike */
	[PGS_TOMB_PURGE] = { "todo_tomb_purge",
	    "DELETE FROM idempotency_tombstones WHERE ctid IN (SELECT ctid"
	    " FROM idempotency_tombstones WHERE forget_at <= " PGS_NOW " ORDER BY forget_at"
	    " LIMIT $1 FOR UPDATE SKIP LOCKED)", 1, 0, 0 },
	/*
	 * PGS_KEY_NEXT_EXPIRY: seconds until the next row or tombstone is due,
	 * by their indexes. With no key row, a new one may come at any time:
	 * a second (a new key expires after every older one, never a tombstone).
	 */
	[PGS_KEY_NEXT_EXPIRY] = { "todo_key_next_expiry",
	    "SELECT least(coalesce((SELECT min(expires_at) FROM idempotency_keys), " PGS_NOW " + 1),"
	    " (SELECT min(forget_at) FROM idempotency_tombstones)) - " PGS_NOW, 0, 0, 0 },
	/* PGS_KEY_COUNT: rows, expired rows by the expires_at index, tombstones; each up to $1 */
	[PGS_KEY_COUNT] = { "todo_key_count",
	    "SELECT (SELECT count(*) FROM (SELECT 1 FROM idempotency_keys LIMIT $1) r),"
	    " (SELECT count(*) FROM (SELECT 1 FROM idempotency_keys WHERE expires_at <= "
	    PGS_NOW " LIMIT $1) e),"
	    " (SELECT count(*) FROM (SELECT 1 FROM idempotency_tombstones LIMIT $1) t)",
	    1, 0, 1 },
};
