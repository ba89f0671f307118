#include <string.h>

#include "store/sqlite/sq.h"

enum store_res
sq_key_claim(struct store *s, const struct store_claim *c, int64_t *expires_at)
{
	struct sq	*db = SQ(s);
	sqlite3_stmt	*st = db->stmt[SQ_KEY_CLAIM];
	enum store_res	 rc;

	sq_bind_text(st, 1, c->scope);
	sq_bind_text(st, 2, c->key);
	sq_bind_text(st, 3, c->method);
	sq_bind_text(st, 4, c->path);
	sq_bind_text(st, 5, c->fingerprint);
	sq_bind_text(st, 6, c->raw_fingerprint);
	sqlite3_bind_int64(st, 7, c->now);
	sqlite3_bind_int64(st, 8, c->ttl);
	sqlite3_bind_int64(st, 9, db->horizon);
	if ((rc = sq_exec(db, SQ_KEY_CLAIM)) != STORE_OK)
		return rc;
	/* No row inserted or taken over: the key is remembered still. */
	if (sqlite3_changes(db->h) != 1)
		return STORE_EXISTS;
	if (expires_at != NULL)
		*expires_at = c->now + c->ttl;
	return STORE_OK;
}

enum store_res
sq_key_record(struct store *s, const char *scope, const char *key, int64_t todo_id,
    int status, const char *headers, const void *body, size_t len)
{
	struct sq	*db = SQ(s);
	sqlite3_stmt	*st = db->stmt[SQ_KEY_RECORD];
	enum store_res	 rc;

	sq_bind_text(st, 1, scope);
	sq_bind_text(st, 2, key);
	if (todo_id > 0)
		sqlite3_bind_int64(st, 3, todo_id);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int(st, 4, status);
	sq_bind_text(st, 5, headers);
	sqlite3_bind_blob(st, 6, len > 0 ? body : "", (int)len, SQLITE_STATIC);
	if ((rc = sq_exec(db, SQ_KEY_RECORD)) != STORE_OK)
		return rc;
	return sqlite3_changes(db->h) == 1 ? STORE_OK : STORE_ERROR;
}

enum store_res
sq_key_get(struct store *s, const char *scope, const char *key, int64_t now,
    struct store_key *k)
{
	sqlite3_stmt	*st = SQ(s)->stmt[SQ_KEY_GET];
	enum store_res	 res = STORE_OK;
	const void	*blob;
	int		 rc;

	memset(k, 0, sizeof(*k));
	sq_bind_text(st, 1, scope);
	sq_bind_text(st, 2, key);
	sqlite3_bind_int64(st, 3, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		k->status = sqlite3_column_int(st, 3);
		k->expires_at = sqlite3_column_int64(st, 6);
		k->todo_id = sqlite3_column_int64(st, 8);
		k->expired = sqlite3_column_int(st, 9) != 0;
		if ((k->method = sq_col_dup(st, 0)) == NULL ||
		    (k->path = sq_col_dup(st, 1)) == NULL ||
		    (k->fingerprint = sq_col_dup(st, 2)) == NULL ||
		    (k->headers = sq_col_dup(st, 4)) == NULL ||
		    (sqlite3_column_type(st, 7) != SQLITE_NULL &&
		    (k->raw_fingerprint = sq_col_dup(st, 7)) == NULL))
			res = STORE_ERROR;
		blob = sqlite3_column_blob(st, 5);
		if (res == STORE_OK && buf_append(&k->body, blob != NULL ? blob : "",
		    (size_t)sqlite3_column_bytes(st, 5)) == -1)
			res = STORE_ERROR;
	} else if (rc == SQLITE_DONE)
		res = STORE_NOTFOUND;
	else
		res = sq_fail(SQ(s), rc);
	sq_done(st);
	if (res != STORE_OK)
		store_key_clear(k);
	return res;
}

/* Runs a purge statement over what is due by now, at most limit rows: their count, or -1. */
static int
purge_step(struct sq *db, enum sq_stmt which, int64_t now, int limit, enum store_res *rc)
{
	sqlite3_stmt	*st = db->stmt[which];

	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, limit);
	if ((*rc = sq_exec(db, which)) != STORE_OK)
		return -1;
	return sqlite3_changes(db->h);
}

enum store_res
sq_key_purge(struct store *s, int64_t now, int limit)
{
	struct sq	*db = SQ(s);
	sqlite3_stmt	*st;
	enum store_res	 rc = STORE_OK;
	int		 moved, dropped, step;

	if (now < db->purge_after || limit <= 0)
		return STORE_OK;
	/* The same oldest rows: copied as tombstones, then deleted. */
	db->purged = 1;
	if (purge_step(db, SQ_KEY_MOVE, now, limit, &rc) == -1 ||
	    (moved = purge_step(db, SQ_KEY_PURGE, now, limit, &rc)) == -1 ||
	    (dropped = purge_step(db, SQ_TOMB_PURGE, now, limit, &rc)) == -1)
		return rc;
	if (moved >= limit || dropped >= limit)
		return STORE_OK;	/* more may be due: purge again on the next write */
	/* All due rows are gone: nothing to do until the next one expires. */
	st = db->stmt[SQ_KEY_NEXT_EXPIRY];
	sqlite3_bind_int64(st, 1, now);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		db->purge_after = sqlite3_column_int64(st, 0);
	else if (step == SQLITE_ROW || step == SQLITE_DONE)
		db->purge_after = now + 1;
	else
		rc = sq_fail(db, step);
	sq_done(st);
	return rc;
}

enum store_res
sq_key_count(struct store *s, int64_t now, int64_t cap, struct store_key_counts *c)
{
	sqlite3_stmt	*st = SQ(s)->stmt[SQ_KEY_COUNT];
	enum store_res	 res = STORE_OK;
	int		 rc;

	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, cap);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c->rows = sqlite3_column_int64(st, 0);
		c->expired = sqlite3_column_int64(st, 1);
		c->tombstones = sqlite3_column_int64(st, 2);
	} else
		res = sq_fail(SQ(s), rc);
	sq_done(st);
	return res;
}
