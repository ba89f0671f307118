#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api.h"
#include "lib/clock.h"
#include "store/store.h"
#include "idem/idem.h"
#include "app/json.h"
#include "app/ops.h"
#include "app/problem.h"
#include "app/valid.h"
#include "app/writer.h"

/* A 503 that says when to come back: the store is away or busy for now. */
static int
unavailable(struct resp *r, const char *detail)
{
	if (problem_set(r, 503, "unavailable", NULL, detail, NULL) == -1)
		return -1;
	r->retry_after = 1;
	return 0;
}

/* A read the store could not answer: 503 when that passes, else an error. */
static int
read_failed(struct resp *r, enum store_res dr)
{
	if (dr == STORE_BUSY || dr == STORE_DOWN)
		return unavailable(r, "The database cannot answer right now; retry shortly.");
	return -1;
}

/* The longest /healthz waits on the write probe's answer. */
#define HEALTH_WAIT_MS	2000

/*
 * Read and write health apart: a read of this process's handle, and the
 * store's write health (writer_write_health). 200 with both "ok", else a
 * 503 problem that says which fails, in its detail and its read and write
 * members.
 */
int
api_health(struct app *app, struct req *req, struct resp *r)
{
	int	 rd, wr;

	(void)req;
	rd = app->db != NULL && store_health(app->db) == STORE_OK;
	wr = writer_write_health(app, HEALTH_WAIT_MS);
	if (rd && wr) {
		r->status = 200;
		r->ctype = CTYPE_JSON_STR;
		return json_status_write(&r->body, "ok") == -1 ||
		    json_member_add(&r->body, "read", "ok") == -1 ||
		    json_member_add(&r->body, "write", "ok") == -1 ? -1 : 0;
	}
	return unavailable(r, !rd && !wr ? "The database answers neither reads nor writes." :
	    !wr ? "The database answers reads, but does not take writes." :
	    "The database takes writes, but this process cannot read it.") == -1 ||
	    json_member_add(&r->body, "read", rd ? "ok" : "fail") == -1 ||
	    json_member_add(&r->body, "write", wr ? "ok" : "fail") == -1 ? -1 : 0;
}

int
api_list(struct app *app, struct req *req, struct resp *r)
{
	struct todo	*items = NULL;
	size_t		 n = 0, i;
	unsigned	 limit = LIMIT_DEFAULT;
	int64_t		 before = 0;
	char		 v[32], next[24];
	int		 rc = -1, q;
	enum store_res	 dr;

	if ((q = http_query(req, "limit", v, sizeof(v))) == -1 ||
	    (q == 1 && valid_limit(v, strlen(v), &limit) == -1))
		return problem_set(r, 422, "validation", NULL,
		    "limit must be a whole number from 1 to 200.", "limit");
	if ((q = http_query(req, "cursor", v, sizeof(v))) == -1 ||
	    (q == 1 && valid_cursor(v, strlen(v), &before) == -1))
		return problem_set(r, 422, "validation", NULL,
		    "cursor must be a next_cursor value from an earlier page.", "cursor");

	/* One extra row tells whether there is a next page. */
	if ((dr = store_todo_list(app->db, before, TODO_SHOW_ALL, limit + 1, &items,
	    &n)) != STORE_OK)
		return read_failed(r, dr);
	next[0] = '\0';
	if (n > limit) {
		snprintf(next, sizeof(next), "%lld", (long long)items[limit - 1].id);
		todo_clear(&items[limit]);
		n = limit;
	}
	r->status = 200;
	r->ctype = CTYPE_JSON_STR;
	rc = json_list_write(&r->body, items, n, next[0] != '\0' ? next : NULL);
	for (i = 0; i < n; i++)
		todo_clear(&items[i]);
	free(items);
	return rc;
}

