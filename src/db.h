#ifndef DB_H
#define DB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "todo.h"

/*
 * The store: the only module that speaks SQLite. One handle per worker
 * process, its statements prepared once at open.
 */
struct db;

enum db_res {
	DB_OK = 0,
	DB_NOTFOUND,	/* no such row */
	DB_EXISTS,	/* a key row is already there */
	DB_BUSY,	/* the write lock was not had within the busy timeout */
	DB_ERROR
};

/*
 * When a commit is on disk. FULL: SQLite syncs the log inside every commit,
 * one writer at a time. GROUP: the commit is written, the write lock freed,
 * then the log synced before db_commit returns, so concurrent commits share
 * one sync; as durable as FULL when the answer goes out. NORMAL: no sync per
 * commit; survives a crash of the program but not of the machine.
 */
enum db_sync {
	DB_SYNC_FULL,
	DB_SYNC_GROUP,
	DB_SYNC_NORMAL
};

/* A stored idempotency key and the response it produced. Owned strings. */
struct db_key {
	char	*method;
	char	*path;
	char	*fingerprint;
	char	*raw_fingerprint;	/* of the body's bytes as sent; NULL when not kept */
	int	 status;
	int64_t	 expires_at;	/* unix seconds */
	char	*headers;	/* "Name: value\r\n" lines */
	struct buf body;
};

/*
 * Opens path (created if missing), sets WAL and the busy timeout, migrates
 * the schema to the current version and prepares every statement.
 * Returns the handle, or NULL with a message on stderr.
 */
struct db	*db_open(const char *path, int busy_ms, enum db_sync);
void		 db_close(struct db *);

/* The latest error message of the handle, for logs. */
const char	*db_errmsg(struct db *);

/*
 * Transactions: BEGIN IMMEDIATE (DB_BUSY when the lock is not had), COMMIT,
 * ROLLBACK. db_commit returns once the commit is as durable as the sync
 * setting makes it.
 */
enum db_res	 db_begin(struct db *);
enum db_res	 db_commit(struct db *);
void		 db_rollback(struct db *);
/*
 * Savepoints, for several operations in one transaction, each of them
 * all-or-nothing: db_savepoint before one, then db_release to keep its
 * changes or db_rollback_to to undo them. They do not nest. Should an
 * undo fail, db_commit rolls the whole transaction back and fails.
 */
enum db_res	 db_savepoint(struct db *);
enum db_res	 db_release(struct db *);
void		 db_rollback_to(struct db *);
/*
 * Under GROUP, another worker's commit is visible a moment before it is on
 * disk: syncs the log, so what is read can be answered as durable.
 */
enum db_res	 db_durable(struct db *);

enum db_res	 db_health(struct db *);

/* Inserts a todo; sets *id. now is an RFC 3339 timestamp. */
enum db_res	 db_todo_insert(struct db *, const struct todo_in *, const char *now, int64_t *id);
/* Reads a todo into t (free with todo_clear). */
enum db_res	 db_todo_get(struct db *, int64_t id, struct todo *t);
/* Writes every field of t (title, description, is_completed), bumping its version. */
enum db_res	 db_todo_update(struct db *, const struct todo *t, const char *now);
/* Deletes a todo; DB_OK whether or not it was there. */
enum db_res	 db_todo_delete(struct db *, int64_t id);
/*
 * Lists up to limit todos with id < before (0: from the newest), newest
 * first. *items is allocated (free each with todo_clear, then free()).
 */
enum db_res	 db_todo_list(struct db *, int64_t before, unsigned limit,
		    struct todo **items, size_t *n);

/*
 * Keys are per scope (the client that sent them; "" for anonymous ones).
 * Inside a write transaction, so nothing comes between the check and the
 * record: db_key_claim is DB_OK when key is free (a row expired at now is
 * removed, so an expired key counts as new), DB_EXISTS when it has a row.
 */
enum db_res	 db_key_claim(struct db *, const char *scope, const char *key, int64_t now);
/*
 * Records key with the request it was sent with and the response that
 * operation produced. The UNIQUE key refuses a second record.
 */
enum db_res	 db_key_record(struct db *, const char *scope, const char *key,
		    const char *method, const char *path, const char *fingerprint,
		    const char *raw_fingerprint, int64_t todo_id, int status,
		    const char *headers, const void *body, size_t len, int64_t now,
		    int64_t expires);
/* Reads a key row (free with db_key_clear). */
enum db_res	 db_key_get(struct db *, const char *scope, const char *key, struct db_key *);
/*
 * Removes at most limit expired key rows. A handle remembers the earliest
 * expiry it found and skips the work until then; a key written later
 * with an earlier expiry (a shorter TTL) waits for that time.
 */
enum db_res	 db_key_purge(struct db *, int64_t now, int limit);
void		 db_key_clear(struct db_key *);

#endif
