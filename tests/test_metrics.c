/*
 * test_metrics.c - the metrics registry and its Prometheus text.
 *
 * Each case builds a fresh registry, declares families and applies a list of
 * updates from a table, then compares the whole rendered text with the text
 * expected, so order, label handling, bucket accumulation and escaping are
 * all pinned down. A few checks cover metrics_get, redeclaration and the
 * error counter for misuse.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "metrics.h"

/* The error counter every registry starts with. */
#define ERRS(n)                                                              \
	"# HELP evextract_metrics_errors_total Metric updates to undeclared " \
	"names or of the wrong kind.\n"                                      \
	"# TYPE evextract_metrics_errors_total counter\n"                    \
	"evextract_metrics_errors_total " #n "\n"

enum t_op { T_ADD = 1, T_SET, T_OBSERVE };

struct t_decl {
	const char *name;
	enum metrics_kind kind;
	const char *help;
	double buckets[4];
	size_t nbuckets;
};

struct t_update {
	enum t_op op;
	const char *name;
	const char *labels;
	double v;
};

struct t_case {
	const char *title;
	struct t_decl decl[3];
	struct t_update upd[8];
	const char *want;
};

static const struct t_case t_cases[] = {
	{
		"counter without labels",
		{{"evx_articles_total", METRICS_COUNTER, "Articles read.", {0}, 0}},
		{{T_ADD, "evx_articles_total", NULL, 2},
		 {T_ADD, "evx_articles_total", NULL, 3}},
		ERRS(0)
		"# HELP evx_articles_total Articles read.\n"
		"# TYPE evx_articles_total counter\n"
		"evx_articles_total 5\n",
	},
	{
		"counter with labels, sorted by labels",
		{{"evx_events_total", METRICS_COUNTER, "Events out.", {0}, 0}},
		{{T_ADD, "evx_events_total", "type=\"SUMMIT\"", 1},
		 {T_ADD, "evx_events_total", "type=\"STRIKE\"", 4},
		 {T_ADD, "evx_events_total", "type=\"SUMMIT\"", 1},
		 {T_ADD, "evx_events_total", NULL, 0.5}},
		ERRS(0)
		"# HELP evx_events_total Events out.\n"
		"# TYPE evx_events_total counter\n"
		"evx_events_total 0.5\n"
		"evx_events_total{type=\"STRIKE\"} 4\n"
		"evx_events_total{type=\"SUMMIT\"} 2\n",
	},
	{
		"gauge set and added, help escaped",
		{{"evx_queue_depth", METRICS_GAUGE, "Queued \\ waiting\nnow.", {0}, 0}},
		{{T_SET, "evx_queue_depth", "worker=\"0\"", 7},
		 {T_SET, "evx_queue_depth", "worker=\"0\"", 3},
		 {T_ADD, "evx_queue_depth", "worker=\"0\"", -1},
		 {T_SET, "evx_queue_depth", "worker=\"1\"", 0.25}},
		ERRS(0)
		"# HELP evx_queue_depth Queued \\\\ waiting\\nnow.\n"
		"# TYPE evx_queue_depth gauge\n"
		"evx_queue_depth{worker=\"0\"} 2\n"
		"evx_queue_depth{worker=\"1\"} 0.25\n",
	},
	{
		"histogram with cumulative buckets and +Inf",
		{{"evx_seconds", METRICS_HISTOGRAM, "Time per article.",
		  {0.001, 0.01, 0.1}, 3}},
		{{T_OBSERVE, "evx_seconds", NULL, 0.0005},
		 {T_OBSERVE, "evx_seconds", NULL, 0.01},
		 {T_OBSERVE, "evx_seconds", NULL, 0.05},
		 {T_OBSERVE, "evx_seconds", NULL, 2},
		 {T_OBSERVE, "evx_seconds", "stage=\"rules\"", 0.002}},
		ERRS(0)
		"# HELP evx_seconds Time per article.\n"
		"# TYPE evx_seconds histogram\n"
		"evx_seconds_bucket{le=\"0.001\"} 1\n"
		"evx_seconds_bucket{le=\"0.01\"} 2\n"
		"evx_seconds_bucket{le=\"0.1\"} 3\n"
		"evx_seconds_bucket{le=\"+Inf\"} 4\n"
		"evx_seconds_sum 2.0605\n"
		"evx_seconds_count 4\n"
		"evx_seconds_bucket{stage=\"rules\",le=\"0.001\"} 0\n"
		"evx_seconds_bucket{stage=\"rules\",le=\"0.01\"} 1\n"
		"evx_seconds_bucket{stage=\"rules\",le=\"0.1\"} 1\n"
		"evx_seconds_bucket{stage=\"rules\",le=\"+Inf\"} 1\n"
		"evx_seconds_sum{stage=\"rules\"} 0.002\n"
		"evx_seconds_count{stage=\"rules\"} 1\n",
	},
	{
		"families in declaration order; misuse counted, not applied",
		{{"evx_b_total", METRICS_COUNTER, "B.", {0}, 0},
		 {"evx_a", METRICS_GAUGE, "A.", {0}, 0},
		 {"evx_h", METRICS_HISTOGRAM, "H.", {1}, 1}},
		{{T_ADD, "evx_unknown_total", NULL, 1},
		 {T_ADD, "evx_b_total", NULL, -1},
		 {T_OBSERVE, "evx_a", NULL, 1},
		 {T_ADD, "evx_h", NULL, 1},
		 {T_SET, "evx_a", NULL, 1e21}},
		ERRS(4)
		"# HELP evx_b_total B.\n"
		"# TYPE evx_b_total counter\n"
		"# HELP evx_a A.\n"
		"# TYPE evx_a gauge\n"
		"evx_a 1e+21\n"
		"# HELP evx_h H.\n"
		"# TYPE evx_h histogram\n",
	},
};

