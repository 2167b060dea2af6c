/*
 * ruleset.c - compiling rule specs into an immutable, shared ruleset.
 *
 * Build (one thread, ruleset_build):
 *   1. Every pattern is expanded twice from the same source. The PCRE2
 *      expansion replaces {macro} with (?:value) and {list} with a
 *      word-bounded alternation of the list's forms, longest first, inside
 *      (?-i:...) or (?i:...). A big list (more than RS_LIST_INLINE_MAX_*),
 *      and one of more than RS_LIST_TRIE_MAX_FORMS forms when that matches
 *      the same (rs_run_exact), is not spelled out: it becomes a word-bounded run of the characters
 *      its forms use, guarded by callouts "S<i>" (may a form of list i start
 *      here?) and "L<i>" (is the captured run a form?), see step 5. The
 *      prefilter expansion is the same except that a big list becomes the
 *      token (*EVXLIST:<i>) and a small one a plain (?:forms) alternation.
 *   2. PCRE2 compiles each pattern and exclusion (caseless, UTF, dupnames,
 *      invalid UTF tolerated so a bad article cannot crash JIT code), then JIT,
 *      its runs of plain-word branches first rewritten as tries where that
 *      keeps the same matches in the same order (alttrie.h).
 *   3. rs_hs_convert() rewrites the prefilter expansion into a pattern that
 *      matches at least wherever the PCRE2 pattern does: anchors, \b,
 *      lookarounds and verbs are dropped, named groups become plain groups,
 *      backreferences, subroutine calls and repeated groups become (?:.*),
 *      atomic groups and possessive quantifiers lose their atomicity. A rule
 *      whose pattern cannot be converted gets prefiltered = 0 and a warning.
 *   4. rs_factors() reads the converted pattern for its required literals:
 *      factor sets, each a few literals of which every match contains one
 *      (ignoring case). A run of literal ASCII characters is a set of one;
 *      a required group gives its own sets; alternatives give one set, the
 *      union of each branch's best. Each rule keeps its best few sets
 *      (longest literals first) and is a candidate where all of them occur,
 *      in any order; one with no set gets prefiltered = 0. A big list's
 *      token is a "list item": a set may hold them besides literals, and
 *      one is found where the list scan (step 5) finds a form of the list.
 *      Equal sets are shared between rules, and the literals of all are
 *      compiled as literal alternations (CASELESS, no UTF8,
 *      k and s also spelled as the UTF-8 of U+212A and U+017F, which PCRE2
 *      matches with them caselessly) into one block-mode Vectorscan
 *      database whose ids are set indexes. Literal alternations build in a
 *      fraction of the time Vectorscan's prefilter mode needs for the whole
 *      patterns (0.15 s against 4.5 s for the core pack), and never miss a
 *      match: a set's literals are substrings of every match, byte for byte
 *      up to ASCII case and the two letters above; non-ASCII characters,
 *      which PCRE2 matches with their other cases, never enter a literal.
 *   5. Every form of every big list goes into a list index (rs_literals,
 *      listindex.h), scanned once per article for where each list occurs
 *      at word boundaries (sentence cuts counting as text ends); the
 *      callouts answer from that occurrence table. For a subject
 *      outside the scanned text (rule examples, tests) "S" lets the run try
 *      and "L" looks the run up in a hash set of the forms (rs_set_has).
 *   6. A rule whose every match starts with a big list (rs_start_lists,
 *      read from the prefilter expansion) is also compiled anchored: in the
 *      scanned text it is tried only where one of those lists occurs.
 *
 * Matching (any number of threads, each with its own ruleset_scratch):
 * ruleset_scan() scans the whole article once for the big lists and once
 * for the factor sets' literals; a rule is a candidate when all its sets
 * were found, or when it is never prefiltered. Only when some prefiltered
 * rule is a candidate is each segment (sentence) evaluated too, from the
 * same matches, for the candidates of each segment (a list occurrence
 * counts in the segment where it starts). Candidates are read off bitmaps
 * in rule order. The same matches also give, per set, where it occurs;
 * a match holds an occurrence of each of its rule's sets, so it starts at
 * or before the last one of each in its subject: ruleset_match() passes
 * that as PCRE2's offset limit (patterns compile with
 * PCRE2_USE_OFFSET_LIMIT), and skips PCRE2 altogether when some set has
 * no occurrence left after the start offset (the search after the last
 * match of a sentence, mostly). PCRE2 then runs only those, with the
 * match and depth limits of limits.h and a per-scratch JIT stack.
 * Nothing in struct ruleset changes after the build; all owned
 * memory hangs off rs->priv and is freed by ruleset_destroy().
 */
#include "ruleset.h"

#include <ctype.h>
#include <hs/hs.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alttrie.h"
#include "limits.h"
#include "listindex.h"
#include "strbuf.h"
#include "regtrie.h"

/* Deepest group nesting the prefilter rewrite follows. */
#define RS_HS_MAX_GROUPS 64

/* Lists bigger than this are not spelled out in PCRE2 patterns (a compiled
 * pattern is capped at 64 KB with the default link size) but matched as a
 * run of the list's characters checked against a hash set by a callout. */
#define RS_LIST_INLINE_MAX_FORMS 256
#define RS_LIST_INLINE_MAX_BYTES 4096

/* Lists of more forms than this are matched by a callout run too when that
 * gives the same matches (rs_run_exact): spelled out, a list of a hundred
 * forms is tens of KB of JIT code in every rule that uses it, and the JIT
 * code of all rules (3 MB for the core pack) is what an article's matching
 * streams through the caches. Smaller lists stay tries. */
#define RS_LIST_TRIE_MAX_FORMS 32

/* Required literals: at most this many factor sets per rule, the second
 * and later only with literals of at least RS_PF_MIN_EXTRA bytes; a set of
 * alternatives gives up beyond RS_PF_MAX_LITS literals; runs of literal
 * characters are cut into pieces of RS_PF_MAX_RUN bytes. */
#define RS_PF_MAX_SETS 4
#define RS_PF_MIN_EXTRA 3
#define RS_PF_MAX_LITS 64
#define RS_PF_MAX_RUN 64

/* In the prefilter expansion a big list is the token (*EVXLIST:<i>): no
 * PCRE2 pattern can hold it (an unknown verb does not compile), so it can
 * only come from here. The factor reader makes it a list item: a "literal"
 * of RS_PF_LIST_MARK and RS_PF_LIST_DIGITS digits, which no literal read
 * from a pattern can be (rs_flit), found where the article's list scan
 * finds a form of list i. */
#define RS_HS_LIST_TOKEN "(*EVXLIST:"
#define RS_PF_LIST_MARK '\x01'
#define RS_PF_LIST_DIGITS 5
/* A list item ranks as a literal this long: a form of a big list (a place,
 * a leader) is rarer than a short word, commoner than a long one. */
#define RS_PF_LIST_RANK 4

/* Vectorscan flags for every factor set. */
#define RS_HS_FLAGS (HS_FLAG_CASELESS)

#define RS_COMPILE_FLAGS (PCRE2_CASELESS | PCRE2_UTF | PCRE2_DUPNAMES | \
			  PCRE2_MATCH_INVALID_UTF | PCRE2_USE_OFFSET_LIMIT)

struct rs_priv {
	void **blocks;         /* every malloc'd string and array of the ruleset */
	size_t nblocks, capblocks;
	hs_database_t *db;     /* factor sets; NULL when no rule is prefiltered */
	size_t nfsets, nfwords;
	uint32_t *rf_start;    /* per rule: its first set in rf_ids, and one more */
	uint32_t *rf_ids;      /* factor sets of each rule, in turn */
	size_t nrules;
	uint64_t *always;      /* bitmap: rules with prefiltered == 0 */
	size_t nwords;
	uint32_t ovec_pairs;   /* largest capture count + 1 */
	unsigned char *jit;    /* per rule: its pattern has JIT code */
	struct rs_set **sets;  /* per list: form set of a big list, else NULL */
	size_t nsets;
	/* Every form of every big list, indexed: one scan per article finds
	 * where each list occurs, so the callouts answer from a table instead
	 * of hashing strings at every position. */
	struct listindex *lists;
	/* Factor sets with list items: per list, the sets holding it
	 * (ls_ids[ls_start[i] .. ls_start[i + 1])), and a bitmap of all of
	 * them, found everywhere when the list scan is unavailable. */
	uint32_t *ls_start;
	uint32_t *ls_ids;
	uint64_t *lsets;
	/* Per rule: the big lists (bits, the first 64) one of which every
	 * match starts with, and the pattern compiled anchored, so that
	 * ruleset_match() tries it only where the list scan found one of
	 * them; 0 and NULL for the other rules. */
	uint64_t *start_lists;
	pcre2_code **anchored;
	/* Per factor set: the length of its shortest literal (list items
	 * aside), so that a literal match ending at e starts at or before
	 * e - fs_minlit. */
	uint32_t *fs_minlit;
};

/* The forms of a big list, for the callout that checks a candidate span.
 * Open addressing; keys are lowercased (ASCII) for caseless lists. */
struct rs_set {
	const char **keys;
	size_t *lens;
	size_t mask;
	int caseless;
};

struct ruleset_scratch {
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *js;
	hs_scratch_t *hs;
	uint64_t *bits;
	uint64_t *fbits;       /* factor sets found: literals and list items */
	/* Every factor-set match of the last article scan, in end order: the
	 * one pass over the article from which each sentence's candidates
	 * are read. */
	struct rs_fm { uint32_t set, end; } *fm;
	size_t nfm, cap_fm;
	int fm_oom;
	uint32_t *cand;
	size_t nwords;
	/* Segmented scans (ruleset_scan): a bitmap of candidate rules per
	 * segment, nseg rows of nwords, and where each segment ends. */
	uint64_t *segbits;
	size_t nseg, cap_seg;
	const uint32_t *seg_end;
	uint32_t *segcand;
	/* List occurrences in the last scanned text (base, base_len): occ
	 * sorted by start, head[p] = 1 + index of the first starting at p. */
	const struct rs_priv *pv;
	const char *base;
	size_t base_len;
	struct rs_occ *occ;
	size_t nocc, cap_occ;
	uint32_t *head;
	size_t cap_head;
	int occ_oom;
	/* Where each factor set can occur in the last scanned text (pbase,
	 * valid when pos_ok): per set, ascending, positions at or after the
	 * start of each of its matches (pos[pos_start[k] .. pos_start[k+1])),
	 * from which ruleset_match() bounds where a rule's match can start. */
	const char *pbase;
	size_t plen;
	uint32_t *pos, *pos_start, *pos_fill;
	size_t cap_pos;
	int pos_ok;
};

struct rs_occ {
	uint32_t start, end;
	uint32_t list;
};


/* Records block p (may be NULL) as owned by the ruleset; frees it and
 * returns NULL when the record cannot grow. */
static void *rs_own(struct rs_priv *pv, void *p)
{
	if (!p)
		return NULL;
	if (pv->nblocks == pv->capblocks) {
		size_t cap = pv->capblocks ? pv->capblocks * 2 : 256;
		void **grown = realloc(pv->blocks, cap * sizeof(*grown));

		if (!grown) {
			free(p);
			return NULL;
		}
		pv->blocks = grown;
		pv->capblocks = cap;
	}
	pv->blocks[pv->nblocks++] = p;
	return p;
}

static char *rs_strdup(struct rs_priv *pv, const char *s)
{
	return s ? rs_own(pv, strdup(s)) : NULL;
}

/* ---- Expansion of {macro} and {list} references ---- */

struct rs_expander {
	const struct rulepack *rp;
	struct diag *d;
	struct rs_priv *pv;
	char **list_re;        /* per list: PCRE2 expansion, built on first use */
	char **list_hs;        /* per list: prefilter expansion */
	unsigned char *big;    /* per list: too big to spell out (may join
				* a union run, see rs_expand_union) */
	int oom;
};

static int rs_form_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = strlen(x), ly = strlen(y);

	if (lx != ly)
		return lx > ly ? -1 : 1;
	return strcmp(x, y);
}

/* Appends form s escaped for a regex: metacharacters, '#' and spaces get a
 * backslash, so the form stays literal even under (?x). */
static void rs_escape(struct strbuf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\^$.|?*+()[]{}# ", *s))
			strbuf_add(b, "\\", 1);
		strbuf_add(b, s, 1);
	}
}

static uint64_t rs_set_hash(const char *s, size_t n, int caseless)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= caseless ? (unsigned char)tolower((unsigned char)s[i])
			      : (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Returns 1 when s[0, n) is a form in set. */
static int rs_set_has(const struct rs_set *set, const char *s, size_t n)
{
	size_t i = (size_t)rs_set_hash(s, n, set->caseless) & set->mask;

	for (; set->keys[i]; i = (i + 1) & set->mask) {
		if (set->lens[i] != n)
			continue;
		if (set->caseless ? strncasecmp(set->keys[i], s, n) == 0
				  : memcmp(set->keys[i], s, n) == 0)
			return 1;
	}
	return 0;
}

/* Builds the form set of big list l (forms sorted, duplicates adjacent). */
static struct rs_set *rs_set_build(struct rs_priv *pv, const char **forms,
				   size_t n, int caseless)
{
	struct rs_set *set = rs_own(pv, calloc(1, sizeof(*set)));
	size_t cap = 16;

	while (cap < n * 2)
		cap *= 2;
	if (!set)
		return NULL;
	set->keys = rs_own(pv, calloc(cap, sizeof(*set->keys)));
	set->lens = rs_own(pv, calloc(cap, sizeof(*set->lens)));
	if (!set->keys || !set->lens)
		return NULL;
	set->mask = cap - 1;
	set->caseless = caseless;
	for (size_t k = 0; k < n; k++) {
		size_t len = strlen(forms[k]);
		size_t i = (size_t)rs_set_hash(forms[k], len, caseless) & set->mask;

		if (rs_set_has(set, forms[k], len))
			continue;
		while (set->keys[i])
			i = (i + 1) & set->mask;
		set->keys[i] = rs_strdup(pv, forms[k]);
		set->lens[i] = len;
		if (!set->keys[i])
			return NULL;
	}
	return set;
}

/* Decodes the UTF-8 character at s (advancing *s); invalid bytes come back
 * as themselves (the YAML reader only gives valid UTF-8). */
static uint32_t rs_utf8(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	uint32_t c = p[0];
	int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;

	if (n == 0) {
		*s += 1;
		return c;
	}
	c &= 0x3F >> n;
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*s += 1;
			return p[0];
		}
		c = (c << 6) | (p[i] & 0x3F);
	}
	*s += n + 1;
	return c;
}

