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

struct writer_link;

/* What every handler is given: settings, this worker's store and its writer. */
struct app {
	const struct config	*cfg;
	struct db		*db;
	struct writer_link	*writer;	/* NULL: changes run here (CGI) */
};

#endif
