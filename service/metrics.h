/*
 * metrics.h - counters, gauges and histograms rendered as Prometheus text.
 *
 * Series are named by metric name plus a label string (e.g. "type=\"STRIKE\"",
 * or NULL for none) and created on first use. Any thread may update them
 * (a mutex guards the registry; updates are short); the HTTP handler renders
 * them on the loop thread. Metric families are declared once with their help
 * and type so the text carries # HELP and # TYPE lines.
 */
#ifndef EVX_METRICS_H
#define EVX_METRICS_H

#include <stddef.h>

enum metrics_kind { METRICS_COUNTER, METRICS_GAUGE, METRICS_HISTOGRAM };

struct metrics;

struct metrics *metrics_new(void);
void metrics_destroy(struct metrics *m);

/* Declares a family; histograms take their bucket upper bounds (seconds or
 * whatever unit the name says), nbuckets of them, increasing. Returns 0, -1
 * on memory or a redeclaration with another kind. */
int metrics_declare(struct metrics *m, const char *name, enum metrics_kind kind,
		    const char *help, const double *buckets, size_t nbuckets);

/* Adds v to a counter (v >= 0) / sets a gauge / observes a histogram value.
 * labels: NULL or a Prometheus label list without braces. Undeclared names
 * are ignored (and counted in evextract_metrics_errors_total). */
void metrics_add(struct metrics *m, const char *name, const char *labels, double v);
void metrics_set(struct metrics *m, const char *name, const char *labels, double v);
void metrics_observe(struct metrics *m, const char *name, const char *labels, double v);

/* Current value of a counter or gauge series (0 when absent): for tests. */
double metrics_get(struct metrics *m, const char *name, const char *labels);

/* Renders every family in the Prometheus text exposition format (0.0.4)
 * into a malloc'ed string (*out, *len). Returns 0 or -1. */
int metrics_render(struct metrics *m, char **out, size_t *len);

#endif
