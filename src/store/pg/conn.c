#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "store/pg/pg.h"

/* What a SQLSTATE (or its class, when two characters) means to callers. */
static const struct {
	const char	*code;
	enum store_res	 res;
} states[] = {
	{ "23505", STORE_EXISTS },	/* unique_violation */
	{ "55P03", STORE_BUSY },	/* lock_not_available: lock_timeout ran out */
	{ "40P01", STORE_BUSY },	/* deadlock_detected */
	{ "40001", STORE_BUSY },	/* serialization_failure */
	{ "08", STORE_DOWN },		/* connection exceptions */
	{ "25P03", STORE_DOWN },	/* idle_in_transaction_session_timeout: session ended */
	{ "57P01", STORE_DOWN },	/* admin_shutdown */
	{ "57P02", STORE_DOWN },	/* crash_shutdown */
	{ "57P03", STORE_DOWN },	/* cannot_connect_now */
};

/* Copies msg into p->err without its trailing newline. */
static void
set_err(struct pgs *p, const char *msg)
{
	size_t	 n;

	snprintf(p->err, sizeof(p->err), "%s", msg != NULL && *msg ? msg : "unknown error");
	n = strlen(p->err);
	while (n > 0 && (p->err[n - 1] == '\n' || p->err[n - 1] == ' '))
		p->err[--n] = '\0';
}

enum store_res
pgs_fail(struct pgs *p, enum store_res res, const char *msg)
{
	set_err(p, msg);
	return res;
}

/*
 * Maps a result: STORE_OK for a command or rows, else the SQLSTATE's
 * meaning, STORE_ERROR for one that means nothing more. The server gives
 * every error of its own a SQLSTATE; one without came from libpq, which
 * met a closed socket (it may not say CONNECTION_BAD until the next call)
 * or lost its place in the protocol: STORE_DOWN, the connection is gone.
 */
static enum store_res
result_map(struct pgs *p, const PGresult *res)
{
	const char	*code;
	size_t		 i;

	if (res != NULL && (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK))
		return STORE_OK;
	set_err(p, res != NULL && *PQresultErrorMessage(res) ?
	    PQresultErrorMessage(res) : PQerrorMessage(p->conn));
	if (PQstatus(p->conn) == CONNECTION_BAD || res == NULL ||
	    (code = PQresultErrorField(res, PG_DIAG_SQLSTATE)) == NULL)
		return STORE_DOWN;
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strncmp(code, states[i].code, strlen(states[i].code)) == 0)
			return states[i].res;
	return STORE_ERROR;
}

enum store_res
pgs_exec_sql(struct pgs *p, const char *sql, int n, const char *const *v, PGresult **out)
{
	PGresult	*res;
	enum store_res	 rc;

	if (out != NULL)
		*out = NULL;
	/* PQexec, unlike PQexecParams, runs a schema step's several statements. */
	res = n == 0 ? PQexec(p->conn, sql) :
	    PQexecParams(p->conn, sql, n, NULL, v, NULL, NULL, 0);
	if ((rc = result_map(p, res)) == STORE_OK && out != NULL)
		*out = res;
	else
		PQclear(res);
	return rc;
}

int
pgs_settings(struct pgs *p)
{
	char		 lock[NUM_MAX + 2], stmt[NUM_MAX + 2];
	const char	*v[2] = { lock, stmt };
	long long	 ms = p->busy_ms > 0 ? p->busy_ms : 1;

	/*
	 * A wait for a key another transaction holds ends after busy_ms
	 * (STORE_BUSY); any statement at all, somewhat later. lock_timeout 0
	 * would wait forever, hence at least 1ms.
	 */
	num_format(lock, ms);
	strcat(lock, "ms");
	num_format(stmt, ms * 2 + 1000);
	strcat(stmt, "ms");
	/*
	 * A host frozen inside a transaction (stopped, swapped out) would hold
	 * its keys' rows until it wakes; unless the server sets a limit of
	 * its own, the session is ended after 30 s idle in a transaction, its
	 * keys freed, and the frozen change fails when it wakes: a retry with
	 * its key settles it.
	 */
	return pgs_exec_sql(p, "SELECT set_config('lock_timeout', $1, false),"
	    " set_config('statement_timeout', $2, false),"
	    " set_config('TimeZone', 'UTC', false),"
	    " set_config('default_transaction_isolation', 'read committed', false),"
	    " CASE current_setting('idle_in_transaction_session_timeout') WHEN '0'"
	    " THEN set_config('idle_in_transaction_session_timeout', '30s', false) END",
	    2, v, NULL) == STORE_OK ? 0 : -1;
}

