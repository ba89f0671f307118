#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"
#include "lib/clock.h"

static const char *const methods[METHOD__MAX] = {
	"GET",		/* METHOD_GET */
	"POST",		/* METHOD_POST */
	"PUT",		/* METHOD_PUT */
	"PATCH",	/* METHOD_PATCH */
	"DELETE",	/* METHOD_DELETE */
};

const char *
http_method_name(enum method m)
{
	return m < METHOD__MAX ? methods[m] : "OTHER";
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* The media type of a Content-Type value, ignoring parameters and case. */
static enum ctype
ctype_parse(const char *v)
{
	static const struct {
		const char	*name;
		enum ctype	 type;
	} types[] = {
		{ "application/json", CTYPE_JSON },
		{ "application/merge-patch+json", CTYPE_MERGE_PATCH },
		{ "application/x-www-form-urlencoded", CTYPE_FORM },
	};
	size_t	 i, n;

	if (v == NULL || *v == '\0')
		return CTYPE_NONE;
	while (*v == ' ' || *v == '\t')
		v++;
	n = strcspn(v, "; \t");
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].name) == n && strncasecmp(v, types[i].name, n) == 0)
			return types[i].type;
	return CTYPE_OTHER;
}

/* The token of an "Authorization: Bearer <token>" value, or NULL. */
static const char *
bearer_token(const char *v)
{
	if (v == NULL || strncasecmp(v, "Bearer ", 7) != 0)
		return NULL;
	v += 7;
	while (*v == ' ')
		v++;
	return *v != '\0' ? v : NULL;
}

/*
 * Finds the session cookie in a Cookie header: its value copied into out
 * when it is one this program could have set (36 of [0-9a-f-]), else 0.
 */
static int
session_cookie(const char *v, char out[37])
{
	const size_t	 nlen = sizeof(SESSION_COOKIE) - 1;
	size_t		 n;

	while (v != NULL && *v != '\0') {
		v += strspn(v, " ;");
		n = strcspn(v, ";");
		if (n == nlen + 1 + 36 && strncmp(v, SESSION_COOKIE "=", nlen + 1) == 0 &&
		    strspn(v + nlen + 1, "0123456789abcdef-") >= 36) {
			memcpy(out, v + nlen + 1, 36);
			out[36] = '\0';
			return 1;
		}
		v += n;
	}
	return 0;
}

/* The most of a refused body that is read and dropped. */
#define DRAIN_MAX	(4u * 1024 * 1024)

/* Parses CONTENT_LENGTH: 0 and the length, or -1 when not a plain decimal. */
static int
length_parse(const char *v, size_t *out)
{
	size_t	 n = 0;

	if (v == NULL || *v == '\0') {
		*out = 0;
		return 0;
	}
	for (; *v != '\0'; v++) {
		if (!isdigit((unsigned char)*v))
			return -1;
		if (n > DRAIN_MAX)	/* saturate: anything over is too large */
			continue;
		n = n * 10 + (size_t)(*v - '0');
	}
	*out = n;
	return 0;
}

/* The parameters a request is built from. */
enum param {
	P_REQUEST_METHOD,
	P_PATH_INFO,
	P_REQUEST_URI,
	P_DOCUMENT_URI,
	P_QUERY_STRING,
	P_CONTENT_TYPE,
	P_CONTENT_LENGTH,
	P_IDEMPOTENCY_KEY,
	P_IF_MATCH,
	P_AUTHORIZATION,
	P_COOKIE,
	P_ORIGIN,
	P_HOST,
	P_SEC_FETCH_SITE,
	P_HTTPS,
	P__MAX
};

#define PARAM(name)	{ name, sizeof(name) - 1 }

static const struct {
	const char	*name;
	size_t		 len;
} params[P__MAX] = {
	PARAM("REQUEST_METHOD"),	/* P_REQUEST_METHOD */
	PARAM("PATH_INFO"),		/* P_PATH_INFO */
	PARAM("REQUEST_URI"),		/* P_REQUEST_URI */
	PARAM("DOCUMENT_URI"),		/* P_DOCUMENT_URI */
	PARAM("QUERY_STRING"),		/* P_QUERY_STRING */
	PARAM("CONTENT_TYPE"),		/* P_CONTENT_TYPE */
	PARAM("CONTENT_LENGTH"),	/* P_CONTENT_LENGTH */
	PARAM("HTTP_IDEMPOTENCY_KEY"),	/* P_IDEMPOTENCY_KEY */
	PARAM("HTTP_IF_MATCH"),		/* P_IF_MATCH */
	PARAM("HTTP_AUTHORIZATION"),	/* P_AUTHORIZATION */
	PARAM("HTTP_COOKIE"),		/* P_COOKIE */
	PARAM("HTTP_ORIGIN"),		/* P_ORIGIN */
	PARAM("HTTP_HOST"),		/* P_HOST */
	PARAM("HTTP_SEC_FETCH_SITE"),	/* P_SEC_FETCH_SITE */
	PARAM("HTTPS"),			/* P_HTTPS */
};

/*
 * Finds the values of params in one pass over the parameters: NULL for
 * those absent, the first for a repeated name (as getenv).
 */
