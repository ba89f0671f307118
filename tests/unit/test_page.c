/*
 * The pieces the pages share (app/pagepart.c) and the choice of a page
 * over JSON (app/page.c): the list's place in links and forms, times for
 * people, messages that name the field and what is wrong, and the form
 * with its errors tied to its fields.
 */
#include <stdlib.h>
#include <string.h>

#include "app/form.h"
#include "app/page.h"
#include "app/pagepart.h"
#include "app/tmpl.h"
#include "check.h"

/* Parses body as a form into f. */
static void
parse(struct form *f, const char *body)
{
	CHECK_INT(form_parse(body, strlen(body), f), FORM_OK);
}

/* The field messages for a form body. Returns what page_check_fields did. */
static int
check(const char *body, struct field_errs *e)
{
	struct form	 f = { 0 };
	struct todo_in	 in = { 0 };
	int		 rc;

	parse(&f, body);
	rc = page_check_fields(&f, &in, e);
	form_free(&f);
	todo_in_clear(&in);
	return rc;
}

static void
test_list_at(void)
{
	struct list_at	 at = { TODO_SHOW_ALL, 0 };
	struct form	 f = { 0 };
	struct buf	 b = { 0 };
	char		 url[96];

	list_at_url(&at, 0, url, sizeof(url));
	CHECK_STR(url, "/");
	list_at_url(&at, 12, url, sizeof(url));
	CHECK_STR(url, "/#todo-12");
	list_at_qs(&at, url, sizeof(url));
	CHECK_STR(url, "");
	CHECK(list_at_hidden(&at, &b) == 0);
	CHECK(b.len == 0);

	parse(&f, "show=open&cursor=40&idempotency_key=k");
	list_at_form(&f, &at);
	form_free(&f);
	CHECK_INT(at.show, TODO_SHOW_OPEN);
	CHECK_INT(at.cursor, 40);
	list_at_url(&at, 12, url, sizeof(url));
	CHECK_STR(url, "/?show=open&cursor=40#todo-12");
	list_at_qs(&at, url, sizeof(url));
	CHECK_STR(url, "?show=open&cursor=40");
	CHECK(list_at_hidden(&at, &b) == 0);
	CHECK_STR(b.data, "<input type=\"hidden\" name=\"show\" value=\"open\">"
	    "<input type=\"hidden\" name=\"cursor\" value=\"40\">");

	/* Only the cursor; anything else is the default, never an error. */
	parse(&f, "cursor=7&show=done");
	list_at_form(&f, &at);
	form_free(&f);
	list_at_url(&at, 0, url, sizeof(url));
	CHECK_STR(url, "/?show=done&cursor=7");
	parse(&f, "show=%22%3E%3Cscript%3E&cursor=-1");
	list_at_form(&f, &at);
	form_free(&f);
	CHECK_INT(at.show, TODO_SHOW_ALL);
	CHECK_INT(at.cursor, 0);
	parse(&f, "show=all&cursor=9223372036854775807");
	list_at_form(&f, &at);
	form_free(&f);
	list_at_url(&at, 9223372036854775807LL, url, sizeof(url));
	CHECK_STR(url, "/?cursor=9223372036854775807#todo-9223372036854775807");
	buf_free(&b);
}

static void
test_time(void)
{
	char	 out[40];

	page_time("2026-12-03T07:12:05.123Z", out);
	CHECK_STR(out, "3 Dec 2026, 07:12 UTC");
	page_time("2026-01-31T23:59:59.999Z", out);
	CHECK_STR(out, "31 Jan 2026, 23:59 UTC");
	page_time("not a time", out);
	CHECK_STR(out, "not a time");
	page_time("2026-13-01T00:00:00Z", out);
	CHECK_STR(out, "2026-13-01T00:00:00Z");
}

static void
test_fields(void)
{
	struct field_errs	 e;
	char			 body[8192];
	size_t			 n;

	CHECK_INT(check("title=Buy+milk&description=", &e), 0);
	CHECK_STR(e.title, "");
	CHECK_STR(e.description, "");

	/* Empty, blank and missing titles: it is empty. */
	CHECK_INT(check("title=", &e), 1);
	CHECK_STR(e.title, "Title: enter a title; it is empty.");
	CHECK_INT(check("title=+++%09", &e), 1);
	CHECK_STR(e.title, "Title: enter a title; it is empty.");
	CHECK_INT(check("description=x", &e), 1);
	CHECK_STR(e.title, "Title: enter a title; it is empty.");
	CHECK_STR(e.description, "");

	/* Too long: the limit and the length, in characters, not bytes. */
	n = (size_t)snprintf(body, sizeof(body), "title=");
	while (n < 6 + 201 * 6)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "%%C3%%A9");
	CHECK_INT(check(body, &e), 1);
	CHECK_STR(e.title, "Title: shorten it to at most 200 characters; it has 201.");
	CHECK_INT(check("title=a%0Ab", &e), 1);
	CHECK_STR(e.title, "Title: write it on one line, without line breaks or control characters.");

	/* Every field is checked at once. */
	n = (size_t)snprintf(body, sizeof(body), "title=&description=");
	memset(body + n, 'x', 2001);
	body[n + 2001] = '\0';
	CHECK_INT(check(body, &e), 1);
	CHECK_STR(e.title, "Title: enter a title; it is empty.");
	CHECK_STR(e.description, "Description: shorten it to at most 2000 characters; it has 2001.");
	CHECK_INT(check("title=ok&description=a%01b", &e), 1);
	CHECK_STR(e.description, "Description: remove the control characters; text, tabs and "
	    "line breaks are fine.");
}

