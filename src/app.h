#ifndef APP_H
#define APP_H

#include <stdint.h>

#include "db.h"

/* The program's settings, from flags and the environment (main.c). */
struct config {
	const char	*db_path;
	const char	*socket;	/* unix path or host:port; NULL: CGI or inherited socket */
	const char	*templates;
	int		 workers;
	int64_t		 key_ttl;	/* seconds */
	int		 require_key;	/* POST without a key is refused */
	int		 busy_ms;	/* SQLite busy timeout */
	enum db_sync	 sync;		/* when a commit is on disk */
};

/* What every handler is given: settings and this worker's store. */
struct app {
	const struct config	*cfg;
	struct db		*db;
};

#endif
