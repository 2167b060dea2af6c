/*
 * config.c - the settings of `evextract run`: one table, four sources.
 *
 * config_opts[] names every setting once: its key (used as is in the config
 * file and as --key on the command line; the environment name is derived:
 * EVEXTRACT_ + the key upper-cased with '.' and '-' as '_'), its type,
 * default, bounds or choices, where it lives in struct config, its help, and
 * whether it is a secret. Defaults, the file, the environment, the flags,
 * the usage text and the start-up dump all walk this one table, so none of
 * them can disagree with the others.
 *
 * Load order, lowest precedence first: defaults, the file named by --config
 * (or $EVEXTRACT_CONFIG), the environment, the flags. argv is scanned once
 * beforehand for --help and --config. Every value from every source goes
 * through config_set(), which parses, checks and stores it, and names where
 * the value came from in any error ("evextract.conf:3: workers", "--workers",
 * "EVEXTRACT_WORKERS"). Strings in struct config are owned copies.
 *
 * Keys "kafka.X" are collected, in first-seen order, for librdkafka; a later
 * source replaces an earlier value in place. From the environment,
 * EVEXTRACT_KAFKA_SASL_MECHANISMS means kafka.sasl.mechanisms: after the
 * prefix the name is lower-cased and every '_' becomes '.' (librdkafka's
 * property names use dots). The table lists the secret kafka keys so the
 * usage documents them and the dump masks them; any kafka key containing
 * "password" or "secret" is masked too.
 *
 * An EVEXTRACT_* variable that names no setting is an error, so a typo does
 * not pass silently; EVEXTRACT_RULES (which the CLI commands read too) is the
 * `rules` setting, and EVEXTRACT_CONFIG names the file.
 *
 * Single-threaded: main calls config_load once before anything starts.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "limits.h"
#include "opts.h"

#define CONFIG_ENV_PREFIX "EVEXTRACT_"
#define CONFIG_KAFKA_PREFIX "kafka."

enum config_type {
	CONFIG_STRING = 1,  /* char *; choices restrict it when set */
	CONFIG_LONG,        /* long, decimal */
	CONFIG_SIZE,        /* size_t, bytes with an optional k/M/G suffix */
	CONFIG_BOOL,        /* int: true|false|yes|no|on|off|1|0 */
	CONFIG_ENUM,        /* int-sized enum: index of the value in choices */
	CONFIG_KAFKA,       /* a documented kafka.* key; stored in cfg->kafka */
};

struct config_opt {
	const char *name;     /* key in the file, --name on the command line */
	enum config_type type;
	const char *def;      /* default as a user would write it, or NULL */
	double defval;        /* LONG and SIZE default when def is NULL */
	const char *defdoc;   /* default as the usage shows it, when computed */
	double min, max;      /* LONG and SIZE bounds */
	const char *choices;  /* "a|b|c" for ENUM (and optionally STRING) */
	size_t offset;        /* offsetof() the value in struct config */
	const char *arg;      /* name of the value in the usage */
	const char *help;
	int secret;           /* masked by config_dump */
};

#define OFF(f) offsetof(struct config, f)

