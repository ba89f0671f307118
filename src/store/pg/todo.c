#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "store/pg/pg.h"

/* A malloc'd copy of a result cell, or NULL (SQL NULL or out of memory). */
static char *
cell_dup(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : strdup(PQgetvalue(res, row, col));
}

/* Fills t from a binary row of PGS_TODO_COLS: 0, or -1 (t cleared). */
static int
todo_row(const PGresult *res, int row, struct todo *t)
{
	int64_t	 done;

	memset(t, 0, sizeof(*t));
	if (PQnfields(res) != 7 ||
	    pgs_cell_int(res, row, 0, 8, &t->id) == -1 ||
	    pgs_cell_int(res, row, 3, 4, &done) == -1 ||
	    pgs_cell_int(res, row, 4, 8, &t->version) == -1 ||
	    pgs_cell_stamp(res, row, 5, t->created_at) == -1 ||
	    pgs_cell_stamp(res, row, 6, t->updated_at) == -1 ||
	    (t->title = cell_dup(res, row, 1)) == NULL ||
	    (!PQgetisnull(res, row, 2) && (t->description = cell_dup(res, row, 2)) == NULL)) {
		todo_clear(t);
		return -1;
	}
	t->is_completed = done != 0;
	return 0;
}

enum store_res
pgs_todo_insert(struct store *s, const struct todo_in *in, const char *now,
    int64_t *id, char stamp[32])
{
	struct pgs	*p = (struct pgs *)s;
	const char	*v[3] = { in->title, in->description, in->is_completed ? "1" : "0" };
	PGresult	*res = NULL;
	enum store_res	 rc;

	(void)now;	/* the database's clock stamps it */
	if ((rc = pgs_exec(p, PGS_TODO_INSERT, v, NULL, NULL, &res)) != STORE_OK)
		return rc;
	if (PQntuples(res) != 1 || PQnfields(res) != 2 ||
	    pgs_cell_int(res, 0, 0, 8, id) == -1 || pgs_cell_stamp(res, 0, 1, stamp) == -1)
		rc = pgs_fail(p, STORE_ERROR, "INSERT INTO todos returned no id");
	PQclear(res);
	return rc;
}

enum store_res
pgs_todo_get(struct store *s, int64_t id, struct todo *t)
{
	struct pgs	*p = (struct pgs *)s;
	char		 num[NUM_MAX];
	const char	*v[1] = { num };
	PGresult	*res = NULL;
	enum store_res	 rc;

	memset(t, 0, sizeof(*t));
	num_format(num, id);
	if ((rc = pgs_exec(p, PGS_TODO_GET, v, NULL, NULL, &res)) != STORE_OK)
		return rc;
	if (PQntuples(res) == 0)
		rc = STORE_NOTFOUND;
	else if (todo_row(res, 0, t) == -1)
		rc = pgs_fail(p, STORE_ERROR, "a todo row could not be read");
	PQclear(res);
	return rc;
}

enum store_res
pgs_todo_update(struct store *s, const struct todo *t, const char *now)
{
	struct pgs	*p = (struct pgs *)s;
	char		 id[NUM_MAX], ver[NUM_MAX];
	const char	*v[5] = { id, t->title, t->description, t->is_completed ? "1" : "0", ver };
	PGresult	*res = NULL;
	enum store_res	 rc;
	long		 n;

	(void)now;	/* the database's clock stamps it */
	num_format(id, t->id);
	num_format(ver, t->version);
	if ((rc = pgs_exec(p, PGS_TODO_UPDATE, v, NULL, NULL, &res)) != STORE_OK)
		return rc;
	n = pgs_changes(res);
	PQclear(res);
	if (n == 1)
		return STORE_OK;
	if (n != 0)
		return pgs_fail(p, STORE_ERROR, "UPDATE todos changed an unexpected count");
	/* Rare: tell a newer version from a deleted row. */
	if ((rc = pgs_exec(p, PGS_TODO_EXISTS, v, NULL, NULL, &res)) != STORE_OK)
		return rc;
	rc = PQntuples(res) > 0 ? STORE_CONFLICT : STORE_NOTFOUND;
	PQclear(res);
	return rc;
}

enum store_res
pgs_todo_delete(struct store *s, int64_t id)
{
	char		 num[NUM_MAX];
	const char	*v[1] = { num };

	num_format(num, id);
	return pgs_exec((struct pgs *)s, PGS_TODO_DELETE, v, NULL, NULL, NULL);
}

enum store_res
pgs_todo_list(struct store *s, int64_t before, enum todo_show show, unsigned limit,
    struct todo **items, size_t *n)
{
	struct pgs	*p = (struct pgs *)s;
	char		 lim[NUM_MAX], bef[NUM_MAX];
	const char	*v[2] = { lim, bef };
	enum pgs_stmt	 st;
	struct todo	*t = NULL;
	PGresult	*res = NULL;
	enum store_res	 rc;
	int		 i = 0, rows;

	*items = NULL;
	*n = 0;
	num_format(lim, limit);
	if (show != TODO_SHOW_ALL) {
		st = show == TODO_SHOW_DONE ? PGS_TODO_LIST_DONE : PGS_TODO_LIST_OPEN;
		/* No cursor: below every id there can be. */
		num_format(bef, before > 0 ? before : INT64_MAX);
	} else {
		st = before > 0 ? PGS_TODO_LIST_BEFORE : PGS_TODO_LIST;
		num_format(bef, before);
	}
	if ((rc = pgs_exec(p, st, v, NULL, NULL, &res)) != STORE_OK)
		return rc;
	/* LIMIT bounds the rows; the array is as long as what came. */
	rows = PQntuples(res);
	if ((unsigned)rows > limit || (t = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*t))) == NULL) {
		rc = pgs_fail(p, STORE_ERROR, "out of memory listing todos");
		goto fail;
	}
	for (i = 0; i < rows; i++)
		if (todo_row(res, i, &t[i]) == -1) {
			rc = pgs_fail(p, STORE_ERROR, "a todo row could not be read");
			goto fail;
		}
	PQclear(res);
	*items = t;
	*n = (size_t)rows;
	return STORE_OK;
fail:
	while (t != NULL && i-- > 0)
		todo_clear(&t[i]);
	free(t);
	PQclear(res);
	return rc;
}

enum store_res
pgs_todo_counts(struct store *s, int64_t *open, int64_t *done)
{
	struct pgs	*p = (struct pgs *)s;
	PGresult	*res = NULL;
	enum store_res	 rc;

	*open = *done = 0;
	if ((rc = pgs_exec(p, PGS_TODO_COUNTS, NULL, NULL, NULL, &res)) != STORE_OK)
		return rc;
	if (PQntuples(res) != 1 || PQnfields(res) != 2 ||
	    pgs_int64(PQgetvalue(res, 0, 0), open) == -1 ||
	    pgs_int64(PQgetvalue(res, 0, 1), done) == -1)
		rc = pgs_fail(p, STORE_ERROR, "the todo counts could not be read");
	PQclear(res);
	return rc;
}
