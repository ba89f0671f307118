#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "lib/html.h"
#include "app/ops.h"
#include "app/page.h"
#include "app/pagepart.h"
#include "app/tmpl.h"
#include "app/valid.h"

/*
 * A todo's own page: its edit form, which carries the version it was
 * read at, so that an edit of a version changed meanwhile is shown side
 * by side with it instead of silently overwriting it.
 */

/* The hidden fields of an edit form: the version edited and the list's place. */
static int
edit_hidden(struct buf *b, int64_t version, const struct list_at *at)
{
	if (buf_printf(b, "<input type=\"hidden\" name=\"version\" value=\"%lld\">",
	    (long long)version) == -1)
		return -1;
	return list_at_hidden(at, b);
}

/* Reads todo id for a page: 0, or 1 with r its 404 or 503 page. */
static int
read_todo(struct app *app, struct resp *r, int64_t id, struct todo *t, int *rc)
{
	switch (store_todo_get(app->db, id, t)) {
	case STORE_OK:
		return 0;
	case STORE_NOTFOUND:
		*rc = page_message(r, 404, "That todo is gone", "There is no such todo: it "
		    "was deleted, or the link is mistyped.");
		return 1;
	default:
		*rc = page_message(r, 503, "Try again in a moment",
		    "The todos cannot be read right now. Reload the page in a moment.");
		r->retry_after = 1;
		return 1;
	}
}

/*
 * The edit page of t, the form showing title and description (t's own
 * when NULL) with errs, under key.
 */
static int
edit_page(struct resp *r, int status, const struct todo *t, const struct list_at *at,
    const char *key, const char *title, const char *desc, const struct field_errs *errs)
{
	struct buf	 form = { 0 }, hidden = { 0 }, c = { 0 };
	char		 action[48], back[96], created[40], updated[40];
	int		 rc = -1;

	snprintf(action, sizeof(action), "/todos/%lld/edit", (long long)t->id);
	list_at_url(at, t->id, back, sizeof(back));
	page_time(t->created_at, created);
	page_time(t->updated_at, updated);
	if (edit_hidden(&hidden, t->version, at) == -1)
		goto out;
	{
		struct form_view fv = { "edit", action, key, hidden.data,
		    title != NULL ? title : t->title,
		    title != NULL ? desc : t->description, "Save", back, errs, 0 };

		if (page_form(&form, &fv) == -1)
			goto out;
	}
	{
		struct tmpl_var	 v[] = {
			tmpl_var("title", t->title),
			tmpl_var("created_at", t->created_at),
			tmpl_var("created_exact", t->created_at),
			tmpl_var("created_text", created),
			tmpl_var("updated_at", t->updated_at),
			tmpl_var("updated_exact", t->updated_at),
			tmpl_var("updated_text", updated),
			tmpl_raw("form", form.data),
		};

		if (tmpl_render(&c, TMPL_EDIT, v, sizeof(v) / sizeof(v[0])) == -1)
			goto out;
	}
	rc = page_layout(r, status, "Edit todo", &c);
out:
	buf_free(&form);
	buf_free(&hidden);
	buf_free(&c);
	return rc;
}

int
page_todo(struct app *app, struct req *req, struct resp *r)
{
	struct todo	 t = { 0 };
	struct list_at	 at;
	char		 key[37];
	int		 rc = -1;

	list_at_query(req, &at);
	if (read_todo(app, r, req->id, &t, &rc))
		return rc;
	page_new_key(key);
	rc = edit_page(r, 200, &t, &at, key, NULL, NULL, NULL);
	todo_clear(&t);
	return rc;
}

/*
 * The edit was of a version changed meanwhile: both versions side by
 * side, and a form that saves these values over the version now saved.
 */
