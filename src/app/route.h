#ifndef ROUTE_H
#define ROUTE_H

#include <stdint.h>

#include "app/app.h"
#include "http/io.h"

/*
 * Serves one request from io: reads it, finds its route in the table,
 * runs the handler and writes the response. Never fails: every error
 * becomes a response.
 */
void	route_serve(struct app *, struct io *);

/*
 * The index of the route whose pattern matches path, setting *id for an
 * {id} segment; -1 when no route matches.
 */
int	route_find(const char *path, int64_t *id);

/* The path pattern of route i ("/todos/{id}"), NULL past the last route. */
const char	*route_pattern(int i);

#endif
