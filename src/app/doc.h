#ifndef DOC_H
#define DOC_H

#include "app/app.h"
#include "http/http.h"

/*
 * The API's documentation, from files shipped in the templates folder and
 * read at each request (so that a CGI process pays only when asked):
 * problems/<name>.html, one page per problem type. Each handler fills
 * resp and returns 0, or -1 on an internal failure (the caller answers 500).
 */

/* The longest problem type name a /problems/{name} path may hold. */
#define DOC_NAME_MAX	48

/* GET /problems/{name}: what a problem type means; 404 for an unknown one. */
int	doc_problem(struct app *, struct req *, struct resp *);

#endif
