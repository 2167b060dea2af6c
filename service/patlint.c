/*
 * patlint.c - runaway-pattern heuristics for `evextract rules check`.
 *
 * A small recursive-descent reader walks a PCRE2 pattern once. Each group
 * body is a list of alternatives; each alternative a sequence of items (an
 * atom or a group, with its quantifier). An item carries what the checks
 * need: the bytes it can match (a 256-bit set, letters in both cases since
 * patterns are caseless), its repeat bounds, whether it can match nothing
 * (nullable), whether it is a wide wildcard, an alternation (a group with
 * several branches, or a {list}), and whether it is "ambiguous": a repeat
 * without bound, or a group one of whose branches is an ambiguous item with
 * nothing else required around it. The checks:
 *   nested:   an item repeated without bound (or many times) whose body is
 *             ambiguous: each character run can be split between the inner
 *             and the outer repeat in exponentially many ways;
 *   adjacent: two unbounded repeats in one sequence, with only nullable items
 *             between them, whose byte sets meet;
 *   wildcard: an unbounded wide wildcard with an alternation item before and
 *             after it in the same sequence.
 * Possessive repeats and atomic groups are never ambiguous; lookarounds are
 * nullable and do not separate. Items past PL_MAX_ITEMS in one sequence are
 * still read but no longer compared. Findings are kept per kind, the first
 * of each kind described with the pattern text concerned.
 *
 * patlint_pack expands {macro} references itself (as `(?:fragment)`, like
 * the ruleset does) and leaves {list} and {a|b} references for the reader,
 * which takes them as bounded alternations of words.
 *
 * No shared state; any thread.
 */
#include "patlint.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"

/* Items compared per sequence, and group nesting followed. */
#define PL_MAX_ITEMS 256
#define PL_MAX_DEPTH 64
/* A bounded outer repeat this large counts as unbounded for "nested". */
#define PL_NESTED_MIN_MAX 8
/* Longest quote of a pattern part in a message. */
#define PL_QUOTE 48
/* A set with at least this many of the 256 bytes is a wide wildcard. */
#define PL_WIDE 192

struct pl_set {
	unsigned char b[32];
};

struct pl_item {
	size_t off, end;     /* span in the pattern, quantifier included */
	struct pl_set set;
	long min, max;       /* repeat bounds; max -1: no bound */
	int nullable;
	int unbounded;       /* max -1 and not possessive */
	int possessive;      /* a++, a*+, a?+, a{n,m}+ */
	int ambiguous;       /* see the design comment */
	int wide;            /* a wide wildcard atom */
	int alt;             /* alternation group or {list} */
	int zero;            /* zero-width: assertion, lookaround, anchor */
	int cmp;             /* compared by the adjacent check: an atom, or a
	                      * group whose body is ambiguous */
};

/* What a group body (its alternatives) amounts to. */
struct pl_body {
	struct pl_set set;
	int nullable;
	int ambiguous;
	int nalts;
};

struct pl {
	const char *s;
	size_t n, i;
	int bad;             /* cannot follow the pattern: report nothing */
	unsigned kinds;
	char why[3][320];    /* first finding of each kind */
};

static void pl_set_add(struct pl_set *st, unsigned c)
{
	st->b[(c & 0xff) >> 3] |= (unsigned char)(1u << (c & 7));
}

static void pl_set_add_ci(struct pl_set *st, unsigned c)
{
	pl_set_add(st, c);
	if (c < 128 && isalpha((int)c)) {
		pl_set_add(st, (unsigned)tolower((int)c));
		pl_set_add(st, (unsigned)toupper((int)c));
	}
}

static void pl_set_range(struct pl_set *st, unsigned lo, unsigned hi)
{
	for (unsigned c = lo; c <= hi && c < 256; c++)
		pl_set_add_ci(st, c);
}

static void pl_set_or(struct pl_set *a, const struct pl_set *b)
{
	for (int k = 0; k < 32; k++)
		a->b[k] |= b->b[k];
}

