/*
 * jsonl.h - reading JSONL files line by line, with a cap on line size.
 *
 * Used by every command that reads articles (extract, eval, bench) so they
 * name bad lines the same way, "FILE:LINE". A line longer than the cap is
 * reported as too large and skipped without being held in memory: the reader
 * keeps at most about max_bytes of any line. Blank lines (only spaces, tabs
 * and a CR) are skipped but counted, so line numbers match an editor's.
 */
#ifndef EVX_JSONL_H
#define EVX_JSONL_H

#include <stddef.h>
#include <stdio.h>

struct jsonl;

/* Opens path for reading ("-" is stdin, named "<stdin>"). Lines longer
 * than max_bytes (0: EVX_MAX_ARTICLE_BYTES) are skipped. NULL and errstr
 * filled ("FILE: No such file or directory") on failure. */
struct jsonl *jsonl_open(const char *path, size_t max_bytes, char *errstr,
			 size_t errstr_size);

/* The same over an open stream (not closed by jsonl_close), named name. */
struct jsonl *jsonl_open_fp(FILE *fp, const char *name, size_t max_bytes,
			    char *errstr, size_t errstr_size);

/* Result of jsonl_next(). */
enum {
	JSONL_LINE = 1,      /* *line / *len hold the next non-blank line */
	JSONL_EOF = 0,
	JSONL_ERR_READ = -1, /* read error (errno set); stop */
	JSONL_ERR_SIZE = -2, /* the line was too large and was skipped; *len is its size */
};

/* Reads the next non-blank line. *line (not NUL-terminated at len, but
 * followed by a NUL) is valid until the next call; the trailing "\n" or
 * "\r\n" is removed. *lineno is its 1-based line number. */
int jsonl_next(struct jsonl *jr, const char **line, size_t *len,
	       long *lineno);

/* The name given to messages: the path, or "<stdin>". */
const char *jsonl_name(const struct jsonl *jr);

/* Bytes read so far, blank lines and skipped lines included. */
unsigned long long jsonl_bytes(const struct jsonl *jr);

/* Closes the file (unless it came from jsonl_open_fp) and frees. NULL-safe. */
void jsonl_close(struct jsonl *jr);

#endif
