#ifndef PROBLEM_H
#define PROBLEM_H

#include "http/http.h"

/*
 * Makes resp an RFC 9457 problem (application/problem+json). type is a
 * path under /problems/; title NULL for the status's reason phrase;
 * field may be NULL. 0, or -1 when out of memory.
 */
int	problem_set(struct resp *, int status, const char *type, const char *title,
	    const char *detail, const char *field);

#endif
