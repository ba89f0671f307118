/* The field validators. */
#include <string.h>

#include "check.h"
#include "app/valid.h"

static const char *
title(const char *s, char *out)
{
	size_t		 off, n;
	const char	*msg;

	if ((msg = valid_title(s, strlen(s), &off, &n)) != NULL)
		return NULL;
	memcpy(out, s + off, n);
	out[n] = '\0';
	return out;
}

int
main(void)
{
	char		 out[1024], big[1024];
	struct todo_in	 in = { 0 };
	struct verr	 err;
	int64_t		 id;
	unsigned	 limit;
	int		 b;
	size_t		 i;

	CHECK_STR(title("  Buy milk \t\n", out), "Buy milk");
	CHECK(title("", out) == NULL);
	CHECK(title(" \t ", out) == NULL);
	CHECK(title("a\x01" "b", out) == NULL);
	CHECK(title("a\nb", out) == NULL);
	CHECK(title("a\x7f", out) == NULL);
	CHECK(title("\xc0\xaf", out) == NULL);		/* overlong */
	CHECK(title("\xed\xa0\x80", out) == NULL);	/* surrogate */
	CHECK(title("\xf4\x90\x80\x80", out) == NULL);	/* past U+10FFFF */
	CHECK(title("\xe2\x82", out) == NULL);		/* truncated */
	CHECK_STR(title("caf\xc3\xa9 \xf0\x9f\x8d\xb5", out), "caf\xc3\xa9 \xf0\x9f\x8d\xb5");

	/* 200 code points pass, 201 fail, counted in characters not bytes. */
	for (i = 0; i < 200; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);
	big[400] = '\0';
	CHECK(title(big, out) != NULL);
	memcpy(big + 400, "\xc3\xa9", 3);
	CHECK(title(big, out) == NULL);

	CHECK(valid_description("line 1\nline 2\ttab\r\n", 19) == NULL);
	CHECK(valid_description("bell\x07", 5) != NULL);
	CHECK(valid_description("nul\0x", 5) != NULL);
	memset(big, 'd', 1000);
	CHECK(valid_description(big, 1000) == NULL);

	CHECK(valid_utf8("abc", 3) == 1);
	CHECK(valid_utf8("a\0c", 3) == 0);
	CHECK_INT(valid_utf8_chars("caf\xc3\xa9", 5), 4);

	CHECK_INT(valid_field_lookup("title", 5), FIELD_TITLE);
	CHECK_INT(valid_field_lookup("is_completed", 12), FIELD_IS_COMPLETED);
	CHECK_INT(valid_field_lookup("titl", 4), FIELD__MAX);
	CHECK_STR(valid_field_name(FIELD_DESCRIPTION), "description");

	CHECK(valid_set_string(&in, FIELD_TITLE, " x ", 3, 0, &err) == 0);
	CHECK_STR(in.title, "x");
	CHECK(valid_set_string(&in, FIELD_DESCRIPTION, "", 0, 1, &err) == 0);
	CHECK(in.description == NULL);
	CHECK(in.set & FIELD_BIT(FIELD_DESCRIPTION));
	CHECK(valid_set_string(&in, FIELD_DESCRIPTION, "", 0, 0, &err) == 0);
	CHECK_STR(in.description, "");
	CHECK(valid_set_string(&in, FIELD_TITLE, "", 0, 0, &err) == -1);
	CHECK_STR(err.field, "title");
	CHECK_STR(in.title, "x");

	/* Required fields per mode. */
	CHECK(valid_required(&in, MODE_CREATE, &err) == 0);
	CHECK(valid_required(&in, MODE_REPLACE, &err) == -1);
	CHECK_STR(err.field, "is_completed");
	CHECK(valid_required(&in, MODE_PATCH, &err) == 0);
	todo_in_clear(&in);
	CHECK(valid_required(&in, MODE_CREATE, &err) == -1);
	CHECK_STR(err.field, "title");

	CHECK(valid_id("42", 2, &id) == 0 && id == 42);
	CHECK(valid_id("9223372036854775807", 19, &id) == 0 && id == INT64_MAX);
	CHECK(valid_id("9223372036854775808", 19, &id) == -1);
	CHECK(valid_id("0", 1, &id) == -1);
	CHECK(valid_id("042", 3, &id) == -1);
	CHECK(valid_id("-1", 2, &id) == -1);
	CHECK(valid_id("1a", 2, &id) == -1);
	CHECK(valid_id("", 0, &id) == -1);
	CHECK(valid_limit("200", 3, &limit) == 0 && limit == 200);
	CHECK(valid_limit("201", 3, &limit) == -1);
	CHECK(valid_limit("0", 1, &limit) == -1);
	CHECK(valid_cursor("17", 2, &id) == 0 && id == 17);
	CHECK(valid_cursor("x", 1, &id) == -1);
	CHECK(valid_bool("on", 2, &b) == 0 && b == 1);
	CHECK(valid_bool("false", 5, &b) == 0 && b == 0);
	CHECK(valid_bool("yes", 3, &b) == -1);

	/* Query parameters: a list takes limit and cursor, anything else none. */
	CHECK(valid_query("", QUERY_NONE, &err) == 0);
	CHECK(valid_query("limit=5&cursor=9&&", QUERY_LIST, &err) == 0);
	CHECK(valid_query("limit=5&is_completed=true", QUERY_LIST, &err) == -1);
	CHECK_STR(err.field, "is_completed");
	CHECK_STR(err.msg, "Unknown query parameter is_completed; this endpoint takes limit and cursor.");
	CHECK(valid_query("limit=5", QUERY_NONE, &err) == -1);
	CHECK_STR(err.field, "limit");
	CHECK_STR(err.msg, "Unknown query parameter limit; this endpoint takes no query parameters.");
	CHECK(valid_query("lim%69t=5", QUERY_LIST, &err) == -1);	/* as sent, not decoded */
	CHECK_STR(err.field, "lim%69t");
	CHECK(valid_query("flag", QUERY_LIST, &err) == -1);
	CHECK_STR(err.field, "flag");
	CHECK(valid_query("=5", QUERY_LIST, &err) == -1);
	CHECK(err.field == NULL);
	CHECK(valid_query("a\x01\xff=1", QUERY_NONE, &err) == -1);
	CHECK_STR(err.field, "a??");
	memset(big, 'q', 100);
	big[100] = '\0';
	CHECK(valid_query(big, QUERY_NONE, &err) == -1);
	CHECK_INT(strlen(err.field), VERR_NAME_MAX + 3);
	CHECK(strcmp(err.field + VERR_NAME_MAX, "...") == 0);

	/* Body members a todo does not have, named; long ones cut at a character. */
	valid_unknown_member(&err, "colour", 6);
	CHECK_STR(err.field, "colour");
	CHECK_STR(err.msg, "Unknown member 'colour'; a todo has title, description and is_completed.");
	big[0] = 'a';
	for (i = 0; i < 40; i++)
		memcpy(big + 1 + 2 * i, "\xc3\xa9", 2);
	valid_unknown_member(&err, big, 81);
	CHECK(valid_utf8(err.field, strlen(err.field)));
	CHECK_INT(strlen(err.field), VERR_NAME_MAX - 1 + 3);

	/* Media types, and bodies that look like JSON. */
	CHECK(valid_looks_json(" \n{\"a\":1}", 10) == 1);
	CHECK(valid_looks_json("[1]", 3) == 1);
	CHECK(valid_looks_json("title=%7B", 9) == 0);
	CHECK(valid_looks_json("  ", 2) == 0);
	CHECK(valid_media(CTYPE_JSON, "application/json", "{}", 2, CTYPE_BIT(CTYPE_JSON), &err) == 0);
	CHECK(valid_media(CTYPE_FORM, "application/x-www-form-urlencoded", "{\"title\":\"x\"}", 13,
	    CTYPE_BIT(CTYPE_JSON), &err) == -1);
	CHECK_STR(err.msg, "The body looks like JSON but Content-Type is "
	    "application/x-www-form-urlencoded; send Content-Type: application/json.");
	CHECK(valid_media(CTYPE_NONE, NULL, "{}", 2, CTYPE_BIT(CTYPE_JSON), &err) == -1);
	CHECK_STR(err.msg, "The body looks like JSON but the request has no Content-Type; "
	    "send Content-Type: application/json.");
	CHECK(valid_media(CTYPE_OTHER, "text/plain; charset=utf-8", "x", 1,
	    CTYPE_BIT(CTYPE_JSON) | CTYPE_BIT(CTYPE_MERGE_PATCH), &err) == -1);
	CHECK_STR(err.msg, "Content-Type text/plain is not accepted here; send Content-Type: "
	    "application/json or application/merge-patch+json.");
	CHECK(valid_media(CTYPE_JSON, "application/json", "{}", 2, CTYPE_BIT(CTYPE_FORM), &err) == -1);
	CHECK_STR(err.msg, "Content-Type application/json is not accepted here; send "
	    "Content-Type: application/x-www-form-urlencoded.");
	CHECK_DONE();
}
