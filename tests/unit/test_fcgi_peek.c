/*
 * The look at a connection's FastCGI records before libfcgi reads them: a
 * request is ready once its body's stream has ended, full once the look
 * is; a read is told from its REQUEST_METHOD, wherever the parameters'
 * records split it; a truncated request wants more, and lengths that run
 * past the parameters or records of another version are refused.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "http/fcgi_peek.h"

static unsigned char	 msg[FCGI_PEEK_MAX + 1024];
static size_t		 msg_len;

/* Appends a record of type t with n content bytes and pad padding bytes. */
static void
rec(int version, int type, const void *content, size_t n, int pad)
{
	unsigned char	*h = msg + msg_len;

	h[0] = (unsigned char)version;
	h[1] = (unsigned char)type;
	h[2] = 0;
	h[3] = 1;
	h[4] = (unsigned char)(n >> 8);
	h[5] = (unsigned char)n;
	h[6] = (unsigned char)pad;
	h[7] = 0;
	msg_len += 8;
	if (n > 0)
		memcpy(msg + msg_len, content, n);
	msg_len += n;
	memset(msg + msg_len, 0xee, (size_t)pad);
	msg_len += (size_t)pad;
}

/* Appends a length in FastCGI's 1- or 4-byte form to p: the new end. */
static unsigned char *
put_len(unsigned char *p, uint32_t n, int wide)
{
	if (!wide && n < 128) {
		*p++ = (unsigned char)n;
		return p;
	}
	*p++ = (unsigned char)(0x80 | n >> 24);
	*p++ = (unsigned char)(n >> 16);
	*p++ = (unsigned char)(n >> 8);
	*p++ = (unsigned char)n;
	return p;
}

/* Appends a name-value pair to p: the new end. */
static unsigned char *
pair(unsigned char *p, const char *name, const char *value, int wide)
{
	p = put_len(p, (uint32_t)strlen(name), wide);
	p = put_len(p, (uint32_t)strlen(value), wide);
	memcpy(p, name, strlen(name));
	p += strlen(name);
	memcpy(p, value, strlen(value));
	return p + strlen(value);
}

static void
begin(void)
{
	static const unsigned char	 body[8] = { 0, 1, 1, 0, 0, 0, 0, 0 };

	msg_len = 0;
	rec(1, 1, body, sizeof(body), 0);
}

/* A whole request: BEGIN_REQUEST, its params in one record, the body, the ends. */
static void
request(const char *method, const char *body, int wide)
{
	unsigned char	 params[512], *p = params;

	begin();
	p = pair(p, "SCRIPT_NAME", "/todos", wide);
	p = pair(p, "REQUEST_METHOD", method, wide);
	p = pair(p, "CONTENT_LENGTH", "0", wide);
	rec(1, 4, params, (size_t)(p - params), 3);
	rec(1, 4, NULL, 0, 0);
	if (*body != '\0')
		rec(1, 5, body, strlen(body), 0);
	rec(1, 5, NULL, 0, 0);
}

/* A request whose params' stream is the n bytes of params, whole, with no body. */
static void
params_request(const unsigned char *params, size_t n)
{
	begin();
	rec(1, 4, params, n, 0);
	rec(1, 4, NULL, 0, 0);
	rec(1, 5, NULL, 0, 0);
}

/* A request whose one pair claims lengths nl and vl, followed by the text s. */
static void
claimed_pair(uint32_t nl, uint32_t vl, const char *s)
{
	unsigned char	 params[64], *p = params;

	p = put_len(p, nl, 0);
	p = put_len(p, vl, 0);
	memcpy(p, s, strlen(s));
	params_request(params, (size_t)(p - params) + strlen(s));
}

static enum fcgi_peek_res
parse(size_t len, int *read)
{
	return fcgi_peek_parse(msg, len, FCGI_PEEK_MAX, read);
}

/* Whole requests, with lengths in 1 byte or 4 (wide), and whether each is a read. */
static const struct {
	const char	*method;
	const char	*body;
	int		 wide;
	int		 read;
} whole_cases[] = {
	{ "GET", "", 0, 1 },
	{ "HEAD", "", 1, 1 },
	{ "POST", "{\"title\":\"x\"}", 0, 0 },
	{ "GETS", "", 0, 0 },
	{ "get", "", 0, 0 },
};

