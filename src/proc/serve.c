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
#include "lib/metrics.h"
#include "http/fcgi_peek.h"
#include "http/io.h"
#include "app/route.h"
#include "proc/serve.h"
#include "app/writer.h"

/* A coroutine's stack: far above what a request uses, and only touched pages cost memory. */
#define STACK_SIZE	(256u * 1024)

/* What epoll reports: the listening socket, the writer's, or pending connection n. */
#define EV_LISTEN	0u
#define EV_WRITER	1u
#define EV_PENDING	2u	/* + n */
#define EV_MAX		(2 + SERVE_PENDING)

/* With connections pending or changes waiting, the loop wakes this often to see to their deadlines. */
#define TICK_MS		250

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
	int64_t		 sent;		/* monotonic ms: when the change went to the writer */
	int64_t		 deadline;	/* monotonic ms */
	int64_t		 read_by;	/* the request's read deadline */
	const char	*msg;		/* the answer, in the scheduler's buffer; NULL: none */
	size_t		 len;
};

/* A connection whose request is not all there yet, or a change waiting for a slot. */
struct pend {
	int		 fd;		/* -1: none */
	int		 ready;		/* its request is all there: a change waiting for a slot */
	int64_t		 deadline;	/* monotonic ms */
	uint64_t	 order;		/* of its accept: the lowest is the oldest */
};

struct sched {
	struct app		*app;
	int			 sock;
	int			 ep;
	int			 listening;	/* sock is in ep */
	int			 behind;	/* put at the end of its queue since the slots filled */
	int			 writer_open;	/* the writer's socket is in ep */
	int			 local;		/* sock is a unix socket */
	ucontext_t		 main;
	struct slot		*cur;		/* the coroutine running; NULL on the worker's stack */
	struct slot		 slots[SERVE_SLOTS];
	int			 active;	/* slots in coroutines */
	int			 waiting;
	struct pend		 pending[SERVE_PENDING];
	int			 npending;
	int			 nready;	/* of them, changes waiting for a slot */
	uint64_t		 accepts;
	FCGX_Request		 inl;		/* a request served on the worker's own stack */
	unsigned char		*look;		/* FCGI_PEEK_MAX bytes, for peeking at requests */
	int			 read_ms;	/* the read deadline, from the accept */
	int			 stall_ms;	/* when the writer counts as stalled (writer.h) */
	int64_t			 heard;		/* monotonic ms: the writer's last answer */
	int			 stalled;	/* until the writer answers again */
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
		io_fcgi_init(&io, &s->r, s->read_by);
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
	s->sent = clock_mono_ms();
	s->deadline = s->sent + (sc->app->writer->wait_ms > 0 ?
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
		/* Any answer, even to a change given up on, shows the writer at work. */
		sc->heard = clock_mono_ms();
		sc->stalled = 0;
		for (i = 0; i < SERVE_SLOTS; i++)
			if (sc->slots[i].state == SLOT_WAITING && sc->slots[i].seq == seq) {
				wake(sc, &sc->slots[i], sc->buf, n);
				break;
			}
	}
}

/*
 * Gives up on the answers that are past their time, and sees whether the
 * writer has stalled: a change has waited stall_ms, and nothing came from
 * the writer for as long. A stalled writer gets one change at a time, the
 * oldest waiting, to show when it is back; the others are refused unsent.
 */
static void
expire(struct sched *sc, int64_t now)
{
	int	 i;

	for (i = 0; i < SERVE_SLOTS && sc->waiting > 0; i++) {
		if (sc->slots[i].state != SLOT_WAITING)
			continue;
		if (sc->slots[i].deadline <= now)
			wake(sc, &sc->slots[i], NULL, 0);
		else if (now - sc->slots[i].sent >= sc->stall_ms && now - sc->heard >= sc->stall_ms &&
		    !sc->stalled) {
			fprintf(stderr, "the writer has answered nothing for %d ms; refusing changes "
			    "until it does\n", sc->stall_ms);
			sc->stalled = 1;
		}
	}
	if (sc->app->writer != NULL)
		sc->app->writer->refuse = sc->stalled && sc->waiting > 0 ?
		    WRITER_REFUSE_STALLED : WRITER_SEND;
}

/*
 * Listens unless the worker is stopping or its pending list is full of
 * changes waiting for a slot (with a connection still sending among them,
 * the oldest such makes room). A worker whose slots have all filled goes
 * on listening, for reads, but behind the other workers: a new connection
 * wakes the first worker waiting in the socket's queue, and the others
 * have room for a change. 0, or -1.
 */