static const struct config_opt config_opts[] = {
	{.name = "brokers", .type = CONFIG_STRING, .offset = OFF(brokers),
	 .arg = "HOST:PORT,...", .defdoc = "none, required",
	 .help = "Kafka bootstrap servers (bootstrap.servers)"},
	{.name = "group-id", .type = CONFIG_STRING, .def = "evextract",
	 .offset = OFF(group_id), .arg = "NAME",
	 .help = "consumer group of the articles topic"},
	{.name = "articles-topic", .type = CONFIG_STRING, .def = "articles",
	 .offset = OFF(articles_topic), .arg = "TOPIC",
	 .help = "topic the articles are read from"},
	{.name = "events-topic", .type = CONFIG_STRING, .def = "events",
	 .offset = OFF(events_topic), .arg = "TOPIC",
	 .help = "topic the events are written to"},
	{.name = "dlq-topic", .type = CONFIG_STRING, .def = "articles.dlq",
	 .offset = OFF(dlq_topic), .arg = "TOPIC",
	 .help = "dead-letter topic for articles that cannot be processed"},
	{.name = "rules", .type = CONFIG_STRING, .offset = OFF(rules),
	 .arg = "PATH", .defdoc = "installed pack, else the source tree's",
	 .help = "rule pack file or directory"},
	{.name = "delivery", .type = CONFIG_ENUM, .def = "exactly-once",
	 .choices = "exactly-once|at-least-once", .offset = OFF(delivery),
	 .arg = "MODE",
	 .help = "exactly-once: transactions, readers use read_committed; "
		 "at-least-once: idempotent producer, duplicates possible"},
	{.name = "input-format", .type = CONFIG_ENUM, .def = "auto",
	 .choices = "auto|json|protobuf", .offset = OFF(input_format),
	 .arg = "FORMAT",
	 .help = "article encoding; auto: content-type header, else sniffed"},
	{.name = "transactional-id", .type = CONFIG_STRING,
	 .offset = OFF(transactional_id), .arg = "ID",
	 .defdoc = "evextract-<group-id>-<hostname>",
	 .help = "producer transactional.id (exactly-once); must stay the "
		 "same across restarts of one instance and differ between "
		 "instances of a group, or they fence each other off"},
	{.name = "workers", .type = CONFIG_LONG, .min = 1, .max = 256,
	 .offset = OFF(workers), .arg = "N", .defdoc = "number of online cores",
	 .help = "extraction threads (more than partitions is pointless)"},
	{.name = "commit-interval-ms", .type = CONFIG_LONG, .defval = 100,
	 .min = 1, .max = 3600000, .offset = OFF(commit_interval_ms),
	 .arg = "MS", .help = "commit a transaction / offsets this often"},
	{.name = "commit-batch", .type = CONFIG_LONG, .defval = 1000,
	 .min = 1, .max = 1000000, .offset = OFF(commit_batch), .arg = "N",
	 .help = "commit after this many articles too"},
	{.name = "queue-max", .type = CONFIG_LONG, .defval = 1000,
	 .min = 1, .max = 1000000, .offset = OFF(queue_max), .arg = "N",
	 .help = "articles in flight per worker before consumption pauses"},
	{.name = "producer-queue-max", .type = CONFIG_LONG,
	 .defval = EVX_PRODUCER_QUEUE_MAX, .min = 1, .max = 1000000,
	 .offset = OFF(producer_queue_max), .arg = "N",
	 .help = "messages waiting for the broker's acknowledgement before "
		 "consumption pauses"},
	{.name = "max-bytes", .type = CONFIG_SIZE,
	 .defval = EVX_MAX_ARTICLE_BYTES, .min = 1024,
	 .max = 1024.0 * 1024 * 1024, .offset = OFF(max_bytes), .arg = "SIZE",
	 .help = "largest article accepted; larger ones go to the DLQ"},
	{.name = "article-time-budget-ms", .type = CONFIG_LONG,
	 .defval = EVX_ARTICLE_TIME_BUDGET_MS, .min = 0, .max = 3600000,
	 .offset = OFF(article_time_budget_ms), .arg = "MS",
	 .help = "extraction time one article may take before it is "
		 "abandoned to the DLQ (time_budget); 0: no budget"},
	{.name = "http", .type = CONFIG_STRING, .def = "127.0.0.1:8080",
	 .offset = OFF(http), .arg = "HOST:PORT",
	 .help = "listen address of /healthz, /readyz, /metrics; empty "
		 "disables"},
	{.name = "log-level", .type = CONFIG_STRING, .def = "info",
	 .choices = "debug|info|warn|error", .offset = OFF(log_level),
	 .arg = "LEVEL", .help = "lowest level logged"},
	{.name = "shutdown-timeout-ms", .type = CONFIG_LONG, .defval = 10000,
	 .min = 0, .max = 600000, .offset = OFF(shutdown_timeout_ms),
	 .arg = "MS", .help = "time allowed for an orderly shutdown"},
	{.name = "watch-rules", .type = CONFIG_BOOL, .def = "true",
	 .offset = OFF(watch_rules), .arg = "BOOL",
	 .help = "reload the rule pack when its files change"},
	{.name = "kafka.sasl.password", .type = CONFIG_KAFKA, .arg = "SECRET",
	 .secret = 1, .help = "SASL password (passed to librdkafka)"},
	{.name = "kafka.ssl.key.password", .type = CONFIG_KAFKA,
	 .arg = "SECRET", .secret = 1,
	 .help = "password of the TLS client key (passed to librdkafka)"},
	{0},
};

