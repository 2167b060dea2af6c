/*
 * text.c - the normalised copy of an article body and its sentence spans.
 *
 * Normalisation is one pass over the UTF-8 body. Each output byte records in
 * orig[] the body offset of the first byte of the character it came from, and
 * orig[norm_len] is the body length, so any half-open normalised span maps
 * back to a half-open body span that covers whole characters. No mapping ever
 * makes the output longer than its source character ("…" is three bytes and
 * becomes "..."), so norm and orig never need more than len + 1 entries;
 * cap_norm counts the entries allocated for both and only grows.
 *
 * Mappings: curly single quotes, the prime and the backtick become '; curly
 * double quotes, the double prime and guillemets become "; hyphens, dashes and
 * the minus sign become '-'; no-break and other Unicode spaces, tabs, '\v',
 * '\f' and a lone '\r' become ' '; U+2028/U+2029 become '\n'; "…" becomes
 * "..."; zero-width characters and the BOM are dropped, as is the '\r' of a
 * "\r\n". Everything else, invalid bytes included, is copied as it is.
 *
 * Hard-wrapped text is unwrapped: when a text has blank lines between
 * paragraphs and most of its single line breaks fall mid-sentence, those
 * single breaks become spaces (see text_unwrap), so sentences and rules are
 * not cut at every line end. The byte keeps its offset, so spans still map.
 *
 * Sentences never span a '\n' of the normalised text. A run of '.', '!' or '?' (with any closing
 * quotes or brackets after it) ends a sentence when whitespace follows and
 * then an uppercase letter, a digit, an opening quote or bracket, or the end
 * of the line. A single '.' does not end one after a known abbreviation
 * ("Mr.", "Gen.", "Aug.") or after a lone letter that follows a space, a
 * period or an opening bracket (initials "J. R." and dotted acronyms "U.S.",
 * "a.m."); an ellipsis does not end one inside an open double quote.
 * Deliberate choice: "U.S." followed by a capitalised word does not split,
 * because news writes "U.S. President" far more often than it ends a sentence
 * on "U.S." mid-paragraph. These exceptions are skipped when a closing quote
 * or bracket follows the period ('He said "no." Then' splits). Decimal
 * numbers need no rule: "3.5" has no whitespace after its period.
 *
 * A struct text belongs to one thread (one extractor).
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include "limits.h"

/* Byte classes for the normalisation loop: 0 copies the byte. */
enum {
	TEXT_COPY = 0,
	TEXT_SPACE,   /* '\t', '\v', '\f' become ' ' */
	TEXT_CR,      /* '\r': dropped before '\n', else ' ' */
	TEXT_TICK,    /* '`' becomes '\'' */
	TEXT_MULTI    /* lead byte of a sequence that may be mapped */
};

static const unsigned char text_class[256] = {
	['\t'] = TEXT_SPACE, ['\v'] = TEXT_SPACE, ['\f'] = TEXT_SPACE,
	['\r'] = TEXT_CR, ['`'] = TEXT_TICK,
	[0xC2] = TEXT_MULTI, [0xE2] = TEXT_MULTI, [0xE3] = TEXT_MULTI,
	[0xEF] = TEXT_MULTI,
};

/* Grows norm and orig to hold at least need entries. */
static int text_reserve(struct text *t, size_t need)
{
	size_t cap = t->cap_norm ? t->cap_norm : 4096;
	char *norm;
	uint32_t *orig;

	if (need <= t->cap_norm)
		return 0;
	while (cap < need)
		cap *= 2;
	norm = realloc(t->norm, cap);
	if (!norm)
		return -1;
	t->norm = norm;
	orig = realloc(t->orig, cap * sizeof(*orig));
	if (!orig)
		return -1;
	t->orig = orig;
	t->cap_norm = cap;
	return 0;
}

/*
 * Returns what the multi-byte character at p (n bytes available) becomes:
 * *rep points at the replacement (of *rlen bytes, possibly 0 for a dropped
 * character) and the return value is the source length; 0 means "copy".
 */
