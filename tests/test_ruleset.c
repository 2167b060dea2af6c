/*
 * test_ruleset.c - compiling packs: errors with file:line, list expansion,
 * group fields, the prefilter and the match limit.
 *
 * Packs are written from string literals to a temporary file and loaded
 * with ruleset_load(). Error cases are a table of YAML and the diagnostics
 * expected; match cases are a table of (rule, text, match?, captured field)
 * run against one pack, and every case also checks that a rule that matches
 * a text is among the prefilter's candidates for it.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ruleset.h"

#ifndef EVX_TEST_DATA
#define EVX_TEST_DATA "tests"
#endif

#define HEAD "pack: t\nversion: 1.0.0\n"

static char tmpdir[] = "/tmp/evx_test_ruleset_XXXXXX";

struct want_diag {
	const char *where;
	const char *msg;
};

struct err_case {
	const char *name;
	const char *yaml;
	int nerrors;
	struct want_diag want[3];
};

static const struct err_case err_cases[] = {
	{"unknown macro",
	 HEAD "rules:\n  - id: a\n    revision: 1\n    type: T\n"
	 "    pattern: 'hit (?<location>{CITTY})'\n", 1,
	 {{"f.yaml:7:", "rule \"a\": pattern: unknown macro {CITTY}"}}},
	{"unknown macro inside a macro",
	 HEAD "macros:\n  m: 'x{nope}'\nrules:\n  - id: a\n    revision: 1\n    type: T\n"
	 "    pattern: '{m}'\n", 1,
	 {{"f.yaml:9:", "unknown macro {nope}"}}},
	{"pcre2 syntax error with offset",
	 HEAD "macros:\n  w: war\nrules:\n  - id: a\n    revision: 1\n    type: T\n"
	 "    pattern: '{w} (unclosed'\n", 1,
	 /* Expanded: "(?:war) (unclosed": the error is at its end, offset 17. */
	 {{"f.yaml:9:", "pattern: missing closing parenthesis at offset 17"},
	  {"f.yaml:9:", "near \"(?:war) (unclosed<HERE>\""}}},
	{"pcre2 error offset and context in a long pattern",
	 HEAD "rules:\n  - id: a\n    revision: 1\n    type: T\n"
	 "    pattern: 'abcdefghijklmnopqrstuvwxyz0123456789 )x and more text after it here'\n", 1,
	 {{"f.yaml:7:", "unmatched closing parenthesis at offset 37, near \"...rstuvwxyz0123456789 <HERE>)x and more text aft...\""}}},
	{"macro cycle",
	 HEAD "macros:\n  a: 'x{b}'\n  b: 'y{a}'\nrules:\n  - id: r\n    revision: 1\n    type: T\n"
	 "    pattern: 'go {a}'\n", 1,
	 {{"f.yaml:10:", "macro cycle a -> b -> a"}}},
	{"self cycle",
	 HEAD "macros:\n  a: '{a}'\nrules:\n  - id: r\n    revision: 1\n    type: T\n"
	 "    pattern: '{a}'\n", 1,
	 {{"f.yaml:9:", "macro cycle a -> a"}}},
	{"bad exclusion has its own line",
	 HEAD "rules:\n  - id: a\n    revision: 1\n    type: T\n    pattern: ok\n"
	 "    exclude:\n      - fine\n      - 'x{2,1}'\n", 1,
	 {{"f.yaml:10:", "exclude[1]: numbers out of order"}}},
	{"conflicting forms in one list",
	 HEAD "lists:\n  c:\n    - {name: Congo, forms: [Congolese]}\n"
	 "    - {name: DR Congo, forms: [congolese]}\n", 1,
	 {{"f.yaml:6:", "form \"congolese\" of \"DR Congo\" already names \"Congo\""}}},
	{"only lists can be joined",
	 HEAD "macros:\n  m: x\nlists:\n  l: [A]\nrules:\n  - id: a\n    revision: 1\n    type: T\n"
	 "    pattern: '{l|m}'\n", 1,
	 {{"f.yaml:11:", "{l|m}: \"m\" is not a list"}}},
	{"quantifiers and escaped braces are not macros",
	 HEAD "rules:\n  - id: a\n    revision: 1\n    type: T\n"
	 "    pattern: 'a{2} b{2,3} c\\{x\\} [{y}] \\Q{z}\\E'\n", 0, {{0}}},
};

static char *write_pack(const char *name, const char *yaml)
{
	static char path[600];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	if (!fp)
		return NULL;
	fputs(yaml, fp);
	fclose(fp);
	return path;
}

/* A pack built by appending (pack_add); pack_load writes it as name, loads
 * it and frees it. A failed allocation makes the load fail. */
struct pack_buf {
	char *s;
	size_t n, cap;
};

__attribute__((format(printf, 2, 3)))
static void pack_add(struct pack_buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (!b->s && !(b->s = malloc(b->cap = 1 << 16)))
		return;
	va_start(ap, fmt);
	k = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		b->n += (size_t)k < b->cap - b->n ? (size_t)k : b->cap - b->n - 1;
}

static struct ruleset *pack_load(const char *name, struct pack_buf *b,
				 struct diag *d)
{
	struct ruleset *rs = NULL;

	if (b->s)
		rs = ruleset_load(write_pack(name, b->s), d);
	free(b->s);
	b->s = NULL;
	unlink(write_pack(name, ""));
	return rs;
}

static int has_diag(const struct diag *d, const struct want_diag *w)
{
	for (size_t i = 0; i < d->nmsg; i++)
		if (strstr(d->msg[i], w->where) && strstr(d->msg[i], w->msg))
			return 1;
	return 0;
}

