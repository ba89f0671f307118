/*
 * The PostgreSQL engine on a real server (TODO_PG_DB, a cluster from
 * tests/pg.sh): schema, todos with versions, keys claimed once across
 * connections, expiry by the database's clock, lock waits that end in
 * STORE_BUSY, and connections lost idle, inside a transaction, before COMMIT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "show.h"
#include "lib/clock.h"
#include "store/store.h"
#define PGS_PQ_LINKED	/* this test links libpq for its own connection */
#include "store/pg/pg.h"	/* the backend of a handle, to terminate it */

static const char	*db;
static PGconn		*admin;	/* the operator's view, outside every handle */

/* The first value of sql, as a number; -1 on any error. */
static long long
q(const char *sql)
{
	PGresult	*res = PQexec(admin, sql);
	long long	 v = -1;

	if ((PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 &&
	    !PQgetisnull(res, 0, 0)))
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	else if (PQresultStatus(res) == PGRES_COMMAND_OK)
		v = 0;
	else
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(admin));
	PQclear(res);
	return v;
}

static struct store *
open_horizon(const char *conninfo, int busy_ms, int64_t horizon)
{
	struct store_conf	 conf = { conninfo, busy_ms, STORE_SYNC_FULL, horizon, 1, 0, 0 };

	return store_pg.open(&conf);
}

static struct store *
open_pg(const char *conninfo, int busy_ms)
{
	return open_horizon(conninfo, busy_ms, 0);
}

/* A setting of handle s's own session, as SHOW gives it. */
static void
check_setting(struct store *s, const char *name, const char *want)
{
	char		 sql[128];
	PGresult	*res;

	snprintf(sql, sizeof(sql), "SHOW %s", name);
	res = PQexec(((struct pgs *)s)->conn, sql);
	CHECK(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		CHECK_STR(PQgetvalue(res, 0, 0), want);
	PQclear(res);
}

/*
 * The session's limits: a same-key wait ends at the busy timeout, any
 * statement somewhat later, and a session idle in a transaction (a frozen
 * host) after 30 s, unless the server has a limit of its own.
 */
static void
test_settings(struct store *s)
{
	check_setting(s, "lock_timeout", "1s");
	check_setting(s, "statement_timeout", "3s");
	check_setting(s, "idle_in_transaction_session_timeout", "30s");
	check_setting(s, "TimeZone", "UTC");
	check_setting(s, "transaction_isolation", "read committed");
}

/* Ends the backend of handle s, as an operator or a failover would. */
static void
kill_backend(struct store *s)
{
	char	 sql[96];

	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)::int",
	    PQbackendPID(((struct pgs *)s)->conn));
	CHECK_INT(q(sql), 1);
	usleep(100 * 1000);	/* the backend is gone, its socket closed */
}

static struct store_claim
claim(const char *key, const char *fp, int64_t ttl)
{
	struct store_claim	 c = { "client", key, "POST", "/todos", fp, NULL, 0, ttl };

	return c;
}

/* Claims key in a transaction of its own: the claim's result, or the commit's error. */
static enum store_res
claim_commit(struct store *s, const char *key, int64_t ttl)
{
	struct store_claim	 c = claim(key, "fp", ttl);
	enum store_res		 rc;

	if ((rc = store_pg.begin(s)) != STORE_OK)
		return rc;
	if ((rc = store_pg.key_claim(s, &c, NULL)) != STORE_OK) {
		store_pg.rollback(s);
		return rc;
	}
	return store_pg.commit(s);
}

static int64_t
insert(struct store *s, const char *title)
{
	struct todo_in	 in = { 0, (char *)title, NULL, 0 };
	char		 stamp[32];
	int64_t		 id = 0;

	if (store_pg.begin(s) != STORE_OK)
		return 0;
	if (store_pg.todo_insert(s, &in, NULL, &id, stamp) != STORE_OK) {
		store_pg.rollback(s);
		return 0;
	}
	return store_pg.commit(s) == STORE_OK ? id : 0;
}

