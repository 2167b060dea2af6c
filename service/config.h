/*
 * config.h - the streaming service's configuration (`evextract run`).
 *
 * One option table (config.c) names every setting once, with its type,
 * default, bounds and help; the same table reads a config file (`--config
 * FILE` or $EVEXTRACT_CONFIG, lines "key = value", '#' comment lines),
 * environment variables
 * (EVEXTRACT_<KEY> with '.' and '-' as '_', upper case) and command-line flags
 * (--key value), in that order of increasing precedence: flags override the
 * environment, which overrides the file. Keys starting with "kafka." pass
 * through to librdkafka (both consumer and producer) unvalidated here; the
 * service stops at start-up if librdkafka rejects one. Unknown keys are
 * errors naming where they came from (file:line, the variable, the flag).
 */
#ifndef EVX_CONFIG_H
#define EVX_CONFIG_H

#include <stddef.h>
#include <stdio.h>

enum config_delivery { CONFIG_EXACTLY_ONCE = 0, CONFIG_AT_LEAST_ONCE = 1 };
enum config_format { CONFIG_FORMAT_AUTO = 0, CONFIG_FORMAT_JSON, CONFIG_FORMAT_PROTOBUF };

struct config_kv {
	char *key;   /* without the "kafka." prefix */
	char *val;
};

struct config {
	char *brokers;              /* bootstrap.servers (required) */
	char *group_id;             /* consumer group, default "evextract" */
	char *articles_topic;       /* default "articles" */
	char *events_topic;         /* default "events" */
	char *dlq_topic;            /* default "articles.dlq" */
	char *rules;                /* rule pack path; NULL when not given (resolve it as the
	                             * CLI does, cmd_rules_path); EVEXTRACT_RULES sets it */
	enum config_delivery delivery;   /* "exactly-once" (default) | "at-least-once" */
	enum config_format input_format; /* "auto" (content-type header, else sniff) | "json" | "protobuf" */
	char *transactional_id;     /* default "evextract-<group_id>-<hostname>": stable across
	                             * restarts (exactly-once fencing relies on it); instances
	                             * of one group need distinct ids */
	long workers;               /* extraction threads, default = number of cores, 1..256 */
	long commit_interval_ms;    /* transaction / offset commit interval, default 100 */
	long commit_batch;          /* commit after this many articles too, default 1000 */
	long queue_max;             /* articles in flight per worker before pausing, default 1000 */
	long producer_queue_max;    /* messages unacknowledged before pausing, default 10000 */
	size_t max_bytes;           /* article size limit, default EVX_MAX_ARTICLE_BYTES */
	long article_time_budget_ms; /* extraction time per article, default
	                             * EVX_ARTICLE_TIME_BUDGET_MS; 0: none */
	char *http;                 /* HTTP listen address "host:port", default "127.0.0.1:8080"; "" disables */
	char *log_level;            /* debug|info|warn|error, default info */
	long shutdown_timeout_ms;   /* orderly shutdown budget, default 10000 */
	int watch_rules;            /* reload when the rule directory changes, default 1 */
	struct config_kv *kafka;    /* kafka.* pass-through, in the order given */
	size_t nkafka;
};

/* Fills cfg from defaults, the file named by --config (if any), the
 * environment (envp, NULL-terminated "KEY=value" strings; pass `environ`)
 * and argv[1..argc) (argv[0] names the command). Returns 0; 1 when --help
 * was given (print config_usage, exit 0); -1 with errstr filled on any error
 * ("evextract.conf:12: unknown key \"wokers\"", "EVEXTRACT_WORKERS: \"x\" is
 * not a number", "--workers: 0 is below the minimum of 1"). On help or error
 * cfg is left empty (config_free on it is harmless). EVEXTRACT_* variables
 * that name no setting are errors; EVEXTRACT_RULES is `rules`. */
int config_load(struct config *cfg, int argc, char **argv, char **envp,
		char *errstr, size_t errstr_size);

/* Prints every option with its environment name, default and help. */
void config_usage(FILE *fp);

/* Writes "key=value" lines of the effective configuration (secrets in
 * kafka.sasl.password / ssl.key.password masked) for start-up logs. */
void config_dump(const struct config *cfg, FILE *fp);

/* Frees what config_load allocated; cfg itself may live anywhere. */
void config_free(struct config *cfg);

#endif