static void
test_form(void)
{
	struct field_errs	 e;
	struct form_view	 v = { "create", "/todos", "k-1", NULL, "<t>", NULL, "Create",
	    NULL, NULL, 1 };
	struct buf		 b = { 0 };

	/* No errors: no summary, the title focused when asked. */
	CHECK(page_form(&b, &v) == 0);
	CHECK(strstr(b.data, "name=\"idempotency_key\" value=\"k-1\"") != NULL);
	CHECK(strstr(b.data, "value=\"&lt;t&gt;\" required maxlength=\"200\" autofocus>") != NULL);
	CHECK(strstr(b.data, "error-summary") == NULL);
	CHECK(strstr(b.data, "aria-invalid") == NULL);

	/* Errors: each message at its field, the first one focused, a summary. */
	snprintf(e.title, sizeof(e.title), "Title: <empty>");
	snprintf(e.description, sizeof(e.description), "Description: long");
	v.errs = &e;
	v.cancel = "/?show=open#todo-2";
	buf_reset(&b);
	CHECK(page_form(&b, &v) == 0);
	CHECK(strstr(b.data, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\">") != NULL);
	CHECK(strstr(b.data, "<li><a href=\"#title\">Title: &lt;empty&gt;</a></li>") != NULL);
	CHECK(strstr(b.data, "<li><a href=\"#description\">Description: long</a></li>") != NULL);
	CHECK(strstr(b.data, "aria-invalid=\"true\" aria-describedby=\"title-error\" autofocus>") != NULL);
	CHECK(strstr(b.data, "aria-invalid=\"true\" aria-describedby=\"description-error\">") != NULL);
	CHECK(strstr(b.data, "<span class=\"field-error\" id=\"title-error\">Title: &lt;empty&gt;</span>") != NULL);
	CHECK(strstr(b.data, "href=\"/?show=open#todo-2\">Cancel</a>") != NULL);

	/* Only the description wrong: it has the focus. */
	e.title[0] = '\0';
	buf_reset(&b);
	CHECK(page_form(&b, &v) == 0);
	CHECK(strstr(b.data, "aria-describedby=\"description-error\" autofocus>") != NULL);
	CHECK(strstr(b.data, "href=\"#title\"") == NULL);
	CHECK(strstr(b.data, "maxlength=\"200\">") != NULL);
	buf_free(&b);
}

static void
test_wanted(void)
{
	static char	 browser[] = "HTTP_ACCEPT=text/html,application/xhtml+xml,"
	    "application/xml;q=0.9,*/*;q=0.8";
	static char	 json_first[] = "HTTP_ACCEPT=application/json, text/html";
	static char	 any[] = "HTTP_ACCEPT=*/*";
	char		*env[2] = { NULL, NULL };
	struct req	 req = { 0 };

	req.env = env;
	CHECK_INT(page_wanted(&req), 0);
	env[0] = browser;
	CHECK_INT(page_wanted(&req), 1);
	env[0] = json_first;
	CHECK_INT(page_wanted(&req), 0);
	env[0] = any;
	CHECK_INT(page_wanted(&req), 0);
}

static void
test_error(void)
{
	struct resp	 r = { 0 };

	r.status = 405;
	r.allow = "GET, HEAD";
	r.ctype = CTYPE_PROBLEM_STR;
	CHECK(page_error(&r) == 0);
	CHECK_INT(r.status, 405);
	CHECK_STR(r.allow, "GET, HEAD");
	CHECK_STR(r.ctype, CTYPE_HTML_STR);
	CHECK(strstr(r.body.data, "<h1>Not possible here</h1>") != NULL);
	http_resp_reset(&r);
	r.status = 503;
	r.retry_after = 1;
	CHECK(page_error(&r) == 0);
	CHECK_INT(r.retry_after, 1);
	CHECK(strstr(r.body.data, "<h1>Try again in a moment</h1>") != NULL);
	http_resp_reset(&r);
	r.status = 502;
	CHECK(page_error(&r) == 0);
	CHECK(strstr(r.body.data, "<h1>Something went wrong</h1>") != NULL);
	http_resp_free(&r);
}

int
main(void)
{
	if (tmpl_load(TEMPLATE_DIR) != 0)
		return 1;
	test_list_at();
	test_time();
	test_fields();
	test_form();
	test_wanted();
	test_error();
	tmpl_free();
	CHECK_DONE();
}