static int
listen_update(struct sched *sc)
{
	struct epoll_event	 ev;
	int			 want = !*sc->stop &&
	    (sc->npending < SERVE_PENDING || sc->nready < sc->npending);
	int			 back = sc->active >= SERVE_SLOTS;

	if (want == sc->listening && !(want && back && !sc->behind)) {
		if (!back)
			sc->behind = 0;
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	/* Exclusive: a new connection wakes one waiting worker, not every one. */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.u64 = EV_LISTEN;
	/* Out of the queue and in again, at its end. */
	if ((sc->listening && epoll_ctl(sc->ep, EPOLL_CTL_DEL, sc->sock, NULL) == -1) ||
	    (want && epoll_ctl(sc->ep, EPOLL_CTL_ADD, sc->sock, &ev) == -1)) {
		perror("epoll_ctl on the listening socket");
		return -1;
	}
	sc->listening = want;
	sc->behind = want && back;
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

/* A free slot, or NULL. */
static struct slot *
slot_free(struct sched *sc)
{
	int	 i;

	if (sc->active >= SERVE_SLOTS)
		return NULL;
	for (i = 0; i < SERVE_SLOTS; i++)
		if (sc->slots[i].state == SLOT_FREE)
			return &sc->slots[i];
	return NULL;
}

/*
 * Bounds each write on connection fd, so that a web server that stops
 * reading the answer cannot hold the worker, and each read unless the
 * request is all there (whole): then no read waits. 0, or -1.
 */
static int
conn_timed(const struct sched *sc, int fd, int whole)
{
	int		 ms = sc->read_ms < SERVE_IO_MS ? sc->read_ms : SERVE_IO_MS;
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	return (!whole && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ? -1 : 0;
}

/*
 * Serves the request on connection fd on the worker's own stack: a read,
 * or a change that cannot wait on the writer (the link's refuse says
 * why, and it is then answered without being sent).
 */
static void
serve_inline(struct sched *sc, int fd, int64_t read_by, enum writer_refuse why)
{
	struct io	 io;

	/* libfcgi reads the request from the connection given, as it is kept. */
	sc->inl.ipcFd = fd;
	sc->inl.keepConnection = 1;
	if (FCGX_Accept_r(&sc->inl) < 0)
		return;	/* no request came on it; libfcgi has closed it */
	if (sc->app->writer != NULL && why != WRITER_SEND)
		sc->app->writer->refuse = why;
	io_fcgi_init(&io, &sc->inl, read_by);
	route_serve(sc->app, &io);
	finish(sc, &sc->inl);
	if (sc->app->writer != NULL)
		sc->app->writer->refuse = sc->stalled && sc->waiting > 0 ?
		    WRITER_REFUSE_STALLED : WRITER_SEND;
}

/* Starts the change on connection fd in slot s's coroutine. */
static void
slot_start(struct sched *sc, struct slot *s, int fd, int64_t read_by)
{
	s->r.ipcFd = fd;
	s->r.keepConnection = 1;
	if (FCGX_Accept_r(&s->r) < 0)
		return;
	s->read_by = read_by;
	s->state = SLOT_RUNNING;
	sc->active++;
	run(sc, s);
}

/*
 * Looks at what connection fd has sent, leaving it in the socket: what
 * fcgi_peek_parse() says, with *read set; FCGI_PEEK_BAD also when the
 * peer has closed (eof set) or the socket failed. Its request is all
 * there, as a web server sends one, in the same write, most of the time:
 * then served at once, without a turn through epoll.
 */
static enum fcgi_peek_res
conn_look(struct sched *sc, int fd, int *read, int *eof)
{
	ssize_t	 n;

	*read = *eof = 0;
	while ((n = recv(fd, sc->look, FCGI_PEEK_MAX, MSG_PEEK | MSG_DONTWAIT)) == -1 &&
	    errno == EINTR)
		;
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? FCGI_PEEK_MORE : FCGI_PEEK_BAD;
	if (n == 0) {
		*eof = 1;
		return FCGI_PEEK_BAD;
	}
	return fcgi_peek_parse(sc->look, (size_t)n, FCGI_PEEK_MAX, read);
}

/*
 * Takes pending connection i off the list; closes it when drop is set.
 * One handed on stays in epoll until it is closed, its events ignored.
 */
static void
pend_take(struct sched *sc, int i, int drop)
{
	struct pend	*p = &sc->pending[i];

	if (drop)
		close(p->fd);	/* which also takes it out of epoll */
	if (p->ready)
		sc->nready--;
	sc->npending--;
	p->fd = -1;
}

/* Closes pending connection i, counted under why. */
static void
pend_drop(struct sched *sc, int i, enum metrics_drop why)
{
	pend_take(sc, i, 1);
	if (metrics != NULL)
		metrics_add(&metrics->dropped[why], 1);
}

/*
 * The oldest pending connection, of those still sending (ready 0) or of
 * the changes waiting for a slot (ready 1): its index, or -1.
 */
static int
pend_oldest(const struct sched *sc, int ready)
{
	int	 i, best = -1;

	for (i = 0; i < SERVE_PENDING; i++)
		if (sc->pending[i].fd != -1 && sc->pending[i].ready == ready &&
		    (best == -1 || sc->pending[i].order < sc->pending[best].order))
			best = i;
	return best;
}

/*
 * Puts connection fd on the pending list: a change waiting for a slot
 * (ready), or a connection to watch until its request is all there. A
 * list full, or SERVE_SENDING connections still sending, makes room by closing
 * the oldest connection still sending.
 * 0, or -1 when there is no room (fd is left to the caller).
 */
static int
pend_add(struct sched *sc, int fd, int64_t deadline, uint64_t order, int ready)
{
	struct epoll_event	 ev;
	int			 i;

	if (sc->npending == SERVE_PENDING || (!ready && sc->npending - sc->nready >= SERVE_SENDING)) {
		if ((i = pend_oldest(sc, 0)) == -1)
			return -1;
		pend_drop(sc, i, METRICS_DROP_FULL);
	}
	for (i = 0; sc->pending[i].fd != -1; i++)
		;
	if (!ready) {
		memset(&ev, 0, sizeof(ev));
		/*
		 * Edge-triggered: each arrival of more of the request, or the
		 * peer's close. It stays in epoll until closed, and so its
		 * events name the connection as well as its place in the list.
		 */
		ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
		ev.data.u64 = (uint64_t)(unsigned)fd << 32 | (EV_PENDING + (uint32_t)i);
		if (epoll_ctl(sc->ep, EPOLL_CTL_ADD, fd, &ev) == -1)
			return -1;
	}
	sc->pending[i].fd = fd;
	sc->pending[i].ready = ready;
	sc->pending[i].deadline = deadline;
	sc->pending[i].order = order;
	sc->npending++;
	sc->nready += ready;
	return 0;
}

/*
 * Connection fd's request is all there: a read is served at once, a
 * change in a free slot, after the changes already waiting for one. With
 * none free, a change waits for one, or is refused unsent when the writer
 * has stalled or the pending list has no room.
 */
static void
conn_ready(struct sched *sc, int fd, int64_t deadline, uint64_t order, int read)
{
	struct slot	*s;

	if (read)
		serve_inline(sc, fd, deadline, WRITER_SEND);
	else if (sc->nready == 0 && (s = slot_free(sc)) != NULL)
		slot_start(sc, s, fd, deadline);
	else if (sc->app->writer == NULL || sc->app->writer->refuse != WRITER_SEND)
		serve_inline(sc, fd, deadline, sc->app->writer == NULL ? WRITER_SEND :
		    sc->app->writer->refuse);
	else if (pend_add(sc, fd, deadline, order, 1) == -1)
		serve_inline(sc, fd, deadline, WRITER_REFUSE_NO_ROOM);
}

/* A pending connection has sent more, or closed. */
static void
pend_event(struct sched *sc, uint64_t what, uint32_t events)
{
	uint32_t		 i = (uint32_t)what - EV_PENDING;
	struct pend		*p;
	enum fcgi_peek_res	 res;
	int			 read, eof, fd;

	/* A connection handed on since, to libfcgi or to the changes waiting for a slot. */
	if (i >= SERVE_PENDING || (p = &sc->pending[i])->fd != (int)(what >> 32) || p->ready)
		return;
	res = conn_look(sc, p->fd, &read, &eof);
	if (res == FCGI_PEEK_READY || res == FCGI_PEEK_FULL) {
		fd = p->fd;
		pend_take(sc, (int)i, 0);
		if (conn_timed(sc, fd, res == FCGI_PEEK_READY) == -1)
			close(fd);
		else
			conn_ready(sc, fd, p->deadline, p->order, read);
	} else if (res == FCGI_PEEK_BAD || (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		pend_take(sc, (int)i, 1);	/* gone, or it never will be all there */
}

/*
 * Sees to the pending list: changes take the slots come free, oldest
 * first; those a stalled writer would not get are refused now. Past
 * their deadline, connections still sending are closed, and changes
 * still without a slot are refused unsent.
 */
static void
pend_update(struct sched *sc, int64_t now)
{
	struct slot	*s;
	struct pend	 p;
	int		 i;

	while (sc->nready > 0 && (s = slot_free(sc)) != NULL) {
		i = pend_oldest(sc, 1);
		p = sc->pending[i];
		pend_take(sc, i, 0);
		slot_start(sc, s, p.fd, p.deadline);
	}
	for (i = 0; i < SERVE_PENDING && sc->npending > 0; i++) {
		p = sc->pending[i];
		if (p.fd == -1)
			continue;
		if (!p.ready && *sc->stop)
			pend_take(sc, i, 1);	/* a worker stopping takes no new request */
		else if (!p.ready && p.deadline <= now)
			pend_drop(sc, i, METRICS_DROP_DEADLINE);
		else if (p.ready && (p.deadline <= now ||
		    sc->app->writer->refuse != WRITER_SEND)) {
			pend_take(sc, i, 0);
			serve_inline(sc, p.fd, p.deadline, p.deadline <= now ?
			    WRITER_REFUSE_NO_ROOM : sc->app->writer->refuse);
		}
	}
}

/*
 * Accepts one connection, and serves its request at once when it is all
 * there already, as it is when the web server sends it in one write: no
 * extra turn of the loop. One per turn: the next turn's epoll_wait() says
 * at once whether another is waiting, together with the writer's answers
 * and the pending connections, where a second accept() would mostly find
 * none.
 */
static void
accept_one(struct sched *sc)
{
	enum fcgi_peek_res	 res;
	int64_t			 deadline;
	int			 fd, read, eof;

	if (*sc->stop)
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
	if (!peer_ok(sc, fd)) {
		close(fd);
		return;
	}
	deadline = clock_mono_ms() + sc->read_ms;
	sc->accepts++;
	res = conn_look(sc, fd, &read, &eof);
	if (res == FCGI_PEEK_READY || res == FCGI_PEEK_FULL) {
		if (conn_timed(sc, fd, res == FCGI_PEEK_READY) == -1)
			close(fd);
		else
			conn_ready(sc, fd, deadline, sc->accepts, read);
	} else if (res == FCGI_PEEK_BAD || pend_add(sc, fd, deadline, sc->accepts, 0) == -1)
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

	FCGX_InitRequest(&sc->inl, -1, 0);
	for (i = 0; i < SERVE_PENDING; i++)
		sc->pending[i].fd = -1;
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
	struct epoll_event	 ev[EV_MAX];
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 i, n, flags, wait_ms, rc = -1;
	int64_t			 now;

	memset(&sc, 0, sizeof(sc));
	sc.app = app;
	sc.read_ms = app->cfg->read_timeout_ms > 0 ? app->cfg->read_timeout_ms : SERVE_READ_MS;
	wait_ms = app->writer != NULL && app->writer->wait_ms > 0 ? app->writer->wait_ms :
	    WRITER_WAIT_MS;
	sc.stall_ms = wait_ms / 2 < WRITER_STALL_MS ? wait_ms / 2 : WRITER_STALL_MS;
	sc.heard = clock_mono_ms();
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
	if (slots_make(&sc) == -1 || (sc.buf = malloc(WRITER_MSG_MAX)) == NULL ||
	    (sc.look = malloc(FCGI_PEEK_MAX)) == NULL) {
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
	ev[0].data.u64 = EV_WRITER;
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
		if (*stop && sc.active == 0 && sc.npending == 0) {
			rc = 0;
			break;
		}
		/* With deadlines ahead, wake now and then to see to those past. */
		if ((n = epoll_wait(sc.ep, ev, EV_MAX, sc.waiting > 0 || sc.npending > 0 ||
		    *stop ? TICK_MS : -1)) == -1) {
			if (errno != EINTR) {
				perror("worker: epoll_wait");
				break;
			}
			n = 0;
		}
		for (i = 0; i < n; i++)
			if (ev[i].data.u64 == EV_WRITER)
				answers(&sc);
		for (i = 0; i < n; i++)
			if ((uint32_t)ev[i].data.u64 >= EV_PENDING)
				pend_event(&sc, ev[i].data.u64, ev[i].events);
		for (i = 0; i < n; i++)
			if (ev[i].data.u64 == EV_LISTEN)
				accept_one(&sc);
		now = clock_mono_ms();
		expire(&sc, now);
		if (sc.npending > 0)
			pend_update(&sc, now);
		*busy = sc.active > 0 || sc.npending > 0;
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
	for (i = 0; i < SERVE_PENDING; i++)
		if (sc.pending[i].fd != -1)
			close(sc.pending[i].fd);
	free(sc.look);
	free(sc.buf);
	return rc;
}
