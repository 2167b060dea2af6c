/*
 * test_kafka_mock.c - `evextract run` against librdkafka's mock cluster, for
 * faults a real broker does not produce on demand.
 *
 * Each scenario starts an in-process mock cluster (rdkafka_mock.h, three
 * brokers) with the articles (3 partitions), events (3) and articles.dlq
 * topics, and runs the real service path, cmd_run() with its kafka_in,
 * kafka_out and pipeline, on a thread of this process. Articles are the
 * test corpus replicated with distinct ids ("ID~k"), produced in stages;
 * between stages the test injects faults (rd_kafka_mock_push_request_errors,
 * rd_kafka_mock_coordinator_set, rd_kafka_mock_broker_set_down) and waits
 * until the events of the stage are readable read_committed. The expected
 * events come from the same extraction run offline (extract_article).
 *
 * The mock cluster of librdkafka 2.x writes no transaction markers and no
 * aborted-transaction lists, so a read_committed reader of it also sees the
 * messages of aborted transactions. Hence: where no transaction may abort
 * (retriable faults, coordinator moves) every expected event must appear
 * exactly once and the log must show no abort; where aborts are provoked
 * every expected event must appear, nothing unexpected, no event more often
 * than once plus the number of aborts, and the log must show the aborts and
 * the recovery; exactly-once across real aborts is asserted against a real
 * broker by tests/service_*.sh. A fatal error (the producer fenced) must
 * stop the service by itself with exit code 1 and say why. In the
 * slow-acks scenario (at-least-once) the broker holding the events answers
 * every request 300 ms late while articles keep coming: consumption must
 * pause for the producer (--producer-queue-max) more often than in the
 * stage before, resume (the next stage's events arrive), and every event
 * must arrive once.
 *
 * The rule pack is copied to a temporary folder first and both the offline
 * extraction and the service load the copy, so edits to the checkout's
 * rules/ during the run cannot make the two disagree.
 *
 * The service's log (stderr) goes to a file per scenario, shown on failure.
 * SIGTERM, which ends a healthy run, is ignored by this process outside
 * cmd_run (libevent restores the disposition it found).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "article.h"
#include "check.h"
#include "cmd.h"
#include "extract.h"

/* Kafka protocol request types (ApiKey), which rdkafka_mock.h takes as
 * numbers: the protocol header defining them is not installed. */
enum {
	API_PRODUCE = 0,
	API_ADD_PARTITIONS_TO_TXN = 24,
	API_ADD_OFFSETS_TO_TXN = 25,
	API_END_TXN = 26,
	API_TXN_OFFSET_COMMIT = 28,
};

#define NPARTS 3
#define COPIES 6              /* corpus copies per stage */
#define WAIT_MS 90000         /* generous: 2 shared cores */

struct ids {
	char (*id)[33];
	size_t n, cap;
};

static void ids_add(struct ids *s, const char *id, size_t len)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->id = realloc(s->id, s->cap * sizeof(*s->id));
		if (!s->id)
			abort();
	}
	if (len > 32)
		len = 32;
	memcpy(s->id[s->n], id, len);
	s->id[s->n][len] = '\0';
	s->n++;
}

static int ids_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The copy of the rule pack that both sides load (rules_copy). */
static char rules_dir[300];

