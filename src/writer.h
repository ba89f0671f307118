#ifndef WRITER_H
#define WRITER_H

#include <signal.h>
#include <stdint.h>

#include "app.h"
#include "db.h"
#include "http.h"
#include "idem.h"
#include "ops.h"

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

/* A worker's end: its socket to the writer. */
struct writer_link {
	int		 fd;
	uint64_t	 seq;	/* of the last operation sent */
};

/*
 * Runs one change. Under FastCGI (app->writer set): a recorded key is
 * answered here from a read (skipped when looked is set: the caller's own
 * idem_lookup found no record); anything else is sent to the writer. As
 * plain CGI: idem_run() on this process's own handle.
 */
enum idem_res	writer_change(struct app *, const struct idem_op *, struct op *,
		    struct resp *, int looked);

/*
 * Sends op to the writer and waits for its answer in resp. Only the writer
 * holds the other end of the socket, so its end shows when it has stopped.
 * IDEM_ERROR when it stops meanwhile: the operation may or may not have run, which
 * a retry with the same key settles.
 */
enum idem_res	writer_call(struct writer_link *, const struct idem_op *, const struct op *,
		    struct resp *);

/*
 * The writer's loop over the n workers' sockets until *stop is set: 0, or
 * -1 when it cannot go on.
 */
int		writer_serve(struct db *, const int *fds, int n, volatile sig_atomic_t *stop);

#endif
