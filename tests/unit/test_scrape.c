/*
 * The /metrics page: refused (404) without the web server's mark; under
 * CGI, with no counters, only the store's gauges; with the shared region,
 * each request counted under its route pattern (never its path), its
 * method and status, unknown paths under one label value, outcomes by
 * name, and the writer's histograms only when there is a writer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "lib/metrics.h"
#include "store/store.h"
#include "app/route.h"
#include "app/scrape.h"
#include "app/writer.h"

static char *const	 marked[] = { "REQUEST_METHOD=GET", "TODO_METRICS=1", NULL };
static char *const	 unmarked[] = { "REQUEST_METHOD=GET", "HTTP_TODO_METRICS=1", NULL };

/* Serves GET /metrics into r (emptied first) with the parameters env. */
static int
page(struct app *app, char *const *env, struct resp *r)
{
	struct req	 req;

	memset(&req, 0, sizeof(req));
	req.method = METHOD_GET;
	req.path = "/metrics";
	req.route = -1;
	req.env = env;
	http_resp_free(r);
	memset(r, 0, sizeof(*r));
	return scrape_page(app, &req, r);
}

/* Counts one request to path (its route found as dispatch finds it). */
static void
count(const char *path, enum method m, int head, int status, long long us,
    const char *outcome, int dispatched)
{
	struct req	 req;
	struct resp	 r;

	memset(&req, 0, sizeof(req));
	memset(&r, 0, sizeof(r));
	req.path = path;
	req.method = m;
	req.head = head;
	req.outcome = outcome;
	req.route = dispatched ? route_find(path, &req.id) : -1;
	r.status = status;
	scrape_count(&req, &r, us);
}

static int
has(const struct resp *r, const char *line)
{
	return r->body.data != NULL && strstr(r->body.data, line) != NULL;
}

