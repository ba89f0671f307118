#ifndef SHOW_H
#define SHOW_H

/*
 * The filtered list and the counts, through the store's interface, on
 * whatever engine the handle has: all, open or done, newest first, with
 * and without a cursor, and how many are open and done after inserts,
 * completes, reopens and deletes. The table may hold todos already: their
 * counts are taken first, and they all lie below the ids inserted here.
 */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "store/store.h"

#define SHOW_NOW	"2026-12-03T07:00:00.000Z"

/* Inserts a todo: its id, or 0. */
static int64_t
show_insert(struct store *s, const char *title, int done)
{
	struct todo_in	 in = { 0, (char *)title, NULL, done };
	char		 stamp[32];
	int64_t		 id = 0;

	return store_todo_insert(s, &in, SHOW_NOW, &id, stamp) == STORE_OK ? id : 0;
}

/* Sets a todo's is_completed over the version it reads: the update's result. */
static enum store_res
show_set(struct store *s, int64_t id, int done)
{
	struct todo	 t;
	enum store_res	 rc;

	if ((rc = store_todo_get(s, id, &t)) != STORE_OK)
		return rc;
	t.is_completed = done;
	rc = store_todo_update(s, &t, SHOW_NOW);
	todo_clear(&t);
	return rc;
}

/*
 * Lists and checks the page: want[0..nwant) are its first ids, in order;
 * every item is of the kind show asks for, below before, newest first.
 * Returns how many came, or -1 when the list failed.
 */
static long
show_list(struct store *s, int64_t before, enum todo_show show, unsigned limit,
    const int64_t *want, size_t nwant)
{
	struct todo	*items = NULL;
	size_t		 n = 0, i;

	CHECK_INT(store_todo_list(s, before, show, limit, &items, &n), STORE_OK);
	if (items == NULL)
		return -1;
	CHECK(n <= limit);
	for (i = 0; i < n; i++) {
		if (i < nwant)
			CHECK_INT(items[i].id, want[i]);
		if (show != TODO_SHOW_ALL)
			CHECK_INT(items[i].is_completed, show == TODO_SHOW_DONE);
		CHECK(before == 0 || items[i].id < before);
		CHECK(i == 0 || items[i].id < items[i - 1].id);
		CHECK(items[i].title != NULL && items[i].version >= 1);
	}
	CHECK(n >= nwant);
	for (i = 0; i < n; i++)
		todo_clear(&items[i]);
	free(items);
	return (long)n;
}

static void
show_counts(struct store *s, int64_t open, int64_t done)
{
	int64_t	 o = -1, d = -1;

	CHECK_INT(store_todo_counts(s, &o, &d), STORE_OK);
	CHECK_INT(o, open);
	CHECK_INT(d, done);
}

static void
test_show(struct store *s)
{
	int64_t	 a[6], o0 = -1, d0 = -1;
	size_t	 i;

	CHECK_INT(store_todo_counts(s, &o0, &d0), STORE_OK);
	CHECK(o0 >= 0 && d0 >= 0);
	for (i = 0; i < 6; i++)
		CHECK((a[i] = show_insert(s, "show", i == 4)) > 0);
	show_counts(s, o0 + 5, d0 + 1);
	CHECK_INT(show_set(s, a[1], 1), STORE_OK);
	CHECK_INT(show_set(s, a[3], 1), STORE_OK);
	show_counts(s, o0 + 3, d0 + 3);

	/* First pages, then the next ones by cursor; earlier todos follow below. */
	show_list(s, 0, TODO_SHOW_ALL, 6, (int64_t[]){ a[5], a[4], a[3], a[2], a[1], a[0] }, 6);
	show_list(s, 0, TODO_SHOW_OPEN, 3, (int64_t[]){ a[5], a[2], a[0] }, 3);
	show_list(s, 0, TODO_SHOW_DONE, 3, (int64_t[]){ a[4], a[3], a[1] }, 3);
	show_list(s, 0, TODO_SHOW_DONE, 2, (int64_t[]){ a[4], a[3] }, 2);
	show_list(s, a[5], TODO_SHOW_OPEN, 2, (int64_t[]){ a[2], a[0] }, 2);
	show_list(s, a[2], TODO_SHOW_OPEN, 1, (int64_t[]){ a[0] }, 1);
	show_list(s, a[4], TODO_SHOW_DONE, 2, (int64_t[]){ a[3], a[1] }, 2);
	show_list(s, a[3], TODO_SHOW_ALL, 2, (int64_t[]){ a[2], a[1] }, 2);
	/* Below ours: exactly the todos that were there, of each kind. */
	CHECK_INT(show_list(s, a[0], TODO_SHOW_OPEN, 1000, NULL, 0), o0);
	CHECK_INT(show_list(s, a[1], TODO_SHOW_DONE, 1000, NULL, 0), d0);
	CHECK_INT(show_list(s, a[0], TODO_SHOW_ALL, 1000, NULL, 0), o0 + d0);
	CHECK_INT(show_list(s, 0, TODO_SHOW_DONE, 0, NULL, 0), 0);
	CHECK_INT(show_list(s, 1, TODO_SHOW_OPEN, 10, NULL, 0), 0);

	/* Reopened: back among the open ones, in id order. */
	CHECK_INT(show_set(s, a[4], 0), STORE_OK);
	show_counts(s, o0 + 4, d0 + 2);
	show_list(s, 0, TODO_SHOW_OPEN, 3, (int64_t[]){ a[5], a[4], a[2] }, 3);
	show_list(s, 0, TODO_SHOW_DONE, 2, (int64_t[]){ a[3], a[1] }, 2);

	/* Deleted: gone from the lists and the counts. */
	CHECK_INT(store_todo_delete(s, a[5]), STORE_OK);
	CHECK_INT(store_todo_delete(s, a[3]), STORE_OK);
	show_counts(s, o0 + 3, d0 + 1);
	show_list(s, 0, TODO_SHOW_OPEN, 1, (int64_t[]){ a[4] }, 1);
	show_list(s, 0, TODO_SHOW_DONE, 1, (int64_t[]){ a[1] }, 1);
	show_list(s, a[1], TODO_SHOW_DONE, 1, NULL, 0);
	for (i = 0; i < 6; i++)
		CHECK_INT(store_todo_delete(s, a[i]), STORE_OK);
	show_counts(s, o0, d0);
}

#endif
