/*
 * pipeline.h - the service's extraction workers and their completion queue.
 *
 * The loop thread submits one job per consumed article; any free worker
 * takes the oldest job, and pipeline_take() returns the results of each
 * partition in offset order (a finished job waits for the ones before it).
 * A worker decodes the article, extracts its events with its own extractor
 * (one per worker, bound to the job's ruleset generation) and encodes them
 * as protobuf into the job. Done
 * jobs go onto one completion list; a byte on a pipe wakes the loop, which
 * calls pipeline_take(). Workers never touch Kafka handles: a job carries the
 * loop's message as an opaque pointer that only the loop uses.
 */
#ifndef EVX_PIPELINE_H
#define EVX_PIPELINE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ruleset.h"

/* One compiled ruleset and the pack label its events carry; shared by
 * reference counting between the loop, jobs and workers, so a reload swaps
 * in a new generation while old jobs finish with the old one. */
struct pipeline_gen {
	struct ruleset *rs;
	char *pack;             /* "name@version" (packs joined with ',') */
	atomic_int refs;
};

enum pipeline_format { PIPELINE_JSON = 0, PIPELINE_PROTOBUF = 1 };

enum pipeline_status {
	PIPELINE_OK = 0,        /* events (maybe none) to produce */
	PIPELINE_DLQ = 1,       /* no events; the article goes to the DLQ */
	PIPELINE_PARTIAL = 2,   /* events found within a cap, and the DLQ */
	PIPELINE_CANCELLED = 3, /* never run (pipeline_cancel_queued): do it again later */
};

/* One event of a job's result: its protobuf is pb[off, off + len). */
struct pipeline_out {
	char event_id[33];
	const char *type;       /* lives as long as the job's generation */
	size_t off, len;
};

struct pipeline_job {
	struct pipeline_job *next;
	struct pipeline_job *order_next; /* pipeline.c: its partition's order */
	int ready;              /* pipeline.c: finished, not yet taken */
	/* Set by the loop before pipeline_submit(). */
	const char *topic;
	int32_t partition;
	int64_t offset;
	uint32_t epoch;         /* the consumer's partition epoch at dispatch */
	const void *buf;        /* the message value, read-only for the worker */
	size_t len;
	enum pipeline_format format;
	void *opaque;           /* the loop's message; workers never use it */
	struct pipeline_gen *gen; /* a reference owned by the job */
	double t_submit;        /* cmd_now() at submission */
	/* Set by the worker. */
	enum pipeline_status status;
	const char *dlq_stage;  /* "decode" or "extract" */
	const char *dlq_reason; /* article_reason(), extract_limit() or "extract_error" */
	char err[256];
	char *pb;
	size_t pblen, pbcap;
	struct pipeline_out *out;
	size_t nout;
	/* The rule of every mention of every event, for the matches-per-rule
	 * metric; the ids live as long as the job's generation. */
	const char **mention_rules;
	size_t nmention_rules;
};

struct pipeline;

/* A generation for rs (ownership moves to it) with one reference. NULL on
 * memory (rs is then destroyed). */
struct pipeline_gen *pipeline_gen_new(struct ruleset *rs);
struct pipeline_gen *pipeline_gen_ref(struct pipeline_gen *g);
/* Drops one reference; the last frees the ruleset. NULL-safe; any thread. */
void pipeline_gen_unref(struct pipeline_gen *g);

/* Starts nworkers threads. max_bytes is the article size limit. */
struct pipeline *pipeline_new(size_t nworkers, size_t max_bytes, char *errstr,
			      size_t errstr_size);

/* Sets the time budget per article (ms, 0: none; default
 * EVX_ARTICLE_TIME_BUDGET_MS) of the workers' extractors. Call it before
 * the first pipeline_submit(). */
void pipeline_set_time_budget(struct pipeline *p, long ms);

/* Stops the workers (jobs still queued are freed unprocessed, their opaque
 * messages handed to free_opaque when not NULL) and frees everything. */
void pipeline_destroy(struct pipeline *p, void (*free_opaque)(void *));

/* The read end of the wake-up pipe (non-blocking): readable when
 * completions are waiting. */
int pipeline_wake_fd(const struct pipeline *p);

/* A zeroed job, NULL on memory. The job takes a reference to gen. */
struct pipeline_job *pipeline_job_new(struct pipeline_gen *gen);
/* Frees a job and drops its generation reference (not its opaque). */
void pipeline_job_free(struct pipeline_job *job);

/* Queues job for the next free worker. Returns 0, or -1 without memory
 * (the job is then not queued). Loop thread only. */
int pipeline_submit(struct pipeline *p, struct pipeline_job *job);

/* Empties the wake-up pipe and returns the finished jobs whose earlier
 * jobs of the same partition are all returned, each partition's in offset
 * order (a list through ->next), NULL when none. Loop thread only. */
struct pipeline_job *pipeline_take(struct pipeline *p);

/* Moves every job not yet started to the completion list as
 * PIPELINE_CANCELLED (for a quick shutdown: only the jobs being run finish).
 * Within a partition the cancelled jobs all come after the finished ones,
 * so the finished ones stay an offset-ordered prefix. Loop thread only. */
void pipeline_cancel_queued(struct pipeline *p);

/* Jobs submitted and not yet taken: in all, and per worker (rounded up). */
size_t pipeline_inflight(const struct pipeline *p);
size_t pipeline_per_worker(const struct pipeline *p);

#endif
