/*
 * LD_PRELOAD shim for the tests: moves the wall clock of the one program
 * it is preloaded into, never the machine's. clock_gettime on
 * CLOCK_REALTIME (and its coarse variant), time() and gettimeofday()
 * answer the real time plus the whole seconds written in the file named
 * by CLOCKSHIFT_FILE (read at every call, so a test steps the clock by
 * rewriting it; no file or no number: no shift). Monotonic clocks are
 * left alone, as a real step leaves them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int	(*real_gettime)(clockid_t, struct timespec *);

/* The shift in seconds, or 0. */
static long long
shift(void)
{
	const char	*path = getenv("CLOCKSHIFT_FILE");
	char		 buf[32];
	ssize_t		 n;
	int		 fd;

	if (path == NULL || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	int	 rc;

	if (real_gettime == NULL)
		*(void **)&real_gettime = dlsym(RTLD_NEXT, "clock_gettime");
	if (real_gettime == NULL)
		return -1;
	rc = real_gettime(id, ts);
	if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		ts->tv_sec += (time_t)shift();
	return rc;
}

time_t
time(time_t *t)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return (time_t)-1;
	if (t != NULL)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec	 ts;

	(void)tz;
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return -1;
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}
