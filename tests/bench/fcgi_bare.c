/*
 * Ceiling B of the benchmark: a bare libfcgi responder that answers every
 * request with a fixed JSON body, with the same prefork model and worker
 * count as the product. It measures the FastCGI transport alone.
 * usage: fcgi_bare SOCKET WORKERS
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

static const char	 reply[] =
    "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 120\r\n"
    "\r\n"
    "{\"id\":1,\"title\":\"Buy milk\",\"description\":null,\"is_completed\":false,"
    "\"created_at\":\"2026-01-01T00:00:00Z\",\"updated_at\":\"x\"}";

static pid_t	 workers[64];
static int	 nworkers;

/* Stopping the responder stops its workers. */
static void
stop(int sig)
{
	int	 i;

	(void)sig;
	for (i = 0; i < nworkers; i++)
		kill(workers[i], SIGTERM);
	_exit(0);
}

static void
serve(int sock)
{
	FCGX_Request	 r;

	FCGX_InitRequest(&r, sock, 0);
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_PutStr(reply, (int)sizeof(reply) - 1, r.out);
		FCGX_Finish_r(&r);
	}
}

int
main(int argc, char *argv[])
{
	int	 sock, n, i;
	mode_t	 old;

	if (argc != 3 || (n = atoi(argv[2])) < 1 || n > 64) {
		fprintf(stderr, "usage: fcgi_bare SOCKET WORKERS\n");
		return 2;
	}
	FCGX_Init();
	unlink(argv[1]);
	old = umask(0);
	sock = FCGX_OpenSocket(argv[1], 1024);
	umask(old);
	if (sock < 0) {
		perror(argv[1]);
		return 1;
	}
	signal(SIGTERM, stop);
	signal(SIGINT, stop);
	for (i = 0; i < n; i++)
		if ((workers[nworkers++] = fork()) == 0) {
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			serve(sock);
			_exit(0);
		}
	while (wait(NULL) > 0)
		;
	return 0;
}
