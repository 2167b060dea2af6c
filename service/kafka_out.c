/*
 * kafka_out.c - the transactional producer of `evextract run`.
 *
 * Owns the producer handle and the state of the one transaction that may be
 * open. The loop produces the events and dead letters of finished articles
 * into the open transaction (begun lazily by the first message) and, every
 * commit interval or batch, sends the consumer's watermarks with the group
 * metadata and commits: events, dead letters and offsets become visible to
 * read_committed readers together or not at all.
 *
 * Errors follow librdkafka's transactional API: a fatal error (fenced by a
 * newer instance with the same transactional.id, or an unrecoverable
 * producer state) ends the service; an abortable one aborts the transaction
 * and tells the caller to rewind the consumer to the committed offsets, so
 * the aborted work is done again; a retriable one is retried a few times.
 *
 * The transactional calls block the loop for at most their timeout (the
 * local round trips take milliseconds); this is the first increment's
 * trade-off, noted in docs, and a background commit is a possible follow-up.
 * At-least-once (cfg->delivery): the same producer without transactions
 * (idempotent, so retries do not duplicate); each message carries the
 * caller's token and its delivery report goes to the caller's on_dr, which
 * moves the offsets only when all of an article's messages are delivered.
 *
 * Thread: loop thread only. librdkafka's logs, delivery reports and error
 * callbacks are served by kafka_out_poll() on the loop thread.
 */
#include "kafka_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_in.h"
#include "log.h"

/* Attempts of a retriable transactional call before giving up (abort). */
#ifndef KOUT_RETRIES
#define KOUT_RETRIES 3
#endif

/* Rounds of waiting (100 ms each) for space in a full producer queue. */
#ifndef KOUT_QUEUE_FULL_ROUNDS
#define KOUT_QUEUE_FULL_ROUNDS 50
#endif

struct kafka_out {
	rd_kafka_t *rk;
	char *events_topic;
	char *dlq_topic;
	int open;             /* a transaction is open */
	unsigned long failed; /* deliveries failed since the last poll */
	int eos;              /* transactional (exactly-once) */
	kafka_out_dr_fn on_dr;
	void *dr_arg;
};

void kafka_out_set_dr(struct kafka_out *ko, kafka_out_dr_fn on_dr, void *arg)
{
	ko->on_dr = on_dr;
	ko->dr_arg = arg;
}

int kafka_out_flush(struct kafka_out *ko, int timeout_ms)
{
	return rd_kafka_flush(ko->rk, timeout_ms) ? -1 : 0;
}

/* Delivery report: served on the loop thread by rd_kafka_poll(). */
static void kout_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
		       void *opaque)
{
	struct kafka_out *ko = opaque;

	if (ko->on_dr && rkm->_private)
		ko->on_dr(ko->dr_arg, rkm->_private, rkm->err != 0);
	if (!rkm->err)
		return;
	ko->failed++;
	LOG(LOG_WARN, "msg=\"delivery failed\" topic=%s partition=%d err=%s",
	    rd_kafka_topic_name(rkm->rkt), rkm->partition,
	    rd_kafka_err2name(rkm->err));
}

