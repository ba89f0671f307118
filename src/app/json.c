#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "app/json.h"

/* Appends the text json-c makes of o (no pretty-printing, "/" unescaped). */
static int
put(struct buf *b, struct json_object *o)
{
	const char	*s;
	size_t		 n;

	s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	return s == NULL ? -1 : buf_append(b, s, n);
}

/*
 * Appends n bytes of s as a JSON string, escaped as json-c does it: no
 * white space, "/" not escaped, other control characters as \u00XX.
 */
static int
put_strn(struct buf *b, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	const char		*run = s, *end = s + n;
	const char		*e;
	char			 u[7] = "\\u00";
	size_t			 en;

	if (buf_putc(b, '"') == -1)
		return -1;
	for (; s < end; s++) {
		unsigned char	 c = (unsigned char)*s;

		en = 2;
		switch (c) {
		case '"':	e = "\\\""; break;
		case '\\':	e = "\\\\"; break;
		case '\b':	e = "\\b"; break;
		case '\f':	e = "\\f"; break;
		case '\n':	e = "\\n"; break;
		case '\r':	e = "\\r"; break;
		case '\t':	e = "\\t"; break;
		default:
			if (c >= 0x20)
				continue;
			u[4] = hex[c >> 4];
			u[5] = hex[c & 0xf];
			e = u;
			en = 6;
		}
		if (buf_append(b, run, (size_t)(s - run)) == -1 ||
		    buf_append(b, e, en) == -1)
			return -1;
		run = s + 1;
	}
	if (buf_append(b, run, (size_t)(end - run)) == -1)
		return -1;
	return buf_putc(b, '"');
}

static int
put_str(struct buf *b, const char *s)
{
	return put_strn(b, s, strlen(s));
}

/*
 * Parses a whole JSON text. NULL with *res set when it is not one: the
 * tokener's depth limit refuses deep nesting, and it checks UTF-8.
 */
static struct json_object *
parse(const char *body, size_t len, enum json_res *res)
{
	struct json_tokener	*tok;
	struct json_object	*o = NULL;
	size_t			 end;

	*res = JSON_MALFORMED;
	if (body == NULL || len == 0 || len > INT_MAX || memchr(body, '\0', len) != NULL)
		return NULL;
	if ((tok = json_tokener_new_ex(JSON_DEPTH_MAX)) == NULL) {
		*res = JSON_NOMEM;
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, body, (int)len);
	end = json_tokener_get_parse_end(tok);
	/* A bare top-level number needs the end of input to be complete. */
	if (o == NULL && json_tokener_get_error(tok) == json_tokener_continue) {
		o = json_tokener_parse_ex(tok, "", 1);
		end = len;
	}
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success)
		goto fail;
	/* Only white space may follow the value. */
	for (; end < len; end++)
		if (strchr(" \t\r\n", body[end]) == NULL)
			goto fail;
	json_tokener_free(tok);
	*res = JSON_OK;
	return o;
fail:
	json_object_put(o);
	json_tokener_free(tok);
	return NULL;
}

static enum json_res
invalid(struct verr *err, const char *field, const char *msg)
{
	err->field = field;
	err->msg = msg;
	return JSON_INVALID;
}

/* Writes o canonically (below). */
static int	canon(struct buf *, struct json_object *);

enum json_res
json_todo_parse(const char *body, size_t len, enum todo_mode mode,
    struct todo_in *in, struct verr *err, struct buf *canon_out)
{
	struct json_object	*o, *v;
	struct json_object_iterator it, end;
	enum json_res		 res;
	enum field		 f;
	const char		*name;
	int			 rc;

