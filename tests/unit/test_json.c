/* JSON request parsing and validation, canonical form, response writers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "check.h"
#include "app/json.h"

static enum json_res
parse(const char *s, enum todo_mode mode, struct todo_in *in, struct verr *err)
{
	memset(in, 0, sizeof(*in));
	memset(err, 0, sizeof(*err));
	return json_todo_parse(s, strlen(s), mode, in, err, NULL);
}

/*
 * 1 when the canonical form of a string holding byte c (and a NUL, for
 * c == 0) is the bytes json-c itself writes for that string: the direct
 * writers must not change a stored fingerprint or a response.
 */
static int
escapes_like_json_c(int c)
{
	struct json_object	*o;
	struct buf		 in = { 0 }, out = { 0 };
	const char		*want;
	char			 s[3] = { 'a', (char)c, 'b' };
	int			 eq = 0;

	if ((o = json_object_new_string_len(s, 3)) == NULL)
		return -1;
	want = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	/* The same string as JSON text: json-c's own output parses back. */
	if (buf_puts(&in, want) == 0 &&
	    json_canonical(in.data, in.len, &out) == JSON_OK)
		eq = strcmp(out.data, want) == 0;
	json_object_put(o);
	buf_free(&in);
	buf_free(&out);
	return eq;
}

/* 1 when a and b have the same canonical form. */
static int
same(const char *a, const char *b)
{
	struct buf	 x = { 0 }, y = { 0 };
	int		 eq;

	if (json_canonical(a, strlen(a), &x) != JSON_OK ||
	    json_canonical(b, strlen(b), &y) != JSON_OK)
		eq = -1;
	else
		eq = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
	buf_free(&x);
	buf_free(&y);
	return eq;
}

