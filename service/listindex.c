/*
 * listindex.c - where the forms of big lists occur in a text.
 *
 * Data structure: every form is keyed by its first token, the run of ASCII
 * word characters it starts with (or, when it starts with another byte, its
 * first UTF-8 character), hashed with ASCII letters folded to lower case.
 * The forms are sorted by that hash, and an open-addressing table maps each
 * hash to its run of forms. A scan visits only the positions where a match
 * of a list may start (a boundary, see listindex.h), takes the text's token
 * there, and compares the few forms whose token hashes alike, in full, with
 * an end-boundary check. An occurrence that a sentence could only hold
 * because the sentence was cut inside a word is found through the caller's
 * bounds: a token with a bound inside it is also looked up cut at the
 * bound.
 *
 * Why not a literal-matching automaton over all forms (a Vectorscan
 * literal database, the first design): for the ~9,500 forms of the core
 * pack it is about 1 MB and took 0.18 s of every start and reload to build,
 * and, evicted from the L2 cache by the PCRE2 work between two articles,
 * its scan cost about as much as this one (44,000 against 40,000 cycles
 * per seeds article). This index builds in milliseconds; a 16 KB filter of
 * the first tokens' hashes and a table of first bytes answer for most
 * words without touching the table.
 *
 * Immutable after listindex_new(); any number of threads scan at once.
 */
#include "listindex.h"

#include <stdlib.h>
#include <string.h>

struct lx_form {
	const char *s;
	uint32_t len;
	uint32_t list;
	uint32_t toklen;
	uint32_t hash;
	int caseless;
};

/* A run of forms with one token hash; count 0: an empty slot. */
struct lx_slot {
	uint32_t hash;
	uint32_t first, count;
};

/* Bits of the token filter: LX_FILTER_BITS bits, 16 KB, so that it stays in
 * the L1 cache of a worker. */
#define LX_FILTER_SHIFT 17
#define LX_FILTER_BITS (1u << LX_FILTER_SHIFT)

struct listindex {
	struct lx_form *forms;   /* sorted by hash */
	size_t nforms;
	struct lx_slot *slots;
	size_t mask;             /* slots - 1, a power of two minus one */
	/* Which token hashes occur (by their top bits), and which first bytes
	 * (ASCII folded): most words of a text are no form's first token, and
	 * these answer that without touching the table. */
	uint64_t filter[LX_FILTER_BITS / 64];
	uint64_t first[4];
};

static int lx_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static unsigned char lx_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Length of the token at s[0, len): its run of word characters, else its
 * first UTF-8 character (one byte when that is not well formed). */
static size_t lx_token(const unsigned char *s, size_t len)
{
	size_t n = 0, need;

	if (len == 0)
		return 0;
	if (lx_word(s[0])) {
		while (n < len && lx_word(s[n]))
			n++;
		return n;
	}
	need = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1;
	if (need > len)
		return 1;
	for (n = 1; n < need; n++)
		if ((s[n] & 0xC0) != 0x80)
			return 1;
	return need;
}

static uint32_t lx_hash(const unsigned char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ lx_lower(s[i])) * 16777619u;
	return h;
}

static int lx_form_cmp(const void *a, const void *b)
{
	const struct lx_form *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return (x->len > y->len) - (x->len < y->len);
}

struct listindex *listindex_new(const struct listindex_form *forms, size_t n)
{
	struct listindex *ix = calloc(1, sizeof(*ix));
	size_t nruns = 0, nslots = 16;

	if (!ix)
		return NULL;
	ix->forms = calloc(n + 1, sizeof(*ix->forms));
	if (!ix->forms)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		struct lx_form *f = &ix->forms[ix->nforms];