static void
params_find(struct io *io, const char *v[P__MAX])
{
	char *const	*e;
	const char	*eq;
	size_t		 n;
	int		 i;

	for (i = 0; i < P__MAX; i++)
		v[i] = NULL;
	for (e = io->env(io); e != NULL && *e != NULL; e++) {
		if ((eq = strchr(*e, '=')) == NULL)
			continue;
		n = (size_t)(eq - *e);
		for (i = 0; i < P__MAX; i++)
			if (params[i].len == n && v[i] == NULL &&
			    memcmp(*e, params[i].name, n) == 0) {
				v[i] = eq + 1;
				break;
			}
	}
}

/*
 * Sets the request path. PATH_INFO is set when the program is mounted as
 * a script (Apache ScriptAlias); otherwise REQUEST_URI carries it, cut
 * at the query string. 0, or -1 when out of memory.
 */
static int
path_set(struct req *r, const char *v[P__MAX])
{
	const char	*u;
	size_t		 n;

	if (v[P_PATH_INFO] != NULL && *v[P_PATH_INFO] != '\0') {
		r->path = v[P_PATH_INFO];
		return 0;
	}
	u = v[P_REQUEST_URI];
	if (u == NULL || *u == '\0')
		u = v[P_DOCUMENT_URI];
	if (u == NULL || *u == '\0') {
		r->path = "/";
		return 0;
	}
	if (u[n = strcspn(u, "?")] == '\0') {
		r->path = u;
		return 0;
	}
	if ((r->path_copy = strndup(u, n)) == NULL)
		return -1;
	r->path = r->path_copy;
	return 0;
}

/*
 * Reads and drops a refused body (up to DRAIN_MAX), so a CGI server that is
 * still writing it does not lose the answer to a broken pipe.
 */
static void
drain(struct io *io, size_t len)
{
	char	 chunk[8192];
	size_t	 left = len < DRAIN_MAX ? len : DRAIN_MAX;
	ssize_t	 n;

	while (left > 0) {
		n = io->read(io, chunk, left < sizeof(chunk) ? left : sizeof(chunk));
		if (n <= 0)
			break;
		left -= (size_t)n;
	}
}

