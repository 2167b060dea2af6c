/*
 * test_rulepack.c - rule pack YAML in, specs or file:line diagnostics out.
 *
 * Each case writes its files (YAML from string literals) to a fresh
 * temporary directory, loads the directory (or the one file, when the case
 * says so) and checks the number of errors, that every expected diagnostic
 * appears (a "file:line:" substring and a message substring in the same
 * message), and for loads that succeed the counts of what was read.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "limits.h"
#include "rulepack.h"

#define MAX_FILES 3
#define MAX_WANT 4

struct file_spec {
	const char *name;   /* relative path; "sub/x.yaml" makes sub/ */
	const char *text;
};

struct want_diag {
	const char *where;  /* e.g. "f.yaml:3:" */
	const char *msg;    /* substring of the same message */
};

struct counts {
	int packs, lists, macros, rules, match, no_match;
};

struct rp_case {
	const char *name;
	int load_file;      /* load the first file, not the directory */
	struct file_spec files[MAX_FILES];
	int nerrors;
	struct want_diag want[MAX_WANT];
	struct counts counts;  /* checked when nerrors == 0 */
};

#define HEAD "pack: core\nversion: 1.0.0\n"

static const struct rp_case cases[] = {
	{"missing pack", 1,
	 {{"f.yaml", "version: 1.0.0\nrules: []\n"}}, 1,
	 {{"f.yaml:1:", "missing \"pack\""}}, {0}},
	{"bad semver", 1,
	 {{"f.yaml", "pack: core\nversion: 1.0\n"}}, 2,
	 {{"f.yaml:2:", "not semver"}, {"f.yaml:1:", "has no version"}}, {0}},
	{"semver with leading zero", 1,
	 {{"f.yaml", "pack: core\nversion: 1.02.0\n"}}, 2,
	 {{"f.yaml:2:", "version \"1.02.0\" is not semver"}}, {0}},
	{"version twice", 0,
	 {{"a.yaml", HEAD}, {"b.yaml", "pack: core\n\nversion: 1.0.1\n"}}, 1,
	 {{"b.yaml:3:", "already given at "}, {"b.yaml:3:", "a.yaml:2"}}, {0}},
	{"no version in any file", 0,
	 {{"a.yaml", "pack: core\n"}, {"b.yaml", "pack: core\n"}}, 1,
	 {{"a.yaml:1:", "pack \"core\" has no version"}}, {0}},
	{"unknown key at top", 1,
	 {{"f.yaml", HEAD "rulez: []\n"}}, 1,
	 {{"f.yaml:3:", "unknown key \"rulez\""}}, {0}},
	{"unknown key in rule", 1,
	 {{"f.yaml", HEAD "rules:\n  - id: a\n    revision: 1\n    type: STRIKE\n"
		     "    pattern: x\n    patern: y\n"}}, 1,
	 {{"f.yaml:8:", "rule \"a\": unknown key \"patern\""}}, {0}},
	{"unknown key in entry and example", 1,
	 {{"f.yaml", HEAD "lists:\n  c:\n    - {name: A, cod: X}\n"
		     "rules:\n  - id: a\n    revision: 1\n    type: T\n    pattern: x\n"
		     "    examples:\n      no_match:\n        - {text: t, expect: {a: 1}}\n"}}, 2,
	 {{"f.yaml:5:", "unknown key \"cod\""},
	  {"f.yaml:13:", "unknown key \"expect\" in a no_match example"}}, {0}},
	{"key given twice", 1,
	 {{"f.yaml", HEAD "rules:\n  - id: a\n    revision: 1\n    type: T\n"
		     "    pattern: x\n    pattern: y\n"}}, 1,
	 {{"f.yaml:8:", "key \"pattern\" given twice"}}, {0}},
	{"duplicate rule id across files", 0,
	 {{"a.yaml", HEAD "rules:\n  - id: dup\n    revision: 1\n    type: T\n    pattern: x\n"},
	  {"b/c.yaml", "pack: core\nrules:\n  - id: ok\n    revision: 1\n    type: T\n"
		       "    pattern: x\n  - id: dup\n    revision: 2\n    type: T\n    pattern: y\n"}}, 1,
	 {{"b/c.yaml:7:", "rule \"dup\" already defined at "}, {"b/c.yaml:7:", "a.yaml:4"}}, {0}},
	{"duplicate list and macro names", 0,
	 {{"a.yaml", HEAD "lists:\n  country: [France]\nmacros:\n  num: '\\d+'\n"},
	  {"b.yaml", "pack: core\nlists:\n  country: [Spain]\nmacros:\n  num: '\\d'\n  country: x\n"}}, 3,
	 {{"b.yaml:3:", "list \"country\" already defined at "},
	  {"b.yaml:5:", "macro \"num\" already defined at "},
	  {"b.yaml:6:", "macro \"country\" has the name of the list defined at "}}, {0}},
	{"type and fill", 1,
	 {{"f.yaml", HEAD "rules:\n  - id: a\n    revision: 1\n    type: T\n"
		     "    fill: [T]\n    pattern: x\n"}}, 1,
	 {{"f.yaml:7:", "\"type\" or \"fill\", not both"}}, {0}},
	{"neither type nor fill", 1,
	 {{"f.yaml", HEAD "rules:\n  - id: a\n    revision: 1\n    pattern: x\n"}}, 1,
	 {{"f.yaml:4:", "missing \"type\""}}, {0}},
	{"bad type names", 1,
	 {{"f.yaml", HEAD "rules:\n  - id: a\n    revision: 1\n    type: strike\n    pattern: x\n"
		     "  - id: b\n    revision: 1\n    fill: [SUMMIT, bad]\n    pattern: x\n"}}, 2,
	 {{"f.yaml:6:", "type \"strike\" must be upper case"},
	  {"f.yaml:10:", "fill type \"bad\""}}, {0}},
	{"missing pattern", 1,
	 {{"f.yaml", HEAD "rules:\n  - id: a\n    revision: 1\n    type: T\n"}}, 1,
	 {{"f.yaml:4:", "rule \"a\": missing \"pattern\""}}, {0}},
	{"bad revisions", 1,
	 {{"f.yaml", HEAD "rules:\n  - id: a\n    revision: 0\n    type: T\n    pattern: x\n"
		     "  - id: b\n    revision: two\n    type: T\n    pattern: x\n"
		     "  - id: c\n    revision: 99999999999\n    type: T\n    pattern: x\n"
		     "  - id: d\n    type: T\n    pattern: x\n"}}, 4,
	 {{"f.yaml:5:", "rule \"a\": revision must be a positive integer"},
	  {"f.yaml:9:", "not \"two\""}, {"f.yaml:13:", "rule \"c\""},
	  {"f.yaml:16:", "missing \"revision\""}}, {0}},
	{"bad id, scope and rule shape", 1,
	 {{"f.yaml", HEAD "rules:\n  - id: 'a b'\n    revision: 1\n    type: T\n    pattern: x\n"
		     "  - id: s\n    revision: 1\n    type: T\n    pattern: x\n    scope: page\n"
		     "  - just a string\n"}}, 3,
	 {{"f.yaml:4:", "rule id \"a b\""}, {"f.yaml:12:", "scope must be"},
	  {"f.yaml:13:", "a rule must be a mapping"}}, {0}},
	{"yaml syntax error", 1,
	 {{"f.yaml", HEAD "rules:\n  - id: a\n    pattern: 'unclosed\n"}}, 1,
	 {{"f.yaml:", "YAML syntax error"}}, {0}},
	{"yaml syntax error has its line", 1,
	 {{"f.yaml", HEAD "lists:\n  a: [x, y\n  b: z\nrules: x: y\n"}}, 1,
	 {{"f.yaml:", "YAML syntax error: did not find expected"}}, {0}},
	{"bad list shapes", 1,
	 {{"f.yaml", HEAD "lists:\n  9bad: [x]\n  empty: []\n  c:\n    case: maybe\n    entries: [x]\n"
		     "  d: {case: insensitive}\n  e:\n    - {code: XX}\n"}}, 5,
	 {{"f.yaml:4:", "list name \"9bad\""}, {"f.yaml:5:", "list \"empty\" has no entries"},
	  {"f.yaml:7:", "case must be"}, {"f.yaml:11:", "list entry without \"name\""}}, {0}},
	{"macro must be a string", 1,
	 {{"f.yaml", HEAD "macros:\n  a: [x]\n  b-c: x\n"}}, 2,
	 {{"f.yaml:4:", "a macro must be a string"}, {"f.yaml:5:", "macro name \"b-c\""}}, {0}},
	{"example shapes", 1,
	 {{"f.yaml", HEAD "rules:\n  - id: a\n    revision: 1\n    type: T\n    pattern: x\n"
		     "    examples:\n      match:\n        - {published_at: '2025-01-01'}\n"
		     "        - {text: t, published_at: yesterday}\n      maybe: []\n"}}, 3,
	 {{"f.yaml:10:", "example without \"text\""},
	  {"f.yaml:11:", "published_at \"yesterday\""}, {"f.yaml:12:", "unknown key \"maybe\""}}, {0}},
	{"alias of a mapping", 1,
	 {{"f.yaml", HEAD "lists:\n  a: &x [p, q]\n  b: *x\n"}}, 1,
	 {{"f.yaml:4:", "aliases"}}, {0}},
	{"empty file", 1, {{"f.yaml", "# nothing\n"}}, 1,
	 {{"f.yaml", "empty file"}}, {0}},
	{"two documents", 1, {{"f.yaml", HEAD "---\npack: core\n"}}, 1,
	 {{"f.yaml:4:", "one YAML document per file"}}, {0}},
	{"good pack", 0,
	 {{"core.yaml", HEAD "description: the core pack\n"
		 "macros:\n  num: '(?:\\d+|one|two)'\n  kill: 'kill(?:ed|s)?'\n"
		 "rules:\n"
		 "  - id: strike.weapon_attack\n    revision: 3\n    type: STRIKE\n"
		 "    scope: paragraph\n    pattern: '(?<attacker>{country}) (?<weapons>{weapon})'\n"
		 "    exclude: 'strike a deal'\n    set: {status: held, tags: [a, b]}\n"
		 "    examples:\n      match:\n        - text: 'Russian missiles hit'\n"
		 "          published_at: '2025-09-04'\n"
		 "          expect: {attacker: Russia, killed: 2, weapons: [missile]}\n"
		 "        - 'Russia drone'\n      no_match:\n        - 'nothing'\n"
		 "        - {text: 'no', published_at: '2025-09-04T10:00:00Z'}\n"
		 "  - id: fill.date\n    revision: 1\n    fill: [STRIKE, SUMMIT]\n"
		 "    pattern: 'on (?<date>Monday)'\n"},
	  {"lists/places.yml", "pack: core\nlists:\n"
		 "  country:\n    - {name: Russia, code: RU, forms: [Russian Federation, Russia]}\n"
		 "    - {name: Ukraine, code: UA}\n    - Paris\n"
		 "  weapon:\n    case: insensitive\n    entries:\n"
		 "      - {name: missile, forms: [missiles, cruise missile]}\n"},
	  {"lists/README.txt", "not: [yaml"}}, 0, {{0}},
	 {1, 2, 2, 2, 2, 2}},
	{"name_is_form: false and an entry with no other form", 1,
	 {{"f.yaml", HEAD "lists:\n  demonym:\n    name_is_form: false\n"
		     "    entries:\n      - {name: France, forms: [French]}\n"
		     "      - {name: Chad}\n"}}, 1,
	 {{"f.yaml:8:", "entry \"Chad\" has no forms and its list has name_is_form: false"}},
	 {0}},
	{"name_is_form with a bad value", 1,
	 {{"f.yaml", HEAD "lists:\n  demonym:\n    name_is_form: maybe\n"
		     "    entries:\n      - {name: France, forms: [French]}\n"}}, 1,
	 {{"f.yaml:5:", "name_is_form must be true or false"}}, {0}},
	{"two packs", 0,
	 {{"a.yaml", HEAD}, {"b.yaml", "pack: extra\nversion: 0.1.0\nrules:\n"
				"  - {id: x, revision: 1, type: X, pattern: x}\n"}}, 0, {{0}},
	 {2, 0, 0, 1, 0, 0}},
};