		if (forms[i].len == 0)
			continue;
		f->s = forms[i].s;
		f->len = forms[i].len;
		f->list = forms[i].list;
		f->caseless = forms[i].caseless;
		f->toklen = (uint32_t)lx_token((const unsigned char *)f->s, f->len);
		f->hash = lx_hash((const unsigned char *)f->s, f->toklen);
		ix->filter[(f->hash >> (32 - LX_FILTER_SHIFT)) / 64] |=
			1ULL << ((f->hash >> (32 - LX_FILTER_SHIFT)) % 64);
		{
			unsigned char c = lx_lower((unsigned char)f->s[0]);

			ix->first[c / 64] |= 1ULL << (c % 64);
		}
		ix->nforms++;
	}
	qsort(ix->forms, ix->nforms, sizeof(*ix->forms), lx_form_cmp);
	for (size_t i = 0; i < ix->nforms; i++)
		nruns += i == 0 || ix->forms[i].hash != ix->forms[i - 1].hash;
	while (nslots < 2 * nruns)
		nslots *= 2;
	ix->slots = calloc(nslots, sizeof(*ix->slots));
	if (!ix->slots)
		goto fail;
	ix->mask = nslots - 1;
	for (size_t i = 0; i < ix->nforms;) {
		size_t e = i;
		uint32_t h = ix->forms[i].hash;
		size_t k = h & ix->mask;

		while (e < ix->nforms && ix->forms[e].hash == h)
			e++;
		while (ix->slots[k].count)
			k = (k + 1) & ix->mask;
		ix->slots[k] = (struct lx_slot){h, (uint32_t)i, (uint32_t)(e - i)};
		i = e;
	}
	return ix;
fail:
	listindex_destroy(ix);
	return NULL;
}

void listindex_destroy(struct listindex *ix)
{
	if (!ix)
		return;
	free(ix->forms);
	free(ix->slots);
	free(ix);
}

/* Whether off is one of bounds[0, n) (increasing). */
static int lx_is_bound(const uint32_t *bounds, size_t n, size_t off)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (bounds[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && bounds[lo] == off;
}

/* Whether form f is text[at, ...) and ends at a boundary. */
static int lx_form_at(const struct lx_form *f, const unsigned char *t,
		      size_t len, size_t at, const uint32_t *bounds,
		      size_t nbounds)
{
	size_t end = at + f->len;

	if (f->len > len - at)
		return 0;
	if (f->caseless) {
		for (size_t i = 0; i < f->len; i++)
			if (lx_lower(t[at + i]) != lx_lower((unsigned char)f->s[i]))
				return 0;
	} else if (memcmp(t + at, f->s, f->len) != 0) {
		return 0;
	}
	return end == len || !lx_word(t[end]) ||
	       lx_is_bound(bounds, nbounds, end);
}

/* Emits the forms whose token is t[at, at + toklen). */
static int lx_lookup(const struct listindex *ix, const unsigned char *t,
		     size_t len, size_t at, size_t toklen,
		     const uint32_t *bounds, size_t nbounds,
		     int (*emit)(void *, uint32_t, uint32_t, uint32_t),
		     void *ctx)
{
	uint32_t h = lx_hash(t + at, toklen), fb = h >> (32 - LX_FILTER_SHIFT);
	size_t k = h & ix->mask;

	if (!((ix->filter[fb / 64] >> (fb % 64)) & 1))
		return 0;
	for (; ix->slots[k].count; k = (k + 1) & ix->mask) {
		const struct lx_slot *sl = &ix->slots[k];

		if (sl->hash != h)
			continue;
		for (uint32_t i = sl->first; i < sl->first + sl->count; i++) {
			const struct lx_form *f = &ix->forms[i];

			if (f->toklen == toklen &&
			    lx_form_at(f, t, len, at, bounds, nbounds) &&
			    emit(ctx, (uint32_t)at, (uint32_t)(at + f->len), f->list))
				return -1;
		}
		return 0;
	}
	return 0;
}

int listindex_scan(const struct listindex *ix, const char *text, size_t len,
		   const uint32_t *bounds, size_t nbounds,
		   int (*emit)(void *ctx, uint32_t start, uint32_t end,
			       uint32_t list),
		   void *ctx)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t b = 0;

	if (!ix || !ix->nforms || !text)
		return 0;
	for (size_t at = 0; at < len; at++) {
		size_t toklen;

		while (b < nbounds && bounds[b] < at)
			b++;
		if (at > 0 && lx_word(t[at - 1]) &&
		    !(b < nbounds && bounds[b] == at))
			continue;
		/* No form starts with this byte (never one inside a UTF-8
		 * character). */
		{
			unsigned char c = lx_lower(t[at]);

			if (!((ix->first[c / 64] >> (c % 64)) & 1))
				continue;
		}
		toklen = lx_token(t + at, len - at);
		if (lx_lookup(ix, t, len, at, toklen, bounds, nbounds, emit, ctx))
			return -1;
		/* A bound inside the token: the token cut there too. */
		for (size_t c = b; c < nbounds && bounds[c] < at + toklen; c++)
			if (bounds[c] > at &&
			    lx_lookup(ix, t, len, at, bounds[c] - at, bounds,
				      nbounds, emit, ctx))
				return -1;
	}
	return 0;
}
