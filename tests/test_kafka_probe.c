/*
 * test_kafka_probe.c - the start-up check without a broker: settings that
 * librdkafka refuses, a TLS set-up that cannot load, and brokers that do not
 * answer (a closed port) each fail with the reason, within the time given.
 * The success and authentication paths need a broker with SASL_SSL:
 * tests/service_sasl_ssl.sh covers them.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "config.h"
#include "kafka_probe.h"

struct t_case {
	const char *name;
	const char *brokers;
	const char *kv[4][2];   /* kafka.* settings (without the prefix) */
	int timeout_ms;
	int want_rc;
	const char *want_err;   /* text errstr must contain */
	double max_s;           /* the call must return within this */
};

static const struct t_case t_cases[] = {
	{"unknown setting", "127.0.0.1:1", {{"no.such.property", "1"}}, 2000,
	 KAFKA_PROBE_ERROR, "kafka.no.such.property", 1.0},
	{"bad value", "127.0.0.1:1", {{"security.protocol", "carrier_pigeon"}},
	 2000, KAFKA_PROBE_ERROR, "kafka.security.protocol", 1.0},
	{"missing CA file", "127.0.0.1:1",
	 {{"security.protocol", "SASL_SSL"}, {"sasl.mechanisms", "PLAIN"},
	  {"sasl.username", "u"}, {"ssl.ca.location", "/nonexistent/ca.pem"}},
	 2000, KAFKA_PROBE_ERROR, "probe:", 1.0},
	{"closed port", "127.0.0.1:1", {{NULL, NULL}}, 700, KAFKA_PROBE_ERROR,
	 "no broker answered within 1 s", 3.0},
	{"closed port, SASL_SSL", "127.0.0.1:1",
	 {{"security.protocol", "SASL_SSL"}, {"sasl.mechanisms", "PLAIN"},
	  {"sasl.username", "u"}, {"sasl.password", "p"}},
	 700, KAFKA_PROBE_ERROR, "no broker answered", 3.0},
};

static double t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	for (size_t i = 0; i < sizeof(t_cases) / sizeof(t_cases[0]); i++) {
		const struct t_case *tc = &t_cases[i];
		struct config_kv kv[4];
		struct config cfg;
		char err[512] = "";
		double t0;
		int rc;

		memset(&cfg, 0, sizeof(cfg));
		cfg.brokers = (char *)tc->brokers;
		cfg.kafka = kv;
		for (size_t k = 0; k < 4 && tc->kv[k][0]; k++) {
			kv[k].key = (char *)tc->kv[k][0];
			kv[k].val = (char *)tc->kv[k][1];
			cfg.nkafka++;
		}
		t0 = t_now();
		rc = kafka_probe(&cfg, tc->timeout_ms, err, sizeof(err));
		if (rc != tc->want_rc || !strstr(err, tc->want_err) ||
		    t_now() - t0 > tc->max_s)
			fprintf(stderr, "case \"%s\": rc %d after %.2f s: %s\n",
				tc->name, rc, t_now() - t0, err);
		CHECK_INT(rc, tc->want_rc);
		CHECK(strstr(err, tc->want_err) != NULL);
		CHECK(t_now() - t0 <= tc->max_s);
	}
	return CHECK_DONE();
}
