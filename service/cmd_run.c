/*
 * cmd_run.c - `evextract run`: the streaming service, exactly-once (or
 * at-least-once).
 *
 * Wires the modules together on one libevent loop (the main thread):
 * kafka_in hands consumed articles to run_on_msg(), which submits them to the
 * pipeline's workers (partition p -> worker p % N); finished jobs come back
 * through the pipeline's wake-up pipe to run_on_done(), which produces their
 * events (or dead letters) into the open transaction through kafka_out and
 * moves the partition's watermark. Every commit interval (or commit batch)
 * the watermarks are sent with the transaction and committed. An aborted
 * transaction rewinds the consumer to the committed offsets and makes the
 * work in flight stale (kafka_in epochs), so nothing is lost or doubled.
 *
 * The loop never waits for the transaction coordinator: commits and aborts
 * run on kafka_out's transaction thread (kafka_out_commit_async,
 * kafka_out_abort_async). While one runs, finished jobs are held in the
 * pipeline (the completion event is switched off; backpressure pauses the
 * consumer when the workers' queues fill) and the producer is left alone;
 * the thread's wake-up (run_on_txn) takes the result, marks the offsets
 * committed or rewinds, and lets the held jobs through. A broker outage thus
 * delays the service without freezing its loop (HTTP, signals, heartbeats
 * of the rebalance protocol keep being served). Only shutdown waits for an
 * operation, bounded by shutdown_timeout_ms, and the revoke callback, bounded
 * by RUN_REVOKE_WAIT_MS (a lost assignment does not wait at all).
 *
 * At-least-once (delivery=at-least-once) has no transaction: each finished
 * article waits in a FIFO (run_alo) until the delivery reports of all its
 * messages came back; the watermark moves over the delivered prefix and
 * the consumer commits it every interval, on revocation and at shutdown.
 *
 * The loop never runs regexes and the workers never touch Kafka handles.
 * Signals are loop events: SIGINT/SIGTERM stop intake, let the articles
 * being extracted finish (queued ones are cancelled, left for the next
 * owner), commit, close the consumer and flush the producer within
 * shutdown_timeout_ms; SIGHUP reloads the rule pack, swapping it in only
 * when every inline example passes (jobs keep the generation they started
 * with, so each event names the pack version that produced it); with
 * watch_rules the same reload runs when the rule files change.
 */
#include <event2/event.h>
#include <ftw.h>
#include <librdkafka/rdkafka.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "diag.h"
#include "http.h"
#include "kafka_in.h"
#include "kafka_out.h"
#include "kafka_probe.h"
#include "kafka_stats.h"
#include "limits.h"
#include "log.h"
#include "metrics.h"
#include "pipeline.h"
#include "rulepack.h"
#include "rulestest.h"

extern char **environ;

/* How often the rule files are looked at for changes (watch_rules), ms. */
#ifndef RUN_WATCH_INTERVAL_MS
#define RUN_WATCH_INTERVAL_MS 1000
#endif

/* How long init_transactions and each transactional call may take, ms. */
#ifndef RUN_TXN_TIMEOUT_MS
#define RUN_TXN_TIMEOUT_MS 30000
#endif

/* How many times a producer may be replaced after a fatal error that a new
 * one cures (run_renew_producer) before the service gives up. */
#ifndef RUN_MAX_RENEWALS
#define RUN_MAX_RENEWALS 5
#endif

/* How long the revoke callback waits for a commit of the partitions being
 * revoked (the next owner should see their offsets), ms. */
#ifndef RUN_REVOKE_WAIT_MS
#define RUN_REVOKE_WAIT_MS 10000
#endif

/* At-least-once: a finished article whose messages are not all delivered
 * yet. Kept in completion order, which is offset order per partition, so
 * the offsets move only over a delivered prefix. */
struct run_alo {
	struct run_alo *next;
	int32_t partition;
	int64_t offset;
	uint32_t epoch;
	size_t pending;        /* messages without a delivery report yet */
	int failed;
};

struct run {
	struct config cfg;
	int alo;               /* delivery = at-least-once */
	struct run_alo *alo_head, *alo_tail;
	const char *rules_path;
	struct event_base *base;
	struct metrics *m;
	struct http *http;
	struct pipeline *pl;
	struct kafka_in *kin;
	struct kafka_out *kout;
	struct pipeline_gen *gen;
	struct event *ev_sig[3];
	struct event *ev_done;
	struct event *ev_txn;      /* the transaction thread's wake-up */
	struct event *ev_tick;
	struct event *ev_deadline;
	struct event *ev_watch;
	uint64_t watch_stamp;  /* of the rule files at the last look */
	int watch_pending;     /* changed at the last look: reload once still */
	size_t txn_articles;   /* articles finished in the open transaction */
	double t_commit;        /* when the running commit started (cmd_now) */
	int commit_due;         /* a tick found an operation running */
	int stopping;
	int finished;
	int exit_code;
	int in_revoke;
	int producer_held;     /* this pause is kept up by the producer */
	int renewals;          /* producers replaced after a fatal error */
};

static const double run_latency_buckets[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
};

/* One partition's lag from the statistics (loop thread). */
static void run_on_lag(void *arg, int32_t partition, int64_t lag)
{
	struct run *r = arg;
	char labels[256];

	snprintf(labels, sizeof(labels), "topic=\"%s\",partition=\"%d\"",
		 r->cfg.articles_topic, (int)partition);
	metrics_set(r->m, "evextract_consumer_lag", labels, (double)lag);
}

/* librdkafka's statistics (loop thread): the consumer lag gauges. */
static void run_on_stats(void *arg, const char *json, size_t len)
{
	struct run *r = arg;

	if (kafka_stats_lag(json, len, r->cfg.articles_topic, run_on_lag, r) < 0)
		LOG(LOG_DEBUG, "msg=\"statistics not understood\" bytes=%zu", len);
}

