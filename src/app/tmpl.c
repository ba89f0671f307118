#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/html.h"
#include "app/tmpl.h"

#define TMPL_FILE_MAX	(256u * 1024)
#define NAME_MAX_LEN	32

static const char *const files[TMPL__MAX] = {
	"layout.html",	/* TMPL_LAYOUT */
	"index.html",	/* TMPL_INDEX */
	"form.html",	/* TMPL_FORM */
	"item.html",	/* TMPL_ITEM */
	"message.html",	/* TMPL_MESSAGE */
	"edit.html",	/* TMPL_EDIT */
	"conflict.html",	/* TMPL_CONFLICT */
	"confirm.html",	/* TMPL_CONFIRM */
};

/* A template is a list of segments: literal text, or a placeholder name. */
struct seg {
	const char	*text;	/* into the template's source */
	size_t		 len;
	int		 is_var;
};

struct tmpl {
	char		*src;
	struct seg	*segs;
	size_t		 nsegs;
};

static struct tmpl	 tmpls[TMPL__MAX];

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Splits t->src into segments: 0, or -1 with a message naming file and offset. */
static int
split(struct tmpl *t, const char *file)
{
	const char	*p = t->src, *open, *close;
	size_t		 cap = 16, i;
	struct seg	*v;

	if ((t->segs = calloc(cap, sizeof(*t->segs))) == NULL)
		return -1;
	while (*p != '\0') {
		if (t->nsegs + 2 > cap) {
			cap *= 2;
			if ((v = realloc(t->segs, cap * sizeof(*v))) == NULL)
				return -1;
			t->segs = v;
		}
		if ((open = strstr(p, "{{")) == NULL)
			open = p + strlen(p);
		if (open > p)
			t->segs[t->nsegs++] = (struct seg){ p, (size_t)(open - p), 0 };
		if (*open == '\0')
			break;
		if ((close = strstr(open + 2, "}}")) == NULL)
			goto bad;
		for (i = 2; open + i < close; i++)
			if (!name_char(open[i]))
				goto bad;
		if (close == open + 2 || close - open - 2 > NAME_MAX_LEN)
			goto bad;
		t->segs[t->nsegs++] = (struct seg){ open + 2, (size_t)(close - open - 2), 1 };
		p = close + 2;
		continue;
bad:
		fprintf(stderr, "%s: bad placeholder at offset %zu\n", file,
		    (size_t)(open - t->src));
		return -1;
	}
	return 0;
}

/* Reads a whole file of at most TMPL_FILE_MAX bytes; NULL with a message. */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*s = NULL;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	if ((s = malloc(TMPL_FILE_MAX + 1)) == NULL)
		goto out;
	n = fread(s, 1, TMPL_FILE_MAX + 1, f);
	if (ferror(f) || n > TMPL_FILE_MAX || memchr(s, '\0', n) != NULL) {
		fprintf(stderr, "%s: unreadable or larger than %u bytes\n", path, TMPL_FILE_MAX);
		free(s);
		s = NULL;
		goto out;
	}
	s[n] = '\0';
out:
	fclose(f);
	return s;
}

int
tmpl_load(const char *dir)
{
	char	 path[4096];
	int	 i;

	tmpl_free();
	for (i = 0; i < TMPL__MAX; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if ((tmpls[i].src = slurp(path)) == NULL || split(&tmpls[i], path) == -1) {
			tmpl_free();
			return -1;
		}
	}
	return 0;
}

enum tmpl_file_res
tmpl_file(struct buf *out, const char *dir, const char *name)
{
	FILE		*f;
	char		 path[4096], chunk[8192];
	size_t		 n, total = 0;
	enum tmpl_file_res rc = TMPL_FILE_OK;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return TMPL_FILE_ERROR;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return TMPL_FILE_MISSING;
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return TMPL_FILE_ERROR;
	}
	/* Straight into out, in chunks: no buffer the size of the cap. */
	while (rc == TMPL_FILE_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if ((total += n) > TMPL_FILE_MAX || buf_append(out, chunk, n) == -1)
			rc = TMPL_FILE_ERROR;
	if (rc == TMPL_FILE_OK && ferror(f))
		rc = TMPL_FILE_ERROR;
	if (rc != TMPL_FILE_OK)
		fprintf(stderr, "%s: unreadable or larger than %u bytes\n", path, TMPL_FILE_MAX);
	fclose(f);
	return rc;
}

int
tmpl_render(struct buf *out, enum tmpl_id id, const struct tmpl_var *vars, size_t n)
{
	const struct tmpl	*t;
	const struct seg	*s;
	size_t			 i, j;

	if (id >= TMPL__MAX || (t = &tmpls[id])->src == NULL)
		return -1;
	for (i = 0; i < t->nsegs; i++) {
		s = &t->segs[i];
		if (!s->is_var) {
			if (buf_append(out, s->text, s->len) == -1)
				return -1;
			continue;
		}
		for (j = 0; j < n; j++)
			if (strlen(vars[j].name) == s->len &&
			    memcmp(vars[j].name, s->text, s->len) == 0)
				break;
		if (j == n) {
			fprintf(stderr, "%s: no value for {{%.*s}}\n", files[id],
			    (int)s->len, s->text);
			return -1;
		}
		if (vars[j].value == NULL)
			continue;
		if (vars[j].raw ? buf_puts(out, vars[j].value) == -1 :
		    html_text(out, vars[j].value) == -1)
			return -1;
	}
	/* An empty rendering is still a string. */
	return buf_append(out, "", 0);
}

void
tmpl_free(void)
{
	int	 i;

	for (i = 0; i < TMPL__MAX; i++) {
		free(tmpls[i].src);
		free(tmpls[i].segs);
		memset(&tmpls[i], 0, sizeof(tmpls[i]));
	}
}
