/*
 * cmd.h - the subcommands of the evextract command line, and what they share.
 *
 * main.c dispatches argv to one cmd_<name>() per subcommand; each lives in
 * its own module (cmd_extract.c, cmd_rules.c, ...) and returns the process
 * exit code, which only main() passes to exit(). argv[0] of a command is its
 * own name ("extract"), so its option table sees argv[1..] as options and
 * arguments. cmd_common.c holds what several commands need: option parsing
 * with the usual messages, finding and loading the rule pack, and the loop
 * that reads JSONL articles and extracts their events.
 */
#ifndef EVX_CMD_H
#define EVX_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "article.h"
#include "event.h"
#include "extract.h"
#include "opts.h"
#include "ruleset.h"

/* Exit codes of every command. */
enum {
	CMD_EXIT_OK = 0,        /* all went well */
	CMD_EXIT_BAD_INPUT = 1, /* some input was bad (or a test or threshold failed) */
	CMD_EXIT_USAGE = 2,     /* usage or configuration error; nothing useful done */
};

int cmd_extract(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_consume(int argc, char **argv);

/* Parses the options of command cmd (its name as the user types it, e.g.
 * "rules check") with tab into base. Returns 0 when the command should go
 * on, 1 when it should return *exit_code at once: after printing the help on
 * stdout (0), or a usage error with a hint to --help on stderr (2). */
int cmd_parse(const struct opt_spec *tab, void *base, int argc, char **argv,
	      int *nargs, const char *cmd, const char *usage,
	      const char *summary, int *exit_code);

/* Prints "evextract CMD: message" and a hint to --help on stderr; returns
 * CMD_EXIT_USAGE. */
int cmd_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The rule pack path to use: given (--rules) when not NULL, else the
 * EVEXTRACT_RULES environment variable when set and not empty, else
 * EVX_INSTALL_RULES when it exists, else EVX_SOURCE_RULES. */
const char *cmd_rules_path(const char *given);

/* Loads and builds the pack at path, printing every diagnostic on stderr.
 * NULL when the pack has an error. */
struct ruleset *cmd_load_ruleset(const char *path);

/* Events counted per type, for summaries. */
struct cmd_type_count {
	char *type;
	size_t n;
};

/* Called for each article extracted: the events (nevents may be 0) and the
 * place it came from. Returns 0, or -1 to stop everything (an output error,
 * already reported). */
typedef int (*cmd_article_fn)(void *ctx, const struct article *a,
			      struct event *events, size_t nevents);

/* The extraction loop over JSONL files shared by extract and eval. Fill the
 * settings, call cmd_run_files(), read the counts, cmd_run_clear(). */
struct cmd_run {
	/* settings */
	const char *cmd;        /* name for messages ("extract") */
	struct extractor *x;
	size_t max_bytes;       /* largest line accepted */
	int strict;             /* stop at the first bad input */
	long progress_every;    /* seconds between progress lines, 0: none */
	cmd_article_fn on_article;
	void *ctx;
	/* counts */
	size_t articles;        /* articles extracted */
	size_t events;
	size_t bad;             /* bad lines (not decodable, too large) and unreadable files */
	size_t limit_hits;      /* articles where a rule hit its match limit */
	unsigned long long bytes; /* bytes of the lines read */
	double seconds;         /* wall time of the run */
	struct cmd_type_count *types;
	size_t ntypes;
};

/* Reads every file (stdin for "-" or when nfiles is 0; it is named
 * "<stdin>") line by line, decodes, extracts and calls on_article. Each bad
 * line is reported as "FILE:LINE: message" on stderr and skipped. Returns
 * CMD_EXIT_OK, CMD_EXIT_BAD_INPUT when some input was bad, or
 * CMD_EXIT_USAGE when on_article stopped the run. */
int cmd_run_files(struct cmd_run *run, char **files, int nfiles);

/* Frees the per-type counts. */
void cmd_run_clear(struct cmd_run *run);

/* Formats the per-type counts as "STRIKE 3, SUMMIT 1" into buf. */
void cmd_run_types(const struct cmd_run *run, char *buf, size_t size);

/* Seconds on the monotonic clock. */
double cmd_now(void);

#endif
