/*
 * The service clock: anchored, it is the wall clock at the anchor plus
 * monotonic time elapsed, in every process; a step of the wall clock
 * forward or back changes nothing and shows as the step; a small
 * difference is slewed away 1 ms per comparison, never going back by
 * more than that; without an anchor it is the wall clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "lib/clock.h"

#define DAY_MS	(86400LL * 1000)

/* The test's wall clock: the real one plus shift. */
static int64_t	 shift;

static int64_t
real_wall(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
shifted_wall(void)
{
	return real_wall() + shift;
}

static int64_t
fixed_wall(void)
{
	return 1700000000123LL;
}

static int
near(int64_t a, int64_t b, int64_t within)
{
	return a - b <= within && b - a <= within;
}

static void
sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, ms % 1000 * 1000000 };

	nanosleep(&ts, NULL);
}

/* Unanchored: the wall clock itself, in ms and in whole seconds. */
static void
unanchored(void)
{
	clock_wall_source(fixed_wall);
	CHECK_INT(clock_now_ms(), 1700000000123LL);
	CHECK_INT(clock_now_s(), 1700000000LL);
	CHECK_INT(clock_step_ms(), 0);
	CHECK_INT(clock_at(42), 1700000000123LL);
	clock_wall_source(NULL);
}

/* Anchored at given readings: wall + monotonic time elapsed. */
static void
anchoring(void)
{
	const int64_t	 w = 1800000000000LL, m = 5000;

	CHECK_INT(clock_anchor_at(w, m), 0);
	CHECK_INT(clock_at(m), w);
	CHECK_INT(clock_at(m + 1), w + 1);
	CHECK_INT(clock_at(m + DAY_MS), w + DAY_MS);
	/* Comparisons closer together than CLOCK_COMPARE_MS are not made. */
	clock_follow_at(w + 500, m + CLOCK_COMPARE_MS - 1);
	CHECK_INT(clock_at(m + CLOCK_COMPARE_MS - 1), w + CLOCK_COMPARE_MS - 1);
}

/* A step of a day either way is not followed, however often compared. */
static void
steps(void)
{
	const int64_t	 w = 1800000000000LL, m = 5000;
	int64_t		 t = m;
	int		 i;

	clock_anchor_at(w, m);
	for (i = 0; i < 50; i++) {
		t += CLOCK_COMPARE_MS;
		clock_follow_at(w + (t - m) + DAY_MS, t);
	}
	CHECK_INT(clock_at(t), w + (t - m));
	for (i = 0; i < 50; i++) {
		t += CLOCK_COMPARE_MS;
		clock_follow_at(w + (t - m) - DAY_MS, t);
	}
	CHECK_INT(clock_at(t), w + (t - m));
	/* Just past the bound is a step too. */
	t += CLOCK_COMPARE_MS;
	clock_follow_at(w + (t - m) + CLOCK_FOLLOW_MS + 1, t);
	CHECK_INT(clock_at(t), w + (t - m));
}

/*
 * A small difference, ahead or behind: 1 ms per comparison until none is
 * left; going back, two readings a comparison apart are never out of order.
 */
static void
slew(int64_t diff)
{
	const int64_t	 w = 1800000000000LL, m = 5000;
	int64_t		 t = m, prev = w, now;
	int		 i, n = (int)(diff < 0 ? -diff : diff);

	clock_anchor_at(w, m);
	for (i = 0; i < n + 10; i++) {
		t += CLOCK_COMPARE_MS;
		clock_follow_at(w + (t - m) + diff, t);
		now = clock_at(t);
		CHECK(now - prev >= CLOCK_COMPARE_MS - 1 && now - prev <= CLOCK_COMPARE_MS + 1);
		prev = now;
		if (i == n / 2)
			CHECK(near(now - (w + (t - m)), diff / 2, 2));
	}
	CHECK_INT(clock_at(t), w + (t - m) + diff);
}

/* After a step, a wall clock set back within the bound is followed again. */
static void
back_in_step(void)
{
	const int64_t	 w = 1800000000000LL, m = 5000;
	int64_t		 t = m + CLOCK_COMPARE_MS;

	clock_anchor_at(w, m);
	clock_follow_at(w + (t - m) + DAY_MS, t);
	CHECK_INT(clock_at(t), w + (t - m));
	t += CLOCK_COMPARE_MS;
	clock_follow_at(w + (t - m) + 20, t);
	CHECK_INT(clock_at(t), w + (t - m) + 1);
}

/* The real clocks, with the wall one shifted a day forward then back. */
static void
real_clocks(void)
{
	int64_t	 a, b, s;

	/* Bounds of a second: generous for a loaded machine, small beside a day. */
	shift = 0;
	clock_wall_source(shifted_wall);
	CHECK_INT(clock_anchor(), 0);
	a = clock_now_ms();
	CHECK(near(a, real_wall(), 1000));
	CHECK(near(clock_step_ms(), 0, 1000));
	shift = DAY_MS;
	sleep_ms(CLOCK_COMPARE_MS + 20);
	b = clock_now_ms();
	CHECK(near(b, real_wall(), 1000));
	CHECK(near(clock_step_ms(), DAY_MS, 1000));
	CHECK(b >= a + CLOCK_COMPARE_MS);
	shift = -DAY_MS;
	sleep_ms(CLOCK_COMPARE_MS + 20);
	CHECK(near(clock_now_ms(), real_wall(), 1000));
	CHECK(near(clock_step_ms(), -DAY_MS, 1000));
	s = clock_now_s();
	CHECK(near(s * 1000, real_wall(), 2000));
	/* Milliseconds, as the API shows them: 5 ms of sleep shows as 5 or more. */
	shift = 0;
	a = clock_now_ms();
	sleep_ms(5);
	b = clock_now_ms();
	CHECK(b - a >= 5 && b - a < 60000);
	clock_wall_source(NULL);
}

/* Every process reads the one anchor, and a comparison made in one moves it for all. */
static void
shared(void)
{
	const int64_t	 w = 1800000000000LL, m = 5000;
	pid_t		 pid;
	int		 status;

	clock_anchor_at(w, m);
	if ((pid = fork()) == 0) {
		clock_follow_at(w + CLOCK_COMPARE_MS + 300, m + CLOCK_COMPARE_MS);
		_exit(clock_at(m) == w + 1 ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	CHECK_INT(clock_at(m), w + 1);
}

/* What a read costs; printed, not asserted. */
static void
cost(void)
{
	struct timespec	 ts;
	int64_t		 t0, sum = 0;
	int		 i, n = 1000000;

	clock_anchor();
	t0 = clock_mono_us();
	for (i = 0; i < n; i++)
		sum += clock_now_ms();
	printf("clock_now_ms: %.1f ns a read", (double)(clock_mono_us() - t0) * 1000 / n);
	t0 = clock_mono_us();
	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		sum += ts.tv_nsec;
	}
	printf(" (CLOCK_REALTIME alone: %.1f ns)\n", (double)(clock_mono_us() - t0) * 1000 / n);
	CHECK(sum != 0);
}

int
main(void)
{
	unanchored();
	anchoring();
	steps();
	slew(300);
	slew(-300);
	slew(CLOCK_FOLLOW_MS);
	back_in_step();
	real_clocks();
	shared();
	cost();
	clock_release();
	CHECK_INT(clock_step_ms(), 0);
	CHECK_DONE();
}
