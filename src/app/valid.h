#ifndef VALID_H
#define VALID_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "store/todo.h"

/*
 * The declared input fields of a todo and their pure validators: no I/O,
 * no globals. Messages returned are static strings meant for users.
 */
enum field {
	FIELD_TITLE,		/* string, 1-200 characters after trimming */
	FIELD_DESCRIPTION,	/* string of at most 2000 characters, or null */
	FIELD_IS_COMPLETED,	/* boolean */
	FIELD__MAX
};

#define FIELD_BIT(f)	(1u << (f))
#define FIELDS_ALL	(FIELD_BIT(FIELD__MAX) - 1)

#define TITLE_MAX	200
#define DESCRIPTION_MAX	2000
#define LIMIT_DEFAULT	50
#define LIMIT_MAX	200

/* How a body is applied: create (title required), replace (all required), patch (any). */
enum todo_mode {
	MODE_CREATE,
	MODE_REPLACE,
	MODE_PATCH
};

/* The longest offending name a message repeats; longer ones are cut. */
#define VERR_NAME_MAX	64

/*
 * A validation failure: the field it concerns and a message for people.
 * Both point at static strings, or into the struct itself when they
 * repeat what the client sent.
 */
struct verr {
	const char	*field;	/* field name, or NULL when about the whole body */
	const char	*msg;
	char		 name[VERR_NAME_MAX + 4];
	char		 text[256];
};

/* The query parameters an API request takes. */
enum query_set {
	QUERY_NONE,	/* none */
	QUERY_LIST,	/* a list: limit and cursor */
	QUERY__MAX
};

/* A set of media types a body may be sent as: bits of enum ctype. */
#define CTYPE_BIT(c)	(1u << (c))

/* The wire name of a field ("title", ...). */
const char	*valid_field_name(enum field);

/* The field with that wire name, or FIELD__MAX when there is none. */
enum field	 valid_field_lookup(const char *name, size_t len);

/* 1 when s[0..len) is well-formed UTF-8 with no NUL byte, else 0. */
int		 valid_utf8(const char *s, size_t len);

/* Number of code points in well-formed UTF-8. */
size_t		 valid_utf8_chars(const char *s, size_t len);

/*
 * Validates a title: trims ASCII white space, then requires 1-200 code
 * points of valid UTF-8 without control characters. On success returns
 * NULL and sets *off and *outlen to the trimmed span inside s; else returns
 * the message.
 */
const char	*valid_title(const char *s, size_t len, size_t *off, size_t *outlen);

/*
 * Validates a description: at most 2000 code points of valid UTF-8, no
 * control characters except tab, CR and LF. NULL on success, else the message.
 */
const char	*valid_description(const char *s, size_t len);

/*
 * Sets one string field of in, validated (title is trimmed; for the
 * description an empty string becomes NULL only when empty_is_null).
 * Returns 0, or -1 with err filled; out of memory is reported as -2.
 */
int		 valid_set_string(struct todo_in *in, enum field, const char *s,
		    size_t len, int empty_is_null, struct verr *err);

/* Checks that a mode's required fields are present: 0, or -1 with err filled. */
int		 valid_required(const struct todo_in *, enum todo_mode, struct verr *);

/* Parses a positive decimal id (no sign, no leading zeros, fits int64): 0 or -1. */
int		 valid_id(const char *s, size_t len, int64_t *out);

/* Parses a page limit 1..LIMIT_MAX: 0 or -1. */
int		 valid_limit(const char *s, size_t len, unsigned *out);

/* Parses a cursor (an opaque string the list returned; a positive id): 0 or -1. */
int		 valid_cursor(const char *s, size_t len, int64_t *out);

/*
 * Checks that a query string (raw, as sent) names no parameter but those
 * of set: 0, or -1 with err naming the first other one, as sent.
 */
int		 valid_query(const char *query, enum query_set, struct verr *);

/* Fills err for a body member that is not a field of a todo. */
void		 valid_unknown_member(struct verr *, const char *name, size_t len);

/* 1 when the first byte of s that is not white space is { or [. */
int		 valid_looks_json(const char *s, size_t len);

/*
 * Checks a body's media type (got, and the Content-Type as sent, or NULL)
 * against those accepted (CTYPE_BIT()s): 0, or -1 with err saying what to
 * send instead, and that the body looks like JSON when it does.
 */
int		 valid_media(enum ctype got, const char *sent, const char *body, size_t len,
		    unsigned accepted, struct verr *);

/* Parses a form boolean: "1", "true", "on" are true; "0", "false", "off" false: 0 or -1. */
int		 valid_bool(const char *s, size_t len, int *out);

#endif
