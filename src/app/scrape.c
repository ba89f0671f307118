#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/metrics.h"
#include "store/store.h"
#include "app/problem.h"
#include "app/route.h"
#include "app/scrape.h"

/* The most key rows a scrape counts: a bounded read, even of a large table. */
#define SCRAPE_KEYS_CAP		1000000

#define CTYPE_METRICS_STR	"text/plain; version=0.0.4; charset=utf-8"

/* Method slots: enum method, then HEAD, then any other. */
#define METHOD_SLOT_HEAD	METHOD__MAX
#define METHOD_SLOT_OTHER	(METHOD__MAX + 1)

_Static_assert(METHOD_SLOT_OTHER < METRICS_METHODS, "a slot for every method");

/* idem_outcome's words, by enum metrics_outcome. */
static const char *const outcomes[METRICS_OUTCOME__MAX] = {
	"created", "replayed", "mismatch", "expired", "conflict", "unknown",
};

static const char *const procs[METRICS_PROC__MAX] = { "worker", "writer" };

static const char *const drops[METRICS_DROP__MAX] = { "read_timeout", "pending_full" };

static const char *const refusals[METRICS_REFUSED__MAX] = { "writer_stalled", "no_room" };

/* A counter family with one sample per reason: names[i] counted in c[i]. */
static int
by_reason(struct buf *b, struct buf *lb, const char *name, const char *help,
    const char *const *names, const uint64_t *c, int n)
{
	int	 i;

	if (metrics_family(b, name, "counter", help) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		buf_reset(lb);
		if (metrics_label(lb, "reason", names[i]) == -1 ||
		    metrics_sample(b, name, lb->data, (int64_t)metrics_read(&c[i])) == -1)
			return -1;
	}
	return 0;
}

void
scrape_count(const struct req *req, const struct resp *r, long long us)
{
	int	 route = req->route, method, i;

	if (metrics == NULL)
		return;
	/* A request refused before dispatch (413, 400) still has a path. */
	if (route < 0 && req->path != NULL) {
		int64_t	 id;

		route = route_find(req->path, &id);
	}
	if (route < 0 || route >= METRICS_UNMATCHED)
		route = METRICS_UNMATCHED;
	method = req->head ? METHOD_SLOT_HEAD :
	    req->method < METHOD__MAX ? (int)req->method : METHOD_SLOT_OTHER;
	metrics_request(route, method, r->status, us > 0 ? (uint64_t)us : 0);
	if (req->outcome != NULL)
		for (i = 0; i < METRICS_OUTCOME__MAX; i++)
			if (strcmp(req->outcome, outcomes[i]) == 0) {
				metrics_outcome((enum metrics_outcome)i);
				break;
			}
}

static const char *
method_name(int slot)
{
	if (slot == METHOD_SLOT_HEAD)
		return "HEAD";
	if (slot < METHOD__MAX)
		return http_method_name((enum method)slot);
	return "other";
}

/* The labels of one route and method, into lb (emptied first). */
static int
route_labels(struct buf *lb, int route, int method)
{
	const char	*pattern = route == METRICS_UNMATCHED ? "unmatched" : route_pattern(route);

	buf_reset(lb);
	return metrics_label(lb, "route", pattern != NULL ? pattern : "unmatched") == -1 ||
	    metrics_label(lb, "method", method_name(method)) == -1 ? -1 : 0;
}

/* Requests by route, method and status, and their durations. */
static int
requests(struct buf *b, struct buf *lb)
{
	const struct metrics_hist	*h;
	char				 code[8];
	uint64_t			 n;
	int				 rt, m, c;

	if (metrics_family(b, "todo_http_requests_total", "counter",
	    "Requests answered, by route pattern, method and status code.") == -1)
		return -1;
	for (rt = 0; rt < METRICS_ROUTES; rt++)
		for (m = 0; m < METRICS_METHODS; m++)
			for (c = 0; c < METRICS_CODES; c++) {
				if ((n = metrics_read(&metrics->requests[rt][m][c])) == 0)
					continue;
				snprintf(code, sizeof(code), "%d", c + METRICS_CODE_MIN);
				if (route_labels(lb, rt, m) == -1 ||
				    metrics_label(lb, "code", code) == -1 ||
				    metrics_sample(b, "todo_http_requests_total", lb->data,
				    (int64_t)n) == -1)
					return -1;
			}
	if (metrics_family(b, "todo_http_request_duration_seconds", "histogram",
	    "Time from reading a request to its answer written, by route pattern and method.")
	    == -1)
		return -1;
	for (rt = 0; rt < METRICS_ROUTES; rt++)
		for (m = 0; m < METRICS_METHODS; m++) {
			h = &metrics->latency[rt][m];
			n = 0;
			for (c = 0; c <= metrics_seconds.n; c++)
				n += metrics_read(&h->n[c]);
			if (n == 0)
				continue;
			if (route_labels(lb, rt, m) == -1 ||
			    metrics_hist(b, "todo_http_request_duration_seconds", lb->data, h,
			    &metrics_seconds) == -1)
				return -1;
		}
	return 0;
}

