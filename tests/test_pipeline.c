/*
 * test_pipeline.c - the service's worker pool without Kafka: results match
 * a plain extractor run, bad input becomes a dead letter with the reason the
 * DLQ headers carry, a match limit gives the events found and a dead letter,
 * each partition's jobs come back in offset order although any worker runs
 * any job and they finish out of order, jobs of
 * two ruleset generations run side by side (the reload swap), and
 * cancelling the queue (shutdown) leaves the finished jobs a prefix, and
 * every cap of limits.h sends an article just over it to the DLQ with the
 * cap's name while the next article, at the cap, is processed.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "extract.h"
#include "limits.h"
#include "pipeline.h"

#define PACK EVX_TEST_DATA "/packs/extract"

struct pl_case {
	const char *name;
	const char *article;
	enum pipeline_format format;
	enum pipeline_status status;
	const char *stage, *reason;
};

static const struct pl_case pl_cases[] = {
	{"strike", "{\"id\":\"a1\",\"published_at\":\"2025-03-02\",\"body\":"
		   "\"Russian missiles struck Kyiv on Monday.\"}",
	 PIPELINE_JSON, PIPELINE_OK, NULL, NULL},
	{"no events", "{\"id\":\"a2\",\"body\":\"The weather was mild.\"}",
	 PIPELINE_JSON, PIPELINE_OK, NULL, NULL},
	{"bad json", "{\"id\":\"a3\",\"body\":\"cut", PIPELINE_JSON,
	 PIPELINE_DLQ, "decode", "bad_json"},
	{"missing body", "{\"id\":\"a4\"}", PIPELINE_JSON, PIPELINE_DLQ,
	 "decode", "missing_field"},
	{"bad protobuf", "\xff\xff\xff", PIPELINE_PROTOBUF, PIPELINE_DLQ,
	 "decode", "bad_protobuf"},
	{"match limit", "{\"id\":\"a6\",\"body\":\"Russian missiles struck Kyiv "
			"on Monday. zzq aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			"aaaaaaaaaaaaaaaa!\"}",
	 PIPELINE_JSON, PIPELINE_PARTIAL, "extract", "match_limit"},
};

/* Waits for and takes n completions into out (in completion order). */
static size_t pl_collect(struct pipeline *p, struct pipeline_job **out, size_t n)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd pfd = {pipeline_wake_fd(p), POLLIN, 0};
		struct pipeline_job *job;

		if (poll(&pfd, 1, 10000) <= 0)
			break;
		for (job = pipeline_take(p); job; job = job->next)
			out[got++] = job;
	}
	return got;
}

/* Events of one article by a plain extractor, for comparison. */
static size_t pl_truth(const struct ruleset *rs, const char *json, int *limit)
{
	char err[256];
	struct extractor *x = extract_new(rs, err, sizeof(err));
	struct article a;
	struct event *ev = NULL;
	size_t n = 0;

	*limit = 0;
	if (!x)
		return (size_t)-1;
	extract_begin(x);
	if (article_decode_json(json, strlen(json), 0, extract_arena(x), &a,
				err, sizeof(err)) == ARTICLE_OK)
		*limit = extract_article(x, &a, NULL, &ev, &n, err,
					 sizeof(err)) == -2;
	extract_destroy(x);
	return n;
}

