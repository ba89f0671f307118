#ifndef DOC_H
#define DOC_H

#include "app/app.h"
#include "http/http.h"

/*
 * The API's self-description, from files shipped in the templates folder
 * and read at each request (so that a CGI process pays only when asked):
 * openapi.json, docs.html (the description as a page, made from
 * openapi.json by `make docs`) and problems/<name>.html, one page per
 * problem type. Each handler fills resp and returns 0, or -1 on an
 * internal failure (the caller answers 500).
 */

/* The longest problem type name a /problems/{name} path may hold. */
#define DOC_NAME_MAX	48

/* Where the description is, as a Link header value (RFC 8631). */
#define DOC_SERVICE_DESC	"</openapi.json>; rel=\"service-desc\""

/* GET /openapi.json: the OpenAPI 3.1 description, application/json. */
int	doc_openapi(struct app *, struct req *, struct resp *);

/* GET /docs: the description for people, in the page layout. */
int	doc_page(struct app *, struct req *, struct resp *);

/* GET /problems/{name}: what a problem type means; 404 for an unknown one. */
int	doc_problem(struct app *, struct req *, struct resp *);

#endif
