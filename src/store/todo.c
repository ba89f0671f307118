#include <stdlib.h>

#include "store/todo.h"

void
todo_clear(struct todo *t)
{
	if (t == NULL)
		return;
	free(t->title);
	free(t->description);
	t->title = t->description = NULL;
}

void
todo_in_clear(struct todo_in *in)
{
	if (in == NULL)
		return;
	free(in->title);
	free(in->description);
	in->title = in->description = NULL;
	in->set = 0;
}