static int
conflict_page(struct app *app, struct resp *r, int64_t id, const struct todo_in *in,
    const struct list_at *at)
{
	struct todo	 t = { 0 };
	struct buf	 form = { 0 }, c = { 0 };
	char		 key[37], back[96], updated[40];
	int		 rc = -1;

	if (read_todo(app, r, id, &t, &rc))
		return rc;
	page_new_key(key);
	list_at_url(at, id, back, sizeof(back));
	page_time(t.updated_at, updated);
	if (buf_printf(&form, "<form method=\"post\" action=\"/todos/%lld/edit\">"
	    "<input type=\"hidden\" name=\"idempotency_key\" value=\"%s\">", (long long)id,
	    key) == -1 || edit_hidden(&form, t.version, at) == -1 ||
	    buf_puts(&form, "<input type=\"hidden\" name=\"title\" value=\"") == -1 ||
	    html_attr(&form, in->title) == -1 ||
	    buf_puts(&form, "\"><input type=\"hidden\" name=\"description\" value=\"") == -1 ||
	    html_attr(&form, in->description != NULL ? in->description : "") == -1 ||
	    buf_puts(&form, "\"><p><button type=\"submit\">Save my changes</button></p>"
	    "</form>") == -1)
		goto out;
	{
		struct tmpl_var	 v[] = {
			tmpl_var("saved_title", t.title),
			tmpl_var("saved_description", t.description != NULL ?
			    t.description : "(none)"),
			tmpl_var("updated_at", t.updated_at),
			tmpl_var("updated_exact", t.updated_at),
			tmpl_var("updated_text", updated),
			tmpl_var("your_title", in->title),
			tmpl_var("your_description", in->description != NULL ?
			    in->description : "(none)"),
			tmpl_raw("save_form", form.data),
			tmpl_var("back", back),
		};

		if (tmpl_render(&c, TMPL_CONFLICT, v, sizeof(v) / sizeof(v[0])) == -1)
			goto out;
	}
	rc = page_layout(r, 409, "Changed elsewhere", &c);
out:
	todo_clear(&t);
	buf_free(&form);
	buf_free(&c);
	return rc;
}

int
page_edit(struct app *app, struct req *req, struct resp *r)
{
	struct form		 f = { 0 };
	struct todo_in		 in = { 0 };
	struct field_errs	 errs;
	struct op		 op = { 0 };
	struct list_at		 at;
	const struct form_field	*v;
	int64_t			 version;
	char			 key[IDEM_KEY_MAX + 1], etag[48], url[96];
	int			 rc = -1, k, bad, refused;

	if ((rc = page_form_read(app, req, r, &f, key, &k)) != 0) {
		rc = rc == 1 ? 0 : -1;
		goto out;
	}
	rc = -1;
	list_at_form(&f, &at);
	if ((v = form_get(&f, "version")) == NULL ||
	    valid_id(v->value, v->vlen, &version) == -1) {
		rc = page_message(r, 400, "The form could not be read",
		    "It does not say which version of the todo it edits. Reload the page "
		    "and try again.");
		goto out;
	}
	if ((bad = page_check_fields(&f, &in, &errs)) == -1)
		goto out;
	if (bad) {
		struct todo		 t = { 0 };
		const struct form_field	*ti = form_get(&f, "title"), *d = form_get(&f, "description");

		if (read_todo(app, r, req->id, &t, &rc))
			goto out;
		/* The key is kept: the corrected form is the same operation. */
		if (k == 0)
			page_new_key(key);
		t.version = version;	/* the version this form edits, not a newer one */
		rc = edit_page(r, 422, &t, &at, key, ti != NULL ? ti->value : "",
		    d != NULL ? d->value : "", &errs);
		todo_clear(&t);
		goto out;
	}
	snprintf(etag, sizeof(etag), "\"%lld-%lld\"", (long long)req->id, (long long)version);
	op.kind = OP_PATCH;
	op.out = OUT_SEE_OTHER;
	op.id = req->id;
	op.in = &in;
	op.if_match = etag;
	if ((rc = page_run(app, req, r, &f, k == 1 ? key : NULL, &op, &refused)) == 1) {
		list_at_url(&at, req->id, url, sizeof(url));
		rc = page_see_other(r, url);
	} else if (rc == 0 && refused)
		rc = r->status == 412 ? conflict_page(app, r, req->id, &in, &at) :
		    page_message(r, 404, "That todo is gone", "It was deleted, perhaps in "
		    "another window, so your changes were not saved.");
out:
	form_free(&f);
	todo_in_clear(&in);
	return rc;
}