int
api_get(struct app *app, struct req *req, struct resp *r)
{
	struct todo	 t;
	enum store_res	 dr;
	int		 rc;

	if ((dr = store_todo_get(app->db, req->id, &t)) == STORE_NOTFOUND)
		return problem_set(r, 404, "not-found", NULL, "There is no todo with this id.", NULL);
	if (dr != STORE_OK)
		return read_failed(r, dr);
	rc = op_todo_json(r, 200, &t);
	todo_clear(&t);
	return rc;
}

/*
 * A retry that came after its key's TTL: the operation was done once, its
 * first result is gone, and the Location the runner kept says where the
 * todo is.
 */
static int
expired_key(struct resp *r)
{
	char	 loc[sizeof(r->location)], detail[512];

	memcpy(loc, r->location, sizeof(loc));
	snprintf(detail, sizeof(detail), "This Idempotency-Key was used for this same "
	    "request longer ago than keys are kept, and its operation was done once "
	    "then%s%s. Its first result is no longer kept, so it cannot be replayed, "
	    "and nothing was done now. Use a new key for a new operation.",
	    loc[0] != '\0' ? "; its todo is at " : "", loc);
	if (problem_set(r, 409, "idempotency-key-expired", "Idempotency key expired",
	    detail, NULL) == -1)
		return -1;
	memcpy(r->location, loc, sizeof(loc));
	return 0;
}

/* Turns what idem_run() reports into the API's answer. */
static int
api_outcome(enum idem_res res, int keyed, struct resp *r)
{
	switch (res) {
	case IDEM_DONE:
	case IDEM_REPLAYED:
		return 0;
	case IDEM_REFUSED:
		if (r->status == 404)
			return problem_set(r, 404, "not-found", NULL,
			    "There is no todo with this id.", NULL);
		return problem_set(r, 412, "precondition-failed", NULL,
		    "The todo has changed since the ETag given in If-Match.", NULL);
	case IDEM_MISMATCH:
		return problem_set(r, 422, "idempotency-key-reused",
		    "Idempotency key already used", "This Idempotency-Key was used "
		    "for a different request (method, path or body). Use a new key "
		    "for a new operation.", NULL);
	case IDEM_EXPIRED:
		return expired_key(r);
	case IDEM_BUSY:
		if (problem_set(r, keyed ? 409 : 503, keyed ? "operation-in-progress" :
		    "unavailable", NULL, "Another request holds the store; "
		    "retry shortly with the same Idempotency-Key.", NULL) == -1)
			return -1;
		r->retry_after = 1;
		return 0;
	case IDEM_DOWN:
		if (problem_set(r, 503, "unavailable", NULL, "The database cannot be "
		    "reached or written (it may be read-only, full, or away); nothing was "
		    "changed. Retry shortly with the same Idempotency-Key.", NULL) == -1)
			return -1;
		r->retry_after = 1;
		return 0;
	case IDEM_UNKNOWN:
		/*
		 * The commit was under way when the server lost sight of it (the
		 * database connection or the writer was lost, or the wait for the
		 * writer ran out): it may have been made. Only the key tells.
		 */
		if (problem_set(r, 503, "outcome-unknown", NULL, keyed ?
		    "The server lost track of this change while it was being committed, "
		    "so it may or may not have been made. Retry with the same "
		    "Idempotency-Key: the retry answers with the result of the first "
		    "attempt, or makes the change once." :
		    "The server lost track of this change while it was being committed, "
		    "so it may or may not have been made. This request had no "
		    "Idempotency-Key, so a retry could make it twice: check the todos "
		    "first, and send changes with an Idempotency-Key.", NULL) == -1)
			return -1;
		r->retry_after = 1;
		return 0;
	case IDEM_ERROR:
		/* A failure before the change, or one rolled back (idem.h). */
		return problem_set(r, 500, "internal", NULL, "The server failed and "
		    "this request changed nothing. Retry with the same Idempotency-Key.",
		    NULL);
	}
	return -1;
}

