#ifndef SQ_H
#define SQ_H

#include <stdint.h>
#include <sys/types.h>

#include <sqlite3.h>

#include "store/store.h"

/*
 * The SQLite engine's own header: only store/sqlite includes it, and only
 * store/sqlite speaks SQLite.
 */

/* The statements, prepared once per handle (stmt.c). */
enum sq_stmt {
	SQ_BEGIN,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_SAVEPOINT,
	SQ_RELEASE,
	SQ_ROLLBACK_TO,
	SQ_HEALTH,
	SQ_TODO_INSERT,
	SQ_TODO_GET,
	SQ_TODO_UPDATE,
	SQ_TODO_DELETE,
	SQ_TODO_LIST,
	SQ_TODO_LIST_BEFORE,
	SQ_TODO_LIST_SHOW,
	SQ_TODO_COUNTS,
	SQ_KEY_CLAIM,
	SQ_KEY_RECORD,
	SQ_KEY_GET,
	SQ_KEY_MOVE,
	SQ_KEY_PURGE,
	SQ_TOMB_PURGE,
	SQ_KEY_NEXT_EXPIRY,
	SQ_KEY_COUNT,
	SQ__MAX
};

struct sq_commits;

struct sq {
	struct store		 base;
	sqlite3			*h;
	sqlite3_stmt		*stmt[SQ__MAX];
	int			 lockfd;	/* the writers' lock file, or -1 */
	int			 locked;
	int			 busy_ms;
	enum store_sync		 sync;
	struct sq_commits	*commits;	/* mapped from the lock file, or NULL */
	uint32_t		 pid;		/* this process, as named in commits */
	int64_t			 horizon;	/* seconds a key is remembered (store_conf) */
	int64_t			 purge_after;	/* no key or tombstone seen to expire before this */
	int			 purged;	/* this transaction purged: a rollback undoes it */
	int			 undo_failed;	/* a savepoint could not be undone: no commit */
	int			 fault;		/* the first fault of the file seen (sq_map), or 0 */
	char			*path;
	dev_t			 dev;		/* the file opened, to tell it was replaced or removed */
	ino_t			 ino;
};

#define SQ(s)	((struct sq *)(void *)(s))

/* schema.c: runs the migrations not yet applied. 0, or -1 with a message. */
int		 sq_migrate(sqlite3 *);
/* The schema version this program migrates to, and the one a file has (-1: unreadable). */
int		 sq_schema_current(void);
int		 sq_schema_version(sqlite3 *);

/* stmt.c */
int		 sq_prepare(struct sq *);
void		 sq_finalize(struct sq *);
enum store_res	 sq_map(struct sq *, int rc);
enum store_res	 sq_fail(struct sq *, int rc);
enum store_res	 sq_exec(struct sq *, enum sq_stmt);
void		 sq_done(sqlite3_stmt *);
int		 sq_bind_text(sqlite3_stmt *, int, const char *);
char		*sq_col_dup(sqlite3_stmt *, int);
void		 sq_col_copy(sqlite3_stmt *, int, char *out, size_t cap);

/* group.c: the writers' lock file and group commit across processes. */
void		 sq_group_open(struct sq *, const char *path);
void		 sq_group_close(struct sq *);
int		 sq_lock(struct sq *);
void		 sq_unlock(struct sq *);
uint64_t	 sq_commit_start(struct sq *);
void		 sq_commit_end(struct sq *, uint64_t seq);
enum store_res	 sq_sync_upto(struct sq *, uint64_t seq);
enum store_res	 sq_durable(struct store *);

/* todo.c */
enum store_res	 sq_todo_insert(struct store *, const struct todo_in *, const char *now,
		    int64_t *id, char stamp[32]);
enum store_res	 sq_todo_get(struct store *, int64_t id, struct todo *);
enum store_res	 sq_todo_update(struct store *, const struct todo *, const char *now);
enum store_res	 sq_todo_delete(struct store *, int64_t id);
enum store_res	 sq_todo_list(struct store *, int64_t before, enum todo_show,
		    unsigned limit, struct todo **items, size_t *n);
enum store_res	 sq_todo_counts(struct store *, int64_t *open, int64_t *done);

/* key.c */
enum store_res	 sq_key_claim(struct store *, const struct store_claim *, int64_t *expires_at);
enum store_res	 sq_key_record(struct store *, const char *scope, const char *key,
		    int64_t todo_id, int status, const char *headers, const void *body,
		    size_t len);
enum store_res	 sq_key_get(struct store *, const char *scope, const char *key,
		    int64_t now, struct store_key *);
enum store_res	 sq_key_purge(struct store *, int64_t now, int limit);
enum store_res	 sq_key_count(struct store *, int64_t now, int64_t cap,
		    struct store_key_counts *);

#endif
