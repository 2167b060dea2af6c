/*
 * opts.c - table-driven command line options: parse, check bounds, help.
 *
 * A command's options are one static table of struct opt_spec; values land
 * at an offset into the command's own options struct. Parsing first writes
 * every default (parsed by the same code as user input, so a default that
 * breaks its own bounds shows up in the first test run), then walks argv
 * once. Arguments that are not options are compacted, in order, to the front
 * of argv. --help / -h are implicit in every table. The help text is
 * generated from the same table: name, value name, help, default and bounds.
 * Single-threaded; called by the command modules before they start work.
 */
#include "opts.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Reports a usage error into errstr and returns OPTS_ERR. */
static int opts_fail(char *errstr, size_t errstr_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int opts_fail(char *errstr, size_t errstr_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errstr, errstr_size, fmt, ap);
	va_end(ap);
	return OPTS_ERR;
}

int opts_parse_size(const char *s, size_t *out)
{
	unsigned long long v, mul = 1;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'k': case 'K': mul = 1024ULL; end++; break;
	case 'm': case 'M': mul = 1024ULL * 1024; end++; break;
	case 'g': case 'G': mul = 1024ULL * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end != '\0')
		return -1;
	if (v > SIZE_MAX / mul)
		return -1;
	*out = (size_t)(v * mul);
	return 0;
}

/* Formats a byte count the way a user would write it: "1M" when exact. */
static void opts_format_size(double v, char *buf, size_t size)
{
	unsigned long long n = (unsigned long long)v;

	if (n && n % (1024ULL * 1024 * 1024) == 0)
		snprintf(buf, size, "%lluG", n / (1024ULL * 1024 * 1024));
	else if (n && n % (1024ULL * 1024) == 0)
		snprintf(buf, size, "%lluM", n / (1024ULL * 1024));
	else if (n && n % 1024ULL == 0)
		snprintf(buf, size, "%lluk", n / 1024ULL);
	else
		snprintf(buf, size, "%llu", n);
}

/* Formats a numeric value of an option of type t for messages and help. */
static void opts_format_num(enum opt_type t, double v, int human, char *buf,
			    size_t size)
{
	if (t == OPT_SIZE && human)
		opts_format_size(v, buf, size);
	else if (t == OPT_SIZE)
		snprintf(buf, size, "%llu", (unsigned long long)v);
	else if (t == OPT_INT)
		snprintf(buf, size, "%lld", (long long)v);
	else
		snprintf(buf, size, "%g", v);
}

static int opts_has_bounds(const struct opt_spec *o)
{
	return !(o->min == 0 && o->max == 0);
}

/* Checks v against the bounds of o; val is the text the user gave. */
static int opts_check_bounds(const struct opt_spec *o, double v,
			     const char *val, char *errstr, size_t errstr_size)
{
	char lim[64];

	if (!opts_has_bounds(o))
		return OPTS_OK;
	if (v < o->min) {
		opts_format_num(o->type, o->min, 0, lim, sizeof(lim));
		return opts_fail(errstr, errstr_size,
				 "--%s: %s is below the minimum of %s", o->name,
				 val, lim);
	}
	if (v > o->max) {
		opts_format_num(o->type, o->max, 0, lim, sizeof(lim));
		return opts_fail(errstr, errstr_size,
				 "--%s: %s is above the maximum of %s", o->name,
				 val, lim);
	}
	return OPTS_OK;
}

/* Returns 1 when val is one of the "a|b|c" choices. */
static int opts_in_choices(const char *choices, const char *val)
{
	size_t n = strlen(val);
	const char *p = choices;

	while (*p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncmp(p, val, n) == 0)
			return 1;
		if (!bar)
			break;
		p = bar + 1;
	}
	return 0;
}

