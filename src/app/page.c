#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "app/form.h"
#include "lib/html.h"
#include "app/ops.h"
#include "app/page.h"
#include "app/pagepart.h"
#include "app/tmpl.h"
#include "app/valid.h"

#define PAGE_ITEMS	50

int
page_layout(struct resp *r, int status, const char *title, const struct buf *content)
{
	struct tmpl_var	 v[] = {
		tmpl_var("title", title),
		tmpl_raw("content", content->data != NULL ? content->data : ""),
	};

	http_resp_reset(r);
	r->status = status;
	r->ctype = CTYPE_HTML_STR;
	return tmpl_render(&r->body, TMPL_LAYOUT, v, sizeof(v) / sizeof(v[0]));
}

int
page_message_at(struct resp *r, int status, const char *heading, const char *text,
    const char *extra, const char *back)
{
	struct buf	 c = { 0 };
	struct tmpl_var	 v[] = {
		tmpl_var("heading", heading),
		tmpl_var("message", text),
		tmpl_raw("extra", extra != NULL ? extra : ""),
		tmpl_var("back", back != NULL ? back : "/"),
	};
	int		 rc = -1;

	if (tmpl_render(&c, TMPL_MESSAGE, v, sizeof(v) / sizeof(v[0])) == 0)
		rc = page_layout(r, status, heading, &c);
	buf_free(&c);
	return rc;
}

int
page_message(struct resp *r, int status, const char *heading, const char *text)
{
	return page_message_at(r, status, heading, text, NULL, NULL);
}

int
page_wanted(const struct req *req)
{
	const char	*a = http_param(req, "HTTP_ACCEPT"), *html, *json;

	/* Browsers list text/html first; API clients ask for JSON or anything. */
	if (a == NULL || (html = strstr(a, "text/html")) == NULL)
		return 0;
	return (json = strstr(a, "json")) == NULL || html < json;
}

int
page_error(struct resp *r)
{
	static const struct {
		int		 status;
		const char	*heading;
		const char	*text;
	} pages[] = {
		{ 400, "The request could not be read", "The address or the data sent is "
		    "not valid, so nothing was changed. Go back, reload the page and try "
		    "again." },
		{ 404, "Page not found", "There is nothing at this address. The todo may "
		    "have been deleted, or the link may be mistyped." },
		{ 405, "Not possible here", "This address does not take that kind of "
		    "request, so nothing was changed." },
		{ 413, "Too much to send", "What was sent is larger than 64 KiB, so nothing "
		    "was saved. Shorten the description and send it again." },
		{ 415, "The form could not be read", "It was not sent as a form, so nothing "
		    "was changed. Reload the page and try again." },
		{ 500, "Something went wrong", "The server failed while handling this "
		    "request. Reload the page; a form sent again is saved once, whether "
		    "or not the first try was." },
		{ 503, "Try again in a moment", "The todos cannot be reached right now. "
		    "Reload the page in a moment; nothing sent is saved twice." },
	};
	const char	*allow = r->allow;
	int		 status = r->status, retry = r->retry_after;
	size_t		 i;

	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		if (pages[i].status == status)
			break;
	if (i == sizeof(pages) / sizeof(pages[0]))
		i = status >= 500 ? 5 : 0;
	if (page_message(r, status, pages[i].heading, pages[i].text) == -1)
		return -1;
	r->allow = allow;
	r->retry_after = retry;
	return 0;
}

/* The filter links above the list, each with its count. */
static int
render_filter(struct buf *out, const struct list_at *at, int64_t open, int64_t done)
{
	static const char *const labels[] = { "All", "Open", "Done" };
	static const char *const names[] = { "all", "open", "done" };
	int64_t		 counts[3] = { open + done, open, done };
	int		 i;

	if (buf_puts(out, "<nav class=\"filter\" aria-label=\"Show todos\">") == -1)
		return -1;
	for (i = 0; i < 3; i++)
		if (buf_printf(out, "<a href=\"/?show=%s\"%s>%s <span class=\"count\">%lld"
		    "</span></a>", names[i], (int)at->show == i ? " aria-current=\"page\"" : "",
		    labels[i], (long long)counts[i]) == -1)
			return -1;
	return buf_puts(out, "</nav>");
}

