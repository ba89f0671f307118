/* Idempotency-Key parsing and request fingerprints. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "idem/idem.h"
#include "lib/clock.h"

static int
parses(const char *raw, const char *want)
{
	char	 key[IDEM_KEY_MAX + 1];

	if (idem_key_parse(raw, key) == -1)
		return want == NULL;
	return want != NULL && strcmp(key, want) == 0;
}

int
main(void)
{
	char	 long_key[IDEM_KEY_MAX + 2], quoted[IDEM_KEY_MAX + 4], a[65], b[65], date[32];

	CHECK(parses("abc", "abc"));
	CHECK(parses("\"abc\"", "abc"));
	CHECK(parses("8e03978e-40d5-43e8-bc93-6894a57f9324", "8e03978e-40d5-43e8-bc93-6894a57f9324"));
	CHECK(parses("\"a\\\"b\"", "a\"b"));
	CHECK(parses("\"a\\\\b\"", "a\\b"));
	CHECK(parses("!~", "!~"));
	CHECK(parses("", NULL));
	CHECK(parses("\"\"", NULL));
	CHECK(parses("a b", NULL));
	CHECK(parses("\"a b\"", NULL));
	CHECK(parses("a\tb", NULL));
	CHECK(parses("a\r\nb", NULL));
	CHECK(parses("\"abc", NULL));
	CHECK(parses("\"abc\"x", NULL));
	CHECK(parses("\"a\\b\"", NULL));
	CHECK(parses("caf\xc3\xa9", NULL));
	CHECK(parses("a\x7f", NULL));
	CHECK(parses(NULL, NULL));

	memset(long_key, 'k', IDEM_KEY_MAX);
	long_key[IDEM_KEY_MAX] = '\0';
	CHECK(parses(long_key, long_key));
	snprintf(quoted, sizeof(quoted), "\"%s\"", long_key);
	CHECK(parses(quoted, long_key));
	long_key[IDEM_KEY_MAX] = 'k';
	long_key[IDEM_KEY_MAX + 1] = '\0';
	CHECK(parses(long_key, NULL));

	/* The fingerprint covers the kind and the canonical body. */
	idem_fingerprint("json", "{\"title\":\"a\"}", 13, a);
	idem_fingerprint("json", "{\"title\":\"a\"}", 13, b);
	CHECK_STR(a, b);
	CHECK_INT(strlen(a), 64);
	idem_fingerprint("form", "{\"title\":\"a\"}", 13, b);
	CHECK(strcmp(a, b) != 0);
	idem_fingerprint("json", "{\"title\":\"b\"}", 13, b);
	CHECK(strcmp(a, b) != 0);
	idem_fingerprint("json", "", 0, a);
	/* SHA-256 of "json\n" */
	CHECK_STR(a, "e6d4186a938579ceed4ed5b2fccd42a32448dcda6b0ddbcfd49fc70177bbe9ae");

	/* The access log's words; an expired key is neither a replay nor a mismatch. */
	CHECK_STR(idem_outcome(IDEM_EXPIRED, 1), "expired");
	CHECK_STR(idem_outcome(IDEM_MISMATCH, 1), "mismatch");
	CHECK_STR(idem_outcome(IDEM_DONE, 1), "created");
	CHECK_STR(idem_outcome(IDEM_DONE, 0), "none");

	/* Idempotency-Key-Expires is an HTTP date (IMF-fixdate, RFC 9110 5.6.7). */
	clock_http_date(784111777, date);
	CHECK_STR(date, "Sun, 06 Nov 1994 08:49:37 GMT");
	clock_http_date(0, date);
	CHECK_STR(date, "Thu, 01 Jan 1970 00:00:00 GMT");
	clock_http_date(1796256000, date);
	CHECK_STR(date, "Thu, 03 Dec 2026 00:00:00 GMT");
	clock_http_date(-5, date);
	CHECK_STR(date, "Thu, 01 Jan 1970 00:00:00 GMT");
	CHECK_DONE();
}
