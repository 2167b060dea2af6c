/*
 * kafka_stats.c - consumer lag per partition from librdkafka's statistics.
 *
 * The statistics JSON is parsed with cJSON (a few kB every interval, on the
 * loop thread). Only the fields needed for lag are read: per partition of
 * topics.<topic>.partitions, "consumer_lag", "ls_offset", "hi_offset",
 * "app_offset" and "lo_offset". Partition -1 (librdkafka's internal
 * "unassigned" partition) and partitions this client does not fetch
 * (fetch_state "none") are skipped.
 */
#include "kafka_stats.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* An integer member of o, or dflt when absent or not a number. */
static int64_t ks_int(const cJSON *o, const char *name, int64_t dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

/* The lag of one partition object, or -1 when it cannot be told. */
static int64_t ks_partition_lag(const cJSON *p)
{
	int64_t lag = ks_int(p, "consumer_lag", -1);
	int64_t end = ks_int(p, "ls_offset", -1);
	int64_t app = ks_int(p, "app_offset", -1);

	if (lag >= 0)
		return lag;
	if (end < 0)
		end = ks_int(p, "hi_offset", -1);
	/* Nothing handed out yet: everything from the log start is due. */
	if (app < 0)
		app = ks_int(p, "lo_offset", -1);
	if (end < 0 || app < 0)
		return -1;
	return end > app ? end - app : 0;
}

int kafka_stats_lag(const char *json, size_t len, const char *topic,
		    kafka_stats_lag_fn fn, void *arg)
{
	cJSON *root = cJSON_ParseWithLength(json, len);
	const cJSON *topics, *t, *parts, *p;
	int n = -1;

	if (!cJSON_IsObject(root))
		goto out;
	topics = cJSON_GetObjectItemCaseSensitive(root, "topics");
	n = 0;
	if (!cJSON_IsObject(topics))
		goto out;
	t = cJSON_GetObjectItemCaseSensitive(topics, topic);
	parts = cJSON_GetObjectItemCaseSensitive(t, "partitions");
	cJSON_ArrayForEach(p, parts) {
		const cJSON *state = cJSON_GetObjectItemCaseSensitive(p, "fetch_state");
		int64_t id = ks_int(p, "partition", -1);
		int64_t lag;

		if (id < 0 || id > INT32_MAX)
			continue;
		if (cJSON_IsString(state) && strcmp(state->valuestring, "none") == 0)
			continue;
		lag = ks_partition_lag(p);
		if (lag < 0)
			continue;
		fn(arg, (int32_t)id, lag);
		n++;
	}
out:
	cJSON_Delete(root);
	return n;
}
