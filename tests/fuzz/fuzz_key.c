/* Fuzzes the Idempotency-Key parser: whatever it accepts is a valid key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "idem/idem.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, key[IDEM_KEY_MAX + 1];
	size_t	 i, n;

	if ((s = strndup((const char *)data, size)) == NULL)
		return 0;
	if (idem_key_parse(s, key) == 0) {
		n = strlen(key);
		if (n == 0 || n > IDEM_KEY_MAX)
			__builtin_trap();
		for (i = 0; i < n; i++)
			if (key[i] < 0x21 || key[i] > 0x7e)
				__builtin_trap();
	}
	free(s);
	return 0;
}
