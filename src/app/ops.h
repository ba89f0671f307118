#ifndef OPS_H
#define OPS_H

#include <stdint.h>

#include "store/store.h"
#include "http/http.h"
#include "idem/idem.h"
#include "store/todo.h"

/*
 * The state-changing operations on todos, run by idem_run() inside one
 * transaction. The API answers with JSON; the HTML forms with a redirect.
 */
enum op_kind {
	OP_CREATE,
	OP_REPLACE,	/* PUT: every field */
	OP_PATCH,	/* the fields present in the request */
	OP_DELETE,
	OP_COMPLETE,	/* the form's complete toggle: only is_completed */
	OP_PROBE	/* /healthz's write probe: the writer commits a write of nothing */
};

enum op_out {
	OUT_JSON,	/* the todo as JSON, with ETag (and Location on create) */
	OUT_SEE_OTHER	/* 303 to "/", or "/?created=ID" after a create */
};

struct op {
	enum op_kind		 kind;
	enum op_out		 out;
	int64_t			 id;		/* the todo, except for OP_CREATE */
	const struct todo_in	*in;
	const char		*if_match;	/* raw If-Match, or NULL */
};

/*
 * The idem_fn for a struct op. A missing todo refuses with status 404, a
 * stale If-Match with 412: resp then has only the status, and the caller
 * writes the error in its own format.
 */
enum idem_step	op_run(struct store *, void *op, struct resp *, int64_t *todo_id);

/* The strong ETag of a todo's current version. */
void		op_etag(const struct todo *, char out[48]);

/* Makes resp a 200 (or 201) JSON answer for t. 0, or -1 when out of memory. */
int		op_todo_json(struct resp *, int status, const struct todo *);

#endif
