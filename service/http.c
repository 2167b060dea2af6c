/*
 * http.c - /healthz, /readyz and /metrics on the service's event loop.
 *
 * One evhttp server bound to one address, with a single generic callback
 * that routes by path: every request gets exactly one reply before the
 * callback returns, so nothing is left pending and nothing blocks. Methods:
 * evhttp (2.1) answers 501 itself for methods outside its allowed set, so
 * the standard methods are all allowed through and the callback answers
 * 405 with "Allow: GET" for anything but GET. Requests are bounded
 * (EVX_HTTP_MAX_HEADERS_BYTES, EVX_HTTP_MAX_BODY_BYTES in limits.h: evhttp
 * stops reading a larger one and hands it to the callback without its URI,
 * which then answers 413 or 400).
 *
 * Slow and idle clients: evhttp closes a connection that sends nothing for
 * EVX_HTTP_TIMEOUT_SECS, but any byte restarts that clock, so a client that
 * drips its request a byte at a time could hold a connection for hours. Each
 * request therefore also has a deadline of three timeouts from the accept
 * (or from the previous request on a kept-alive connection), after which
 * the socket is shut down (evhttp then sees the end of the stream and frees
 * the connection itself), and at most
 * EVX_HTTP_MAX_CONNECTIONS are open at once: one more is shut down as soon
 * as it is accepted. libevent 2.1 has no hook for either, and none that says
 * when evhttp frees a connection, so evhttp's per-connection bufferevent
 * callback (evhttp_set_bevcb) makes the socket bufferevent itself, keeps a
 * reference to it in a list (struct http_conn) and makes it without
 * BEV_OPT_CLOSE_ON_FREE: evhttp then closes the socket itself when it frees
 * the connection, while our reference keeps the bufferevent object valid.
 * bufferevent_free() clears its callbacks, and a live evhttp connection
 * always has its error callback set, so "no event callback" means "freed by
 * evhttp". A sweep timer, running only while connections are listed, drops
 * the freed ones (releasing our reference) and shuts down the sockets of
 * those past their deadline (evhttp then sees the end of the stream and
 * frees the connection itself). The socket of a freed connection is never
 * touched: its number may belong to a newer connection.
 *
 * The handlers do constant work apart from /metrics, whose rendering is
 * linear in the number of series (a few hundred: per type, reason, rule).
 *
 * Thread: the loop thread only. The metrics registry is rendered here under
 * its own lock; the readiness callback runs here too.
 */
#include "http.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "limits.h"

/* A connection's deadline, in idle timeouts from its accept. */
#define HTTP_DEADLINE_TIMEOUTS 3
/* How often the connection list is swept while not empty, ms. */
#define HTTP_SWEEP_MS 100

#define HTTP_METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define HTTP_TEXT_TYPE "text/plain; charset=utf-8"

struct http {
	struct evhttp *eh;
	struct evhttp_bound_socket *bound;
	struct event_base *base;
	struct metrics *m;
	http_ready_fn ready;
	void *arg;
	int port;
	int timeout_secs;      /* idle timeout; the deadline is a multiple */
	int max_conns;
	int nconns;            /* connections listed (open, or freed since
	                        * the last sweep) */
	unsigned long refused; /* connections shut at accept: too many */
	struct http_conn *conns;
	struct event *sweep;
};

/* One accepted connection, from evhttp's bufferevent callback until a sweep
 * finds that evhttp freed it. */