static int rs_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}


/* Appends to re the class body of the first characters of forms (both
 * cases of ASCII letters for a form of a caseless list: caseless[k]). */
static int rs_first_chars(struct strbuf *re, const char **forms, size_t n,
			  const int *caseless)
{
	uint32_t *first = malloc((2 * n + 1) * sizeof(*first));
	size_t nf = 0;
	char tmp[32];

	if (!first)
		return -1;
	for (size_t k = 0; k < n; k++) {
		const char *p = forms[k];
		uint32_t cp;

		if (!*p)
			continue;
		cp = rs_utf8(&p);
		first[nf++] = cp;
		if (caseless[k] && cp < 128 && isalpha((int)cp))
			first[nf++] = (uint32_t)(isupper((int)cp) ? tolower((int)cp)
								  : toupper((int)cp));
	}
	qsort(first, nf, sizeof(*first), rs_u32_cmp);
	for (size_t k = 0; k < nf; k++) {
		if (k > 0 && first[k] == first[k - 1])
			continue;
		if (first[k] < 128 && isalnum((int)first[k]))
			snprintf(tmp, sizeof(tmp), "%c", (char)first[k]);
		else
			snprintf(tmp, sizeof(tmp), "\\x{%x}", (unsigned)first[k]);
		strbuf_str(re, tmp);
	}
	free(first);
	return 0;
}

/* The PCRE2 expansion of a big list, or of a union of big lists: a
 * word-bounded run of the characters their forms use, at most as long as
 * the longest form, captured, and accepted by callout "L<tag>" only when
 * the run is one of the forms. Greedy, so the longest form wins, as with a
 * spelled-out alternation. A lookahead on the forms' first characters
 * rejects most positions inside the JIT code, without a callout (proper-noun
 * lists start with a capital); callout "S<tag>" then fails at once where no
 * form starts (known from the article's literal scan), so the run is only
 * tried where a form does start. */
static int rs_run_expansion(struct strbuf *re, const char *tag,
			    const char **forms, const int *caseless, size_t n)
{
	uint32_t *cps = NULL;
	size_t ncps = 0, cap = 0, maxlen = 0;
	char tmp[96];

	for (size_t k = 0; k < n; k++) {
		const char *s = forms[k];
		size_t len = 0;

		while (*s) {
			if (ncps == cap) {
				uint32_t *grown;

				cap = cap ? cap * 2 : 256;
				grown = realloc(cps, cap * sizeof(*cps));
				if (!grown) {
					free(cps);
					return -1;
				}
				cps = grown;
			}
			cps[ncps++] = rs_utf8(&s);
			len++;
		}
		if (len > maxlen)
			maxlen = len;
	}
	qsort(cps, ncps, sizeof(*cps), rs_u32_cmp);
	strbuf_str(re, "(?:(?<![\\w])(?=(?-i:[");
	if (rs_first_chars(re, forms, n, caseless) < 0) {
		free(cps);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "]))(?C\"S%s\")((?i:[", tag);
	strbuf_str(re, tmp);
	for (size_t k = 0; k < ncps; k++) {
		if (k > 0 && cps[k] == cps[k - 1])
			continue;
		if (cps[k] < 128 && isalnum((int)cps[k]))
			snprintf(tmp, sizeof(tmp), "%c", (char)cps[k]);
		else
			snprintf(tmp, sizeof(tmp), "\\x{%x}", (unsigned)cps[k]);
		strbuf_str(re, tmp);
	}
	free(cps);
	snprintf(tmp, sizeof(tmp), "]{1,%zu}))(?![\\w])(?C\"L%s\"))", maxlen, tag);
	strbuf_str(re, tmp);
	return 0;
}

/* The expansion of one big list (see rs_run_expansion), and its form set. */
static int rs_list_callout(struct rs_expander *ex, size_t li,
			   const char **forms, size_t n, struct strbuf *re)
{
	const struct rp_list *l = &ex->rp->lists[li];
	int *caseless = calloc(n + 1, sizeof(*caseless));
	char tag[32];
	int rc;

	if (!caseless)
		return -1;
	for (size_t k = 0; k < n; k++)
		caseless[k] = l->caseless;
	snprintf(tag, sizeof(tag), "%zu", li);
	rc = rs_run_expansion(re, tag, forms, caseless, n);
	free(caseless);
	if (rc < 0)
		return -1;
	ex->pv->sets[li] = rs_set_build(ex->pv, forms, n, l->caseless);
	return ex->pv->sets[li] ? 0 : -1;
}

/* Whether the callout run of list l (rs_run_expansion) matches exactly what
 * its spelled-out forms would: no form is empty, and a caseless list's
 * forms are ASCII (the run folds only ASCII case, PCRE2 all of it). */
static int rs_run_exact(const struct rp_list *l, const char **forms, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!forms[i][0])
			return 0;
		for (const char *p = forms[i]; l->caseless && *p; p++)
			if ((unsigned char)*p >= 0x80)
				return 0;
	}
	return 1;
}

/* Builds both expansions of list l. */
static int rs_list_expand(struct rs_expander *ex, size_t li)
{
	const struct rp_list *l = &ex->rp->lists[li];
	struct strbuf re = {0}, hs = {0}, alt = {0};
	const char **forms;
	size_t n = 0, kept = 0;

	for (size_t i = 0; i < l->nentries; i++)
		n += l->entries[i].nforms;
	forms = malloc((n + 1) * sizeof(*forms));
	if (!forms)
		return -1;
	n = 0;
	for (size_t i = 0; i < l->nentries; i++)
		for (size_t j = 0; j < l->entries[i].nforms; j++)
			forms[n++] = l->entries[i].forms[j];
	qsort(forms, n, sizeof(*forms), rs_form_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(forms[i], forms[i - 1]) == 0)
			continue;
		if (kept++)
			strbuf_add(&alt, "|", 1);
		rs_escape(&alt, forms[i]);
	}
	if (kept == 0)
		strbuf_add(&alt, "", 0);
	ex->big[li] = n > RS_LIST_INLINE_MAX_FORMS ||
		      alt.n > RS_LIST_INLINE_MAX_BYTES;
	if ((ex->big[li] || (n > RS_LIST_TRIE_MAX_FORMS &&
			     rs_run_exact(l, forms, n))) &&
	    rs_list_callout(ex, li, forms, n, &re) < 0)
		re.oom = 1;
	if (re.n == 0 && !re.oom) {
		/* Spelled out as a trie of the forms' prefixes (regtrie.h):
		 * the same matches as alt, a few comparisons per position. */
		char *trie = regtrie_alternation(forms, n, l->caseless);

		if (!trie)
			re.oom = 1;
		strbuf_str(&re, l->caseless ? "(?:(?<![\\w])(?i:" : "(?:(?<![\\w])(?-i:");
		strbuf_str(&re, trie ? trie : "");
		strbuf_str(&re, ")(?![\\w]))");
		free(trie);
	}
	free(forms);
	if (ex->pv->sets[li]) {
		/* Found by the list scan, as a list item (see rs_fseq). */
		char tok[64];

		snprintf(tok, sizeof(tok), "(?:" RS_HS_LIST_TOKEN "%zu))", li);
		strbuf_str(&hs, tok);
	} else {
		strbuf_str(&hs, "(?:");
		strbuf_add(&hs, alt.p, alt.n);
		strbuf_str(&hs, ")");
	}
	free(alt.p);
	if (re.oom || hs.oom || alt.oom) {
		free(re.p);
		free(hs.p);
		return -1;
	}
	ex->list_re[li] = re.p;
	ex->list_hs[li] = hs.p;
	return 0;
}

/* Where an expansion started, for messages. */
struct rs_site {
	const char *file;
	int line;
	const char *rule;
	const char *what;     /* "pattern" or "exclude[2]" */
};

static int rs_expand_str(struct rs_expander *ex, const struct rs_site *site,
			 const char *src, int for_hs, struct strbuf *out,
			 const char **stack, int depth);

/* Expands {a|b|c}, a union of lists. When every one is a big list (and
 * among the first 64), the union is one run guarded by one pair of
 * callouts, "SM<hex mask>" and "LM<hex mask>", so a position costs one
 * check for the union instead of one per list; otherwise it is the plain
 * alternation of the lists' expansions. Only lists may be joined. */
static int rs_expand_union(struct rs_expander *ex, const struct rs_site *site,
			   const char *name, int for_hs, struct strbuf *out)
{
	const struct rulepack *rp = ex->rp;
	size_t idx[64], n = 0, nforms = 0, k = 0;
	const char *p = name;
	uint64_t mask = 0;
	int all_big = 1;

	while (*p) {
		const char *e = strchr(p, '|');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		size_t i;

		for (i = 0; i < rp->nlists; i++)
			if (strlen(rp->lists[i].name) == len &&
			    strncmp(rp->lists[i].name, p, len) == 0)
				break;
		if (i == rp->nlists)
			return diag_error(ex->d, site->file, site->line, site->rule,
					  "%s: {%s}: \"%.*s\" is not a list (only lists "
					  "can be joined with |)", site->what, name,
					  (int)len, p);
		if (n == 64)
			return diag_error(ex->d, site->file, site->line, site->rule,
					  "%s: {%s}: more than 64 lists", site->what, name);
		if (!ex->list_re[i] && rs_list_expand(ex, i) < 0) {
			ex->oom = 1;
			return -1;
		}
		idx[n++] = i;
		if (i >= 64 || !ex->pv->sets[i] || !ex->big[i])
			all_big = 0;
		else
			mask |= 1ULL << i;
		p = e ? e + 1 : p + len;
	}
	if (for_hs || !all_big) {
		strbuf_str(out, "(?:");
		for (size_t j = 0; j < n; j++) {
			if (j)
				strbuf_str(out, "|");
			strbuf_str(out, for_hs ? ex->list_hs[idx[j]] : ex->list_re[idx[j]]);
		}
		strbuf_str(out, ")");
		return 0;
	}
	for (size_t j = 0; j < n; j++)
		for (size_t e = 0; e < rp->lists[idx[j]].nentries; e++)
			nforms += rp->lists[idx[j]].entries[e].nforms;
	{
		const char **forms = malloc((nforms + 1) * sizeof(*forms));
		int *caseless = calloc(nforms + 1, sizeof(*caseless));
		char tag[32];
		int rc;

		if (!forms || !caseless) {
			free(forms);
			free(caseless);
			ex->oom = 1;
			return -1;
		}
		for (size_t j = 0; j < n; j++) {
			const struct rp_list *l = &rp->lists[idx[j]];

			for (size_t e = 0; e < l->nentries; e++)
				for (size_t f = 0; f < l->entries[e].nforms; f++) {
					caseless[k] = l->caseless;
					forms[k++] = l->entries[e].forms[f];
				}
		}
		snprintf(tag, sizeof(tag), "M%llx", (unsigned long long)mask);
		rc = rs_run_expansion(out, tag, forms, caseless, k);
		free(forms);
		free(caseless);
		if (rc < 0)
			ex->oom = 1;
		return rc;
	}
}

/* Expands reference {name}; stack holds the macros being expanded. */
static int rs_expand_ref(struct rs_expander *ex, const struct rs_site *site,
			 const char *name, int for_hs, struct strbuf *out,
			 const char **stack, int depth)
{
	const struct rulepack *rp = ex->rp;
	const struct rp_macro *m = NULL;
	int rc;

	if (strchr(name, '|'))
		return rs_expand_union(ex, site, name, for_hs, out);
	for (size_t i = 0; i < rp->nlists; i++) {
		if (strcmp(rp->lists[i].name, name) != 0)
			continue;
		if (!ex->list_re[i] && rs_list_expand(ex, i) < 0) {
			ex->oom = 1;
			return -1;
		}
		strbuf_str(out, for_hs ? ex->list_hs[i] : ex->list_re[i]);
		return 0;
	}
	for (size_t i = 0; i < rp->nmacros && !m; i++)
		if (strcmp(rp->macros[i].name, name) == 0)
			m = &rp->macros[i];
	if (!m)
		return diag_error(ex->d, site->file, site->line, site->rule,
				  "%s: unknown macro {%s}", site->what, name);
	for (int i = 0; i < depth; i++) {
		if (strcmp(stack[i], name) != 0)
			continue;
		{
			struct strbuf cyc = {0};

			for (int j = i; j < depth; j++) {
				strbuf_str(&cyc, stack[j]);
				strbuf_str(&cyc, " -> ");
			}
			strbuf_str(&cyc, name);
			diag_error(ex->d, site->file, site->line, site->rule,
				   "%s: macro cycle %s (macro \"%s\" at %s:%d)",
				   site->what, cyc.p ? cyc.p : name, name,
				   m->file, m->line);
			free(cyc.p);
			return -1;
		}
	}
	if (depth >= EVX_MAX_MACRO_DEPTH)
		return diag_error(ex->d, site->file, site->line, site->rule,
				  "%s: macros nested deeper than %d at {%s}",
				  site->what, EVX_MAX_MACRO_DEPTH, name);
	stack[depth] = name;
	strbuf_str(out, "(?:");
	rc = rs_expand_str(ex, site, m->value, for_hs, out, stack, depth + 1);
	strbuf_str(out, ")");
	return rc;
}

/* Copies src to out expanding {identifier} references outside character
 * classes, \Q...\E and escapes; {2}, {2,3} and \{ stay as they are. */
