/*
 * gazetteer.c - surface forms to normalised names and codes.
 *
 * A chained hash table keyed on the normalised form of a surface string:
 * ASCII lowercase, runs of whitespace collapsed to one space, no leading
 * "the ", no trailing possessive "'s" / "'" (or the typographic "’s"), and
 * dotted acronyms without their dots ("U.S." and "US" both key "us"). Every
 * added form is one node; nodes live in one array in the order they were
 * added, so a node's index is its age and a lookup over all lists picks the
 * oldest node with the key ("first added wins"). Buckets hold the index of
 * the newest node of the chain; node.next links to older ones.
 *
 * A lookup that finds nothing retries after stripping titles and honorifics
 * from the start of the query ("Mr", "President", "Prime Minister", ...), and
 * a leading capitalised word such as a demonym ("French President Emmanuel
 * Macron"), but only when that word is itself a known form or is followed by
 * a title, and only when the rest then matches.
 *
 * Built by one thread (ruleset_build); read-only afterwards, so any number of
 * workers may look up at once without locks.
 */
#include "gazetteer.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest normalised key handled; longer queries are not found. */
#define GAZ_MAX_KEY 256

/* Most titles and leading words stripped from one query. */
#define GAZ_MAX_STRIP 4

struct gaz_node {
	char *key;            /* normalised surface form, owned */
	uint64_t hash;
	size_t next;          /* older node of the same bucket, or GAZ_NONE */
	struct gaz_entry e;   /* strings owned by gz->strs */
};

struct gazetteer {
	struct gaz_node *nodes;
	size_t nnodes, capnodes;
	size_t *buckets;      /* newest node index per bucket, or GAZ_NONE */
	size_t nbuckets;      /* a power of two */
	char **strs;          /* names, codes and list names, shared by nodes */
	size_t nstrs, capstrs;
};

#define GAZ_NONE ((size_t)-1)

/* Titles stripped from the start of a query, longest first so that "Prime
 * Minister" goes before a shorter title could cut it. */
static const char *const gaz_titles[] = {
	"secretary-general", "secretary general", "secretary of state",
	"defence minister", "defense minister", "foreign minister",
	"supreme leader", "vice president", "vice-president",
	"prime minister", "crown prince", "chancellor", "president",
	"emperor", "general", "premier", "sheikh", "leader", "prince",
	"queen", "dame", "king", "pope", "gen.", "mrs.", "sir", "mrs",
	"dr.", "mr.", "ms.", "dr", "mr", "ms", NULL
};

static uint64_t gaz_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Returns 1 when word w[0, n) is a dotted acronym: two or more single
 * letters each followed by a dot, the last dot optional ("U.S.", "U.K",
 * "D.C."). */
static int gaz_is_dotted(const char *w, size_t n)
{
	size_t letters = 0;

	if (n < 3)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (i % 2 == 1) {
			if (w[i] != '.')
				return 0;
		} else if (isalpha((unsigned char)w[i])) {
			letters++;
		} else {
			return 0;
		}
	}
	return letters >= 2;
}

/* Writes the normalised key of s[0, len) to out (GAZ_MAX_KEY bytes) and
 * returns its length, or -1 when it does not fit. */
static int gaz_normalise(const char *s, size_t len, char *out)
{
	char tmp[GAZ_MAX_KEY];
	size_t n = 0, o = 0, i = 0;

	/* Lowercase and collapse whitespace, trimming both ends. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isspace(c)) {
			if (n > 0 && tmp[n - 1] != ' ') {
				if (n >= sizeof(tmp))
					return -1;
				tmp[n++] = ' ';
			}
			continue;
		}
		if (n >= sizeof(tmp))
			return -1;
		tmp[n++] = (char)tolower(c);
	}
	while (n > 0 && tmp[n - 1] == ' ')
		n--;
	i = 0;
	if (n > 4 && memcmp(tmp, "the ", 4) == 0)
		i = 4;
	/* A trailing possessive: "'s", "’s" (E2 80 99 s), or a bare "'". */
	if (n - i > 2 && tmp[n - 1] == 's' && tmp[n - 2] == '\'')
		n -= 2;
	else if (n - i > 4 && tmp[n - 1] == 's' &&
		 memcmp(tmp + n - 4, "\xe2\x80\x99", 3) == 0)
		n -= 4;
	else if (n - i > 1 && tmp[n - 1] == '\'')
		n -= 1;
	/* Copy word by word, dropping the dots of dotted acronyms. */
	while (i < n) {
		size_t w = i;

		while (w < n && tmp[w] != ' ')
			w++;
		if (gaz_is_dotted(tmp + i, w - i)) {
			for (size_t k = i; k < w; k++)
				if (tmp[k] != '.')
					out[o++] = tmp[k];
		} else {
			memcpy(out + o, tmp + i, w - i);
			o += w - i;
		}
		if (w < n)
			out[o++] = ' ';
		i = w + 1;
	}
	out[o] = '\0';
	return o < GAZ_MAX_KEY ? (int)o : -1;
}

