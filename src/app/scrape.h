#ifndef SCRAPE_H
#define SCRAPE_H

#include "app/app.h"
#include "http/http.h"

/*
 * Adds a request just answered to the shared counters (lib/metrics.h):
 * its route, method, status and duration, and what idempotency did. No
 * lock and no system call; nothing when no counters are kept (CGI).
 */
void	scrape_count(const struct req *, const struct resp *, long long us);

/*
 * GET /metrics, in Prometheus's text format: the counters summed over
 * every process, and the key table's gauges read from the store now.
 * Answered only to requests the web server marks (TODO_METRICS=1, set on
 * its loopback metrics listener); any other gets the 404 of an unknown
 * path. Under plain CGI there are no counters: only the store's gauges.
 * 0, or -1 when out of memory.
 */
int	scrape_page(struct app *, struct req *, struct resp *);

#endif
