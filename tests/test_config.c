/*
 * test_config.c - settings of `evextract run` from defaults, file, env, flags.
 *
 * Each case gives a config file's text (written to a scratch directory; "@"
 * in argv or the environment stands for its path), environment variables,
 * flags, and then either the error text expected (a substring naming where
 * it came from) or "key=value" lines expected in config_dump's output. The
 * dump is the view of the loaded struct, so the cases check the values, the
 * enum names and the masking of secrets at once. Separate checks cover the
 * computed defaults (workers, transactional-id), --help and the usage text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

#define T_MAX 14
#define T_PATH 256

struct t_case {
	const char *name;
	const char *file;           /* contents of the config file, or NULL */
	const char *env[T_MAX];     /* "KEY=value", NULL-terminated */
	const char *argv[T_MAX];    /* after the command name */
	int rc;                     /* 0, 1 (help) or -1 */
	const char *err;            /* rc -1: text the message contains */
	const char *want[T_MAX];    /* rc 0: lines of config_dump */
	const char *absent;         /* rc 0: text the dump must not contain */
};

static const struct t_case t_cases[] = {
	{"defaults", NULL, {0}, {"--brokers", "b1:9092"}, 0, NULL,
	 {"brokers=b1:9092", "group-id=evextract", "articles-topic=articles",
	  "events-topic=events", "dlq-topic=articles.dlq", "rules=",
	  "delivery=exactly-once", "input-format=auto",
	  "commit-interval-ms=100", "commit-batch=1000", "queue-max=1000",
	  "producer-queue-max=10000", "max-bytes=1048576"}, "kafka."},
	{"more defaults", NULL, {"EVEXTRACT_BROKERS=b"}, {0}, 0, NULL,
	 {"http=127.0.0.1:8080", "log-level=info", "shutdown-timeout-ms=10000",
	  "watch-rules=true"}, NULL},
	{"file", "# settings\n\nbrokers = f1:9092\n  workers=3\n"
		 "delivery = at-least-once\ninput_format = protobuf\n"
		 "http = \"\"\nmax-bytes = 64k\nwatch-rules = off\n",
	 {0}, {"--config", "@"}, 0, NULL,
	 {"brokers=f1:9092", "workers=3", "delivery=at-least-once",
	  "input-format=protobuf", "http=", "max-bytes=65536",
	  "watch-rules=false"}, NULL},
	{"env overrides file", "brokers = f\nworkers = 3\nevents-topic = a\n",
	 {"EVEXTRACT_WORKERS=5", "EVEXTRACT_EVENTS_TOPIC=ev2",
	  "EVEXTRACT_LOG_LEVEL=debug", "PATH=/bin"},
	 {"--config=@"}, 0, NULL,
	 {"brokers=f", "workers=5", "events-topic=ev2", "log-level=debug"},
	 NULL},
	{"flag overrides env", "brokers = f\nworkers = 3\n",
	 {"EVEXTRACT_WORKERS=5", "EVEXTRACT_CONFIG=@"},
	 {"--workers", "7", "--brokers=x:1", "--group-id", "g"}, 0, NULL,
	 {"brokers=x:1", "workers=7", "group-id=g"}, NULL},
	{"--config wins over EVEXTRACT_CONFIG", "brokers = f\n",
	 {"EVEXTRACT_CONFIG=/nonexistent/evx.conf"}, {"--config", "@"}, 0, NULL,
	 {"brokers=f"}, NULL},
	{"kafka pass-through from every source",
	 "brokers = f\nkafka.acks = 1\nkafka.linger.ms = 5\n",
	 {"EVEXTRACT_KAFKA_SASL_PASSWORD=s3cret",
	  "EVEXTRACT_KAFKA_SASL_MECHANISMS=PLAIN"},
	 {"--config", "@", "--kafka.acks=all", "--kafka.client.id", "evx-1"},
	 0, NULL,
	 {"kafka.acks=all", "kafka.linger.ms=5", "kafka.sasl.password=***",
	  "kafka.sasl.mechanisms=PLAIN", "kafka.client.id=evx-1"}, "s3cret"},
	{"secret from a flag is masked", NULL, {0},
	 {"--brokers=b", "--kafka.ssl.key.password", "hunter2"}, 0, NULL,
	 {"kafka.ssl.key.password=***"}, "hunter2"},
	{"EVEXTRACT_RULES is the rules setting", NULL,
	 {"EVEXTRACT_RULES=/srv/rules", "EVEXTRACT_BROKERS=b"}, {0}, 0, NULL,
	 {"rules=/srv/rules"}, NULL},
	{"booleans as flags", NULL, {"EVEXTRACT_WATCH_RULES=yes"},
	 {"--brokers=b", "--no-watch-rules"}, 0, NULL,
	 {"watch-rules=false"}, NULL},
	{"boolean flag with a value", NULL, {"EVEXTRACT_WATCH_RULES=0"},
	 {"--brokers=b", "--watch-rules", "true"}, 0, NULL,
	 {"watch-rules=true"}, NULL},
	{"explicit transactional id", NULL, {0},
	 {"--brokers=b", "--transactional-id=evx-a"}, 0, NULL,
	 {"transactional-id=evx-a"}, NULL},

	{"unknown key in the file", "brokers = f\nwokers = 3\n", {0},
	 {"--config", "@"}, -1, "t.conf:2: unknown key \"wokers\"", {0}, NULL},
	{"unknown variable", NULL, {"EVEXTRACT_WOKERS=3"}, {"--brokers=b"}, -1,
	 "EVEXTRACT_WOKERS: unknown setting", {0}, NULL},
	{"unknown flag", NULL, {0}, {"--brokers=b", "--wokers", "3"}, -1,
	 "unknown option --wokers", {0}, NULL},
	{"line without =", "brokers = f\nworkers 3\n", {0}, {"--config", "@"},
	 -1, "t.conf:2: expected \"key = value\"", {0}, NULL},
	{"bad number in the file", "workers = 2x\n", {0}, {"--config", "@"},
	 -1, "t.conf:1: workers: \"2x\" is not a number", {0}, NULL},
	{"bad number in the environment", NULL, {"EVEXTRACT_WORKERS=x"},
	 {"--brokers=b"}, -1, "EVEXTRACT_WORKERS: \"x\" is not a number", {0},
	 NULL},
	{"below the minimum", NULL, {0}, {"--brokers=b", "--workers", "0"}, -1,
	 "--workers: 0 is below the minimum of 1", {0}, NULL},
	{"above the maximum", NULL, {0}, {"--brokers=b", "--workers=300"}, -1,
	 "--workers: 300 is above the maximum of 256", {0}, NULL},
	{"size below the minimum", NULL, {"EVEXTRACT_MAX_BYTES=10"},
	 {"--brokers=b"}, -1, "EVEXTRACT_MAX_BYTES: 10 is below the minimum of 1024",
	 {0}, NULL},
	{"bad choice", NULL, {0}, {"--brokers=b", "--delivery=twice"}, -1,
	 "--delivery: \"twice\" is not one of exactly-once|at-least-once", {0},
	 NULL},
	{"bad boolean", "watch-rules = maybe\n", {"EVEXTRACT_BROKERS=b"},
	 {"--config", "@"}, -1, "t.conf:1: watch-rules: \"maybe\" is not true",
	 {0}, NULL},
	{"missing brokers", NULL, {0}, {"--workers", "2"}, -1,
	 "brokers is required", {0}, NULL},
	{"empty brokers", NULL, {"EVEXTRACT_BROKERS="}, {0}, -1,
	 "brokers is required", {0}, NULL},
	{"flag without its value", NULL, {0}, {"--brokers"}, -1,
	 "--brokers needs a value", {0}, NULL},
	{"stray argument", NULL, {0}, {"--brokers=b", "extra"}, -1,
	 "unexpected argument \"extra\"", {0}, NULL},
	{"missing config file", NULL, {0},
	 {"--config", "/nonexistent/evx.conf"}, -1, "/nonexistent/evx.conf: ",
	 {0}, NULL},
	{"empty kafka key", NULL, {"EVEXTRACT_KAFKA_=1"}, {"--brokers=b"}, -1,
	 "EVEXTRACT_KAFKA_: a kafka setting needs a name", {0}, NULL},
	{"--help", NULL, {"EVEXTRACT_WOKERS=1"}, {"--workers=0", "--help"}, 1,
	 NULL, {0}, NULL},
	{"-h", NULL, {0}, {"-h"}, 1, NULL, {0}, NULL},
};

