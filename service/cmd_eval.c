/*
 * cmd_eval.c - `evextract eval --gold GOLD [ARTICLES...]`: extract and score.
 *
 * Articles are read and extracted by the same loop as `extract`
 * (cmd_run_files), and each article's events go straight to the evaluator
 * (eval.c), which keeps only counts, so memory does not grow with the
 * corpus. The report goes to stdout; --min-precision, --min-recall and
 * --min-field-accuracy turn the run into a test (exit 1 when a figure is
 * below), overall or, with --type, for one event type.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "eval.h"
#include "limits.h"

struct eval_opts {
	struct opt_list gold;
	const char *rules;
	size_t max_bytes;
	int verbose;
	int quiet;
	double min_precision, min_recall, min_field_accuracy;
	const char *type;
};

static const struct opt_spec eval_table[] = {
	{.name = "gold", .shortname = 'g', .type = OPT_LIST,
	 .offset = offsetof(struct eval_opts, gold), .arg = "FILE",
	 .help = "gold annotations, JSONL (required)"},
	{.name = "rules", .shortname = 'r', .type = OPT_STRING,
	 .offset = offsetof(struct eval_opts, rules), .arg = "PATH",
	 .help = "rule pack file or directory (default: $EVEXTRACT_RULES, "
		 "else the installed pack, else the source tree's)"},
	{.name = "max-bytes", .type = OPT_SIZE, .defval = EVX_MAX_ARTICLE_BYTES,
	 .min = 1024, .max = 1024.0 * 1024 * 1024,
	 .offset = offsetof(struct eval_opts, max_bytes), .arg = "SIZE",
	 .help = "largest article line accepted; longer lines are skipped"},
	{.name = "verbose", .shortname = 'v', .type = OPT_FLAG,
	 .offset = offsetof(struct eval_opts, verbose),
	 .help = "list every miss, false positive and wrong field"},
	{.name = "quiet", .shortname = 'q', .type = OPT_FLAG,
	 .offset = offsetof(struct eval_opts, quiet),
	 .help = "no extraction summary on stderr"},
	{.name = "min-precision", .type = OPT_DOUBLE, .defval = 0, .min = 0,
	 .max = 1, .offset = offsetof(struct eval_opts, min_precision),
	 .arg = "X", .help = "exit 1 when precision is below X"},
	{.name = "min-recall", .type = OPT_DOUBLE, .defval = 0, .min = 0,
	 .max = 1, .offset = offsetof(struct eval_opts, min_recall),
	 .arg = "X", .help = "exit 1 when recall is below X"},
	{.name = "min-field-accuracy", .type = OPT_DOUBLE, .defval = 0,
	 .min = 0, .max = 1,
	 .offset = offsetof(struct eval_opts, min_field_accuracy), .arg = "X",
	 .help = "exit 1 when field accuracy is below X"},
	{.name = "type", .shortname = 't', .type = OPT_STRING,
	 .offset = offsetof(struct eval_opts, type), .arg = "TYPE",
	 .help = "apply the thresholds to this event type only (default: overall)"},
	{0},
};

/* cmd_article_fn: scores one article's events. */
static int eval_on_article(void *ctx, const struct article *a,
			   struct event *events, size_t nevents)
{
	int rc = eval_add_article(ctx, a->id, a->body, a->body_len, events,
				  nevents);

	if (rc == -2) {
		fprintf(stderr, "eval: article \"%s\" seen before; scored once\n",
			a->id);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "eval: out of memory\n");
		return -1;
	}
	return 0;
}

/* Compares one figure with its threshold; says so when below. */
static int eval_below(const char *what, double got, double min,
		      const char *type)
{
	if (min <= 0 || got >= min)
		return 0;
	fprintf(stderr, "eval: %s %.3f is below the minimum of %.3f (%s)\n",
		what, got, min, type ? type : "overall");
	return 1;
}

int cmd_eval(int argc, char **argv)
{
	struct eval_opts o;
	struct cmd_run run = {0};
	struct eval_scores s;
	struct ruleset *rs = NULL;
	struct extractor *x = NULL;
	struct eval *ev = NULL;
	char err[512], types[512];
	int nargs, rc = CMD_EXIT_USAGE, below = 0;

	if (cmd_parse(eval_table, &o, argc, argv, &nargs, "eval",
		      "evextract eval --gold GOLD [options] [ARTICLES...]",
		      "Extracts the events of the articles (JSONL; standard input "
		      "when none or \"-\") and\nscores them against the gold "
		      "annotations (spec/EVENTS.md), printing precision,\n"
		      "recall and field accuracy per type and overall.", &rc))
		return rc;
	rc = CMD_EXIT_USAGE;
	if (o.gold.n == 0) {
		rc = cmd_usage_error("eval", "--gold FILE is required");
		goto done;
	}
	ev = eval_new();
	if (!ev) {
		fprintf(stderr, "eval: out of memory\n");
		goto done;
	}
	for (size_t i = 0; i < o.gold.n; i++) {
		if (eval_load_gold(ev, o.gold.vals[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			goto done;
		}
	}
	rs = cmd_load_ruleset(cmd_rules_path(o.rules));
	if (!rs)
		goto done;
	x = extract_new(rs, err, sizeof(err));
	if (!x) {
		fprintf(stderr, "eval: %s\n", err);
		goto done;
	}
	run.cmd = "eval";
	run.x = x;
	run.max_bytes = o.max_bytes;
	run.on_article = eval_on_article;
	run.ctx = ev;
	rc = cmd_run_files(&run, argv + 1, nargs);
	if (rc == CMD_EXIT_USAGE)
		goto done;
	if (!o.quiet) {
		cmd_run_types(&run, types, sizeof(types));
		fprintf(stderr, "eval: %zu articles, %zu events%s%s%s, %zu bad "
				"lines, %.2f s\n", run.articles, run.events,
			run.ntypes ? " (" : "", types, run.ntypes ? ")" : "",
			run.bad, run.seconds);
	}
	eval_report(ev, stdout, o.verbose);
	if (eval_summary(ev, o.type, &s) != 0) {
		fprintf(stderr, "eval: type \"%s\" appears neither in the gold nor "
				"in the events\n", o.type);
		rc = CMD_EXIT_USAGE;
		goto done;
	}
	below += eval_below("precision", s.precision, o.min_precision, o.type);
	below += eval_below("recall", s.recall, o.min_recall, o.type);
	below += eval_below("field accuracy", s.field_accuracy,
			    o.min_field_accuracy, o.type);
	if (below)
		rc = CMD_EXIT_BAD_INPUT;
done:
	cmd_run_clear(&run);
	extract_destroy(x);
	ruleset_destroy(rs);
	eval_destroy(ev);
	opts_free(eval_table, &o);
	return rc;
}