static int run_declare_metrics(struct metrics *m)
{
	int rc = 0;

	rc |= metrics_declare(m, "evextract_articles_consumed_total",
			      METRICS_COUNTER, "Articles consumed from Kafka.", NULL, 0);
	rc |= metrics_declare(m, "evextract_events_produced_total", METRICS_COUNTER,
			      "Events produced, by type.", NULL, 0);
	rc |= metrics_declare(m, "evextract_dlq_messages_total", METRICS_COUNTER,
			      "Articles sent to the dead-letter topic, by reason.",
			      NULL, 0);
	rc |= metrics_declare(m, "evextract_processing_seconds", METRICS_HISTOGRAM,
			      "Time from submission to a worker until the "
			      "article's output is produced.",
			      run_latency_buckets,
			      sizeof(run_latency_buckets) / sizeof(double));
	rc |= metrics_declare(m, "evextract_transactions_committed_total",
			      METRICS_COUNTER, "Transactions committed.", NULL, 0);
	rc |= metrics_declare(m, "evextract_transactions_aborted_total",
			      METRICS_COUNTER, "Transactions aborted (the input "
			      "was rewound and done again).", NULL, 0);
	rc |= metrics_declare(m, "evextract_rule_pack_info", METRICS_GAUGE,
			      "The rule pack in use (1) and the ones replaced (0).",
			      NULL, 0);
	rc |= metrics_declare(m, "evextract_rule_reloads_total", METRICS_COUNTER,
			      "Rule pack reloads, by result.", NULL, 0);
	rc |= metrics_declare(m, "evextract_rule_match_limit_total",
			      METRICS_COUNTER, "Articles where a rule hit its PCRE2 "
			      "match limit, by rule.", NULL, 0);
	rc |= metrics_declare(m, "evextract_rule_matches_total", METRICS_COUNTER,
			      "Rule matches in the events produced (each mention "
			      "of an event), by rule.", NULL, 0);
	rc |= metrics_declare(m, "evextract_producer_backpressure_total",
			      METRICS_COUNTER, "Times consumption paused because "
			      "the producer held --producer-queue-max messages "
			      "not yet acknowledged.", NULL, 0);
	rc |= metrics_declare(m, "evextract_consumer_lag", METRICS_GAUGE,
			      "Messages of the articles topic not yet committed, "
			      "per partition (librdkafka statistics).", NULL, 0);
	return rc ? -1 : 0;
}

/* Sets the rule pack info gauge of gen to v. */
static void run_pack_info(struct run *r, const struct pipeline_gen *gen, double v)
{
	char labels[512];
	const struct ruleset *rs = gen->rs;

	for (size_t i = 0; i < rs->npacks; i++) {
		snprintf(labels, sizeof(labels),
			 "pack=\"%s\",version=\"%s\",hash=\"%s\"",
			 rs->packs[i].name ? rs->packs[i].name : "",
			 rs->packs[i].version ? rs->packs[i].version : "",
			 rs->hash);
		metrics_set(r->m, "evextract_rule_pack_info", labels, v);
	}
}

static void run_stop(struct run *r, int exit_code, const char *why);
static void run_finish(struct run *r);
static void run_finish_txn(struct run *r);

static void run_on_txn(evutil_socket_t fd, short what, void *arg);
static void run_release(struct run *r);

/* Replaces a producer that hit a fatal error a new one cures (not fenced,
 * not unauthorised): init_transactions with the same transactional.id
 * fences the old producer and ends its transaction at the coordinator.
 * Blocks for init_transactions (the broker answered the failing call, so it
 * is there). Returns 0 or -1. */
static int run_renew_producer(struct run *r)
{
	char err[512];
	struct kafka_out *ko;

	if (r->alo || r->stopping || kafka_out_fenced(r->kout) ||
	    r->renewals >= RUN_MAX_RENEWALS)
		return -1;
	r->renewals++;
	LOG(LOG_WARN, "msg=\"producer failed fatally; replacing it (the open "
		      "transaction is lost and the input rewound)\" renewal=%d",
	    r->renewals);
	/* The new one first: its init_transactions fences the old one. */
	ko = kafka_out_new(&r->cfg, RUN_TXN_TIMEOUT_MS, err, sizeof(err));
	if (!ko) {
		LOG(LOG_ERROR, "msg=\"cannot replace the producer\" err=\"%s\"", err);
		return -1;
	}
	if (r->ev_txn) {
		event_free(r->ev_txn);
		r->ev_txn = NULL;
	}
	kafka_out_destroy(r->kout, 0);
	r->kout = ko;
	r->ev_txn = event_new(r->base, kafka_out_txn_fd(ko), EV_READ | EV_PERSIST,
			      run_on_txn, r);
	if (!r->ev_txn || event_add(r->ev_txn, NULL) < 0)
		return -1;
	run_release(r);
	return 0;
}

/* A transactional failure: abort was done (rewind the input), or fatal. */
static void run_txn_failed(struct run *r, int rc)
{
	if (rc == KAFKA_OUT_FATAL && run_renew_producer(r) < 0) {
		run_stop(r, 1, "fatal producer error (see the errors above)");
		return;
	}
	metrics_add(r->m, "evextract_transactions_aborted_total", NULL, 1);
	r->txn_articles = 0;
	/* Partitions that stay go back to their committed offsets; those
	 * leaving are skipped; a seek that fails is retried by kafka_in. */
	kafka_in_rewind(r->kin);
}

/* Finished jobs wait in the pipeline while a transactional operation runs
 * (nothing may be produced meanwhile), and go on when it ends. */
static void run_hold(struct run *r)
{
	event_del(r->ev_done);
}

static void run_release(struct run *r)
{
	if (r->finished)
		return;
	event_add(r->ev_done, NULL);
	event_active(r->ev_done, EV_READ, 0);
}

/* The end of a transactional operation: rc is 0 (committed),
 * KAFKA_OUT_ABORTED (rewind) or KAFKA_OUT_FATAL. */
