/*
 * test_opts.c - the option table: parsing, defaults, bounds, errors, help.
 *
 * One table of every option type drives all cases: each case is an argv,
 * the expected result (ok, help, or an error containing a given text) and
 * the values expected afterwards. The help test checks that the generated
 * text lists every option of the table with its default.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "opts.h"

struct t_opts {
	int quiet;
	const char *format;
	long runs;
	size_t max_bytes;
	double min_recall;
	struct opt_list gold;
	const char *output;
};

static const struct opt_spec t_table[] = {
	{.name = "quiet", .shortname = 'q', .type = OPT_FLAG,
	 .offset = offsetof(struct t_opts, quiet), .help = "say less"},
	{.name = "format", .shortname = 'f', .type = OPT_STRING, .def = "json",
	 .choices = "json|pb", .offset = offsetof(struct t_opts, format),
	 .arg = "FORMAT", .help = "output format"},
	{.name = "runs", .shortname = 'n', .type = OPT_INT, .defval = 5,
	 .min = 1, .max = 100, .offset = offsetof(struct t_opts, runs),
	 .arg = "N", .help = "timed runs"},
	{.name = "max-bytes", .type = OPT_SIZE, .defval = 1024 * 1024,
	 .min = 1024, .max = 1024.0 * 1024 * 1024,
	 .offset = offsetof(struct t_opts, max_bytes), .arg = "SIZE",
	 .help = "largest line"},
	{.name = "min-recall", .type = OPT_DOUBLE, .defval = 0, .min = 0,
	 .max = 1, .offset = offsetof(struct t_opts, min_recall), .arg = "X",
	 .help = "lowest recall"},
	{.name = "gold", .shortname = 'g', .type = OPT_LIST,
	 .offset = offsetof(struct t_opts, gold), .arg = "FILE",
	 .help = "gold file"},
	{.name = "output", .shortname = 'o', .type = OPT_STRING,
	 .offset = offsetof(struct t_opts, output), .arg = "FILE",
	 .help = "where to write"},
	{0},
};

struct t_case {
	const char *name;
	const char *argv[10];   /* after the command name; NULL-terminated */
	int rc;                 /* OPTS_OK, OPTS_HELP or OPTS_ERR */
	const char *err;        /* OPTS_ERR: text the message must contain */
	/* expected values when rc is OPTS_OK */
	int quiet;
	const char *format;
	long runs;
	size_t max_bytes;
	double min_recall;
	size_t ngold;
	const char *gold1;      /* second --gold, when ngold is 2 */
	const char *output;
	int nargs;
	const char *arg1, *arg2; /* the first two arguments */
};

