/*
 * kafka_in.c - the consumer side of `evextract run`.
 *
 * Owns the librdkafka consumer, its wiring into the libevent loop and the
 * per-partition bookkeeping that exactly-once needs. The consumer queue
 * (with the main queue and librdkafka's logs forwarded to it) signals a
 * non-blocking pipe through rd_kafka_queue_io_event_enable(); the loop's
 * read event drains at most KIN_DRAIN_BUDGET messages per wake-up and
 * re-activates itself when more may be waiting, so one busy queue cannot
 * starve timers, signals or completions.
 *
 * Per partition (of the one articles topic) it keeps: whether it is
 * assigned; an epoch, bumped whenever work dispatched earlier must be
 * thrown away (assignment, revocation, rewind after an abort); the
 * watermark (offset + 1 of the last finished message, -1 for none since the
 * last commit); the offset last committed (or, until the first commit, the
 * first offset seen, which is where a rewind goes back to). Offsets are
 * never committed by the consumer: kafka_out sends them in the transaction.
 *
 * A rewind (after an aborted transaction) seeks every partition that stays
 * to its committed offset. Partitions on their way out are skipped: those
 * in the revoke callback now (being revoked) and those no longer assigned;
 * their next owner starts from the committed offset anyway. A seek can still
 * fail (it times out while a broker is away, or the partition's fetcher is
 * stopping because a rebalance is revoking it): the partition is then
 * marked rewinding, its messages are dropped unseen (they would come from
 * past the committed offset) and the seek is tried again from a timer until
 * it succeeds or the partition leaves. So an abort never loses the work of
 * a partition that stays, and never needs to stop the service.
 *
 * Backpressure comes in two steps. kafka_in_pause() first holds the
 * consumer: the loop stops taking messages off the queue and leaves them in
 * librdkafka's prefetch queue, which is bounded (queued.max.messages.kbytes,
 * KIN_QUEUE_KBYTES by default) and stops fetching when full (one fetch per
 * partition, at most max.partition.fetch.bytes, may land past the bound: a
 * consumer of librdkafka 2.0.2 that is not polled with 80 MB waiting grew by
 * 17 MB with the 16 MB bound, by 5 MB with a 2 MB one, and then stayed
 * flat). A hold takes effect at once, even in the middle of a drain, so the
 * workers get no more than queue_max jobs each either. Only when the
 * hold lasts KIN_HOLD_MS are the partitions really paused, so that polling
 * can go on serving rebalances and the poll interval. The step matters:
 * pausing a partition throws its prefetched messages away, and after a
 * resume the next fetch comes about a second later, so pausing at every
 * full worker queue capped the service at about 1,000 articles a second
 * whatever the speed of the workers.
 *
 * Thread: everything here runs on the loop thread; librdkafka's callbacks
 * (rebalance, logs, errors) are served from rd_kafka_consumer_poll() there.
 */
#include "kafka_in.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka_conf.h"
#include "limits.h"
#include "log.h"

/* How long a hold lasts before the partitions are paused, ms; and the
 * default bound of librdkafka's prefetch queue, kB. */
#define KIN_HOLD_MS EVX_KAFKA_HOLD_MS
#define KIN_QUEUE_KBYTES EVX_KAFKA_QUEUE_KBYTES
/* How often librdkafka reports its statistics (consumer lag), ms. */
#define KIN_STATS_MS EVX_KAFKA_STATS_INTERVAL_MS
#define KIN_STR2(x) #x
#define KIN_STR(x) KIN_STR2(x)

/* Messages handed out per wake-up before the loop gets a turn again. */
#ifndef KIN_DRAIN_BUDGET
#define KIN_DRAIN_BUDGET 500
#endif

/* How long a seek may wait, and when a failed one is tried again (ms). */
#define KIN_SEEK_TIMEOUT_MS EVX_KAFKA_SEEK_TIMEOUT_MS
#define KIN_REWIND_RETRY_MS EVX_KAFKA_REWIND_RETRY_MS

