/*
 * todo.fcgi: flags and environment, CGI-or-FastCGI detection, the prefork
 * workers, the writer, their signals, and the accept loop.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "lib/clock.h"
#include "lib/metrics.h"
#include "app/app.h"
#include "store/store.h"
#include "idem/idem.h"
#include "http/io.h"
#include "idem/recent.h"
#include "app/route.h"
#include "proc/serve.h"
#include "app/tmpl.h"
#include "app/writer.h"
#include "proc/writerd.h"

#define WORKERS_MAX	256
#define WORKERS_PER_CPU_NO_WRITER	4
#define BACKLOG		1024
#define KEY_HORIZON	(30LL * 86400)	/* the default: how long keys are remembered */
/* How often a worker, and (backing off) the writer, try a store they cannot open. */
#define WORKER_OPEN_MS		1000
#define WRITER_OPEN_MIN_MS	250
#define WRITER_OPEN_MAX_MS	5000

static volatile sig_atomic_t	 stopping;
static volatile sig_atomic_t	 busy;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: todo.fcgi [--db PATH] [--socket PATH|HOST:PORT] [--workers N]\n"
	    "                 [--key-ttl SECONDS] [--key-horizon SECONDS] [--require-key]\n"
	    "                 [--templates DIR] [--sync group|full|normal]\n"
	    "Environment: TODO_DB, TODO_SOCKET, TODO_WORKERS, TODO_KEY_TTL, TODO_KEY_HORIZON,\n"
	    "TODO_REQUIRE_KEY (0/1), TODO_TEMPLATES, TODO_SYNC, TODO_WRITER_WAIT_MS,\n"
	    "TODO_READ_TIMEOUT_MS. Without a socket, inside a CGI environment, answers one\n"
	    "request as CGI.\n");
	exit(2);
}

