/*
 * The store and the idempotency runner on a real SQLite file: the todo and
 * its key row commit together, a repeated key replays, a different request
 * under the same key is refused, failures leave nothing, keys expire.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "store/store.h"
#include "idem/idem.h"
#include "app/ops.h"
#include "app/valid.h"
#include "query.h"
#include "show.h"
#include "store/sqlite/sq.h"	/* the handle's statements, for their plans */

static char	 path[64];
static char	 stamp[32];	/* the created_at of the latest insert */
static char	 writer[80];

/*
 * Reads (or, with put, writes) n bytes at off of the writers' lock file:
 * group commit's shared counts (started, written, synced) at 0, the pid of
 * the process syncing now at 24.
 */
static int
writer_io(void *p, size_t n, off_t off, int put)
{
	ssize_t	 got;
	int	 fd;

	if ((fd = open(writer, O_RDWR)) == -1)
		return -1;
	got = put ? pwrite(fd, p, n, off) : pread(fd, p, n, off);
	close(fd);
	return got == (ssize_t)n ? 0 : -1;
}

static int
counts(uint64_t c[3])
{
	return writer_io(c, 3 * sizeof(c[0]), 0, 0);
}

static int
set_counts(uint64_t c[3])
{
	return writer_io(c, 3 * sizeof(c[0]), 0, 1);
}

static int
syncer(uint32_t *get, uint32_t set)
{
	return get != NULL ? writer_io(get, sizeof(*get), 24, 0) :
	    writer_io(&set, sizeof(set), 24, 1);
}

/* Counts rows with a separate connection, as an operator would see them. */
static long
count(const char *table)
{
	char	 sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	return query_number(path, sql);
}

/* An operation that inserts a todo, then fails: nothing may remain. */
static enum idem_step
insert_then_fail(struct store *db, void *arg, struct resp *r, int64_t *id)
{
	(void)r;
	if (store_todo_insert(db, arg, "2026-01-01T00:00:00.000Z", id, stamp) != STORE_OK)
		return STEP_FAILED;
	return STEP_FAILED;
}

static struct idem_op
keyed(const char *key, const char *method, const char *path_, const char *body, int64_t now)
{
	static char	 fp[65];
	struct idem_op	 op = { 0 };

	idem_fingerprint("json", body, strlen(body), fp);
	op.scope = "";
	op.key = key;
	op.method = method;
	op.path = path_;
	op.fingerprint = fp;
	op.now = now;
	op.ttl = 60;
	return op;
}

/*
 * Engines whose connection is lost in COMMIT: one after the commit went
 * through, one before it did. Both tell the runner only STORE_UNKNOWN.
 */
static struct store_engine	 lossy;

static enum store_res
commit_then_lost(struct store *s)
{
	CHECK(store_sqlite.commit(s) == STORE_OK);
	return STORE_UNKNOWN;
}

static enum store_res
lost_before_commit(struct store *s)
{
	store_sqlite.rollback(s);
	return STORE_UNKNOWN;
}

/* Runs sql on the file at p with a connection of its own: 0, or -1. */
static int
exec_on(const char *p, const char *sql)
{
	sqlite3	*h;
	int	 rc;

	if (sqlite3_open(p, &h) != SQLITE_OK) {
		sqlite3_close(h);
		return -1;
	}
	rc = sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
	if (rc == -1)
		fprintf(stderr, "%s\n", sqlite3_errmsg(h));
	sqlite3_close(h);
	return rc;
}

static long
count_on(const char *p, const char *table)
{
	char	 sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	return query_number(p, sql);
}

/*
 * Past its TTL a key is a tombstone until the horizon: the same request
 * is answered as expired with the first Location and runs nothing, another
 * request is a mismatch; the purge moves rows to tombstones and removes
 * tombstones past the horizon, a bounded number at a time; past the
 * horizon the key is new.
 */
