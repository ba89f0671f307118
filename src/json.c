#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"

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

enum json_res
json_todo_parse(const char *body, size_t len, enum todo_mode mode,
    struct todo_in *in, struct verr *err)
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
			res = invalid(err, NULL, "the body has a member that is not "
			    "title, description or is_completed");
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
	struct json_object	*k;
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
		for (i = 0; i < n; i++) {
			if ((k = json_object_new_string(m[i].name)) == NULL)
				goto out;
			if ((i > 0 && buf_putc(b, ',') == -1) || put(b, k) == -1 ||
			    buf_putc(b, ':') == -1 || canon(b, m[i].value) == -1) {
				json_object_put(k);
				goto out;
			}
			json_object_put(k);
		}
		rc = buf_putc(b, '}');
out:
		free(m);
		return rc;
	case json_type_null:
		return buf_puts(b, "null");
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

/* Builds the JSON object of a todo; NULL when out of memory. */
static struct json_object *
todo_object(const struct todo *t)
{
	struct json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (json_object_object_add(o, "id", json_object_new_int64(t->id)) != 0 ||
	    json_object_object_add(o, "title", json_object_new_string(t->title)) != 0 ||
	    json_object_object_add(o, "description", t->description != NULL ?
	    json_object_new_string(t->description) : NULL) != 0 ||
	    json_object_object_add(o, "is_completed",
	    json_object_new_boolean(t->is_completed)) != 0 ||
	    json_object_object_add(o, "created_at", json_object_new_string(t->created_at)) != 0 ||
	    json_object_object_add(o, "updated_at", json_object_new_string(t->updated_at)) != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Appends o and releases it; -1 when o is NULL or out of memory. */
static int
put_free(struct buf *b, struct json_object *o)
{
	int	 rc;

	if (o == NULL)
		return -1;
	rc = put(b, o);
	json_object_put(o);
	return rc;
}

int
json_todo_write(struct buf *b, const struct todo *t)
{
	return put_free(b, todo_object(t));
}

int
json_list_write(struct buf *b, const struct todo *items, size_t n, const char *next)
{
	struct json_object	*o, *a, *t;
	size_t			 i;

	if ((o = json_object_new_object()) == NULL)
		return -1;
	if ((a = json_object_new_array_ext((int)n)) == NULL ||
	    json_object_object_add(o, "items", a) != 0) {
		json_object_put(a);
		json_object_put(o);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((t = todo_object(&items[i])) == NULL ||
		    json_object_array_add(a, t) != 0) {
			json_object_put(t);
			json_object_put(o);
			return -1;
		}
	if (json_object_object_add(o, "next_cursor",
	    next != NULL ? json_object_new_string(next) : NULL) != 0) {
		json_object_put(o);
		return -1;
	}
	return put_free(b, o);
}

int
json_problem_write(struct buf *b, const char *type, const char *title, int status,
    const char *detail, const char *field)
{
	struct json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return -1;
	if (json_object_object_add(o, "type", json_object_new_string(type)) != 0 ||
	    json_object_object_add(o, "title", json_object_new_string(title)) != 0 ||
	    json_object_object_add(o, "status", json_object_new_int(status)) != 0 ||
	    json_object_object_add(o, "detail", json_object_new_string(detail)) != 0 ||
	    (field != NULL && json_object_object_add(o, "field",
	    json_object_new_string(field)) != 0)) {
		json_object_put(o);
		return -1;
	}
	return put_free(b, o);
}

int
json_status_write(struct buf *b, const char *status)
{
	struct json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return -1;
	if (json_object_object_add(o, "status", json_object_new_string(status)) != 0) {
		json_object_put(o);
		return -1;
	}
	return put_free(b, o);
}
