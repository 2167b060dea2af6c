/*
 * jsonl.c - line reader with a size cap, for JSONL article files.
 *
 * One buffer, buf[start, end) holding bytes read but not yet returned. A line
 * is returned in place (its newline replaced by a NUL), so reading costs one
 * copy from the kernel and no allocation once the buffer has grown. The
 * buffer never grows past max(max_bytes + 3, 64 KiB): when that much has
 * been read without a newline, the line is too large, and the rest of it is
 * read in buffer-sized chunks and dropped up to its newline. Reads use
 * read(2) on the file descriptor, so a line is handed over as soon as it
 * arrives on a pipe (stdio would wait to fill its buffer); a stream without
 * a descriptor (fmemopen) falls back to fread. Single-threaded.
 */
#include "jsonl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "limits.h"

#define JSONL_MIN_BUF (64 * 1024)

struct jsonl {
	FILE *fp;
	int fd;              /* -1: use fread on fp */
	int own;             /* fp was opened here */
	int eof;
	char *name;
	size_t max;
	char *buf;
	size_t cap, cap_max; /* allocated, and the most ever allocated */
	size_t start, end;   /* unread bytes */
	long lineno;
	unsigned long long bytes;
};

struct jsonl *jsonl_open_fp(FILE *fp, const char *name, size_t max_bytes,
			    char *errstr, size_t errstr_size)
{
	struct jsonl *jr = calloc(1, sizeof(*jr));

	if (!jr)
		goto fail;
	jr->fp = fp;
	jr->fd = fileno(fp);
	jr->max = max_bytes ? max_bytes : EVX_MAX_ARTICLE_BYTES;
	jr->cap_max = jr->max + 3 > JSONL_MIN_BUF ? jr->max + 3 : JSONL_MIN_BUF;
	jr->cap = JSONL_MIN_BUF < jr->cap_max ? JSONL_MIN_BUF : jr->cap_max;
	jr->buf = malloc(jr->cap);
	jr->name = strdup(name);
	if (!jr->buf || !jr->name)
		goto fail;
	return jr;
fail:
	snprintf(errstr, errstr_size, "%s: out of memory", name);
	jsonl_close(jr);
	return NULL;
}

struct jsonl *jsonl_open(const char *path, size_t max_bytes, char *errstr,
			 size_t errstr_size)
{
	struct jsonl *jr;
	FILE *fp;

	if (strcmp(path, "-") == 0)
		return jsonl_open_fp(stdin, "<stdin>", max_bytes, errstr,
				     errstr_size);
	fp = fopen(path, "rb");
	if (!fp) {
		snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
		return NULL;
	}
	jr = jsonl_open_fp(fp, path, max_bytes, errstr, errstr_size);
	if (!jr) {
		fclose(fp);
		return NULL;
	}
	jr->own = 1;
	return jr;
}

/* Reads into buf[end, cap - 1), keeping a byte for the NUL. Returns the
 * count read, 0 at end of file, -1 on error. */
static long jsonl_fill(struct jsonl *jr)
{
	size_t room = jr->cap - 1 - jr->end;
	ssize_t n;

	if (jr->eof || room == 0)
		return 0;
	if (jr->fd < 0) {
		size_t got = fread(jr->buf + jr->end, 1, room, jr->fp);

		if (got == 0 && ferror(jr->fp))
			return -1;
		if (got == 0)
			jr->eof = 1;
		jr->end += got;
		jr->bytes += got;
		return (long)got;
	}
	do
		n = read(jr->fd, jr->buf + jr->end, room);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		jr->eof = 1;
	jr->end += (size_t)n;
	jr->bytes += (unsigned long long)n;
	return (long)n;
}

/* Makes room to read more: moves unread bytes to the front, then grows up
 * to cap_max. Returns 0, or -1 when out of memory. */
static int jsonl_make_room(struct jsonl *jr)
{
	if (jr->start > 0) {
		memmove(jr->buf, jr->buf + jr->start, jr->end - jr->start);
		jr->end -= jr->start;
		jr->start = 0;
	}
	if (jr->end + 1 >= jr->cap && jr->cap < jr->cap_max) {
		size_t cap = jr->cap * 2 < jr->cap_max ? jr->cap * 2 : jr->cap_max;
		char *grown = realloc(jr->buf, cap);

		if (!grown) {
			errno = ENOMEM;
			return -1;
		}
		jr->buf = grown;
		jr->cap = cap;
	}
	return 0;
}

/* Drops the rest of an overlong line up to and including its newline;
 * *len grows by the bytes dropped. Returns 0 or -1 on a read error. */
static int jsonl_skip_line(struct jsonl *jr, size_t *len)
{
	for (;;) {
		char *nl = memchr(jr->buf + jr->start, '\n', jr->end - jr->start);

		if (nl) {
			*len += (size_t)(nl - (jr->buf + jr->start));
			jr->start = (size_t)(nl - jr->buf) + 1;
			return 0;
		}
		*len += jr->end - jr->start;
		jr->start = jr->end = 0;
		if (jsonl_fill(jr) < 0)
			return -1;
		if (jr->eof && jr->end == 0)
			return 0;
	}
}

static int jsonl_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

int jsonl_next(struct jsonl *jr, const char **line, size_t *len,
	       long *lineno)
{
	for (;;) {
		char *s = jr->buf + jr->start;
		char *nl = memchr(s, '\n', jr->end - jr->start);
		size_t n;

		if (!nl && !(jr->eof && jr->end > jr->start)) {
			if (jr->eof)
				return JSONL_EOF;
			if (jr->end - jr->start > jr->max + 1) {
				/* Too large: count it, drop the rest. */
				*len = 0;
				*lineno = ++jr->lineno;
				if (jsonl_skip_line(jr, len) < 0)
					return JSONL_ERR_READ;
				return JSONL_ERR_SIZE;
			}
			if (jsonl_make_room(jr) < 0 || jsonl_fill(jr) < 0)
				return JSONL_ERR_READ;
			continue;
		}
		/* A whole line: up to the newline, or the rest at end of file. */
		n = nl ? (size_t)(nl - s) : jr->end - jr->start;
		jr->start += n + (nl ? 1 : 0);
		jr->lineno++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n > jr->max) {
			*len = n;
			*lineno = jr->lineno;
			return JSONL_ERR_SIZE;
		}
		if (jsonl_blank(s, n))
			continue;
		s[n] = '\0'; /* the newline, the CR, or the byte kept for it */
		*line = s;
		*len = n;
		*lineno = jr->lineno;
		return JSONL_LINE;
	}
}

const char *jsonl_name(const struct jsonl *jr)
{
	return jr->name;
}

unsigned long long jsonl_bytes(const struct jsonl *jr)
{
	return jr->bytes;
}

void jsonl_close(struct jsonl *jr)
{
	if (!jr)
		return;
	if (jr->own && jr->fp)
		fclose(jr->fp);
	free(jr->buf);
	free(jr->name);
	free(jr);
}
