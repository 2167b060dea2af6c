/*
 * http.h - the service's HTTP endpoint on the libevent loop (evhttp).
 *
 * GET /healthz: 200 "ok" while the loop runs. GET /readyz: 200 "ready" when
 * the readiness callback says so, else 503 with its reason. GET /metrics:
 * the metrics registry in Prometheus text. Anything else: 404; methods other
 * than GET: 405; a request over the size caps (headers, body): 413. Idle,
 * slow and surplus connections are closed (see http_set_limits). Every
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
 * filled on failure ("127.0.0.1:8080: address in use"). Sets SIGPIPE to be
 * ignored in the process (a client that resets mid-reply must not end it). */
struct http *http_new(struct event_base *base, const char *addr,
		      struct metrics *m, http_ready_fn ready, void *arg,
		      char *errstr, size_t errstr_size);

/* The port actually bound (useful with port 0). */
int http_port(const struct http *h);

/* Changes the idle timeout (seconds: a connection silent that long is
 * closed, and one that has not completed a request three timeouts after its
 * accept or its previous request is closed too) and
 * the most connections open at once (one more is closed at its accept).
 * http_new sets EVX_HTTP_TIMEOUT_SECS and EVX_HTTP_MAX_CONNECTIONS; tests
 * use shorter ones. Applies to connections accepted afterwards. */
void http_set_limits(struct http *h, int timeout_secs, int max_conns);

/* Connections open now; *refused (when not NULL) gets how many were closed
 * at their accept because too many were open. Loop thread, or after the
 * loop stopped. */
int http_connections(struct http *h, unsigned long *refused);

/* NULL-safe. */
void http_destroy(struct http *h);

#endif
