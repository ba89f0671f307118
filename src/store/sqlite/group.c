/*
 * SQLite's cross-process group commit: the writers' lock file, which
 * queues writers before BEGIN IMMEDIATE and holds the commit counters
 * that let one sync of the write-ahead log serve many commits.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/metrics.h"
#include "store/sqlite/sq.h"

/*
 * Group commit's bookkeeping, shared by every process through the writers'
 * lock file. Only the holder of the lock moves started and written; synced
 * is raised by whoever syncs. Atomic, so read without the lock. One
 * process at a time syncs (syncer); the others wait for its sync to end,
 * then the next one syncs for every commit written meanwhile.
 */
struct sq_commits {
	uint64_t	 started;	/* COMMITs begun */
	uint64_t	 written;	/* COMMITs ended: their frames are in the log */
	uint64_t	 synced;	/* a sync is known to cover this many */
	uint32_t	 syncer;	/* the pid syncing now, or 0 (a futex word) */
};

/* Maps the counters; NULL (every commit then syncs by itself) when it cannot. */
static struct sq_commits *
commits_map(int fd)
{
	struct stat	 st;
	void		*p;

	if (fstat(fd, &st) == -1 ||
	    (st.st_size < (off_t)sizeof(struct sq_commits) &&
	    ftruncate(fd, sizeof(struct sq_commits)) == -1))
		return NULL;
	p = mmap(NULL, sizeof(struct sq_commits), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

void
sq_group_open(struct sq *db, const char *path)
{
	char	 lock[4096];

	db->pid = (uint32_t)getpid();
	snprintf(lock, sizeof(lock), "%s-writer", path);
	db->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (db->lockfd != -1 && db->sync == STORE_SYNC_GROUP)
		db->commits = commits_map(db->lockfd);
}

void
sq_group_close(struct sq *db)
{
	if (db->commits != NULL)
		munmap(db->commits, sizeof(*db->commits));
	if (db->lockfd != -1)
		close(db->lockfd);
	db->commits = NULL;
	db->lockfd = -1;
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
int
sq_lock(struct sq *db)
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

void
sq_unlock(struct sq *db)
{
	if (db->locked && db->lockfd != -1)
		flock(db->lockfd, LOCK_UN);
	db->locked = 0;
}

/* Syncs the write-ahead log through this connection's own handle on it. */
static enum store_res
log_sync(struct sq *db)
{
	sqlite3_file	*f = NULL;
	int64_t		 t;
	int		 rc;

	if (sqlite3_file_control(db->h, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f) != SQLITE_OK ||
	    f == NULL || f->pMethods == NULL)
		return STORE_OK;	/* no log open yet: nothing was written through it */
	t = clock_mono_us();
	rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
	if (metrics != NULL)
		metrics_observe(&metrics->sync, &metrics_seconds, (uint64_t)(clock_mono_us() - t));
	if (rc != SQLITE_OK) {
		fprintf(stderr, "syncing the write-ahead log failed\n");
		return STORE_ERROR;
	}
	return STORE_OK;
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
 * Under GROUP, numbers the COMMIT about to run (UINT64_MAX otherwise). A
 * writer that died inside its COMMIT left started ahead: settled here.
 */
uint64_t
sq_commit_start(struct sq *db)
{
	struct sq_commits	*c = db->sync == STORE_SYNC_GROUP ? db->commits : NULL;
	uint64_t		 seq;

	if (c == NULL)
		return UINT64_MAX;
	seq = __atomic_load_n(&c->started, __ATOMIC_ACQUIRE) + 1;
	__atomic_store_n(&c->written, seq - 1, __ATOMIC_RELEASE);
	__atomic_store_n(&c->started, seq, __ATOMIC_RELEASE);
	return seq;
}

/* The COMMIT numbered seq has ended: its frames are in the log. */
void
sq_commit_end(struct sq *db, uint64_t seq)
{
	if (db->sync == STORE_SYNC_GROUP && db->commits != NULL)
		__atomic_store_n(&db->commits->written, seq, __ATOMIC_RELEASE);
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
enum store_res
sq_sync_upto(struct sq *db, uint64_t seq)
{
	struct sq_commits	*c = db->commits;
	uint64_t		 target, done;
	uint32_t		 who, last = 0;
	enum store_res		 rc;
	int64_t			 since = 0;

	if (c == NULL)
		return log_sync(db);
	for (;;) {
		if (__atomic_load_n(&c->synced, __ATOMIC_ACQUIRE) >= seq)
			return STORE_OK;
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
	if ((rc = log_sync(db)) == STORE_OK) {
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
 * What a reader sees may be another worker's commit whose sync has not ended.
 * Nothing to do when every ended COMMIT is synced and none is under way.
 */
enum store_res
sq_durable(struct store *s)
{
	struct sq		*db = SQ(s);
	struct sq_commits	*c = db->commits;
	uint64_t		 w;

	if (db->sync != STORE_SYNC_GROUP)
		return STORE_OK;
	if (c == NULL)
		return sq_sync_upto(db, UINT64_MAX);
	w = __atomic_load_n(&c->written, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&c->started, __ATOMIC_ACQUIRE) != w)
		w = UINT64_MAX;
	return sq_sync_upto(db, w);
}
