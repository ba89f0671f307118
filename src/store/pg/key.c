#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "store/pg/pg.h"

/* Columns of PGS_KEY_GET, whose result is binary. */
enum {
	KEY_METHOD, KEY_PATH, KEY_FINGERPRINT, KEY_STATUS, KEY_HEADERS, KEY_BODY,
	KEY_EXPIRES_AT, KEY_RAW_FINGERPRINT, KEY_TODO_ID, KEY_EXPIRED, KEY__MAX
};

enum store_res
pgs_key_claim(struct store *s, const struct store_claim *c, int64_t *expires_at)
{
	struct pgs	*p = (struct pgs *)s;
	char		 ttl[NUM_MAX], horizon[NUM_MAX];
	const char	*v[8] = { c->scope != NULL ? c->scope : "", c->key, c->method, c->path,
			    c->fingerprint, c->raw_fingerprint, ttl, horizon };
	PGresult	*res = NULL;
	enum store_res	 rc;
	int64_t		 at = 0;

	/* c->now is not used: the database's clock decides what has expired. */
	num_format(ttl, c->ttl);
	num_format(horizon, p->horizon);
	if ((rc = pgs_exec(p, PGS_KEY_CLAIM, v, NULL, NULL, &res)) != STORE_OK)
		return rc;
	if (PQntuples(res) != 1)
		rc = STORE_EXISTS;
	else if (pgs_int64(PQgetvalue(res, 0, 0), &at) == -1)
		rc = pgs_fail(p, STORE_ERROR, "a claimed key came back without its expiry");
	else if (expires_at != NULL)
		*expires_at = at;
	PQclear(res);
	return rc;
}

enum store_res
pgs_key_record(struct store *s, const char *scope, const char *key, int64_t todo_id,
    int status, const char *headers, const void *body, size_t len)
{
	struct pgs	*p = (struct pgs *)s;
	char		 id[NUM_MAX], st[NUM_MAX];
	const char	*v[6] = { scope != NULL ? scope : "", key, todo_id > 0 ? id : NULL, st,
			    headers != NULL ? headers : "", len > 0 ? body : "" };
	int		 lens[6] = { 0, 0, 0, 0, 0, 0 }, fmts[6] = { 0, 0, 0, 0, 0, 1 };
	PGresult	*res = NULL;
	enum store_res	 rc;
	long		 n;

	if (len > BUF_MAX || len > INT_MAX)
		return pgs_fail(p, STORE_ERROR, "response body too large to keep");
	lens[5] = (int)len;
	num_format(id, todo_id);
	num_format(st, status);
	if ((rc = pgs_exec(p, PGS_KEY_RECORD, v, lens, fmts, &res)) != STORE_OK)
		return rc;
	n = pgs_changes(res);
	PQclear(res);
	/* No row: the claimed one is gone, or the key's tombstone came first. */
	return n == 1 ? STORE_OK : pgs_fail(p, STORE_BUSY,
	    "the key was claimed while its expired row became a tombstone");
}

/* A malloc'd copy of a binary text cell (its bytes, then a NUL), or NULL. */
static char *
cell_dup(const PGresult *res, int col)
{
	size_t	 n = (size_t)PQgetlength(res, 0, col);
	char	*s;

	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(s, PQgetvalue(res, 0, col), n);
	s[n] = '\0';
	return s;
}

enum store_res
pgs_key_get(struct store *s, const char *scope, const char *key, int64_t now,
    struct store_key *k)
{
	struct pgs	*p = (struct pgs *)s;
	const char	*v[2] = { scope != NULL ? scope : "", key };
	PGresult	*res = NULL;
	enum store_res	 rc;
	int64_t		 status, expired;