static void pl_set_not(struct pl_set *st)
{
	for (int k = 0; k < 32; k++)
		st->b[k] = (unsigned char)~st->b[k];
}

/* Returns 1 when a and b share a byte other than white space: runs of
 * white space in prose are short, so two overlapping space repeats (\s+\s*)
 * cost little and are not reported. */
static int pl_set_meets(const struct pl_set *a, const struct pl_set *b)
{
	static const unsigned char space[] = {'\t', '\n', '\v', '\f', '\r', ' '};

	for (int k = 0; k < 32; k++) {
		unsigned char both = a->b[k] & b->b[k];

		for (size_t j = 0; j < sizeof(space); j++)
			if ((space[j] >> 3) == k)
				both &= (unsigned char)~(1u << (space[j] & 7));
		if (both)
			return 1;
	}
	return 0;
}

static int pl_set_count(const struct pl_set *st)
{
	int n = 0;

	for (int k = 0; k < 32; k++)
		for (int j = 0; j < 8; j++)
			n += (st->b[k] >> j) & 1;
	return n;
}

/* The set of a class escape letter (d, w, s, h, v and their negations);
 * returns 0 when c is not one. Bytes 128-255 stand for every non-ASCII
 * character: UTF-8 lead and continuation bytes. */
static int pl_class_escape(int c, struct pl_set *st)
{
	struct pl_set x;

	memset(&x, 0, sizeof(x));
	switch (tolower(c)) {
	case 'd':
		pl_set_range(&x, '0', '9');
		break;
	case 'w':
		pl_set_range(&x, '0', '9');
		pl_set_range(&x, 'a', 'z');
		pl_set_add(&x, '_');
		break;
	case 's':
	case 'v':
	case 'h':
		pl_set_range(&x, '\t', '\r');
		pl_set_add(&x, ' ');
		break;
	case 'n':
		if (c != 'N')
			return 0;
		pl_set_add(&x, '\n');
		pl_set_not(&x);
		*st = x;
		return 1;
	default:
		return 0;
	}
	if (isupper(c))
		pl_set_not(&x);
	*st = x;
	return 1;
}

/* Reads one escape at s[i] == '\\' into st (a one-character or class set).
 * Sets *zero for assertions (\b, \A, ...). Returns the index after it. */
static size_t pl_escape(struct pl *p, size_t i, struct pl_set *st, int *zero)
{
	int c;

	*zero = 0;
	if (i + 1 >= p->n) {
		p->bad = 1;
		return p->n;
	}
	c = (unsigned char)p->s[i + 1];
	if (pl_class_escape(c, st))
		return i + 2;
	if (strchr("bBAzZGK", c)) {
		*zero = 1;
		return i + 2;
	}
	if (c == 'p' || c == 'P' || c == 'x' || c == 'o' || c == 'k' ||
	    c == 'g') {
		/* A property, a code point, a back-reference: anything. */
		size_t j = i + 2;

		if (j < p->n && strchr("{<'", p->s[j])) {
			char close = p->s[j] == '{' ? '}' : p->s[j] == '<' ? '>' : '\'';

			while (j < p->n && p->s[j] != close)
				j++;
			j++;
		} else if (c == 'x') {
			while (j < p->n && j < i + 4 && isxdigit((unsigned char)p->s[j]))
				j++;
		} else {
			j++;
		}
		if (c == 'x' || c == 'o') {
			pl_set_range(st, 128, 255);
		} else if (c == 'p') {
			/* A property: take it as letters and digits. */
			pl_set_range(st, '0', '9');
			pl_set_range(st, 'a', 'z');
			pl_set_range(st, 128, 255);
		} else {
			memset(st, 0xff, sizeof(*st));
		}
		return j > p->n ? p->n : j;
	}
	if (isdigit(c)) {
		memset(st, 0xff, sizeof(*st));
		return i + 2;
	}
	if (c == 'R') {
		pl_set_range(st, '\n', '\r');
		return i + 2;
	}
	pl_set_add_ci(st, c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : (unsigned)c);
	return i + 2;
}