enum http_res
http_read(struct io *io, struct req *r)
{
	const char	*v[P__MAX];
	size_t		 len, got = 0;
	ssize_t		 n;
	int		 i;

	memset(r, 0, sizeof(*r));
	r->route = -1;
	params_find(io, v);
	r->env = io->env(io);
	r->method = METHOD__MAX;
	if (v[P_REQUEST_METHOD] != NULL && strcmp(v[P_REQUEST_METHOD], "HEAD") == 0) {
		r->method = METHOD_GET;
		r->head = 1;
	} else if (v[P_REQUEST_METHOD] != NULL)
		for (i = 0; i < METHOD__MAX; i++)
			if (strcmp(v[P_REQUEST_METHOD], methods[i]) == 0)
				r->method = (enum method)i;

	if (path_set(r, v) == -1)
		return HTTP_NOMEM;
	r->query = v[P_QUERY_STRING] != NULL ? v[P_QUERY_STRING] : "";
	r->ctype = ctype_parse(v[P_CONTENT_TYPE]);
	r->content_type = v[P_CONTENT_TYPE];
	r->idem_key = v[P_IDEMPOTENCY_KEY];
	r->if_match = v[P_IF_MATCH];
	r->bearer = bearer_token(v[P_AUTHORIZATION]);
	if (session_cookie(v[P_COOKIE], r->session_copy))
		r->session = r->session_copy;
	r->origin = v[P_ORIGIN];
	r->host = v[P_HOST];
	r->fetch_site = v[P_SEC_FETCH_SITE];
	r->https = v[P_HTTPS] != NULL && strcasecmp(v[P_HTTPS], "on") == 0;

	if (length_parse(v[P_CONTENT_LENGTH], &len) == -1)
		return HTTP_BAD_LENGTH;
	if (len > BODY_MAX) {
		drain(io, len);
		return HTTP_TOO_LARGE;
	}
	/* An empty body is still a valid (empty) string. */
	if (buf_append(&r->body, "", 0) == -1)
		return HTTP_NOMEM;
	if (len > 0) {
		char	*p = malloc(len + 1);

		if (p == NULL)
			return HTTP_NOMEM;
		while (got < len) {
			n = io->read(io, p + got, len - got);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (got < len) {
			free(p);
			return HTTP_BAD_LENGTH;
		}
		buf_free(&r->body);
		p[len] = '\0';
		r->body.data = p;
		r->body.len = len;
		r->body.cap = len + 1;
	}
	return HTTP_OK;
}

void
http_req_free(struct req *r)
{
	free(r->path_copy);
	buf_free(&r->body);
	memset(r, 0, sizeof(*r));
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
http_query(const struct req *r, const char *name, char *out, size_t cap)
{
	const char	*p = r->query, *end, *eq;
	size_t		 nlen = strlen(name), o;
	int		 hi, lo;

	while (*p != '\0') {
		end = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == nlen &&
		    strncmp(p, name, nlen) == 0) {
			for (o = 0, p = eq + 1; p < end; p++) {
				int	 c = (unsigned char)*p;

				if (c == '+')
					c = ' ';
				else if (c == '%') {
					if (end - p < 3 || (hi = hexval(p[1])) < 0 ||
					    (lo = hexval(p[2])) < 0)
						return -1;
					c = hi * 16 + lo;
					p += 2;
				}
				if (c == '\0' || o + 1 >= cap)
					return -1;
				out[o++] = (char)c;
			}
			out[o] = '\0';
			return 1;
		}
		p = *end == '&' ? end + 1 : end;
	}
	return 0;
}

/* The headers every response carries, and those of HTML pages. Set here only. */
static int
security_headers(struct buf *h, int html)
{
	if (buf_puts(h, "X-Content-Type-Options: nosniff\r\n") == -1)
		return -1;
	if (!html)
		return buf_puts(h, "Cache-Control: no-store\r\n");
	/*
	 * Pages carry fresh idempotency keys: revalidate them, but no-store
	 * would keep browsers from restoring a page on Back, and the restored
	 * form (same key) is what makes a re-submit harmless.
	 */
	return buf_puts(h,
	    "Content-Security-Policy: default-src 'none'; script-src 'self'; "
	    "style-src 'self'; img-src 'self'; connect-src 'self'; "
	    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Cache-Control: private, no-cache\r\n");
}

/* Appends "name: value\r\n". */
static int
header(struct buf *h, const char *name, const char *value)
{
	return buf_puts(h, name) == -1 || buf_puts(h, ": ") == -1 ||
	    buf_puts(h, value) == -1 || buf_puts(h, "\r\n") == -1 ? -1 : 0;
}

/* Appends "name: n\r\n". */
static int
header_num(struct buf *h, const char *name, long long n)
{
	return buf_puts(h, name) == -1 || buf_puts(h, ": ") == -1 ||
	    buf_putnum(h, n) == -1 || buf_puts(h, "\r\n") == -1 ? -1 : 0;
}

int
http_write(struct io *io, const struct req *req, const struct resp *r)
{
	struct buf	 h = { 0 };
	int		 rc = -1, html, nobody;

	html = r->ctype != NULL && strncmp(r->ctype, "text/html", 9) == 0;
	nobody = r->status == 204 || r->status == 304;
	if (buf_puts(&h, "Status: ") == -1 || buf_putnum(&h, r->status) == -1 ||
	    buf_putc(&h, ' ') == -1 || buf_puts(&h, http_reason(r->status)) == -1 ||
	    buf_puts(&h, "\r\n") == -1)
		goto out;
	if (r->ctype != NULL && !nobody && header(&h, "Content-Type", r->ctype) == -1)
		goto out;
	if (r->location[0] != '\0' && header(&h, "Location", r->location) == -1)
		goto out;
	if (r->etag[0] != '\0' && header(&h, "ETag", r->etag) == -1)
		goto out;
	if (r->allow != NULL && header(&h, "Allow", r->allow) == -1)
		goto out;
	if (r->link != NULL && header(&h, "Link", r->link) == -1)
		goto out;
	if (r->vary != NULL && header(&h, "Vary", r->vary) == -1)
		goto out;
	if (r->retry_after > 0 && header_num(&h, "Retry-After", r->retry_after) == -1)
		goto out;
	if (r->replayed && buf_puts(&h, "Idempotent-Replayed: true\r\n") == -1)
		goto out;
	if (r->key_expires > 0) {
		char	 date[32];

		clock_http_date(r->key_expires, date);
		if (header(&h, "Idempotency-Key-Expires", date) == -1)
			goto out;
	}
	if (r->set_cookie[0] != '\0' && (buf_puts(&h, "Set-Cookie: " SESSION_COOKIE "=") == -1 ||
	    buf_puts(&h, r->set_cookie) == -1 ||
	    buf_puts(&h, "; Path=/; HttpOnly; SameSite=Lax") == -1 ||
	    (req != NULL && req->https && buf_puts(&h, "; Secure") == -1) ||
	    buf_puts(&h, "\r\n") == -1))
		goto out;
	if (security_headers(&h, html) == -1)
		goto out;
	if (!nobody && header_num(&h, "Content-Length", (long long)r->body.len) == -1)
		goto out;
	if (buf_puts(&h, "\r\n") == -1)
		goto out;
	if (io->write(io, h.data, h.len) == -1)
		goto out;
	if (!nobody && !(req != NULL && req->head) && r->body.len > 0 &&
	    io->write(io, r->body.data, r->body.len) == -1)
		goto out;
	rc = 0;
out:
	buf_free(&h);
	return rc;
}

void
http_resp_reset(struct resp *r)
{
	struct buf	 b = r->body;

	memset(r, 0, sizeof(*r));
	buf_reset(&b);
	r->body = b;
}

void
http_resp_free(struct resp *r)
{
	buf_free(&r->body);
	memset(r, 0, sizeof(*r));
}

const char *
http_param(const struct req *r, const char *name)
{
	char *const	*e;
	size_t		 n = strlen(name);

	for (e = r->env; e != NULL && *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}
