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
	pid_t		 dead;
	int64_t		 id;
	enum idem_res	 res;
	int		 fd;

	snprintf(path, sizeof(path), "/tmp/todo-store-XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return 1;
	close(fd);
	snprintf(writer, sizeof(writer), "%s-writer", path);
	if ((db = store_open(&(struct store_conf){ path, 1000, STORE_SYNC_GROUP })) == NULL)
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
		CHECK(store_key_claim(db, &cl) == STORE_OK);
		CHECK(store_key_claim(db, &cl) == STORE_EXISTS);
		CHECK(store_key_get(db, "", "claim-1", now, &k) == STORE_OK);
		CHECK_INT(k.status, 0);
		store_key_clear(&k);
		CHECK(store_key_record(db, "", "claim-1", 7, 201, "", "x", 1) == STORE_OK);
		CHECK(store_commit(db) == STORE_OK);
		cl.now = now + 10;
		cl.fingerprint = "fp2";
		CHECK(store_begin(db) == STORE_OK);
		CHECK(store_key_claim(db, &cl) == STORE_OK);
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
	CHECK_DONE();
}
