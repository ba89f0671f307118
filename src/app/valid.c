#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/valid.h"

static const char *const names[FIELD__MAX] = {
	"title",	/* FIELD_TITLE */
	"description",	/* FIELD_DESCRIPTION */
	"is_completed",	/* FIELD_IS_COMPLETED */
};

const char *
valid_field_name(enum field f)
{
	return f < FIELD__MAX ? names[f] : "";
}

enum field
valid_field_lookup(const char *name, size_t len)
{
	int	 i;

	for (i = 0; i < FIELD__MAX; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return (enum field)i;
	return FIELD__MAX;
}

/*
 * Decodes one code point at s (n bytes left): its length, or 0 when the
 * bytes are not well-formed UTF-8 (overlong forms, surrogates and values
 * past U+10FFFF included).
 */
static size_t
utf8_next(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t		 len, i;
	unsigned long	 c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2; c = s[0] & 0x1f; min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3; c = s[0] & 0x0f; min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4; c = s[0] & 0x07; min = 0x10000;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int
valid_utf8(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned long		 cp;
	size_t			 n;

	while (len > 0) {
		if ((n = utf8_next(p, len, &cp)) == 0 || cp == 0)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

size_t
valid_utf8_chars(const char *s, size_t len)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* 1 when s holds a control character other than those allowed. */
static int
has_control(const char *s, size_t len, const char *allowed)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if ((c < 0x20 || c == 0x7f) && (allowed == NULL || c == 0 ||
		    strchr(allowed, c) == NULL))
			return 1;
	}
	return 0;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

const char *
valid_title(const char *s, size_t len, size_t *off, size_t *outlen)
{
	size_t	 a = 0, b = len, n;

	if (!valid_utf8(s, len) || has_control(s, len, "\t\n\r\f\v"))
		return "title must be valid UTF-8 text without control characters";
	while (a < b && is_space(s[a]))
		a++;
	while (b > a && is_space(s[b - 1]))
		b--;
	n = valid_utf8_chars(s + a, b - a);
	if (n < 1 || n > TITLE_MAX)
		return "title must be 1 to 200 characters";
	/* White space is trimmed; inside, a title is one line. */
	if (has_control(s + a, b - a, NULL))
		return "title must be valid UTF-8 text without control characters";
	*off = a;
	*outlen = b - a;
	return NULL;
}

const char *
valid_description(const char *s, size_t len)
{
	if (!valid_utf8(s, len) || has_control(s, len, "\t\n\r"))
		return "description must be valid UTF-8 text without control characters";
	if (valid_utf8_chars(s, len) > DESCRIPTION_MAX)
		return "description must be at most 2000 characters";
	return NULL;
}

int
valid_set_string(struct todo_in *in, enum field f, const char *s, size_t len,
    int empty_is_null, struct verr *err)
{
	const char	*msg;
	size_t		 off = 0, n = len;
	char		*copy = NULL;

	if (f == FIELD_TITLE)
		msg = valid_title(s, len, &off, &n);
	else if (f == FIELD_DESCRIPTION)
		msg = valid_description(s, len);
	else
		msg = "this field is not text";
	if (msg != NULL) {
		err->field = valid_field_name(f);
		err->msg = msg;
		return -1;
	}
	if (!(f == FIELD_DESCRIPTION && n == 0 && empty_is_null)) {
		if ((copy = malloc(n + 1)) == NULL)
			return -2;
		memcpy(copy, s + off, n);
		copy[n] = '\0';
	}
	if (f == FIELD_TITLE) {
		free(in->title);
		in->title = copy;
	} else {
		free(in->description);
		in->description = copy;
	}
	in->set |= FIELD_BIT(f);
	return 0;
}

int
valid_required(const struct todo_in *in, enum todo_mode mode, struct verr *err)
{
	static const char *const msgs[FIELD__MAX] = {
		"title is required",
		"description is required (it may be null)",
		"is_completed is required",
	};
	unsigned	 need = 0;
	int		 i;

	if (mode == MODE_CREATE)
		need = FIELD_BIT(FIELD_TITLE);
	else if (mode == MODE_REPLACE)
		need = FIELDS_ALL;
	for (i = 0; i < FIELD__MAX; i++)
		if ((need & FIELD_BIT(i)) && !(in->set & FIELD_BIT(i))) {
			err->field = names[i];
			err->msg = msgs[i];
			return -1;
		}
	return 0;
}

int
valid_id(const char *s, size_t len, int64_t *out)
{
	int64_t	 v = 0;
	size_t	 i;

	if (len == 0 || len > 19 || s[0] == '0')
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (INT64_MAX - (s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
valid_limit(const char *s, size_t len, unsigned *out)
{
	int64_t	 v;

	if (valid_id(s, len, &v) == -1 || v > LIMIT_MAX)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int
valid_cursor(const char *s, size_t len, int64_t *out)
{
	return valid_id(s, len, out);
}

int
valid_bool(const char *s, size_t len, int *out)
{
	static const struct {
		const char	*word;
		int		 value;
	} words[] = {
		{ "1", 1 }, { "true", 1 }, { "on", 1 },
		{ "0", 0 }, { "false", 0 }, { "off", 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].word) == len && memcmp(words[i].word, s, len) == 0) {
			*out = words[i].value;
			return 0;
		}
	return -1;
}

/*
 * Copies the name a message repeats into err->name: at most VERR_NAME_MAX
 * bytes, cut at a character's start and marked "..." when longer. With
 * ascii set (a name as sent in a URL) a byte outside visible ASCII
 * becomes '?'; else (valid UTF-8) only control characters do.
 */
static const char *
name_copy(struct verr *err, const char *s, size_t len, int ascii)
{
	size_t	 n = len, i;

	if (n > VERR_NAME_MAX) {
		n = VERR_NAME_MAX;
		while (n > 0 && !ascii && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char	 c = (unsigned char)s[i];

		err->name[i] = c < 0x20 || c == 0x7f || (ascii && c > 0x7e) ? '?' : (char)c;
	}
	memcpy(err->name + i, n < len ? "..." : "", n < len ? 4 : 1);
	return err->name;
}

/* The parameters each query set takes, and how a message says so. */
static const struct {
	const char	*names[3];	/* NULL-terminated */
	const char	*takes;
} query_sets[QUERY__MAX] = {
	{ { NULL }, "takes no query parameters" },		/* QUERY_NONE */
	{ { "limit", "cursor", NULL }, "takes limit and cursor" },	/* QUERY_LIST */
};

int
valid_query(const char *query, enum query_set set, struct verr *err)
{
	const char *const	*name;
	const char		*p = query;
	size_t			 n, len;

	while (p != NULL && *p != '\0') {
		len = strcspn(p, "&");
		n = strcspn(p, "=&");
		for (name = query_sets[set].names; len > 0 && *name != NULL; name++)
			if (strlen(*name) == n && memcmp(*name, p, n) == 0)
				break;
		if (len > 0 && *name == NULL) {
			err->field = n > 0 ? name_copy(err, p, n, 1) : NULL;
			err->msg = err->text;
			if (n > 0)
				snprintf(err->text, sizeof(err->text),
				    "Unknown query parameter %s; this endpoint %s.",
				    err->name, query_sets[set].takes);
			else
				snprintf(err->text, sizeof(err->text),
				    "A query parameter has no name; this endpoint %s.",
				    query_sets[set].takes);
			return -1;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return 0;
}

void
valid_unknown_member(struct verr *err, const char *name, size_t len)
{
	err->field = name_copy(err, name, len, 0);
	err->msg = err->text;
	snprintf(err->text, sizeof(err->text), "Unknown member '%s'; a todo has %s, %s and %s.",
	    err->name, names[FIELD_TITLE], names[FIELD_DESCRIPTION], names[FIELD_IS_COMPLETED]);
}

int
valid_looks_json(const char *s, size_t len)
{
	size_t	 i = 0;

	while (i < len && is_space(s[i]))
		i++;
	return i < len && (s[i] == '{' || s[i] == '[');
}

/* The media types a body may be sent as, by the wire names of enum ctype. */
static const char *const media_names[] = {
	[CTYPE_JSON] = "application/json",
	[CTYPE_MERGE_PATCH] = "application/merge-patch+json",
	[CTYPE_FORM] = "application/x-www-form-urlencoded",
};

int
valid_media(enum ctype got, const char *sent, const char *body, size_t len,
    unsigned accepted, struct verr *err)
{
	char	 want[128];
	size_t	 i, w = 0, n;
	int	 looks;

	if (accepted & CTYPE_BIT(got))
		return 0;
	want[0] = '\0';
	for (i = 0; i < sizeof(media_names) / sizeof(media_names[0]); i++)
		if (media_names[i] != NULL && (accepted & CTYPE_BIT(i)))
			w += (size_t)snprintf(want + w, sizeof(want) - w, "%s%s",
			    w > 0 ? " or " : "", media_names[i]);
	/* JSON sent as a form, or with no type, by a client that meant JSON. */
	looks = (accepted & CTYPE_BIT(CTYPE_JSON)) && body != NULL && valid_looks_json(body, len);
	err->field = NULL;
	err->msg = err->text;
	if (got == CTYPE_NONE || sent == NULL) {
		snprintf(err->text, sizeof(err->text), looks ?
		    "The body looks like JSON but the request has no Content-Type; "
		    "send Content-Type: %s." :
		    "The request has no Content-Type; send Content-Type: %s.",
		    looks ? media_names[CTYPE_JSON] : want);
		return -1;
	}
	while (*sent == ' ' || *sent == '\t')
		sent++;
	n = strcspn(sent, "; \t");
	name_copy(err, sent, n, 1);
	if (looks)
		snprintf(err->text, sizeof(err->text), "The body looks like JSON but "
		    "Content-Type is %s; send Content-Type: %s.", err->name,
		    media_names[CTYPE_JSON]);
	else
		snprintf(err->text, sizeof(err->text), "Content-Type %s is not accepted "
		    "here; send Content-Type: %s.", err->name, want);
	return -1;
}