static void run_txn_settle(struct run *r, int rc)
{
	if (rc == 0) {
		kafka_in_committed(r->kin);
		metrics_add(r->m, "evextract_transactions_committed_total", NULL, 1);
		LOG(LOG_DEBUG, "msg=\"transaction committed\" articles=%zu ms=%.1f",
		    r->txn_articles, (cmd_now() - r->t_commit) * 1000.0);
		r->txn_articles = 0;
	} else {
		run_txn_failed(r, rc);
	}
}

/* Starts aborting the open transaction (the input is rewound when it
 * ends). */
static void run_abort(struct run *r)
{
	int rc = kafka_out_abort_async(r->kout);

	if (rc == KAFKA_OUT_PENDING)
		run_hold(r);
	else if (rc == 0)
		run_txn_settle(r, KAFKA_OUT_ABORTED);
	/* KAFKA_OUT_ERR: an operation runs already; its end rewinds or
	 * commits what it covers. */
}

/* Starts committing the open transaction with the watermarks. Returns 0
 * (started, or nothing to commit) or -1. */
static int run_commit(struct run *r)
{
	rd_kafka_topic_partition_list_t *offsets;
	rd_kafka_consumer_group_metadata_t *cgmd;
	int rc;

	if (kafka_out_txn_busy(r->kout))
		return 0;
	r->commit_due = 0;
	offsets = kafka_in_offsets(r->kin);
	if (!offsets && !kafka_out_open(r->kout))
		return 0;
	cgmd = kafka_in_group_metadata(r->kin);
	r->t_commit = cmd_now();
	rc = kafka_out_commit_async(r->kout, offsets, cgmd);
	rd_kafka_consumer_group_metadata_destroy(cgmd);
	if (offsets)
		rd_kafka_topic_partition_list_destroy(offsets);
	if (rc == KAFKA_OUT_PENDING) {
		run_hold(r);
		return 0;
	}
	if (rc == 0)
		return 0;
	if (rc == KAFKA_OUT_FATAL)
		run_txn_failed(r, rc);
	else
		run_abort(r);
	return -1;
}

/* Waits at most wait_ms for the running operation and settles it. Returns
 * its result, 0 when none ran, or KAFKA_OUT_PENDING. */
static int run_txn_wait(struct run *r, int wait_ms)
{
	int rc;

	if (!kafka_out_txn_busy(r->kout))
		return 0;
	rc = kafka_out_txn_wait(r->kout, wait_ms);
	if (rc != KAFKA_OUT_PENDING) {
		run_txn_settle(r, rc);
		run_release(r);
	}
	return rc;
}

/* The transaction thread's wake-up (loop thread). */
static void run_on_txn(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	int busy = kafka_out_txn_busy(r->kout);
	int rc = kafka_out_txn_result(r->kout);

	/* A wake-up for a result a wait took already: nothing to settle. */
	if (!busy || rc == KAFKA_OUT_PENDING || r->finished)
		return;
	run_txn_settle(r, rc);
	run_release(r);
	if (r->stopping && (r->exit_code || pipeline_inflight(r->pl) == 0) &&
	    !r->in_revoke)
		run_finish(r);
}

/* The input format of rkm: the setting, else its content-type header, else
 * a sniff (an Article message starts with a field tag, not with text). */
