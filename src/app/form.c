#include <stdlib.h>
#include <string.h>

#include "app/form.h"
#include "app/valid.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) ('+' is a space, %XX a byte) into a new string; NULL on a bad escape. */
static char *
decode(const char *s, size_t n, size_t *outlen, enum form_res *res)
{
	char	*out;
	size_t	 i, o = 0;
	int	 hi, lo;

	if ((out = malloc(n + 1)) == NULL) {
		*res = FORM_NOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] == '%') {
			if (i + 2 >= n)
				goto bad;
			if ((hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0)
				goto bad;
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	if (!valid_utf8(out, o))
		goto bad;
	*outlen = o;
	return out;
bad:
	free(out);
	*res = FORM_MALFORMED;
	return NULL;
}

enum form_res
form_parse(const char *s, size_t len, struct form *f)
{
	const char	*p = s, *end = s + len, *amp, *eq;
	struct form_field *fld;
	enum form_res	 res = FORM_OK;
	size_t		 nlen, i;

	memset(f, 0, sizeof(*f));
	if (len > 0 && memchr(s, '\0', len) != NULL)
		return FORM_MALFORMED;
	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p) {
			p++;
			continue;
		}
		if (f->n == FORM_FIELDS_MAX) {
			res = FORM_TOOMANY;
			goto fail;
		}
		if (f->fields == NULL &&
		    (f->fields = calloc(FORM_FIELDS_MAX, sizeof(*f->fields))) == NULL) {
			res = FORM_NOMEM;
			goto fail;
		}
		fld = &f->fields[f->n];
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if ((fld->name = decode(p, (size_t)(eq - p), &nlen, &res)) == NULL)
			goto fail;
		fld->value = decode(eq < amp ? eq + 1 : amp,
		    eq < amp ? (size_t)(amp - eq - 1) : 0, &fld->vlen, &res);
		f->n++;
		if (fld->value == NULL)
			goto fail;
		for (i = 0; i + 1 < f->n; i++)
			if (strcmp(f->fields[i].name, fld->name) == 0) {
				res = FORM_DUPLICATE;
				goto fail;
			}
		p = amp < end ? amp + 1 : end;
	}
	return FORM_OK;
fail:
	form_free(f);
	return res;
}

const struct form_field *
form_get(const struct form *f, const char *name)
{
	size_t	 i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}

static int
encode(struct buf *b, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 i;
	unsigned char		 c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
			if (buf_putc(b, (char)c) == -1)
				return -1;
		} else if (buf_putc(b, '%') == -1 || buf_putc(b, hex[c >> 4]) == -1 ||
		    buf_putc(b, hex[c & 15]) == -1)
			return -1;
	}
	return 0;
}

static int
field_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct form_field *const *)a)->name,
	    (*(const struct form_field *const *)b)->name);
}

int
form_canonical(const struct form *f, const char *skip, struct buf *b)
{
	const struct form_field	*v[FORM_FIELDS_MAX];
	size_t			 i, n = 0;
	int			 first = 1;

	for (i = 0; i < f->n && n < FORM_FIELDS_MAX; i++)
		if (skip == NULL || strcmp(f->fields[i].name, skip) != 0)
			v[n++] = &f->fields[i];
	qsort(v, n, sizeof(v[0]), field_cmp);
	/* An empty buffer is still a string. */
	if (buf_append(b, "", 0) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((!first && buf_putc(b, '&') == -1) ||
		    encode(b, v[i]->name, strlen(v[i]->name)) == -1 ||
		    buf_putc(b, '=') == -1 ||
		    encode(b, v[i]->value, v[i]->vlen) == -1)
			return -1;
		first = 0;
	}
	return 0;
}

void
form_free(struct form *f)
{
	size_t	 i;

	if (f->fields != NULL)
		for (i = 0; i < f->n; i++) {
			free(f->fields[i].name);
			free(f->fields[i].value);
		}
	free(f->fields);
	memset(f, 0, sizeof(*f));
}
