#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/pg.h"

/*
 * A postgresql:// or postgres:// URI, or a libpq conninfo: key=value
 * pairs, told from a file path by a '=' with no '/' before it.
 */
static int
pgs_accepts(const char *db)
{
	const char	*eq;

	if (db == NULL)
		return 0;
	if (strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0)
		return 1;
	if ((eq = strchr(db, '=')) == NULL)
		return 0;
	return memchr(db, '/', (size_t)(eq - db)) == NULL;
}

/* The server's warnings and notices, into the program's log. */
static void
pgs_notice(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "postgresql: %s", msg);
}

static void
pgs_close(struct store *s)
{
	struct pgs	*p = (struct pgs *)s;

	if (p == NULL)
		return;
	PQfinish(p->conn);
	free(p);
}

/*
 * Connects (libpq takes the URI or conninfo as dbname and expands it:
 * several hosts, target_session_attrs and the rest work as in psql),
 * migrates and prepares. NULL with a message on stderr.
 */
static struct store *
pgs_open(const struct store_conf *conf)
{
	static const char *const keys[] = { "dbname", "fallback_application_name", NULL };
	const char	*vals[] = { conf->db, "todo", NULL };
	struct pgs	*p;

	char		 err[256];

	if (pgs_pq_load(err, sizeof(err)) == -1) {
		fprintf(stderr, "postgresql: %s\n", err);
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		fprintf(stderr, "postgresql: out of memory\n");
		return NULL;
	}
	p->base.engine = &store_pg;
	p->busy_ms = conf->busy_ms;
	p->horizon = conf->key_horizon;
	if ((p->conn = PQconnectdbParams(keys, vals, 1)) == NULL) {
		fprintf(stderr, "postgresql: out of memory\n");
		goto fail;
	}
	if (PQstatus(p->conn) != CONNECTION_OK) {
		/* Not the conninfo: it may hold a password. */
		fprintf(stderr, "postgresql: %s", PQerrorMessage(p->conn));
		goto fail;
	}
	PQsetNoticeProcessor(p->conn, pgs_notice, NULL);	/* kept across PQreset */
	if (pgs_settings(p) == -1 || pgs_migrate(p) == -1 || pgs_prepare(p) == -1) {
		fprintf(stderr, "postgresql: %s\n", p->err);
		goto fail;
	}
	return &p->base;
fail:
	pgs_close(&p->base);
	return NULL;
}

static const char *
pgs_errmsg(struct store *s)
{
	struct pgs	*p = (struct pgs *)s;

	if (p == NULL)
		return "no store";
	return p->err[0] != '\0' ? p->err : PQerrorMessage(p->conn);
}

static enum store_res
pgs_begin(struct store *s)
{
	struct pgs	*p = (struct pgs *)s;
	if (p->in_tx)
		return pgs_fail(p, STORE_ERROR, "a transaction is open already");
	/* A connection known lost is reset now, while nothing is in flight. */
	if ((!p->ready || PQstatus(p->conn) != CONNECTION_OK) && pgs_reset(p) == -1)
		return STORE_DOWN;
	/* BEGIN travels with the transaction's first statement: one round trip. */
	p->in_tx = 1;
	p->begin_due = 1;
	p->undo_failed = 0;
	p->purged = 0;
	return STORE_OK;
}

/* Ends the transaction whatever its state; never reconnects. */
static void
pgs_rollback(struct store *s)
{
	struct pgs	*p = (struct pgs *)s;

	if (!p->begin_due && p->ready && PQstatus(p->conn) == CONNECTION_OK &&
	    PQtransactionStatus(p->conn) != PQTRANS_IDLE)
		pgs_exec(p, PGS_ROLLBACK, NULL, NULL, NULL, NULL);
	/* What the purge removed is back: purge again on the next write. */
	if (p->purged)
		p->purge_after = 0;
	p->purged = 0;
	p->in_tx = 0;
	p->begin_due = 0;
	p->undo_failed = 0;
}

static enum store_res
pgs_commit(struct store *s)
{
	struct pgs	*p = (struct pgs *)s;
	PGresult	*res = NULL;
	enum store_res	 rc;

	if (!p->in_tx)
		return pgs_fail(p, STORE_ERROR, "no transaction to commit");
	if (p->begin_due) {
		/* Nothing was sent: nothing to commit. */
		p->in_tx = p->begin_due = 0;
		return STORE_OK;
	}
	if (p->undo_failed) {
		/* Not committed either way; DOWN when the connection went with it. */
		rc = !p->ready ? STORE_DOWN :
		    pgs_fail(p, STORE_ERROR, "a savepoint could not be undone: rolled back");
		pgs_rollback(s);
		return rc;
	}
	rc = pgs_exec(p, PGS_COMMIT, NULL, NULL, NULL, &res);
	p->in_tx = 0;
	/* COMMIT of a transaction that had failed rolls it back, and says so. */
	if (rc == STORE_OK && strcmp(PQcmdStatus(res), "COMMIT") != 0)
		rc = pgs_fail(p, STORE_ERROR, "the transaction had failed: rolled back");
	PQclear(res);
	if (rc != STORE_OK && rc != STORE_UNKNOWN)
		pgs_rollback(s);
	return rc;
}

static enum store_res
pgs_savepoint(struct store *s)
{
	return pgs_exec((struct pgs *)s, PGS_SAVEPOINT, NULL, NULL, NULL, NULL);
}

static enum store_res
pgs_release(struct store *s)
{
	return pgs_exec((struct pgs *)s, PGS_RELEASE, NULL, NULL, NULL, NULL);
}

/* Undoes the operation since the savepoint; should that fail, commit will not. */
static void
pgs_rollback_to(struct store *s)
{
	struct pgs	*p = (struct pgs *)s;

	if (pgs_exec(p, PGS_ROLLBACK_TO, NULL, NULL, NULL, NULL) != STORE_OK ||
	    pgs_exec(p, PGS_RELEASE, NULL, NULL, NULL, NULL) != STORE_OK)
		p->undo_failed = 1;
}

/* A commit is as durable as the server's synchronous_commit when it returns. */
static enum store_res
pgs_durable(struct store *s)
{
	(void)s;
	return STORE_OK;
}

static enum store_res
pgs_health(struct store *s)
{
	return pgs_exec((struct pgs *)s, PGS_HEALTH, NULL, NULL, NULL, NULL);
}

/* A transaction id of its own: its commit is then written to the server's log. */
static enum store_res
pgs_touch(struct store *s)
{
	return pgs_exec_sql((struct pgs *)s, "SELECT txid_current()", 0, NULL, NULL);
}

const struct store_engine store_pg = {
	.name = "postgresql",
	.wants_writer = 0,	/* the server batches commits itself */
	.accepts = pgs_accepts,
	.open = pgs_open,
	.close = pgs_close,
	.errmsg = pgs_errmsg,
	.begin = pgs_begin,
	.commit = pgs_commit,
	.rollback = pgs_rollback,
	.savepoint = pgs_savepoint,
	.release = pgs_release,
	.rollback_to = pgs_rollback_to,
	.durable = pgs_durable,
	.health = pgs_health,
	.touch = pgs_touch,
	.todo_insert = pgs_todo_insert,
	.todo_get = pgs_todo_get,
	.todo_update = pgs_todo_update,
	.todo_delete = pgs_todo_delete,
	.todo_list = pgs_todo_list,
	.todo_counts = pgs_todo_counts,
	.key_claim = pgs_key_claim,
	.key_record = pgs_key_record,
	.key_get = pgs_key_get,
	.key_purge = pgs_key_purge,
	.key_count = pgs_key_count,
};
