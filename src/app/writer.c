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
#include "app/writer.h"

enum idem_res
writer_change(struct app *app, const struct idem_op *iop, struct op *op, struct resp *r,
    int looked)
{
	enum idem_res	 res;

	if (!looked && writer_may_replay(app, iop) && idem_lookup(app->db, iop, r, &res) == 1)
		return res;
	if (app->writer != NULL)
		return writer_call(app->writer, iop, op, r);
	/* The change runs here; its key is noted as the writer notes its own. */
	res = idem_write(app->db, iop, op_run, op, r);
	if (res == IDEM_DONE || res == IDEM_DOWN || res == IDEM_UNKNOWN)
		metrics_write_health(res == IDEM_DONE);
	if (app->recent != NULL && iop->key != NULL &&
	    (res == IDEM_DONE || res == IDEM_REPLAYED || res == IDEM_MISMATCH ||
	    res == IDEM_EXPIRED))
		recent_add(app->recent, iop->scope, iop->key);
	return res;
}

int
writer_may_replay(const struct app *app, const struct idem_op *iop)
{
	if (iop->key == NULL)
		return 0;
	if (app->recent == NULL)
		return 1;
	return recent_has(app->recent, iop->scope, iop->key);
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
	r->key_expires = a.key_expires;
	r->ctype = a.ctype >= 0 && a.ctype < WIRE_CTYPES ? wire_ctypes[a.ctype] : NULL;
	memcpy(r->location, a.location, sizeof(r->location));
	r->location[sizeof(r->location) - 1] = '\0';
	memcpy(r->etag, a.etag, sizeof(r->etag));
	r->etag[sizeof(r->etag) - 1] = '\0';
	/* The operation has run: its answer lost here is not "nothing changed". */
	if (buf_append(&r->body, msg + sizeof(a), n - sizeof(a)) == -1)
		return IDEM_UNKNOWN;
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

/*
 * Sends op to the writer as operation number ++l->seq: 0, IDEM_DOWN when
 * the writer has stopped, IDEM_ERROR when it could not be sent otherwise.
 */
static int
link_send(struct writer_link *l, const struct idem_op *iop, const struct op *op)
{
	struct wreq	 h;
	struct iovec	 iov[1 + WS__MAX];
	struct msghdr	 mh;
	size_t		 n = 1, total = 0, i;
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
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = n;
	while (sendmsg(l->fd, &mh, MSG_NOSIGNAL) == -1)
		if ((rc = errno) != EINTR) {
			perror("sending to the writer");
			/* A writer that has stopped: the master starts another. */
			return rc == EPIPE || rc == ECONNRESET || rc == ENOTCONN ?
			    IDEM_DOWN : IDEM_ERROR;
		}
	return 0;
}

enum idem_res
writer_call(struct writer_link *l, const struct idem_op *iop, const struct op *op,
    struct resp *r)
{
	static char	 msg[MSG_MAX];
	size_t		 got;
	uint64_t	 seq;
	int64_t		 deadline;
	int		 rc;

	if (l->refuse != WRITER_SEND) {
		if (metrics != NULL)
			metrics_add(&metrics->refused[l->refuse == WRITER_REFUSE_STALLED ?
			    METRICS_REFUSED_STALLED : METRICS_REFUSED_NO_ROOM], 1);
		return IDEM_DOWN;
	}
	/* Without a wait hook, the answer is read in blocking reads of at most a second. */
	if (l->wait == NULL && !l->timed) {
		struct timeval	 tv = { 1, 0 };

		if (setsockopt(l->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1) {
			perror("timing the writer's socket");
			return IDEM_ERROR;
		}
		l->timed = 1;
	}
	if ((rc = link_send(l, iop, op)) != 0)
		return (enum idem_res)rc;
	seq = l->seq;

	/* From here on the writer may run the operation: no answer is not "not done". */
	if (l->wait != NULL) {
		const char	*m;
		size_t		 len;

		if (l->wait(l->wait_arg, seq, &m, &len) == -1) {
			fprintf(stderr, "%s %s: no answer from the writer; outcome unknown\n",
			    iop->method, iop->path);
			return IDEM_UNKNOWN;
		}
		return answer_read(m, len, r);
	}

	deadline = clock_mono_ms() + (l->wait_ms > 0 ? l->wait_ms : WRITER_WAIT_MS);
	for (;;) {
		if ((rc = link_read(l, msg, 0, &got, &seq)) == -1) {
			fprintf(stderr, "%s %s: the writer stopped before it answered; "
			    "outcome unknown\n", iop->method, iop->path);
			return IDEM_UNKNOWN;
		}
		if (rc == 0) {
			/* A second without an answer. */
			if (clock_mono_ms() < deadline)
				continue;
			fprintf(stderr, "%s %s: the writer did not answer in time; outcome unknown\n",
			    iop->method, iop->path);
			return IDEM_UNKNOWN;
		}
		/* An answer to an operation this worker gave up on, or to its predecessor's. */
		if (seq != l->seq)
			continue;
		return answer_read(msg, got, r);
	}
}

/* A result this recent is taken as the write health; older, a probe is sent. */
#define HEALTH_FRESH_S	5
/* At most one probe in this many seconds, from any process. */
#define HEALTH_PROBE_S	2

/*
 * A probe: on this process's own handle, or sent to the writer, whose
 * answer is not read here (the worker's loop drops it): the writer notes
 * the probe's commit in the shared region, waited for at most wait_ms. 1
 * done, 0 not.
 */
static int
probe(struct app *app, int wait_ms)
{
	struct idem_op	 iop = { 0 };
	struct op	 op = { 0 };
	uint64_t	 count;
	int64_t		 deadline;

	if (app->writer == NULL)
		return app->db != NULL && store_write_probe(app->db) == STORE_OK;
	iop.scope = "";
	iop.method = "POST";
	iop.path = "/healthz";
	op.kind = OP_PROBE;
	op.out = OUT_JSON;
	/* A writer the worker refuses changes to (stalled) takes no write either. */
	count = metrics_read(&metrics->write_count);
	if (app->writer->refuse != WRITER_SEND || link_send(app->writer, &iop, &op) != 0)
		return 0;
	deadline = clock_mono_ms() + wait_ms;
	while (metrics_read(&metrics->write_count) == count) {
		if (clock_mono_ms() >= deadline)
			return 0;
		usleep(5 * 1000);
	}
	return __atomic_load_n(&metrics->write_ok, __ATOMIC_RELAXED) != 0;
}

int
writer_write_health(struct app *app, int wait_ms)
{
	int64_t	 now = clock_now_s(), at, last;
	int	 ok;

	/* Plain CGI: nothing shared, and a probe of its own handle each time. */
	if (metrics == NULL)
		return app->db != NULL && store_write_probe(app->db) == STORE_OK;
	at = __atomic_load_n(&metrics->write_at, __ATOMIC_RELAXED);
	if (at >= now - HEALTH_FRESH_S)
		return __atomic_load_n(&metrics->write_ok, __ATOMIC_RELAXED) != 0;
	last = __atomic_load_n(&metrics->probe_at, __ATOMIC_RELAXED);
	if (last > now - HEALTH_PROBE_S || !__atomic_compare_exchange_n(&metrics->probe_at,
	    &last, now, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return at == 0 || __atomic_load_n(&metrics->write_ok, __ATOMIC_RELAXED) != 0;
	ok = probe(app, wait_ms);
	/* The writer notes its own commit; a probe it did not answer is noted here. */
	if (!ok || app->writer == NULL)
		metrics_write_health(ok);
	return ok;
}

int
writer_recv(struct writer_link *l, char *buf, size_t *n, uint64_t *seq)
{
	return link_read(l, buf, MSG_DONTWAIT, n, seq);
}

