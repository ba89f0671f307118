#include <stdio.h>
#include <string.h>

#include <uuid/uuid.h>

#include "lib/clock.h"
#include "lib/html.h"
#include "app/pagepart.h"
#include "app/page.h"
#include "app/tmpl.h"
#include "app/valid.h"
#include "app/writer.h"

static const char *const show_names[] = { "all", "open", "done" };

static void
at_set(struct list_at *at, const char *show, const char *cursor)
{
	int64_t	 c;
	int	 i;

	at->show = TODO_SHOW_ALL;
	at->cursor = 0;
	for (i = 0; show != NULL && i < 3; i++)
		if (strcmp(show, show_names[i]) == 0)
			at->show = (enum todo_show)i;
	if (cursor != NULL && valid_cursor(cursor, strlen(cursor), &c) == 0)
		at->cursor = c;
}

void
list_at_query(const struct req *req, struct list_at *at)
{
	char	 show[8], cursor[32];

	at_set(at, http_query(req, "show", show, sizeof(show)) == 1 ? show : NULL,
	    http_query(req, "cursor", cursor, sizeof(cursor)) == 1 ? cursor : NULL);
}

void
list_at_form(const struct form *f, struct list_at *at)
{
	const struct form_field	*s = form_get(f, "show"), *c = form_get(f, "cursor");

	at_set(at, s != NULL ? s->value : NULL, c != NULL ? c->value : NULL);
}

void
list_at_qs(const struct list_at *at, char *out, size_t cap)
{
	int	 n = 0;

	out[0] = '\0';
	if (at->show != TODO_SHOW_ALL)
		n = snprintf(out, cap, "?show=%s", show_names[at->show]);
	if (at->cursor > 0 && n >= 0 && (size_t)n < cap)
		snprintf(out + n, cap - (size_t)n, "%scursor=%lld", n > 0 ? "&" : "?",
		    (long long)at->cursor);
}

void
list_at_url(const struct list_at *at, int64_t anchor, char *out, size_t cap)
{
	char	 qs[64];

	list_at_qs(at, qs, sizeof(qs));
	if (anchor > 0)
		snprintf(out, cap, "/%s#todo-%lld", qs, (long long)anchor);
	else
		snprintf(out, cap, "/%s", qs);
}

int
list_at_hidden(const struct list_at *at, struct buf *b)
{
	if (at->show != TODO_SHOW_ALL && buf_printf(b, "<input type=\"hidden\" name=\"show\" "
	    "value=\"%s\">", show_names[at->show]) == -1)
		return -1;
	if (at->cursor > 0 && buf_printf(b, "<input type=\"hidden\" name=\"cursor\" "
	    "value=\"%lld\">", (long long)at->cursor) == -1)
		return -1;
	return 0;
}

void
page_new_key(char out[37])
{
	uuid_t	 u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

void
page_time(const char *s, char out[40])
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int	 y, mo, d, h, mi;

	/* Stored as 2026-12-03T07:12:05.123Z; anything else is shown as is. */
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) != 5 ||
	    mo < 1 || mo > 12) {
		snprintf(out, 40, "%s", s);
		return;
	}
	snprintf(out, 40, "%d %s %d, %02d:%02d UTC", d, months[mo - 1], y, h, mi);
}