int
main(void)
{
	unsigned char	 params[512], *p;
	size_t		 i, whole;
	int		 read, ready_at_end;

	/* Whole requests: GET and HEAD are reads; POST, GETS and get are not. */
	for (i = 0; i < sizeof(whole_cases) / sizeof(whole_cases[0]); i++) {
		request(whole_cases[i].method, whole_cases[i].body, whole_cases[i].wide);
		CHECK_INT(parse(msg_len, &read), FCGI_PEEK_READY);
		CHECK_INT(read, whole_cases[i].read);
	}

	/* Every truncation of a whole request wants more, and says nothing wrong. */
	request("POST", "{\"title\":\"x\"}", 1);
	whole = msg_len;
	ready_at_end = 1;
	for (i = 0; i < whole; i++)
		if (parse(i, &read) != FCGI_PEEK_MORE)
			ready_at_end = 0;
	CHECK(ready_at_end);
	CHECK_INT(parse(0, &read), FCGI_PEEK_MORE);
	/* Up to the end of its params, a GET is known as a read before its body's end. */
	request("GET", "", 0);
	CHECK_INT(parse(msg_len - 8, &read), FCGI_PEEK_MORE);
	CHECK_INT(read, 1);

	/* A pair split across two params records, with padding and an unknown record between. */
	begin();
	p = pair(params, "REQUEST_METHOD", "HEAD", 1);
	rec(1, 4, params, 5, 2);
	rec(1, 11, "zz", 2, 6);
	rec(1, 4, params + 5, (size_t)(p - params) - 5, 0);
	rec(1, 4, NULL, 0, 0);
	rec(1, 5, NULL, 0, 0);
	CHECK_INT(parse(msg_len, &read), FCGI_PEEK_READY);
	CHECK_INT(read, 1);

	/* No REQUEST_METHOD at all: not a read. */
	p = pair(params, "SCRIPT_NAME", "/", 0);
	params_request(params, (size_t)(p - params));
	CHECK_INT(parse(msg_len, &read), FCGI_PEEK_READY);
	CHECK_INT(read, 0);

	/* Hostile lengths: a name or value longer than the params' stream. */
	claimed_pair(0x7fffffff, 1, "AB");
	CHECK_INT(parse(msg_len, &read), FCGI_PEEK_BAD);
	claimed_pair(14, 200, "REQUEST_METHOD");
	CHECK_INT(parse(msg_len, &read), FCGI_PEEK_BAD);
	claimed_pair(14, 0x7ffffff0, "REQUEST_METHODGET");
	CHECK_INT(parse(msg_len, &read), FCGI_PEEK_BAD);
	/* A length cut off inside its 4 bytes. */
	begin();
	params[0] = 0x80;
	params[1] = 0;
	rec(1, 4, params, 2, 0);
	rec(1, 4, NULL, 0, 0);
	CHECK_INT(parse(msg_len, &read), FCGI_PEEK_BAD);

	/* Another protocol version, and a body before the params end. */
	request("GET", "", 0);
	msg[0] = 2;
	CHECK_INT(parse(msg_len, &read), FCGI_PEEK_BAD);
	CHECK_INT(parse(3, &read), FCGI_PEEK_MORE);
	begin();
	rec(1, 5, "x", 1, 0);
	CHECK_INT(parse(msg_len, &read), FCGI_PEEK_BAD);
	/* Text, as a client speaking HTTP to the socket sends. */
	memcpy(msg, "GET / HTTP/1.1\r\n", 16);
	CHECK_INT(parse(16, &read), FCGI_PEEK_BAD);

	/* A record longer than the look (a record's content is up to 65535 bytes). */
	begin();
	rec(1, 4, NULL, 0, 0);
	memcpy(msg + msg_len, "\1\5\0\1\xea\x60\0\0", 8);
	memset(msg + msg_len + 8, 'b', sizeof(msg) - msg_len - 8);
	CHECK_INT(fcgi_peek_parse(msg, 1000, 4096, &read), FCGI_PEEK_MORE);
	CHECK_INT(fcgi_peek_parse(msg, 4096, 4096, &read), FCGI_PEEK_FULL);
	CHECK_INT(read, 0);
	/* A header cut at the look's end counts as full too. */
	CHECK_INT(fcgi_peek_parse(msg, 12, 12, &read), FCGI_PEEK_FULL);
	/* A GET whose params fill the look: known as a read, and full. */
	request("GET", "", 0);
	CHECK_INT(fcgi_peek_parse(msg, msg_len - 8, msg_len - 8, &read), FCGI_PEEK_FULL);
	CHECK_INT(read, 1);
	CHECK_DONE();
}
