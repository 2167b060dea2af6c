/*
 * cmd_bench.c - `evextract bench`: throughput, memory, and what idle rules cost.
 *
 * The corpus (the sample articles plus the .jsonl files of tests/corpus/,
 * or the --corpus files) is read once and replicated in memory, each copy
 * with its own id ("seed-000~17"), until it holds at least --mb MB of JSON.
 * A run times the whole offline path single-threaded: decode JSON into the
 * extractor's arena, extract, encode each event as delimited protobuf into
 * a reused buffer. Several runs give a median (the figure least disturbed by
 * the other users of a shared machine).
 *
 * Then the same pack plus 1,000 generated rules is built and timed again.
 * The generated rules ("bench.gen.N", 'zqxvNkw ... ploorbN') are added to
 * the loaded specs in memory, sharing the pack's own strings, and their
 * literals are checked to occur nowhere in the corpus first, so they never
 * fire: the ratio of the two medians is what rules that do not fire cost
 * (1.00 = nothing, which is what the literal prefilter is for).
 *
 * Progress and per-run figures go to stderr; stdout ends with the line
 *   bench: articles_per_s=N mb_per_s=N rss_mb=N ratio_with_1000_rules=R
 */
#include <ctype.h>
#include <glob.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "cmd.h"
#include "diag.h"
#include "jsonl.h"
#include "limits.h"
#include "rulepack.h"

#define BENCH_GEN_RULES 1000
#define BENCH_MAX_RUNS 101

struct bench_opts {
	struct opt_list corpus;
	long mb;
	long runs;
	const char *rules;
};

static const struct opt_spec bench_table[] = {
	{.name = "corpus", .shortname = 'c', .type = OPT_LIST,
	 .offset = offsetof(struct bench_opts, corpus), .arg = "FILE",
	 .help = "JSONL articles to replicate (default: the sample corpus "
		 "and tests/corpus/*.jsonl)"},
	{.name = "mb", .type = OPT_INT, .defval = 50, .min = 1, .max = 4096,
	 .offset = offsetof(struct bench_opts, mb), .arg = "N",
	 .help = "replicate the corpus to at least N MB of JSON"},
	{.name = "runs", .shortname = 'n', .type = OPT_INT, .defval = 5,
	 .min = 1, .max = BENCH_MAX_RUNS,
	 .offset = offsetof(struct bench_opts, runs), .arg = "N",
	 .help = "timed runs per ruleset; the median is reported"},
	{.name = "rules", .shortname = 'r', .type = OPT_STRING,
	 .offset = offsetof(struct bench_opts, rules), .arg = "PATH",
	 .help = "rule pack file or directory (default: $EVEXTRACT_RULES, "
		 "else the installed pack, else the source tree's)"},
	{0},
};

/* The replicated corpus: lines back to back in one buffer. */
struct bench_corpus {
	char *data;
	size_t len, cap;
	size_t *off;          /* start of line i; line i ends at off[i+1] - 1 (a NUL) */
	size_t n, cap_off;
	char **orig;          /* the lines as read */
	size_t norig;
};

/* Appends a line (and a NUL) to the corpus. Returns 0 or -1. */
static int bench_add(struct bench_corpus *c, const char *s, size_t len)
{
	if (c->n + 2 > c->cap_off) {
		size_t cap = c->cap_off ? c->cap_off * 2 : 1024;
		size_t *grown = realloc(c->off, cap * sizeof(*grown));

		if (!grown)
			return -1;
		c->off = grown;
		c->cap_off = cap;
	}
	if (c->len + len + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 1024 * 1024;
		char *grown;

		while (cap < c->len + len + 1)
			cap *= 2;
		grown = realloc(c->data, cap);
		if (!grown)
			return -1;
		c->data = grown;
		c->cap = cap;
	}
	c->off[c->n++] = c->len;
	memcpy(c->data + c->len, s, len);
	c->len += len;
	c->data[c->len++] = '\0';
	c->off[c->n] = c->len;
	return 0;
}

static void bench_corpus_free(struct bench_corpus *c)
{
	for (size_t i = 0; i < c->norig; i++)
		free(c->orig[i]);
	free(c->orig);
	free(c->data);
	free(c->off);
}

/* Reads the articles of one file into c->orig. Lines that are not valid
 * articles (a gold file, a test of malformed input) are left out with one
 * note per file, so every article timed is one the extractor accepts.
 * Returns 0 or -1. */
