/*
 * rulestest.c - runs the inline examples of a rule pack (see rulestest.h).
 *
 * One extractor, one ruleset scratch and one text buffer serve every
 * example: each example is extracted as an article of its own ("example",
 * body = the text, published_at as given) after extract_begin(), so its
 * events live in the extractor's arena until the next example. Checks read
 * events only through event_field_values(), the same accessor the evaluator
 * uses, so "expected location Kyiv" means here what it means in a gold file.
 * A failure message says what was expected and what came out, and when no
 * event came from the rule, which rules did fire, since that is usually the
 * quickest pointer to the broken pattern. Single-threaded; the caller owns
 * rp and rs, and nothing here outlives the call.
 */
#include "rulestest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "text.h"

#define RT_MAX_VALS (2 * EVX_MAX_LIST_VALUES)
#define RT_MAX_SPANS 32

struct rt {
	const struct rulepack *rp;
	const struct ruleset *rs;
	struct extractor *x;
	struct ruleset_scratch *sc;
	struct text t;
	FILE *report;
	int verbose;
	size_t passed, failed;
	struct event *events;    /* of the current example */
	size_t nevents;
	int limit_hit;           /* the current example hit a match limit */
	uint32_t span[RT_MAX_SPANS][2]; /* where the rule matches the example */
	size_t nspan;
};

/* Writes s lower-cased (ASCII), trimmed, with runs of white space as one
 * space, into buf; longer values are cut at size - 1 bytes. */
static void rt_canon(const char *s, char *buf, size_t size)
{
	size_t n = 0;
	int space = 0;

	while (isspace((unsigned char)*s))
		s++;
	for (; *s && n + 1 < size; s++) {
		if (isspace((unsigned char)*s)) {
			space = 1;
			continue;
		}
		if (space && n + 2 < size)
			buf[n++] = ' ';
		space = 0;
		buf[n++] = (char)tolower((unsigned char)*s);
	}
	buf[n] = '\0';
}

/* Compares a and b ignoring ASCII case, surrounding white space and the
 * length of runs of white space. */
static int rt_same(const char *a, const char *b)
{
	char ca[512], cb[512];

	rt_canon(a, ca, sizeof(ca));
	rt_canon(b, cb, sizeof(cb));
	return strcmp(ca, cb) == 0;
}

static int rt_in(const char *v, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rt_same(v, set[i]))
			return 1;
	return 0;
}

/* Writes values as "X" (one) or [X, Y] (several), or "nothing". */
static void rt_format_vals(const char *const *vals, size_t n, char *buf,
			   size_t size)
{
	size_t len = 0;

	if (n == 0) {
		snprintf(buf, size, "nothing");
		return;
	}
	if (n == 1) {
		snprintf(buf, size, "\"%s\"", vals[0]);
		return;
	}
	for (size_t i = 0; i < n && len < size; i++) {
		int w = snprintf(buf + len, size - len, "%s\"%s\"%s",
				 i ? ", " : "[", vals[i], i + 1 == n ? "]" : "");

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* Returns 1 when mention rule string m names rule id (plain or "id@rev"). */
static int rt_rule_is(const char *m, const char *id)
{
	size_t n = strlen(id);

	return m && strncmp(m, id, n) == 0 && (m[n] == '\0' || m[n] == '@');
}

static int rt_from_rule(const struct event *e, const char *id)
{
	for (size_t i = 0; i < e->nmentions && i < EVX_MAX_MENTIONS_PER_EVENT; i++)
		if (rt_rule_is(e->mentions[i].rule, id))
			return 1;
	return 0;
}

static int rt_of_types(const struct event *e, const struct rp_rule *r)
{
	if (r->type)
		return e->type && strcmp(e->type, r->type) == 0;
	for (size_t i = 0; i < r->nfill; i++)
		if (e->type && strcmp(e->type, r->fill[i]) == 0)
			return 1;
	return 0;
}

/* Checks every expected field of ex against e. Returns the number of
 * fields that match; the first mismatch is described in why. */
static size_t rt_check_fields(const struct event *e, const struct rp_example *ex,
			      char *why, size_t why_size)
{
	const char *got[RT_MAX_VALS];
	char num[32], want[256], have[256];
	size_t ok = 0;
	int described = 0;

	for (size_t k = 0; k < ex->nexpect; k++) {
		const struct rp_kv *kv = &ex->expect[k];
		size_t n = event_field_values(e, kv->key, got, RT_MAX_VALS,
					      num, sizeof(num));
		int same = 1;

		for (size_t i = 0; i < kv->nvals && same; i++)
			same = rt_in(kv->vals[i], got, n);
		for (size_t i = 0; i < n && same; i++)
			same = rt_in(got[i], (const char *const *)kv->vals,
				     kv->nvals);
		if (same) {
			ok++;
			continue;
		}
		if (!described) {
			rt_format_vals((const char *const *)kv->vals, kv->nvals,
				       want, sizeof(want));
			rt_format_vals(got, n, have, sizeof(have));
			/* A description cut short still says what differs. */
			described = snprintf(why, why_size,
					     "expected %s %s, got %s", kv->key,
					     want, have) > 0;
		}
	}
	return ok;
}

/* Describes the rules that produced the current events: "a (STRIKE), b". */
static void rt_fired(const struct rt *t, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < t->nevents; i++) {
		const struct event *e = &t->events[i];

		for (size_t m = 0; m < e->nmentions &&
				   m < EVX_MAX_MENTIONS_PER_EVENT; m++) {
			const char *r = e->mentions[m].rule;
			char item[256];
			int w;

			if (!r)
				continue;
			snprintf(item, sizeof(item), "%s (%s)", r,
				 e->type ? e->type : "?");
			if (strstr(buf, item))
				continue;
			w = snprintf(buf + len, size - len, "%s%s",
				     len ? ", " : "", item);
			if (w < 0 || (size_t)w >= size - len)
				return;
			len += (size_t)w;
		}
	}
	if (!len)
		snprintf(buf, size, "none");
}

/* Extracts the example text. Returns 0, or -1 with why filled. */
static int rt_extract(struct rt *t, const struct rp_example *ex, char *why,
		      size_t why_size)
{
	static const struct article_origin offline = {NULL, -1, -1};
	struct article a = {
		.id = "example",
		.body = ex->text,
		.body_len = strlen(ex->text),
		.published_at = ex->published_at,
		.source = "",
		.url = "",
		.language = "en",
	};
	char err[256];
	int rc;

	extract_begin(t->x);
	t->events = NULL;
	t->nevents = 0;
	t->limit_hit = 0;
	rc = extract_article(t->x, &a, &offline, &t->events, &t->nevents, err,
			     sizeof(err));
	if (rc == -2) {
		/* An example is short: hitting a limit on it is a bug. */
		snprintf(why, why_size, "match limit hit: %s", err);
		t->limit_hit = 1;
		return -1;
	}
	if (rc != 0) {
		snprintf(why, why_size, "extraction failed: %s", err);
		return -1;
	}
	return 0;
}

/* Index of rule id in the ruleset, or -1. */
static long rt_rs_index(const struct ruleset *rs, const char *id)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return (long)i;
	return -1;
}

