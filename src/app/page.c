#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "lib/clock.h"
#include "store/store.h"
#include "app/form.h"
#include "lib/html.h"
#include "idem/idem.h"
#include "app/ops.h"
#include "app/page.h"
#include "app/tmpl.h"
#include "app/valid.h"
#include "app/writer.h"

#define PAGE_ITEMS	50
#define KEY_FIELD	"idempotency_key"

/* A fresh operation key for a form: a random (version 4) UUID. */
static void
new_key(char out[37])
{
	uuid_t	 u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

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

/* Renders the create form; errors is rendered HTML (may be NULL). */
static int
render_form(struct buf *out, const char *key, const char *title, const char *desc,
    const char *errors)
{
	struct tmpl_var	 v[] = {
		tmpl_raw("errors", errors != NULL ? errors : ""),
		tmpl_var("key", key),
		tmpl_var("title_value", title != NULL ? title : ""),
		tmpl_var("description_value", desc != NULL ? desc : ""),
	};

	return tmpl_render(out, TMPL_FORM, v, sizeof(v) / sizeof(v[0]));
}

/* A message page, with a create form when form is not NULL. */
static int
message(struct resp *r, int status, const char *heading, const char *text,
    const struct buf *form)
{
	struct buf	 c = { 0 };
	struct tmpl_var	 v[] = {
		tmpl_var("heading", heading),
		tmpl_var("message", text),
		tmpl_raw("form", form != NULL && form->data != NULL ? form->data : ""),
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
	return message(r, status, heading, text, NULL);
}

static int
render_item(struct buf *out, const struct todo *t)
{
	char		 id[24], tkey[37], dkey[37];
	struct tmpl_var	 v[] = {
		tmpl_var("id", id),
		tmpl_var("title", t->title),
		tmpl_var("description", t->description != NULL ? t->description : ""),
		tmpl_var("created_at", t->created_at),
		tmpl_var("state_class", t->is_completed ? "done" : "open"),
		tmpl_var("toggle_key", tkey),
		tmpl_var("toggle_value", t->is_completed ? "0" : "1"),
		tmpl_var("toggle_label", t->is_completed ? "Mark as not done" : "Mark as done"),
		tmpl_var("delete_key", dkey),
	};

	snprintf(id, sizeof(id), "%lld", (long long)t->id);
	new_key(tkey);
	new_key(dkey);
	return tmpl_render(out, TMPL_ITEM, v, sizeof(v) / sizeof(v[0]));
}

int
page_index(struct app *app, struct req *req, struct resp *r)
{
	struct todo	*items = NULL, created = { 0 };
	struct buf	 list = { 0 }, form = { 0 }, notice = { 0 }, older = { 0 }, c = { 0 };
	size_t		 n = 0, i;
	int64_t		 before = 0, id;
	char		 v[32], key[37];
	int		 rc = -1, q;
	enum store_res	 dr;
	struct tmpl_var	 vars[5];

	if ((q = http_query(req, "cursor", v, sizeof(v))) == -1 ||
	    (q == 1 && valid_cursor(v, strlen(v), &before) == -1))
		return page_message(r, 400, "Page not found",
		    "That link to older todos is not valid.");
	if (http_query(req, "created", v, sizeof(v)) == 1 &&
	    valid_id(v, strlen(v), &id) == 0 &&
	    store_todo_get(app->db, id, &created) == STORE_OK) {
		if (buf_puts(&notice, "<p class=\"notice\" role=\"status\">Created \u2018") == -1 ||
		    html_text(&notice, created.title) == -1 ||
		    buf_puts(&notice, "\u2019</p>") == -1)
			goto out;
	}
	if ((dr = store_todo_list(app->db, before, TODO_SHOW_ALL, PAGE_ITEMS + 1, &items,
	    &n)) != STORE_OK) {
		if (dr == STORE_BUSY || dr == STORE_DOWN) {
			rc = page_message(r, 503, "Try again in a moment",
			    "The todos cannot be read right now. Reload the page in a moment.");
			r->retry_after = 1;
		}
		goto out;
	}
	for (i = 0; i < n && i < PAGE_ITEMS; i++)
		if (render_item(&list, &items[i]) == -1)
			goto out;
	if (n > PAGE_ITEMS) {
		if (buf_printf(&older, "<a class=\"older\" href=\"/?cursor=%lld\">Older todos</a>",
		    (long long)items[PAGE_ITEMS - 1].id) == -1)
			goto out;
	}
	new_key(key);
	if (render_form(&form, key, NULL, NULL, NULL) == -1)
		goto out;
	vars[0] = tmpl_raw("notice", notice.data != NULL ? notice.data : "");
	vars[1] = tmpl_raw("form", form.data);
	vars[2] = tmpl_raw("items", list.data != NULL ? list.data : "");
	vars[3] = tmpl_raw("empty", n == 0 ? "<p class=\"empty\">Nothing to do yet.</p>" : "");
	vars[4] = tmpl_raw("older", older.data != NULL ? older.data : "");
	if (tmpl_render(&c, TMPL_INDEX, vars, 5) == -1)
		goto out;
	if ((rc = page_layout(r, 200, "Todos", &c)) == 0 && req->session == NULL) {
		/* A browser's first visit: its session scopes the keys of its forms. */
		new_key(key);
		snprintf(r->set_cookie, sizeof(r->set_cookie), "%s", key);
	}
out:
	for (i = 0; i < n; i++)
		todo_clear(&items[i]);
	free(items);
	todo_clear(&created);
	buf_free(&list);
	buf_free(&form);
	buf_free(&notice);
	buf_free(&older);
	buf_free(&c);
	return rc;
}

/*
 * The operation key of a form post: the hidden field, which wins over any
 * Idempotency-Key header, else that header. 1 with the key in out, 0 when
 * there is none, -1 when the value given is not a key.
 */
static int
form_key(const struct req *req, const struct form *f, char out[IDEM_KEY_MAX + 1])
{
	const struct form_field	*k;

	if ((k = form_get(f, KEY_FIELD)) != NULL)
		return idem_key_parse(k->value, out) == 0 ? 1 : -1;
	if (req->idem_key != NULL)
		return idem_key_parse(req->idem_key, out) == 0 ? 1 : -1;
	return 0;
}

/* Answers a form that could not be read at all. */
static int
form_refused(struct resp *r, enum form_res fr)
{
	if (fr == FORM_NOMEM)
		return -1;
	return page_message(r, 400, "The form could not be read",
	    fr == FORM_DUPLICATE ? "A field was sent twice. Reload the page and try again." :
	    fr == FORM_TOOMANY ? "The form has too many fields." :
	    "The form data is not valid text. Reload the page and try again.");
}

/* Runs a form operation with its key and answers in HTML. */
static int
form_run(struct app *app, struct req *req, struct resp *r, const struct form *f,
    const char *key, struct op *op, const struct buf *mismatch_form)
{
	struct idem_op	 iop = { 0 };
	struct buf	 canon = { 0 };
	char		 fp[65], scope[IDEM_SCOPE_MAX];
	int		 rc = -1;
	enum idem_res	 res;

	if (form_canonical(f, KEY_FIELD, &canon) == -1)
		goto out;
	idem_fingerprint("form", canon.data != NULL ? canon.data : "", canon.len, fp);
	idem_scope(req->bearer, req->session, scope);
	iop.scope = scope;
	iop.key = key;
	iop.method = http_method_name(req->method);
	iop.path = req->path;
	iop.fingerprint = fp;
	iop.now = clock_now_s();
	iop.ttl = app->cfg->key_ttl;

	res = writer_change(app, &iop, op, r, 0);
	req->outcome = idem_outcome(res, key != NULL);
	switch (res) {
	case IDEM_DONE:
	case IDEM_REPLAYED:
		rc = 0;
		break;
	case IDEM_REFUSED:
		rc = page_message(r, 404, "That todo is gone",
		    "It was deleted, perhaps in another window. Nothing was changed.");
		break;
	case IDEM_MISMATCH:
		rc = message(r, 422, "This form was already used",
		    "This form was already submitted with other values, so nothing was "
		    "changed. To save these values as a new todo, submit the fresh form below.",
		    mismatch_form);
		break;
	case IDEM_EXPIRED:
		/* Done once, long enough ago that its first page is no longer kept. */
		rc = op->kind == OP_CREATE ?
		    message(r, 409, "This form was already saved",
		    "This form was submitted and saved once, a while ago, so it is not "
		    "saved again. To save these values as a new todo, submit the fresh "
		    "form below.", mismatch_form) :
		    page_message(r, 409, "This was already done",
		    "This button was used once, a while ago, and its change was made then, "
		    "so it is not made again. Reload the page to see the todos as they are.");
		break;
	case IDEM_BUSY:
		rc = page_message(r, 409, "Still saving",
		    "The same form is being saved right now. Wait a moment and reload.");
		r->retry_after = 1;
		break;
	case IDEM_DOWN:
		rc = page_message(r, 503, "Not saved yet",
		    "The database cannot be reached right now, so nothing was saved. "
		    "Wait a moment and submit the form again.");
		r->retry_after = 1;
		break;
	case IDEM_UNKNOWN:
		rc = page_message(r, 503, "Not sure it was saved",
		    "The server lost track of this change while saving it, so it may or "
		    "may not have been saved. Submit the same form again: it is saved "
		    "once, whether or not the first try was.");
		r->retry_after = 1;
		break;
	case IDEM_ERROR:
		rc = page_message(r, 500, "Not saved",
		    "Something went wrong on the server, and nothing was saved. "
		    "Submit the form again.");
		break;
	}
out:
	buf_free(&canon);
	return rc;
}

/* Appends one message to a form's error list. */
static int
add_error(struct buf *errors, const char *msg)
{
	if (buf_puts(errors, "<li>") == -1 || html_text(errors, msg) == -1 ||
	    buf_puts(errors, "</li>") == -1)
		return -1;
	return 0;
}

int
page_create(struct app *app, struct req *req, struct resp *r)
{
	struct form		 f = { 0 };
	struct todo_in		 in = { 0 };
	struct verr		 err;
	struct buf		 errors = { 0 }, form = { 0 };
	struct op		 op = { 0 };
	const struct form_field	*title, *desc;
	enum form_res		 fr;
	char			 key[IDEM_KEY_MAX + 1], fresh[37];
	int			 rc = -1, k, bad = 0, vr;

	if ((fr = form_parse(req->body.data, req->body.len, &f)) != FORM_OK)
		return form_refused(r, fr);
	if ((k = form_key(req, &f, key)) == -1) {
		rc = page_message(r, 400, "The form could not be read",
		    "Its operation key is not valid. Reload the page and try again.");
		goto out;
	}
	if (k == 0 && app->cfg->require_key) {
		rc = page_message(r, 400, "The form could not be read",
		    "It has no operation key. Reload the page and try again.");
		goto out;
	}
	title = form_get(&f, "title");
	desc = form_get(&f, "description");

	/* Check every field, so the form comes back with all its messages at once. */
	vr = valid_set_string(&in, FIELD_TITLE, title != NULL ? title->value : "",
	    title != NULL ? title->vlen : 0, 0, &err);
	if (vr == -2)
		goto out;
	if (vr == -1 && ++bad && add_error(&errors, err.msg) == -1)
		goto out;
	if (desc != NULL) {
		vr = valid_set_string(&in, FIELD_DESCRIPTION, desc->value, desc->vlen, 1, &err);
		if (vr == -2)
			goto out;
		if (vr == -1 && ++bad && add_error(&errors, err.msg) == -1)
			goto out;
	}
	if (bad) {
		struct buf	 list = { 0 };

		/* Keep the key: the corrected form is the same operation. */
		if (k == 0)
			new_key(key);
		if (buf_puts(&list, "<ul class=\"errors\" role=\"alert\">") == -1 ||
		    buf_append(&list, errors.data, errors.len) == -1 ||
		    buf_puts(&list, "</ul>") == -1 ||
		    render_form(&form, key, title != NULL ? title->value : "",
		    desc != NULL ? desc->value : "", list.data) == -1) {
			buf_free(&list);
			goto out;
		}
		buf_free(&list);
		rc = message(r, 422, "Check the form", "The todo was not saved.", &form);
		goto out;
	}

	/* Offered if the key turns out to belong to other values: a new key, these values. */
	new_key(fresh);
	if (render_form(&form, fresh, title != NULL ? title->value : "",
	    desc != NULL ? desc->value : "", NULL) == -1)
		goto out;
	op.kind = OP_CREATE;
	op.out = OUT_SEE_OTHER;
	op.in = &in;
	rc = form_run(app, req, r, &f, k == 1 ? key : NULL, &op, &form);
out:
	form_free(&f);
	todo_in_clear(&in);
	buf_free(&errors);
	buf_free(&form);
	return rc;
}

/* The complete and delete buttons of a listed todo. */
static int
page_item_op(struct app *app, struct req *req, struct resp *r, enum op_kind kind)
{
	struct form		 f = { 0 };
	struct todo_in		 in = { 0 };
	struct op		 op = { 0 };
	const struct form_field	*c;
	enum form_res		 fr;
	char			 key[IDEM_KEY_MAX + 1];
	int			 rc = -1, k;

	if ((fr = form_parse(req->body.data, req->body.len, &f)) != FORM_OK)
		return form_refused(r, fr);
	if ((k = form_key(req, &f, key)) == -1 || (k == 0 && app->cfg->require_key)) {
		rc = page_message(r, 400, "The form could not be read",
		    "Its operation key is missing or not valid. Reload the page and try again.");
		goto out;
	}
	if (kind == OP_COMPLETE) {
		if ((c = form_get(&f, "is_completed")) == NULL ||
		    valid_bool(c->value, c->vlen, &in.is_completed) == -1) {
			rc = page_message(r, 400, "The form could not be read",
			    "It does not say whether the todo is done. Reload the page and try again.");
			goto out;
		}
		in.set = FIELD_BIT(FIELD_IS_COMPLETED);
	}
	op.kind = kind;
	op.out = OUT_SEE_OTHER;
	op.id = req->id;
	op.in = &in;
	rc = form_run(app, req, r, &f, k == 1 ? key : NULL, &op, NULL);
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