static int
render_item(struct buf *out, const struct todo *t, const struct list_at *at)
{
	char		 id[24], tkey[37], dkey[37], when[40], qs[64];
	struct buf	 hidden = { 0 }, desc = { 0 };
	int		 rc = -1;

	snprintf(id, sizeof(id), "%lld", (long long)t->id);
	page_new_key(tkey);
	page_new_key(dkey);
	page_time(t->created_at, when);
	list_at_qs(at, qs, sizeof(qs));
	if (list_at_hidden(at, &hidden) == -1)
		goto out;
	if (t->description != NULL && t->description[0] != '\0' &&
	    (buf_puts(&desc, "<span class=\"description\">") == -1 ||
	    html_text(&desc, t->description) == -1 || buf_puts(&desc, "</span>") == -1))
		goto out;
	{
		struct tmpl_var	 v[] = {
			tmpl_var("id", id),
			tmpl_var("title", t->title),
			tmpl_raw("description", desc.data != NULL ? desc.data : ""),
			tmpl_var("created_at", t->created_at),
			tmpl_var("created_exact", t->created_at),
			tmpl_var("created_text", when),
			tmpl_var("state_class", t->is_completed ? "done" : "open"),
			tmpl_var("toggle_key", tkey),
			tmpl_var("toggle_value", t->is_completed ? "0" : "1"),
			tmpl_var("toggle_label", t->is_completed ? "Mark as not done" :
			    "Mark as done"),
			tmpl_var("delete_key", dkey),
			tmpl_raw("at", hidden.data != NULL ? hidden.data : ""),
			tmpl_var("at_query", qs),
		};

		rc = tmpl_render(out, TMPL_ITEM, v, sizeof(v) / sizeof(v[0]));
	}
out:
	buf_free(&hidden);
	buf_free(&desc);
	return rc;
}

/* The text for an empty list, by what is shown. */
static const char *
empty_text(const struct list_at *at, int64_t open, int64_t done)
{
	if (at->cursor > 0)
		return "No older todos here.";
	if (at->show == TODO_SHOW_OPEN)
		return done > 0 ? "Nothing left to do: every todo is done." :
		    "Nothing to do yet.";
	if (at->show == TODO_SHOW_DONE)
		return open > 0 ? "No todo is done yet." : "Nothing to do yet.";
	return "Nothing to do yet.";
}

/*
 * The list page at at, with notice and the create form (both HTML) above
 * it. A store that cannot be read is a 503 page.
 */
static int
list_page(struct app *app, struct req *req, struct resp *r, int status,
    const struct list_at *at, const char *notice, const char *form)
{
	struct todo	*items = NULL;
	struct buf	 list = { 0 }, filter = { 0 }, older = { 0 }, empty = { 0 }, c = { 0 };
	size_t		 n = 0, i;
	int64_t		 open = 0, done = 0;
	char		 key[37];
	int		 rc = -1;
	enum store_res	 dr;

	if ((dr = store_todo_counts(app->db, &open, &done)) == STORE_OK)
		dr = store_todo_list(app->db, at->cursor, at->show, PAGE_ITEMS + 1, &items, &n);
	if (dr != STORE_OK) {
		if (dr == STORE_BUSY || dr == STORE_DOWN) {
			rc = page_message(r, 503, "Try again in a moment",
			    "The todos cannot be read right now. Reload the page in a moment.");
			r->retry_after = 1;
		}
		goto out;
	}
	if (render_filter(&filter, at, open, done) == -1)
		goto out;
	for (i = 0; i < n && i < PAGE_ITEMS; i++)
		if (render_item(&list, &items[i], at) == -1)
			goto out;
	if (n > PAGE_ITEMS) {
		struct list_at	 next = { at->show, items[PAGE_ITEMS - 1].id };
		char		 url[96];

		list_at_url(&next, 0, url, sizeof(url));
		if (buf_puts(&older, "<a class=\"older button\" href=\"") == -1 ||
		    html_attr(&older, url) == -1 || buf_puts(&older, "\">Older todos</a>") == -1)
			goto out;
	}
	if (n == 0 && (buf_puts(&empty, "<p class=\"empty\">") == -1 ||
	    html_text(&empty, empty_text(at, open, done)) == -1 ||
	    buf_puts(&empty, "</p>") == -1))
		goto out;
	{
		struct tmpl_var	 vars[] = {
			tmpl_raw("notice", notice != NULL ? notice : ""),
			tmpl_raw("form", form),
			tmpl_raw("filter", filter.data),
			tmpl_raw("empty", empty.data != NULL ? empty.data : ""),
			tmpl_raw("items", list.data != NULL ? list.data : ""),
			tmpl_raw("older", older.data != NULL ? older.data : ""),
		};

		if (tmpl_render(&c, TMPL_INDEX, vars, sizeof(vars) / sizeof(vars[0])) == -1)
			goto out;
	}
	if ((rc = page_layout(r, status, "Todos", &c)) == 0 && req->session == NULL) {
		/* A browser's first visit: its session scopes the keys of its forms. */
		page_new_key(key);
		snprintf(r->set_cookie, sizeof(r->set_cookie), "%s", key);
	}
out:
	for (i = 0; i < n; i++)
		todo_clear(&items[i]);
	free(items);
	buf_free(&list);
	buf_free(&filter);
	buf_free(&older);
	buf_free(&empty);
	buf_free(&c);
	return rc;
}

