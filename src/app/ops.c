#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "app/json.h"
#include "app/ops.h"
#include "app/valid.h"

void
op_etag(const struct todo *t, char out[48])
{
	size_t	 n = 0;

	/* "id-version": two numbers of at most 20 characters each fit in 48. */
	out[n++] = '"';
	n += num_format(out + n, t->id);
	out[n++] = '-';
	n += num_format(out + n, t->version);
	out[n++] = '"';
	out[n] = '\0';
}

int
op_todo_json(struct resp *r, int status, const struct todo *t)
{
	http_resp_reset(r);
	r->status = status;
	r->ctype = CTYPE_JSON_STR;
	op_etag(t, r->etag);
	return json_todo_write(&r->body, t);
}

/* If-Match with strong comparison: 1 when the header allows the change. */
static int
if_match_ok(const char *h, const char *etag)
{
	size_t	 n, elen = strlen(etag);

	if (h == NULL)
		return 1;
	while (*h != '\0') {
		h += strspn(h, " \t,");
		n = strcspn(h, ",");
		while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
			n--;
		if ((n == 1 && h[0] == '*') || (n == elen && strncmp(h, etag, n) == 0))
			return 1;
		h += n;
		h += strcspn(h, ",");
	}
	return 0;
}

/* Applies the fields in to t, replacing its strings. 0, or -1 when out of memory. */
static int
apply(struct todo *t, const struct todo_in *in)
{
	char	*s;

	if (in->set & FIELD_BIT(FIELD_TITLE)) {
		if ((s = strdup(in->title)) == NULL)
			return -1;
		free(t->title);
		t->title = s;
	}
	if (in->set & FIELD_BIT(FIELD_DESCRIPTION)) {
		s = NULL;
		if (in->description != NULL && (s = strdup(in->description)) == NULL)
			return -1;
		free(t->description);
		t->description = s;
	}
	if (in->set & FIELD_BIT(FIELD_IS_COMPLETED))
		t->is_completed = in->is_completed;
	return 0;
}

/* The 303 that ends a form post: to the created todo's notice, or the list. */
static int
see_other(struct resp *r, int64_t created)
{
	http_resp_reset(r);
	r->status = 303;
	r->ctype = CTYPE_HTML_STR;
	if (created > 0)
		snprintf(r->location, sizeof(r->location), "/?created=%lld", (long long)created);
	else
		snprintf(r->location, sizeof(r->location), "/");
	return buf_printf(&r->body, "<!doctype html><title>See Other</title>"
	    "<a href=\"%s\">Continue</a>\n", r->location);
}

/* The step a store failure inside an operation is. */
static enum idem_step
op_failed(enum store_res rc)
{
	return rc == STORE_BUSY || rc == STORE_CONFLICT ? STEP_BUSY :
	    rc == STORE_DOWN ? STEP_DOWN : STEP_FAILED;
}

/* A change that loses the race for a row this many times in a row is busy. */
#define OP_TRIES	8

/*
 * Reads the todo, checks If-Match, applies the change and writes it over
 * the version read. Another change between the read and the write (a
 * concurrent transaction, on another host) is a conflict: read again, so
 * that If-Match is checked against the version actually replaced.
 */
static enum idem_step
op_update(struct store *db, const struct op *op, struct resp *r, const char *now)
{
	struct todo	 t = { 0 };
	enum store_res	 rc = STORE_CONFLICT;
	char		 etag[48];
	int		 i;

	for (i = 0; i < OP_TRIES && rc == STORE_CONFLICT; i++) {
		todo_clear(&t);
		if ((rc = store_todo_get(db, op->id, &t)) == STORE_NOTFOUND)
			break;
		if (rc != STORE_OK)
			return op_failed(rc);
		op_etag(&t, etag);
		if (!if_match_ok(op->if_match, etag)) {
			todo_clear(&t);
			http_resp_reset(r);
			r->status = 412;
			return STEP_REFUSED;
		}
		if (apply(&t, op->in) == -1) {
			todo_clear(&t);
			return STEP_FAILED;
		}
		rc = store_todo_update(db, &t, now);
	}
	todo_clear(&t);
	if (rc == STORE_NOTFOUND) {
		http_resp_reset(r);
		r->status = 404;
		return STEP_REFUSED;
	}
	return rc == STORE_OK ? STEP_DONE : op_failed(rc);
}

enum idem_step
op_run(struct store *db, void *arg, struct resp *r, int64_t *todo_id)
{
	const struct op	*op = arg;
	struct todo	 t = { 0 };
	enum idem_step	 step = STEP_FAILED;
	enum store_res	 rc;
	char		 now[32], stamp[32];
	int64_t		 id = op->id;

	clock_rfc3339(clock_now_ms(), now);
	*todo_id = id;

	switch (op->kind) {
	case OP_CREATE:
		if ((rc = store_todo_insert(db, op->in, now, &id, stamp)) != STORE_OK) {
			step = op_failed(rc);
			goto out;
		}
		*todo_id = id;
		break;
	case OP_DELETE:
		if ((rc = store_todo_delete(db, id)) != STORE_OK) {
			step = op_failed(rc);
			goto out;
		}
		http_resp_reset(r);
		r->status = 204;
		if (op->out == OUT_SEE_OTHER && see_other(r, 0) == -1)
			goto out;
		step = STEP_DONE;
		goto out;
	case OP_REPLACE:
	case OP_PATCH:
	case OP_COMPLETE:
		if ((step = op_update(db, op, r, now)) != STEP_DONE)
			goto out;
		step = STEP_FAILED;
		break;
	case OP_PROBE:
		/* The writer's own (writerd.c): no operation of the API. */
		goto out;
	}

	if (op->out == OUT_SEE_OTHER) {
		if (see_other(r, op->kind == OP_CREATE ? id : 0) == -1)
			goto out;
		step = STEP_DONE;
		goto out;
	}
	if (op->kind == OP_CREATE) {
		/* The row as inserted: its fields are all known here. */
		t.id = id;
		t.title = op->in->title;
		t.description = op->in->description;
		t.is_completed = op->in->is_completed ? 1 : 0;
		t.version = 1;
		memcpy(t.created_at, stamp, sizeof(t.created_at));
		memcpy(t.updated_at, stamp, sizeof(t.updated_at));
		rc = op_todo_json(r, 201, &t) == -1 ? STORE_ERROR : STORE_OK;
		memset(&t, 0, sizeof(t));	/* the strings are op's */
		if (rc != STORE_OK)
			goto out;
		snprintf(r->location, sizeof(r->location), "/todos/%lld", (long long)id);
		step = STEP_DONE;
		goto out;
	}
	if ((rc = store_todo_get(db, id, &t)) != STORE_OK) {
		step = op_failed(rc);
		goto out;
	}
	if (op_todo_json(r, 200, &t) == -1)
		goto out;
	step = STEP_DONE;
out:
	todo_clear(&t);
	return step;
}
