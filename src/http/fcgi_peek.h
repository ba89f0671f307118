#ifndef FCGI_PEEK_H
#define FCGI_PEEK_H

#include <stddef.h>

/*
 * A look at the FastCGI records a connection has sent so far, without
 * taking them from the socket: whether the request is all there (its
 * parameters and its body, up to the empty FCGI_STDIN record that ends
 * them), and whether it is a read. A worker hands a connection to libfcgi,
 * whose reads block, only once its request is in the socket, so a peer
 * that sends nothing, or half a request, cannot hold the worker.
 */

/* The most bytes looked at: a request longer than this counts as all there. */
#define FCGI_PEEK_MAX	(16u * 1024)

enum fcgi_peek_res {
	FCGI_PEEK_MORE,		/* the request is not all there yet */
	FCGI_PEEK_READY,	/* all there: reading it will not wait */
	FCGI_PEEK_FULL,		/* not all there, but as much as can be looked at */
	FCGI_PEEK_BAD		/* not a FastCGI request: close the connection */
};

/*
 * Walks the records in buf (len bytes, as peeked from the socket; cap the
 * most that could have been peeked). FCGI_PEEK_FULL when len reaches cap
 * before the request's end. *read is set to 1 when the parameters are
 * all there and REQUEST_METHOD is GET or HEAD, else 0. Pure: no I/O. A
 * length that runs past the parameters' stream, a record of another
 * version, or a body before the end of the parameters is FCGI_PEEK_BAD.
 */
enum fcgi_peek_res	fcgi_peek_parse(const unsigned char *buf, size_t len, size_t cap,
			    int *read);

#endif
