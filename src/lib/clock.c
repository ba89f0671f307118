#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"

int64_t
clock_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_mono_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Writes v as n decimal digits, zero-padded, at p; returns the end. */
static char *
digits(char *p, int v, int n)
{
	int	 i;

	for (i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

void
clock_rfc3339(int64_t ms, char out[32])
{
	time_t		 s = (time_t)(ms / 1000);
	struct tm	 tm;
	char		*p = out;

	gmtime_r(&s, &tm);
	if (ms < 0 || tm.tm_year + 1900 > 9999) {
		/* Outside RFC 3339's four-digit years; never from a real clock. */
		snprintf(out, 32, "%s", "0000-01-01T00:00:00.000Z");
		return;
	}
	p = digits(p, tm.tm_year + 1900, 4);
	*p++ = '-';
	p = digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = digits(p, tm.tm_mday, 2);
	*p++ = 'T';
	p = digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = digits(p, tm.tm_sec, 2);
	*p++ = '.';
	p = digits(p, (int)(ms % 1000), 3);
	*p++ = 'Z';
	*p = '\0';
}

void
clock_http_date(int64_t s, char out[32])
{
	static const char	 days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char	 months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t			 t = (time_t)s;
	struct tm		 tm;
	char			*p = out;

	/* Not strftime: its names follow the locale, an HTTP date's never do. */
	if (s < 0 || gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999) {
		snprintf(out, 32, "%s", "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	memcpy(p, days[tm.tm_wday], 3);
	p += 3;
	*p++ = ',';
	*p++ = ' ';
	p = digits(p, tm.tm_mday, 2);
	*p++ = ' ';
	memcpy(p, months[tm.tm_mon], 3);
	p += 3;
	*p++ = ' ';
	p = digits(p, tm.tm_year + 1900, 4);
	*p++ = ' ';
	p = digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = digits(p, tm.tm_sec, 2);
	memcpy(p, " GMT", 5);
}
