#include <stdint.h>
#include <string.h>

#include "http/fcgi_peek.h"

/* The FastCGI record header (FastCGI 1.0, section 3.3). */
#define REC_HEADER	8
#define REC_VERSION	1
#define REC_PARAMS	4
#define REC_STDIN	5

/*
 * A reader of the parameters' stream, which runs through the content of
 * every FCGI_PARAMS record up to the empty one: a name-value pair may
 * span records.
 */
struct params {
	const unsigned char	*buf;
	size_t			 len;
	size_t			 at;	/* the next byte in buf */
	size_t			 left;	/* bytes of the current record's content left */
	size_t			 pad;	/* its padding, skipped after it */
	int			 done;	/* the empty record is passed */
};

/*
 * Moves to the next byte of content, past headers of other records and
 * padding: 1, or 0 at the stream's end. The records were walked before
 * (fcgi_peek_parse), up to the empty FCGI_PARAMS record, all within len.
 */
static int
params_more(struct params *p)
{
	const unsigned char	*h;

	while (p->left == 0) {
		if (p->done)
			return 0;
		p->at += p->pad;
		if (p->at > p->len || p->len - p->at < REC_HEADER)
			return 0;
		h = p->buf + p->at;
		p->at += REC_HEADER;
		p->left = (size_t)h[4] << 8 | h[5];
		p->pad = h[6];
		if (p->left > p->len - p->at)
			p->left = p->len - p->at;
		if (h[1] != REC_PARAMS) {
			p->at += p->left;
			p->left = 0;
		} else if (p->left == 0)
			p->done = 1;
	}
	return 1;
}

/* Copies up to n bytes of the stream into out (NULL: skips them): the count copied. */
static size_t
params_take(struct params *p, unsigned char *out, size_t n)
{
	size_t	 got = 0, k;

	while (got < n && params_more(p)) {
		k = n - got < p->left ? n - got : p->left;
		if (out != NULL)
			memcpy(out + got, p->buf + p->at, k);
		p->at += k;
		p->left -= k;
		got += k;
	}
	return got;
}

/* A name's or value's length, in 1 byte or 4: 0, or -1 past the stream's end. */
static int
params_len(struct params *p, uint32_t *n)
{
	unsigned char	 b[4];

	if (params_take(p, b, 1) != 1)
		return -1;
	if (!(b[0] & 0x80)) {
		*n = b[0];
		return 0;
	}
	if (params_take(p, b + 1, 3) != 3)
		return -1;
	*n = (uint32_t)(b[0] & 0x7f) << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	return 0;
}

/*
 * Finds REQUEST_METHOD in the parameters: 1 for GET or HEAD, 0 for
 * another or none, -1 when a pair runs past the stream's end.
 */
static int
params_read_method(const unsigned char *buf, size_t len)
{
	static const char	 want[] = "REQUEST_METHOD";
	struct params		 p = { buf, len, 0, 0, 0, 0 };
	unsigned char		 name[sizeof(want) - 1], value[4];
	uint32_t		 nl, vl;
	int			 read = 0;

	while (params_more(&p)) {
		if (params_len(&p, &nl) == -1 || params_len(&p, &vl) == -1)
			return -1;
		if (nl == sizeof(name) && vl <= sizeof(value)) {
			if (params_take(&p, name, nl) != nl || params_take(&p, value, vl) != vl)
				return -1;
			if (memcmp(name, want, nl) == 0)
				read = (vl == 3 && memcmp(value, "GET", 3) == 0) ||
				    (vl == 4 && memcmp(value, "HEAD", 4) == 0);
			continue;
		}
		if (params_take(&p, NULL, nl) != nl || params_take(&p, NULL, vl) != vl)
			return -1;
	}
	return read;
}

enum fcgi_peek_res
fcgi_peek_parse(const unsigned char *buf, size_t len, size_t cap, int *read)
{
	size_t		 at = 0, clen, end;
	int		 params_done = 0, m;

	*read = 0;
	for (;;) {
		if (len - at < REC_HEADER)
			break;
		if (buf[at] != REC_VERSION)
			return FCGI_PEEK_BAD;
		clen = (size_t)buf[at + 4] << 8 | buf[at + 5];
		end = at + REC_HEADER + clen + buf[at + 6];
		if (buf[at + 1] == REC_STDIN && !params_done)
			return FCGI_PEEK_BAD;
		if (buf[at + 1] == REC_STDIN && clen == 0)
			return FCGI_PEEK_READY;
		if (buf[at + 1] == REC_PARAMS && clen == 0 && !params_done) {
			/* The parameters are all there: their method is known. */
			params_done = 1;
			if ((m = params_read_method(buf, at + REC_HEADER)) == -1)
				return FCGI_PEEK_BAD;
			*read = m;
		}
		if (end > len)
			break;
		at = end;
	}
	return len >= cap ? FCGI_PEEK_FULL : FCGI_PEEK_MORE;
}