static char t_dir[] = "/tmp/evx-test-config.XXXXXX";
static char t_path[T_PATH];

/* Replaces "@" in s by the config file's path; buf holds the result. */
static char *t_subst(const char *s, char *buf, size_t size)
{
	const char *at = strchr(s, '@');

	if (!at)
		snprintf(buf, size, "%s", s);
	else
		snprintf(buf, size, "%.*s%s%s", (int)(at - s), s, t_path, at + 1);
	return buf;
}

/* Returns 1 when text has line as one of its lines. */
static int t_has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

static char *t_dump(const struct config *cfg)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);

	if (!fp)
		return NULL;
	config_dump(cfg, fp);
	fclose(fp);
	return buf;
}

static void t_run(const struct t_case *tc)
{
	char argbuf[T_MAX][T_PATH + 64], envbuf[T_MAX][T_PATH + 64];
	char *argv[T_MAX + 1], *envp[T_MAX + 1], err[512], *dump = NULL;
	struct config cfg;
	int argc = 1, nenv = 0, rc;
	FILE *fp;

	if (tc->file) {
		fp = fopen(t_path, "w");
		CHECK(fp != NULL);
		if (!fp)
			return;
		fputs(tc->file, fp);
		fclose(fp);
	}
	argv[0] = "run";
	for (int i = 0; i < T_MAX && tc->argv[i]; i++)
		argv[argc++] = t_subst(tc->argv[i], argbuf[i], sizeof(argbuf[i]));
	argv[argc] = NULL;
	for (int i = 0; i < T_MAX && tc->env[i]; i++)
		envp[nenv++] = t_subst(tc->env[i], envbuf[i], sizeof(envbuf[i]));
	envp[nenv] = NULL;

	rc = config_load(&cfg, argc, argv, envp, err, sizeof(err));
	if (rc != tc->rc)
		fprintf(stderr, "case \"%s\": rc %d, error \"%s\"\n", tc->name,
			rc, err);
	CHECK_INT(rc, tc->rc);
	if (tc->rc == -1 && rc == -1) {
		if (!strstr(err, tc->err))
			fprintf(stderr, "case \"%s\": error \"%s\" lacks \"%s\"\n",
				tc->name, err, tc->err);
		CHECK(strstr(err, tc->err) != NULL);
		/* The struct is left empty, and freeing it again is safe. */
		CHECK(cfg.brokers == NULL && cfg.kafka == NULL);
	}
	if (tc->rc == 0 && rc == 0) {
		dump = t_dump(&cfg);
		CHECK(dump != NULL);
		for (int i = 0; dump && i < T_MAX && tc->want[i]; i++) {
			if (!t_has_line(dump, tc->want[i]))
				fprintf(stderr, "case \"%s\": no line \"%s\" in:\n%s",
					tc->name, tc->want[i], dump);
			CHECK(t_has_line(dump, tc->want[i]));
		}
		if (dump && tc->absent)
			CHECK(strstr(dump, tc->absent) == NULL);
	}
	free(dump);
	config_free(&cfg);
	if (tc->file)
		unlink(t_path);
}

