/*
 * pipeline.c - worker threads between the loop and the extraction engine.
 *
 * Data structure: one FIFO of jobs (mutex and condition variable) that every
 * worker takes from, so all workers stay busy whatever the partitions' share
 * of the input (with a worker per partition, 3 partitions on 2 workers left
 * one worker with two thirds of the work and the machine a third idle); one
 * completion list (FIFO, one mutex) shared by all workers; and, on the loop
 * side, the jobs of each partition in offset order. Jobs finish in any
 * order; pipeline_take hands the loop, per partition, only the finished
 * prefix of that order, so the results of one partition still come back in
 * offset order while a slow article holds back only its own partition. When
 * a worker appends to an empty completion list it writes one byte to a
 * non-blocking pipe; the loop reads the pipe empty before taking the list,
 * so no completion waits unseen.
 *
 * Threads: pipeline_submit, pipeline_take, the partition order and the
 * in-flight count are used by the loop thread only; each worker thread owns
 * its extractor, which is rebuilt when a job arrives with another ruleset
 * generation than the one it was built for. Queue bounds are kept by the
 * loop (it pauses the consumer when the workers have queue_max jobs each),
 * so submitting never blocks.
 */
#include "pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "article.h"
#include "event.h"
#include "extract.h"
#include "limits.h"
#include "log.h"

struct pipeline_worker {
	struct pipeline *p;
	size_t index;
	pthread_t thread;
	int started;
	struct pipeline_gen *gen;     /* worker thread only */
	struct extractor *x;          /* worker thread only */
};

/* The jobs of one partition not yet taken, in submission (offset) order,
 * linked through order_next. Loop thread only. */
struct pipeline_order {
	struct pipeline_job *head, *tail;
	int touched;                  /* listed in touched[] by pipeline_take */
};

struct pipeline {
	struct pipeline_worker *w;
	size_t nworkers;
	size_t max_bytes;
	long budget_ms;               /* set before the first job */
	int pipefd[2];
	/* The jobs waiting for a worker. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pipeline_job *head, *tail;
	int stop;
	/* Finished jobs, in completion order. */
	pthread_mutex_t done_mu;
	struct pipeline_job *done_head, *done_tail;
	/* Loop thread only. */
	size_t inflight;
	struct pipeline_order *order; /* by partition (negative ones at 0) */
	size_t norder;
	size_t *touched;              /* partitions with completions, per take */
};

/* The order slot of a partition. */
static size_t pipeline_slot(const struct pipeline_job *job)
{
	return job->partition < 0 ? 0 : (size_t)job->partition;
}

struct pipeline_gen *pipeline_gen_new(struct ruleset *rs)
{
	struct pipeline_gen *g = calloc(1, sizeof(*g));
	size_t len = 1;
	char *s;

	if (!g)
		goto fail;
	for (size_t i = 0; i < rs->npacks; i++)
		len += strlen(rs->packs[i].name ? rs->packs[i].name : "") +
		       strlen(rs->packs[i].version ? rs->packs[i].version : "") + 2;
	g->pack = s = malloc(len);
	if (!s)
		goto fail;
	*s = '\0';
	for (size_t i = 0; i < rs->npacks; i++)
		s += sprintf(s, "%s%s@%s", i ? "," : "",
			     rs->packs[i].name ? rs->packs[i].name : "",
			     rs->packs[i].version ? rs->packs[i].version : "");
	g->rs = rs;
	atomic_init(&g->refs, 1);
	return g;
fail:
	if (g)
		free(g->pack);
	free(g);
	ruleset_destroy(rs);
	return NULL;
}

struct pipeline_gen *pipeline_gen_ref(struct pipeline_gen *g)
{
	if (g)
		atomic_fetch_add(&g->refs, 1);
	return g;
}

void pipeline_gen_unref(struct pipeline_gen *g)
{
	if (!g || atomic_fetch_sub(&g->refs, 1) != 1)
		return;
	ruleset_destroy(g->rs);
	free(g->pack);
	free(g);
}

struct pipeline_job *pipeline_job_new(struct pipeline_gen *gen)
{
	struct pipeline_job *job = calloc(1, sizeof(*job));

	if (job)
		job->gen = pipeline_gen_ref(gen);
	return job;
}

void pipeline_job_free(struct pipeline_job *job)
{
	if (!job)
		return;
	pipeline_gen_unref(job->gen);
	free(job->pb);
	free(job->out);
	free(job->mention_rules);
	free(job);
}

/* Binds the worker's extractor to the job's generation. Returns 0 or -1. */
static int pipeline_bind(struct pipeline_worker *w, struct pipeline_gen *gen,
			 char *err, size_t errsize)
{
	if (w->gen == gen && w->x)
		return 0;
	extract_destroy(w->x);
	w->x = NULL;
	pipeline_gen_unref(w->gen);
	w->gen = pipeline_gen_ref(gen);
	w->x = extract_new(gen->rs, err, errsize);
	if (!w->x)
		return -1;
	extract_set_time_budget(w->x, w->p->budget_ms);
	return 0;
}

