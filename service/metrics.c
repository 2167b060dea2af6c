/*
 * metrics.c - a small registry of counters, gauges and histograms.
 *
 * The registry is an array of families in declaration order; each family
 * holds its series in an array sorted by label string (NULL counts as ""),
 * so lookups are a binary search and the rendered text is stable from one
 * scrape to the next. A histogram series keeps one count per bucket (not
 * cumulative: an observation lands in the first bucket whose bound holds it)
 * plus the sum and the total count; rendering accumulates the buckets and
 * adds +Inf. Label strings are stored and printed exactly as the caller gave
 * them (the caller quotes and escapes label values); the help text is
 * escaped here.
 *
 * Threads: any thread may update; one mutex guards everything. Updates are
 * a lookup and an addition, and a new series costs one allocation, so the
 * lock is held only briefly. Rendering holds the lock while it prints.
 * Updates to undeclared names or of the wrong kind are counted in
 * evextract_metrics_errors_total, which every registry declares first.
 */
#include "metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_ERRORS "evextract_metrics_errors_total"

struct metrics_series {
	char *labels;          /* as given, NULL for none */
	double value;          /* counter or gauge value; histogram sum */
	uint64_t count;        /* histogram: observations */
	uint64_t *buckets;     /* histogram: per bucket, not cumulative */
};

struct metrics_family {
	char *name;
	char *help;
	enum metrics_kind kind;
	double *bounds;        /* histogram bucket upper bounds, increasing */
	size_t nbounds;
	struct metrics_series *series;  /* sorted by labels */
	size_t nseries, cap;
};

struct metrics {
	pthread_mutex_t mu;
	struct metrics_family *fam;
	size_t nfam, cap;
};

static void metrics_family_clear(struct metrics_family *f)
{
	for (size_t i = 0; i < f->nseries; i++) {
		free(f->series[i].labels);
		free(f->series[i].buckets);
	}
	free(f->series);
	free(f->bounds);
	free(f->name);
	free(f->help);
}

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (pthread_mutex_init(&m->mu, NULL) != 0) {
		free(m);
		return NULL;
	}
	if (metrics_declare(m, METRICS_ERRORS, METRICS_COUNTER,
			    "Metric updates to undeclared names or of the "
			    "wrong kind.", NULL, 0) != 0)
		goto fail;
	/* Present from the start, so a scrape shows 0 rather than nothing. */
	metrics_add(m, METRICS_ERRORS, NULL, 0);
	if (m->fam[0].nseries != 1)
		goto fail;
	return m;
fail:
	metrics_destroy(m);
	return NULL;
}

void metrics_destroy(struct metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nfam; i++)
		metrics_family_clear(&m->fam[i]);
	free(m->fam);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

/* The family called name, or NULL. Caller holds the lock. */
static struct metrics_family *metrics_find(struct metrics *m, const char *name)
{
	for (size_t i = 0; i < m->nfam; i++)
		if (strcmp(m->fam[i].name, name) == 0)
			return &m->fam[i];
	return NULL;
}

int metrics_declare(struct metrics *m, const char *name, enum metrics_kind kind,
		    const char *help, const double *buckets, size_t nbuckets)
{
	struct metrics_family *f, *grown;
	int rc = -1;

	if (!m || !name || !*name)
		return -1;
	for (size_t i = 1; i < nbuckets; i++)
		if (!(buckets[i] > buckets[i - 1]))
			return -1;
	pthread_mutex_lock(&m->mu);
	f = metrics_find(m, name);
	if (f) {
		rc = f->kind == kind ? 0 : -1;
		goto done;
	}
	if (m->nfam == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;

		grown = realloc(m->fam, cap * sizeof(*grown));
		if (!grown)
			goto done;
		m->fam = grown;
		m->cap = cap;
	}
	f = &m->fam[m->nfam];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->name = strdup(name);
	f->help = strdup(help ? help : "");
	if (kind == METRICS_HISTOGRAM && nbuckets) {
		f->bounds = malloc(nbuckets * sizeof(*f->bounds));
		if (f->bounds)
			memcpy(f->bounds, buckets, nbuckets * sizeof(*f->bounds));
		f->nbounds = nbuckets;
	}
	if (!f->name || !f->help ||
	    (kind == METRICS_HISTOGRAM && nbuckets && !f->bounds)) {
		metrics_family_clear(f);
		goto done;
	}
	m->nfam++;
	rc = 0;
done:
	pthread_mutex_unlock(&m->mu);
	return rc;
}