/* Fills errstr and returns -1. */
static int config_fail(char *errstr, size_t errstr_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int config_fail(char *errstr, size_t errstr_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errstr, errstr_size, fmt, ap);
	va_end(ap);
	return -1;
}

/* Returns 1 when a and b (b of length n) are equal with '-' and '_' alike. */
static int config_key_eq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n && a[i]; i++) {
		char x = a[i] == '_' ? '-' : a[i];
		char y = b[i] == '_' ? '-' : b[i];

		if (x != y)
			return 0;
	}
	return i == n && a[i] == '\0';
}

/* The table entry for key (n bytes), or NULL. kafka.* entries are skipped:
 * those keys are handled generically. */
static const struct config_opt *config_find(const char *key, size_t n)
{
	for (const struct config_opt *o = config_opts; o->name; o++)
		if (o->type != CONFIG_KAFKA && config_key_eq(o->name, key, n))
			return o;
	return NULL;
}

/* Writes the environment name of key into buf. */
static void config_env_name(const char *key, char *buf, size_t size)
{
	size_t n = strlen(CONFIG_ENV_PREFIX);

	if (size <= n)
		return;
	memcpy(buf, CONFIG_ENV_PREFIX, n);
	for (; *key && n + 1 < size; key++)
		buf[n++] = (*key == '.' || *key == '-')
				   ? '_'
				   : (char)toupper((unsigned char)*key);
	buf[n] = '\0';
}

/* Returns the index of val among "a|b|c" choices, or -1. */
static int config_choice(const char *choices, const char *val)
{
	size_t n = strlen(val);
	const char *p = choices;

	for (int i = 0; *p; i++) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncmp(p, val, n) == 0)
			return i;
		if (!bar)
			break;
		p = bar + 1;
	}
	return -1;
}

/* The idx-th of "a|b|c" choices into buf. */
static const char *config_choice_name(const char *choices, int idx, char *buf,
				      size_t size)
{
	const char *p = choices;

	for (int i = 0; i < idx && p; i++) {
		p = strchr(p, '|');
		if (p)
			p++;
	}
	if (!p)
		p = "?";
	snprintf(buf, size, "%.*s", (int)strcspn(p, "|"), p);
	return buf;
}

/* Parses a boolean word. Returns 0 or -1. */
static int config_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Replaces the string at *slot with a copy of val. */
static int config_set_string(char **slot, const char *val, char *errstr,
			     size_t errstr_size)
{
	char *copy = strdup(val);

	if (!copy)
		return config_fail(errstr, errstr_size, "out of memory");
	free(*slot);
	*slot = copy;
	return 0;
}

/* Checks v against the bounds of o; val is the text given, where its origin. */
static int config_check_bounds(const struct config_opt *o, double v,
			       const char *val, const char *where,
			       char *errstr, size_t errstr_size)
{
	if (v < o->min)
		return config_fail(errstr, errstr_size,
				   "%s: %s is below the minimum of %.0f", where,
				   val, o->min);
	if (v > o->max)
		return config_fail(errstr, errstr_size,
				   "%s: %s is above the maximum of %.0f", where,
				   val, o->max);
	return 0;
}

/* Parses, checks and stores val as the value of o. where names the origin
 * for errors ("--workers", "EVEXTRACT_WORKERS", "run.conf:3: workers"). */