/* Reads a character class at s[i] == '['. Returns the index after it. */
static size_t pl_class(struct pl *p, size_t i, struct pl_set *st)
{
	struct pl_set x;
	int neg = 0, first = 1, zero;
	unsigned prev = 256;

	memset(&x, 0, sizeof(x));
	i++;
	if (i < p->n && p->s[i] == '^') {
		neg = 1;
		i++;
	}
	while (i < p->n && (p->s[i] != ']' || first)) {
		unsigned c = (unsigned char)p->s[i];

		first = 0;
		if (c == '[' && i + 1 < p->n && p->s[i + 1] == ':') {
			const char *e = strstr(p->s + i, ":]");

			/* A POSIX class: take it as letters, digits, space. */
			pl_set_range(&x, '0', '9');
			pl_set_range(&x, 'a', 'z');
			pl_set_add(&x, ' ');
			i = e ? (size_t)(e - p->s) + 2 : p->n;
			prev = 256;
			continue;
		}
		if (c == '\\') {
			struct pl_set e;

			memset(&e, 0, sizeof(e));
			i = pl_escape(p, i, &e, &zero);
			pl_set_or(&x, &e);
			prev = pl_set_count(&e) == 1 || pl_set_count(&e) == 2
				       ? (unsigned char)p->s[i - 1] : 256;
			continue;
		}
		if (c == '-' && prev < 256 && i + 1 < p->n && p->s[i + 1] != ']') {
			unsigned hi = (unsigned char)p->s[i + 1];

			pl_set_range(&x, prev, hi);
			i += 2;
			prev = 256;
			continue;
		}
		pl_set_add_ci(&x, c);
		prev = c;
		i++;
	}
	if (i >= p->n) {
		p->bad = 1;
		return p->n;
	}
	if (neg)
		pl_set_not(&x);
	*st = x;
	return i + 1;
}

/* Reads a quantifier at s[i], if any, into item. Returns the index after. */
static size_t pl_quant(struct pl *p, size_t i, struct pl_item *it)
{
	long lo = 1, hi = 1;
	int possessive = 0;

	if (i >= p->n)
		return i;
	if (p->s[i] == '*' || p->s[i] == '+' || p->s[i] == '?') {
		lo = p->s[i] == '+' ? 1 : 0;
		hi = p->s[i] == '?' ? 1 : -1;
		i++;
	} else if (p->s[i] == '{') {
		size_t j = i + 1;
		char *end;

		while (j < p->n && (isdigit((unsigned char)p->s[j]) ||
				    p->s[j] == ',' || p->s[j] == ' '))
			j++;
		if (j >= p->n || p->s[j] != '}' || j == i + 1)
			return i;  /* a literal '{' or a {list}: not ours */
		const char *comma = memchr(p->s + i, ',', j - i);

		lo = p->s[i + 1] == ',' ? 0 : strtol(p->s + i + 1, &end, 10);
		if (comma)
			hi = isdigit((unsigned char)p->s[j - 1])
				     ? strtol(comma + 1, &end, 10) : -1;
		else
			hi = lo;
		if (hi != -1 && hi < lo)
			hi = lo;
		i = j + 1;
	} else {
		return i;
	}
	if (i < p->n && p->s[i] == '+') {
		possessive = 1;
		i++;
	} else if (i < p->n && p->s[i] == '?') {
		i++;
	}
	it->min = lo * it->min;
	it->max = hi < 0 || it->max < 0 ? -1 : hi * it->max;
	it->nullable = it->nullable || lo == 0;
	it->unbounded = hi < 0 && !possessive;
	if (possessive) {
		it->possessive = 1;
		it->ambiguous = 0;
		it->unbounded = 0;
	}
	return i;
}