/* The shared path of POST, PUT, PATCH and DELETE. */
static int
api_change(struct app *app, struct req *req, struct resp *r, enum op_kind kind)
{
	static const enum todo_mode modes[] = {
		[OP_CREATE] = MODE_CREATE,
		[OP_REPLACE] = MODE_REPLACE,
		[OP_PATCH] = MODE_PATCH,
		[OP_DELETE] = MODE_PATCH,
		[OP_COMPLETE] = MODE_PATCH,
	};
	struct todo_in	 in = { 0 };
	struct verr	 err = { 0 };
	struct buf	 canon = { 0 };
	struct idem_op	 iop = { 0 };
	struct op	 op = { 0 };
	char		 key[IDEM_KEY_MAX + 1], fp[65], raw[65], scope[IDEM_SCOPE_MAX];
	int		 rc = -1, looked = 0;
	enum idem_res	 res;

	/* The body's media type and the query were checked at the edge (route.c). */
	if (req->idem_key != NULL) {
		if (idem_key_parse(req->idem_key, key) == -1) {
			rc = problem_set(r, 400, "invalid-idempotency-key", NULL,
			    "Idempotency-Key must be 1 to 255 visible ASCII characters, "
			    "optionally as a quoted string.", NULL);
			goto out;
		}
		iop.key = key;
	} else if (kind == OP_CREATE && app->cfg->require_key) {
		rc = problem_set(r, 400, "idempotency-key-required", NULL,
		    "This server requires an Idempotency-Key header on POST.", NULL);
		goto out;
	}

	idem_scope(req->bearer, req->session, scope);
	iop.scope = scope;
	iop.method = http_method_name(req->method);
	iop.path = req->path;
	iop.now = clock_now_s();
	iop.ttl = app->cfg->key_ttl;
	if (iop.key != NULL && kind != OP_DELETE) {
		/* A retry resends the same bytes: known without parsing them. */
		idem_fingerprint("bytes", req->body.data != NULL ? req->body.data : "",
		    req->body.len, raw);
		iop.raw_fingerprint = raw;
		switch (writer_may_replay(app, &iop) ? idem_lookup(app->db, &iop, r, &res) : 0) {
		case 1:
			goto answered;
		case 0:
			looked = 1;	/* not recorded yet */
			break;
		}
	}

	if (kind != OP_DELETE) {
		switch (json_todo_parse(req->body.data, req->body.len, modes[kind], &in, &err,
		    iop.key != NULL ? &canon : NULL)) {
		case JSON_OK:
			break;
		case JSON_MALFORMED:
			rc = problem_set(r, 400, "malformed-json", NULL,
			    "The body is not well-formed JSON.", NULL);
			goto out;
		case JSON_INVALID:
			rc = problem_set(r, 422, "validation", NULL, err.msg, err.field);
			goto out;
		case JSON_NOMEM:
			goto out;
		}
	}

	idem_fingerprint("json", canon.data != NULL ? canon.data : "", canon.len, fp);
	iop.fingerprint = fp;
	op.kind = kind;
	op.out = OUT_JSON;
	op.id = req->id;
	op.in = &in;
	op.if_match = req->if_match;
	res = writer_change(app, &iop, &op, r, looked);
answered:
	req->outcome = idem_outcome(res, iop.key != NULL);
	/* A change of one todo had no Location: its path says where the todo is. */
	if (res == IDEM_EXPIRED && r->location[0] == '\0' && strlen(req->path) < sizeof(r->location))
		memcpy(r->location, req->path, strlen(req->path) + 1);
	rc = api_outcome(res, iop.key != NULL, r);
out:
	todo_in_clear(&in);
	buf_free(&canon);
	return rc;
}

int
api_create(struct app *app, struct req *req, struct resp *r)
{
	return api_change(app, req, r, OP_CREATE);
}

int
api_replace(struct app *app, struct req *req, struct resp *r)
{
	return api_change(app, req, r, OP_REPLACE);
}

int
api_patch(struct app *app, struct req *req, struct resp *r)
{
	return api_change(app, req, r, OP_PATCH);
}

int
api_delete(struct app *app, struct req *req, struct resp *r)
{
	return api_change(app, req, r, OP_DELETE);
}
