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
 * The blocking transactional calls (send_offsets_to_transaction,
 * commit_transaction, abort_transaction) run on a transaction thread, so the
 * loop never waits for the coordinator: with the broker down they can take
 * as long as the outage. The loop starts an operation
 * (kafka_out_commit_async, kafka_out_abort_async), stops producing and
 * polling the producer until it ends, and is woken through a pipe
 * (kafka_out_txn_fd) to take the result (kafka_out_txn_result). While an
 * operation runs, the producer's callbacks (delivery reports, logs, errors)
 * are served by that thread inside commit's flush; the loop touches the
 * producer again only after taking the result. The blocking
 * kafka_out_commit/kafka_out_abort are the same operation plus a wait
 * (shutdown, revocation). Each call is made with a bounded timeout and
 * resumed when it times out (librdkafka documents commit and abort as
 * resumable); an abort is resumed until it succeeds, turns fatal or the
 * producer is destroyed, so a broker outage delays the service but does not
 * stop it.
 * At-least-once (cfg->delivery): the same producer without transactions
 * (idempotent, so retries do not duplicate); each message carries the
 * caller's token and its delivery report goes to the caller's on_dr, which
 * moves the offsets only when all of an article's messages are delivered.
 *
 * Thread: the API is for the loop thread only. librdkafka's logs, delivery
 * reports and error callbacks are served by kafka_out_poll() on the loop
 * thread, or by the transaction thread while an operation runs.
 */
#include "kafka_out.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kafka_conf.h"
#include "kafka_in.h"
#include "limits.h"
#include "log.h"

/* Attempts of a retriable transactional call before giving up (abort). */
#ifndef KOUT_RETRIES
#define KOUT_RETRIES 3
#endif

/* The transaction thread's calls: each bounded (resumed when it times out),
 * a pause between attempts, and how often a commit is resumed before the
 * transaction is aborted instead (limits.h). */
#define KOUT_TXN_CALL_MS EVX_KAFKA_TXN_CALL_MS
#define KOUT_TXN_RETRY_MS EVX_KAFKA_TXN_RETRY_MS
#define KOUT_COMMIT_ATTEMPTS EVX_KAFKA_COMMIT_ATTEMPTS

/* Rounds of waiting (100 ms each) for space in a full producer queue. */
#ifndef KOUT_QUEUE_FULL_ROUNDS
#define KOUT_QUEUE_FULL_ROUNDS 50
#endif

enum kout_op { KOUT_OP_NONE = 0, KOUT_OP_COMMIT, KOUT_OP_ABORT };

/* The topics the producer writes to, index of kafka_out.rkt. */
enum kout_topic {
	KOUT_EVENTS,
	KOUT_DLQ,
};