struct kin_part {
	int32_t partition;
	int assigned;
	uint32_t epoch;
	int64_t watermark;   /* offset + 1 of the last finished message, -1 none */
	int64_t committed;   /* last committed offset, or first seen; -1 unknown */
	int moved;           /* watermark moved since the last commit */
	int revoking;        /* inside the revoke callback for it */
	int rewinding;       /* a seek to committed is still owed */
};

struct kafka_in {
	rd_kafka_t *rk;
	rd_kafka_queue_t *q;
	char *topic;
	int pipefd[2];
	struct event *ev;
	struct event *ev_rewind;  /* retries the seeks still owed */
	struct event *ev_hold;    /* turns a long hold into a pause */
	kafka_in_msg_fn on_msg;
	kafka_in_revoke_fn on_revoke;
	void *arg;
	kafka_in_stats_fn on_stats;
	void *stats_arg;
	struct kin_part *parts;
	size_t nparts;
	int paused;          /* backpressure: held, or paused when !held */
	int held;            /* not polling; the partitions are not paused */
	int stopped;
	int closed;
};

void kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac,
		  const char *buf)
{
	enum log_level lv = level <= 3 ? LOG_ERROR :
			    level == 4 ? LOG_WARN :
			    level <= 6 ? LOG_INFO : LOG_DEBUG;

	LOG(lv, "msg=\"librdkafka\" client=%s fac=%s text=\"%s\"",
	    rk ? rd_kafka_name(rk) : "-", fac, buf);
}

/* Error callback: served on the loop thread. Fatal errors are also found by
 * the application through rd_kafka_fatal_error(). */
