/*
 * fuzz_article_pb.c - libFuzzer target: the protobuf decoders.
 *
 * Each input is one Kafka message value: arbitrary bytes. They are decoded
 * as an evextract.v1.Article (article_decode_pb) and, since the same bytes
 * are as good a test of the other protobuf reader, as an evextract.v1.Event
 * (event_pb_to_json, what `evextract decode` and the consumers use). An
 * accepted article must give NUL-terminated, valid UTF-8 id and body within
 * the limit, and must encode again (article_encode_pb) and decode to the
 * same body. Single-threaded; one arena reused across inputs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "article.h"
#include "event.h"
#include "limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct arena fz_arena;

/* Aborts unless an accepted article keeps the decoder's promises. */
static void fz_check_article(const struct article *a)
{
	struct article again;
	uint8_t *enc = NULL;
	size_t enclen = 0;
	char errstr[256];

	if (a->id == NULL || a->body == NULL ||
	    strlen(a->body) != a->body_len ||
	    a->body_len > EVX_MAX_ARTICLE_BYTES ||
	    article_utf8_check(a->id, strlen(a->id)) != -1 ||
	    article_utf8_check(a->body, a->body_len) != -1)
		abort();
	if (article_encode_pb(a, &enc, &enclen) != 0)
		abort();
	if (article_decode_pb(enc, enclen, 0, &fz_arena, &again, errstr,
			      sizeof(errstr)) != ARTICLE_OK ||
	    again.body_len != a->body_len ||
	    memcmp(again.body, a->body, a->body_len) != 0 ||
	    strcmp(again.id, a->id) != 0)
		abort();
	free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct article a;
	char errstr[256];
	char *json = NULL;
	size_t jlen = 0, jcap = 0;
	int rc;

	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	uint8_t *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	if (size)
		memcpy(buf, data, size);
	arena_reset(&fz_arena);
	errstr[0] = '\0';
	rc = article_decode_pb(buf, size, 0, &fz_arena, &a, errstr,
			       sizeof(errstr));
	if (rc == ARTICLE_OK)
		fz_check_article(&a);
	else if (rc > 0 || strcmp(article_reason(rc), "unknown") == 0 ||
		   errstr[0] == '\0')
		abort();

	(void)event_pb_to_json(buf, size, &json, &jlen, &jcap);
	free(json);
	free(buf);
	return 0;
}