/* Parses a whole number in [min, max]: 0, or -1. */
static int
number(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Settings from the environment, then flags; -1 with a message when one is bad. */
static int
configure(int argc, char *argv[], struct config *cfg)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "socket", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ "key-ttl", required_argument, NULL, 't' },
		{ "key-horizon", required_argument, NULL, 'H' },
		{ "require-key", no_argument, NULL, 'k' },
		{ "templates", required_argument, NULL, 'T' },
		{ "sync", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*workers, *ttl, *horizon, *req, *sync, *wait, *rto;
	long long	 v;
	long		 cpus;
	int		 c;

	cfg->store.db = getenv("TODO_DB");
	if (cfg->store.db == NULL || *cfg->store.db == '\0')
		cfg->store.db = "var/todo.db";
	cfg->socket = getenv("TODO_SOCKET");
	if (cfg->socket != NULL && *cfg->socket == '\0')
		cfg->socket = NULL;
	cfg->templates = getenv("TODO_TEMPLATES");
	if (cfg->templates == NULL || *cfg->templates == '\0')
		cfg->templates = TEMPLATE_DIR;
	workers = getenv("TODO_WORKERS");
	ttl = getenv("TODO_KEY_TTL");
	horizon = getenv("TODO_KEY_HORIZON");
	req = getenv("TODO_REQUIRE_KEY");
	sync = getenv("TODO_SYNC");
	wait = getenv("TODO_WRITER_WAIT_MS");
	rto = getenv("TODO_READ_TIMEOUT_MS");
	cfg->store.busy_ms = 5000;

	/*
	 * Run as CGI, the settings come from the environment: the arguments are
	 * a query string without '=' that the server split into words (CGI's
	 * old ISINDEX rule, which Apache follows), not flags.
	 */
	if (getenv("GATEWAY_INTERFACE") != NULL)
		optind = argc;
	while (optind < argc && (c = getopt_long(argc, argv, "d:s:w:t:H:kT:S:h", opts, NULL)) != -1)
		switch (c) {
		case 'd': cfg->store.db = optarg; break;
		case 's': cfg->socket = optarg; break;
		case 'w': workers = optarg; break;
		case 't': ttl = optarg; break;
		case 'H': horizon = optarg; break;
		case 'k': req = "1"; break;
		case 'T': cfg->templates = optarg; break;
		case 'S': sync = optarg; break;
		default: usage();
		}
	if (optind != argc)
		usage();

	/*
	 * One per CPU, and one more. Each worker has several requests in hand,
	 * changes waiting on their commit among them, so more workers only
	 * share out the same connections, each with colder caches: on 2 CPUs,
	 * 3 workers served 20-33% more reads and 7-9% more creates than 8.
	 */
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	cfg->workers = (int)(cpus < WORKERS_MAX ? cpus + 1 : WORKERS_MAX);
	/*
	 * Without a writer (PostgreSQL) a worker waits on each change's
	 * commit itself, so it takes more of them, each with one
	 * connection, to keep the server's group commit fed.
	 */
	if (!store_engine_for(cfg->store.db)->wants_writer)
		cfg->workers = (int)(cpus * WORKERS_PER_CPU_NO_WRITER < WORKERS_MAX ?
		    cpus * WORKERS_PER_CPU_NO_WRITER : WORKERS_MAX);
	if (workers != NULL && *workers != '\0') {
		if (number(workers, 1, WORKERS_MAX, &v) == -1) {
			fprintf(stderr, "workers must be 1 to %d\n", WORKERS_MAX);
			return -1;
		}
		cfg->workers = (int)v;
	}
	cfg->key_ttl = 86400;
	if (ttl != NULL && *ttl != '\0') {
		if (number(ttl, 1, 10LL * 365 * 86400, &v) == -1) {
			fprintf(stderr, "key TTL must be a positive number of seconds\n");
			return -1;
		}
		cfg->key_ttl = v;
	}
	/*
	 * A key past its TTL is remembered as a tombstone until the horizon,
	 * so a late retry is refused instead of run again: 30 days, or the
	 * TTL when that is longer; one set below the TTL is a mistake.
	 */
	cfg->store.key_horizon = cfg->key_ttl > KEY_HORIZON ? cfg->key_ttl : KEY_HORIZON;
	if (horizon != NULL && *horizon != '\0') {
		if (number(horizon, cfg->key_ttl, 100LL * 365 * 86400, &v) == -1) {
			fprintf(stderr, "the key horizon must be a number of seconds no shorter"
			    " than the key TTL (%lld)\n", (long long)cfg->key_ttl);
			return -1;
		}
		cfg->store.key_horizon = v;
	}
	if (req != NULL && *req != '\0') {
		if (strcmp(req, "0") != 0 && strcmp(req, "1") != 0) {
			fprintf(stderr, "TODO_REQUIRE_KEY must be 0 or 1\n");
			return -1;
		}
		cfg->require_key = req[0] == '1';
	}
	cfg->writer_wait_ms = WRITER_WAIT_MS;
	if (wait != NULL && *wait != '\0') {
		if (number(wait, 100, WRITER_WAIT_MS_MAX, &v) == -1) {
			fprintf(stderr, "TODO_WRITER_WAIT_MS must be 100 to %d\n", WRITER_WAIT_MS_MAX);
			return -1;
		}
		cfg->writer_wait_ms = (int)v;
	}
	cfg->read_timeout_ms = SERVE_READ_MS;
	if (rto != NULL && *rto != '\0') {
		if (number(rto, 100, SERVE_READ_MS_MAX, &v) == -1) {
			fprintf(stderr, "TODO_READ_TIMEOUT_MS must be 100 to %d\n", SERVE_READ_MS_MAX);
			return -1;
		}
		cfg->read_timeout_ms = (int)v;
	}
	cfg->store.sync = STORE_SYNC_GROUP;
	if (sync != NULL && *sync != '\0') {
		if (strcmp(sync, "group") == 0)
			cfg->store.sync = STORE_SYNC_GROUP;
		else if (strcmp(sync, "full") == 0)
			cfg->store.sync = STORE_SYNC_FULL;
		else if (strcmp(sync, "normal") == 0)
			cfg->store.sync = STORE_SYNC_NORMAL;
		else {
			fprintf(stderr, "TODO_SYNC must be group, full or normal\n");
			return -1;
		}
	}
	return 0;
}

/* A worker stops at once when idle, or after the requests in hand. */
static void
on_worker_signal(int sig)
{
	(void)sig;
	stopping = 1;
	if (!busy)
		_exit(0);
}

static void
on_master_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
on_child(int sig)
{
	(void)sig;
}