static size_t text_map_multi(const unsigned char *p, size_t n,
			     const char **rep, size_t *rlen)
{
	*rlen = 1;
	if (p[0] == 0xC2) {
		if (n < 2)
			return 0;
		switch (p[1]) {
		case 0xA0: *rep = " "; return 2;
		case 0xAB: case 0xBB: *rep = "\""; return 2;
		default: return 0;
		}
	}
	if (n < 3)
		return 0;
	if (p[0] == 0xE2 && p[1] == 0x80) {
		unsigned char c = p[2];

		if (c >= 0x80 && c <= 0x8A) {
			*rep = " ";
		} else if (c >= 0x8B && c <= 0x8D) {
			*rep = "";
			*rlen = 0;
		} else if (c >= 0x90 && c <= 0x95) {
			*rep = "-";
		} else if (c >= 0x98 && c <= 0x9B) {
			*rep = "'";
		} else if (c >= 0x9C && c <= 0x9F) {
			*rep = "\"";
		} else if (c == 0xA6) {
			*rep = "...";
			*rlen = 3;
		} else if (c == 0xA8 || c == 0xA9) {
			*rep = "\n";
		} else if (c == 0xAF) {
			*rep = " ";
		} else if (c == 0xB2) {
			*rep = "'";
		} else if (c == 0xB3) {
			*rep = "\"";
		} else {
			return 0;
		}
		return 3;
	}
	if (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F) {
		*rep = " ";
		return 3;
	}
	if (p[0] == 0xE2 && p[1] == 0x88 && p[2] == 0x92) {
		*rep = "-";
		return 3;
	}
	if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) {
		*rep = " ";
		return 3;
	}
	if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		*rep = "";
		*rlen = 0;
		return 3;
	}
	return 0;
}

/*
 * Classifies the '\n' at s[i] (of n bytes): 0 when a blank line or the text's
 * edge is next to it, 1 for a single break after a sentence-ending character,
 * 2 for a single break in mid-sentence (a "soft" one).
 */
static int text_break_kind(const char *s, size_t n, size_t i, int *blank)
{
	size_t b = i, a = i + 1;

	while (b > 0 && s[b - 1] == ' ')
		b--;
	while (a < n && s[a] == ' ')
		a++;
	if (a < n && s[a] == '\n')
		*blank = 1;
	if (b == 0 || s[b - 1] == '\n' || a == n || s[a] == '\n')
		return 0;
	return strchr(".!?:;\"')]", s[b - 1]) ? 1 : 2;
}

/*
 * Hard-wrapped text (paragraphs separated by blank lines, lines broken
 * mid-sentence at a fixed width) would otherwise cut sentences at every line
 * end. When the text has a blank line and at least three quarters (and at
 * least three) of its single line breaks fall mid-sentence, every single
 * break becomes a space; blank lines still separate paragraphs. Text whose
 * paragraphs are single lines is left alone.
 */
static void text_unwrap(struct text *t)
{
	char *s = t->norm;
	size_t n = t->norm_len, single = 0, soft = 0, i;
	int blank = 0, kind;
	const char *p;

	for (i = 0; (p = memchr(s + i, '\n', n - i)) != NULL; i++) {
		i = (size_t)(p - s);
		kind = text_break_kind(s, n, i, &blank);
		single += kind != 0;
		soft += kind == 2;
	}
	if (!blank || soft < 3 || soft * 4 < single * 3)
		return;
	for (i = 0; (p = memchr(s + i, '\n', n - i)) != NULL; i++) {
		i = (size_t)(p - s);
		if (text_break_kind(s, n, i, &blank) != 0)
			s[i] = ' ';
	}
}

