/*
 * halfclose PORT [SECONDS]: sends the request read from standard input to
 * 127.0.0.1:PORT, then half-closes the connection (shutdown(SHUT_WR), as a
 * client that has nothing more to send does) and copies the whole answer,
 * up to the server's close, to standard output. Exits 0 once the server
 * has closed after answering, 1 on an error or after SECONDS (default 30)
 * without the end of the answer.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes all n bytes of p to fd: 0, or -1. */
static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sa;
	struct timeval		 tv = { 30, 0 };
	char			 buf[65536];
	size_t			 got = 0, total = 0;
	ssize_t			 n;
	int			 fd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: halfclose PORT [SECONDS] < request\n");
		return 2;
	}
	if (argc == 3)
		tv.tv_sec = atoi(argv[2]);
	/* The request, whole, before anything is sent. */
	while (got < sizeof(buf) && (n = read(0, buf + got, sizeof(buf) - got)) > 0)
		got += (size_t)n;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1) {
		perror("halfclose: connect");
		return 1;
	}
	if (write_all(fd, buf, got) == -1 || shutdown(fd, SHUT_WR) == -1) {
		perror("halfclose: send");
		return 1;
	}
	for (;;) {
		if ((n = read(fd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			perror(errno == EAGAIN || errno == EWOULDBLOCK ?
			    "halfclose: no end of the answer in time" : "halfclose: read");
			return 1;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (write_all(1, buf, (size_t)n) == -1) {
			perror("halfclose: write");
			return 1;
		}
	}
	close(fd);
	if (total == 0) {
		fprintf(stderr, "halfclose: the server closed without an answer\n");
		return 1;
	}
	return 0;
}