static void run_err_cases(void)
{
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		char *path = write_pack("f.yaml", c->yaml);
		struct diag d = {0};
		struct ruleset *rs = ruleset_load(path, &d);
		int failures = check_failures;

		CHECK_INT(d.nerrors, c->nerrors);
		CHECK(c->nerrors ? rs == NULL : rs != NULL);
		for (int k = 0; k < 3 && c->want[k].where; k++)
			CHECK(has_diag(&d, &c->want[k]));
		if (failures != check_failures) {
			fprintf(stderr, "error case \"%s\":\n", c->name);
			diag_print(&d, stderr);
		}
		ruleset_destroy(rs);
		diag_clear(&d);
		unlink(path);
	}
}

static const char match_pack[] = HEAD
	"lists:\n"
	"  country:\n"
	"    - {name: United States, code: US, forms: [U.S., US, America]}\n"
	"    - {name: Russia, code: RU}\n"
	"    - {name: Ukraine, code: UA}\n"
	"  weapon:\n"
	"    case: insensitive\n"
	"    entries:\n"
	"      - {name: missile, forms: [missiles, cruise missile, cruise missiles]}\n"
	"      - {name: drone, forms: [drones]}\n"
	"macros:\n"
	"  num: '(?:\\d+|one|two)'\n"
	"rules:\n"
	"  - id: country.sanctions\n    revision: 1\n    type: SANCTIONS_PLEDGE\n"
	"    pattern: '(?<pledgers>{country}) sanctions'\n"
	"  - id: country.comma\n    revision: 1\n    type: SANCTIONS_PLEDGE\n"
	"    pattern: 'sanctions by the (?<pledgers>{country}),'\n"
	"  - id: weapon.longest\n    revision: 1\n    type: STRIKE\n"
	"    pattern: '(?<weapons>{weapon}) (?:were|was) fired'\n"
	"  - id: summit.pair\n    revision: 1\n    type: SUMMIT\n"
	"    pattern: '(?<participant_1>{country}) and (?<participant2>{country}) met'\n"
	"    set: {status: held, tags: [a, b]}\n"
	"  - id: zebra.only\n    revision: 3\n    fill: [STRIKE]\n"
	"    pattern: 'zebra (?<killed>{num})'\n"
	"    exclude: 'zebra 0'\n"
	"  - id: giraffe.only\n    revision: 1\n    type: T\n"
	"    pattern: 'giraffe'\n"
	"  - id: anchored\n    revision: 1\n    type: T\n"
	"    pattern: '^Breaking\\b(?=:)'\n"
	"  - id: lookbehind\n    revision: 1\n    type: T\n"
	"    pattern: '(?<!not )attacked (?>now)++'\n"
	"  - id: conditional\n    revision: 1\n    type: T\n"
	"    pattern: '(a)?(?(1)b|c)d'\n"
	"  - id: catastrophic\n    revision: 1\n    type: T\n"
	"    pattern: '(a+)+$'\n"
	"  - id: repeats\n    revision: 1\n    type: T\n"
	"    pattern: '(?:very\\s+)*big\\s(?:red )?(?:dog|cat)s?(?: (?:ha){2,3}!)'\n"
	"  - id: kiosk\n    revision: 1\n    type: T\n"
	"    pattern: 'kiosk (?:open|shut)'\n"
	"  - id: accents\n    revision: 1\n    type: T\n"
	"    pattern: 'caf\u00e9 cr\u00e8me'\n"
	"  - id: no.literal\n    revision: 1\n    type: T\n"
	"    pattern: '\\d+[.]\\d+'\n";

struct match_case {
	const char *rule;
	const char *text;
	int want;            /* 1 match, 0 none */
	const char *field;   /* a named group's field to check, or NULL */
	const char *value;   /* its captured text */
};

static const struct match_case match_cases[] = {
	{"country.sanctions", "US sanctions on oil", 1, "pledgers", "US"},
	{"country.sanctions", "us sanctions on oil", 0, NULL, NULL},
	{"country.sanctions", "US SANCTIONS ON OIL", 1, "pledgers", "US"},
	{"country.sanctions", "USA sanctions", 0, NULL, NULL},
	{"country.sanctions", "new U.S. sanctions", 1, "pledgers", "U.S."},
	{"country.sanctions", "America sanctions", 1, "pledgers", "America"},
	{"country.sanctions", "SouthAmerica sanctions", 0, NULL, NULL},
	{"country.comma", "sanctions by the U.S., officials said", 1, "pledgers", "U.S."},
	{"country.comma", "sanctions by the US, officials said", 1, "pledgers", "US"},
	{"weapon.longest", "Cruise missiles were fired at dawn", 1, "weapons", "Cruise missiles"},
	{"weapon.longest", "a missile was fired", 1, "weapons", "missile"},
	{"weapon.longest", "DRONES were fired", 1, "weapons", "DRONES"},
	{"weapon.longest", "missilesx were fired", 0, NULL, NULL},
	{"summit.pair", "Russia and Ukraine met", 1, "participant", "Russia"},
	{"zebra.only", "one zebra two", 1, "killed", "two"},
	{"zebra.only", "a giraffe 2", 0, NULL, NULL},
	{"giraffe.only", "a giraffe 2", 1, NULL, NULL},
	{"giraffe.only", "one zebra two", 0, NULL, NULL},
	{"anchored", "Breaking: news", 1, NULL, NULL},
	{"anchored", "Not Breaking: news", 0, NULL, NULL},
	{"lookbehind", "they attacked now", 1, NULL, NULL},
	{"lookbehind", "they did not attacked now", 0, NULL, NULL},
	{"conditional", "xabd", 1, NULL, NULL},
	{"conditional", "xcd", 1, NULL, NULL},
	/* Repeated groups are widened in the prefilter, never dropped. */
	{"repeats", "a very very big dog haha!", 1, NULL, NULL},
	{"repeats", "a big red cats hahaha!", 1, NULL, NULL},
	{"repeats", "a big cow haha!", 0, NULL, NULL},
	{"repeats", "a big dog ha!", 0, NULL, NULL},
	/* Caseless UTF-8 matching: PCRE2 takes U+017F (long s) for s and
	 * U+212A (Kelvin sign) for k, and non-ASCII letters in either case;
	 * the prefilter's literals must follow (checked by is_candidate). */
	{"country.sanctions", "US \xc5\xbf" "anction\xc5\xbf", 1, "pledgers", "US"},
	{"kiosk", "the \xe2\x84\xaaIOS\xe2\x84\xaa open", 1, NULL, NULL},
	{"kiosk", "the kiosk opens", 1, NULL, NULL},
	{"accents", "CAF\xc3\x89 CR\xc3\x88ME", 1, NULL, NULL},
	{"no.literal", "rate 2.5", 1, NULL, NULL},
};