static const struct t_case t_cases[] = {
	{"defaults", {NULL}, OPTS_OK, NULL, 0, "json", 5, 1024 * 1024, 0, 0,
	 NULL, NULL, 0, NULL, NULL},
	{"all long forms", {"--quiet", "--format", "pb", "--runs=7",
	 "--max-bytes", "64k", "--min-recall", "0.5", "--output=x", NULL},
	 OPTS_OK, NULL, 1, "pb", 7, 64 * 1024, 0.5, 0, NULL, "x", 0, NULL, NULL},
	{"short forms and bundling", {"-qn3", "-fpb", "-o", "out.pb", NULL},
	 OPTS_OK, NULL, 1, "pb", 3, 1024 * 1024, 0, 0, NULL, "out.pb", 0, NULL,
	 NULL},
	{"arguments mixed with options keep their order",
	 {"a.jsonl", "-q", "-", "--runs", "2", "b.jsonl", NULL}, OPTS_OK, NULL,
	 1, "json", 2, 1024 * 1024, 0, 0, NULL, NULL, 3, "a.jsonl", "-"},
	{"double dash ends the options", {"--", "--quiet", NULL}, OPTS_OK, NULL,
	 0, "json", 5, 1024 * 1024, 0, 0, NULL, NULL, 1, "--quiet", NULL},
	{"a list option repeats", {"-g", "a", "--gold=b", NULL}, OPTS_OK, NULL,
	 0, "json", 5, 1024 * 1024, 0, 2, "b", NULL, 0, NULL, NULL},
	{"size suffixes", {"--max-bytes", "2M", NULL}, OPTS_OK, NULL, 0, "json",
	 5, 2 * 1024 * 1024, 0, 0, NULL, NULL, 0, NULL, NULL},
	{"bounds are inclusive", {"--runs", "100", "--max-bytes", "1024",
	 "--min-recall", "1", NULL}, OPTS_OK, NULL, 0, "json", 100, 1024, 1, 0,
	 NULL, NULL, 0, NULL, NULL},
	{.name = "help", .argv = {"--runs", "3", "--help", NULL}, .rc = OPTS_HELP},
	{.name = "short help", .argv = {"-h", NULL}, .rc = OPTS_HELP},
	{.name = "below the minimum",
	 .argv = {"--max-bytes", "5", NULL}, .rc = OPTS_ERR,
	 .err = "--max-bytes: 5 is below the minimum of 1024"},
	{.name = "above the maximum",
	 .argv = {"--runs", "101", NULL}, .rc = OPTS_ERR,
	 .err = "--runs: 101 is above the maximum of 100"},
	{.name = "double out of bounds",
	 .argv = {"--min-recall=1.5", NULL}, .rc = OPTS_ERR,
	 .err = "--min-recall: 1.5 is above the maximum of 1"},
	{.name = "unknown long option",
	 .argv = {"--colour", NULL}, .rc = OPTS_ERR,
	 .err = "unknown option --colour"},
	{.name = "unknown long option with a value",
	 .argv = {"--colour=red", NULL}, .rc = OPTS_ERR,
	 .err = "unknown option --colour"},
	{.name = "unknown short option",
	 .argv = {"-x", NULL}, .rc = OPTS_ERR,
	 .err = "unknown option -x"},
	{.name = "missing value",
	 .argv = {"--runs", NULL}, .rc = OPTS_ERR,
	 .err = "--runs needs a value"},
	{.name = "missing short value",
	 .argv = {"-o", NULL}, .rc = OPTS_ERR,
	 .err = "-o (--output) needs"},
	{.name = "not an integer",
	 .argv = {"--runs", "3x", NULL}, .rc = OPTS_ERR,
	 .err = "--runs: \"3x\" is not an integer"},
	{.name = "not a size",
	 .argv = {"--max-bytes", "lots", NULL}, .rc = OPTS_ERR,
	 .err = "is not a size"},
	{.name = "bad size suffix",
	 .argv = {"--max-bytes", "4T", NULL}, .rc = OPTS_ERR,
	 .err = "is not a size"},
	{.name = "not a number",
	 .argv = {"--min-recall", "high", NULL}, .rc = OPTS_ERR,
	 .err = "is not a number"},
	{.name = "not a choice",
	 .argv = {"--format", "xml", NULL}, .rc = OPTS_ERR,
	 .err = "\"xml\" is not one of json|pb"},
	{.name = "a flag takes no value",
	 .argv = {"--quiet=yes", NULL}, .rc = OPTS_ERR,
	 .err = "--quiet takes no value"},
};

