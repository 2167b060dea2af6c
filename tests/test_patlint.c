/*
 * test_patlint.c - the runaway-pattern heuristics, one pattern per line,
 * then a whole pack (tests/packs/risky) through patlint_pack: each warning
 * with its file:line and rule id, and nothing for the safe rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "diag.h"
#include "patlint.h"
#include "rulepack.h"

#define N PATLINT_NESTED
#define A PATLINT_ADJACENT
#define W PATLINT_WILDCARD

struct t_pat {
	const char *pattern;
	unsigned want;          /* PATLINT_ kinds, ORed */
	const char *quote;      /* text the explanation must contain, or NULL */
};

static const struct t_pat t_pats[] = {
	/* Nested quantifiers. */
	{"(a+)+", N, "\"(a+)+\""},
	{"(a*)*b", N, NULL},
	{"(?:\\w+\\s?)*x", N, "(?:\\w+\\s?)*"},
	{"(?:\\w+\\s?){1,20}x", N, NULL},
	{"((?:\\d+))+", N, NULL},
	{"x(?:a|b+)*y", N, NULL},
	{"(?<n>[\\w-]+\\s*)+done", N, NULL},
	/* ... but not when every round needs a separator of its own, the
	 * outer repeat is small, or backtracking is switched off. */
	{"(?:\\w+\\s+)*x", 0, NULL},
	{"(?:\\s*,\\s*\\w+)*", 0, NULL},
	{"(?:[\\w-]+\\s+){0,5}?x", 0, NULL},
	{"(?:\\w+\\s?){0,3}x", 0, NULL},
	{"(?:\\w+\\s?)*+x", 0, NULL},
	{"(?>\\w+\\s?)*x", 0, NULL},
	{"(?:a++)+", 0, NULL},
	/* Adjacent unbounded repeats that share characters. */
	{"a.*.*b", A, "\".*\" and \".*\""},
	{"\\w+\\s*\\w+x", A, NULL},
	{"x[^,]*\\s*.+y", A, NULL},
	{"\\d+\\d*", A, NULL},
	{"(?:\\w+)\\w*", A, NULL},
	/* ... not when their characters differ, or only spaces are shared,
	 * or something required stands between them. */
	{"\\w+\\s+\\w+", 0, NULL},
	{"a\\s+\\s*b", 0, NULL},
	{"\\d+,\\d+", 0, NULL},
	{"\\w+(?=\\s)\\d+", A, NULL},
	{"[a-c]+[d-f]+", 0, NULL},
	{"[a-c]+[C-F]+", A, NULL},   /* caseless: c and C meet */
	{"a*+a*", 0, NULL},
	/* Unbounded wildcards between alternations. */
	{"(?:met|talked).*(?:summit|talks)", W, "\".*\""},
	{"{leader}\\s+[^.]+\\s+{city}", W, NULL},
	{"(?:a|b)\\S*(?:c|d)", W, NULL},
	{"(?:a|b)\\W*(?:c|d)", W, NULL},
	/* ... not bounded, not a wildcard, or an alternation on one side. */
	{"(?:met|talked)[^.]{0,80}(?:summit|talks)", 0, NULL},
	{"(?:met|talked)\\w*(?:summit|talks)", 0, NULL},
	{"(?:met|talked)\\p{L}*(?:summit|talks)", 0, NULL},
	{"(?:met|talked)\\P{L}*(?:summit|talks)", W, NULL},
	{"summit.*(?:talks|meeting)", 0, NULL},
	{"(?:met|talked).*", 0, NULL},
	/* Several at once, and through the syntax corners. */
	{"(a+)+.*.*", N | A, NULL},
	{"(?i)(?-i:[A-Z]\\w+)\\s+(?#note)x", 0, NULL},
	{"[\\]]+[]a]+", A, NULL},
	{"\\Q.*.*\\E", 0, NULL},
	{"a{2,}a{3,}", A, NULL},
	{"(?|(a)|(b))+", 0, NULL},
	{"(?(1)a|b)c", 0, NULL},
	/* Patterns it cannot follow give nothing. */
	{"(a+", 0, NULL},
	{"a+)+", 0, NULL},
	{"[abc", 0, NULL},
	{"", 0, NULL},
};