	if ((o = parse(body, len, &res)) == NULL)
		return res;
	if (!json_object_is_type(o, json_type_object)) {
		res = invalid(err, NULL, "the body must be a JSON object");
		goto out;
	}
	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		name = json_object_iter_peek_name(&it);
		v = json_object_iter_peek_value(&it);
		f = valid_field_lookup(name, strlen(name));
		switch (f) {
		case FIELD_TITLE:
			if (!json_object_is_type(v, json_type_string)) {
				res = invalid(err, "title", "title must be a string");
				goto out;
			}
			break;
		case FIELD_DESCRIPTION:
			if (v != NULL && !json_object_is_type(v, json_type_string)) {
				res = invalid(err, "description", "description must be a string or null");
				goto out;
			}
			if (v == NULL) {
				free(in->description);
				in->description = NULL;
				in->set |= FIELD_BIT(f);
				continue;
			}
			break;
		case FIELD_IS_COMPLETED:
			if (!json_object_is_type(v, json_type_boolean)) {
				res = invalid(err, "is_completed", "is_completed must be true or false");
				goto out;
			}
			in->is_completed = json_object_get_boolean(v);
			in->set |= FIELD_BIT(f);
			continue;
		case FIELD__MAX:
			valid_unknown_member(err, name, strlen(name));
			res = JSON_INVALID;
			goto out;
		}
		rc = valid_set_string(in, f, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v), 0, err);
		if (rc != 0) {
			res = rc == -2 ? JSON_NOMEM : JSON_INVALID;
			goto out;
		}
	}
	res = valid_required(in, mode, err) == 0 ? JSON_OK : JSON_INVALID;
	if (res == JSON_OK && canon_out != NULL && canon(canon_out, o) == -1)
		res = JSON_NOMEM;
out:
	json_object_put(o);
	return res;
}

struct member {
	const char		*name;
	struct json_object	*value;
};

static int
member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->name, ((const struct member *)b)->name);
}

/* Writes o canonically: members sorted by name, no white space. */
static int
canon(struct buf *b, struct json_object *o)
{
	struct json_object_iterator it, end;
	struct member		*m;
	size_t			 n, i;
	int			 rc = -1;

	switch (json_object_get_type(o)) {
	case json_type_array:
		if (buf_putc(b, '[') == -1)
			return -1;
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if ((i > 0 && buf_putc(b, ',') == -1) ||
			    canon(b, json_object_array_get_idx(o, i)) == -1)
				return -1;
		return buf_putc(b, ']');
	case json_type_object:
		n = (size_t)json_object_object_length(o);
		if ((m = calloc(n > 0 ? n : 1, sizeof(*m))) == NULL)
			return -1;
		it = json_object_iter_begin(o);
		end = json_object_iter_end(o);
		for (i = 0; i < n && !json_object_iter_equal(&it, &end);
		    i++, json_object_iter_next(&it)) {
			m[i].name = json_object_iter_peek_name(&it);
			m[i].value = json_object_iter_peek_value(&it);
		}
		n = i;
		qsort(m, n, sizeof(*m), member_cmp);
		if (buf_putc(b, '{') == -1)
			goto out;
		for (i = 0; i < n; i++)
			if ((i > 0 && buf_putc(b, ',') == -1) || put_str(b, m[i].name) == -1 ||
			    buf_putc(b, ':') == -1 || canon(b, m[i].value) == -1)
				goto out;
		rc = buf_putc(b, '}');
out:
		free(m);
		return rc;
	case json_type_null:
		return buf_puts(b, "null");
	case json_type_string:
		return put_strn(b, json_object_get_string(o),
		    (size_t)json_object_get_string_len(o));
	default:
		return put(b, o);
	}
}

enum json_res
json_canonical(const char *body, size_t len, struct buf *out)
{
	struct json_object	*o;
	enum json_res		 res;

	if ((o = parse(body, len, &res)) == NULL)
		return res;
	res = canon(out, o) == 0 ? JSON_OK : JSON_NOMEM;
	json_object_put(o);
	return res;
}

/*
 * The response writers below append JSON text directly, without building
 * json-c objects: the same bytes json-c would write, without its
 * allocations. Each leaves the buffer as it was when it fails.
 */