struct kafka_out {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt[2]; /* by enum kout_topic */
	int open;             /* a transaction is open */
	unsigned long failed; /* deliveries failed since the last poll */
	int eos;              /* transactional (exactly-once) */
	kafka_out_dr_fn on_dr;
	void *dr_arg;
	/* The transaction thread. op, its arguments, done and result are
	 * guarded by mu; busy is the loop's own flag (started, result not
	 * taken). */
	pthread_t thread;
	int thread_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int mu_init;
	enum kout_op op;
	rd_kafka_topic_partition_list_t *op_offsets;
	rd_kafka_consumer_group_metadata_t *op_cgmd;
	int done;
	int result;
	int busy;
	atomic_int quit;
	int pipefd[2];
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

/* Produces one message to topic which (headers: ownership moves to
 * librdkafka on success; destroyed here otherwise). */
static int kout_produce(struct kafka_out *ko, enum kout_topic which,
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
		/* The topic handle saves a lookup by name per message. */
		err = rd_kafka_producev(ko->rk, RD_KAFKA_V_RKT(ko->rkt[which]),
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
	LOG(LOG_ERROR, "msg=\"produce failed\" topic=%s err=%s",
	    rd_kafka_topic_name(ko->rkt[which]), rd_kafka_err2name(err));
	if (rd_kafka_fatal_error(ko->rk, NULL, 0) || !ko->eos)
		return KAFKA_OUT_FATAL;
	/* The caller aborts (kafka_out_abort_async) and rewinds. */
	return KAFKA_OUT_ERR;
}

int kafka_out_event(struct kafka_out *ko, const char *event_id,
		    const void *pb, size_t len, const char *pack, void *token)
{
	rd_kafka_headers_t *hdrs = rd_kafka_headers_new(4);

	rd_kafka_header_add(hdrs, "content-type", -1, "application/x-protobuf", -1);
	rd_kafka_header_add(hdrs, "schema", -1, "evextract.v1.Event", -1);
	rd_kafka_header_add(hdrs, "schema-version", -1, "1", -1);
	rd_kafka_header_add(hdrs, "rule-pack", -1, pack, -1);
	return kout_produce(ko, KOUT_EVENTS, event_id, strlen(event_id),
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
	return kout_produce(ko, KOUT_DLQ, rkm->key, rkm->key_len,
			    rkm->payload, rkm->len, hdrs, token);
}

static void kout_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void kout_log_error(const char *what, rd_kafka_error_t *error)
{
	LOG(LOG_ERROR, "msg=\"%s failed\" err=%s reason=\"%s\" fatal=%d "
		       "abortable=%d retriable=%d", what,
	    rd_kafka_error_name(error), rd_kafka_error_string(error),
	    rd_kafka_error_is_fatal(error),
	    rd_kafka_error_txn_requires_abort(error),
	    rd_kafka_error_is_retriable(error));
}

/* Transaction thread: aborts the open transaction, resuming the call after
 * each timeout until it succeeds, turns fatal or the producer is being
 * destroyed. Returns KAFKA_OUT_ABORTED or KAFKA_OUT_FATAL. */
static int kout_abort_run(struct kafka_out *ko)
{
	rd_kafka_error_t *error;

	for (int i = 0;; i++) {
		error = rd_kafka_abort_transaction(ko->rk, KOUT_TXN_CALL_MS);
		if (!error) {
			ko->open = 0;
			ko->failed = 0;
			LOG(LOG_WARN, "msg=\"transaction aborted\" attempts=%d", i + 1);
			return KAFKA_OUT_ABORTED;
		}
		kout_log_error("abort_transaction", error);
		if (!rd_kafka_error_is_retriable(error) || atomic_load(&ko->quit)) {
			/* Fatal: the transaction is gone with the producer. */
			if (rd_kafka_error_is_fatal(error))
				ko->open = 0;
			rd_kafka_error_destroy(error);
			return KAFKA_OUT_FATAL;
		}
		rd_kafka_error_destroy(error);
		kout_sleep_ms(KOUT_TXN_RETRY_MS);
	}
}

/* Transaction thread: what a failed call leads to. Returns 1 to call again
 * (retriable, not abortable, attempts left), else the end of the operation
 * (the abort is done here). Consumes error. */
static int kout_failed(struct kafka_out *ko, const char *what,
		       rd_kafka_error_t *error, int attempt, int attempts)
{
	int fatal = rd_kafka_error_is_fatal(error);
	int retriable = rd_kafka_error_is_retriable(error);
	int abortable = rd_kafka_error_txn_requires_abort(error);

	kout_log_error(what, error);
	rd_kafka_error_destroy(error);
	if (fatal)
		return KAFKA_OUT_FATAL;
	if (retriable && !abortable && attempt + 1 < attempts &&
	    !atomic_load(&ko->quit)) {
		kout_sleep_ms(KOUT_TXN_RETRY_MS);
		return 1;
	}
	return kout_abort_run(ko);
}

/* Transaction thread: sends offsets (when not NULL) and commits; aborts
 * when that fails in a way that needs it. Returns 0, KAFKA_OUT_ABORTED or
 * KAFKA_OUT_FATAL. */
static int kout_commit_run(struct kafka_out *ko,
			   const rd_kafka_topic_partition_list_t *offsets,
			   const rd_kafka_consumer_group_metadata_t *cgmd)
{
	rd_kafka_error_t *error;
	int rc;

	if (ko->failed) {
		LOG(LOG_ERROR, "msg=\"deliveries failed; aborting\" failed=%lu",
		    ko->failed);
		return kout_abort_run(ko);
	}
	/* send_offsets is retriable but not resumable: the same offsets and
	 * metadata again. */
	for (int i = 0; offsets; i++) {
		error = rd_kafka_send_offsets_to_transaction(ko->rk, offsets, cgmd,
							     KOUT_TXN_CALL_MS);
		if (!error)
			break;
		rc = kout_failed(ko, "send_offsets_to_transaction", error, i,
				 KOUT_RETRIES);
		if (rc != 1)
			return rc;
	}
	/* commit is resumable: a timed-out call goes on in the background. */
	for (int i = 0;; i++) {
		error = rd_kafka_commit_transaction(ko->rk, KOUT_TXN_CALL_MS);
		if (!error) {
			ko->open = 0;
			return 0;
		}
		rc = kout_failed(ko, "commit_transaction", error, i,
				 KOUT_COMMIT_ATTEMPTS);
		if (rc != 1)
			return rc;
	}
}

static void *kout_txn_main(void *arg)
{
	struct kafka_out *ko = arg;

	pthread_mutex_lock(&ko->mu);
	for (;;) {
		enum kout_op op;
		rd_kafka_topic_partition_list_t *offsets;
		rd_kafka_consumer_group_metadata_t *cgmd;
		int rc;

		while (ko->op == KOUT_OP_NONE && !atomic_load(&ko->quit))
			pthread_cond_wait(&ko->cv, &ko->mu);
		if (ko->op == KOUT_OP_NONE)
			break;
		op = ko->op;
		offsets = ko->op_offsets;
		cgmd = ko->op_cgmd;
		ko->op_offsets = NULL;
		ko->op_cgmd = NULL;
		pthread_mutex_unlock(&ko->mu);
		rc = op == KOUT_OP_COMMIT ? kout_commit_run(ko, offsets, cgmd) :
					    kout_abort_run(ko);
		if (offsets)
			rd_kafka_topic_partition_list_destroy(offsets);
		if (cgmd)
			rd_kafka_consumer_group_metadata_destroy(cgmd);
		pthread_mutex_lock(&ko->mu);
		ko->op = KOUT_OP_NONE;
		ko->result = rc;
		ko->done = 1;
		pthread_cond_broadcast(&ko->cv);
		if (write(ko->pipefd[1], "1", 1) < 0 && errno != EAGAIN)
			LOG(LOG_WARN, "msg=\"transaction thread cannot wake the loop\"");
	}
	pthread_mutex_unlock(&ko->mu);
	return NULL;
}

/* Starts the transaction thread and its wake-up pipe. Returns 0 or -1. */
static int kout_thread_start(struct kafka_out *ko, char *errstr,
			     size_t errstr_size)
{
	if (pthread_mutex_init(&ko->mu, NULL) != 0) {
		snprintf(errstr, errstr_size, "mutex: out of resources");
		return -1;
	}
	if (pthread_cond_init(&ko->cv, NULL) != 0) {
		pthread_mutex_destroy(&ko->mu);
		snprintf(errstr, errstr_size, "condition: out of resources");
		return -1;
	}
	ko->mu_init = 1;
	if (pipe(ko->pipefd) < 0 ||
	    fcntl(ko->pipefd[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(ko->pipefd[1], F_SETFL, O_NONBLOCK) < 0) {
		snprintf(errstr, errstr_size, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pthread_create(&ko->thread, NULL, kout_txn_main, ko) != 0) {
		snprintf(errstr, errstr_size, "cannot start the transaction thread");
		return -1;
	}
	ko->thread_started = 1;
	return 0;
}

/* Asks for the metadata of the events and dead-letter topics, so the first
 * message to each does not wait for a lazy lookup (measured: the first
 * transaction's commit took 0.8 s, all of it spent waiting for the events
 * topic's partitions). A topic that does not exist yet is only logged:
 * the broker may create it on first use, or an operator may still. */
static void kout_warm_topics(struct kafka_out *ko)
{
	for (int i = 0; i < 2; i++) {
		const struct rd_kafka_metadata *md = NULL;
		rd_kafka_resp_err_t err;

		err = rd_kafka_metadata(ko->rk, 0, ko->rkt[i], &md,
					EVX_KAFKA_TOPIC_WARMUP_MS);
		if (!err && md->topic_cnt == 1)
			err = md->topics[0].err;
		if (err)
			LOG(LOG_WARN, "msg=\"no metadata for topic\" topic=%s "
				      "err=%s", rd_kafka_topic_name(ko->rkt[i]),
			    rd_kafka_err2name(err));
		if (md)
			rd_kafka_metadata_destroy(md);
	}
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
		{"linger.ms", eos ? EVX_KAFKA_LINGER_EOS_MS : EVX_KAFKA_LINGER_ALO_MS},
	};

	if (!ko || !conf) {
		snprintf(errstr, errstr_size, "out of memory");
		goto fail;
	}
	ko->pipefd[0] = ko->pipefd[1] = -1;
	atomic_init(&ko->quit, 0);
	ko->eos = eos;
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], e,
				      sizeof(e)) != RD_KAFKA_CONF_OK) {
			snprintf(errstr, errstr_size, "producer: %s: %s",
				 settings[i][0], e);
			goto fail;
		}
	}
	if (kafka_conf_apply(conf, cfg, KAFKA_PRODUCER, errstr, errstr_size) < 0)
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
	for (int i = 0; i < 2; i++) {
		const char *name = i == KOUT_DLQ ? cfg->dlq_topic : cfg->events_topic;

		ko->rkt[i] = rd_kafka_topic_new(ko->rk, name, NULL);
		if (!ko->rkt[i]) {
			snprintf(errstr, errstr_size, "producer: topic %s: %s", name,
				 rd_kafka_err2str(rd_kafka_last_error()));
			goto fail;
		}
	}
	kout_warm_topics(ko);
	if (!eos)
		return ko;
	error = rd_kafka_init_transactions(ko->rk, timeout_ms);
	if (error) {
		snprintf(errstr, errstr_size, "init_transactions (%s): %s",
			 cfg->transactional_id, rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
		goto fail;
	}
	if (kout_thread_start(ko, errstr, errstr_size) < 0)
		goto fail;
	return ko;
fail:
	if (conf)
		rd_kafka_conf_destroy(conf);
	kafka_out_destroy(ko, 0);
	return NULL;
}

/* Waits for the running operation, at most timeout_ms (< 0: no bound).
 * Returns its result (taken), KAFKA_OUT_PENDING, or 0 when none runs. */
static int kout_wait(struct kafka_out *ko, int timeout_ms)
{
	struct timespec until;
	int rc = 0;

	if (!ko->busy)
		return 0;
	clock_gettime(CLOCK_REALTIME, &until);
	if (timeout_ms >= 0) {
		until.tv_sec += timeout_ms / 1000;
		until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&ko->mu);
	while (!ko->done) {
		if (timeout_ms < 0)
			pthread_cond_wait(&ko->cv, &ko->mu);
		else if (pthread_cond_timedwait(&ko->cv, &ko->mu, &until) ==
			 ETIMEDOUT)
			break;
	}
	if (ko->done) {
		ko->done = 0;
		ko->busy = 0;
		rc = ko->result;
	} else {
		rc = KAFKA_OUT_PENDING;
	}
	pthread_mutex_unlock(&ko->mu);
	return rc;
}

void kafka_out_destroy(struct kafka_out *ko, int timeout_ms)
{
	if (!ko)
		return;
	if (ko->rk && ko->thread_started) {
		/* An operation still running is told to give up at its next
		 * retry; the open transaction is aborted (the coordinator
		 * aborts it on its timeout anyway). */
		if (kout_wait(ko, timeout_ms) == KAFKA_OUT_PENDING)
			atomic_store(&ko->quit, 1);
		kout_wait(ko, -1);
		if (ko->open && !atomic_load(&ko->quit))
			kafka_out_abort(ko, timeout_ms);
	}
	if (ko->thread_started) {
		pthread_mutex_lock(&ko->mu);
		atomic_store(&ko->quit, 1);
		pthread_cond_broadcast(&ko->cv);
		pthread_mutex_unlock(&ko->mu);
		pthread_join(ko->thread, NULL);
	}
	if (ko->mu_init) {
		pthread_mutex_destroy(&ko->mu);
		pthread_cond_destroy(&ko->cv);
	}
	if (ko->rk) {
		rd_kafka_flush(ko->rk, timeout_ms);
		for (int i = 0; i < 2; i++)
			if (ko->rkt[i])
				rd_kafka_topic_destroy(ko->rkt[i]);
		rd_kafka_destroy(ko->rk);
	}
	if (ko->pipefd[0] >= 0)
		close(ko->pipefd[0]);
	if (ko->pipefd[1] >= 0)
		close(ko->pipefd[1]);
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

/* A copy of cgmd (there is no copy call: written out and read back). */
static rd_kafka_consumer_group_metadata_t *
kout_cgmd_copy(const rd_kafka_consumer_group_metadata_t *cgmd)
{
	rd_kafka_consumer_group_metadata_t *copy = NULL;
	rd_kafka_error_t *error;
	void *buf = NULL;
	size_t size = 0;

	if (!cgmd)
		return NULL;
	error = rd_kafka_consumer_group_metadata_write(cgmd, &buf, &size);
	if (!error)
		error = rd_kafka_consumer_group_metadata_read(&copy, buf, size);
	if (error)
		rd_kafka_error_destroy(error);
	free(buf);
	return copy;
}

/* Hands op to the transaction thread. Returns 0 or KAFKA_OUT_ERR. */
static int kout_start(struct kafka_out *ko, enum kout_op op,
		      const rd_kafka_topic_partition_list_t *offsets,
		      const rd_kafka_consumer_group_metadata_t *cgmd)
{
	rd_kafka_topic_partition_list_t *ocopy = NULL;
	rd_kafka_consumer_group_metadata_t *ccopy = NULL;
	char buf[8];

	if (!ko->thread_started || ko->busy)
		return KAFKA_OUT_ERR;
	if (offsets) {
		ocopy = rd_kafka_topic_partition_list_copy(offsets);
		ccopy = kout_cgmd_copy(cgmd);
		if (!ocopy || !ccopy) {
			if (ocopy)
				rd_kafka_topic_partition_list_destroy(ocopy);
			if (ccopy)
				rd_kafka_consumer_group_metadata_destroy(ccopy);
			return KAFKA_OUT_ERR;
		}
	}
	/* A wake-up left from a result taken by a wait. */
	while (read(ko->pipefd[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&ko->mu);
	ko->op = op;
	ko->op_offsets = ocopy;
	ko->op_cgmd = ccopy;
	ko->done = 0;
	ko->busy = 1;
	pthread_cond_broadcast(&ko->cv);
	pthread_mutex_unlock(&ko->mu);
	return 0;
}

int kafka_out_commit_async(struct kafka_out *ko,
			   const rd_kafka_topic_partition_list_t *offsets,
			   const rd_kafka_consumer_group_metadata_t *cgmd)
{
	int rc;

	if (ko->busy)
		return KAFKA_OUT_ERR;
	if (offsets && (rc = kout_begin(ko)) < 0)
		return rc == KAFKA_OUT_FATAL ? rc : KAFKA_OUT_ERR;
	if (!ko->open)
		return 0;
	rc = kout_start(ko, KOUT_OP_COMMIT, offsets, cgmd);
	return rc < 0 ? rc : KAFKA_OUT_PENDING;
}

int kafka_out_abort_async(struct kafka_out *ko)
{
	int rc;

	if (ko->busy)
		return KAFKA_OUT_ERR;
	if (!ko->open)
		return 0;
	rc = kout_start(ko, KOUT_OP_ABORT, NULL, NULL);
	return rc < 0 ? rc : KAFKA_OUT_PENDING;
}

int kafka_out_txn_fd(const struct kafka_out *ko)
{
	return ko->pipefd[0];
}

int kafka_out_txn_busy(const struct kafka_out *ko)
{
	return ko->busy;
}

int kafka_out_txn_result(struct kafka_out *ko)
{
	char buf[8];

	while (ko->pipefd[0] >= 0 && read(ko->pipefd[0], buf, sizeof(buf)) > 0)
		;
	return kout_wait(ko, 0);
}

int kafka_out_txn_wait(struct kafka_out *ko, int timeout_ms)
{
	return kout_wait(ko, timeout_ms);
}

int kafka_out_abort(struct kafka_out *ko, int timeout_ms)
{
	int rc;

	if (!ko->open)
		return 0;
	/* The transaction thread first; without it (a failed start) here. */
	if (!ko->thread_started)
		return kout_abort_run(ko) == KAFKA_OUT_ABORTED ? 0 : KAFKA_OUT_FATAL;
	if (ko->busy && kout_wait(ko, timeout_ms) == KAFKA_OUT_PENDING)
		return KAFKA_OUT_FATAL;
	if (!ko->open)
		return 0;
	rc = kafka_out_abort_async(ko);
	if (rc == KAFKA_OUT_PENDING)
		rc = kout_wait(ko, -1);
	return rc == KAFKA_OUT_ABORTED || rc == 0 ? 0 : KAFKA_OUT_FATAL;
}

int kafka_out_commit(struct kafka_out *ko,
		     const rd_kafka_topic_partition_list_t *offsets,
		     const rd_kafka_consumer_group_metadata_t *cgmd,
		     int timeout_ms)
{
	int rc;

	if (ko->busy && (rc = kout_wait(ko, timeout_ms)) != 0)
		return rc == KAFKA_OUT_PENDING ? KAFKA_OUT_FATAL : rc;
	rc = kafka_out_commit_async(ko, offsets, cgmd);
	if (rc == KAFKA_OUT_PENDING)
		rc = kout_wait(ko, -1);
	if (rc == KAFKA_OUT_ERR)
		rc = ko->open && kafka_out_abort(ko, timeout_ms) == 0 ?
			     KAFKA_OUT_ABORTED : KAFKA_OUT_FATAL;
	return rc;
}

int kafka_out_poll(struct kafka_out *ko)
{
	char why[256];

	/* The transaction thread serves the callbacks while it works. */
	if (ko->busy)
		return 0;
	rd_kafka_poll(ko->rk, 0);
	if (rd_kafka_fatal_error(ko->rk, why, sizeof(why))) {
		LOG(LOG_ERROR, "msg=\"producer fatal error\" reason=\"%s\"", why);
		return KAFKA_OUT_FATAL;
	}
	/* The caller aborts (kafka_out_abort_async) and rewinds. */
	if (ko->failed && ko->open)
		return KAFKA_OUT_ERR;
	return 0;
}

int kafka_out_failed(const struct kafka_out *ko)
{
	return ko->failed != 0 && ko->open;
}

int kafka_out_fenced(const struct kafka_out *ko)
{
	rd_kafka_resp_err_t err = rd_kafka_fatal_error(ko->rk, NULL, 0);

	return err == RD_KAFKA_RESP_ERR__FENCED ||
	       err == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
	       err == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH ||
	       err == RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED ||
	       err == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED;
}