static enum pipeline_format run_format(const struct run *r,
				       const rd_kafka_message_t *rkm)
{
	rd_kafka_headers_t *hdrs = NULL;
	const void *val = NULL;
	size_t len = 0;
	const unsigned char *p = rkm->payload;

	if (r->cfg.input_format == CONFIG_FORMAT_JSON)
		return PIPELINE_JSON;
	if (r->cfg.input_format == CONFIG_FORMAT_PROTOBUF)
		return PIPELINE_PROTOBUF;
	if (rd_kafka_message_headers(rkm, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
	    rd_kafka_header_get_last(hdrs, "content-type", &val, &len) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR && val) {
		if (len >= 8 && memmem(val, len, "protobuf", 8))
			return PIPELINE_PROTOBUF;
		if (len >= 4 && memmem(val, len, "json", 4))
			return PIPELINE_JSON;
	}
	if (rkm->len > 0 && (p[0] == '\t' || p[0] == '\r' ||
			     (p[0] >= 0x20 && p[0] < 0x7f)))
		return PIPELINE_JSON;
	return rkm->len > 0 ? PIPELINE_PROTOBUF : PIPELINE_JSON;
}

/* Notes (log line, metric) that the producer's queue holds consumption,
 * once per pause. */
static void run_producer_held(struct run *r, int queued)
{
	if (r->producer_held)
		return;
	r->producer_held = 1;
	LOG(LOG_DEBUG, "msg=\"consumption held by the producer queue\" "
		       "topic=%s queued=%d", r->cfg.events_topic, queued);
	metrics_add(r->m, "evextract_producer_backpressure_total", NULL, 1);
}

/* Producer backpressure: consumption pauses when the producer holds
 * producer_queue_max messages not yet acknowledged (full worker queues
 * pause it in run_on_msg), and resumes when both are down to half
 * (run_maybe_resume). Called after producing: only that adds to the
 * producer's queue. */
static void run_producer_pause(struct run *r)
{
	int queued;

	if (r->stopping || kafka_in_paused(r->kin))
		return;
	queued = kafka_out_queued(r->kout);
	if (queued >= r->cfg.producer_queue_max && r->alo) {
		/* The count includes delivery reports not served yet (the
		 * tick serves them): serve them first, so that only what the
		 * broker has not acknowledged counts. A fatal error this finds
		 * is acted on at the next tick, as always. */
		(void)kafka_out_poll(r->kout);
		if (r->stopping)
			return;
		queued = kafka_out_queued(r->kout);
	}
	if (queued >= r->cfg.producer_queue_max) {
		run_producer_held(r, queued);
		kafka_in_pause(r->kin);
	}
}

/* kafka_in's message callback (loop thread): one article to a worker. */
static void run_on_msg(void *arg, rd_kafka_message_t *rkm, uint32_t epoch)
{
	struct run *r = arg;
	struct pipeline_job *job = pipeline_job_new(r->gen);

	if (!job) {
		rd_kafka_message_destroy(rkm);
		run_stop(r, 1, "out of memory");
		return;
	}
	job->topic = rd_kafka_topic_name(rkm->rkt);
	job->partition = rkm->partition;
	job->offset = rkm->offset;
	job->epoch = epoch;
	job->buf = rkm->payload ? rkm->payload : "";
	job->len = rkm->len;
	job->format = run_format(r, rkm);
	job->opaque = rkm;
	job->t_submit = cmd_now();
	if (pipeline_submit(r->pl, job) < 0) {
		pipeline_job_free(job);
		rd_kafka_message_destroy(rkm);
		run_stop(r, 1, "out of memory");
		return;
	}
	metrics_add(r->m, "evextract_articles_consumed_total", NULL, 1);
	if (pipeline_per_worker(r->pl) >= (size_t)r->cfg.queue_max)
		kafka_in_pause(r->kin);
}

/* An article on which a rule hit its match limit: extract_article names the
 * rule in job->err ('rule "ID" hit its match limit'); it is counted per rule
 * and logged by id, so a rule that keeps hitting its limit stands out. */
static void run_note_match_limit(struct run *r, const struct pipeline_job *job)
{
	const char *id = strstr(job->err, "rule \""), *end;
	char labels[256];

	if (!id || !(end = strchr(id + 6, '"')) || memchr(id, '\\', (size_t)(end - id)))
		return;
	id += 6;
	snprintf(labels, sizeof(labels), "rule=\"%.*s\"", (int)(end - id), id);
	metrics_add(r->m, "evextract_rule_match_limit_total", labels, 1);
	LOG(LOG_WARN, "msg=\"rule hit its match limit\" rule=%.*s topic=%s "
		      "partition=%d offset=%lld", (int)(end - id), id, job->topic,
	    job->partition, (long long)job->offset);
}

/* Produces the output of one finished job (token: for at-least-once
 * delivery reports). Returns 0 or a kafka_out code. */
static int run_produce(struct run *r, struct pipeline_job *job, void *token)
{
	const rd_kafka_message_t *rkm = job->opaque;
	char labels[128];
	int rc;

	for (size_t i = 0; i < job->nout; i++) {
		const struct pipeline_out *o = &job->out[i];

		rc = kafka_out_event(r->kout, o->event_id, job->pb + o->off,
				     o->len, job->gen->pack, token);
		if (rc < 0)
			return rc;
		snprintf(labels, sizeof(labels), "type=\"%s\"",
			 o->type ? o->type : "");
		metrics_add(r->m, "evextract_events_produced_total", labels, 1);
	}
	for (size_t i = 0; i < job->nmention_rules; i++) {
		char rl[160];

		snprintf(rl, sizeof(rl), "rule=\"%s\"", job->mention_rules[i]);
		metrics_add(r->m, "evextract_rule_matches_total", rl, 1);
	}
	if (job->status == PIPELINE_OK)
		return 0;
	if (job->status == PIPELINE_PARTIAL)
		run_note_match_limit(r, job);
	LOG(LOG_WARN, "msg=\"dead letter\" topic=%s partition=%d offset=%lld "
		      "stage=%s reason=%s err=\"%s\"", job->topic, job->partition,
	    (long long)job->offset, job->dlq_stage, job->dlq_reason, job->err);
	rc = kafka_out_dlq(r->kout, rkm, job->dlq_stage, job->dlq_reason,
			   job->gen->pack, token);
	if (rc < 0)
		return rc;
	snprintf(labels, sizeof(labels), "reason=\"%s\"", job->dlq_reason);
	metrics_add(r->m, "evextract_dlq_messages_total", labels, 1);
	return 0;
}

/* At-least-once: moves the watermarks over the delivered prefix. A failed
 * delivery stops the service (exit 1) with its article uncommitted, so a
 * restart does it again: nothing is lost. */
static void run_alo_advance(struct run *r)
{
	struct run_alo *a;

	while ((a = r->alo_head) && a->pending == 0) {
		if (a->failed) {
			run_stop(r, 1, "a delivery failed");
			return;
		}
		if (kafka_in_current(r->kin, a->partition, a->epoch))
			kafka_in_finished(r->kin, a->partition, a->offset);
		r->alo_head = a->next;
		if (!r->alo_head)
			r->alo_tail = NULL;
		free(a);
	}
}

/* kafka_out's delivery reports (at-least-once; loop thread). */
static void run_on_dr(void *arg, void *token, int failed)
{
	struct run *r = arg;
	struct run_alo *a = token;

	if (a->pending)
		a->pending--;
	if (failed)
		a->failed = 1;
	if (!r->finished)
		run_alo_advance(r);
}

/* At-least-once: produces one job's output, tracked until delivered. */
static int run_produce_alo(struct run *r, struct pipeline_job *job)
{
	struct run_alo *a = calloc(1, sizeof(*a));
	int rc;

	if (!a)
		return KAFKA_OUT_FATAL;
	a->partition = job->partition;
	a->offset = job->offset;
	a->epoch = job->epoch;
	a->pending = job->nout + (job->status != PIPELINE_OK);
	if (r->alo_tail)
		r->alo_tail->next = a;
	else
		r->alo_head = a;
	r->alo_tail = a;
	/* Delivery reports come only from polls, never during produce. */
	rc = run_produce(r, job, a);
	if (rc < 0)
		a->failed = 1;
	return rc;
}

/* Takes the finished jobs and produces their output, in completion order
 * (offset order within a partition). Stale jobs (their partition revoked or
 * rewound since dispatch) are dropped: they will be consumed again. */
static void run_take_done(struct run *r)
{
	struct pipeline_job *job = pipeline_take(r->pl), *next;
	int rc;

	for (; job; job = next) {
		next = job->next;
		/* After a fatal error nothing more can be produced: the work
		 * is dropped uncommitted, for the next owner to do again. */
		/* After an abort started (a produce failed below), the rest
		 * is dropped: the rewind brings it back. */
		if (!r->finished && r->exit_code == 0 &&
		    job->status != PIPELINE_CANCELLED &&
		    !kafka_out_txn_busy(r->kout) &&
		    kafka_in_current(r->kin, job->partition, job->epoch)) {
			rc = r->alo ? run_produce_alo(r, job) :
				      run_produce(r, job, NULL);
			if (rc == 0 && r->alo) {
				metrics_observe(r->m, "evextract_processing_seconds",
						NULL, cmd_now() - job->t_submit);
			} else if (rc == 0) {
				kafka_in_finished(r->kin, job->partition,
						  job->offset);
				r->txn_articles++;
				metrics_observe(r->m, "evextract_processing_seconds",
						NULL, cmd_now() - job->t_submit);
			} else if (r->alo) {
				run_stop(r, 1, "produce failed");
			} else if (rc == KAFKA_OUT_FATAL) {
				run_txn_failed(r, rc);
			} else {
				/* The rest of this list is dropped (the
				 * operation is busy), and the abort's end
				 * rewinds the input. */
				run_abort(r);
			}
		}
		rd_kafka_message_destroy(job->opaque);
		pipeline_job_free(job);
	}
}

/* Resumes the consumer once the workers' queues have room again. Called on
 * completions and, as a safety net, every tick: completions taken inside a
 * revoke callback, or dropped as stale, never reach run_on_done. */
static void run_maybe_resume(struct run *r)
{
	int queued;

	if (!kafka_in_paused(r->kin) ||
	    pipeline_per_worker(r->pl) > (size_t)r->cfg.queue_max / 2)
		return;
	/* A pause for full worker queues that the producer keeps up counts
	 * as the producer's too. */
	queued = kafka_out_queued(r->kout);
	if (queued > r->cfg.producer_queue_max / 2) {
		run_producer_held(r, queued);
		return;
	}
	r->producer_held = 0;
	kafka_in_resume(r->kin);
}

/* The pipeline's wake-up (loop thread). */
static void run_on_done(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	/* Held while a transactional operation runs (run_hold). */
	if (!r->alo && kafka_out_txn_busy(r->kout))
		return;
	run_take_done(r);
	if (r->finished)
		return;
	run_producer_pause(r);
	if (r->alo)
		run_alo_advance(r);
	else if (!r->stopping &&
		 (r->commit_due ||
		  r->txn_articles >= (size_t)r->cfg.commit_batch))
		run_commit(r);
	run_maybe_resume(r);
	if (r->stopping && pipeline_inflight(r->pl) == 0)
		run_finish(r);
}

/* kafka_in's revoke callback (loop thread, inside a consumer poll): the
 * finished work of the partitions is committed now; what is still in the
 * workers becomes stale and the next owner does it again. Lost partitions
 * cannot be committed for: the transaction is aborted instead. */
static void run_on_revoke(void *arg, const rd_kafka_topic_partition_list_t *parts,
			  int lost)
{
	struct run *r = arg;

	if (r->finished)
		return;
	r->in_revoke = 1;
	if (!r->alo) {
		/* A lost assignment cannot be committed for: abort without
		 * waiting (the broker may well be away). Otherwise the
		 * finished work of the revoked partitions is committed now,
		 * waiting a bounded time, so the next owner sees it. */
		if (lost) {
			if (run_txn_wait(r, 0) == KAFKA_OUT_PENDING) {
				/* Its end aborts or commits what it covers;
				 * the lost partitions are out of the
				 * bookkeeping already. */
				r->in_revoke = 0;
				return;
			}
			run_take_done(r);
			if (kafka_out_open(r->kout) && !kafka_out_txn_busy(r->kout))
				run_abort(r);
		} else if (run_txn_wait(r, RUN_REVOKE_WAIT_MS) != KAFKA_OUT_PENDING) {
			run_take_done(r);
			if (!kafka_out_txn_busy(r->kout) && run_commit(r) == 0)
				run_txn_wait(r, RUN_REVOKE_WAIT_MS);
		}
		if (kafka_out_txn_busy(r->kout))
			LOG(LOG_WARN, "msg=\"revocation: transaction still in "
				      "progress; it ends in the background\" "
				      "lost=%d", lost);
		r->in_revoke = 0;
		return;
	}
	/* At-least-once: deliver what is finished, then commit its offsets. */
	run_take_done(r);
	if (kafka_out_flush(r->kout, RUN_TXN_TIMEOUT_MS) < 0)
		LOG(LOG_WARN, "msg=\"deliveries still pending at revocation\"");
	run_alo_advance(r);
	if (!lost)
		kafka_in_commit(r->kin, 0);
	r->in_revoke = 0;
}

/* The commit timer (loop thread): serves the producer, checks for fatal
 * errors and commits what is finished. */
static void run_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	char why[256];
	int rc;

	if (r->finished)
		return;
	if (r->stopping && r->exit_code && !r->in_revoke) {
		run_finish(r);
		return;
	}
	if (!r->alo && kafka_out_txn_busy(r->kout)) {
		/* The transaction thread serves the producer meanwhile. The
		 * commit this tick would have started starts as soon as the
		 * running operation ends (run_on_done): otherwise the work
		 * held during a commit longer than the interval waited for
		 * a second tick. */
		r->commit_due = 1;
		if (rd_kafka_fatal_error(kafka_in_handle(r->kin), why,
					 sizeof(why))) {
			LOG(LOG_ERROR, "msg=\"consumer fatal error\" reason=\"%s\"",
			    why);
			run_stop(r, 1, "fatal consumer error");
		}
		return;
	}
	rc = kafka_out_poll(r->kout);
	if (rc == KAFKA_OUT_FATAL || (rc < 0 && r->alo)) {
		run_txn_failed(r, KAFKA_OUT_FATAL);
		return;
	}
	if (rc < 0) {
		/* A delivery of the open transaction failed. */
		run_abort(r);
		return;
	}
	if (r->alo) {
		if (!r->stopping) {
			kafka_in_commit(r->kin, 1);
			run_maybe_resume(r);
			kafka_in_kick(r->kin);
		}
		return;
	}
	if (rd_kafka_fatal_error(kafka_in_handle(r->kin), why, sizeof(why))) {
		LOG(LOG_ERROR, "msg=\"consumer fatal error\" reason=\"%s\"", why);
		run_stop(r, 1, "fatal consumer error");
		return;
	}
	if (!r->stopping) {
		run_commit(r);
		run_maybe_resume(r);
		kafka_in_kick(r->kin);
	}
}

