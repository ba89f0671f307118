/*
 * idlesock SOCKET N SECONDS [partial]: opens N connections to the unix
 * socket SOCKET and sends nothing on them, or with "partial" the first
 * half of a FastCGI record header, as a stalled client would. Prints
 * "open N" once all are connected, then holds them until the server has
 * closed every one or SECONDS have passed, and prints
 * "closed C of N, first F ms, last L ms" (times since all were open; -1
 * when none closed). Exits 0 unless a connection could not be made.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CONNS_MAX	1024

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char *argv[])
{
	/* FCGI_BEGIN_REQUEST's header, of which half is sent. */
	static const unsigned char	 half[4] = { 1, 1, 0, 1 };
	static struct pollfd		 pf[CONNS_MAX];
	struct sockaddr_un		 sa;
	long long			 start, end, first = -1, last = -1;
	char				 c;
	int				 n, secs, partial, i, open, closed = 0;

	if (argc < 4 || argc > 5 || (argc == 5 && strcmp(argv[4], "partial") != 0)) {
		fprintf(stderr, "usage: idlesock SOCKET N SECONDS [partial]\n");
		return 2;
	}
	n = atoi(argv[2]);
	secs = atoi(argv[3]);
	partial = argc == 5;
	if (n < 1 || n > CONNS_MAX || secs < 1 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "idlesock: N must be 1 to %d, SECONDS positive\n", CONNS_MAX);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, argv[1]);
	for (i = 0; i < n; i++) {
		if ((pf[i].fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
		    connect(pf[i].fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
			perror("idlesock: connect");
			return 1;
		}
		if (partial && write(pf[i].fd, half, sizeof(half)) != (ssize_t)sizeof(half)) {
			perror("idlesock: write");
			return 1;
		}
		pf[i].events = POLLIN;
	}
	printf("open %d\n", n);
	fflush(stdout);
	start = now_ms();
	end = start + secs * 1000LL;
	for (open = n; open > 0 && now_ms() < end; ) {
		if (poll(pf, (nfds_t)n, (int)(end - now_ms())) == -1) {
			if (errno == EINTR)
				continue;
			perror("idlesock: poll");
			return 1;
		}
		for (i = 0; i < n; i++) {
			if (pf[i].fd == -1 || pf[i].revents == 0)
				continue;
			/* The server sends nothing before a request: any event is its close. */
			if (read(pf[i].fd, &c, 1) > 0)
				continue;
			close(pf[i].fd);
			pf[i].fd = -1;
			open--;
			closed++;
			last = now_ms() - start;
			if (first == -1)
				first = last;
		}
	}
	printf("closed %d of %d, first %lld ms, last %lld ms\n", closed, n, first, last);
	return 0;
}