/* Stores val (a user's text, or a default) as the value of option o. */
static int opts_set(const struct opt_spec *o, void *base, const char *val,
		    char *errstr, size_t errstr_size)
{
	char *slot = (char *)base + o->offset;
	char *end;

	switch (o->type) {
	case OPT_FLAG:
		*(int *)slot = 1;
		return OPTS_OK;
	case OPT_STRING:
		if (o->choices && !opts_in_choices(o->choices, val))
			return opts_fail(errstr, errstr_size,
					 "--%s: \"%s\" is not one of %s",
					 o->name, val, o->choices);
		*(const char **)slot = val;
		return OPTS_OK;
	case OPT_INT: {
		long v;

		errno = 0;
		v = strtol(val, &end, 10);
		if (errno || end == val || *end)
			return opts_fail(errstr, errstr_size,
					 "--%s: \"%s\" is not an integer",
					 o->name, val);
		if (opts_check_bounds(o, (double)v, val, errstr, errstr_size))
			return OPTS_ERR;
		*(long *)slot = v;
		return OPTS_OK;
	}
	case OPT_SIZE: {
		size_t v;

		if (opts_parse_size(val, &v) != 0)
			return opts_fail(errstr, errstr_size,
					 "--%s: \"%s\" is not a size (bytes, "
					 "or a number with k, M or G)",
					 o->name, val);
		if (opts_check_bounds(o, (double)v, val, errstr, errstr_size))
			return OPTS_ERR;
		*(size_t *)slot = v;
		return OPTS_OK;
	}
	case OPT_DOUBLE: {
		double v;

		errno = 0;
		v = strtod(val, &end);
		if (errno || end == val || *end || !isfinite(v))
			return opts_fail(errstr, errstr_size,
					 "--%s: \"%s\" is not a number", o->name,
					 val);
		if (opts_check_bounds(o, v, val, errstr, errstr_size))
			return OPTS_ERR;
		*(double *)slot = v;
		return OPTS_OK;
	}
	case OPT_LIST: {
		struct opt_list *l = (struct opt_list *)slot;
		const char **grown;

		grown = realloc(l->vals, (l->n + 1) * sizeof(*l->vals));
		if (!grown)
			return opts_fail(errstr, errstr_size, "out of memory");
		l->vals = grown;
		l->vals[l->n++] = val;
		return OPTS_OK;
	}
	}
	return opts_fail(errstr, errstr_size, "--%s: bad option table entry",
			 o->name);
}

/* Writes the default of every option; a numeric default without text is
 * stored directly. */
static int opts_defaults(const struct opt_spec *tab, void *base, char *errstr,
			 size_t errstr_size)
{
	for (const struct opt_spec *o = tab; o->name; o++) {
		char *slot = (char *)base + o->offset;

		switch (o->type) {
		case OPT_FLAG: *(int *)slot = 0; break;
		case OPT_STRING: *(const char **)slot = NULL; break;
		case OPT_INT: *(long *)slot = (long)o->defval; break;
		case OPT_SIZE: *(size_t *)slot = (size_t)o->defval; break;
		case OPT_DOUBLE: *(double *)slot = o->defval; break;
		case OPT_LIST: memset(slot, 0, sizeof(struct opt_list)); break;
		}
		if (o->def && o->type != OPT_FLAG && o->type != OPT_LIST &&
		    opts_set(o, base, o->def, errstr, errstr_size) != OPTS_OK)
			return OPTS_ERR;
	}
	return OPTS_OK;
}