/* Exactly-once end: waits for a running operation, commits what is
 * finished (or aborts after a failure), within shutdown_timeout_ms. An
 * abort leaves the work uncommitted for the next owner, which is no error;
 * a fatal error or an operation that does not end in time is. */
static void run_finish_txn(struct run *r)
{
	int wait_ms = (int)r->cfg.shutdown_timeout_ms;
	int rc = run_txn_wait(r, wait_ms);

	if (rc == KAFKA_OUT_PENDING)
		goto late;
	if (r->exit_code == 0 && rc == 0) {
		run_take_done(r);
		if (!kafka_out_txn_busy(r->kout))
			run_commit(r);
		if (run_txn_wait(r, wait_ms) == KAFKA_OUT_PENDING)
			goto late;
	}
	if (r->exit_code != 0 && kafka_out_open(r->kout)) {
		run_abort(r);
		if (run_txn_wait(r, wait_ms) == KAFKA_OUT_PENDING)
			goto late;
	}
	return;
late:
	LOG(LOG_ERROR, "msg=\"the transaction did not end within the shutdown "
		       "timeout; leaving it to the coordinator\" timeout_ms=%d",
	    wait_ms);
	r->exit_code = 1;
}

/* Ends the run: commit (or abort after a failure), leave the group, stop
 * the loop. The handles are destroyed by cmd_run after the loop. */