/* Quotes s[off..end) into buf, shortened with "..." when long. */
static void pl_quote(const struct pl *p, size_t off, size_t end, char *buf,
		     size_t size)
{
	size_t len = end - off;

	if (len > PL_QUOTE)
		snprintf(buf, size, "%.*s...", PL_QUOTE - 3, p->s + off);
	else
		snprintf(buf, size, "%.*s", (int)len, p->s + off);
}

static void pl_found(struct pl *p, unsigned kind, const char *fmt,
		     const char *a, const char *b)
{
	int k = kind == PATLINT_NESTED ? 0 : kind == PATLINT_ADJACENT ? 1 : 2;

	if (p->kinds & kind)
		return;
	p->kinds |= kind;
	snprintf(p->why[k], sizeof(p->why[k]), fmt, a, b ? b : "");
}

/* Runs the adjacent and wildcard checks on one finished sequence. */
static void pl_check_seq(struct pl *p, const struct pl_item *it, size_t n)
{
	char qa[PL_QUOTE + 4], qb[PL_QUOTE + 4];

	for (size_t a = 0; a < n; a++) {
		if (!it[a].ambiguous)
			continue;
		/* Later unbounded repeats with only nullable items between.
		 * A group counts only when its body is one repeat (its byte
		 * set is then that repeat's); others need text of their own
		 * in every round. */
		for (size_t b = a + 1; b < n && it[a].cmp; b++) {
			if (it[b].ambiguous && it[b].cmp) {
				if (pl_set_meets(&it[a].set, &it[b].set)) {
					pl_quote(p, it[a].off, it[a].end, qa, sizeof(qa));
					pl_quote(p, it[b].off, it[b].end, qb, sizeof(qb));
					pl_found(p, PATLINT_ADJACENT,
						 "adjacent unbounded repeats \"%s\" and "
						 "\"%s\" can match the same text "
						 "(polynomial backtracking)", qa, qb);
					break;
				}
			}
			if (!it[b].nullable)
				break;
		}
		if (it[a].wide && it[a].unbounded) {
			int before = 0, after = 0;

			for (size_t b = 0; b < a; b++)
				before |= it[b].alt;
			for (size_t b = a + 1; b < n; b++)
				after |= it[b].alt;
			if (before && after) {
				pl_quote(p, it[a].off, it[a].end, qa, sizeof(qa));
				pl_found(p, PATLINT_WILDCARD,
					 "unbounded wildcard \"%s\" between "
					 "alternations (backtracks over the whole "
					 "sentence; bound it, e.g. "
					 "(?:\\w+\\s+){0,4}?)%s", qa, NULL);
			}
		}
	}
}

static void pl_body(struct pl *p, int depth, struct pl_body *out);

