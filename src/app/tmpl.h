#ifndef TMPL_H
#define TMPL_H

#include <stddef.h>

#include "lib/buf.h"

/*
 * Templates from templates/, loaded once per process. A template is HTML
 * with {{name}} placeholders. Every value is HTML-escaped when rendered,
 * except values made with tmpl_raw(), which hold HTML this program built
 * (itself from escaped values).
 */
enum tmpl_id {
	TMPL_LAYOUT,	/* layout.html: the page shell */
	TMPL_INDEX,	/* index.html: notice, create form and the list */
	TMPL_FORM,	/* form.html: the create and edit form */
	TMPL_ITEM,	/* item.html: one todo in the list */
	TMPL_MESSAGE,	/* message.html: an error or notice page body */
	TMPL_EDIT,	/* edit.html: a todo's own page, its edit form */
	TMPL_CONFLICT,	/* conflict.html: an edit of a version changed meanwhile */
	TMPL_CONFIRM,	/* confirm.html: whether to delete a todo */
	TMPL__MAX
};

struct tmpl_var {
	const char	*name;
	const char	*value;
	int		 raw;
};

/* A value that is escaped when rendered. */
#define tmpl_var(n, v)	((struct tmpl_var){ (n), (v), 0 })
/* A value inserted as is: only for HTML rendered by this program. */
#define tmpl_raw(n, v)	((struct tmpl_var){ (n), (v), 1 })

/* Loads every template from dir. 0, or -1 with a message on stderr. */
int	tmpl_load(const char *dir);

/*
 * Appends template id rendered with vars to out. A placeholder with no
 * var is an error. 0, or -1 (unknown placeholder or out of memory).
 */
int	tmpl_render(struct buf *out, enum tmpl_id, const struct tmpl_var *, size_t);

/*
 * Appends the whole file dir/name (a file shipped with the templates, read
 * as is, never rendered) to out: TMPL_FILE_OK, TMPL_FILE_MISSING when there
 * is no such file, TMPL_FILE_ERROR (logged) when it cannot be read or out of
 * memory. name comes from the program or is checked by the caller.
 */
enum tmpl_file_res {
	TMPL_FILE_OK,
	TMPL_FILE_MISSING,
	TMPL_FILE_ERROR
};
enum tmpl_file_res	tmpl_file(struct buf *out, const char *dir, const char *name);

void	tmpl_free(void);

#endif