static void
test_open(void)
{
	struct store	*s;
	char		 multi[512];

	CHECK(store_pg.accepts("postgresql://db.example/todo"));
	CHECK(store_pg.accepts("postgres://u@h:5433/todo"));
	CHECK(store_pg.accepts("host=/tmp/x dbname=todo"));
	CHECK(!store_pg.accepts("/var/lib/todo/todo.db"));
	CHECK(!store_pg.accepts("./a=b.db"));
	CHECK(!store_pg.accepts("todo.db"));
	CHECK(!store_pg.accepts(NULL));

	/* A second open migrates nothing more. */
	CHECK((s = open_pg(db, 1000)) != NULL);
	store_pg.close(s);
	CHECK((s = open_pg(db, 1000)) != NULL);
	store_pg.close(s);
	store_pg.close(NULL);
	CHECK_INT(q("SELECT count(*) FROM schema_version"), 1);
	CHECK_INT(q("SELECT version FROM schema_version"), 3);

	/* A schema from a newer program is refused. */
	CHECK_INT(q("UPDATE schema_version SET version = 99"), 0);
	CHECK(open_pg(db, 1000) == NULL);
	CHECK_INT(q("UPDATE schema_version SET version = 3"), 0);

	CHECK(open_pg("host=/nonexistent/dir dbname=todo connect_timeout=2", 1000) == NULL);

	/* Several hosts, the first unreachable, and a URI. */
	snprintf(multi, sizeof(multi), "host=/nonexistent/dir,%s port=%s,%s dbname=todo"
	    " user=postgres target_session_attrs=read-write", getenv("PGHOST"),
	    getenv("PGPORT"), getenv("PGPORT"));
	CHECK((s = open_pg(multi, 1000)) != NULL);
	CHECK_INT(store_pg.health(s), STORE_OK);
	store_pg.close(s);
	snprintf(multi, sizeof(multi), "postgresql:///todo?host=%s&port=%s&user=postgres",
	    getenv("PGHOST"), getenv("PGPORT"));
	CHECK(store_pg.accepts(multi));
	CHECK((s = open_pg(multi, 1000)) != NULL);
	store_pg.close(s);
}

static void
test_todos(struct store *s)
{
	struct todo_in	 in = { 0, "buy milk", NULL, 0 };
	struct todo	 t, *items = NULL;
	char		 stamp[32] = "";
	int64_t		 id = 0, ids[5];
	size_t		 n, i;

	CHECK_INT(store_pg.begin(s), STORE_OK);
	CHECK_INT(store_pg.todo_insert(s, &in, "ignored", &id, stamp), STORE_OK);
	CHECK_INT(store_pg.commit(s), STORE_OK);
	CHECK(id > 0);
	CHECK_INT(strlen(stamp), 24);
	CHECK(stamp[4] == '-' && stamp[10] == 'T' && stamp[19] == '.' && stamp[23] == 'Z');

	CHECK_INT(store_pg.todo_get(s, id, &t), STORE_OK);
	CHECK_INT(t.id, id);
	CHECK_STR(t.title, "buy milk");
	CHECK(t.description == NULL);
	CHECK_INT(t.is_completed, 0);
	CHECK_INT(t.version, 1);
	CHECK_STR(t.created_at, stamp);
	CHECK_STR(t.updated_at, stamp);

	/* An update over the version read; a second one over the same is stale. */
	free(t.title);
	t.title = strdup("buy oat milk");
	t.description = strdup("two litres");
	t.is_completed = 1;
	CHECK_INT(store_pg.begin(s), STORE_OK);
	CHECK_INT(store_pg.todo_update(s, &t, NULL), STORE_OK);
	CHECK_INT(store_pg.todo_update(s, &t, NULL), STORE_CONFLICT);
	store_pg.rollback(s);
	CHECK_INT(store_pg.todo_update(s, &t, NULL), STORE_OK);	/* no transaction: one statement */
	CHECK_INT(store_pg.todo_update(s, &t, NULL), STORE_CONFLICT);
	todo_clear(&t);
	CHECK_INT(store_pg.todo_get(s, id, &t), STORE_OK);
	CHECK_STR(t.title, "buy oat milk");
	CHECK_STR(t.description, "two litres");
	CHECK_INT(t.is_completed, 1);
	CHECK_INT(t.version, 2);
	CHECK_STR(t.created_at, stamp);
	CHECK(strcmp(t.updated_at, stamp) > 0);

	CHECK_INT(store_pg.todo_delete(s, id), STORE_OK);
	CHECK_INT(store_pg.todo_update(s, &t, NULL), STORE_NOTFOUND);
	CHECK_INT(store_pg.todo_delete(s, id), STORE_OK);
	todo_clear(&t);
	CHECK_INT(store_pg.todo_get(s, id, &t), STORE_NOTFOUND);

	/* Pages of a keyset pagination, newest first; ids are never reused. */
	for (i = 0; i < 5; i++)
		CHECK((ids[i] = insert(s, "page")) > (i ? ids[i - 1] : id));
	CHECK_INT(store_pg.todo_list(s, 0, TODO_SHOW_ALL, 2, &items, &n), STORE_OK);
	CHECK_INT(n, 2);
	CHECK(n == 2 && items[0].id == ids[4] && items[1].id == ids[3]);
	CHECK(n == 2 && strcmp(items[0].title, "page") == 0 && items[0].version == 1);
	for (i = 0; i < n; i++)
		todo_clear(&items[i]);
	free(items);
	CHECK_INT(store_pg.todo_list(s, ids[3], TODO_SHOW_ALL, 2, &items, &n), STORE_OK);
	CHECK(n == 2 && items[0].id == ids[2] && items[1].id == ids[1]);
	for (i = 0; i < n; i++)
		todo_clear(&items[i]);
	free(items);
	CHECK_INT(store_pg.todo_list(s, ids[1], TODO_SHOW_ALL, 10, &items, &n), STORE_OK);
	CHECK(n == 1 && items[0].id == ids[0]);
	for (i = 0; i < n; i++)
		todo_clear(&items[i]);
	free(items);
	CHECK_INT(store_pg.todo_list(s, 0, TODO_SHOW_ALL, 0, &items, &n), STORE_OK);
	CHECK_INT(n, 0);
	free(items);

	/* A failed statement spoils its transaction: COMMIT then fails too. */
	in.title = NULL;
	CHECK_INT(store_pg.begin(s), STORE_OK);
	CHECK_INT(store_pg.todo_insert(s, &in, NULL, &id, stamp), STORE_ERROR);
	CHECK_INT(store_pg.commit(s), STORE_ERROR);
	CHECK_INT(store_pg.health(s), STORE_OK);

	/* An undo that fails (no savepoint to go back to): commit rolls back. */
	CHECK_INT(store_pg.begin(s), STORE_OK);
	in.title = "undone";
	CHECK_INT(store_pg.todo_insert(s, &in, NULL, &id, stamp), STORE_OK);
	store_pg.rollback_to(s);
	CHECK_INT(store_pg.commit(s), STORE_ERROR);
	CHECK_INT(q("SELECT count(*) FROM todos WHERE title = 'undone'"), 0);

	/* A savepoint undone keeps what came before it. */
	CHECK_INT(store_pg.begin(s), STORE_OK);
	in.title = "kept";
	CHECK_INT(store_pg.todo_insert(s, &in, NULL, &id, stamp), STORE_OK);
	CHECK_INT(store_pg.savepoint(s), STORE_OK);
	in.title = "undone";
	CHECK_INT(store_pg.todo_insert(s, &in, NULL, &id, stamp), STORE_OK);
	store_pg.rollback_to(s);
	CHECK_INT(store_pg.savepoint(s), STORE_OK);
	CHECK_INT(store_pg.release(s), STORE_OK);
	CHECK_INT(store_pg.commit(s), STORE_OK);
	CHECK_INT(q("SELECT count(*) FROM todos WHERE title = 'kept'"), 1);
	CHECK_INT(q("SELECT count(*) FROM todos WHERE title = 'undone'"), 0);

	store_pg.rollback(s);	/* none open: nothing happens */
	CHECK_INT(store_pg.durable(s), STORE_OK);
}