static int make_parents(const char *dir, const char *rel)
{
	char path[512];
	const char *slash = strchr(rel, '/');
	int n;

	if (!slash)
		return 0;
	n = snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(slash - rel), rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	return mkdir(path, 0700) == 0 || access(path, F_OK) == 0 ? 0 : -1;
}

static void remove_case_files(const char *dir, const struct rp_case *c)
{
	char path[512];

	for (int i = 0; i < MAX_FILES && c->files[i].name; i++) {
		const char *slash = strchr(c->files[i].name, '/');
		int n = snprintf(path, sizeof(path), "%s/%s", dir,
				 c->files[i].name);

		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		unlink(path);
		if (slash) {
			n = snprintf(path, sizeof(path), "%s/%.*s", dir,
				     (int)(slash - c->files[i].name),
				     c->files[i].name);
			if (n >= 0 && (size_t)n < sizeof(path))
				rmdir(path);
		}
	}
}

static int has_diag(const struct diag *d, const struct want_diag *w)
{
	for (size_t i = 0; i < d->nmsg; i++)
		if (strstr(d->msg[i], w->where) && strstr(d->msg[i], w->msg))
			return 1;
	return 0;
}

static void run_case(const char *tmp, const struct rp_case *c)
{
	char dir[512], path[600];
	struct diag d = {0};
	struct rulepack *rp;
	int failures = check_failures;

	snprintf(dir, sizeof(dir), "%s/case", tmp);
	CHECK(mkdir(dir, 0700) == 0);
	for (int i = 0; i < MAX_FILES && c->files[i].name; i++) {
		FILE *fp;

		CHECK(make_parents(dir, c->files[i].name) == 0);
		snprintf(path, sizeof(path), "%s/%s", dir, c->files[i].name);
		fp = fopen(path, "w");
		CHECK(fp != NULL);
		if (fp) {
			fputs(c->files[i].text, fp);
			fclose(fp);
		}
	}
	if (c->load_file)
		snprintf(path, sizeof(path), "%s/%s", dir, c->files[0].name);
	rp = rulepack_load(c->load_file ? path : dir, &d);
	CHECK_INT(d.nerrors, c->nerrors);
	CHECK(c->nerrors ? rp == NULL : rp != NULL);
	for (int i = 0; i < MAX_WANT && c->want[i].where; i++) {
		if (!has_diag(&d, &c->want[i]))
			fprintf(stderr, "missing diagnostic \"%s ... %s\"\n",
				c->want[i].where, c->want[i].msg);
		CHECK(has_diag(&d, &c->want[i]));
	}
	if (rp) {
		size_t nmatch = 0, nno = 0;

		CHECK_INT(rp->npacks, c->counts.packs);
		CHECK_INT(rp->nlists, c->counts.lists);
		CHECK_INT(rp->nmacros, c->counts.macros);
		CHECK_INT(rp->nrules, c->counts.rules);
		for (size_t i = 0; i < rp->nrules; i++) {
			nmatch += rp->rules[i].nmatch;
			nno += rp->rules[i].nno_match;
		}
		CHECK_INT(nmatch, c->counts.match);
		CHECK_INT(nno, c->counts.no_match);
	}
	if (check_failures != failures) {
		fprintf(stderr, "case \"%s\" failed; diagnostics:\n", c->name);
		diag_print(&d, stderr);
	}
	rulepack_destroy(rp);
	diag_clear(&d);
	remove_case_files(dir, c);
	CHECK(rmdir(dir) == 0);
}