static void kin_error_cb(rd_kafka_t *rk, int err, const char *reason,
			 void *opaque)
{
	LOG(err == RD_KAFKA_RESP_ERR__FATAL ? LOG_ERROR : LOG_WARN,
	    "msg=\"consumer error\" err=%s reason=\"%s\"",
	    rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

/* The state of partition, created unassigned when new; NULL on memory. */
static struct kin_part *kin_part(struct kafka_in *kin, int32_t partition)
{
	struct kin_part *grown;

	for (size_t i = 0; i < kin->nparts; i++)
		if (kin->parts[i].partition == partition)
			return &kin->parts[i];
	grown = realloc(kin->parts, (kin->nparts + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	kin->parts = grown;
	memset(&grown[kin->nparts], 0, sizeof(*grown));
	grown[kin->nparts].partition = partition;
	grown[kin->nparts].watermark = -1;
	grown[kin->nparts].committed = -1;
	return &grown[kin->nparts++];
}

static const struct kin_part *kin_part_find(const struct kafka_in *kin,
					    int32_t partition)
{
	for (size_t i = 0; i < kin->nparts; i++)
		if (kin->parts[i].partition == partition)
			return &kin->parts[i];
	return NULL;
}

/* The assigned partitions as a new list (NULL when none). */
static rd_kafka_topic_partition_list_t *kin_assigned_list(struct kafka_in *kin)
{
	rd_kafka_topic_partition_list_t *l = NULL;

	for (size_t i = 0; i < kin->nparts; i++) {
		if (!kin->parts[i].assigned)
			continue;
		if (!l)
			l = rd_kafka_topic_partition_list_new((int)kin->nparts);
		rd_kafka_topic_partition_list_add(l, kin->topic,
						  kin->parts[i].partition);
	}
	return l;
}

static void kin_log_error_obj(const char *what, rd_kafka_error_t *error)
{
	if (!error)
		return;
	LOG(LOG_ERROR, "msg=\"%s failed\" err=%s reason=\"%s\"", what,
	    rd_kafka_error_name(error), rd_kafka_error_string(error));
	rd_kafka_error_destroy(error);
}

/* Rebalance callback: served on the loop thread from consumer poll (or from
 * rd_kafka_consumer_close). */
static void kin_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			     rd_kafka_topic_partition_list_t *parts,
			     void *opaque)
{
	struct kafka_in *kin = opaque;
	int cooperative = strcmp(rd_kafka_rebalance_protocol(rk),
				 "COOPERATIVE") == 0;

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		for (int i = 0; i < parts->cnt; i++) {
			struct kin_part *kp = kin_part(kin, parts->elems[i].partition);

			if (!kp)
				continue;
			kp->assigned = 1;
			kp->epoch++;
			kp->watermark = -1;
			kp->committed = -1;
			kp->moved = 0;
			kp->revoking = 0;
			kp->rewinding = 0;
			LOG(LOG_INFO, "msg=\"partition assigned\" topic=%s partition=%d",
			    parts->elems[i].topic, parts->elems[i].partition);
		}
		if (cooperative)
			kin_log_error_obj("incremental_assign",
					  rd_kafka_incremental_assign(rk, parts));
		else
			rd_kafka_assign(rk, parts);
		/* librdkafka keeps a partition's pause flag across an
		 * unassign and a new assign: a partition paused for
		 * backpressure, lost in an outage and assigned again would
		 * stay paused for good while kin->paused says otherwise (the
		 * broker-restart stall). The new assignment gets our state. */
		if ((kin->paused && !kin->held) || kin->stopped)
			rd_kafka_pause_partitions(rk, parts);
		else
			rd_kafka_resume_partitions(rk, parts);
		return;
	}
	if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
		int lost = rd_kafka_assignment_lost(rk);

		/* Lost partitions cannot be committed for nor sought: they
		 * leave the bookkeeping before the application reacts. */
		for (int i = 0; i < parts->cnt; i++) {
			struct kin_part *kp = kin_part(kin, parts->elems[i].partition);

			if (!kp)
				continue;
			kp->revoking = 1;
			kp->rewinding = 0;
			if (lost) {
				kp->assigned = 0;
				kp->epoch++;
			}
		}
		if (kin->on_revoke)
			kin->on_revoke(kin->arg, parts, lost);
		for (int i = 0; i < parts->cnt; i++) {
			struct kin_part *kp = kin_part(kin, parts->elems[i].partition);

			if (!kp)
				continue;
			kp->assigned = 0;
			kp->revoking = 0;
			kp->epoch++;
			kp->watermark = -1;
			kp->moved = 0;
			LOG(LOG_INFO, "msg=\"partition revoked\" topic=%s partition=%d lost=%d",
			    parts->elems[i].topic, parts->elems[i].partition, lost);
		}
		if (cooperative)
			kin_log_error_obj("incremental_unassign",
					  rd_kafka_incremental_unassign(rk, parts));
		else
			rd_kafka_assign(rk, NULL);
		return;
	}
	LOG(LOG_ERROR, "msg=\"rebalance failed\" err=%s", rd_kafka_err2name(err));
	if (cooperative)
		kin_log_error_obj("incremental_unassign",
				  rd_kafka_incremental_unassign(rk, parts));
	else
		rd_kafka_assign(rk, NULL);
}

static void kin_on_rewind_timer(evutil_socket_t fd, short what, void *arg);

/* Statistics callback: served on the loop thread by the consumer poll. */
static int kin_stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	struct kafka_in *kin = opaque;

	if (kin && kin->on_stats)
		kin->on_stats(kin->stats_arg, json, len);
	return 0;
}

void kafka_in_on_stats(struct kafka_in *kin, kafka_in_stats_fn fn, void *arg)
{
	kin->on_stats = fn;
	kin->stats_arg = arg;
}
static void kin_on_hold_timer(evutil_socket_t fd, short what, void *arg);

