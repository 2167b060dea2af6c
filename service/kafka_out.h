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
 * at-least-once mode). token: for on_dr (at-least-once), else NULL. */
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

/* Serves delivery reports, logs and errors (non-blocking). Returns 0, or
 * KAFKA_OUT_ABORTED when a delivery failed since the last call and the open
 * transaction was therefore aborted (rewind the input), or KAFKA_OUT_FATAL. */
int kafka_out_poll(struct kafka_out *ko);

/* Messages produced and not yet delivered. */
int kafka_out_queued(const struct kafka_out *ko);

#endif