/* The good pack read field by field: what rules and lists hold. */
static void check_good_pack(const char *tmp)
{
	char dir[512];
	struct diag d = {0};
	struct rulepack *rp;
	const struct rp_case *c = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(cases[i].name, "good pack") == 0)
			c = &cases[i];
	CHECK(c != NULL);
	if (!c)
		return;
	snprintf(dir, sizeof(dir), "%s/case", tmp);
	mkdir(dir, 0700);
	for (int i = 0; i < MAX_FILES && c->files[i].name; i++) {
		char path[600];
		FILE *fp;

		make_parents(dir, c->files[i].name);
		snprintf(path, sizeof(path), "%s/%s", dir, c->files[i].name);
		fp = fopen(path, "w");
		if (fp) {
			fputs(c->files[i].text, fp);
			fclose(fp);
		}
	}
	rp = rulepack_load(dir, &d);
	CHECK(rp != NULL);
	if (rp) {
		const struct rp_rule *r = &rp->rules[0];
		const struct rp_list *l = &rp->lists[0];

		CHECK_STR(rp->packs[0].name, "core");
		CHECK_STR(rp->packs[0].version, "1.0.0");
		CHECK_STR(rp->packs[0].description, "the core pack");
		CHECK(strstr(rp->packs[0].file, "core.yaml") != NULL);
		CHECK_INT(rp->packs[0].line, 2);
		CHECK_INT(rp->nfiles, 2);  /* README.txt is not read */
		CHECK_STR(r->id, "strike.weapon_attack");
		CHECK_INT(r->revision, 3);
		CHECK_STR(r->type, "STRIKE");
		CHECK_INT(r->scope, RP_SCOPE_PARAGRAPH);
		CHECK_STR(r->pack, "core");
		CHECK_INT(r->line, 8);
		CHECK_INT(r->pattern_line, 12);
		CHECK_INT(r->nexclude, 1);
		CHECK_INT(r->exclude_line[0], 13);
		CHECK_INT(r->nset, 2);
		CHECK_STR(r->set[1].key, "tags");
		CHECK_INT(r->set[1].nvals, 2);
		CHECK_STR(r->match[0].published_at, "2025-09-04");
		CHECK_INT(r->match[0].nexpect, 3);
		CHECK_STR(r->match[0].expect[2].vals[0], "missile");
		CHECK(r->match[1].published_at == NULL);
		CHECK_STR(r->match[1].text, "Russia drone");
		CHECK(rp->rules[1].type == NULL);
		CHECK_INT(rp->rules[1].nfill, 2);
		CHECK_STR(rp->rules[1].fill[1], "SUMMIT");
		CHECK_STR(l->name, "country");
		CHECK_INT(l->caseless, 0);
		CHECK_INT(l->nentries, 3);
		/* The name is a form, listed once even when repeated. */
		CHECK_INT(l->entries[0].nforms, 2);
		CHECK_STR(l->entries[0].forms[0], "Russia");
		CHECK_STR(l->entries[0].code, "RU");
		CHECK_STR(l->entries[2].name, "Paris");
		CHECK_STR(l->entries[2].code, "");
		CHECK_INT(l->entries[2].nforms, 1);
		CHECK_INT(rp->lists[1].caseless, 1);
		CHECK_INT(rp->lists[1].entries[0].nforms, 3);
		CHECK(strstr(l->file, "lists/places.yml") != NULL);
		CHECK_INT(l->line, 3);
	}
	rulepack_destroy(rp);
	diag_clear(&d);
	remove_case_files(dir, c);
	rmdir(dir);
}

