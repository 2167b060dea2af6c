/*
 * http.c - /healthz, /readyz and /metrics on the service's event loop.
 *
 * One evhttp server bound to one address, with a single generic callback
 * that routes by path: every request gets exactly one reply before the
 * callback returns, so nothing is left pending and nothing blocks. Methods:
 * evhttp (2.1) answers 501 itself for methods outside its allowed set, so
 * the standard methods are all allowed through and the callback answers
 * 405 with "Allow: GET" for anything but GET. Requests are bounded
 * (HTTP_MAX_HEADERS_BYTES, HTTP_MAX_BODY_BYTES; evhttp rejects larger ones)
 * and idle connections time out after HTTP_TIMEOUT_SECS.
 *
 * Thread: the loop thread only. The metrics registry is rendered here under
 * its own lock; the readiness callback runs here too.
 */
#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

/* Request size caps: the endpoints take no body and a few small headers. */
#ifndef HTTP_MAX_HEADERS_BYTES
#define HTTP_MAX_HEADERS_BYTES 8192
#endif
#ifndef HTTP_MAX_BODY_BYTES
#define HTTP_MAX_BODY_BYTES 4096
#endif
#ifndef HTTP_TIMEOUT_SECS
#define HTTP_TIMEOUT_SECS 10
#endif

#define HTTP_METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define HTTP_TEXT_TYPE "text/plain; charset=utf-8"

struct http {
	struct evhttp *eh;
	struct evhttp_bound_socket *bound;
	struct metrics *m;
	http_ready_fn ready;
	void *arg;
	int port;
};

/* Sends code with a text body (a copy of text, n bytes). Always replies. */
static void http_reply(struct evhttp_request *req, int code, const char *reason,
		       const char *type, const char *text, size_t n)
{
	struct evkeyvalq *hdrs = evhttp_request_get_output_headers(req);
	struct evbuffer *body = evbuffer_new();

	evhttp_add_header(hdrs, "Content-Type", type);
	evhttp_add_header(hdrs, "Cache-Control", "no-store");
	if (!body) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	if (evbuffer_add(body, text, n) != 0) {
		evbuffer_free(body);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evhttp_send_reply(req, code, reason, body);
	evbuffer_free(body);
}

static void http_text(struct evhttp_request *req, int code, const char *reason,
		      const char *text)
{
	http_reply(req, code, reason, HTTP_TEXT_TYPE, text, strlen(text));
}

static void http_readyz(struct http *h, struct evhttp_request *req)
{
	char why[256] = "", body[300];

	if (!h->ready || h->ready(h->arg, why, sizeof(why))) {
		http_text(req, HTTP_OK, "OK", "ready\n");
		return;
	}
	why[sizeof(why) - 1] = '\0';
	snprintf(body, sizeof(body), "%s\n", *why ? why : "not ready");
	http_text(req, 503, "Service Unavailable", body);
}

static void http_metrics(struct http *h, struct evhttp_request *req)
{
	char *text = NULL;
	size_t n = 0;

	if (!h->m) {
		http_reply(req, HTTP_OK, "OK", HTTP_METRICS_TYPE, "", 0);
		return;
	}
	if (metrics_render(h->m, &text, &n) != 0) {
		http_text(req, HTTP_INTERNAL, "Internal Server Error",
			  "metrics unavailable\n");
		return;
	}
	http_reply(req, HTTP_OK, "OK", HTTP_METRICS_TYPE, text, n);
	free(text);
}

/* The one request callback (loop thread): routes by method and path. */
static void http_handle(struct evhttp_request *req, void *arg)
{
	struct http *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Allow", "GET");
		http_text(req, 405, "Method Not Allowed",
			  "method not allowed\n");
		return;
	}
	if (!path) {
		http_text(req, HTTP_BADREQUEST, "Bad Request", "bad request\n");
		return;
	}
	if (strcmp(path, "/healthz") == 0)
		http_text(req, HTTP_OK, "OK", "ok\n");
	else if (strcmp(path, "/readyz") == 0)
		http_readyz(h, req);
	else if (strcmp(path, "/metrics") == 0)
		http_metrics(h, req);
	else
		http_text(req, HTTP_NOTFOUND, "Not Found", "not found\n");
}

/* Splits "host:port" ("[v6]:port" too) into host and port. Returns 0 or
 * -1. */
static int http_split(const char *addr, char *host, size_t host_size,
		      unsigned short *port)
{
	const char *colon = strrchr(addr, ':');
	const char *h = addr, *he;
	char *end;
	long p;

	if (!colon || colon[1] == '\0')
		return -1;
	he = colon;
	if (*h == '[') {
		h++;
		if (he[-1] != ']')
			return -1;
		he--;
	}
	if (he <= h || (size_t)(he - h) >= host_size)
		return -1;
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || *end || p < 0 || p > 65535)
		return -1;
	*port = (unsigned short)p;
	return 0;
}

/* The port of a bound socket, or -1. */
static int http_sock_port(evutil_socket_t fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

struct http *http_new(struct event_base *base, const char *addr,
		      struct metrics *m, http_ready_fn ready, void *arg,
		      char *errstr, size_t errstr_size)
{
	struct http *h = NULL;
	char host[256];
	unsigned short port;

	if (!base || !addr ||
	    http_split(addr, host, sizeof(host), &port) != 0) {
		snprintf(errstr, errstr_size,
			 "%s: not a listen address (host:port)",
			 addr ? addr : "(null)");
		goto fail;
	}
	h = calloc(1, sizeof(*h));
	if (!h || !(h->eh = evhttp_new(base))) {
		snprintf(errstr, errstr_size, "%s: out of memory", addr);
		goto fail;
	}
	h->m = m;
	h->ready = ready;
	h->arg = arg;
	evhttp_set_max_headers_size(h->eh, HTTP_MAX_HEADERS_BYTES);
	evhttp_set_max_body_size(h->eh, HTTP_MAX_BODY_BYTES);
	evhttp_set_timeout(h->eh, HTTP_TIMEOUT_SECS);
	evhttp_set_allowed_methods(h->eh,
		EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
		EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
		EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->eh, http_handle, h);
	errno = 0;
	h->bound = evhttp_bind_socket_with_handle(h->eh, host, port);
	if (!h->bound) {
		snprintf(errstr, errstr_size, "%s: cannot listen: %s", addr,
			 errno ? strerror(errno) : "bind failed");
		goto fail;
	}
	h->port = http_sock_port(evhttp_bound_socket_get_fd(h->bound));
	if (h->port < 0) {
		snprintf(errstr, errstr_size, "%s: getsockname: %s", addr,
			 strerror(errno));
		goto fail;
	}
	return h;
fail:
	http_destroy(h);
	return NULL;
}

int http_port(const struct http *h)
{
	return h ? h->port : -1;
}

void http_destroy(struct http *h)
{
	if (!h)
		return;
	/* evhttp_free closes the listener and any open connections. */
	if (h->eh)
		evhttp_free(h->eh);
	free(h);
}
