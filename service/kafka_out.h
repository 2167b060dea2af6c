/*
 * kafka_out.h - the service's transactional producer: events, dead letters
 * and consumed offsets committed together (exactly-once).
 *
 * Each event is one message on cfg->events_topic (key = event_id, value =
 * protobuf Event, headers content-type, schema, schema-version, rule-pack).
 * Bad input goes to cfg->dlq_topic with its original key, bytes and headers
 * plus dlq-stage, dlq-reason, source-topic, source-partition, source-offset
 * and rule-pack. A transaction is begun on the first message and committed
 * with the consumer's offsets by kafka_out_commit(). Loop thread only.
 */
#ifndef EVX_KAFKA_OUT_H
#define EVX_KAFKA_OUT_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "config.h"

/* Status codes besides 0. */
enum {
	KAFKA_OUT_ERR = -1,     /* the call failed; nothing else to do */
	KAFKA_OUT_ABORTED = -2, /* the transaction was aborted: rewind the input */
	KAFKA_OUT_FATAL = -3,   /* the producer cannot go on: shut down, exit non-zero */
	KAFKA_OUT_PENDING = -4, /* a background operation is still running */
};

struct kafka_out;

/* Creates the producer and initialises transactions (waiting at most
 * timeout_ms). NULL and errstr filled on failure. */
struct kafka_out *kafka_out_new(const struct config *cfg, int timeout_ms,
				char *errstr, size_t errstr_size);

/* Flushes (at most timeout_ms), aborts an open transaction and destroys
 * the producer. NULL-safe. */
void kafka_out_destroy(struct kafka_out *ko, int timeout_ms);

/* At-least-once mode (cfg->delivery): an idempotent producer without
 * transactions; each message's delivery is reported to on_dr with the
 * token given when it was produced (failed: non-zero when librdkafka gave
 * up on it). Called on the loop thread from kafka_out_poll() and flushes. */
typedef void (*kafka_out_dr_fn)(void *arg, void *token, int failed);
void kafka_out_set_dr(struct kafka_out *ko, kafka_out_dr_fn on_dr, void *arg);

/* Produces one event in the open transaction (begun when needed; none in
 * at-least-once mode). token: for on_dr (at-least-once), else NULL.
 * Returns 0, KAFKA_OUT_FATAL, or (exactly-once) KAFKA_OUT_ERR: the
 * transaction must be aborted and the input rewound. */
int kafka_out_event(struct kafka_out *ko, const char *event_id,
		    const void *pb, size_t len, const char *pack, void *token);

/* Produces the dead letter for rkm (the consumed message) in the open
 * transaction. */
int kafka_out_dlq(struct kafka_out *ko, const rd_kafka_message_t *rkm,
		  const char *stage, const char *reason, const char *pack,
		  void *token);

/* Waits up to timeout_ms for every message to be delivered (at-least-once
 * shutdown and revocation; delivery reports are served). Returns 0 or -1
 * when some are still queued. */
int kafka_out_flush(struct kafka_out *ko, int timeout_ms);

/* Sends offsets (may be NULL) with the consumer group metadata and commits
 * the open transaction; begins one first when offsets are given and none is
 * open. Returns 0, KAFKA_OUT_ABORTED (aborted: rewind) or KAFKA_OUT_FATAL. */
int kafka_out_commit(struct kafka_out *ko,
		     const rd_kafka_topic_partition_list_t *offsets,
		     const rd_kafka_consumer_group_metadata_t *cgmd,
		     int timeout_ms);

/* Aborts the open transaction, if any. Returns 0 or KAFKA_OUT_FATAL. */
int kafka_out_abort(struct kafka_out *ko, int timeout_ms);

/* 1 while a transaction is open. */
int kafka_out_open(const struct kafka_out *ko);

/* Serves delivery reports, logs and errors (non-blocking; nothing while a
 * background operation runs). Returns 0, KAFKA_OUT_ERR when a delivery of
 * the open transaction failed (abort it, e.g. kafka_out_abort_async, and
 * rewind the input), or KAFKA_OUT_FATAL. */
int kafka_out_poll(struct kafka_out *ko);

/* Messages produced and not yet delivered. */
int kafka_out_queued(const struct kafka_out *ko);

/*
 * Exactly-once without blocking the loop: the commit (send offsets, commit,
 * and the abort when either fails) or an abort runs on the transaction
 * thread. From the start until the result is taken the caller must not
 * produce, poll or call another transactional function; the thread serves
 * the producer's callbacks meanwhile. kafka_out_txn_fd() becomes readable
 * when the operation ends; kafka_out_txn_result() then gives 0 (committed),
 * KAFKA_OUT_ABORTED (rewind the input) or KAFKA_OUT_FATAL, once.
 * kafka_out_commit() and kafka_out_abort() are these plus a wait.
 */

/* Starts committing the open transaction (begun first when offsets are
 * given and none is open). offsets and cgmd are copied. Returns
 * KAFKA_OUT_PENDING (started), 0 (nothing to commit), KAFKA_OUT_ERR
 * (not started: an operation runs, or no memory) or KAFKA_OUT_FATAL. */
int kafka_out_commit_async(struct kafka_out *ko,
			   const rd_kafka_topic_partition_list_t *offsets,
			   const rd_kafka_consumer_group_metadata_t *cgmd);

/* Starts aborting the open transaction. Returns KAFKA_OUT_PENDING, 0 (none
 * open) or KAFKA_OUT_ERR (an operation runs). */
int kafka_out_abort_async(struct kafka_out *ko);

/* 1 from the start of an operation until its result is taken. */
int kafka_out_txn_busy(const struct kafka_out *ko);

/* The read end of the wake-up pipe (non-blocking); -1 without transactions. */
int kafka_out_txn_fd(const struct kafka_out *ko);

/* The result of the operation (taking it), KAFKA_OUT_PENDING while it
 * runs, 0 when none was started. Never blocks. */
int kafka_out_txn_result(struct kafka_out *ko);

/* Waits at most timeout_ms (< 0: until it ends) for the operation; returns
 * like kafka_out_txn_result(). */
int kafka_out_txn_wait(struct kafka_out *ko, int timeout_ms);

/* 1 when the producer's fatal error is one a new producer with the same
 * transactional.id cannot cure: fenced by a newer instance, or not
 * authorised. Other fatal errors (e.g. a transaction the coordinator
 * expired during a broker outage) are cured by a new producer. */
int kafka_out_fenced(const struct kafka_out *ko);

/* 1 when a delivery of the open transaction failed (it must be aborted). */
int kafka_out_failed(const struct kafka_out *ko);

#endif
