/*
 * opts.h - one option table per command drives parsing, bounds and --help.
 *
 * Each command describes its options once, as a table of struct opt_spec
 * (name, short letter, type, default, bounds, where the value goes, help).
 * opts_parse() fills a command's options struct from argv, checking types and
 * bounds, and opts_help() prints the help text from the same table, so the
 * help can never disagree with what the code accepts (the Redis config.c /
 * Fluent Bit config_map pattern). Values are stored at an offset into the
 * caller's options struct, which keeps the tables static const.
 */
#ifndef EVX_OPTS_H
#define EVX_OPTS_H

#include <stddef.h>
#include <stdio.h>

enum opt_type {
	OPT_FLAG = 1,  /* int, set to 1 when given; takes no value */
	OPT_STRING,    /* const char *, points into argv */
	OPT_INT,       /* long, decimal */
	OPT_SIZE,      /* size_t, bytes with an optional k/M/G suffix (1024-based) */
	OPT_DOUBLE,    /* double */
	OPT_LIST,      /* struct opt_list, the option may be given many times */
};

/* Where an OPT_LIST collects its values; opts_free() releases vals. */
struct opt_list {
	const char **vals;   /* pointers into argv */
	size_t n;
};

struct opt_spec {
	const char *name;    /* long name without "--"; NULL ends the table */
	char shortname;      /* 0 when none */
	enum opt_type type;
	const char *def;     /* default as a user would type it, or NULL */
	double defval;       /* numeric default when def is NULL (INT, SIZE, DOUBLE) */
	double min, max;     /* bounds for INT, SIZE and DOUBLE; none when both 0 */
	const char *choices; /* OPT_STRING: allowed values "a|b|c", NULL: any */
	size_t offset;       /* offsetof() the value in the options struct */
	const char *arg;     /* name of the value in help ("PATH"); NULL for flags */
	const char *help;    /* one line, no trailing period needed */
};

/* Result of opts_parse(). */
enum {
	OPTS_OK = 0,
	OPTS_HELP = 1,       /* --help or -h was given: print opts_help(), exit 0 */
	OPTS_ERR = -1,       /* usage error: errstr says what */
};

/* Sets every option of tab in base to its default, then parses argv[1..argc)
 * (argv[0] names the command). Options and arguments may be mixed; "--" ends
 * the options and "-" is an argument. Long options take "--name value" or
 * "--name=value"; short ones "-x value" or "-xvalue", and flags bundle
 * ("-qv"). The arguments are moved, in order, to argv[1..*nargs].
 * Returns OPTS_OK, OPTS_HELP, or OPTS_ERR with errstr filled
 * ("--max-bytes: 5 is below the minimum of 1024"). */
int opts_parse(const struct opt_spec *tab, void *base, int argc, char **argv,
	       int *nargs, char *errstr, size_t errstr_size);

/* Frees what parsing allocated (the arrays of OPT_LIST options). */
void opts_free(const struct opt_spec *tab, void *base);

/* Prints "usage: <usage>", the summary, and one line per option with its
 * default and bounds, from the table (--help included). */
void opts_help(const struct opt_spec *tab, const char *usage,
	       const char *summary, FILE *fp);

/* Parses a size "64k", "1M", "2G" or plain bytes. Returns 0 or -1. */
int opts_parse_size(const char *s, size_t *out);

#endif
