/*
 * test_jsonl.c - the line reader: line numbers, blank lines, CRLF, a last
 * line without a newline, and overlong lines skipped with the right size,
 * both through a file descriptor (read(2)) and a memory stream (fread).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "jsonl.h"

/* What jsonl_next() should give, in order. */
struct t_step {
	int rc;
	long lineno;
	const char *line;   /* JSONL_LINE: the text; NULL: a run of 'x' of len */
	size_t len;
};

/* Builds the input: "{a}\n\n  \r\n{b}\r\n" + 200000 x's + "\n{c}\n" +
 * 1500 x's + "\n" + 1024 x's + "\n{d}" (no final newline). */
static char *t_input(size_t *len)
{
	size_t cap = 300000, n = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	n += (size_t)sprintf(s + n, "{a}\n\n  \r\n{b}\r\n");
	memset(s + n, 'x', 200000);
	n += 200000;
	n += (size_t)sprintf(s + n, "\n{c}\n");
	memset(s + n, 'x', 1500);
	n += 1500;
	s[n++] = '\n';
	memset(s + n, 'x', 1024);
	n += 1024;
	n += (size_t)sprintf(s + n, "\n{d}");
	*len = n;
	return s;
}

static const struct t_step t_steps[] = {
	{JSONL_LINE, 1, "{a}", 3},
	{JSONL_LINE, 4, "{b}", 3},
	{JSONL_ERR_SIZE, 5, NULL, 200000},
	{JSONL_LINE, 6, "{c}", 3},
	{JSONL_ERR_SIZE, 7, NULL, 1500},
	{JSONL_LINE, 8, NULL, 1024},
	{JSONL_LINE, 9, "{d}", 3},
	{JSONL_EOF, 0, NULL, 0},
	{JSONL_EOF, 0, NULL, 0},
};

static void t_read_all(struct jsonl *jr, const char *how)
{
	for (size_t i = 0; i < sizeof(t_steps) / sizeof(t_steps[0]); i++) {
		const struct t_step *st = &t_steps[i];
		const char *line = NULL;
		size_t len = 0;
		long lineno = 0;
		int rc = jsonl_next(jr, &line, &len, &lineno), before;

		before = check_failures;
		CHECK_INT(rc, st->rc);
		if (rc != st->rc)
			break;
		if (rc == JSONL_EOF)
			continue;
		CHECK_INT(lineno, st->lineno);
		CHECK_INT(len, st->len);
		if (rc == JSONL_LINE && st->line) {
			CHECK_STR(line, st->line);
		} else if (rc == JSONL_LINE) {
			CHECK(strspn(line, "x") == st->len);
			CHECK(line[len] == '\0');
		}
		if (check_failures != before)
			fprintf(stderr, "  (%s, step %zu)\n", how, i);
	}
}

int main(void)
{
	char err[256], path[] = "/tmp/test_jsonl_XXXXXX";
	size_t len;
	char *input = t_input(&len);
	struct jsonl *jr;
	FILE *fp;
	int fd;

	CHECK(input != NULL);
	if (!input)
		return CHECK_DONE();

	/* Through a memory stream (no descriptor: fread). */
	fp = fmemopen(input, len, "r");
	CHECK(fp != NULL);
	jr = fp ? jsonl_open_fp(fp, "mem", 1024, err, sizeof(err)) : NULL;
	CHECK(jr != NULL);
	if (jr) {
		CHECK_STR(jsonl_name(jr), "mem");
		t_read_all(jr, "fmemopen");
		CHECK_INT(jsonl_bytes(jr), len);
	}
	jsonl_close(jr);
	if (fp)
		fclose(fp);

	/* Through a file (read(2)). */
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_INT(write(fd, input, len), (long long)len);
		close(fd);
		jr = jsonl_open(path, 1024, err, sizeof(err));
		CHECK(jr != NULL);
		if (jr)
			t_read_all(jr, "file");
		jsonl_close(jr);
		unlink(path);
	}

	/* A missing file names itself. */
	jr = jsonl_open("/nonexistent/x.jsonl", 0, err, sizeof(err));
	CHECK(jr == NULL);
	CHECK(strstr(err, "/nonexistent/x.jsonl: ") == err);
	jsonl_close(NULL);
	free(input);
	return CHECK_DONE();
}
