#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "clock.h"
#include "db.h"

/* Numbered schema steps; PRAGMA user_version records how many have run. */
static const char *const migrations[] = {
	/* 1: todos, and the key-mapping table from each idempotency key to its result. */
	"CREATE TABLE todos ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"	/* never reused: replays may name deleted ids */
	" title TEXT NOT NULL,"
	" description TEXT,"
	" is_completed INTEGER NOT NULL DEFAULT 0 CHECK (is_completed IN (0, 1)),"
	" version INTEGER NOT NULL DEFAULT 1,"
	" created_at TEXT NOT NULL,"
	" updated_at TEXT NOT NULL);"
	"CREATE TABLE idempotency_keys ("
	" key TEXT PRIMARY KEY,"
	" method TEXT NOT NULL,"
	" path TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL,"
	" todo_id INTEGER,"
	" status INTEGER NOT NULL,"
	" headers TEXT NOT NULL DEFAULT '',"
	" body BLOB NOT NULL DEFAULT x'',"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL);"
	"CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);",
	/* 2: keys belong to a client (scope): the same key from two clients is two keys. */
	"CREATE TABLE idempotency_keys_2 ("
	" scope TEXT NOT NULL DEFAULT '',"
	" key TEXT NOT NULL,"
	" method TEXT NOT NULL,"
	" path TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL,"
	" todo_id INTEGER,"
	" status INTEGER NOT NULL,"
	" headers TEXT NOT NULL DEFAULT '',"
	" body BLOB NOT NULL DEFAULT x'',"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL,"
	" PRIMARY KEY (scope, key));"
	"INSERT INTO idempotency_keys_2 (key, method, path, fingerprint, todo_id, status,"
	" headers, body, created_at, expires_at) SELECT key, method, path, fingerprint,"
	" todo_id, status, headers, body, created_at, expires_at FROM idempotency_keys;"
	"DROP TABLE idempotency_keys;"
	"ALTER TABLE idempotency_keys_2 RENAME TO idempotency_keys;"
	"CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);",
	/* 3: a retry that resends the very bytes is known without parsing them. */
	"ALTER TABLE idempotency_keys ADD COLUMN raw_fingerprint TEXT;",
};

#define MIGRATIONS	(int)(sizeof(migrations) / sizeof(migrations[0]))

enum stmt {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_SAVEPOINT,
	STMT_RELEASE,
	STMT_ROLLBACK_TO,
	STMT_HEALTH,
	STMT_TODO_INSERT,
	STMT_TODO_GET,
	STMT_TODO_UPDATE,
	STMT_TODO_DELETE,
	STMT_TODO_LIST,
	STMT_TODO_LIST_BEFORE,
	STMT_KEY_EXPIRY,
	STMT_KEY_EXPIRE,
	STMT_KEY_CLAIM,
	STMT_KEY_GET,
	STMT_KEY_PURGE,
	STMT_KEY_NEXT_EXPIRY,
	STMT__MAX
};

#define TODO_COLS	"id, title, description, is_completed, version, created_at, updated_at"

