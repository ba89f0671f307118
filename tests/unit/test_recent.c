/*
 * The recent-keys hint: a key noted is found, in another process too; a
 * key never noted, or noted under another scope, is not; a newer key in
 * the same slot pushes the older one out.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "idem/recent.h"

int
main(void)
{
	struct recent	*r;
	char		 key[32];
	unsigned	 i;
	int		 status;
	pid_t		 pid;

	if ((r = recent_new()) == NULL)
		return 1;
	CHECK_INT(recent_has(r, "", "k1"), 0);
	recent_add(r, "", "k1");
	CHECK_INT(recent_has(r, "", "k1"), 1);
	CHECK_INT(recent_has(r, "", "k2"), 0);
	CHECK_INT(recent_has(r, "scope-a", "k1"), 0);
	/* Scope and key are kept apart: "a" + "bc" is not "ab" + "c". */
	recent_add(r, "a", "bc");
	CHECK_INT(recent_has(r, "a", "bc"), 1);
	CHECK_INT(recent_has(r, "ab", "c"), 0);

	/* Shared: what a child notes, the parent sees. */
	if ((pid = fork()) == 0) {
		recent_add(r, "scope-b", "from-child");
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	CHECK_INT(recent_has(r, "scope-b", "from-child"), 1);

	/* Keys until one takes k1's slot: then it is found and k1 is not. */
	for (i = 0; i < 16 * RECENT_SLOTS && recent_has(r, "", "k1"); i++) {
		snprintf(key, sizeof(key), "other-%u", i);
		recent_add(r, "", key);
	}
	CHECK(i < 16 * RECENT_SLOTS);
	CHECK_INT(recent_has(r, "", "k1"), 0);
	CHECK_INT(recent_has(r, "", key), 1);
	recent_free(r);
	CHECK_DONE();
}
