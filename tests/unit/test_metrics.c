/*
 * The shared counters and their text exposition: label values escaped as
 * the format asks, histogram bounds inclusive and printed cumulative with
 * a _count that agrees, exact decimal seconds, and adds from several
 * processes summed in the one region.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "lib/metrics.h"

static void
labels(void)
{
	struct buf	 lb = { 0 }, b = { 0 };

	CHECK_INT(metrics_label(&lb, "route", "/todos/{id}"), 0);
	CHECK_STR(lb.data, "route=\"/todos/{id}\"");
	CHECK_INT(metrics_label(&lb, "v", "a\\b\"c\nd"), 0);
	CHECK_STR(lb.data, "route=\"/todos/{id}\",v=\"a\\\\b\\\"c\\nd\"");
	buf_reset(&lb);
	CHECK_INT(metrics_label(&lb, "empty", ""), 0);
	CHECK_STR(lb.data, "empty=\"\"");

	CHECK_INT(metrics_sample(&b, "x_total", lb.data, 42), 0);
	CHECK_INT(metrics_sample(&b, "y", NULL, -1), 0);
	CHECK_INT(metrics_sample(&b, "z", "", 0), 0);
	CHECK_STR(b.data, "x_total{empty=\"\"} 42\ny -1\nz 0\n");
	buf_reset(&b);
	CHECK_INT(metrics_family(&b, "x_total", "counter", "Things."), 0);
	CHECK_STR(b.data, "# HELP x_total Things.\n# TYPE x_total counter\n");
	buf_free(&lb);
	buf_free(&b);
}

static void
scaled(void)
{
	struct buf	 b = { 0 };

	CHECK_INT(metrics_sample_scaled(&b, "a", NULL, 100, 1000000), 0);
	CHECK_INT(metrics_sample_scaled(&b, "b", NULL, 2500000, 1000000), 0);
	CHECK_INT(metrics_sample_scaled(&b, "c", NULL, 1000000, 1000000), 0);
	CHECK_INT(metrics_sample_scaled(&b, "d", NULL, 0, 1000000), 0);
	CHECK_INT(metrics_sample_scaled(&b, "e", NULL, 123456789, 1000000), 0);
	CHECK_INT(metrics_sample_scaled(&b, "f", NULL, 7, 1), 0);
	CHECK_STR(b.data, "a 0.0001\nb 2.5\nc 1\nd 0\ne 123.456789\nf 7\n");
	buf_free(&b);
}

static void
histogram(void)
{
	static const struct metrics_bounds	 bd = { { 1, 2, 4 }, 3, 1 };
	struct metrics_hist			 h;
	struct buf				 b = { 0 };

	memset(&h, 0, sizeof(h));
	/* A bound is inclusive: 2 is in le="2"; past the last, +Inf. */
	metrics_observe(&h, &bd, 0);
	metrics_observe(&h, &bd, 2);
	metrics_observe(&h, &bd, 3);
	metrics_observe(&h, &bd, 4);
	metrics_observe(&h, &bd, 9);
	CHECK_INT(h.n[0], 1);
	CHECK_INT(h.n[1], 1);
	CHECK_INT(h.n[2], 2);
	CHECK_INT(h.n[3], 1);
	CHECK_INT(h.sum, 18);
	CHECK_INT(metrics_hist(&b, "batch", "w=\"1\"", &h, &bd), 0);
	CHECK_STR(b.data,
	    "batch_bucket{w=\"1\",le=\"1\"} 1\n"
	    "batch_bucket{w=\"1\",le=\"2\"} 2\n"
	    "batch_bucket{w=\"1\",le=\"4\"} 4\n"
	    "batch_bucket{w=\"1\",le=\"+Inf\"} 5\n"
	    "batch_sum{w=\"1\"} 18\n"
	    "batch_count{w=\"1\"} 5\n");
	buf_reset(&b);

	/* Seconds: microseconds observed, bounds and sum shown in seconds. */
	memset(&h, 0, sizeof(h));
	metrics_observe(&h, &metrics_seconds, 100);
	metrics_observe(&h, &metrics_seconds, 20000000);
	CHECK_INT(metrics_hist(&b, "t_seconds", NULL, &h, &metrics_seconds), 0);
	CHECK(strstr(b.data, "t_seconds_bucket{le=\"0.0001\"} 1\n") != NULL);
	CHECK(strstr(b.data, "t_seconds_bucket{le=\"10\"} 1\n") != NULL);
	CHECK(strstr(b.data, "t_seconds_bucket{le=\"+Inf\"} 2\n") != NULL);
	CHECK(strstr(b.data, "t_seconds_sum 20.0001\nt_seconds_count 2\n") != NULL);
	buf_free(&b);
}

static void
shared(void)
{
	pid_t	 pid[4];
	int	 i, j, status;

	/* Without a region every add is a no-op. */
	CHECK(metrics == NULL);
	metrics_request(0, 0, 200, 10);
	metrics_outcome(METRICS_CREATED);
	CHECK_INT(metrics_open(), 0);
	if (metrics == NULL)
		return;
	/* Out of range: not counted, and nothing written past the arrays. */
	metrics_request(-1, 0, 200, 10);
	metrics_request(METRICS_ROUTES, 0, 200, 10);
	metrics_request(0, METRICS_METHODS, 200, 10);
	metrics_request(0, 0, 99, 10);
	metrics_request(0, 0, 600, 10);
	metrics_outcome(METRICS_OUTCOME__MAX);
	for (i = 0; i < 4; i++)
		if ((pid[i] = fork()) == 0) {
			for (j = 0; j < 10000; j++) {
				metrics_request(3, 1, 201, 300);
				metrics_outcome(METRICS_REPLAYED);
			}
			_exit(0);
		}
	for (i = 0; i < 4; i++)
		CHECK(waitpid(pid[i], &status, 0) == pid[i] && WIFEXITED(status));
	CHECK_INT(metrics_read(&metrics->requests[3][1][201 - METRICS_CODE_MIN]), 40000);
	CHECK_INT(metrics_read(&metrics->latency[3][1].n[2]), 40000);	/* le 500 us */
	CHECK_INT(metrics_read(&metrics->latency[3][1].sum), 40000 * 300);
	CHECK_INT(metrics_read(&metrics->outcomes[METRICS_REPLAYED]), 40000);
	CHECK_INT(metrics_read(&metrics->outcomes[METRICS_CREATED]), 0);
	CHECK_INT(metrics_read(&metrics->requests[0][0][200 - METRICS_CODE_MIN]), 0);
	metrics_request(METRICS_UNMATCHED, 0, 599, 1);
	CHECK_INT(metrics_read(&metrics->requests[METRICS_UNMATCHED][0][499]), 1);
	metrics_close();
	CHECK(metrics == NULL);
}

int
main(void)
{
	labels();
	scaled();
	histogram();
	shared();
	CHECK_DONE();
}