static void t_run_case(const struct t_case *tc)
{
	char *argv[12], err[256];
	struct t_opts o;
	int argc = 0, nargs = -1, rc;

	memset(&o, 0x5a, sizeof(o)); /* defaults must overwrite garbage */
	argv[argc++] = "test";
	for (int i = 0; tc->argv[i]; i++)
		argv[argc++] = (char *)tc->argv[i];
	argv[argc] = NULL;
	rc = opts_parse(t_table, &o, argc, argv, &nargs, err, sizeof(err));
	if (rc != tc->rc) {
		fprintf(stderr, "case \"%s\": rc %d, want %d (%s)\n", tc->name,
			rc, tc->rc, err);
		check_failures++;
		opts_free(t_table, &o);
		return;
	}
	if (rc == OPTS_ERR) {
		if (!strstr(err, tc->err)) {
			fprintf(stderr, "case \"%s\": error \"%s\" lacks \"%s\"\n",
				tc->name, err, tc->err);
			check_failures++;
		}
		opts_free(t_table, &o);
		return;
	}
	if (rc == OPTS_OK) {
		int before = check_failures;

		CHECK_INT(o.quiet, tc->quiet);
		CHECK_STR(o.format, tc->format);
		CHECK_INT(o.runs, tc->runs);
		CHECK_INT(o.max_bytes, tc->max_bytes);
		CHECK(o.min_recall == tc->min_recall);
		CHECK_INT(o.gold.n, tc->ngold);
		if (tc->ngold == 2)
			CHECK_STR(o.gold.vals[1], tc->gold1);
		CHECK_STR(o.output, tc->output);
		CHECK_INT(nargs, tc->nargs);
		if (tc->nargs >= 1)
			CHECK_STR(argv[1], tc->arg1);
		if (tc->nargs >= 2)
			CHECK_STR(argv[2], tc->arg2);
		if (check_failures != before)
			fprintf(stderr, "  in case \"%s\"\n", tc->name);
	}
	opts_free(t_table, &o);
	CHECK(o.gold.vals == NULL);
}

/* The help lists every option of the table with its default. */
static void t_help(void)
{
	static const char *const want[] = {
		"--quiet", "-q, --quiet", "--format FORMAT", "(default json)",
		"(one of json|pb)", "--runs N", "(default 5)", "[1..100]",
		"--max-bytes SIZE", "(default 1M)", "[1k..1G]",
		"--min-recall X", "(default 0)", "--gold FILE",
		"(may be repeated)", "--output FILE", "-h, --help",
		"usage: evextract test [FILE...]", "A test command.",
	};
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	CHECK(fp != NULL);
	if (!fp)
		return;
	opts_help(t_table, "evextract test [FILE...]", "A test command.", fp);
	fclose(fp);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(text, want[i])) {
			fprintf(stderr, "help lacks \"%s\":\n%s", want[i], text);
			check_failures++;
		}
	/* Every option of the table appears, whatever its type. */
	for (const struct opt_spec *o = t_table; o->name; o++) {
		char name[64];

		snprintf(name, sizeof(name), "--%s", o->name);
		CHECK(strstr(text, name) != NULL);
		CHECK(strstr(text, o->help) != NULL);
	}
	free(text);
}

static void t_sizes(void)
{
	static const struct {
		const char *s;
		int rc;
		size_t v;
	} cases[] = {
		{"0", 0, 0}, {"1024", 0, 1024}, {"1k", 0, 1024},
		{"1K", 0, 1024}, {"3M", 0, 3u << 20}, {"1G", 0, 1u << 30},
		{"2kb", 0, 2048}, {"", -1, 0}, {"k", -1, 0}, {"-1", -1, 0},
		{"12q", -1, 0}, {"99999999999999999999", -1, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t v = 0;
		int rc = opts_parse_size(cases[i].s, &v);

		CHECK_INT(rc, cases[i].rc);
		if (rc == 0)
			CHECK_INT(v, cases[i].v);
	}
}

/* A default that breaks its own bounds is caught on the first parse. */
static void t_bad_default(void)
{
	static const struct opt_spec bad[] = {
		{.name = "runs", .type = OPT_INT, .def = "0", .min = 1,
		 .max = 9, .offset = offsetof(struct t_opts, runs),
		 .help = "runs"},
		{0},
	};
	struct t_opts o;
	char *argv[] = {"test", NULL}, err[256];
	int nargs;

	CHECK_INT(opts_parse(bad, &o, 1, argv, &nargs, err, sizeof(err)),
		  OPTS_ERR);
	CHECK(strstr(err, "below the minimum of 1") != NULL);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(t_cases) / sizeof(t_cases[0]); i++)
		t_run_case(&t_cases[i]);
	t_help();
	t_sizes();
	t_bad_default();
	return CHECK_DONE();
}
