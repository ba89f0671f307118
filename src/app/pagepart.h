#ifndef PAGEPART_H
#define PAGEPART_H

#include <stdint.h>

#include "app/app.h"
#include "app/form.h"
#include "app/ops.h"
#include "http/http.h"
#include "idem/idem.h"
#include "lib/buf.h"
#include "store/todo.h"

/*
 * What the pages (page.c: the list and its buttons; edit.c: a todo's own
 * page) share: where in the list a page was opened from, the todo form with
 * its messages, and running a form's operation under its key.
 */

#define PAGE_KEY_FIELD	"idempotency_key"

/* Where in the list: which todos are shown, and from which page. */
struct list_at {
	enum todo_show	 show;
	int64_t		 cursor;	/* ids below it; 0 for the first page */
};

/*
 * Reads the place from a page's query (show, cursor) or a form's hidden
 * fields of the same names. A value that is not one is the default: a link
 * or form from an older page still lands on a list.
 */
void	list_at_query(const struct req *, struct list_at *);
void	list_at_form(const struct form *, struct list_at *);

/* The list's address, with #todo-ID when anchor is not 0. */
void	list_at_url(const struct list_at *, int64_t anchor, char *out, size_t cap);
/* "?show=…&cursor=…" for a link to a page that leads back (empty for the default). */
void	list_at_qs(const struct list_at *, char *out, size_t cap);
/* The hidden fields that carry the place through a form. */
int	list_at_hidden(const struct list_at *, struct buf *);

/* A fresh operation key for a form: a random (version 4) UUID. */
void	page_new_key(char out[37]);

/* A stored time (RFC 3339, UTC) as people read it: "3 Dec 2026, 07:12 UTC". */
void	page_time(const char *rfc3339, char out[40]);

/* What the title and description of a form say is wrong, for people. */
struct field_errs {
	char	 title[160];
	char	 description[160];
};

/*
 * Checks the title and description fields of f into in (a missing
 * description is left unset unless desc_null, which makes it null):
 * 0 when both are good, 1 with the messages in e, -1 out of memory.
 */
int	page_check_fields(const struct form *f, struct todo_in *in, struct field_errs *e);

/* The todo form: the create form on the list, the edit form on a todo's page. */
struct form_view {
	const char		*cls;		/* "create" or "edit" */
	const char		*action;
	const char		*key;
	const char		*hidden;	/* more hidden fields (HTML), or NULL */
	const char		*title;
	const char		*description;
	const char		*button;
	const char		*cancel;	/* a link's address beside the button, or NULL */
	const struct field_errs	*errs;		/* NULL for none */
	int			 focus;		/* autofocus the title (no errors) */
};

int	page_form(struct buf *, const struct form_view *);

/*
 * Reads a form post into f and its key into key: 0 with *keyed 1 (a key)
 * or 0 (none, when keys are not required); 1 when r is the page saying
 * the form cannot be read (not a form, no valid key); -1 out of memory.
 * f is the caller's to free either way.
 */
int	page_form_read(struct app *, const struct req *, struct resp *, struct form *f,
	    char key[IDEM_KEY_MAX + 1], int *keyed);

/*
 * Runs a form's operation under its key. 1 when it was done or replayed
 * (r is its 303, to be pointed at the page to go back to); 0 when r is a
 * page that says why not (op refusals are left to the caller: *refused
 * set, r has only the status); -1 out of memory.
 */
int	page_run(struct app *, struct req *, struct resp *, const struct form *,
	    const char *key, struct op *, int *refused);

/* Points a form's 303 at url. 0, or -1 out of memory. */
int	page_see_other(struct resp *, const char *url);

/* A message page with extra HTML (may be NULL) and a way back (NULL: the list). */
int	page_message_at(struct resp *, int status, const char *heading, const char *text,
	    const char *extra, const char *back);

#endif