/* Finds where rule ri matches the normalised example text, as spans of
 * the original text, into t->span (none when an exclusion of the rule
 * matches the text). Returns the count, or -1 with why filled. */
static int rt_rule_spans(struct rt *t, long ri, const char *text, char *why,
			 size_t why_size)
{
	const size_t *ov;
	size_t start = 0;
	int rc;

	t->nspan = 0;
	if (ri < 0) {
		snprintf(why, why_size, "the rule is missing from the ruleset");
		return -1;
	}
	if (text_normalise(&t->t, text, strlen(text)) != 0) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	if (ruleset_excluded(t->rs, t->sc, (uint32_t)ri, t->t.norm,
			     t->t.norm_len) == 1)
		return 0;
	while (t->nspan < RT_MAX_SPANS && start <= t->t.norm_len) {
		rc = ruleset_match(t->rs, t->sc, (uint32_t)ri, t->t.norm,
				   t->t.norm_len, start, &ov);
		if (rc == 0)
			break;
		if (rc < 0) {
			snprintf(why, why_size, "%s while matching the rule",
				 rc == -2 ? "match limit hit" : "PCRE2 error");
			return -1;
		}
		text_to_orig(&t->t, (uint32_t)ov[0], (uint32_t)ov[1],
			     &t->span[t->nspan][0], &t->span[t->nspan][1]);
		t->nspan++;
		start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
	return (int)t->nspan;
}

/* Returns the first mention of e overlapping a span of t->span, or NULL.
 * The extractor keeps one mention for overlapping matches of one type (the
 * longer), so a rule that matched can hide inside another rule's mention. */
static const struct ev_mention *rt_absorbed(const struct rt *t,
					    const struct event *e)
{
	for (size_t m = 0; m < e->nmentions && m < EVX_MAX_MENTIONS_PER_EVENT;
	     m++)
		for (size_t i = 0; i < t->nspan; i++)
			if (e->mentions[m].start < t->span[i][1] &&
			    t->span[i][0] < e->mentions[m].end)
				return &e->mentions[m];
	return NULL;
}

/* Runs one match example. Returns 1 pass, 0 fail (why filled). */
static int rt_match(struct rt *t, const struct rp_rule *r,
		    const struct rp_example *ex, char *why, size_t why_size)
{
	char fired[512], best_why[512] = "";
	size_t best = 0;
	int any = 0;

	if (rt_extract(t, ex, why, why_size) != 0)
		return 0;
	if (r->type && rt_rule_spans(t, rt_rs_index(t->rs, r->id), ex->text,
				     why, why_size) < 0)
		return 0;
	for (size_t i = 0; i < t->nevents; i++) {
		const struct event *e = &t->events[i];
		char w[512] = "";
		size_t ok;

		if (!rt_of_types(e, r))
			continue;
		if (r->type && !rt_from_rule(e, r->id) && !rt_absorbed(t, e))
			continue;
		ok = rt_check_fields(e, ex, w, sizeof(w));
		if (ok == ex->nexpect)
			return 1;
		if (!any || ok > best) {
			best = ok;
			snprintf(best_why, sizeof(best_why), "%s", w);
		}
		any = 1;
	}
	if (any) {
		snprintf(why, why_size, "%s", best_why);
		return 0;
	}
	rt_fired(t, fired, sizeof(fired));
	if (r->type)
		snprintf(why, why_size, "no event from this rule (rules that "
					"fired: %s)", fired);
	else
		snprintf(why, why_size, "no event of a type this filler fills "
					"(rules that fired: %s)", fired);
	return 0;
}

/* Runs one no_match example. Returns 1 pass, 0 fail (why filled). */
static int rt_no_match(struct rt *t, const struct rp_rule *r,
		       const struct rp_example *ex, char *why, size_t why_size)
{
	long ri = rt_rs_index(t->rs, r->id);
	int spans = -2;

	if (rt_extract(t, ex, why, why_size) != 0)
		return 0;
	for (size_t i = 0; i < t->nevents; i++) {
		const struct event *e = &t->events[i];
		const struct ev_mention *m;

		if (r->type && rt_from_rule(e, r->id)) {
			const char *text = "";

			for (size_t k = 0; k < e->nmentions; k++)
				if (rt_rule_is(e->mentions[k].rule, r->id) &&
				    e->mentions[k].text) {
					text = e->mentions[k].text;
					break;
				}
			snprintf(why, why_size, "the rule matched \"%s\" (%s "
						"event)", text, e->type);
			return 0;
		}
		if (!rt_of_types(e, r))
			continue;
		/* An event the rule could have made or filled: does the
		 * rule's own pattern match the text? */
		if (spans == -2)
			spans = rt_rule_spans(t, ri, ex->text, why, why_size);
		if (spans < 0)
			return 0;
		if (!r->type && spans > 0) {
			snprintf(why, why_size, "the filler matches the text and "
						"an event it fills was produced");
			return 0;
		}
		if (r->type && (m = rt_absorbed(t, e)) != NULL) {
			snprintf(why, why_size, "the rule matched inside the "
						"mention \"%s\" of %s (%s event)",
				 m->text ? m->text : "", m->rule ? m->rule : "?",
				 e->type);
			return 0;
		}
	}
	return 1;
}

/* Runs the examples of one rule and reports them. */
static void rt_rule(struct rt *t, const struct rp_rule *r)
{
	size_t nex = r->nmatch + r->nno_match, failed = 0;
	char why[1024];

	for (size_t i = 0; i < nex; i++) {
		int is_match = i < r->nmatch;
		const struct rp_example *ex =
			is_match ? &r->match[i] : &r->no_match[i - r->nmatch];
		int pass;

		why[0] = '\0';
		pass = is_match ? rt_match(t, r, ex, why, sizeof(why))
				: rt_no_match(t, r, ex, why, sizeof(why));
		if (pass) {
			t->passed++;
			if (t->report && t->verbose)
				fprintf(t->report, "  ok   %s: %s:%d: %s example\n",
					r->id, r->file ? r->file : "?",
					ex->line, is_match ? "match" : "no_match");
			continue;
		}
		t->failed++;
		failed++;
		if (t->report)
			fprintf(t->report, "FAIL %s: %s:%d: %s example: %s\n",
				r->id, r->file ? r->file : "?", ex->line,
				is_match ? "match" : "no_match", why);
	}
	if (!t->report || failed)
		return;
	if (nex)
		fprintf(t->report, "ok   %s (%zu example%s)\n", r->id, nex,
			nex == 1 ? "" : "s");
	else if (t->verbose)
		fprintf(t->report, "ok   %s (no examples)\n", r->id);
}

int rulestest_run(const struct rulepack *rp, const struct ruleset *rs,
		  FILE *report, int verbose, size_t *npassed, size_t *nfailed)
{
	struct rt t = {.rp = rp, .rs = rs, .report = report, .verbose = verbose};
	char err[256];
	size_t without = 0;
	int rc = -1;

	t.x = extract_new(rs, err, sizeof(err));
	if (!t.x)
		goto done;
	t.sc = ruleset_scratch_new(rs, err, sizeof(err));
	if (!t.sc)
		goto done;
	for (size_t i = 0; i < rp->nrules; i++) {
		rt_rule(&t, &rp->rules[i]);
		if (rp->rules[i].nmatch + rp->rules[i].nno_match == 0)
			without++;
	}
	if (report)
		fprintf(report, "%zu examples in %zu rules: %zu passed, %zu "
				"failed; %zu rules without examples\n",
			t.passed + t.failed, rp->nrules - without, t.passed,
			t.failed, without);
	rc = 0;
done:
	if (rc != 0 && report)
		fprintf(report, "rules test: cannot run the examples: %s\n", err);
	if (npassed)
		*npassed = t.passed;
	if (nfailed)
		*nfailed = t.failed;
	text_free(&t.t);
	ruleset_scratch_destroy(t.sc);
	extract_destroy(t.x);
	return rc;
}
