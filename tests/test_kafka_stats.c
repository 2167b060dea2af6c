/*
 * test_kafka_stats.c - consumer lag from librdkafka statistics documents.
 *
 * The documents are cut down to the fields kafka_stats reads, shaped like
 * librdkafka's STATISTICS.md describes them.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "kafka_stats.h"

struct lag_case {
	const char *json;
	const char *topic;
	int want_n;          /* kafka_stats_lag's return */
	const char *want;    /* "partition=lag;" for each call, in order */
};

static const struct lag_case lag_cases[] = {
	/* consumer_lag when librdkafka knows it. */
	{"{\"topics\":{\"articles\":{\"partitions\":{"
	 "\"0\":{\"partition\":0,\"fetch_state\":\"active\",\"consumer_lag\":12,"
	 "\"ls_offset\":40,\"app_offset\":30},"
	 "\"1\":{\"partition\":1,\"fetch_state\":\"active\",\"consumer_lag\":0},"
	 "\"-1\":{\"partition\":-1,\"fetch_state\":\"none\",\"consumer_lag\":-1}}}}}",
	 "articles", 2, "0=12;1=0;"},
	/* No committed offset yet: last stable offset minus the position. */
	{"{\"topics\":{\"articles\":{\"partitions\":{"
	 "\"2\":{\"partition\":2,\"fetch_state\":\"active\",\"consumer_lag\":-1,"
	 "\"ls_offset\":500,\"hi_offset\":510,\"app_offset\":120}}}}}",
	 "articles", 1, "2=380;"},
	/* Without a last stable offset, the high watermark. */
	{"{\"topics\":{\"articles\":{\"partitions\":{"
	 "\"0\":{\"partition\":0,\"fetch_state\":\"active\",\"consumer_lag\":-1,"
	 "\"ls_offset\":-1,\"hi_offset\":90,\"app_offset\":100}}}}}",
	 "articles", 1, "0=0;"},
	/* Nothing consumed yet: from the log start; an empty partition is 0. */
	{"{\"topics\":{\"articles\":{\"partitions\":{"
	 "\"0\":{\"partition\":0,\"fetch_state\":\"active\",\"consumer_lag\":-1,"
	 "\"ls_offset\":25,\"lo_offset\":5,\"app_offset\":-1},"
	 "\"1\":{\"partition\":1,\"fetch_state\":\"active\",\"consumer_lag\":-1,"
	 "\"ls_offset\":0,\"lo_offset\":0,\"app_offset\":-1}}}}}",
	 "articles", 2, "0=20;1=0;"},
	/* Nothing to count from: skipped. Not fetched: skipped. */
	{"{\"topics\":{\"articles\":{\"partitions\":{"
	 "\"0\":{\"partition\":0,\"fetch_state\":\"active\",\"consumer_lag\":-1,"
	 "\"ls_offset\":-1,\"hi_offset\":-1,\"app_offset\":-1},"
	 "\"1\":{\"partition\":1,\"fetch_state\":\"none\",\"consumer_lag\":7}}}}}",
	 "articles", 0, ""},
	/* Another topic's partitions are not ours. */
	{"{\"topics\":{\"events\":{\"partitions\":{"
	 "\"0\":{\"partition\":0,\"fetch_state\":\"active\",\"consumer_lag\":3}}}}}",
	 "articles", 0, ""},
	/* A document without topics (a producer's) reports nothing. */
	{"{\"name\":\"evextract-producer\",\"type\":\"producer\"}", "articles", 0, ""},
	/* Not a statistics document. */
	{"not json", "articles", -1, ""},
	{"[1,2]", "articles", -1, ""},
};

static void collect(void *arg, int32_t partition, int64_t lag)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 256 - n, "%d=%lld;", (int)partition, (long long)lag);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(lag_cases) / sizeof(lag_cases[0]); i++) {
		const struct lag_case *c = &lag_cases[i];
		char got[256] = "";
		int n = kafka_stats_lag(c->json, strlen(c->json), c->topic, collect, got);

		CHECK_INT(n, c->want_n);
		CHECK_STR(got, c->want);
	}
	return CHECK_DONE();
}
