/*
 * alttrie.c - the word alternations of a pattern, rewritten as tries.
 *
 * PCRE2 tries the branches of a group one after the other, and its JIT
 * writes each branch's comparisons out in full: a macro such as {numword}
 * (thirty words) costs thirty failed comparisons at every position where
 * it is tried, and kilobytes of machine code in every rule that uses it,
 * code that an article's matching streams through the caches. The same
 * words as a trie of their shared prefixes fail on the first character no
 * word continues with.
 *
 * What is rewritten: in every group (and the pattern's top level), each run
 * of two or more consecutive "word" branches, a branch made only of ASCII
 * letters, digits, ' and -, and \s+ followed by such a character. Such a
 * branch matches in at most one way at a position, so a run yields at most
 * one match per branch, in branch order; the trie must yield the same ones
 * in the same order. Two conditions make it so:
 *   - siblings in the trie differ in their next character even ignoring
 *     ASCII case (so that under (?i) at most one of them can match: the
 *     branches "EU|eu" stay as written), and \s+ never shares a position
 *     with a character;
 *   - where a word ends at a node that continues ("six" in six, sixteen,
 *     sixty), either every longer word comes before it in the run, written
 *     "(?:...)?", longer first, or every one comes after it, "(?:...)??",
 *     shorter first.
 * A run that fails either condition is left as written. Characters are
 * compared byte for byte, so the rewrite holds with or without (?i).
 * Lookbehinds are left alone (PCRE2 wants their branches of fixed length),
 * and so is a whole pattern with a construct the scanner does not follow:
 * (*VERB), (?(condition), \Q...\E, (?x).
 *
 * Single-threaded, no state: call it from any thread.
 */
#include "alttrie.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* Token of "\s+" in a word branch; characters are their byte values. */
#define AT_SPACE 256

/* Deepest group nesting followed; deeper patterns are left as written. */
#define AT_MAX_DEPTH 128

struct at_ctx {
	const char *p;
	size_t i;
	int depth;
	int bail;      /* a construct the scanner does not follow */
	int oom;
};

/* One branch of a group, as rewritten; word: a run may take it. */
struct at_branch {
	struct strbuf text;
	int word;
};

/* A trie node: its token, first child, next sibling, the branch ending
 * here (-1: none) and the lowest and highest branch index below it. */
struct at_node {
	int tok;
	int child, next;
	int end;
	int lo, hi;
};

/* Nodes of one run's trie; a failed allocation leaves the run as written. */
struct at_trie {
	struct at_node *nodes;
	size_t n, cap;
};

static int at_wordchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '\'' || c == '-';
}

/* A letter of an option setting, "(?i-s:" or "(?^)". */
static int at_optchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '^' ||
	       c == '-';
}

static int at_fold(int tok)
{
	return tok >= 'A' && tok <= 'Z' ? tok + 32 : tok;
}

size_t alttrie_class_end(const char *p, size_t i)
{
	size_t j = i + 1;

	if (p[j] == '^')
		j++;
	if (p[j] == ']')
		j++;
	while (p[j] && p[j] != ']') {
		if (p[j] == '\\' && p[j + 1])
			j++;
		else if (p[j] == '[' && p[j + 1] == ':' && strstr(p + j + 2, ":]"))
			j = (size_t)(strstr(p + j + 2, ":]") - p) + 1;
		j++;
	}
	return p[j] == ']' ? j + 1 : j;
}

/* The tokens of word branch s; returns their count (s holds no more). */
static size_t at_tokens(const char *s, int *tok)
{
	size_t n = 0;

	while (*s) {
		if (s[0] == '\\') {
			tok[n++] = AT_SPACE;
			s += 3;
		} else {
			tok[n++] = (unsigned char)*s++;
		}
	}
	return n;
}