static int find_rule(const struct ruleset *rs, const char *id)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rules[i].id, id) == 0)
			return (int)i;
	return -1;
}

static int is_candidate(const struct ruleset *rs, struct ruleset_scratch *sc,
			const char *text, int r)
{
	const uint32_t *cand = NULL;
	int n = ruleset_candidates(rs, sc, text, strlen(text), &cand);

	CHECK(n >= 0);
	for (int i = 0; i < n; i++)
		if ((int)cand[i] == r)
			return 1;
	return 0;
}

/* The capture of the first group filling field, or "" when unset. */
static void group_text(const struct rs_rule *rr, const size_t *ov,
		       const char *text, const char *field, char *out,
		       size_t size)
{
	out[0] = '\0';
	for (size_t g = 0; g < rr->ngroups; g++) {
		size_t s = ov[2 * rr->groups[g].num], e = ov[2 * rr->groups[g].num + 1];

		if (strcmp(rr->groups[g].field, field) != 0 || s == PCRE2_UNSET)
			continue;
		snprintf(out, size, "%.*s", (int)(e - s), text + s);
		return;
	}
}

static void run_match_cases(void)
{
	char *path = write_pack("m.yaml", match_pack);
	struct diag d = {0};
	struct ruleset *rs = ruleset_load(path, &d);
	struct ruleset_scratch *sc;
	char errstr[128];

	CHECK(rs != NULL);
	if (!rs) {
		diag_print(&d, stderr);
		diag_clear(&d);
		return;
	}
	/* The conditional cannot be prefiltered: one warning, no error. */
	CHECK_INT(d.nerrors, 0);
	CHECK_INT(d.nwarnings, 1);
	if (d.nwarnings != 1)
		diag_print(&d, stderr);
	CHECK(d.nmsg == 1 && strstr(d.msg[0], "rule \"conditional\"") &&
	      strstr(d.msg[0], "warning: ") &&
	      strstr(d.msg[0], "prefilter: a conditional group"));
	if (d.nmsg != 1 || !strstr(d.msg[0], "rule \"conditional\""))
		diag_print(&d, stderr);
	sc = ruleset_scratch_new(rs, errstr, sizeof(errstr));
	CHECK(sc != NULL);
	if (!sc)
		goto out;
	CHECK_INT(strlen(rs->hash), 16);
	CHECK_STR(rs->packs[0].version, "1.0.0");
	CHECK_INT(gazetteer_size(rs->gz), 11);
	for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = &match_cases[i];
		int r = find_rule(rs, c->rule);
		const size_t *ov = NULL;
		int got, failures = check_failures;

		CHECK(r >= 0);
		if (r < 0)
			continue;
		got = ruleset_match(rs, sc, (uint32_t)r, c->text, strlen(c->text), 0, &ov);
		CHECK_INT(got, c->want);
		if (got == 1 && c->field) {
			char buf[128];

			group_text(&rs->rules[r], ov, c->text, c->field, buf, sizeof(buf));
			CHECK_STR(buf, c->value);
		}
		/* The prefilter never misses a real match. */
		if (got == 1)
			CHECK(is_candidate(rs, sc, c->text, r));
		if (failures != check_failures)
			fprintf(stderr, "match case %zu: %s on \"%s\"\n", i, c->rule, c->text);
	}
	{
		int pair = find_rule(rs, "summit.pair"), zebra = find_rule(rs, "zebra.only");
		int giraffe = find_rule(rs, "giraffe.only"), cond = find_rule(rs, "conditional");
		const struct rs_rule *rr = &rs->rules[pair];
		const struct rs_rule *zr = &rs->rules[zebra];

		/* Group names map to fields, suffixes dropped. */
		CHECK_INT(rr->ngroups, 2);
		CHECK_STR(rr->groups[0].field, "participant");
		CHECK_STR(rr->groups[1].field, "participant");
		CHECK(rr->groups[0].num != rr->groups[1].num);
		CHECK_INT(rr->nset, 3);
		CHECK_STR(rr->set[2].key, "tags");
		CHECK_STR(rr->set[2].val, "b");
		CHECK_STR(zr->idrev, "zebra.only@3");
		CHECK(zr->type == NULL);
		CHECK_INT(zr->nfill, 1);
		CHECK_STR(zr->fill[0], "STRIKE");
		CHECK_STR(zr->pack, "t");
		CHECK_STR(zr->pack_version, "1.0.0");
		CHECK_INT(ruleset_excluded(rs, sc, (uint32_t)zebra, "zebra 0", 7), 1);
		CHECK_INT(ruleset_excluded(rs, sc, (uint32_t)zebra, "zebra 1", 7), 0);
		/* Prefilter: a literal absent keeps a rule out; present, in. */
		CHECK(!is_candidate(rs, sc, "a zebra ran past", giraffe));
		CHECK(is_candidate(rs, sc, "a zebra 5 ran past", zebra));
		CHECK(is_candidate(rs, sc, "one GIRAFFE", giraffe));
		CHECK(!is_candidate(rs, sc, "one GIRAFFE", zebra));
		CHECK(rs->rules[giraffe].prefiltered);
		CHECK(rs->rules[find_rule(rs, "repeats")].prefiltered);
		CHECK(!is_candidate(rs, sc, "a big cow", find_rule(rs, "repeats")));
		CHECK(!rs->rules[cond].prefiltered);
		CHECK(is_candidate(rs, sc, "nothing at all", cond));
		/* A rule with a required literal is prefiltered by it; one
		 * without (only classes) runs everywhere, without a warning. */
		CHECK(rs->rules[find_rule(rs, "kiosk")].prefiltered);
		CHECK(!is_candidate(rs, sc, "the kiosk", find_rule(rs, "kiosk")));
		CHECK(rs->rules[find_rule(rs, "accents")].prefiltered);
		CHECK(!rs->rules[find_rule(rs, "no.literal")].prefiltered);
		CHECK(is_candidate(rs, sc, "no digits", find_rule(rs, "no.literal")));
		/* Candidates come in rule order. */
		{
			const uint32_t *cand = NULL;
			int n = ruleset_candidates(rs, sc, "zebra giraffe", 13, &cand);

			CHECK(n >= 3);
			for (int i = 1; i < n; i++)
				CHECK(cand[i - 1] < cand[i]);
		}
		/* Matching from an offset. */
		{
			const size_t *ov = NULL;
			const char *t = "zebra 1 zebra 2";

			CHECK_INT(ruleset_match(rs, sc, (uint32_t)zebra, t, strlen(t), 1, &ov), 1);
			CHECK(ov && ov[0] == 8);
			CHECK_INT(ruleset_match(rs, sc, (uint32_t)zebra, t, strlen(t), 99, &ov), -1);
		}
	}
	/* The match limit stops catastrophic backtracking: -2, or 0 when JIT
	 * finishes within the limit; never a crash or a hang. */
	{
		int cat = find_rule(rs, "catastrophic");
		const char *t = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab";
		const size_t *ov = NULL;
		int got = ruleset_match(rs, sc, (uint32_t)cat, t, strlen(t), 0, &ov);

		CHECK(got == -2 || got == 0);
		fprintf(stderr, "note: (a+)+$ on 55 bytes returned %d\n", got);
	}
	/* Invalid UTF-8 in an article is no match, not a crash. */
	{
		const size_t *ov = NULL;
		const char bad[] = "US sanctions \xff\xfe on";
		int r = find_rule(rs, "country.sanctions");

		CHECK_INT(ruleset_match(rs, sc, (uint32_t)r, bad, sizeof(bad) - 1, 0, &ov), 1);
		CHECK_INT(ruleset_match(rs, sc, (uint32_t)r, bad + 14, 4, 0, &ov), 0);
	}