/* The loop's read event on the wake-up pipe: drains the consumer queue. */
static void kin_on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct kafka_in *kin = arg;
	char buf[64];
	int n = 0;

	while (read(kin->pipefd[0], buf, sizeof(buf)) > 0)
		;
	if (kin->closed || kin->held)
		return;
	for (; n < KIN_DRAIN_BUDGET; n++) {
		rd_kafka_message_t *rkm = rd_kafka_consumer_poll(kin->rk, 0);
		struct kin_part *kp;

		if (!rkm)
			return;
		if (rkm->err) {
			if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				LOG(LOG_WARN, "msg=\"consumer error\" err=%s "
					      "topic=%s partition=%d offset=%lld "
					      "reason=\"%s\"",
				    rd_kafka_err2name(rkm->err),
				    rkm->rkt ? rd_kafka_topic_name(rkm->rkt) : "-",
				    rkm->partition, (long long)rkm->offset,
				    rd_kafka_message_errstr(rkm));
			rd_kafka_message_destroy(rkm);
			continue;
		}
		kp = kin_part(kin, rkm->partition);
		/* After stop, nothing new is taken in; what is dropped here
		 * was never finished, so it is never committed either. A
		 * partition still owed its rewind seek is past its committed
		 * offset: its messages come again after the seek. */
		if (kin->stopped || !kp || !kp->assigned || kp->rewinding) {
			rd_kafka_message_destroy(rkm);
			continue;
		}
		if (kp->committed < 0)
			kp->committed = rkm->offset;
		kin->on_msg(kin->arg, rkm, kp->epoch);
		/* The message filled a worker queue: a hold takes effect
		 * now, not after the rest of the budget (a pause needs no
		 * check: it drops what this loop would still poll). */
		if (kin->held)
			return;
	}
	/* Budget spent: come back after the other ready events. */
	event_active(kin->ev, EV_READ, 0);
}

