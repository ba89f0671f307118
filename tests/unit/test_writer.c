/*
 * The writer on a real SQLite file, with real processes on both ends of
 * its sockets: operations queued together run in one transaction, each
 * all-or-nothing; a key repeated inside that transaction replays; answers
 * to an operation a worker gave up on are skipped; a worker sees the writer
 * stop as the end of its socket; a retry of a key the writer noted is
 * replayed from a read, without the writer, and any other goes to it.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "store/store.h"
#include "idem/idem.h"
#include "app/ops.h"
#include "query.h"
#include "idem/recent.h"
#include "app/writer.h"
#include "proc/writerd.h"

#define LINKS	6

static char			 path[64];
static int			 links[LINKS][2];
static volatile sig_atomic_t	 stop;
static int			 call_wait_ms;	/* the calls' wait on an answer; 0: the default */

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* A number read with a separate connection, as an operator would see it. */
static long
count(const char *sql)
{
	return query_number(path, sql);
}

static int
links_open(void)
{
	int	 i;

	for (i = 0; i < LINKS; i++)
		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, links[i]) == -1)
			return -1;
	return 0;
}

/*
 * Forks the writer on every link's far end, noting keys in recent, then
 * drops the parent's copies.
 */
static pid_t
writer_fork(unsigned delay_ms, struct recent *recent)
{
	struct sigaction	 sa;
	struct store_hold	 hold;
	int			 fds[LINKS], i;
	pid_t			 pid;

	if ((pid = fork()) == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
		idem_set_test_delay(delay_ms);
		for (i = 0; i < LINKS; i++) {
			close(links[i][0]);
			fds[i] = links[i][1];
		}
		store_hold_init(&hold, &(struct store_conf){ path, 1000, STORE_SYNC_GROUP, 0, 0, 0, 0 },
		    250, 1000);
		i = writerd_serve(&hold, fds, LINKS, recent, &stop);
		store_hold_close(&hold);
		_exit(i == 0 ? 0 : 1);
	}
	for (i = 0; i < LINKS; i++)
		close(links[i][1]);
	return pid;
}

static void
writer_stop(pid_t pid)
{
	int	 i, status;

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (i = 0; i < LINKS; i++)
		close(links[i][0]);
}

struct call {
	enum op_kind	 kind;
	int64_t		 id;
	const char	*key;
	const char	*title;
	const char	*if_match;
};

/*
 * Sends c through link i from a child process: straight to the writer, or
 * with hint set as a worker does, through writer_change(), which first
 * reads the key when hint may have it. Its exit status: the result, plus
 * ten times the status class, or 99 when the answer is broken.
 */
static pid_t
call_fork(int i, const struct call *c, struct recent *hint)
{
	struct writer_link	 l = { links[i][0], 0, 0, NULL, NULL, call_wait_ms, WRITER_SEND };
	struct app		 app = { NULL, NULL, &l, hint, NULL, NULL };
	struct todo_in		 in = { 0 };
	struct idem_op		 iop = { 0 };
	struct op		 op = { 0 };
	struct resp		 r = { 0 };
	enum idem_res		 res;
	char			 fp[65];
	pid_t			 pid;

	if ((pid = fork()) != 0)
		return pid;
	l.seq = (uint64_t)getpid() << 16;
	in.set = 1;
	in.title = (char *)(uintptr_t)c->title;
	idem_fingerprint("json", c->title, strlen(c->title), fp);
	iop.scope = "";
	iop.key = c->key;
	iop.method = c->kind == OP_CREATE ? "POST" : "PATCH";
	iop.path = "/todos";
	iop.fingerprint = fp;
	iop.now = (int64_t)time(NULL);
	iop.ttl = 60;
	op.kind = c->kind;
	op.out = OUT_JSON;
	op.id = c->id;
	op.in = &in;
	op.if_match = c->if_match;
	if (hint == NULL)
		res = writer_call(&l, &iop, &op, &r);
	else if ((app.db = store_open(&(struct store_conf){ path, 1000, STORE_SYNC_GROUP, 0, 1, 0, 0 })) == NULL)
		_exit(98);
	else
		res = writer_change(&app, &iop, &op, &r, 0);
	if ((res == IDEM_DONE || res == IDEM_REPLAYED) && (r.body.data == NULL ||
	    strstr(r.body.data, c->title) == NULL || r.ctype == NULL ||
	    strcmp(r.ctype, CTYPE_JSON_STR) != 0 || r.etag[0] != '"' ||
	    (res == IDEM_REPLAYED) != r.replayed))
		_exit(99);
	_exit((int)res + 10 * (r.status / 100));
}

