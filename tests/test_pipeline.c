/*
 * test_pipeline.c - the service's worker pool without Kafka: results match
 * a plain extractor run, bad input becomes a dead letter with the reason the
 * DLQ headers carry, a match limit gives the events found and a dead letter,
 * each partition's jobs complete in offset order across workers, jobs of
 * two ruleset generations run side by side (the reload swap), and
 * cancelling the queue (shutdown) leaves the finished jobs a prefix.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "extract.h"
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
		pipeline_submit(p, job);
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

/* 300 jobs over 7 partitions and two generations on 3 workers: per
 * partition, completions come in offset order. */
static void test_order(struct pipeline *p, struct pipeline_gen *g1,
		       struct pipeline_gen *g2)
{
	enum { N = 300, NPART = 7 };
	static struct pipeline_job *done[N];
	int64_t last[NPART];
	size_t got;

	for (int i = 0; i < NPART; i++)
		last[i] = -1;
	for (int i = 0; i < N; i++) {
		struct pipeline_job *job = pipeline_job_new(i % 2 ? g2 : g1);

		job->topic = "articles";
		job->partition = i % NPART;
		job->offset = i;
		job->buf = pl_cases[0].article;
		job->len = strlen(pl_cases[0].article);
		pipeline_submit(p, job);
	}
	CHECK(pipeline_busiest(p) >= N / 3);
	got = pl_collect(p, done, N);
	CHECK_INT(got, N);
	for (size_t i = 0; i < got; i++) {
		struct pipeline_job *job = done[i];

		CHECK(job->offset > last[job->partition]);
		last[job->partition] = job->offset;
		CHECK_INT(job->status, PIPELINE_OK);
		CHECK(job->nout > 0);
		pipeline_job_free(job);
	}
	CHECK_INT(pipeline_busiest(p), 0);
}

/* Cancelling the queue: the jobs that ran are an offset prefix of their
 * partition, every other job comes back cancelled, none is lost. */
static void test_cancel(struct pipeline *p, struct pipeline_gen *g)
{
	enum { N = 60 };
	static struct pipeline_job *done[N];
	int finished[N] = {0};
	size_t got, nfinished = 0, ncancelled = 0;

	for (int i = 0; i < N; i++) {
		struct pipeline_job *job = pipeline_job_new(g);

		job->partition = 4;
		job->offset = i;
		job->buf = pl_cases[0].article;
		job->len = strlen(pl_cases[0].article);
		pipeline_submit(p, job);
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
	/* The swap: the loop drops its reference while workers may still
	 * hold theirs; the last one frees the ruleset (ASan checks). */
	pipeline_gen_unref(g1);
	pipeline_gen_unref(g2);
	pipeline_destroy(p, NULL);
	pipeline_destroy(NULL, NULL);
	pipeline_gen_unref(NULL);
	return CHECK_DONE();
}