out:
	ruleset_scratch_destroy(sc);
	ruleset_destroy(rs);
	diag_clear(&d);
	unlink(path);
}

/* Segmented scans: a rule is a candidate of the segments that hold its
 * literals; a rule that is never prefiltered, of every segment. */
struct seg_case {
	const char *text;
	uint32_t seg_end[3];
	size_t nseg;
	const char *rule;
	int want[3];         /* candidate of segment 0, 1, 2? */
	int want_all;        /* candidate of the whole text? */
};

static const struct seg_case seg_cases[] = {
	{"A zebra 4 ran. A giraffe ate.", {15, 29}, 2, "giraffe.only", {0, 1}, 1},
	{"A zebra 4 ran. A giraffe ate.", {15, 29}, 2, "zebra.only", {1, 0}, 1},
	{"A zebra 4 ran. A giraffe ate.", {15, 29}, 2, "conditional", {1, 1}, 1},
	{"A zebra 4 ran. A giraffe ate.", {15, 29}, 2, "kiosk", {0, 0}, 0},
	/* Both literals of a rule, but in different sentences. */
	{"The kiosk is. Then open.", {14, 24}, 2, "kiosk", {0, 0}, 1},
	{"Nothing. A kiosk shut. No.", {9, 22, 26}, 3, "kiosk", {0, 1, 0}, 1},
	/* No prefiltered rule is a candidate: the segments are not scanned,
	 * and the never-prefiltered rules are still candidates of each. */
	{"Calm day. Quiet night.", {10, 22}, 2, "conditional", {1, 1}, 1},
	{"Calm day. Quiet night.", {10, 22}, 2, "giraffe.only", {0, 0}, 0},
};

static int in_list(const uint32_t *cand, int n, int r)
{
	for (int i = 0; i < n; i++)
		if ((int)cand[i] == r)
			return 1;
	return 0;
}

static void run_segments(void)
{
	char *path = write_pack("s.yaml", match_pack);
	struct diag d = {0};
	struct ruleset *rs = ruleset_load(path, &d);
	struct ruleset_scratch *sc = rs ? ruleset_scratch_new(rs, NULL, 0) : NULL;

	CHECK(rs != NULL && sc != NULL);
	for (size_t i = 0; sc && i < sizeof(seg_cases) / sizeof(seg_cases[0]); i++) {
		const struct seg_case *c = &seg_cases[i];
		int r = find_rule(rs, c->rule), failures = check_failures;
		const uint32_t *cand = NULL;
		int n;

		CHECK(r >= 0);
		CHECK_INT(c->seg_end[c->nseg - 1], strlen(c->text));
		CHECK_INT(ruleset_scan(rs, sc, c->text, strlen(c->text), c->seg_end,
				       c->nseg), 0);
		for (size_t k = 0; k < c->nseg; k++) {
			n = ruleset_segment_candidates(rs, sc, k, &cand);
			CHECK(n >= 0);
			CHECK_INT(in_list(cand, n, r), c->want[k]);
		}
		n = ruleset_segment_candidates(rs, sc, RULESET_ALL, &cand);
		CHECK_INT(in_list(cand, n, r), c->want_all);
		CHECK_INT(ruleset_segment_candidates(rs, sc, c->nseg, &cand), -1);
		if (failures != check_failures)
			fprintf(stderr, "segment case %zu: %s on \"%s\"\n", i, c->rule,
				c->text);
	}
	/* Segments out of order are an error, not a crash. */
	if (sc) {
		const uint32_t bad[2] = {20, 10};

		CHECK_INT(ruleset_scan(rs, sc, "a zebra 1. a zebra 2.", 21, bad, 2), -1);
	}
	ruleset_scratch_destroy(sc);
	ruleset_destroy(rs);
	diag_clear(&d);
	unlink(path);
}