int
main(void)
{
	char			 path[] = "/tmp/todo-scrape-XXXXXX", side[64];
	struct store_conf	 conf = { path, 1000, STORE_SYNC_NORMAL, 0, 1, 0, 0 };
	struct writer_link	 link;
	struct app		 app;
	struct resp		 r = { 0 };
	int			 fd;
	const char		*const ext[] = { "-wal", "-shm", "-writer" };
	size_t			 i;

	if ((fd = mkstemp(path)) == -1)
		return 1;
	close(fd);
	memset(&app, 0, sizeof(app));
	if ((app.db = store_open(&conf)) == NULL)
		return 1;

	/* Without the server's mark, as from a header: nothing there. */
	CHECK_INT(page(&app, unmarked, &r), 0);
	CHECK_INT(r.status, 404);
	CHECK(!has(&r, "todo_"));
	CHECK_INT(page(&app, NULL, &r), 0);
	CHECK_INT(r.status, 404);

	/* Plain CGI: no counters, the store's gauges. */
	CHECK_INT(page(&app, marked, &r), 0);
	CHECK_INT(r.status, 200);
	CHECK_STR(r.ctype, "text/plain; version=0.0.4; charset=utf-8");
	CHECK(has(&r, "# Plain CGI"));
	CHECK(!has(&r, "todo_http_requests_total"));
	CHECK(has(&r, "todo_info{engine=\"sqlite\"} 1\n"));
	CHECK(has(&r, "todo_store_up 1\n"));
	CHECK(has(&r, "todo_idempotency_keys 0\n"));
	CHECK(has(&r, "todo_idempotency_keys_expired 0\n"));
	CHECK(has(&r, "todo_idempotency_tombstones 0\n"));
	/* Counting without the region is a no-op. */
	count("/todos/7", METHOD_GET, 0, 200, 300, NULL, 1);

	CHECK_INT(metrics_open(), 0);
	if (metrics == NULL)
		return 1;
	count("/todos/7", METHOD_GET, 0, 200, 300, NULL, 1);
	count("/todos/8", METHOD_GET, 0, 200, 3000, NULL, 1);
	count("/todos", METHOD_GET, 1, 200, 100, NULL, 1);
	count("/todos", METHOD_POST, 0, 201, 900, "created", 1);
	count("/todos", METHOD_POST, 0, 201, 900, "replayed", 1);
	count("/todos", METHOD_POST, 0, 422, 900, "mismatch", 1);
	count("/todos", METHOD_POST, 0, 201, 900, "none", 1);
	/* Refused before dispatch (413): still under its route. */
	count("/todos", METHOD_POST, 0, 413, 50, NULL, 0);
	count("/no/such/path", METHOD_GET, 0, 404, 20, NULL, 1);
	count("/other", METHOD__MAX, 0, 404, 20, NULL, 1);
	CHECK_INT(page(&app, marked, &r), 0);
	CHECK_INT(r.status, 200);
	CHECK(!has(&r, "# Plain CGI"));
	CHECK(has(&r, "todo_http_requests_total{route=\"/todos/{id}\",method=\"GET\",code=\"200\"} 2\n"));
	CHECK(has(&r, "todo_http_requests_total{route=\"/todos\",method=\"HEAD\",code=\"200\"} 1\n"));
	CHECK(has(&r, "todo_http_requests_total{route=\"/todos\",method=\"POST\",code=\"201\"} 3\n"));
	CHECK(has(&r, "todo_http_requests_total{route=\"/todos\",method=\"POST\",code=\"422\"} 1\n"));
	CHECK(has(&r, "todo_http_requests_total{route=\"/todos\",method=\"POST\",code=\"413\"} 1\n"));
	CHECK(has(&r, "todo_http_requests_total{route=\"unmatched\",method=\"GET\",code=\"404\"} 1\n"));
	CHECK(has(&r, "todo_http_requests_total{route=\"unmatched\",method=\"other\",code=\"404\"} 1\n"));
	CHECK(!has(&r, "/todos/7"));
	CHECK(!has(&r, "/no/such/path"));
	/* 300 us and 3 ms: one at or under 0.0005 s, both at or under 0.005 s. */
	CHECK(has(&r, "todo_http_request_duration_seconds_bucket{route=\"/todos/{id}\","
	    "method=\"GET\",le=\"0.0005\"} 1\n"));
	CHECK(has(&r, "todo_http_request_duration_seconds_bucket{route=\"/todos/{id}\","
	    "method=\"GET\",le=\"0.005\"} 2\n"));
	CHECK(has(&r, "todo_http_request_duration_seconds_sum{route=\"/todos/{id}\","
	    "method=\"GET\"} 0.0033\n"));
	CHECK(has(&r, "todo_http_request_duration_seconds_count{route=\"/todos/{id}\","
	    "method=\"GET\"} 2\n"));
	CHECK(has(&r, "todo_idempotency_outcomes_total{outcome=\"created\"} 1\n"));
	CHECK(has(&r, "todo_idempotency_outcomes_total{outcome=\"replayed\"} 1\n"));
	CHECK(has(&r, "todo_idempotency_outcomes_total{outcome=\"mismatch\"} 1\n"));
	CHECK(has(&r, "todo_idempotency_outcomes_total{outcome=\"conflict\"} 0\n"));
	CHECK(has(&r, "todo_process_restarts_total{process=\"worker\"} 0\n"));
	CHECK(!has(&r, "process=\"writer\""));
	CHECK(!has(&r, "todo_writer_batch_size"));

	/* With a writer: its batches, commits and syncs, and its restarts. */
	memset(&link, 0, sizeof(link));
	app.writer = &link;
	metrics_observe(&metrics->batch, &metrics_batch, 3);
	CHECK_INT(page(&app, marked, &r), 0);
	CHECK(has(&r, "todo_process_restarts_total{process=\"writer\"} 0\n"));
	CHECK(has(&r, "todo_writer_batch_size_bucket{le=\"2\"} 0\n"));
	CHECK(has(&r, "todo_writer_batch_size_bucket{le=\"4\"} 1\n"));
	CHECK(has(&r, "todo_writer_batch_size_count 1\n"));
	CHECK(has(&r, "# TYPE todo_writer_commit_seconds histogram\n"));
	CHECK(has(&r, "# TYPE todo_sqlite_sync_seconds histogram\n"));

	http_resp_free(&r);
	metrics_close();
	store_close(app.db);
	unlink(path);
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", path, ext[i]);
		unlink(side);
	}
	CHECK_DONE();
}