/* Copies the rule pack to a new temporary folder. Returns 0 or -1. */
static int rules_copy(void)
{
	char tmpl[256], cmd[800];

	snprintf(tmpl, sizeof(tmpl), "%s/evx-mock-rules.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(rules_dir, sizeof(rules_dir), "%s/rules", tmpl);
	snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s'", cmd_rules_path(NULL),
		 rules_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void rules_remove(void)
{
	char cmd[700], *slash;

	if (!*rules_dir || !(slash = strrchr(rules_dir, '/')))
		return;
	*slash = '\0';
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rules_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_kafka_mock: cannot remove %s\n", rules_dir);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The corpus lines (tests/corpus/articles.jsonl). */
static char **corpus;
static size_t ncorpus;

static int corpus_load(void)
{
	FILE *f = fopen(EVX_TEST_DATA "/corpus/articles.jsonl", "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f)
		return -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (len < 3)
			continue;
		corpus = realloc(corpus, (ncorpus + 1) * sizeof(*corpus));
		corpus[ncorpus++] = strdup(line);
	}
	free(line);
	fclose(f);
	return ncorpus ? 0 : -1;
}

/* Article i of copy k: the corpus line with id "ID~k" (malloc'ed JSON). */
static char *article_json(size_t i, int k)
{
	cJSON *o = cJSON_Parse(corpus[i]);
	cJSON *id = o ? cJSON_GetObjectItem(o, "id") : NULL;
	char buf[256], *out;

	if (!id || !cJSON_IsString(id)) {
		cJSON_Delete(o);
		return NULL;
	}
	snprintf(buf, sizeof(buf), "%s~%d", id->valuestring, k);
	cJSON_ReplaceItemInObject(o, "id", cJSON_CreateString(buf));
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

/* Adds the offline events of copies [k0, k1) to want. Returns 0 or -1. */
static int expect_events(struct extractor *x, int k0, int k1, struct ids *want)
{
	static const struct article_origin offline = {NULL, -1, -1};

	for (int k = k0; k < k1; k++) {
		for (size_t i = 0; i < ncorpus; i++) {
			char *js = article_json(i, k), err[256];
			struct article a;
			struct event *ev;
			size_t nev = 0;
			int rc;

			if (!js)
				return -1;
			extract_begin(x);
			rc = article_decode_json(js, strlen(js), 0, extract_arena(x),
						 &a, err, sizeof(err));
			if (rc == ARTICLE_OK)
				rc = extract_article(x, &a, &offline, &ev, &nev, err,
						     sizeof(err));
			free(js);
			if (rc != 0 && rc != -2)
				continue; /* a dead letter, no events */
			for (size_t e = 0; e < nev; e++)
				ids_add(want, ev[e].event_id, strlen(ev[e].event_id));
		}
	}
	return 0;
}

/* Produces copies [k0, k1) to the articles topic, article j to partition
 * j % NPARTS. Returns 0 or -1. */
static int produce_articles(const char *brokers, int k0, int k1)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	char err[256];
	size_t j = 0;
	int rc = 0;

	rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof(err));
	rd_kafka_conf_set(conf, "client.id", "test-article-producer", err,
			  sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk)
		return -1;
	for (int k = k0; k < k1; k++) {
		for (size_t i = 0; i < ncorpus; i++, j++) {
			char *js = article_json(i, k);

			if (!js ||
			    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("articles"),
					      RD_KAFKA_V_PARTITION((int32_t)(j % NPARTS)),
					      RD_KAFKA_V_VALUE(js, strlen(js)),
					      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
					      RD_KAFKA_V_END))
				rc = -1;
			free(js);
		}
	}
	if (rd_kafka_flush(rk, 30000))
		rc = -1;
	rd_kafka_destroy(rk);
	return rc;
}

/* Reads the events topic read_committed from the start until at least want
 * messages and the end of every partition were seen, or timeout_ms. The
 * keys (event ids) go to got (emptied first). Returns the count. */
static size_t read_events(const char *brokers, size_t want, int timeout_ms,
			  struct ids *got)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_t *rk;
	char err[256];
	int eof[NPARTS] = {0};
	double until = now_s() + timeout_ms / 1000.0;

	got->n = 0;
	rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err, sizeof(err));
	rd_kafka_conf_set(conf, "group.id", "test-reader", err, sizeof(err));
	rd_kafka_conf_set(conf, "isolation.level", "read_committed", err,
			  sizeof(err));
	rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof(err));
	rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (!rk)
		return 0;
	l = rd_kafka_topic_partition_list_new(NPARTS);
	for (int p = 0; p < NPARTS; p++)
		rd_kafka_topic_partition_list_add(l, "events", p)->offset =
			RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	while (now_s() < until) {
		rd_kafka_message_t *rkm = rd_kafka_consumer_poll(rk, 100);
		int all = 1;

		if (rkm) {
			if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
				if (rkm->partition >= 0 && rkm->partition < NPARTS)
					eof[rkm->partition] = 1;
			} else if (!rkm->err) {
				ids_add(got, rkm->key ? rkm->key : "",
					rkm->key ? rkm->key_len : 0);
				if (rkm->partition >= 0 && rkm->partition < NPARTS)
					eof[rkm->partition] = 0;
			}
			rd_kafka_message_destroy(rkm);
		}
		for (int p = 0; p < NPARTS; p++)
			all &= eof[p];
		if (all && got->n >= want)
			break;
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return got->n;
}

