#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "store/todo.h"

/*
 * The store: todos and the idempotency keys, behind one interface with
 * two engines. SQLite (store/sqlite) is the embedded default; PostgreSQL
 * (store/pg) lets several hosts share one key space. The engine is chosen
 * once, by the --db value, and callers never ask which one they have.
 * Every handle belongs to one process (opened after fork), its statements
 * prepared once.
 */
struct store;

enum store_res {
	STORE_OK = 0,
	STORE_NOTFOUND,	/* no such row */
	STORE_EXISTS,	/* the key has a live row already */
	STORE_CONFLICT,	/* the row's version was not the one expected */
	STORE_BUSY,	/* a lock was not had within the lock timeout */
	STORE_DOWN,	/* the database cannot be reached now; nothing was done */
	STORE_UNKNOWN,	/* COMMIT's outcome is not known: it may have committed */
	STORE_MOVED,	/* the database file was replaced or removed under the handle */
	STORE_ERROR
};

/*
 * When a commit is on disk (SQLite). FULL: synced inside every commit, one
 * writer at a time. GROUP: the commit is written, the write lock freed,
 * then the log synced before store_commit returns, so concurrent commits
 * share one sync; as durable as FULL when the answer goes out. NORMAL: no
 * sync per commit; survives a crash of the program but not of the machine.
 * PostgreSQL commits as the server's synchronous_commit says.
 */
enum store_sync {
	STORE_SYNC_FULL,
	STORE_SYNC_GROUP,
	STORE_SYNC_NORMAL
};

/* How a store is opened. */
struct store_conf {
	const char	*db;		/* a file path, or a postgresql:// URI / conninfo */
	int		 busy_ms;	/* the longest wait for a lock */
	enum store_sync	 sync;
	/*
	 * Seconds a key is remembered after its first use: with its response
	 * for its TTL, then as a tombstone (no response), so that a late retry
	 * is refused rather than run again. 0 or less than the TTL: as long as
	 * the TTL, no tombstone.
	 */
	int64_t		 key_horizon;
	/*
	 * Create the database and migrate its schema when needed: the
	 * master's first open at start only (STORE_CREATE). Any other open
	 * fails on a missing file, so a removed database is unavailable
	 * until it is restored, never silently replaced by an empty one.
	 * STORE_CREATE_NEW (plain CGI, where each request starts anew)
	 * creates only where no database was before: none that left its
	 * other files beside the name (SQLite's writers' lock file).
	 */
	enum store_create {
		STORE_CREATE_NO,
		STORE_CREATE,
		STORE_CREATE_NEW
	}		 create;
	int		 quiet;		/* no message on stderr when the open fails */
	/*
	 * The handle only reads (a worker beside SQLite's writer): a file
	 * that can only be opened read-only is no fault. Any other handle
	 * fails to open then, rather than fail every write.
	 */
	int		 reader;
};

/* A stored idempotency key and the response it produced. Owned strings. */
struct store_key {
	char	*method;
	char	*path;
	char	*fingerprint;
	char	*raw_fingerprint;	/* of the body's bytes as sent; NULL when not kept */
	int	 status;	/* 0 while the operation that claimed it runs */
	int	 expired;	/* past its TTL: a tombstone, body and raw_fingerprint not kept */
	int64_t	 todo_id;	/* 0 when none */
	int64_t	 expires_at;	/* unix seconds, the store's clock */
	char	*headers;	/* "Name: value\r\n" lines */
	struct buf body;
};

/* The key tables' sizes, for the metrics (store_key_count). */
struct store_key_counts {
	int64_t	 rows;		/* key rows */
	int64_t	 expired;	/* key rows past their expiry, not moved or purged yet */
	int64_t	 tombstones;	/* expired keys remembered until their horizon */
};

/* What a key is claimed with: the request it came with. */
struct store_claim {
	const char	*scope;
	const char	*key;
	const char	*method;
	const char	*path;
	const char	*fingerprint;
	const char	*raw_fingerprint;	/* may be NULL */
	int64_t		 now;	/* unix seconds (SQLite's clock; PostgreSQL uses now()) */
	int64_t		 ttl;	/* seconds the key is kept */
};