/* Big lists are matched from the article's occurrence index when the
 * subject lies inside the scanned text, and by hashing otherwise: both must
 * give the same matches and captures. */
struct occ_case {
	const char *rule;
	const char *text;
	size_t from;         /* subject starts here (a later sentence) */
	int want;            /* 1 match, 0 none */
	const char *capture; /* group 1, when it matches */
};

static const struct occ_case occ_cases[] = {
	{"cs", "The US said so.", 0, 1, "US"},
	{"cs", "Tell us more.", 0, 0, NULL},
	{"cs", "Ask the U.S. now.", 0, 1, "U.S."},
	{"cs", "USA and USB.", 0, 0, NULL},
	{"cs", "Russia's envoy left.", 0, 1, "Russia"},
	{"cs", "Then Russian troops.", 0, 0, NULL},
	{"cs", "A calm day. Later the US said so.", 12, 1, "US"},
	{"cs", "The US said. Tell us more.", 13, 0, NULL},
	{"cs", "A Filler 299, then Filler 3.", 0, 1, "Filler 299"},
	{"cs", "A filler 299 here.", 0, 0, NULL},
	{"ci", "CRUISE MISSILES were fired.", 0, 1, "CRUISE MISSILES"},
	{"ci", "a cruise missile was fired", 0, 1, "cruise missile"},
	{"ci", "the Drone's rotors were fired", 0, 0, NULL},
	{"ci", "the drone was fired", 0, 1, "drone"},
	{"ci", "A lull. Then THING 42 was fired.", 8, 1, "THING 42"},
	{"ci", "thing 420 was fired", 0, 0, NULL},
	/* A union {bigcs|bigci}: a form of either list, each with its own
	 * case rule, the longest first. */
	{"un", "The US then", 0, 1, "US"},
	{"un", "a CRUISE MISSILE then", 0, 1, "CRUISE MISSILE"},
	{"un", "tell us then", 0, 0, NULL},
	{"un", "Filler 12 then", 0, 1, "Filler 12"},
	{"un", "A quiet day. A drone then", 13, 1, "drone"},
};

static void run_occurrences(void)
{
	size_t cap = 1 << 16, n = 0;
	char *yaml = malloc(cap);
	struct diag d = {0};
	struct ruleset *rs = NULL;
	struct ruleset_scratch *sc = NULL;

	CHECK(yaml != NULL);
	if (!yaml)
		return;
	n += (size_t)snprintf(yaml + n, cap - n, HEAD "lists:\n  bigcs:\n"
			      "    - {name: United States, forms: [U.S., US]}\n"
			      "    - {name: Russia}\n");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(yaml + n, cap - n,
				      "    - {name: Filler %d}\n", i);
	n += (size_t)snprintf(yaml + n, cap - n, "  bigci:\n    case: insensitive\n"
			      "    entries:\n"
			      "      - {name: missile, forms: [missiles, cruise missile, cruise missiles]}\n"
			      "      - {name: drone}\n");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(yaml + n, cap - n,
				      "      - {name: Thing %d}\n", i);
	snprintf(yaml + n, cap - n, "rules:\n"
		 "  - {id: cs, revision: 1, type: T, pattern: '({bigcs})'}\n"
		 "  - {id: ci, revision: 1, type: T, pattern: '({bigci}) (?:was|were) fired'}\n"
		 "  - {id: un, revision: 1, type: T, pattern: '({bigcs|bigci}) then'}\n");
	rs = ruleset_load(write_pack("occ.yaml", yaml), &d);
	free(yaml);
	unlink(write_pack("occ.yaml", ""));
	CHECK(rs != NULL);
	if (rs)
		sc = ruleset_scratch_new(rs, NULL, 0);
	CHECK(sc != NULL);
	for (size_t i = 0; sc && i < sizeof(occ_cases) / sizeof(occ_cases[0]); i++) {
		const struct occ_case *c = &occ_cases[i];
		int r = find_rule(rs, c->rule), failures = check_failures;
		size_t len = strlen(c->text), slen = len - c->from;
		char *copy = strdup(c->text + c->from);
		size_t ov_scanned[4] = {0}, ov_copy[4] = {0};
		const size_t *ov = NULL;
		int got_scanned, got_copy;

		CHECK(r >= 0 && copy != NULL);
		if (r < 0 || !copy) {
			free(copy);
			continue;
		}
		CHECK_INT(ruleset_scan(rs, sc, c->text, len, NULL, 0), 0);
		/* Inside the scanned text: answered from the index. */
		got_scanned = ruleset_match(rs, sc, (uint32_t)r, c->text + c->from,
					    slen, 0, &ov);
		if (got_scanned == 1)
			memcpy(ov_scanned, ov, sizeof(ov_scanned));
		/* The same text elsewhere: answered by hashing. */
		got_copy = ruleset_match(rs, sc, (uint32_t)r, copy, slen, 0, &ov);
		if (got_copy == 1)
			memcpy(ov_copy, ov, sizeof(ov_copy));
		CHECK_INT(got_scanned, c->want);
		CHECK_INT(got_copy, c->want);
		CHECK(memcmp(ov_scanned, ov_copy, sizeof(ov_scanned)) == 0);
		if (got_scanned == 1 && c->capture) {
			CHECK_INT(ov_scanned[3] - ov_scanned[2], strlen(c->capture));
			CHECK(strncmp(c->text + c->from + ov_scanned[2], c->capture,
				      strlen(c->capture)) == 0);
		}
		if (failures != check_failures)
			fprintf(stderr, "occurrence case %zu: %s on \"%s\"\n", i,
				c->rule, c->text);
		free(copy);
	}
	ruleset_scratch_destroy(sc);
	ruleset_destroy(rs);
	diag_clear(&d);
}

