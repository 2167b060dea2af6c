/*
 * main.c - the evextract command line: subcommand dispatch and exit codes.
 *
 * argv[1] names a subcommand; the rest of argv goes to its cmd_<name>()
 * function (cmd.h), which returns the exit code: 0 ok, 1 some input was bad,
 * 2 usage or configuration error. This is the only file that exits. The
 * options of each subcommand, and their help, live in the subcommand's own
 * option table, so `evextract help CMD` simply runs `CMD --help`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

struct main_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct main_cmd main_cmds[] = {
	{"extract", cmd_extract, "extract events from JSONL articles"},
	{"rules", cmd_rules, "check a rule pack, or run its examples (rules check|test PATH)"},
	{"eval", cmd_eval, "extract articles and score the events against gold annotations"},
	{"decode", cmd_decode, "print length-delimited protobuf events as JSON lines"},
	{"bench", cmd_bench, "measure extraction throughput, and the cost of 1,000 idle rules"},
	{"run", cmd_run, "run the streaming service: articles from Kafka, events to Kafka (exactly-once by default)"},
	{"consume", cmd_consume, "read a topic (read_committed) as JSON lines: events decoded, or raw with headers"},
	{NULL, NULL, NULL},
};

static void main_usage(FILE *fp)
{
	fprintf(fp, "usage: evextract COMMAND [options] [args]\n"
		    "       evextract --help | --version | help COMMAND\n\n"
		    "Extracts news events (STRIKE, SUMMIT, SANCTIONS_PLEDGE) from "
		    "articles with rule packs.\n\ncommands:\n");
	for (const struct main_cmd *c = main_cmds; c->name; c++)
		fprintf(fp, "  %-10s %s\n", c->name, c->summary);
	fprintf(fp, "\nexit status: 0 ok, 1 some input was bad (or a test or "
		    "threshold failed), 2 usage or configuration error.\n"
		    "Rule pack: --rules PATH, else $EVEXTRACT_RULES, else %s "
		    "when it exists, else %s.\n",
		EVX_INSTALL_RULES, EVX_SOURCE_RULES);
}

static const struct main_cmd *main_find(const char *name)
{
	for (const struct main_cmd *c = main_cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* `evextract help [CMD [SUB]]`: runs the command with --help. */
static int main_help(int argc, char **argv)
{
	char *hargv[4];
	const struct main_cmd *c;
	int n = 0;

	if (argc < 2) {
		main_usage(stdout);
		return CMD_EXIT_OK;
	}
	c = main_find(argv[1]);
	if (!c) {
		fprintf(stderr, "evextract: no such command \"%s\" (see "
				"'evextract --help')\n", argv[1]);
		return CMD_EXIT_USAGE;
	}
	hargv[n++] = argv[1];
	if (argc > 2)
		hargv[n++] = argv[2];
	hargv[n++] = "--help";
	hargv[n] = NULL;
	return c->run(n, hargv);
}

int main(int argc, char **argv)
{
	const struct main_cmd *c;
	int rc;

	if (argc < 2) {
		main_usage(stderr);
		exit(CMD_EXIT_USAGE);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		main_usage(stdout);
		exit(CMD_EXIT_OK);
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("evextract %s\n", EVX_VERSION);
		exit(CMD_EXIT_OK);
	}
	if (strcmp(argv[1], "help") == 0) {
		rc = main_help(argc - 1, argv + 1);
	} else if ((c = main_find(argv[1])) != NULL) {
		rc = c->run(argc - 1, argv + 1);
	} else {
		fprintf(stderr, "evextract: %s \"%s\" (see 'evextract --help')\n",
			argv[1][0] == '-' ? "unknown option" : "unknown command",
			argv[1]);
		rc = CMD_EXIT_USAGE;
	}
	/* A failed write of buffered output must not pass for success. */
	if (fflush(stdout) != 0 && rc == CMD_EXIT_OK) {
		perror("evextract: stdout");
		rc = CMD_EXIT_USAGE;
	}
	exit(rc);
}