/* Every line of the plan sql gives on handle s's own session, into out. */
static void
plan(struct store *s, const char *sql, char *out, size_t cap)
{
	PGresult	*res = PQexec(((struct pgs *)s)->conn, sql);
	size_t		 len = 0;
	int		 i;

	out[0] = '\0';
	CHECK(PQresultStatus(res) == PGRES_TUPLES_OK);
	for (i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res) && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s\n", PQgetvalue(res, i, 0));
	PQclear(res);
}

/*
 * On a table of 20,000 todos, the older half done and analyzed, each
 * filtered list walks its own partial index, in order, and the counts
 * read those indexes alone; with the plans made for the values given
 * and with the generic ones a prepared statement ends up with.
 */
static void
test_plans(struct store *s)
{
	static const char *const modes[] = { "force_custom_plan", "force_generic_plan" };
	PGconn		*c = ((struct pgs *)s)->conn;
	char		 steps[2048], set[80];
	size_t		 i;

	CHECK_INT(q("INSERT INTO todos (title, is_completed) SELECT 'plan', (i <= 10000)::integer"
	    " FROM generate_series(1, 20000) i"), 0);
	CHECK_INT(q("VACUUM ANALYZE todos"), 0);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		snprintf(set, sizeof(set), "SET plan_cache_mode = %s", modes[i]);
		PQclear(PQexec(c, set));
		plan(s, "EXPLAIN (COSTS OFF) EXECUTE todo_list_done(51, 9223372036854775807)",
		    steps, sizeof(steps));
		CHECK(strstr(steps, "Index Scan Backward using todos_done on todos") != NULL);
		CHECK(strstr(steps, "Sort") == NULL && strstr(steps, "Filter") == NULL);
		plan(s, "EXPLAIN (COSTS OFF) EXECUTE todo_list_open(51, 5000)", steps, sizeof(steps));
		CHECK(strstr(steps, "Index Scan Backward using todos_open on todos") != NULL);
		CHECK(strstr(steps, "Sort") == NULL && strstr(steps, "Filter") == NULL);
		plan(s, "EXPLAIN (COSTS OFF) EXECUTE todo_counts", steps, sizeof(steps));
		CHECK(strstr(steps, "Index Only Scan using todos_open on todos") != NULL);
		CHECK(strstr(steps, "Index Only Scan using todos_done on todos") != NULL);
		CHECK(strstr(steps, "Seq Scan") == NULL);
	}
	PQclear(PQexec(c, "RESET plan_cache_mode"));
	show_counts(s, q("SELECT count(*) FROM todos WHERE is_completed = 0"), q("SELECT count(*)"
	    " FROM todos WHERE is_completed = 1"));
	CHECK_INT(q("DELETE FROM todos WHERE title = 'plan'"), 0);
}