static void run_finish(struct run *r)
{
	if (r->finished)
		return;
	if (r->alo) {
		/* What is delivered is committed even after a failure: the
		 * watermark never passes an undelivered article. */
		if (kafka_out_flush(r->kout, (int)r->cfg.shutdown_timeout_ms) < 0)
			LOG(LOG_WARN, "msg=\"deliveries still pending at "
				      "shutdown\"");
		run_alo_advance(r);
		if (kafka_in_commit(r->kin, 0) < 0 && r->exit_code == 0)
			r->exit_code = 1;
	} else {
		run_finish_txn(r);
	}
	r->finished = 1;
	kafka_in_close(r->kin);
	LOG(LOG_INFO, "msg=\"stopped\" exit_code=%d", r->exit_code);
	event_base_loopexit(r->base, NULL);
}

static void run_on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	LOG(LOG_ERROR, "msg=\"shutdown timed out; aborting\" in_flight=%zu "
		       "timeout_ms=%ld", pipeline_inflight(r->pl),
	    r->cfg.shutdown_timeout_ms);
	r->exit_code = 1;
	run_finish(r);
}

/* Starts the orderly shutdown: no new intake, finish what is in flight. */
static void run_stop(struct run *r, int exit_code, const char *why)
{
	struct timeval tv;

	if (exit_code && !r->exit_code)
		r->exit_code = exit_code;
	if (r->stopping)
		return;
	r->stopping = 1;
	LOG(exit_code ? LOG_ERROR : LOG_INFO,
	    "msg=\"shutting down\" why=\"%s\" in_flight=%zu", why,
	    pipeline_inflight(r->pl));
	kafka_in_stop(r->kin);
	/* Only the articles being extracted now finish; the queued ones are
	 * left uncommitted for the next owner, so shutdown takes about one
	 * article's time, not a queue's. */
	pipeline_cancel_queued(r->pl);
	tv.tv_sec = r->cfg.shutdown_timeout_ms / 1000;
	tv.tv_usec = (r->cfg.shutdown_timeout_ms % 1000) * 1000;
	r->ev_deadline = evtimer_new(r->base, run_on_deadline, r);
	if (r->ev_deadline)
		evtimer_add(r->ev_deadline, &tv);
	/* Inside a rebalance callback the consumer cannot be closed: the
	 * next completion or tick finishes instead. After a failure there is
	 * nothing to wait for: the work in flight cannot be committed. */
	if ((pipeline_inflight(r->pl) == 0 || r->exit_code) && !r->in_revoke)
		run_finish(r);
	else
		event_active(r->ev_done, EV_READ, 0);
}