/* The service on a thread. */
struct svc {
	pthread_t thread;
	char *argv[32];
	int argc;
	atomic_int done;
	int rc;
};

static void *svc_main(void *arg)
{
	struct svc *s = arg;

	s->rc = cmd_run(s->argc, s->argv);
	atomic_store(&s->done, 1);
	return NULL;
}

/* Waits for the service thread to end, at most timeout_ms. Returns 0 when
 * it ended. */
static int svc_join(struct svc *s, int timeout_ms)
{
	double until = now_s() + timeout_ms / 1000.0;

	while (!atomic_load(&s->done) && now_s() < until)
		usleep(50000);
	if (!atomic_load(&s->done))
		return -1;
	pthread_join(s->thread, NULL);
	return 0;
}

/* Counts the lines of path containing needle. */
static int log_count(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0)
		n += strstr(line, needle) != NULL;
	free(line);
	fclose(f);
	return n;
}

/* Copies the last lines of the log to fd. */
static void log_tail(const char *path, int fd)
{
	char cmd[600];
	int saved = dup(1);

	dup2(fd, 1);
	snprintf(cmd, sizeof(cmd), "tail -n 40 '%s' | cut -c1-400", path);
	if (system(cmd) != 0)
		dprintf(fd, "(cannot show %s)\n", path);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
}

/* How many times each id occurs in got, checked against want: missing,
 * unexpected, and the largest count of one id. */
struct tally {
	size_t missing, unexpected, dups, most;
};

static struct tally tally(struct ids *want, struct ids *got)
{
	struct tally t = {0, 0, 0, 0};
	size_t i = 0, j = 0;

	qsort(want->id, want->n, sizeof(*want->id), ids_cmp);
	qsort(got->id, got->n, sizeof(*got->id), ids_cmp);
	while (i < want->n || j < got->n) {
		int c = i == want->n ? 1 : j == got->n ? -1 :
			strcmp(want->id[i], got->id[j]);
		size_t n = 0;

		if (c < 0) {
			t.missing++;
			i++;
			continue;
		}
		if (c > 0) {
			t.unexpected++;
			j++;
			continue;
		}
		while (j < got->n && strcmp(want->id[i], got->id[j]) == 0) {
			n++;
			j++;
		}
		t.dups += n - 1;
		if (n > t.most)
			t.most = n;
		i++;
	}
	return t;
}

enum scenario { SC_RETRIABLE, SC_ABORTABLE, SC_FATAL, SC_SLOW_ACKS };

/* The service's debug line when the producer's queue pauses consumption. */
#define PRODUCER_PAUSED "msg=\"consumption held by the producer queue\""

static const char *const scenario_name[] = {"retriable", "abortable", "fatal",
					    "slow-acks"};

/* The slow-acks scenario's producer queue cap (--producer-queue-max) and
 * worker queues (--queue-max, small so that few finished articles can add
 * to the producer's queue after a pause). */
#define SLOW_ACKS_QUEUE_MAX "50"
#define SLOW_ACKS_WORKER_QUEUE "4"