/* Idempotency outcomes, restarts, and the writer's figures when there is one. */
static int
counters(struct buf *b, struct buf *lb, int writer)
{
	int	 i;

	if (metrics_family(b, "todo_idempotency_outcomes_total", "counter",
	    "Keyed changes by what idempotency did: created, replayed, mismatch (422), "
	    "expired (409, a retry past the key's time to live), conflict (409, in "
	    "progress) or unknown (503, outcome unknown).") == -1)
		return -1;
	for (i = 0; i < METRICS_OUTCOME__MAX; i++) {
		buf_reset(lb);
		if (metrics_label(lb, "outcome", outcomes[i]) == -1 ||
		    metrics_sample(b, "todo_idempotency_outcomes_total", lb->data,
		    (int64_t)metrics_read(&metrics->outcomes[i])) == -1)
			return -1;
	}
	if (metrics_family(b, "todo_process_restarts_total", "counter",
	    "Workers and writers the master started again after one ended.") == -1)
		return -1;
	for (i = 0; i < METRICS_PROC__MAX; i++) {
		if (i == METRICS_WRITER && !writer)
			continue;
		buf_reset(lb);
		if (metrics_label(lb, "process", procs[i]) == -1 ||
		    metrics_sample(b, "todo_process_restarts_total", lb->data,
		    (int64_t)metrics_read(&metrics->restarts[i])) == -1)
			return -1;
	}
	if (by_reason(b, lb, "todo_fastcgi_dropped_total", "FastCGI connections closed before "
	    "their request was all there: read_timeout, not all there by the read deadline; "
	    "pending_full, the oldest of a worker's full list of such connections.",
	    drops, metrics->dropped, METRICS_DROP__MAX) == -1)
		return -1;
	if (writer && by_reason(b, lb, "todo_changes_refused_total", "Changes answered 503 "
	    "unavailable without being sent to the SQLite writer, so certainly not made: "
	    "writer_stalled, the writer answered nothing for a while; no_room, no slot came "
	    "free for the change by its read deadline.",
	    refusals, metrics->refused, METRICS_REFUSED__MAX) == -1)
		return -1;
	if (metrics_family(b, "todo_store_reopens_total", "counter",
	    "Store handles opened again after a fault of the database under them (read-only, "
	    "an I/O error, a full disk) or its file replaced or removed.") == -1 ||
	    metrics_sample(b, "todo_store_reopens_total", NULL,
	    (int64_t)metrics_read(&metrics->store_reopens)) == -1 ||
	    metrics_family(b, "todo_store_unavailable_total", "counter",
	    "Requests and changes answered 503 unavailable at once because the store could "
	    "not be used.") == -1 ||
	    metrics_sample(b, "todo_store_unavailable_total", NULL,
	    (int64_t)metrics_read(&metrics->store_refused)) == -1)
		return -1;
	if (__atomic_load_n(&metrics->write_at, __ATOMIC_RELAXED) != 0 &&
	    (metrics_family(b, "todo_store_write_up", "gauge",
	    "1 when the store's last write (a commit, or the health check's probe) "
	    "succeeded, else 0.") == -1 ||
	    metrics_sample(b, "todo_store_write_up", NULL,
	    __atomic_load_n(&metrics->write_ok, __ATOMIC_RELAXED)) == -1 ||
	    metrics_family(b, "todo_store_write_time_seconds", "gauge",
	    "When the store's last write ended, in seconds since the epoch.") == -1 ||
	    metrics_sample(b, "todo_store_write_time_seconds", NULL,
	    __atomic_load_n(&metrics->write_at, __ATOMIC_RELAXED)) == -1))
		return -1;
	if (metrics_family(b, "todo_workers", "gauge", "Worker processes configured.") == -1 ||
	    metrics_sample(b, "todo_workers", NULL, metrics->workers) == -1 ||
	    metrics_family(b, "todo_start_time_seconds", "gauge",
	    "When the master process started, in seconds since the epoch.") == -1 ||
	    metrics_sample(b, "todo_start_time_seconds", NULL, metrics->started) == -1 ||
	    metrics_family(b, "todo_clock_step_seconds", "gauge",
	    "The wall clock minus the service clock that stamps todos and expires keys: "
	    "a wall-clock step the service clock did not take (up to 1 s is slewed away).") == -1 ||
	    metrics_sample_signed(b, "todo_clock_step_seconds", NULL, clock_step_ms(), 1000) == -1)
		return -1;
	if (!writer)
		return 0;
	return metrics_family(b, "todo_writer_batch_size", "histogram",
	    "Changes the SQLite writer committed in one transaction.") == -1 ||
	    metrics_hist(b, "todo_writer_batch_size", NULL, &metrics->batch,
	    &metrics_batch) == -1 ||
	    metrics_family(b, "todo_writer_commit_seconds", "histogram",
	    "Time the SQLite writer spent in each commit, the log's sync included.") == -1 ||
	    metrics_hist(b, "todo_writer_commit_seconds", NULL, &metrics->commit,
	    &metrics_seconds) == -1 ||
	    metrics_family(b, "todo_sqlite_sync_seconds", "histogram",
	    "Time each sync of SQLite's write-ahead log took (group commit).") == -1 ||
	    metrics_hist(b, "todo_sqlite_sync_seconds", NULL, &metrics->sync,
	    &metrics_seconds) == -1 ? -1 : 0;
}

