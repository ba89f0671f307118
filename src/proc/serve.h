#ifndef SERVE_H
#define SERVE_H

#include <signal.h>

#include "app/app.h"

/*
 * A FastCGI worker's loop. The worker accepts connections itself and has
 * up to SERVE_SLOTS requests in hand at once. A read (GET, HEAD) is served
 * at once on the worker's own stack. Any other request runs in a coroutine
 * of its own, which sleeps while its change waits on the writer: the
 * worker goes on accepting and serving meanwhile, so that the CPU a
 * change's sync leaves idle serves other requests instead of more worker
 * processes. One process, one thread: coroutines switch only where a
 * change waits on the writer, never inside an SQLite call.
 */

/* Requests one worker has in hand at most. */
#define SERVE_SLOTS	16

/*
 * Serves FastCGI connections from the listening socket sock with app (its
 * writer link set) until *stop is set and every request in hand is
 * answered: 0, or -1 when the worker cannot go on. *busy is 1 while a
 * request is in hand.
 */
int	serve_run(struct app *, int sock, volatile sig_atomic_t *stop,
	    volatile sig_atomic_t *busy);

#endif
