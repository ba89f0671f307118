#ifndef FORM_H
#define FORM_H

#include <stddef.h>

#include "lib/buf.h"

/* application/x-www-form-urlencoded bodies. */

struct form_field {
	char	*name;		/* decoded, NUL-terminated */
	char	*value;		/* decoded, NUL-terminated; may contain no NUL */
	size_t	 vlen;
};

struct form {
	struct form_field	*fields;
	size_t			 n;
};

enum form_res {
	FORM_OK = 0,
	FORM_MALFORMED,	/* bad percent escape, NUL byte or invalid UTF-8 */
	FORM_DUPLICATE,	/* a name given twice */
	FORM_TOOMANY,	/* more than FORM_FIELDS_MAX fields */
	FORM_NOMEM
};

#define FORM_FIELDS_MAX	32

/* Decodes s[0..len) into f (zeroed first). On error f is left empty. */
enum form_res		 form_parse(const char *s, size_t len, struct form *f);

/* The field with that name, or NULL. */
const struct form_field	*form_get(const struct form *, const char *name);

/*
 * Appends a canonical form of the fields, names sorted, skipping the field
 * named skip (may be NULL), each as name=value percent-encoded, joined by &.
 * 0, or -1 when out of memory.
 */
int			 form_canonical(const struct form *, const char *skip, struct buf *);

void			 form_free(struct form *);

#endif