static void
set_signal(int sig, void (*fn)(int))
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/*
 * A child's restarts: one that keeps dying is started again after a wait
 * that doubles each time, from RESTART_MIN_MS to RESTART_MAX_MS, back to
 * the least once a child has lived RESTART_RESET_MS, so a crash loop costs
 * little and fills no log. One killed with SIGKILL (from outside) is
 * started again at once.
 */
#define RESTART_MIN_MS		1000
#define RESTART_MAX_MS		30000
#define RESTART_RESET_MS	30000

struct life {
	int64_t		 started;	/* monotonic ms */
	int64_t		 due;		/* monotonic ms of its restart; 0: none pending */
	int		 wait_ms;	/* the wait before the next restart of a quick death */
};

/*
 * The exit status of a child whose database file was replaced or removed
 * under it: every process lets go of the old file before any opens the
 * new one, as SQLite's log and shared memory beside the file name would
 * otherwise mix the two files.
 */
#define EXIT_MOVED	75

/*
 * The processes the master keeps: the workers, each with a socket to the
 * writer, and the writer with the far end of every one. The master keeps
 * the workers' ends, for a worker that restarts, but not the writer's: a
 * worker sees the writer stop as the end of its socket. A new writer gets
 * new sockets, and new workers with them.
 */
struct procs {
	pid_t		 master;
	pid_t		 pids[WORKERS_MAX];
	struct life	 lives[WORKERS_MAX];
	int		 links[WORKERS_MAX][2];	/* [0] the worker's, [1] the writer's */
	pid_t		 writer;
	struct life	 writer_life;
	int		 writer_used;	/* the engine wants one; else workers change the store */
	struct recent	*recent;	/* shared by the writer (if any) and the workers */
};

/* A worker: its own store handle, then accept and serve until told to stop. */
static int
worker(const struct config *cfg, int sock, struct procs *p, int slot)
{
	struct writer_link	 link = { p->links[slot][0], 0, 0, NULL, NULL, cfg->writer_wait_ms,
	    WRITER_SEND };
	struct app		 app = { cfg, NULL, p->writer_used ? &link : NULL, p->recent, NULL, NULL };
	struct store_hold	 hold;
	struct timespec		 ts;
	int			 i, rc;

	/* The other slots' sockets are the master's to keep, not this worker's. */
	for (i = 0; i < cfg->workers; i++)
		if (i != slot && p->links[i][0] != -1)
			close(p->links[i][0]);
	/*
	 * Numbers for the operations sent, from the monotonic clock in
	 * nanoseconds: past any a predecessor in this slot used, whose answers
	 * may still come, even after the wall clock was set back.
	 */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	link.seq = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	set_signal(SIGTERM, on_worker_signal);
	set_signal(SIGINT, on_worker_signal);
	/*
	 * A store that cannot be opened does not stop the worker: it answers
	 * 503 at once for what needs the store, and tries again each second.
	 */
	store_hold_init(&hold, &cfg->store, WORKER_OPEN_MS, WORKER_OPEN_MS);
	hold.conf.reader = p->writer_used;
	app.hold = &hold;
	app.stop = &stopping;
	if (store_hold_get(&hold) == STORE_OK)
		app.db = hold.db;
	rc = serve_run(&app, sock, &stopping, &busy);
	store_hold_close(&hold);
	return hold.moved ? EXIT_MOVED : rc == 0 ? 0 : 1;
}

/* The writer: its own store handle, then run the workers' changes until told to stop. */
static int
writer(const struct config *cfg, int sock, struct procs *p)
{
	struct store_hold hold;
	int		 fds[WORKERS_MAX], i, rc;

	set_signal(SIGTERM, on_master_signal);
	set_signal(SIGINT, on_master_signal);
	close(sock);
	for (i = 0; i < cfg->workers; i++) {
		close(p->links[i][0]);
		fds[i] = p->links[i][1];
	}
	/* It stays up while the store cannot be opened, answering each change at once. */
	store_hold_init(&hold, &cfg->store, WRITER_OPEN_MIN_MS, WRITER_OPEN_MAX_MS);
	rc = writerd_serve(&hold, fds, cfg->workers, p->recent, &stopping);
	store_hold_close(&hold);
	return rc == 1 ? EXIT_MOVED : rc == 0 ? 0 : 1;
}