/* Decodes and extracts one job, filling its result fields. Worker thread. */
static void pipeline_run_job(struct pipeline_worker *w,
			     struct pipeline_job *job)
{
	struct article_origin origin = {job->topic, job->partition,
					job->offset};
	struct article a;
	struct event *events = NULL;
	size_t nevents = 0, nmentions = 0;
	int rc;

	job->status = PIPELINE_DLQ;
	if (pipeline_bind(w, job->gen, job->err, sizeof(job->err)) < 0) {
		job->dlq_stage = "extract";
		job->dlq_reason = "extract_error";
		return;
	}
	extract_begin(w->x);
	if (job->format == PIPELINE_PROTOBUF)
		rc = article_decode_pb(job->buf, job->len, w->p->max_bytes,
				       extract_arena(w->x), &a, job->err,
				       sizeof(job->err));
	else
		rc = article_decode_json(job->buf, job->len, w->p->max_bytes,
					 extract_arena(w->x), &a, job->err,
					 sizeof(job->err));
	if (rc != ARTICLE_OK) {
		job->dlq_stage = "decode";
		job->dlq_reason = article_reason(rc);
		return;
	}
	rc = extract_article(w->x, &a, &origin, &events, &nevents, job->err,
			     sizeof(job->err));
	if (rc == -1) {
		const char *limit = extract_limit(w->x);

		/* A spent time budget abandons the article; any other
		 * failure is an extraction error. */
		job->dlq_stage = "extract";
		job->dlq_reason = limit && strcmp(limit, "time_budget") == 0 ?
					  limit : "extract_error";
		return;
	}
	job->out = nevents ? calloc(nevents, sizeof(*job->out)) : NULL;
	if (nevents && !job->out) {
		snprintf(job->err, sizeof(job->err), "out of memory");
		job->dlq_stage = "extract";
		job->dlq_reason = "out_of_memory";
		return;
	}
	for (size_t i = 0; i < nevents; i++) {
		struct pipeline_out *o = &job->out[i];

		o->off = job->pblen;
		if (event_to_pb(&events[i], 0, &job->pb, &job->pblen,
				&job->pbcap) < 0) {
			snprintf(job->err, sizeof(job->err), "out of memory");
			job->dlq_stage = "extract";
			job->dlq_reason = "out_of_memory";
			job->nout = 0;
			return;
		}
		o->len = job->pblen - o->off;
		memcpy(o->event_id, events[i].event_id, sizeof(o->event_id));
		o->type = events[i].type;
		job->nout++;
		nmentions += events[i].nmentions;
	}
	/* Best effort: without memory the metric misses this article. */
	job->mention_rules = nmentions ? malloc(nmentions * sizeof(char *)) : NULL;
	for (size_t i = 0; job->mention_rules && i < nevents; i++)
		for (size_t m = 0; m < events[i].nmentions; m++)
			if (events[i].mentions[m].rule)
				job->mention_rules[job->nmention_rules++] =
					events[i].mentions[m].rule;
	if (rc == -2) {
		job->status = PIPELINE_PARTIAL;
		job->dlq_stage = "extract";
		job->dlq_reason = extract_limit(w->x) ? extract_limit(w->x)
						      : "match_limit";
	} else {
		job->status = PIPELINE_OK;
	}
}

/* Appends a finished job to the completion list, waking the loop when the
 * list was empty. Worker thread. */
static void pipeline_complete(struct pipeline *p, struct pipeline_job *job)
{
	int was_empty;
	char b = 1;

	job->next = NULL;
	pthread_mutex_lock(&p->done_mu);
	was_empty = p->done_head == NULL;
	if (p->done_tail)
		p->done_tail->next = job;
	else
		p->done_head = job;
	p->done_tail = job;
	pthread_mutex_unlock(&p->done_mu);
	/* A full pipe already holds a wake-up, so EAGAIN is fine. */
	if (was_empty && write(p->pipefd[1], &b, 1) < 0 && errno != EAGAIN)
		LOG(LOG_ERROR, "msg=\"pipeline wake-up failed\" err=\"%s\"",
		    strerror(errno));
}

static void *pipeline_worker_main(void *arg)
{
	struct pipeline_worker *w = arg;
	struct pipeline *p = w->p;
	struct pipeline_job *job;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->head && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		job = p->head;
		p->head = job->next;
		if (!p->head)
			p->tail = NULL;
		pthread_mutex_unlock(&p->mu);
		pipeline_run_job(w, job);
		pipeline_complete(p, job);
	}
	extract_destroy(w->x);
	w->x = NULL;
	pipeline_gen_unref(w->gen);
	w->gen = NULL;
	return NULL;
}

