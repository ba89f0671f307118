#include <string.h>
#include <sys/mman.h>

#include "lib/clock.h"
#include "lib/metrics.h"

struct metrics	*metrics;

const struct metrics_bounds metrics_seconds = {
	{ 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	  500000, 1000000, 2500000, 5000000, 10000000 }, 16, 1000000
};

const struct metrics_bounds metrics_batch = {
	{ 1, 2, 4, 8, 16, 32, 64 }, 7, 1
};

int
metrics_open(void)
{
	void	*p;

	p = mmap(NULL, sizeof(struct metrics), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	metrics = p;
	return 0;
}

void
metrics_close(void)
{
	if (metrics != NULL)
		munmap(metrics, sizeof(*metrics));
	metrics = NULL;
}

void
metrics_observe(struct metrics_hist *h, const struct metrics_bounds *b, uint64_t v)
{
	int	 i;

	for (i = 0; i < b->n && v > b->le[i]; i++)
		;
	metrics_add(&h->n[i], 1);
	metrics_add(&h->sum, v);
}

void
metrics_request(int route, int method, int status, uint64_t us)
{
	if (metrics == NULL || route < 0 || route >= METRICS_ROUTES || method < 0 ||
	    method >= METRICS_METHODS || status < METRICS_CODE_MIN ||
	    status >= METRICS_CODE_MIN + METRICS_CODES)
		return;
	metrics_add(&metrics->requests[route][method][status - METRICS_CODE_MIN], 1);
	metrics_observe(&metrics->latency[route][method], &metrics_seconds, us);
}

void
metrics_outcome(enum metrics_outcome o)
{
	if (metrics != NULL && o < METRICS_OUTCOME__MAX)
		metrics_add(&metrics->outcomes[o], 1);
}

void
metrics_write_health(int ok)
{
	if (metrics == NULL)
		return;
	__atomic_store_n(&metrics->write_ok, ok ? 1 : 0, __ATOMIC_RELAXED);
	__atomic_store_n(&metrics->write_at, clock_now_s(), __ATOMIC_RELAXED);
	metrics_add(&metrics->write_count, 1);
}

uint64_t
metrics_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

int
metrics_family(struct buf *b, const char *name, const char *type, const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int
metrics_label(struct buf *labels, const char *name, const char *value)
{
	const char	*run = value;

	if ((labels->len > 0 && buf_putc(labels, ',') == -1) || buf_puts(labels, name) == -1 ||
	    buf_puts(labels, "=\"") == -1)
		return -1;
	for (; *value != '\0'; value++) {
		const char	*e = *value == '\\' ? "\\\\" : *value == '"' ? "\\\"" :
		    *value == '\n' ? "\\n" : NULL;

		if (e == NULL)
			continue;
		if (buf_append(labels, run, (size_t)(value - run)) == -1 || buf_puts(labels, e) == -1)
			return -1;
		run = value + 1;
	}
	if (buf_append(labels, run, (size_t)(value - run)) == -1)
		return -1;
	return buf_putc(labels, '"');
}

/* Appends name{labels} or name, and a space. */
static int
series(struct buf *b, const char *name, const char *suffix, const char *labels, const char *more)
{
	int	 braces;

	if (labels == NULL)
		labels = "";
	braces = *labels != '\0' || *more != '\0';
	return buf_printf(b, "%s%s%s%s%s%s%s ", name, suffix, braces ? "{" : "", labels,
	    *labels != '\0' && *more != '\0' ? "," : "", more, braces ? "}" : "");
}

/* Appends v / scale as a decimal without trailing zeros (scale a power of ten). */
static int
scaled(struct buf *b, uint64_t v, uint64_t scale)
{
	char		 frac[24];
	uint64_t	 f, s;
	int		 n = 0;

	if (buf_printf(b, "%llu", (unsigned long long)(v / scale)) == -1)
		return -1;
	if (scale <= 1 || (f = v % scale) == 0)
		return 0;
	for (s = scale / 10; s > 0 && f > 0; s /= 10) {
		frac[n++] = (char)('0' + f / s);
		f %= s;
	}
	frac[n] = '\0';
	return buf_printf(b, ".%s", frac);
}

int
metrics_sample(struct buf *b, const char *name, const char *labels, int64_t v)
{
	if (series(b, name, "", labels, "") == -1 || buf_putnum(b, v) == -1)
		return -1;
	return buf_putc(b, '\n');
}

int
metrics_sample_scaled(struct buf *b, const char *name, const char *labels, uint64_t v,
    uint64_t scale)
{
	if (series(b, name, "", labels, "") == -1 || scaled(b, v, scale) == -1)
		return -1;
	return buf_putc(b, '\n');
}

int
metrics_sample_signed(struct buf *b, const char *name, const char *labels, int64_t v,
    uint64_t scale)
{
	uint64_t	 mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	if (series(b, name, "", labels, "") == -1 || (v < 0 && buf_putc(b, '-') == -1) ||
	    scaled(b, mag, scale) == -1)
		return -1;
	return buf_putc(b, '\n');
}

int
metrics_hist(struct buf *b, const char *name, const char *labels,
    const struct metrics_hist *h, const struct metrics_bounds *bd)
{
	struct buf	 le = { 0 };
	uint64_t	 cum = 0;
	int		 i, rc = -1;

	for (i = 0; i <= bd->n; i++) {
		cum += metrics_read(&h->n[i]);
		buf_reset(&le);
		if (buf_puts(&le, "le=\"") == -1 ||
		    (i < bd->n ? scaled(&le, bd->le[i], bd->scale) : buf_puts(&le, "+Inf")) == -1 ||
		    buf_putc(&le, '"') == -1 ||
		    series(b, name, "_bucket", labels, le.data) == -1 ||
		    buf_printf(b, "%llu\n", (unsigned long long)cum) == -1)
			goto out;
	}
	if (series(b, name, "_sum", labels, "") == -1 ||
	    scaled(b, metrics_read(&h->sum), bd->scale) == -1 || buf_putc(b, '\n') == -1 ||
	    series(b, name, "_count", labels, "") == -1 ||
	    buf_printf(b, "%llu\n", (unsigned long long)cum) == -1)
		goto out;
	rc = 0;
out:
	buf_free(&le);
	return rc;
}