static void
test_tombstones(void)
{
	char		 p[64], w[80];
	struct store	*h;
	struct todo_in	 in = { 0 };
	struct op	 op = { 0 };
	struct idem_op	 iop;
	struct resp	 first = { 0 }, again = { 0 };
	struct store_key k;
	struct store_key_counts kc;
	struct verr	 err;
	enum idem_res	 res;
	int64_t		 t = 2000000;
	char		 key[16];
	int		 fd, i;

	snprintf(p, sizeof(p), "/tmp/todo-tomb-XXXXXX");
	if ((fd = mkstemp(p)) == -1)
		return;
	close(fd);
	snprintf(w, sizeof(w), "%s-writer", p);
	CHECK((h = store_open(&(struct store_conf){ p, 1000, STORE_SYNC_GROUP, 100, 1, 0, 0 })) != NULL);
	if (h == NULL)
		return;
	CHECK(valid_set_string(&in, FIELD_TITLE, "Call mum", 8, 0, &err) == 0);
	op.kind = OP_CREATE;
	op.out = OUT_JSON;
	op.in = &in;

	/* The first answer and a replay carry the key's expiry: first use + TTL (60 s). */
	iop = keyed("t1", "POST", "/todos", "{\"title\":\"Call mum\"}", t);
	CHECK_INT(idem_run(h, &iop, op_run, &op, &first), IDEM_DONE);
	CHECK_INT(first.key_expires, t + 60);
	CHECK_STR(first.location, "/todos/1");
	iop.now = t + 59;
	CHECK_INT(idem_run(h, &iop, op_run, &op, &again), IDEM_REPLAYED);
	CHECK_INT(again.key_expires, t + 60);
	CHECK(again.body.len == first.body.len &&
	    memcmp(again.body.data, first.body.data, first.body.len) == 0);

	/* Past the TTL, its row not yet moved: expired, the first Location, nothing runs. */
	iop.now = t + 60;
	CHECK_INT(idem_run(h, &iop, op_run, &op, &again), IDEM_EXPIRED);
	CHECK_STR(again.location, "/todos/1");
	CHECK_INT(again.body.len, 0);
	CHECK_INT(again.key_expires, 0);
	/* The write alone (the writer's way, no read before) decides the same. */
	CHECK_INT(idem_write(h, &iop, op_run, &op, &again), IDEM_EXPIRED);
	CHECK_STR(again.location, "/todos/1");
	CHECK_INT(count_on(p, "todos"), 1);
	iop = keyed("t1", "POST", "/todos", "{\"title\":\"Call dad\"}", t + 60);
	CHECK_INT(idem_run(h, &iop, op_run, &op, &again), IDEM_MISMATCH);
	iop = keyed("t1", "PUT", "/todos", "{\"title\":\"Call mum\"}", t + 60);
	CHECK_INT(idem_run(h, &iop, op_run, &op, &again), IDEM_MISMATCH);

	/* The purge moves the row: a tombstone with the request and headers, no body. */
	CHECK(store_begin(h) == STORE_OK);
	CHECK(store_key_purge(h, t + 60, 16) == STORE_OK);
	CHECK(store_commit(h) == STORE_OK);
	CHECK_INT(count_on(p, "idempotency_keys"), 0);
	CHECK_INT(count_on(p, "idempotency_tombstones"), 1);
	CHECK_INT(query_number(p, "SELECT forget_at FROM idempotency_tombstones"), t + 100);
	CHECK(store_key_get(h, "", "t1", t + 61, &k) == STORE_OK);
	CHECK_INT(k.expired, 1);
	CHECK_INT(k.status, 201);
	CHECK_INT(k.todo_id, 1);
	CHECK_INT(k.body.len, 0);
	CHECK(k.raw_fingerprint == NULL);
	CHECK(strstr(k.headers, "Location: /todos/1\r\n") != NULL);
	store_key_clear(&k);
	iop = keyed("t1", "POST", "/todos", "{\"title\":\"Call mum\"}", t + 61);
	CHECK_INT(idem_run(h, &iop, op_run, &op, &again), IDEM_EXPIRED);
	CHECK_STR(again.location, "/todos/1");
	/* A claim finds the tombstone: inside a batch's transaction too. */
	CHECK(store_begin(h) == STORE_OK);
	CHECK_INT(idem_apply(h, &iop, op_run, &op, &again), IDEM_EXPIRED);
	CHECK_STR(again.location, "/todos/1");
	CHECK(store_commit(h) == STORE_OK);
	CHECK_INT(idem_write(h, &iop, op_run, &op, &again), IDEM_EXPIRED);
	/* The read before the write answers it too, once the body is known. */
	iop.raw_fingerprint = "raw";
	iop.fingerprint = NULL;
	CHECK_INT(idem_lookup(h, &iop, &again, &res), -1);
	iop = keyed("t1", "POST", "/todos", "{\"title\":\"Call mum\"}", t + 61);
	CHECK_INT(idem_lookup(h, &iop, &again, &res), 1);
	CHECK_INT(res, IDEM_EXPIRED);
	CHECK_INT(count_on(p, "todos"), 1);

	/* Tombstones go in bounded steps once past the horizon. */
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "b%d", i);
		iop = keyed(key, "POST", "/todos", "{\"title\":\"Call mum\"}", t + 10);
		CHECK_INT(idem_run(h, &iop, op_run, &op, &again), IDEM_DONE);
	}
	CHECK(store_begin(h) == STORE_OK);
	CHECK(store_key_purge(h, t + 70, 2) == STORE_OK);
	CHECK(store_commit(h) == STORE_OK);
	CHECK_INT(count_on(p, "idempotency_keys"), 3);
	CHECK_INT(count_on(p, "idempotency_tombstones"), 3);
	/* The metrics' counts: the rows left, all expired, and the tombstones. */
	CHECK(store_key_count(h, t + 70, 1000, &kc) == STORE_OK);
	CHECK_INT(kc.rows, 3);
	CHECK_INT(kc.expired, 3);
	CHECK_INT(kc.tombstones, 3);
	CHECK(store_begin(h) == STORE_OK);
	CHECK(store_key_purge(h, t + 70, 16) == STORE_OK);
	CHECK(store_commit(h) == STORE_OK);
	CHECK_INT(count_on(p, "idempotency_keys"), 0);
	CHECK_INT(count_on(p, "idempotency_tombstones"), 6);
	CHECK(store_begin(h) == STORE_OK);
	CHECK(store_key_purge(h, t + 110, 4) == STORE_OK);
	CHECK(store_commit(h) == STORE_OK);
	CHECK_INT(count_on(p, "idempotency_tombstones"), 2);
	CHECK(store_begin(h) == STORE_OK);
	CHECK(store_key_purge(h, t + 110, 4) == STORE_OK);
	CHECK(store_commit(h) == STORE_OK);
	CHECK_INT(count_on(p, "idempotency_tombstones"), 0);

	/* Past the horizon the key is new: it runs, once. */
	iop = keyed("t1", "POST", "/todos", "{\"title\":\"Call mum\"}", t + 110);
	CHECK_INT(idem_run(h, &iop, op_run, &op, &again), IDEM_DONE);
	CHECK_STR(again.location, "/todos/7");
	CHECK_INT(count_on(p, "todos"), 7);

	/* A tombstone left past the horizon does not hold the key, and is replaced. */
	iop = keyed("t2", "POST", "/todos", "{\"title\":\"Call mum\"}", t + 200);
	CHECK_INT(idem_run(h, &iop, op_run, &op, &again), IDEM_DONE);
	CHECK(store_begin(h) == STORE_OK);
	CHECK(store_key_purge(h, t + 260, 16) == STORE_OK);
	CHECK(store_commit(h) == STORE_OK);
	iop.now = t + 300;
	CHECK_INT(idem_run(h, &iop, op_run, &op, &again), IDEM_DONE);
	CHECK(store_begin(h) == STORE_OK);
	CHECK(store_key_purge(h, t + 360, 16) == STORE_OK);
	CHECK(store_commit(h) == STORE_OK);
	CHECK_INT(query_number(p, "SELECT forget_at FROM idempotency_tombstones WHERE key = 't2'"),
	    t + 400);

	todo_in_clear(&in);
	http_resp_free(&first);
	http_resp_free(&again);
	store_close(h);
	unlink(p);
	unlink(w);
}

