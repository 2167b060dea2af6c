/*
 * limits.h - every size, count and time cap of evextract in one place.
 *
 * Each cap can be overridden at build time (-DEVX_MAX_...=N); the ones a user
 * may want to change at run time also appear in the option tables of the
 * command line, which take these values as defaults.
 */
#ifndef EVX_LIMITS_H
#define EVX_LIMITS_H

/* Largest article (raw JSON or protobuf message) accepted, in bytes; a
 * larger one goes to the DLQ, reason "too_large" (`--max-bytes`). */
#ifndef EVX_MAX_ARTICLE_BYTES
#define EVX_MAX_ARTICLE_BYTES (1024 * 1024)
#endif

/* Deepest JSON nesting accepted in an article object (DLQ reason
 * "too_deep"). */
#ifndef EVX_MAX_JSON_DEPTH
#define EVX_MAX_JSON_DEPTH 16
#endif

/* Most members accepted in one article object (DLQ reason
 * "too_many_fields"). */
#ifndef EVX_MAX_JSON_FIELDS
#define EVX_MAX_JSON_FIELDS 64
#endif

/* Longest sentence handed to the rules; longer ones are cut at this size
 * (the events of the pieces are kept) and the article also goes to the DLQ,
 * reason "sentence_too_long". */
#ifndef EVX_MAX_SENTENCE_BYTES
#define EVX_MAX_SENTENCE_BYTES 8192
#endif

/* Most events kept per article; the first ones are kept and the article
 * also goes to the DLQ, reason "too_many_events". */
#ifndef EVX_MAX_EVENTS_PER_ARTICLE
#define EVX_MAX_EVENTS_PER_ARTICLE 256
#endif

/* Most mentions kept per event (later ones still merge, but are not listed). */
#ifndef EVX_MAX_MENTIONS_PER_EVENT
#define EVX_MAX_MENTIONS_PER_EVENT 32
#endif

/* Most values kept in one list field (participants, weapons, ...). */
#ifndef EVX_MAX_LIST_VALUES
#define EVX_MAX_LIST_VALUES 32
#endif

/* PCRE2 match limit (backtracking steps) and depth limit per match call
 * (with JIT, the JIT stack below bounds the depth). A rule that hits either
 * is skipped for that subject; the article's other events are kept and it
 * also goes to the DLQ, reason "match_limit". */
#ifndef EVX_PCRE2_MATCH_LIMIT
#define EVX_PCRE2_MATCH_LIMIT 200000
#endif
#ifndef EVX_PCRE2_DEPTH_LIMIT
#define EVX_PCRE2_DEPTH_LIMIT 2000
#endif

/* Wall-clock time one article may spend in extraction, in ms, checked
 * between rule runs; an article over it is abandoned to the DLQ, reason
 * "time_budget". `evextract run --article-time-budget-ms` overrides it
 * (0: no budget). */
#ifndef EVX_ARTICLE_TIME_BUDGET_MS
#define EVX_ARTICLE_TIME_BUDGET_MS 1000
#endif

/* PCRE2 JIT stack per worker, in bytes (start and maximum). */
#ifndef EVX_JIT_STACK_START
#define EVX_JIT_STACK_START (32 * 1024)
#endif
#ifndef EVX_JIT_STACK_MAX
#define EVX_JIT_STACK_MAX (512 * 1024)
#endif

/* Longest rule pack file accepted, and most rules in one ruleset. */
#ifndef EVX_MAX_PACK_FILE_BYTES
#define EVX_MAX_PACK_FILE_BYTES (16 * 1024 * 1024)
#endif
#ifndef EVX_MAX_RULES
#define EVX_MAX_RULES 100000
#endif

/* Deepest macro nesting when expanding {name} references in patterns. */
#ifndef EVX_MAX_MACRO_DEPTH
#define EVX_MAX_MACRO_DEPTH 16
#endif

/* Most diagnostics kept from one load (the count of the rest is still told). */
#ifndef EVX_MAX_DIAGNOSTICS
#define EVX_MAX_DIAGNOSTICS 200
#endif

/* How long `evextract run` waits at start-up for the brokers to answer (with
 * the configured security settings) before it gives up, in ms. A refused
 * login or a failed TLS handshake ends the wait at once. */
#ifndef EVX_KAFKA_STARTUP_TIMEOUT_MS
#define EVX_KAFKA_STARTUP_TIMEOUT_MS 30000
#endif

/* HTTP endpoint: largest request head and body accepted, bytes (larger ones
 * get an error status and the connection closes); seconds a connection may
 * sit idle or half-sent before it is closed; most connections open at once
 * (more are closed as soon as they are accepted). */
#ifndef EVX_HTTP_MAX_HEADERS_BYTES
#define EVX_HTTP_MAX_HEADERS_BYTES 8192
#endif
#ifndef EVX_HTTP_MAX_BODY_BYTES
#define EVX_HTTP_MAX_BODY_BYTES 4096
#endif
#ifndef EVX_HTTP_TIMEOUT_SECS
#define EVX_HTTP_TIMEOUT_SECS 10
#endif
#ifndef EVX_HTTP_MAX_CONNECTIONS
#define EVX_HTTP_MAX_CONNECTIONS 64
#endif

