#ifndef WIRE_H
#define WIRE_H

#include <stdint.h>

#include "app/writer.h"

/*
 * The wire between a worker and the writer: one SOCK_SEQPACKET message
 * each way, between processes of the same program. A request is a fixed
 * head and the strings it counts, each followed by a NUL; an answer is a
 * fixed head and the response body.
 */
enum wstr {
	WS_SCOPE,
	WS_KEY,
	WS_METHOD,
	WS_PATH,
	WS_FINGERPRINT,
	WS_RAW_FINGERPRINT,
	WS_IF_MATCH,
	WS_TITLE,
	WS_DESCRIPTION,
	WS__MAX
};

#define NO_STR	UINT32_MAX	/* a NULL string */
#define MSG_MAX	WRITER_MSG_MAX	/* far above the longest request or answer */

struct wreq {
	uint64_t	 seq;
	int64_t		 id;
	int64_t		 now;
	int64_t		 ttl;
	int32_t		 kind;
	int32_t		 out;
	int32_t		 is_completed;
	uint32_t	 set;
	uint32_t	 len[WS__MAX];
};

struct wans {
	uint64_t	 seq;
	int64_t		 key_expires;
	int32_t		 res;
	int32_t		 status;
	int32_t		 retry_after;
	int32_t		 replayed;
	int32_t		 ctype;		/* index in ctypes[], -1 for none */
	char		 location[96];
	char		 etag[48];
};

/* The content types a change answers with. */
static const char *const wire_ctypes[] = {
	CTYPE_JSON_STR, CTYPE_PROBLEM_STR, CTYPE_HTML_STR,
};
#define WIRE_CTYPES	(int)(sizeof(wire_ctypes) / sizeof(wire_ctypes[0]))

#endif