static void
test_keys(struct store *a, struct store *b)
{
	static const char	 body[] = "{\"a\":\0\"b\"}\0";
	struct store_claim	 c = claim("k1", "fp1", 60);
	struct store_key	 k = { 0 };
	int64_t			 now = time(NULL);

	CHECK_INT(store_pg.begin(a), STORE_OK);
	c.raw_fingerprint = "raw1";
	CHECK_INT(store_pg.key_claim(a, &c, NULL), STORE_OK);
	CHECK_INT(store_pg.key_get(a, "client", "k1", 0, &k), STORE_OK);
	CHECK_INT(k.status, 0);
	CHECK_INT(k.todo_id, 0);
	CHECK_STR(k.method, "POST");
	CHECK_INT(k.body.len, 0);
	store_key_clear(&k);
	CHECK_INT(store_pg.key_record(a, "client", "k1", 7, 201, "Location: /todos/7\r\n",
	    body, sizeof(body)), STORE_OK);
	CHECK_INT(store_pg.commit(a), STORE_OK);

	/* Another connection: the key is taken, its response kept byte for byte. */
	CHECK_INT(store_pg.begin(b), STORE_OK);
	CHECK_INT(store_pg.key_claim(b, &c, NULL), STORE_EXISTS);
	CHECK_INT(store_pg.key_get(b, "client", "k1", 0, &k), STORE_OK);
	store_pg.rollback(b);
	CHECK_STR(k.method, "POST");
	CHECK_STR(k.path, "/todos");
	CHECK_STR(k.fingerprint, "fp1");
	CHECK_STR(k.raw_fingerprint, "raw1");
	CHECK_STR(k.headers, "Location: /todos/7\r\n");
	CHECK_INT(k.status, 201);
	CHECK_INT(k.todo_id, 7);
	CHECK(k.expires_at >= now + 58 && k.expires_at <= now + 62);
	CHECK_INT(k.body.len, sizeof(body));
	CHECK(k.body.len == sizeof(body) && memcmp(k.body.data, body, sizeof(body)) == 0);
	store_key_clear(&k);
	/* Another scope is another key. */
	CHECK_INT(store_pg.key_get(b, "other", "k1", 0, &k), STORE_NOTFOUND);

	/* No raw fingerprint, no todo. */
	CHECK_INT(store_pg.begin(a), STORE_OK);
	c = claim("k2", "fp2", 60);
	CHECK_INT(store_pg.key_claim(a, &c, NULL), STORE_OK);
	CHECK_INT(store_pg.key_record(a, "client", "k2", 0, 422, "", NULL, 0), STORE_OK);
	CHECK_INT(store_pg.key_record(a, "client", "nokey", 0, 422, "", NULL, 0), STORE_BUSY);
	CHECK_INT(store_pg.commit(a), STORE_OK);
	CHECK_INT(store_pg.key_get(b, "client", "k2", 0, &k), STORE_OK);
	CHECK(k.raw_fingerprint == NULL);
	CHECK_INT(k.todo_id, 0);
	CHECK_INT(k.status, 422);
	CHECK_INT(k.body.len, 0);
	store_key_clear(&k);

	/* A key that has expired (ttl 0: at once) is free again. */
	CHECK_INT(claim_commit(a, "k3", 0), STORE_OK);
	CHECK_INT(store_pg.key_get(b, "client", "k3", 0, &k), STORE_NOTFOUND);
	CHECK_INT(store_pg.begin(b), STORE_OK);
	c = claim("k3", "fp3-new", 60);
	CHECK_INT(store_pg.key_claim(b, &c, NULL), STORE_OK);
	CHECK_INT(store_pg.commit(b), STORE_OK);
	CHECK_INT(store_pg.key_get(a, "client", "k3", 0, &k), STORE_OK);
	CHECK_STR(k.fingerprint, "fp3-new");
	CHECK_INT(k.status, 0);
	store_key_clear(&k);
	CHECK_INT(claim_commit(a, "k3", 60), STORE_EXISTS);
}