/* The hash changes with a pattern and not with a list nobody uses. */
static void run_hash(void)
{
	const char *a = HEAD "rules:\n  - {id: a, revision: 1, type: T, pattern: x}\n";
	const char *b = HEAD "rules:\n  - {id: a, revision: 1, type: T, pattern: y}\n";
	const char *c = HEAD "lists:\n  l: [q]\nrules:\n  - {id: a, revision: 1, type: T, pattern: x}\n";
	struct diag d = {0};
	struct ruleset *ra = ruleset_load(write_pack("h.yaml", a), &d);
	struct ruleset *rb = ruleset_load(write_pack("h.yaml", b), &d);
	struct ruleset *rc = ruleset_load(write_pack("h.yaml", c), &d);

	CHECK(ra && rb && rc);
	if (ra && rb && rc) {
		CHECK(strcmp(ra->hash, rb->hash) != 0);
		CHECK_STR(ra->hash, rc->hash);
	}
	ruleset_destroy(ra);
	ruleset_destroy(rb);
	ruleset_destroy(rc);
	ruleset_destroy(NULL);
	ruleset_scratch_destroy(NULL);
	diag_clear(&d);
	unlink(write_pack("h.yaml", ""));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Big lists: thousands of forms used by many rules still build, quickly,
 * with every rule prefiltered, and match a form from the end of the list.
 * A required big list is a factor too (found by the list scan): a rule
 * that needs one is no candidate where none occurs, a rule that is only a
 * list is prefiltered. A rule whose matches all start with a list is tried
 * only where the list occurs, with the same matches as a plain search. */
static void run_big_lists(void)
{
	size_t cap = 1 << 20, n = 0;
	char *yaml = malloc(cap);
	const int nforms = 1000, nrules = 60;
	struct diag d = {0};
	struct ruleset *rs;
	struct ruleset_scratch *sc;
	double t0;
	int unfiltered = 0;

	CHECK(yaml != NULL);
	if (!yaml)
		return;
	n += (size_t)snprintf(yaml + n, cap - n, HEAD "lists:\n  place:\n");
	for (int i = 0; i < nforms; i++)
		n += (size_t)snprintf(yaml + n, cap - n,
				      "    - {name: Place%d, code: P%d, forms: [Town %d]}\n",
				      i, i % 100, i);
	n += (size_t)snprintf(yaml + n, cap - n, "rules:\n");
	for (int i = 0; i < nrules; i++)
		n += (size_t)snprintf(yaml + n, cap - n,
				      "  - id: r%d\n    revision: 1\n    type: T\n"
				      "    pattern: '(?<a>{place}) verb%d (?:on|in) (?<b>{place})'\n",
				      i, i);
	n += (size_t)snprintf(yaml + n, cap - n,
			      "  - id: opt\n    revision: 1\n    type: T\n"
			      "    pattern: '(?:{place}\\s+)?verbopt'\n"
			      "  - id: only\n    revision: 1\n    type: T\n"
			      "    pattern: '(?<a>{place})'\n");
	t0 = now();
	rs = ruleset_load(write_pack("big.yaml", yaml), &d);
	fprintf(stderr, "note: %d forms x %d rules: load and build %.2f s\n",
		2 * nforms, nrules, now() - t0);
	free(yaml);
	unlink(write_pack("big.yaml", ""));
	CHECK(rs != NULL);
	if (!rs) {
		diag_print(&d, stderr);
		diag_clear(&d);
		return;
	}
	for (size_t i = 0; i < rs->nrules; i++)
		unfiltered += !rs->rules[i].prefiltered;
	CHECK_INT(unfiltered, 0);
	CHECK_INT(gazetteer_size(rs->gz), 2 * nforms);
	sc = ruleset_scratch_new(rs, NULL, 0);
	CHECK(sc != NULL);
	if (sc) {
		const char *t = "Yesterday Town 999 verb7 in Place234 again.";
		const uint32_t *cand = NULL;
		const size_t *ov = NULL;
		int nc = ruleset_candidates(rs, sc, t, strlen(t), &cand);

		CHECK_INT(nc, 2);
		CHECK(nc == 2 && cand[0] == 7 && cand[1] == (uint32_t)nrules + 1);
		CHECK_INT(ruleset_match(rs, sc, 7, t, strlen(t), 0, &ov), 1);
		CHECK(ov && ov[2] == 10 && ov[3] == 18);
		/* The literals of rule 7 without a place: no candidate. */
		t = "Yesterday verb7 in nowhere.";
		nc = ruleset_candidates(rs, sc, t, strlen(t), &cand);
		CHECK_INT(nc, 0);
		/* Matches from each start offset, in the scanned text: the
		 * same as a search from that offset would give. */
		t = "Town 5 verb7 at Town 6, Town 7 verb7 on Place8; verbopt.";
		nc = ruleset_candidates(rs, sc, t, strlen(t), &cand);
		CHECK_INT(nc, 3);
		CHECK_INT(ruleset_match(rs, sc, 7, t, strlen(t), 0, &ov), 1);
		CHECK(ov && ov[0] == 24 && ov[1] == 46);
		CHECK_INT(ruleset_match(rs, sc, 7, t, strlen(t), 25, &ov), 0);
		CHECK_INT(ruleset_match(rs, sc, (uint32_t)nrules + 1, t,
					strlen(t), 7, &ov), 1);
		CHECK(ov && ov[0] == 16 && ov[1] == 22);
		/* A sentence of the scanned text as the subject. */
		CHECK_INT(ruleset_match(rs, sc, (uint32_t)nrules + 1, t + 24,
					strlen(t) - 24, 0, &ov), 1);
		CHECK(ov && ov[0] == 0 && ov[1] == 6);
		/* An optional list first: tried everywhere. */
		CHECK_INT(ruleset_match(rs, sc, (uint32_t)nrules, t, strlen(t),
					0, &ov), 1);
		CHECK(ov && ov[0] == 48 && ov[1] == 55);
		/* A big list is checked by a callout: still case-sensitive,
		 * word-bounded, longest form first. */
		t = "town 999 verb7 in Place234";
		CHECK_INT(ruleset_match(rs, sc, 7, t, strlen(t), 0, &ov), 0);
		t = "Town 9990 verb7 in Place234";
		CHECK_INT(ruleset_match(rs, sc, 7, t, strlen(t), 0, &ov), 0);
		t = "Town 99 verb7 in Place234x, Place23.";
		CHECK_INT(ruleset_match(rs, sc, 7, t, strlen(t), 0, &ov), 0);
		t = "Town 99 verb7 in Place23, Place2.";
		CHECK_INT(ruleset_match(rs, sc, 7, t, strlen(t), 0, &ov), 1);
		CHECK(ov && ov[0] == 0 && ov[1] == 24);
	}
	ruleset_scratch_destroy(sc);
	ruleset_destroy(rs);
	diag_clear(&d);
}

/* Lists of more than 32 forms are callout runs too, with the same matches
 * as spelled out (longest form first, whole words, exact case); a caseless
 * list with a non-ASCII form stays spelled out, so PCRE2 still folds its
 * non-ASCII letters. */
static void run_mid_lists(void)
{
	static const struct {
		const char *text;
		uint32_t rule;
		int want;
		size_t a0, a1;
	} cases[] = {
		{"The Bloc 7 Union said no.", 0, 1, 4, 16},
		{"Bloc 7 said no.", 0, 1, 0, 6},
		{"The Bloc 7 Unions said no.", 0, 0, 0, 0},
		{"the bloc 7 union said no.", 0, 0, 0, 0},
		{"XBloc 70 said no.", 0, 0, 0, 0},
		{"\xc3\xa9MILE3 said so.", 1, 1, 0, 7},
		{"\xc3\x89mile39 said so.", 1, 1, 0, 8},
	};
	struct pack_buf y = {0};
	struct diag d = {0};
	struct ruleset *rs;
	struct ruleset_scratch *sc;

	pack_add(&y, HEAD "lists:\n  mid:\n");
	for (int i = 0; i < 100; i++)
		pack_add(&y, "    - {name: Bloc%d, code: B%d, forms: [Bloc %d, Bloc %d Union]}\n",
			 i, i, i, i);
	pack_add(&y, "  accents:\n    case: insensitive\n    entries:\n");
	for (int i = 0; i < 40; i++)
		pack_add(&y, "      - {name: \"\\u00c9mile%d\", code: E%d}\n", i, i);
	pack_add(&y, "rules:\n"
		 "  - id: mid\n    revision: 1\n    type: T\n"
		 "    pattern: '(?<a>{mid}) said'\n"
		 "  - id: acc\n    revision: 1\n    type: T\n"
		 "    pattern: '(?<a>{accents}) said'\n");
	rs = pack_load("mid.yaml", &y, &d);
	CHECK(rs != NULL);
	if (!rs) {
		diag_print(&d, stderr);
		diag_clear(&d);
		return;
	}
	sc = ruleset_scratch_new(rs, NULL, 0);
	CHECK(sc != NULL);
	/* Both ways: in a scanned text (the occurrence table) and not (the
	 * form sets). */
	for (int scanned = 0; sc && scanned < 2; scanned++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const char *t = cases[i].text;
			const uint32_t *cand = NULL;
			const size_t *ov = NULL;

			CHECK(ruleset_candidates(rs, sc, scanned ? t : "",
						 scanned ? strlen(t) : 0, &cand) >= 0);
			CHECK_INT(ruleset_match(rs, sc, cases[i].rule, t, strlen(t), 0,
						&ov), cases[i].want);
			if (cases[i].want)
				CHECK(ov && ov[2] == cases[i].a0 && ov[3] == cases[i].a1);
		}
	}
	ruleset_scratch_destroy(sc);
	ruleset_destroy(rs);
	diag_clear(&d);
}