static int rs_expand_str(struct rs_expander *ex, const struct rs_site *site,
			 const char *src, int for_hs, struct strbuf *out,
			 const char **stack, int depth)
{
	int rc = 0, in_class = 0;
	const char *p = src;

	while (*p) {
		if (p[0] == '\\' && p[1] == 'Q') {
			const char *e = strstr(p + 2, "\\E");
			size_t n = e ? (size_t)(e + 2 - p) : strlen(p);

			strbuf_add(out, p, n);
			p += n;
		} else if (p[0] == '\\') {
			strbuf_add(out, p, p[1] ? 2 : 1);
			p += p[1] ? 2 : 1;
		} else if (in_class) {
			if (p[0] == '[' && p[1] == ':') {
				const char *e = strstr(p + 2, ":]");
				size_t n = e ? (size_t)(e + 2 - p) : 1;

				strbuf_add(out, p, n);
				p += n;
				continue;
			}
			if (p[0] == ']')
				in_class = 0;
			strbuf_add(out, p++, 1);
		} else if (p[0] == '[') {
			/* A ']' right after '[' or '[^' is a literal. */
			size_t n = p[1] == '^' ? 2 : 1;

			if (p[n] == ']')
				n++;
			strbuf_add(out, p, n);
			p += n;
			in_class = 1;
		} else if (p[0] == '{' && (isalpha((unsigned char)p[1]) || p[1] == '_')) {
			const char *e = p + 1;
			char name[128];

			while (isalnum((unsigned char)*e) || *e == '_' ||
			       (*e == '|' && (isalpha((unsigned char)e[1]) || e[1] == '_')))
				e++;
			if (*e != '}' || (size_t)(e - p - 1) >= sizeof(name)) {
				strbuf_add(out, p++, 1);
				continue;
			}
			memcpy(name, p + 1, (size_t)(e - p - 1));
			name[e - p - 1] = '\0';
			if (rs_expand_ref(ex, site, name, for_hs, out, stack, depth) < 0)
				rc = -1;
			p = e + 1;
		} else {
			strbuf_add(out, p++, 1);
		}
	}
	if (out->oom)
		ex->oom = 1;
	return rc;
}

/* Expands src once for PCRE2 (*re) and once for the prefilter (*hs, when hs
 * is not NULL). Errors are reported at site. */
static int rs_expand(struct rs_expander *ex, const struct rs_site *site,
		     const char *src, char **re, char **hs)
{
	const char *stack[EVX_MAX_MACRO_DEPTH + 1];
	struct strbuf b = {0}, h = {0};
	int rc;

	rc = rs_expand_str(ex, site, src, 0, &b, stack, 0);
	if (rc == 0 && hs)
		rc = rs_expand_str(ex, site, src, 1, &h, stack, 0);
	strbuf_add(&b, "", 0);
	strbuf_add(&h, "", 0);
	if (rc < 0 || b.oom || h.oom) {
		if (b.oom || h.oom)
			ex->oom = 1;
		free(b.p);
		free(h.p);
		return -1;
	}
	*re = b.p;
	if (hs)
		*hs = h.p;
	else
		free(h.p);
	return 0;
}

/* ---- Prefilter patterns for Vectorscan ---- */

/* Returns the index just past the group opening at p[i] == '(' (its
 * matching ')'), skipping escapes, classes and \Q...\E. */
static size_t rs_group_end(const char *p, size_t i)
{
	int depth = 0, in_class = 0;

	for (; p[i]; i++) {
		if (p[i] == '\\' && p[i + 1] == 'Q') {
			const char *e = strstr(p + i + 2, "\\E");

			if (!e)
				return strlen(p);
			i = (size_t)(e - p) + 1;
		} else if (p[i] == '\\') {
			if (p[i + 1])
				i++;
		} else if (in_class) {
			if (p[i] == '[' && p[i + 1] == ':') {
				const char *e = strstr(p + i + 2, ":]");

				if (e)
					i = (size_t)(e - p) + 1;
			} else if (p[i] == ']') {
				in_class = 0;
			}
		} else if (p[i] == '[') {
			in_class = 1;
			if (p[i + 1] == '^')
				i++;
			if (p[i + 1] == ']')
				i++;
		} else if (p[i] == '(') {
			depth++;
		} else if (p[i] == ')' && --depth == 0) {
			return i + 1;
		}
	}
	return i;
}

/* Length of a {n}, {n,} or {n,m} quantifier at p, else 0. */
static size_t rs_brace_quant(const char *p)
{
	size_t i = 1;

	if (!isdigit((unsigned char)p[i]))
		return 0;
	while (isdigit((unsigned char)p[i]))
		i++;
	if (p[i] == ',') {
		i++;
		while (isdigit((unsigned char)p[i]))
			i++;
	}
	return p[i] == '}' ? i + 1 : 0;
}

/* Index past a quantifier (and its lazy/possessive mark) at p[i], if any:
 * used after something dropped, so no quantifier is left dangling. */
static size_t rs_skip_quant(const char *p, size_t i)
{
	size_t q = 0;

	if (p[i] == '*' || p[i] == '+' || p[i] == '?')
		q = 1;
	else if (p[i] == '{')
		q = rs_brace_quant(p + i);
	if (q && (p[i + q] == '?' || p[i + q] == '+'))
		q++;
	return i + q;
}

static int rs_is_name(const char *p, size_t n, const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == n && strncmp(p, names[i], n) == 0)
			return 1;
	return 0;
}

/* Emits the opening s of a group and remembers where it starts. */
static int rs_hs_open(struct strbuf *out, const char *s, size_t *gstack,
		      int *gdepth, const char **why)
{
	if (*gdepth >= RS_HS_MAX_GROUPS) {
		*why = "groups nested too deep";
		return -1;
	}
	gstack[(*gdepth)++] = out->n;
	strbuf_str(out, s);
	return 0;
}

/* Rewrites PCRE2 pattern p into out for Vectorscan's prefilter mode so that
 * it matches at least wherever p does (see the top of the file). Returns 0,
 * or -1 with *why set for a construct it cannot widen safely. */
static int rs_hs_convert(const char *p, struct strbuf *out, const char **why)
{
	static const char *const look_names[] = {"pla", "plb", "nla", "nlb",
		"positive_lookahead", "positive_lookbehind", "negative_lookahead",
		"negative_lookbehind", "napla", "naplb",
		"non_atomic_positive_lookahead", "non_atomic_positive_lookbehind",
		NULL};
	static const char *const group_names[] = {"atomic", "sr", "script_run",
		"asr", "atomic_script_run", NULL};
	size_t gstack[RS_HS_MAX_GROUPS], last_group = 0, i = 0;
	int after_quant = 0, gdepth = 0, group_closed = 0, prev_group;

	while (p[i]) {
		char c = p[i];

		prev_group = group_closed;
		group_closed = 0;
		if (prev_group && (c == '*' || c == '+' || c == '?' ||
				   (c == '{' && rs_brace_quant(p + i)))) {
			/* A repeated group: optional repeats carry no required
			 * literal, so (X)* (X)? (X){0,n} become .*, and (X)+
			 * (X){m,n} keep one X and then .*. Vectorscan compiles
			 * bounded repeats of groups slowly; this keeps it quick. */
			int optional = c == '*' || c == '?' ||
				       (c == '{' && p[i + 1] == '0' &&
					!isdigit((unsigned char)p[i + 2]));

			if (optional) {
				out->n = last_group;
				if (out->p)
					out->p[out->n] = '\0';
			}
			strbuf_str(out, "(?:.*)");
			i = rs_skip_quant(p, i);
			after_quant = 0;
			continue;
		}

		if (c == '\\') {
			char e = p[i + 1];

			after_quant = 0;
			if (e == 'Q') {
				const char *end = strstr(p + i + 2, "\\E");
				size_t n = end ? (size_t)(end - p) + 2 - i : strlen(p + i);

				strbuf_add(out, p + i, n);
				if (!end)
					strbuf_str(out, "\\E");
				i += n;
			} else if (e && strchr("bBAzZGK", e)) {
				/* Assertions only narrow; a sentence boundary is not
				 * an article boundary. */
				i = rs_skip_quant(p, i + 2);
			} else if (e == 'R') {
				strbuf_str(out, "(?:\\r\\n|[\\n\\x0b\\x0c\\r\\x{85}\\x{2028}\\x{2029}])");
				i += 2;
			} else if (e == 'X') {
				strbuf_str(out, "(?:.+)");
				i += 2;
			} else if ((e >= '1' && e <= '9') || e == 'g' || e == 'k') {
				/* Backreference or subroutine call: any text. */
				i += 2;
				if (p[i] == '{' || p[i] == '<' || p[i] == '\'') {
					char close = p[i] == '{' ? '}' : p[i] == '<' ? '>' : '\'';
					const char *end = strchr(p + i + 1, close);

					i = end ? (size_t)(end - p) + 1 : strlen(p);
				} else {
					if (p[i] == '-' || p[i] == '+')
						i++;
					while (isdigit((unsigned char)p[i]))
						i++;
				}
				strbuf_str(out, "(?:.*)");
			} else if (e && strchr("xopPN", e) && p[i + 2] == '{') {
				const char *end = strchr(p + i + 2, '}');
				size_t n = end ? (size_t)(end - p) + 1 - i : strlen(p + i);

				strbuf_add(out, p + i, n);
				i += n;
			} else if (e == 'c' && p[i + 2]) {
				strbuf_add(out, p + i, 3);
				i += 3;
			} else {
				strbuf_add(out, p + i, e ? 2 : 1);
				i += e ? 2 : 1;
			}
		} else if (c == '[') {
			size_t j = alttrie_class_end(p, i);

			strbuf_add(out, p + i, j - i);
			i = j;
			after_quant = 0;
		} else if (strncmp(p + i, RS_HS_LIST_TOKEN,
				   strlen(RS_HS_LIST_TOKEN)) == 0) {
			/* A big list (rs_list_expand), for rs_factors. */
			const char *end = strchr(p + i, ')');
			size_t n = end ? (size_t)(end - p) + 1 - i : strlen(p + i);

			strbuf_add(out, p + i, n);
			i += n;
			after_quant = 0;
		} else if (c == '(' && p[i + 1] == '*') {
			size_t n = 2;

			while (isalpha((unsigned char)p[i + n]) || p[i + n] == '_')
				n++;
			if (p[i + n] == ':' && rs_is_name(p + i + 2, n - 2, look_names)) {
				i = rs_skip_quant(p, rs_group_end(p, i));
			} else if (p[i + n] == ':' && rs_is_name(p + i + 2, n - 2, group_names)) {
				if (rs_hs_open(out, "(?:", gstack, &gdepth, why) < 0)
					return -1;
				i += n + 1;
			} else if (n == 8 && strncmp(p + i + 2, "ACCEPT", 6) == 0) {
				*why = "(*ACCEPT)";
				return -1;
			} else {
				/* A verb or start-of-pattern option: only narrows. */
				const char *end = strchr(p + i, ')');

				i = end ? (size_t)(end - p) + 1 : strlen(p);
			}
			after_quant = 0;
		} else if (c == '(' && p[i + 1] == '?') {
			const char *q = p + i + 2;

			after_quant = 0;
			if (*q == '#') {
				const char *end = strchr(q, ')');

				i = end ? (size_t)(end - p) + 1 : strlen(p);
			} else if (*q == ':' || *q == '|' || *q == '>') {
				if (rs_hs_open(out, "(?:", gstack, &gdepth, why) < 0)
					return -1;
				i += 3;
			} else if (*q == '=' || *q == '!' || *q == '*' ||
				   (*q == '<' && (q[1] == '=' || q[1] == '!' || q[1] == '*'))) {
				i = rs_skip_quant(p, rs_group_end(p, i));
			} else if (*q == '<' || *q == '\'' || (*q == 'P' && q[1] == '<')) {
				char close = *q == '\'' ? '\'' : '>';
				const char *end = strchr(q + 1, close);

				if (!end) {
					*why = "unterminated group name";
					return -1;
				}
				if (rs_hs_open(out, "(", gstack, &gdepth, why) < 0)
					return -1;
				i = (size_t)(end - p) + 1;
			} else if ((*q == 'P' && (q[1] == '=' || q[1] == '>')) ||
				   *q == 'R' || *q == '&' || isdigit((unsigned char)*q) ||
				   ((*q == '+' || *q == '-') && isdigit((unsigned char)q[1]))) {
				const char *end = strchr(q, ')');

				strbuf_str(out, "(?:.*)");
				i = end ? (size_t)(end - p) + 1 : strlen(p);
			} else if (*q == 'C') {
				const char *end = strchr(q, ')');

				i = end ? (size_t)(end - p) + 1 : strlen(p);
			} else if (*q == '(') {
				*why = "a conditional group (?(...)";
				return -1;
			} else {
				/* Option settings: (?i), (?-i:...), (?s), (?U), ... */
				size_t n = 0;

				while (isalpha((unsigned char)q[n]) || q[n] == '-' || q[n] == '^')
					n++;
				if (memchr(q, 'x', n)) {
					*why = "extended mode (?x)";
					return -1;
				}
				if (q[n] == ':') {
					if (rs_hs_open(out, "(?:", gstack, &gdepth, why) < 0)
						return -1;
					i += 3 + n;
				} else if (q[n] == ')') {
					i += 3 + n;
				} else {
					*why = "an unknown (? group";
					return -1;
				}
			}
		} else if (c == '(') {
			if (rs_hs_open(out, "(", gstack, &gdepth, why) < 0)
				return -1;
			i++;
			after_quant = 0;
		} else if (c == ')') {
			group_closed = gdepth > 0;
			if (gdepth > 0)
				last_group = gstack[--gdepth];
			strbuf_add(out, ")", 1);
			i++;
			after_quant = 0;
		} else if (c == '^' || c == '$') {
			i = rs_skip_quant(p, i + 1);
			after_quant = 0;
		} else if (c == '*' || c == '+' || c == '?') {
			if (after_quant && c == '+') {
				i++;  /* possessive: drop the mark */
			} else {
				strbuf_add(out, p + i++, 1);
			}
			after_quant = !after_quant;
		} else if (c == '{') {
			size_t n = rs_brace_quant(p + i);

			if (n) {
				strbuf_add(out, p + i, n);
				i += n;
				after_quant = 1;
			} else {
				strbuf_str(out, "\\{");
				i++;
				after_quant = 0;
			}
		} else if (c == '}') {
			strbuf_str(out, "\\}");
			i++;
			after_quant = 0;
		} else {
			strbuf_add(out, p + i++, 1);
			after_quant = 0;
		}
	}
	strbuf_add(out, "", 0);
	return out->oom ? -1 : 0;
}