static void
test_purge(void)
{
	struct store	*s;
	struct store_key_counts kc;

	CHECK((s = open_pg(db, 1000)) != NULL);
	if (s == NULL)
		return;
	CHECK_INT(claim_commit(s, "p1", 0), STORE_OK);
	CHECK_INT(claim_commit(s, "p2", 0), STORE_OK);
	CHECK_INT(claim_commit(s, "p3", 0), STORE_OK);
	CHECK_INT(claim_commit(s, "p4", 60), STORE_OK);
	/* The metrics' counts, by the database's clock; each stops at the cap. */
	CHECK_INT(store_pg.key_count(s, 0, 1000000, &kc), STORE_OK);
	CHECK_INT(kc.rows, q("SELECT count(*) FROM idempotency_keys"));
	CHECK_INT(kc.expired, q("SELECT count(*) FROM idempotency_keys"
	    " WHERE expires_at <= floor(extract(epoch from now()))"));
	CHECK(kc.expired >= 3);
	CHECK_INT(kc.tombstones, q("SELECT count(*) FROM idempotency_tombstones"));
	CHECK_INT(store_pg.key_count(s, 0, 2, &kc), STORE_OK);
	CHECK_INT(kc.rows, 2);
	CHECK_INT(kc.expired, 2);
	/* Bounded: one row per call while more are due. */
	CHECK_INT(store_pg.begin(s), STORE_OK);
	CHECK_INT(store_pg.key_purge(s, 0, 1), STORE_OK);
	CHECK_INT(store_pg.commit(s), STORE_OK);
	CHECK_INT(q("SELECT count(*) FROM idempotency_keys WHERE key IN ('p1', 'p2', 'p3')"), 2);
	CHECK_INT(store_pg.begin(s), STORE_OK);
	CHECK_INT(store_pg.key_purge(s, 0, 10), STORE_OK);
	CHECK_INT(store_pg.commit(s), STORE_OK);
	CHECK_INT(q("SELECT count(*) FROM idempotency_keys WHERE key IN ('p1', 'p2', 'p3')"), 0);
	/* Live keys stay. */
	CHECK_INT(q("SELECT count(*) FROM idempotency_keys WHERE key IN ('p4', 'k1', 'k3')"), 3);
	CHECK_INT(q("SELECT count(*) FROM idempotency_keys WHERE"
	    " expires_at <= extract(epoch from now())"), 0);
	/* Nothing expires for a minute: the next purges skip the work. */
	CHECK_INT(claim_commit(s, "p5", 0), STORE_OK);
	CHECK_INT(store_pg.begin(s), STORE_OK);
	CHECK_INT(store_pg.key_purge(s, 0, 10), STORE_OK);
	CHECK_INT(store_pg.commit(s), STORE_OK);
	CHECK_INT(q("SELECT count(*) FROM idempotency_keys WHERE key = 'p5'"), 1);
	store_pg.close(s);
}

/*
 * A child claims a key and holds it for 1.5 s: a wait of 300 ms ends in
 * STORE_BUSY, one of 5 s sees the key taken once the child commits.
 */
static void
test_concurrent(void)
{
	struct store_claim	 c = claim("held", "fp", 60);
	struct store		*s = NULL, *fast, *slow;
	int64_t			 t0, t;
	pid_t			 pid;
	int			 fds[2], status = -1;
	char			 ok = 0;

	CHECK(pipe(fds) == 0);
	fflush(NULL);
	/* Before the parent opens its handles: a child must not share one. */
	if ((pid = fork()) == 0) {
		close(fds[0]);
		if ((s = open_pg(db, 5000)) != NULL && store_pg.begin(s) == STORE_OK &&
		    store_pg.key_claim(s, &c, NULL) == STORE_OK)
			ok = 1;
		if (write(fds[1], &ok, 1) != 1 || !ok)
			_exit(1);
		usleep(1500 * 1000);
		ok = store_pg.commit(s) == STORE_OK;
		store_pg.close(s);
		_exit(ok ? 0 : 1);
	}
	CHECK(pid > 0);
	close(fds[1]);
	fast = open_pg(db, 300);
	slow = open_pg(db, 5000);
	CHECK(fast != NULL && slow != NULL);
	if (fast == NULL || slow == NULL) {
		store_pg.close(fast);
		store_pg.close(slow);
		return;
	}
	CHECK(read(fds[0], &ok, 1) == 1 && ok == 1);
	close(fds[0]);
	t0 = clock_mono_ms();

	CHECK_INT(store_pg.begin(fast), STORE_OK);
	CHECK_INT(store_pg.savepoint(fast), STORE_OK);
	CHECK_INT(store_pg.key_claim(fast, &c, NULL), STORE_BUSY);
	t = clock_mono_ms() - t0;
	CHECK(t >= 250 && t < 1200);
	/* Undone to the savepoint, the transaction goes on. */
	store_pg.rollback_to(fast);
	CHECK_INT(store_pg.health(fast), STORE_OK);
	CHECK_INT(store_pg.commit(fast), STORE_OK);

	CHECK_INT(store_pg.begin(slow), STORE_OK);
	CHECK_INT(store_pg.key_claim(slow, &c, NULL), STORE_EXISTS);
	t = clock_mono_ms() - t0;
	CHECK(t >= 1200 && t < 4000);
	store_pg.rollback(slow);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	store_pg.close(fast);
	store_pg.close(slow);
}