static int config_set(struct config *cfg, const struct config_opt *o,
		      const char *val, const char *where, char *errstr,
		      size_t errstr_size)
{
	char *slot = (char *)cfg + o->offset;
	char *end;

	switch (o->type) {
	case CONFIG_STRING:
		if (o->choices && config_choice(o->choices, val) < 0)
			return config_fail(errstr, errstr_size,
					   "%s: \"%s\" is not one of %s", where,
					   val, o->choices);
		return config_set_string((char **)slot, val, errstr,
					 errstr_size);
	case CONFIG_LONG: {
		long v;

		errno = 0;
		v = strtol(val, &end, 10);
		if (errno == ERANGE)
			return config_fail(errstr, errstr_size,
					   "%s: %s is out of range", where, val);
		if (end == val || *end)
			return config_fail(errstr, errstr_size,
					   "%s: \"%s\" is not a number", where,
					   val);
		if (config_check_bounds(o, (double)v, val, where, errstr,
					errstr_size))
			return -1;
		*(long *)slot = v;
		return 0;
	}
	case CONFIG_SIZE: {
		size_t v;

		if (opts_parse_size(val, &v) != 0)
			return config_fail(errstr, errstr_size,
					   "%s: \"%s\" is not a size (bytes, or "
					   "a number with k, M or G)", where,
					   val);
		if (config_check_bounds(o, (double)v, val, where, errstr,
					errstr_size))
			return -1;
		*(size_t *)slot = v;
		return 0;
	}
	case CONFIG_BOOL:
		if (config_parse_bool(val, (int *)slot) != 0)
			return config_fail(errstr, errstr_size,
					   "%s: \"%s\" is not true or false",
					   where, val);
		return 0;
	case CONFIG_ENUM: {
		int idx = config_choice(o->choices, val);

		if (idx < 0)
			return config_fail(errstr, errstr_size,
					   "%s: \"%s\" is not one of %s", where,
					   val, o->choices);
		/* The enums of config.h are int-sized and number the
		 * choices in order. */
		*(int *)slot = idx;
		return 0;
	}
	case CONFIG_KAFKA:
		break;
	}
	return config_fail(errstr, errstr_size, "%s: bad option table entry",
			   where);
}

/* Sets kafka.<key> (key without the prefix) to val, replacing an earlier
 * value in place so the first-seen order stays. */
static int config_set_kafka(struct config *cfg, const char *key,
			    const char *val, const char *where, char *errstr,
			    size_t errstr_size)
{
	struct config_kv *grown;
	char *k, *v;

	if (!*key)
		return config_fail(errstr, errstr_size,
				   "%s: a kafka setting needs a name after "
				   "\"kafka.\"", where);
	for (size_t i = 0; i < cfg->nkafka; i++)
		if (strcmp(cfg->kafka[i].key, key) == 0)
			return config_set_string(&cfg->kafka[i].val, val,
						 errstr, errstr_size);
	grown = realloc(cfg->kafka, (cfg->nkafka + 1) * sizeof(*grown));
	if (!grown)
		return config_fail(errstr, errstr_size, "out of memory");
	cfg->kafka = grown;
	k = strdup(key);
	v = strdup(val);
	if (!k || !v) {
		free(k);
		free(v);
		return config_fail(errstr, errstr_size, "out of memory");
	}
	cfg->kafka[cfg->nkafka].key = k;
	cfg->kafka[cfg->nkafka].val = v;
	cfg->nkafka++;
	return 0;
}

/* The number of online cores, within the bounds of the workers option. */
static long config_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (n > 256)
		n = 256;
	return n;
}

/* Writes every default; defaults given as text go through config_set() so
 * a default that breaks its own bounds fails the first test run. */
static int config_defaults(struct config *cfg, char *errstr, size_t errstr_size)
{
	for (const struct config_opt *o = config_opts; o->name; o++) {
		char *slot = (char *)cfg + o->offset;

		if (o->type == CONFIG_LONG)
			*(long *)slot = (long)o->defval;
		else if (o->type == CONFIG_SIZE)
			*(size_t *)slot = (size_t)o->defval;
		if (o->def && config_set(cfg, o, o->def, o->name, errstr,
					 errstr_size) != 0)
			return -1;
	}
	cfg->workers = config_cores();
	return 0;
}