/* One scenario, start to end. */
static void run_scenario(enum scenario sc, struct extractor *x)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *mrk;
	rd_kafka_mock_cluster_t *mc = NULL;
	struct svc s;
	struct ids want = {0}, got = {0};
	char brokers[256], logpath[256], group[64], txid[64], err[256];
	int saved_err = -1, logfd, stages = sc == SC_FATAL ? 2 : 3, stopped = 0;
	int pauses0 = 0;
	size_t n;
	double t0 = now_s();

	memset(&s, 0, sizeof(s));
	snprintf(logpath, sizeof(logpath), "%s/evx-mock-%s-%d.log",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		 scenario_name[sc], (int)getpid());
	snprintf(group, sizeof(group), "mock-%s", scenario_name[sc]);
	snprintf(txid, sizeof(txid), "mock-%s-tx", scenario_name[sc]);
	mrk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	CHECK(mrk != NULL);
	if (mrk)
		mc = rd_kafka_mock_cluster_new(mrk, 3);
	CHECK(mc != NULL);
	if (!mc)
		goto out;
	snprintf(brokers, sizeof(brokers), "%s", rd_kafka_mock_cluster_bootstraps(mc));
	CHECK_INT(rd_kafka_mock_topic_create(mc, "articles", NPARTS, 1), 0);
	CHECK_INT(rd_kafka_mock_topic_create(mc, "events", NPARTS, 1), 0);
	CHECK_INT(rd_kafka_mock_topic_create(mc, "articles.dlq", 1, 1), 0);
	/* The data stays on broker 1 (the test's own clients need it while
	 * another broker is down); both coordinators start there too, and
	 * stages move them. */
	for (int p = 0; p < NPARTS; p++) {
		rd_kafka_mock_partition_set_leader(mc, "articles", p, 1);
		rd_kafka_mock_partition_set_leader(mc, "events", p, 1);
	}
	rd_kafka_mock_partition_set_leader(mc, "articles.dlq", 0, 1);
	/* slow-acks: the events live on broker 2, which it slows down while
	 * the articles keep coming fast from broker 1. */
	if (sc == SC_SLOW_ACKS)
		for (int p = 0; p < NPARTS; p++)
			rd_kafka_mock_partition_set_leader(mc, "events", p, 2);
	/* Both coordinators start on broker 1; stages move them. */
	rd_kafka_mock_coordinator_set(mc, "transaction", txid, 1);
	rd_kafka_mock_coordinator_set(mc, "group", group, 1);

	/* The service's log to a file of its own. */
	fflush(stderr);
	logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(logfd >= 0);
	if (logfd < 0)
		goto out;
	saved_err = dup(2);
	dup2(logfd, 2);
	close(logfd);

	s.argv[s.argc++] = "run";
	s.argv[s.argc++] = "--brokers";
	s.argv[s.argc++] = brokers;
	s.argv[s.argc++] = "--rules";
	s.argv[s.argc++] = rules_dir;
	s.argv[s.argc++] = "--http";
	s.argv[s.argc++] = "";
	s.argv[s.argc++] = "--group-id";
	s.argv[s.argc++] = group;
	s.argv[s.argc++] = "--transactional-id";
	s.argv[s.argc++] = txid;
	s.argv[s.argc++] = "--workers";
	s.argv[s.argc++] = "2";
	s.argv[s.argc++] = "--commit-interval-ms";
	s.argv[s.argc++] = "100";
	s.argv[s.argc++] = "--shutdown-timeout-ms";
	s.argv[s.argc++] = "15000";
	s.argv[s.argc++] = "--watch-rules";
	s.argv[s.argc++] = "false";
	s.argv[s.argc++] = "--log-level";
	s.argv[s.argc++] = sc == SC_SLOW_ACKS ? "debug" : "info";
	if (sc == SC_SLOW_ACKS) {
		s.argv[s.argc++] = "--delivery";
		s.argv[s.argc++] = "at-least-once";
		s.argv[s.argc++] = "--producer-queue-max";
		s.argv[s.argc++] = SLOW_ACKS_QUEUE_MAX;
		s.argv[s.argc++] = "--queue-max";
		s.argv[s.argc++] = SLOW_ACKS_WORKER_QUEUE;
	}
	s.argv[s.argc] = NULL;
	if (pthread_create(&s.thread, NULL, svc_main, &s) != 0) {
		CHECK(!"cannot start the service thread");
		goto out;
	}

	for (int stage = 0; stage < stages; stage++) {
		int k0 = stage * COPIES, k1 = k0 + COPIES;

		/* Faults for this stage, before its articles. */
		if (sc == SC_RETRIABLE && stage == 1) {
			/* Retriable errors on every transactional request:
			 * librdkafka retries them, nothing may abort. */
			rd_kafka_mock_push_request_errors(mc, API_PRODUCE, 2,
				RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
				RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
			rd_kafka_mock_push_request_errors(mc, API_ADD_PARTITIONS_TO_TXN, 2,
				RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS,
				RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS);
			rd_kafka_mock_push_request_errors(mc, API_ADD_OFFSETS_TO_TXN, 2,
				RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
				RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS);
			rd_kafka_mock_push_request_errors(mc, API_TXN_OFFSET_COMMIT, 2,
				RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
				RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
			rd_kafka_mock_push_request_errors(mc, API_END_TXN, 2,
				RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
				RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS);
		} else if (sc == SC_RETRIABLE && stage == 2) {
			/* Both coordinators move to other brokers. */
			rd_kafka_mock_coordinator_set(mc, "transaction", txid, 2);
			rd_kafka_mock_coordinator_set(mc, "group", group, 3);
		} else if (sc == SC_ABORTABLE && stage == 1) {
			/* The handover error of the group test: the offsets
			 * of an old generation. The transaction aborts, the
			 * input is rewound and done again. */
			rd_kafka_mock_push_request_errors(mc, API_TXN_OFFSET_COMMIT, 1,
				RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION);
		} else if (sc == SC_ABORTABLE && stage == 2) {
			/* The transaction coordinator fails: its broker is
			 * down for 3 s while the stage's articles arrive. */
			rd_kafka_mock_coordinator_set(mc, "transaction", txid, 2);
			rd_kafka_mock_broker_set_down(mc, 2);
		} else if (sc == SC_SLOW_ACKS && stage == 1) {
			/* Every request to the events' broker takes 300 ms:
			 * unacknowledged events pile up in the producer
			 * faster than they leave. */
			rd_kafka_mock_broker_set_rtt(mc, 2, 300);
		} else if (sc == SC_SLOW_ACKS && stage == 2) {
			rd_kafka_mock_broker_set_rtt(mc, 2, 0);
		} else if (sc == SC_FATAL && stage == 1) {
			/* Fenced by a newer producer: fatal. */
			rd_kafka_mock_push_request_errors(mc, API_END_TXN, 1,
				RD_KAFKA_RESP_ERR_PRODUCER_FENCED);
		}
		CHECK_INT(produce_articles(brokers, k0, k1), 0);
		if (sc == SC_ABORTABLE && stage == 2) {
			usleep(3000000);
			rd_kafka_mock_broker_set_up(mc, 2);
		}
		CHECK_INT(expect_events(x, k0, k1, &want), 0);
		if (sc == SC_FATAL && stage == 1)
			break;
		n = read_events(brokers, want.n, WAIT_MS, &got);
		if (n < want.n) {
			dprintf(saved_err, "test_kafka_mock: %s: stage %d: %zu of "
				"%zu events after %d s\n", scenario_name[sc], stage,
				n, want.n, WAIT_MS / 1000);
			CHECK(n >= want.n);
			break;
		}
		if (sc == SC_ABORTABLE && stage == 1)
			CHECK(log_count(logpath, "msg=\"transaction aborted\"") >= 1);
		if (sc == SC_SLOW_ACKS && stage == 0)
			pauses0 = log_count(logpath, PRODUCER_PAUSED);
		if (sc == SC_SLOW_ACKS && stage == 1)
			/* The slow acknowledgements paused consumption for
			 * the producer (a burst of stage 0 may have too);
			 * stage 2's events, all read, show it resumed. */
			CHECK(log_count(logpath, PRODUCER_PAUSED) > pauses0);
	}

	if (sc == SC_FATAL) {
		/* The service stops by itself, exit 1, saying why. */
		stopped = svc_join(&s, WAIT_MS) == 0;
		CHECK(stopped);
		if (stopped)
			CHECK_INT(s.rc, 1);
		CHECK(log_count(logpath, "why=\"fatal producer error") == 1);
		CHECK(log_count(logpath, "fenced by a newer instance") >= 1);
		CHECK(log_count(logpath, "msg=\"stopped\" exit_code=1") == 1);
	} else {
		/* A late duplicate gets the time to show; then SIGTERM. */
		usleep(1000000);
		CHECK(!atomic_load(&s.done));
		kill(getpid(), SIGTERM);
		stopped = svc_join(&s, WAIT_MS) == 0;
		CHECK(stopped);
		if (stopped)
			CHECK_INT(s.rc, 0);
	}
	if (!stopped) {
		/* Cannot go on with a service thread loose in the process. */
		dprintf(saved_err, "test_kafka_mock: %s: the service did not stop\n",
			scenario_name[sc]);
		log_tail(logpath, saved_err);
		_exit(1);
	}

	if (sc != SC_FATAL) {
		int aborts = log_count(logpath, "msg=\"transaction aborted\"");
		struct tally t;

		read_events(brokers, want.n, 15000, &got);
		t = tally(&want, &got);
		dprintf(saved_err, "test_kafka_mock: %s: events expected %zu, seen "
			"%zu, missing %zu, unexpected %zu, duplicates %zu, aborts "
			"%d, %.1f s\n", scenario_name[sc], want.n, got.n, t.missing,
			t.unexpected, t.dups, aborts, now_s() - t0);
		CHECK(want.n > 0);
		CHECK_INT(t.missing, 0);
		CHECK_INT(t.unexpected, 0);
		if (sc == SC_RETRIABLE) {
			CHECK_INT(t.dups, 0);
			CHECK_INT(aborts, 0);
		} else if (sc == SC_SLOW_ACKS) {
			/* At-least-once, no fault: nothing doubled. */
			CHECK_INT(t.dups, 0);
		} else {
			CHECK(aborts >= 1);
			CHECK(t.most <= (size_t)aborts + 1);
		}
		CHECK_INT(log_count(logpath, "msg=\"shutting down\" why=\"SIGTERM\""), 1);
	}
out:
	if (saved_err >= 0) {
		fflush(stderr);
		dup2(saved_err, 2);
		close(saved_err);
		if (check_failures)
			log_tail(logpath, 2);
		else
			unlink(logpath);
	}
	free(want.id);
	free(got.id);
	if (mc)
		rd_kafka_mock_cluster_destroy(mc);
	if (mrk)
		rd_kafka_destroy(mrk);
}

int main(void)
{
	struct sigaction ign;
	struct ruleset *rs;
	struct extractor *x = NULL;
	char err[256];

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGTERM, &ign, NULL);
	CHECK_INT(corpus_load(), 0);
	CHECK_INT(rules_copy(), 0);
	rs = cmd_load_ruleset(rules_dir);
	CHECK(rs != NULL);
	if (rs)
		x = extract_new(rs, err, sizeof(err));
	CHECK(x != NULL);
	if (x && ncorpus) {
		run_scenario(SC_RETRIABLE, x);
		run_scenario(SC_ABORTABLE, x);
		run_scenario(SC_FATAL, x);
		run_scenario(SC_SLOW_ACKS, x);
	}
	extract_destroy(x);
	ruleset_destroy(rs);
	for (size_t i = 0; i < ncorpus; i++)
		free(corpus[i]);
	free(corpus);
	rules_remove();
	return CHECK_DONE();
}
