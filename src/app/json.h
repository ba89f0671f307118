#ifndef JSON_H
#define JSON_H

#include <stddef.h>

#include "lib/buf.h"
#include "store/todo.h"
#include "app/valid.h"

/* The only interface to json-c: parsing request bodies and building responses. */

enum json_res {
	JSON_OK = 0,
	JSON_MALFORMED,	/* not JSON, or nested too deep: 400 */
	JSON_INVALID,	/* JSON, but not a valid todo body: 422, err says why */
	JSON_NOMEM
};

/* Nesting deeper than this is refused as malformed. */
#define JSON_DEPTH_MAX	32

/*
 * Parses a request body into in, checking types, unknown members and field
 * rules (valid.h) and the mode's required fields. in must be zeroed; on
 * any result the caller frees it with todo_in_clear(). When canon is not
 * NULL and the body is valid, appends its canonical form (json_canonical)
 * from the same parse.
 */
enum json_res	json_todo_parse(const char *body, size_t len, enum todo_mode,
		    struct todo_in *in, struct verr *err, struct buf *canon);

/*
 * Appends the canonical form of a JSON text: object members sorted by
 * name, no insignificant white space, so bodies equal as JSON values give
 * equal bytes. Returns JSON_OK, JSON_MALFORMED or JSON_NOMEM.
 */
enum json_res	json_canonical(const char *body, size_t len, struct buf *out);

/* Each appends a JSON document; 0, or -1 when out of memory. */
int	json_todo_write(struct buf *, const struct todo *);
int	json_list_write(struct buf *, const struct todo *items, size_t n,
	    const char *next_cursor);
/* RFC 9457 problem: type, title, status, detail, and "field" when not NULL. */
int	json_problem_write(struct buf *, const char *type, const char *title,
	    int status, const char *detail, const char *field);
int	json_status_write(struct buf *, const char *status);
/*
 * Adds "name": "value" to the JSON object that ends b (as the writers
 * above leave it): 0, or -1 (out of memory, or no object there) with b
 * as it was.
 */
int	json_member_add(struct buf *, const char *name, const char *value);

#endif
