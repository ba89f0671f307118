#include <string.h>

#include "lib/html.h"

int
html_text(struct buf *b, const char *s)
{
	const char	*p;
	const char	*rep;

	if (s == NULL)
		return 0;
	while (*s != '\0') {
		p = s + strcspn(s, "&<>\"'");
		if (p > s && buf_append(b, s, (size_t)(p - s)) == -1)
			return -1;
		if (*p == '\0')
			break;
		switch (*p) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		default: rep = "&#39;"; break;
		}
		if (buf_puts(b, rep) == -1)
			return -1;
		s = p + 1;
	}
	return 0;
}

int
html_attr(struct buf *b, const char *s)
{
	/* The same five characters make text and quoted attribute values safe. */
	return html_text(b, s);
}
