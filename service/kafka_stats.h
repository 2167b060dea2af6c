/*
 * kafka_stats.h - consumer lag per partition from librdkafka's statistics.
 *
 * librdkafka emits a JSON document every statistics.interval.ms (its
 * STATISTICS.md): topics -> partitions, each with the partition's high and
 * last-stable offsets and the client's committed and application offsets.
 * kafka_stats_lag() reads the partitions of one topic out of it.
 */
#ifndef EVX_KAFKA_STATS_H
#define EVX_KAFKA_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Called once per partition of the topic that the client consumes. */
typedef void (*kafka_stats_lag_fn)(void *arg, int32_t partition, int64_t lag);

/* Parses json (len bytes) and calls fn for every partition of topic that
 * this client fetches (consumer_lag known, or an application offset to
 * count from). The lag is librdkafka's consumer_lag: the last stable offset
 * (the high watermark when unknown) minus the committed offset; when no
 * offset is committed yet, minus the next offset handed to the application,
 * or the log start offset when nothing was handed out.
 * Returns the number of partitions reported, or -1 when json is not a
 * statistics document. */
int kafka_stats_lag(const char *json, size_t len, const char *topic,
		    kafka_stats_lag_fn fn, void *arg);

#endif