/* Purges what is due in a transaction of its own. */
static enum store_res
purge(struct store *s, int limit)
{
	enum store_res	 rc;

	if ((rc = store_pg.begin(s)) != STORE_OK)
		return rc;
	if ((rc = store_pg.key_purge(s, 0, limit)) != STORE_OK) {
		store_pg.rollback(s);
		return rc;
	}
	return store_pg.commit(s);
}

/*
 * Past its TTL a key is a tombstone until the horizon, by the database's
 * clock: read as expired, never claimed again; the purge moves rows to
 * tombstones and removes those past the horizon, a bounded number at a
 * time. Times are moved back in the rows rather than waited for.
 */
static void
test_tombstones(void)
{
	struct store		*s;
	struct store_claim	 c = claim("t1", "fp-t1", 60);
	struct store_key	 k = { 0 };
	int64_t			 at = 0, now = time(NULL);

	CHECK((s = open_horizon(db, 1000, 3600)) != NULL);
	if (s == NULL)
		return;
	CHECK_INT(q("TRUNCATE idempotency_keys, idempotency_tombstones"), 0);
	CHECK_INT(store_pg.begin(s), STORE_OK);
	CHECK_INT(store_pg.key_claim(s, &c, &at), STORE_OK);
	CHECK(at >= now + 58 && at <= now + 62);
	CHECK_INT(store_pg.key_record(s, "client", "t1", 5, 201,
	    "Content-Type: application/json\r\nLocation: /todos/5\r\n", "{}", 2), STORE_OK);
	CHECK_INT(store_pg.commit(s), STORE_OK);
	CHECK_INT(q("SELECT forget_at - created_at FROM idempotency_keys WHERE key = 't1'"), 3600);

	/* Past the TTL, not yet moved: expired, and the key is not free. */
	CHECK_INT(q("UPDATE idempotency_keys SET created_at = created_at - 100,"
	    " expires_at = expires_at - 100, forget_at = forget_at - 100 WHERE key = 't1'"), 0);
	CHECK_INT(store_pg.key_get(s, "client", "t1", 0, &k), STORE_OK);
	CHECK_INT(k.expired, 1);
	store_key_clear(&k);
	CHECK_INT(claim_commit(s, "t1", 60), STORE_EXISTS);

	/* Moved: a tombstone with the request and its headers, no body. */
	CHECK_INT(purge(s, 10), STORE_OK);
	CHECK_INT(q("SELECT count(*) FROM idempotency_keys"), 0);
	CHECK_INT(q("SELECT count(*) FROM idempotency_tombstones"), 1);
	CHECK_INT(store_pg.key_get(s, "client", "t1", 0, &k), STORE_OK);
	CHECK_INT(k.expired, 1);
	CHECK_INT(k.status, 201);
	CHECK_INT(k.todo_id, 5);
	CHECK_STR(k.fingerprint, "fp-t1");
	CHECK_STR(k.method, "POST");
	CHECK_STR(k.path, "/todos");
	CHECK_STR(k.headers, "Content-Type: application/json\r\nLocation: /todos/5\r\n");
	CHECK_INT(k.body.len, 0);
	CHECK(k.raw_fingerprint == NULL);
	store_key_clear(&k);
	CHECK_INT(claim_commit(s, "t1", 60), STORE_EXISTS);

	/*
	 * A claim that missed the tombstone (another host moved the row while
	 * the claim waited) cannot record: busy, and the retry sees it.
	 */
	CHECK_INT(q("INSERT INTO idempotency_keys (scope, key, method, path, fingerprint, status,"
	    " created_at, expires_at, forget_at) VALUES ('client', 't1', 'POST', '/todos', 'fp',"
	    " 0, 0, 9999999999, 9999999999)"), 0);
	CHECK_INT(store_pg.begin(s), STORE_OK);
	CHECK_INT(store_pg.key_record(s, "client", "t1", 6, 201, "", "{}", 2), STORE_BUSY);
	store_pg.rollback(s);
	CHECK_INT(q("DELETE FROM idempotency_keys WHERE key = 't1'"), 0);

	/*
	 * Past the horizon: removed in bounded steps, and the key is free. A
	 * new handle each time the rows are changed behind the purge's back.
	 */
	store_pg.close(s);
	CHECK((s = open_horizon(db, 1000, 3600)) != NULL);
	if (s == NULL)
		return;
	CHECK_INT(claim_commit(s, "u1", 0), STORE_OK);	/* never recorded: no tombstone */
	CHECK_INT(q("INSERT INTO idempotency_tombstones SELECT 'client', 'd' || i, 'POST',"
	    " '/todos', 'fp', i, 201, '', 0, 0, 1 FROM generate_series(1, 5) i"), 0);
	CHECK_INT(purge(s, 2), STORE_OK);
	CHECK_INT(q("SELECT count(*) FROM idempotency_tombstones"), 4);
	CHECK_INT(q("SELECT count(*) FROM idempotency_keys"), 0);
	CHECK_INT(purge(s, 2), STORE_OK);
	CHECK_INT(purge(s, 2), STORE_OK);
	CHECK_INT(q("SELECT count(*) FROM idempotency_tombstones"), 1);
	CHECK_INT(q("UPDATE idempotency_tombstones SET forget_at = 1 WHERE key = 't1'"), 0);
	CHECK_INT(store_pg.key_get(s, "client", "t1", 0, &k), STORE_NOTFOUND);
	CHECK_INT(claim_commit(s, "t1", 60), STORE_OK);
	store_pg.close(s);
	CHECK((s = open_horizon(db, 1000, 3600)) != NULL);
	if (s == NULL)
		return;
	CHECK_INT(purge(s, 2), STORE_OK);
	CHECK_INT(q("SELECT count(*) FROM idempotency_tombstones"), 0);
	CHECK_INT(q("SELECT count(*) FROM idempotency_keys WHERE key = 't1'"), 1);
	store_pg.close(s);
}