/* Forks a worker (slot >= 0) or the writer (slot -1); each ends with the master. */
static pid_t
spawn(const struct config *cfg, int sock, struct procs *p, int slot)
{
	pid_t	 pid;

	if ((pid = fork()) == -1) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		sigset_t	 none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		set_signal(SIGCHLD, SIG_DFL);
		signal(SIGPIPE, SIG_IGN);
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != p->master)
			_exit(1);
		_exit(slot < 0 ? writer(cfg, sock, p) : worker(cfg, sock, p, slot));
	}
	return pid;
}

/* A writer with new sockets to every slot: 0, or -1. */
static int
writer_start(const struct config *cfg, int sock, struct procs *p)
{
	int	 i, rc = 0;

	for (i = 0; i < cfg->workers; i++) {
		if (p->links[i][0] != -1)
			close(p->links[i][0]);
		p->links[i][0] = p->links[i][1] = -1;
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p->links[i]) == -1) {
			perror("socketpair");
			return -1;
		}
	}
	p->writer_life.started = clock_mono_ms();
	p->writer_life.due = 0;
	if ((p->writer = spawn(cfg, sock, p, -1)) == -1)
		rc = -1;
	else
		fprintf(stderr, "writer %d started\n", (int)p->writer);
	for (i = 0; i < cfg->workers; i++) {
		close(p->links[i][1]);
		p->links[i][1] = -1;
	}
	return rc;
}

/*
 * Reports how a child ended and schedules its restart in l: at once after
 * a long life, else after a wait that doubles with each quick death.
 */
static void
report(const char *what, pid_t pid, int status, struct life *l)
{
	int64_t	 now = clock_mono_ms();
	int	 wait_ms = 0;

	if (l->wait_ms < RESTART_MIN_MS || now - l->started >= RESTART_RESET_MS)
		l->wait_ms = RESTART_MIN_MS;
	/* Killed from outside (an operator, the OOM killer): not a loop of its own. */
	if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) &&
	    now - l->started < RESTART_RESET_MS) {
		wait_ms = l->wait_ms;
		l->wait_ms = l->wait_ms * 2 < RESTART_MAX_MS ? l->wait_ms * 2 : RESTART_MAX_MS;
	}
	l->due = now + wait_ms;
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_MOVED)
		fprintf(stderr, "%s %d let go of a database file replaced or removed\n", what,
		    (int)pid);
	else if (WIFSIGNALED(status))
		fprintf(stderr, "%s %d killed by signal %d; restarting in %d ms\n", what, (int)pid,
		    WTERMSIG(status), wait_ms);
	else
		fprintf(stderr, "%s %d exited with %d; restarting in %d ms\n", what, (int)pid,
		    WEXITSTATUS(status), wait_ms);
}

/* Sends SIGTERM to pids, then SIGKILL to those still there after about 10 s. */
static void
stop_all(pid_t *pids, int n)
{
	int	 i, j, alive, status;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	/* Each finishes what it has in hand; give them a bounded time. */
	for (alive = 1, i = 0; alive && i < 100; i++) {
		alive = 0;
		for (j = 0; j < n; j++) {
			if (pids[j] > 0 && waitpid(pids[j], &status, WNOHANG) == pids[j])
				pids[j] = 0;
			if (pids[j] > 0)
				alive = 1;
		}
		if (alive)
			usleep(100 * 1000);
	}
	for (j = 0; j < n; j++)
		if (pids[j] > 0) {
			kill(pids[j], SIGKILL);
			waitpid(pids[j], &status, 0);
			pids[j] = 0;
		}
}

/* Starts the workers of every slot, each with a new life: -1 when a fork fails. */
static int
workers_start(const struct config *cfg, int sock, struct procs *p)
{
	int	 i;

	for (i = 0; i < cfg->workers; i++) {
		/* The workers' sockets led to the old writer: new workers. */
		if (p->pids[i] > 0)
			kill(p->pids[i], SIGTERM);
		p->lives[i].started = clock_mono_ms();
		p->lives[i].due = 0;
		if ((p->pids[i] = spawn(cfg, sock, p, i)) == -1)
			return -1;
	}
	return 0;
}

/*
 * The database file was replaced or removed: every process stops, so that
 * the last to close the old file checkpoints its log and removes it, and
 * only then do new ones open the file the path names now.
 */