static void t_run(const struct t_case *tc)
{
	struct metrics *m = metrics_new();
	char *text = NULL;
	size_t len = 0;

	CHECK(m != NULL);
	if (!m)
		return;
	for (size_t i = 0; i < 3 && tc->decl[i].name; i++) {
		const struct t_decl *d = &tc->decl[i];

		CHECK_INT(metrics_declare(m, d->name, d->kind, d->help,
					  d->buckets, d->nbuckets), 0);
	}
	for (size_t i = 0; i < 8 && tc->upd[i].op; i++) {
		const struct t_update *u = &tc->upd[i];

		if (u->op == T_ADD)
			metrics_add(m, u->name, u->labels, u->v);
		else if (u->op == T_SET)
			metrics_set(m, u->name, u->labels, u->v);
		else
			metrics_observe(m, u->name, u->labels, u->v);
	}
	CHECK_INT(metrics_render(m, &text, &len), 0);
	if (text) {
		CHECK_INT(len, strlen(text));
		if (strcmp(text, tc->want) != 0)
			fprintf(stderr, "case \"%s\":\n", tc->title);
		CHECK_STR(text, tc->want);
	}
	free(text);
	metrics_destroy(m);
}

/* metrics_get, redeclaration and bad buckets. */
static void t_api(void)
{
	struct metrics *m = metrics_new();
	const double bad[] = {0.1, 0.1};
	const double good[] = {1, 2};

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_INT(metrics_declare(m, "evx_c_total", METRICS_COUNTER, "C.", NULL, 0), 0);
	CHECK_INT(metrics_declare(m, "evx_c_total", METRICS_COUNTER, "C.", NULL, 0), 0);
	CHECK_INT(metrics_declare(m, "evx_c_total", METRICS_GAUGE, "C.", NULL, 0), -1);
	CHECK_INT(metrics_declare(m, "evx_bad", METRICS_HISTOGRAM, "B.", bad, 2), -1);
	CHECK_INT(metrics_declare(m, "evx_h", METRICS_HISTOGRAM, "H.", good, 2), 0);
	metrics_add(m, "evx_c_total", "k=\"v\"", 3);
	metrics_add(m, "evx_c_total", "k=\"v\"", 4);
	metrics_observe(m, "evx_h", NULL, 1.5);
	metrics_observe(m, "evx_h", NULL, 5);
	CHECK(metrics_get(m, "evx_c_total", "k=\"v\"") == 7);
	CHECK(metrics_get(m, "evx_c_total", NULL) == 0);
	CHECK(metrics_get(m, "evx_none", NULL) == 0);
	CHECK(metrics_get(m, "evx_h", NULL) == 2);
	CHECK(metrics_get(m, "evextract_metrics_errors_total", NULL) == 0);
	metrics_add(m, "evx_none", NULL, 1);
	CHECK(metrics_get(m, "evextract_metrics_errors_total", NULL) == 1);
	metrics_destroy(m);
	metrics_destroy(NULL);
	metrics_add(NULL, "evx_c_total", NULL, 1);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(t_cases) / sizeof(t_cases[0]); i++)
		t_run(&t_cases[i]);
	t_api();
	return CHECK_DONE();
}
