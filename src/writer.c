#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "writer.h"

/*
 * The wire between a worker and the writer: one SOCK_SEQPACKET message
 * each way, between processes of the same program. A request is a fixed
 * head and the strings it counts, each followed by a NUL; an answer is a
 * fixed head and the response body.
 */
enum wstr {
	WS_SCOPE,
	WS_KEY,
	WS_METHOD,
	WS_PATH,
	WS_FINGERPRINT,
	WS_RAW_FINGERPRINT,
	WS_IF_MATCH,
	WS_TITLE,
	WS_DESCRIPTION,
	WS__MAX
};

#define NO_STR	UINT32_MAX	/* a NULL string */
#define MSG_MAX	WRITER_MSG_MAX	/* far above the longest request or answer */

struct wreq {
	uint64_t	 seq;
	int64_t		 id;
	int64_t		 now;
	int64_t		 ttl;
	int32_t		 kind;
	int32_t		 out;
	int32_t		 is_completed;
	uint32_t	 set;
	uint32_t	 len[WS__MAX];
};

struct wans {
	uint64_t	 seq;
	int32_t		 res;
	int32_t		 status;
	int32_t		 retry_after;
	int32_t		 replayed;
	int32_t		 ctype;		/* index in ctypes[], -1 for none */
	char		 location[96];
	char		 etag[48];
};

/* The content types a change answers with. */
static const char *const ctypes[] = {
	CTYPE_JSON_STR, CTYPE_PROBLEM_STR, CTYPE_HTML_STR,
};
#define CTYPES	(int)(sizeof(ctypes) / sizeof(ctypes[0]))

enum idem_res
writer_change(struct app *app, const struct idem_op *iop, struct op *op, struct resp *r,
    int looked)
{
	enum idem_res	 res;

	if (app->writer == NULL)
		return idem_run(app->db, iop, op_run, op, r);
	if (!looked && writer_may_replay(app, iop) && idem_lookup(app->db, iop, r, &res) == 1)
		return res;
	return writer_call(app->writer, iop, op, r);
}

int
writer_may_replay(const struct app *app, const struct idem_op *iop)
{
	if (iop->key == NULL)
		return 0;
	if (app->writer == NULL || app->writer->recent == NULL)
		return 1;
	return recent_has(app->writer->recent, iop->scope, iop->key);
}

/* Adds s to the request: its length in the head, its bytes and NUL to iov. */
static size_t
put_str(struct wreq *h, enum wstr i, const char *s, struct iovec *iov, size_t n)
{
	if (s == NULL) {
		h->len[i] = NO_STR;
		return n;
	}
	h->len[i] = (uint32_t)strlen(s);
	iov[n].iov_base = (void *)(uintptr_t)s;
	iov[n].iov_len = h->len[i] + 1;
	return n + 1;
}

/* Turns the writer's answer into resp. */
static enum idem_res
answer_read(const char *msg, size_t n, struct resp *r)
{
	struct wans	 a;

	memcpy(&a, msg, sizeof(a));
	http_resp_reset(r);
	r->status = a.status;
	r->retry_after = a.retry_after;
	r->replayed = a.replayed;
	r->ctype = a.ctype >= 0 && a.ctype < CTYPES ? ctypes[a.ctype] : NULL;
	memcpy(r->location, a.location, sizeof(r->location));
	r->location[sizeof(r->location) - 1] = '\0';
	memcpy(r->etag, a.etag, sizeof(r->etag));
	r->etag[sizeof(r->etag) - 1] = '\0';
	if (buf_append(&r->body, msg + sizeof(a), n - sizeof(a)) == -1)
		return IDEM_ERROR;
	return (enum idem_res)a.res;
}

/*
 * Reads one answer from the writer's socket into buf (MSG_MAX bytes): 1
 * with its operation's number, 0 when none came (MSG_DONTWAIT, or the
 * receive timeout), -1 when the writer has stopped or the socket failed.
 */
