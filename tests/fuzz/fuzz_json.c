/*
 * Fuzzes the JSON request validator in each mode, and the canonical form:
 * canonicalising a canonical text must give it back unchanged, and the
 * validator's canonical form must be json_canonical's.
 */
#include <stdint.h>
#include <string.h>

#include "app/json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct todo_in	 in;
	struct verr	 err;
	struct buf	 a = { 0 }, b = { 0 }, c = { 0 };
	int		 mode, valid = 0;

	for (mode = MODE_CREATE; mode <= MODE_PATCH; mode++) {
		memset(&in, 0, sizeof(in));
		if (json_todo_parse((const char *)data, size, mode, &in, &err,
		    c.len == 0 ? &c : NULL) == JSON_OK) {
			valid = 1;
			if ((in.set & FIELD_BIT(FIELD_TITLE)) && in.title == NULL)
				__builtin_trap();
		}
		todo_in_clear(&in);
	}
	if (json_canonical((const char *)data, size, &a) == JSON_OK) {
		if (json_canonical(a.data, a.len, &b) != JSON_OK || a.len != b.len ||
		    memcmp(a.data, b.data, a.len) != 0)
			__builtin_trap();
		if (valid && (a.len != c.len || memcmp(a.data, c.data, a.len) != 0))
			__builtin_trap();
	}
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);
	return 0;
}
