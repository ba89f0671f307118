#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/api.h"
#include "app/doc.h"
#include "lib/clock.h"
#include "lib/metrics.h"
#include "http/http.h"
#include "app/problem.h"
#include "app/page.h"
#include "app/route.h"
#include "app/scrape.h"
#include "app/valid.h"

typedef int (*handler)(struct app *, struct req *, struct resp *);

enum route {
	ROUTE_INDEX,
	ROUTE_HEALTH,
	ROUTE_TODOS,
	ROUTE_TODO,
	ROUTE_TODO_COMPLETE,
	ROUTE_TODO_DELETE,
	ROUTE_TODO_EDIT,
	ROUTE_PROBLEM,
	ROUTE_OPENAPI,
	ROUTE_DOCS,
	ROUTE_METRICS,
	ROUTE__MAX
};

/*
 * The routes: a path pattern ({id} is a todo id, {name} a word of
 * lowercase letters, digits and dashes), a handler per method,
 * the handler for HTML form posts, and the Allow header for 405.
 */
/* What a route wants of the store. */
enum route_store {
	DB_NONE,	/* nothing */
	DB_NEEDED,	/* a usable handle: else it is answered 503 at once, unavailable */
	DB_OPTIONAL	/* one if there is: its handler answers without (app->db NULL) */
};

static const struct {
	const char	*pattern;
	handler		 h[METHOD__MAX];
	handler		 form;
	const char	*allow;
	enum route_store store;
} routes[ROUTE__MAX] = {
	/* ROUTE_INDEX: the page */
	{ "/", { [METHOD_GET] = page_index }, NULL, "GET, HEAD", DB_NEEDED },
	/* ROUTE_HEALTH */
	{ "/healthz", { [METHOD_GET] = api_health }, NULL, "GET, HEAD", DB_OPTIONAL },
	/* ROUTE_TODOS: list and create; the HTML form posts here too */
	{ "/todos", { [METHOD_GET] = api_list, [METHOD_POST] = api_create },
	    page_create, "GET, HEAD, POST", DB_NEEDED },
	/* ROUTE_TODO */
	{ "/todos/{id}", { [METHOD_GET] = api_get, [METHOD_PUT] = api_replace,
	    [METHOD_PATCH] = api_patch, [METHOD_DELETE] = api_delete },
	    NULL, "GET, HEAD, PUT, PATCH, DELETE", DB_NEEDED },
	/* ROUTE_TODO_COMPLETE: the page's done / not done button */
	{ "/todos/{id}/complete", { 0 }, page_complete, "POST", DB_NEEDED },
	/* ROUTE_TODO_DELETE: the page's delete button */
	{ "/todos/{id}/delete", { 0 }, page_delete, "POST", DB_NEEDED },
	/* ROUTE_TODO_EDIT: a todo's page, its edit form, and that form's post */
	{ "/todos/{id}/edit", { [METHOD_GET] = page_todo }, page_edit, "GET, HEAD, POST",
	    DB_NEEDED },
	/* ROUTE_PROBLEM: what a problem type means and what to do about it */
	{ "/problems/{name}", { [METHOD_GET] = doc_problem }, NULL, "GET, HEAD", DB_NONE },
	/* ROUTE_OPENAPI: the API's description, OpenAPI 3.1 */
	{ "/openapi.json", { [METHOD_GET] = doc_openapi }, NULL, "GET, HEAD", DB_NONE },
	/* ROUTE_DOCS: the description as a page for people */
	{ "/docs", { [METHOD_GET] = doc_page }, NULL, "GET, HEAD", DB_NONE },
	/* ROUTE_METRICS: for the web server's metrics listener only (scrape.h) */
	{ "/metrics", { [METHOD_GET] = scrape_page }, NULL, "GET, HEAD", DB_OPTIONAL },
};

_Static_assert(ROUTE__MAX < METRICS_UNMATCHED, "a metrics slot for every route");

const char *
route_pattern(int i)
{
	return i >= 0 && i < ROUTE__MAX ? routes[i].pattern : NULL;
}