/* Strips leading and trailing white space in place. */
static char *config_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Applies one "key = value" of the file (path:line in where). */
static int config_file_line(struct config *cfg, char *line, const char *path,
			    size_t lineno, char *errstr, size_t errstr_size)
{
	char *eq = strchr(line, '='), *key, *val, where[512];
	const struct config_opt *o;
	size_t n;

	if (!eq)
		return config_fail(errstr, errstr_size,
				   "%s:%zu: expected \"key = value\"", path,
				   lineno);
	*eq = '\0';
	key = config_trim(line);
	val = config_trim(eq + 1);
	n = strlen(val);
	/* "value" in double quotes keeps its outer spaces. */
	if (n >= 2 && val[0] == '"' && val[n - 1] == '"') {
		val[n - 1] = '\0';
		val++;
	}
	snprintf(where, sizeof(where), "%s:%zu: %s", path, lineno, key);
	if (strncmp(key, CONFIG_KAFKA_PREFIX, strlen(CONFIG_KAFKA_PREFIX)) == 0)
		return config_set_kafka(cfg, key + strlen(CONFIG_KAFKA_PREFIX),
					val, where, errstr, errstr_size);
	o = config_find(key, strlen(key));
	if (!o)
		return config_fail(errstr, errstr_size,
				   "%s:%zu: unknown key \"%s\"", path, lineno,
				   key);
	return config_set(cfg, o, val, where, errstr, errstr_size);
}

/* Reads the config file: "key = value" lines, blank lines and lines whose
 * first non-blank character is '#'. */
static int config_file(struct config *cfg, const char *path, char *errstr,
		       size_t errstr_size)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	int rc = -1;

	if (!fp)
		return config_fail(errstr, errstr_size, "%s: %s", path,
				   strerror(errno));
	while (getline(&line, &cap, fp) >= 0) {
		char *s = config_trim(line);

		lineno++;
		if (*s == '\0' || *s == '#')
			continue;
		if (config_file_line(cfg, s, path, lineno, errstr,
				     errstr_size) != 0)
			goto done;
	}
	if (ferror(fp)) {
		config_fail(errstr, errstr_size, "%s: read error", path);
		goto done;
	}
	rc = 0;
done:
	free(line);
	fclose(fp);
	return rc;
}

/* Applies one EVEXTRACT_* variable; name is the whole variable name. */
static int config_env_var(struct config *cfg, const char *name,
			  const char *val, char *errstr, size_t errstr_size)
{
	const char *rest = name + strlen(CONFIG_ENV_PREFIX);
	char env[128], key[256];
	size_t i;

	if (strcmp(rest, "CONFIG") == 0)
		return 0;  /* the file, read before */
	for (const struct config_opt *o = config_opts; o->name; o++) {
		if (o->type == CONFIG_KAFKA)
			continue;
		config_env_name(o->name, env, sizeof(env));
		if (strcmp(env, name) == 0)
			return config_set(cfg, o, val, name, errstr,
					  errstr_size);
	}
	if (strncmp(rest, "KAFKA_", 6) == 0 && strlen(rest + 6) < sizeof(key)) {
		for (i = 0; rest[6 + i]; i++) {
			char c = rest[6 + i];

			key[i] = c == '_' ? '.'
					  : (char)tolower((unsigned char)c);
		}
		key[i] = '\0';
		return config_set_kafka(cfg, key, val, name, errstr,
					errstr_size);
	}
	return config_fail(errstr, errstr_size,
			   "%s: unknown setting (evextract run --help lists "
			   "them)", name);
}

