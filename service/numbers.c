/*
 * numbers.c - the count stated in a short phrase ("at least 19 people").
 *
 * The phrase is cut into lowercase words and numerals (digits with ','
 * thousands groups and a '.' fraction); everything else separates them, so
 * "twenty-five" is two words. Parsing then runs left to right: qualifiers
 * that keep the stated figure ("at least", "more than", "some", ...) are
 * skipped, then one number is read, either a numeral with an optional scale
 * word ("1.2 million") or a run of number words ("one hundred and twelve",
 * "two dozen"), and whatever follows is ignored. Vague quantities fail
 * because they are no number word: "dozens" and "hundreds" are not "dozen"
 * and "hundred", and "a" only counts as one before a scale word, so "a few"
 * and "a couple" fail too. "no one", "nobody", "none" and "zero" give 0.
 *
 * Pure function; any thread may call it.
 */
#include "numbers.h"

#include <string.h>

#define NUMBERS_MAX_TOKENS 24
#define NUMBERS_MAX_WORD 16
#define NUMBERS_MAX_DIGITS 15
/* Largest count accepted (a billion billion is no casualty figure). */
#define NUMBERS_MAX_VALUE 1000000000000000L

enum numbers_kind { NUMBERS_WORD, NUMBERS_NUM };

struct numbers_token {
	enum numbers_kind kind;
	char w[NUMBERS_MAX_WORD + 1]; /* NUMBERS_WORD; "" when too long */
	long ip;                      /* NUMBERS_NUM: integer part */
	long frac;                    /* NUMBERS_NUM: fraction digits ... */
	int nfrac;                    /* ... and how many there are */
};

struct numbers_word {
	const char *w;
	long v;
};

static const struct numbers_word numbers_units[] = {
	{"zero", 0}, {"one", 1}, {"two", 2}, {"three", 3}, {"four", 4},
	{"five", 5}, {"six", 6}, {"seven", 7}, {"eight", 8}, {"nine", 9},
	{"ten", 10}, {"eleven", 11}, {"twelve", 12}, {"thirteen", 13},
	{"fourteen", 14}, {"fifteen", 15}, {"sixteen", 16},
	{"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19},
};

static const struct numbers_word numbers_tens[] = {
	{"twenty", 20}, {"thirty", 30}, {"forty", 40}, {"fifty", 50},
	{"sixty", 60}, {"seventy", 70}, {"eighty", 80}, {"ninety", 90},
};

/* Scale words above a hundred; each must be smaller than the one before. */
static const struct numbers_word numbers_scales[] = {
	{"thousand", 1000L}, {"million", 1000000L}, {"billion", 1000000000L},
};

/* Qualifiers that keep the stated figure, as space-separated words. */
static const char *const numbers_qualifiers[] = {
	"at least", "more than", "over", "some", "about", "around", "nearly",
	"almost", "up to", "as many as", "roughly", "an estimated",
	"estimated", "approximately", "approx", "fewer than", "less than",
	"under", "just", "only", "at most", "close to", "upwards of",
	"a total of", "as few as", "in excess of", "no fewer than",
	"no less than", "no more than", "well", "exactly", "almost exactly",
	"reportedly",
};

#define NUMBERS_COUNT(a) (sizeof(a) / sizeof(*(a)))

static long numbers_lookup(const struct numbers_word *tab, size_t n,
			   const char *w)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tab[i].w, w) == 0)
			return tab[i].v;
	return -1;
}

static int numbers_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int numbers_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Cuts s into at most NUMBERS_MAX_TOKENS tokens; later ones are dropped
 * (they could only be trailing words). Returns the count, or -1 for a
 * numeral too long to be a count. */
static int numbers_tokenize(const char *s, size_t len, struct numbers_token *tok)
{
	size_t i = 0;
	int n = 0;

	while (i < len && n < NUMBERS_MAX_TOKENS) {
		struct numbers_token *t = &tok[n];

		if (numbers_is_alpha(s[i])) {
			size_t k = 0;

			t->kind = NUMBERS_WORD;
			while (i < len && numbers_is_alpha(s[i])) {
				if (k < NUMBERS_MAX_WORD)
					t->w[k] = (char)(s[i] | 0x20);
				k++;
				i++;
			}
			t->w[k <= NUMBERS_MAX_WORD ? k : 0] = '\0';
			n++;
		} else if (numbers_is_digit(s[i])) {
			int digits = 0;

			t->kind = NUMBERS_NUM;
			t->ip = t->frac = 0;
			t->nfrac = 0;
			for (;;) {
				while (i < len && numbers_is_digit(s[i])) {
					if (++digits > NUMBERS_MAX_DIGITS)
						return -1;
					t->ip = t->ip * 10 + (s[i++] - '0');
				}
				/* A ',' continues the numeral only before
				 * exactly three digits ("1,200" but "19, 20"). */
				if (i + 3 < len && s[i] == ',' &&
				    numbers_is_digit(s[i + 1]) &&
				    numbers_is_digit(s[i + 2]) &&
				    numbers_is_digit(s[i + 3]) &&
				    (i + 4 >= len || !numbers_is_digit(s[i + 4]))) {
					i++;
					continue;
				}
				break;
			}
			if (i + 1 < len && s[i] == '.' && numbers_is_digit(s[i + 1])) {
				i++;
				while (i < len && numbers_is_digit(s[i])) {
					if (++digits > NUMBERS_MAX_DIGITS)
						return -1;
					t->frac = t->frac * 10 + (s[i++] - '0');
					t->nfrac++;
				}
			}
			n++;
		} else {
			i++;
		}
	}
	return n;
}

