/*
 * kafka_in.h - the service's consumer: group membership, intake into the
 * libevent loop, per-partition watermarks, pause/resume and rewind.
 *
 * The consumer joins cfg->group_id with the cooperative-sticky assignor,
 * never commits offsets itself (the transaction does: kafka_out) and reads
 * read_committed. Its queue wakes the loop through a non-blocking pipe;
 * each wake-up drains a bounded number of messages. For each partition it
 * keeps an epoch (bumped on assignment, revocation and rewind, so work
 * dispatched before that can be recognised and dropped), the watermark
 * (offset + 1 of the last finished message) and the offset last committed.
 * Loop thread only.
 */
#ifndef EVX_KAFKA_IN_H
#define EVX_KAFKA_IN_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct event_base;
struct kafka_in;

/* A message for the application, which owns rkm from now on (it must
 * rd_kafka_message_destroy it) and records epoch with the work. */
typedef void (*kafka_in_msg_fn)(void *arg, rd_kafka_message_t *rkm,
				uint32_t epoch);

/* Partitions are about to be taken away (lost: without a chance to commit).
 * The application finishes or gives up the work of these partitions now;
 * afterwards their epochs move on, so results still in flight are stale.
 * Lost partitions are already out of the bookkeeping when this is called
 * (not current, not in kafka_in_offsets, not rewound). */
typedef void (*kafka_in_revoke_fn)(void *arg,
				   const rd_kafka_topic_partition_list_t *parts,
				   int lost);

/* Creates the consumer (cfg's brokers, group, kafka.* pass-through),
 * subscribes to cfg->articles_topic and wires its queue into base. NULL and
 * errstr filled on failure (a rejected kafka.* key among them). */
struct kafka_in *kafka_in_new(const struct config *cfg, struct event_base *base,
			      kafka_in_msg_fn on_msg, kafka_in_revoke_fn on_revoke,
			      void *arg, char *errstr, size_t errstr_size);

/* Closes the consumer (leaving the group; the revoke callback runs) if not
 * done yet and frees everything. NULL-safe. */
void kafka_in_destroy(struct kafka_in *kin);

/* Leaves the group in an orderly way. Returns 0 or -1. */
int kafka_in_close(struct kafka_in *kin);

/* Stops handing out messages for good (shutdown) and pauses the assigned
 * partitions. */
void kafka_in_stop(struct kafka_in *kin);

/* Pauses / resumes every assigned partition (backpressure). Idempotent. */
void kafka_in_pause(struct kafka_in *kin);
void kafka_in_resume(struct kafka_in *kin);
int kafka_in_paused(const struct kafka_in *kin);

/* librdkafka's statistics JSON (every statistics.interval.ms), handed to
 * fn on the loop thread; the JSON is valid only during the call. */
typedef void (*kafka_in_stats_fn)(void *arg, const char *json, size_t len);
void kafka_in_on_stats(struct kafka_in *kin, kafka_in_stats_fn fn, void *arg);

/* Drains the consumer queue on the next loop turn even without a wake-up
 * (after a resume, and from the commit timer as a safety net). */
void kafka_in_kick(struct kafka_in *kin);

/* 1 when work of partition dispatched at epoch is still wanted. */
int kafka_in_current(const struct kafka_in *kin, int32_t partition,
		     uint32_t epoch);

/* Records that the message at offset of partition is finished (its output
 * produced in the open transaction). */
void kafka_in_finished(struct kafka_in *kin, int32_t partition, int64_t offset);

/* The watermarks that moved since the last commit, as a new list (NULL when
 * none moved); the caller destroys it. */
rd_kafka_topic_partition_list_t *kafka_in_offsets(const struct kafka_in *kin);

/* The transaction with the offsets of kafka_in_offsets() committed. */
void kafka_in_committed(struct kafka_in *kin);

/* At-least-once: commits the watermarks that moved (kafka_in_offsets)
 * through the consumer itself, synchronously or not. Returns 0 or -1. */
int kafka_in_commit(struct kafka_in *kin, int async);

/* The transaction was aborted: every partition that stays assigned goes
 * back to its last committed offset (seek) and its epoch moves on.
 * Partitions being revoked (inside the revoke callback) or no longer
 * assigned are skipped. A seek that fails is owed: that partition's
 * messages are dropped until a retry (from a timer) succeeds or the
 * partition leaves. Returns 0 (kept int for compatibility). */
int kafka_in_rewind(struct kafka_in *kin);

/* Number of assigned partitions still owed a rewind seek. */
int kafka_in_rewinding(const struct kafka_in *kin);

/* The consumer group metadata for send_offsets_to_transaction (the caller
 * destroys it), and the handle for fatal-error checks. */
rd_kafka_consumer_group_metadata_t *kafka_in_group_metadata(struct kafka_in *kin);
rd_kafka_t *kafka_in_handle(struct kafka_in *kin);

/* Number of assigned partitions. */
size_t kafka_in_assigned(const struct kafka_in *kin);

/* librdkafka's log callback, writing through LOG(). Shared with kafka_out. */
void kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac,
		  const char *buf);

#endif