/* ---- Where a match can start ---- */

/* Index past the end of the branch of the alternation at p[i] (at the
 * next '|' or ')' of the same level, or at end). */
static size_t rs_branch_end(const char *p, size_t i, size_t end)
{
	while (i < end && p[i] != '|' && p[i] != ')') {
		if (p[i] == '\\' && p[i + 1] == 'Q') {
			const char *e = strstr(p + i + 2, "\\E");

			i = e ? (size_t)(e - p) + 2 : end;
		} else if (p[i] == '\\') {
			i += p[i + 1] ? 2 : 1;
		} else if (p[i] == '[') {
			i = alttrie_class_end(p, i);
		} else if (p[i] == '(') {
			i = rs_group_end(p, i);
		} else {
			i++;
		}
	}
	return i < end ? i : end;
}

static uint64_t rs_start_alt(const char *p, size_t i, size_t end, int depth);

/* The lists one of which every match of the branch at p[i, end) starts
 * with, as bits, or 0 when it may start with anything else: the first
 * element that is not an assertion must be a big list's token
 * (RS_HS_LIST_TOKEN), or a group, not optional, whose every branch starts
 * with one. */
static uint64_t rs_start_seq(const char *p, size_t i, size_t end, int depth)
{
	while (i < end) {
		if (p[i] == '\\' && (p[i + 1] == 'b' || p[i + 1] == 'B')) {
			i += 2;
		} else if (p[i] == '(' && p[i + 1] == '?' &&
			   (p[i + 2] == '=' || p[i + 2] == '!' ||
			    (p[i + 2] == '<' && (p[i + 3] == '=' || p[i + 3] == '!')))) {
			/* Lookarounds take no text; a quantifier on one is
			 * refused, to stay simple. */
			i = rs_group_end(p, i);
			if (rs_skip_quant(p, i) != i)
				return 0;
		} else {
			break;
		}
	}
	if (i >= end || p[i] != '(' || depth > RS_HS_MAX_GROUPS)
		return 0;
	if (strncmp(p + i, RS_HS_LIST_TOKEN, strlen(RS_HS_LIST_TOKEN)) == 0) {
		unsigned long li = strtoul(p + i + strlen(RS_HS_LIST_TOKEN), NULL, 10);

		return li < 64 ? 1ULL << li : 0;
	}
	{
		size_t close = rs_group_end(p, i), body = i + 1;
		const char *q = p + i + 1;

		if (close > end || p[close - 1] != ')')
			return 0;
		/* A group that must match once or more. */
		if (p[close] == '?' || p[close] == '*' ||
		    (p[close] == '{' && rs_brace_quant(p + close) &&
		     p[close + 1] == '0'))
			return 0;
		if (q[0] == '?') {
			if (q[1] == ':' || q[1] == '>' || q[1] == '|') {
				body = i + 3;
			} else if ((q[1] == '<' && q[2] != '*') || q[1] == '\'' ||
				   (q[1] == 'P' && q[2] == '<')) {
				const char *e = strchr(q + 2, q[1] == '\'' ? '\'' : '>');

				if (!e)
					return 0;
				body = (size_t)(e - p) + 1;
			} else {
				size_t n = 1;

				/* Options: (?i: ... ), (?-i: ... ). */
				while (isalpha((unsigned char)q[n]) || q[n] == '-' || q[n] == '^')
					n++;
				if (q[n] != ':')
					return 0;
				body = i + 2 + n;
			}
		}
		return rs_start_alt(p, body, close - 1, depth + 1);
	}
}

/* Union of rs_start_seq() over the branches of the alternation at
 * p[i, end); 0 when any branch gives 0. */
static uint64_t rs_start_alt(const char *p, size_t i, size_t end, int depth)
{
	uint64_t all = 0;

	for (;;) {
		size_t e = rs_branch_end(p, i, end);
		uint64_t m = rs_start_seq(p, i, e, depth);

		if (!m)
			return 0;
		all |= m;
		if (e >= end || p[e] != '|')
			return e >= end ? all : 0;
		i = e + 1;
	}
}

/* The big lists every match of a rule starts with, read from its prefilter
 * expansion hs (lists as tokens), or 0. */
static uint64_t rs_start_lists(const char *hs)
{
	return hs ? rs_start_alt(hs, 0, strlen(hs), 0) : 0;
}

/* ---- Required literals of a prefilter pattern ---- */

/* A factor set: literals (lowercase ASCII) of which every match of the
 * pattern contains at least one, ignoring case. */
struct rs_fset {
	char **lits;
	size_t n, cap;
	size_t minlen;         /* length of the shortest literal */
	size_t nlist;          /* how many are list items */
	size_t seq;            /* place among the pattern's sets (rs_factors) */
};

/* A conjunction of factor sets: every match contains a literal of each. */
struct rs_fconj {
	struct rs_fset *sets;
	size_t n, cap;
};

struct rs_fparse {
	const char *p;
	size_t i;
	int depth;
	int bad;               /* a construct not understood, or out of memory */
};

/* Whether literal s of a factor set is a list item (see RS_HS_LIST_TOKEN). */
static int rs_fis_list(const char *s)
{
	return s[0] == RS_PF_LIST_MARK;
}

static void rs_fset_free(struct rs_fset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->lits[i]);
	free(s->lits);
	memset(s, 0, sizeof(*s));
}

static void rs_fconj_free(struct rs_fconj *c)
{
	for (size_t i = 0; i < c->n; i++)
		rs_fset_free(&c->sets[i]);
	free(c->sets);
	memset(c, 0, sizeof(*c));
}

/* Adds literal s[0, n) (lowercased) to set unless it is there already. */
static int rs_fset_add(struct rs_fset *set, const char *s, size_t n)
{
	char *lit;

	for (size_t i = 0; i < set->n; i++)
		if (strlen(set->lits[i]) == n && strncasecmp(set->lits[i], s, n) == 0)
			return 0;
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 8;
		char **grown = realloc(set->lits, cap * sizeof(*grown));

		if (!grown)
			return -1;
		set->lits = grown;
		set->cap = cap;
	}
	lit = malloc(n + 1);
	if (!lit)
		return -1;
	for (size_t i = 0; i < n; i++)
		lit[i] = (char)tolower((unsigned char)s[i]);
	lit[n] = '\0';
	set->lits[set->n++] = lit;
	/* A list item counts as a literal of RS_PF_LIST_RANK bytes. */
	if (rs_fis_list(lit)) {
		n = RS_PF_LIST_RANK;
		set->nlist++;
	}
	if (set->n == 1 || n < set->minlen)
		set->minlen = n;
	return 0;
}

/* Moves set into conjunction c (set is left empty). */
static int rs_fconj_take(struct rs_fconj *c, struct rs_fset *set)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		struct rs_fset *grown = realloc(c->sets, cap * sizeof(*grown));

		if (!grown) {
			rs_fset_free(set);
			return -1;
		}
		c->sets = grown;
		c->cap = cap;
	}
	c->sets[c->n++] = *set;
	memset(set, 0, sizeof(*set));
	return 0;
}

/* Whether set a is likely rarer in text than set b: longer literals first,
 * then fewer list items, then fewer literals. */
static int rs_fset_better(const struct rs_fset *a, const struct rs_fset *b)
{
	if (a->minlen != b->minlen)
		return a->minlen > b->minlen;
	if (a->nlist != b->nlist)
		return a->nlist < b->nlist;
	return a->n < b->n;
}

/* Index of the best set of c, or -1 when c has none. */
static int rs_fconj_best(const struct rs_fconj *c)
{
	int best = -1;

	for (size_t i = 0; i < c->n; i++)
		if (best < 0 || rs_fset_better(&c->sets[i], &c->sets[best]))
			best = (int)i;
	return best;
}

/* Whether byte c can be part of a literal: ASCII only, since PCRE2 matches
 * a non-ASCII letter caseless with its other cases, which are other bytes.
 * (ASCII k and s also match U+212A and U+017F: see rs_fset_regex.) Not a
 * control character either, so that no literal can look like a list item
 * (RS_PF_LIST_MARK). */
static int rs_flit(int c)
{
	return c >= 0x20 && c < 0x80;
}

/* Index past the {...} at p[i] (or i when p[i] is not '{'). */
static size_t rs_brace_end(const char *p, size_t i)
{
	const char *e;

	if (p[i] != '{')
		return i;
	e = strchr(p + i, '}');
	return e ? (size_t)(e - p) + 1 : strlen(p);
}

/* Reads the escape at p[i] == '\\' (not \Q); returns the literal byte it
 * stands for, or -1 for anything else (a class, a code point, ...). */
static int rs_fescape(struct rs_fparse *fp)
{
	const char *p = fp->p;
	char e = p[fp->i + 1];

	if (!e) {
		fp->i++;
		return -1;
	}
	fp->i += 2;
	if ((unsigned char)e >= 0x80)
		return -1;
	if (!isalnum((unsigned char)e))
		return e;
	if (e == 'x') {
		if (p[fp->i] == '{')
			fp->i = rs_brace_end(p, fp->i);
		else
			for (int k = 0; k < 2 && isxdigit((unsigned char)p[fp->i]); k++)
				fp->i++;
	} else if (e == 'o' || e == 'N' || e == 'p' || e == 'P') {
		if (p[fp->i] == '{')
			fp->i = rs_brace_end(p, fp->i);
		else if (e == 'p' || e == 'P')
			fp->i += p[fp->i] ? 1 : 0;
	} else if (e == 'c') {
		fp->i += p[fp->i] ? 1 : 0;
	} else if (isdigit((unsigned char)e)) {
		while (isdigit((unsigned char)p[fp->i]))
			fp->i++;
	}
	return -1;
}

/* Reads a quantifier at p[i], if any: returns its minimum count (0 or 1
 * for one or more), or -1 when there is none. */
static int rs_fquant(struct rs_fparse *fp)
{
	const char *p = fp->p;
	size_t q = 0;
	int min = 1;

	if (p[fp->i] == '*' || p[fp->i] == '?') {
		q = 1;
		min = 0;
	} else if (p[fp->i] == '+') {
		q = 1;
	} else if (p[fp->i] == '{' && (q = rs_brace_quant(p + fp->i)) > 0) {
		min = atoi(p + fp->i + 1) > 0;
	}
	if (!q)
		return -1;
	fp->i += q;
	if (p[fp->i] == '?' || p[fp->i] == '+')
		fp->i++;
	return min;
}

/* Reads the token (*EVXLIST:<i>) at p[i] into out as a set of one list
 * item, unless a quantifier makes it optional. */
static void rs_flist(struct rs_fparse *fp, struct rs_fconj *out)
{
	const char *p = fp->p + fp->i + strlen(RS_HS_LIST_TOKEN);
	char *end = NULL;
	unsigned long li = strtoul(p, &end, 10);
	char item[2 + RS_PF_LIST_DIGITS];
	struct rs_fset set = {0};

	if (end == p || *end != ')' || li >= 100000UL) {
		fp->bad = 1;
		return;
	}
	fp->i = (size_t)(end + 1 - fp->p);
	if (rs_fquant(fp) == 0)
		return;
	snprintf(item, sizeof(item), "%c%05lu", RS_PF_LIST_MARK, li);
	if (rs_fset_add(&set, item, strlen(item)) < 0 || rs_fconj_take(out, &set) < 0)
		fp->bad = 1;
	rs_fset_free(&set);
}

static void rs_falt(struct rs_fparse *fp, struct rs_fconj *out);

/* Adds the pending literal run to out as a set of its own. */
static void rs_fflush(struct rs_fparse *fp, struct rs_fconj *out,
		      char *run, size_t *nrun)
{
	struct rs_fset set = {0};

	if (*nrun == 0)
		return;
	if (rs_fset_add(&set, run, *nrun) < 0 || rs_fconj_take(out, &set) < 0)
		fp->bad = 1;
	rs_fset_free(&set);
	*nrun = 0;
}

/* Reads one branch (up to '|', ')' or the end) into out: its runs of
 * literal characters and the factors of its required groups. */
static void rs_fseq(struct rs_fparse *fp, struct rs_fconj *out)
{
	const char *p = fp->p;
	char run[RS_PF_MAX_RUN];
	size_t nrun = 0;

	while (!fp->bad && p[fp->i] && p[fp->i] != '|' && p[fp->i] != ')') {
		char c = p[fp->i];
		int lit = -1, min;

		if (strncmp(p + fp->i, RS_HS_LIST_TOKEN,
			    strlen(RS_HS_LIST_TOKEN)) == 0) {
			rs_fflush(fp, out, run, &nrun);
			rs_flist(fp, out);
			continue;
		}
		if (c == '(') {
			struct rs_fconj g = {0};

			if (p[fp->i + 1] == '?' && p[fp->i + 2] == ':') {
				fp->i += 3;
			} else if (p[fp->i + 1] == '?') {
				fp->bad = 1;
				break;
			} else {
				fp->i++;
			}
			if (++fp->depth > RS_HS_MAX_GROUPS)
				fp->bad = 1;
			rs_falt(fp, &g);
			fp->depth--;
			if (p[fp->i] != ')')
				fp->bad = 1;
			else
				fp->i++;
			min = rs_fquant(fp);
			rs_fflush(fp, out, run, &nrun);
			for (size_t k = 0; min != 0 && k < g.n && !fp->bad; k++)
				if (rs_fconj_take(out, &g.sets[k]) < 0)
					fp->bad = 1;
			rs_fconj_free(&g);
			continue;
		}
		if (c == '\\' && p[fp->i + 1] == 'Q') {
			const char *e = strstr(p + fp->i + 2, "\\E");
			size_t a = fp->i + 2, b = e ? (size_t)(e - p) : strlen(p);

			fp->i = e ? b + 2 : b;
			if (rs_fquant(fp) >= 0) {
				/* The last character is repeated: keep none. */
				rs_fflush(fp, out, run, &nrun);
				continue;
			}
			for (size_t k = a; k < b; k++) {
				if (!rs_flit((unsigned char)p[k])) {
					rs_fflush(fp, out, run, &nrun);
					continue;
				}
				if (nrun == sizeof(run))
					rs_fflush(fp, out, run, &nrun);
				run[nrun++] = p[k];
			}
			continue;
		}
		if (c == '[') {
			fp->i = alttrie_class_end(p, fp->i);
		} else if (c == '\\') {
			lit = rs_fescape(fp);
		} else if (c == '*' || c == '+' || c == '?' ||
			   (c == '{' && rs_brace_quant(p + fp->i))) {
			fp->bad = 1;   /* a quantifier with nothing before it */
			break;
		} else {
			fp->i++;
			if (c != '.')
				lit = (unsigned char)c;
		}
		if (lit >= 0 && !rs_flit(lit))
			lit = -1;
		min = rs_fquant(fp);
		if (lit < 0 || min == 0) {
			rs_fflush(fp, out, run, &nrun);
			continue;
		}
		if (nrun == sizeof(run))
			rs_fflush(fp, out, run, &nrun);
		run[nrun++] = (char)lit;
		if (min > 0) {
			/* Repeated: the run ends with one copy, the next starts
			 * with one. */
			rs_fflush(fp, out, run, &nrun);
			run[nrun++] = (char)lit;
		}
	}
	rs_fflush(fp, out, run, &nrun);
}

