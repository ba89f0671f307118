#define _GNU_SOURCE	/* accept4 */

#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "lib/clock.h"
#include "http/io.h"
#include "app/route.h"
#include "proc/serve.h"
#include "app/writer.h"

/* A coroutine's stack: far above what a request uses, and only touched pages cost memory. */
#define STACK_SIZE	(256u * 1024)

/* What epoll reports. */
#define EV_LISTEN	0u
#define EV_WRITER	1u

enum slot_state {
	SLOT_FREE,
	SLOT_RUNNING,
	SLOT_WAITING,	/* on the writer's answer to seq */
};

/* A request in hand, and the coroutine that serves it. */
struct slot {
	FCGX_Request	 r;
	ucontext_t	 ctx;
	char		*map;		/* the stack, a guard page below it */
	size_t		 map_len;
	enum slot_state	 state;
	uint64_t	 seq;
	int64_t		 deadline;	/* monotonic ms */
	const char	*msg;		/* the answer, in the scheduler's buffer; NULL: none */
	size_t		 len;
};

struct sched {
	struct app		*app;
	int			 sock;
	int			 ep;
	int			 listening;	/* sock is in ep */
	int			 writer_open;	/* the writer's socket is in ep */
	int			 local;		/* sock is a unix socket */
	ucontext_t		 main;
	struct slot		*cur;		/* the coroutine running; NULL on the worker's stack */
	struct slot		 slots[SERVE_SLOTS];
	int			 active;	/* slots in coroutines */
	int			 waiting;
	char			*buf;		/* the answer last read */
	const char		*peers;		/* FCGI_WEB_SERVER_ADDRS, or NULL */
	volatile sig_atomic_t	*stop;
	volatile sig_atomic_t	*busy;
};

/* The process's scheduler, for the coroutines' entry point. */
static struct sched	*the_sched;

/*
 * Ends a request: libfcgi flushes the answer, ends the request and closes
 * the connection. Its close shuts down this side and reads until the web
 * server closes, lest a close with input unread reset the connection
 * (which over TCP can cost the server the answer) or catch the server
 * still sending. Once the request's input has been read to its end, on a
 * unix socket, nothing more is coming and the answer queued stays
 * readable: the close is then at once, three system calls and a wait on
 * the web server fewer.
 */
static void
finish(const struct sched *sc, FCGX_Request *r)
{
	char	 rest[512];

	while (FCGX_GetStr(rest, (int)sizeof(rest), r->in) > 0)
		;
	/* Each connection carries one request, even one the web server would keep. */
	r->keepConnection = 0;
	r->detached = sc->local && FCGX_HasSeenEOF(r->in) == EOF && FCGX_GetError(r->in) == 0;
	FCGX_Finish_r(r);
}

/* Switches to slot s until it waits on the writer or ends its request. */
static void
run(struct sched *sc, struct slot *s)
{
	sc->cur = s;
	swapcontext(&sc->main, &s->ctx);
	sc->cur = NULL;
}

/* A coroutine: serves the request its slot is given, then waits for the next. */
static void
co_main(void)
{
	struct sched	*sc = the_sched;
	struct slot	*s;
	struct io	 io;

	for (;;) {
		s = sc->cur;
		io_fcgi_init(&io, &s->r);
		route_serve(sc->app, &io);
		finish(sc, &s->r);
		s->state = SLOT_FREE;
		sc->active--;
		swapcontext(&s->ctx, &sc->main);
	}
}

/* The writer link's wait: the coroutine sleeps until its answer comes (writer.h). */
static int
co_wait(void *arg, uint64_t seq, const char **msg, size_t *n)
{
	struct sched	*sc = arg;
	struct slot	*s = sc->cur;

	/* A read never waits on the writer, and no answer comes on a closed link. */
	if (s == NULL || !sc->writer_open)
		return -1;
	s->state = SLOT_WAITING;
	s->seq = seq;
	s->deadline = clock_mono_ms() + (sc->app->writer->wait_ms > 0 ?
	    sc->app->writer->wait_ms : WRITER_WAIT_MS);
	s->msg = NULL;
	sc->waiting++;
	swapcontext(&s->ctx, &sc->main);
	if (s->msg == NULL)
		return -1;
	*msg = s->msg;
	*n = s->len;
	return 0;
}

/* Resumes a waiting slot with its answer, or with none (msg NULL). */
static void
wake(struct sched *sc, struct slot *s, const char *msg, size_t n)
{
	s->state = SLOT_RUNNING;
	s->msg = msg;
	s->len = n;
	sc->waiting--;
	run(sc, s);
}

