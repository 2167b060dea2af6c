/*
 * fuzz_article_json.c - libFuzzer target: the JSON article decoder.
 *
 * Each input is one Kafka message value or one JSONL line: arbitrary bytes,
 * not NUL-terminated. article_decode_json() must either accept it or reject
 * it with a known error and a message, never read past len or crash. An
 * accepted article must satisfy the contract the extractor relies on: an id
 * and a body that are NUL-terminated, valid UTF-8 and within the limit.
 * Single-threaded; one arena reused across inputs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "article.h"
#include "limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct arena fz_arena;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct article a;
	char errstr[256];
	int rc;

	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	if (size)
		memcpy(buf, data, size);
	arena_reset(&fz_arena);
	errstr[0] = '\0';
	rc = article_decode_json(buf, size, 0, &fz_arena, &a, errstr,
				 sizeof(errstr));
	if (rc == ARTICLE_OK) {
		if (a.id == NULL || a.body == NULL ||
		    strlen(a.body) != a.body_len ||
		    a.body_len > EVX_MAX_ARTICLE_BYTES ||
		    article_utf8_check(a.id, strlen(a.id)) != -1 ||
		    article_utf8_check(a.body, a.body_len) != -1)
			abort();
	} else if (rc > 0 || strcmp(article_reason(rc), "unknown") == 0 ||
		   errstr[0] == '\0') {
		abort();
	}
	free(buf);
	return 0;
}
