/*
 * test_http.c - the HTTP endpoint on a real event loop and a real socket.
 *
 * The main thread runs an event_base with http_new on 127.0.0.1:0 (idle
 * timeout 1 s, so deadlines of 3 s, and at most T_MAX_CONNS connections); a
 * client thread sends each request of the table over a plain TCP socket,
 * reads the reply to EOF and checks the status, the body and a header. Then
 * it plays hostile clients, each next to an honest one that must still be
 * served at once: a request that stops half-way (closed after the idle
 * timeout), one that drips a byte every 300 ms (closed at its deadline
 * although it is never idle), and one connection too many (closed at once);
 * a kept-alive client asking every 0.75 s must be served past that deadline.
 * Then it stops the loop with event_base_loopexit (the base is made
 * thread-aware for that). The loop thread never sleeps; a 30 s loopexit
 * timer only guards against a hung test. Address errors (bad text, a port
 * in use) are checked directly. The oversized requests make the server
 * write its error reply to a socket the client has reset: this process
 * died of SIGPIPE until http_new set it to be ignored.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "check.h"
#include "http.h"
#include "metrics.h"

/* An expected status: any client error. */
#define T_4XX -4

struct t_case {
	const char *name;
	int ready;              /* what the readiness callback answers */
	const char *request;    /* sent as is; "%s" gets a big header */
	int status;             /* expected status; -1: anything but 200;
	                         * T_4XX: 400-499 */
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
	 T_4XX, NULL, NULL},
	{"body too large", 0, "GET /healthz HTTP/1.0\r\nContent-Length: 9000"
	 "\r\n\r\n%s", T_4XX, NULL, NULL},
	{"POST too large", 0, "POST /metrics HTTP/1.0\r\nX-Big: %s\r\n\r\n",
	 T_4XX, NULL, NULL},
	{"PUT", 0, "PUT /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", 405,
	 "method not allowed\n", "Allow: GET"},
	{"DELETE", 0, "DELETE /healthz HTTP/1.1\r\nHost: t\r\nConnection: close"
	 "\r\n\r\n", 405, NULL, "Allow: GET"},
	{"OPTIONS", 0, "OPTIONS * HTTP/1.0\r\n\r\n", 405, NULL, NULL},
	{"root", 0, "GET / HTTP/1.0\r\n\r\n", 404, "not found\n", NULL},
	{"path with a dot-dot", 0, "GET /../metrics HTTP/1.0\r\n\r\n", 404,
	 NULL, NULL},
	{"absolute URI", 0, "GET http://t/healthz HTTP/1.0\r\n\r\n", 200,
	 "ok\n", NULL},
	{"garbage request line", 0, "\x01\x02 nonsense\r\n\r\n", -1, NULL,
	 NULL},
	{"HTTP/0.9 style", 0, "GET /healthz\r\n\r\n", -1, NULL, NULL},
};

/* The limits the test runs with (http_set_limits). */
#define T_TIMEOUT_S 1
#define T_MAX_CONNS 4

static atomic_int t_ready;
static struct event_base *t_base;
static int t_port;

