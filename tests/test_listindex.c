/*
 * test_listindex.c - where the forms of big lists occur in a text.
 *
 * A table of small cases (word boundaries, ASCII case, non-ASCII first
 * characters, punctuation, one form in two lists, sentence cuts inside a
 * word), then the property that matters: on texts made from the forms and
 * their neighbours, the scan reports exactly the occurrences a brute-force
 * check of every form at every offset finds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "listindex.h"

static const struct listindex_form forms[] = {
	{"Paris", 5, 0, 0},
	{"New York", 8, 0, 0},
	{"New York City", 13, 0, 0},
	{"York", 4, 0, 0},
	{"U.S.", 4, 1, 0},
	{"Georgia", 7, 1, 0},
	{"Georgia", 7, 2, 0},
	{"\xc3\x8ele-de-France", 14, 2, 0},   /* Île-de-France */
	{"'s-Hertogenbosch", 16, 2, 0},
	{"hamas", 5, 3, 1},
	{"al-shabaab", 10, 3, 1},
	{"Macron", 6, 4, 0},
	{"Kim Jong Un", 11, 4, 0},
	{"Kim", 3, 4, 0},
};
#define NFORMS (sizeof(forms) / sizeof(forms[0]))

struct scan_case {
	const char *text;
	uint32_t bounds[4];
	size_t nbounds;
	const char *want;   /* "start-end:list" sorted, space separated */
};

static const struct scan_case cases[] = {
	{"Paris and New York City.", {0}, 0, "0-5:0 10-18:0 10-23:0 14-18:0"},
	/* Not inside a word, at either end. */
	{"Parisian xParis Paris1 Paris_", {0}, 0, ""},
	{"(Paris), \"Paris\" -Paris.", {0}, 0, "1-6:0 10-15:0 18-23:0"},
	/* Case: exact for case-sensitive lists, ASCII-folded for caseless. */
	{"paris HAMAS Hamas Al-Shabaab", {0}, 0,
	 "6-11:3 12-17:3 18-28:3"},
	/* Punctuation inside and around forms. */
	{"the U.S. and U.S.A and 's-Hertogenbosch", {0}, 0,
	 "4-8:1 23-39:2"},
	/* One form, two lists. */
	{"Georgia.", {0}, 0, "0-7:1 0-7:2"},
	/* A non-ASCII first character; after a non-ASCII letter a form
	 * starts (PCRE2's \w is ASCII). */
	{"\xc3\x8ele-de-France \xc3\xa9Macron", {0}, 0, "0-14:2 17-23:4"},
	/* Multi-word forms and their prefixes. */
	{"Kim Jong Un met Kim.", {0}, 0, "0-3:4 0-11:4 16-19:4"},
	/* A sentence cut inside a word is a text end and a text start. */
	{"MacronParis", {6}, 1, "0-6:4 6-11:0"},
	{"xxParisyy", {2, 7}, 2, "2-7:0"},
	/* A form longer than what is left. */
	{"New Yor", {0}, 0, ""},
	{"", {0}, 0, ""},
};

struct occs {
	char buf[4096];
	uint32_t v[256][3];
	size_t n;
};

static int collect(void *ctx, uint32_t start, uint32_t end, uint32_t list)
{
	struct occs *o = ctx;

	if (o->n == 256)
		return 1;
	o->v[o->n][0] = start;
	o->v[o->n][1] = end;
	o->v[o->n][2] = list;
	o->n++;
	return 0;
}