/* An engine: what every one of them fills in, behind the functions below. */
struct store_engine {
	const char	*name;
	/* A single writer process that batches every change helps this engine. */
	int		 wants_writer;
	/* 1 when the --db value is this engine's. */
	int		(*accepts)(const char *db);
	struct store	*(*open)(const struct store_conf *);
	void		(*close)(struct store *);
	enum store_res	(*check)(struct store *, const char **why);	/* NULL: always OK */
	void		(*set_aside)(const char *db);	/* NULL: nothing to do */
	const char	*(*errmsg)(struct store *);
	enum store_res	(*begin)(struct store *);
	enum store_res	(*commit)(struct store *);
	void		(*rollback)(struct store *);
	enum store_res	(*savepoint)(struct store *);
	enum store_res	(*release)(struct store *);
	void		(*rollback_to)(struct store *);
	enum store_res	(*durable)(struct store *);
	enum store_res	(*health)(struct store *);
	enum store_res	(*touch)(struct store *);
	enum store_res	(*todo_insert)(struct store *, const struct todo_in *, const char *now,
			    int64_t *id, char stamp[32]);
	enum store_res	(*todo_get)(struct store *, int64_t id, struct todo *);
	enum store_res	(*todo_update)(struct store *, const struct todo *, const char *now);
	enum store_res	(*todo_delete)(struct store *, int64_t id);
	enum store_res	(*todo_list)(struct store *, int64_t before, enum todo_show,
			    unsigned limit, struct todo **items, size_t *n);
	enum store_res	(*todo_counts)(struct store *, int64_t *open, int64_t *done);
	enum store_res	(*key_claim)(struct store *, const struct store_claim *,
			    int64_t *expires_at);
	enum store_res	(*key_record)(struct store *, const char *scope, const char *key,
			    int64_t todo_id, int status, const char *headers,
			    const void *body, size_t len);
	enum store_res	(*key_get)(struct store *, const char *scope, const char *key,
			    int64_t now, struct store_key *);
	enum store_res	(*key_purge)(struct store *, int64_t now, int limit);
	enum store_res	(*key_count)(struct store *, int64_t now, int64_t cap,
			    struct store_key_counts *);
};

/* Every handle starts with its engine. */
struct store {
	const struct store_engine	*engine;
};

extern const struct store_engine	store_sqlite;
extern const struct store_engine	store_pg;

/* The engine for a --db value: PostgreSQL for a URI or conninfo, else SQLite. */
const struct store_engine	*store_engine_for(const char *db);

/*
 * Opens the store conf->db names with its engine: connects, migrates the
 * schema to the current version and prepares every statement. Returns the
 * handle, or NULL with a message on stderr.
 */
struct store	*store_open(const struct store_conf *);
void		 store_close(struct store *);

/*
 * STORE_OK while the handle may go on being used; with the reason in
 * *why, STORE_DOWN once it has seen a fault of the database under it (a
 * read-only or failing file, a full disk), STORE_MOVED when its file was
 * replaced or removed (SQLite): close it, and open the store again.
 */
enum store_res	 store_check(struct store *, const char **why);

/*
 * A process's handle, kept open: opened on demand, checked, closed after
 * a fault, and opened again no sooner than the back-off allows, so that a
 * process whose store is away answers at once rather than waiting on it.
 */
struct store_hold {
	struct store_conf	 conf;
	struct store		*db;		/* NULL while the store is unavailable */
	int64_t			 retry_at;	/* monotonic ms of the next open */
	int			 wait_ms;	/* the back-off after the next failure */
	int			 min_ms;	/* the first back-off, doubled up to max_ms */
	int			 max_ms;
	int			 down;		/* unavailable, and said so on stderr */
	int			 moved;		/* the file was replaced or removed under a handle: never opened again */
	uint64_t		 reopens;	/* opens after the first */
	int			 opened;
	const char		*why;		/* why it is unavailable */
};

/* A hold on conf's store, nothing opened yet; conf->create is not kept. */
void		 store_hold_init(struct store_hold *, const struct store_conf *, int min_ms,
		    int max_ms);
/*
 * The hold's handle, checked (store_check) and opened again when needed:
 * STORE_OK with h->db usable, or STORE_DOWN with h->db NULL and the
 * reason in h->why. The change of state is logged once each way.
 */
enum store_res	 store_hold_get(struct store_hold *);
/* Closes the handle after a fault; the next store_hold_get opens again. */
void		 store_hold_drop(struct store_hold *, const char *why);
void		 store_hold_close(struct store_hold *);

/*
 * Once every handle on a file that was replaced or removed is closed:
 * sets aside what the old file left beside its name (SQLite's
 * write-ahead log and shared memory, which SQLite does not checkpoint
 * into a file that has moved), so that the file there now is not read
 * through the old file's log. Logs what it moved.
 */
void		 store_set_aside(const char *db);

/* The latest error message of the handle, for logs. */
const char	*store_errmsg(struct store *);

/*
 * Transactions: store_begin takes the write lock (STORE_BUSY when it is
 * not had), store_commit returns once the commit is as durable as the
 * engine makes it (STORE_UNKNOWN when it cannot tell whether it
 * committed, or whether its commit will last), store_rollback ends one,
 * whatever its state.
 */
