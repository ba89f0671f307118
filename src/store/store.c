/*
 * The store's one interface: picks the engine from the --db value and
 * passes every call to the handle's engine.
 */
#include <stdlib.h>
#include <string.h>

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
store_todo_list(struct store *s, int64_t before, unsigned limit, struct todo **items,
    size_t *n)
{
	return s->engine->todo_list(s, before, limit, items, n);
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
