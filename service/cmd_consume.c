/*
 * cmd_consume.c - `evextract consume TOPIC`: read a topic as JSON lines.
 *
 * The consumer-side check of the service, used by tests/service_replay.sh
 * and handy for the demo: it reads TOPIC from the beginning with its own
 * throw-away consumer group (nothing committed), isolation read_committed
 * by default, until --max messages arrived or --timeout-ms passed. With
 * --events each value is an evextract.v1.Event (raw protobuf, one per
 * message, as `run` produces them) printed as its JSON line
 * (event_pb_to_json); otherwise each message is printed as
 * {"partition":P,"offset":O,"key":"...","headers":{...},"value":"..."}
 * with key, header values and value as JSON strings. Exit status 1 when
 * fewer than --max messages arrived (or an event did not decode).
 * Single-threaded and blocking: it is a command-line tool, not the loop.
 */
#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "event.h"

struct consume_opts {
	const char *brokers;
	const char *isolation;
	long max;
	long timeout_ms;
	int events;
};

static const struct opt_spec consume_table[] = {
	{.name = "brokers", .shortname = 'b', .type = OPT_STRING,
	 .offset = offsetof(struct consume_opts, brokers), .arg = "HOST:PORT",
	 .help = "bootstrap servers (required)"},
	{.name = "isolation", .type = OPT_STRING, .def = "read_committed",
	 .choices = "read_committed|read_uncommitted",
	 .offset = offsetof(struct consume_opts, isolation), .arg = "LEVEL",
	 .help = "which messages of transactions to read"},
	{.name = "max", .shortname = 'n', .type = OPT_INT, .defval = 0, .min = 0,
	 .max = 1e9, .offset = offsetof(struct consume_opts, max), .arg = "N",
	 .help = "stop after N messages (0: read until the timeout)"},
	{.name = "timeout-ms", .type = OPT_INT, .defval = 30000, .min = 1,
	 .max = 3600000, .offset = offsetof(struct consume_opts, timeout_ms),
	 .arg = "MS", .help = "give up after this long"},
	{.name = "events", .shortname = 'e', .type = OPT_FLAG,
	 .offset = offsetof(struct consume_opts, events),
	 .help = "values are protobuf Events: print their JSON lines"},
	{0},
};

/* Prints s (len bytes) as a JSON string. */
static void consume_json_str(FILE *fp, const void *s, size_t len)
{
	const unsigned char *p = s;

	fputc('"', fp);
	for (size_t i = 0; p && i < len; i++) {
		if (p[i] == '"' || p[i] == '\\')
			fprintf(fp, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			fprintf(fp, "\\u%04x", p[i]);
		else
			fputc(p[i], fp);
	}
	fputc('"', fp);
}

static void consume_print_raw(const rd_kafka_message_t *rkm)
{
	rd_kafka_headers_t *hdrs = NULL;
	const char *name;
	const void *val;
	size_t len;

	printf("{\"partition\":%d,\"offset\":%lld,\"key\":", (int)rkm->partition,
	       (long long)rkm->offset);
	consume_json_str(stdout, rkm->key, rkm->key_len);
	printf(",\"headers\":{");
	if (rd_kafka_message_headers(rkm, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		for (size_t i = 0;
		     rd_kafka_header_get_all(hdrs, i, &name, &val, &len) ==
		     RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
			if (i)
				putchar(',');
			consume_json_str(stdout, name, strlen(name));
			putchar(':');
			consume_json_str(stdout, val, len);
		}
	}
	printf("},\"value\":");
	consume_json_str(stdout, rkm->payload, rkm->len);
	printf("}\n");
}

int cmd_consume(int argc, char **argv)
{
	static const char usage[] = "evextract consume TOPIC --brokers HOST:PORT "
				    "[--events] [--max N] [--timeout-ms MS]";
	struct consume_opts o;
	rd_kafka_conf_t *conf = NULL;
	rd_kafka_t *rk = NULL;
	rd_kafka_topic_partition_list_t *sub = NULL;
	char e[512], group[64];
	char *buf = NULL;
	size_t blen = 0, bcap = 0;
	long got = 0, bad = 0;
	int nargs = 0, rc = CMD_EXIT_USAGE;
	double deadline;

	if (cmd_parse(consume_table, &o, argc, argv, &nargs, "consume", usage,
		      "Reads a topic from the beginning as JSON lines.", &rc))
		return rc;
	if (nargs != 1 || !o.brokers) {
		rc = cmd_usage_error("consume", "%s",
				     nargs != 1 ? "give exactly one TOPIC" :
						  "--brokers is required");
		goto out;
	}
	snprintf(group, sizeof(group), "evextract-consume-%ld", (long)getpid());
	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", o.brokers, e, sizeof(e)) ||
	    rd_kafka_conf_set(conf, "group.id", group, e, sizeof(e)) ||
	    rd_kafka_conf_set(conf, "isolation.level", o.isolation, e, sizeof(e)) ||
	    rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", e, sizeof(e)) ||
	    rd_kafka_conf_set(conf, "enable.auto.commit", "false", e, sizeof(e))) {
		fprintf(stderr, "evextract consume: %s\n", e);
		goto out;
	}
	/* rd_kafka_new() takes ownership of conf on success. */
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e));
	if (!rk) {
		fprintf(stderr, "evextract consume: %s\n", e);
		goto out;
	}
	conf = NULL;
	rd_kafka_poll_set_consumer(rk);
	sub = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(sub, argv[1], RD_KAFKA_PARTITION_UA);
	if (rd_kafka_subscribe(rk, sub)) {
		fprintf(stderr, "evextract consume: cannot subscribe to %s\n",
			argv[1]);
		goto out;
	}
	deadline = cmd_now() + (double)o.timeout_ms / 1000.0;
	while ((o.max == 0 || got < o.max) && cmd_now() < deadline) {
		rd_kafka_message_t *rkm = rd_kafka_consumer_poll(rk, 100);

		if (!rkm)
			continue;
		if (rkm->err) {
			if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				fprintf(stderr, "evextract consume: %s\n",
					rd_kafka_message_errstr(rkm));
			rd_kafka_message_destroy(rkm);
			continue;
		}
		got++;
		if (o.events) {
			blen = 0;
			if (event_pb_to_json(rkm->payload, rkm->len, &buf, &blen,
					     &bcap) < 0) {
				fprintf(stderr, "evextract consume: %s[%d]@%lld: "
						"not a valid Event\n", argv[1],
					(int)rkm->partition, (long long)rkm->offset);
				bad++;
			} else {
				fwrite(buf, 1, blen, stdout);
				putchar('\n');
			}
		} else {
			consume_print_raw(rkm);
		}
		rd_kafka_message_destroy(rkm);
	}
	fflush(stdout);
	if (o.max && got < o.max) {
		fprintf(stderr, "evextract consume: %ld of %ld messages within "
				"%ld ms\n", got, o.max, o.timeout_ms);
		rc = CMD_EXIT_BAD_INPUT;
	} else {
		rc = bad ? CMD_EXIT_BAD_INPUT : CMD_EXIT_OK;
	}
out:
	if (sub)
		rd_kafka_topic_partition_list_destroy(sub);
	if (conf)
		rd_kafka_conf_destroy(conf);
	if (rk) {
		rd_kafka_consumer_close(rk);
		rd_kafka_destroy(rk);
	}
	free(buf);
	opts_free(consume_table, &o);
	return rc;
}
