/*
 * test_regtrie.c - lists of forms as prefix-factored expressions.
 *
 * The exact text of small tries, then the property that matters: compiled
 * with PCRE2, the trie finds the same match as the plain alternation sorted
 * longest first, at every position of texts made from the forms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "check.h"
#include "regtrie.h"

struct trie_case {
	const char *forms[8];
	int caseless;
	const char *want;
};

static const struct trie_case trie_cases[] = {
	{{"Iraq", "Iran", "Israel", NULL}, 0, "I(?:ra(?:n|q)|srael)"},
	{{"New York", "New York City", "Newark", NULL}, 0,
	 "New(?:\\ York(?:\\ City)?|ark)"},
	{{"Paris", NULL}, 0, "Paris"},
	{{"b", "a", NULL}, 0, "(?:a|b)"},
	/* Duplicates go; caseless lists fold ASCII case. */
	{{"Gaza", "Gaza", NULL}, 0, "Gaza"},
	{{"EU", "Eu", "europe", NULL}, 1, "EU(?:rope)?"},
	{{"EU", "Eu", NULL}, 0, "E(?:U|u)"},
	/* Metacharacters stay literal. */
	{{"U.S.", "U.K.", NULL}, 0, "U\\.(?:K\\.|S\\.)"},
	{{"a+b", "a(b)", NULL}, 0, "a(?:\\(b\\)|\\+b)"},
	/* UTF-8 characters are never split. */
	{{"Kyiv", "K\xc3\xb6ln", "K\xc3\xa4rnten", NULL}, 0,
	 "K(?:yiv|\xc3\xa4rnten|\xc3\xb6ln)"},
	/* An empty form makes the whole optional. */
	{{"", "x", NULL}, 0, "(?:x)?"},
};

static size_t count(const char *const *forms)
{
	size_t n = 0;

	while (forms[n])
		n++;
	return n;
}

static pcre2_code *compile(const char *body, int caseless)
{
	char pat[65536];
	int err;
	PCRE2_SIZE off;

	snprintf(pat, sizeof(pat), "(?<![\\w])%s%s)(?![\\w])",
		 caseless ? "(?i:" : "(?-i:", body);
	return pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
			     PCRE2_CASELESS | PCRE2_UTF, &err, &off, NULL);
}

static int form_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = strlen(x), ly = strlen(y);

	if (lx != ly)
		return lx > ly ? -1 : 1;
	return strcmp(x, y);
}

/* Compares every match of the trie and of the alternation of forms over
 * text; returns the number of differences. */
static int compare(const char **forms, size_t n, int caseless, const char *text)
{
	char alt[65536] = "";
	char *trie = regtrie_alternation(forms, n, caseless);
	const char **sorted = malloc(n * sizeof(*sorted));
	pcre2_code *a, *t;
	pcre2_match_data *md;
	size_t len = strlen(text);
	int diffs = 0;

	memcpy(sorted, forms, n * sizeof(*forms));
	qsort(sorted, n, sizeof(*sorted), form_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(alt, "|");
		for (const char *s = sorted[i]; *s; s++) {
			size_t k = strlen(alt);

			if (strchr("\\^$.|?*+()[]{}# ", *s))
				alt[k++] = '\\';
			alt[k++] = *s;
			alt[k] = '\0';
		}
	}
	a = compile(alt, caseless);
	t = compile(trie, caseless);
	md = pcre2_match_data_create(4, NULL);
	CHECK(a != NULL && t != NULL);
	for (size_t start = 0; a && t && start <= len; start++) {
		int ra = pcre2_match(a, (PCRE2_SPTR)text, len, start, 0, md, NULL);
		size_t a0 = 0, a1 = 0;

		if (ra > 0) {
			a0 = pcre2_get_ovector_pointer(md)[0];
			a1 = pcre2_get_ovector_pointer(md)[1];
		}
		int rt = pcre2_match(t, (PCRE2_SPTR)text, len, start, 0, md, NULL);

		if ((ra > 0) != (rt > 0) ||
		    (ra > 0 && (a0 != pcre2_get_ovector_pointer(md)[0] ||
				a1 != pcre2_get_ovector_pointer(md)[1]))) {
			fprintf(stderr, "differs at %zu in \"%s\" (trie %s)\n",
				start, text, trie);
			diffs++;
		}
	}
	pcre2_match_data_free(md);
	pcre2_code_free(a);
	pcre2_code_free(t);
	free(sorted);
	free(trie);
	return diffs;
}

/* Forms from a small alphabet, so they share prefixes and end inside one
 * another; texts from the same alphabet with spaces. */
static void random_lists(void)
{
	static const char alphabet[] = "abAB .";
	unsigned seed = 12345;
	int diffs = 0;

	for (int round = 0; round < 300; round++) {
		char store[24][8];
		const char *forms[24];
		char text[200];
		size_t n = 1 + (size_t)(round % 23);

		for (size_t i = 0; i < n; i++) {
			size_t len = 1 + (seed = seed * 1103515245u + 12345u) % 5;

			for (size_t k = 0; k < len; k++) {
				seed = seed * 1103515245u + 12345u;
				store[i][k] = alphabet[(seed >> 16) % 4];
			}
			store[i][len] = '\0';
			forms[i] = store[i];
		}
		for (size_t k = 0; k < sizeof(text) - 1; k++) {
			seed = seed * 1103515245u + 12345u;
			text[k] = alphabet[(seed >> 16) % 6];
		}
		text[sizeof(text) - 1] = '\0';
		diffs += compare(forms, n, round % 2, text);
	}
	CHECK_INT(diffs, 0);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(trie_cases) / sizeof(trie_cases[0]); i++) {
		const struct trie_case *tc = &trie_cases[i];
		char *got = regtrie_alternation(tc->forms, count(tc->forms),
						tc->caseless);

		CHECK_STR(got, tc->want);
		free(got);
	}
	{
		const char *places[] = {"New York", "New York City", "Newark",
					"York", "Yorkshire", "U.S.", "U.K.", "UK"};
		CHECK_INT(compare(places, 8, 0,
				  "From New York City to Newark, York and "
				  "Yorkshire; the U.S. and the U.K. (UK), not "
				  "New Yorkers or Newarkish."), 0);
		CHECK_INT(compare(places, 8, 1,
				  "new york city, NEWARK, yorkSHIRE, u.s. uk"), 0);
	}
	random_lists();
	return CHECK_DONE();
}
