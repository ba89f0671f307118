#ifndef HTML_H
#define HTML_H

#include "lib/buf.h"

/*
 * The only way request data reaches HTML: both escape & < > " ' so the
 * result is safe in element text and in quoted attribute values.
 * Each returns 0, or -1 when out of memory.
 */
int	html_text(struct buf *, const char *);
int	html_attr(struct buf *, const char *);

#endif