/* Appends ,"name": (without the comma when first). */
static int
put_name(struct buf *b, const char *name, int first)
{
	return (first ? 0 : buf_putc(b, ',')) == -1 || put_str(b, name) == -1 ||
	    buf_putc(b, ':') == -1 ? -1 : 0;
}

/* Appends s as a JSON string, or null when s is NULL. */
static int
put_str_or_null(struct buf *b, const char *s)
{
	return s != NULL ? put_str(b, s) : buf_puts(b, "null");
}

static int
put_todo(struct buf *b, const struct todo *t)
{
	if (put_name(b, "id", 1) == -1 || buf_putnum(b, t->id) == -1 ||
	    put_name(b, "title", 0) == -1 || put_str(b, t->title) == -1 ||
	    put_name(b, "description", 0) == -1 ||
	    put_str_or_null(b, t->description) == -1 ||
	    put_name(b, "is_completed", 0) == -1 ||
	    buf_puts(b, t->is_completed ? "true" : "false") == -1 ||
	    put_name(b, "created_at", 0) == -1 || put_str(b, t->created_at) == -1 ||
	    put_name(b, "updated_at", 0) == -1 || put_str(b, t->updated_at) == -1)
		return -1;
	return 0;
}

/* Ends a writer: closes the object, or on failure cuts b back to len. */
static int
finish(struct buf *b, size_t len, int rc)
{
	if (rc == 0 && buf_putc(b, '}') == 0)
		return 0;
	b->len = len;
	if (b->data != NULL)
		b->data[len] = '\0';
	return -1;
}

int
json_todo_write(struct buf *b, const struct todo *t)
{
	size_t	 len = b->len;

	return finish(b, len, buf_putc(b, '{') == -1 ? -1 : put_todo(b, t));
}

int
json_list_write(struct buf *b, const struct todo *items, size_t n, const char *next)
{
	size_t	 len = b->len, i;
	int	 rc;

	rc = buf_putc(b, '{') == -1 || put_name(b, "items", 1) == -1 ||
	    buf_putc(b, '[') == -1 ? -1 : 0;
	for (i = 0; rc == 0 && i < n; i++)
		rc = (i > 0 ? buf_putc(b, ',') : 0) == -1 || buf_putc(b, '{') == -1 ||
		    put_todo(b, &items[i]) == -1 || buf_putc(b, '}') == -1 ? -1 : 0;
	if (rc == 0)
		rc = buf_putc(b, ']') == -1 || put_name(b, "next_cursor", 0) == -1 ||
		    put_str_or_null(b, next) == -1 ? -1 : 0;
	return finish(b, len, rc);
}

int
json_problem_write(struct buf *b, const char *type, const char *title, int status,
    const char *detail, const char *field)
{
	size_t	 len = b->len;
	int	 rc;

	rc = buf_putc(b, '{') == -1 ||
	    put_name(b, "type", 1) == -1 || put_str(b, type) == -1 ||
	    put_name(b, "title", 0) == -1 || put_str(b, title) == -1 ||
	    put_name(b, "status", 0) == -1 || buf_putnum(b, status) == -1 ||
	    put_name(b, "detail", 0) == -1 || put_str(b, detail) == -1 ||
	    (field != NULL && (put_name(b, "field", 0) == -1 ||
	    put_str(b, field) == -1)) ? -1 : 0;
	return finish(b, len, rc);
}

int
json_member_add(struct buf *b, const char *name, const char *value)
{
	size_t	 len = b->len;

	if (len < 2 || b->data[len - 1] != '}')
		return -1;
	b->len = len - 1;
	if (put_name(b, name, 0) == -1 || put_str(b, value) == -1 || buf_putc(b, '}') == -1) {
		b->len = len;
		b->data[len - 1] = '}';
		b->data[len] = '\0';
		return -1;
	}
	return 0;
}

int
json_status_write(struct buf *b, const char *status)
{
	size_t	 len = b->len;

	return finish(b, len, buf_putc(b, '{') == -1 ||
	    put_name(b, "status", 1) == -1 || put_str(b, status) == -1 ? -1 : 0);
}