static void kout_error_cb(rd_kafka_t *rk, int err, const char *reason,
			  void *opaque)
{
	LOG(err == RD_KAFKA_RESP_ERR__FATAL ? LOG_ERROR : LOG_WARN,
	    "msg=\"producer error\" err=%s reason=\"%s\"",
	    rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

struct kafka_out *kafka_out_new(const struct config *cfg, int timeout_ms,
				char *errstr, size_t errstr_size)
{
	struct kafka_out *ko = calloc(1, sizeof(*ko));
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_error_t *error;
	char e[512];
	int eos = cfg->delivery == CONFIG_EXACTLY_ONCE;
	const char *const settings[][2] = {
		{"bootstrap.servers", cfg->brokers},
		{eos ? "transactional.id" : "enable.idempotence",
		 eos ? cfg->transactional_id : "true"},
		{"client.id", "evextract-producer"},
		{"log.queue", "true"},
		{"linger.ms", "5"},
	};

	if (!ko || !conf) {
		snprintf(errstr, errstr_size, "out of memory");
		goto fail;
	}
	ko->eos = eos;
	ko->events_topic = strdup(cfg->events_topic);
	ko->dlq_topic = strdup(cfg->dlq_topic);
	if (!ko->events_topic || !ko->dlq_topic) {
		snprintf(errstr, errstr_size, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], e,
				      sizeof(e)) != RD_KAFKA_CONF_OK) {
			snprintf(errstr, errstr_size, "producer: %s: %s",
				 settings[i][0], e);
			goto fail;
		}
	}
	if (kafka_conf_apply(conf, cfg, errstr, errstr_size) < 0)
		goto fail;
	rd_kafka_conf_set_opaque(conf, ko);
	rd_kafka_conf_set_dr_msg_cb(conf, kout_dr_cb);
	rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
	rd_kafka_conf_set_error_cb(conf, kout_error_cb);
	/* rd_kafka_new() takes ownership of conf on success. */
	ko->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
	if (!ko->rk) {
		snprintf(errstr, errstr_size, "producer: %s", e);
		goto fail;
	}
	conf = NULL;
	rd_kafka_set_log_queue(ko->rk, NULL);
	if (!eos)
		return ko;
	error = rd_kafka_init_transactions(ko->rk, timeout_ms);
	if (error) {
		snprintf(errstr, errstr_size, "init_transactions (%s): %s",
			 cfg->transactional_id, rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
		goto fail;
	}
	return ko;
fail:
	if (conf)
		rd_kafka_conf_destroy(conf);
	kafka_out_destroy(ko, 0);
	return NULL;
}

void kafka_out_destroy(struct kafka_out *ko, int timeout_ms)
{
	if (!ko)
		return;
	if (ko->rk) {
		if (ko->open)
			kafka_out_abort(ko, timeout_ms);
		rd_kafka_flush(ko->rk, timeout_ms);
		rd_kafka_destroy(ko->rk);
	}
	free(ko->events_topic);
	free(ko->dlq_topic);
	free(ko);
}

int kafka_out_open(const struct kafka_out *ko)
{
	return ko->open;
}

int kafka_out_queued(const struct kafka_out *ko)
{
	return rd_kafka_outq_len(ko->rk);
}

int kafka_out_abort(struct kafka_out *ko, int timeout_ms)
{
	rd_kafka_error_t *error;

	if (!ko->open)
		return 0;
	for (int i = 0; i < KOUT_RETRIES; i++) {
		error = rd_kafka_abort_transaction(ko->rk, timeout_ms);
		if (!error) {
			ko->open = 0;
			ko->failed = 0;
			LOG(LOG_WARN, "msg=\"transaction aborted\"");
			return 0;
		}
		LOG(LOG_ERROR, "msg=\"abort_transaction failed\" err=%s "
			       "reason=\"%s\"", rd_kafka_error_name(error),
		    rd_kafka_error_string(error));
		if (!rd_kafka_error_is_retriable(error)) {
			/* Fatal: the transaction is gone with the producer;
			 * do not try again at destroy. */
			if (rd_kafka_error_is_fatal(error))
				ko->open = 0;
			rd_kafka_error_destroy(error);
			break;
		}
		rd_kafka_error_destroy(error);
	}
	return KAFKA_OUT_FATAL;
}

/* Handles a failed transactional call: fatal, abort, or (retriable) tell
 * the caller to retry by returning 1. Consumes error. */
static int kout_failed(struct kafka_out *ko, const char *what,
		       rd_kafka_error_t *error, int attempt, int timeout_ms)
{
	int fatal = rd_kafka_error_is_fatal(error);
	int retriable = rd_kafka_error_is_retriable(error);
	int abortable = rd_kafka_error_txn_requires_abort(error);

	LOG(LOG_ERROR, "msg=\"%s failed\" err=%s reason=\"%s\" fatal=%d "
		       "abortable=%d retriable=%d", what,
	    rd_kafka_error_name(error), rd_kafka_error_string(error), fatal,
	    abortable, retriable);
	rd_kafka_error_destroy(error);
	if (fatal)
		return KAFKA_OUT_FATAL;
	if (retriable && !abortable && attempt + 1 < KOUT_RETRIES)
		return 1;
	return kafka_out_abort(ko, timeout_ms) == 0 ? KAFKA_OUT_ABORTED :
						     KAFKA_OUT_FATAL;
}

/* Begins a transaction unless one is open. */
static int kout_begin(struct kafka_out *ko)
{
	rd_kafka_error_t *error;

	if (ko->open)
		return 0;
	error = rd_kafka_begin_transaction(ko->rk);
	if (error) {
		int fatal = rd_kafka_error_is_fatal(error);

		LOG(LOG_ERROR, "msg=\"begin_transaction failed\" err=%s "
			       "reason=\"%s\"", rd_kafka_error_name(error),
		    rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
		return fatal ? KAFKA_OUT_FATAL : KAFKA_OUT_ERR;
	}
	ko->open = 1;
	return 0;
}

/* Produces one message (headers: ownership moves to librdkafka on
 * success; destroyed here otherwise). */
static int kout_produce(struct kafka_out *ko, const char *topic,
			const void *key, size_t keylen, const void *val,
			size_t len, rd_kafka_headers_t *hdrs, void *token)
{
	rd_kafka_resp_err_t err;
	int rc = ko->eos ? kout_begin(ko) : 0;

	if (rc < 0) {
		rd_kafka_headers_destroy(hdrs);
		return rc;
	}
	for (int round = 0;; round++) {
		err = rd_kafka_producev(ko->rk, RD_KAFKA_V_TOPIC(topic),
					RD_KAFKA_V_KEY(key, keylen),
					RD_KAFKA_V_VALUE((void *)val, len),
					RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					RD_KAFKA_V_HEADERS(hdrs),
					RD_KAFKA_V_OPAQUE(token),
					RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL ||
		    round >= KOUT_QUEUE_FULL_ROUNDS)
			break;
		/* The queue drains as the broker acknowledges. */
		rd_kafka_poll(ko->rk, 100);
	}
	if (!err)
		return 0;
	rd_kafka_headers_destroy(hdrs);
	LOG(LOG_ERROR, "msg=\"produce failed\" topic=%s err=%s", topic,
	    rd_kafka_err2name(err));
	if (rd_kafka_fatal_error(ko->rk, NULL, 0) || !ko->eos)
		return KAFKA_OUT_FATAL;
	return kafka_out_abort(ko, 10000) == 0 ? KAFKA_OUT_ABORTED :
						KAFKA_OUT_FATAL;
}

int kafka_out_event(struct kafka_out *ko, const char *event_id,
		    const void *pb, size_t len, const char *pack, void *token)
{
	rd_kafka_headers_t *hdrs = rd_kafka_headers_new(4);

	rd_kafka_header_add(hdrs, "content-type", -1, "application/x-protobuf", -1);
	rd_kafka_header_add(hdrs, "schema", -1, "evextract.v1.Event", -1);
	rd_kafka_header_add(hdrs, "schema-version", -1, "1", -1);
	rd_kafka_header_add(hdrs, "rule-pack", -1, pack, -1);
	return kout_produce(ko, ko->events_topic, event_id, strlen(event_id),
			    pb, len, hdrs, token);
}

int kafka_out_dlq(struct kafka_out *ko, const rd_kafka_message_t *rkm,
		  const char *stage, const char *reason, const char *pack,
		  void *token)
{
	rd_kafka_headers_t *orig = NULL, *hdrs;
	char num[32];

	/* rd_kafka_message_headers() keeps ownership of orig: copy it. */
	if (rd_kafka_message_headers(rkm, &orig) == RD_KAFKA_RESP_ERR_NO_ERROR &&
	    orig)
		hdrs = rd_kafka_headers_copy(orig);
	else
		hdrs = rd_kafka_headers_new(6);
	rd_kafka_header_add(hdrs, "dlq-stage", -1, stage, -1);
	rd_kafka_header_add(hdrs, "dlq-reason", -1, reason, -1);
	rd_kafka_header_add(hdrs, "source-topic", -1,
			    rd_kafka_topic_name(rkm->rkt), -1);
	snprintf(num, sizeof(num), "%d", (int)rkm->partition);
	rd_kafka_header_add(hdrs, "source-partition", -1, num, -1);
	snprintf(num, sizeof(num), "%lld", (long long)rkm->offset);
	rd_kafka_header_add(hdrs, "source-offset", -1, num, -1);
	rd_kafka_header_add(hdrs, "rule-pack", -1, pack, -1);
	return kout_produce(ko, ko->dlq_topic, rkm->key, rkm->key_len,
			    rkm->payload, rkm->len, hdrs, token);
}

int kafka_out_commit(struct kafka_out *ko,
		     const rd_kafka_topic_partition_list_t *offsets,
		     const rd_kafka_consumer_group_metadata_t *cgmd,
		     int timeout_ms)
{
	rd_kafka_error_t *error;
	int rc;

	if (offsets && (rc = kout_begin(ko)) < 0)
		return rc == KAFKA_OUT_FATAL ? rc : KAFKA_OUT_ABORTED;
	if (!ko->open)
		return 0;
	if (ko->failed) {
		LOG(LOG_ERROR, "msg=\"deliveries failed; aborting\" failed=%lu",
		    ko->failed);
		return kafka_out_abort(ko, timeout_ms) == 0 ? KAFKA_OUT_ABORTED :
							     KAFKA_OUT_FATAL;
	}
	for (int i = 0; offsets && i < KOUT_RETRIES; i++) {
		error = rd_kafka_send_offsets_to_transaction(ko->rk, offsets,
							     cgmd, timeout_ms);
		if (!error)
			break;
		rc = kout_failed(ko, "send_offsets_to_transaction", error, i,
				 timeout_ms);
		if (rc != 1)
			return rc;
	}
	for (int i = 0; i < KOUT_RETRIES; i++) {
		error = rd_kafka_commit_transaction(ko->rk, timeout_ms);
		if (!error) {
			ko->open = 0;
			return 0;
		}
		rc = kout_failed(ko, "commit_transaction", error, i, timeout_ms);
		if (rc != 1)
			return rc;
	}
	return kafka_out_abort(ko, timeout_ms) == 0 ? KAFKA_OUT_ABORTED :
						     KAFKA_OUT_FATAL;
}

int kafka_out_poll(struct kafka_out *ko)
{
	char why[256];

	rd_kafka_poll(ko->rk, 0);
	if (rd_kafka_fatal_error(ko->rk, why, sizeof(why))) {
		LOG(LOG_ERROR, "msg=\"producer fatal error\" reason=\"%s\"", why);
		return KAFKA_OUT_FATAL;
	}
	if (ko->failed && ko->open)
		return kafka_out_abort(ko, 10000) == 0 ? KAFKA_OUT_ABORTED :
							KAFKA_OUT_FATAL;
	return 0;
}
