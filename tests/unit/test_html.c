/* HTML escaping and the template renderer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "lib/html.h"
#include "app/tmpl.h"

static void
write_file(const char *dir, const char *name, const char *text)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

static void
remove_all(const char *dir)
{
	static const char *const names[] = {
		"layout.html", "index.html", "form.html", "item.html", "message.html",
		"edit.html", "conflict.html", "confirm.html",
	};
	char	 path[256];
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
main(void)
{
	struct buf	 b = { 0 };
	char		 dir[] = "/tmp/todo-tmpl-XXXXXX";
	struct tmpl_var	 v[3];

	CHECK(html_text(&b, "<script>alert('x') & \"y\"</script>") == 0);
	CHECK_STR(b.data, "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
	buf_reset(&b);
	CHECK(html_attr(&b, "caf\xc3\xa9 plain") == 0);
	CHECK_STR(b.data, "caf\xc3\xa9 plain");
	buf_reset(&b);
	CHECK(html_text(&b, "") == 0);
	CHECK(b.len == 0);

	/* A private set of templates. */
	if (mkdtemp(dir) == NULL)
		return 1;
	write_file(dir, "layout.html", "<title>{{title}}</title>{{content}}");
	write_file(dir, "index.html", "<p>{{a}}</p>");
	write_file(dir, "form.html", "<input value=\"{{v}}\">");
	write_file(dir, "item.html", "");
	write_file(dir, "message.html", "no placeholders");
	write_file(dir, "edit.html", "");
	write_file(dir, "conflict.html", "");
	write_file(dir, "confirm.html", "");
	CHECK(tmpl_load(dir) == 0);
	v[0] = tmpl_var("title", "<script>alert(1)</script>");
	v[1] = tmpl_raw("content", "<b>built here</b>");
	buf_reset(&b);
	CHECK(tmpl_render(&b, TMPL_LAYOUT, v, 2) == 0);
	CHECK_STR(b.data, "<title>&lt;script&gt;alert(1)&lt;/script&gt;</title><b>built here</b>");
	buf_reset(&b);
	v[0] = tmpl_var("v", "\" onfocus=\"x");
	CHECK(tmpl_render(&b, TMPL_FORM, v, 1) == 0);
	CHECK_STR(b.data, "<input value=\"&quot; onfocus=&quot;x\">");
	buf_reset(&b);
	CHECK(tmpl_render(&b, TMPL_INDEX, v, 1) == -1);	/* {{a}} has no value */
	buf_reset(&b);
	CHECK(tmpl_render(&b, TMPL_ITEM, NULL, 0) == 0);
	CHECK_STR(b.data, "");

	/* A malformed placeholder fails the load. */
	write_file(dir, "index.html", "<p>{{ a }}</p>");
	CHECK(tmpl_load(dir) == -1);
	write_file(dir, "index.html", "<p>{{a</p>");
	CHECK(tmpl_load(dir) == -1);
	remove_all(dir);

	/* The shipped templates load (test_page renders them). */
	CHECK(tmpl_load(TEMPLATE_DIR) == 0);
	tmpl_free();
	buf_free(&b);
	CHECK_DONE();
}