static int
call_wait(pid_t pid)
{
	int	 status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int
main(void)
{
	static const struct call batch[] = {
		{ OP_CREATE, 0, "k1", "first", NULL },
		{ OP_CREATE, 0, "k1", "first", NULL },		/* the same key, same batch */
		{ OP_CREATE, 0, "k1", "other", NULL },		/* the same key, another body */
		{ OP_PATCH, 999999, NULL, "nobody", NULL },	/* no such todo */
		{ OP_CREATE, 0, NULL, "keyless", NULL },
		{ OP_PATCH, 1, NULL, "stale", "\"1-7\"" },	/* a stale If-Match */
	};
	int		 got[LINKS];
	pid_t		 w = -1, kids[LINKS];
	int		 fd, i;
	struct store	*db;
	struct recent	*recent, *empty;	/* the writer's notes; none, as after a restart */

	signal(SIGPIPE, SIG_IGN);
	if ((recent = recent_new()) == NULL || (empty = recent_new()) == NULL)
		return 1;
	snprintf(path, sizeof(path), "/tmp/todo-writer-XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return 1;
	close(fd);
	if ((db = store_open(&(struct store_conf){ path, 1000, STORE_SYNC_GROUP, 0, 1, 0, 0 })) == NULL)
		return 1;
	store_close(db);

	/*
	 * Everything is queued before the writer starts, so it reads all of it
	 * at once: one transaction, one savepoint for each operation.
	 */
	if (links_open() == -1)
		return 1;
	for (i = 0; i < LINKS; i++)
		kids[i] = call_fork(i, &batch[i], NULL);
	usleep(200 * 1000);
	w = writer_fork(0, recent);
	for (i = 0; i < LINKS; i++)
		got[i] = call_wait(kids[i]);
	CHECK_INT(got[0], IDEM_DONE + 20);
	CHECK_INT(got[1], IDEM_REPLAYED + 20);
	CHECK_INT(got[2], IDEM_MISMATCH);
	CHECK_INT(got[3], IDEM_REFUSED + 40);
	CHECK_INT(got[4], IDEM_DONE + 20);
	CHECK_INT(got[5], IDEM_REFUSED + 40);
	/* The two creates, each once; the refused ones left nothing. */
	CHECK_INT(count("SELECT count(*) FROM todos"), 2);
	CHECK_INT(count("SELECT count(*) FROM todos WHERE title = 'first'"), 1);
	CHECK_INT(count("SELECT count(*) FROM todos WHERE title = 'keyless'"), 1);
	CHECK_INT(count("SELECT count(*) FROM todos WHERE version > 1"), 0);
	CHECK_INT(count("SELECT count(*) FROM idempotency_keys WHERE key = 'k1' AND status = 201"), 1);
	CHECK_INT(count("SELECT count(*) FROM idempotency_keys"), 1);
	/* The writer noted the key it recorded, before it answered. */
	CHECK_INT(recent_has(recent, "", "k1"), 1);
	CHECK_INT(recent_has(recent, "", "k0"), 0);
	writer_stop(w);

	/*
	 * An answer to an operation given up on: a worker killed while it
	 * waits leaves its answer on the socket, and the next worker on that
	 * link skips it and waits for its own.
	 */
	if (links_open() == -1)
		return 1;
	w = writer_fork(300, recent);
	{
		struct call	 c1 = { OP_CREATE, 0, "k2", "second", NULL };
		struct call	 c2 = { OP_CREATE, 0, "k3", "third", NULL };
		pid_t		 a;

		a = call_fork(0, &c1, NULL);
		usleep(100 * 1000);
		kill(a, SIGKILL);
		CHECK_INT(call_wait(a), -1);
		a = call_fork(0, &c2, NULL);
		CHECK_INT(call_wait(a), IDEM_DONE + 20);
		/* The killed worker's operation ran all the same, once. */
		CHECK_INT(count("SELECT count(*) FROM todos WHERE title = 'second'"), 1);
		CHECK_INT(count("SELECT count(*) FROM todos WHERE title = 'third'"), 1);
	}
	writer_stop(w);

	/*
	 * A worker that gives up waiting cannot tell whether its operation ran:
	 * outcome unknown, not an error. The writer still runs it, and the
	 * retry with its key (on another link) is its replay.
	 */
	if (links_open() == -1)
		return 1;
	w = writer_fork(2500, recent);
	{
		struct call	 c = { OP_CREATE, 0, "k-wait", "given up on", NULL };
		pid_t		 a;

		call_wait_ms = 500;
		a = call_fork(0, &c, NULL);
		CHECK_INT(call_wait(a), IDEM_UNKNOWN);
		call_wait_ms = 0;
		a = call_fork(1, &c, NULL);
		CHECK_INT(call_wait(a), IDEM_REPLAYED + 20);
		CHECK_INT(count("SELECT count(*) FROM todos WHERE title = 'given up on'"), 1);
	}
	writer_stop(w);

	/* A writer killed while it holds an operation: the worker hears at once. */
	if (links_open() == -1)
		return 1;
	w = writer_fork(3000, recent);
	{
		struct call	 c = { OP_CREATE, 0, "k4", "fourth", NULL };
		struct timespec	 t0, t1;
		pid_t		 a;
		int		 status;

		a = call_fork(2, &c, NULL);
		usleep(300 * 1000);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		kill(w, SIGKILL);
		waitpid(w, &status, 0);
		/* It may have committed as it died: not known, so not "nothing changed". */
		CHECK_INT(call_wait(a), IDEM_UNKNOWN);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		CHECK(t1.tv_sec - t0.tv_sec < 2);
		/* Its transaction never committed. */
		CHECK_INT(count("SELECT count(*) FROM todos WHERE title = 'fourth'"), 0);
		CHECK_INT(count("SELECT count(*) FROM idempotency_keys WHERE key = 'k4'"), 0);

		/*
		 * With no writer: a retry of a noted key is still replayed, from
		 * a read; one the hint lacks cannot reach the writer: the store is
		 * down for now, and nothing was done.
		 */
		a = call_fork(3, &batch[0], recent);
		CHECK_INT(call_wait(a), IDEM_REPLAYED + 20);
		a = call_fork(3, &batch[0], empty);
		CHECK_INT(call_wait(a), IDEM_DOWN);
		for (i = 0; i < LINKS; i++)
			close(links[i][0]);
	}
	CHECK_INT(count("SELECT count(*) FROM todos"), 5);

	/* A new writer replays a recorded key the hint lacks. */
	if (links_open() == -1)
		return 1;
	w = writer_fork(0, empty);
	{
		pid_t	 a = call_fork(1, &batch[0], empty);

		CHECK_INT(call_wait(a), IDEM_REPLAYED + 20);
		CHECK_INT(recent_has(empty, "", "k1"), 1);
		CHECK_INT(count("SELECT count(*) FROM todos WHERE title = 'first'"), 1);
	}
	writer_stop(w);
	recent_free(empty);
	recent_free(recent);

	unlink(path);
	{
		char	 p[96];

		snprintf(p, sizeof(p), "%s-wal", path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-writer", path);
		unlink(p);
	}
	CHECK_DONE();
}
