#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

/*
 * The service clock: what the program stamps todos with and decides key
 * expiry, tombstones and the purge by. The master anchors it once, before
 * its first fork, to the wall clock and CLOCK_MONOTONIC, in a shared
 * region; every process then reads monotonic time plus one shared offset,
 * so all processes on the host agree and a step of the wall clock (an NTP
 * step, date -s) changes nothing while the program runs. NTP's slewing
 * needs nothing: it disciplines CLOCK_MONOTONIC's rate as well.
 *
 * A difference from the wall clock of at most CLOCK_FOLLOW_MS (a small
 * step, as ntpd makes past 128 ms) is followed by slewing: readers compare
 * with the wall clock at most every CLOCK_COMPARE_MS and move the offset
 * by at most 1 ms each time (1%), so the service clock never goes back by
 * more than the millisecond it shows. A larger difference is a step: it
 * is logged once, shown by clock_step_ms() (the todo_clock_step_seconds
 * gauge) and not followed; the next start anchors again. Without an
 * anchor (plain CGI, one process per request) the service clock is the
 * wall clock.
 */
#define CLOCK_FOLLOW_MS		1000	/* |wall - service| up to this is slewed away */
#define CLOCK_COMPARE_MS	100	/* how often the wall clock is looked at */

/*
 * Maps the shared anchor and sets it from the wall clock now: 0, or -1
 * when it cannot be mapped (the service clock then stays the wall
 * clock). Call once, before forking; clock_release unmaps it.
 */
int	clock_anchor(void);
void	clock_release(void);

/* Service time in milliseconds since the epoch. */
int64_t	clock_now_ms(void);

/* Service time in whole seconds since the epoch (key expiry, purge). */
int64_t	clock_now_s(void);

/* The wall clock (CLOCK_REALTIME, or the source a test set), in ms. */
int64_t	clock_wall_ms(void);

/* Wall clock minus service clock in ms: 0 without an anchor. */
int64_t	clock_step_ms(void);

/* Milliseconds on a clock that only moves forward, for timeouts. */
int64_t	clock_mono_ms(void);

/* Microseconds on the same clock, for durations. */
int64_t	clock_mono_us(void);

/*
 * Seams for tests, off the per-request path: the wall clock's source
 * (NULL: CLOCK_REALTIME); the anchor set from given readings; the service
 * time at a monotonic reading; one comparison with the wall clock at given
 * readings, as clock_now_ms makes every CLOCK_COMPARE_MS.
 */
void	clock_wall_source(int64_t (*)(void));
int	clock_anchor_at(int64_t wall_ms, int64_t mono_ms);
int64_t	clock_at(int64_t mono_ms);
void	clock_follow_at(int64_t wall_ms, int64_t mono_ms);

/* Formats ms as RFC 3339 UTC with milliseconds: 2026-11-22T15:40:00.123Z. */
void	clock_rfc3339(int64_t ms, char out[32]);

/* Formats unix seconds as an HTTP date (IMF-fixdate): Sun, 06 Nov 1994 08:49:37 GMT. */
void	clock_http_date(int64_t s, char out[32]);

#endif