/* SIGHUP: builds the pack again, runs its examples, swaps when all pass. */
static void run_reload(struct run *r)
{
	struct diag d = {0};
	struct rulepack *rp = rulepack_load(r->rules_path, &d);
	struct ruleset *rs = NULL;
	struct pipeline_gen *gen;
	size_t passed = 0, failed = 0;

	if (rp)
		rs = ruleset_build(rp, &d);
	if (!rs) {
		LOG(LOG_ERROR, "msg=\"rule reload rejected: the pack has errors; "
			       "keeping the old one\" path=%s errors=%zu",
		    r->rules_path, d.nerrors);
		diag_print(&d, stderr);
		metrics_add(r->m, "evextract_rule_reloads_total",
			    "result=\"rejected\"", 1);
		goto out;
	}
	if (rulestest_run(rp, rs, NULL, 0, &passed, &failed) < 0 || failed) {
		LOG(LOG_ERROR, "msg=\"rule reload rejected: examples fail; keeping "
			       "the old pack\" path=%s passed=%zu failed=%zu "
			       "hint=\"evextract rules test %s\"",
		    r->rules_path, passed, failed, r->rules_path);
		ruleset_destroy(rs);
		metrics_add(r->m, "evextract_rule_reloads_total",
			    "result=\"rejected\"", 1);
		goto out;
	}
	/* pipeline_gen_new() takes ownership of rs. */
	gen = pipeline_gen_new(rs);
	if (!gen) {
		LOG(LOG_ERROR, "msg=\"rule reload failed: out of memory\"");
		goto out;
	}
	run_pack_info(r, r->gen, 0);
	run_pack_info(r, gen, 1);
	LOG(LOG_INFO, "msg=\"rules reloaded\" old=%s new=%s hash=%s rules=%zu "
		      "examples=%zu", r->gen->pack, gen->pack, gen->rs->hash,
	    gen->rs->nrules, passed);
	pipeline_gen_unref(r->gen);
	r->gen = gen;
	metrics_add(r->m, "evextract_rule_reloads_total", "result=\"ok\"", 1);
out:
	rulepack_destroy(rp);
	diag_clear(&d);
}

/* nftw() has no context argument: the stamp being folded lives here. It
 * is only used on the loop thread, one walk at a time. */
static uint64_t run_walk_stamp;

static int run_walk_visit(const char *path, const struct stat *st, int flag,
			  struct FTW *ftw)
{
	uint64_t v[4] = {(uint64_t)st->st_mtim.tv_sec,
			 (uint64_t)st->st_mtim.tv_nsec, (uint64_t)st->st_size,
			 (uint64_t)st->st_ino};

	if (flag != FTW_F)
		return 0;
	for (int i = 0; i < 4; i++)
		run_walk_stamp = (run_walk_stamp ^ v[i]) * 1099511628211ULL;
	return 0;
}

/* A stamp of the rule files' names, sizes and times (0 when unreadable). */
static uint64_t run_rules_stamp(const char *path)
{
	run_walk_stamp = 14695981039346656037ULL;
	if (nftw(path, run_walk_visit, 16, FTW_PHYS) != 0)
		return 0;
	return run_walk_stamp;
}

/* watch_rules: reloads once the rule files changed and then stayed the
 * same for one interval, so an editor's save in several writes reloads
 * once, after the last one. A failed reload keeps the old pack and waits
 * for the next change. */
static void run_on_watch(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	uint64_t stamp = run_rules_stamp(r->rules_path);

	if (r->stopping || stamp == 0)
		return;
	if (stamp != r->watch_stamp) {
		r->watch_stamp = stamp;
		r->watch_pending = 1;
		return;
	}
	if (r->watch_pending) {
		r->watch_pending = 0;
		LOG(LOG_INFO, "msg=\"rule files changed; reloading\" path=%s",
		    r->rules_path);
		run_reload(r);
	}
}

static void run_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct run *r = arg;

	if (sig == SIGHUP) {
		run_reload(r);
		return;
	}
	run_stop(r, 0, sig == SIGINT ? "SIGINT" : "SIGTERM");
}

/* /readyz: ready while running. */
static int run_ready(void *arg, char *why, size_t why_size)
{
	struct run *r = arg;

	if (r->stopping) {
		snprintf(why, why_size, "shutting down");
		return 0;
	}
	return 1;
}

/* Builds everything; fills err and returns 2 on a configuration error or 1
 * on another start-up failure. */
