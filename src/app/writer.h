#ifndef WRITER_H
#define WRITER_H

#include <stdint.h>

#include "app/app.h"
#include "store/store.h"
#include "http/http.h"
#include "idem/idem.h"
#include "app/ops.h"
#include "idem/recent.h"

/*
 * The writer: under FastCGI, one process makes every change. A worker
 * answers replays from a read, as before, and sends each operation that
 * has to run over its own socket to the writer. The writer runs the
 * operations that arrived together in one transaction, each under a
 * savepoint of its own so that each stays all-or-nothing, commits once,
 * and answers each once that commit is as durable as the sync setting
 * makes it. One commit, and one sync, then serves many operations, and
 * the writer's page cache stays warm because no other process writes.
 */

/* Most operations in one transaction. */
#define WRITER_BATCH	64

/*
 * Waits for the writer's answer to operation seq while the worker goes on
 * with other requests: 0 with the answer in *msg and *n, valid until the
 * caller next waits, or -1 when none will come.
 */
typedef int	(*writer_wait_fn)(void *arg, uint64_t seq, const char **msg, size_t *n);

/*
 * Whether a change may be sent to the writer now. The worker refuses it
 * unsent, so that it certainly changed nothing (IDEM_DOWN: 503
 * unavailable), when the writer has not answered anything for a while
 * (it is stopped or stuck) or when the worker has no room to wait.
 */
enum writer_refuse {
	WRITER_SEND,
	WRITER_REFUSE_STALLED,
	WRITER_REFUSE_NO_ROOM,
};

/* A worker's end: its socket to the writer. */
struct writer_link {
	int		 fd;
	uint64_t	 seq;	/* of the last operation sent */
	int		 timed;		/* its receive timeout is set */
	writer_wait_fn	 wait;		/* NULL: wait in a blocking read of fd */
	void		*wait_arg;
	int		 wait_ms;	/* the longest wait for an answer; 0: WRITER_WAIT_MS */
	enum writer_refuse refuse;	/* set by the worker's scheduler */
};

/*
 * The longest a worker waits for an answer by default (TODO_WRITER_WAIT_MS
 * sets another). The writer answers BUSY well before; the bound stays below
 * the front end's own wait on the program (nginx's fastcgi_read_timeout and
 * Apache's ProxyTimeout, 60 s by default), so a change given up on is
 * answered 503 outcome-unknown by the program, not 504 by the front end.
 */
#define WRITER_WAIT_MS		30000
#define WRITER_WAIT_MS_MAX	55000

/*
 * The writer counts as stalled when a change has waited this long (or
 * half the wait bound, when that is shorter) and nothing at all came from
 * the writer meanwhile: new changes are then refused unsent until it
 * answers again, instead of joining the wait.
 */
#define WRITER_STALL_MS		5000

/* The largest message either way. */
#define WRITER_MSG_MAX	(256u * 1024)

/*
 * 1 when a read of the key table is worth trying for iop's key: always
 * without the hint (app->recent NULL: plain CGI), else when the key may
 * have been recorded lately. 0: the key is new to this host, and the
 * write decides it (on PostgreSQL, a key another host recorded is then
 * replayed from inside the write transaction).
 */
int		writer_may_replay(const struct app *, const struct idem_op *);

/*
 * Runs one change. A recorded key is answered here from a read (skipped
 * when looked is set, as the caller has looked already, or when
 * writer_may_replay() says the key is new to this host). Anything else
 * goes to the writer when there is one (app->writer set); without (plain
 * CGI, PostgreSQL) idem_write() runs it on this process's own handle.
 */
enum idem_res	writer_change(struct app *, const struct idem_op *, struct op *,
		    struct resp *, int looked);

/*
 * Sends op to the writer and waits for its answer in resp, through
 * link->wait when set. Only the writer holds the other end of the socket,
 * so its end shows when it has stopped. IDEM_UNKNOWN when the operation
 * was sent and no answer came (the writer stopped, or the wait ran out):
 * it may or may not have run, which a retry with the same key settles.
 * IDEM_DOWN when the writer is gone before it is sent, or when link->refuse
 * says not to send it, IDEM_ERROR when it could not be sent otherwise:
 * then nothing was done.
 */
enum idem_res	writer_call(struct writer_link *, const struct idem_op *, const struct op *,
		    struct resp *);

/*
 * The store's write health, for /healthz: 1 when it takes writes, else 0.
 * The latest write's result (the writer's last commit, or a probe) is
 * taken while it is fresh; else one process at a time sends a probe, a
 * transaction of a write that changes nothing (to the writer when there
 * is one, else on this process's own handle), and waits for its answer at
 * most wait_ms, so that a stopped writer shows as failing too.
 */
int		writer_write_health(struct app *, int wait_ms);

/*
 * Reads one answer waiting on link without blocking: 1 with its operation's
 * number in *seq and the message in buf (*n bytes, buf holding
 * WRITER_MSG_MAX), 0 when none is waiting, -1 when the writer has stopped.
 */
int		writer_recv(struct writer_link *, char *buf, size_t *n, uint64_t *seq);

#endif
