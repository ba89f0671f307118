#include <stdio.h>
#include <time.h>

#include "clock.h"

int64_t
clock_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
clock_rfc3339(int64_t ms, char out[32])
{
	time_t		 s = (time_t)(ms / 1000);
	struct tm	 tm;

	size_t		 n;

	gmtime_r(&s, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}