int text_normalise(struct text *t, const char *body, size_t len)
{
	const unsigned char *b = (const unsigned char *)body;
	size_t i = 0, o = 0;

	if (len >= UINT32_MAX || text_reserve(t, len + 1) < 0)
		return -1;
	char *norm = t->norm;
	uint32_t *orig = t->orig;

	t->nsent = 0;
	while (i < len) {
		unsigned char c = b[i];
		const char *rep;
		size_t slen, rlen;

		switch (text_class[c]) {
		case TEXT_COPY:
			norm[o] = (char)c;
			orig[o++] = (uint32_t)i++;
			continue;
		case TEXT_SPACE:
			norm[o] = ' ';
			orig[o++] = (uint32_t)i++;
			continue;
		case TEXT_CR:
			if (i + 1 < len && b[i + 1] == '\n') {
				i++;
			} else {
				norm[o] = ' ';
				orig[o++] = (uint32_t)i++;
			}
			continue;
		case TEXT_TICK:
			norm[o] = '\'';
			orig[o++] = (uint32_t)i++;
			continue;
		default:
			break;
		}
		slen = text_map_multi(b + i, len - i, &rep, &rlen);
		if (slen == 0) {
			norm[o] = (char)c;
			orig[o++] = (uint32_t)i++;
			continue;
		}
		for (size_t k = 0; k < rlen; k++) {
			norm[o] = rep[k];
			orig[o++] = (uint32_t)i;
		}
		i += slen;
	}
	norm[o] = '\0';
	orig[o] = (uint32_t)len;
	t->norm_len = o;
	text_unwrap(t);
	return 0;
}

/* Abbreviations after which a single '.' does not end a sentence. Matched
 * case-sensitively, so "He said no. Then" still splits. "No." and "Nos." are
 * abbreviations only before a number ("No. 10"); "No. Officials said" is an
 * answer that ends a sentence. */
static const char *const text_abbrevs[] = {
	"Mr", "Mrs", "Ms", "Dr", "Prof", "Sen", "Rep", "Gov", "Gen", "Lt",
	"Col", "Maj", "Capt", "Sgt", "Adm", "Cmdr", "St", "Jr", "Sr", "Rev",
	"Hon", "Pres", "Amb", "Sec", "Dept", "Mt", "Ft", "Vol", "Brig", "Cpl",
	"Pvt", "Spc", "Supt", "Insp", "Det", "Atty", "Gens", "Sens", "Reps",
	"Messrs", "Mme", "Mmes", "Msgr", "Fr", "Rt",
	"vs", "etc", "Inc", "Ltd", "Corp", "Co", "Bros", "approx", "est",
	"Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct",
	"Nov", "Dec", "Mon", "Tue", "Tues", "Wed", "Thu", "Thurs", "Fri",
	"Sat", "Sun",
};

static int text_is_alpha(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static int text_is_closer(unsigned char c)
{
	return c == '"' || c == '\'' || c == ')' || c == ']';
}

/* Whether the character at p (n bytes left) may start a new sentence:
 * an uppercase letter (ASCII, Latin-1 or Cyrillic), a digit, or an opening
 * quote or bracket. */
static int text_is_starter(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];

	if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	if (c == '"' || c == '\'' || c == '(' || c == '[')
		return 1;
	if (n >= 2 && c == 0xC3)
		return p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97;
	if (n >= 2 && c == 0xD0)
		return p[1] >= 0x80 && p[1] <= 0xAF;
	return 0;
}

/* Whether the '.' at s[dot] (in a line starting at s[ls]) belongs to an
 * abbreviation, an initial or a dotted acronym; next is the first character
 * of the following word. */
static int text_is_abbrev(const char *s, size_t ls, size_t dot, char next)
{
	size_t ws = dot;

	while (ws > ls && text_is_alpha((unsigned char)s[ws - 1]))
		ws--;
	size_t wlen = dot - ws;

	if (wlen == 0)
		return 0;
	if (wlen == 1) {
		unsigned char before = ws > ls ? (unsigned char)s[ws - 1] : ' ';

		if (before == ' ' || before == '.' || before == '(' ||
		    before == '"' || before == '\'' || before == '[')
			return 1;
	}
	if ((wlen == 2 && memcmp(s + ws, "No", 2) == 0) ||
	    (wlen == 3 && memcmp(s + ws, "Nos", 3) == 0))
		return next >= '0' && next <= '9';
	for (size_t k = 0; k < sizeof(text_abbrevs) / sizeof(*text_abbrevs); k++) {
		const char *a = text_abbrevs[k];

		if (strlen(a) == wlen && memcmp(a, s + ws, wlen) == 0)
			return 1;
	}
	return 0;
}