int
page_index(struct app *app, struct req *req, struct resp *r)
{
	struct todo	 created = { 0 };
	struct buf	 notice = { 0 }, form = { 0 };
	struct list_at	 at;
	struct form_view fv = { "create", "/todos", NULL, NULL, NULL, NULL, "Create",
	    NULL, NULL, 0 };
	char		 v[32], key[37];
	int64_t		 id;
	int		 rc = -1;

	list_at_query(req, &at);
	if (http_query(req, "created", v, sizeof(v)) == 1 &&
	    valid_id(v, strlen(v), &id) == 0 &&
	    store_todo_get(app->db, id, &created) == STORE_OK) {
		/* Just created: say so, and be ready for the next one. */
		if (buf_puts(&notice, "<p class=\"notice\" role=\"status\">Created \u2018") == -1 ||
		    html_text(&notice, created.title) == -1 ||
		    buf_puts(&notice, "\u2019</p>") == -1)
			goto out;
		fv.focus = 1;
	}
	page_new_key(key);
	fv.key = key;
	if (page_form(&form, &fv) == -1)
		goto out;
	rc = list_page(app, req, r, 200, &at, notice.data, form.data);
out:
	todo_clear(&created);
	buf_free(&notice);
	buf_free(&form);
	return rc;
}

int
page_create(struct app *app, struct req *req, struct resp *r)
{
	struct form		 f = { 0 };
	struct todo_in		 in = { 0 };
	struct field_errs	 errs;
	struct buf		 form = { 0 };
	struct op		 op = { 0 };
	struct list_at		 at = { TODO_SHOW_ALL, 0 };
	char			 key[IDEM_KEY_MAX + 1];
	int			 rc = -1, k, bad, refused;

	if ((rc = page_form_read(app, req, r, &f, key, &k)) != 0) {
		rc = rc == 1 ? 0 : -1;
		goto out;
	}
	rc = -1;
	/* Every field is checked, so the form comes back with all its messages. */
	if ((bad = page_check_fields(&f, &in, &errs)) == -1)
		goto out;
	if (bad) {
		const struct form_field	*t = form_get(&f, "title"), *d = form_get(&f, "description");
		struct form_view	 fv = { "create", "/todos", key, NULL,
		    t != NULL ? t->value : NULL, d != NULL ? d->value : NULL, "Create", NULL,
		    &errs, 0 };

		/* The key is kept: the corrected form is the same operation. */
		if (k == 0)
			page_new_key(key);
		if (page_form(&form, &fv) == -1)
			goto out;
		rc = list_page(app, req, r, 422, &at, NULL, form.data);
		goto out;
	}
	op.kind = OP_CREATE;
	op.out = OUT_SEE_OTHER;
	op.in = &in;
	if ((rc = page_run(app, req, r, &f, k == 1 ? key : NULL, &op, &refused)) == 1)
		rc = 0;		/* the 303 to the list with the new todo's notice */
	else if (rc == 0 && refused)
		rc = page_message(r, 500, "Not saved", "Something went wrong on the "
		    "server, and nothing was saved. Submit the form again.");
out:
	form_free(&f);
	todo_in_clear(&in);
	buf_free(&form);
	return rc;
}