static void test_cases(struct pipeline *p, struct pipeline_gen *gen)
{
	size_t n = sizeof(pl_cases) / sizeof(pl_cases[0]);
	struct pipeline_job *done[16];

	for (size_t i = 0; i < n; i++) {
		struct pipeline_job *job = pipeline_job_new(gen);

		job->topic = "articles";
		job->partition = 0;  /* one worker: completions in case order */
		job->offset = (int64_t)i;
		job->buf = pl_cases[i].article;
		job->len = strlen(pl_cases[i].article);
		job->format = pl_cases[i].format;
		CHECK_INT(pipeline_submit(p, job), 0);
	}
	CHECK_INT(pipeline_inflight(p), n);
	CHECK_INT(pl_collect(p, done, n), n);
	CHECK_INT(pipeline_inflight(p), 0);
	for (size_t i = 0; i < n; i++) {
		const struct pl_case *c = &pl_cases[i];
		struct pipeline_job *job = done[i];
		int limit;

		if (job->status != c->status)
			fprintf(stderr, "case %s: status %d (%s)\n", c->name,
				job->status, job->err);
		CHECK_INT(job->offset, i);
		CHECK_INT(job->status, c->status);
		CHECK_STR(job->dlq_stage, c->stage);
		CHECK_STR(job->dlq_reason, c->reason);
		if (c->format == PIPELINE_JSON && c->status != PIPELINE_DLQ) {
			size_t want = pl_truth(gen->rs, c->article, &limit);

			CHECK_INT(job->nout, want);
			CHECK_INT(limit, c->status == PIPELINE_PARTIAL);
		}
		if (i == 0)
			CHECK(job->nout > 0);
		for (size_t k = 0; k < job->nout; k++) {
			CHECK_INT(strlen(job->out[k].event_id), 32);
			CHECK(job->out[k].len > 0);
			CHECK(job->out[k].off + job->out[k].len <= job->pblen);
		}
		pipeline_job_free(job);
	}
}

/*
 * Caps (service/limits.h): for each one an article just over it, which must
 * come back with the DLQ reason that names the cap, followed on the same
 * partition by an article at the cap (or a plain good one where the cap has
 * no "at"), which must give the events a plain extractor finds. Articles are
 * built at run time from the caps' values, with the rules of
 * tests/packs/limits.
 */
#define LIM_PACK EVX_TEST_DATA "/packs/limits"
#define LIM_EVENT "qxv struck Kyiv on March 3, 2020.\\n"
#define LIM_BUDGET_MS 300

/* A growing string for building articles. */
struct lim_buf {
	char *s;
	size_t len, cap;
};

