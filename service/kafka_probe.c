/*
 * kafka_probe.c - the start-up check of `evextract run` (see kafka_probe.h).
 *
 * A producer handle (no group, no transactions: the cheapest client) gets
 * the same bootstrap servers and kafka.* settings as the service's real
 * clients. The probe then alternates short metadata requests with polls of
 * the handle's main queue, where librdkafka puts the errors of its broker
 * threads. The first of these ends it:
 *   - a metadata answer: the brokers are reachable and took our login (a
 *     SASL_SSL connection answers nothing before the handshake and the
 *     authentication are done), return 0;
 *   - an error callback with _AUTHENTICATION, _SSL, SASL_AUTHENTICATION_FAILED
 *     or a fatal error: return KAFKA_PROBE_AUTH with librdkafka's reason;
 *   - the deadline: return KAFKA_PROBE_ERROR with the last error seen
 *     (typically _ALL_BROKERS_DOWN or _TRANSPORT), since brokers that are
 *     merely slow to come up are retried until then.
 *
 * Thread: the caller's (main, before the event loop runs). The error
 * callback runs inside rd_kafka_poll on the same thread, so the state needs
 * no lock.
 */
#include "kafka_probe.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kafka_conf.h"
#include "kafka_in.h"
#include "log.h"

/* Longest single metadata request, ms: errors are looked at in between. */
#define PROBE_STEP_MS 250

struct probe {
	rd_kafka_resp_err_t fatal;   /* an authentication or TLS error, or 0 */
	char fatal_reason[512];
	rd_kafka_resp_err_t last;    /* the last other error, or 0 */
	char last_reason[512];
};

/* Returns 1 for errors that no retry will cure: the login or the TLS
 * handshake was refused, or librdkafka gave up. */
static int probe_is_fatal(rd_kafka_resp_err_t err)
{
	return err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
	       err == RD_KAFKA_RESP_ERR__SSL ||
	       err == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED ||
	       err == RD_KAFKA_RESP_ERR__FATAL;
}

/* Error callback, called from rd_kafka_poll on the probing thread. */
static void probe_error_cb(rd_kafka_t *rk, int err, const char *reason,
			   void *opaque)
{
	struct probe *p = opaque;
	rd_kafka_resp_err_t e = (rd_kafka_resp_err_t)err;

	if (probe_is_fatal(e)) {
		if (!p->fatal) {
			p->fatal = e;
			snprintf(p->fatal_reason, sizeof(p->fatal_reason), "%s",
				 reason);
		}
		return;
	}
	p->last = e;
	snprintf(p->last_reason, sizeof(p->last_reason), "%s", reason);
}

static double probe_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int kafka_probe(const struct config *cfg, int timeout_ms, char *errstr,
		size_t errstr_size)
{
	struct probe p;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk = NULL;
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
	double t0 = probe_now(), left;
	char e[512];
	int rc = KAFKA_PROBE_ERROR;

	memset(&p, 0, sizeof(p));
	if (!conf) {
		snprintf(errstr, errstr_size, "out of memory");
		goto out;
	}
	if (rd_kafka_conf_set(conf, "bootstrap.servers", cfg->brokers, e,
			      sizeof(e)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "client.id", "evextract-probe", e,
			      sizeof(e)) != RD_KAFKA_CONF_OK) {
		snprintf(errstr, errstr_size, "probe: %s", e);
		goto out;
	}
	if (kafka_conf_apply(conf, cfg, KAFKA_PRODUCER, errstr, errstr_size) < 0)
		goto out;
	rd_kafka_conf_set_opaque(conf, &p);
	rd_kafka_conf_set_error_cb(conf, probe_error_cb);
	rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
	/* rd_kafka_new() takes ownership of conf on success. */
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
	if (!rk) {
		snprintf(errstr, errstr_size, "probe: %s", e);
		goto out;
	}
	conf = NULL;
	for (;;) {
		left = (double)timeout_ms - (probe_now() - t0) * 1000.0;
		if (left <= 0)
			break;
		err = rd_kafka_metadata(rk, 0, NULL, &md,
					left < PROBE_STEP_MS ? (int)left + 1
							     : PROBE_STEP_MS);
		if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			rd_kafka_metadata_destroy(md);
			LOG(LOG_INFO, "msg=\"brokers answered\" brokers=%s "
				      "seconds=%.2f", cfg->brokers,
			    probe_now() - t0);
			rc = 0;
			goto out;
		}
		rd_kafka_poll(rk, 0);
		if (p.fatal) {
			snprintf(errstr, errstr_size,
				 "%s: %s (after %.1f s)",
				 p.fatal == RD_KAFKA_RESP_ERR__SSL
					 ? "TLS handshake failed"
					 : "authentication failed",
				 p.fatal_reason, probe_now() - t0);
			rc = KAFKA_PROBE_AUTH;
			goto out;
		}
	}
	snprintf(errstr, errstr_size, "no broker answered within %.0f s: %s",
		 timeout_ms / 1000.0,
		 p.last ? p.last_reason : rd_kafka_err2str(err));
out:
	if (conf)
		rd_kafka_conf_destroy(conf);
	if (rk)
		rd_kafka_destroy(rk);
	return rc;
}
