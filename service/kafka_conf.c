/*
 * kafka_conf.c - the kafka.* pass-through settings (see kafka_conf.h).
 *
 * The scope of a property comes from librdkafka's printed property table,
 * read into memory with open_memstream: lines of the form
 *   "linger.ms                                |  P  | 0 .. 900000 | ..."
 * (global and topic properties alike). The table is read once per call of
 * kafka_conf_apply, at start-up only, so nothing is cached and no state is
 * shared between threads.
 */
#include "kafka_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* librdkafka's property table as text (the caller frees it), or NULL. */
static char *kconf_table(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	rd_kafka_conf_properties_show(f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The scope of key in table (see kafka_conf_scope). */
static int kconf_scope_in(const char *table, const char *key)
{
	size_t klen = strlen(key);

	for (const char *l = table, *nl; *l; l = nl ? nl + 1 : l + strlen(l)) {
		const char *p;

		nl = strchr(l, '\n');
		if (strncmp(l, key, klen) != 0 || l[klen] != ' ')
			continue;
		p = l + klen;
		while (*p == ' ')
			p++;
		if (*p++ != '|')
			continue;
		while (*p == ' ')
			p++;
		if (*p == 'C' || *p == 'P' || *p == '*')
			return *p;
	}
	return 0;
}

int kafka_conf_scope(const char *key)
{
	char *table = kconf_table();
	int scope = table ? kconf_scope_in(table, key) : 0;

	free(table);
	return scope;
}

int kafka_conf_apply(rd_kafka_conf_t *conf, const struct config *cfg,
		     enum kafka_role role, char *errstr, size_t errstr_size)
{
	char *table = cfg->nkafka ? kconf_table() : NULL;
	rd_kafka_conf_t *scratch = NULL;
	char err[256];
	int rc = -1;

	for (size_t i = 0; i < cfg->nkafka; i++) {
		const struct config_kv *kv = &cfg->kafka[i];
		int scope = table ? kconf_scope_in(table, kv->key) : 0;
		rd_kafka_conf_t *to = conf;

		if ((scope == KAFKA_CONSUMER || scope == KAFKA_PRODUCER) &&
		    scope != (int)role) {
			/* Not this client's: checked, not applied. */
			if (!scratch && !(scratch = rd_kafka_conf_new())) {
				snprintf(errstr, errstr_size, "out of memory");
				goto out;
			}
			to = scratch;
		}
		if (rd_kafka_conf_set(to, kv->key, kv->val, err, sizeof(err)) !=
		    RD_KAFKA_CONF_OK) {
			snprintf(errstr, errstr_size, "kafka.%s: %s", kv->key, err);
			goto out;
		}
	}
	rc = 0;
out:
	if (scratch)
		rd_kafka_conf_destroy(scratch);
	free(table);
	return rc;
}