/*
 * What each API handler takes: its query parameters, and the media types
 * its body may be sent as (0: it reads no body). They are checked here,
 * before it runs, so that it sees only input it takes. A handler not
 * listed (the pages) is not checked: a page ignores a query parameter it
 * does not know, as browsers and links expect.
 */
static const struct {
	handler		 h;
	enum query_set	 query;
	unsigned	 bodies;
} api_inputs[] = {
	{ api_health, QUERY_NONE, 0 },
	{ api_list, QUERY_LIST, 0 },
	{ api_create, QUERY_NONE, CTYPE_BIT(CTYPE_JSON) },
	{ api_get, QUERY_NONE, 0 },
	{ api_replace, QUERY_NONE, CTYPE_BIT(CTYPE_JSON) },
	{ api_patch, QUERY_NONE, CTYPE_BIT(CTYPE_JSON) | CTYPE_BIT(CTYPE_MERGE_PATCH) },
	{ api_delete, QUERY_NONE, 0 },
};

/*
 * Checks req against what API handler h takes: 0 when h may run (or is no
 * API handler); 1 when r is its refusal, 415 or 422; -1 out of memory.
 */
static int
api_input_refused(handler h, const struct req *req, struct resp *r)
{
	struct verr	 err;
	size_t		 i;

	for (i = 0; i < sizeof(api_inputs) / sizeof(api_inputs[0]); i++)
		if (api_inputs[i].h == h)
			break;
	if (i == sizeof(api_inputs) / sizeof(api_inputs[0]))
		return 0;
	if (valid_query(req->query, api_inputs[i].query, &err) == -1)
		return problem_set(r, 422, "validation", NULL, err.msg, err.field) == -1 ? -1 : 1;
	if (api_inputs[i].bodies != 0 && valid_media(req->ctype, req->content_type,
	    req->body.data, req->body.len, api_inputs[i].bodies, &err) == -1)
		return problem_set(r, 415, "unsupported-media-type", NULL, err.msg,
		    NULL) == -1 ? -1 : 1;
	return 0;
}

/* The length of the {name} segment at s: 1 to DOC_NAME_MAX of [a-z0-9-], else 0. */
static size_t
name_len(const char *s)
{
	size_t	 n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-");

	return n <= DOC_NAME_MAX && s[n] == '\0' ? n : 0;
}

/* Matches path against pattern, setting *id for {id}: 1 on a match, else 0. */
static int
match(const char *pattern, const char *path, int64_t *id)
{
	size_t	 n;

	while (*pattern != '\0') {
		/* Plain characters first: every request runs this for each route tried. */
		if (*pattern != '{') {
			if (*pattern++ != *path++)
				return 0;
			continue;
		}
		if (strncmp(pattern, "{id}", 4) == 0) {
			n = strcspn(path, "/");
			if (valid_id(path, n, id) == -1)
				return 0;
			pattern += 4;
			path += n;
			continue;
		}
		if (strncmp(pattern, "{name}", 6) == 0) {
			if ((n = name_len(path)) == 0)
				return 0;
			pattern += 6;
			path += n;
			continue;
		}
		if (*pattern++ != *path++)
			return 0;
	}
	return *path == '\0';
}

/*
 * 1 when the browser says a form post comes from another site: by
 * Sec-Fetch-Site, or by an Origin other than this Host.
 */
static int
cross_site(const struct req *req)
{
	const char	*o;

	if (req->fetch_site != NULL && strcmp(req->fetch_site, "cross-site") == 0)
		return 1;
	if (req->origin == NULL)
		return 0;
	if ((o = strstr(req->origin, "://")) == NULL || req->host == NULL)
		return 1;
	return strcmp(o + 3, req->host) != 0;
}

int
route_find(const char *path, int64_t *id)
{
	int	 i;

	for (i = 0; i < ROUTE__MAX; i++)
		if (match(routes[i].pattern, path, id))
			return i;
	return -1;
}

/*
 * Takes the worker's store handle for a request, opening it again when it
 * was lost (store_hold_get): 0 with app->db set, or -1 with app->db NULL
 * while the store is unavailable. A file replaced or removed under the
 * handle ends the worker after the requests in hand (main.c).
 */
