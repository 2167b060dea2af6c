/*
 * regtrie.c - a list of literal forms as a prefix-factored regex.
 *
 * A list spelled out as "form1|form2|...|formN" makes PCRE2 try every
 * branch at every start position: for a list of 200 country names that is
 * 200 failed comparisons per word of text, and the rules run such lists at
 * every word. The same forms written as a trie of their shared prefixes,
 * "(?:Ira(?:q|n)|Israel|...)", fail on the first character that no form
 * continues with, so a position costs a few comparisons whatever the size
 * of the list.
 *
 * Same matches, same preference: at one position the forms that match are
 * prefixes of each other (siblings in the trie differ in their next
 * character), and an alternation sorted longest first prefers the longest
 * of them. The trie prefers it too: a node that ends a form and also has
 * children is written "(?:children)?", and the greedy "?" tries the longer
 * way first, backtracking to the shorter one when what follows needs it.
 *
 * Caseless lists group their forms by ASCII-lowercased characters, as
 * PCRE2 compares them under (?i); other characters are grouped byte for
 * byte. Characters are whole UTF-8 sequences, never split between nodes.
 */
#include "regtrie.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"

struct rt_ctx {
	const char **forms;   /* sorted by folded bytes, no folded duplicates */
	size_t *lens;
	int caseless;
	struct strbuf out;
};

/* Appends s[0, n) as literal regex text (the characters that rs_escape in
 * ruleset.c escapes, so that the text stays literal under (?x) too). */
static void rt_escape(struct strbuf *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strchr("\\^$.|?*+()[]{}# ", s[i]))
			strbuf_add(o, "\\", 1);
		strbuf_add(o, s + i, 1);
	}
}

/* Length in bytes of the UTF-8 character at s (1 for a stray byte). */
static size_t rt_charlen(const char *s, size_t left)
{
	unsigned char c = (unsigned char)s[0];
	size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;

	return n <= left ? n : 1;
}

static int rt_fold(const struct rt_ctx *c, unsigned char b)
{
	return c->caseless ? tolower(b) : b;
}

/* 1 when forms a and b have the same character at byte offset d (both long
 * enough), compared as the list compares. */
static int rt_same_char(const struct rt_ctx *c, size_t a, size_t b, size_t d)
{
	size_t la = c->lens[a] - d, lb = c->lens[b] - d;
	size_t na, nb;

	if (la == 0 || lb == 0)
		return 0;
	na = rt_charlen(c->forms[a] + d, la);
	nb = rt_charlen(c->forms[b] + d, lb);
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (rt_fold(c, (unsigned char)c->forms[a][d + i]) !=
		    rt_fold(c, (unsigned char)c->forms[b][d + i]))
			return 0;
	return 1;
}

/* Writes the node of forms [lo, hi), which share their first d bytes. */
static void rt_node(struct rt_ctx *c, size_t lo, size_t hi, size_t d)
{
	int ends = lo < hi && c->lens[lo] == d;
	size_t first = ends ? lo + 1 : lo;
	size_t ngroups = 0;

	for (size_t a = first; a < hi;) {
		size_t b = a + 1;

		while (b < hi && rt_same_char(c, a, b, d))
			b++;
		ngroups++;
		a = b;
	}
	if (ngroups == 0)
		return;
	if (ngroups > 1 || ends)
		strbuf_add(&c->out, "(?:", 3);
	for (size_t a = first, g = 0; a < hi; g++) {
		size_t b = a + 1, p = d;

		while (b < hi && rt_same_char(c, a, b, d))
			b++;
		/* The group's common prefix: characters every form has. */
		for (;;) {
			size_t k;

			if (c->lens[a] == p)
				break;
			for (k = a + 1; k < b && rt_same_char(c, a, k, p); k++)
				;
			if (k < b)
				break;
			p += rt_charlen(c->forms[a] + p, c->lens[a] - p);
		}
		if (g > 0)
			strbuf_add(&c->out, "|", 1);
		rt_escape(&c->out, c->forms[a] + d, p - d);
		rt_node(c, a, b, p);
		a = b;
	}
	if (ngroups > 1 || ends)
		strbuf_add(&c->out, ends ? ")?" : ")", ends ? 2 : 1);
}

static int rt_cmp_case(const void *pa, const void *pb)
{
	return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

static int rt_cmp_nocase(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
	int rc = strcasecmp(a, b);

	return rc ? rc : strcmp(a, b);
}

char *regtrie_alternation(const char *const *forms, size_t n, int caseless)
{
	struct rt_ctx c = {0};
	size_t kept = 0;

	c.caseless = caseless;
	c.forms = malloc((n + 1) * sizeof(*c.forms));
	c.lens = malloc((n + 1) * sizeof(*c.lens));
	if (!c.forms || !c.lens)
		goto fail;
	memcpy(c.forms, forms, n * sizeof(*forms));
	qsort(c.forms, n, sizeof(*c.forms), caseless ? rt_cmp_nocase : rt_cmp_case);
	for (size_t i = 0; i < n; i++) {
		if (kept > 0 && (caseless ? strcasecmp(c.forms[kept - 1], c.forms[i])
					  : strcmp(c.forms[kept - 1], c.forms[i])) == 0)
			continue;
		c.forms[kept++] = c.forms[i];
	}
	for (size_t i = 0; i < kept; i++)
		c.lens[i] = strlen(c.forms[i]);
	/* Starts the output empty; an empty form makes the root optional,
	 * so it matches the empty string as "a||b" would. */
	strbuf_add(&c.out, "", 0);
	rt_node(&c, 0, kept, 0);
	if (c.out.oom)
		goto fail;
	free(c.forms);
	free(c.lens);
	return c.out.p;
fail:
	free(c.forms);
	free(c.lens);
	free(c.out.p);
	return NULL;
}