static void t_patterns(void)
{
	char why[600];

	for (size_t i = 0; i < sizeof(t_pats) / sizeof(t_pats[0]); i++) {
		const struct t_pat *tp = &t_pats[i];
		unsigned got = patlint_pattern(tp->pattern, why, sizeof(why));

		if (got != tp->want)
			fprintf(stderr, "pattern %s: kinds %u, want %u (%s)\n",
				tp->pattern, got, tp->want, why);
		CHECK_INT(got, tp->want);
		CHECK((got == 0) == (why[0] == '\0'));
		if (tp->quote && !strstr(why, tp->quote)) {
			fprintf(stderr, "pattern %s: no %s in: %s\n",
				tp->pattern, tp->quote, why);
			CHECK(0);
		}
	}
	/* A short buffer is cut, not overrun. */
	CHECK_INT(patlint_pattern("(a+)+", why, 8), N);
	CHECK_INT(strlen(why), 7);
	CHECK_INT(patlint_pattern("(a+)+", NULL, 0), N);
}

struct t_warn {
	const char *rule;
	const char *where;      /* "pack.yaml:LINE" */
	const char *what;       /* text of the message */
};

/* What tests/packs/risky must give (see the comment at its top). */
static const struct t_warn t_warns[] = {
	{"risky.nested", "pack.yaml:28", "pattern: nested quantifier"},
	{"risky.adjacent", "pack.yaml:36", "pattern: adjacent unbounded repeats"},
	{"risky.wildcard", "pack.yaml:44", "pattern: unbounded wildcard"},
	{"risky.macro", "pack.yaml:52", "pattern: nested quantifier \"(?:\\w+\\s?)+\""},
	{"risky.exclusion", "pack.yaml:61", "exclude[1]: adjacent unbounded"},
	{"risky.untested", "pack.yaml:66", "no no_match example"},
};

static void t_pack(void)
{
	struct diag d = {0};
	struct rulepack *rp = rulepack_load(EVX_TEST_DATA "/packs/risky", &d);
	size_t n, nw = sizeof(t_warns) / sizeof(t_warns[0]);

	CHECK(rp != NULL);
	CHECK_INT(d.nerrors, 0);
	if (!rp) {
		diag_print(&d, stderr);
		diag_clear(&d);
		return;
	}
	diag_clear(&d);
	n = patlint_pack(rp, &d);
	CHECK_INT(n, nw);
	CHECK_INT(d.nwarnings, nw);
	CHECK_INT(d.nerrors, 0);
	CHECK_INT(d.nmsg, nw);
	for (size_t i = 0; i < nw && i < d.nmsg; i++) {
		char rule[80];

		snprintf(rule, sizeof(rule), "warning: rule \"%s\": ",
			 t_warns[i].rule);
		if (!strstr(d.msg[i], t_warns[i].where) ||
		    !strstr(d.msg[i], rule) || !strstr(d.msg[i], t_warns[i].what))
			fprintf(stderr, "warning %zu: %s\n", i, d.msg[i]);
		CHECK(strstr(d.msg[i], t_warns[i].where) != NULL);
		CHECK(strstr(d.msg[i], rule) != NULL);
		CHECK(strstr(d.msg[i], t_warns[i].what) != NULL);
	}
	for (size_t i = 0; i < d.nmsg; i++)
		CHECK(strstr(d.msg[i], "risky.safe") == NULL &&
		      strstr(d.msg[i], "fill.risky") == NULL);
	diag_clear(&d);
	rulepack_destroy(rp);
	CHECK_INT(patlint_pack(NULL, &d), 0);
}

int main(void)
{
	t_patterns();
	t_pack();
	return CHECK_DONE();
}
