#ifndef STORE_PG_H
#define STORE_PG_H

#include <stdint.h>

#include "store/pg/pq.h"

#include "store/store.h"

/*
 * The PostgreSQL engine's insides, shared by its files only: the handle,
 * the table of prepared statements, and the one way to run them.
 */

/* The database's clock in unix seconds, as keys are stamped and expired. */
#define PGS_NOW	"floor(extract(epoch FROM now()))::bigint"

/*
 * The columns of a todo, read in binary: numbers in network order and
 * timestamps as microseconds since 2000-01-01 UTC, formatted here
 * rather than by the server, which then only sends bytes.
 */
#define PGS_TODO_COLS	"id, title, description, is_completed, version, created_at, updated_at"

enum pgs_stmt {
	PGS_BEGIN,
	PGS_COMMIT,
	PGS_ROLLBACK,
	PGS_SAVEPOINT,
	PGS_RELEASE,
	PGS_ROLLBACK_TO,
	PGS_HEALTH,
	PGS_TODO_INSERT,
	PGS_TODO_GET,
	PGS_TODO_UPDATE,
	PGS_TODO_EXISTS,
	PGS_TODO_DELETE,
	PGS_TODO_LIST,
	PGS_TODO_LIST_BEFORE,
	PGS_TODO_LIST_OPEN,
	PGS_TODO_LIST_DONE,
	PGS_TODO_COUNTS,
	PGS_KEY_CLAIM,
	PGS_KEY_RECORD,
	PGS_KEY_GET,
	PGS_KEY_PURGE,
	PGS_TOMB_PURGE,
	PGS_KEY_NEXT_EXPIRY,
	PGS_KEY_COUNT,
	PGS__MAX
};

/* Most parameters any statement takes. */
#define PGS_PARAMS_MAX	8

struct pgs_stmt_def {
	const char	*name;		/* of the prepared statement */
	const char	*sql;
	int		 nparams;
	int		 binary;	/* results in binary (bytea without escaping) */
	int		 rerun;		/* safe to run again after a reset outside a transaction */
};

extern const struct pgs_stmt_def	pgs_stmts[PGS__MAX];

struct pgs {
	struct store	 base;
	PGconn		*conn;
	int		 busy_ms;
	int64_t		 horizon;	/* seconds a key is remembered (store_conf) */
	int		 ready;		/* settings made, statements prepared on this connection */
	int		 in_tx;		/* between a BEGIN that worked and its end */
	int		 begin_due;	/* BEGIN not sent yet: it goes with the first statement */
	int		 undo_failed;	/* a savepoint could not be undone: no commit */
	int64_t		 purge_after;	/* clock_mono_ms before which no key or tombstone is due */
	int		 purged;	/* this transaction purged: a rollback undoes it */
	char		 err[256];	/* the latest error, for errmsg */
};

/* conn.c */
/* Session settings (timeouts, UTC) each new connection needs: 0, or -1 with p->err set. */
int		 pgs_settings(struct pgs *);
/* Prepares every statement of pgs_stmts, then sets p->ready: 0, or -1. */
int		 pgs_prepare(struct pgs *);
/* Reconnects, makes the settings, prepares every statement: 0, or -1. */
int		 pgs_reset(struct pgs *);
/*
 * Runs statement s with its parameters (v, lengths and formats as
 * PQexecPrepared takes them; len and fmt may be NULL for text ones).
 * STORE_OK with the result in *out (the caller clears it with PQclear) when out is
 * not NULL; otherwise the result is mapped from its SQLSTATE. A lost
 * connection is STORE_UNKNOWN in COMMIT, STORE_DOWN inside a transaction;
 * outside one it is reset at once and a statement that may rerun runs
 * once more (STORE_DOWN if the server still cannot be reached), any other
 * is STORE_UNKNOWN (it commits by itself: it may have). A handle whose
 * connection is gone resets on its next statement outside a transaction.
 */
enum store_res	 pgs_exec(struct pgs *, enum pgs_stmt s, const char *const *v,
		    const int *len, const int *fmt, PGresult **out);
/*
 * Runs SQL that is not a prepared statement (schema steps, settings),
 * with n text parameters; no reset. As pgs_exec for *out.
 */
enum store_res	 pgs_exec_sql(struct pgs *, const char *sql, int n, const char *const *v,
		    PGresult **out);
/* Records a message of the engine's own as the latest error; returns res. */
enum store_res	 pgs_fail(struct pgs *, enum store_res res, const char *msg);
/* The number of rows a command changed (PQcmdTuples), or -1. */
long		 pgs_changes(PGresult *);
/* Parses a decimal bigint of a text result: 0, or -1. */
int		 pgs_int64(const char *, int64_t *);
/*
 * A big-endian integer of n (4 or 8) bytes from a binary cell, 0 for
 * NULL: 0, or -1 when the cell is not n bytes long.
 */
int		 pgs_cell_int(const PGresult *, int row, int col, int n, int64_t *);
/* A binary timestamptz cell as RFC 3339 UTC with milliseconds: 0, or -1. */
int		 pgs_cell_stamp(const PGresult *, int row, int col, char out[32]);

/* schema.c */
/* Migrates the schema to the latest version, once for all hosts: 0, or -1. */
int		 pgs_migrate(struct pgs *);

/* todo.c */
enum store_res	 pgs_todo_insert(struct store *, const struct todo_in *, const char *now,
		    int64_t *id, char stamp[32]);
enum store_res	 pgs_todo_get(struct store *, int64_t id, struct todo *);
enum store_res	 pgs_todo_update(struct store *, const struct todo *, const char *now);
enum store_res	 pgs_todo_delete(struct store *, int64_t id);
enum store_res	 pgs_todo_list(struct store *, int64_t before, enum todo_show,
		    unsigned limit, struct todo **items, size_t *n);
enum store_res	 pgs_todo_counts(struct store *, int64_t *open, int64_t *done);

/* key.c */
enum store_res	 pgs_key_claim(struct store *, const struct store_claim *,
		    int64_t *expires_at);
enum store_res	 pgs_key_record(struct store *, const char *scope, const char *key,
		    int64_t todo_id, int status, const char *headers, const void *body,
		    size_t len);
enum store_res	 pgs_key_get(struct store *, const char *scope, const char *key,
		    int64_t now, struct store_key *);
enum store_res	 pgs_key_purge(struct store *, int64_t now, int limit);
enum store_res	 pgs_key_count(struct store *, int64_t now, int64_t cap,
		    struct store_key_counts *);

#endif
