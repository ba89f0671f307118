#include <stdio.h>
#include <string.h>

#include "app/doc.h"
#include "app/page.h"
#include "app/tmpl.h"

#define PROBLEMS_PREFIX	"/problems/"
#define TITLE_MAX_LEN	120

/* Reads the shipped file name into body: 0, 1 when it is missing, -1 on error. */
static int
read_file(const struct app *app, const char *name, struct buf *body)
{
	switch (tmpl_file(body, app->cfg->templates, name)) {
	case TMPL_FILE_OK:
		return 0;
	case TMPL_FILE_MISSING:
		return 1;
	default:
		return -1;
	}
}

int
doc_openapi(struct app *app, struct req *req, struct resp *r)
{
	(void)req;
	http_resp_reset(r);
	if (read_file(app, "openapi.json", &r->body) != 0) {
		fprintf(stderr, "%s/openapi.json: not served\n", app->cfg->templates);
		return -1;
	}
	r->status = 200;
	r->ctype = CTYPE_JSON_STR;
	return 0;
}

int
doc_page(struct app *app, struct req *req, struct resp *r)
{
	struct buf	 c = { 0 };
	int		 rc = -1;

	(void)req;
	if (read_file(app, "docs.html", &c) != 0)
		fprintf(stderr, "%s/docs.html: not served\n", app->cfg->templates);
	else if ((rc = page_layout(r, 200, "Todo API", &c)) == 0)
		r->link = DOC_SERVICE_DESC;
	buf_free(&c);
	return rc;
}

/*
 * The text of the page's first <h1> as its title, into out (cap bytes),
 * or fallback when there is none. Pages keep their heading plain text.
 */
static void
heading(const char *html, const char *fallback, char *out, size_t cap)
{
	const char	*a, *b;

	if ((a = strstr(html, "<h1")) == NULL || (a = strchr(a, '>')) == NULL ||
	    (b = strstr(++a, "</h1>")) == NULL || b == a || (size_t)(b - a) >= cap) {
		snprintf(out, cap, "%s", fallback);
		return;
	}
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = '\0';
}

int
doc_problem(struct app *app, struct req *req, struct resp *r)
{
	struct buf	 c = { 0 };
	char		 file[sizeof("problems/.html") + DOC_NAME_MAX], title[TITLE_MAX_LEN];
	const char	*name = req->path + strlen(PROBLEMS_PREFIX);
	int		 rc = -1;

	/* The route lets only 1 to DOC_NAME_MAX of [a-z0-9-] through: no way out of the folder. */
	snprintf(file, sizeof(file), "problems/%s.html", name);
	switch (read_file(app, file, &c)) {
	case 0:
		heading(c.data, "Problem", title, sizeof(title));
		rc = page_layout(r, 200, title, &c);
		break;
	case 1:
		rc = page_message(r, 404, "No such problem type",
		    "This program never answers with that problem type.");
		break;
	}
	buf_free(&c);
	return rc;
}
