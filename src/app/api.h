#ifndef API_H
#define API_H

#include "app/app.h"
#include "http/http.h"

/*
 * The JSON API handlers. Each fills resp and returns 0, or -1 on an
 * internal failure (the caller answers 500).
 */
int	api_health(struct app *, struct req *, struct resp *);
int	api_list(struct app *, struct req *, struct resp *);
int	api_create(struct app *, struct req *, struct resp *);
int	api_get(struct app *, struct req *, struct resp *);
int	api_replace(struct app *, struct req *, struct resp *);
int	api_patch(struct app *, struct req *, struct resp *);
int	api_delete(struct app *, struct req *, struct resp *);

#endif
