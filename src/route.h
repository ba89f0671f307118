#ifndef ROUTE_H
#define ROUTE_H

#include "app.h"
#include "io.h"

/*
 * Serves one request from io: reads it, finds its route in the table,
 * runs the handler and writes the response. Never fails: every error
 * becomes a response.
 */
void	route_serve(struct app *, struct io *);

#endif
