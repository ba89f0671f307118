#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sq.h"

enum store_res
sq_todo_insert(struct store *s, const struct todo_in *in, const char *now, int64_t *id,
    char stamp[32])
{
	struct sq	*db = SQ(s);
	sqlite3_stmt	*st = db->stmt[SQ_TODO_INSERT];
	enum store_res	 rc;

	if (sq_bind_text(st, 1, in->title) != SQLITE_OK ||
	    sq_bind_text(st, 2, in->description) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, in->is_completed ? 1 : 0) != SQLITE_OK ||
	    sq_bind_text(st, 4, now) != SQLITE_OK) {
		sq_done(st);
		return STORE_ERROR;
	}
	if ((rc = sq_exec(db, SQ_TODO_INSERT)) != STORE_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(db->h);
	snprintf(stamp, 32, "%s", now);
	return STORE_OK;
}

/* Fills t from the current row of a TODO_COLS statement: 0, or -1 when out of memory. */
static int
todo_row(sqlite3_stmt *st, struct todo *t)
{
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	if ((t->title = sq_col_dup(st, 1)) == NULL)
		return -1;
	if (sqlite3_column_type(st, 2) != SQLITE_NULL &&
	    (t->description = sq_col_dup(st, 2)) == NULL)
		return -1;
	t->is_completed = sqlite3_column_int(st, 3) != 0;
	t->version = sqlite3_column_int64(st, 4);
	sq_col_copy(st, 5, t->created_at, sizeof(t->created_at));
	sq_col_copy(st, 6, t->updated_at, sizeof(t->updated_at));
	return 0;
}

enum store_res
sq_todo_get(struct store *s, int64_t id, struct todo *t)
{
	sqlite3_stmt	*st = SQ(s)->stmt[SQ_TODO_GET];
	enum store_res	 res;
	int		 rc;

	memset(t, 0, sizeof(*t));
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		res = todo_row(st, t) == 0 ? STORE_OK : STORE_ERROR;
	else if (rc == SQLITE_DONE)
		res = STORE_NOTFOUND;
	else
		res = sq_fail(SQ(s), rc);
	if (res == STORE_ERROR)
		todo_clear(t);
	sq_done(st);
	return res;
}

enum store_res
sq_todo_update(struct store *s, const struct todo *t, const char *now)
{
	struct sq	*db = SQ(s);
	sqlite3_stmt	*st = db->stmt[SQ_TODO_UPDATE];
	struct todo	 cur;
	enum store_res	 rc;

	sqlite3_bind_int64(st, 1, t->id);
	sq_bind_text(st, 2, t->title);
	sq_bind_text(st, 3, t->description);
	sqlite3_bind_int(st, 4, t->is_completed ? 1 : 0);
	sq_bind_text(st, 5, now);
	sqlite3_bind_int64(st, 6, t->version);
	if ((rc = sq_exec(db, SQ_TODO_UPDATE)) != STORE_OK || sqlite3_changes(db->h) == 1)
		return rc;
	/* Not over the version read: a newer change, or none left to change. */
	if ((rc = sq_todo_get(s, t->id, &cur)) == STORE_OK)
		rc = STORE_CONFLICT;
	todo_clear(&cur);
	return rc;
}

enum store_res
sq_todo_delete(struct store *s, int64_t id)
{
	struct sq	*db = SQ(s);

	sqlite3_bind_int64(db->stmt[SQ_TODO_DELETE], 1, id);
	return sq_exec(db, SQ_TODO_DELETE);
}

enum store_res
sq_todo_list(struct store *s, int64_t before, enum todo_show show, unsigned limit,
    struct todo **items, size_t *n)
{
	struct sq	*db = SQ(s);
	sqlite3_stmt	*st;
	struct todo	*v = NULL;
	enum store_res	 res = STORE_OK;
	size_t		 i;
	int		 rc = SQLITE_DONE;

	*items = NULL;
	*n = 0;
	if (show != TODO_SHOW_ALL)
		st = db->stmt[SQ_TODO_LIST_SHOW];
	else
		st = db->stmt[before > 0 ? SQ_TODO_LIST_BEFORE : SQ_TODO_LIST];
	if ((v = calloc(limit > 0 ? limit : 1, sizeof(*v))) == NULL)
		return STORE_ERROR;
	sqlite3_bind_int(st, 1, (int)limit);
	if (show != TODO_SHOW_ALL) {
		/* No cursor: below every id there can be. */
		sqlite3_bind_int64(st, 2, before > 0 ? before : INT64_MAX);
		sqlite3_bind_int(st, 3, show == TODO_SHOW_DONE);
	} else if (before > 0)
		sqlite3_bind_int64(st, 2, before);
	for (i = 0; i < limit && (rc = sqlite3_step(st)) == SQLITE_ROW; i++)
		if (todo_row(st, &v[i]) == -1) {
			todo_clear(&v[i]);
			res = STORE_ERROR;
			break;
		}
	if (res == STORE_OK && i < limit && rc != SQLITE_DONE)
		res = sq_fail(SQ(s), rc);
	sq_done(st);
	if (res != STORE_OK) {
		while (i > 0)
			todo_clear(&v[--i]);
		free(v);
		return res;
	}
	*items = v;
	*n = i;
	return STORE_OK;
}

enum store_res
sq_todo_counts(struct store *s, int64_t *open, int64_t *done)
{
	sqlite3_stmt	*st = SQ(s)->stmt[SQ_TODO_COUNTS];
	enum store_res	 res = STORE_OK;
	int		 rc;

	*open = *done = 0;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*open = sqlite3_column_int64(st, 1);
		*done = sqlite3_column_int64(st, 0) - *open;
	} else
		res = sq_fail(SQ(s), rc);
	sq_done(st);
	return res;
}