static int at_node_new(struct at_trie *t, int tok, int idx)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct at_node *grown = realloc(t->nodes, cap * sizeof(*grown));

		if (!grown)
			return -1;
		t->nodes = grown;
		t->cap = cap;
	}
	t->nodes[t->n] = (struct at_node){tok, -1, -1, -1, idx, idx};
	return (int)t->n++;
}

/* Inserts branch idx; 0, or -1 for a duplicate, a case-only sibling or no
 * memory. Children are kept in order of first appearance. */
static int at_insert(struct at_trie *t, const int *tok, size_t n, int idx)
{
	int cur = 0;

	for (size_t k = 0; k < n; k++) {
		int c = t->nodes[cur].child, last = -1;

		while (c >= 0 && t->nodes[c].tok != tok[k]) {
			if (at_fold(t->nodes[c].tok) == at_fold(tok[k]))
				return -1;
			last = c;
			c = t->nodes[c].next;
		}
		if (c < 0) {
			c = at_node_new(t, tok[k], idx);
			if (c < 0)
				return -1;
			if (last < 0)
				t->nodes[cur].child = c;
			else
				t->nodes[last].next = c;
		}
		if (idx < t->nodes[c].lo)
			t->nodes[c].lo = idx;
		if (idx > t->nodes[c].hi)
			t->nodes[c].hi = idx;
		cur = c;
	}
	if (t->nodes[cur].end >= 0)
		return -1;
	t->nodes[cur].end = idx;
	return 0;
}

/* Whether the words below node i all come before (-1) or all after (1) the
 * word ending at i; 0 when mixed. */
static int at_order(const struct at_trie *t, int i)
{
	int lo = -1, hi = -1, e = t->nodes[i].end;

	for (int c = t->nodes[i].child; c >= 0; c = t->nodes[c].next) {
		if (lo < 0 || t->nodes[c].lo < lo)
			lo = t->nodes[c].lo;
		if (t->nodes[c].hi > hi)
			hi = t->nodes[c].hi;
	}
	return hi < e ? -1 : lo > e ? 1 : 0;
}

/* Whether every node of the trie satisfies the order condition. */
static int at_orderly(const struct at_trie *t)
{
	for (size_t i = 1; i < t->n; i++)
		if (t->nodes[i].end >= 0 && t->nodes[i].child >= 0 &&
		    at_order(t, (int)i) == 0)
			return 0;
	return 1;
}

static void at_tok(struct strbuf *out, int tok)
{
	char c = (char)tok;

	if (tok == AT_SPACE)
		strbuf_str(out, "\\s+");
	else
		strbuf_add(out, &c, 1);
}

/* Writes what follows node i: its children, as a group unless there is
 * one and no word ends at i. */
static void at_emit(const struct at_trie *t, int i, struct strbuf *out)
{
	int c = t->nodes[i].child, group;

	if (c < 0)
		return;
	group = i > 0 && (t->nodes[c].next >= 0 || t->nodes[i].end >= 0);
	if (group)
		strbuf_str(out, "(?:");
	for (; c >= 0; c = t->nodes[c].next) {
		at_tok(out, t->nodes[c].tok);
		at_emit(t, c, out);
		if (t->nodes[c].next >= 0)
			strbuf_str(out, "|");
	}
	if (group)
		strbuf_str(out, t->nodes[i].end < 0 ? ")" :
		       at_order(t, i) < 0 ? ")?" : ")??");
}

/* Writes branches [a, b), all word branches, as one trie into out; -1 (out
 * untouched) when the run does not meet the conditions. */
static int at_trie(const struct at_branch *br, size_t a, size_t b,
		   struct strbuf *out)
{
	struct at_trie t = {0};
	int *tok = NULL;
	int rc = -1;