/* Applies every EVEXTRACT_* variable of envp. */
static int config_env(struct config *cfg, char **envp, char *errstr,
		      size_t errstr_size)
{
	char name[256];

	for (size_t i = 0; envp && envp[i]; i++) {
		const char *e = envp[i], *eq = strchr(e, '=');
		size_t n;

		if (!eq || strncmp(e, CONFIG_ENV_PREFIX,
				   strlen(CONFIG_ENV_PREFIX)) != 0)
			continue;
		n = (size_t)(eq - e);
		if (n >= sizeof(name))
			return config_fail(errstr, errstr_size,
					   "%.40s...: unknown setting", e);
		memcpy(name, e, n);
		name[n] = '\0';
		if (config_env_var(cfg, name, eq + 1, errstr, errstr_size))
			return -1;
	}
	return 0;
}

/* Finds --help/-h (returns 1) and --config FILE (*path) in argv. */
static int config_scan_argv(int argc, char **argv, const char **path,
			    char *errstr, size_t errstr_size)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return 1;
		if (strncmp(a, "--config=", 9) == 0) {
			*path = a + 9;
		} else if (strcmp(a, "--config") == 0) {
			if (i + 1 >= argc)
				return config_fail(errstr, errstr_size,
						   "--config needs a value "
						   "(FILE)");
			*path = argv[++i];
		}
	}
	return 0;
}

/* Applies the flags of argv; --config and its value are skipped. */
static int config_flags(struct config *cfg, int argc, char **argv,
			char *errstr, size_t errstr_size)
{
	char where[256];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *eq, *val;
		const struct config_opt *o;
		size_t n;
		int neg = 0;

		if (strncmp(a, "--", 2) != 0 || a[2] == '\0')
			return config_fail(errstr, errstr_size,
					   "unexpected argument \"%s\" (settings "
					   "are --key value)", a);
		name = a + 2;
		eq = strchr(name, '=');
		n = eq ? (size_t)(eq - name) : strlen(name);
		snprintf(where, sizeof(where), "--%.*s", (int)n, name);
		if (config_key_eq("config", name, n)) {
			if (!eq)
				i++;
			continue;
		}
		o = config_find(name, n);
		if (!o && n > 3 && strncmp(name, "no-", 3) == 0) {
			o = config_find(name + 3, n - 3);
			if (o && o->type == CONFIG_BOOL && !eq)
				neg = 1;
			else
				o = NULL;
		}
		if (!o && strncmp(name, CONFIG_KAFKA_PREFIX,
				  strlen(CONFIG_KAFKA_PREFIX)) != 0)
			return config_fail(errstr, errstr_size,
					   "unknown option %s", where);
		if (neg) {
			*(int *)((char *)cfg + o->offset) = 0;
			continue;
		}
		if (eq) {
			val = eq + 1;
		} else if (o && o->type == CONFIG_BOOL) {
			/* "--watch-rules" alone means true; a following
			 * boolean word is its value. */
			int b;

			val = "true";
			if (i + 1 < argc && config_parse_bool(argv[i + 1], &b) == 0)
				val = argv[++i];
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			return config_fail(errstr, errstr_size,
					   "%s needs a value (%s)", where,
					   o && o->arg ? o->arg : "VALUE");
		}
		if (!o) {
			char key[256];

			snprintf(key, sizeof(key), "%.*s",
				 (int)(n - strlen(CONFIG_KAFKA_PREFIX)),
				 name + strlen(CONFIG_KAFKA_PREFIX));
			if (config_set_kafka(cfg, key, val, where, errstr,
					     errstr_size))
				return -1;
		} else if (config_set(cfg, o, val, where, errstr,
				      errstr_size)) {
			return -1;
		}
	}
	return 0;
}

