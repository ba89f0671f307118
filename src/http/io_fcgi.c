#include <fcgiapp.h>

#include "lib/clock.h"
#include "http/io.h"

static char *const *
fcgi_env(struct io *io)
{
	FCGX_Request	*r = io->arg;

	return r->envp;
}

static ssize_t
fcgi_read(struct io *io, void *p, size_t n)
{
	FCGX_Request	*r = io->arg;
	int		 got;

	if (n > 1u << 30)
		n = 1u << 30;
	/* Each read is bounded by the socket's receive timeout, the whole by this. */
	if (io->deadline > 0 && clock_mono_ms() >= io->deadline)
		return -1;
	got = FCGX_GetStr(p, (int)n, r->in);
	if (got == 0 && FCGX_GetError(r->in) != 0)
		return -1;
	return got;
}

static int
fcgi_write(struct io *io, const void *p, size_t n)
{
	FCGX_Request	*r = io->arg;

	if (n > 1u << 30)
		return -1;
	return FCGX_PutStr(p, (int)n, r->out) == (int)n ? 0 : -1;
}

void
io_fcgi_init(struct io *io, FCGX_Request *r, int64_t deadline)
{
	io->env = fcgi_env;
	io->read = fcgi_read;
	io->write = fcgi_write;
	io->arg = r;
	io->deadline = deadline;
}