/* name_is_form: what forms an entry ends with. */
struct nif_case {
	const char *yaml;
	int nforms;             /* of the list's first entry */
	const char *forms[3];
};

static const struct nif_case nif_cases[] = {
	/* The default: the name is a form, first. */
	{HEAD "lists:\n  d:\n    - {name: France, forms: [French]}\n",
	 2, {"France", "French"}},
	{HEAD "lists:\n  d:\n    name_is_form: true\n    entries:\n"
	 "      - {name: France, forms: [French]}\n", 2, {"France", "French"}},
	/* false: only the forms given. */
	{HEAD "lists:\n  d:\n    name_is_form: false\n    entries:\n"
	 "      - {name: France, forms: [French, Frenchman]}\n",
	 2, {"French", "Frenchman"}},
	{HEAD "lists:\n  d:\n    name_is_form: false\n    case: insensitive\n"
	 "    entries:\n      - {name: Paris, code: FR, forms: [France]}\n",
	 1, {"France"}},
};

static void check_name_is_form(const char *tmp)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/nif.yaml", tmp);
	for (size_t i = 0; i < sizeof(nif_cases) / sizeof(nif_cases[0]); i++) {
		const struct nif_case *c = &nif_cases[i];
		struct diag d = {0};
		struct rulepack *rp;
		FILE *fp = fopen(path, "w");
		int failures = check_failures;

		CHECK(fp != NULL);
		if (!fp)
			return;
		fputs(c->yaml, fp);
		fclose(fp);
		rp = rulepack_load(path, &d);
		CHECK(rp != NULL);
		CHECK_INT(d.nerrors, 0);
		if (rp) {
			const struct rp_entry *e = &rp->lists[0].entries[0];

			CHECK_INT(e->nforms, c->nforms);
			for (int k = 0; k < c->nforms && k < (int)e->nforms; k++)
				CHECK_STR(e->forms[k], c->forms[k]);
		}
		if (failures != check_failures) {
			fprintf(stderr, "name_is_form case %zu failed\n", i);
			diag_print(&d, stderr);
		}
		rulepack_destroy(rp);
		diag_clear(&d);
		unlink(path);
	}
}