/* Reads a group at s[i] == '('; fills it. Returns the index after ')'. */
static size_t pl_group(struct pl *p, size_t i, int depth, struct pl_item *it)
{
	struct pl_body b;
	int atomic = 0, look = 0;

	i++;
	if (i < p->n && p->s[i] == '*') {
		/* (*VERB): zero-width. */
		while (i < p->n && p->s[i] != ')')
			i++;
		it->zero = it->nullable = 1;
		return i < p->n ? i + 1 : p->n;
	}
	if (i < p->n && p->s[i] == '?') {
		i++;
		if (i < p->n && p->s[i] == '#') {
			while (i < p->n && p->s[i] != ')')
				i++;
			it->zero = it->nullable = 1;
			return i < p->n ? i + 1 : p->n;
		}
		if (i < p->n && (p->s[i] == '=' || p->s[i] == '!')) {
			look = 1;
			i++;
		} else if (i + 1 < p->n && p->s[i] == '<' &&
			   (p->s[i + 1] == '=' || p->s[i + 1] == '!')) {
			look = 1;
			i += 2;
		} else if (i < p->n && p->s[i] == '>') {
			atomic = 1;
			i++;
		} else if (i < p->n && p->s[i] == '(') {
			/* A condition: skip it, read the branches. */
			int d = 0;

			for (; i < p->n; i++) {
				if (p->s[i] == '(')
					d++;
				else if (p->s[i] == ')' && --d == 0)
					break;
			}
			i++;
		} else if (i < p->n && (p->s[i] == '<' || p->s[i] == '\'' ||
					p->s[i] == 'P')) {
			/* A named group: skip the name. */
			char close = p->s[i] == '\'' ? '\'' : '>';

			while (i < p->n && p->s[i] != close)
				i++;
			i++;
		} else {
			/* Flags: "(?i)" alone is zero-width; "(?-i:" opens;
			 * "(?|" is a branch reset group. */
			while (i < p->n && (isalpha((unsigned char)p->s[i]) ||
					    p->s[i] == '-' || p->s[i] == '^'))
				i++;
			if (i < p->n && p->s[i] == ')') {
				it->zero = it->nullable = 1;
				return i + 1;
			}
			if (i >= p->n || (p->s[i] != ':' && p->s[i] != '|')) {
				p->bad = 1;
				return p->n;
			}
			i++;
		}
	}
	p->i = i;
	pl_body(p, depth + 1, &b);
	if (p->bad)
		return p->n;
	if (p->i >= p->n || p->s[p->i] != ')') {
		p->bad = 1;
		return p->n;
	}
	it->set = b.set;
	it->nullable = b.nullable;
	it->alt = b.nalts > 1;
	it->ambiguous = b.ambiguous && !atomic;
	if (look) {
		memset(&it->set, 0, sizeof(it->set));
		it->zero = it->nullable = 1;
		it->ambiguous = 0;
		it->alt = 0;
	}
	return p->i + 1;
}

/* Reads one item (atom or group and its quantifier) at p->i. */
static void pl_item(struct pl *p, int depth, struct pl_item *it)
{
	size_t i = p->i;
	char c = p->s[i];
	int inner_ambiguous;

	memset(it, 0, sizeof(*it));
	it->off = i;
	it->min = it->max = 1;
	if (c == '(') {
		i = pl_group(p, i, depth, it);
	} else if (c == '[') {
		i = pl_class(p, i, &it->set);
	} else if (c == '\\') {
		i = pl_escape(p, i, &it->set, &it->zero);
		it->nullable = it->zero;
	} else if (c == '.') {
		pl_set_add(&it->set, '\n');
		pl_set_not(&it->set);
		i++;
	} else if (c == '^' || c == '$') {
		it->zero = it->nullable = 1;
		i++;
	} else if (c == '{' && i + 1 < p->n &&
		   (isalpha((unsigned char)p->s[i + 1]) || p->s[i + 1] == '_')) {
		/* A {list} or {a|b} union: a bounded alternation of words. */
		const char *e = memchr(p->s + i, '}', p->n - i);

		pl_set_range(&it->set, '0', '9');
		pl_set_range(&it->set, 'a', 'z');
		pl_set_add(&it->set, ' ');
		pl_set_add(&it->set, '-');
		pl_set_add(&it->set, '.');
		pl_set_add(&it->set, '\'');
		pl_set_range(&it->set, 128, 255);
		it->alt = 1;
		i = e ? (size_t)(e - p->s) + 1 : p->n;
	} else {
		pl_set_add_ci(&it->set, (unsigned char)c);
		i++;
	}
	if (p->bad)
		return;
	it->wide = !it->zero && c != '(' && pl_set_count(&it->set) >= PL_WIDE;
	inner_ambiguous = it->ambiguous;
	it->cmp = c != '(' || inner_ambiguous;
	i = pl_quant(p, i, it);
	it->end = i;
	p->i = i;
	/* Nested: a repeated body that is itself ambiguous. */
	if (inner_ambiguous && !it->possessive &&
	    (it->max < 0 || it->max >= PL_NESTED_MIN_MAX)) {
		char q[PL_QUOTE + 4];

		pl_quote(p, it->off, it->end, q, sizeof(q));
		pl_found(p, PATLINT_NESTED,
			 "nested quantifier \"%s\" repeats an unbounded repeat "
			 "(catastrophic backtracking; make the parts "
			 "exclusive or possessive)%s", q, NULL);
	}
	if (it->unbounded)
		it->ambiguous = 1;
	if (it->zero)
		it->ambiguous = 0;
}

