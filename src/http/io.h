#ifndef IO_H
#define IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * One server interface, two backends: plain CGI (environment, stdin,
 * stdout) and FastCGI (a libfcgi request). The request code sees only this.
 */
struct io {
	/*
	 * The CGI parameters, "NAME=value" strings up to a NULL. Valid until
	 * the request ends.
	 */
	char *const	*(*env)(struct io *);
	/* Reads up to n body bytes: the count, 0 at the end, -1 on error. */
	ssize_t		 (*read)(struct io *, void *, size_t n);
	/* Writes all n bytes: 0, or -1 on error. */
	int		 (*write)(struct io *, const void *, size_t n);
	void		*arg;
	/*
	 * When reading the request fails, in monotonic milliseconds
	 * (clock_mono_ms), so that a peer sending slowly cannot hold the
	 * reader for long; 0: never.
	 */
	int64_t		 deadline;
};

void	io_cgi_init(struct io *);

struct FCGX_Request;
/* The FastCGI backend on request r, whose reading fails past deadline (0: never). */
void	io_fcgi_init(struct io *, struct FCGX_Request *, int64_t deadline);

#endif
