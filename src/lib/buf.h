#ifndef BUF_H
#define BUF_H

#include <stddef.h>

/*
 * A growable byte buffer. data is NUL-terminated whenever it is not NULL,
 * so text appended to it can be used as a C string. A zeroed struct is an
 * empty buffer; buf_free() releases it and leaves it empty again.
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

/* Hard ceiling for any buffer, so no length from the network grows one unbounded. */
#define BUF_MAX	(16u * 1024 * 1024)

/* Each returns 0, or -1 when out of memory or past BUF_MAX (buffer unchanged). */
int	buf_append(struct buf *, const void *, size_t);
int	buf_puts(struct buf *, const char *);
int	buf_putc(struct buf *, char);
/* Appends v in decimal. */
int	buf_putnum(struct buf *, long long);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* Room for any long long in decimal, its sign and a NUL. */
#define NUM_MAX	24

/* Writes v in decimal and a NUL to out; returns the length without the NUL. */
size_t	num_format(char out[NUM_MAX], long long v);

/* Empties the buffer but keeps its memory for reuse. */
void	buf_reset(struct buf *);
void	buf_free(struct buf *);

#endif
