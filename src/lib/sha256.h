#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 (FIPS 180-4), used for request fingerprints. */

struct sha256 {
	uint32_t	h[8];
	uint64_t	len;
	unsigned char	block[64];
	size_t		used;
};

void	sha256_init(struct sha256 *);
void	sha256_update(struct sha256 *, const void *, size_t);
void	sha256_final(struct sha256 *, unsigned char out[32]);

/* Writes the 64 lowercase hex digits of the digest of p[0..n) and a NUL. */
void	sha256_hex(const void *p, size_t n, char out[65]);

#endif
