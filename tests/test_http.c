/*
 * test_http.c - the HTTP endpoint on a real event loop and a real socket.
 *
 * The main thread runs an event_base with http_new on 127.0.0.1:0; a client
 * thread sends each request of the table over a plain TCP socket, reads the
 * reply to EOF and checks the status, the body and a header, then stops the
 * loop with event_base_loopexit (the base is made thread-aware for that).
 * The loop thread never sleeps; a 20 s loopexit timer only guards against a
 * hung test. Address errors (bad text, a port in use) are checked directly.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "check.h"
#include "http.h"
#include "metrics.h"

struct t_case {
	const char *name;
	int ready;              /* what the readiness callback answers */
	const char *request;    /* sent as is; "%s" gets a big header */
	int status;             /* expected status; -1: anything but 200 */
	const char *body;       /* exact body, or NULL */
	const char *contains;   /* text the whole reply contains, or NULL */
};

static const struct t_case t_cases[] = {
	{"healthz", 0, "GET /healthz HTTP/1.0\r\n\r\n", 200, "ok\n",
	 "Content-Type: text/plain"},
	{"readyz, not ready", 0, "GET /readyz HTTP/1.0\r\n\r\n", 503,
	 "no partitions assigned\n", NULL},
	{"readyz, ready", 1, "GET /readyz HTTP/1.1\r\nHost: t\r\n"
	 "Connection: close\r\n\r\n", 200, "ready\n", NULL},
	{"metrics", 0, "GET /metrics HTTP/1.0\r\n\r\n", 200, NULL,
	 "Content-Type: text/plain; version=0.0.4"},
	{"metrics body", 0, "GET /metrics?x=1 HTTP/1.0\r\n\r\n", 200, NULL,
	 "\r\n\r\n# HELP evextract_metrics_errors_total"},
	{"metrics values", 0, "GET /metrics HTTP/1.0\r\n\r\n", 200, NULL,
	 "\nevx_test_total{kind=\"a\"} 3\n"},
	{"POST", 0, "POST /healthz HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi",
	 405, "method not allowed\n", "Allow: GET"},
	{"HEAD", 0, "HEAD /metrics HTTP/1.0\r\n\r\n", 405, NULL, NULL},
	{"unknown path", 0, "GET /nope HTTP/1.0\r\n\r\n", 404, "not found\n",
	 NULL},
	{"prefix of a path", 0, "GET /healthzz HTTP/1.0\r\n\r\n", 404, NULL,
	 NULL},
	{"headers too large", 0, "GET /healthz HTTP/1.0\r\nX-Big: %s\r\n\r\n",
	 -1, NULL, NULL},
};

static atomic_int t_ready;
static struct event_base *t_base;
static int t_port;

/* Readiness callback (loop thread). */
static int t_ready_fn(void *arg, char *why, size_t why_size)
{
	if (atomic_load(&t_ready))
		return 1;
	snprintf(why, why_size, "no partitions assigned");
	return 0;
}

/* Sends req and reads the reply to EOF into buf. Returns bytes or -1. */
static long t_exchange(const char *req, char *buf, size_t size)
{
	struct sockaddr_in sin = {0};
	struct timeval tv = {5, 0};
	size_t n = 0, len = strlen(req), sent = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)t_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		goto fail;
	while (sent < len) {
		ssize_t w = send(fd, req + sent, len - sent, MSG_NOSIGNAL);

		/* The server may close early on an oversized request. */
		if (w <= 0)
			break;
		sent += (size_t)w;
	}
	for (;;) {
		ssize_t r = recv(fd, buf + n, size - 1 - n, 0);

		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == size - 1)
			break;
	}
	buf[n] = '\0';
	close(fd);
	return (long)n;
fail:
	close(fd);
	return -1;
}

static void t_one(const struct t_case *tc)
{
	static char req[32768], reply[65536];
	char big[16384];
	const char *body;
	int status = -1;

	atomic_store(&t_ready, tc->ready);
	if (strstr(tc->request, "%s")) {
		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		snprintf(req, sizeof(req), tc->request, big);
	} else {
		snprintf(req, sizeof(req), "%s", tc->request);
	}
	if (t_exchange(req, reply, sizeof(reply)) < 0) {
		fprintf(stderr, "case \"%s\": no exchange\n", tc->name);
		CHECK(0);
		return;
	}
	sscanf(reply, "HTTP/1.%*d %d", &status);
	body = strstr(reply, "\r\n\r\n");
	body = body ? body + 4 : "";
	if (tc->status < 0) {
		CHECK(status != 200);
	} else {
		if (status != tc->status)
			fprintf(stderr, "case \"%s\":\n%s\n", tc->name, reply);
		CHECK_INT(status, tc->status);
	}
	if (tc->body)
		CHECK_STR(body, tc->body);
	if (tc->contains) {
		if (!strstr(reply, tc->contains))
			fprintf(stderr, "case \"%s\": no \"%s\" in:\n%s\n",
				tc->name, tc->contains, reply);
		CHECK(strstr(reply, tc->contains) != NULL);
	}
}

/* The client thread: every case, then stop the loop. */
static void *t_client(void *arg)
{
	for (size_t i = 0; i < sizeof(t_cases) / sizeof(t_cases[0]); i++)
		t_one(&t_cases[i]);
	event_base_loopexit(t_base, NULL);
	return NULL;
}

/* Bad addresses and a port in use fail with the address in errstr. */
static void t_addresses(struct metrics *m)
{
	static const char *const bad[] = {"nonsense", "127.0.0.1:", ":80",
					  "127.0.0.1:70000", "127.0.0.1:x"};
	char err[256], want[64];
	struct http *h;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		h = http_new(t_base, bad[i], m, NULL, NULL, err, sizeof(err));
		CHECK(h == NULL);
		CHECK(strstr(err, bad[i]) != NULL);
		http_destroy(h);
	}
	snprintf(want, sizeof(want), "127.0.0.1:%d", t_port);
	h = http_new(t_base, want, m, NULL, NULL, err, sizeof(err));
	CHECK(h == NULL);
	CHECK(strstr(err, want) != NULL && strstr(err, "cannot listen"));
	http_destroy(h);
	http_destroy(NULL);
}

int main(void)
{
	struct timeval guard = {20, 0};
	struct metrics *m = NULL;
	struct http *h = NULL;
	pthread_t client;
	char err[256] = "";

	if (evthread_use_pthreads() != 0 || !(t_base = event_base_new()) ||
	    !(m = metrics_new())) {
		fprintf(stderr, "test_http: setup failed\n");
		CHECK(0);
		goto done;
	}
	metrics_declare(m, "evx_test_total", METRICS_COUNTER, "Test.", NULL, 0);
	metrics_add(m, "evx_test_total", "kind=\"a\"", 3);
	h = http_new(t_base, "127.0.0.1:0", m, t_ready_fn, NULL, err, sizeof(err));
	CHECK(h != NULL);
	if (!h) {
		fprintf(stderr, "http_new: %s\n", err);
		goto done;
	}
	t_port = http_port(h);
	CHECK(t_port > 0);
	t_addresses(m);
	if (pthread_create(&client, NULL, t_client, NULL) != 0) {
		CHECK(0);
		goto done;
	}
	event_base_loopexit(t_base, &guard);
	CHECK_INT(event_base_dispatch(t_base), 0);
	pthread_join(client, NULL);
done:
	http_destroy(h);
	metrics_destroy(m);
	if (t_base)
		event_base_free(t_base);
	libevent_global_shutdown();
	return CHECK_DONE();
}