struct http_conn {
	struct http_conn *next;
	struct bufferevent *bev;    /* evhttp's; we hold one reference */
	struct timeval deadline;    /* shut the socket after this */
	int shut;
	int refused;                /* over the cap: shut at once */
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

/* The listed connection req came on, or NULL (not listed: memory ran out
 * in http_bevcb). */
static struct http_conn *http_conn_of(struct http *h,
				      struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev =
		evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;

	for (struct http_conn *c = h->conns; c && bev; c = c->next)
		if (c->bev == bev)
			return c;
	return NULL;
}

/* The one request callback (loop thread): routes by method and path. */
static void http_handle(struct evhttp_request *req, void *arg)
{
	struct http *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	struct http_conn *c = http_conn_of(h, req);

	if (c && c->refused) {
		/* It spoke before the sweep shut it. */
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Connection", "close");
		http_text(req, 503, "Service Unavailable",
			  "too many connections\n");
		return;
	}
	if (c && !c->shut) {
		/* A whole request came: the next one has a deadline of its
		 * own, so a kept-alive scraper is not cut off. */
		struct timeval now, tv = {(long)h->timeout_secs *
					  HTTP_DEADLINE_TIMEOUTS, 0};

		event_base_gettimeofday_cached(h->base, &now);
		evutil_timeradd(&now, &tv, &c->deadline);
	}

	if (!uri) {
		/* evhttp gave up on the request (too large, malformed) and
		 * left the status it means in the response code. */
		if (evhttp_request_get_response_code(req) == HTTP_ENTITYTOOLARGE)
			http_text(req, HTTP_ENTITYTOOLARGE, "Payload Too Large",
				  "request too large\n");
		else
			http_text(req, HTTP_BADREQUEST, "Bad Request",
				  "bad request\n");
		return;
	}
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

/* Walks the connection list (loop thread): forgets the connections evhttp
 * freed and, when now is given, shuts the sockets of those past their
 * deadline. */
static void http_walk(struct http *h, const struct timeval *now)
{
	struct http_conn **pc = &h->conns, *c;

	while ((c = *pc) != NULL) {
		bufferevent_event_cb ecb = NULL;

		bufferevent_getcb(c->bev, NULL, NULL, &ecb, NULL);
		if (!ecb) {
			/* Freed by evhttp, which closed the socket. */
			*pc = c->next;
			bufferevent_decref(c->bev);
			free(c);
			h->nconns--;
			continue;
		}
		if (now && !c->shut && evutil_timercmp(now, &c->deadline, >=)) {
			evutil_socket_t fd = bufferevent_getfd(c->bev);

			if (fd >= 0)
				shutdown(fd, SHUT_RDWR);
			c->shut = 1;
		}
		pc = &c->next;
	}
}

/* Sweep timer (loop thread): walks the list every HTTP_SWEEP_MS while it is
 * not empty. */
static void http_sweep(evutil_socket_t unused, short what, void *arg)
{
	struct http *h = arg;
	struct timeval now, tv = {0, HTTP_SWEEP_MS * 1000};

	event_base_gettimeofday_cached(h->base, &now);
	http_walk(h, &now);
	if (h->conns)
		evtimer_add(h->sweep, &tv);
}

/* evhttp's bufferevent callback (loop thread), once per accepted
 * connection: the socket bufferevent (evhttp sets the socket on it), listed
 * with its deadline. NULL makes evhttp make a plain one: only when memory
 * runs out. */
static struct bufferevent *http_bevcb(struct event_base *base, void *arg)
{
	struct http *h = arg;
	struct http_conn *c = calloc(1, sizeof(*c));
	struct timeval now, tv = {0, 0};

	if (!c)
		return NULL;
	/* Count only the connections still open. */
	http_walk(h, NULL);
	/* No BEV_OPT_CLOSE_ON_FREE: evhttp closes the socket itself. */
	c->bev = bufferevent_socket_new(base, -1, 0);
	if (!c->bev) {
		free(c);
		return NULL;
	}
	bufferevent_incref(c->bev);
	h->nconns++;
	if (h->nconns > h->max_conns) {
		/* Deadline now: shut at the next sweep, which comes at once;
		 * a request that arrives first gets 503. */
		h->refused++;
		c->refused = 1;
	} else {
		tv.tv_sec = (long)h->timeout_secs * HTTP_DEADLINE_TIMEOUTS;
	}
	event_base_gettimeofday_cached(base, &now);
	evutil_timeradd(&now, &tv, &c->deadline);
	c->next = h->conns;
	h->conns = c;
	if (c->refused || !evtimer_pending(h->sweep, NULL)) {
		struct timeval sw = {0, c->refused ? 0 : HTTP_SWEEP_MS * 1000};

		evtimer_add(h->sweep, &sw);
	}
	return c->bev;
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
	if (!h || !(h->eh = evhttp_new(base)) ||
	    !(h->sweep = evtimer_new(base, http_sweep, h))) {
		snprintf(errstr, errstr_size, "%s: out of memory", addr);
		goto fail;
	}
	/* evhttp writes replies with writev(2): a client that resets its
	 * connection must give EPIPE, not a SIGPIPE that ends the process.
	 * Nothing in evextract handles SIGPIPE, so ignoring it is safe. */
	signal(SIGPIPE, SIG_IGN);
	h->base = base;
	h->m = m;
	h->ready = ready;
	h->arg = arg;
	evhttp_set_max_headers_size(h->eh, EVX_HTTP_MAX_HEADERS_BYTES);
	evhttp_set_max_body_size(h->eh, EVX_HTTP_MAX_BODY_BYTES);
	http_set_limits(h, EVX_HTTP_TIMEOUT_SECS, EVX_HTTP_MAX_CONNECTIONS);
	evhttp_set_bevcb(h->eh, http_bevcb, h);
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

void http_set_limits(struct http *h, int timeout_secs, int max_conns)
{
	if (!h)
		return;
	h->timeout_secs = timeout_secs > 0 ? timeout_secs : 1;
	h->max_conns = max_conns > 0 ? max_conns : 1;
	evhttp_set_timeout(h->eh, h->timeout_secs);
}

int http_connections(struct http *h, unsigned long *refused)
{
	if (h)
		http_walk(h, NULL);
	if (refused)
		*refused = h ? h->refused : 0;
	return h ? h->nconns : 0;
}

void http_destroy(struct http *h)
{
	if (!h)
		return;
	/* evhttp_free closes the listener and any open connections; then our
	 * references to their bufferevents go. */
	if (h->eh)
		evhttp_free(h->eh);
	while (h->conns) {
		struct http_conn *c = h->conns;

		h->conns = c->next;
		bufferevent_decref(c->bev);
		free(c);
	}
	if (h->sweep)
		event_free(h->sweep);
	free(h);
}
