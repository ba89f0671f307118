#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "json.h"

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

/* A copy of the parameter, "" when absent; NULL only when out of memory. */
static char *
param_dup(struct io *io, const char *name)
{
	const char	*v = io->param(io, name);

	return strdup(v != NULL ? v : "");
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
 * Finds the session cookie in a Cookie header: a copy of its value in *out
 * when it is one this program could have set (36 of [0-9a-f-]), else NULL.
 * -1 only when out of memory.
 */
static int
session_cookie(const char *v, char **out)
{
	const size_t	 nlen = sizeof(SESSION_COOKIE) - 1;
	size_t		 n;

	*out = NULL;
	while (v != NULL && *v != '\0') {
		v += strspn(v, " ;");
		n = strcspn(v, ";");
		if (n == nlen + 1 + 36 && strncmp(v, SESSION_COOKIE "=", nlen + 1) == 0 &&
		    strspn(v + nlen + 1, "0123456789abcdef-") >= 36) {
			if ((*out = strndup(v + nlen + 1, 36)) == NULL)
				return -1;
			return 0;
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

/*
 * The request path. PATH_INFO is set when the program is mounted as a
 * script (Apache ScriptAlias); otherwise REQUEST_URI carries it.
 */
static char *
path_dup(struct io *io)
{
	const char	*v;

	v = io->param(io, "PATH_INFO");
	if (v != NULL && *v != '\0')
		return strdup(v);
	v = io->param(io, "REQUEST_URI");
	if (v == NULL || *v == '\0')
		v = io->param(io, "DOCUMENT_URI");
	if (v == NULL || *v == '\0')
		return strdup("/");
	return strndup(v, strcspn(v, "?"));
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
	const char	*v;
	size_t		 len, got = 0;
	ssize_t		 n;
	int		 i;

	memset(r, 0, sizeof(*r));
	r->method = METHOD__MAX;
	v = io->param(io, "REQUEST_METHOD");
	if (v != NULL && strcmp(v, "HEAD") == 0) {
		r->method = METHOD_GET;
		r->head = 1;
	} else if (v != NULL)
		for (i = 0; i < METHOD__MAX; i++)
			if (strcmp(v, methods[i]) == 0)
				r->method = (enum method)i;

	if ((r->path = path_dup(io)) == NULL ||
	    (r->query = param_dup(io, "QUERY_STRING")) == NULL)
		return HTTP_NOMEM;
	r->ctype = ctype_parse(io->param(io, "CONTENT_TYPE"));
	if ((v = io->param(io, "HTTP_IDEMPOTENCY_KEY")) != NULL &&
	    (r->idem_key = strdup(v)) == NULL)
		return HTTP_NOMEM;
	if ((v = io->param(io, "HTTP_IF_MATCH")) != NULL &&
	    (r->if_match = strdup(v)) == NULL)
		return HTTP_NOMEM;
	if ((v = bearer_token(io->param(io, "HTTP_AUTHORIZATION"))) != NULL &&
	    (r->bearer = strdup(v)) == NULL)
		return HTTP_NOMEM;
	if (session_cookie(io->param(io, "HTTP_COOKIE"), &r->session) == -1)
		return HTTP_NOMEM;
	if ((v = io->param(io, "HTTP_ORIGIN")) != NULL && (r->origin = strdup(v)) == NULL)
		return HTTP_NOMEM;
	if ((v = io->param(io, "HTTP_HOST")) != NULL && (r->host = strdup(v)) == NULL)
		return HTTP_NOMEM;
	if ((v = io->param(io, "HTTP_SEC_FETCH_SITE")) != NULL &&
	    (r->fetch_site = strdup(v)) == NULL)
		return HTTP_NOMEM;
	v = io->param(io, "HTTPS");
	r->https = v != NULL && strcasecmp(v, "on") == 0;

	if (length_parse(io->param(io, "CONTENT_LENGTH"), &len) == -1)
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
	free(r->path);
	free(r->query);
	free(r->idem_key);
	free(r->if_match);
	free(r->bearer);
	free(r->session);
	free(r->origin);
	free(r->host);
	free(r->fetch_site);
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

int
http_write(struct io *io, const struct req *req, const struct resp *r)
{
	struct buf	 h = { 0 };
	int		 rc = -1, html, nobody;

	html = r->ctype != NULL && strncmp(r->ctype, "text/html", 9) == 0;
	nobody = r->status == 204 || r->status == 304;
	if (buf_printf(&h, "Status: %d %s\r\n", r->status, http_reason(r->status)) == -1)
		goto out;
	if (r->ctype != NULL && !nobody &&
	    buf_printf(&h, "Content-Type: %s\r\n", r->ctype) == -1)
		goto out;
	if (r->location[0] != '\0' &&
	    buf_printf(&h, "Location: %s\r\n", r->location) == -1)
		goto out;
	if (r->etag[0] != '\0' && buf_printf(&h, "ETag: %s\r\n", r->etag) == -1)
		goto out;
	if (r->allow != NULL && buf_printf(&h, "Allow: %s\r\n", r->allow) == -1)
		goto out;
	if (r->retry_after > 0 &&
	    buf_printf(&h, "Retry-After: %d\r\n", r->retry_after) == -1)
		goto out;
	if (r->replayed && buf_puts(&h, "Idempotent-Replayed: true\r\n") == -1)
		goto out;
	if (r->set_cookie[0] != '\0' && buf_printf(&h, "Set-Cookie: " SESSION_COOKIE
	    "=%s; Path=/; HttpOnly; SameSite=Lax%s\r\n", r->set_cookie,
	    req != NULL && req->https ? "; Secure" : "") == -1)
		goto out;
	if (security_headers(&h, html) == -1)
		goto out;
	if (!nobody && buf_printf(&h, "Content-Length: %zu\r\n", r->body.len) == -1)
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

int
http_problem(struct resp *r, int status, const char *type, const char *title,
    const char *detail, const char *field)
{
	char	 uri[64];

	http_resp_reset(r);
	r->status = status;
	r->ctype = CTYPE_PROBLEM_STR;
	snprintf(uri, sizeof(uri), "/problems/%s", type);
	return json_problem_write(&r->body, uri, title != NULL ? title :
	    http_reason(status), status, detail, field);
}