int
pgs_prepare(struct pgs *p)
{
	PGresult	*res;
	size_t		 i;

	for (i = 0; i < PGS__MAX; i++) {
		if (pgs_stmts[i].name == NULL || pgs_stmts[i].sql == NULL) {
			set_err(p, "a statement of the table has no SQL");
			return -1;
		}
		res = PQprepare(p->conn, pgs_stmts[i].name, pgs_stmts[i].sql,
		    pgs_stmts[i].nparams, NULL);
		if (result_map(p, res) != STORE_OK) {
			PQclear(res);
			return -1;
		}
		PQclear(res);
	}
	p->ready = 1;
	return 0;
}

int
pgs_reset(struct pgs *p)
{
	p->ready = 0;
	p->in_tx = 0;
	p->begin_due = 0;
	p->undo_failed = 0;
	if (PQpipelineStatus(p->conn) != PQ_PIPELINE_OFF)
		PQexitPipelineMode(p->conn);
	/* Tries every host of the conninfo again, as the first connect did. */
	PQreset(p->conn);
	if (PQstatus(p->conn) != CONNECTION_OK) {
		set_err(p, PQerrorMessage(p->conn));
		return -1;
	}
	return pgs_settings(p) == -1 ? -1 : pgs_prepare(p);
}

/*
 * Sends BEGIN and statement d in one pipeline and reads both answers:
 * the statement's result (NULL when it has none), with *rc STORE_OK, or
 * what BEGIN's failure, an aborted pipeline or a lost connection means.
 */
static PGresult *
exec_begun(struct pgs *p, const struct pgs_stmt_def *d, const char *const *v,
    const int *len, const int *fmt, enum store_res *rc)
{
	PGresult	*r, *res = NULL;
	int		 got = 0, nulls = 0, synced = 0;

	*rc = STORE_OK;
	if (PQenterPipelineMode(p->conn) != 1 ||
	    PQsendQueryPrepared(p->conn, pgs_stmts[PGS_BEGIN].name, 0, NULL, NULL, NULL, 0) != 1 ||
	    PQsendQueryPrepared(p->conn, d->name, d->nparams, v, len, fmt, d->binary) != 1 ||
	    PQpipelineSync(p->conn) != 1) {
		set_err(p, PQerrorMessage(p->conn));
		*rc = STORE_DOWN;
		goto out;
	}
	/* BEGIN's result, a NULL, the statement's, a NULL, then the sync. */
	while (!synced && nulls < 3) {
		if ((r = PQgetResult(p->conn)) == NULL) {
			if (PQstatus(p->conn) != CONNECTION_OK)
				break;
			nulls++;
			continue;
		}
		nulls = 0;
		switch (PQresultStatus(r)) {
		case PGRES_PIPELINE_SYNC:
			synced = 1;
			PQclear(r);
			continue;
		case PGRES_PIPELINE_ABORTED:
			PQclear(r);
			got++;
			continue;
		default:
			break;
		}
		if (got++ == 0) {
			/* BEGIN's own answer. */
			*rc = result_map(p, r);
			PQclear(r);
		} else if (res == NULL)
			res = r;
		else
			PQclear(r);
	}
	if (!synced && *rc == STORE_OK) {
		set_err(p, PQerrorMessage(p->conn));
		*rc = STORE_DOWN;
	}
out:
	if (PQstatus(p->conn) == CONNECTION_OK)
		PQexitPipelineMode(p->conn);
	if (*rc != STORE_OK) {
		PQclear(res);
		res = NULL;
	}
	return res;
}