/*
 * A database at an earlier schema (step 1) migrates under the lock and
 * keeps its keys: a live one reads back whole, an expired one is
 * remembered for the default horizon, 30 days from its first use; its
 * todos are indexed by completion, listed and counted by it.
 */
static void
test_migration(void)
{
	char		 conninfo[512];
	PGconn		*old;
	PGresult	*res;
	struct store	*s;
	struct store_key k = { 0 };

	CHECK_INT(q("CREATE DATABASE todo_v1"), 0);
	snprintf(conninfo, sizeof(conninfo), "host=%s port=%s dbname=todo_v1 user=postgres",
	    getenv("PGHOST"), getenv("PGPORT"));
	old = PQconnectdb(conninfo);
	CHECK(PQstatus(old) == CONNECTION_OK);
	res = PQexec(old,
	    "CREATE TABLE schema_version (version integer NOT NULL);"
	    "INSERT INTO schema_version VALUES (1);"
	    "CREATE TABLE todos (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	    " title text NOT NULL, description text, is_completed integer NOT NULL DEFAULT 0"
	    " CHECK (is_completed IN (0, 1)), version bigint NOT NULL DEFAULT 1,"
	    " created_at timestamptz NOT NULL DEFAULT now(),"
	    " updated_at timestamptz NOT NULL DEFAULT now());"
	    "CREATE TABLE idempotency_keys (scope text NOT NULL DEFAULT '', key text NOT NULL,"
	    " method text NOT NULL, path text NOT NULL, fingerprint text NOT NULL,"
	    " raw_fingerprint text, todo_id bigint, status integer NOT NULL,"
	    " headers text NOT NULL DEFAULT '', body bytea NOT NULL DEFAULT '',"
	    " created_at bigint NOT NULL, expires_at bigint NOT NULL, PRIMARY KEY (scope, key));"
	    "CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);"
	    "INSERT INTO todos (title) VALUES ('old');"
	    "INSERT INTO todos (title, is_completed) VALUES ('old done', 1);"
	    "INSERT INTO idempotency_keys VALUES ('', 'old-live', 'POST', '/todos', 'fp', 'raw', 1,"
	    " 201, 'Location: /todos/1' || chr(13) || chr(10), '\\x7b7d',"
	    " extract(epoch FROM now())::bigint, extract(epoch FROM now())::bigint + 600),"
	    " ('', 'old-gone', 'POST', '/todos', 'fp', NULL, 1, 201, '', '',"
	    " extract(epoch FROM now())::bigint - 700, extract(epoch FROM now())::bigint - 100);");
	CHECK(PQresultStatus(res) == PGRES_COMMAND_OK);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fprintf(stderr, "%s", PQerrorMessage(old));
	PQclear(res);
	CHECK((s = open_horizon(conninfo, 1000, 2592000)) != NULL);
	if (s != NULL) {
		res = PQexec(old, "SELECT (SELECT version FROM schema_version),"
		    " (SELECT count(*) FROM idempotency_keys),"
		    " (SELECT forget_at - created_at FROM idempotency_keys WHERE key = 'old-gone'),"
		    " (SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes"
		    " WHERE tablename = 'todos' AND indexname <> 'todos_pkey')");
		CHECK(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1);
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
			CHECK_STR(PQgetvalue(res, 0, 0), "3");
			CHECK_STR(PQgetvalue(res, 0, 1), "2");
			CHECK_STR(PQgetvalue(res, 0, 2), "2592000");
			CHECK_STR(PQgetvalue(res, 0, 3), "todos_done,todos_open");
		}
		PQclear(res);
		/* The todos it had, open and done, are listed and counted by the new indexes. */
		show_counts(s, 1, 1);
		show_list(s, 0, TODO_SHOW_OPEN, 10, (int64_t[]){ 1 }, 1);
		show_list(s, 0, TODO_SHOW_DONE, 10, (int64_t[]){ 2 }, 1);
		CHECK_INT(store_pg.key_get(s, "", "old-live", 0, &k), STORE_OK);
		CHECK_INT(k.expired, 0);
		CHECK_STR(k.raw_fingerprint, "raw");
		CHECK_STR(k.headers, "Location: /todos/1\r\n");
		CHECK(k.body.len == 2 && memcmp(k.body.data, "{}", 2) == 0);
		store_key_clear(&k);
		CHECK_INT(store_pg.key_get(s, "", "old-gone", 0, &k), STORE_OK);
		CHECK_INT(k.expired, 1);
		store_key_clear(&k);
		store_pg.close(s);
	}
	PQfinish(old);
	CHECK_INT(q("DROP DATABASE todo_v1"), 0);
}