struct kafka_in *kafka_in_new(const struct config *cfg, struct event_base *base,
			      kafka_in_msg_fn on_msg, kafka_in_revoke_fn on_revoke,
			      void *arg, char *errstr, size_t errstr_size)
{
	struct kafka_in *kin = calloc(1, sizeof(*kin));
	rd_kafka_conf_t *conf = NULL;
	rd_kafka_topic_partition_list_t *sub = NULL;
	rd_kafka_resp_err_t err;
	char e[512];
	static const char *const defaults[][2] = {
		{"partition.assignment.strategy", "cooperative-sticky"},
		{"enable.auto.commit", "false"},
		{"enable.auto.offset.store", "false"},
		{"isolation.level", "read_committed"},
		{"auto.offset.reset", "earliest"},
		{"log.queue", "true"},
		{"client.id", "evextract-consumer"},
		{"queued.max.messages.kbytes", KIN_STR(KIN_QUEUE_KBYTES)},
		{"statistics.interval.ms", KIN_STR(KIN_STATS_MS)},
	};

	if (!kin) {
		snprintf(errstr, errstr_size, "out of memory");
		return NULL;
	}
	kin->pipefd[0] = kin->pipefd[1] = -1;
	kin->on_msg = on_msg;
	kin->on_revoke = on_revoke;
	kin->arg = arg;
	kin->topic = strdup(cfg->articles_topic);
	conf = rd_kafka_conf_new();
	if (!kin->topic || !conf) {
		snprintf(errstr, errstr_size, "out of memory");
		goto fail;
	}
	if (rd_kafka_conf_set(conf, "bootstrap.servers", cfg->brokers, e,
			      sizeof(e)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "group.id", cfg->group_id, e, sizeof(e)) !=
		    RD_KAFKA_CONF_OK) {
		snprintf(errstr, errstr_size, "consumer: %s", e);
		goto fail;
	}
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if (rd_kafka_conf_set(conf, defaults[i][0], defaults[i][1], e,
				      sizeof(e)) != RD_KAFKA_CONF_OK) {
			snprintf(errstr, errstr_size, "consumer: %s: %s",
				 defaults[i][0], e);
			goto fail;
		}
	}
	if (kafka_conf_apply(conf, cfg, KAFKA_CONSUMER, errstr, errstr_size) < 0)
		goto fail;
	rd_kafka_conf_set_opaque(conf, kin);
	rd_kafka_conf_set_rebalance_cb(conf, kin_rebalance_cb);
	rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
	rd_kafka_conf_set_error_cb(conf, kin_error_cb);
	rd_kafka_conf_set_stats_cb(conf, kin_stats_cb);
	/* rd_kafka_new() takes ownership of conf on success. */
	kin->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e));
	if (!kin->rk) {
		snprintf(errstr, errstr_size, "consumer: %s", e);
		goto fail;
	}
	conf = NULL;
	/* Main queue and logs to the consumer queue, served by our polls. */
	rd_kafka_poll_set_consumer(kin->rk);
	rd_kafka_set_log_queue(kin->rk, NULL);
	kin->q = rd_kafka_queue_get_consumer(kin->rk);
	if (pipe(kin->pipefd) < 0 ||
	    fcntl(kin->pipefd[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(kin->pipefd[1], F_SETFL, O_NONBLOCK) < 0) {
		snprintf(errstr, errstr_size, "pipe: %s", strerror(errno));
		goto fail;
	}
	rd_kafka_queue_io_event_enable(kin->q, kin->pipefd[1], "1", 1);
	kin->ev = event_new(base, kin->pipefd[0], EV_READ | EV_PERSIST,
			    kin_on_readable, kin);
	kin->ev_rewind = evtimer_new(base, kin_on_rewind_timer, kin);
	kin->ev_hold = evtimer_new(base, kin_on_hold_timer, kin);
	if (!kin->ev || event_add(kin->ev, NULL) < 0 || !kin->ev_rewind ||
	    !kin->ev_hold) {
		snprintf(errstr, errstr_size, "cannot add the consumer event");
		goto fail;
	}
	sub = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(sub, cfg->articles_topic,
					  RD_KAFKA_PARTITION_UA);
	err = rd_kafka_subscribe(kin->rk, sub);
	rd_kafka_topic_partition_list_destroy(sub);
	if (err) {
		snprintf(errstr, errstr_size, "subscribe %s: %s",
			 cfg->articles_topic, rd_kafka_err2str(err));
		goto fail;
	}
	/* Something may be queued already: look once. */
	event_active(kin->ev, EV_READ, 0);
	return kin;
fail:
	if (conf)
		rd_kafka_conf_destroy(conf);
	kafka_in_destroy(kin);
	return NULL;
}

int kafka_in_close(struct kafka_in *kin)
{
	rd_kafka_resp_err_t err;

	if (!kin || kin->closed || !kin->rk)
		return 0;
	kin->closed = 1;
	err = rd_kafka_consumer_close(kin->rk);
	if (err) {
		LOG(LOG_WARN, "msg=\"consumer close failed\" err=%s",
		    rd_kafka_err2name(err));
		return -1;
	}
	return 0;
}

void kafka_in_destroy(struct kafka_in *kin)
{
	if (!kin)
		return;
	if (kin->ev)
		event_free(kin->ev);
	if (kin->ev_rewind)
		event_free(kin->ev_rewind);
	if (kin->ev_hold)
		event_free(kin->ev_hold);
	if (kin->q) {
		rd_kafka_queue_io_event_enable(kin->q, -1, NULL, 0);
		rd_kafka_queue_destroy(kin->q);
	}
	if (kin->rk) {
		kafka_in_close(kin);
		rd_kafka_destroy(kin->rk);
	}
	if (kin->pipefd[0] >= 0)
		close(kin->pipefd[0]);
	if (kin->pipefd[1] >= 0)
		close(kin->pipefd[1]);
	free(kin->parts);
	free(kin->topic);
	free(kin);
}

static void kin_pause_all(struct kafka_in *kin, int pause)
{
	rd_kafka_topic_partition_list_t *l = kin_assigned_list(kin);

	if (!l)
		return;
	if (pause)
		rd_kafka_pause_partitions(kin->rk, l);
	else
		rd_kafka_resume_partitions(kin->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
}

void kafka_in_stop(struct kafka_in *kin)
{
	kin->stopped = 1;
	kin->held = 0;
	if (kin->ev_hold)
		event_del(kin->ev_hold);
	kin_pause_all(kin, 1);
	kafka_in_kick(kin);
}

/* The hold lasted KIN_HOLD_MS: pause the partitions for real and poll
 * again, for rebalances and the poll interval. */
static void kin_on_hold_timer(evutil_socket_t fd, short what, void *arg)
{
	struct kafka_in *kin = arg;

	if (!kin->paused || !kin->held)
		return;
	kin->held = 0;
	if (!kin->stopped)
		kin_pause_all(kin, 1);
	kafka_in_kick(kin);
	LOG(LOG_DEBUG, "msg=\"consumer paused\"");
}

void kafka_in_pause(struct kafka_in *kin)
{
	struct timeval tv = {KIN_HOLD_MS / 1000, (KIN_HOLD_MS % 1000) * 1000};

	if (kin->paused)
		return;
	kin->paused = 1;
	if (kin->stopped || !kin->ev_hold || event_add(kin->ev_hold, &tv) < 0) {
		kin_pause_all(kin, 1);
		LOG(LOG_DEBUG, "msg=\"consumer paused\"");
		return;
	}
	kin->held = 1;
	LOG(LOG_DEBUG, "msg=\"consumer held\"");
}

void kafka_in_resume(struct kafka_in *kin)
{
	if (!kin->paused)
		return;
	kin->paused = 0;
	if (kin->held) {
		kin->held = 0;
		event_del(kin->ev_hold);
	} else if (!kin->stopped) {
		kin_pause_all(kin, 0);
	}
	kafka_in_kick(kin);
	LOG(LOG_DEBUG, "msg=\"consumer resumed\"");
}

void kafka_in_kick(struct kafka_in *kin)
{
	if (kin->ev && !kin->closed)
		event_active(kin->ev, EV_READ, 0);
}

int kafka_in_paused(const struct kafka_in *kin)
{
	return kin->paused;
}

int kafka_in_current(const struct kafka_in *kin, int32_t partition,
		     uint32_t epoch)
{
	const struct kin_part *kp = kin_part_find(kin, partition);

	return kp && kp->assigned && kp->epoch == epoch;
}

void kafka_in_finished(struct kafka_in *kin, int32_t partition, int64_t offset)
{
	struct kin_part *kp = kin_part(kin, partition);

	if (!kp)
		return;
	kp->watermark = offset + 1;
	kp->moved = 1;
}

rd_kafka_topic_partition_list_t *kafka_in_offsets(const struct kafka_in *kin)
{
	rd_kafka_topic_partition_list_t *l = NULL;

	for (size_t i = 0; i < kin->nparts; i++) {
		const struct kin_part *kp = &kin->parts[i];

		if (!kp->assigned || !kp->moved)
			continue;
		if (!l)
			l = rd_kafka_topic_partition_list_new((int)kin->nparts);
		rd_kafka_topic_partition_list_add(l, kin->topic, kp->partition)
			->offset = kp->watermark;
	}
	return l;
}

void kafka_in_committed(struct kafka_in *kin)
{
	for (size_t i = 0; i < kin->nparts; i++) {
		struct kin_part *kp = &kin->parts[i];

		if (kp->moved)
			kp->committed = kp->watermark;
		kp->moved = 0;
	}
}

int kafka_in_commit(struct kafka_in *kin, int async)
{
	rd_kafka_topic_partition_list_t *l = kafka_in_offsets(kin);
	rd_kafka_resp_err_t err;

	if (!l)
		return 0;
	err = rd_kafka_commit(kin->rk, l, async);
	rd_kafka_topic_partition_list_destroy(l);
	if (err) {
		LOG(LOG_WARN, "msg=\"offset commit failed\" err=%s",
		    rd_kafka_err2name(err));
		return -1;
	}
	kafka_in_committed(kin);
	return 0;
}

/* Seeks every assigned partition still owed its rewind to its committed
 * offset; a failed seek stays owed and the retry timer is armed. Returns
 * the number still owed. */
static int kin_seek_owed(struct kafka_in *kin)
{
	rd_kafka_topic_partition_list_t *l = NULL;
	rd_kafka_error_t *error;
	int owed = 0;

	for (size_t i = 0; i < kin->nparts; i++) {
		struct kin_part *kp = &kin->parts[i];

		if (!kp->rewinding)
			continue;
		if (!kp->assigned || kp->revoking || kp->committed < 0) {
			/* Gone, going, or nothing to go back over. */
			kp->rewinding = 0;
			continue;
		}
		if (!l)
			l = rd_kafka_topic_partition_list_new((int)kin->nparts);
		rd_kafka_topic_partition_list_add(l, kin->topic, kp->partition)
			->offset = kp->committed;
	}
	if (!l)
		return 0;
	error = rd_kafka_seek_partitions(kin->rk, l, KIN_SEEK_TIMEOUT_MS);
	if (error) {
		/* The per-partition errors below say which ones failed. */
		LOG(LOG_WARN, "msg=\"seek failed\" err=%s reason=\"%s\"",
		    rd_kafka_error_name(error), rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
	}
	for (int i = 0; i < l->cnt; i++) {
		struct kin_part *kp = kin_part(kin, l->elems[i].partition);

		if (!kp)
			continue;
		if (!l->elems[i].err && !error) {
			kp->rewinding = 0;
			LOG(LOG_INFO, "msg=\"rewind\" topic=%s partition=%d offset=%lld",
			    kin->topic, kp->partition, (long long)kp->committed);
			continue;
		}
		owed++;
		LOG(LOG_WARN, "msg=\"rewind seek failed; its messages are held "
			      "back and the seek is tried again\" topic=%s "
			      "partition=%d offset=%lld err=%s retry_ms=%d",
		    kin->topic, kp->partition, (long long)kp->committed,
		    rd_kafka_err2name(l->elems[i].err ? l->elems[i].err :
							 RD_KAFKA_RESP_ERR__FAIL),
		    KIN_REWIND_RETRY_MS);
	}
	rd_kafka_topic_partition_list_destroy(l);
	if (owed) {
		struct timeval tv = {KIN_REWIND_RETRY_MS / 1000,
				     (KIN_REWIND_RETRY_MS % 1000) * 1000};

		evtimer_add(kin->ev_rewind, &tv);
	}
	return owed;
}

/* The retry timer of owed seeks (loop thread). */
static void kin_on_rewind_timer(evutil_socket_t fd, short what, void *arg)
{
	struct kafka_in *kin = arg;

	if (kin->closed)
		return;
	if (kin_seek_owed(kin) == 0)
		kafka_in_kick(kin);
}

int kafka_in_rewind(struct kafka_in *kin)
{
	for (size_t i = 0; i < kin->nparts; i++) {
		struct kin_part *kp = &kin->parts[i];

		/* Partitions leaving (revoked now, or gone) are the next
		 * owner's: it starts from the committed offset. */
		if (!kp->assigned || kp->revoking) {
			kp->rewinding = 0;
			continue;
		}
		kp->epoch++;
		kp->watermark = -1;
		kp->moved = 0;
		/* Nothing seen yet: the fetch position is still the
		 * committed one, so there is nothing to go back over. */
		kp->rewinding = kp->committed >= 0;
	}
	kin_seek_owed(kin);
	return 0;
}

int kafka_in_rewinding(const struct kafka_in *kin)
{
	int n = 0;

	for (size_t i = 0; i < kin->nparts; i++)
		n += kin->parts[i].assigned && kin->parts[i].rewinding;
	return n;
}

rd_kafka_consumer_group_metadata_t *kafka_in_group_metadata(struct kafka_in *kin)
{
	return rd_kafka_consumer_group_metadata(kin->rk);
}

rd_kafka_t *kafka_in_handle(struct kafka_in *kin)
{
	return kin->rk;
}

size_t kafka_in_assigned(const struct kafka_in *kin)
{
	size_t n = 0;

	for (size_t i = 0; i < kin->nparts; i++)
		n += kin->parts[i].assigned != 0;
	return n;
}
