#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

/* Makes room for extra more bytes plus the terminating NUL. */
static int
buf_grow(struct buf *b, size_t extra)
{
	size_t	 need, cap;
	char	*p;

	if (extra > BUF_MAX || b->len > BUF_MAX - extra)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if ((b->cap == 0 || n >= b->cap - b->len) && buf_grow(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

size_t
num_format(char out[NUM_MAX], long long v)
{
	char			 d[NUM_MAX], *p = d + sizeof(d);
	unsigned long long	 u;
	size_t			 n;

	u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	*--p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	n = (size_t)(d + sizeof(d) - p);
	memcpy(out, p, n);
	return n - 1;
}

int
buf_putnum(struct buf *b, long long v)
{
	char	 d[NUM_MAX];

	return buf_append(b, d, num_format(d, v));
}

/* Formats into the room left when it fits, so most calls format once. */
int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 room = b->cap > b->len ? b->cap - b->len : 0;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(room > 0 ? b->data + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto fail;
	if ((size_t)n < room && b->len + (size_t)n <= BUF_MAX) {
		b->len += (size_t)n;
		return 0;
	}
	if (buf_grow(b, (size_t)n) == -1)
		goto fail;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
fail:
	/* A failed or partial attempt leaves the buffer as it was. */
	if (b->data != NULL)
		b->data[b->len] = '\0';
	return -1;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