/* Derives what depends on other settings and checks what is required. */
static int config_finish(struct config *cfg, char *errstr, size_t errstr_size)
{
	char host[256], id[512];

	if (!cfg->brokers || !*cfg->brokers)
		return config_fail(errstr, errstr_size,
				   "brokers is required: set --brokers, "
				   "EVEXTRACT_BROKERS or \"brokers = ...\" in "
				   "the config file");
	/* An empty rules path means "not given", as for the CLI. */
	if (cfg->rules && !*cfg->rules) {
		free(cfg->rules);
		cfg->rules = NULL;
	}
	if (!cfg->transactional_id || !*cfg->transactional_id) {
		/* Stable across restarts on one host, so a restarted instance
		 * fences its own zombie; distinct between hosts. */
		if (gethostname(host, sizeof(host)) != 0 || !*host)
			snprintf(host, sizeof(host), "unknown");
		host[sizeof(host) - 1] = '\0';
		snprintf(id, sizeof(id), "evextract-%s-%s", cfg->group_id, host);
		if (config_set_string(&cfg->transactional_id, id, errstr,
				      errstr_size))
			return -1;
	}
	return 0;
}

int config_load(struct config *cfg, int argc, char **argv, char **envp,
		char *errstr, size_t errstr_size)
{
	const char *path = NULL;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (errstr_size)
		errstr[0] = '\0';
	rc = config_scan_argv(argc, argv, &path, errstr, errstr_size);
	if (rc != 0)
		goto done;
	for (size_t i = 0; !path && envp && envp[i]; i++)
		if (strncmp(envp[i], CONFIG_ENV_PREFIX "CONFIG=",
			    strlen(CONFIG_ENV_PREFIX "CONFIG=")) == 0)
			path = envp[i] + strlen(CONFIG_ENV_PREFIX "CONFIG=");
	rc = -1;
	if (config_defaults(cfg, errstr, errstr_size))
		goto done;
	if (path && *path && config_file(cfg, path, errstr, errstr_size))
		goto done;
	if (config_env(cfg, envp, errstr, errstr_size))
		goto done;
	if (config_flags(cfg, argc, argv, errstr, errstr_size))
		goto done;
	if (config_finish(cfg, errstr, errstr_size))
		goto done;
	rc = 0;
done:
	/* On help or error nothing stays allocated; cfg is left zeroed. */
	if (rc != 0)
		config_free(cfg);
	return rc;
}

/* Formats the default of o for the usage. */
static const char *config_default_text(const struct config_opt *o, char *buf,
				       size_t size)
{
	if (o->defdoc && o->type == CONFIG_LONG && o->offset == OFF(workers)) {
		snprintf(buf, size, "%s, %ld here", o->defdoc, config_cores());
		return buf;
	}
	if (o->defdoc)
		return o->defdoc;
	if (o->def)
		return *o->def ? o->def : "\"\"";
	if (o->type == CONFIG_LONG) {
		snprintf(buf, size, "%.0f", o->defval);
		return buf;
	}
	if (o->type == CONFIG_SIZE) {
		unsigned long long v = (unsigned long long)o->defval;

		if (v && v % (1024ULL * 1024) == 0)
			snprintf(buf, size, "%lluM", v / (1024ULL * 1024));
		else
			snprintf(buf, size, "%llu", v);
		return buf;
	}
	return "none";
}

/* Prints text after an indent of 6, broken at spaces so that no line
 * passes CONFIG_USAGE_WIDTH columns (a word longer than that has its own
 * line), and a newline. */
