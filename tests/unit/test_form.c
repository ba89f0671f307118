/* application/x-www-form-urlencoded decoding and its canonical form. */
#include <string.h>

#include "check.h"
#include "app/form.h"

static enum form_res
parse(const char *s, struct form *f)
{
	return form_parse(s, strlen(s), f);
}

int
main(void)
{
	struct form	 f;
	struct buf	 b = { 0 };
	char		 many[512];
	int		 i;

	CHECK_INT(parse("title=Buy+milk&description=caf%C3%A9%20au%20lait&idempotency_key=k", &f),
	    FORM_OK);
	CHECK_INT(f.n, 3);
	CHECK_STR(form_get(&f, "title")->value, "Buy milk");
	CHECK_STR(form_get(&f, "description")->value, "caf\xc3\xa9 au lait");
	CHECK(form_get(&f, "nope") == NULL);
	CHECK(form_canonical(&f, "idempotency_key", &b) == 0);
	CHECK_STR(b.data, "description=caf%C3%A9%20au%20lait&title=Buy%20milk");
	buf_free(&b);
	form_free(&f);

	/* Field order does not change the canonical form. */
	CHECK_INT(parse("idempotency_key=z&title=Buy%20milk&description=caf%c3%a9+au+lait", &f),
	    FORM_OK);
	CHECK(form_canonical(&f, "idempotency_key", &b) == 0);
	CHECK_STR(b.data, "description=caf%C3%A9%20au%20lait&title=Buy%20milk");
	buf_free(&b);
	form_free(&f);

	CHECK_INT(parse("&&a&b=&=c&", &f), FORM_OK);
	CHECK_INT(f.n, 3);
	CHECK_STR(form_get(&f, "a")->value, "");
	CHECK_STR(form_get(&f, "b")->value, "");
	CHECK_STR(form_get(&f, "")->value, "c");
	form_free(&f);

	CHECK_INT(parse("", &f), FORM_OK);
	CHECK_INT(f.n, 0);
	CHECK(form_canonical(&f, NULL, &b) == 0);
	CHECK_STR(b.data, "");
	buf_free(&b);

	CHECK_INT(parse("a=%", &f), FORM_MALFORMED);
	CHECK_INT(f.n, 0);
	CHECK_INT(parse("a=%4", &f), FORM_MALFORMED);
	CHECK_INT(parse("a=%zz", &f), FORM_MALFORMED);
	CHECK_INT(parse("a=%00", &f), FORM_MALFORMED);
	CHECK_INT(parse("a=%ff", &f), FORM_MALFORMED);
	CHECK_INT(form_parse("a=b\0c", 5, &f), FORM_MALFORMED);
	CHECK_INT(parse("a=1&b=2&a=3", &f), FORM_DUPLICATE);
	CHECK_INT(f.n, 0);
	CHECK(f.fields == NULL);

	many[0] = '\0';
	for (i = 0; i <= FORM_FIELDS_MAX; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "f%d=1&", i);
	CHECK_INT(parse(many, &f), FORM_TOOMANY);
	CHECK_DONE();
}
