/*
 * kafka_probe.h - the start-up check of `evextract run`: can the brokers be
 * reached with the configured security settings?
 *
 * librdkafka retries a refused login or a failed TLS handshake for ever and
 * only reports it through the error callback, so a service started with a
 * wrong password would otherwise sit there logging warnings. The probe makes
 * a throw-away client with the same kafka.* settings and asks for metadata
 * until it gets an answer, an authentication or TLS error, or the deadline.
 * Runs on the calling thread (main, before the loop starts); it blocks.
 */
#ifndef EVX_KAFKA_PROBE_H
#define EVX_KAFKA_PROBE_H

#include <stddef.h>

#include "config.h"

/* Status codes of kafka_probe() besides 0 (the brokers answered). */
enum {
	KAFKA_PROBE_ERROR = -1,    /* bad setting, out of memory, no answer in time */
	KAFKA_PROBE_AUTH = -2,     /* SASL authentication refused or TLS failed */
};

/* Connects to cfg->brokers with cfg's kafka.* settings and waits for a
 * metadata answer, at most timeout_ms. Returns 0, or a KAFKA_PROBE_ code
 * with errstr filled ("authentication failed: SASL authentication error:
 * ...", "no broker answered within 30 s: ..."). */
int kafka_probe(const struct config *cfg, int timeout_ms, char *errstr,
		size_t errstr_size);

#endif