static int occ_cmp(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	for (int i = 0; i < 3; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* Sorts o and formats it as in scan_case.want. */
static const char *fmt(struct occs *o)
{
	size_t n = 0;

	qsort(o->v, o->n, sizeof(o->v[0]), occ_cmp);
	o->buf[0] = '\0';
	for (size_t i = 0; i < o->n; i++)
		n += (size_t)snprintf(o->buf + n, sizeof(o->buf) - n, "%s%u-%u:%u",
				      i ? " " : "", o->v[i][0], o->v[i][1],
				      o->v[i][2]);
	return o->buf;
}

static int is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int in_bounds(const uint32_t *b, size_t nb, size_t off)
{
	for (size_t i = 0; i < nb; i++)
		if (b[i] == off)
			return 1;
	return 0;
}

/* Every form at every offset, by the definition in listindex.h. */
static void brute(const char *t, size_t len, const uint32_t *b, size_t nb,
		  struct occs *o)
{
	const unsigned char *u = (const unsigned char *)t;

	o->n = 0;
	for (size_t at = 0; at < len; at++) {
		if (at > 0 && is_word(u[at - 1]) && !in_bounds(b, nb, at))
			continue;
		for (size_t f = 0; f < NFORMS; f++) {
			size_t fl = forms[f].len, e = at + fl, i;

			if (fl > len - at)
				continue;
			for (i = 0; i < fl; i++) {
				int x = u[at + i], y = (unsigned char)forms[f].s[i];

				if (forms[f].caseless ? lower(x) != lower(y) : x != y)
					break;
			}
			if (i < fl)
				continue;
			if (e == len || !is_word(u[e]) || in_bounds(b, nb, e))
				collect(o, (uint32_t)at, (uint32_t)e, forms[f].list);
		}
	}
}

static void run_cases(struct listindex *ix)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct scan_case *c = &cases[i];
		struct occs got = {0}, ref = {0};
		size_t len = strlen(c->text);
		uint32_t last = 0;
		int rc = listindex_scan(ix, c->text, len, c->bounds, c->nbounds,
					collect, &got);

		CHECK_INT(rc, 0);
		/* By increasing start. */
		for (size_t k = 0; k < got.n; k++) {
			CHECK(got.v[k][0] >= last);
			last = got.v[k][0];
		}
		CHECK_STR(fmt(&got), c->want);
		brute(c->text, len, c->bounds, c->nbounds, &ref);
		CHECK_STR(fmt(&ref), c->want);
	}
}

/* Texts of forms, case variants, word characters, spaces, punctuation and
 * non-ASCII letters glued at random, with random cuts. */
static void run_property(struct listindex *ix)
{
	static const char *const bits[] = {
		" ", " ", ", ", ".", "-", "'", "x", "s", "9", "_", "\xc3\xa9",
		"PARIS", "york", "new ", "HaMaS", "u.s.", "Kim ", "Jong ",
	};
	uint32_t seed = 12345;
	int mismatches = 0;

	for (int round = 0; round < 3000; round++) {
		char text[512];
		size_t len = 0;
		uint32_t b[4];
		size_t nb = 0;
		struct occs got = {0}, ref = {0};

		seed = seed * 1103515245u + 12345u;
		for (int piece = 0; piece < 12; piece++) {
			const char *p;

			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 3 == 0)
				p = forms[(seed >> 8) % NFORMS].s;
			else
				p = bits[(seed >> 8) % (sizeof(bits) / sizeof(bits[0]))];
			if (len + strlen(p) >= sizeof(text))
				break;
			memcpy(text + len, p, strlen(p));
			len += strlen(p);
		}
		text[len] = '\0';
		seed = seed * 1103515245u + 12345u;
		if (len > 2 && (seed >> 16) % 2) {
			/* Cuts on character starts, increasing. */
			uint32_t at = (uint32_t)((seed >> 4) % (len / 2) + 1);

			while (at < len && ((unsigned char)text[at] & 0xC0) == 0x80)
				at++;
			b[nb++] = at;
			at += (uint32_t)((seed >> 12) % (len / 2) + 1);
			while (at < len && ((unsigned char)text[at] & 0xC0) == 0x80)
				at++;
			if (at < len && at > b[0])
				b[nb++] = at;
		}
		CHECK_INT(listindex_scan(ix, text, len, b, nb, collect, &got), 0);
		brute(text, len, b, nb, &ref);
		if (strcmp(fmt(&got), fmt(&ref)) != 0 && mismatches++ < 3)
			fprintf(stderr, "text \"%s\": got \"%s\", want \"%s\"\n",
				text, got.buf, ref.buf);
	}
	CHECK_INT(mismatches, 0);
}

int main(void)
{
	struct listindex *ix = listindex_new(forms, NFORMS);
	struct occs o = {0};

	CHECK(ix != NULL);
	if (!ix)
		return CHECK_DONE();
	run_cases(ix);
	run_property(ix);
	/* emit stopping the scan. */
	o.n = 256;
	CHECK_INT(listindex_scan(ix, "Paris", 5, NULL, 0, collect, &o), -1);
	listindex_destroy(ix);
	listindex_destroy(NULL);
	/* No forms: nothing found. */
	ix = listindex_new(forms, 0);
	CHECK(ix != NULL);
	o.n = 0;
	CHECK_INT(listindex_scan(ix, "Paris", 5, NULL, 0, collect, &o), 0);
	CHECK_INT(o.n, 0);
	listindex_destroy(ix);
	return CHECK_DONE();
}