static const char *const stmts[STMT__MAX] = {
	/* STMT_BEGIN: take the write lock now, so the operation cannot deadlock later */
	"BEGIN IMMEDIATE",
	/* STMT_COMMIT */
	"COMMIT",
	/* STMT_ROLLBACK */
	"ROLLBACK",
	/* STMT_SAVEPOINT: one operation inside a transaction that holds several */
	"SAVEPOINT op",
	/* STMT_RELEASE */
	"RELEASE op",
	/* STMT_ROLLBACK_TO: undoes the operation; RELEASE then drops the savepoint */
	"ROLLBACK TO op",
	/* STMT_HEALTH */
	"SELECT count(*) FROM sqlite_schema",
	/* STMT_TODO_INSERT */
	"INSERT INTO todos (title, description, is_completed, created_at, updated_at)"
	" VALUES (?1, ?2, ?3, ?4, ?4)",
	/* STMT_TODO_GET */
	"SELECT " TODO_COLS " FROM todos WHERE id = ?1",
	/* STMT_TODO_UPDATE */
	"UPDATE todos SET title = ?2, description = ?3, is_completed = ?4,"
	" version = version + 1, updated_at = ?5 WHERE id = ?1",
	/* STMT_TODO_DELETE */
	"DELETE FROM todos WHERE id = ?1",
	/* STMT_TODO_LIST: newest first, by the primary key */
	"SELECT " TODO_COLS " FROM todos ORDER BY id DESC LIMIT ?1",
	/* STMT_TODO_LIST_BEFORE: the next page of a keyset pagination */
	"SELECT " TODO_COLS " FROM todos WHERE id < ?2 ORDER BY id DESC LIMIT ?1",
	/* STMT_KEY_EXPIRY */
	"SELECT expires_at FROM idempotency_keys WHERE scope = ?2 AND key = ?1",
	/* STMT_KEY_EXPIRE: an expired key counts as new */
	"DELETE FROM idempotency_keys WHERE scope = ?3 AND key = ?1 AND expires_at <= ?2",
	/* STMT_KEY_CLAIM: the whole record at once; the UNIQUE key still guards it */
	"INSERT INTO idempotency_keys (scope, key, method, path, fingerprint, todo_id, status,"
	" headers, body, created_at, expires_at, raw_fingerprint) VALUES (?1, ?2, ?3, ?4, ?5,"
	" ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	/* STMT_KEY_GET */
	"SELECT method, path, fingerprint, status, headers, body, expires_at, raw_fingerprint"
	" FROM idempotency_keys WHERE scope = ?2 AND key = ?1",
	/* STMT_KEY_PURGE: bounded, so each write pays a small and fixed share */
	"DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys"
	" WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)",
	/* STMT_KEY_NEXT_EXPIRY: by the expires_at index */
	"SELECT min(expires_at) FROM idempotency_keys",
};

struct db {
	sqlite3		*h;
	sqlite3_stmt	*stmt[STMT__MAX];
	int		 lockfd;	/* the writers' lock file, or -1 */
	int		 locked;
	int		 busy_ms;
	enum db_sync	 sync;
	struct commits	*commits;	/* mapped from the lock file, or NULL */
	uint32_t	 pid;		/* this process, as named in commits->syncer */
	int64_t		 purge_after;	/* no key seen to expire before this */
	int		 undo_failed;	/* a savepoint could not be undone: no commit */
};

/*
 * Group commit's bookkeeping, shared by every process through the writers'
 * lock file. Only the holder of the lock moves started and written; synced
 * is raised by whoever syncs. Atomic, so read without the lock. One
 * process at a time syncs (syncer); the others wait for its sync to end,
 * then the next one syncs for every commit written meanwhile.
 */
struct commits {
	uint64_t	 started;	/* COMMITs begun */
	uint64_t	 written;	/* COMMITs ended: their frames are in the log */
	uint64_t	 synced;	/* a sync is known to cover this many */
	uint32_t	 syncer;	/* the pid syncing now, or 0 (a futex word) */
};

