#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "http/io.h"

extern char	**environ;

static char *const *
cgi_env(struct io *io)
{
	(void)io;
	return environ;
}

static ssize_t
cgi_read(struct io *io, void *p, size_t n)
{
	ssize_t	 r;

	(void)io;
	do
		r = read(STDIN_FILENO, p, n);
	while (r == -1 && errno == EINTR);
	return r;
}

static int
cgi_write(struct io *io, const void *p, size_t n)
{
	(void)io;
	return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

void
io_cgi_init(struct io *io)
{
	io->env = cgi_env;
	io->read = cgi_read;
	io->write = cgi_write;
	io->arg = NULL;
	io->deadline = 0;
}
