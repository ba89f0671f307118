#ifndef IDEM_H
#define IDEM_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "http/http.h"

/*
 * Idempotency keys: parsing, request fingerprints, and running an
 * operation so that its change and its key row commit together, and a
 * repeated key replays the first response instead of running again.
 */

#define IDEM_KEY_MAX	255
#define IDEM_SCOPE_MAX	(2 + 64 + 1)
/*
 * Expired key rows (and, apart, tombstones past the horizon) a write
 * transaction removes: one for each operation it runs, plus this
 * allowance, so the purge outpaces the keys recorded and works off a
 * backlog, with bounded work per transaction.
 */
#define IDEM_PURGE_SPARE	16
#define IDEM_PURGE_LIMIT(ops)	((ops) + IDEM_PURGE_SPARE)

/*
 * Parses an Idempotency-Key value: 1-255 visible ASCII characters, or a
 * Structured Field string ("...") holding them, which is unquoted.
 * Returns 0 with the key in out, or -1 when the value is not a key.
 */
int	idem_key_parse(const char *raw, char out[IDEM_KEY_MAX + 1]);

/* The fingerprint of a request body: SHA-256 hex of kind, a newline, and the canonical body. */
void	idem_fingerprint(const char *kind, const char *canon, size_t len, char out[65]);

/*
 * The scope of a client's keys: "b:" and the SHA-256 of its bearer token,
 * else "s:" and that of its session cookie, else "" (anonymous clients share
 * one scope). Tokens are never stored, only their hashes. Either argument
 * may be NULL.
 */
void	idem_scope(const char *bearer, const char *session, char out[IDEM_SCOPE_MAX]);

struct idem_op {
	const char	*scope;		/* from idem_scope() */
	const char	*key;		/* the parsed key, or NULL to run without one */
	const char	*method;
	const char	*path;
	const char	*fingerprint;	/* with a key; NULL until known (idem_lookup) */
	const char	*raw_fingerprint; /* of the body's bytes as sent, or NULL */
	int64_t		 now;		/* unix seconds */
	int64_t		 ttl;		/* seconds a key is kept */
};

/* What an operation tells the runner. */
enum idem_step {
	STEP_DONE,	/* resp is its success: record it with the key and commit */
	STEP_REFUSED,	/* resp is a client error: roll back, record nothing */
	STEP_FAILED,	/* a server error: roll back */
	STEP_BUSY,	/* a lock was not had in time, or the row kept changing: roll back */
	STEP_DOWN	/* the database cannot be reached: nothing was done */
};

/*
 * An operation, run inside the transaction. It fills resp and sets
 * *todo_id to the todo it concerns.
 */
typedef enum idem_step (*idem_fn)(struct store *, void *arg, struct resp *, int64_t *todo_id);

enum idem_res {
	IDEM_DONE,	/* the operation ran and committed; resp is its response */
	IDEM_REFUSED,	/* the operation refused; resp is its error; nothing changed */
	IDEM_REPLAYED,	/* resp is the response first given for this key */
	IDEM_MISMATCH,	/* the key belongs to a different request; nothing changed */
	IDEM_EXPIRED,	/*
			 * the same request came after the key's TTL: its operation
			 * was done once then and is not run again, its response is
			 * no longer kept; resp has only its Location, if it had one
			 */
	IDEM_BUSY,	/* the write lock was not had within the busy timeout */
	IDEM_DOWN,	/* the database cannot be reached now; nothing changed */
	IDEM_UNKNOWN,	/* the commit may or may not have happened: retry with the key */
	IDEM_ERROR	/* a server error; nothing changed */
};

/*
 * Runs fn once for op: in one write transaction (one at a time, so it
 * decides between concurrent requests), claims the key, runs fn, and
 * records its response with the key. A key already recorded is replayed into
 * resp or reported as a mismatch without running fn; one past its TTL but
 * within the store's horizon is reported as expired or a mismatch. A
 * response from a key, made or replayed, has the key's expiry in
 * resp->key_expires.
 * idem_run is idem_lookup, then idem_write: idem_apply in a transaction
 * of its own. A caller whose idem_lookup found no record calls idem_write
 * alone.
 */
enum idem_res	idem_run(struct store *, const struct idem_op *, idem_fn, void *arg,
		    struct resp *);
enum idem_res	idem_write(struct store *, const struct idem_op *, idem_fn, void *arg,
		    struct resp *);

/*
 * The read before any write: a recorded key, unexpired, is replayed (its
 * record synced first) or refused as a mismatch. 1 with *res set when op
 * is answered so; 0 when it has to run. Without a fingerprint in op, only
 * a retry that resends the same bytes to the same method and path is
 * answered (by raw_fingerprint); any other record gives -1: validate the
 * body, then decide with its canonical fingerprint.
 */
int		idem_lookup(struct store *, const struct idem_op *, struct resp *,
		    enum idem_res *res);

/*
 * The write: claims the key, runs fn and records its response, inside a
 * transaction the caller began and commits, under a savepoint of its own
 * so that anything but IDEM_DONE leaves the transaction as it found it.
 * A replay from here is of a record the caller's commit makes durable.
 */
enum idem_res	idem_apply(struct store *, const struct idem_op *, idem_fn, void *arg,
		    struct resp *);

/* The access log's word for a result: created, replayed, mismatch, expired, conflict or none. */
const char	*idem_outcome(enum idem_res, int keyed);

/*
 * Test builds of crashes: hold every write transaction open this long
 * before its commit (TODO_TEST_TXN_DELAY_MS), so a killed worker dies
 * inside one. 0 (the default) is off.
 */
void		 idem_set_test_delay(unsigned ms);

#endif
