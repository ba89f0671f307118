#ifndef QUERY_H
#define QUERY_H

/*
 * Reads one number from the database at path with a connection of its own,
 * as an operator would see it: the number, or -1.
 */
#include <sqlite3.h>

static long
query_number(const char *path, const char *sql)
{
	sqlite3		*h;
	sqlite3_stmt	*st = NULL;
	long		 n = -1;

	if (sqlite3_open(path, &h) != SQLITE_OK) {
		sqlite3_close(h);
		return -1;
	}
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

#endif