/* Whether t is a unit ("seven", "twelve") or tens ("forty") word. */
static int numbers_is_small(const struct numbers_token *t)
{
	return t->kind == NUMBERS_WORD &&
	       (numbers_lookup(numbers_units, NUMBERS_COUNT(numbers_units), t->w) >= 0 ||
		numbers_lookup(numbers_tens, NUMBERS_COUNT(numbers_tens), t->w) >= 0);
}

static int numbers_word_is(const struct numbers_token *t, const char *w)
{
	return t->kind == NUMBERS_WORD && strcmp(t->w, w) == 0;
}

/* How many tokens from tok[i] the space-separated phrase matches (0: none). */
static int numbers_phrase(const struct numbers_token *tok, int n, int i,
			  const char *phrase)
{
	int k = 0;

	while (*phrase) {
		const char *sp = strchr(phrase, ' ');
		size_t wl = sp ? (size_t)(sp - phrase) : strlen(phrase);

		if (i + k >= n || tok[i + k].kind != NUMBERS_WORD ||
		    strlen(tok[i + k].w) != wl ||
		    memcmp(tok[i + k].w, phrase, wl) != 0)
			return 0;
		k++;
		phrase += wl;
		if (*phrase == ' ')
			phrase++;
	}
	return k;
}

/* The value of a scale word after a numeral or a number word: hundred,
 * thousand, million, billion and dozen; -1 otherwise. */
static long numbers_scale_of(const struct numbers_token *t)
{
	if (t->kind != NUMBERS_WORD)
		return -1;
	if (strcmp(t->w, "hundred") == 0)
		return 100;
	if (strcmp(t->w, "dozen") == 0)
		return 12;
	return numbers_lookup(numbers_scales, NUMBERS_COUNT(numbers_scales), t->w);
}

/* A numeral at tok[i], with an optional scale word after it. */
static int numbers_numeral(const struct numbers_token *tok, int n, int i,
			   long *out)
{
	const struct numbers_token *t = &tok[i];
	long scale = i + 1 < n ? numbers_scale_of(&tok[i + 1]) : -1;
	long p10 = 1;

	if (scale < 0) {
		if (t->nfrac > 0)
			return -1;
		*out = t->ip;
		return 0;
	}
	for (int k = 0; k < t->nfrac; k++)
		p10 *= 10;
	/* value = (ip + frac / p10) * scale, which must be whole. */
	if (t->ip > NUMBERS_MAX_VALUE / scale ||
	    (t->frac * scale) % p10 != 0)
		return -1;
	*out = t->ip * scale + t->frac * scale / p10;
	return 0;
}

/* A run of number words from tok[i]. */
static int numbers_words(const struct numbers_token *tok, int n, int i,
			 long *out)
{
	long total = 0, cur = 0, last_scale = NUMBERS_MAX_VALUE;
	int any = 0, after_tens = 0;

	for (; i < n; i++) {
		const struct numbers_token *t = &tok[i];
		long v, scale;

		if (t->kind != NUMBERS_WORD)
			break;
		if (!any && (strcmp(t->w, "a") == 0 || strcmp(t->w, "an") == 0)) {
			if (i + 1 >= n || numbers_scale_of(&tok[i + 1]) < 0)
				break;
			cur = 1;
			continue;
		}
		if ((v = numbers_lookup(numbers_units, NUMBERS_COUNT(numbers_units), t->w)) >= 0) {
			if (after_tens ? v >= 10 : cur % 100 != 0)
				break;
			cur += v;
			any = 1;
			after_tens = 0;
			continue;
		}
		if ((v = numbers_lookup(numbers_tens, NUMBERS_COUNT(numbers_tens), t->w)) >= 0) {
			if (cur % 100 != 0)
				break;
			cur += v;
			any = 1;
			after_tens = 1;
			continue;
		}
		after_tens = 0;
		if (strcmp(t->w, "and") == 0) {
			/* Only inside a number: "a hundred and twelve". */
			if (!any || i + 1 >= n || cur % 100 != 0 ||
			    !numbers_is_small(&tok[i + 1]))
				break;
			continue;
		}
		scale = numbers_scale_of(t);
		if (scale == 100 || scale == 12) {
			if (cur >= 100)
				break;
			cur = (cur ? cur : 1) * scale;
			any = 1;
			continue;
		}
		if (scale > 0) {
			if (scale >= last_scale)
				break;
			total += (cur ? cur : 1) * scale;
			cur = 0;
			last_scale = scale;
			any = 1;
			continue;
		}
		break;
	}
	if (!any)
		return -1;
	*out = total + cur;
	return 0;
}

int numbers_parse(const char *s, size_t len, long *out)
{
	struct numbers_token tok[NUMBERS_MAX_TOKENS];
	int n, i = 0, again = 1;

	if (!s)
		return -1;
	n = numbers_tokenize(s, len, tok);
	if (n <= 0)
		return -1;
	while (again) {
		again = 0;
		for (size_t q = 0; q < NUMBERS_COUNT(numbers_qualifiers); q++) {
			int k = numbers_phrase(tok, n, i, numbers_qualifiers[q]);

			if (k > 0) {
				i += k;
				again = 1;
				break;
			}
		}
	}
	if (i >= n)
		return -1;
	if (numbers_word_is(&tok[i], "none") || numbers_word_is(&tok[i], "nobody") ||
	    (numbers_word_is(&tok[i], "no") && i + 1 < n &&
	     numbers_word_is(&tok[i + 1], "one"))) {
		*out = 0;
		return 0;
	}
	if (numbers_word_is(&tok[i], "half") && i + 2 < n &&
	    numbers_word_is(&tok[i + 1], "a") &&
	    numbers_word_is(&tok[i + 2], "dozen")) {
		*out = 6;
		return 0;
	}
	if (tok[i].kind == NUMBERS_NUM)
		return numbers_numeral(tok, n, i, out);
	return numbers_words(tok, n, i, out);
}