static int
store_take(struct app *app)
{
	if (app->hold == NULL)
		return app->db != NULL ? 0 : -1;
	if (store_hold_get(app->hold) == STORE_OK) {
		app->db = app->hold->db;
		return 0;
	}
	app->db = NULL;
	if (app->hold->moved && app->stop != NULL)
		*app->stop = 1;
	return -1;
}

/* The answer at once to a request that needs the store while it is unavailable. */
static int
store_refuse(struct req *req, struct resp *r, handler h)
{
	int	 rc;

	if (metrics != NULL)
		metrics_add(&metrics->store_refused, 1);
	if (h == page_index || h == page_create || h == page_complete || h == page_delete ||
	    h == page_todo || h == page_edit)
		rc = page_message(r, 503, "Try again in a moment", req->method == METHOD_POST ?
		    "The todos cannot be saved right now, so nothing was changed. "
		    "Send the same form again in a moment." :
		    "The todos cannot be read right now. Reload the page in a moment.");
	else
		rc = problem_set(r, 503, "unavailable", NULL, "The database is unavailable "
		    "right now; nothing was read or changed. Retry shortly (with the same "
		    "Idempotency-Key for a change).", NULL);
	r->retry_after = 1;
	return rc;
}

/* Finds and runs the handler: 0, or -1 on an internal failure. */
static int
dispatch(struct app *app, struct req *req, struct resp *r)
{
	handler	 h = NULL;
	int	 i;

	if ((i = req->route = route_find(req->path, &req->id)) == -1)
		return problem_set(r, 404, "not-found", NULL,
		    "There is nothing at this path.", NULL);
	/*
	 * A form post goes to the page, unless its body looks like JSON where
	 * the API takes JSON: a client that meant JSON (curl -d sends a form)
	 * is told to say so.
	 */
	if (req->method == METHOD_POST && req->ctype == CTYPE_FORM && routes[i].form != NULL &&
	    !(routes[i].h[METHOD_POST] != NULL &&
	    valid_looks_json(req->body.data, req->body.len))) {
		if (cross_site(req))
			return page_message(r, 403, "Not allowed",
			    "This form was sent from another site, so nothing was changed.");
		h = routes[i].form;
	}
	else if (req->method < METHOD__MAX)
		h = routes[i].h[req->method];
	/* A browser opening a todo's address gets its page; API clients its JSON. */
	if (h == api_get && page_wanted(req))
		h = page_todo;
	if (h == NULL && req->method == METHOD_POST && routes[i].form != NULL) {
		struct verr	 err;

		valid_media(req->ctype, req->content_type, NULL, 0, CTYPE_BIT(CTYPE_FORM), &err);
		return problem_set(r, 415, "unsupported-media-type", NULL, err.msg, NULL);
	}
	if (h == NULL) {
		if (problem_set(r, 405, "method-not-allowed", NULL,
		    "This method is not allowed here.", NULL) == -1)
			return -1;
		r->allow = routes[i].allow;
		return 0;
	}
	switch (api_input_refused(h, req, r)) {
	case -1:
		return -1;
	case 1:
		return 0;
	}
	if (routes[i].store != DB_NONE && store_take(app) == -1 &&
	    routes[i].store == DB_NEEDED)
		return store_refuse(req, r, h);
	return h(app, req, r);
}

/* Appends s to b, with bytes that could forge a log line written as \xHH. */
static int
log_safe(struct buf *b, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const char		*run = s;
	char			 e[4] = "\\x";

	for (; s != NULL && *s != '\0'; s++) {
		unsigned char	 c = (unsigned char)*s;

		if (c >= 0x21 && c <= 0x7e && c != '\\')
			continue;
		e[2] = hex[c >> 4];
		e[3] = hex[c & 0xf];
		if (buf_append(b, run, (size_t)(s - run)) == -1 || buf_append(b, e, 4) == -1)
			return -1;
		run = s + 1;
	}
	return s != NULL ? buf_append(b, run, (size_t)(s - run)) : 0;
}

/*
 * One access log line per request on stderr: time, method, path (no query
 * string), status, milliseconds (three decimals), idempotency outcome.
 * Never a header value or a body.
 */