/* A file over EVX_MAX_PACK_FILE_BYTES is refused without being parsed. */
static void check_too_big(const char *tmp)
{
	char path[512];
	struct diag d = {0};
	FILE *fp;

	snprintf(path, sizeof(path), "%s/big.yaml", tmp);
	fp = fopen(path, "w");
	CHECK(fp != NULL);
	if (!fp)
		return;
	fputs(HEAD, fp);
	CHECK(fseek(fp, EVX_MAX_PACK_FILE_BYTES, SEEK_SET) == 0);
	fputs("# end\n", fp);
	fclose(fp);
	CHECK(rulepack_load(path, &d) == NULL);
	CHECK_INT(d.nerrors, 1);
	CHECK(d.nmsg == 1 && strstr(d.msg[0], "over the limit") != NULL);
	diag_clear(&d);
	unlink(path);
	snprintf(path, sizeof(path), "%s/does-not-exist", tmp);
	CHECK(rulepack_load(path, &d) == NULL);
	CHECK(d.nmsg == 1 && strstr(d.msg[0], "cannot read") != NULL);
	diag_clear(&d);
}

int main(void)
{
	char tmp[] = "/tmp/evx_test_rulepack_XXXXXX";

	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(tmp, &cases[i]);
	check_good_pack(tmp);
	check_too_big(tmp);
	check_name_is_form(tmp);
	rulepack_destroy(NULL);
	CHECK(rmdir(tmp) == 0);
	return CHECK_DONE();
}