/* The store's gauges, read now; todo_store_up 0 when it does not answer. */
static int
gauges(struct app *app, struct buf *b, struct buf *lb)
{
	struct store_key_counts	 c;
	enum store_res		 rc;

	/* No handle: the store is unavailable (route.c), and reads as down. */
	rc = STORE_DOWN;
	if (app->db != NULL &&
	    (rc = store_key_count(app->db, clock_now_s(), SCRAPE_KEYS_CAP, &c)) != STORE_OK)
		fprintf(stderr, "metrics: counting key rows: %s\n", store_errmsg(app->db));
	buf_reset(lb);
	if (metrics_label(lb, "engine", app->db != NULL ? app->db->engine->name :
	    store_engine_for(app->cfg->store.db)->name) == -1 ||
	    metrics_family(b, "todo_info", "gauge", "The program; engine is the store's.") == -1 ||
	    metrics_sample(b, "todo_info", lb->data, 1) == -1 ||
	    metrics_family(b, "todo_store_up", "gauge",
	    "1 when the store answered this scrape's read, else 0.") == -1 ||
	    metrics_sample(b, "todo_store_up", NULL, rc == STORE_OK) == -1)
		return -1;
	if (rc != STORE_OK)
		return 0;
	return metrics_family(b, "todo_idempotency_keys", "gauge",
	    "Rows in the idempotency key table (counted up to 1000000).") == -1 ||
	    metrics_sample(b, "todo_idempotency_keys", NULL, c.rows) == -1 ||
	    metrics_family(b, "todo_idempotency_keys_expired", "gauge",
	    "Key rows past their expiry, not moved or purged yet: the purge's backlog "
	    "(counted up to 1000000).") == -1 ||
	    metrics_sample(b, "todo_idempotency_keys_expired", NULL, c.expired) == -1 ||
	    metrics_family(b, "todo_idempotency_tombstones", "gauge",
	    "Expired keys remembered until their horizon (counted up to 1000000).") == -1 ||
	    metrics_sample(b, "todo_idempotency_tombstones", NULL, c.tombstones) == -1 ? -1 : 0;
}

int
scrape_page(struct app *app, struct req *req, struct resp *r)
{
	struct buf	 lb = { 0 };
	int		 rc = -1;
	const char	*mark = http_param(req, "TODO_METRICS");

	if (mark == NULL || strcmp(mark, "1") != 0)
		return problem_set(r, 404, "not-found", NULL, "There is nothing at this path.",
		    NULL);
	r->status = 200;
	r->ctype = CTYPE_METRICS_STR;
	if (metrics == NULL) {
		if (buf_puts(&r->body, "# Plain CGI: one process per request keeps no "
		    "counters; only the store's gauges.\n") == -1)
			goto out;
	} else if (requests(&r->body, &lb) == -1 ||
	    counters(&r->body, &lb, app->writer != NULL) == -1)
		goto out;
	rc = gauges(app, &r->body, &lb);
out:
	buf_free(&lb);
	return rc;
}
