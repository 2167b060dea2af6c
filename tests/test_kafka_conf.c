/*
 * test_kafka_conf.c - kafka.* settings go to the clients they concern.
 *
 * The scopes come from the librdkafka linked in, so the cases are
 * properties whose kind has not changed across librdkafka releases.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "kafka_conf.h"

struct scope_case {
	const char *key;
	int want;
};

static const struct scope_case scope_cases[] = {
	{"session.timeout.ms", 'C'},
	{"heartbeat.interval.ms", 'C'},
	{"fetch.wait.max.ms", 'C'},
	{"isolation.level", 'C'},
	{"auto.offset.reset", 'C'},          /* a topic property */
	{"linger.ms", 'P'},
	{"transactional.id", 'P'},
	{"acks", 'P'},                       /* an alias */
	{"message.timeout.ms", 'P'},
	{"client.id", '*'},
	{"security.protocol", '*'},
	{"sasl.password", '*'},
	{"no.such.property", 0},
	{"linger", 0},                       /* a prefix of a property */
	{"ms", 0},
};

struct apply_case {
	const char *key, *val;
	enum kafka_role role;
	int want_rc;
	const char *want_val;   /* the value in conf afterwards; NULL: not set */
};

static const struct apply_case apply_cases[] = {
	/* Each kind gets its own keys and the shared ones. */
	{"session.timeout.ms", "6000", KAFKA_CONSUMER, 0, "6000"},
	{"session.timeout.ms", "6000", KAFKA_PRODUCER, 0, NULL},
	{"linger.ms", "20", KAFKA_PRODUCER, 0, "20"},
	{"linger.ms", "20", KAFKA_CONSUMER, 0, NULL},
	{"socket.timeout.ms", "7000", KAFKA_CONSUMER, 0, "7000"},
	{"socket.timeout.ms", "7000", KAFKA_PRODUCER, 0, "7000"},
	/* A bad value is reported by every client, its kind's or not. */
	{"session.timeout.ms", "soon", KAFKA_PRODUCER, -1, NULL},
	{"linger.ms", "-5", KAFKA_CONSUMER, -1, NULL},
	/* An unknown key goes to every client, which rejects it. */
	{"no.such.property", "1", KAFKA_CONSUMER, -1, NULL},
	{"no.such.property", "1", KAFKA_PRODUCER, -1, NULL},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(scope_cases) / sizeof(scope_cases[0]); i++) {
		int got = kafka_conf_scope(scope_cases[i].key);

		CHECK_INT(got, scope_cases[i].want);
		if (got != scope_cases[i].want)
			fprintf(stderr, "  key %s\n", scope_cases[i].key);
	}

	for (size_t i = 0; i < sizeof(apply_cases) / sizeof(apply_cases[0]); i++) {
		const struct apply_case *c = &apply_cases[i];
		struct config_kv kv = {(char *)c->key, (char *)c->val};
		struct config cfg;
		rd_kafka_conf_t *conf = rd_kafka_conf_new();
		rd_kafka_conf_t *fresh = rd_kafka_conf_new();
		char err[256] = "", got[64] = "", def[64] = "";
		size_t n = sizeof(got), nd = sizeof(def);
		int rc;

		memset(&cfg, 0, sizeof(cfg));
		cfg.kafka = &kv;
		cfg.nkafka = 1;
		rc = kafka_conf_apply(conf, &cfg, c->role, err, sizeof(err));
		CHECK_INT(rc, c->want_rc);
		if (rc < 0) {
			/* The error names the key. */
			CHECK(strstr(err, c->key) != NULL);
		} else if (c->want_val) {
			CHECK(rd_kafka_conf_get(conf, c->key, got, &n) == RD_KAFKA_CONF_OK);
			CHECK_STR(got, c->want_val);
		} else {
			/* Left at librdkafka's default. */
			CHECK(rd_kafka_conf_get(conf, c->key, got, &n) == RD_KAFKA_CONF_OK);
			CHECK(rd_kafka_conf_get(fresh, c->key, def, &nd) == RD_KAFKA_CONF_OK);
			CHECK_STR(got, def);
		}
		rd_kafka_conf_destroy(conf);
		rd_kafka_conf_destroy(fresh);
	}
	return CHECK_DONE();
}
