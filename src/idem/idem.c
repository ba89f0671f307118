#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idem/idem.h"
#include "lib/sha256.h"

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
	case IDEM_EXPIRED:
		return "expired";
	case IDEM_BUSY:
		return "conflict";
	case IDEM_UNKNOWN:
		return "unknown";
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
replay(const struct store_key *k, struct resp *r)
{
	const char	*p = k->headers, *eol, *v;
	size_t		 nlen, vlen;

	http_resp_reset(r);
	r->status = k->status;
	r->replayed = 1;
	r->key_expires = k->expires_at;
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
same_bytes(const struct idem_op *op, const struct store_key *k)
{
	return op->raw_fingerprint != NULL && k->raw_fingerprint != NULL &&
	    strcmp(op->raw_fingerprint, k->raw_fingerprint) == 0;
}

/*
 * An expired key's answer: only the Location of its first response, which
 * says where the todo it made is.
 */
static enum idem_res
expired(const struct idem_op *op, const struct store_key *k, struct resp *r)
{
	struct store_key tomb = *k;
	char		 location[sizeof(r->location)];

	tomb.body.data = NULL;
	tomb.body.len = 0;
	if (replay(&tomb, r) == -1) {
		fprintf(stderr, "idempotency key %s: unusable tombstone\n", op->key);
		return IDEM_ERROR;
	}
	memcpy(location, r->location, sizeof(location));
	http_resp_reset(r);
	memcpy(r->location, location, sizeof(location));
	return IDEM_EXPIRED;
}

/*
 * Replays or refuses a recorded key, or answers for an expired one. A
 * record committed a moment ago may still be on its way to disk (group
 * commit): with durable set it is synced before it is answered, so a
 * replay never acknowledges what a power cut could take back.
 */
static enum idem_res
recorded(struct store *db, const struct idem_op *op, const struct store_key *k, struct resp *r,
    int durable)
{
	if (strcmp(k->method, op->method) != 0 || strcmp(k->path, op->path) != 0 ||
	    (!same_bytes(op, k) && strcmp(k->fingerprint, op->fingerprint) != 0))
		return IDEM_MISMATCH;
	if (k->expired)
		return expired(op, k, r);
	if (durable && store_durable(db) != STORE_OK)
		return IDEM_ERROR;
	if (replay(k, r) == -1) {
		fprintf(stderr, "idempotency key %s: unusable record\n", op->key);
		return IDEM_ERROR;
	}
	return IDEM_REPLAYED;
}

int
idem_lookup(struct store *db, const struct idem_op *op, struct resp *r, enum idem_res *res)
{
	struct store_key k = { 0 };
	enum store_res	 rc;
	int		 answered = 1;

	/*
	 * Retries are the common case for a known key: answer them from a
	 * read, without queueing for the write lock. A key not yet recorded
	 * is decided later, inside the write transaction.
	 */
	if (op->key == NULL)
		return 0;
	rc = store_key_get(db, op->scope, op->key, op->now, &k);
	if (rc == STORE_OK && k.status == 0)
		*res = IDEM_BUSY;	/* claimed, not recorded: never committed so, but never replayed */
	else if (rc == STORE_OK && op->fingerprint == NULL &&
	    !(same_bytes(op, &k) && strcmp(k.method, op->method) == 0 &&
	    strcmp(k.path, op->path) == 0))
		answered = -1;	/* the full check, after the body is validated */
	else if (rc == STORE_OK)
		*res = recorded(db, op, &k, r, 1);
	else if (rc == STORE_BUSY)
		*res = IDEM_BUSY;
	else if (rc == STORE_DOWN)
		*res = IDEM_DOWN;
	else if (rc != STORE_NOTFOUND)
		*res = IDEM_ERROR;
	else
		answered = 0;
	store_key_clear(&k);
	return answered;
}

/* What a store failure inside an operation tells its client. */
static enum idem_res
failed(struct store *db, const struct idem_op *op, enum store_res rc)
{
	switch (rc) {
	case STORE_BUSY:
		return IDEM_BUSY;
	case STORE_DOWN:
		return IDEM_DOWN;
	case STORE_UNKNOWN:
		return IDEM_UNKNOWN;
	default:
		fprintf(stderr, "%s %s: %s\n", op->method, op->path, store_errmsg(db));
		return IDEM_ERROR;
	}
}

/*
 * Claims the key, runs fn and records its response. With nested set, all
 * of it is under a savepoint of its own, so that anything but IDEM_DONE
 * leaves the transaction as it found it; without, the caller rolls the
 * whole transaction back on anything but IDEM_DONE.
 */
static enum idem_res
apply(struct store *db, const struct idem_op *op, idem_fn fn, void *arg, struct resp *r,
    int nested)
{
	struct store_claim c;
	struct store_key k = { 0 };
	struct buf	 h = { 0 };
	enum idem_res	 res = IDEM_ERROR;
	enum store_res	 rc;
	int64_t		 todo_id = 0, expires_at = 0;

	if (nested && (rc = store_savepoint(db)) != STORE_OK)
		goto fail;
	if (op->key != NULL) {
		c.scope = op->scope;
		c.key = op->key;
		c.method = op->method;
		c.path = op->path;
		c.fingerprint = op->fingerprint;
		c.raw_fingerprint = op->raw_fingerprint;
		c.now = op->now;
		c.ttl = op->ttl;
		rc = store_key_claim(db, &c, &expires_at);
		if (rc == STORE_EXISTS) {
			/* Another request recorded it first. */
			if ((rc = store_key_get(db, op->scope, op->key, op->now, &k)) ==
			    STORE_NOTFOUND)
				rc = STORE_BUSY;	/* gone meanwhile: a retry decides */
			if (rc != STORE_OK)
				goto undo;
			if (nested)
				store_rollback_to(db);
			/* Its operation still runs (in this very batch): in progress. */
			res = k.status == 0 ? IDEM_BUSY : recorded(db, op, &k, r, 0);
			goto out;
		}
		if (rc != STORE_OK)
			goto undo;
	}

	switch (fn(db, arg, r, &todo_id)) {
	case STEP_DONE:
		break;
	case STEP_REFUSED:
		if (nested)
			store_rollback_to(db);
		res = IDEM_REFUSED;
		goto out;
	case STEP_FAILED:
		rc = STORE_ERROR;
		goto undo;
	case STEP_BUSY:
		rc = STORE_BUSY;
		goto undo;
	case STEP_DOWN:
		rc = STORE_DOWN;
		goto undo;
	}
	if (test_delay_ms > 0)
		usleep(test_delay_ms * 1000);
	if (op->key != NULL) {
		if (headers_save(r, &h) == -1) {
			rc = STORE_ERROR;
			goto undo;
		}
		if ((rc = store_key_record(db, op->scope, op->key, todo_id, r->status,
		    h.data != NULL ? h.data : "", r->body.data, r->body.len)) != STORE_OK)
			goto undo;
		r->key_expires = expires_at;
	}
	if (nested && (rc = store_release(db)) != STORE_OK)
		goto undo;
	res = IDEM_DONE;
	goto out;
undo:
	if (nested)
		store_rollback_to(db);
fail:
	res = failed(db, op, rc);
out:
	store_key_clear(&k);
	buf_free(&h);
	return res;
}

enum idem_res
idem_apply(struct store *db, const struct idem_op *op, idem_fn fn, void *arg, struct resp *r)
{
	return apply(db, op, fn, arg, r, 1);
}

/*
 * A commit whose outcome is unknown (the connection was lost in it) is
 * settled by the key: recorded with this request, it committed (this
 * one's, or a concurrent retry's, with the same answer): answered from
 * the record. Else it is still unknown; a retry with the key settles it.
 */
static enum idem_res
settle(struct store *db, const struct idem_op *op, struct resp *r)
{
	struct store_key k = { 0 };
	enum idem_res	 res = IDEM_UNKNOWN;

	if (op->key != NULL && store_key_get(db, op->scope, op->key, op->now, &k) == STORE_OK &&
	    k.status != 0 && !k.expired && recorded(db, op, &k, r, 1) == IDEM_REPLAYED) {
		r->replayed = 0;
		res = IDEM_DONE;
	}
	store_key_clear(&k);
	return res;
}

enum idem_res
idem_run(struct store *db, const struct idem_op *op, idem_fn fn, void *arg, struct resp *r)
{
	enum idem_res	 res;

	if (idem_lookup(db, op, r, &res))
		return res;
	return idem_write(db, op, fn, arg, r);
}

enum idem_res
idem_write(struct store *db, const struct idem_op *op, idem_fn fn, void *arg, struct resp *r)
{
	enum idem_res	 res;
	enum store_res	 rc;

	if ((rc = store_begin(db)) != STORE_OK)
		return failed(db, op, rc);
	if ((rc = store_key_purge(db, op->now, IDEM_PURGE_LIMIT(1))) != STORE_OK) {
		store_rollback(db);
		return failed(db, op, rc);
	}
	/* One operation in its own transaction: no savepoint needed. */
	res = apply(db, op, fn, arg, r, 0);
	if (res != IDEM_DONE) {
		store_rollback(db);
		/* A replay of a record written by another commit: on disk first. */
		if (res == IDEM_REPLAYED && store_durable(db) != STORE_OK)
			res = IDEM_ERROR;
		return res;
	}
	if ((rc = store_commit(db)) == STORE_UNKNOWN)
		return settle(db, op, r);
	if (rc != STORE_OK)
		return failed(db, op, rc);
	return IDEM_DONE;
}