static void
moved(const struct config *cfg, struct procs *p)
{
	fprintf(stderr, "the database file was replaced or removed: stopping every "
	    "process, so that none keeps the old file, then starting them again\n");
	stop_all(p->pids, cfg->workers);
	if (p->writer_used)
		stop_all(&p->writer, 1);
	/* Workers of an earlier writer, if any are still finishing. */
	while (waitpid(-1, NULL, 0) > 0)
		;
	store_set_aside(cfg->store.db);
	if (p->writer_used) {
		/* At once: the workers wait for it, and a file moves only when moved. */
		p->writer_life.due = clock_mono_ms();
	} else {
		for (int i = 0; i < cfg->workers; i++)
			p->lives[i].due = clock_mono_ms();
	}
}

/* Reaps a child that ended and schedules its restart. */
static void
reap(const struct config *cfg, struct procs *p, pid_t pid, int status)
{
	int	 i;

	if (p->writer_used && pid == p->writer) {
		report("writer", pid, status, &p->writer_life);
		if (metrics != NULL)
			metrics_add(&metrics->restarts[METRICS_WRITER], 1);
		p->writer = 0;
	} else {
		for (i = 0; i < cfg->workers && p->pids[i] != pid; i++)
			;
		/* A worker of an earlier writer, stopped then. */
		if (i == cfg->workers)
			return;
		report("worker", pid, status, &p->lives[i]);
		if (metrics != NULL)
			metrics_add(&metrics->restarts[METRICS_WORKER], 1);
		p->pids[i] = 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_MOVED)
		moved(cfg, p);
}

/*
 * Starts what is due: the writer, with new workers, or single workers.
 * Returns the monotonic ms of the next restart pending, 0 when none, or
 * -1 when a fork failed.
 */
static int64_t
restart_due(const struct config *cfg, int sock, struct procs *p)
{
	int64_t	 now = clock_mono_ms(), next = 0;
	int	 i;

	if (p->writer_used && p->writer == 0) {
		if (p->writer_life.due > now)
			return p->writer_life.due;
		if (writer_start(cfg, sock, p) == -1 || workers_start(cfg, sock, p) == -1)
			return -1;
	}
	for (i = 0; i < cfg->workers; i++) {
		if (p->pids[i] != 0)
			continue;
		if (p->lives[i].due > now) {
			if (next == 0 || p->lives[i].due < next)
				next = p->lives[i].due;
			continue;
		}
		p->lives[i].started = now;
		p->lives[i].due = 0;
		if ((p->pids[i] = spawn(cfg, sock, p, i)) == -1)
			return -1;
	}
	return next;
}

/*
 * The master: keeps the writer and cfg->workers workers running on sock,
 * restarting any that dies (after a back-off when it keeps dying), until
 * SIGTERM or SIGINT, then stops the workers (the requests in hand may
 * need the writer), then the writer. Signals are blocked but while it
 * waits, so that none is lost between a look and the wait.
 */
static int
master(const struct config *cfg, int sock)
{
	struct procs	 p;
	struct timespec	 ts;
	pid_t		 pid;
	int64_t		 next;
	int		 i, status;
	sigset_t	 block, old;

	memset(&p, 0, sizeof(p));
	p.master = getpid();
	for (i = 0; i < WORKERS_MAX; i++)
		p.links[i][0] = p.links[i][1] = -1;
	set_signal(SIGTERM, on_master_signal);
	set_signal(SIGINT, on_master_signal);
	set_signal(SIGCHLD, on_child);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);

	p.writer_used = store_engine_for(cfg->store.db)->wants_writer;
	/* Without the hint every retry is replayed by the writer: slower, still right. */
	if ((p.recent = recent_new()) == NULL)
		perror("mapping the recent keys");
	if (p.writer_used && writer_start(cfg, sock, &p) == -1)
		stopping = 1;
	for (i = 0; i < cfg->workers && !stopping; i++) {
		p.lives[i].started = clock_mono_ms();
		if ((p.pids[i] = spawn(cfg, sock, &p, i)) == -1)
			stopping = 1;
	}
	while (!stopping) {
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			reap(cfg, &p, pid, status);
		if ((next = restart_due(cfg, sock, &p)) == -1)
			break;
		if (stopping)
			break;
		if (next > 0) {
			next -= clock_mono_ms();
			ts.tv_sec = next > 0 ? next / 1000 : 0;
			ts.tv_nsec = next > 0 ? next % 1000 * 1000000 : 0;
		}
		/* Until a child ends, a signal comes, or a restart is due. */
		if (pselect(0, NULL, NULL, NULL, next > 0 ? &ts : NULL, &old) == -1 &&
		    errno != EINTR)
			break;
	}

	stop_all(p.pids, cfg->workers);
	stop_all(&p.writer, 1);
	/* Workers of an earlier writer, if any are still finishing. */
	while (waitpid(-1, &status, 0) > 0)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (i = 0; i < cfg->workers; i++)
		if (p.links[i][0] != -1)
			close(p.links[i][0]);
	recent_free(p.recent);
	return 0;
}

