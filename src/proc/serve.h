#ifndef SERVE_H
#define SERVE_H

#include <signal.h>

#include "app/app.h"

/*
 * A FastCGI worker's loop. The worker accepts connections itself and
 * looks at each one's FastCGI records, without reading them, until its
 * request is all there: only then does libfcgi, whose reads block, read
 * it. A peer that sends nothing or half a request waits in the pending
 * list until the read deadline, and cannot hold the worker. A read (GET,
 * HEAD) is served at once on the worker's own stack, also while every
 * slot waits on the writer. Any other request runs in a coroutine
 * of its own, which sleeps while its change waits on the writer: the
 * worker goes on accepting and serving meanwhile, so that the CPU a
 * change's sync leaves idle serves other requests instead of more worker
 * processes. One process, one thread: coroutines switch only where a
 * change waits on the writer, never inside an SQLite call.
 */

/* Changes one worker has in hand at most, each in a coroutine. */
#define SERVE_SLOTS	16

/*
 * Connections a worker holds besides: those whose request is not all
 * there yet (SERVE_SENDING at most), and changes waiting for a slot. When
 * either bound is reached, the oldest connection still sending is closed
 * to make room, so that idle connections cannot lock out real ones. A
 * worker can be handed many more changes than it has slots while the
 * other workers are busy (a new connection wakes whichever worker waits),
 * so the list has room for far more changes than connections still
 * sending: a change is refused for room only past SERVE_PENDING.
 */
#define SERVE_SENDING	32
#define SERVE_PENDING	256

/*
 * How long a connection has to send its whole request by default
 * (TODO_READ_TIMEOUT_MS sets another), and the most one read or write of
 * a request's connection may block the worker.
 */
#define SERVE_READ_MS		10000
#define SERVE_READ_MS_MAX	300000
#define SERVE_IO_MS		5000

/*
 * Serves FastCGI connections from the listening socket sock with app (its
 * writer link set) until *stop is set and every request in hand is
 * answered: 0, or -1 when the worker cannot go on. *busy is 1 while a
 * request is in hand.
 */
int	serve_run(struct app *, int sock, volatile sig_atomic_t *stop,
	    volatile sig_atomic_t *busy);

#endif