/* Loads a pack with the big list {place} (Place0 .. Place299) and one
 * event rule per pattern, ids prefix0, prefix1, ...; NULL when it fails. */
static struct ruleset *places_pack(const char *file, const char *prefix,
				   const char *const *pats, size_t n,
				   struct diag *d)
{
	struct pack_buf y = {0};

	pack_add(&y, HEAD "lists:\n  place:\n");
	for (int i = 0; i < 300; i++)
		pack_add(&y, "    - {name: Place%d, code: P%d}\n", i, i);
	pack_add(&y, "rules:\n");
	for (size_t i = 0; i < n; i++)
		pack_add(&y, "  - id: %s%zu\n    revision: 1\n    type: T\n"
			 "    pattern: '%s'\n", prefix, i, pats[i]);
	return pack_load(file, &y, d);
}

/* Rules that look list-led to a scanner blind to comments and \c are not
 * anchored: each still finds its other branch where no list occurs. */
static void run_anchor_guards(void)
{
	static const char *const pats[] = {
		"{place}(?#see (below)|verbz",
		"{place}(?#[)|verbz",
		"(?:{place}(?#()|verbz)",
		"{place}\\c(|verbz",
	};
	struct diag d = {0};
	struct ruleset *rs;
	struct ruleset_scratch *sc;

	rs = places_pack("guards.yaml", "g", pats, sizeof(pats) / sizeof(pats[0]),
			 &d);
	CHECK(rs != NULL);
	sc = rs ? ruleset_scratch_new(rs, NULL, 0) : NULL;
	CHECK(sc != NULL);
	for (size_t i = 0; sc && i < rs->nrules; i++) {
		const char *t = "Place7 and nothing but verbz.";
		const uint32_t *cand = NULL;
		const size_t *ov = NULL;

		CHECK(ruleset_candidates(rs, sc, t, strlen(t), &cand) >= 0);
		CHECK_INT(ruleset_match(rs, sc, (uint32_t)i, t, strlen(t), 1, &ov), 1);
		CHECK(ov && ov[0] == 23 && ov[1] == 28);
	}
	if (!rs)
		diag_print(&d, stderr);
	ruleset_scratch_destroy(sc);
	ruleset_destroy(rs);
	diag_clear(&d);
}

