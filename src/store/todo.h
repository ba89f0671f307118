#ifndef TODO_H
#define TODO_H

#include <stdint.h>

/* A stored todo, as read from the database. Strings are owned by the struct. */
struct todo {
	int64_t	 id;
	char	*title;
	char	*description;	/* NULL when the todo has none */
	int	 is_completed;
	int64_t	 version;	/* bumped on every change; the ETag is built from it */
	char	 created_at[32];	/* RFC 3339 UTC, e.g. 2026-11-22T15:40:00.123Z */
	char	 updated_at[32];
};

/* Which todos a list shows: every one, the open ones, or the done ones. */
enum todo_show {
	TODO_SHOW_ALL = 0,
	TODO_SHOW_OPEN,	/* is_completed false */
	TODO_SHOW_DONE	/* is_completed true */
};

/* Which fields a request sets (bits of 1u << FIELD_x, see valid.h). */
struct todo_in {
	unsigned  set;
	char	 *title;	/* trimmed, valid UTF-8; owned */
	char	 *description;	/* NULL when absent or JSON null; owned */
	int	  is_completed;
};

/* Frees the strings of a todo / todo_in (not the struct); NULL-safe. */
void	todo_clear(struct todo *);
void	todo_in_clear(struct todo_in *);

#endif