/* Reads alternatives up to an unmatched ')' or the end (left at p->i). */
static void pl_body(struct pl *p, int depth, struct pl_body *out)
{
	struct pl_item *items;
	size_t nitems = 0, required = 0, required_amb = 0;
	int alt_ambiguous = 0, alt_nullable = 1;

	memset(out, 0, sizeof(*out));
	if (depth > PL_MAX_DEPTH) {
		p->bad = 1;
		return;
	}
	items = calloc(PL_MAX_ITEMS, sizeof(*items));
	if (!items) {
		p->bad = 1;
		return;
	}
	out->nalts = 1;
	for (;;) {
		if (p->i >= p->n || p->s[p->i] == ')' || p->s[p->i] == '|') {
			/* An alternative ends: ambiguous when one ambiguous
			 * item is all it needs (the rest can match nothing),
			 * so it can match a run in many ways. */
			pl_check_seq(p, items, nitems);
			if (alt_ambiguous && (required == 0 ||
					      (required == 1 && required_amb == 1)))
				out->ambiguous = 1;
			if (alt_nullable)
				out->nullable = 1;
			if (p->i >= p->n || p->s[p->i] == ')')
				break;
			p->i++;
			out->nalts++;
			nitems = required = required_amb = 0;
			alt_ambiguous = 0;
			alt_nullable = 1;
			continue;
		}
		if (p->s[p->i] == '\\' && p->i + 1 < p->n && p->s[p->i + 1] == 'Q') {
			/* \Q...\E: literal text. */
			const char *e = strstr(p->s + p->i + 2, "\\E");
			size_t stop = e ? (size_t)(e - p->s) : p->n;
			struct pl_item lit;

			memset(&lit, 0, sizeof(lit));
			lit.off = p->i;
			for (size_t k = p->i + 2; k < stop; k++)
				pl_set_add_ci(&lit.set, (unsigned char)p->s[k]);
			p->i = e ? stop + 2 : p->n;
			lit.end = p->i;
			lit.min = lit.max = 1;
			if (p->i > lit.off + 4) {
				alt_nullable = 0;
				required++;
			}
			if (nitems < PL_MAX_ITEMS)
				items[nitems++] = lit;
			continue;
		}
		{
			struct pl_item it;

			pl_item(p, depth, &it);
			if (p->bad)
				break;
			pl_set_or(&out->set, &it.set);
			if (!it.nullable) {
				alt_nullable = 0;
				required++;
				required_amb += it.ambiguous != 0;
			}
			alt_ambiguous |= it.ambiguous;
			if (nitems < PL_MAX_ITEMS)
				items[nitems++] = it;
		}
	}
	free(items);
}

unsigned patlint_pattern(const char *pattern, char *why, size_t why_size)
{
	struct pl p;
	struct pl_body b;
	size_t n = 0;

	memset(&p, 0, sizeof(p));
	p.s = pattern;
	p.n = strlen(pattern);
	pl_body(&p, 0, &b);
	if (!p.bad && p.i < p.n)
		p.bad = 1;  /* an unmatched ')' */
	if (why_size)
		why[0] = '\0';
	if (p.bad)
		return 0;
	for (int k = 0; k < 3 && why_size; k++) {
		if (!p.why[k][0])
			continue;
		n += (size_t)snprintf(why + (n < why_size ? n : why_size - 1),
				      n < why_size ? why_size - n : 1, "%s%s",
				      n ? "; " : "", p.why[k]);
	}
	return p.kinds;
}