	if (at_node_new(&t, -1, 0) < 0)
		goto out;
	for (size_t k = a; k < b; k++) {
		size_t n;
		int *grown = realloc(tok, (br[k].text.n + 1) * sizeof(*tok));

		if (!grown)
			goto out;
		tok = grown;
		n = at_tokens(br[k].text.p, tok);
		if (at_insert(&t, tok, n, (int)(k - a)) < 0)
			goto out;
	}
	if (!at_orderly(&t))
		goto out;
	at_emit(&t, 0, out);
	rc = 0;
out:
	free(tok);
	free(t.nodes);
	return rc;
}

static void at_alt(struct at_ctx *c, struct strbuf *out, int rewrite);

/* Copies the callout at c->p[c->i] ("(?C"): a number or a delimited
 * string, then ")". */
static void at_callout(struct at_ctx *c, struct strbuf *out)
{
	const char *p = c->p;
	size_t j = c->i + 3;
	char close;

	if (p[j] >= '0' && p[j] <= '9') {
		while (p[j] >= '0' && p[j] <= '9')
			j++;
	} else if (p[j] && strchr("`'\"^%#${", p[j])) {
		close = p[j] == '{' ? '}' : p[j];
		for (j++; p[j]; j++)
			if (p[j] == close) {
				if (p[j + 1] != close)
					break;
				j++;
			}
		if (p[j])
			j++;
	}
	if (p[j] != ')') {
		c->bail = 1;
		return;
	}
	strbuf_add(out, p + c->i, j + 1 - c->i);
	c->i = j + 1;
}

/* Copies the group opening at c->p[c->i], rewriting inside when it is a
 * plain, named, atomic, option-setting or lookahead group. */
static void at_group(struct at_ctx *c, struct strbuf *out, int rewrite)
{
	const char *p = c->p + c->i;
	size_t open = 1, j;
	int inner = rewrite;

	if (p[1] == '*' || (p[1] == '?' && (p[2] == '(' || p[2] == 0))) {
		c->bail = 1;
		return;
	}
	if (p[1] == '?') {
		if (p[2] == 'C') {
			at_callout(c, out);
			return;
		}
		if (p[2] == '#' || p[2] == 'R' || p[2] == '&' ||
		    (p[2] >= '0' && p[2] <= '9') ||
		    ((p[2] == '+' || p[2] == '-') && p[3] >= '0' && p[3] <= '9') ||
		    (p[2] == 'P' && (p[3] == '>' || p[3] == '='))) {
			/* A comment, a recursion or a back reference. */
			const char *e = strchr(p, ')');

			if (!e) {
				c->bail = 1;
				return;
			}
			strbuf_add(out, p, (size_t)(e - p) + 1);
			c->i += (size_t)(e - p) + 1;
			return;
		}
		if (p[2] == ':' || p[2] == '>' || p[2] == '=' || p[2] == '!') {
			open = 3;
		} else if (p[2] == '|') {
			open = 3;
			inner = 0;
		} else if (p[2] == '<' && (p[3] == '=' || p[3] == '!')) {
			open = 4;
			inner = 0;
		} else if (p[2] == '<' || p[2] == '\'' ||
			   (p[2] == 'P' && p[3] == '<')) {
			char close = p[2] == '\'' ? '\'' : '>';
			const char *e = strchr(p + 3, close);

			if (!e) {
				c->bail = 1;
				return;
			}
			open = (size_t)(e - p) + 1;
		} else {
			/* Option letters, then ':' (a group) or ')' (a
			 * setting for the rest of the enclosing group). */
			for (j = 2; at_optchar((unsigned char)p[j]); j++)
				if (p[j] == 'x') {
					c->bail = 1;
					return;
				}
			if (p[j] == ')') {
				strbuf_add(out, p, j + 1);
				c->i += j + 1;
				return;
			}
			if (p[j] != ':') {
				c->bail = 1;
				return;
			}
			open = j + 1;
		}
	}
	if (++c->depth > AT_MAX_DEPTH) {
		c->bail = 1;
		return;
	}
	strbuf_add(out, p, open);
	c->i += open;
	at_alt(c, out, inner);
	c->depth--;
	if (c->p[c->i] != ')') {
		c->bail = 1;
		return;
	}
	strbuf_add(out, ")", 1);
	c->i++;
}

