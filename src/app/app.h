#ifndef APP_H
#define APP_H

#include <signal.h>
#include <stdint.h>

#include "store/store.h"

/* The program's settings, from flags and the environment (main.c). */
struct config {
	struct store_conf store;	/* the --db value, lock timeout, sync */
	const char	*socket;	/* unix path or host:port; NULL: CGI or inherited socket */
	const char	*templates;
	int		 workers;
	int64_t		 key_ttl;	/* seconds */
	int		 require_key;	/* POST without a key is refused */
	int		 writer_wait_ms;	/* a worker's wait on the writer's answer */
	int		 read_timeout_ms;	/* for a FastCGI request to arrive whole */
};

struct recent;
struct writer_link;

/*
 * What every handler is given: settings, this worker's store, its writer,
 * and the hint of keys lately recorded or replayed on this host.
 */
struct app {
	const struct config	*cfg;
	struct store		*db;
	struct writer_link	*writer;	/* NULL: changes run here (CGI, PostgreSQL) */
	struct recent		*recent;	/* may be NULL: every key is looked up */
	/*
	 * The worker's hold on the store (NULL: db is opened once, as under
	 * CGI): db is taken from it for each request that needs the store.
	 */
	struct store_hold	*hold;
	volatile sig_atomic_t	*stop;	/* set: the worker ends after the requests in hand */
};

#endif