static void
test_lost(struct store *s)
{
	struct todo_in	 in = { 0, "lost", NULL, 0 };
	struct store_key k = { 0 };
	struct todo	 t;
	char		 stamp[32];
	int64_t		 id, kept;
	int		 pid;

	CHECK((kept = insert(s, "kept-across")) > 0);
	/* Idle: the next read reconnects and runs again, unseen. */
	pid = PQbackendPID(((struct pgs *)s)->conn);
	kill_backend(s);
	CHECK_INT(store_pg.health(s), STORE_OK);
	CHECK(PQbackendPID(((struct pgs *)s)->conn) != pid);
	kill_backend(s);
	CHECK_INT(store_pg.todo_get(s, kept, &t), STORE_OK);
	CHECK_STR(t.title, "kept-across");
	todo_clear(&t);
	kill_backend(s);
	CHECK_INT(store_pg.key_get(s, "client", "k1", 0, &k), STORE_OK);
	store_key_clear(&k);
	kill_backend(s);
	CHECK((id = insert(s, "after-begin")) > 0);	/* BEGIN runs again */

	/* Inside a transaction: down, nothing kept; the next one reconnects. */
	CHECK_INT(store_pg.begin(s), STORE_OK);
	CHECK_INT(store_pg.todo_insert(s, &in, NULL, &id, stamp), STORE_OK);
	kill_backend(s);
	CHECK_INT(store_pg.todo_get(s, kept, &t), STORE_DOWN);
	CHECK_INT(store_pg.commit(s), STORE_DOWN);
	store_pg.rollback(s);
	CHECK_INT(q("SELECT count(*) FROM todos WHERE title = 'lost'"), 0);

	/* Lost under COMMIT: it cannot tell, and never says OK. */
	CHECK_INT(store_pg.begin(s), STORE_OK);
	CHECK_INT(store_pg.todo_insert(s, &in, NULL, &id, stamp), STORE_OK);
	kill_backend(s);
	CHECK_INT(store_pg.commit(s), STORE_UNKNOWN);
	store_pg.rollback(s);
	CHECK_INT(q("SELECT count(*) FROM todos WHERE title = 'lost'"), 0);
	CHECK_INT(store_pg.health(s), STORE_OK);
	CHECK(strlen(store_pg.errmsg(s)) > 0);
}

int
main(void)
{
	struct store	*a, *b;

	alarm(120);	/* a lock wait that never ends fails the test, not the suite */
	if ((db = getenv("TODO_PG_DB")) == NULL) {
		fprintf(stderr, "test_pg: TODO_PG_DB is not set (run it under tests/pg.sh)\n");
		return 1;
	}
	if ((admin = PQconnectdb(db)) == NULL || PQstatus(admin) != CONNECTION_OK) {
		fprintf(stderr, "test_pg: %s", PQerrorMessage(admin));
		return 1;
	}
	test_open();
	CHECK_INT(q("TRUNCATE todos, idempotency_keys"), 0);
	test_concurrent();
	a = open_pg(db, 1000);
	b = open_pg(db, 1000);
	CHECK(a != NULL && b != NULL);
	if (a != NULL && b != NULL) {
		test_settings(a);
		test_todos(a);
		test_show(a);
		test_plans(a);
		test_keys(a, b);
		test_purge();
		test_lost(a);
		test_tombstones();
		test_migration();
	}
	store_pg.close(a);
	store_pg.close(b);
	PQfinish(admin);
	CHECK_DONE();
}