static int bench_read(struct bench_corpus *c, const char *path)
{
	char err[512];
	struct jsonl *jr = jsonl_open(path, EVX_MAX_ARTICLE_BYTES, err,
				      sizeof(err));
	struct arena ar = {0};
	struct article a;
	const char *line;
	size_t len, skipped = 0;
	long lineno;
	int rc = -1, r;

	if (!jr) {
		fprintf(stderr, "bench: %s\n", err);
		return -1;
	}
	while ((r = jsonl_next(jr, &line, &len, &lineno)) != JSONL_EOF) {
		char **grown;

		if (r == JSONL_ERR_READ) {
			fprintf(stderr, "bench: %s: read error\n", path);
			goto done;
		}
		arena_reset(&ar);
		if (r == JSONL_ERR_SIZE ||
		    article_decode_json(line, len, 0, &ar, &a, err,
					sizeof(err)) != ARTICLE_OK) {
			skipped++;
			continue;
		}
		grown = realloc(c->orig, (c->norig + 1) * sizeof(*grown));
		if (!grown)
			goto done;
		c->orig = grown;
		c->orig[c->norig] = strndup(line, len);
		if (!c->orig[c->norig])
			goto done;
		c->norig++;
	}
	if (skipped)
		fprintf(stderr, "bench: %s: %zu lines are not articles; left "
				"out\n", path, skipped);
	rc = 0;
done:
	if (rc != 0)
		fprintf(stderr, "bench: %s: cannot read the corpus\n", path);
	arena_free(&ar);
	jsonl_close(jr);
	return rc;
}

/* Replicates the articles to at least min_bytes, giving copy k of an
 * article the id "ID~k". Returns 0 or -1 (reported). */
static int bench_replicate(struct bench_corpus *c, size_t min_bytes)
{
	cJSON **docs = calloc(c->norig, sizeof(*docs));
	char **ids = calloc(c->norig, sizeof(*ids));
	size_t usable = 0;
	int rc = -1;

	if (!docs || !ids)
		goto done;
	for (size_t i = 0; i < c->norig; i++) {
		cJSON *id;

		docs[i] = cJSON_Parse(c->orig[i]);
		id = docs[i] ? cJSON_GetObjectItemCaseSensitive(docs[i], "id")
			     : NULL;
		if (!cJSON_IsString(id)) {
			fprintf(stderr, "bench: article %zu has no string id; "
					"left out\n", i + 1);
			continue;
		}
		ids[i] = strdup(id->valuestring);
		if (!ids[i])
			goto done;
		usable++;
	}
	if (!usable) {
		fprintf(stderr, "bench: no usable article in the corpus\n");
		goto done;
	}
	for (size_t k = 0; c->len < min_bytes; k++) {
		for (size_t i = 0; i < c->norig; i++) {
			char id[1024], *json;
			int bad;

			if (!ids[i])
				continue;
			snprintf(id, sizeof(id), "%s~%zu", ids[i], k);
			if (!cJSON_SetValuestring(
				    cJSON_GetObjectItemCaseSensitive(docs[i], "id"),
				    id))
				goto done;
			json = cJSON_PrintUnformatted(docs[i]);
			if (!json)
				goto done;
			bad = bench_add(c, json, strlen(json));
			cJSON_free(json);
			if (bad)
				goto done;
		}
	}
	rc = 0;
done:
	if (rc != 0 && usable)
		fprintf(stderr, "bench: out of memory replicating the corpus\n");
	for (size_t i = 0; docs && i < c->norig; i++)
		cJSON_Delete(docs[i]);
	for (size_t i = 0; ids && i < c->norig; i++)
		free(ids[i]);
	free(docs);
	free(ids);
	return rc;
}