static void
access_log(const struct req *req, const struct resp *r, const char *method, long long us)
{
	struct buf	 b = { 0 };
	char		 now[32], frac[4];

	clock_rfc3339(clock_now_ms(), now);
	frac[0] = (char)('0' + us / 100 % 10);
	frac[1] = (char)('0' + us / 10 % 10);
	frac[2] = (char)('0' + us % 10);
	frac[3] = '\0';
	if (buf_puts(&b, now) == 0 && buf_putc(&b, ' ') == 0 && buf_puts(&b, method) == 0 &&
	    buf_putc(&b, ' ') == 0 && log_safe(&b, req->path != NULL ? req->path : "-") == 0 &&
	    buf_putc(&b, ' ') == 0 && buf_putnum(&b, r->status) == 0 &&
	    buf_putc(&b, ' ') == 0 && buf_putnum(&b, us / 1000) == 0 &&
	    buf_putc(&b, '.') == 0 && buf_puts(&b, frac) == 0 && buf_putc(&b, ' ') == 0 &&
	    buf_puts(&b, req->outcome != NULL ? req->outcome : "none") == 0 &&
	    buf_putc(&b, '\n') == 0)
		fwrite(b.data, 1, b.len, stderr);
	buf_free(&b);
}

void
route_serve(struct app *app, struct io *io)
{
	struct req	 req;
	struct resp	 r = { 0 };
	struct timespec	 t0, t1;
	long long	 us;
	int		 rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);

	switch (http_read(io, &req)) {
	case HTTP_OK:
		rc = dispatch(app, &req, &r);
		break;
	case HTTP_TOO_LARGE:
		rc = problem_set(&r, 413, "body-too-large", NULL,
		    "The body is larger than 65536 bytes.", NULL);
		break;
	case HTTP_BAD_LENGTH:
		rc = problem_set(&r, 400, "bad-request", NULL,
		    "The body does not match its Content-Length.", NULL);
		break;
	case HTTP_NOMEM:
		rc = -1;
		break;
	}
	/*
	 * A failure with no answer of its own (out of memory, mostly): it may
	 * have come after a change was made, so it does not say "nothing was
	 * changed". A form post, from a browser, gets a page.
	 */
	if (rc == -1 && (req.method == METHOD_POST && req.ctype == CTYPE_FORM ?
	    page_message(&r, 500, "Something went wrong", "The server failed while "
	    "handling this form. Submit the same form again: it is saved once, "
	    "whether or not the first try was.") : problem_set(&r, 500, "internal",
	    NULL, "The server failed while handling this request. If it was a change, "
	    "retry with the same Idempotency-Key: the retry answers with the result "
	    "of the first attempt, or makes the change once.", NULL)) == -1) {
		/* Out of memory even for the error: a bare status. */
		http_resp_reset(&r);
		r.status = 500;
	}
	/*
	 * A problem for a browser (a mistyped address, a method it cannot
	 * use, a body too large, a failure) is a page in the site's look;
	 * API clients keep problem+json. Either way, it varies with Accept.
	 */
	if (r.ctype != NULL && strcmp(r.ctype, CTYPE_PROBLEM_STR) == 0 && page_wanted(&req) &&
	    page_error(&r) == -1) {
		http_resp_reset(&r);
		r.status = 500;
	}
	if (r.ctype != NULL && (strcmp(r.ctype, CTYPE_PROBLEM_STR) == 0 ||
	    strncmp(r.ctype, "text/html", 9) == 0 || req.route == ROUTE_TODO))
		r.vary = "Accept";
	/* Every JSON answer, problems included, says where the API is described. */
	if (r.ctype != NULL && (strcmp(r.ctype, CTYPE_JSON_STR) == 0 ||
	    strcmp(r.ctype, CTYPE_PROBLEM_STR) == 0))
		r.link = DOC_SERVICE_DESC;
	if (http_write(io, &req, &r) == -1)
		fprintf(stderr, "%s: client went away\n", req.path != NULL ? req.path : "?");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (long long)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
	access_log(&req, &r, req.head ? "HEAD" : http_method_name(req.method), us);
	scrape_count(&req, &r, us);
	http_req_free(&req);
	http_resp_free(&r);
}
