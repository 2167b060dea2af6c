/*
 * fuzz_extract.c - libFuzzer target: the extractor on arbitrary text.
 *
 * The core pack (rules/core of the source tree) is built once in
 * LLVMFuzzerInitialize with one extractor. Each input is an article body
 * with a fixed published_at: inputs the decoders would refuse (invalid
 * UTF-8, NUL bytes, over the size limit) are skipped, since the extractor
 * is only ever given decoded articles. Every event found is written as JSON
 * and as protobuf, and the protobuf is read back (event_pb_to_json), so the
 * encoders see every shape of event the rules can produce; the JSON read
 * back must equal the event's own JSON byte for byte. A match-limit
 * result (-2) is allowed; -1 is not, for a valid article. Single-threaded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "article.h"
#include "diag.h"
#include "event.h"
#include "extract.h"
#include "limits.h"
#include "ruleset.h"

#ifndef EVX_SOURCE_RULES
#error "EVX_SOURCE_RULES must name the source tree's rules directory"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ruleset *fz_rs;
static struct extractor *fz_x;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct diag d = { 0 };
	char errstr[256];

	fz_rs = ruleset_load(EVX_SOURCE_RULES "/core", &d);
	if (fz_rs == NULL) {
		diag_print(&d, stderr);
		abort();
	}
	diag_clear(&d);
	fz_x = extract_new(fz_rs, errstr, sizeof(errstr));
	if (fz_x == NULL) {
		fprintf(stderr, "fuzz_extract: %s\n", errstr);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct article a = { 0 };
	struct event *events = NULL;
	size_t nevents = 0, i;
	char errstr[256];
	char *json = NULL, *pb = NULL, *back = NULL;
	size_t jlen = 0, jcap = 0, plen = 0, pcap = 0, blen = 0, bcap = 0;
	char *body;
	int rc;

	if (size > EVX_MAX_ARTICLE_BYTES || memchr(data, 0, size) != NULL ||
	    article_utf8_check((const char *)data, size) != -1)
		return -1; /* Not an article any decoder accepts: not in the corpus. */

	extract_begin(fz_x);
	body = arena_strndup(extract_arena(fz_x), (const char *)data, size);
	if (body == NULL)
		abort();
	a.id = "fuzz-1";
	a.body = body;
	a.body_len = size;
	a.published_at = "2026-03-12";
	a.language = "en";
	rc = extract_article(fz_x, &a, NULL, &events, &nevents, errstr,
			     sizeof(errstr));
	if (rc == -1) {
		fprintf(stderr, "fuzz_extract: extract_article: %s\n", errstr);
		abort();
	}
	for (i = 0; i < nevents; i++) {
		jlen = plen = blen = 0;
		if (event_to_json(&events[i], &json, &jlen, &jcap) != 0 ||
		    event_to_pb(&events[i], 0, &pb, &plen, &pcap) != 0)
			abort();
		/* The two forms carry the same information (event.c). */
		if (event_pb_to_json((const uint8_t *)pb, plen, &back, &blen,
				     &bcap) != 0 ||
		    blen != jlen || memcmp(back, json, jlen) != 0) {
			fprintf(stderr, "fuzz_extract: protobuf round trip differs:\n"
				"%.*s\n%.*s\n", (int)jlen, json, (int)blen,
				back ? back : "");
			abort();
		}
	}
	free(json);
	free(pb);
	free(back);
	return 0;
}
