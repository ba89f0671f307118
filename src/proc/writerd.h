#ifndef WRITERD_H
#define WRITERD_H

#include <signal.h>

#include "app/writer.h"
#include "idem/recent.h"
#include "store/store.h"

/*
 * The writer's loop over the n workers' sockets until *stop is set: 0, or
 * -1 when it cannot go on. Each key it commits or replays is noted in
 * recent (when not NULL) before the answer goes out.
 */
int	writerd_serve(struct store *, const int *fds, int n, struct recent *,
	    volatile sig_atomic_t *stop);

#endif