/* Opens the listening socket; a unix socket is made reachable for the web server. */
static int
listen_on(const char *spec)
{
	struct stat	 st;
	int		 sock;
	mode_t		 old;

	if (strchr(spec, '/') != NULL || strchr(spec, ':') == NULL) {
		/* A stale socket from an earlier run would make bind fail. */
		if (lstat(spec, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(spec);
		/* The web server runs as another user; the directory guards access. */
		old = umask(0);
		sock = FCGX_OpenSocket(spec, BACKLOG);
		umask(old);
	} else
		sock = FCGX_OpenSocket(spec, BACKLOG);
	if (sock < 0)
		fprintf(stderr, "%s: cannot listen: %s\n", spec, strerror(errno));
	return sock;
}

int
main(int argc, char *argv[])
{
	struct config	 cfg = { 0 };
	struct app	 app = { &cfg, NULL, NULL, NULL, NULL, NULL };
	struct io	 io;
	const struct store_engine *engine;
	struct store	*db;
	const char	*delay;
	long long	 v;
	int		 sock = 0, rc;

	if (configure(argc, argv, &cfg) == -1)
		return 2;
	engine = store_engine_for(cfg.store.db);
	if (FCGX_Init() != 0) {
		fprintf(stderr, "cannot initialise FastCGI\n");
		return 1;
	}
	if (tmpl_load(cfg.templates) == -1)
		return 1;
	if ((delay = getenv("TODO_TEST_TXN_DELAY_MS")) != NULL && *delay != '\0') {
		if (number(delay, 0, 10000, &v) == -1)
			return 2;
		idem_set_test_delay((unsigned)v);
	}

	if (cfg.socket == NULL && FCGX_IsCGI()) {
		/* Plain CGI: one request, then exit. */
		if (getenv("REQUEST_METHOD") == NULL) {
			fprintf(stderr, "no --socket, and not started as CGI or by a FastCGI server\n");
			usage();
		}
		/*
		 * Each request is a start, which creates the file only where
		 * none was before. One that fails is answered 503 by the
		 * routes that need the store (route.c), as a worker answers
		 * without its store.
		 */
		cfg.store.create = STORE_CREATE_NEW;
		app.db = store_open(&cfg.store);
		io_cgi_init(&io);
		route_serve(&app, &io);
		fflush(stdout);
		store_close(app.db);
		tmpl_free();
		return 0;
	}

	/*
	 * Create and migrate the schema once, before any worker opens it: the
	 * only open that may create the file.
	 */
	cfg.store.create = STORE_CREATE;
	db = store_open(&cfg.store);
	cfg.store.create = STORE_CREATE_NO;
	if (db == NULL)
		return 1;
	store_close(db);
	if (cfg.socket != NULL && (sock = listen_on(cfg.socket)) < 0)
		return 1;
	fprintf(stderr, "todo: %d workers%s on %s, %s database %s\n", cfg.workers,
	    engine->wants_writer ? " and a writer" : "",
	    cfg.socket != NULL ? cfg.socket : "the inherited socket", engine->name,
	    engine->wants_writer ? cfg.store.db : "(connection string not shown)");
	/* The service clock and the counters every process shares, before the first fork. */
	if (clock_anchor() == -1)
		perror("mapping the service clock (it stays the wall clock)");
	if (metrics_open() == 0) {
		metrics->started = clock_now_s();
		metrics->workers = cfg.workers;
	} else
		perror("mapping the metrics");
	rc = master(&cfg, sock);
	metrics_close();
	clock_release();
	if (cfg.socket != NULL && strchr(cfg.socket, '/') != NULL)
		unlink(cfg.socket);
	tmpl_free();
	return rc;
}
