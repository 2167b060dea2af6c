/*
 * http.h - the service's HTTP endpoint on the libevent loop (evhttp).
 *
 * GET /healthz: 200 "ok" while the loop runs. GET /readyz: 200 "ready" when
 * the readiness callback says so, else 503 with its reason. GET /metrics:
 * the metrics registry in Prometheus text. Anything else: 404; methods other
 * than GET: 405. Requests are bounded in size (headers and body) and every
 * callback replies; nothing blocks the loop. Runs on the loop thread only.
 */
#ifndef EVX_HTTP_H
#define EVX_HTTP_H

#include <stddef.h>

#include "metrics.h"

struct event_base;
struct http;

/* Fills why (a short reason) and returns 1 when ready, 0 when not. Called on
 * the loop thread for each /readyz. */
typedef int (*http_ready_fn)(void *arg, char *why, size_t why_size);

/* Listens on addr ("host:port"; port 0 picks a free one). NULL and errstr
 * filled on failure ("127.0.0.1:8080: address in use"). */
struct http *http_new(struct event_base *base, const char *addr,
		      struct metrics *m, http_ready_fn ready, void *arg,
		      char *errstr, size_t errstr_size);

/* The port actually bound (useful with port 0). */
int http_port(const struct http *h);

/* NULL-safe. */
void http_destroy(struct http *h);

#endif
