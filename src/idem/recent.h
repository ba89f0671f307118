#ifndef RECENT_H
#define RECENT_H

/*
 * Recent keys: which idempotency keys the writer has lately recorded or
 * replayed, in memory shared by the writer and the workers. A worker asks
 * it before it reads the key table: a key it has never seen (the first
 * attempt of nearly every operation) goes straight to the writer, which
 * decides anyway, inside its transaction; a key it may have seen (a retry)
 * is looked up and, when recorded, replayed without the writer.
 *
 * It is a hint and nothing depends on it being right. Each key has one
 * slot, found from a hash of scope and key, holding a 32-bit tag of that
 * hash; a newer key in the same slot pushes an older one out. A key
 * pushed out, or recorded before the program started, is then replayed by
 * the writer instead; a tag that matches by chance costs one read.
 */

/*
 * Slots, a power of two: 1 MiB. A key is still there after n newer ones
 * with odds of about e^(-n / RECENT_SLOTS): at 8,000 creates a second,
 * 60% of the last 15 s; at ordinary rates, hours.
 */
#define RECENT_SLOTS	(1u << 18)

struct recent;

/* Shared memory for the hint, empty: made before forking. NULL when out of memory. */
struct recent	*recent_new(void);
void		 recent_free(struct recent *);

/* Notes that the writer recorded, or found, scope and key. */
void		 recent_add(struct recent *, const char *scope, const char *key);

/* 0 when scope and key are surely not noted, 1 when they may be. */
int		 recent_has(const struct recent *, const char *scope, const char *key);

#endif
