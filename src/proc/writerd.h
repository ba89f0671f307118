#ifndef WRITERD_H
#define WRITERD_H

#include <signal.h>

#include "app/writer.h"
#include "idem/recent.h"
#include "store/store.h"

/*
 * The writer's loop over the n workers' sockets until *stop is set: 0, 1
 * when the database file was replaced or removed under its handle (every
 * process then has to let go of the old file before any opens the new
 * one), or -1 when it cannot go on. The store is opened through the hold,
 * looked at before each batch and after its commit, and opened again
 * after a fault; while it cannot be, every change is answered at once as
 * unavailable. Each key it commits or replays is noted in recent (when
 * not NULL) before the answer goes out.
 */
int	writerd_serve(struct store_hold *, const int *fds, int n, struct recent *,
	    volatile sig_atomic_t *stop);

#endif