static void lim_add(struct lim_buf *b, const char *str, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			abort();
	}
	memcpy(b->s + b->len, str, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void lim_str(struct lim_buf *b, const char *str)
{
	lim_add(b, str, strlen(str));
}

static void lim_rep(struct lim_buf *b, const char *str, size_t times)
{
	for (size_t i = 0; i < times; i++)
		lim_str(b, str);
}

/* An article of exactly n bytes: an event, then short sentences, then
 * spaces to the size. */
static char *lim_sized(size_t n)
{
	struct lim_buf b = {0};

	lim_str(&b, "{\"id\":\"size\",\"body\":\"" LIM_EVENT);
	while (b.len + 12 + 2 <= n)
		lim_str(&b, "Calm day.\\n");
	while (b.len + 2 < n)
		lim_str(&b, " ");
	lim_str(&b, "\"}");
	return b.s;
}

static char *lim_size(int over)
{
	return lim_sized((size_t)EVX_MAX_ARTICLE_BYTES + (over ? 1 : 0));
}

/* Nesting depth EVX_MAX_JSON_DEPTH (+ 1 over), the object counting 1. */
static char *lim_depth(int over)
{
	struct lim_buf b = {0};
	size_t n = EVX_MAX_JSON_DEPTH - 1 + (over ? 1 : 0);

	lim_str(&b, "{\"id\":\"deep\",\"body\":\"" LIM_EVENT "\",\"x\":");
	lim_rep(&b, "[", n);
	lim_rep(&b, "]", n);
	lim_str(&b, "}");
	return b.s;
}

/* EVX_MAX_JSON_FIELDS members (+ 1 over). */
static char *lim_fields(int over)
{
	struct lim_buf b = {0};
	char m[32];

	lim_str(&b, "{\"id\":\"fields\",\"body\":\"" LIM_EVENT "\"");
	for (int i = 2; i < EVX_MAX_JSON_FIELDS + (over ? 1 : 0); i++) {
		snprintf(m, sizeof(m), ",\"m%d\":%d", i, i);
		lim_str(&b, m);
	}
	lim_str(&b, "}");
	return b.s;
}

/* A sentence of EVX_MAX_SENTENCE_BYTES bytes (+ 1 over) after an event. */
static char *lim_sentence(int over)
{
	struct lim_buf b = {0};
	size_t n = EVX_MAX_SENTENCE_BYTES + (over ? 1 : 0);

	lim_str(&b, "{\"id\":\"sentence\",\"body\":\"" LIM_EVENT);
	for (size_t i = 0; i < n; i++)
		lim_str(&b, i % 5 == 4 ? " " : "y");
	lim_str(&b, "\"}");
	return b.s;
}

/* The same sentence alone: no rule is a candidate anywhere, and the cut
 * must still be reported. */
static char *lim_bare_sentence(int over)
{
	struct lim_buf b = {0};
	size_t n = EVX_MAX_SENTENCE_BYTES + (over ? 1 : 0);

	lim_str(&b, "{\"id\":\"bare\",\"body\":\"");
	for (size_t i = 0; i < n; i++)
		lim_str(&b, i % 5 == 4 ? " " : "y");
	lim_str(&b, "\"}");
	return b.s;
}

/* EVX_MAX_EVENTS_PER_ARTICLE distinct events (+ 1 over): one date each. */
static char *lim_events(int over)
{
	static const char *const month[] = {"January", "February", "March",
		"April", "May", "June", "July", "August", "September",
		"October", "November", "December"};
	struct lim_buf b = {0};
	char line[96];

	lim_str(&b, "{\"id\":\"events\",\"body\":\"");
	for (int i = 0; i < EVX_MAX_EVENTS_PER_ARTICLE + (over ? 1 : 0); i++) {
		snprintf(line, sizeof(line), "qxv struck Kyiv on %s %d, %d.\\n",
			 month[i / 28 % 12], i % 28 + 1, 2000 + i / (28 * 12));
		lim_str(&b, line);
	}
	lim_str(&b, "\"}");
	return b.s;
}

/* A run of a's that backtracks past the match limit (a few do not). */
static char *lim_match(int over)
{
	struct lim_buf b = {0};

	lim_str(&b, "{\"id\":\"match\",\"body\":\"" LIM_EVENT "zzq ");
	lim_rep(&b, "a", over ? 40 : 4);
	lim_str(&b, "!\"}");
	return b.s;
}

/* Brackets nested past the JIT stack (the depth limit without JIT). */
static char *lim_nesting(int over)
{
	struct lim_buf b = {0};
	size_t n = over ? 20000 : 100;

	lim_str(&b, "{\"id\":\"nesting\",\"body\":\"" LIM_EVENT "zzd ");
	lim_rep(&b, "(\\n", n);
	/* One closing bracket is enough to get past PCRE2's check that the
	 * subject holds the last literal of the pattern. */
	lim_rep(&b, ")", over ? 1 : n);
	lim_str(&b, "\"}");
	return b.s;
}

/* Thousands of sentences that each run a rule to its match limit: far more
 * than LIM_BUDGET_MS of work. */
static char *lim_time(int over)
{
	struct lim_buf b = {0};

	lim_str(&b, "{\"id\":\"time\",\"body\":\"" LIM_EVENT);
	if (over)
		lim_rep(&b, "zzq aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\\n", 3000);
	lim_str(&b, "\"}");
	return b.s;
}

static const struct lim_case {
	const char *name;
	char *(*make)(int over);
	enum pipeline_status status;  /* of the article over the cap */
	const char *stage, *reason;
	long nout;                    /* events of it, -1: not checked */
} lim_cases[] = {
	{"message size", lim_size, PIPELINE_DLQ, "decode", "too_large", 0},
	{"json depth", lim_depth, PIPELINE_DLQ, "decode", "too_deep", 0},
	{"json fields", lim_fields, PIPELINE_DLQ, "decode", "too_many_fields", 0},
	{"sentence length", lim_sentence, PIPELINE_PARTIAL, "extract",
	 "sentence_too_long", 1},
	{"sentence length, no rule", lim_bare_sentence, PIPELINE_PARTIAL,
	 "extract", "sentence_too_long", 0},
	{"events per article", lim_events, PIPELINE_PARTIAL, "extract",
	 "too_many_events", EVX_MAX_EVENTS_PER_ARTICLE},
	{"pcre2 match limit", lim_match, PIPELINE_PARTIAL, "extract",
	 "match_limit", 1},
	{"pcre2 depth / jit stack", lim_nesting, PIPELINE_PARTIAL, "extract",
	 "match_limit", -1},
	{"time budget", lim_time, PIPELINE_DLQ, "extract", "time_budget", 0},
};

static void test_limits(void)
{
	enum { N = sizeof(lim_cases) / sizeof(lim_cases[0]) };
	struct diag d = {0};
	char err[256];
	struct ruleset *rs = ruleset_load(LIM_PACK, &d);
	struct pipeline_gen *g;
	struct pipeline *p = NULL;
	struct pipeline_job *done[2 * N];
	char *art[2 * N] = {0};
	size_t got;

	diag_print(&d, stderr);
	diag_clear(&d);
	CHECK(rs != NULL);
	if (!rs)
		return;
	g = pipeline_gen_new(rs);
	p = pipeline_new(2, 0, err, sizeof(err));
	CHECK(g && p);
	if (!g || !p)
		goto out;
	pipeline_set_time_budget(p, LIM_BUDGET_MS);
	for (size_t i = 0; i < 2 * N; i++) {
		struct pipeline_job *job = pipeline_job_new(g);

		art[i] = lim_cases[i / 2].make(i % 2 == 0);
		job->topic = "articles";
		job->partition = 1;
		job->offset = (int64_t)i;
		job->buf = art[i];
		job->len = strlen(art[i]);
		job->format = PIPELINE_JSON;
		CHECK_INT(pipeline_submit(p, job), 0);
	}
	got = pl_collect(p, done, 2 * N);
	CHECK_INT(got, 2 * N);
	for (size_t i = 0; i < got; i++) {
		const struct lim_case *c = &lim_cases[i / 2];
		struct pipeline_job *job = done[i];
		int over = i % 2 == 0, limit;

		CHECK_INT(job->offset, i);
		if (over) {
			if (job->status != c->status ||
			    !job->dlq_reason || strcmp(job->dlq_reason, c->reason))
				fprintf(stderr, "limit %s: status %d reason %s (%s)\n",
					c->name, job->status,
					job->dlq_reason ? job->dlq_reason : "-",
					job->err);
			CHECK_INT(job->status, c->status);
			CHECK_STR(job->dlq_stage, c->stage);
			CHECK_STR(job->dlq_reason, c->reason);
			if (c->nout >= 0)
				CHECK_INT(job->nout, c->nout);
		} else {
			/* The next article, at the cap, is processed. */
			if (job->status != PIPELINE_OK)
				fprintf(stderr, "at limit %s: status %d (%s)\n",
					c->name, job->status, job->err);
			CHECK_INT(job->status, PIPELINE_OK);
			/* Every article at a cap has an event, but the bare one. */
			CHECK(job->nout > 0 || c->make == lim_bare_sentence);
			CHECK_INT(job->nout, pl_truth(rs, art[i], &limit));
			CHECK_INT(limit, 0);
		}
		pipeline_job_free(job);
	}
out:
	pipeline_destroy(p, NULL);
	pipeline_gen_unref(g);
	for (size_t i = 0; i < 2 * N; i++)
		free(art[i]);
}

/* An article of 100 sentences, each with a strike (the caller frees it):
 * about 100 times the work of pl_cases[0]'s. */
static char *pl_long_article(void)
{
	enum { NLONG = 100 };
	static const char sent[] = "Russian missiles struck Kyiv on Monday. ";
	char *a = malloc(64 + NLONG * (sizeof(sent) - 1));

	if (!a)
		return NULL;
	strcpy(a, "{\"id\":\"long\",\"body\":\"");
	for (int i = 0; i < NLONG; i++)
		strcat(a, sent);
	strcat(a, "\"}");
	return a;
}

/* 300 jobs over 7 partitions (and 60 more on one partition) and two
 * generations on 3 workers, every fifth article a hundred times longer so
 * that jobs finish out of order: per partition, completions come in offset
 * order. */
static void test_order(struct pipeline *p, struct pipeline_gen *g1,
		       struct pipeline_gen *g2)
{
	enum { N = 360, NPART = 7 };
	static struct pipeline_job *done[N];
	int64_t last[NPART];
	size_t got, nlong = 0;
	char *longa = pl_long_article();

	CHECK(longa != NULL);
	if (!longa)
		return;
	for (int i = 0; i < NPART; i++)
		last[i] = -1;
	for (int i = 0; i < N; i++) {
		struct pipeline_job *job = pipeline_job_new(i % 2 ? g2 : g1);

		job->topic = "articles";
		job->partition = i < 300 ? i % NPART : 3;
		job->offset = i;
		job->buf = i % 5 == 0 ? longa : pl_cases[0].article;
		job->len = strlen(job->buf);
		CHECK_INT(pipeline_submit(p, job), 0);
	}
	CHECK_INT(pipeline_per_worker(p), N / 3);
	got = pl_collect(p, done, N);
	CHECK_INT(got, N);
	for (size_t i = 0; i < got; i++) {
		struct pipeline_job *job = done[i];

		CHECK(job->offset > last[job->partition]);
		last[job->partition] = job->offset;
		CHECK_INT(job->status, PIPELINE_OK);
		CHECK(job->nout > 0);
		nlong += job->buf == longa;
		pipeline_job_free(job);
	}
	CHECK_INT(nlong, N / 5);
	CHECK_INT(pipeline_per_worker(p), 0);
	free(longa);
}

/* Cancelling the queue: the jobs that ran are an offset prefix of their
 * partition, every other job comes back cancelled, none is lost. The jobs
 * are long articles, so that the workers cannot have run all 60 before the
 * cancel (with short ones they sometimes had, on a loaded machine). */
static void test_cancel(struct pipeline *p, struct pipeline_gen *g)
{
	enum { N = 60 };
	static struct pipeline_job *done[N];
	int finished[N] = {0};
	size_t got, nfinished = 0, ncancelled = 0;
	char *longa = pl_long_article();

	CHECK(longa != NULL);
	if (!longa)
		return;
	for (int i = 0; i < N; i++) {
		struct pipeline_job *job = pipeline_job_new(g);

		job->partition = 4;
		job->offset = i;
		job->buf = longa;
		job->len = strlen(longa);
		CHECK_INT(pipeline_submit(p, job), 0);
	}
	pipeline_cancel_queued(p);
	got = pl_collect(p, done, N);
	CHECK_INT(got, N);
	for (size_t i = 0; i < got; i++) {
		if (done[i]->status == PIPELINE_CANCELLED) {
			ncancelled++;
		} else {
			CHECK_INT(done[i]->status, PIPELINE_OK);
			finished[done[i]->offset] = 1;
			nfinished++;
		}
		pipeline_job_free(done[i]);
	}
	CHECK(ncancelled > 0);
	CHECK_INT(nfinished + ncancelled, N);
	for (size_t i = 0; i < N; i++)
		CHECK_INT(finished[i], i < nfinished);
	CHECK_INT(pipeline_inflight(p), 0);
	free(longa);
}

int main(void)
{
	struct diag d = {0};
	char err[256];
	struct ruleset *rs1 = ruleset_load(PACK, &d), *rs2;
	struct pipeline_gen *g1, *g2;
	struct pipeline *p;

	diag_print(&d, stderr);
	diag_clear(&d);
	rs2 = ruleset_load(PACK, &d);
	diag_clear(&d);
	CHECK(rs1 && rs2);
	if (!rs1 || !rs2)
		return CHECK_DONE();
	g1 = pipeline_gen_new(rs1);
	g2 = pipeline_gen_new(rs2);
	CHECK_STR(g1->pack, "extract_test@0.1.0");
	CHECK(pipeline_new(0, 0, err, sizeof(err)) == NULL);
	p = pipeline_new(3, 0, err, sizeof(err));
	CHECK(p != NULL);
	if (p) {
		test_cases(p, g1);
		test_order(p, g1, g2);
		test_cancel(p, g2);
	}
	test_limits();
	/* The swap: the loop drops its reference while workers may still
	 * hold theirs; the last one frees the ruleset (ASan checks). */
	pipeline_gen_unref(g1);
	pipeline_gen_unref(g2);
	pipeline_destroy(p, NULL);
	pipeline_destroy(NULL, NULL);
	pipeline_gen_unref(NULL);
	return CHECK_DONE();
}
