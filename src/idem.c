#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idem.h"
#include "sha256.h"

static unsigned	 test_delay_ms;

void
idem_set_test_delay(unsigned ms)
{
	test_delay_ms = ms;
}

void
idem_scope(const char *bearer, const char *session, char out[IDEM_SCOPE_MAX])
{
	out[0] = '\0';
	if (bearer != NULL && *bearer != '\0') {
		memcpy(out, "b:", 2);
		sha256_hex(bearer, strlen(bearer), out + 2);
	} else if (session != NULL && *session != '\0') {
		memcpy(out, "s:", 2);
		sha256_hex(session, strlen(session), out + 2);
	}
}

const char *
idem_outcome(enum idem_res res, int keyed)
{
	switch (res) {
	case IDEM_DONE:
		return keyed ? "created" : "none";
	case IDEM_REPLAYED:
		return "replayed";
	case IDEM_MISMATCH:
		return "mismatch";
	case IDEM_BUSY:
		return "conflict";
	default:
		return "none";
	}
}

int
idem_key_parse(const char *raw, char out[IDEM_KEY_MAX + 1])
{
	size_t	 n = 0;
	int	 quoted = 0;

	if (raw == NULL)
		return -1;
	if (*raw == '"') {
		quoted = 1;
		raw++;
	}
	for (; *raw != '\0'; raw++) {
		unsigned char	 c = (unsigned char)*raw;

		if (quoted && c == '"') {
			if (raw[1] != '\0')
				return -1;
			quoted = 0;
			break;
		}
		if (quoted && c == '\\') {
			/* sf-string escapes only \" and \\ */
			c = (unsigned char)*++raw;
			if (c != '"' && c != '\\')
				return -1;
		}
		if (c < 0x21 || c > 0x7e || n == IDEM_KEY_MAX)
			return -1;
		out[n++] = (char)c;
	}
	if (quoted || n == 0)
		return -1;
	out[n] = '\0';
	return 0;
}

void
idem_fingerprint(const char *kind, const char *canon, size_t len, char out[65])
{
	struct sha256	 h;
	static const char hex[] = "0123456789abcdef";
	unsigned char	 d[32];
	int		 i;

	sha256_init(&h);
	sha256_update(&h, kind, strlen(kind));
	sha256_update(&h, "\n", 1);
	sha256_update(&h, canon, len);
	sha256_final(&h, d);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 0xf];
	}
	out[64] = '\0';
}

/* Appends "name: value\r\n" when value is set. */
static int
header_save(struct buf *h, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return 0;
	return buf_puts(h, name) == -1 || buf_puts(h, ": ") == -1 ||
	    buf_puts(h, value) == -1 || buf_puts(h, "\r\n") == -1 ? -1 : 0;
}

/* The response headers a replay restores: an allow-list, never cookies or dates. */
static int
headers_save(const struct resp *r, struct buf *h)
{
	return header_save(h, "Content-Type", r->ctype) == -1 ||
	    header_save(h, "Location", r->location) == -1 ||
	    header_save(h, "ETag", r->etag) == -1 ? -1 : 0;
}

/* Content types this program produces, so a replay can point at static strings. */
static const char *
ctype_known(const char *s, size_t n)
{
	static const char *const known[] = {
		CTYPE_JSON_STR, CTYPE_PROBLEM_STR, CTYPE_HTML_STR,
	};
	size_t	 i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i]) == n && strncmp(known[i], s, n) == 0)
			return known[i];
	return NULL;
}

/* Rebuilds the recorded response into r: 0, or -1 when the record is unusable. */
static int
replay(const struct db_key *k, struct resp *r)
{
	const char	*p = k->headers, *eol, *v;
	size_t		 nlen, vlen;

	http_resp_reset(r);
	r->status = k->status;
	r->replayed = 1;
	while (*p != '\0') {
		if ((eol = strstr(p, "\r\n")) == NULL)
			return -1;
		if ((v = memchr(p, ':', (size_t)(eol - p))) == NULL)
			return -1;
		nlen = (size_t)(v - p);
		v += 2;
		vlen = (size_t)(eol - v);
		if (nlen == 12 && strncmp(p, "Content-Type", nlen) == 0) {
			if ((r->ctype = ctype_known(v, vlen)) == NULL)
				return -1;
		} else if (nlen == 8 && strncmp(p, "Location", nlen) == 0) {
			if (vlen >= sizeof(r->location))
				return -1;
			memcpy(r->location, v, vlen);
			r->location[vlen] = '\0';
		} else if (nlen == 4 && strncmp(p, "ETag", nlen) == 0) {
			if (vlen >= sizeof(r->etag))
				return -1;
			memcpy(r->etag, v, vlen);
			r->etag[vlen] = '\0';
		}
		p = eol + 2;
	}
	return buf_append(&r->body, k->body.data, k->body.len);
}

/* Whether the request resends the very body bytes the record was made from. */
static int
same_bytes(const struct idem_op *op, const struct db_key *k)
{
	return op->raw_fingerprint != NULL && k->raw_fingerprint != NULL &&
	    strcmp(op->raw_fingerprint, k->raw_fingerprint) == 0;
}

