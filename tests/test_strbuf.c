/*
 * test_strbuf.c - the growing byte buffer of the pattern writers.
 *
 * Appends of every size across the growth steps keep the content and the
 * terminating NUL; an empty append of an empty buffer gives "", not NULL
 * (the writers start their output that way); a buffer marked oom ignores
 * appends.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "strbuf.h"

int main(void)
{
	struct strbuf b = {0};
	char want[5000];
	size_t n = 0;

	strbuf_add(&b, "", 0);
	CHECK(b.p != NULL);
	CHECK_STR(b.p, "");
	for (int i = 0; i < 300; i++) {
		char piece[32];
		size_t len = (size_t)(i % 17);

		memset(piece, 'a' + i % 26, len);
		piece[len] = '\0';
		if (i % 2)
			strbuf_str(&b, piece);
		else
			strbuf_add(&b, piece, len);
		memcpy(want + n, piece, len);
		n += len;
	}
	want[n] = '\0';
	CHECK_INT(b.n, n);
	CHECK(b.cap > b.n);
	CHECK_STR(b.p, want);
	b.oom = 1;
	strbuf_str(&b, "more");
	CHECK_INT(b.n, n);
	CHECK_STR(b.p, want);
	free(b.p);
	return CHECK_DONE();
}