/* The service's transactional calls (send offsets, commit, abort) run on a
 * transaction thread, each bounded by this timeout and resumed when it
 * expires, with a pause between attempts, in milliseconds. */
#ifndef EVX_KAFKA_TXN_CALL_MS
#define EVX_KAFKA_TXN_CALL_MS 5000
#endif
#ifndef EVX_KAFKA_TXN_RETRY_MS
#define EVX_KAFKA_TXN_RETRY_MS 200
#endif

/* How many times a timed-out commit is resumed before the transaction is
 * aborted instead (12 x 5 s: librdkafka's default transaction timeout). */
#ifndef EVX_KAFKA_COMMIT_ATTEMPTS
#define EVX_KAFKA_COMMIT_ATTEMPTS 12
#endif

/* Rewinding a partition after an abort: how long one seek may wait, and how
 * soon a failed seek is tried again (the partition's messages are held back
 * meanwhile), in milliseconds. */
#ifndef EVX_KAFKA_SEEK_TIMEOUT_MS
#define EVX_KAFKA_SEEK_TIMEOUT_MS 2000
#endif
#ifndef EVX_KAFKA_REWIND_RETRY_MS
#define EVX_KAFKA_REWIND_RETRY_MS 250
#endif

/* Consumer backpressure: a full worker queue first holds the consumer (its
 * prefetched messages wait in librdkafka's queue, bounded by this many kB);
 * a hold lasting this many milliseconds becomes a pause of the partitions. */
#ifndef EVX_KAFKA_QUEUE_KBYTES
#define EVX_KAFKA_QUEUE_KBYTES 16384
#endif
#ifndef EVX_KAFKA_HOLD_MS
#define EVX_KAFKA_HOLD_MS 3000
#endif

/* Producer backpressure (`--producer-queue-max`): when this many messages
 * wait in the producer for the broker's acknowledgement, consumption pauses
 * (held, then paused, as for full worker queues) until the producer is down
 * to half of it. At-least-once has no other bound there: its finished
 * articles wait for their delivery reports, and a broker that acknowledges
 * more slowly than articles come in would let the producer queue grow to
 * librdkafka's own limit (queue.buffering.max.messages, 100,000), where a
 * produce call would have to wait on the loop. Exactly-once is bounded by
 * its transactions as well (the producer is flushed at every commit). */
#ifndef EVX_PRODUCER_QUEUE_MAX
#define EVX_PRODUCER_QUEUE_MAX 10000
#endif

/* The producer's linger (librdkafka linger.ms) by delivery mode, ms.
 * Exactly-once: events are invisible until their transaction commits, and
 * a commit flushes at once whatever the linger, so a long linger costs no
 * latency and gives the broker fewer, larger batches. At-least-once: each
 * event is visible when its batch lands, so the linger is added latency;
 * 50 ms still shows events sooner than a 100 ms commit interval would,
 * and against 20 ms it halved the broker's CPU per event (seeds corpus,
 * 50,000 articles: 1.9-2.3 s -> 1.2-1.5 s; 7,083-7,550 -> 7,910-8,158
 * articles/s). */
#ifndef EVX_KAFKA_LINGER_EOS_MS
#define EVX_KAFKA_LINGER_EOS_MS "100"
#endif
#ifndef EVX_KAFKA_LINGER_ALO_MS
#define EVX_KAFKA_LINGER_ALO_MS "50"
#endif

/* At start-up the producer asks for the metadata of the events and
 * dead-letter topics (so their first messages do not wait for it), waiting
 * at most this long for each, in milliseconds. */
#ifndef EVX_KAFKA_TOPIC_WARMUP_MS
#define EVX_KAFKA_TOPIC_WARMUP_MS 5000
#endif

/* `evextract run` has glibc's malloc serve every block of at least this
 * many bytes with a mapping of its own, returned to the system when freed
 * (mallopt M_MMAP_THRESHOLD, which also stops glibc from moving that
 * threshold). Without it, the first large block freed raises the threshold
 * to its size, and from then on librdkafka's fetch buffers (a fetch
 * response, megabytes, is held until the last article in it is done) come
 * from the heaps, where small blocks allocated meanwhile keep the freed
 * space from being reused whole: under load, the peak RSS stepped up now
 * and then over a long run. RSS now follows the fetched batches in memory
 * up and down instead, and the peak is lower and steadier: 250,000 seeds
 * articles in one run peaked at 54.4-54.6 MB against 54.8-58.5 MB without
 * (three runs each), and with a busy loop competing for the cores at
 * 56.4-57.5 MB (six runs) against 59.0-62.1 MB (three), at the same rate. */
#ifndef EVX_RUN_MMAP_THRESHOLD
#define EVX_RUN_MMAP_THRESHOLD (128 * 1024)
#endif

/* How often librdkafka's statistics (consumer lag per partition) are
 * taken, in milliseconds. */
#ifndef EVX_KAFKA_STATS_INTERVAL_MS
#define EVX_KAFKA_STATS_INTERVAL_MS 5000
#endif

#endif