/* Returns 1 when needle (lower case) occurs in s in any case. */
static int bench_contains(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s; s++) {
		size_t i = 0;

		while (i < n && tolower((unsigned char)s[i]) == needle[i])
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

/* One timed pass over the corpus. Returns the seconds taken, or -1. */
static double bench_run(const struct bench_corpus *c, struct extractor *x,
			size_t *nevents, size_t *nbad)
{
	static const struct article_origin offline = {NULL, -1, -1};
	char *out = NULL, err[512];
	size_t olen = 0, ocap = 0;
	double t0 = cmd_now();

	*nevents = 0;
	*nbad = 0;
	for (size_t i = 0; i < c->n; i++) {
		const char *line = c->data + c->off[i];
		size_t len = c->off[i + 1] - c->off[i] - 1;
		struct article a;
		struct event *events;
		size_t n = 0;
		int rc;

		extract_begin(x);
		rc = article_decode_json(line, len, 0, extract_arena(x), &a, err,
					 sizeof(err));
		if (rc == ARTICLE_OK)
			rc = extract_article(x, &a, &offline, &events, &n, err,
					     sizeof(err));
		if (rc == -2)
			rc = 0;
		if (rc != 0) {
			(*nbad)++;
			continue;
		}
		olen = 0;
		for (size_t e = 0; e < n; e++)
			if (event_to_pb(&events[e], 1, &out, &olen, &ocap) != 0) {
				free(out);
				return -1;
			}
		*nevents += n;
	}
	free(out);
	return cmd_now() - t0;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Times runs passes with rs; returns the median seconds, or -1. */
static double bench_series(const struct bench_corpus *c,
			   const struct ruleset *rs, long runs,
			   const char *label)
{
	double t[BENCH_MAX_RUNS];
	struct extractor *x;
	char err[512];
	size_t nevents = 0, nbad = 0;

	x = extract_new(rs, err, sizeof(err));
	if (!x) {
		fprintf(stderr, "bench: %s\n", err);
		return -1;
	}
	for (long r = 0; r < runs; r++) {
		t[r] = bench_run(c, x, &nevents, &nbad);
		if (t[r] < 0) {
			fprintf(stderr, "bench: out of memory encoding events\n");
			extract_destroy(x);
			return -1;
		}
		fprintf(stderr, "bench: %s run %ld/%ld: %zu articles, %zu events, "
				"%zu bad, %.3f s, %.0f articles/s, %.1f MB/s\n",
			label, r + 1, runs, c->n, nevents, nbad, t[r],
			(double)c->n / t[r], (double)c->len / 1e6 / t[r]);
	}
	extract_destroy(x);
	qsort(t, (size_t)runs, sizeof(t[0]), bench_cmp_double);
	return runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
}

/* The generated rules and the strings they own. */
struct bench_gen {
	struct rp_rule *rules;
	char *strings;
};

/* Builds rp plus BENCH_GEN_RULES rules that never fire, timing the build.
 * The specs share rp's strings; only the rules array and the generated
 * strings are new (bench_gen). Returns the ruleset or NULL (reported). */
static struct ruleset *bench_build_more(const struct rulepack *rp,
					struct bench_gen *g, double *secs)
{
	struct rulepack more = *rp;
	struct diag d = {0};
	struct ruleset *rs = NULL;
	const size_t slot = 96;
	double t0;

	g->rules = calloc(rp->nrules + BENCH_GEN_RULES, sizeof(*g->rules));
	g->strings = malloc(BENCH_GEN_RULES * 2 * slot);
	if (!g->rules || !g->strings || rp->npacks == 0) {
		fprintf(stderr, "bench: cannot generate rules\n");
		return NULL;
	}
	memcpy(g->rules, rp->rules, rp->nrules * sizeof(*g->rules));
	for (size_t i = 0; i < BENCH_GEN_RULES; i++) {
		struct rp_rule *r = &g->rules[rp->nrules + i];
		char *id = g->strings + 2 * i * slot, *pat = id + slot;

		snprintf(id, slot, "bench.gen.%zu", i);
		snprintf(pat, slot, "zqxv%zukw(?:\\s+\\w+){0,3}\\s+ploorb%zu", i,
			 i);
		r->id = id;
		r->revision = 1;
		r->type = "STRIKE";
		r->pattern = pat;
		r->pattern_line = 1;
		r->scope = RP_SCOPE_SENTENCE;
		r->pack = rp->packs[0].name;
		r->file = "<bench>";
		r->line = (int)i + 1;
	}
	more.rules = g->rules;
	more.nrules = rp->nrules + BENCH_GEN_RULES;
	t0 = cmd_now();
	rs = ruleset_build(&more, &d);
	*secs = cmd_now() - t0;
	if (!rs) {
		diag_print(&d, stderr);
		fprintf(stderr, "bench: the generated rules do not build\n");
	}
	diag_clear(&d);
	return rs;
}

/* Adds the default corpus files: the sample corpus and the .jsonl
 * files of tests/corpus/. */
static int bench_default_corpus(struct bench_corpus *c)
{
	const char *seeds = EVX_SOURCE_RULES "/../../shared/corpus/seeds/"
					     "articles.jsonl";
	glob_t gl;
	int rc;

	if (bench_read(c, seeds) != 0)
		return -1;
	rc = glob(EVX_SOURCE_RULES "/../tests/corpus/*.jsonl", 0, NULL, &gl);
	if (rc == 0) {
		for (size_t i = 0; i < gl.gl_pathc; i++)
			if (bench_read(c, gl.gl_pathv[i]) != 0) {
				globfree(&gl);
				return -1;
			}
		globfree(&gl);
	}
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_corpus c = {0};
	struct bench_gen g = {0};
	struct rulepack *rp = NULL;
	struct ruleset *rs = NULL, *rs_more = NULL;
	struct diag d = {0};
	struct rusage ru;
	const char *path;
	double t0, build, build_more = 0, med, med_more, rss_mb;
	int nargs, rc;

	if (cmd_parse(bench_table, &o, argc, argv, &nargs, "bench",
		      "evextract bench [options]",
		      "Times extraction end to end (JSON decode, extract, "
		      "protobuf encode), single-threaded,\non the corpus "
		      "replicated in memory; then again with 1,000 extra rules "
		      "that never fire.\nThe last line on stdout: bench: "
		      "articles_per_s=N mb_per_s=N rss_mb=N ratio_with_1000_rules=R",
		      &rc))
		return rc;
	rc = CMD_EXIT_USAGE;
	if (nargs > 0) {
		rc = cmd_usage_error("bench", "unexpected argument \"%s\" (use "
					      "--corpus FILE)", argv[1]);
		goto done;
	}
	for (size_t i = 0; i < o.corpus.n; i++)
		if (bench_read(&c, o.corpus.vals[i]) != 0)
			goto done;
	if (o.corpus.n == 0 && bench_default_corpus(&c) != 0)
		goto done;
	for (size_t i = 0; i < c.norig; i++)
		if (bench_contains(c.orig[i], "zqxv") ||
		    bench_contains(c.orig[i], "ploorb")) {
			fprintf(stderr, "bench: the corpus contains a literal of "
					"the generated rules (article %zu); the "
					"comparison would be unfair\n", i + 1);
			goto done;
		}
	if (bench_replicate(&c, (size_t)o.mb * 1000 * 1000) != 0)
		goto done;
	fprintf(stderr, "bench: %zu articles read, replicated to %zu articles, "
			"%.1f MB\n", c.norig, c.n, (double)c.len / 1e6);

	path = cmd_rules_path(o.rules);
	rp = rulepack_load(path, &d);
	t0 = cmd_now();
	if (rp)
		rs = ruleset_build(rp, &d);
	build = cmd_now() - t0;
	diag_print(&d, stderr);
	diag_clear(&d);
	if (!rs)
		goto done;

	med = bench_series(&c, rs, o.runs, "pack");
	if (med <= 0)
		goto done;
	rs_more = bench_build_more(rp, &g, &build_more);
	if (!rs_more)
		goto done;
	med_more = bench_series(&c, rs_more, o.runs, "pack+1000");
	if (med_more <= 0)
		goto done;

	getrusage(RUSAGE_SELF, &ru);
	rss_mb = (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB */
	printf("bench: corpus %zu articles, %.1f MB; %ld runs each\n", c.n,
	       (double)c.len / 1e6, o.runs);
	printf("bench: rule build %.3f s (%zu rules), %.3f s with %d more\n",
	       build, rs->nrules, build_more, BENCH_GEN_RULES);
	printf("bench: median %.3f s, with %d more rules %.3f s\n", med,
	       BENCH_GEN_RULES, med_more);
	printf("bench: articles_per_s=%.0f mb_per_s=%.1f rss_mb=%.1f "
	       "ratio_with_1000_rules=%.2f\n",
	       (double)c.n / med, (double)c.len / 1e6 / med, rss_mb,
	       med_more / med);
	rc = CMD_EXIT_OK;
done:
	ruleset_destroy(rs_more);
	ruleset_destroy(rs);
	rulepack_destroy(rp);
	free(g.rules);
	free(g.strings);
	bench_corpus_free(&c);
	opts_free(bench_table, &o);
	return rc;
}