static int
link_read(struct writer_link *l, char *buf, int flags, size_t *n, uint64_t *seq)
{
	ssize_t	 got;

	for (;;) {
		if ((got = recv(l->fd, buf, MSG_MAX, flags)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			perror("reading from the writer");
			return -1;
		}
		/* Only the writer holds the other end: it has stopped. */
		if (got == 0)
			return -1;
		if ((size_t)got < sizeof(struct wans))
			continue;
		memcpy(seq, buf, sizeof(*seq));
		*n = (size_t)got;
		return 1;
	}
}

enum idem_res
writer_call(struct writer_link *l, const struct idem_op *iop, const struct op *op,
    struct resp *r)
{
	static char	 msg[MSG_MAX];
	struct wreq	 h;
	struct iovec	 iov[1 + WS__MAX];
	struct msghdr	 mh;
	size_t		 n = 1, total = 0, i, got;
	uint64_t	 seq;
	int64_t		 deadline;
	int		 rc;

	memset(&h, 0, sizeof(h));
	h.seq = ++l->seq;
	h.id = op->id;
	h.now = iop->now;
	h.ttl = iop->ttl;
	h.kind = op->kind;
	h.out = op->out;
	n = put_str(&h, WS_SCOPE, iop->scope, iov, n);
	n = put_str(&h, WS_KEY, iop->key, iov, n);
	n = put_str(&h, WS_METHOD, iop->method, iov, n);
	n = put_str(&h, WS_PATH, iop->path, iov, n);
	n = put_str(&h, WS_FINGERPRINT, iop->fingerprint, iov, n);
	n = put_str(&h, WS_RAW_FINGERPRINT, iop->raw_fingerprint, iov, n);
	n = put_str(&h, WS_IF_MATCH, op->if_match, iov, n);
	if (op->in != NULL) {
		h.set = op->in->set;
		h.is_completed = op->in->is_completed;
		n = put_str(&h, WS_TITLE, op->in->title, iov, n);
		n = put_str(&h, WS_DESCRIPTION, op->in->description, iov, n);
	} else {
		h.len[WS_TITLE] = h.len[WS_DESCRIPTION] = NO_STR;
	}
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (total > MSG_MAX)
		return IDEM_ERROR;
	/* Without a wait hook, the answer is read in blocking reads of at most a second. */
	if (l->wait == NULL && !l->timed) {
		struct timeval	 tv = { 1, 0 };

		if (setsockopt(l->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1) {
			perror("timing the writer's socket");
			return IDEM_ERROR;
		}
		l->timed = 1;
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = n;
	while (sendmsg(l->fd, &mh, MSG_NOSIGNAL) == -1)
		if (errno != EINTR) {
			perror("sending to the writer");
			return IDEM_ERROR;
		}

	if (l->wait != NULL) {
		const char	*m;
		size_t		 len;

		if (l->wait(l->wait_arg, h.seq, &m, &len) == -1) {
			fprintf(stderr, "%s %s: no answer from the writer\n", iop->method, iop->path);
			return IDEM_ERROR;
		}
		return answer_read(m, len, r);
	}

	deadline = clock_mono_ms() + WRITER_WAIT_MS;
	for (;;) {
		if ((rc = link_read(l, msg, 0, &got, &seq)) == -1) {
			fprintf(stderr, "%s %s: the writer stopped before it answered\n",
			    iop->method, iop->path);
			return IDEM_ERROR;
		}
		if (rc == 0) {
			/* A second without an answer. */
			if (clock_mono_ms() < deadline)
				continue;
			fprintf(stderr, "%s %s: the writer did not answer\n", iop->method, iop->path);
			return IDEM_ERROR;
		}
		/* An answer to an operation this worker gave up on, or to its predecessor's. */
		if (seq != l->seq)
			continue;
		return answer_read(msg, got, r);
	}
}

int
writer_recv(struct writer_link *l, char *buf, size_t *n, uint64_t *seq)
{
	return link_read(l, buf, MSG_DONTWAIT, n, seq);
}

/* An operation in the writer: the request as read, and its result. */
struct item {
	int		 fd;
	char		*msg;	/* owns the strings the structs below point to */
	uint64_t	 seq;
	struct idem_op	 iop;
	struct todo_in	 in;
	struct op	 op;
	struct resp	 r;
	enum idem_res	 res;
};

/* Points item at the strings of its request: 0, or -1 when it is malformed. */
static int
item_parse(struct item *it, size_t n)
{
	const char	*s[WS__MAX];
	struct wreq	 h;
	size_t		 off = sizeof(h);
	int		 i;

	if (n < sizeof(h))
		return -1;
	memcpy(&h, it->msg, sizeof(h));
	for (i = 0; i < WS__MAX; i++) {
		s[i] = NULL;
		if (h.len[i] == NO_STR)
			continue;
		if (h.len[i] >= n - off || it->msg[off + h.len[i]] != '\0')
			return -1;
		s[i] = it->msg + off;
		off += h.len[i] + 1;
	}
	if (off != n || s[WS_SCOPE] == NULL || s[WS_METHOD] == NULL || s[WS_PATH] == NULL ||
	    (s[WS_KEY] != NULL && s[WS_FINGERPRINT] == NULL) ||
	    h.kind < OP_CREATE || h.kind > OP_COMPLETE ||
	    (h.out != OUT_JSON && h.out != OUT_SEE_OTHER))
		return -1;
	it->seq = h.seq;
	it->iop.scope = s[WS_SCOPE];
	it->iop.key = s[WS_KEY];
	it->iop.method = s[WS_METHOD];
	it->iop.path = s[WS_PATH];
	it->iop.fingerprint = s[WS_FINGERPRINT];
	it->iop.raw_fingerprint = s[WS_RAW_FINGERPRINT];
	it->iop.now = h.now;
	it->iop.ttl = h.ttl;
	it->in.set = h.set;
	it->in.is_completed = h.is_completed;
	it->in.title = (char *)(uintptr_t)s[WS_TITLE];
	it->in.description = (char *)(uintptr_t)s[WS_DESCRIPTION];
	it->op.kind = (enum op_kind)h.kind;
	it->op.out = (enum op_out)h.out;
	it->op.id = h.id;
	it->op.in = &it->in;
	it->op.if_match = s[WS_IF_MATCH];
	return 0;
}

/* Reads one waiting request from fd into it: 1, or 0 when there is none. */
static int
item_read(struct item *it, int fd, char *scratch)
{
	ssize_t	 got;

	for (;;) {
		if ((got = recv(fd, scratch, MSG_MAX, MSG_DONTWAIT)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				perror("reading a worker's request");
			return 0;
		}
		if (got == 0)
			return 0;
		memset(it, 0, sizeof(*it));
		it->fd = fd;
		if ((it->msg = malloc((size_t)got)) == NULL) {
			fprintf(stderr, "out of memory reading a request\n");
			return 0;
		}
		memcpy(it->msg, scratch, (size_t)got);
		if (item_parse(it, (size_t)got) == 0)
			return 1;
		fprintf(stderr, "a worker sent a malformed request; dropped\n");
		free(it->msg);
		it->msg = NULL;
	}
}

/* Sends an item's result to its worker, without waiting on a worker that does not read. */
static void
item_answer(struct item *it)
{
	struct wans	 a;
	struct iovec	 iov[2];
	struct msghdr	 mh;
	int		 i;

	memset(&a, 0, sizeof(a));
	a.seq = it->seq;
	a.res = it->res;
	a.status = it->r.status;
	a.retry_after = it->r.retry_after;
	a.replayed = it->r.replayed;
	a.ctype = -1;
	for (i = 0; i < CTYPES; i++)
		if (it->r.ctype != NULL && strcmp(it->r.ctype, ctypes[i]) == 0)
			a.ctype = i;
	memcpy(a.location, it->r.location, sizeof(a.location));
	memcpy(a.etag, it->r.etag, sizeof(a.etag));
	iov[0].iov_base = &a;
	iov[0].iov_len = sizeof(a);
	iov[1].iov_base = it->r.body.data;
	iov[1].iov_len = it->r.body.len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = it->r.body.len > 0 ? 2 : 1;
	while (sendmsg(it->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
		if (errno != EINTR) {
			perror("answering a worker");
			break;
		}
}

static void
item_clear(struct item *it)
{
	buf_free(&it->r.body);
	free(it->msg);
	it->msg = NULL;
}

/* Every item of the batch fails alike. */
static void
batch_fail(struct item *items, int n, enum db_res rc)
{
	int	 i;

	for (i = 0; i < n; i++) {
		http_resp_reset(&items[i].r);
		items[i].res = rc == DB_BUSY ? IDEM_BUSY : IDEM_ERROR;
	}
}

/*
 * One transaction for the batch, one savepoint for each operation. A
 * failed commit takes every operation back, so none is answered as done.
 */
static void
batch_run(struct db *db, struct item *items, int n, struct recent *recent)
{
	enum db_res	 rc;
	int		 i;

	if ((rc = db_begin(db)) != DB_OK) {
		batch_fail(items, n, rc);
		return;
	}
	if ((rc = db_key_purge(db, (int64_t)time(NULL), IDEM_PURGE_BATCH)) != DB_OK) {
		fprintf(stderr, "purging expired keys: %s\n", db_errmsg(db));
		db_rollback(db);
		batch_fail(items, n, rc);
		return;
	}
	for (i = 0; i < n; i++)
		items[i].res = idem_apply(db, &items[i].iop, op_run, &items[i].op, &items[i].r);
	if ((rc = db_commit(db)) != DB_OK) {
		fprintf(stderr, "committing %d operations: %s\n", n, db_errmsg(db));
		batch_fail(items, n, rc);
		return;
	}
	/* Retries of these keys may now be replayed from a read. */
	for (i = 0; i < n && recent != NULL; i++)
		if (items[i].iop.key != NULL &&
		    (items[i].res == IDEM_DONE || items[i].res == IDEM_REPLAYED ||
		    items[i].res == IDEM_MISMATCH))
			recent_add(recent, items[i].iop.scope, items[i].iop.key);
}

int
writer_serve(struct db *db, const int *fds, int n, struct recent *recent,
    volatile sig_atomic_t *stop)
{
	struct pollfd	*pfd = NULL;
	struct item	*items = NULL;
	char		*scratch = NULL;
	int		 i, k, count, first = 0, rc = -1;

	if ((pfd = calloc((size_t)n, sizeof(*pfd))) == NULL ||
	    (items = calloc(WRITER_BATCH, sizeof(*items))) == NULL ||
	    (scratch = malloc(MSG_MAX)) == NULL) {
		fprintf(stderr, "writer: out of memory\n");
		goto out;
	}
	for (i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	while (!*stop) {
		if (poll(pfd, (nfds_t)n, -1) == -1) {
			if (errno == EINTR)
				continue;
			perror("writer: poll");
			goto out;
		}
		/*
		 * Everything waiting on each ready socket, as a worker has several
		 * operations out at once, up to a batch; start at a new socket each
		 * round, so that no worker waits behind the others' full batches.
		 */
		count = 0;
		for (k = 0; k < n && count < WRITER_BATCH; k++) {
			i = (first + k) % n;
			if (!(pfd[i].revents & POLLIN))
				continue;
			while (count < WRITER_BATCH && item_read(&items[count], fds[i], scratch))
				count++;
		}
		first = (first + 1) % n;
		if (count == 0)
			continue;
		batch_run(db, items, count, recent);
		for (i = 0; i < count; i++) {
			item_answer(&items[i]);
			item_clear(&items[i]);
		}
	}
	rc = 0;
out:
	free(scratch);
	free(items);
	free(pfd);
	return rc;
}