/* The writer has stopped: every waiting change fails, to be retried with its key. */
static void
writer_lost(struct sched *sc)
{
	int	 i;

	if (!sc->writer_open)
		return;
	epoll_ctl(sc->ep, EPOLL_CTL_DEL, sc->app->writer->fd, NULL);
	sc->writer_open = 0;
	for (i = 0; i < SERVE_SLOTS; i++)
		if (sc->slots[i].state == SLOT_WAITING)
			wake(sc, &sc->slots[i], NULL, 0);
}

/*
 * Hands each answer waiting on the writer's socket to its coroutine, until
 * none is waiting or no coroutine waits any more. The socket is read at
 * least once when it is ready, for an answer none waits for (to an
 * operation given up on, or a predecessor's) would otherwise stay there.
 */
static void
answers(struct sched *sc)
{
	uint64_t	 seq;
	size_t		 n;
	int		 i, rc, first = 1;

	while (sc->writer_open && (first || sc->waiting > 0)) {
		first = 0;
		if ((rc = writer_recv(sc->app->writer, sc->buf, &n, &seq)) == 0)
			return;
		if (rc == -1) {
			writer_lost(sc);
			return;
		}
		for (i = 0; i < SERVE_SLOTS; i++)
			if (sc->slots[i].state == SLOT_WAITING && sc->slots[i].seq == seq) {
				wake(sc, &sc->slots[i], sc->buf, n);
				break;
			}
	}
}

/* Gives up on the answers that are past their time. */
static void
expire(struct sched *sc)
{
	int64_t	 now = clock_mono_ms();
	int	 i;

	for (i = 0; i < SERVE_SLOTS && sc->waiting > 0; i++)
		if (sc->slots[i].state == SLOT_WAITING && sc->slots[i].deadline <= now)
			wake(sc, &sc->slots[i], NULL, 0);
}

/* Listens while a slot is free and the worker is not stopping: 0, or -1. */
static int
listen_update(struct sched *sc)
{
	struct epoll_event	 ev;
	int			 want = !*sc->stop && sc->active < SERVE_SLOTS;

	if (want == sc->listening)
		return 0;
	memset(&ev, 0, sizeof(ev));
	/* Exclusive: a new connection wakes one waiting worker, not every one. */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.u32 = EV_LISTEN;
	if (epoll_ctl(sc->ep, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, sc->sock, &ev) == -1) {
		perror("epoll_ctl on the listening socket");
		return -1;
	}
	sc->listening = want;
	return 0;
}

/*
 * 1 when the peer may speak to this program: FCGI_WEB_SERVER_ADDRS, a list
 * of IPv4 addresses, limits TCP peers as libfcgi's own accept does.
 */
static int
peer_ok(const struct sched *sc, int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	char			 a[INET_ADDRSTRLEN];
	const char		*p, *end;
	size_t			 n;

	if (sc->peers == NULL)
		return 1;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1 || ss.ss_family != AF_INET)
		return 1;
	len = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof(a)) == NULL)
		return 0;
	n = strlen(a);
	for (p = sc->peers; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) == n && memcmp(p, a, n) == 0)
			return 1;
	}
	return 0;
}

/* A free slot; there is one whenever the worker listens. */
static struct slot *
slot_free(struct sched *sc)
{
	int	 i;

	for (i = 0; i < SERVE_SLOTS; i++)
		if (sc->slots[i].state == SLOT_FREE)
			return &sc->slots[i];
	return NULL;
}

/* Reads the request on connection fd and serves it, or starts its coroutine. */
static void
start(struct sched *sc, int fd)
{
	struct slot	*s = slot_free(sc);
	struct io	 io;
	const char	*m;

	if (s == NULL) {
		close(fd);
		return;
	}
	/* libfcgi reads the request from the connection given, as it is kept. */
	s->r.ipcFd = fd;
	s->r.keepConnection = 1;
	if (FCGX_Accept_r(&s->r) < 0)
		return;	/* no request came on it; libfcgi has closed it */
	m = FCGX_GetParam("REQUEST_METHOD", s->r.envp);
	if (m != NULL && (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)) {
		io_fcgi_init(&io, &s->r);
		route_serve(sc->app, &io);
		finish(sc, &s->r);
		return;
	}
	s->state = SLOT_RUNNING;
	sc->active++;
	run(sc, s);
}

/*
 * Accepts and serves one connection. One per turn of the loop: the next
 * turn's epoll_wait() says at once whether another is waiting, together
 * with the writer's answers, where a second accept() would mostly find
 * none.
 */