/* Inside the scanned text, ruleset_match() stops PCRE2 from starting a
 * match beyond the last occurrence of each factor set, and skips a call
 * when a set has none left: it must find exactly what an unbounded search
 * finds (the same text outside the scan), match after match, for rules
 * with one set, several, a big list, a set mixing a list and a literal,
 * and a list-led (anchored) rule, in sentences of random words. */
static void run_start_limits(void)
{
	static const char *const words[] = {
		"attack", "on", "met", "with", "capital", "was", "were", "hit",
		"talks", "ended", "killed", "kills", "said", "12", "the", "x",
		"Place1", "Place2", "Place3", "Place4", "Place5", "Place2 was",
	};
	static const char *const pats[] = {
		"attack\\s+on\\s+(\\w+)",
		"(\\w+)\\s+met\\s+(?:with\\s+)?({place})",
		"(?:{place}|capital)\\s+(?:was|were)\\s+hit",
		"talks\\b.*?\\bended",
		"(?:killed|kills)\\s+(\\d+)",
		"({place})\\s+said",
	};
	struct diag d = {0};
	struct ruleset *rs;
	struct ruleset_scratch *sc;
	unsigned seed = 99;
	int diffs = 0, matches = 0;

	rs = places_pack("limits.yaml", "l", pats, sizeof(pats) / sizeof(pats[0]),
			 &d);
	CHECK(rs != NULL);
	sc = rs ? ruleset_scratch_new(rs, NULL, 0) : NULL;
	CHECK(sc != NULL);
	for (int round = 0; sc && round < 400; round++) {
		char text[1024];
		uint32_t seg_end[64];
		size_t len = 0, nseg = 0;

		for (int w = 0; w < 48; w++) {
			seed = seed * 1103515245u + 12345u;
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s",
						w ? " " : "",
						words[(seed >> 16) % (sizeof(words) / sizeof(words[0]))]);
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 9 == 0 || w == 47) {
				len += (size_t)snprintf(text + len, sizeof(text) - len, ".");
				seg_end[nseg++] = (uint32_t)len;
			}
		}
		CHECK_INT(ruleset_scan(rs, sc, text, len, seg_end, nseg), 0);
		/* Each sentence, and the whole text as one subject. */
		for (size_t k = 0; k <= nseg; k++) {
			size_t s0 = k == nseg ? 0 : k ? seg_end[k - 1] : 0;
			size_t s1 = k == nseg ? len : seg_end[k];
			char *copy = strndup(text + s0, s1 - s0);

			for (uint32_t r = 0; copy && r < rs->nrules; r++) {
				size_t start = 0;

				while (start <= s1 - s0) {
					const size_t *ov = NULL;
					size_t a[6] = {0}, b[6] = {0};
					int ga = ruleset_match(rs, sc, r, text + s0,
							       s1 - s0, start, &ov);

					if (ga == 1)
						memcpy(a, ov, sizeof(a));
					int gb = ruleset_match(rs, sc, r, copy, s1 - s0,
							       start, &ov);

					if (gb == 1)
						memcpy(b, ov, sizeof(b));
					if (ga != gb || memcmp(a, b, sizeof(a)) != 0) {
						fprintf(stderr, "rule %s from %zu: %d [%zu,%zu) "
							"against %d [%zu,%zu) in \"%.*s\"\n",
							rs->rules[r].id, start, ga, a[0], a[1], gb,
							b[0], b[1], (int)(s1 - s0), copy);
						diffs++;
					}
					if (gb != 1)
						break;
					matches++;
					start = b[1] > b[0] ? b[1] : b[0] + 1;
				}
			}
			free(copy);
		}
	}
	CHECK_INT(diffs, 0);
	CHECK(matches > 1000);
	if (!rs)
		diag_print(&d, stderr);
	ruleset_scratch_destroy(sc);
	ruleset_destroy(rs);
	diag_clear(&d);
}

/* The committed pack with three deliberate errors: exactly three, each with
 * its file:line, and no ruleset. */
static void run_three_errors(void)
{
	static const struct want_diag want[] = {
		{"pack.yaml:24:", "rule \"strike.typo_macro\": pattern: unknown macro {CITTY}"},
		{"pack.yaml:30:", "rule \"strike.unbalanced\": pattern: missing closing parenthesis"},
		{"pack.yaml:39:", "rule \"summit.bad_exclusion\": exclude[1]: quantifier does not follow"},
	};
	struct diag d = {0};
	struct ruleset *rs = ruleset_load(EVX_TEST_DATA "/packs/three_errors", &d);

	CHECK(rs == NULL);
	CHECK_INT(d.nerrors, 3);
	for (size_t i = 0; i < 3; i++)
		CHECK(has_diag(&d, &want[i]));
	if (d.nerrors != 3)
		diag_print(&d, stderr);
	ruleset_destroy(rs);
	diag_clear(&d);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	run_err_cases();
	run_match_cases();
	run_segments();
	run_occurrences();
	run_hash();
	run_big_lists();
	run_anchor_guards();
	run_mid_lists();
	run_start_limits();
	run_three_errors();
	CHECK(rmdir(tmpdir) == 0);
	return CHECK_DONE();
}
