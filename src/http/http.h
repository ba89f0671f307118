#ifndef HTTP_H
#define HTTP_H

#include <stdint.h>

#include "lib/buf.h"
#include "http/io.h"

/* Requests over 64 KiB are refused with 413 before any of it is read. */
#define BODY_MAX	(64u * 1024)

enum method {
	METHOD_GET,
	METHOD_POST,
	METHOD_PUT,
	METHOD_PATCH,
	METHOD_DELETE,
	METHOD__MAX
};

/* The kinds of body the handlers accept, from Content-Type. */
enum ctype {
	CTYPE_NONE,		/* no Content-Type */
	CTYPE_JSON,		/* application/json */
	CTYPE_MERGE_PATCH,	/* application/merge-patch+json */
	CTYPE_FORM,		/* application/x-www-form-urlencoded */
	CTYPE_OTHER
};

/*
 * A request, built once from the server's parameters in one pass over
 * them. The strings point into those parameters, which live until the
 * request ends; path and session may point into the request's own copies.
 */
struct req {
	enum method	 method;	/* METHOD__MAX for any other method */
	int		 head;		/* HEAD: answered as GET, without a body */
	const char	*path;		/* without the query string */
	const char	*query;		/* "" when none */
	enum ctype	 ctype;
	const char	*content_type;	/* Content-Type as sent, or NULL */
	const char	*idem_key;	/* raw Idempotency-Key header, or NULL */
	const char	*if_match;	/* raw If-Match header, or NULL */
	const char	*bearer;	/* the token of Authorization: Bearer, or NULL */
	const char	*session;	/* the session cookie's value, or NULL */
	const char	*origin;	/* Origin, or NULL */
	const char	*host;		/* Host, or NULL */
	const char	*fetch_site;	/* Sec-Fetch-Site, or NULL */
	int		 https;		/* the request came over TLS */
	int		 route;		/* the index of its route, -1 for none (route.c) */
	char *const	*env;		/* the server's parameters, for http_param */
	const char	*outcome;	/* for the access log: what idempotency did */
	struct buf	 body;
	int64_t		 id;		/* the {id} of the matched route, or 0 */
	char		*path_copy;	/* path cut from REQUEST_URI, owned */
	char		 session_copy[37];
};

/*
 * A response, complete before any of it is written, so that it can be
 * stored for replay. Headers are an allow-list of fields.
 */
struct resp {
	int		 status;
	const char	*ctype;		/* static string, NULL for no body */
	char		 location[96];
	char		 etag[48];
	const char	*allow;		/* static string, for 405 */
	const char	*link;		/* static string, a Link header, or NULL */
	const char	*vary;		/* static string, a Vary header, or NULL */
	int		 retry_after;	/* seconds, 0 for none */
	int		 replayed;	/* adds Idempotent-Replayed: true */
	int64_t		 key_expires;	/* unix seconds: Idempotency-Key-Expires; 0 for none */
	char		 set_cookie[96];	/* a new session cookie's value; never replayed */
	struct buf	 body;
};

/* Results of reading a request. */
enum http_res {
	HTTP_OK = 0,
	HTTP_TOO_LARGE,		/* Content-Length over BODY_MAX: 413 */
	HTTP_BAD_LENGTH,	/* Content-Length unparsable or body shorter: 400 */
	HTTP_NOMEM
};

/* The browser session cookie: a random UUID, the scope of a browser's form keys. */
#define SESSION_COOKIE		"todo_session"

#define CTYPE_JSON_STR		"application/json"
#define CTYPE_PROBLEM_STR	"application/problem+json"
#define CTYPE_HTML_STR		"text/html; charset=utf-8"

/* Reads the request from io into r (zeroed first). Free with http_req_free(). */
enum http_res	 http_read(struct io *, struct req *);
void		 http_req_free(struct req *);

/* The value of query parameter name, decoded into out (cap bytes): 1 found, 0 not, -1 bad. */
int		 http_query(const struct req *, const char *name, char *out, size_t cap);

/*
 * The value of a parameter the web server set (not a header: those are
 * HTTP_*), read when a handler asks; NULL when absent. It lives as long
 * as the request.
 */
const char	*http_param(const struct req *, const char *name);

/* Writes the response: status line, headers, security headers, body. 0 or -1. */
int		 http_write(struct io *, const struct req *, const struct resp *);

/* Empties resp for reuse (keeps the body's memory). */
void		 http_resp_reset(struct resp *);
void		 http_resp_free(struct resp *);

/* The reason phrase of a status code. */
const char	*http_reason(int status);

/* The wire name of a method. */
const char	*http_method_name(enum method);

#endif