/* Fields the dump does not show plainly: computed defaults, enums, order. */
static void t_fields(void)
{
	char *argv[] = {"run", "--brokers", "b", "--group-id", "grp",
			"--kafka.b=2", "--kafka.a=1", "--kafka.b=3", NULL};
	char *envp[] = {"EVEXTRACT_INPUT_FORMAT=json", NULL};
	char host[256] = "", want[400], err[256];
	struct config cfg;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	CHECK_INT(config_load(&cfg, 8, argv, envp, err, sizeof(err)), 0);
	CHECK_INT(cfg.workers, cores < 1 ? 1 : cores > 256 ? 256 : cores);
	CHECK_INT(cfg.max_bytes, 1024 * 1024);
	CHECK_INT(cfg.delivery, CONFIG_EXACTLY_ONCE);
	CHECK_INT(cfg.input_format, CONFIG_FORMAT_JSON);
	CHECK_INT(cfg.watch_rules, 1);
	CHECK(cfg.rules == NULL);
	gethostname(host, sizeof(host) - 1);
	snprintf(want, sizeof(want), "evextract-grp-%s", host);
	CHECK_STR(cfg.transactional_id, want);
	/* kafka.* keep the order they were first given; later values win. */
	CHECK_INT(cfg.nkafka, 2);
	if (cfg.nkafka == 2) {
		CHECK_STR(cfg.kafka[0].key, "b");
		CHECK_STR(cfg.kafka[0].val, "3");
		CHECK_STR(cfg.kafka[1].key, "a");
	}
	config_free(&cfg);
	config_free(&cfg);
	config_free(NULL);
}