/*
 * Replays or refuses a recorded key. A record committed a moment ago may
 * still be on its way to disk (group commit): with durable set it is
 * synced before it is answered, so a replay never acknowledges what a
 * power cut could take back.
 */
static enum idem_res
recorded(struct db *db, const struct idem_op *op, const struct db_key *k, struct resp *r,
    int durable)
{
	if (strcmp(k->method, op->method) != 0 || strcmp(k->path, op->path) != 0 ||
	    (!same_bytes(op, k) && strcmp(k->fingerprint, op->fingerprint) != 0))
		return IDEM_MISMATCH;
	if (durable && db_durable(db) != DB_OK)
		return IDEM_ERROR;
	if (replay(k, r) == -1) {
		fprintf(stderr, "idempotency key %s: unusable record\n", op->key);
		return IDEM_ERROR;
	}
	return IDEM_REPLAYED;
}

int
idem_lookup(struct db *db, const struct idem_op *op, struct resp *r, enum idem_res *res)
{
	struct db_key	 k = { 0 };
	enum db_res	 rc;
	int		 answered = 1;

	/*
	 * Retries are the common case for a known key: answer them from a
	 * read, without queueing for the write lock. A key not yet recorded
	 * is decided later, inside the write transaction.
	 */
	if (op->key == NULL)
		return 0;
	rc = db_key_get(db, op->scope, op->key, &k);
	if (rc == DB_OK && k.expires_at > op->now && op->fingerprint == NULL &&
	    !(same_bytes(op, &k) && strcmp(k.method, op->method) == 0 &&
	    strcmp(k.path, op->path) == 0))
		answered = -1;	/* the full check, after the body is validated */
	else if (rc == DB_OK && k.expires_at > op->now)
		*res = recorded(db, op, &k, r, 1);
	else if (rc == DB_BUSY)
		*res = IDEM_BUSY;
	else if (rc != DB_OK && rc != DB_NOTFOUND)
		*res = IDEM_ERROR;
	else
		answered = 0;
	db_key_clear(&k);
	return answered;
}

enum idem_res
idem_apply(struct db *db, const struct idem_op *op, idem_fn fn, void *arg, struct resp *r)
{
	struct db_key	 k = { 0 };
	struct buf	 h = { 0 };
	enum idem_res	 res = IDEM_ERROR;
	enum db_res	 rc;
	int64_t		 todo_id = 0;

	if ((rc = db_savepoint(db)) != DB_OK)
		goto fail;
	if (op->key != NULL) {
		rc = db_key_claim(db, op->scope, op->key, op->now);
		if (rc == DB_EXISTS) {
			/* Another request recorded it first. */
			if ((rc = db_key_get(db, op->scope, op->key, &k)) != DB_OK)
				goto undo;
			db_rollback_to(db);
			res = recorded(db, op, &k, r, 0);
			goto out;
		}
		if (rc != DB_OK)
			goto undo;
	}

	switch (fn(db, arg, r, &todo_id)) {
	case STEP_DONE:
		break;
	case STEP_REFUSED:
		db_rollback_to(db);
		res = IDEM_REFUSED;
		goto out;
	case STEP_FAILED:
		rc = DB_ERROR;
		goto undo;
	}
	if (test_delay_ms > 0)
		usleep(test_delay_ms * 1000);
	if (op->key != NULL) {
		if (headers_save(r, &h) == -1) {
			rc = DB_ERROR;
			goto undo;
		}
		if ((rc = db_key_record(db, op->scope, op->key, op->method, op->path,
		    op->fingerprint, op->raw_fingerprint, todo_id, r->status, h.data != NULL ? h.data : "",
		    r->body.data, r->body.len, op->now, op->now + op->ttl)) != DB_OK)
			goto undo;
	}
	if ((rc = db_release(db)) != DB_OK)
		goto undo;
	res = IDEM_DONE;
	goto out;
undo:
	db_rollback_to(db);
fail:
	if (rc == DB_BUSY)
		res = IDEM_BUSY;
	else
		fprintf(stderr, "%s %s: %s\n", op->method, op->path, db_errmsg(db));
out:
	db_key_clear(&k);
	buf_free(&h);
	return res;
}

enum idem_res
idem_run(struct db *db, const struct idem_op *op, idem_fn fn, void *arg, struct resp *r)
{
	enum idem_res	 res;
	enum db_res	 rc;

	if (idem_lookup(db, op, r, &res))
		return res;
	if ((rc = db_begin(db)) != DB_OK)
		return rc == DB_BUSY ? IDEM_BUSY : IDEM_ERROR;
	if (db_key_purge(db, op->now, IDEM_PURGE_BATCH) != DB_OK) {
		fprintf(stderr, "%s %s: %s\n", op->method, op->path, db_errmsg(db));
		db_rollback(db);
		return IDEM_ERROR;
	}
	res = idem_apply(db, op, fn, arg, r);
	if (res != IDEM_DONE) {
		db_rollback(db);
		/* A replay of a record written by another commit: on disk first. */
		if (res == IDEM_REPLAYED && db_durable(db) != DB_OK)
			res = IDEM_ERROR;
		return res;
	}
	if ((rc = db_commit(db)) != DB_OK)
		return rc == DB_BUSY ? IDEM_BUSY : IDEM_ERROR;
	return IDEM_DONE;
}
