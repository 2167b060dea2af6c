/*
 * cmd_extract.c - `evextract extract [FILE...]`: JSONL articles in, events out.
 *
 * Reads the articles with the shared loop of cmd_common.c and writes each
 * event as a JSON line (event_to_json) or as length-delimited protobuf
 * (event_to_pb). Output is gathered in one growing buffer and written in
 * chunks of about a megabyte, so a large run makes few write calls and never
 * flushes per event. Events carry offline provenance (no topic, partition
 * and offset -1). A summary goes to stderr at the end unless --quiet.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "limits.h"

#define EXTRACT_FLUSH_BYTES (1024 * 1024)

struct extract_opts {
	const char *rules;
	const char *format;
	size_t max_bytes;
	int strict;
	const char *output;
	int quiet;
	int progress;
	long progress_every;
};

static const struct opt_spec extract_table[] = {
	{.name = "rules", .shortname = 'r', .type = OPT_STRING,
	 .offset = offsetof(struct extract_opts, rules), .arg = "PATH",
	 .help = "rule pack file or directory (default: $EVEXTRACT_RULES, "
		 "else the installed pack, else the source tree's)"},
	{.name = "format", .shortname = 'f', .type = OPT_STRING, .def = "json",
	 .choices = "json|pb", .offset = offsetof(struct extract_opts, format),
	 .arg = "FORMAT",
	 .help = "JSON lines, or length-delimited protobuf Events"},
	{.name = "max-bytes", .type = OPT_SIZE, .defval = EVX_MAX_ARTICLE_BYTES,
	 .min = 1024, .max = 1024.0 * 1024 * 1024,
	 .offset = offsetof(struct extract_opts, max_bytes), .arg = "SIZE",
	 .help = "largest article line accepted; longer lines are skipped"},
	{.name = "strict", .type = OPT_FLAG,
	 .offset = offsetof(struct extract_opts, strict),
	 .help = "stop at the first bad input line"},
	{.name = "output", .shortname = 'o', .type = OPT_STRING,
	 .offset = offsetof(struct extract_opts, output), .arg = "FILE",
	 .help = "write events to FILE instead of standard output"},
	{.name = "quiet", .shortname = 'q', .type = OPT_FLAG,
	 .offset = offsetof(struct extract_opts, quiet),
	 .help = "no summary at the end"},
	{.name = "progress", .type = OPT_FLAG,
	 .offset = offsetof(struct extract_opts, progress),
	 .help = "print a progress line on stderr now and then"},
	{.name = "progress-every", .type = OPT_INT, .defval = 10, .min = 1,
	 .max = 3600, .offset = offsetof(struct extract_opts, progress_every),
	 .arg = "SECONDS", .help = "seconds between progress lines"},
	{0},
};

struct extract_out {
	FILE *fp;
	const char *name;
	int pb;
	char *buf;
	size_t len, cap;
};

/* Writes the buffered bytes. Returns 0 or -1 (reported). */
static int extract_flush(struct extract_out *out)
{
	if (out->len && fwrite(out->buf, 1, out->len, out->fp) != out->len) {
		fprintf(stderr, "extract: %s: %s\n", out->name, strerror(errno));
		return -1;
	}
	out->len = 0;
	return 0;
}

/* cmd_article_fn: appends the article's events to the output buffer. */
static int extract_write(void *ctx, const struct article *a,
			 struct event *events, size_t nevents)
{
	struct extract_out *out = ctx;

	for (size_t i = 0; i < nevents; i++) {
		int rc;

		if (out->pb) {
			rc = event_to_pb(&events[i], 1, &out->buf, &out->len,
					 &out->cap);
		} else {
			rc = event_to_json(&events[i], &out->buf, &out->len,
					   &out->cap);
			if (rc == 0 && out->len + 1 > out->cap) {
				size_t cap = out->cap ? out->cap * 2 : 4096;
				char *grown = realloc(out->buf, cap);

				if (!grown)
					rc = -1;
				else {
					out->buf = grown;
					out->cap = cap;
				}
			}
			if (rc == 0)
				out->buf[out->len++] = '\n';
		}
		if (rc != 0) {
			fprintf(stderr, "extract: article \"%s\": cannot encode "
					"an event (out of memory)\n", a->id);
			return -1;
		}
	}
	if (out->len >= EXTRACT_FLUSH_BYTES)
		return extract_flush(out);
	return 0;
}

int cmd_extract(int argc, char **argv)
{
	struct extract_opts o;
	struct extract_out out = {0};
	struct cmd_run run = {0};
	struct ruleset *rs = NULL;
	struct extractor *x = NULL;
	char err[512], types[512];
	int nargs, rc = CMD_EXIT_USAGE;

	if (cmd_parse(extract_table, &o, argc, argv, &nargs, "extract",
		      "evextract extract [options] [FILE...]",
		      "Reads articles, one JSON object per line, from each FILE "
		      "(standard input when none or \"-\"),\nand writes their "
		      "events. A bad line is reported as FILE:LINE and skipped; "
		      "the exit\nstatus is then 1.", &rc))
		return rc;
	rc = CMD_EXIT_USAGE;
	rs = cmd_load_ruleset(cmd_rules_path(o.rules));
	if (!rs)
		goto done;
	x = extract_new(rs, err, sizeof(err));
	if (!x) {
		fprintf(stderr, "extract: %s\n", err);
		goto done;
	}
	out.pb = strcmp(o.format, "pb") == 0;
	out.fp = stdout;
	out.name = "<stdout>";
	if (o.output && strcmp(o.output, "-") != 0) {
		out.fp = fopen(o.output, "wb");
		out.name = o.output;
		if (!out.fp) {
			fprintf(stderr, "extract: %s: %s\n", o.output,
				strerror(errno));
			goto done;
		}
	}
	run.cmd = "extract";
	run.x = x;
	run.max_bytes = o.max_bytes;
	run.strict = o.strict;
	run.progress_every = o.progress ? o.progress_every : 0;
	run.on_article = extract_write;
	run.ctx = &out;
	rc = cmd_run_files(&run, argv + 1, nargs);
	if (extract_flush(&out) < 0 || fflush(out.fp) != 0)
		rc = CMD_EXIT_USAGE;
	if (!o.quiet) {
		cmd_run_types(&run, types, sizeof(types));
		fprintf(stderr, "extract: %zu articles, %zu events%s%s%s, %zu "
				"bad lines", run.articles, run.events,
			run.ntypes ? " (" : "", types, run.ntypes ? ")" : "",
			run.bad);
		if (run.limit_hits)
			fprintf(stderr, ", %zu articles hit a cap (match "
					"limit, events or sentence length)",
				run.limit_hits);
		fprintf(stderr, ", %.1f MB in %.2f s\n",
			(double)run.bytes / 1e6, run.seconds);
	}
done:
	if (out.fp && out.fp != stdout && fclose(out.fp) != 0 &&
	    rc == CMD_EXIT_OK) {
		fprintf(stderr, "extract: %s: %s\n", out.name, strerror(errno));
		rc = CMD_EXIT_USAGE;
	}
	free(out.buf);
	cmd_run_clear(&run);
	extract_destroy(x);
	ruleset_destroy(rs);
	opts_free(extract_table, &o);
	return rc;
}