/* The usage names every setting, its flag and its variable. */
static void t_usage(void)
{
	static const char *const keys[] = {
		"brokers", "group-id", "articles-topic", "events-topic",
		"dlq-topic", "rules", "delivery", "input-format",
		"transactional-id", "workers", "commit-interval-ms",
		"commit-batch", "queue-max", "producer-queue-max", "max-bytes",
		"http", "log-level",
		"shutdown-timeout-ms", "watch-rules", "kafka.sasl.password",
		"kafka.ssl.key.password",
	};
	static const char *const envs[] = {
		"EVEXTRACT_BROKERS", "EVEXTRACT_GROUP_ID",
		"EVEXTRACT_ARTICLES_TOPIC", "EVEXTRACT_EVENTS_TOPIC",
		"EVEXTRACT_DLQ_TOPIC", "EVEXTRACT_RULES", "EVEXTRACT_DELIVERY",
		"EVEXTRACT_INPUT_FORMAT", "EVEXTRACT_TRANSACTIONAL_ID",
		"EVEXTRACT_WORKERS", "EVEXTRACT_COMMIT_INTERVAL_MS",
		"EVEXTRACT_COMMIT_BATCH", "EVEXTRACT_QUEUE_MAX",
		"EVEXTRACT_PRODUCER_QUEUE_MAX",
		"EVEXTRACT_MAX_BYTES", "EVEXTRACT_HTTP", "EVEXTRACT_LOG_LEVEL",
		"EVEXTRACT_SHUTDOWN_TIMEOUT_MS", "EVEXTRACT_WATCH_RULES",
		"EVEXTRACT_KAFKA_SASL_PASSWORD",
		"EVEXTRACT_KAFKA_SSL_KEY_PASSWORD", "EVEXTRACT_CONFIG",
	};
	char *buf = NULL, flag[64];
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);

	CHECK(fp != NULL);
	if (!fp)
		return;
	config_usage(fp);
	fclose(fp);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(flag, sizeof(flag), "  --%s ", keys[i]);
		if (!strstr(buf, flag))
			fprintf(stderr, "usage lacks \"%s\"\n", flag);
		CHECK(strstr(buf, flag) != NULL);
	}
	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
		snprintf(flag, sizeof(flag), "env %s", envs[i]);
		if (!strstr(buf, flag))
			fprintf(stderr, "usage lacks \"%s\"\n", flag);
		CHECK(strstr(buf, flag) != NULL);
	}
	CHECK(strstr(buf, "default 127.0.0.1:8080") != NULL);
	CHECK(strstr(buf, "default 1M") != NULL);
	CHECK(strstr(buf, "--kafka.KEY VALUE") != NULL);
	/* Wrapped to fit a terminal; choices and ranges are kept whole. */
	for (const char *l = buf, *nl; *l; l = nl ? nl + 1 : l + strlen(l)) {
		nl = strchr(l, '\n');
		if ((nl ? (size_t)(nl - l) : strlen(l)) > 79)
			fprintf(stderr, "usage line over 79 columns: %.*s\n",
				(int)(nl ? nl - l : (long)strlen(l)), l);
		CHECK((nl ? (size_t)(nl - l) : strlen(l)) <= 79);
	}
	CHECK(strstr(buf, "(exactly-once|at-least-once)") != NULL);
	CHECK(strstr(buf, "[0..3600000]") != NULL);
	free(buf);
}

int main(void)
{
	if (!mkdtemp(t_dir)) {
		perror(t_dir);
		return 1;
	}
	snprintf(t_path, sizeof(t_path), "%s/t.conf", t_dir);
	for (size_t i = 0; i < sizeof(t_cases) / sizeof(t_cases[0]); i++)
		t_run(&t_cases[i]);
	t_fields();
	t_usage();
	rmdir(t_dir);
	return CHECK_DONE();
}
