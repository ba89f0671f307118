/* Fuzzes the form decoder and its canonical form. */
#include <stdint.h>
#include <string.h>

#include "app/form.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form	 f;
	struct buf	 b = { 0 };
	size_t		 i;

	if (form_parse((const char *)data, size, &f) == FORM_OK) {
		for (i = 0; i < f.n; i++)
			if (form_get(&f, f.fields[i].name) == NULL ||
			    strlen(f.fields[i].value) != f.fields[i].vlen)
				__builtin_trap();
		form_canonical(&f, "idempotency_key", &b);
	}
	form_free(&f);
	buf_free(&b);
	return 0;
}
