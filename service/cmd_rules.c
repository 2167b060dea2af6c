/*
 * cmd_rules.c - `evextract rules check|test [PATH]`: validate a rule pack,
 * or run the examples written in it.
 *
 * Both load the specs (rulepack_load) and compile them (ruleset_build),
 * printing every diagnostic, warnings included, on stderr; any error means
 * exit 2. `check` then looks for patterns at risk of runaway backtracking
 * and event rules without a no_match example (patlint.c), printing those as
 * warnings too (they do not change the exit status), and prints a one-line
 * inventory of the pack; `test` runs
 * every rule's examples with the engine's example runner (rulestest.c, the
 * same code the service runs before swapping in a reloaded pack) and exits
 * 1 when an example fails. PATH defaults to the usual rule pack resolution
 * (--rules, $EVEXTRACT_RULES, installed, source tree).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"
#include "patlint.h"
#include "rulepack.h"
#include "rulestest.h"

struct rules_opts {
	int verbose;
	int quiet;
};

static const struct opt_spec rules_check_table[] = {
	{.name = "quiet", .shortname = 'q', .type = OPT_FLAG,
	 .offset = offsetof(struct rules_opts, quiet),
	 .help = "print diagnostics only, no summary"},
	{0},
};

static const struct opt_spec rules_test_table[] = {
	{.name = "verbose", .shortname = 'v', .type = OPT_FLAG,
	 .offset = offsetof(struct rules_opts, verbose),
	 .help = "list every example, and rules without examples"},
	{0},
};

/* Loads and builds path; prints the diagnostics. Returns 0 with *rp and
 * *rs set, or -1 (both NULL) when the pack has an error. */
static int rules_load(const char *path, struct rulepack **rp,
		      struct ruleset **rs)
{
	struct diag d = {0};

	*rs = NULL;
	*rp = rulepack_load(path, &d);
	if (*rp)
		*rs = ruleset_build(*rp, &d);
	diag_print(&d, stderr);
	if (!*rp || !*rs) {
		fprintf(stderr, "%s: %zu error%s, %zu warning%s\n", path,
			d.nerrors, d.nerrors == 1 ? "" : "s", d.nwarnings,
			d.nwarnings == 1 ? "" : "s");
		ruleset_destroy(*rs);
		rulepack_destroy(*rp);
		*rs = NULL;
		*rp = NULL;
		diag_clear(&d);
		return -1;
	}
	diag_clear(&d);
	return 0;
}

/* Prints "PATH: pack core@1.0.0: R rules, L lists (F forms), M macros". */
static void rules_inventory(const char *path, const struct rulepack *rp,
			    FILE *fp)
{
	size_t forms = 0;

	for (size_t i = 0; i < rp->nlists; i++)
		for (size_t j = 0; j < rp->lists[i].nentries; j++)
			forms += rp->lists[i].entries[j].nforms;
	fprintf(fp, "%s: pack%s ", path, rp->npacks > 1 ? "s" : "");
	for (size_t i = 0; i < rp->npacks; i++)
		fprintf(fp, "%s%s@%s", i ? ", " : "", rp->packs[i].name,
			rp->packs[i].version ? rp->packs[i].version : "?");
	fprintf(fp, ": %zu rules, %zu lists (%zu forms), %zu macros", rp->nrules,
		rp->nlists, forms, rp->nmacros);
}

static int rules_check(int argc, char **argv)
{
	struct rules_opts o;
	struct rulepack *rp;
	struct ruleset *rs;
	struct diag d = {0};
	const char *path;
	size_t nlint;
	int nargs, rc;

	if (cmd_parse(rules_check_table, &o, argc, argv, &nargs, "rules check",
		      "evextract rules check [options] [PATH]",
		      "Loads and compiles the rule pack at PATH (a YAML file or a "
		      "directory; default: the usual\nrule pack), prints every "
		      "warning and error, and a summary. Exit 2 on any error.\n"
		      "Also warns (exit status unchanged) about patterns at risk "
		      "of runaway backtracking\n(nested or adjacent unbounded "
		      "repeats, unbounded wildcards between alternations)\nand "
		      "about event rules without a no_match example.",
		      &rc))
		return rc;
	if (nargs > 1)
		return cmd_usage_error("rules check", "one PATH at most");
	path = cmd_rules_path(nargs ? argv[1] : NULL);
	if (rules_load(path, &rp, &rs) != 0)
		return CMD_EXIT_USAGE;
	nlint = patlint_pack(rp, &d);
	diag_print(&d, stderr);
	diag_clear(&d);
	if (!o.quiet) {
		rules_inventory(path, rp, stdout);
		if (nlint)
			fprintf(stdout, ": ok, %zu lint warning%s\n", nlint,
				nlint == 1 ? "" : "s");
		else
			fprintf(stdout, ": ok\n");
	}
	ruleset_destroy(rs);
	rulepack_destroy(rp);
	return CMD_EXIT_OK;
}

static int rules_test(int argc, char **argv)
{
	struct rules_opts o;
	struct rulepack *rp;
	struct ruleset *rs;
	const char *path;
	size_t passed = 0, failed = 0;
	int nargs, rc;

	if (cmd_parse(rules_test_table, &o, argc, argv, &nargs, "rules test",
		      "evextract rules test [options] [PATH]",
		      "Loads and compiles the rule pack at PATH, then runs every "
		      "rule's match and no_match\nexamples, printing ok or FAIL "
		      "(with the reason) per rule. Exit 1 when an example\n"
		      "fails, 2 when the pack does not load.", &rc))
		return rc;
	if (nargs > 1)
		return cmd_usage_error("rules test", "one PATH at most");
	path = cmd_rules_path(nargs ? argv[1] : NULL);
	if (rules_load(path, &rp, &rs) != 0)
		return CMD_EXIT_USAGE;
	if (rulestest_run(rp, rs, stdout, o.verbose, &passed, &failed) != 0)
		rc = CMD_EXIT_USAGE;
	else
		rc = failed ? CMD_EXIT_BAD_INPUT : CMD_EXIT_OK;
	ruleset_destroy(rs);
	rulepack_destroy(rp);
	return rc;
}

int cmd_rules(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return rules_check(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "test") == 0)
		return rules_test(argc - 1, argv + 1);
	if (argc >= 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: evextract rules check [options] [PATH]\n"
		       "       evextract rules test [options] [PATH]\n\n"
		       "check: load and compile a rule pack, print its "
		       "diagnostics and an inventory.\n"
		       "test:  run every rule's examples.\n"
		       "See 'evextract rules check --help' and 'evextract rules "
		       "test --help'.\n");
		return CMD_EXIT_OK;
	}
	if (argc < 2)
		return cmd_usage_error("rules", "say check or test");
	return cmd_usage_error("rules", "unknown subcommand \"%s\" (check or "
					"test)", argv[1]);
}
