#include <dlfcn.h>
#include <stdio.h>

#define PGS_PQ_LINKED	/* the table's own names, not the engine's */
#include "store/pg/pq.h"

struct pgs_pq	pgs_pq;

int
pgs_pq_load(char *err, size_t cap)
{
	static int	 loaded;
	void		*h;

	if (loaded)
		return 0;
	/* libpq's soname: the ABI every libpq 10 and later keeps. */
	if ((h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, cap, "cannot load libpq (Debian's libpq5): %s", dlerror());
		return -1;
	}
#define X(f) \
	if ((*(void **)&pgs_pq.f = dlsym(h, #f)) == NULL) { \
		snprintf(err, cap, "libpq has no %s: too old (15 or later wanted)", #f); \
		dlclose(h); \
		return -1; \
	}
	PGS_PQ_FUNCS
#undef X
	loaded = 1;
	return 0;
}
