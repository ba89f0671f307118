#ifndef CHECK_H
#define CHECK_H

/*
 * Minimal assertions for the unit tests: each failed check prints where and
 * what, and the program exits non-zero at the end (CHECK_DONE).
 */
#include <stdio.h>
#include <string.h>

static int check_failed;
static int check_run;

#define CHECK(cond) do { \
	check_run++; \
	if (!(cond)) { \
		check_failed++; \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	check_run++; \
	if (g_ == NULL || w_ == NULL ? g_ != w_ : strcmp(g_, w_) != 0) { \
		check_failed++; \
		fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, \
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
	} \
} while (0)

#define CHECK_INT(got, want) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	check_run++; \
	if (g_ != w_) { \
		check_failed++; \
		fprintf(stderr, "%s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); \
	} \
} while (0)

#define CHECK_DONE() do { \
	printf("%d checks, %d failed\n", check_run, check_failed); \
	return check_failed ? 1 : 0; \
} while (0)

#endif
