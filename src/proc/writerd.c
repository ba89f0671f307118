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

#include "lib/clock.h"
#include "lib/metrics.h"
#include "app/wire.h"
#include "proc/writerd.h"

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
	    h.kind < OP_CREATE || h.kind > OP_PROBE ||
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
	a.key_expires = it->r.key_expires;
	a.ctype = -1;
	for (i = 0; i < WIRE_CTYPES; i++)
		if (it->r.ctype != NULL && strcmp(it->r.ctype, wire_ctypes[i]) == 0)
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

/*
 * Every item of the batch fails alike: rolled back (busy, the store
 * unavailable, or an error), or, for a commit that may stand
 * (STORE_UNKNOWN), not known.
 */
static void
batch_fail(struct item *items, int n, enum store_res rc)
{
	int	 i;

	for (i = 0; i < n; i++) {
		http_resp_reset(&items[i].r);
		items[i].res = rc == STORE_BUSY ? IDEM_BUSY : rc == STORE_UNKNOWN ?
		    IDEM_UNKNOWN : rc == STORE_DOWN ? IDEM_DOWN : IDEM_ERROR;
	}
}

/*
 * One transaction for the batch, one savepoint for each operation. A
 * failed commit takes every operation back, so none is answered as done.
 * After the commit, the file is looked at again: one replaced or removed
 * meanwhile took the batch into a file nobody will read, so none of it
 * is answered as done either (outcome unknown: the retry decides).
 */
static void
batch_run(struct store_hold *h, struct item *items, int n, struct recent *recent)
{
	struct store	*db = h->db;
	enum store_res	 rc;
	const char	*why;
	int64_t		 t;
	int		 i, probed = 0;

	if ((rc = store_begin(db)) != STORE_OK) {
		batch_fail(items, n, rc);
		goto out;
	}
	/* At least as many expired rows go as this batch can record. */
	if ((rc = store_key_purge(db, clock_now_s(), IDEM_PURGE_LIMIT(n))) != STORE_OK) {
		fprintf(stderr, "purging expired keys: %s\n", store_errmsg(db));
		store_rollback(db);
		batch_fail(items, n, rc);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (items[i].op.kind != OP_PROBE) {
			items[i].res = idem_apply(db, &items[i].iop, op_run, &items[i].op,
			    &items[i].r);
			continue;
		}
		/* A write that changes nothing, so that the commit is a real one. */
		if (!probed && (rc = store_touch(db)) != STORE_OK) {
			store_rollback(db);
			batch_fail(items, n, rc);
			goto out;
		}
		probed = 1;
		items[i].res = IDEM_DONE;
		items[i].r.status = 204;
	}
	t = clock_mono_us();
	rc = store_commit(db);
	if (metrics != NULL) {
		metrics_observe(&metrics->batch, &metrics_batch, (uint64_t)n);
		metrics_observe(&metrics->commit, &metrics_seconds, (uint64_t)(clock_mono_us() - t));
	}
	if (rc != STORE_OK) {
		fprintf(stderr, "committing %d operations: %s\n", n, store_errmsg(db));
		batch_fail(items, n, rc);
		goto out;
	}
	if (store_check(db, &why) == STORE_MOVED) {
		fprintf(stderr, "%s after a commit of %d operations: their outcome is unknown\n",
		    why, n);
		h->moved = 1;
		batch_fail(items, n, STORE_UNKNOWN);
		rc = STORE_DOWN;
		goto out;
	}
	/* Retries of these keys may now be replayed from a read. */
	for (i = 0; i < n && recent != NULL; i++)
		if (items[i].iop.key != NULL &&
		    (items[i].res == IDEM_DONE || items[i].res == IDEM_REPLAYED ||
		    items[i].res == IDEM_MISMATCH || items[i].res == IDEM_EXPIRED))
			recent_add(recent, items[i].iop.scope, items[i].iop.key);
out:
	/* A lock not had says nothing of the store; anything else does. */
	if (rc != STORE_BUSY)
		metrics_write_health(rc == STORE_OK);
}

/* The whole batch refused at once: the store cannot be opened now. */
static void
batch_refuse(struct item *items, int n)
{
	batch_fail(items, n, STORE_DOWN);
	metrics_write_health(0);
	if (metrics != NULL)
		metrics_add(&metrics->store_refused, (uint64_t)n);
}

int
writerd_serve(struct store_hold *h, const int *fds, int n, struct recent *recent,
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
	/* Opened now, so that /healthz and the log tell at once when it cannot be. */
	if (store_hold_get(h) != STORE_OK)
		metrics_write_health(0);
	while (!*stop && !h->moved) {
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
		/* The file is looked at before each batch, and opened again after a fault. */
		if (store_hold_get(h) == STORE_OK)
			batch_run(h, items, count, recent);
		else
			batch_refuse(items, count);
		for (i = 0; i < count; i++) {
			item_answer(&items[i]);
			item_clear(&items[i]);
		}
	}
	/* A file replaced or removed: every process lets go of it (main.c). */
	rc = h->moved ? 1 : 0;
out:
	free(scratch);
	free(items);
	free(pfd);
	return rc;
}