/* Maps the counters; NULL (every commit then syncs by itself) when it cannot. */
static struct commits *
commits_map(int fd)
{
	struct stat	 st;
	void		*p;

	if (fstat(fd, &st) == -1 ||
	    (st.st_size < (off_t)sizeof(struct commits) &&
	    ftruncate(fd, sizeof(struct commits)) == -1))
		return NULL;
	p = mmap(NULL, sizeof(struct commits), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/*
 * Writers queue on a lock file before BEGIN IMMEDIATE. The kernel wakes the
 * next writer the moment the lock is free, where SQLite's busy handler
 * would sleep and poll. Waits at most the busy timeout: 0, or -1.
 */
static int
writer_lock(struct db *db)
{
	struct sigaction	 sa, old;
	struct itimerval	 it;
	int			 rc;

	if (db->lockfd == -1 || flock(db->lockfd, LOCK_EX | LOCK_NB) == 0)
		goto locked;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = db->busy_ms / 1000;
	it.it_value.tv_usec = (db->busy_ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
	do
		rc = flock(db->lockfd, LOCK_EX);
	while (rc == -1 && errno == EINTR && getitimer(ITIMER_REAL, &it) == 0 &&
	    (it.it_value.tv_sec != 0 || it.it_value.tv_usec != 0));
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	sigaction(SIGALRM, &old, NULL);
	if (rc == -1)
		return -1;
locked:
	db->locked = 1;
	return 0;
}

static void
writer_unlock(struct db *db)
{
	if (db->locked && db->lockfd != -1)
		flock(db->lockfd, LOCK_UN);
	db->locked = 0;
}

const char *
db_errmsg(struct db *db)
{
	return sqlite3_errmsg(db->h);
}

/* Runs the migrations not yet applied, each in its own transaction. */
static int
db_migrate(sqlite3 *h)
{
	sqlite3_stmt	*st = NULL;
	char		 sql[64];
	int		 version, i;

	if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto fail;
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (version > MIGRATIONS) {
		fprintf(stderr, "database schema version %d is newer than this program (%d)\n",
		    version, MIGRATIONS);
		goto fail;
	}
	for (i = version; i < MIGRATIONS; i++) {
		if (sqlite3_exec(h, migrations[i], NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", i + 1);
		if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
	}
	if (sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "schema migration failed: %s\n", sqlite3_errmsg(h));
	sqlite3_finalize(st);
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

struct db *
db_open(const char *path, int busy_ms, enum db_sync sync)
{
	static const char *const pragma[] = {
		[DB_SYNC_FULL] = "PRAGMA synchronous = FULL;",
		[DB_SYNC_GROUP] = "PRAGMA synchronous = NORMAL;",
		[DB_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL;",
	};
	struct db	*db;
	char		 lock[4096];
	int		 i;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	db->busy_ms = busy_ms;
	db->sync = sync;
	db->pid = (uint32_t)getpid();
	snprintf(lock, sizeof(lock), "%s-writer", path);
	db->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (db->lockfd != -1 && sync == DB_SYNC_GROUP)
		db->commits = commits_map(db->lockfd);
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", path, db->h ? sqlite3_errmsg(db->h) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(db->h, busy_ms);
	sqlite3_extended_result_codes(db->h, 1);
	/* WAL lets readers go on while one writer commits. */
	if (sqlite3_exec(db->h, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db->h, pragma[sync], NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", path, sqlite3_errmsg(db->h));
		goto fail;
	}
	if (db_migrate(db->h) == -1)
		goto fail;
	for (i = 0; i < STMT__MAX; i++)
		if (sqlite3_prepare_v3(db->h, stmts[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &db->stmt[i], NULL) != SQLITE_OK) {
			fprintf(stderr, "statement %d: %s\n", i, sqlite3_errmsg(db->h));
			goto fail;
		}
	return db;
fail:
	db_close(db);
	return NULL;
}

void
db_close(struct db *db)
{
	int	 i;

	if (db == NULL)
		return;
	for (i = 0; i < STMT__MAX; i++)
		sqlite3_finalize(db->stmt[i]);
	sqlite3_close(db->h);
	if (db->commits != NULL)
		munmap(db->commits, sizeof(*db->commits));
	if (db->lockfd != -1)
		close(db->lockfd);
	free(db);
}

/* Maps a step result: a busy lock is reported apart from real errors. */
static enum db_res
db_map(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return DB_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_BUSY;
	case SQLITE_CONSTRAINT:
		return DB_EXISTS;
	default:
		return DB_ERROR;
	}
}

/* Steps a statement that returns no rows, then resets it. */
static enum db_res
db_exec(struct db *db, enum stmt s)
{
	sqlite3_stmt	*st = db->stmt[s];
	int		 rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? DB_OK : db_map(rc);
}

enum db_res
db_begin(struct db *db)
{
	enum db_res	 rc;

	if (writer_lock(db) == -1)
		return DB_BUSY;
	db->undo_failed = 0;
	if ((rc = db_exec(db, STMT_BEGIN)) != DB_OK)
		writer_unlock(db);
	return rc;
}

/* Syncs the write-ahead log through this connection's own handle on it. */
static enum db_res
log_sync(struct db *db)
{
	sqlite3_file	*f = NULL;

	if (sqlite3_file_control(db->h, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f) != SQLITE_OK ||
	    f == NULL || f->pMethods == NULL)
		return DB_OK;	/* no log open yet: nothing was written through it */
	if (f->pMethods->xSync(f, SQLITE_SYNC_NORMAL) != SQLITE_OK) {
		fprintf(stderr, "syncing the write-ahead log failed\n");
		return DB_ERROR;
	}
	return DB_OK;
}

/* How long one process may hold the syncer word before others take over. */
#define SYNC_HOLD_MS	1000

/* Waits (at most 10 ms) while the shared word *w still holds v. */
static void
futex_wait(uint32_t *w, uint32_t v)
{
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };

	syscall(SYS_futex, w, FUTEX_WAIT, v, &ts, NULL, 0);
}

static void
futex_wake(uint32_t *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/*
 * Syncs the write-ahead log, unless a sync that began after commit number
 * seq was written has already ended. A sync flushes every commit written
 * before it began, whoever wrote it, so one process syncs at a time and
 * the others wait for it: commits written during a sync share the next.
 * A syncer that died mid-sync is taken over. SQLite syncs the log before
 * each checkpoint and the database after, so a commit that has left the
 * log is on disk already.
 */
static enum db_res
sync_upto(struct db *db, uint64_t seq)
{
	struct commits	*c = db->commits;
	uint64_t	 target, done;
	uint32_t	 who, last = 0;
	enum db_res	 rc;
	int64_t		 since = 0;

	if (c == NULL)
		return log_sync(db);
	for (;;) {
		if (__atomic_load_n(&c->synced, __ATOMIC_ACQUIRE) >= seq)
			return DB_OK;
		who = 0;
		if (__atomic_compare_exchange_n(&c->syncer, &who, db->pid, 0,
		    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
		if (who != last) {
			last = who;
			since = clock_mono_ms();
		}
		/*
		 * Its syncer died, or has held the word for a second (its pid
		 * reused?): take over. Two syncs at once are only wasted work.
		 */
		if ((clock_mono_ms() - since >= SYNC_HOLD_MS ||
		    (kill((pid_t)who, 0) == -1 && errno == ESRCH)) &&
		    __atomic_compare_exchange_n(&c->syncer, &who, db->pid, 0,
		    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
		futex_wait(&c->syncer, who);
	}
	target = __atomic_load_n(&c->written, __ATOMIC_ACQUIRE);
	if ((rc = log_sync(db)) == DB_OK) {
		done = __atomic_load_n(&c->synced, __ATOMIC_ACQUIRE);
		while (done < target && !__atomic_compare_exchange_n(&c->synced,
		    &done, target, 0, __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
			;
	}
	__atomic_store_n(&c->syncer, 0, __ATOMIC_RELEASE);
	futex_wake(&c->syncer);
	return rc;
}

/*
 * Under GROUP the commit is written while the write lock is held and synced
 * after it is freed, so the next writer commits while this one waits on the
 * disk, and one sync answers for all the commits written meanwhile. A
 * failed sync leaves the commit in place but not known to be durable: an
 * error, and a retry replays the record once a sync succeeds.
 */
enum db_res
db_commit(struct db *db)
{
	struct commits	*c = db->sync == DB_SYNC_GROUP ? db->commits : NULL;
	enum db_res	 rc;
	uint64_t	 seq = UINT64_MAX;

	if (c != NULL) {
		/* A writer that died inside its COMMIT left started ahead: settle it. */
		seq = __atomic_load_n(&c->started, __ATOMIC_ACQUIRE) + 1;
		__atomic_store_n(&c->written, seq - 1, __ATOMIC_RELEASE);
		__atomic_store_n(&c->started, seq, __ATOMIC_RELEASE);
	}
	if (db->undo_failed) {
		db_exec(db, STMT_ROLLBACK);
		rc = DB_ERROR;
	} else if ((rc = db_exec(db, STMT_COMMIT)) != DB_OK)
		db_rollback(db);
	if (c != NULL)
		__atomic_store_n(&c->written, seq, __ATOMIC_RELEASE);
	writer_unlock(db);
	if (rc == DB_OK && db->sync == DB_SYNC_GROUP)
		rc = sync_upto(db, seq);
	return rc;
}

enum db_res
db_savepoint(struct db *db)
{
	return db_exec(db, STMT_SAVEPOINT);
}

enum db_res
db_release(struct db *db)
{
	return db_exec(db, STMT_RELEASE);
}

void
db_rollback_to(struct db *db)
{
	if (db_exec(db, STMT_ROLLBACK_TO) != DB_OK || db_exec(db, STMT_RELEASE) != DB_OK) {
		/* What it did could stay in the transaction: it must not commit. */
		fprintf(stderr, "undoing an operation failed: %s\n", db_errmsg(db));
		db->undo_failed = 1;
	}
}

void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		db_exec(db, STMT_ROLLBACK);
	writer_unlock(db);
}

/*
 * What a reader sees may be another worker's commit whose sync has not ended.
 * Nothing to do when every ended COMMIT is synced and none is under way.
 */
enum db_res
db_durable(struct db *db)
{
	struct commits	*c = db->commits;
	uint64_t	 w;

	if (db->sync != DB_SYNC_GROUP)
		return DB_OK;
	if (c == NULL)
		return sync_upto(db, UINT64_MAX);
	w = __atomic_load_n(&c->written, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&c->started, __ATOMIC_ACQUIRE) != w)
		w = UINT64_MAX;
	return sync_upto(db, w);
}

enum db_res
db_health(struct db *db)
{
	sqlite3_stmt	*st = db->stmt[STMT_HEALTH];
	int		 rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DB_OK : db_map(rc) == DB_OK ? DB_ERROR : db_map(rc);
}

static int
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

enum db_res
db_todo_insert(struct db *db, const struct todo_in *in, const char *now, int64_t *id)
{
	sqlite3_stmt	*st = db->stmt[STMT_TODO_INSERT];
	enum db_res	 rc;

	if (bind_text(st, 1, in->title) != SQLITE_OK ||
	    bind_text(st, 2, in->description) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, in->is_completed ? 1 : 0) != SQLITE_OK ||
	    bind_text(st, 4, now) != SQLITE_OK) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return DB_ERROR;
	}
	if ((rc = db_exec(db, STMT_TODO_INSERT)) == DB_OK)
		*id = sqlite3_last_insert_rowid(db->h);
	return rc;
}

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char	*s;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	s = sqlite3_column_text(st, i);
	return strdup(s != NULL ? (const char *)s : "");
}

/* Copies the text of column i into out (cap bytes), cut to fit. */
static void
col_copy(sqlite3_stmt *st, int i, char *out, size_t cap)
{
	const unsigned char	*s = sqlite3_column_text(st, i);
	size_t			 n = 0;

	if (s != NULL && (n = (size_t)sqlite3_column_bytes(st, i)) >= cap)
		n = cap - 1;
	if (n > 0)
		memcpy(out, s, n);
	out[n] = '\0';
}

/* Fills t from the current row of a TODO_COLS statement: 0, or -1 when out of memory. */
static int
todo_row(sqlite3_stmt *st, struct todo *t)
{
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	if ((t->title = col_dup(st, 1)) == NULL)
		return -1;
	if (sqlite3_column_type(st, 2) != SQLITE_NULL && (t->description = col_dup(st, 2)) == NULL)
		return -1;
	t->is_completed = sqlite3_column_int(st, 3) != 0;
	t->version = sqlite3_column_int64(st, 4);
	col_copy(st, 5, t->created_at, sizeof(t->created_at));
	col_copy(st, 6, t->updated_at, sizeof(t->updated_at));
	return 0;
}

enum db_res
db_todo_get(struct db *db, int64_t id, struct todo *t)
{
	sqlite3_stmt	*st = db->stmt[STMT_TODO_GET];
	enum db_res	 res;
	int		 rc;

	memset(t, 0, sizeof(*t));
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		res = todo_row(st, t) == 0 ? DB_OK : DB_ERROR;
	else if (rc == SQLITE_DONE)
		res = DB_NOTFOUND;
	else
		res = db_map(rc) == DB_OK ? DB_ERROR : db_map(rc);
	if (res == DB_ERROR)
		todo_clear(t);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return res;
}

enum db_res
db_todo_update(struct db *db, const struct todo *t, const char *now)
{
	sqlite3_stmt	*st = db->stmt[STMT_TODO_UPDATE];

	sqlite3_bind_int64(st, 1, t->id);
	bind_text(st, 2, t->title);
	bind_text(st, 3, t->description);
	sqlite3_bind_int(st, 4, t->is_completed ? 1 : 0);
	bind_text(st, 5, now);
	return db_exec(db, STMT_TODO_UPDATE);
}

enum db_res
db_todo_delete(struct db *db, int64_t id)
{
	sqlite3_bind_int64(db->stmt[STMT_TODO_DELETE], 1, id);
	return db_exec(db, STMT_TODO_DELETE);
}

enum db_res
db_todo_list(struct db *db, int64_t before, unsigned limit, struct todo **items, size_t *n)
{
	sqlite3_stmt	*st;
	struct todo	*v = NULL;
	enum db_res	 res = DB_OK;
	size_t		 i;
	int		 rc;

	*items = NULL;
	*n = 0;
	st = db->stmt[before > 0 ? STMT_TODO_LIST_BEFORE : STMT_TODO_LIST];
	if ((v = calloc(limit > 0 ? limit : 1, sizeof(*v))) == NULL)
		return DB_ERROR;
	sqlite3_bind_int(st, 1, (int)limit);
	if (before > 0)
		sqlite3_bind_int64(st, 2, before);
	for (i = 0; i < limit && (rc = sqlite3_step(st)) == SQLITE_ROW; i++)
		if (todo_row(st, &v[i]) == -1) {
			todo_clear(&v[i]);
			res = DB_ERROR;
			break;
		}
	if (res == DB_OK && i < limit && rc != SQLITE_DONE)
		res = db_map(rc) == DB_OK ? DB_ERROR : db_map(rc);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (res != DB_OK) {
		while (i > 0)
			todo_clear(&v[--i]);
		free(v);
		return res;
	}
	*items = v;
	*n = i;
	return DB_OK;
}

/* Inserts a claim row: DB_OK, DB_EXISTS when the key has a row, or an error. */
enum db_res
db_key_claim(struct db *db, const char *scope, const char *key, int64_t now)
{
	sqlite3_stmt	*st = db->stmt[STMT_KEY_EXPIRY];
	int64_t		 expires;
	int		 rc;

	bind_text(st, 1, key);
	bind_text(st, 2, scope);
	rc = sqlite3_step(st);
	expires = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE)
		return DB_OK;
	if (rc != SQLITE_ROW)
		return db_map(rc) == DB_OK ? DB_ERROR : db_map(rc);
	if (expires > now)
		return DB_EXISTS;
	/* The key has a row, expired: it counts as new. */
	st = db->stmt[STMT_KEY_EXPIRE];
	bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, now);
	bind_text(st, 3, scope);
	return db_exec(db, STMT_KEY_EXPIRE);
}

enum db_res
db_key_get(struct db *db, const char *scope, const char *key, struct db_key *k)
{
	sqlite3_stmt	*st = db->stmt[STMT_KEY_GET];
	enum db_res	 res = DB_OK;
	const void	*blob;
	int		 rc;

	memset(k, 0, sizeof(*k));
	bind_text(st, 1, key);
	bind_text(st, 2, scope);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		k->status = sqlite3_column_int(st, 3);
		k->expires_at = sqlite3_column_int64(st, 6);
		if ((k->method = col_dup(st, 0)) == NULL ||
		    (k->path = col_dup(st, 1)) == NULL ||
		    (k->fingerprint = col_dup(st, 2)) == NULL ||
		    (k->headers = col_dup(st, 4)) == NULL ||
		    (sqlite3_column_type(st, 7) != SQLITE_NULL &&
		    (k->raw_fingerprint = col_dup(st, 7)) == NULL))
			res = DB_ERROR;
		blob = sqlite3_column_blob(st, 5);
		if (res == DB_OK && buf_append(&k->body, blob != NULL ? blob : "",
		    (size_t)sqlite3_column_bytes(st, 5)) == -1)
			res = DB_ERROR;
	} else if (rc == SQLITE_DONE)
		res = DB_NOTFOUND;
	else
		res = db_map(rc) == DB_OK ? DB_ERROR : db_map(rc);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (res != DB_OK)
		db_key_clear(k);
	return res;
}

enum db_res
db_key_record(struct db *db, const char *scope, const char *key, const char *method,
    const char *path, const char *fingerprint, const char *raw_fingerprint,
    int64_t todo_id, int status, const char *headers, const void *body, size_t len,
    int64_t now, int64_t expires)
{
	sqlite3_stmt	*st = db->stmt[STMT_KEY_CLAIM];

	bind_text(st, 1, scope);
	bind_text(st, 2, key);
	bind_text(st, 3, method);
	bind_text(st, 4, path);
	bind_text(st, 5, fingerprint);
	if (todo_id > 0)
		sqlite3_bind_int64(st, 6, todo_id);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_int(st, 7, status);
	bind_text(st, 8, headers);
	sqlite3_bind_blob(st, 9, len > 0 ? body : "", (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, now);
	sqlite3_bind_int64(st, 11, expires);
	bind_text(st, 12, raw_fingerprint);
	return db_exec(db, STMT_KEY_CLAIM);
}

enum db_res
db_key_purge(struct db *db, int64_t now, int limit)
{
	sqlite3_stmt	*st = db->stmt[STMT_KEY_PURGE];
	enum db_res	 rc;
	int		 step;

	if (now < db->purge_after)
		return DB_OK;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, limit);
	if ((rc = db_exec(db, STMT_KEY_PURGE)) != DB_OK)
		return rc;
	if (sqlite3_changes(db->h) >= limit)
		return DB_OK;	/* more may be due: purge again on the next write */
	/* All due rows are gone: nothing to do until the next one expires. */
	st = db->stmt[STMT_KEY_NEXT_EXPIRY];
	step = sqlite3_step(st);
	if (step == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		db->purge_after = sqlite3_column_int64(st, 0);
	else if (step == SQLITE_ROW || step == SQLITE_DONE)
		db->purge_after = now + 1;
	else
		rc = db_map(step) == DB_OK ? DB_ERROR : db_map(step);
	sqlite3_reset(st);
	return rc;
}

void
db_key_clear(struct db_key *k)
{
	free(k->method);
	free(k->path);
	free(k->fingerprint);
	free(k->headers);
	free(k->raw_fingerprint);
	buf_free(&k->body);
	memset(k, 0, sizeof(*k));
}