static int run_start(struct run *r)
{
	static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
	char err[512];
	struct ruleset *rs;
	struct timeval tick;
	int rc;

	r->alo = r->cfg.delivery == CONFIG_AT_LEAST_ONCE;
	r->rules_path = cmd_rules_path(r->cfg.rules);
	rs = cmd_load_ruleset(r->rules_path);
	if (!rs)
		return CMD_EXIT_USAGE;
	/* pipeline_gen_new() takes ownership of rs. */
	r->gen = pipeline_gen_new(rs);
	r->m = metrics_new();
	if (!r->gen || !r->m || run_declare_metrics(r->m) < 0) {
		LOG(LOG_ERROR, "msg=\"out of memory\"");
		return 1;
	}
	run_pack_info(r, r->gen, 1);
	LOG(LOG_INFO, "msg=\"rules loaded\" path=%s pack=%s hash=%s rules=%zu",
	    r->rules_path, r->gen->pack, r->gen->rs->hash, r->gen->rs->nrules);
	r->base = event_base_new();
	if (!r->base) {
		LOG(LOG_ERROR, "msg=\"cannot create the event loop\"");
		return 1;
	}
	r->pl = pipeline_new((size_t)r->cfg.workers, r->cfg.max_bytes, err,
			     sizeof(err));
	if (!r->pl) {
		LOG(LOG_ERROR, "msg=\"cannot start workers\" err=\"%s\"", err);
		return 1;
	}
	pipeline_set_time_budget(r->pl, r->cfg.article_time_budget_ms);
	r->ev_done = event_new(r->base, pipeline_wake_fd(r->pl),
			       EV_READ | EV_PERSIST, run_on_done, r);
	if (!r->ev_done || event_add(r->ev_done, NULL) < 0)
		return 1;
	/* The brokers must answer with our security settings first: a wrong
	 * password or certificate stops start-up here instead of leaving the
	 * clients retrying for ever (kafka_probe.c). */
	rc = kafka_probe(&r->cfg, EVX_KAFKA_STARTUP_TIMEOUT_MS, err,
			 sizeof(err));
	if (rc != 0) {
		LOG(LOG_ERROR, "msg=\"cannot start: %s\" brokers=%s err=\"%s\"",
		    rc == KAFKA_PROBE_AUTH ? "Kafka authentication failed"
					   : "Kafka brokers not usable",
		    r->cfg.brokers, err);
		return rc == KAFKA_PROBE_AUTH || strncmp(err, "kafka.", 6) == 0
			       ? CMD_EXIT_USAGE : 1;
	}
	/* The producer first: init_transactions fences an older instance with
	 * the same transactional.id before this one consumes anything. */
	r->kout = kafka_out_new(&r->cfg, RUN_TXN_TIMEOUT_MS, err, sizeof(err));
	if (!r->kout) {
		LOG(LOG_ERROR, "msg=\"producer failed\" err=\"%s\"", err);
		return strncmp(err, "kafka.", 6) == 0 ? CMD_EXIT_USAGE : 1;
	}
	if (r->alo)
		kafka_out_set_dr(r->kout, run_on_dr, r);
	if (kafka_out_txn_fd(r->kout) >= 0) {
		r->ev_txn = event_new(r->base, kafka_out_txn_fd(r->kout),
				      EV_READ | EV_PERSIST, run_on_txn, r);
		if (!r->ev_txn || event_add(r->ev_txn, NULL) < 0)
			return 1;
	}
	r->kin = kafka_in_new(&r->cfg, r->base, run_on_msg, run_on_revoke, r,
			      err, sizeof(err));
	if (!r->kin) {
		LOG(LOG_ERROR, "msg=\"consumer failed\" err=\"%s\"", err);
		return strncmp(err, "kafka.", 6) == 0 ? CMD_EXIT_USAGE : 1;
	}
	kafka_in_on_stats(r->kin, run_on_stats, r);
	for (int i = 0; i < 3; i++) {
		r->ev_sig[i] = evsignal_new(r->base, sigs[i], run_on_signal, r);
		if (!r->ev_sig[i] || event_add(r->ev_sig[i], NULL) < 0)
			return 1;
	}
	tick.tv_sec = r->cfg.commit_interval_ms / 1000;
	tick.tv_usec = (r->cfg.commit_interval_ms % 1000) * 1000;
	r->ev_tick = event_new(r->base, -1, EV_PERSIST, run_on_tick, r);
	if (!r->ev_tick || event_add(r->ev_tick, &tick) < 0)
		return 1;
	if (r->cfg.watch_rules) {
		struct timeval wtv = {RUN_WATCH_INTERVAL_MS / 1000,
				      (RUN_WATCH_INTERVAL_MS % 1000) * 1000};

		r->watch_stamp = run_rules_stamp(r->rules_path);
		r->ev_watch = event_new(r->base, -1, EV_PERSIST, run_on_watch, r);
		if (!r->ev_watch || event_add(r->ev_watch, &wtv) < 0)
			return 1;
	}
	if (r->cfg.http && *r->cfg.http) {
		r->http = http_new(r->base, r->cfg.http, r->m, run_ready, r, err,
				   sizeof(err));
		if (!r->http) {
			LOG(LOG_ERROR, "msg=\"http failed\" err=\"%s\"", err);
			return CMD_EXIT_USAGE;
		}
		LOG(LOG_INFO, "msg=\"http listening\" addr=%s port=%d",
		    r->cfg.http, http_port(r->http));
	}
	LOG(LOG_INFO, "msg=\"running\" brokers=%s group=%s topic=%s events=%s "
		      "dlq=%s workers=%ld delivery=%s transactional_id=%s",
	    r->cfg.brokers, r->cfg.group_id, r->cfg.articles_topic,
	    r->cfg.events_topic, r->cfg.dlq_topic, r->cfg.workers,
	    r->alo ? "at-least-once" : "exactly-once",
	    r->alo ? "-" : r->cfg.transactional_id);
	return 0;
}

static void run_free_msg(void *rkm)
{
	rd_kafka_message_destroy(rkm);
}

/* Shutdown order: the consumer is closed already (run_finish); workers
 * stop (their unfinished messages are released while the consumer handle
 * still exists), the producer flushes, handles go, rules, the loop. */
static void run_cleanup(struct run *r)
{
	http_destroy(r->http);
	pipeline_destroy(r->pl, run_free_msg);
	kafka_out_destroy(r->kout, (int)r->cfg.shutdown_timeout_ms);
	kafka_in_destroy(r->kin);
	for (int i = 0; i < 3; i++)
		if (r->ev_sig[i])
			event_free(r->ev_sig[i]);
	if (r->ev_done)
		event_free(r->ev_done);
	if (r->ev_txn)
		event_free(r->ev_txn);
	if (r->ev_tick)
		event_free(r->ev_tick);
	if (r->ev_deadline)
		event_free(r->ev_deadline);
	if (r->ev_watch)
		event_free(r->ev_watch);
	while (r->alo_head) {
		struct run_alo *next = r->alo_head->next;

		free(r->alo_head);
		r->alo_head = next;
	}
	pipeline_gen_unref(r->gen);
	metrics_destroy(r->m);
	if (r->base)
		event_base_free(r->base);
	config_free(&r->cfg);
}

int cmd_run(int argc, char **argv)
{
	struct run r;
	char err[512];
	enum log_level lv;
	int rc;

	memset(&r, 0, sizeof(r));
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
	/* Large blocks (fetch buffers) mapped on their own: limits.h. */
	mallopt(M_MMAP_THRESHOLD, EVX_RUN_MMAP_THRESHOLD);
#endif
	rc = config_load(&r.cfg, argc, argv, environ, err, sizeof(err));
	if (rc == 1) {
		config_usage(stdout);
		config_free(&r.cfg);
		return CMD_EXIT_OK;
	}
	if (rc < 0) {
		config_free(&r.cfg);
		return cmd_usage_error("run", "%s", err);
	}
	if (log_parse_level(r.cfg.log_level, &lv) < 0) {
		rc = cmd_usage_error("run", "--log-level: unknown level \"%s\"",
				     r.cfg.log_level);
		config_free(&r.cfg);
		return rc;
	}
	log_min_level = lv;
	rc = run_start(&r);
	if (rc == 0) {
		event_base_dispatch(r.base);
		rc = r.exit_code;
	}
	run_cleanup(&r);
	return rc;
}
