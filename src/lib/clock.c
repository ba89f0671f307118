#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "lib/clock.h"

/*
 * The anchor every process shares. offset is the only field the
 * per-request path reads: one relaxed load, never a torn value. compared
 * elects the one reader that looks at the wall clock in each interval.
 */
struct anchor {
	int64_t	 offset;	/* service ms = monotonic ms + offset */
	int64_t	 compared;	/* monotonic ms of the last comparison with the wall clock */
	int64_t	 reported;	/* the step last logged, ms; 0 when in step */
};

static struct anchor	*anchor;
static int64_t		(*wall_source)(void);

static int64_t
wall_real(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_wall_ms(void)
{
	return wall_source != NULL ? wall_source() : wall_real();
}

void
clock_wall_source(int64_t (*fn)(void))
{
	wall_source = fn;
}

int
clock_anchor_at(int64_t wall_ms, int64_t mono_ms)
{
	void	*p;

	if (anchor == NULL) {
		p = mmap(NULL, sizeof(*anchor), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		anchor = p;
	}
	anchor->offset = wall_ms - mono_ms;
	anchor->compared = mono_ms;
	anchor->reported = 0;
	return 0;
}

int
clock_anchor(void)
{
	return clock_anchor_at(clock_wall_ms(), clock_mono_ms());
}

void
clock_release(void)
{
	if (anchor != NULL)
		munmap(anchor, sizeof(*anchor));
	anchor = NULL;
}

/* The service time at a monotonic reading; anchor is set. */
static inline int64_t
at(int64_t mono_ms)
{
	return mono_ms + __atomic_load_n(&anchor->offset, __ATOMIC_RELAXED);
}

int64_t
clock_at(int64_t mono_ms)
{
	return anchor != NULL ? at(mono_ms) : clock_wall_ms();
}

void
clock_follow_at(int64_t wall_ms, int64_t mono_ms)
{
	int64_t	 last, diff, mag;

	if (anchor == NULL)
		return;
	/* One comparison per interval, by whichever reader wins it. */
	last = __atomic_load_n(&anchor->compared, __ATOMIC_RELAXED);
	if (mono_ms - last < CLOCK_COMPARE_MS || !__atomic_compare_exchange_n(&anchor->compared,
	    &last, mono_ms, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	diff = wall_ms - at(mono_ms);
	mag = diff < 0 ? -diff : diff;
	if (mag <= CLOCK_FOLLOW_MS) {
		/* A small correction: 1 ms at a time, never back by more than that. */
		if (diff != 0)
			__atomic_fetch_add(&anchor->offset, diff > 0 ? 1 : -1, __ATOMIC_RELAXED);
		if (__atomic_exchange_n(&anchor->reported, 0, __ATOMIC_RELAXED) != 0)
			fprintf(stderr, "clock: the wall clock is back within %d ms of the "
			    "service clock; following it\n", CLOCK_FOLLOW_MS);
		return;
	}
	last = __atomic_load_n(&anchor->reported, __ATOMIC_RELAXED);
	if (last == 0 || diff - last > CLOCK_FOLLOW_MS || last - diff > CLOCK_FOLLOW_MS) {
		__atomic_store_n(&anchor->reported, diff, __ATOMIC_RELAXED);
		fprintf(stderr, "clock: the wall clock stepped %+lld ms from the service clock; "
		    "not followed (keys expire and todos are stamped by the service clock "
		    "until a restart anchors it again)\n", (long long)diff);
	}
}

int64_t
clock_now_ms(void)
{
	int64_t	 mono;

	if (anchor == NULL)
		return clock_wall_ms();
	mono = clock_mono_ms();
	if (mono - __atomic_load_n(&anchor->compared, __ATOMIC_RELAXED) >= CLOCK_COMPARE_MS)
		clock_follow_at(clock_wall_ms(), mono);
	return at(mono);
}

int64_t
clock_now_s(void)
{
	int64_t	 ms = clock_now_ms();

	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

int64_t
clock_step_ms(void)
{
	int64_t	 mono;

	if (anchor == NULL)
		return 0;
	mono = clock_mono_ms();
	return clock_wall_ms() - at(mono);
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