static double t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connected socket to the server, or -1. */
static int t_connect(void)
{
	struct sockaddr_in sin = {0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)t_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* What t_wait_closed received first (for a refused connection). */
static char t_first[64];

/* Waits up to max_s for the server to close fd (EOF or reset), reading
 * whatever comes. Returns the seconds it took, or -1 if it stayed open;
 * *got counts the bytes received, the first of them kept in t_first. */
static double t_wait_closed(int fd, double max_s, size_t *got)
{
	struct timeval tv = {0, 100000};
	double t0 = t_now();
	char buf[4096];

	*got = 0;
	t_first[0] = '\0';
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (t_now() - t0 < max_s) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			       errno != EINTR))
			return t_now() - t0;
		if (r > 0 && *got == 0)
			snprintf(t_first, sizeof(t_first), "%.*s", (int)r, buf);
		if (r > 0)
			*got += (size_t)r;
	}
	return -1;
}

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
	char big[9001];
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
	if (tc->status == T_4XX) {
		if (status < 400 || status > 499)
			fprintf(stderr, "case \"%s\": status %d\n", tc->name,
				status);
		CHECK(status >= 400 && status <= 499);
	} else if (tc->status < 0) {
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

/* An honest client next to a hostile one: /healthz answers at once. */
static void t_honest(const char *during)
{
	static char reply[4096];
	double t0 = t_now();
	int status = -1;

	if (t_exchange("GET /healthz HTTP/1.0\r\n\r\n", reply,
		       sizeof(reply)) < 0)
		reply[0] = '\0';
	sscanf(reply, "HTTP/1.%*d %d", &status);
	if (status != 200 || t_now() - t0 > 0.5)
		fprintf(stderr, "honest client during %s: status %d after "
				"%.2f s\n", during, status, t_now() - t0);
	CHECK_INT(status, 200);
	CHECK(t_now() - t0 <= 0.5);
}

/* A request that stops half-way is closed after the idle timeout, with no
 * reply, while another client is served. */
static void t_stalled(void)
{
	static const char part[] = "GET /healthz HTTP/1.1\r\nHost: t\r\n";
	int fd = t_connect();
	size_t got;
	double took;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(send(fd, part, sizeof(part) - 1, MSG_NOSIGNAL) > 0);
	t_honest("a stalled request");
	took = t_wait_closed(fd, 4 * T_TIMEOUT_S, &got);
	if (took < 0.5 * T_TIMEOUT_S || took > 2.5 * T_TIMEOUT_S)
		fprintf(stderr, "stalled request closed after %.2f s\n", took);
	CHECK(took >= 0.5 * T_TIMEOUT_S && took <= 2.5 * T_TIMEOUT_S);
	CHECK_INT(got, 0);
	close(fd);
}

/* A request dripped a byte every 300 ms is never idle for a timeout, but
 * is closed at its deadline (three timeouts after the accept). */
static void t_drip(void)
{
	static const char head[] = "GET /healthz HTTP/1.1\r\nX-Slow: ";
	double t0 = t_now(), took = -1;
	int fd = t_connect(), honest = 0;
	size_t got = 0;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(send(fd, head, sizeof(head) - 1, MSG_NOSIGNAL) > 0);
	while (t_now() - t0 < 6 * T_TIMEOUT_S) {
		if (send(fd, "a", 1, MSG_NOSIGNAL) != 1) {
			took = t_now() - t0;
			break;
		}
		if (!honest++)
			t_honest("a dripping request");
		took = t_wait_closed(fd, 0.3, &got);
		if (took >= 0) {
			took = t_now() - t0;
			break;
		}
	}
	if (took < 2.5 * T_TIMEOUT_S || took > 4.5 * T_TIMEOUT_S)
		fprintf(stderr, "dripping request closed after %.2f s\n", took);
	CHECK(took >= 2.5 * T_TIMEOUT_S && took <= 4.5 * T_TIMEOUT_S);
	CHECK_INT(got, 0);
	close(fd);
}

/* A kept-alive client that asks every 0.75 s is served past the 3 s
 * deadline (the sixth request comes after 3.75 s): each whole request
 * starts a new one. */
static void t_keepalive(void)
{
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
	struct timeval tv = {2, 0};
	int fd = t_connect(), served = 0;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < 6; i++) {
		char buf[1024];
		size_t n = 0;

		if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) <= 0)
			break;
		/* The reply ends with its body, "ok\n". */
		while (n < sizeof(buf) - 1) {
			ssize_t r = recv(fd, buf + n, sizeof(buf) - 1 - n, 0);

			if (r <= 0)
				break;
			n += (size_t)r;
			buf[n] = '\0';
			if (strstr(buf, "\r\n\r\nok\n"))
				break;
		}
		buf[n] = '\0';
		if (strncmp(buf, "HTTP/1.1 200", 12) != 0)
			break;
		served++;
		usleep(750000);
	}
	if (served != 6)
		fprintf(stderr, "kept-alive client served %d of 6 times\n",
			served);
	CHECK_INT(served, 6);
	close(fd);
}

/* With T_MAX_CONNS connections open, one more is closed at once (or, when
 * its request beats the closing, answered 503); when they go, requests are
 * served again. */
static void t_too_many(void)
{
	int fds[T_MAX_CONNS], extra;
	size_t got;
	double took;

	for (int i = 0; i < T_MAX_CONNS; i++) {
		fds[i] = t_connect();
		CHECK(fds[i] >= 0);
	}
	/* Let the loop accept them all before the next one. */
	usleep(100000);
	extra = t_connect();
	CHECK(extra >= 0);
	if (extra >= 0) {
		CHECK(send(extra, "GET /healthz HTTP/1.0\r\n\r\n", 25,
			   MSG_NOSIGNAL) >= 0);
		took = t_wait_closed(extra, 0.9 * T_TIMEOUT_S, &got);
		if (took < 0 || (got && strncmp(t_first, "HTTP/1.1 503", 12)))
			fprintf(stderr, "connection %d was not refused (%s)\n",
				T_MAX_CONNS + 1, t_first);
		CHECK(took >= 0);
		CHECK(got == 0 || strncmp(t_first, "HTTP/1.1 503", 12) == 0);
		close(extra);
	}
	for (int i = 0; i < T_MAX_CONNS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	usleep(100000);
	t_honest("the end of too many connections");
}

/* The client thread: every case, the hostile clients, then stop the loop. */
static void *t_client(void *arg)
{
	for (size_t i = 0; i < sizeof(t_cases) / sizeof(t_cases[0]); i++)
		t_one(&t_cases[i]);
	t_stalled();
	t_drip();
	t_keepalive();
	t_too_many();
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
	struct timeval guard = {30, 0};
	unsigned long refused = 0;
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
	http_set_limits(h, T_TIMEOUT_S, T_MAX_CONNS);
	t_addresses(m);
	if (pthread_create(&client, NULL, t_client, NULL) != 0) {
		CHECK(0);
		goto done;
	}
	event_base_loopexit(t_base, &guard);
	CHECK_INT(event_base_dispatch(t_base), 0);
	pthread_join(client, NULL);
	/* Every connection was counted out again, and one was refused. */
	CHECK_INT(http_connections(h, &refused), 0);
	CHECK_INT(refused, 1);
done:
	http_destroy(h);
	metrics_destroy(m);
	if (t_base)
		event_base_free(t_base);
	libevent_global_shutdown();
	return CHECK_DONE();
}