int
main(void)
{
	struct todo_in	 in;
	struct verr	 err;
	struct buf	 b = { 0 };
	struct todo	 t = { 0 };
	char		*deep;
	size_t		 i;

	CHECK_INT(parse("{\"title\":\" Buy milk \"}", MODE_CREATE, &in, &err), JSON_OK);
	CHECK_STR(in.title, "Buy milk");
	CHECK(in.description == NULL);
	CHECK_INT(in.set, FIELD_BIT(FIELD_TITLE));
	todo_in_clear(&in);

	CHECK_INT(parse("{\"title\":\"a\",\"description\":null,\"is_completed\":true}",
	    MODE_REPLACE, &in, &err), JSON_OK);
	CHECK_INT(in.set, FIELDS_ALL);
	CHECK(in.is_completed == 1);
	todo_in_clear(&in);

	CHECK_INT(parse("{}", MODE_PATCH, &in, &err), JSON_OK);
	CHECK_INT(in.set, 0);
	todo_in_clear(&in);

	/* Malformed: 400. */
	CHECK_INT(parse("", MODE_CREATE, &in, &err), JSON_MALFORMED);
	CHECK_INT(parse("{\"title\":", MODE_CREATE, &in, &err), JSON_MALFORMED);
	CHECK_INT(parse("{\"title\":\"a\"} x", MODE_CREATE, &in, &err), JSON_MALFORMED);
	CHECK_INT(parse("{\"title\":\"a\",}", MODE_CREATE, &in, &err), JSON_MALFORMED);
	CHECK_INT(parse("{'title':'a'}", MODE_CREATE, &in, &err), JSON_MALFORMED);
	CHECK_INT(parse("{\"title\":\"\xff\"}", MODE_CREATE, &in, &err), JSON_MALFORMED);
	CHECK_INT(json_todo_parse("{\"title\":\"a\0\"}", 14, MODE_CREATE, &in, &err, NULL),
	    JSON_MALFORMED);
	todo_in_clear(&in);
	if ((deep = malloc(20001)) == NULL)
		return 1;
	for (i = 0; i < 10000; i++) {
		deep[i] = '[';
		deep[10000 + i] = ']';
	}
	deep[20000] = '\0';
	CHECK_INT(parse(deep, MODE_CREATE, &in, &err), JSON_MALFORMED);
	free(deep);

	/* Valid JSON, invalid todo: 422 naming the field. */
	CHECK_INT(parse("[1]", MODE_CREATE, &in, &err), JSON_INVALID);
	CHECK(err.field == NULL);
	CHECK_INT(parse("{\"title\":\"a\",\"x\":1}", MODE_CREATE, &in, &err), JSON_INVALID);
	todo_in_clear(&in);
	CHECK_INT(parse("{\"title\":1}", MODE_CREATE, &in, &err), JSON_INVALID);
	CHECK_STR(err.field, "title");
	CHECK_INT(parse("{\"title\":\"a\",\"is_completed\":1}", MODE_CREATE, &in, &err),
	    JSON_INVALID);
	CHECK_STR(err.field, "is_completed");
	todo_in_clear(&in);
	CHECK_INT(parse("{\"title\":\"a\",\"description\":[]}", MODE_CREATE, &in, &err),
	    JSON_INVALID);
	CHECK_STR(err.field, "description");
	todo_in_clear(&in);
	CHECK_INT(parse("{\"title\":\"   \"}", MODE_CREATE, &in, &err), JSON_INVALID);
	CHECK_STR(err.field, "title");
	CHECK_INT(parse("{\"title\":\"a\\u0000b\"}", MODE_CREATE, &in, &err), JSON_INVALID);
	CHECK_STR(err.field, "title");
	CHECK_INT(parse("{\"description\":\"d\"}", MODE_CREATE, &in, &err), JSON_INVALID);
	CHECK_STR(err.field, "title");
	todo_in_clear(&in);
	CHECK_INT(parse("{\"title\":\"a\",\"description\":null}", MODE_REPLACE, &in, &err),
	    JSON_INVALID);
	CHECK_STR(err.field, "is_completed");
	todo_in_clear(&in);

	/* Canonical form: equal JSON values, equal bytes. */
	CHECK_INT(same("{\"a\":1,\"b\":[true,null]}", " { \"b\" : [ true , null ] ,\n\"a\":1 } "), 1);
	CHECK_INT(same("{\"t\":\"\\u00e9\"}", "{\"t\":\"\xc3\xa9\"}"), 1);
	CHECK_INT(same("{\"o\":{\"y\":1,\"x\":2}}", "{\"o\":{\"x\":2,\"y\":1}}"), 1);
	CHECK_INT(same("{\"t\":\"a/b\"}", "{\"t\":\"a\\/b\"}"), 1);
	CHECK_INT(same("{\"a\":1}", "{\"a\":2}"), 0);
	CHECK_INT(same("{\"a\":\"1\"}", "{\"a\":1}"), 0);
	CHECK_INT(same("[1,2]", "[2,1]"), 0);
	CHECK_INT(same("{\"a\":null}", "{}"), 0);
	CHECK_INT(same("\t0 ", "0"), 1);	/* a bare number, found by fuzzing */
	CHECK_INT(same("[1.50]", "[1.50]"), 1);
	CHECK_INT(json_canonical("{", 1, &b), JSON_MALFORMED);
	CHECK_INT(json_canonical("{\"b\":1,\"a\":\"x\"}", 15, &b), JSON_OK);
	CHECK_STR(b.data, "{\"a\":\"x\",\"b\":1}");
	buf_free(&b);

	/* Every ASCII byte; the others pass through unchanged (valid UTF-8 only). */
	for (i = 0; i < 128; i++)
		if (escapes_like_json_c((int)i) != 1) {
			fprintf(stderr, "byte 0x%02zx is escaped unlike json-c\n", i);
			CHECK(0);
		}

	/* Writers. */
	t.id = 7;
	t.title = "Say \"hi\" </script>";
	t.is_completed = 1;
	strcpy(t.created_at, "2026-01-01T00:00:00.000Z");
	strcpy(t.updated_at, "2026-01-02T00:00:00.000Z");
	CHECK(json_todo_write(&b, &t) == 0);
	CHECK_STR(b.data, "{\"id\":7,\"title\":\"Say \\\"hi\\\" </script>\",\"description\":null,"
	    "\"is_completed\":true,\"created_at\":\"2026-01-01T00:00:00.000Z\","
	    "\"updated_at\":\"2026-01-02T00:00:00.000Z\"}");
	buf_reset(&b);
	t.title = "tab\there, nl\n, bell\a, back\\slash, a/b, caf\xc3\xa9";
	t.description = "\x1f\x7f";
	t.is_completed = 0;
	CHECK(json_todo_write(&b, &t) == 0);
	CHECK_STR(b.data, "{\"id\":7,\"title\":\"tab\\there, nl\\n, bell\\u0007, "
	    "back\\\\slash, a/b, caf\xc3\xa9\",\"description\":\"\\u001f\x7f\","
	    "\"is_completed\":false,\"created_at\":\"2026-01-01T00:00:00.000Z\","
	    "\"updated_at\":\"2026-01-02T00:00:00.000Z\"}");
	t.description = NULL;
	t.id = -9223372036854775807LL - 1;
	buf_reset(&b);
	CHECK(json_todo_write(&b, &t) == 0);
	CHECK(strncmp(b.data, "{\"id\":-9223372036854775808,", 27) == 0);
	t.id = 7;
	buf_reset(&b);
	CHECK(json_list_write(&b, &t, 0, NULL) == 0);
	CHECK_STR(b.data, "{\"items\":[],\"next_cursor\":null}");
	buf_reset(&b);
	CHECK(json_list_write(&b, &t, 1, "7") == 0);
	CHECK(strncmp(b.data, "{\"items\":[{\"id\":7,", 18) == 0);
	CHECK(strstr(b.data, "],\"next_cursor\":\"7\"}") != NULL);
	buf_reset(&b);
	CHECK(json_problem_write(&b, "/problems/validation", "Unprocessable Content", 422,
	    "title is required", "title") == 0);
	CHECK_STR(b.data, "{\"type\":\"/problems/validation\",\"title\":\"Unprocessable Content\","
	    "\"status\":422,\"detail\":\"title is required\",\"field\":\"title\"}");
	buf_reset(&b);
	CHECK(json_status_write(&b, "ok") == 0);
	CHECK_STR(b.data, "{\"status\":\"ok\"}");
	buf_free(&b);
	CHECK_DONE();
}
