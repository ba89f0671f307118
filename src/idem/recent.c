/*
 * Recent keys: one 32-bit tag per slot in a shared anonymous mapping.
 * Slots are read and written with relaxed atomics: a reader sees a tag
 * whole or not at all, and the order between slots does not matter to a
 * hint.
 */

#include <sys/mman.h>

#include <stddef.h>
#include <stdint.h>

#include "idem/recent.h"

struct recent {
	uint32_t	 slot[RECENT_SLOTS];
};

/* FNV-1a over scope, a NUL, and key. */
static uint64_t
hash(const char *scope, const char *key)
{
	uint64_t	 h = 14695981039346656037u;
	const char	*s;

	for (s = scope; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	h *= 1099511628211u;
	for (s = key; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* The tag of a hash: never 0, which marks an empty slot. */
static uint32_t
tag(uint64_t h)
{
	uint32_t	 t = (uint32_t)(h >> 32);

	return t != 0 ? t : 1;
}

struct recent *
recent_new(void)
{
	void	*p;

	p = mmap(NULL, sizeof(struct recent), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void
recent_free(struct recent *r)
{
	if (r != NULL)
		munmap(r, sizeof(*r));
}

void
recent_add(struct recent *r, const char *scope, const char *key)
{
	uint64_t	 h = hash(scope, key);

	__atomic_store_n(&r->slot[h & (RECENT_SLOTS - 1)], tag(h), __ATOMIC_RELAXED);
}

int
recent_has(const struct recent *r, const char *scope, const char *key)
{
	uint64_t	 h = hash(scope, key);

	return __atomic_load_n(&r->slot[h & (RECENT_SLOTS - 1)], __ATOMIC_RELAXED) == tag(h);
}
