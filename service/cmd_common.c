/*
 * cmd_common.c - what the subcommands share: option parsing with the usual
 * messages, finding and loading the rule pack, and the JSONL extraction loop.
 *
 * The loop (cmd_run_files) is the one path from a line of JSONL to events
 * for both `extract` and `eval`: read a line (jsonl.c), extract_begin(),
 * decode into the extractor's arena, extract, hand the events to the
 * command's callback. Bad lines are reported as "FILE:LINE: message" and
 * skipped; counts and per-type totals are kept for the summary.
 * Single-threaded: the command line runs one extractor.
 */
#include "cmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "diag.h"
#include "jsonl.h"

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "evextract %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'evextract %s --help'.\n", cmd);
	return CMD_EXIT_USAGE;
}

int cmd_parse(const struct opt_spec *tab, void *base, int argc, char **argv,
	      int *nargs, const char *cmd, const char *usage,
	      const char *summary, int *exit_code)
{
	char err[256];
	int rc = opts_parse(tab, base, argc, argv, nargs, err, sizeof(err));

	if (rc == OPTS_OK)
		return 0;
	if (rc == OPTS_HELP) {
		opts_help(tab, usage, summary, stdout);
		*exit_code = CMD_EXIT_OK;
	} else {
		*exit_code = cmd_usage_error(cmd, "%s", err);
	}
	opts_free(tab, base);
	return 1;
}

const char *cmd_rules_path(const char *given)
{
	const char *env = getenv("EVEXTRACT_RULES");
	struct stat st;

	if (given)
		return given;
	if (env && *env)
		return env;
	if (stat(EVX_INSTALL_RULES, &st) == 0)
		return EVX_INSTALL_RULES;
	return EVX_SOURCE_RULES;
}

struct ruleset *cmd_load_ruleset(const char *path)
{
	struct diag d = {0};
	struct ruleset *rs = ruleset_load(path, &d);

	diag_print(&d, stderr);
	if (!rs && d.nerrors == 0)
		fprintf(stderr, "%s: the rule pack could not be loaded\n", path);
	diag_clear(&d);
	return rs;
}

double cmd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Adds one event of type to the per-type counts. */
static int cmd_count_type(struct cmd_run *run, const char *type)
{
	struct cmd_type_count *grown;

	if (!type)
		type = "(none)";
	for (size_t i = 0; i < run->ntypes; i++) {
		if (strcmp(run->types[i].type, type) == 0) {
			run->types[i].n++;
			return 0;
		}
	}
	grown = realloc(run->types, (run->ntypes + 1) * sizeof(*run->types));
	if (!grown)
		return -1;
	run->types = grown;
	run->types[run->ntypes].type = strdup(type);
	if (!run->types[run->ntypes].type)
		return -1;
	run->types[run->ntypes++].n = 1;
	return 0;
}

void cmd_run_types(const struct cmd_run *run, char *buf, size_t size)
{
	size_t n = 0;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < run->ntypes && n < size; i++) {
		int w = snprintf(buf + n, size - n, "%s%s %zu", i ? ", " : "",
				 run->types[i].type, run->types[i].n);

		if (w < 0)
			break;
		n += (size_t)w;
	}
}

void cmd_run_clear(struct cmd_run *run)
{
	for (size_t i = 0; i < run->ntypes; i++)
		free(run->types[i].type);
	free(run->types);
	run->types = NULL;
	run->ntypes = 0;
}

/* Prints a progress line when progress_every seconds have passed. */
static void cmd_progress(struct cmd_run *run, double t0, double *last)
{
	double now;

	if (run->progress_every <= 0)
		return;
	now = cmd_now();
	if (now - *last < (double)run->progress_every)
		return;
	*last = now;
	fprintf(stderr, "%s: ... %zu articles, %zu events, %zu bad lines, "
			"%.1f MB in %.0f s\n",
		run->cmd, run->articles, run->events, run->bad,
		(double)run->bytes / 1e6, now - t0);
}

