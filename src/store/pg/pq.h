#ifndef STORE_PG_PQ_H
#define STORE_PG_PQ_H

#include <stddef.h>

#include <libpq-fe.h>

/*
 * libpq, loaded when a PostgreSQL store is opened rather than linked: it
 * brings some twenty libraries (TLS, Kerberos, LDAP) that would otherwise
 * load into every process at start, a plain CGI run on SQLite included.
 * The engine calls libpq by its own names, which stand for the functions
 * of this table once pgs_pq_load() has filled it.
 */
#define PGS_PQ_FUNCS \
	X(PQclear) X(PQcmdStatus) X(PQcmdTuples) X(PQconnectdbParams) \
	X(PQenterPipelineMode) X(PQerrorMessage) X(PQexec) X(PQexecParams) \
	X(PQexecPrepared) X(PQexitPipelineMode) X(PQfinish) X(PQgetResult) \
	X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQnfields) X(PQntuples) \
	X(PQpipelineStatus) X(PQpipelineSync) X(PQprepare) X(PQreset) \
	X(PQresultErrorField) X(PQresultErrorMessage) X(PQresultStatus) \
	X(PQsendQueryPrepared) X(PQsetNoticeProcessor) X(PQstatus) \
	X(PQtransactionStatus)

struct pgs_pq {
#define X(f)	__typeof__(f) *f;
	PGS_PQ_FUNCS
#undef X
};

extern struct pgs_pq	pgs_pq;

/* Loads libpq once per process: 0, or -1 with why in err. */
int	pgs_pq_load(char *err, size_t cap);

#ifndef PGS_PQ_LINKED	/* a program linked with libpq itself calls it directly */
#define PQclear			(pgs_pq.PQclear)
#define PQcmdStatus		(pgs_pq.PQcmdStatus)
#define PQcmdTuples		(pgs_pq.PQcmdTuples)
#define PQconnectdbParams	(pgs_pq.PQconnectdbParams)
#define PQenterPipelineMode	(pgs_pq.PQenterPipelineMode)
#define PQerrorMessage		(pgs_pq.PQerrorMessage)
#define PQexec			(pgs_pq.PQexec)
#define PQexecParams		(pgs_pq.PQexecParams)
#define PQexecPrepared		(pgs_pq.PQexecPrepared)
#define PQexitPipelineMode	(pgs_pq.PQexitPipelineMode)
#define PQfinish		(pgs_pq.PQfinish)
#define PQgetResult		(pgs_pq.PQgetResult)
#define PQgetisnull		(pgs_pq.PQgetisnull)
#define PQgetlength		(pgs_pq.PQgetlength)
#define PQgetvalue		(pgs_pq.PQgetvalue)
#define PQnfields		(pgs_pq.PQnfields)
#define PQntuples		(pgs_pq.PQntuples)
#define PQpipelineStatus	(pgs_pq.PQpipelineStatus)
#define PQpipelineSync		(pgs_pq.PQpipelineSync)
#define PQprepare		(pgs_pq.PQprepare)
#define PQreset			(pgs_pq.PQreset)
#define PQresultErrorField	(pgs_pq.PQresultErrorField)
#define PQresultErrorMessage	(pgs_pq.PQresultErrorMessage)
#define PQresultStatus		(pgs_pq.PQresultStatus)
#define PQsendQueryPrepared	(pgs_pq.PQsendQueryPrepared)
#define PQsetNoticeProcessor	(pgs_pq.PQsetNoticeProcessor)
#define PQstatus		(pgs_pq.PQstatus)
#define PQtransactionStatus	(pgs_pq.PQtransactionStatus)
#endif

#endif