struct gazetteer *gazetteer_new(void)
{
	struct gazetteer *gz = calloc(1, sizeof(*gz));

	if (!gz)
		return NULL;
	gz->nbuckets = 64;
	gz->buckets = malloc(gz->nbuckets * sizeof(*gz->buckets));
	if (!gz->buckets) {
		free(gz);
		return NULL;
	}
	for (size_t i = 0; i < gz->nbuckets; i++)
		gz->buckets[i] = GAZ_NONE;
	return gz;
}

void gazetteer_destroy(struct gazetteer *gz)
{
	if (!gz)
		return;
	for (size_t i = 0; i < gz->nnodes; i++)
		free(gz->nodes[i].key);
	for (size_t i = 0; i < gz->nstrs; i++)
		free(gz->strs[i]);
	free(gz->nodes);
	free(gz->buckets);
	free(gz->strs);
	free(gz);
}

size_t gazetteer_size(const struct gazetteer *gz)
{
	return gz ? gz->nnodes : 0;
}

/* Returns a copy of s owned by gz, reusing the string of the newest node when
 * it is equal (the forms of one entry are added one after another). */
static const char *gaz_intern(struct gazetteer *gz, const char *s)
{
	char *copy;

	if (gz->nstrs > 0 && strcmp(gz->strs[gz->nstrs - 1], s) == 0)
		return gz->strs[gz->nstrs - 1];
	if (gz->nnodes > 0) {
		const struct gaz_entry *last = &gz->nodes[gz->nnodes - 1].e;

		if (strcmp(last->name, s) == 0)
			return last->name;
		if (strcmp(last->code, s) == 0)
			return last->code;
		if (strcmp(last->list, s) == 0)
			return last->list;
	}
	if (gz->nstrs == gz->capstrs) {
		size_t cap = gz->capstrs ? gz->capstrs * 2 : 64;
		char **grown = realloc(gz->strs, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		gz->strs = grown;
		gz->capstrs = cap;
	}
	copy = strdup(s);
	if (!copy)
		return NULL;
	gz->strs[gz->nstrs++] = copy;
	return copy;
}

/* Doubles the bucket array and relinks every node, keeping chains ordered
 * newest first. */
static int gaz_grow(struct gazetteer *gz)
{
	size_t nb = gz->nbuckets * 2;
	size_t *b = malloc(nb * sizeof(*b));

	if (!b)
		return -1;
	for (size_t i = 0; i < nb; i++)
		b[i] = GAZ_NONE;
	for (size_t i = 0; i < gz->nnodes; i++) {
		size_t slot = (size_t)(gz->nodes[i].hash & (nb - 1));

		gz->nodes[i].next = b[slot];
		b[slot] = i;
	}
	free(gz->buckets);
	gz->buckets = b;
	gz->nbuckets = nb;
	return 0;
}

/* Returns the node with key in list (any list when list is NULL, then the
 * oldest), or NULL. */
static const struct gaz_node *gaz_find(const struct gazetteer *gz,
				       const char *list, const char *key,
				       size_t klen)
{
	uint64_t h = gaz_hash(key, klen);
	const struct gaz_node *best = NULL;

	for (size_t i = gz->buckets[h & (gz->nbuckets - 1)]; i != GAZ_NONE;
	     i = gz->nodes[i].next) {
		const struct gaz_node *nd = &gz->nodes[i];

		if (nd->hash != h || strcmp(nd->key, key) != 0)
			continue;
		if (list && strcmp(nd->e.list, list) != 0)
			continue;
		best = nd;  /* chains run newest first: keep the last seen */
		if (list)
			break;
	}
	return best;
}

int gazetteer_add(struct gazetteer *gz, const char *list, const char *surface,
		  const char *name, const char *code)
{
	char key[GAZ_MAX_KEY];
	int klen = gaz_normalise(surface, strlen(surface), key);
	const struct gaz_node *old;
	struct gaz_node *nd;
	size_t slot;

	if (klen <= 0)
		return -2;
	if (!code)
		code = "";
	old = gaz_find(gz, list, key, (size_t)klen);
	if (old) {
		/* Variants of one entry may share a key ("U.S." and "US"). */
		if (strcmp(old->e.name, name) == 0 && strcmp(old->e.code, code) == 0)
			return 0;
		return -2;
	}
	if (gz->nnodes >= gz->nbuckets && gaz_grow(gz) < 0)
		return -1;
	if (gz->nnodes == gz->capnodes) {
		size_t cap = gz->capnodes ? gz->capnodes * 2 : 64;
		struct gaz_node *grown = realloc(gz->nodes, cap * sizeof(*grown));

		if (!grown)
			return -1;
		gz->nodes = grown;
		gz->capnodes = cap;
	}
	nd = &gz->nodes[gz->nnodes];
	memset(nd, 0, sizeof(*nd));
	nd->e.name = gaz_intern(gz, name);
	nd->e.code = nd->e.name ? gaz_intern(gz, code) : NULL;
	nd->e.list = nd->e.code ? gaz_intern(gz, list) : NULL;
	nd->key = strdup(key);
	if (!nd->e.list || !nd->key) {
		free(nd->key);
		return -1;
	}
	nd->hash = gaz_hash(key, (size_t)klen);
	slot = (size_t)(nd->hash & (gz->nbuckets - 1));
	nd->next = gz->buckets[slot];
	gz->buckets[slot] = gz->nnodes++;
	return 0;
}

static const struct gaz_entry *gaz_lookup_plain(const struct gazetteer *gz,
						const char *list,
						const char *s, size_t len)
{
	char key[GAZ_MAX_KEY];
	int klen = gaz_normalise(s, len, key);
	const struct gaz_node *nd;

	if (klen <= 0)
		return NULL;
	nd = gaz_find(gz, list, key, (size_t)klen);
	return nd ? &nd->e : NULL;
}

/* Returns the length of the title at the start of s[0, len) including the
 * whitespace after it, or 0 when s does not start with a title followed by
 * more text. */
static size_t gaz_title_len(const char *s, size_t len)
{
	for (size_t t = 0; gaz_titles[t]; t++) {
		size_t n = strlen(gaz_titles[t]);

		if (n >= len || strncasecmp(s, gaz_titles[t], n) != 0 ||
		    !isspace((unsigned char)s[n]))
			continue;
		while (n < len && isspace((unsigned char)s[n]))
			n++;
		return n < len ? n : 0;
	}
	return 0;
}

/* Strips one title, "the", or leading capitalised word from s and looks the
 * rest up, recursing for sequences ("French Foreign Minister X"). */
static const struct gaz_entry *gaz_lookup_strip(const struct gazetteer *gz,
						const char *list,
						const char *s, size_t len,
						int depth)
{
	const struct gaz_entry *e;
	size_t cut, w;

	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	if (depth >= GAZ_MAX_STRIP || len == 0)
		return NULL;
	if (len > 4 && strncasecmp(s, "the ", 4) == 0) {
		s += 4;
		len -= 4;
	}
	cut = gaz_title_len(s, len);
	if (cut == 0 && isupper((unsigned char)s[0])) {
		/* A demonym-like word: known itself, or followed by a title. */
		for (w = 0; w < len && !isspace((unsigned char)s[w]); w++)
			;
		cut = w;
		while (cut < len && isspace((unsigned char)s[cut]))
			cut++;
		if (cut == len || (gaz_title_len(s + cut, len - cut) == 0 &&
				   !gaz_lookup_plain(gz, NULL, s, w)))
			cut = 0;
	}
	if (cut == 0)
		return NULL;
	e = gaz_lookup_plain(gz, list, s + cut, len - cut);
	if (e)
		return e;
	return gaz_lookup_strip(gz, list, s + cut, len - cut, depth + 1);
}

const struct gaz_entry *gazetteer_lookup(const struct gazetteer *gz,
					 const char *list, const char *s,
					 size_t len)
{
	const struct gaz_entry *e;

	if (!gz || !s || gz->nnodes == 0)
		return NULL;
	e = gaz_lookup_plain(gz, list, s, len);
	if (e)
		return e;
	return gaz_lookup_strip(gz, list, s, len, 0);
}