/* The page for a todo that is not there (any more). */
static int
gone(struct resp *r, const struct list_at *at)
{
	char	 back[96];

	list_at_url(at, 0, back, sizeof(back));
	return page_message_at(r, 404, "That todo is gone", "It was deleted, perhaps in "
	    "another window, so nothing was changed.", NULL, back);
}

/* The delete button without its confirmation: ask, with the same key. */
static int
confirm_delete(struct app *app, struct resp *r, int64_t id, const char *key,
    const struct list_at *at)
{
	struct todo	 t = { 0 };
	struct buf	 hidden = { 0 }, c = { 0 };
	char		 sid[24], back[96];
	int		 rc = -1;

	switch (store_todo_get(app->db, id, &t)) {
	case STORE_OK:
		break;
	case STORE_NOTFOUND:
		return gone(r, at);
	default:
		rc = page_message(r, 503, "Try again in a moment",
		    "The todos cannot be read right now. Reload the page in a moment.");
		r->retry_after = 1;
		return rc;
	}
	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	list_at_url(at, id, back, sizeof(back));
	if (list_at_hidden(at, &hidden) == -1)
		goto out;
	{
		struct tmpl_var	 v[] = {
			tmpl_var("title", t.title),
			tmpl_var("id", sid),
			tmpl_var("key", key),
			tmpl_raw("at", hidden.data != NULL ? hidden.data : ""),
			tmpl_var("back", back),
		};

		if (tmpl_render(&c, TMPL_CONFIRM, v, sizeof(v) / sizeof(v[0])) == -1)
			goto out;
	}
	rc = page_layout(r, 200, "Delete this todo?", &c);
out:
	todo_clear(&t);
	buf_free(&hidden);
	buf_free(&c);
	return rc;
}

/* The complete and delete buttons of a listed todo. */
static int
page_item_op(struct app *app, struct req *req, struct resp *r, enum op_kind kind)
{
	struct form		 f = { 0 };
	struct todo_in		 in = { 0 };
	struct op		 op = { 0 };
	struct list_at		 at;
	const struct form_field	*c;
	char			 key[IDEM_KEY_MAX + 1], url[96];
	int			 rc = -1, k, refused;

	if ((rc = page_form_read(app, req, r, &f, key, &k)) != 0) {
		rc = rc == 1 ? 0 : -1;
		goto out;
	}
	rc = -1;
	list_at_form(&f, &at);
	if (kind == OP_COMPLETE) {
		if ((c = form_get(&f, "is_completed")) == NULL ||
		    valid_bool(c->value, c->vlen, &in.is_completed) == -1) {
			rc = page_message(r, 400, "The form could not be read",
			    "It does not say whether the todo is done. Reload the page and try again.");
			goto out;
		}
		in.set = FIELD_BIT(FIELD_IS_COMPLETED);
	}
	if (kind == OP_DELETE && ((c = form_get(&f, "confirm")) == NULL ||
	    strcmp(c->value, "yes") != 0)) {
		if (k == 0)
			page_new_key(key);
		rc = confirm_delete(app, r, req->id, key, &at);
		goto out;
	}
	op.kind = kind;
	op.out = OUT_SEE_OTHER;
	op.id = req->id;
	op.in = &in;
	if ((rc = page_run(app, req, r, &f, k == 1 ? key : NULL, &op, &refused)) == 1) {
		/* Back to the same list, at the todo when it is still there. */
		list_at_url(&at, kind == OP_DELETE ? 0 : req->id, url, sizeof(url));
		rc = page_see_other(r, url);
	} else if (rc == 0 && refused)
		rc = gone(r, &at);
out:
	form_free(&f);
	todo_in_clear(&in);
	return rc;
}

int
page_complete(struct app *app, struct req *req, struct resp *r)
{
	return page_item_op(app, req, r, OP_COMPLETE);
}

int
page_delete(struct app *app, struct req *req, struct resp *r)
{
	return page_item_op(app, req, r, OP_DELETE);
}
