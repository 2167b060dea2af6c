/*
 * fuzz_seeds.c - writes the fuzzers' seed corpora from the project's data.
 *
 * Usage: fuzz_seeds OUTDIR RULES FILE.jsonl...
 *
 * Every line of each JSONL file becomes a seed of article_json (malformed
 * lines too: they start the fuzzer at the decoder's error paths). Each line
 * that decodes also gives its body to extract, its protobuf encoding to
 * article_pb, and, extracted with the pack RULES, each of its events in
 * protobuf to article_pb too (that target also reads Events). Seeds are
 * named after the file and line, so a rerun overwrites rather than adds.
 * Nothing generated is committed; scripts/fuzz.sh runs this each time.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arena.h"
#include "article.h"
#include "diag.h"
#include "event.h"
#include "extract.h"
#include "ruleset.h"

/* Writes len bytes to OUTDIR/sub/name. Returns 0 or -1. */
static int seed_write(const char *out, const char *sub, const char *name,
		      const void *buf, size_t len)
{
	char path[4096];
	FILE *fp;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/%s", out, sub);
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		goto done;
	snprintf(path, sizeof(path), "%s/%s/%s", out, sub, name);
	fp = fopen(path, "wb");
	if (fp == NULL)
		goto done;
	if (len == 0 || fwrite(buf, 1, len, fp) == len)
		rc = 0;
	if (fclose(fp) != 0)
		rc = -1;
done:
	if (rc != 0)
		fprintf(stderr, "fuzz_seeds: %s: %s\n", path, strerror(errno));
	return rc;
}

/* Seeds from one JSON line (without its newline). Returns 0 or -1. */
static int seed_line(const char *out, struct extractor *x, const char *tag,
		     const char *line, size_t len)
{
	struct article a;
	struct event *events;
	size_t nevents, i;
	char name[512], errstr[256];
	uint8_t *pb = NULL;
	size_t pblen = 0;
	char *ev = NULL;
	size_t evlen = 0, evcap = 0;
	int rc = -1;

	if (seed_write(out, "article_json", tag, line, len) != 0)
		goto done;
	extract_begin(x);
	if (article_decode_json(line, len, 0, extract_arena(x), &a, errstr,
				sizeof(errstr)) != ARTICLE_OK) {
		rc = 0; /* A malformed line seeds the JSON decoder only. */
		goto done;
	}
	if (seed_write(out, "extract", tag, a.body, a.body_len) != 0 ||
	    article_encode_pb(&a, &pb, &pblen) != 0 ||
	    seed_write(out, "article_pb", tag, pb, pblen) != 0)
		goto done;
	if (extract_article(x, &a, NULL, &events, &nevents, errstr,
			    sizeof(errstr)) < -1)
		nevents = 0;
	for (i = 0; i < nevents; i++) {
		evlen = 0;
		if (event_to_pb(&events[i], 0, &ev, &evlen, &evcap) != 0)
			goto done;
		snprintf(name, sizeof(name), "%s-event%zu", tag, i);
		if (seed_write(out, "article_pb", name, ev, evlen) != 0)
			goto done;
	}
	rc = 0;
done:
	free(pb);
	free(ev);
	return rc;
}

int main(int argc, char **argv)
{
	struct diag d = { 0 };
	struct ruleset *rs = NULL;
	struct extractor *x = NULL;
	char errstr[256], tag[512];
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int i, status = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: fuzz_seeds OUTDIR RULES FILE.jsonl...\n");
		return 2;
	}
	if (mkdir(argv[1], 0777) != 0 && errno != EEXIST) {
		perror(argv[1]);
		goto done;
	}
	rs = ruleset_load(argv[2], &d);
	if (rs == NULL) {
		diag_print(&d, stderr);
		goto done;
	}
	x = extract_new(rs, errstr, sizeof(errstr));
	if (x == NULL) {
		fprintf(stderr, "fuzz_seeds: %s\n", errstr);
		goto done;
	}
	for (i = 3; i < argc; i++) {
		const char *base = strrchr(argv[i], '/');
		FILE *fp = fopen(argv[i], "r");
		long lineno = 0;

		base = base != NULL ? base + 1 : argv[i];
		if (fp == NULL) {
			perror(argv[i]);
			goto done;
		}
		while ((n = getline(&line, &cap, fp)) > 0) {
			lineno++;
			if (line[n - 1] == '\n')
				n--;
			snprintf(tag, sizeof(tag), "%s-%ld", base, lineno);
			if (seed_line(argv[1], x, tag, line, (size_t)n) != 0) {
				fclose(fp);
				goto done;
			}
		}
		fclose(fp);
	}
	status = 0;
done:
	free(line);
	extract_destroy(x);
	ruleset_destroy(rs);
	diag_clear(&d);
	return status;
}