#define CONFIG_USAGE_WIDTH 79
static void config_usage_wrapped(FILE *fp, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t room = CONFIG_USAGE_WIDTH - 6, n = strlen(p), cut = n;

		if (n > room) {
			cut = room;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = strcspn(p, " ");
		}
		fprintf(fp, "      %.*s\n", (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

void config_usage(FILE *fp)
{
	char env[128], def[128], line[1024];

	fprintf(fp,
		"usage: evextract run [--config FILE] [--KEY VALUE | "
		"--KEY=VALUE ...]\n"
		"\n"
		"Reads articles from Kafka, extracts events and writes them "
		"to Kafka.\n"
		"Each setting comes from, highest precedence first: its flag, "
		"its\n"
		"EVEXTRACT_* environment variable, the config file (\"key = "
		"value\"\n"
		"lines, '#' comment lines), its default.\n"
		"\n"
		"settings:\n");
	for (const struct config_opt *o = config_opts; o->name; o++) {
		config_env_name(o->name, env, sizeof(env));
		size_t n;

		fprintf(fp, "  --%s %s\n", o->name, o->arg);
		n = (size_t)snprintf(line, sizeof(line), "%s", o->help);
		if (o->choices && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, " (%s)",
					      o->choices);
		if (o->type == CONFIG_LONG && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n,
					      " [%.0f..%.0f]", o->min, o->max);
		if (o->secret && n < sizeof(line))
			snprintf(line + n, sizeof(line) - n, "; masked in logs");
		config_usage_wrapped(fp, line);
		fprintf(fp, "      env %s", env);
		if (o->type != CONFIG_KAFKA)
			fprintf(fp, ", default %s",
				config_default_text(o, def, sizeof(def)));
		fputc('\n', fp);
	}
	fprintf(fp,
		"  --kafka.KEY VALUE\n"
		"      any librdkafka property, given to the consumer, the "
		"producer or both\n"
		"      as librdkafka's table says (e.g. session.timeout.ms: "
		"consumer only)\n"
		"      env EVEXTRACT_KAFKA_KEY (the key upper-cased, '.' as "
		"'_'), e.g.\n"
		"      EVEXTRACT_KAFKA_SASL_MECHANISMS for "
		"kafka.sasl.mechanisms\n"
		"  --config FILE\n"
		"      read settings from FILE\n"
		"      env EVEXTRACT_CONFIG\n"
		"  --help\n"
		"      show this help and exit\n"
		"\n"
		"EVEXTRACT_* variables that name no setting are errors. With "
		"exactly-once\n"
		"delivery, give each instance of a group its own stable "
		"--transactional-id\n"
		"(the default, evextract-<group-id>-<hostname>, is one per "
		"host).\n");
}

/* Returns 1 when the kafka key (without the prefix) holds a secret. */
static int config_kafka_secret(const char *key)
{
	size_t n = strlen(CONFIG_KAFKA_PREFIX);

	for (const struct config_opt *o = config_opts; o->name; o++)
		if (o->type == CONFIG_KAFKA && o->secret &&
		    strcmp(o->name + n, key) == 0)
			return 1;
	return strstr(key, "password") || strstr(key, "secret");
}

void config_dump(const struct config *cfg, FILE *fp)
{
	char buf[64];

	for (const struct config_opt *o = config_opts; o->name; o++) {
		const char *slot = (const char *)cfg + o->offset;

		if (o->type == CONFIG_KAFKA)
			continue;
		fprintf(fp, "%s=", o->name);
		if (o->secret) {
			fputs("***", fp);
		} else {
			switch (o->type) {
			case CONFIG_STRING: {
				const char *s = *(char *const *)slot;

				fputs(s ? s : "", fp);
				break;
			}
			case CONFIG_LONG:
				fprintf(fp, "%ld", *(const long *)slot);
				break;
			case CONFIG_SIZE:
				fprintf(fp, "%zu", *(const size_t *)slot);
				break;
			case CONFIG_BOOL:
				fputs(*(const int *)slot ? "true" : "false",
				      fp);
				break;
			case CONFIG_ENUM:
				fputs(config_choice_name(o->choices,
							 *(const int *)slot,
							 buf, sizeof(buf)),
				      fp);
				break;
			case CONFIG_KAFKA:
				break;
			}
		}
		fputc('\n', fp);
	}
	for (size_t i = 0; i < cfg->nkafka; i++)
		fprintf(fp, "kafka.%s=%s\n", cfg->kafka[i].key,
			config_kafka_secret(cfg->kafka[i].key)
				? "***"
				: cfg->kafka[i].val);
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (const struct config_opt *o = config_opts; o->name; o++)
		if (o->type == CONFIG_STRING)
			free(*(char **)((char *)cfg + o->offset));
	for (size_t i = 0; i < cfg->nkafka; i++) {
		free(cfg->kafka[i].key);
		free(cfg->kafka[i].val);
	}
	free(cfg->kafka);
	memset(cfg, 0, sizeof(*cfg));
}
