/*
 * cmd_decode.c - `evextract decode [FILE...]`: protobuf events to JSON lines.
 *
 * Reads length-delimited evextract.v1.Event messages (a varint length, then
 * the message, as `extract --format pb` writes them) and prints each as its
 * JSON line (event_pb_to_json). Byte offsets are counted from the start of
 * each file so a bad message can be found with a hex viewer: an invalid
 * message is reported and skipped (its length prefix still frames the next
 * one); a truncated one, or a broken length prefix, ends that file. Output
 * is buffered and written in large chunks.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

#define DECODE_FLUSH_BYTES (1024 * 1024)

struct decode_opts {
	size_t max_message;
	int quiet;
};

static const struct opt_spec decode_table[] = {
	{.name = "max-message", .type = OPT_SIZE, .defval = 64.0 * 1024 * 1024,
	 .min = 1024, .max = 1024.0 * 1024 * 1024,
	 .offset = offsetof(struct decode_opts, max_message), .arg = "SIZE",
	 .help = "largest message accepted; larger ones are skipped"},
	{.name = "quiet", .shortname = 'q', .type = OPT_FLAG,
	 .offset = offsetof(struct decode_opts, quiet),
	 .help = "no summary at the end"},
	{0},
};

struct decode_state {
	char *out;            /* JSON lines waiting to be written */
	size_t len, cap;
	uint8_t *msg;         /* the current message */
	size_t msg_cap;
	size_t nmsg, nbad;
};

/* Reads a varint. Returns 1 and *v, 0 at a clean end of file, -1 when the
 * file ends inside it, -2 when it is longer than 10 bytes. */
static int decode_varint(FILE *fp, uint64_t *v, unsigned long long *off)
{
	int c, shift = 0;

	*v = 0;
	for (int i = 0; i < 10; i++) {
		c = getc(fp);
		if (c == EOF)
			return i == 0 ? 0 : -1;
		(*off)++;
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 1;
		shift += 7;
	}
	return -2;
}

static int decode_flush(struct decode_state *st)
{
	if (st->len && fwrite(st->out, 1, st->len, stdout) != st->len) {
		fprintf(stderr, "decode: <stdout>: %s\n", strerror(errno));
		return -1;
	}
	st->len = 0;
	return 0;
}

/* Decodes one file. Returns 0, 1 when something in it was bad, -1 on an
 * output error. */
static int decode_file(struct decode_state *st, const char *path,
		       size_t max_message)
{
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	unsigned long long off = 0, at;
	uint64_t n;
	int rc, bad = 0;

	if (!fp) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	for (;;) {
		at = off;
		rc = decode_varint(fp, &n, &off);
		if (rc == 0)
			break;
		if (rc < 0) {
			fprintf(stderr, "%s: offset %llu: %s length prefix\n",
				name, at, rc == -1 ? "truncated" : "invalid");
			bad = 1;
			st->nbad++;
			break;
		}
		if (n > max_message) {
			fprintf(stderr, "%s: offset %llu: message of %llu bytes "
					"is over the limit of %zu; skipped\n",
				name, at, (unsigned long long)n, max_message);
			bad = 1;
			st->nbad++;
			if (fseeko(fp, (off_t)n, SEEK_CUR) != 0) {
				/* Not seekable (a pipe): nothing after it
				 * can be framed reliably. */
				break;
			}
			off += n;
			continue;
		}
		if (n > st->msg_cap) {
			uint8_t *grown = realloc(st->msg, (size_t)n);

			if (!grown) {
				fprintf(stderr, "decode: out of memory\n");
				bad = -1;
				break;
			}
			st->msg = grown;
			st->msg_cap = (size_t)n;
		}
		if (n && fread(st->msg, 1, (size_t)n, fp) != (size_t)n) {
			fprintf(stderr, "%s: offset %llu: truncated message "
					"(%llu bytes announced)\n",
				name, at, (unsigned long long)n);
			bad = 1;
			st->nbad++;
			break;
		}
		off += n;
		if (event_pb_to_json(st->msg, (size_t)n, &st->out, &st->len,
				     &st->cap) != 0) {
			fprintf(stderr, "%s: offset %llu: not a valid Event "
					"message (%llu bytes)\n",
				name, at, (unsigned long long)n);
			bad = 1;
			st->nbad++;
			continue;
		}
		if (st->len + 1 > st->cap) {
			char *grown = realloc(st->out, st->cap * 2 + 16);

			if (!grown) {
				fprintf(stderr, "decode: out of memory\n");
				bad = -1;
				break;
			}
			st->out = grown;
			st->cap = st->cap * 2 + 16;
		}
		st->out[st->len++] = '\n';
		st->nmsg++;
		if (st->len >= DECODE_FLUSH_BYTES && decode_flush(st) < 0) {
			bad = -1;
			break;
		}
	}
	if (bad >= 0 && ferror(fp)) {
		fprintf(stderr, "%s: %s\n", name, strerror(errno));
		bad = 1;
	}
	if (fp != stdin)
		fclose(fp);
	return bad;
}

int cmd_decode(int argc, char **argv)
{
	static char *stdin_only[] = {"-"};
	struct decode_opts o;
	struct decode_state st = {0};
	char **files;
	int nargs, rc = CMD_EXIT_OK, any_bad = 0;

	if (cmd_parse(decode_table, &o, argc, argv, &nargs, "decode",
		      "evextract decode [options] [FILE...]",
		      "Reads length-delimited protobuf Events (as written by "
		      "`extract --format pb`) from each\nFILE (standard input "
		      "when none or \"-\") and prints them as JSON lines.",
		      &rc))
		return rc;
	files = nargs ? argv + 1 : stdin_only;
	if (!nargs)
		nargs = 1;
	for (int i = 0; i < nargs; i++) {
		int r = decode_file(&st, files[i], o.max_message);

		if (r < 0) {
			rc = CMD_EXIT_USAGE;
			break;
		}
		any_bad |= r;
	}
	if (decode_flush(&st) < 0)
		rc = CMD_EXIT_USAGE;
	if (rc == CMD_EXIT_OK && any_bad)
		rc = CMD_EXIT_BAD_INPUT;
	if (!o.quiet)
		fprintf(stderr, "decode: %zu events, %zu bad messages\n",
			st.nmsg, st.nbad);
	free(st.out);
	free(st.msg);
	opts_free(decode_table, &o);
	return rc;
}