enum store_res
pgs_exec(struct pgs *p, enum pgs_stmt s, const char *const *v, const int *len,
    const int *fmt, PGresult **out)
{
	const struct pgs_stmt_def	*d = &pgs_stmts[s];
	PGresult			*res;
	enum store_res			 rc;
	int				 reset = 0, first;

	if (out != NULL)
		*out = NULL;
	if (!p->ready || PQstatus(p->conn) != CONNECTION_OK) {
		/* The transaction went with the connection: nothing of it is left. */
		if (p->in_tx)
			return pgs_fail(p, STORE_DOWN, "connection lost in a transaction");
		if (pgs_reset(p) == -1)
			return STORE_DOWN;
		reset = 1;
	}
	for (;;) {
		if (p->begin_due) {
			/* The transaction so far is this statement: safe to send again. */
			p->begin_due = 0;
			first = 1;
			res = exec_begun(p, d, v, len, fmt, &rc);
			if (rc == STORE_OK)
				rc = result_map(p, res);
		} else {
			first = 0;
			res = PQexecPrepared(p->conn, d->name, d->nparams, v, len, fmt, d->binary);
			rc = result_map(p, res);
		}
		if (rc == STORE_OK && out != NULL) {
			*out = res;
			return STORE_OK;
		}
		PQclear(res);
		if (rc != STORE_DOWN)
			return rc;
		p->ready = 0;	/* reset on the next call, unless just below */
		if (first) {
			/* A connection lost while idle: the transaction starts again. */
			if (!reset && pgs_reset(p) == 0) {
				reset = 1;
				p->in_tx = p->begin_due = 1;
				continue;
			}
			p->in_tx = 0;
			return STORE_DOWN;
		}
		/* It may have committed before the connection went. */
		if (s == PGS_COMMIT)
			return STORE_UNKNOWN;
		if (p->in_tx)
			return STORE_DOWN;
		/* Outside a transaction a write commits by itself: perhaps it did. */
		if (!d->rerun)
			return STORE_UNKNOWN;
		if (reset || pgs_reset(p) == -1)
			return STORE_DOWN;
		reset = 1;
	}
}

long
pgs_changes(PGresult *res)
{
	const char	*s = PQcmdTuples(res);
	char		*end;
	long		 n;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	return errno != 0 || *end != '\0' || n < 0 ? -1 : n;
}

int
pgs_int64(const char *s, int64_t *v)
{
	char		*end;
	long long	 n;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = n;
	return 0;
}

int
pgs_cell_int(const PGresult *res, int row, int col, int n, int64_t *v)
{
	const unsigned char	*b = (const unsigned char *)PQgetvalue(res, row, col);
	uint64_t		 u = 0;
	int			 i;

	if (PQgetisnull(res, row, col)) {
		*v = 0;
		return 0;
	}
	if (PQgetlength(res, row, col) != n)
		return -1;
	for (i = 0; i < n; i++)
		u = u << 8 | b[i];
	*v = n == 4 ? (int64_t)(int32_t)(uint32_t)u : (int64_t)u;
	return 0;
}

/* Milliseconds from the Unix epoch to PostgreSQL's, 2000-01-01 UTC. */
#define PG_EPOCH_MS	946684800000LL

int
pgs_cell_stamp(const PGresult *res, int row, int col, char out[32])
{
	int64_t	 us;

	if (PQgetisnull(res, row, col) || pgs_cell_int(res, row, col, 8, &us) == -1)
		return -1;
	/* Floor division: a time before 2000 keeps its millisecond. */
	clock_rfc3339((us >= 0 ? us / 1000 : (us - 999) / 1000) + PG_EPOCH_MS, out);
	return 0;
}