/* Finds the macro called name (len bytes), or NULL. */
static const struct rp_macro *pl_macro(const struct rulepack *rp,
				       const char *name, size_t len)
{
	for (size_t i = 0; i < rp->nmacros; i++)
		if (strlen(rp->macros[i].name) == len &&
		    memcmp(rp->macros[i].name, name, len) == 0)
			return &rp->macros[i];
	return NULL;
}

/* Appends src with macros expanded to the buffer (*buf, *len, *cap).
 * Returns 0, or -1 on memory or too deep a nesting (a cycle, which the
 * ruleset reports as an error itself). */
static int pl_expand(const struct rulepack *rp, const char *src, int depth,
		     char **buf, size_t *len, size_t *cap)
{
	if (depth > EVX_MAX_MACRO_DEPTH)
		return -1;
	for (const char *s = src; *s; s++) {
		const char *e = NULL;
		const struct rp_macro *m = NULL;
		const char *add = s;
		size_t addlen = 1;

		if (*s == '\\' && s[1]) {
			addlen = 2;
		} else if (*s == '{' && (isalpha((unsigned char)s[1]) || s[1] == '_')) {
			size_t k = 1;

			while (isalnum((unsigned char)s[k]) || s[k] == '_')
				k++;
			if (s[k] == '}') {
				e = s + k;
				m = pl_macro(rp, s + 1, k - 1);
			}
		}
		if (*len + addlen + 8 > *cap) {
			size_t ncap = (*cap ? *cap * 2 : 256) + addlen + 8;
			char *nb = realloc(*buf, ncap);

			if (!nb)
				return -1;
			*buf = nb;
			*cap = ncap;
		}
		if (m) {
			memcpy(*buf + *len, "(?:", 3);
			*len += 3;
			if (pl_expand(rp, m->value, depth + 1, buf, len, cap) < 0)
				return -1;
			(*buf)[(*len)++] = ')';
			s = e;
			continue;
		}
		memcpy(*buf + *len, add, addlen);
		*len += addlen;
		s += addlen - 1;
	}
	(*buf)[*len] = '\0';
	return 0;
}

/* Lints one pattern of rule r; what names it ("pattern", "exclude[2]"). */
static size_t pl_lint_one(const struct rulepack *rp, const struct rp_rule *r,
			  const char *pattern, int line, const char *what,
			  struct diag *d)
{
	char *buf = NULL, why[600];
	size_t len = 0, cap = 0, n = 0;
	unsigned kinds;

	if (!pattern || pl_expand(rp, pattern, 0, &buf, &len, &cap) < 0 || !buf) {
		free(buf);
		return 0;
	}
	kinds = patlint_pattern(buf, why, sizeof(why));
	if (kinds) {
		diag_warn(d, r->file, line, r->id, "%s: %s", what, why);
		n = 1;
	}
	free(buf);
	return n;
}

size_t patlint_pack(const struct rulepack *rp, struct diag *d)
{
	size_t n = 0;
	char what[32];

	if (!rp)
		return 0;
	for (size_t i = 0; i < rp->nrules; i++) {
		const struct rp_rule *r = &rp->rules[i];

		n += pl_lint_one(rp, r, r->pattern, r->pattern_line, "pattern", d);
		for (size_t k = 0; k < r->nexclude; k++) {
			snprintf(what, sizeof(what), "exclude[%zu]", k + 1);
			n += pl_lint_one(rp, r, r->exclude[k],
					 r->exclude_line ? r->exclude_line[k]
							 : r->line,
					 what, d);
		}
		if (r->type && r->nno_match == 0) {
			diag_warn(d, r->file, r->line, r->id,
				  "no no_match example: add a sentence it "
				  "must not match");
			n++;
		}
	}
	return n;
}