/*
 * A database made by an earlier program (schema step 3) opens, migrates
 * and keeps its keys: a live one replays byte for byte, an expired one is
 * remembered for the default horizon, 30 days from its first use; its
 * todos are indexed by completion, listed and counted by it.
 */
static void
test_migration(void)
{
	static const char v3[] =
	    "CREATE TABLE todos (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL,"
	    " description TEXT, is_completed INTEGER NOT NULL DEFAULT 0 CHECK (is_completed IN (0, 1)),"
	    " version INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
	    "CREATE TABLE idempotency_keys (scope TEXT NOT NULL DEFAULT '', key TEXT NOT NULL,"
	    " method TEXT NOT NULL, path TEXT NOT NULL, fingerprint TEXT NOT NULL, todo_id INTEGER,"
	    " status INTEGER NOT NULL, headers TEXT NOT NULL DEFAULT '', body BLOB NOT NULL DEFAULT x'',"
	    " created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, raw_fingerprint TEXT,"
	    " PRIMARY KEY (scope, key));"
	    "CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);"
	    "INSERT INTO todos (title, created_at, updated_at) VALUES ('Old', 'x', 'x');"
	    "INSERT INTO todos (title, is_completed, created_at, updated_at)"
	    " VALUES ('Old done', 1, 'x', 'x');"
	    "INSERT INTO idempotency_keys (key, method, path, fingerprint, todo_id, status, headers,"
	    " body, created_at, expires_at) VALUES"
	    " ('old-live', 'POST', '/todos', '%s', 1, 201,"
	    " 'Content-Type: application/json' || char(13, 10) || 'Location: /todos/1' || char(13, 10),"
	    " CAST('{\"id\":1}' AS BLOB), 3000000, 3086400),"
	    " ('old-gone', 'POST', '/todos', '%s', 1, 201, 'Location: /todos/1' || char(13, 10),"
	    " x'', 2900000, 2986400);"
	    "PRAGMA user_version = 3;";
	char		 p[64], w[80], sql[sizeof(v3) + 160];
	struct store	*h;
	struct idem_op	 iop;
	struct op	 op = { 0 };
	struct todo_in	 in = { 0 };
	struct resp	 r = { 0 };
	int		 fd;

	snprintf(p, sizeof(p), "/tmp/todo-v3-XXXXXX");
	if ((fd = mkstemp(p)) == -1)
		return;
	close(fd);
	snprintf(w, sizeof(w), "%s-writer", p);
	iop = keyed("old-live", "POST", "/todos", "{\"title\":\"Old\"}", 3000100);
	snprintf(sql, sizeof(sql), v3, iop.fingerprint, iop.fingerprint);
	CHECK(exec_on(p, sql) == 0);
	CHECK((h = store_open(&(struct store_conf){ p, 1000, STORE_SYNC_GROUP, 2592000, 1, 0, 0 })) != NULL);
	if (h == NULL)
		return;
	CHECK_INT(query_number(p, "PRAGMA user_version"), 5);
	CHECK_INT(query_number(p, "SELECT count(*) FROM sqlite_schema"
	    " WHERE type = 'index' AND name = 'todos_completed'"), 1);
	show_counts(h, 1, 1);
	show_list(h, 0, TODO_SHOW_OPEN, 10, (int64_t[]){ 1 }, 1);
	show_list(h, 0, TODO_SHOW_DONE, 10, (int64_t[]){ 2 }, 1);
	CHECK_INT(count_on(p, "idempotency_keys"), 2);
	CHECK_INT(query_number(p, "SELECT forget_at FROM idempotency_keys WHERE key = 'old-live'"),
	    3000000 + 2592000);
	op.kind = OP_CREATE;
	op.out = OUT_JSON;
	op.in = &in;
	CHECK_INT(idem_run(h, &iop, op_run, &op, &r), IDEM_REPLAYED);
	CHECK_STR(r.location, "/todos/1");
	CHECK(r.body.len == 8 && memcmp(r.body.data, "{\"id\":1}", 8) == 0);
	CHECK_INT(r.key_expires, 3086400);
	iop = keyed("old-gone", "POST", "/todos", "{\"title\":\"Old\"}", 3000100);
	CHECK_INT(idem_run(h, &iop, op_run, &op, &r), IDEM_EXPIRED);
	CHECK_STR(r.location, "/todos/1");
	CHECK_INT(count_on(p, "todos"), 2);
	/* A second open migrates nothing more. */
	store_close(h);
	CHECK((h = store_open(&(struct store_conf){ p, 1000, STORE_SYNC_GROUP, 2592000, 1, 0, 0 })) != NULL);
	CHECK_INT(query_number(p, "PRAGMA user_version"), 5);
	http_resp_free(&r);
	store_close(h);
	unlink(p);
	unlink(w);
}