/* Reads alternatives up to ')' or the end into out. One branch keeps all
 * its sets; several give one set, the union of each branch's best, or none
 * when some branch has no factor (or the union grows too big). */
static void rs_falt(struct rs_fparse *fp, struct rs_fconj *out)
{
	struct rs_fconj br = {0};
	struct rs_fset u = {0};
	int none = 0;

	rs_fseq(fp, &br);
	if (fp->p[fp->i] != '|') {
		*out = br;
		return;
	}
	for (;;) {
		int best = rs_fconj_best(&br);

		if (best < 0)
			none = 1;
		for (size_t k = 0; !none && k < br.sets[best].n; k++) {
			const char *lit = br.sets[best].lits[k];

			if (rs_fset_add(&u, lit, strlen(lit)) < 0)
				fp->bad = 1;
		}
		if (u.n > RS_PF_MAX_LITS)
			none = 1;
		rs_fconj_free(&br);
		if (fp->bad || fp->p[fp->i] != '|')
			break;
		fp->i++;
		rs_fseq(fp, &br);
	}
	if (!none && !fp->bad && rs_fconj_take(out, &u) < 0)
		fp->bad = 1;
	rs_fset_free(&u);
}

static int rs_fset_cmp_seq(const void *a, const void *b)
{
	const struct rs_fset *x = a, *y = b;

	return (x->seq > y->seq) - (x->seq < y->seq);
}

static int rs_fset_cmp_better(const void *a, const void *b)
{
	const struct rs_fset *x = a, *y = b;

	return rs_fset_better(x, y) ? -1 : rs_fset_better(y, x) ? 1 : 0;
}

static int rs_str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Drops every literal that contains another literal of the set (whatever
 * contains it contains the other too) and sorts the rest. */
static void rs_fset_prune(struct rs_fset *set)
{
	size_t kept = 0;

	for (size_t i = 0; i < set->n; i++) {
		int redundant = 0;

		for (size_t j = 0; j < set->n && !redundant; j++)
			redundant = j != i && set->lits[j] &&
				    !rs_fis_list(set->lits[i]) &&
				    !rs_fis_list(set->lits[j]) &&
				    strstr(set->lits[i], set->lits[j]) &&
				    strlen(set->lits[j]) < strlen(set->lits[i]);
		if (redundant) {
			free(set->lits[i]);
			set->lits[i] = NULL;
		}
	}
	for (size_t i = 0; i < set->n; i++)
		if (set->lits[i])
			set->lits[kept++] = set->lits[i];
	set->n = kept;
	if (set->n > 1)
		qsort(set->lits, set->n, sizeof(*set->lits), rs_str_cmp);
}

/* Whether sets a and b (pruned, so sorted) hold the same literals. */
static int rs_fset_same(const struct rs_fset *a, const struct rs_fset *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->lits[i], b->lits[i]) != 0)
			return 0;
	return 1;
}

/* The factor sets kept for prefilter pattern p (the output of
 * rs_hs_convert): the best few, or none when p has no required literal or
 * cannot be read. They come in the order their parts have in the pattern,
 * which is the order of their occurrences in every match: rs_fseq lists a
 * branch's runs and required groups in turn, an alternation gives one set,
 * lookarounds are gone from p. (A run cut at a repeated character gives
 * two literals that may share that character: ordered by start, not
 * disjoint.) Returns -1 only when out of memory. */
static int rs_factors(const char *p, struct rs_fconj *out)
{
	struct rs_fparse fp = {p, 0, 0, 0};
	struct rs_fconj all = {0};

	rs_falt(&fp, &all);
	if (fp.bad || p[fp.i]) {
		rs_fconj_free(&all);
		return 0;
	}
	for (size_t i = 0; i < all.n; i++)
		all.sets[i].seq = i;
	if (all.n > 1)
		qsort(all.sets, all.n, sizeof(*all.sets), rs_fset_cmp_better);
	for (size_t i = 0; i < all.n && out->n < RS_PF_MAX_SETS; i++) {
		int dup = 0;

		/* Sets of very short literals rarely rule a text out. */
		if (out->n > 0 && all.sets[i].minlen < RS_PF_MIN_EXTRA)
			break;
		rs_fset_prune(&all.sets[i]);
		for (size_t k = 0; k < out->n && !dup; k++)
			dup = rs_fset_same(&out->sets[k], &all.sets[i]);
		if (!dup && rs_fconj_take(out, &all.sets[i]) < 0) {
			rs_fconj_free(&all);
			return -1;
		}
	}
	rs_fconj_free(&all);
	if (out->n > 1)
		qsort(out->sets, out->n, sizeof(*out->sets), rs_fset_cmp_seq);
	return 0;
}

/* Appends set as one Vectorscan expression (compiled caseless, not UTF-8):
 * an alternation of its literals byte for byte, with k and s also matching
 * the UTF-8 bytes of U+212A and U+017F, as they do in PCRE2. List items are
 * left out (the list scan finds them); returns how many literals went in. */
static size_t rs_fset_regex(const struct rs_fset *set, struct strbuf *b)
{
	char hex[8];
	size_t n = 0;

	strbuf_str(b, "(?:");
	for (size_t i = 0; i < set->n; i++) {
		if (rs_fis_list(set->lits[i]))
			continue;
		if (n++)
			strbuf_str(b, "|");
		for (const char *s = set->lits[i]; *s; s++) {
			if (*s == 'k') {
				strbuf_str(b, "(?:k|\\xe2\\x84\\xaa)");
			} else if (*s == 's') {
				strbuf_str(b, "(?:s|\\xc5\\xbf)");
			} else if (isalnum((unsigned char)*s)) {
				strbuf_add(b, s, 1);
			} else {
				snprintf(hex, sizeof(hex), "\\x%02x", (unsigned char)*s);
				strbuf_str(b, hex);
			}
		}
	}
	strbuf_str(b, ")");
	return n;
}

/* ---- Compiling ---- */

/* Compiles expanded pattern re; on error reports PCRE2's message with the
 * offset into the expanded pattern and the text around it. */
/* Compiles *rep, its word alternations as tries (alttrie.h): on success
 * *rep becomes that text, which is what the anchored compile reads too.
 * Errors name the pattern as expanded, before the rewrite. */
static pcre2_code *rs_compile(struct diag *d, const struct rs_site *site,
			      char **rep)
{
	PCRE2_SIZE off = 0;
	int err = 0;
	char *re = *rep, *tries = alttrie_rewrite(re);
	pcre2_code *code = NULL;
	PCRE2_UCHAR msg[256];
	size_t len = strlen(re), from, to;

	if (tries) {
		code = pcre2_compile((PCRE2_SPTR)tries, PCRE2_ZERO_TERMINATED,
				     RS_COMPILE_FLAGS, &err, &off, NULL);
		if (code) {
			free(re);
			*rep = tries;
			return code;
		}
		free(tries);
	}
	code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
			     RS_COMPILE_FLAGS, &err, &off, NULL);
	if (code)
		return code;
	pcre2_get_error_message(err, msg, sizeof(msg));
	if (off > len)
		off = len;
	from = off > 20 ? off - 20 : 0;
	to = off + 20 < len ? off + 20 : len;
	/* Do not cut a UTF-8 character in two. */
	while (from > 0 && ((unsigned char)re[from] & 0xC0) == 0x80)
		from--;
	while (to < len && ((unsigned char)re[to] & 0xC0) == 0x80)
		to++;
	diag_error(d, site->file, site->line, site->rule,
		   "%s: %s at offset %zu, near \"%s%.*s<HERE>%.*s%s\"%s",
		   site->what, (const char *)msg, (size_t)off, from ? "..." : "",
		   (int)(off - from), re + from, (int)(to - off), re + off,
		   to < len ? "..." : "",
		   err == PCRE2_ERROR_PATTERN_TOO_LARGE ?
		   " (each {list} expands to all its forms; a compiled pattern "
		   "is capped at 64 KB by PCRE2's default link size)" : "");
	return NULL;
}

/* Field filled by group name: a trailing "_<digits>" or "<digits>" dropped. */
static char *rs_field(struct rs_priv *pv, const char *name)
{
	size_t n = strlen(name);
	char *f;

	while (n > 0 && isdigit((unsigned char)name[n - 1]))
		n--;
	if (n < strlen(name) && n > 0 && name[n - 1] == '_')
		n--;
	if (n == 0)
		n = strlen(name);
	f = rs_own(pv, malloc(n + 1));
	if (f) {
		memcpy(f, name, n);
		f[n] = '\0';
	}
	return f;
}

static int rs_group_cmp(const void *a, const void *b)
{
	const struct rs_group *x = a, *y = b;

	return (x->num > y->num) - (x->num < y->num);
}

/* Reads the name table into r->groups, in group number order (the order of
 * the groups in the pattern), so participant_1 comes before participant_2. */
static int rs_groups(struct rs_priv *pv, struct rs_rule *r)
{
	uint32_t count = 0, size = 0;
	PCRE2_SPTR table = NULL;

	pcre2_pattern_info(r->re, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(r->re, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(r->re, PCRE2_INFO_NAMETABLE, &table);
	if (count == 0)
		return 0;
	r->groups = rs_own(pv, calloc(count, sizeof(*r->groups)));
	if (!r->groups)
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		PCRE2_SPTR e = table + (size_t)i * size;

		r->groups[i].num = (e[0] << 8) | e[1];
		r->groups[i].field = rs_field(pv, (const char *)e + 2);
		if (!r->groups[i].field)
			return -1;
	}
	r->ngroups = count;
	qsort(r->groups, count, sizeof(*r->groups), rs_group_cmp);
	return 0;
}

static void rs_note_captures(struct rs_priv *pv, const pcre2_code *code)
{
	uint32_t cap = 0;

	pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &cap);
	if (cap + 1 > pv->ovec_pairs)
		pv->ovec_pairs = cap + 1;
}