enum store_res	 store_begin(struct store *);
enum store_res	 store_commit(struct store *);
void		 store_rollback(struct store *);
/*
 * Savepoints, for several operations in one transaction, each of them
 * all-or-nothing: store_savepoint before one, then store_release to keep
 * its changes or store_rollback_to to undo them. They do not nest. Should
 * an undo fail, store_commit rolls the whole transaction back and fails.
 */
enum store_res	 store_savepoint(struct store *);
enum store_res	 store_release(struct store *);
void		 store_rollback_to(struct store *);
/*
 * What another process committed may be visible a moment before it is on
 * disk (SQLite's group commit): makes it durable, so that what is read
 * can be answered as such.
 */
enum store_res	 store_durable(struct store *);

/* STORE_OK when the database answers a read. */
enum store_res	 store_health(struct store *);
/*
 * Inside a write transaction: writes something that changes nothing, so
 * that its commit is a real write to the database's files.
 */
enum store_res	 store_touch(struct store *);
/* STORE_OK when the database takes a write: a transaction of store_touch alone. */
enum store_res	 store_write_probe(struct store *);

/*
 * Inserts a todo; sets *id and, in stamp, the created_at it was given
 * (now, an RFC 3339 timestamp, or the database's own clock).
 */
enum store_res	 store_todo_insert(struct store *, const struct todo_in *, const char *now,
		    int64_t *id, char stamp[32]);
/* Reads a todo into t (free with todo_clear). */
enum store_res	 store_todo_get(struct store *, int64_t id, struct todo *t);
/*
 * Writes every field of t (title, description, is_completed) if its row
 * still has t->version, bumping the version: STORE_CONFLICT when another
 * change came first, STORE_NOTFOUND when the row is gone.
 */
enum store_res	 store_todo_update(struct store *, const struct todo *t, const char *now);
/* Deletes a todo; STORE_OK whether or not it was there. */
enum store_res	 store_todo_delete(struct store *, int64_t id);
/*
 * Lists up to limit todos with id < before (0: from the newest), newest
 * first, of those show picks (all, open or done). *items is allocated
 * (free each with todo_clear, then free()).
 */
enum store_res	 store_todo_list(struct store *, int64_t before, enum todo_show show,
		    unsigned limit, struct todo **items, size_t *n);
/*
 * How many todos are open and how many done, in one read (the two counts
 * agree with each other).
 */
enum store_res	 store_todo_counts(struct store *, int64_t *open, int64_t *done);

/*
 * Keys are per scope (the client that sent them; "" for anonymous ones).
 * Inside a write transaction, one statement claims a key: it inserts the
 * key's row with the request and no response yet, or takes over a row
 * past the store's key horizon; the unique (scope, key) decides between
 * concurrent claims, never a read before. STORE_OK when claimed, with the
 * row's expiry in *expires_at (may be NULL); STORE_EXISTS when the key
 * has a row or a tombstone within the horizon; STORE_BUSY when another
 * transaction holding the key did not end within the lock timeout.
 */
enum store_res	 store_key_claim(struct store *, const struct store_claim *,
		    int64_t *expires_at);
/*
 * Records the response in the row this transaction claimed. STORE_BUSY
 * when the key turned into a tombstone meanwhile (PostgreSQL: another
 * host moved its expired row while this claim waited for it): the
 * caller rolls back, and a retry is answered from the tombstone.
 */
enum store_res	 store_key_record(struct store *, const char *scope, const char *key,
		    int64_t todo_id, int status, const char *headers, const void *body,
		    size_t len);
/*
 * Reads a key (free with store_key_clear): its live row, or, with expired
 * set, its row past the TTL or its tombstone; STORE_NOTFOUND when there
 * is none, or it is past the horizon, by now (SQLite) or the database's
 * clock (PostgreSQL).
 */
enum store_res	 store_key_get(struct store *, const char *scope, const char *key,
		    int64_t now, struct store_key *);
/*
 * Inside a write transaction: turns at most limit expired key rows into
 * tombstones (a recorded key still within the horizon) or removes them,
 * and removes at most limit tombstones past the horizon. A handle
 * remembers the earliest expiry it found and skips the work until then.
 */
enum store_res	 store_key_purge(struct store *, int64_t now, int limit);
/*
 * For the metrics: how many key rows there are, how many of them have
 * expired (by now, or the database's clock) and wait to be moved or
 * purged, and how many tombstones are kept. Each count stops at cap rows,
 * so a scrape reads a bounded number of them.
 */
enum store_res	 store_key_count(struct store *, int64_t now, int64_t cap,
		    struct store_key_counts *);
void		 store_key_clear(struct store_key *);

#endif