static const struct opt_spec *opts_find_long(const struct opt_spec *tab,
					     const char *name, size_t len)
{
	for (const struct opt_spec *o = tab; o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

static const struct opt_spec *opts_find_short(const struct opt_spec *tab,
					      char c)
{
	for (const struct opt_spec *o = tab; o->name; o++)
		if (o->shortname && o->shortname == c)
			return o;
	return NULL;
}

/* Handles "--name", "--name=value" and "--name value" at argv[*i]. */
static int opts_long(const struct opt_spec *tab, void *base, int argc,
		     char **argv, int *i, char *errstr, size_t errstr_size)
{
	const char *name = argv[*i] + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt_spec *o = opts_find_long(tab, name, len);

	if (!o && len == 4 && strncmp(name, "help", 4) == 0)
		return OPTS_HELP;
	if (!o)
		return opts_fail(errstr, errstr_size, "unknown option --%.*s",
				 (int)len, name);
	if (o->type == OPT_FLAG) {
		if (eq)
			return opts_fail(errstr, errstr_size,
					 "--%s takes no value", o->name);
		return opts_set(o, base, NULL, errstr, errstr_size);
	}
	if (eq)
		return opts_set(o, base, eq + 1, errstr, errstr_size);
	if (*i + 1 >= argc)
		return opts_fail(errstr, errstr_size, "--%s needs a value (%s)",
				 o->name, o->arg ? o->arg : "VALUE");
	(*i)++;
	return opts_set(o, base, argv[*i], errstr, errstr_size);
}

/* Handles "-x", "-xvalue", "-x value" and bundled flags "-qv" at argv[*i]. */
static int opts_short(const struct opt_spec *tab, void *base, int argc,
		      char **argv, int *i, char *errstr, size_t errstr_size)
{
	const char *p = argv[*i] + 1;

	for (; *p; p++) {
		const struct opt_spec *o = opts_find_short(tab, *p);

		if (!o && *p == 'h')
			return OPTS_HELP;
		if (!o)
			return opts_fail(errstr, errstr_size,
					 "unknown option -%c", *p);
		if (o->type == OPT_FLAG) {
			if (opts_set(o, base, NULL, errstr, errstr_size))
				return OPTS_ERR;
			continue;
		}
		if (p[1])
			return opts_set(o, base, p + 1, errstr, errstr_size);
		if (*i + 1 >= argc)
			return opts_fail(errstr, errstr_size,
					 "-%c (--%s) needs a value (%s)", *p,
					 o->name, o->arg ? o->arg : "VALUE");
		(*i)++;
		return opts_set(o, base, argv[*i], errstr, errstr_size);
	}
	return OPTS_OK;
}

int opts_parse(const struct opt_spec *tab, void *base, int argc, char **argv,
	       int *nargs, char *errstr, size_t errstr_size)
{
	int n = 0, rc, only_args = 0;

	*nargs = 0;
	if (errstr_size)
		errstr[0] = '\0';
	rc = opts_defaults(tab, base, errstr, errstr_size);
	if (rc != OPTS_OK)
		return rc;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];

		if (only_args || a[0] != '-' || a[1] == '\0') {
			/* Compacting never overtakes i, so nothing is lost. */
			argv[1 + n++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = 1;
			continue;
		}
		if (a[1] == '-')
			rc = opts_long(tab, base, argc, argv, &i, errstr,
				       errstr_size);
		else
			rc = opts_short(tab, base, argc, argv, &i, errstr,
					errstr_size);
		if (rc != OPTS_OK)
			return rc;
	}
	*nargs = n;
	return OPTS_OK;
}

void opts_free(const struct opt_spec *tab, void *base)
{
	if (!tab || !base)
		return;
	for (const struct opt_spec *o = tab; o->name; o++) {
		if (o->type == OPT_LIST) {
			struct opt_list *l =
				(struct opt_list *)((char *)base + o->offset);

			free(l->vals);
			l->vals = NULL;
			l->n = 0;
		}
	}
}

/* Prints one option line: the left column, then help, default and bounds. */
static void opts_help_line(const struct opt_spec *o, FILE *fp)
{
	char left[64], num[32], num2[32];
	int n;

	if (o->shortname)
		n = snprintf(left, sizeof(left), "  -%c, --%s", o->shortname,
			     o->name);
	else
		n = snprintf(left, sizeof(left), "      --%s", o->name);
	if (o->arg && n > 0 && (size_t)n < sizeof(left))
		snprintf(left + n, sizeof(left) - (size_t)n, " %s", o->arg);
	fprintf(fp, "%-32s %s", left, o->help);
	if (o->type == OPT_STRING && o->choices)
		fprintf(fp, " (one of %s)", o->choices);
	if (o->def) {
		fprintf(fp, " (default %s)", o->def);
	} else if (o->type == OPT_INT || o->type == OPT_SIZE ||
		   o->type == OPT_DOUBLE) {
		opts_format_num(o->type, o->defval, 1, num, sizeof(num));
		fprintf(fp, " (default %s)", num);
	}
	if ((o->type == OPT_INT || o->type == OPT_SIZE ||
	     o->type == OPT_DOUBLE) && opts_has_bounds(o)) {
		opts_format_num(o->type, o->min, 1, num, sizeof(num));
		opts_format_num(o->type, o->max, 1, num2, sizeof(num2));
		fprintf(fp, " [%s..%s]", num, num2);
	}
	if (o->type == OPT_LIST)
		fprintf(fp, " (may be repeated)");
	fputc('\n', fp);
}

void opts_help(const struct opt_spec *tab, const char *usage,
	       const char *summary, FILE *fp)
{
	static const struct opt_spec help = {
		.name = "help", .shortname = 'h', .type = OPT_FLAG,
		.help = "show this help and exit",
	};

	fprintf(fp, "usage: %s\n", usage);
	if (summary && *summary)
		fprintf(fp, "\n%s\n", summary);
	fprintf(fp, "\noptions:\n");
	for (const struct opt_spec *o = tab; o->name; o++)
		opts_help_line(o, fp);
	opts_help_line(&help, fp);
}
