#include <stdio.h>

#include "app/json.h"
#include "app/problem.h"

int
problem_set(struct resp *r, int status, const char *type, const char *title,
    const char *detail, const char *field)
{
	char	 uri[64];

	http_resp_reset(r);
	r->status = status;
	r->ctype = CTYPE_PROBLEM_STR;
	snprintf(uri, sizeof(uri), "/problems/%s", type);
	return json_problem_write(&r->body, uri, title != NULL ? title :
	    http_reason(status), status, detail, field);
}
