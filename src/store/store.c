/*
 * The store's one interface: picks the engine from the --db value and
 * passes every call to the handle's engine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/metrics.h"
#include "store/store.h"

/* The engines, asked in turn; SQLite, which takes any path, last. */
static const struct store_engine *const engines[] = {
	&store_pg,
	&store_sqlite,
};

const struct store_engine *
store_engine_for(const char *db)
{
	size_t	 i;

	for (i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
		if (engines[i]->accepts(db))
			return engines[i];
	return &store_sqlite;
}

struct store *
store_open(const struct store_conf *conf)
{
	return store_engine_for(conf->db)->open(conf);
}

void
store_close(struct store *s)
{
	if (s != NULL)
		s->engine->close(s);
}

enum store_res
store_check(struct store *s, const char **why)
{
	*why = NULL;
	return s->engine->check != NULL ? s->engine->check(s, why) : STORE_OK;
}

void
store_hold_init(struct store_hold *h, const struct store_conf *conf, int min_ms, int max_ms)
{
	memset(h, 0, sizeof(*h));
	h->conf = *conf;
	h->conf.create = STORE_CREATE_NO;
	h->min_ms = min_ms;
	h->max_ms = max_ms;
	h->wait_ms = min_ms;
}

void
store_hold_drop(struct store_hold *h, const char *why)
{
	if (h->db == NULL)
		return;
	if (!h->down)
		fprintf(stderr, "store unavailable (%s); closing the handle, %s\n",
		    why != NULL ? why : "a fault", h->moved ? "every process restarts" :
		    "opening it again");
	h->down = 1;
	h->why = why;
	store_close(h->db);
	h->db = NULL;
	/* The first open again is at once: a handle at fault may be the only fault. */
	h->retry_at = 0;
}

enum store_res
store_hold_get(struct store_hold *h)
{
	const char	*why;
	enum store_res	 rc;
	int64_t		 now;

	if (h->db != NULL) {
		if ((rc = store_check(h->db, &why)) == STORE_OK)
			return STORE_OK;
		if (rc == STORE_MOVED)
			h->moved = 1;
		store_hold_drop(h, why);
	}
	/*
	 * Never the new file from a process that had the old one: its log and
	 * shared memory, beside the same name, are still the old file's until
	 * every process has let go of it (main.c restarts them all).
	 */
	if (h->moved) {
		h->why = "the database file was replaced or removed";
		return STORE_DOWN;
	}
	now = clock_mono_ms();
	if (now < h->retry_at)
		return STORE_DOWN;
	/* Said once: the first failure speaks, the retries do not. */
	h->conf.quiet = h->down;
	if ((h->db = store_open(&h->conf)) == NULL || store_check(h->db, &why) != STORE_OK) {
		store_close(h->db);
		h->db = NULL;
		if (!h->down)
			fprintf(stderr, "store unavailable; opening again in %d ms, then less often\n",
			    h->wait_ms);
		h->down = 1;
		h->why = "the database cannot be opened";
		h->retry_at = now + h->wait_ms;
		h->wait_ms = h->wait_ms * 2 < h->max_ms ? h->wait_ms * 2 : h->max_ms;
		return STORE_DOWN;
	}
	if (h->opened) {
		h->reopens++;
		if (metrics != NULL)
			metrics_add(&metrics->store_reopens, 1);
	}
	if (h->down)
		fprintf(stderr, "store available again\n");
	h->opened = 1;
	h->down = 0;
	h->why = NULL;
	h->wait_ms = h->min_ms;
	return STORE_OK;
}

void
store_set_aside(const char *db)
{
	const struct store_engine	*e = store_engine_for(db);

	if (e->set_aside != NULL)
		e->set_aside(db);
}

void
store_hold_close(struct store_hold *h)
{
	store_close(h->db);
	h->db = NULL;
}

const char *
store_errmsg(struct store *s)
{
	return s->engine->errmsg(s);
}

enum store_res
store_begin(struct store *s)
{
	return s->engine->begin(s);
}

enum store_res
store_commit(struct store *s)
{
	return s->engine->commit(s);
}

void
store_rollback(struct store *s)
{
	s->engine->rollback(s);
}

enum store_res
store_savepoint(struct store *s)
{
	return s->engine->savepoint(s);
}

enum store_res
store_release(struct store *s)
{
	return s->engine->release(s);
}

void
store_rollback_to(struct store *s)
{
	s->engine->rollback_to(s);
}

enum store_res
store_durable(struct store *s)
{
	return s->engine->durable(s);
}

enum store_res
store_touch(struct store *s)
{
	return s->engine->touch(s);
}

enum store_res
store_write_probe(struct store *s)
{
	enum store_res	 rc;

	if ((rc = store_begin(s)) != STORE_OK)
		return rc;
	if ((rc = store_touch(s)) != STORE_OK) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s);
}

enum store_res
store_health(struct store *s)
{
	return s->engine->health(s);
}

enum store_res
store_todo_insert(struct store *s, const struct todo_in *in, const char *now, int64_t *id,
    char stamp[32])
{
	return s->engine->todo_insert(s, in, now, id, stamp);
}

enum store_res
store_todo_get(struct store *s, int64_t id, struct todo *t)
{
	return s->engine->todo_get(s, id, t);
}

enum store_res
store_todo_update(struct store *s, const struct todo *t, const char *now)
{
	return s->engine->todo_update(s, t, now);
}

enum store_res
store_todo_delete(struct store *s, int64_t id)
{
	return s->engine->todo_delete(s, id);
}

enum store_res
store_todo_list(struct store *s, int64_t before, enum todo_show show, unsigned limit,
    struct todo **items, size_t *n)
{
	return s->engine->todo_list(s, before, show, limit, items, n);
}

enum store_res
store_todo_counts(struct store *s, int64_t *open, int64_t *done)
{
	return s->engine->todo_counts(s, open, done);
}

enum store_res
store_key_claim(struct store *s, const struct store_claim *c, int64_t *expires_at)
{
	return s->engine->key_claim(s, c, expires_at);
}

enum store_res
store_key_record(struct store *s, const char *scope, const char *key, int64_t todo_id,
    int status, const char *headers, const void *body, size_t len)
{
	return s->engine->key_record(s, scope, key, todo_id, status, headers, body, len);
}

enum store_res
store_key_get(struct store *s, const char *scope, const char *key, int64_t now,
    struct store_key *k)
{
	return s->engine->key_get(s, scope, key, now, k);
}

enum store_res
store_key_purge(struct store *s, int64_t now, int limit)
{
	return s->engine->key_purge(s, now, limit);
}

enum store_res
store_key_count(struct store *s, int64_t now, int64_t cap, struct store_key_counts *c)
{
	return s->engine->key_count(s, now, cap, c);
}

void
store_key_clear(struct store_key *k)
{
	free(k->method);
	free(k->path);
	free(k->fingerprint);
	free(k->headers);
	free(k->raw_fingerprint);
	buf_free(&k->body);
	memset(k, 0, sizeof(*k));
}
