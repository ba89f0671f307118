#ifndef METRICS_H
#define METRICS_H

#include <stdint.h>

#include "lib/buf.h"

/*
 * The program's counters and histograms, in one region that the master
 * maps before it forks, so that every worker and the writer add to the
 * same figures and a scrape of any worker reads the sum over all of
 * them. Adds are relaxed atomic adds: no lock and no system call. When no
 * region is mapped (plain CGI, one process per request) metrics is NULL:
 * metrics_request and metrics_outcome then do nothing, and a caller that
 * adds to a field itself tests metrics first.
 *
 * Everything is indexed by small numbers: routes and methods are the
 * app's indexes, status codes are 100 to 599. Names come from the caller
 * at exposition time, so label values stay a bounded set.
 */
#define METRICS_ROUTES		32	/* route slots; the last is for paths no route matches */
#define METRICS_UNMATCHED	(METRICS_ROUTES - 1)
#define METRICS_METHODS		8
#define METRICS_CODE_MIN	100
#define METRICS_CODES		500	/* 100 to 599, every status the program sends */
#define METRICS_BOUNDS_MAX	16

/* What idempotency did for a keyed change (idem_outcome's words). */
enum metrics_outcome {
	METRICS_CREATED,
	METRICS_REPLAYED,
	METRICS_MISMATCH,
	METRICS_EXPIRED,
	METRICS_CONFLICT,
	METRICS_UNKNOWN,
	METRICS_OUTCOME__MAX
};

/* The processes the master restarts. */
enum metrics_proc {
	METRICS_WORKER,
	METRICS_WRITER,
	METRICS_PROC__MAX
};

/* Why a FastCGI connection was closed before its request was all there. */
enum metrics_drop {
	METRICS_DROP_DEADLINE,	/* not all there by the read deadline */
	METRICS_DROP_FULL,	/* the oldest of a worker's full pending list */
	METRICS_DROP__MAX
};

/* Why a change was refused without being sent to the writer. */
enum metrics_refused {
	METRICS_REFUSED_STALLED,	/* the writer answers nothing */
	METRICS_REFUSED_NO_ROOM,	/* no slot came free for it by its deadline */
	METRICS_REFUSED__MAX
};

/*
 * A histogram's fixed upper bounds, ascending, in the unit observed;
 * scale is how many of that unit make the unit exposed (1000000 for
 * microseconds shown as seconds, 1 for counts).
 */
struct metrics_bounds {
	uint64_t	 le[METRICS_BOUNDS_MAX];
	int		 n;
	uint64_t	 scale;
};

/* Counts per bucket (not cumulative; the one past the bounds is +Inf) and the sum. */
struct metrics_hist {
	uint64_t	 n[METRICS_BOUNDS_MAX + 1];
	uint64_t	 sum;
};

struct metrics {
	uint64_t		 requests[METRICS_ROUTES][METRICS_METHODS][METRICS_CODES];
	struct metrics_hist	 latency[METRICS_ROUTES][METRICS_METHODS];	/* us */
	uint64_t		 outcomes[METRICS_OUTCOME__MAX];
	struct metrics_hist	 batch;		/* operations per writer transaction */
	struct metrics_hist	 commit;	/* us in the writer's commit, sync included */
	struct metrics_hist	 sync;		/* us in each sync of SQLite's log */
	uint64_t		 restarts[METRICS_PROC__MAX];
	uint64_t		 dropped[METRICS_DROP__MAX];
	uint64_t		 refused[METRICS_REFUSED__MAX];
	uint64_t		 store_reopens;	/* store handles opened again after a fault */
	uint64_t		 store_refused;	/* changes refused: the store was unavailable */
	int64_t			 write_ok;	/* the writer's last write: 1 done, 0 failed */
	int64_t			 write_at;	/* unix seconds of that write; 0: none yet */
	uint64_t		 write_count;	/* write results noted: a change says a new one came */
	int64_t			 probe_at;	/* unix seconds of /healthz's last write probe */
	int64_t			 started;	/* unix seconds the master started */
	int64_t			 workers;
};

/* The shared region, or NULL. */
extern struct metrics		*metrics;

/* Durations from 100 us to 10 s, and writer batches of 1 to 64. */
extern const struct metrics_bounds	 metrics_seconds;
extern const struct metrics_bounds	 metrics_batch;

/*
 * Maps a zeroed shared region and points metrics at it: 0, or -1 (then
 * metrics stays NULL). Call before forking; metrics_close unmaps it.
 */
int	metrics_open(void);
void	metrics_close(void);

static inline void
metrics_add(uint64_t *c, uint64_t v)
{
	__atomic_fetch_add(c, v, __ATOMIC_RELAXED);
}

/* Adds v to the histogram h with bounds b. */
void	metrics_observe(struct metrics_hist *h, const struct metrics_bounds *b, uint64_t v);

/* Counts a request served: route and method slots, status code, microseconds. */
void	metrics_request(int route, int method, int status, uint64_t us);

/* Counts an idempotency outcome. */
void	metrics_outcome(enum metrics_outcome);

/*
 * The text exposition format (0.0.4). Each returns 0, or -1 when out of
 * memory. labels is a list already written by metrics_label ("" for
 * none): a="b",c="d" without braces.
 */

/* Appends the # HELP and # TYPE lines of a family. */
int	metrics_family(struct buf *, const char *name, const char *type, const char *help);
/* Appends name=" value escaped (\\, \", \n) ", after a comma when labels is not empty. */
int	metrics_label(struct buf *labels, const char *name, const char *value);
/* Appends one sample line: name{labels} v. */
int	metrics_sample(struct buf *, const char *name, const char *labels, int64_t v);
/* Appends one sample of v / scale as an exact decimal. */
int	metrics_sample_scaled(struct buf *, const char *name, const char *labels,
	    uint64_t v, uint64_t scale);
/* The same for a v of either sign. */
int	metrics_sample_signed(struct buf *, const char *name, const char *labels,
	    int64_t v, uint64_t scale);
/*
 * Appends a histogram's samples: name_bucket per bound (cumulative) and
 * +Inf, name_sum and name_count, read once so that they agree.
 */
int	metrics_hist(struct buf *, const char *name, const char *labels,
	    const struct metrics_hist *, const struct metrics_bounds *);

/* Notes how the store's latest write ended (1 done, 0 failed), and when. */
void	metrics_write_health(int ok);

/* Reads a counter another process may be adding to. */
uint64_t	metrics_read(const uint64_t *c);

#endif