static int text_push(struct text *t, uint32_t start, uint32_t end)
{
	if (t->nsent == t->cap_sent) {
		size_t cap = t->cap_sent ? t->cap_sent * 2 : 64;
		struct text_span *sent = realloc(t->sent, cap * sizeof(*sent));

		if (!sent)
			return -1;
		t->sent = sent;
		t->cap_sent = cap;
	}
	t->sent[t->nsent].start = start;
	t->sent[t->nsent].end = end;
	t->nsent++;
	return 0;
}

/* Adds [start, end) trimmed of spaces, in pieces of at most
 * EVX_MAX_SENTENCE_BYTES cut at a space when one exists and never inside a
 * UTF-8 character. */
static int text_add(struct text *t, size_t start, size_t end)
{
	const char *s = t->norm;

	for (;;) {
		while (start < end && s[start] == ' ')
			start++;
		while (end > start && s[end - 1] == ' ')
			end--;
		if (start == end)
			return 0;
		if (end - start <= EVX_MAX_SENTENCE_BYTES)
			return text_push(t, (uint32_t)start, (uint32_t)end);

		size_t cut = start + EVX_MAX_SENTENCE_BYTES, piece_end;

		t->ncut++;

		while (cut > start && s[cut] != ' ')
			cut--;
		if (cut > start) {
			piece_end = cut;
		} else {
			cut = start + EVX_MAX_SENTENCE_BYTES;
			while (cut > start + 1 &&
			       ((unsigned char)s[cut] & 0xC0) == 0x80)
				cut--;
			piece_end = cut;
		}
		size_t pe = piece_end;

		while (pe > start && s[pe - 1] == ' ')
			pe--;
		if (text_push(t, (uint32_t)start, (uint32_t)pe) < 0)
			return -1;
		start = piece_end;
	}
}

/* Splits the line s[ls, le) into sentences. */
static int text_split_line(struct text *t, size_t ls, size_t le)
{
	const char *s = t->norm;
	const unsigned char *u = (const unsigned char *)s;
	size_t start = ls, i = ls;
	int in_quote = 0;

	while (i < le) {
		unsigned char c = u[i];

		if (c == '"') {
			in_quote = !in_quote;
			i++;
			continue;
		}
		if (c != '.' && c != '!' && c != '?') {
			i++;
			continue;
		}
		size_t j = i, k, m;
		int all_dots = 1;

		while (j < le && (u[j] == '.' || u[j] == '!' || u[j] == '?')) {
			if (u[j] != '.')
				all_dots = 0;
			j++;
		}
		k = j;
		while (k < le && text_is_closer(u[k])) {
			if (u[k] == '"')
				in_quote = !in_quote;
			k++;
		}
		if (k < le && u[k] != ' ') {
			i = k > j ? k : j;
			continue;
		}
		m = k;
		while (m < le && u[m] == ' ')
			m++;
		if (m < le && !text_is_starter(u + m, le - m)) {
			i = m;
			continue;
		}
		if (m < le && all_dots && k == j) {
			if (j - i == 1 && text_is_abbrev(s, ls, i, s[m])) {
				i = m;
				continue;
			}
			if (j - i >= 2 && in_quote) {
				i = m;
				continue;
			}
		}
		if (text_add(t, start, k) < 0)
			return -1;
		start = m;
		i = m;
	}
	return text_add(t, start, le);
}

int text_split(struct text *t)
{
	size_t ls = 0;

	t->nsent = 0;
	t->ncut = 0;
	if (!t->norm)
		return 0;
	while (ls < t->norm_len) {
		const char *nl = memchr(t->norm + ls, '\n', t->norm_len - ls);
		size_t le = nl ? (size_t)(nl - t->norm) : t->norm_len;

		if (text_split_line(t, ls, le) < 0)
			return -1;
		ls = le + 1;
	}
	return 0;
}

void text_free(struct text *t)
{
	if (!t)
		return;
	free(t->norm);
	free(t->orig);
	free(t->sent);
	t->norm = NULL;
	t->orig = NULL;
	t->sent = NULL;
	t->norm_len = t->nsent = t->cap_norm = t->cap_sent = 0;
}