/* Orders label strings; no labels sort first. */
static int metrics_labels_cmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* Finds the series of f with these labels; *at is where it is or would go. */
static struct metrics_series *metrics_series_find(struct metrics_family *f,
						  const char *labels,
						  size_t *at)
{
	size_t lo = 0, hi = f->nseries;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = metrics_labels_cmp(f->series[mid].labels, labels);

		if (c == 0) {
			*at = mid;
			return &f->series[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

/* The series of f with these labels, created on first use; NULL on memory.
 * Caller holds the lock. */
static struct metrics_series *metrics_series_get(struct metrics_family *f,
						 const char *labels)
{
	struct metrics_series *s, fresh = {0};
	size_t at;

	if (labels && !*labels)
		labels = NULL;
	s = metrics_series_find(f, labels, &at);
	if (s)
		return s;
	if (f->nseries == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct metrics_series *grown =
			realloc(f->series, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		f->series = grown;
		f->cap = cap;
	}
	if (labels && !(fresh.labels = strdup(labels)))
		return NULL;
	if (f->kind == METRICS_HISTOGRAM && f->nbounds &&
	    !(fresh.buckets = calloc(f->nbounds, sizeof(*fresh.buckets)))) {
		free(fresh.labels);
		return NULL;
	}
	memmove(&f->series[at + 1], &f->series[at],
		(f->nseries - at) * sizeof(*f->series));
	f->series[at] = fresh;
	f->nseries++;
	return &f->series[at];
}

/* Counts a misuse of the registry. Caller holds the lock. */
static void metrics_error(struct metrics *m)
{
	struct metrics_series *s = metrics_series_get(&m->fam[0], NULL);

	if (s)
		s->value += 1;
}

enum metrics_op { METRICS_OP_ADD, METRICS_OP_SET, METRICS_OP_OBSERVE };

/* Applies one update under the lock. */
static void metrics_update(struct metrics *m, const char *name,
			   const char *labels, double v, enum metrics_op op)
{
	struct metrics_family *f;
	struct metrics_series *s;

	if (!m || !name)
		return;
	pthread_mutex_lock(&m->mu);
	f = metrics_find(m, name);
	if (!f || (op == METRICS_OP_OBSERVE) != (f->kind == METRICS_HISTOGRAM) ||
	    (op == METRICS_OP_ADD && f->kind == METRICS_COUNTER && !(v >= 0))) {
		metrics_error(m);
		goto done;
	}
	s = metrics_series_get(f, labels);
	if (!s)
		goto done;
	switch (op) {
	case METRICS_OP_ADD:
		s->value += v;
		break;
	case METRICS_OP_SET:
		s->value = v;
		break;
	case METRICS_OP_OBSERVE:
		for (size_t i = 0; i < f->nbounds; i++) {
			if (v <= f->bounds[i]) {
				s->buckets[i]++;
				break;
			}
		}
		s->value += v;
		s->count++;
		break;
	}
done:
	pthread_mutex_unlock(&m->mu);
}

void metrics_add(struct metrics *m, const char *name, const char *labels, double v)
{
	metrics_update(m, name, labels, v, METRICS_OP_ADD);
}

void metrics_set(struct metrics *m, const char *name, const char *labels, double v)
{
	metrics_update(m, name, labels, v, METRICS_OP_SET);
}

void metrics_observe(struct metrics *m, const char *name, const char *labels,
		     double v)
{
	metrics_update(m, name, labels, v, METRICS_OP_OBSERVE);
}

double metrics_get(struct metrics *m, const char *name, const char *labels)
{
	struct metrics_family *f;
	struct metrics_series *s = NULL;
	double v = 0;
	size_t at;

	if (!m || !name)
		return 0;
	if (labels && !*labels)
		labels = NULL;
	pthread_mutex_lock(&m->mu);
	f = metrics_find(m, name);
	if (f)
		s = metrics_series_find(f, labels, &at);
	/* A histogram answers with its count of observations. */
	if (s)
		v = f->kind == METRICS_HISTOGRAM ? (double)s->count : s->value;
	pthread_mutex_unlock(&m->mu);
	return v;
}

/* Formats a sample value: the shortest of %.15g / %.17g that reads back
 * exactly, and +Inf, -Inf, NaN as the format spells them. */
static void metrics_format(double v, char *buf, size_t size)
{
	if (isnan(v)) {
		snprintf(buf, size, "NaN");
	} else if (isinf(v)) {
		snprintf(buf, size, "%sInf", v > 0 ? "+" : "-");
	} else {
		snprintf(buf, size, "%.15g", v);
		if (strtod(buf, NULL) != v)
			snprintf(buf, size, "%.17g", v);
	}
}

/* Writes help text with '\' and newlines escaped. */
static void metrics_put_help(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", fp);
		else if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

/* Writes "name{labels} value" (braces only when there are labels). */
static void metrics_put_sample(FILE *fp, const char *name, const char *suffix,
			       const char *labels, const char *le, double v)
{
	char num[64];

	metrics_format(v, num, sizeof(num));
	fprintf(fp, "%s%s", name, suffix);
	if (labels || le) {
		fputc('{', fp);
		if (labels)
			fputs(labels, fp);
		if (labels && le)
			fputc(',', fp);
		if (le)
			fprintf(fp, "le=\"%s\"", le);
		fputc('}', fp);
	}
	fprintf(fp, " %s\n", num);
}

static void metrics_put_histogram(FILE *fp, const struct metrics_family *f,
				  const struct metrics_series *s)
{
	uint64_t cum = 0;
	char le[64];

	for (size_t i = 0; i < f->nbounds; i++) {
		cum += s->buckets[i];
		metrics_format(f->bounds[i], le, sizeof(le));
		metrics_put_sample(fp, f->name, "_bucket", s->labels, le,
				   (double)cum);
	}
	metrics_put_sample(fp, f->name, "_bucket", s->labels, "+Inf",
			   (double)s->count);
	metrics_put_sample(fp, f->name, "_sum", s->labels, NULL, s->value);
	metrics_put_sample(fp, f->name, "_count", s->labels, NULL,
			   (double)s->count);
}

int metrics_render(struct metrics *m, char **out, size_t *len)
{
	static const char *const kinds[] = {
		[METRICS_COUNTER] = "counter",
		[METRICS_GAUGE] = "gauge",
		[METRICS_HISTOGRAM] = "histogram",
	};
	char *buf = NULL;
	size_t n = 0;
	FILE *fp;
	int rc = -1;

	*out = NULL;
	*len = 0;
	if (!m)
		return -1;
	fp = open_memstream(&buf, &n);
	if (!fp)
		return -1;
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < m->nfam; i++) {
		const struct metrics_family *f = &m->fam[i];

		fprintf(fp, "# HELP %s ", f->name);
		metrics_put_help(fp, f->help);
		fprintf(fp, "\n# TYPE %s %s\n", f->name, kinds[f->kind]);
		for (size_t j = 0; j < f->nseries; j++) {
			const struct metrics_series *s = &f->series[j];

			if (f->kind == METRICS_HISTOGRAM)
				metrics_put_histogram(fp, f, s);
			else
				metrics_put_sample(fp, f->name, "", s->labels,
						   NULL, s->value);
		}
	}
	pthread_mutex_unlock(&m->mu);
	if (ferror(fp))
		goto done;
	rc = 0;
done:
	/* fclose() finalises buf and n; on failure the text is dropped. */
	if (fclose(fp) != 0)
		rc = -1;
	if (rc == 0) {
		*out = buf;
		*len = n;
	} else {
		free(buf);
	}
	return rc;
}