struct pipeline *pipeline_new(size_t nworkers, size_t max_bytes, char *errstr,
			      size_t errstr_size)
{
	struct pipeline *p = calloc(1, sizeof(*p));

	if (!p || nworkers == 0) {
		snprintf(errstr, errstr_size, "%s",
			 p ? "no workers" : "out of memory");
		free(p);
		return NULL;
	}
	p->pipefd[0] = p->pipefd[1] = -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	pthread_mutex_init(&p->done_mu, NULL);
	p->max_bytes = max_bytes;
	p->budget_ms = EVX_ARTICLE_TIME_BUDGET_MS;
	p->w = calloc(nworkers, sizeof(*p->w));
	if (!p->w) {
		snprintf(errstr, errstr_size, "out of memory");
		goto fail;
	}
	if (pipe(p->pipefd) < 0 ||
	    fcntl(p->pipefd[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(p->pipefd[1], F_SETFL, O_NONBLOCK) < 0) {
		snprintf(errstr, errstr_size, "pipe: %s", strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < nworkers; i++) {
		struct pipeline_worker *w = &p->w[i];

		w->p = p;
		w->index = i;
		p->nworkers++;
		if (pthread_create(&w->thread, NULL, pipeline_worker_main, w)) {
			snprintf(errstr, errstr_size, "cannot start worker %zu", i);
			goto fail;
		}
		w->started = 1;
	}
	return p;
fail:
	pipeline_destroy(p, NULL);
	return NULL;
}

void pipeline_destroy(struct pipeline *p, void (*free_opaque)(void *))
{
	struct pipeline_job *job, *next;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < p->nworkers; i++)
		if (p->w[i].started)
			pthread_join(p->w[i].thread, NULL);
	/* Every job not taken is now queued or finished. */
	for (int list = 0; list < 2; list++) {
		for (job = list ? p->done_head : p->head; job; job = next) {
			next = job->next;
			if (free_opaque)
				free_opaque(job->opaque);
			pipeline_job_free(job);
		}
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->done_mu);
	if (p->pipefd[0] >= 0)
		close(p->pipefd[0]);
	if (p->pipefd[1] >= 0)
		close(p->pipefd[1]);
	free(p->order);
	free(p->touched);
	free(p->w);
	free(p);
}

void pipeline_set_time_budget(struct pipeline *p, long ms)
{
	p->budget_ms = ms > 0 ? ms : 0;
}

int pipeline_wake_fd(const struct pipeline *p)
{
	return p->pipefd[0];
}

int pipeline_submit(struct pipeline *p, struct pipeline_job *job)
{
	size_t slot = pipeline_slot(job);
	struct pipeline_order *o;

	if (slot >= p->norder) {
		size_t n = slot + 1 > 2 * p->norder ? slot + 1 : 2 * p->norder;
		struct pipeline_order *no = realloc(p->order, n * sizeof(*no));
		size_t *nt;

		if (!no)
			return -1;
		p->order = no;
		memset(no + p->norder, 0, (n - p->norder) * sizeof(*no));
		nt = realloc(p->touched, n * sizeof(*nt));
		if (!nt)
			return -1;  /* order keeps its new size: harmless */
		p->touched = nt;
		p->norder = n;
	}
	o = &p->order[slot];
	job->next = NULL;
	job->order_next = NULL;
	job->ready = 0;
	if (o->tail)
		o->tail->order_next = job;
	else
		o->head = job;
	o->tail = job;
	p->inflight++;
	pthread_mutex_lock(&p->mu);
	if (p->tail)
		p->tail->next = job;
	else
		p->head = job;
	p->tail = job;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

struct pipeline_job *pipeline_take(struct pipeline *p)
{
	struct pipeline_job *list, *out = NULL, **tail = &out;
	size_t ntouched = 0;
	char buf[256];

	while (read(p->pipefd[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&p->done_mu);
	list = p->done_head;
	p->done_head = p->done_tail = NULL;
	pthread_mutex_unlock(&p->done_mu);
	/* Mark the finished jobs, then hand out each touched partition's
	 * finished prefix; ->next is reused for the returned list. */
	for (struct pipeline_job *job = list; job; job = job->next) {
		struct pipeline_order *o = &p->order[pipeline_slot(job)];

		job->ready = 1;
		if (!o->touched) {
			o->touched = 1;
			p->touched[ntouched++] = pipeline_slot(job);
		}
	}
	for (size_t i = 0; i < ntouched; i++) {
		struct pipeline_order *o = &p->order[p->touched[i]];

		o->touched = 0;
		while (o->head && o->head->ready) {
			struct pipeline_job *job = o->head;

			o->head = job->order_next;
			if (!o->head)
				o->tail = NULL;
			job->order_next = NULL;
			job->next = NULL;
			*tail = job;
			tail = &job->next;
			p->inflight--;
		}
	}
	return out;
}

void pipeline_cancel_queued(struct pipeline *p)
{
	struct pipeline_job *job, *next;

	pthread_mutex_lock(&p->mu);
	job = p->head;
	p->head = p->tail = NULL;
	pthread_mutex_unlock(&p->mu);
	/* Workers take jobs in submission order, so within a partition the
	 * jobs started are a prefix and the cancelled ones the rest. */
	for (; job; job = next) {
		next = job->next;
		job->status = PIPELINE_CANCELLED;
		pipeline_complete(p, job);
	}
}

size_t pipeline_inflight(const struct pipeline *p)
{
	return p->inflight;
}

size_t pipeline_per_worker(const struct pipeline *p)
{
	return (p->inflight + p->nworkers - 1) / p->nworkers;
}
