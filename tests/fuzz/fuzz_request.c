/*
 * Fuzzes the request reader and the route table: the input is split at
 * newlines into method, request URI, Content-Type, Content-Length, the
 * Idempotency-Key, Authorization and Cookie headers, and the body.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "http/http.h"
#include "idem/idem.h"
#include "app/route.h"

#define NPARAMS	7

static const char *const names[NPARAMS] = {
	"REQUEST_METHOD", "REQUEST_URI", "CONTENT_TYPE", "CONTENT_LENGTH",
	"HTTP_IDEMPOTENCY_KEY", "HTTP_AUTHORIZATION", "HTTP_COOKIE",
};

struct fake {
	char		*params[NPARAMS + 1];	/* "NAME=value", then NULL */
	const char	*body;
	size_t		 len, off;
};

static char *const *
fake_env(struct io *io)
{
	struct fake	*f = io->arg;

	return f->params;
}

static ssize_t
fake_read(struct io *io, void *p, size_t n)
{
	struct fake	*f = io->arg;

	if (n > f->len - f->off)
		n = f->len - f->off;
	memcpy(p, f->body + f->off, n);
	f->off += n;
	return (ssize_t)n;
}

static int
fake_write(struct io *io, const void *p, size_t n)
{
	(void)io;
	(void)p;
	(void)n;
	return 0;
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake	 f = { 0 };
	struct io	 io = { fake_env, fake_read, fake_write, &f, 0 };
	struct req	 r;
	const char	*p = (const char *)data, *end = p + size, *nl;
	char		 v[64], key[IDEM_KEY_MAX + 1];
	int64_t		 id;
	size_t		 n;
	int		 i;

	for (i = 0; i < NPARAMS && p < end; i++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = strlen(names[i]) + 1 + (size_t)(nl - p) + 1;
		if ((f.params[i] = malloc(n)) == NULL)
			goto out;
		snprintf(f.params[i], n, "%s=%.*s", names[i], (int)(nl - p), p);
		p = nl < end ? nl + 1 : end;
	}
	f.body = p;
	f.len = (size_t)(end - p);
	if (http_read(&io, &r) == HTTP_OK) {
		route_find(r.path, &id);
		http_query(&r, "limit", v, sizeof(v));
		http_query(&r, "cursor", v, sizeof(v));
		if (r.idem_key != NULL)
			idem_key_parse(r.idem_key, key);
	}
	http_req_free(&r);
out:
	for (i = 0; i < NPARAMS; i++)
		free(f.params[i]);
	return 0;
}