/* Decodes and extracts one line. Returns 0, 1 when the line was bad (and
 * reported), or -1 when the callback stopped the run. */
static int cmd_run_line(struct cmd_run *run, const char *name, long lineno,
			const char *line, size_t len)
{
	static const struct article_origin offline = {NULL, -1, -1};
	struct article a;
	struct event *events = NULL;
	size_t nevents = 0;
	char err[512];
	int rc, bad = 0;

	extract_begin(run->x);
	rc = article_decode_json(line, len, run->max_bytes,
				 extract_arena(run->x), &a, err, sizeof(err));
	if (rc != ARTICLE_OK) {
		fprintf(stderr, "%s:%ld: %s\n", name, lineno, err);
		run->bad++;
		return 1;
	}
	rc = extract_article(run->x, &a, &offline, &events, &nevents, err,
			     sizeof(err));
	if (rc == -2) {
		/* The events found before the limit are still good. */
		fprintf(stderr, "%s:%ld: article \"%s\": %s\n", name, lineno,
			a.id, err);
		run->limit_hits++;
		bad = 1;
	} else if (rc != 0) {
		fprintf(stderr, "%s:%ld: article \"%s\": %s\n", name, lineno,
			a.id, err);
		run->bad++;
		return 1;
	}
	run->articles++;
	run->events += nevents;
	for (size_t i = 0; i < nevents; i++)
		if (cmd_count_type(run, events[i].type) < 0) {
			fprintf(stderr, "%s: out of memory\n", run->cmd);
			return -1;
		}
	if (run->on_article &&
	    run->on_article(run->ctx, &a, events, nevents) < 0)
		return -1;
	return bad;
}

/* Runs one file. Returns 0, 1 when something was bad, -1 to stop. */
static int cmd_run_file(struct cmd_run *run, const char *path, double t0,
			double *last)
{
	char err[512];
	struct jsonl *jr = jsonl_open(path, run->max_bytes, err, sizeof(err));
	const char *line;
	size_t len;
	long lineno;
	int rc, any_bad = 0;
	unsigned long long before;

	if (!jr) {
		fprintf(stderr, "%s\n", err);
		run->bad++;
		return 1;
	}
	for (;;) {
		before = jsonl_bytes(jr);
		rc = jsonl_next(jr, &line, &len, &lineno);
		run->bytes += jsonl_bytes(jr) - before;
		if (rc == JSONL_EOF)
			break;
		if (rc == JSONL_ERR_READ) {
			fprintf(stderr, "%s: %s\n", jsonl_name(jr),
				strerror(errno));
			run->bad++;
			any_bad = 1;
			break;
		}
		if (rc == JSONL_ERR_SIZE) {
			fprintf(stderr, "%s:%ld: line of %zu bytes is over the "
					"limit of %zu bytes; skipped\n",
				jsonl_name(jr), lineno, len, run->max_bytes);
			run->bad++;
			any_bad = 1;
		} else {
			rc = cmd_run_line(run, jsonl_name(jr), lineno, line,
					  len);
			if (rc < 0) {
				jsonl_close(jr);
				return -1;
			}
			any_bad |= rc;
		}
		if (any_bad && run->strict)
			break;
		if ((run->articles & 63) == 0)
			cmd_progress(run, t0, last);
	}
	jsonl_close(jr);
	return any_bad;
}

int cmd_run_files(struct cmd_run *run, char **files, int nfiles)
{
	static char *stdin_only[] = {"-"};
	double t0 = cmd_now(), last = t0;
	int any_bad = 0, rc = 0;

	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	for (int i = 0; i < nfiles; i++) {
		rc = cmd_run_file(run, files[i], t0, &last);
		if (rc < 0)
			break;
		any_bad |= rc;
		if (any_bad && run->strict)
			break;
	}
	run->seconds = cmd_now() - t0;
	if (rc < 0)
		return CMD_EXIT_USAGE;
	return any_bad ? CMD_EXIT_BAD_INPUT : CMD_EXIT_OK;
}
