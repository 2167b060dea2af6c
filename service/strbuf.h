/*
 * strbuf.h - a growing, always NUL-terminated byte buffer.
 *
 * The pattern writers (ruleset.c's expansions, regtrie.c, alttrie.c) build
 * strings piece by piece; a failed allocation sets oom once and later
 * appends do nothing, so a writer checks once at the end. The caller owns
 * p and frees it. Start from {0}.
 */
#ifndef EVX_STRBUF_H
#define EVX_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *p;
	size_t n, cap;
	int oom;
};

/* Appends s[0, n), keeping p NUL-terminated. */
void strbuf_add(struct strbuf *b, const char *s, size_t n);

/* Appends the string s. */
void strbuf_str(struct strbuf *b, const char *s);

#endif