static uint64_t rs_fnv(uint64_t h, const void *data, size_t n)
{
	const unsigned char *s = data;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Copies the parts of spec r that the ruleset keeps, other than patterns. */
static int rs_copy_rule(struct rs_priv *pv, const struct rulepack *rp,
			const struct rp_rule *sr, struct rs_rule *r)
{
	char buf[32];
	size_t n = 0;

	r->id = rs_strdup(pv, sr->id);
	r->revision = sr->revision;
	snprintf(buf, sizeof(buf), "@%d", sr->revision);
	r->idrev = rs_own(pv, malloc(strlen(sr->id) + strlen(buf) + 1));
	if (r->idrev)
		sprintf((char *)r->idrev, "%s%s", sr->id, buf);
	r->type = sr->type ? rs_strdup(pv, sr->type) : NULL;
	r->scope = sr->scope;
	r->pack = sr->pack ? rs_strdup(pv, sr->pack) : NULL;
	for (size_t i = 0; i < rp->npacks; i++)
		if (sr->pack && strcmp(rp->packs[i].name, sr->pack) == 0)
			r->pack_version = rs_strdup(pv, rp->packs[i].version);
	if (sr->nfill) {
		const char **fill = rs_own(pv, calloc(sr->nfill, sizeof(*fill)));

		if (!fill)
			return -1;
		for (size_t i = 0; i < sr->nfill; i++)
			if (!(fill[i] = rs_strdup(pv, sr->fill[i])))
				return -1;
		r->fill = fill;
		r->nfill = sr->nfill;
	}
	for (size_t i = 0; i < sr->nset; i++)
		n += sr->set[i].nvals;
	if (n) {
		r->set = rs_own(pv, calloc(n, sizeof(*r->set)));
		if (!r->set)
			return -1;
		for (size_t i = 0; i < sr->nset; i++) {
			for (size_t j = 0; j < sr->set[i].nvals; j++) {
				struct rs_kv *kv = &r->set[r->nset++];

				kv->key = rs_strdup(pv, sr->set[i].key);
				kv->val = rs_strdup(pv, sr->set[i].vals[j]);
				if (!kv->key || !kv->val)
					return -1;
			}
		}
	}
	if (!r->id || !r->idrev || (sr->type && !r->type) ||
	    (sr->pack && !r->pack))
		return -1;
	return 0;
}

static int rs_gazetteer(struct ruleset *rs, const struct rulepack *rp,
			struct diag *d)
{
	int rc = 0;

	rs->gz = gazetteer_new();
	if (!rs->gz)
		return diag_error(d, NULL, 0, NULL, "out of memory");
	for (size_t i = 0; i < rp->nlists; i++) {
		const struct rp_list *l = &rp->lists[i];

		for (size_t j = 0; j < l->nentries; j++) {
			const struct rp_entry *e = &l->entries[j];

			for (size_t k = 0; k < e->nforms; k++) {
				int st = gazetteer_add(rs->gz, l->name, e->forms[k],
						       e->name, e->code);
				const struct gaz_entry *old;

				if (st == -1)
					return diag_error(d, NULL, 0, NULL, "out of memory");
				if (st == 0)
					continue;
				old = gazetteer_lookup(rs->gz, l->name, e->forms[k],
						       strlen(e->forms[k]));
				rc = diag_error(d, l->file, e->line, NULL,
						"list \"%s\": form \"%s\" of \"%s\" already "
						"names \"%s\" in this list (forms are compared "
						"ignoring case, \"the\", \"'s\" and acronym dots)",
						l->name, e->forms[k], e->name,
						old ? old->name : "?");
			}
		}
	}
	return rc;
}

/* Indexes every form of every big list (listindex.h), for the article
 * scan that the callouts and the list items answer from. Returns -1 only
 * when out of memory. */
static int rs_literals(struct ruleset *rs)
{
	struct rs_priv *pv = rs->priv;
	struct listindex_form *forms;
	size_t n = 0, k = 0;

	for (size_t li = 0; li < pv->nsets; li++)
		for (size_t i = 0; pv->sets[li] && i <= pv->sets[li]->mask; i++)
			n += pv->sets[li]->keys[i] != NULL;
	if (n == 0)
		return 0;
	forms = malloc(n * sizeof(*forms));
	if (!forms)
		return -1;
	for (size_t li = 0; li < pv->nsets; li++) {
		const struct rs_set *set = pv->sets[li];

		for (size_t i = 0; set && i <= set->mask; i++)
			if (set->keys[i])
				forms[k++] = (struct listindex_form){set->keys[i],
					(uint32_t)set->lens[i], (uint32_t)li,
					set->caseless};
	}
	pv->lists = listindex_new(forms, n);
	free(forms);
	return pv->lists ? 0 : -1;
}

/* The list of literal lit of a factor set when it is a list item of a known
 * list, else (size_t)-1. */
static size_t rs_item_list(const struct rs_priv *pv, const char *lit)
{
	size_t li;

	if (!rs_fis_list(lit))
		return (size_t)-1;
	li = strtoul(lit + 1, NULL, 10);
	return li < pv->nsets ? li : (size_t)-1;
}

/* Indexes the list items of the factor sets: which sets each list is in
 * (ls_start, ls_ids) and which sets have one (lsets). Returns -1 when out
 * of memory. */
static int rs_list_items(struct rs_priv *pv, const struct rs_fconj *uniq)
{
	uint32_t *at;
	size_t nitems = 0;

	pv->ls_start = rs_own(pv, calloc(pv->nsets + 2, sizeof(*pv->ls_start)));
	pv->lsets = rs_own(pv, calloc(pv->nfwords, sizeof(*pv->lsets)));
	if (!pv->ls_start || !pv->lsets)
		return -1;
	for (size_t u = 0; u < uniq->n; u++)
		for (size_t i = 0; i < uniq->sets[u].n; i++) {
			size_t li = rs_item_list(pv, uniq->sets[u].lits[i]);

			if (li == (size_t)-1)
				continue;
			pv->ls_start[li + 1]++;
			nitems++;
			pv->lsets[u / 64] |= 1ULL << (u % 64);
		}
	for (size_t li = 0; li < pv->nsets; li++)
		pv->ls_start[li + 1] += pv->ls_start[li];
	pv->ls_ids = rs_own(pv, calloc(nitems + 1, sizeof(*pv->ls_ids)));
	at = calloc(pv->nsets + 1, sizeof(*at));
	if (!pv->ls_ids || !at) {
		free(at);
		return -1;
	}
	memcpy(at, pv->ls_start, pv->nsets * sizeof(*at));
	for (size_t u = 0; u < uniq->n; u++)
		for (size_t i = 0; i < uniq->sets[u].n; i++) {
			size_t li = rs_item_list(pv, uniq->sets[u].lits[i]);

			if (li != (size_t)-1)
				pv->ls_ids[at[li]++] = (uint32_t)u;
		}
	free(at);
	return 0;
}

/* Finds the factor sets of every rule whose prefilter pattern converted
 * (hs[i] not NULL), shares equal sets between rules and compiles them into
 * one database whose ids are set indexes. A rule without a factor set is
 * a candidate everywhere. Returns -1 only when out of memory. */
static int rs_prefilter(struct ruleset *rs, struct diag *d, char **hs)
{
	struct rs_priv *pv = rs->priv;
	struct rs_fconj *per = calloc(rs->nrules + 1, sizeof(*per));
	struct rs_fconj uniq = {0};
	const char **exprs = NULL;
	unsigned *flags = NULL, *ids = NULL;
	hs_compile_error_t *err = NULL;
	size_t total = 0, k = 0, nx = 0;
	int rc = -1;

	pv->nrules = rs->nrules;
	pv->rf_start = rs_own(pv, calloc(rs->nrules + 1, sizeof(*pv->rf_start)));
	if (!per || !pv->rf_start)
		goto out;
	for (size_t i = 0; i < rs->nrules; i++) {
		if (!rs->rules[i].prefiltered)
			continue;
		if (rs_factors(hs[i], &per[i]) < 0)
			goto out;
		rs->rules[i].prefiltered = per[i].n > 0;
		total += per[i].n;
	}
	pv->rf_ids = rs_own(pv, calloc(total + 1, sizeof(*pv->rf_ids)));
	if (!pv->rf_ids)
		goto out;
	for (size_t i = 0; i < rs->nrules; i++) {
		pv->rf_start[i] = (uint32_t)k;
		for (size_t j = 0; j < per[i].n; j++) {
			size_t u = 0;

			while (u < uniq.n && !rs_fset_same(&uniq.sets[u], &per[i].sets[j]))
				u++;
			if (u == uniq.n && rs_fconj_take(&uniq, &per[i].sets[j]) < 0)
				goto out;
			pv->rf_ids[k++] = (uint32_t)u;
		}
	}
	pv->rf_start[rs->nrules] = (uint32_t)k;
	pv->nfsets = uniq.n;
	pv->nfwords = (uniq.n + 63) / 64 + 1;
	if (uniq.n == 0) {
		rc = 0;
		goto out;
	}
	if (rs_list_items(pv, &uniq) < 0)
		goto out;
	pv->fs_minlit = rs_own(pv, calloc(uniq.n + 1, sizeof(*pv->fs_minlit)));
	if (!pv->fs_minlit)
		goto out;
	for (size_t u = 0; u < uniq.n; u++)
		for (size_t i = 0; i < uniq.sets[u].n; i++) {
			size_t len = strlen(uniq.sets[u].lits[i]);

			if (!rs_fis_list(uniq.sets[u].lits[i]) &&
			    (pv->fs_minlit[u] == 0 || len < pv->fs_minlit[u]))
				pv->fs_minlit[u] = (uint32_t)len;
		}
	exprs = calloc(uniq.n, sizeof(*exprs));
	flags = calloc(uniq.n, sizeof(*flags));
	ids = calloc(uniq.n, sizeof(*ids));
	if (!exprs || !flags || !ids)
		goto out;
	/* Only sets with literals go to Vectorscan; the list scan finds the
	 * list items. */
	for (size_t u = 0; u < uniq.n; u++) {
		struct strbuf b = {0};

		if (rs_fset_regex(&uniq.sets[u], &b) == 0) {
			free(b.p);
			continue;
		}
		exprs[nx] = b.p;
		if (b.oom)
			goto out;
		flags[nx] = RS_HS_FLAGS;
		ids[nx++] = (unsigned)u;
	}
	if (nx && hs_compile_multi(exprs, flags, ids, (unsigned)nx, HS_MODE_BLOCK,
				   NULL, &pv->db, &err) != HS_SUCCESS) {
		diag_warn(d, NULL, 0, NULL, "prefilter: %s; every rule runs on "
			  "every article", err && err->message ? err->message :
			  "compile failed");
		hs_free_compile_error(err);
		pv->db = NULL;
		for (size_t i = 0; i < rs->nrules; i++)
			rs->rules[i].prefiltered = 0;
	}
	rc = 0;
out:
	for (size_t i = 0; per && i < rs->nrules; i++)
		rs_fconj_free(&per[i]);
	free(per);
	rs_fconj_free(&uniq);
	for (size_t u = 0; exprs && u < pv->nfsets; u++)
		free((char *)exprs[u]);
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

/* When every match of rule i starts with a big list (read from hs, its
 * prefilter expansion, which rs_hs_convert could read), compiles re
 * anchored too, with JIT; silently nothing when that fails. Patterns with
 * verbs or \G are left alone (tried at chosen offsets they could behave
 * otherwise than in one unanchored search), and so are comments and \c,
 * which the group scanner of rs_start_seq does not follow. */
static void rs_anchor(struct rs_priv *pv, size_t i, const char *re,
		      const char *hs)
{
	uint64_t lists;
	PCRE2_SIZE off = 0;
	int err = 0;
	pcre2_code *code;

	if (!hs || strstr(re, "(*") || strstr(re, "\\G") ||
	    strstr(hs, "(?#") || strstr(hs, "\\c"))
		return;
	lists = rs_start_lists(hs);
	if (!lists)
		return;
	code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
			     RS_COMPILE_FLAGS | PCRE2_ANCHORED, &err, &off, NULL);
	if (!code)
		return;
	if (pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) != 0) {
		pcre2_code_free(code);
		return;
	}
	pv->anchored[i] = code;
	pv->start_lists[i] = lists;
}

struct ruleset *ruleset_build(const struct rulepack *rp, struct diag *d)
{
	struct rs_expander ex = {0};
	size_t errors0 = d->nerrors;
	struct ruleset *rs = NULL;
	struct rs_priv *pv = NULL;
	char **hs = NULL;
	uint64_t h = 1469598103934665603ULL;

	ex.rp = rp;
	ex.d = d;
	ex.pv = pv = calloc(1, sizeof(*pv));
	rs = calloc(1, sizeof(*rs));
	ex.list_re = calloc(rp->nlists + 1, sizeof(*ex.list_re));
	ex.list_hs = calloc(rp->nlists + 1, sizeof(*ex.list_hs));
	ex.big = calloc(rp->nlists + 1, 1);
	hs = calloc(rp->nrules + 1, sizeof(*hs));
	if (!rs || !pv || !ex.list_re || !ex.list_hs || !ex.big || !hs) {
		free(pv);
		pv = NULL;
		diag_error(d, NULL, 0, NULL, "out of memory");
		goto out;
	}
	rs->priv = pv;
	rs->rules = rs_own(pv, calloc(rp->nrules + 1, sizeof(*rs->rules)));
	pv->jit = rs_own(pv, calloc(rp->nrules + 1, 1));
	pv->start_lists = rs_own(pv, calloc(rp->nrules + 1, sizeof(*pv->start_lists)));
	pv->anchored = rs_own(pv, calloc(rp->nrules + 1, sizeof(*pv->anchored)));
	pv->sets = rs_own(pv, calloc(rp->nlists + 1, sizeof(*pv->sets)));
	pv->nsets = rp->nlists;
	pv->nwords = (rp->nrules + 63) / 64 + 1;
	pv->always = rs_own(pv, calloc(pv->nwords, sizeof(*pv->always)));
	rs->packs = rs_own(pv, calloc(rp->npacks + 1, sizeof(*rs->packs)));
	pv->ovec_pairs = 1;
	if (!rs->rules || !pv->jit || !pv->always || !rs->packs || !pv->sets ||
	    !pv->start_lists || !pv->anchored) {
		diag_error(d, NULL, 0, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < rp->npacks; i++) {
		struct rp_pack *pk = &rs->packs[i];

		pk->name = rs_strdup(pv, rp->packs[i].name);
		pk->version = rs_strdup(pv, rp->packs[i].version);
		pk->description = rs_strdup(pv, rp->packs[i].description);
		pk->file = rs_strdup(pv, rp->packs[i].file);
		pk->line = rp->packs[i].line;
		rs->npacks++;
	}
	for (size_t i = 0; i < rp->nrules; i++) {
		const struct rp_rule *sr = &rp->rules[i];
		struct rs_rule *r = &rs->rules[i];
		struct rs_site site = {sr->file, sr->pattern_line, sr->id, "pattern"};
		char *re = NULL, *hsre = NULL;
		struct strbuf conv = {0};
		const char *why = NULL;
		char num[16];

		rs->nrules++;
		if (rs_copy_rule(pv, rp, sr, r) < 0) {
			diag_error(d, NULL, 0, NULL, "out of memory");
			goto out;
		}
		r->excl = rs_own(pv, calloc(sr->nexclude + 1, sizeof(*r->excl)));
		if (!r->excl) {
			diag_error(d, NULL, 0, NULL, "out of memory");
			goto out;
		}
		h = rs_fnv(h, sr->id, strlen(sr->id) + 1);
		snprintf(num, sizeof(num), "%d", sr->revision);
		h = rs_fnv(h, num, strlen(num) + 1);
		if (rs_expand(&ex, &site, sr->pattern, &re, &hsre) == 0) {
			h = rs_fnv(h, re, strlen(re) + 1);
			r->re = rs_compile(d, &site, &re);
		}
		if (r->re) {
			pv->jit[i] = pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE) == 0;
			rs_note_captures(pv, r->re);
			if (rs_groups(pv, r) < 0)
				ex.oom = 1;
			if (rs_hs_convert(hsre, &conv, &why) == 0) {
				rs_anchor(pv, i, re, hsre);
				r->prefiltered = 1;
				hs[i] = conv.p;
				conv.p = NULL;
			} else {
				diag_warn(d, sr->file, sr->pattern_line, sr->id,
					  "prefilter: %s cannot be prefiltered; the "
					  "rule runs on every article",
					  why ? why : "the pattern");
			}
			free(conv.p);
		}
		free(re);
		free(hsre);
		for (size_t k = 0; k < sr->nexclude; k++) {
			char what[32];
			struct rs_site xs = {sr->file, sr->exclude_line[k], sr->id, what};

			snprintf(what, sizeof(what), "exclude[%zu]", k);
			re = NULL;
			if (rs_expand(&ex, &xs, sr->exclude[k], &re, NULL) == 0) {
				h = rs_fnv(h, re, strlen(re) + 1);
				r->excl[r->nexcl] = rs_compile(d, &xs, &re);
				if (r->excl[r->nexcl]) {
					pcre2_jit_compile(r->excl[r->nexcl], PCRE2_JIT_COMPLETE);
					rs_note_captures(pv, r->excl[r->nexcl]);
					r->nexcl++;
				}
			}
			free(re);
		}
		if (ex.oom) {
			diag_error(d, NULL, 0, NULL, "out of memory");
			goto out;
		}
	}
	snprintf(rs->hash, sizeof(rs->hash), "%016llx", (unsigned long long)h);
	if (rs_gazetteer(rs, rp, d) < 0 || d->nerrors > errors0)
		goto out;
	if (rs_prefilter(rs, d, hs) < 0 || rs_literals(rs) < 0) {
		diag_error(d, NULL, 0, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < rs->nrules; i++)
		if (!rs->rules[i].prefiltered)
			pv->always[i / 64] |= 1ULL << (i % 64);
out:
	for (size_t i = 0; i < rp->nlists && ex.list_re; i++) {
		free(ex.list_re[i]);
		free(ex.list_hs[i]);
	}
	free(ex.list_re);
	free(ex.list_hs);
	free(ex.big);
	for (size_t i = 0; hs && i < rp->nrules; i++)
		free(hs[i]);
	free(hs);
	if (d->nerrors > errors0) {
		ruleset_destroy(rs);
		return NULL;
	}
	return rs;
}

void ruleset_destroy(struct ruleset *rs)
{
	struct rs_priv *pv;

	if (!rs)
		return;
	pv = rs->priv;
	for (size_t i = 0; i < rs->nrules && rs->rules; i++) {
		pcre2_code_free(rs->rules[i].re);
		if (pv && pv->anchored)
			pcre2_code_free(pv->anchored[i]);
		for (size_t k = 0; k < rs->rules[i].nexcl; k++)
			pcre2_code_free(rs->rules[i].excl[k]);
	}
	gazetteer_destroy(rs->gz);
	if (pv) {
		hs_free_database(pv->db);
		listindex_destroy(pv->lists);
		for (size_t i = 0; i < pv->nblocks; i++)
			free(pv->blocks[i]);
		free(pv->blocks);
		free(pv);
	}
	free(rs);
}

struct ruleset *ruleset_load(const char *path, struct diag *d)
{
	struct rulepack *rp = rulepack_load(path, d);
	struct ruleset *rs;