	(void)now;	/* expired by the database's clock */
	memset(k, 0, sizeof(*k));
	if ((rc = pgs_exec(p, PGS_KEY_GET, v, NULL, NULL, &res)) != STORE_OK)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return STORE_NOTFOUND;
	}
	if (PQnfields(res) != KEY__MAX ||
	    pgs_cell_int(res, 0, KEY_STATUS, 4, &status) == -1 ||
	    pgs_cell_int(res, 0, KEY_EXPIRES_AT, 8, &k->expires_at) == -1 ||
	    pgs_cell_int(res, 0, KEY_TODO_ID, 8, &k->todo_id) == -1 ||
	    pgs_cell_int(res, 0, KEY_EXPIRED, 4, &expired) == -1 ||
	    (k->method = cell_dup(res, KEY_METHOD)) == NULL ||
	    (k->path = cell_dup(res, KEY_PATH)) == NULL ||
	    (k->fingerprint = cell_dup(res, KEY_FINGERPRINT)) == NULL ||
	    (k->headers = cell_dup(res, KEY_HEADERS)) == NULL ||
	    (!PQgetisnull(res, 0, KEY_RAW_FINGERPRINT) &&
	    (k->raw_fingerprint = cell_dup(res, KEY_RAW_FINGERPRINT)) == NULL) ||
	    buf_append(&k->body, PQgetvalue(res, 0, KEY_BODY),
	    (size_t)PQgetlength(res, 0, KEY_BODY)) == -1) {
		store_key_clear(k);
		PQclear(res);
		return pgs_fail(p, STORE_ERROR, "a key row could not be read");
	}
	k->status = (int)status;
	k->expired = expired != 0;
	PQclear(res);
	return STORE_OK;
}

/* Runs purge statement which with limit: the rows it took (by its count or its one value), or -1. */
static long
purge_step(struct pgs *p, enum pgs_stmt which, const char *lim, enum store_res *rc)
{
	const char	*v[1] = { lim };
	PGresult	*res = NULL;
	int64_t		 n = -1;

	if ((*rc = pgs_exec(p, which, v, NULL, NULL, &res)) != STORE_OK)
		return -1;
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		if (PQntuples(res) != 1 || pgs_int64(PQgetvalue(res, 0, 0), &n) == -1)
			n = -1;
	} else
		n = pgs_changes(res);
	PQclear(res);
	if (n < 0)
		*rc = pgs_fail(p, STORE_ERROR, "a purge of keys gave no count");
	return (long)n;
}

enum store_res
pgs_key_purge(struct store *s, int64_t now, int limit)
{
	struct pgs	*p = (struct pgs *)s;
	char		 lim[NUM_MAX];
	PGresult	*res = NULL;
	enum store_res	 rc = STORE_OK;
	int64_t		 wait = 1;
	long		 moved, dropped;

	/*
	 * now is not used: what has expired is the database's clock's call,
	 * and how long to skip is measured here on a clock no one sets.
	 */
	(void)now;
	if (limit <= 0 || clock_mono_ms() < p->purge_after)
		return STORE_OK;
	num_format(lim, limit);
	p->purged = 1;
	if ((moved = purge_step(p, PGS_KEY_PURGE, lim, &rc)) == -1 ||
	    (dropped = purge_step(p, PGS_TOMB_PURGE, lim, &rc)) == -1)
		return rc;
	if (moved >= limit || dropped >= limit)
		return STORE_OK;	/* more may be due: purge again on the next write */
	/* All due rows are gone: nothing to do until the next one is due. */
	if ((rc = pgs_exec(p, PGS_KEY_NEXT_EXPIRY, NULL, NULL, NULL, &res)) != STORE_OK)
		return rc;
	/*
	 * No rows (NULL), or only due ones other transactions hold (left by
	 * SKIP LOCKED): look again in a second.
	 */
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) &&
	    pgs_int64(PQgetvalue(res, 0, 0), &wait) == 0 && wait < 1)
		wait = 1;
	if (wait > INT64_MAX / 1000 / 2)
		wait = INT64_MAX / 1000 / 2;
	p->purge_after = clock_mono_ms() + wait * 1000;
	PQclear(res);
	return STORE_OK;
}

enum store_res
pgs_key_count(struct store *s, int64_t now, int64_t cap, struct store_key_counts *c)
{
	struct pgs	*p = (struct pgs *)s;
	char		 lim[NUM_MAX];
	const char	*v[1] = { lim };
	PGresult	*res = NULL;
	enum store_res	 rc;

	(void)now;	/* what has expired is the database's clock's call */
	num_format(lim, cap);
	if ((rc = pgs_exec(p, PGS_KEY_COUNT, v, NULL, NULL, &res)) != STORE_OK)
		return rc;
	if (PQntuples(res) != 1 || pgs_int64(PQgetvalue(res, 0, 0), &c->rows) == -1 ||
	    pgs_int64(PQgetvalue(res, 0, 1), &c->expired) == -1 ||
	    pgs_int64(PQgetvalue(res, 0, 2), &c->tombstones) == -1)
		rc = pgs_fail(p, STORE_ERROR, "the key counts could not be read");
	PQclear(res);
	return rc;
}
