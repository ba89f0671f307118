#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

/* Wall-clock time in milliseconds since the epoch. */
int64_t	clock_now_ms(void);

/* Milliseconds on a clock that only moves forward, for timeouts. */
int64_t	clock_mono_ms(void);

/* Microseconds on the same clock, for durations. */
int64_t	clock_mono_us(void);

/* Formats ms as RFC 3339 UTC with milliseconds: 2026-11-22T15:40:00.123Z. */
void	clock_rfc3339(int64_t ms, char out[32]);

/* Formats unix seconds as an HTTP date (IMF-fixdate): Sun, 06 Nov 1994 08:49:37 GMT. */
void	clock_http_date(int64_t s, char out[32]);

#endif