	if (!rp)
		return NULL;
	rs = ruleset_build(rp, d);
	rulepack_destroy(rp);
	return rs;
}

/* ---- Matching ---- */

/* The list index of callout string "S12" / "L12". */
static size_t rs_callout_list(const char *str)
{
	size_t li = 0;

	for (str++; *str >= '0' && *str <= '9'; str++)
		li = li * 10 + (size_t)(*str - '0');
	return li;
}

/* Whether list li occurs at [start, end) of the scanned text (end 0: any
 * occurrence starting at start). */
static int rs_occurs(const struct ruleset_scratch *sc, size_t li, size_t start,
		     size_t end)
{
	uint32_t k = sc->head[start];

	if (!k)
		return 0;
	for (k--; k < sc->nocc && sc->occ[k].start == start; k++)
		if (sc->occ[k].list == li && (!end || sc->occ[k].end == end))
			return 1;
	return 0;
}

/* Whether a list of mask occurs at [start, end) of the scanned text (end 0:
 * any occurrence starting at start). */
static int rs_occurs_mask(const struct ruleset_scratch *sc, uint64_t mask,
			  size_t start, size_t end)
{
	uint32_t k = sc->head[start];

	if (!k)
		return 0;
	for (k--; k < sc->nocc && sc->occ[k].start == start; k++)
		if (sc->occ[k].list < 64 && ((mask >> sc->occ[k].list) & 1) &&
		    (!end || sc->occ[k].end == end))
			return 1;
	return 0;
}

/* PCRE2 callout for big lists, on the matching thread. "S<i>": may a form
 * of list i start here? "L<i>": is the captured run a form of list i? With
 * the article's occurrence table both are lookups; for a subject outside
 * the scanned text (rule examples, tests) S lets the run try and L hashes
 * the run against the list's forms. 0 goes on, 1 backtracks. */
static int rs_callout(pcre2_callout_block *cb, void *data)
{
	const struct ruleset_scratch *sc = data;
	const struct rs_priv *pv = sc->pv;
	const char *str = (const char *)cb->callout_string;
	const char *subj = (const char *)cb->subject;
	int scanned = sc->base && !sc->occ_oom && subj >= sc->base &&
		      subj + cb->subject_length <= sc->base + sc->base_len;
	size_t off = scanned ? (size_t)(subj - sc->base) : 0;
	uint32_t g = cb->capture_last;
	size_t li, start, end;
	uint64_t mask = 0;

	if (!str || (str[0] != 'L' && str[0] != 'S'))
		return 1;
	if (str[1] == 'M') {
		mask = strtoull(str + 2, NULL, 16);
	} else {
		li = rs_callout_list(str);
		if (li >= pv->nsets || !pv->sets[li])
			return 1;
		if (li < 64) {
			mask = 1ULL << li;
		} else {
			/* Lists past the 64th are matched one at a time. */
			if (str[0] == 'S')
				return !scanned || rs_occurs(sc, li, off + cb->current_position, 0) ? 0 : 1;
			if (g == 0 || g >= cb->capture_top)
				return 1;
			start = cb->offset_vector[2 * g];
			end = cb->offset_vector[2 * g + 1];
			if (start == PCRE2_UNSET || end < start)
				return 1;
			if (scanned)
				return rs_occurs(sc, li, off + start, off + end) ? 0 : 1;
			return rs_set_has(pv->sets[li], subj + start, end - start) ? 0 : 1;
		}
	}
	if (str[0] == 'S')
		return !scanned || rs_occurs_mask(sc, mask, off + cb->current_position, 0) ? 0 : 1;
	if (g == 0 || g >= cb->capture_top)
		return 1;
	start = cb->offset_vector[2 * g];
	end = cb->offset_vector[2 * g + 1];
	if (start == PCRE2_UNSET || end < start)
		return 1;
	if (scanned)
		return rs_occurs_mask(sc, mask, off + start, off + end) ? 0 : 1;
	for (size_t i = 0; i < pv->nsets && i < 64; i++)
		if (((mask >> i) & 1) && pv->sets[i] &&
		    rs_set_has(pv->sets[i], subj + start, end - start))
			return 0;
	return 1;
}

struct ruleset_scratch *ruleset_scratch_new(const struct ruleset *rs,
					    char *errstr, size_t errstr_size)
{
	const struct rs_priv *pv = rs->priv;
	struct ruleset_scratch *sc = calloc(1, sizeof(*sc));
	const char *what = "out of memory";

	if (!sc)
		goto fail;
	sc->nwords = pv->nwords;
	sc->bits = calloc(pv->nwords, sizeof(*sc->bits));
	sc->fbits = calloc(pv->nfwords + 1, sizeof(*sc->fbits));
	sc->cand = calloc(rs->nrules + 1, sizeof(*sc->cand));
	sc->segcand = calloc(rs->nrules + 1, sizeof(*sc->segcand));
	sc->pos_start = calloc(pv->nfsets + 2, sizeof(*sc->pos_start));
	sc->pos_fill = calloc(pv->nfsets + 2, sizeof(*sc->pos_fill));
	sc->md = pcre2_match_data_create(pv->ovec_pairs, NULL);
	sc->mctx = pcre2_match_context_create(NULL);
	sc->js = pcre2_jit_stack_create(EVX_JIT_STACK_START, EVX_JIT_STACK_MAX, NULL);
	if (!sc->bits || !sc->fbits || !sc->cand || !sc->segcand || !sc->md || !sc->mctx ||
	    !sc->js || !sc->pos_start || !sc->pos_fill)
		goto fail;
	pcre2_set_match_limit(sc->mctx, EVX_PCRE2_MATCH_LIMIT);
	pcre2_set_depth_limit(sc->mctx, EVX_PCRE2_DEPTH_LIMIT);
	pcre2_jit_stack_assign(sc->mctx, NULL, sc->js);
	sc->pv = pv;
	pcre2_set_callout(sc->mctx, rs_callout, sc);
	if (pv->db && hs_alloc_scratch(pv->db, &sc->hs) != HS_SUCCESS) {
		what = "cannot allocate Vectorscan scratch";
		goto fail;
	}
	return sc;
fail:
	if (errstr && errstr_size)
		snprintf(errstr, errstr_size, "ruleset scratch: %s", what);
	ruleset_scratch_destroy(sc);
	return NULL;
}

void ruleset_scratch_destroy(struct ruleset_scratch *sc)
{
	if (!sc)
		return;
	hs_free_scratch(sc->hs);
	pcre2_match_data_free(sc->md);
	pcre2_match_context_free(sc->mctx);
	pcre2_jit_stack_free(sc->js);
	free(sc->bits);
	free(sc->fbits);
	free(sc->fm);
	free(sc->cand);
	free(sc->segbits);
	free(sc->segcand);
	free(sc->occ);
	free(sc->head);
	free(sc->pos);
	free(sc->pos_start);
	free(sc->pos_fill);
	free(sc);
}

/* Makes room for one more element after n in the growing array *p of *cap
 * elements (doubling, from 256). Returns 0, or -1 when out of memory (the
 * array is left as it was). Scan callbacks append with it. */
static int rs_room(void **p, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *grown;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 256;
	grown = realloc(*p, ncap * elem);
	if (!grown)
		return -1;
	*p = grown;
	*cap = ncap;
	return 0;
}

/* Called by hs_scan on the matching thread for each match of a factor set,
 * in end order. */
static int rs_on_factor(unsigned int id, unsigned long long from,
			unsigned long long to, unsigned int flags, void *ctx)
{
	struct ruleset_scratch *sc = ctx;

	sc->fbits[id / 64] |= 1ULL << (id % 64);
	/* Without the match list every sentence takes the article's
	 * candidates: slower, never wrong. */
	if (!sc->fm_oom && rs_room((void **)&sc->fm, &sc->cap_fm, sc->nfm,
				   sizeof(*sc->fm)) < 0)
		sc->fm_oom = 1;
	if (!sc->fm_oom)
		sc->fm[sc->nfm++] = (struct rs_fm){id, (uint32_t)to};
	return 0;
}

/* Sets in bits each rule of among (all rules when NULL) all of whose factor
 * sets are in sc->fbits. */
static void rs_pf_eval(const struct rs_priv *pv, struct ruleset_scratch *sc,
		       const uint32_t *among, size_t namong, uint64_t *bits)
{
	size_t n = among ? namong : pv->nrules;

	for (size_t i = 0; i < n; i++) {
		size_t r = among ? among[i] : i;
		uint32_t k = pv->rf_start[r], end = pv->rf_start[r + 1];

		if (k == end)
			continue;
		for (; k < end; k++)
			if (!((sc->fbits[pv->rf_ids[k] / 64] >> (pv->rf_ids[k] % 64)) & 1))
				break;
		if (k == end)
			bits[r / 64] |= 1ULL << (r % 64);
	}
}

/* The factor sets holding list occurrence o: ls_ids[*from, return). */
static uint32_t rs_occ_sets(const struct rs_priv *pv, const struct rs_occ *o,
			    uint32_t *from)
{
	if (!pv->ls_start || o->list >= pv->nsets) {
		*from = 0;
		return 0;
	}
	*from = pv->ls_start[o->list];
	return pv->ls_start[o->list + 1];
}

/* Marks in sc->fbits the factor sets holding list occurrence o. */
static void rs_pf_occ(const struct rs_priv *pv, struct ruleset_scratch *sc,
		      const struct rs_occ *o)
{
	uint32_t k, end = rs_occ_sets(pv, o, &k);

	for (; k < end; k++)
		sc->fbits[pv->ls_ids[k] / 64] |= 1ULL << (pv->ls_ids[k] % 64);
}

/* Marks the sets with list items found in a stretch of text: those of its
 * list occurrences occ[*o, ...) starting before end (moving *o on), or all
 * of them when the list scan is unavailable (sc->base NULL). */
static void rs_pf_lists(const struct rs_priv *pv, struct ruleset_scratch *sc,
			size_t *o, size_t end)
{
	if (!pv->ls_start)
		return;
	if (!sc->base) {
		for (size_t w = 0; w < pv->nfwords; w++)
			sc->fbits[w] |= pv->lsets[w];
		return;
	}
	for (; *o < sc->nocc && sc->occ[*o].start < end; (*o)++)
		rs_pf_occ(pv, sc, &sc->occ[*o]);
}

/* Scans s[0, len) once for the factor sets, keeping every match, adds the
 * list items of the list scan (done first), and sets in bits each rule all
 * of whose sets occur in the whole text. Returns 0, or -1 on a Vectorscan
 * error. */
static int rs_pf_scan(const struct rs_priv *pv, struct ruleset_scratch *sc,
		      const char *s, size_t len, uint64_t *bits)
{
	size_t o = 0;

	memset(sc->fbits, 0, pv->nfwords * sizeof(*sc->fbits));
	sc->nfm = 0;
	sc->fm_oom = 0;
	if (pv->db && hs_scan(pv->db, s, (unsigned)len, 0, sc->hs, rs_on_factor,
			      sc) != HS_SUCCESS)
		return -1;
	rs_pf_lists(pv, sc, &o, len + 1);
	rs_pf_eval(pv, sc, NULL, 0, bits);
	return 0;
}

/* Called by listindex_scan for each occurrence of a big list's form, by
 * increasing start. */
static int rs_on_literal(void *ctx, uint32_t start, uint32_t end,
			 uint32_t list)
{
	struct ruleset_scratch *sc = ctx;

	if (rs_room((void **)&sc->occ, &sc->cap_occ, sc->nocc,
		    sizeof(*sc->occ)) < 0) {
		sc->occ_oom = 1;
		return 1;
	}
	sc->occ[sc->nocc++] = (struct rs_occ){start, end, list};
	return 0;
}

/* Finds where the forms of the big lists occur in s, sentence cuts
 * (seg_end) counting as text ends, and indexes them by start. On failure
 * the callouts fall back to hashing (base NULL). */
static int rs_scan_lists(const struct rs_priv *pv, struct ruleset_scratch *sc,
			 const char *s, size_t len, const uint32_t *seg_end,
			 size_t nseg)
{
	sc->base = NULL;
	sc->nocc = 0;
	sc->occ_oom = 0;
	if (!pv->lists)
		return 0;
	if (len + 1 > sc->cap_head) {
		uint32_t *grown = realloc(sc->head, (len + 1) * sizeof(*grown));

		if (!grown)
			return 0;
		sc->head = grown;
		sc->cap_head = len + 1;
	}
	if (listindex_scan(pv->lists, s ? s : "", len, seg_end, nseg,
			   rs_on_literal, sc) < 0 || sc->occ_oom)
		return 0;
	memset(sc->head, 0, (len + 1) * sizeof(*sc->head));
	for (size_t k = sc->nocc; k-- > 0;)
		sc->head[sc->occ[k].start] = (uint32_t)k + 1;
	sc->base = s;
	sc->base_len = len;
	return 0;
}

/* Indexes where each factor set can occur in s[0, len), just scanned: a
 * literal match ending at e starts at or before e - fs_minlit, a list
 * occurrence where it starts. Leaves pos_ok 0 when a match list is
 * incomplete (then ruleset_match() bounds nothing). */
static void rs_pos_build(const struct rs_priv *pv, struct ruleset_scratch *sc,
			 const char *s, size_t len)
{
	size_t total;

	sc->pos_ok = 0;
	if (sc->fm_oom || (pv->ls_start && !sc->base))
		return;
	memset(sc->pos_start, 0, (pv->nfsets + 2) * sizeof(*sc->pos_start));
	for (size_t m = 0; m < sc->nfm; m++)
		sc->pos_start[sc->fm[m].set + 1]++;
	for (size_t o = 0; o < sc->nocc; o++) {
		uint32_t k, end = rs_occ_sets(pv, &sc->occ[o], &k);

		for (; k < end; k++)
			sc->pos_start[pv->ls_ids[k] + 1]++;
	}
	for (size_t k = 0; k < pv->nfsets; k++)
		sc->pos_start[k + 1] += sc->pos_start[k];
	total = sc->pos_start[pv->nfsets];
	if (total > sc->cap_pos) {
		uint32_t *grown = realloc(sc->pos, total * sizeof(*grown));

		if (!grown)
			return;
		sc->pos = grown;
		sc->cap_pos = total;
	}
	memcpy(sc->pos_fill, sc->pos_start, pv->nfsets * sizeof(*sc->pos_fill));
	/* Matches come by end, so each set's literal positions ascend, and
	 * so do the list occurrences (by start). */
	for (size_t m = 0; m < sc->nfm; m++) {
		uint32_t e = sc->fm[m].end, ml = pv->fs_minlit[sc->fm[m].set];

		sc->pos[sc->pos_fill[sc->fm[m].set]++] = e >= ml ? e - ml : 0;
	}
	for (size_t o = 0; o < sc->nocc; o++) {
		uint32_t k, end = rs_occ_sets(pv, &sc->occ[o], &k);

		for (; k < end; k++)
			sc->pos[sc->pos_fill[pv->ls_ids[k]]++] = sc->occ[o].start;
	}
	/* A set with literals and list items holds two ascending runs. */
	for (size_t k = 0; pv->ls_start && k < pv->nfsets; k++)
		if (((pv->lsets[k / 64] >> (k % 64)) & 1) && pv->fs_minlit[k] &&
		    sc->pos_start[k + 1] - sc->pos_start[k] > 1)
			qsort(sc->pos + sc->pos_start[k],
			      sc->pos_start[k + 1] - sc->pos_start[k],
			      sizeof(*sc->pos), rs_u32_cmp);
	sc->pbase = s;
	sc->plen = len;
	sc->pos_ok = 1;
}

/* Lists the set bits of words[0, nwords) as rule indexes into out. */
static int rs_bits_to_list(const uint64_t *words, size_t nwords, uint32_t *out)
{
	int n = 0;

	for (size_t w = 0; w < nwords; w++) {
		uint64_t x = words[w];

		while (x) {
			out[n++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(x));
			x &= x - 1;
		}
	}
	return n;
}

int ruleset_scan(const struct ruleset *rs, struct ruleset_scratch *sc,
		 const char *s, size_t len, const uint32_t *seg_end,
		 size_t nseg)
{
	const struct rs_priv *pv = rs->priv;
	int any = 0;

	if (nseg > sc->cap_seg) {
		uint64_t *grown = realloc(sc->segbits,
					  nseg * pv->nwords * sizeof(*grown));

		if (!grown)
			return -1;
		sc->segbits = grown;
		sc->cap_seg = nseg;
	}
	sc->nseg = nseg;
	sc->seg_end = seg_end;
	sc->pos_ok = 0;
	memcpy(sc->bits, pv->always, pv->nwords * sizeof(*sc->bits));
	for (size_t i = 0; i < nseg; i++)
		memcpy(sc->segbits + i * pv->nwords, pv->always,
		       pv->nwords * sizeof(*sc->bits));
	if (len > 0xFFFFFFFFu)
		return -1;
	/* The list scan first: its occurrences are factors too. */
	if (rs_scan_lists(pv, sc, s, len, seg_end, nseg) < 0)
		return -1;
	if (pv->nfsets) {
		if (pv->db && !sc->hs)
			return -1;
		/* One pass over the whole text finds every factor match. */
		if (rs_pf_scan(pv, sc, s ? s : "", len, sc->bits) < 0)
			return -1;
		rs_pos_build(pv, sc, s, len);
		for (size_t w = 0; w < pv->nwords && !any; w++)
			any = (sc->bits[w] & ~pv->always[w]) != 0;
		/* Each segment's candidates: the article's candidates whose
		 * factor sets all match inside the segment (by end offset; the
		 * matches come in end order). */
		if (any) {
			size_t nc = 0, m = 0, o = 0;

			for (size_t w = 0; w < pv->nwords; w++) {
				uint64_t x = sc->bits[w] & ~pv->always[w];

				while (x) {
					sc->cand[nc++] = (uint32_t)(w * 64 +
						(size_t)__builtin_ctzll(x));
					x &= x - 1;
				}
			}
			for (size_t i = 0; i < nseg; i++) {
				uint64_t *row = sc->segbits + i * pv->nwords;

				if (i && seg_end[i] < seg_end[i - 1])
					return -1;
				if (sc->fm_oom) {
					memcpy(row, sc->bits, pv->nwords * sizeof(*row));
					continue;
				}
				memset(sc->fbits, 0, pv->nfwords * sizeof(*sc->fbits));
				for (; m < sc->nfm && sc->fm[m].end <= seg_end[i]; m++)
					sc->fbits[sc->fm[m].set / 64] |=
						1ULL << (sc->fm[m].set % 64);
				/* A list occurrence by its start: one that a match in
				 * the segment's sentence uses starts after the
				 * previous segment's end. */
				rs_pf_lists(pv, sc, &o, seg_end[i]);
				rs_pf_eval(pv, sc, sc->cand, nc, row);
			}
		}
	}
	return 0;
}

int ruleset_segment_candidates(const struct ruleset *rs,
			       struct ruleset_scratch *sc, size_t seg,
			       const uint32_t **cand)
{
	const struct rs_priv *pv = rs->priv;

	if (seg == RULESET_ALL) {
		*cand = sc->cand;
		return rs_bits_to_list(sc->bits, pv->nwords, sc->cand);
	}
	if (seg >= sc->nseg)
		return -1;
	*cand = sc->segcand;
	return rs_bits_to_list(sc->segbits + seg * pv->nwords, pv->nwords,
			       sc->segcand);
}

int ruleset_candidates(const struct ruleset *rs, struct ruleset_scratch *sc,
		       const char *s, size_t len, const uint32_t **cand)
{
	if (ruleset_scan(rs, sc, s, len, NULL, 0) < 0)
		return -1;
	return ruleset_segment_candidates(rs, sc, RULESET_ALL, cand);
}

/* Maps a pcre2 match result: 1 match, 0 none, -2 limit, -1 other error. */
static int rs_result(int rc)
{
	if (rc >= 0)
		return 1;
	switch (rc) {
	case PCRE2_ERROR_NOMATCH:
		return 0;
	case PCRE2_ERROR_MATCHLIMIT:
	case PCRE2_ERROR_DEPTHLIMIT:
	case PCRE2_ERROR_HEAPLIMIT:
	case PCRE2_ERROR_JIT_STACKLIMIT:
		return -2;
	default:
		return -1;
	}
}

/* Rule r of a ruleset whose every match starts with a big list, in
 * subject[start, len) inside the scanned text: the anchored pattern tried at
 * each offset where the list scan found one of them, in order, the first
 * match being the one an unanchored search finds (nowhere else can the
 * list's start callout let a match begin). A PCRE2 result code. */
static int rs_match_at_lists(const struct rs_priv *pv,
			     struct ruleset_scratch *sc, uint32_t r,
			     PCRE2_SPTR s, size_t len, size_t start,
			     size_t limit)
{
	size_t off = (size_t)((const char *)s - sc->base), lo = 0, hi = sc->nocc;
	uint64_t lists = pv->start_lists[r];
	size_t last = (size_t)-1;

	/* The first occurrence starting at or after off + start. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sc->occ[mid].start < off + start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; k < sc->nocc && sc->occ[k].start <= off + len; k++) {
		size_t at = sc->occ[k].start - off;
		int rc;

		if (limit != PCRE2_UNSET && at > limit)
			break;
		if (at == last || sc->occ[k].list >= 64 ||
		    !((lists >> sc->occ[k].list) & 1))
			continue;
		last = at;
		rc = pcre2_jit_match(pv->anchored[r], s, len, at, 0, sc->md,
				     sc->mctx);
		if (rc != PCRE2_ERROR_NOMATCH)
			return rc;
	}
	return PCRE2_ERROR_NOMATCH;
}

/* The greatest position of factor set k (rs_pos_build) at or before end;
 * 0 when it has none, else 1 with *at set. */
static int rs_pos_last(const struct ruleset_scratch *sc, uint32_t k,
		       size_t end, size_t *at)
{
	size_t lo = sc->pos_start[k], hi = sc->pos_start[k + 1];

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sc->pos[mid] <= end)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == sc->pos_start[k])
		return 0;
	*at = sc->pos[lo - 1];
	return 1;
}