static void
accept_one(struct sched *sc)
{
	int	 fd;

	if (*sc->stop || sc->active >= SERVE_SLOTS)
		return;
	while ((fd = accept4(sc->sock, NULL, NULL, SOCK_CLOEXEC)) == -1) {
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		/* EAGAIN: another worker took it. */
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			perror("accept");
		return;
	}
	*sc->busy = 1;
	if (peer_ok(sc, fd))
		start(sc, fd);
	else
		close(fd);
}

/*
 * Makes slot s's coroutine on its stack: 0, or -1. Not inlined, and with
 * no locals: getcontext() returns twice.
 */
__attribute__((noinline)) static int
slot_context(struct slot *s, char *stack)
{
	if (getcontext(&s->ctx) == -1)
		return -1;
	s->ctx.uc_stack.ss_sp = stack;
	s->ctx.uc_stack.ss_size = STACK_SIZE;
	s->ctx.uc_link = NULL;
	makecontext(&s->ctx, co_main, 0);
	return 0;
}

/* Maps each slot's stack and makes its coroutine: 0, or -1. */
static int
slots_make(struct sched *sc)
{
	size_t		 page = (size_t)sysconf(_SC_PAGESIZE);
	struct slot	*s;
	int		 i;

	for (i = 0; i < SERVE_SLOTS; i++) {
		s = &sc->slots[i];
		FCGX_InitRequest(&s->r, -1, 0);
		s->map_len = STACK_SIZE + page;
		s->map = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (s->map == MAP_FAILED) {
			s->map = NULL;
			return -1;
		}
		/* An overflow faults on the guard page rather than writing over memory. */
		if (mprotect(s->map, page, PROT_NONE) == -1 || slot_context(s, s->map + page) == -1)
			return -1;
	}
	return 0;
}

int
serve_run(struct app *app, int sock, volatile sig_atomic_t *stop, volatile sig_atomic_t *busy)
{
	struct sched		 sc;
	struct epoll_event	 ev[2];
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 i, n, flags, rc = -1;

	memset(&sc, 0, sizeof(sc));
	sc.app = app;
	sc.sock = sock;
	sc.stop = stop;
	sc.busy = busy;
	sc.ep = -1;
	len = sizeof(ss);
	sc.local = getsockname(sock, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_UNIX;
	sc.peers = getenv("FCGI_WEB_SERVER_ADDRS");
	if (sc.peers != NULL && *sc.peers == '\0')
		sc.peers = NULL;
	the_sched = &sc;
	if (slots_make(&sc) == -1 || (sc.buf = malloc(WRITER_MSG_MAX)) == NULL) {
		perror("worker: making its request slots");
		goto out;
	}
	/* Workers take turns at accept: none may block in it with requests in hand. */
	if ((flags = fcntl(sock, F_GETFL)) == -1 ||
	    (!(flags & O_NONBLOCK) && fcntl(sock, F_SETFL, flags | O_NONBLOCK) == -1) ||
	    (sc.ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("worker: setting up its sockets");
		goto out;
	}
	memset(ev, 0, sizeof(ev));
	ev[0].events = EPOLLIN;
	ev[0].data.u32 = EV_WRITER;
	/* Without a writer (app->writer NULL), a change runs to its end in its coroutine. */
	if (app->writer != NULL) {
		if (epoll_ctl(sc.ep, EPOLL_CTL_ADD, app->writer->fd, &ev[0]) == -1) {
			perror("worker: epoll_ctl on the writer's socket");
			goto out;
		}
		sc.writer_open = 1;
		app->writer->wait = co_wait;
		app->writer->wait_arg = &sc;
	}

	for (;;) {
		if (listen_update(&sc) == -1)
			break;
		if (*stop && sc.active == 0) {
			rc = 0;
			break;
		}
		/* With answers due, wake each second to give up on those past their time. */
		if ((n = epoll_wait(sc.ep, ev, 2, sc.waiting > 0 ? 1000 : -1)) == -1) {
			if (errno == EINTR)
				continue;
			perror("worker: epoll_wait");
			break;
		}
		for (i = 0; i < n; i++)
			if (ev[i].data.u32 == EV_WRITER)
				answers(&sc);
		for (i = 0; i < n; i++)
			if (ev[i].data.u32 == EV_LISTEN)
				accept_one(&sc);
		if (sc.waiting > 0)
			expire(&sc);
		*busy = sc.active > 0;
	}
out:
	if (app->writer != NULL) {
		app->writer->wait = NULL;
		app->writer->wait_arg = NULL;
	}
	the_sched = NULL;
	if (sc.ep != -1)
		close(sc.ep);
	for (i = 0; i < SERVE_SLOTS; i++)
		if (sc.slots[i].map != NULL)
			munmap(sc.slots[i].map, sc.slots[i].map_len);
	free(sc.buf);
	return rc;
}