/* Characters (code points) in s[0..len), with trim white space at both ends left out. */
static size_t
chars(const char *s, size_t len, int trim)
{
	size_t	 n = 0;

	while (trim && len > 0 && strchr(" \t\r\n\f\v", s[len - 1]) != NULL && s[len - 1] != '\0')
		len--;
	while (trim && len > 0 && strchr(" \t\r\n\f\v", *s) != NULL && *s != '\0') {
		s++;
		len--;
	}
	for (; len > 0; s++, len--)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

int
page_check_fields(const struct form *f, struct todo_in *in, struct field_errs *e)
{
	const struct form_field	*t = form_get(f, "title"), *d = form_get(f, "description");
	struct verr		 err;
	size_t			 n;
	int			 vr, bad = 0;

	e->title[0] = e->description[0] = '\0';
	vr = valid_set_string(in, FIELD_TITLE, t != NULL ? t->value : "",
	    t != NULL ? t->vlen : 0, 0, &err);
	if (vr == -2)
		return -1;
	if (vr == -1) {
		bad = 1;
		n = t != NULL ? chars(t->value, t->vlen, 1) : 0;
		if (n == 0)
			snprintf(e->title, sizeof(e->title), "Title: enter a title; it is empty.");
		else if (n > TITLE_MAX)
			snprintf(e->title, sizeof(e->title), "Title: shorten it to at most %d "
			    "characters; it has %zu.", TITLE_MAX, n);
		else
			snprintf(e->title, sizeof(e->title), "Title: write it on one line, "
			    "without line breaks or control characters.");
	}
	if (d != NULL) {
		vr = valid_set_string(in, FIELD_DESCRIPTION, d->value, d->vlen, 1, &err);
		if (vr == -2)
			return -1;
		if (vr == -1) {
			bad = 1;
			n = chars(d->value, d->vlen, 0);
			if (n > DESCRIPTION_MAX)
				snprintf(e->description, sizeof(e->description), "Description: "
				    "shorten it to at most %d characters; it has %zu.",
				    DESCRIPTION_MAX, n);
			else
				snprintf(e->description, sizeof(e->description), "Description: "
				    "remove the control characters; text, tabs and line breaks "
				    "are fine.");
		}
	}
	return bad;
}

/* A field's attributes and message, linked by id; the first error gets the focus. */
static int
field_parts(struct buf *attrs, struct buf *msg, const char *id, const char *err,
    int *focus)
{
	if (err == NULL || err[0] == '\0') {
		if (*focus) {
			*focus = 0;
			return buf_puts(attrs, " autofocus");
		}
		return buf_puts(attrs, "");
	}
	if (buf_printf(attrs, " aria-invalid=\"true\" aria-describedby=\"%s-error\"%s", id,
	    *focus ? " autofocus" : "") == -1 ||
	    buf_printf(msg, "<span class=\"field-error\" id=\"%s-error\">", id) == -1 ||
	    html_text(msg, err) == -1 || buf_puts(msg, "</span>") == -1)
		return -1;
	*focus = 0;
	return 0;
}

/* One line of the error summary, a link to its field. */
static int
summary_line(struct buf *b, const char *id, const char *err)
{
	if (err[0] == '\0')
		return 0;
	if (buf_printf(b, "<li><a href=\"#%s\">", id) == -1 || html_text(b, err) == -1 ||
	    buf_puts(b, "</a></li>") == -1)
		return -1;
	return 0;
}

int
page_form(struct buf *out, const struct form_view *v)
{
	struct buf	 sum = { 0 }, ta = { 0 }, te = { 0 }, da = { 0 }, de = { 0 },
			 cancel = { 0 };
	int		 rc = -1, focus, titled;

	titled = v->errs != NULL && v->errs->title[0] != '\0';
	if (v->errs != NULL && (titled || v->errs->description[0] != '\0')) {
		if (buf_printf(&sum, "<div class=\"error-summary\" role=\"alert\" "
		    "tabindex=\"-1\"><h2>The todo was not saved</h2><ul>") == -1 ||
		    summary_line(&sum, "title", v->errs->title) == -1 ||
		    summary_line(&sum, "description", v->errs->description) == -1 ||
		    buf_puts(&sum, "</ul></div>") == -1)
			goto out;
		/* Only the first field in error is focused. */
		focus = titled;
		if (field_parts(&ta, &te, "title", v->errs->title, &focus) == -1)
			goto out;
		focus = !titled;
		if (field_parts(&da, &de, "description", v->errs->description, &focus) == -1)
			goto out;
	} else {
		focus = v->focus;
		if (field_parts(&ta, &te, "title", NULL, &focus) == -1)
			goto out;
	}
	if (v->cancel != NULL && (buf_puts(&cancel, " <a class=\"button secondary\" href=\"") == -1 ||
	    html_attr(&cancel, v->cancel) == -1 || buf_puts(&cancel, "\">Cancel</a>") == -1))
		goto out;
	{
		struct tmpl_var	 vars[] = {
			tmpl_var("class", v->cls),
			tmpl_var("action", v->action),
			tmpl_raw("summary", sum.data != NULL ? sum.data : ""),
			tmpl_var("key", v->key),
			tmpl_raw("hidden", v->hidden != NULL ? v->hidden : ""),
			tmpl_var("title_value", v->title != NULL ? v->title : ""),
			tmpl_raw("title_attrs", ta.data != NULL ? ta.data : ""),
			tmpl_raw("title_error", te.data != NULL ? te.data : ""),
			tmpl_var("description_value", v->description != NULL ? v->description : ""),
			tmpl_raw("description_attrs", da.data != NULL ? da.data : ""),
			tmpl_raw("description_error", de.data != NULL ? de.data : ""),
			tmpl_var("button", v->button),
			tmpl_raw("cancel", cancel.data != NULL ? cancel.data : ""),
		};

		rc = tmpl_render(out, TMPL_FORM, vars, sizeof(vars) / sizeof(vars[0]));
	}
out:
	buf_free(&sum);
	buf_free(&ta);
	buf_free(&te);
	buf_free(&da);
	buf_free(&de);
	buf_free(&cancel);
	return rc;
}

int
page_form_read(struct app *app, const struct req *req, struct resp *r, struct form *f,
    char key[IDEM_KEY_MAX + 1], int *keyed)
{
	const struct form_field	*k;
	const char		*why = NULL;
	enum form_res		 fr;

	if ((fr = form_parse(req->body.data, req->body.len, f)) == FORM_NOMEM)
		return -1;
	if (fr != FORM_OK)
		why = fr == FORM_DUPLICATE ? "A field was sent twice. Reload the page and "
		    "try again." : fr == FORM_TOOMANY ? "The form has too many fields." :
		    "The form data is not valid text. Reload the page and try again.";
	/* The hidden field wins over any Idempotency-Key header. */
	else if ((k = form_get(f, PAGE_KEY_FIELD)) != NULL || req->idem_key != NULL) {
		*keyed = 1;
		if (idem_key_parse(k != NULL ? k->value : req->idem_key, key) == -1)
			why = "Its operation key is not valid. Reload the page and try again.";
	} else {
		*keyed = 0;
		if (app->cfg->require_key)
			why = "It has no operation key. Reload the page and try again.";
	}
	if (why == NULL)
		return 0;
	return page_message(r, 400, "The form could not be read", why) == -1 ? -1 : 1;
}

int
page_see_other(struct resp *r, const char *url)
{
	snprintf(r->location, sizeof(r->location), "%s", url);
	buf_reset(&r->body);
	if (buf_puts(&r->body, "<!doctype html><title>See Other</title><a href=\"") == -1 ||
	    html_attr(&r->body, r->location) == -1 ||
	    buf_puts(&r->body, "\">Continue</a>\n") == -1)
		return -1;
	return 0;
}

/*
 * The page for a key that was used for another form: what happened, with
 * a link to the todo the key's first use concerned, if it is still there.
 */
static int
key_reused(struct app *app, struct resp *r, const struct idem_op *iop, const char *extra)
{
	struct store_key	 k = { 0 };
	struct todo		 t = { 0 };
	struct buf		 x = { 0 };
	int			 rc = -1;

	if (app->db != NULL && store_key_get(app->db, iop->scope, iop->key, iop->now,
	    &k) == STORE_OK && k.todo_id > 0 && store_todo_get(app->db, k.todo_id,
	    &t) == STORE_OK) {
		char	 when[40];

		page_time(t.updated_at, when);
		if (buf_printf(&x, "<p>It was used for <a href=\"/todos/%lld/edit\">\u2018",
		    (long long)t.id) == -1 || html_text(&x, t.title) == -1 ||
		    buf_puts(&x, "\u2019</a>, last changed ") == -1 ||
		    buf_printf(&x, "<time datetime=\"%s\">%s</time>.</p>", t.updated_at, when) == -1)
			goto out;
	}
	if (extra != NULL && buf_puts(&x, extra) == -1)
		goto out;
	rc = page_message_at(r, 422, "This form was already used",
	    "This form was already sent once, with other values, so nothing was changed "
	    "this time.", x.data, NULL);
out:
	store_key_clear(&k);
	todo_clear(&t);
	buf_free(&x);
	return rc;
}

/* The values of a create, offered again as a new form (a new key). */
static int
fresh_form(struct buf *b, const struct op *op)
{
	char	 k[37];

	if (op->kind != OP_CREATE || op->in == NULL)
		return 0;
	page_new_key(k);
	if (buf_puts(b, "<p>To save these values as a new todo, create it with this "
	    "form:</p>") == -1)
		return -1;
	{
		struct form_view v = { "create", "/todos", k, NULL, op->in->title,
		    op->in->description, "Create", NULL, NULL, 0 };

		return page_form(b, &v);
	}
}

int
page_run(struct app *app, struct req *req, struct resp *r, const struct form *f,
    const char *key, struct op *op, int *refused)
{
	struct idem_op	 iop = { 0 };
	struct buf	 canon = { 0 }, fresh = { 0 };
	char		 fp[65], scope[IDEM_SCOPE_MAX];
	int		 rc = -1;
	enum idem_res	 res;

	*refused = 0;
	if (form_canonical(f, PAGE_KEY_FIELD, &canon) == -1)
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
		rc = 1;
		break;
	case IDEM_REFUSED:
		*refused = 1;
		rc = 0;
		break;
	case IDEM_MISMATCH:
		if (fresh_form(&fresh, op) == -1)
			goto out;
		rc = key_reused(app, r, &iop, fresh.data);
		break;
	case IDEM_EXPIRED:
		/* Done once, long enough ago that its first page is no longer kept. */
		if (op->kind == OP_CREATE) {
			if (fresh_form(&fresh, op) == -1)
				goto out;
			rc = page_message_at(r, 409, "This form was already saved",
			    "This form was sent and saved once, a while ago, so it is not "
			    "saved again.", fresh.data, NULL);
		} else
			rc = page_message(r, 409, "This was already done",
			    "This form was sent once, a while ago, and its change was made "
			    "then, so it is not made again. The list shows the todos as "
			    "they are now.");
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
	buf_free(&fresh);
	return rc;
}