/* Where a match of rule r in s[start, len) can start at the latest. Every
 * match holds an occurrence of each of its factor sets inside the subject,
 * in the order of the sets (rs_factors), each ending before the next one
 * starts or sharing one character with it. A position (rs_pos_build) is
 * at most its occurrence's end minus one, so the occurrence a match uses
 * of a set has a position no later than where the next set's starts. From
 * the last set back: x, the latest start of the next set's occurrence;
 * this set's occurrence has a position at most x, so it starts at or
 * before the greatest such position, and so does the match. Returns 0
 * when some set has no such occurrence at or after start (no match is
 * possible), else 1 with *limit set to that offset of s, or PCRE2_UNSET
 * when s is not the scanned text. */
static int rs_start_limit(const struct ruleset *rs,
			  const struct ruleset_scratch *sc, uint32_t r,
			  const char *s, size_t len, size_t start,
			  size_t *limit)
{
	const struct rs_priv *pv = rs->priv;
	size_t off, x;

	*limit = PCRE2_UNSET;
	if (!sc->pos_ok || !rs->rules[r].prefiltered || !s || s < sc->pbase ||
	    s + len > sc->pbase + sc->plen)
		return 1;
	off = (size_t)(s - sc->pbase);
	x = off + len;
	for (uint32_t k = pv->rf_start[r + 1]; k-- > pv->rf_start[r];) {
		size_t at;

		if (!rs_pos_last(sc, pv->rf_ids[k], x, &at) || at < off + start)
			return 0;
		x = at;
	}
	*limit = x - off;
	return 1;
}

int ruleset_match(const struct ruleset *rs, struct ruleset_scratch *sc,
		  uint32_t r, const char *subject, size_t len, size_t start,
		  const size_t **ov)
{
	const struct rs_priv *pv = rs->priv;
	PCRE2_SPTR s = (PCRE2_SPTR)(subject ? subject : "");
	size_t limit;
	int rc;

	if (r >= rs->nrules || start > len)
		return -1;
	if (!rs_start_limit(rs, sc, r, subject, len, start, &limit))
		return 0;
	pcre2_set_offset_limit(sc->mctx, limit);
	if (pv->anchored[r] && sc->base && subject && subject >= sc->base &&
	    subject + len <= sc->base + sc->base_len)
		rc = rs_match_at_lists(pv, sc, r, s, len, start, limit);
	else if (pv->jit[r])
		rc = pcre2_jit_match(rs->rules[r].re, s, len, start, 0, sc->md,
				     sc->mctx);
	else
		rc = pcre2_match(rs->rules[r].re, s, len, start, 0, sc->md,
				 sc->mctx);
	rc = rs_result(rc);
	if (rc == 1)
		*ov = pcre2_get_ovector_pointer(sc->md);
	return rc;
}

int ruleset_excluded(const struct ruleset *rs, struct ruleset_scratch *sc,
		     uint32_t r, const char *subject, size_t len)
{
	PCRE2_SPTR s = (PCRE2_SPTR)(subject ? subject : "");

	if (r >= rs->nrules)
		return 0;
	pcre2_set_offset_limit(sc->mctx, PCRE2_UNSET);
	for (size_t k = 0; k < rs->rules[r].nexcl; k++)
		if (pcre2_match(rs->rules[r].excl[k], s, len, 0, 0, sc->md,
				sc->mctx) >= 0)
			return 1;
	return 0;
}