/* Copies one branch up to '|', ')' or the end into b; whether it is a word
 * branch. */
static int at_branch(struct at_ctx *c, struct strbuf *b, int rewrite)
{
	const char *p = c->p;
	int word = 1, ntok = 0, space = 0;

	while (!c->bail && p[c->i] && p[c->i] != '|' && p[c->i] != ')') {
		size_t i = c->i;

		if (p[i] == '\\') {
			if (p[i + 1] == 's' && p[i + 2] == '+' && p[i + 3] != '+' &&
			    p[i + 3] != '?' && !space) {
				strbuf_str(b, "\\s+");
				c->i += 3;
				ntok++;
				space = 1;
				continue;
			}
			if (p[i + 1] == 0 || p[i + 1] == 'Q') {
				c->bail = 1;
				break;
			}
			/* \cX takes the next character whatever it is. */
			strbuf_add(b, p + i, p[i + 1] == 'c' && p[i + 2] ? 3 : 2);
			c->i += p[i + 1] == 'c' && p[i + 2] ? 3 : 2;
			word = 0;
		} else if (p[i] == '[') {
			size_t e = alttrie_class_end(p, i);

			strbuf_add(b, p + i, e - i);
			c->i = e;
			word = 0;
		} else if (p[i] == '(') {
			at_group(c, b, rewrite);
			word = 0;
		} else if (at_wordchar((unsigned char)p[i])) {
			strbuf_add(b, p + i, 1);
			c->i++;
			ntok++;
			space = 0;
		} else {
			strbuf_add(b, p + i, 1);
			c->i++;
			word = 0;
		}
	}
	/* "\s+" must be followed by a character: at the end it could match
	 * in several ways. */
	return word && ntok > 0 && !space;
}

/* Copies the alternation at c->p[c->i] up to its closing ')' (left there)
 * or the end into out, word runs as tries when rewrite is set. */
static void at_alt(struct at_ctx *c, struct strbuf *out, int rewrite)
{
	struct at_branch *br = NULL;
	size_t n = 0, cap = 0;

	for (;;) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct at_branch *grown = realloc(br, ncap * sizeof(*br));

			if (!grown) {
				c->oom = 1;
				break;
			}
			br = grown;
			cap = ncap;
		}
		br[n] = (struct at_branch){{NULL, 0, 0, 0}, 0};
		strbuf_str(&br[n].text, "");
		br[n].word = at_branch(c, &br[n].text, rewrite) && rewrite;
		if (br[n].text.oom)
			c->oom = 1;
		n++;
		if (c->bail || c->oom || c->p[c->i] != '|')
			break;
		c->i++;
	}
	for (size_t a = 0; a < n && !c->bail && !c->oom;) {
		size_t b = a + 1;

		if (a > 0)
			strbuf_str(out, "|");
		while (br[a].word && b < n && br[b].word)
			b++;
		if (b - a >= 2 && at_trie(br, a, b, out) == 0) {
			a = b;
			continue;
		}
		strbuf_add(out, br[a].text.p, br[a].text.n);
		a++;
	}
	for (size_t k = 0; k < n; k++)
		free(br[k].text.p);
	free(br);
	if (out->oom)
		c->oom = 1;
}

char *alttrie_rewrite(const char *re)
{
	struct at_ctx c = {re, 0, 0, 0, 0};
	struct strbuf out = {0};

	strbuf_str(&out, "");
	at_alt(&c, &out, 1);
	if (!c.oom && !c.bail && re[c.i] != '\0')
		c.bail = 1;     /* an unmatched ')': PCRE2 will say so */
	if (c.oom || c.bail) {
		free(out.p);
		return c.oom ? NULL : strdup(re);
	}
	return out.p;
}