/*
 * Every step of statement s's plan on handle h, one a line, into out: 0, or -1.
 */
static int
plan(struct store *h, enum sq_stmt s, char *out, size_t cap)
{
	sqlite3_stmt	*st = NULL;
	char		 sql[1024];
	size_t		 len = 0;
	int		 rc = -1;

	out[0] = '\0';
	snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", sqlite3_sql(SQ(h)->stmt[s]));
	if (sqlite3_prepare_v2(SQ(h)->h, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW && len < cap)
		len += (size_t)snprintf(out + len, cap - len, "%s\n", sqlite3_column_text(st, 3));
	rc = len < cap ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

/*
 * The open or the done todos, and their counts, on a file with todos of
 * each kind already: read by the (is_completed, id) index, the list in
 * its order with no sort, the counts with no step over the table's rows.
 */
static void
test_filters(void)
{
	char		 p[64], w[80], steps[512];
	struct store	*h;
	int		 fd;

	snprintf(p, sizeof(p), "/tmp/todo-show-XXXXXX");
	if ((fd = mkstemp(p)) == -1)
		return;
	close(fd);
	snprintf(w, sizeof(w), "%s-writer", p);
	CHECK((h = store_open(&(struct store_conf){ p, 1000, STORE_SYNC_GROUP, 0, 1, 0, 0 })) != NULL);
	if (h == NULL)
		return;
	show_counts(h, 0, 0);
	CHECK(show_insert(h, "old open", 0) > 0);
	CHECK(show_insert(h, "old done", 1) > 0);
	CHECK(show_insert(h, "old done", 1) > 0);
	show_counts(h, 1, 2);
	test_show(h);
	show_counts(h, 1, 2);

	CHECK(plan(h, SQ_TODO_LIST_SHOW, steps, sizeof(steps)) == 0);
	CHECK(strstr(steps, "SEARCH todos USING INDEX todos_completed (is_completed=? AND id<?)")
	    != NULL);
	CHECK(strstr(steps, "TEMP B-TREE") == NULL);
	CHECK(plan(h, SQ_TODO_COUNTS, steps, sizeof(steps)) == 0);
	CHECK(strstr(steps, "SEARCH todos USING COVERING INDEX todos_completed (is_completed=?)")
	    != NULL);
	CHECK(strstr(steps, "SCAN todos\n") == NULL);
	store_close(h);
	unlink(p);
	unlink(w);
}

/*
 * The file under a handle: a later open never creates it, a file replaced
 * or removed is noticed (STORE_MOVED), and a hold that saw it move does
 * not open the new file (its processes restart first); a write probe
 * commits and changes nothing.
 */
static void
test_file_checks(void)
{
	char			 p[64], aside[80];
	struct store_conf	 conf = { p, 1000, STORE_SYNC_GROUP, 0, 1, 0, 0 };
	struct store_hold	 h;
	struct store		*db;
	const char		*why;
	int			 fd;

	snprintf(p, sizeof(p), "/tmp/todo-file-XXXXXX");
	if ((fd = mkstemp(p)) == -1)
		return;
	close(fd);
	unlink(p);
	conf.quiet = 1;
	conf.create = 0;
	CHECK(store_open(&conf) == NULL);
	CHECK(access(p, F_OK) == -1);
	conf.create = 1;
	CHECK((db = store_open(&conf)) != NULL);
	CHECK(store_check(db, &why) == STORE_OK);
	CHECK(store_write_probe(db) == STORE_OK);
	store_close(db);

	store_hold_init(&h, &conf, 10, 20);
	CHECK(store_hold_get(&h) == STORE_OK);
	CHECK(store_check(h.db, &why) == STORE_OK);
	snprintf(aside, sizeof(aside), "%s.aside", p);
	CHECK(rename(p, aside) == 0);
	CHECK(store_check(h.db, &why) == STORE_MOVED);
	CHECK(why != NULL && strstr(why, "gone") != NULL);
	CHECK(store_hold_get(&h) == STORE_DOWN);
	CHECK(h.db == NULL && h.moved);
	/* Back, as another file: the hold stays away from it all the same. */
	CHECK(rename(aside, p) == 0);
	CHECK(store_hold_get(&h) == STORE_DOWN);
	store_hold_close(&h);

	/* A fresh hold opens it, unless it is gone; the first open again is at once. */
	store_hold_init(&h, &conf, 10, 20);
	CHECK(store_hold_get(&h) == STORE_OK);
	CHECK(h.reopens == 0);
	store_hold_drop(&h, "a test");
	CHECK(store_hold_get(&h) == STORE_OK);
	CHECK(h.reopens == 1);
	store_hold_close(&h);
	unlink(p);
	store_hold_init(&h, &conf, 10, 20);
	CHECK(store_hold_get(&h) == STORE_DOWN);
	CHECK(h.db == NULL && !h.moved);
	CHECK(access(p, F_OK) == -1);
	store_hold_close(&h);
	/* Plain CGI's open creates a file only where no database was before. */
	conf.create = STORE_CREATE_NEW;
	CHECK(store_open(&conf) == NULL);
	CHECK(access(p, F_OK) == -1);
	snprintf(aside, sizeof(aside), "%s-writer", p);
	unlink(aside);
	CHECK((db = store_open(&conf)) != NULL);
	store_close(db);
	unlink(p);
	snprintf(aside, sizeof(aside), "%s-wal", p);
	unlink(aside);
	snprintf(aside, sizeof(aside), "%s-shm", p);
	unlink(aside);
	snprintf(aside, sizeof(aside), "%s-writer", p);
	unlink(aside);
}

int
main(void)
{
	struct store	*db;
	struct todo_in	 in = { 0 }, patch = { 0 };
	struct op	 op = { 0 };
	struct idem_op	 iop;
	struct resp	 first = { 0 }, again = { 0 };
	struct verr	 err;
	uint64_t	 c[3], n;
	uint32_t	 who = 1;
	int64_t		 now = 1000000;
	struct store_key_counts	 kc;
	pid_t		 dead;
	int64_t		 id;
	enum idem_res	 res;
	int		 fd;

	snprintf(path, sizeof(path), "/tmp/todo-store-XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return 1;
	close(fd);
	snprintf(writer, sizeof(writer), "%s-writer", path);
	if ((db = store_open(&(struct store_conf){ path, 1000, STORE_SYNC_GROUP, 0, 1, 0, 0 })) == NULL)
		return 1;
	CHECK(valid_set_string(&in, FIELD_TITLE, " Buy milk ", 10, 0, &err) == 0);
	CHECK_STR(in.title, "Buy milk");

	/* First request: the todo and the key row exist together. */
	op.kind = OP_CREATE;
	op.out = OUT_JSON;
	op.in = &in;
	iop = keyed("k1", "POST", "/todos", "{\"title\":\"Buy milk\"}", now);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &first), IDEM_DONE);
	CHECK_INT(first.status, 201);
	CHECK_STR(first.location, "/todos/1");
	CHECK(first.etag[0] == '"');
	CHECK(strstr(first.body.data, "\"title\":\"Buy milk\"") != NULL);
	CHECK_INT(count("todos"), 1);
	CHECK_INT(count("idempotency_keys"), 1);

	/* The same request again: the first response, nothing new. */
	iop = keyed("k1", "POST", "/todos", "{\"title\":\"Buy milk\"}", now + 1);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_REPLAYED);
	CHECK_INT(again.status, 201);
	CHECK(again.replayed);
	CHECK_STR(again.location, first.location);
	CHECK_STR(again.etag, first.etag);
	CHECK_STR(again.ctype, first.ctype);
	CHECK_INT(again.body.len, first.body.len);
	CHECK(memcmp(again.body.data, first.body.data, first.body.len) == 0);
	CHECK_INT(count("todos"), 1);

	/* The same key for another body, method or path: refused, nothing changes. */
	iop = keyed("k1", "POST", "/todos", "{\"title\":\"Buy bread\"}", now + 1);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_MISMATCH);
	iop = keyed("k1", "PUT", "/todos", "{\"title\":\"Buy milk\"}", now + 1);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_MISMATCH);
	iop = keyed("k1", "POST", "/todos/1", "{\"title\":\"Buy milk\"}", now + 1);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_MISMATCH);
	CHECK_INT(count("todos"), 1);
	CHECK_INT(count("idempotency_keys"), 1);

	/* A second key with equal data is a second intent: a second todo. */
	iop = keyed("k2", "POST", "/todos", "{\"title\":\"Buy milk\"}", now);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_DONE);
	CHECK_STR(again.location, "/todos/2");
	CHECK_INT(count("todos"), 2);

	/* A refused operation (unknown todo) records nothing: the key stays usable. */
	patch.set = FIELD_BIT(FIELD_IS_COMPLETED);
	patch.is_completed = 1;
	op.kind = OP_PATCH;
	op.in = &patch;
	op.id = 99;
	iop = keyed("k3", "PATCH", "/todos/99", "{\"is_completed\":true}", now);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_REFUSED);
	CHECK_INT(again.status, 404);
	CHECK_INT(count("idempotency_keys"), 2);
	op.id = 1;
	iop = keyed("k3", "PATCH", "/todos/99", "{\"is_completed\":true}", now);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_DONE);
	CHECK_INT(again.status, 200);
	CHECK(strstr(again.body.data, "\"is_completed\":true") != NULL);

	/* A failure after the insert rolls back the todo and the key together. */
	iop = keyed("k4", "POST", "/todos", "{\"title\":\"x\"}", now);
	CHECK_INT(idem_run(db, &iop, insert_then_fail, &in, &again), IDEM_ERROR);
	CHECK_INT(count("todos"), 2);
	CHECK_INT(count("idempotency_keys"), 3);

	/* Replays survive the todo's deletion. */
	CHECK(store_todo_delete(db, 1) == STORE_OK);
	op.kind = OP_CREATE;
	op.in = &in;
	op.id = 0;
	iop = keyed("k1", "POST", "/todos", "{\"title\":\"Buy milk\"}", now + 2);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_REPLAYED);
	CHECK_STR(again.location, "/todos/1");
	CHECK_INT(count("todos"), 1);

	/* After the TTL the key is new again: a new todo, the row replaced. */
	iop = keyed("k1", "POST", "/todos", "{\"title\":\"Buy milk\"}", now + 61);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_DONE);
	CHECK_STR(again.location, "/todos/3");
	CHECK_INT(count("todos"), 2);

	/* Expired rows are purged a bounded batch at a time: k2 and k3 expired by now + 61. */
	CHECK_INT(count("idempotency_keys"), 1);
	CHECK(store_key_purge(db, now + 1000, 1) == STORE_OK);
	CHECK_INT(count("idempotency_keys"), 0);

	/*
	 * Group commit: every ended COMMIT is counted and covered by a sync.
	 * Another worker's commit written but not yet synced: a replay syncs
	 * before it answers. A worker that died inside its COMMIT (started
	 * ahead of written): the next commit settles the counts.
	 */
	iop = keyed("k5", "POST", "/todos", "{\"title\":\"Buy milk\"}", now + 1000);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_DONE);
	CHECK(counts(c) == 0);
	CHECK(c[0] >= 1 && c[0] == c[1] && c[2] >= c[1]);
	c[0] = c[1] = c[1] + 5;
	CHECK(set_counts(c) == 0);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_REPLAYED);
	CHECK(counts(c) == 0);
	CHECK(c[2] >= c[1]);
	c[0] = c[1] + 1;
	CHECK(set_counts(c) == 0);
	iop = keyed("k6", "POST", "/todos", "{\"title\":\"Buy milk\"}", now + 1000);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_DONE);
	CHECK(counts(c) == 0);
	CHECK(c[0] == c[1] && c[2] >= c[1]);

	/*
	 * A syncer that died mid-sync (its pid names no process) is taken
	 * over: the next commit syncs and answers, and the word is freed.
	 */
	if ((dead = fork()) == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	CHECK(syncer(NULL, (uint32_t)dead) == 0);
	CHECK(counts(c) == 0);
	iop = keyed("k8", "POST", "/todos", "{\"title\":\"Buy milk\"}", now + 1000);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_DONE);
	CHECK(syncer(&who, 0) == 0);
	CHECK_INT(who, 0);
	n = c[1];
	CHECK(counts(c) == 0);
	CHECK(c[1] == n + 1 && c[2] == c[1]);
	/* A live process that holds the word for over a second is taken over too. */
	CHECK(syncer(NULL, (uint32_t)getppid()) == 0);
	iop = keyed("k9", "POST", "/todos", "{\"title\":\"Buy milk\"}", now + 1000);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_DONE);
	CHECK(syncer(&who, 0) == 0);
	CHECK_INT(who, 0);

	/*
	 * The purge waits for the earliest expiry it has seen, then removes
	 * what is due: k5, k6, k8 and k9 expire at now + 1060, k7 at now + 1090.
	 */
	iop = keyed("k7", "POST", "/todos", "{\"title\":\"Buy milk\"}", now + 1030);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_DONE);
	CHECK(store_key_purge(db, now + 1059, 16) == STORE_OK);
	CHECK_INT(count("idempotency_keys"), 5);
	/* The metrics' counts: rows, and those expired by now; each stops at the cap. */
	CHECK(store_key_count(db, now + 1059, 1000, &kc) == STORE_OK);
	CHECK_INT(kc.rows, 5);
	CHECK_INT(kc.expired, 0);
	CHECK(store_key_count(db, now + 1060, 1000, &kc) == STORE_OK);
	CHECK_INT(kc.rows, 5);
	CHECK_INT(kc.expired, 4);
	CHECK(store_key_count(db, now + 1090, 3, &kc) == STORE_OK);
	CHECK_INT(kc.rows, 3);
	CHECK_INT(kc.expired, 3);
	CHECK(store_key_purge(db, now + 1060, 16) == STORE_OK);
	CHECK_INT(count("idempotency_keys"), 1);
	CHECK(store_key_purge(db, now + 1089, 16) == STORE_OK);
	CHECK_INT(count("idempotency_keys"), 1);
	CHECK(store_key_purge(db, now + 1090, 16) == STORE_OK);
	CHECK_INT(count("idempotency_keys"), 0);

	/*
	 * A retry that resends the very bytes is answered before its body is
	 * parsed; other bytes, another path or a record without the raw
	 * fingerprint (from before it was kept) need the full check.
	 */
	iop = keyed("r1", "POST", "/todos", "{\"title\":\"Buy milk\"}", now + 2000);
	iop.raw_fingerprint = "raw-a";
	CHECK_INT(idem_run(db, &iop, op_run, &op, &first), IDEM_DONE);
	iop.fingerprint = NULL;
	CHECK_INT(idem_lookup(db, &iop, &again, &res), 1);
	CHECK_INT(res, IDEM_REPLAYED);
	CHECK(again.replayed);
	CHECK_INT(again.body.len, first.body.len);
	CHECK(memcmp(again.body.data, first.body.data, first.body.len) == 0);
	iop.raw_fingerprint = "raw-b";
	CHECK_INT(idem_lookup(db, &iop, &again, &res), -1);
	iop.raw_fingerprint = "raw-a";
	iop.path = "/todos/1";
	CHECK_INT(idem_lookup(db, &iop, &again, &res), -1);
	iop = keyed("r2", "POST", "/todos", "{\"title\":\"Buy milk\"}", now + 2000);
	iop.fingerprint = NULL;
	iop.raw_fingerprint = "raw-a";
	CHECK_INT(idem_lookup(db, &iop, &again, &res), 0);
	iop = keyed("r3", "POST", "/todos", "{\"title\":\"Buy milk\"}", now + 2000);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &first), IDEM_DONE);
	iop.fingerprint = NULL;
	iop.raw_fingerprint = "raw-a";
	CHECK_INT(idem_lookup(db, &iop, &again, &res), -1);

	/*
	 * Savepoints: an undone operation leaves nothing, a kept one commits;
	 * an undo that fails (here: no savepoint to go back to) makes the
	 * commit fail and take back the whole transaction.
	 */
	n = (uint64_t)count("todos");
	CHECK(store_begin(db) == STORE_OK);
	CHECK(store_savepoint(db) == STORE_OK);
	CHECK(store_todo_insert(db, &in, "2026-01-01T00:00:00.000Z", &id, stamp) == STORE_OK);
	store_rollback_to(db);
	CHECK(store_savepoint(db) == STORE_OK);
	CHECK(store_todo_insert(db, &in, "2026-01-01T00:00:00.000Z", &id, stamp) == STORE_OK);
	CHECK(store_release(db) == STORE_OK);
	CHECK(store_commit(db) == STORE_OK);
	CHECK_INT(count("todos"), (long)n + 1);
	CHECK(store_begin(db) == STORE_OK);
	CHECK(store_todo_insert(db, &in, "2026-01-01T00:00:00.000Z", &id, stamp) == STORE_OK);
	store_rollback_to(db);
	CHECK(store_commit(db) == STORE_ERROR);
	CHECK_INT(count("todos"), (long)n + 1);
	CHECK(store_begin(db) == STORE_OK);
	CHECK(store_todo_insert(db, &in, "2026-01-01T00:00:00.000Z", &id, stamp) == STORE_OK);
	CHECK(store_commit(db) == STORE_OK);
	CHECK_INT(count("todos"), (long)n + 2);

	/*
	 * A key is claimed by one statement: a second claim of a live key is
	 * refused, a claim of an expired one takes its row over; an update
	 * over a version that is no longer the row's is a conflict.
	 */
	{
		struct store_claim cl = { "", "claim-1", "POST", "/todos", "fp", NULL, now, 10 };
		struct store_key k;
		struct todo t;

		CHECK(store_begin(db) == STORE_OK);
		CHECK(store_key_claim(db, &cl, NULL) == STORE_OK);
		CHECK(store_key_claim(db, &cl, NULL) == STORE_EXISTS);
		CHECK(store_key_get(db, "", "claim-1", now, &k) == STORE_OK);
		CHECK_INT(k.status, 0);
		store_key_clear(&k);
		CHECK(store_key_record(db, "", "claim-1", 7, 201, "", "x", 1) == STORE_OK);
		CHECK(store_commit(db) == STORE_OK);
		cl.now = now + 10;
		cl.fingerprint = "fp2";
		CHECK(store_begin(db) == STORE_OK);
		CHECK(store_key_claim(db, &cl, NULL) == STORE_OK);
		CHECK(store_key_get(db, "", "claim-1", now + 10, &k) == STORE_OK);
		CHECK_STR(k.fingerprint, "fp2");
		store_key_clear(&k);
		store_rollback(db);
		CHECK(store_key_get(db, "", "claim-1", now + 10, &k) == STORE_NOTFOUND);
		CHECK(store_key_get(db, "", "claim-1", now, &k) == STORE_OK);
		CHECK_INT(k.todo_id, 7);
		store_key_clear(&k);

		CHECK(store_todo_get(db, id, &t) == STORE_OK);
		CHECK(store_begin(db) == STORE_OK);
		CHECK(store_todo_update(db, &t, "2026-01-02T00:00:00.000Z") == STORE_OK);
		CHECK(store_todo_update(db, &t, "2026-01-02T00:00:00.000Z") == STORE_CONFLICT);
		CHECK(store_commit(db) == STORE_OK);
		t.id = 999999;
		CHECK(store_todo_update(db, &t, "2026-01-02T00:00:00.000Z") == STORE_NOTFOUND);
		todo_clear(&t);
	}

	/*
	 * A commit whose outcome is unknown is settled by its key: recorded,
	 * it is answered as done (not as a replay); not recorded, the client
	 * is told so (IDEM_UNKNOWN, never a blind success), and its retry with
	 * the key makes the change once.
	 */
	lossy = store_sqlite;
	db->engine = &lossy;
	lossy.commit = commit_then_lost;
	n = (uint64_t)count("todos");
	iop = keyed("lost-1", "POST", "/todos", "{\"title\":\"Buy milk\"}", now);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &first), IDEM_DONE);
	CHECK_INT(first.status, 201);
	CHECK_INT(first.replayed, 0);
	CHECK_INT(count("todos"), (long)n + 1);
	lossy.commit = lost_before_commit;
	iop = keyed("lost-2", "POST", "/todos", "{\"title\":\"Buy milk\"}", now);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_UNKNOWN);
	CHECK_INT(count("todos"), (long)n + 1);
	db->engine = &store_sqlite;
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_DONE);
	CHECK_INT(idem_run(db, &iop, op_run, &op, &again), IDEM_REPLAYED);
	CHECK_INT(count("todos"), (long)n + 2);

	todo_in_clear(&in);
	todo_in_clear(&patch);
	http_resp_free(&first);
	http_resp_free(&again);
	store_close(db);
	unlink(path);
	unlink(writer);
	test_tombstones();
	test_migration();
	test_filters();
	test_file_checks();
	CHECK_DONE();
}
