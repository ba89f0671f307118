#ifndef PAGE_H
#define PAGE_H

#include "app/app.h"
#include "http/http.h"

/*
 * The HTML handlers: the page, and the form posts behind it. Each fills
 * resp and returns 0, or -1 on an internal failure (the caller answers 500).
 */
int	page_index(struct app *, struct req *, struct resp *);
int	page_create(struct app *, struct req *, struct resp *);
int	page_complete(struct app *, struct req *, struct resp *);
int	page_delete(struct app *, struct req *, struct resp *);
/* A todo's own page, its edit form (edit.c), and that form's post. */
int	page_todo(struct app *, struct req *, struct resp *);
int	page_edit(struct app *, struct req *, struct resp *);

/* 1 when the request asks for HTML before JSON: a browser's. */
int	page_wanted(const struct req *);

/*
 * Makes the problem in resp (its status, Allow and Retry-After kept) a
 * page for people. 0, or -1 when out of memory.
 */
int	page_error(struct resp *);

/*
 * Makes resp an HTML page: content (HTML this program rendered or
 * shipped) in the layout, under title (escaped). 0, or -1 when out of memory.
 */
int	page_layout(struct resp *, int status, const char *title, const struct buf *content);

/* A page with a heading and a message, for errors. 0, or -1 when out of memory. */
int	page_message(struct resp *, int status, const char *heading, const char *message);

#endif
