/*
 * extract.c - one article in, its events out.
 *
 * Data flow for one article, all on the calling thread:
 *
 *   body -> text_normalise -> text_split -> ruleset_scan (Vectorscan:
 *   candidate rules per sentence, and where each big list occurs)
 *   -> per sentence: each candidate typed rule's PCRE2 matches become
 *      "candidates" (one-mention events) filled from named groups and
 *      `set:` constants; the sentence's candidates of one type merge unless
 *      their rules read different keys; the fillers of those types then
 *      complete them (list fields take every hit, or the nearest match with
 *      `pick: nearest`; scalars the nearest hit, explicit dates first) and
 *      stretch the mention over the words they used, up to a reach
 *   -> merge candidates into events -> paragraph/article-scoped fillers
 *      complete what is still missing -> finish (status and modality
 *      defaults, hosts among participants, lead-paragraph dates, ids).
 *
 * Merging is what makes "one event per real-world event": a candidate
 * joins the latest event of its type whose key fields agree (location,
 * date, name, attacker, target; a proposed meeting never joins one held, a
 * call on others never joins a pledge); one that names nothing joins the
 * latest of its type; an anaphor ("the summit", `merge: anaphor`) that
 * agrees with no event joins the most reported one of its type.
 *
 * Memory: candidates and events live in arrays owned by the extractor and
 * reused between articles; strings live in the arena, reset per article.
 * The ruleset is shared and read-only; the scratch is this thread's.
 */
#include "extract.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "arena.h"
#include "dates.h"
#include "limits.h"
#include "numbers.h"
#include "text.h"

/* How far (bytes) from a match a filled value may be and still be part of
 * the mention's span; values further away fill the event without
 * stretching the mention over the whole sentence. */
#define EXTRACT_MENTION_REACH 120

/* Candidates of one type in one sentence further apart than this (bytes)
 * may report two events ("held a summit ... and pushed for a bilateral
 * meeting"), so they are left for the article-wide merge. */
#define EXTRACT_SENTENCE_MERGE_GAP 60

/* Filler hits this close (bytes) to a match count as equally near, so an
 * explicit date a few words on beats "overnight" inside the match. */
#define EXTRACT_NEAR 24

/* How far after "the summit" (bytes) the leaders it names may stand:
 * "the summit between Mr Trump and Vladimir Putin". */
#define EXTRACT_ANAPHOR_REACH 60

/* Field kinds a named group or `set:` key can fill. */
enum fk {
	FK_OTHER = 0,
	FK_ATTACKER,
	FK_LOCATION,
	FK_WEAPON,
	FK_KILLED,
	FK_INJURED,
	FK_DATE,
	FK_NAME,
	FK_PARTICIPANT,
	FK_HOST,
	FK_COUNT,
	FK_FORMAT,
	FK_STATUS,
	FK_PLEDGER,
	FK_TARGET,
	FK_MEASURE,
	FK_CONDITION,
	FK_MODALITY,
};

static const struct {
	const char *name;
	enum fk kind;
} field_names[] = {
	{"attacker", FK_ATTACKER},     {"location", FK_LOCATION},
	{"place", FK_LOCATION},        {"weapon", FK_WEAPON},
	{"weapons", FK_WEAPON},        {"killed", FK_KILLED},
	{"injured", FK_INJURED},       {"wounded", FK_INJURED},
	{"date", FK_DATE},             {"name", FK_NAME},
	{"participant", FK_PARTICIPANT}, {"participants", FK_PARTICIPANT},
	{"host", FK_HOST},             {"hosts", FK_HOST},
	{"count", FK_COUNT},           {"participant_count", FK_COUNT},
	{"format", FK_FORMAT},         {"status", FK_STATUS},
	{"pledger", FK_PLEDGER},       {"pledgers", FK_PLEDGER},
	{"target", FK_TARGET},         {"measure", FK_MEASURE},
	{"condition", FK_CONDITION},   {"modality", FK_MODALITY},
};

/* Gazetteer lists searched for each kind of entity, most specific first. */
static const char *const lists_actor[] = {"military", "armed_group", "demonym",
					  "country", "bloc", "metonym", "seat", NULL};
static const char *const lists_place[] = {"venue", "city", "region",
					  "country", "demonym", NULL};
static const char *const lists_person[] = {"leader", NULL};
static const char *const lists_party[] = {"leader", "country", "bloc",
					  "demonym", "metonym", "seat", NULL};
static const char *const lists_bloc[] = {"bloc", NULL};

/* A rule match before merging: an event with one mention, plus where it is. */
struct cand {
	struct event ev;
	uint32_t nstart, nend;   /* normalised span of the mention */
	uint32_t mstart, mend;   /* the rules' matches alone: fillers measure
				  * nearness from here, not from what they added */
	uint32_t sent;           /* sentence index */
	int anaphor;             /* `set: {merge: anaphor}` (1): an already
				  * reported event; `anaphor-only` (2): and
				  * never a new one */
};

/* A filler match cached for the sentence being processed. */
struct fill_hit {
	uint32_t rule;
	uint32_t match;          /* which match of the sentence's fillers */
	enum fk kind;
	const char *field;       /* group's field name (for FK_OTHER) */
	uint32_t nstart, nend;   /* the group's span, normalised */
};

struct extractor {
	const struct ruleset *rs;
	struct ruleset_scratch *sc;
	struct arena arena;
	struct text t;
	struct cand *cand;
	size_t ncand, cap_cand;
	struct event *events;
	size_t nevents, cap_events;
	struct fill_hit *hits;
	size_t nhits, cap_hits;
	uint32_t nmatch;         /* filler matches collected, numbering hits */
	uint32_t *seg_end;       /* sentence ends, for the prefilter scan */
	size_t cap_seg;
	uint32_t *ctx;           /* context fillers some event still needs */
	size_t cap_ctx;
	struct date_val anchor;
	const struct article *a;
	int limit_hit;           /* a rule hit its match limit on this article */
	const char *limit;       /* the cap this article hit (extract_limit) */
	long budget_ms;          /* time budget per article, 0: none */
	struct timespec t0;      /* when extract_article() began */
};

struct extractor *extract_new(const struct ruleset *rs, char *errstr,
			      size_t errstr_size)
{
	struct extractor *x = calloc(1, sizeof(*x));

	if (!x) {
		snprintf(errstr, errstr_size, "out of memory");
		return NULL;
	}
	x->rs = rs;
	x->budget_ms = EVX_ARTICLE_TIME_BUDGET_MS;
	x->sc = ruleset_scratch_new(rs, errstr, errstr_size);
	if (!x->sc)
		goto fail;
	return x;
fail:
	extract_destroy(x);
	return NULL;
}

void extract_destroy(struct extractor *x)
{
	if (!x)
		return;
	ruleset_scratch_destroy(x->sc);
	arena_free(&x->arena);
	text_free(&x->t);
	free(x->cand);
	free(x->events);
	free(x->hits);
	free(x->seg_end);
	free(x->ctx);
	free(x);
}

struct arena *extract_arena(struct extractor *x)
{
	return &x->arena;
}

void extract_set_time_budget(struct extractor *x, long ms)
{
	x->budget_ms = ms > 0 ? ms : 0;
}

const char *extract_limit(const struct extractor *x)
{
	return x->limit;
}

/* Whether the article has used up its time budget (wall clock since
 * extract_article began; CLOCK_MONOTONIC is read without a system call). */
static int over_budget(const struct extractor *x)
{
	struct timespec now;

	if (!x->budget_ms)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - x->t0.tv_sec) * 1000L +
		       (now.tv_nsec - x->t0.tv_nsec) / 1000000L >= x->budget_ms;
}

/* Abandons the article: the time budget is spent. Returns -1. */
static int budget_spent(struct extractor *x, size_t si, char *errstr,
			size_t errstr_size)
{
	x->limit = "time_budget";
	snprintf(errstr, errstr_size,
		 "time budget of %ld ms spent at sentence %zu of %zu",
		 x->budget_ms, si + 1, x->t.nsent);
	return -1;
}

void extract_begin(struct extractor *x)
{
	arena_reset(&x->arena);
	x->ncand = 0;
	x->nevents = 0;
}

static enum fk field_kind(const char *name)
{
	for (size_t i = 0; i < sizeof(field_names) / sizeof(field_names[0]); i++)
		if (strcmp(field_names[i].name, name) == 0)
			return field_names[i].kind;
	return FK_OTHER;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * elem);
	if (!np)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* Trims spaces, quotes and trailing punctuation from [*s, *s + *len). */
static void trim_value(const char **s, size_t *len)
{
	const char *p = *s;
	size_t n = *len;

	while (n && (isspace((unsigned char)*p) || *p == '"' || *p == '\'' ||
		     *p == '(' || *p == ','))
		p++, n--;
	while (n && (isspace((unsigned char)p[n - 1]) || p[n - 1] == '"' ||
		     p[n - 1] == ',' || p[n - 1] == ';' || p[n - 1] == ':' ||
		     p[n - 1] == ')' || (p[n - 1] == '\'' && !(n >= 2 && p[n - 2] == 's'))))
		n--;
	/* A final '.' goes unless it closes an abbreviation like "U.S.". */
	if (n >= 2 && p[n - 1] == '.' && !(n >= 3 && p[n - 3] == '.'))
		n--;
	*s = p;
	*len = n;
}

/* Looks text up in each of lists in turn. */
static const struct gaz_entry *lookup_lists(const struct extractor *x,
					    const char *const *lists,
					    const char *s, size_t len)
{
	for (size_t i = 0; lists[i]; i++) {
		const struct gaz_entry *ge =
			gazetteer_lookup(x->rs->gz, lists[i], s, len);

		if (ge)
			return ge;
	}
	return NULL;
}

/* Finds the code of the longest gazetteer phrase ending the text: "northern
 * Ukraine" -> UA, "the Ukrainian capital" -> UA via "Ukrainian". */
static const char *code_within(const struct extractor *x, const char *s,
			       size_t len)
{
	for (size_t i = 0; i < len; i++) {
		const struct gaz_entry *ge;

		if (i && !(s[i - 1] == ' ' || s[i - 1] == '-'))
			continue;
		for (size_t j = len; j > i; j--) {
			if (j < len && isalnum((unsigned char)s[j]))
				continue;
			ge = lookup_lists(x, lists_place, s + i, j - i);
			if (ge && ge->code && *ge->code)
				return ge->code;
		}
	}
	return "";
}

/* "the Ukrainian capital", "Ukraine's capital" -> the capital city, from
 * the pack's `capital` list, whose forms are each country's names and
 * demonyms. NULL when the text is not such a phrase. */
static const struct gaz_entry *capital_of(const struct extractor *x,
					  const char *s, size_t len)
{
	static const char cap[] = " capital";
	size_t n = sizeof(cap) - 1;

	if (len <= n || strncasecmp(s + len - n, cap, n) != 0)
		return NULL;
	len -= n;
	if (len > 4 && strncasecmp(s, "the ", 4) == 0)
		s += 4, len -= 4;
	if (len > 2 && s[len - 2] == '\'' && s[len - 1] == 's')
		len -= 2;
	return gazetteer_lookup(x->rs->gz, "capital", s, len);
}

static int set_entity(struct extractor *x, struct ev_entity *en,
		      const char *const *lists, const char *s, size_t len,
		      int keep_unknown)
{
	const struct gaz_entry *ge;

	trim_value(&s, &len);
	if (!len)
		return 0;
	ge = lookup_lists(x, lists, s, len);
	if (!ge && lists == lists_place)
		ge = capital_of(x, s, len);
	if (ge) {
		en->name = ge->name;
		en->code = ge->code;
		return 1;
	}
	if (lists == lists_place) {
		/* "the southern city of Mykolaiv": the place after the last "of". */
		for (size_t i = len; i-- > 4;) {
			if (strncmp(s + i - 4, " of ", 4) != 0)
				continue;
			ge = lookup_lists(x, lists, s + i, len - i);
			if (ge) {
				en->name = ge->name;
				en->code = ge->code;
				return 1;
			}
			break;
		}
	}
	if (!keep_unknown)
		return 0;
	if (len > 4 && strncasecmp(s, "the ", 4) == 0)
		s += 4, len -= 4;
	en->name = arena_strndup(&x->arena, s, len);
	en->code = code_within(x, s, len);
	return en->name != NULL;
}

/* Appends an entity to a list field unless a same-named one is there. */
static void add_entity(struct ev_entity *arr, size_t *n,
		       const struct ev_entity *en)
{
	if (!en->name)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcasecmp(arr[i].name, en->name) == 0)
			return;
	if (*n < EVX_MAX_LIST_VALUES)
		arr[(*n)++] = *en;
}

/* Lower-cases up to size-1 bytes of s into buf. */
static void lower_copy(char *buf, size_t size, const char *s, size_t len)
{
	if (len >= size)
		len = size - 1;
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[len] = '\0';
}

/* Whether any of the NULL-terminated stems occurs in buf. */
static int has_any(const char *buf, const char *const *stems)
{
	for (size_t i = 0; stems[i]; i++)
		if (strstr(buf, stems[i]))
			return 1;
	return 0;
}

static const char *canon_format(const char *s, size_t len)
{
	char buf[128];
	int person, remote;

	lower_copy(buf, sizeof(buf), s, len);
	if (!strcmp(buf, "in_person") || !strcmp(buf, "virtual") ||
	    !strcmp(buf, "hybrid"))
		return !strcmp(buf, "hybrid") ? "hybrid"
		       : !strcmp(buf, "virtual") ? "virtual" : "in_person";
	person = strstr(buf, "person") != NULL || strstr(buf, "face") != NULL;
	remote = strstr(buf, "video") || strstr(buf, "virtual") ||
		 strstr(buf, "online") || strstr(buf, "remote") ||
		 strstr(buf, "dial") || strstr(buf, "phone");
	if (person && remote)
		return "hybrid";
	if (remote)
		return "virtual";
	if (person)
		return "in_person";
	return NULL;
}

/* A summit status from the words that convey it: "held" and "scheduled"
 * and "proposed" themselves, or wording like "will meet", "is due to",
 * "a possible meeting". NULL when the words say nothing. */
static const char *canon_status(const char *s, size_t len)
{
	static const char *const proposed[] = {"possible", "propos", "potential",
		"suggest", "offer", "sought", "seek", "invit", "refus", "push",
		"want", "hope",
		"call for", "calls for", "called for", "calling for", NULL};
	static const char *const scheduled[] = {"schedul", "will", "due", "agree",
		"set to", "expected", "would", "to be held", "next", "upcoming",
		"planned", "plan to", "travels", "heads to", "is travelling",
		"is traveling", NULL};
	static const char *const held[] = {"held", "met", "hosted", "ended",
		"closed", "took place", "gathered", "concluded", "under way",
		"underway", NULL};
	char buf[128];

	lower_copy(buf, sizeof(buf), s, len);
	if (has_any(buf, proposed))
		return "proposed";
	if (has_any(buf, scheduled))
		return "scheduled";
	if (has_any(buf, held))
		return "held";
	return NULL;
}

/* A pledge's modality from its verb: "imposed" for measures taken in this
 * report, "threat" for warnings, "call" for urging others, "pledge" for
 * commitments. NULL when the words say nothing. */
static const char *canon_modality(const char *s, size_t len)
{
	static const char *const call[] = {"call", "urg", "should", "must",
		"need", "press", NULL};
	static const char *const threat[] = {"threat", "warn", NULL};
	static const char *const pledge[] = {"pledge", "will", "would", "agree",
		"vow", "promis", "prepar", "finalis", "finaliz", "to take",
		"plan", NULL};
	static const char *const imposed[] = {"impos", "slap", "announc",
		"adopt", "approv", "unveil", "introduc", "expand", "tighten",
		"increas", "step", "ramp", "rais", "add", "levy", "levied",
		"hit", "blacklist", "sanction", "designat", "froze", "freez",
		"ban", "barred", "suspend", "cut off", "stopped", "capped",
		"took effect", NULL};
	char buf[128];

	lower_copy(buf, sizeof(buf), s, len);
	if (!strcmp(buf, "pledge") || !strcmp(buf, "threat") ||
	    !strcmp(buf, "imposed") || !strcmp(buf, "call"))
		return !strcmp(buf, "pledge") ? "pledge"
		       : !strcmp(buf, "threat") ? "threat"
		       : !strcmp(buf, "imposed") ? "imposed" : "call";
	if (has_any(buf, call))
		return "call";
	if (has_any(buf, threat))
		return "threat";
	if (has_any(buf, pledge))
		return "pledge";
	if (has_any(buf, imposed))
		return "imposed";
	return NULL;
}

/* Fills one field of e from text (a capture, or a `set:` constant).
 * overwrite: replace a scalar already set (rules do; fillers do not). */
static void fill_field(struct extractor *x, struct event *e, enum fk kind,
		       const char *field, const char *s, size_t len,
		       int overwrite)
{
	struct ev_entity en = {0};
	long n;

	trim_value(&s, &len);
	if (!len)
		return;
	switch (kind) {
	case FK_ATTACKER:
		if ((overwrite || !e->attacker.name) &&
		    set_entity(x, &en, lists_actor, s, len, 1))
			e->attacker = en;
		break;
	case FK_LOCATION:
		if ((overwrite || !e->location.name) &&
		    set_entity(x, &en, lists_place, s, len, 1))
			e->location = en;
		break;
	case FK_TARGET:
		if ((overwrite || !e->target.name) &&
		    set_entity(x, &en, lists_actor, s, len, 1))
			e->target = en;
		break;
	case FK_PARTICIPANT:
		if (set_entity(x, &en, lists_person, s, len, 1))
			add_entity(e->participants, &e->nparticipants, &en);
		break;
	case FK_HOST:
		if (set_entity(x, &en, lists_person, s, len, 1))
			add_entity(e->hosts, &e->nhosts, &en);
		break;
	case FK_PLEDGER:
		if (set_entity(x, &en, lists_party, s, len, 1))
			add_entity(e->pledgers, &e->npledgers, &en);
		break;
	case FK_WEAPON: {
		const struct gaz_entry *ge =
			gazetteer_lookup(x->rs->gz, "weapon", s, len);
		unsigned bit = 0;
		char word[32];

		if (ge) {
			bit = event_weapon_bit(ge->name);
		} else if (len < sizeof(word)) {
			memcpy(word, s, len);
			word[len] = '\0';
			for (char *p = word; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			bit = event_weapon_bit(word);
		}
		e->weapons |= bit ? bit : (unsigned)EV_WEAPON_OTHER;
		break;
	}
	case FK_KILLED:
		if ((overwrite || e->killed < 0) && numbers_parse(s, len, &n) == 0)
			e->killed = n;
		break;
	case FK_INJURED:
		if ((overwrite || e->injured < 0) && numbers_parse(s, len, &n) == 0)
			e->injured = n;
		break;
	case FK_COUNT:
		if ((overwrite || e->participant_count < 0) &&
		    numbers_parse(s, len, &n) == 0)
			e->participant_count = n;
		break;
	case FK_DATE:
		if (overwrite || e->date.prec == DATES_NONE) {
			struct date_val dv;
			int future = e->status && strcmp(e->status, "scheduled") == 0;

			if (dates_resolve(s, len, &x->anchor, future, &dv) == 0)
				e->date = dv;
		}
		break;
	case FK_NAME: {
		const struct gaz_entry *ge;

		/* "the Alaska summit": a place before the noun is where it
		 * was, not what it is called. */
		if (!lookup_lists(x, lists_bloc, s, len) &&
		    (ge = lookup_lists(x, lists_place, s, len)) != NULL) {
			if (overwrite || !e->location.name) {
				e->location.name = ge->name;
				e->location.code = ge->code;
			}
			break;
		}
		if (overwrite || !e->name) {
			ge = lookup_lists(x, lists_bloc, s, len);
			e->name = ge ? ge->name : arena_strndup(&x->arena, s, len);
		}
		break;
	}
	case FK_FORMAT: {
		const char *f = canon_format(s, len);

		if (f && (overwrite || !e->format))
			e->format = f;
		break;
	}
	case FK_STATUS: {
		const char *st = canon_status(s, len);

		if (st && (overwrite || !e->status))
			e->status = st;
		break;
	}
	case FK_MODALITY: {
		const char *mo = canon_modality(s, len);

		if (mo && (overwrite || !e->modality))
			e->modality = mo;
		break;
	}
	case FK_MEASURE:
		if (overwrite || !e->measure)
			e->measure = arena_strndup(&x->arena, s, len);
		break;
	case FK_CONDITION:
		if (overwrite || !e->condition)
			e->condition = arena_strndup(&x->arena, s, len);
		break;
	case FK_OTHER:
		for (size_t i = 0; i < e->nfields; i++)
			if (strcmp(e->fields[i].key, field) == 0)
				return;
		if (e->nfields < EVX_MAX_LIST_VALUES) {
			e->fields[e->nfields].key = field;
			e->fields[e->nfields].val = arena_strndup(&x->arena, s, len);
			e->nfields++;
		}
		break;
	}
}

/* How many values field kind of e holds: 0 or 1 for a scalar, the count
 * for a list (weapons: bits set). */
static size_t field_size(const struct event *e, enum fk kind, const char *field)
{
	switch (kind) {
	case FK_ATTACKER: return e->attacker.name != NULL;
	case FK_LOCATION: return e->location.name != NULL;
	case FK_WEAPON: return (size_t)__builtin_popcount(e->weapons);
	case FK_KILLED: return e->killed >= 0;
	case FK_INJURED: return e->injured >= 0;
	case FK_DATE: return e->date.prec != DATES_NONE;
	case FK_NAME: return e->name != NULL;
	case FK_PARTICIPANT: return e->nparticipants;
	case FK_HOST: return e->nhosts;
	case FK_COUNT: return e->participant_count >= 0;
	case FK_FORMAT: return e->format != NULL;
	case FK_STATUS: return e->status != NULL;
	case FK_PLEDGER: return e->npledgers;
	case FK_TARGET: return e->target.name != NULL;
	case FK_MEASURE: return e->measure != NULL;
	case FK_CONDITION: return e->condition != NULL;
	case FK_MODALITY: return e->modality != NULL;
	case FK_OTHER:
		for (size_t i = 0; i < e->nfields; i++)
			if (strcmp(e->fields[i].key, field) == 0)
				return 1;
		return 0;
	}
	return 0;
}

static int field_is_set(const struct event *e, enum fk kind, const char *field)
{
	return field_size(e, kind, field) > 0;
}

/* Applies a rule's `set:` constants, status first so dates see it. */
static void apply_set(struct extractor *x, struct event *e,
		      const struct rs_rule *r)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->nset; i++) {
			enum fk kind = field_kind(r->set[i].key);

			/* "merge" steers merging (run_rules reads it), it
			 * is not a field. */
			if (strcmp(r->set[i].key, "merge") == 0)
				continue;
			if ((kind == FK_STATUS) != (pass == 0))
				continue;
			fill_field(x, e, kind, r->set[i].key, r->set[i].val,
				   strlen(r->set[i].val), 1);
		}
	}
}

/* Applies the named groups of a match; dates last so status is known. */
static void apply_groups(struct extractor *x, struct event *e,
			 const struct rs_rule *r, const char *subj,
			 const size_t *ov)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t g = 0; g < r->ngroups; g++) {
			size_t s = ov[2 * r->groups[g].num];
			size_t end = ov[2 * r->groups[g].num + 1];
			enum fk kind = field_kind(r->groups[g].field);

			if (s == PCRE2_UNSET || end <= s)
				continue;
			if ((kind == FK_DATE) != (pass == 1))
				continue;
			fill_field(x, e, kind, r->groups[g].field, subj + s,
				   end - s, 1);
		}
	}
}

static int type_filled_by(const struct rs_rule *f, const char *type)
{
	for (size_t i = 0; i < f->nfill; i++)
		if (strcmp(f->fill[i], type) == 0)
			return 1;
	return 0;
}

/* Whether filler f fills the type of a candidate from index first on. */
static int fills_any(const struct extractor *x, const struct rs_rule *f,
		     size_t first)
{
	for (size_t c = first; c < x->ncand; c++)
		if (type_filled_by(f, x->cand[c].ev.type))
			return 1;
	return 0;
}

/* Appends every group match of the fillers of sentence [s0, s1) to
 * x->hits: the sentence-scoped fillers that fill the type of a candidate
 * from index first on, or with context the paragraph and article ones. */
static int collect_fill_hits(struct extractor *x, const uint32_t *cand,
			     int ncand, uint32_t s0, uint32_t s1, int context,
			     size_t first, char *errstr, size_t errstr_size)
{
	const char *subj = x->t.norm + s0;
	size_t len = s1 - s0;
	int limit_hit = 0;

	for (int c = 0; c < ncand; c++) {
		const struct rs_rule *f = &x->rs->rules[cand[c]];
		const size_t *ov;
		size_t start = 0;
		int rc;

		/* Sentence fillers complete candidates as they are found;
		 * paragraph and article fillers complete merged events. */
		if (f->type || (f->scope != RP_SCOPE_SENTENCE) != context)
			continue;
		/* A filler runs only if it fills a type that needs it. */
		if (!context && !fills_any(x, f, first))
			continue;
		while (start <= len &&
		       (rc = ruleset_match(x->rs, x->sc, cand[c], subj, len,
					   start, &ov)) == 1) {
			for (size_t g = 0; g < f->ngroups; g++) {
				size_t gs = ov[2 * f->groups[g].num];
				size_t ge = ov[2 * f->groups[g].num + 1];

				if (gs == PCRE2_UNSET || ge <= gs)
					continue;
				if (grow((void **)&x->hits, &x->cap_hits,
					 x->nhits + 1, sizeof(*x->hits)))
					return -1;
				x->hits[x->nhits++] = (struct fill_hit){
					cand[c], x->nmatch,
					field_kind(f->groups[g].field),
					f->groups[g].field, s0 + (uint32_t)gs,
					s0 + (uint32_t)ge};
			}
			x->nmatch++;
			start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		}
		if (rc == -2) {
			snprintf(errstr, errstr_size,
				 "rule \"%s\" hit its match limit", f->id);
			limit_hit = 1;
		}
	}
	return limit_hit ? -2 : 0;
}

/* Distance in bytes between a hit and a candidate's span (0 inside). */
static uint32_t span_distance(uint32_t a0, uint32_t a1, uint32_t b0,
			      uint32_t b1)
{
	if (a1 <= b0)
		return b0 - a1;
	if (b1 <= a0)
		return a0 - b1;
	return 0;
}

/* How explicit a date hit is: 2 with a digit ("Aug. 28"), 1 with a day
 * name, 0 for relative words ("overnight"). Other hits rank 0. */
static int hit_rank(const struct extractor *x, const struct fill_hit *h)
{
	static const char *const days[] = {"monday", "tuesday", "wednesday",
		"thursday", "friday", "saturday", "sunday", NULL};
	char buf[64];

	if (h->kind != FK_DATE)
		return 0;
	for (uint32_t k = h->nstart; k < h->nend; k++)
		if (isdigit((unsigned char)x->t.norm[k]))
			return 2;
	lower_copy(buf, sizeof(buf), x->t.norm + h->nstart, h->nend - h->nstart);
	return has_any(buf, days);
}

/* A filler with `set: {pick: nearest}` fills a list field from its one
 * match nearest the candidate (all the values that match names), not from
 * every match in the sentence. */
static int picks_nearest(const struct rs_rule *f)
{
	for (size_t i = 0; i < f->nset; i++)
		if (strcmp(f->set[i].key, "pick") == 0)
			return strcmp(f->set[i].val, "nearest") == 0;
	return 0;
}

/* The match of h's filler, among those giving h's kind, nearest c. */
static uint32_t nearest_match(const struct extractor *x, const struct cand *c,
			      const struct fill_hit *h)
{
	uint32_t best = h->match, bd = UINT32_MAX;

	for (size_t j = 0; j < x->nhits; j++) {
		const struct fill_hit *o = &x->hits[j];
		uint32_t d;

		if (o->rule != h->rule || o->kind != h->kind)
			continue;
		d = span_distance(o->nstart, o->nend, c->mstart, c->mend);
		if (d < bd) {
			bd = d;
			best = o->match;
		}
	}
	return best;
}

/* Distance from hit h to candidate c's matches. A status word governs what
 * follows it ("pushed for a bilateral summit"), so one after the candidate
 * counts three times its distance. */
static uint32_t cand_distance(const struct fill_hit *h, const struct cand *c)
{
	uint32_t d = span_distance(h->nstart, h->nend, c->mstart, c->mend);

	if (h->kind == FK_STATUS && h->nstart >= c->mend && d < UINT32_MAX / 3)
		d *= 3;
	return d;
}

/* Whether c is, among the sentence's candidates (index first on) of a type
 * h's filler fills, the one nearest h (the earlier on a tie). */
static int nearest_cand(const struct extractor *x, const struct cand *c,
			const struct fill_hit *h, size_t first)
{
	const struct rs_rule *f = &x->rs->rules[h->rule];
	uint32_t d = cand_distance(h, c);

	for (size_t k = first; k < x->ncand; k++) {
		const struct cand *o = &x->cand[k];
		uint32_t od;

		/* "the gathering" keeps only the participants right after
		 * it: it does not compete for the others. */
		if (o == c || !type_filled_by(f, o->ev.type) ||
		    (o->anaphor == 2 && h->kind == FK_PARTICIPANT))
			continue;
		od = cand_distance(h, o);
		if (od < d || (od == d && o < c))
			return 0;
	}
	return 1;
}

static int is_list_kind(enum fk kind)
{
	return kind == FK_PARTICIPANT || kind == FK_HOST ||
	       kind == FK_PLEDGER || kind == FK_WEAPON;
}

/* Points c's own mention at its span [nstart, nend) in the body. */
static void set_mention(struct extractor *x, struct cand *c)
{
	struct ev_mention *m = &c->ev.mentions[0];
	uint32_t o0, o1;

	text_to_orig(&x->t, c->nstart, c->nend, &o0, &o1);
	if (m->start == o0 && m->end == o1 && m->text)
		return;
	m->start = o0;
	m->end = o1;
	m->text = arena_strndup(&x->arena, x->a->body + o0, o1 - o0);
}

/* Completes candidate c with the sentence's filler hits: list fields take
 * every hit, scalar fields the hit nearest the match. Dates go last. */
static void apply_fillers(struct extractor *x, struct cand *c, size_t first)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < x->nhits; i++) {
			const struct fill_hit *h = &x->hits[i];
			const struct rs_rule *f = &x->rs->rules[h->rule];

			if ((h->kind == FK_DATE) != (pass == 1))
				continue;
			if (!type_filled_by(f, c->ev.type))
				continue;
			if (is_list_kind(h->kind) && picks_nearest(f) &&
			    h->match != nearest_match(x, c, h))
				continue;
			/* In a sentence reporting two meetings, each value
			 * belongs to the nearer one. */
			if (!nearest_cand(x, c, h, first))
				continue;
			/* The leaders around "the meeting" in a later sentence
			 * are as often its subject as its participants: only
			 * "the meeting between X and Y" names them. */
			if (c->anaphor == 2 && h->kind == FK_PARTICIPANT &&
			    (h->nstart < c->mend ||
			     h->nstart - c->mend > EXTRACT_ANAPHOR_REACH))
				continue;
			if (!is_list_kind(h->kind)) {
				uint32_t d = span_distance(h->nstart, h->nend,
							   c->mstart, c->mend);
				int best = 1;

				for (size_t j = 0; j < x->nhits && best; j++) {
					const struct fill_hit *o = &x->hits[j];

					if (j == i || o->kind != h->kind ||
					    (o->kind == FK_OTHER &&
					     strcmp(o->field, h->field)) ||
					    !type_filled_by(&x->rs->rules[o->rule],
							    c->ev.type))
						continue;
					uint32_t od = span_distance(
						o->nstart, o->nend, c->mstart,
						c->mend);
					int hr = hit_rank(x, h), orank = hit_rank(x, o);
					uint32_t bd = d <= EXTRACT_NEAR ? 0 : d;
					uint32_t bod = od <= EXTRACT_NEAR ? 0 : od;

					/* Nearest wins, all hits close by counting
					 * as equally near; among those the more
					 * explicit date, then the nearer, then the
					 * earlier hit. */
					if (bod < bd || (bod == bd && (orank > hr ||
					    (orank == hr && (od < d ||
					     (od == d && j < i))))))
						best = 0;
				}
				if (!best)
					continue;
			}
			size_t before = field_size(&c->ev, h->kind, h->field);

			fill_field(x, &c->ev, h->kind, h->field,
				   x->t.norm + h->nstart, h->nend - h->nstart, 0);
			/* The mention covers the words the event was read
			 * from, the filled ones too. */
			if (field_size(&c->ev, h->kind, h->field) != before &&
			    span_distance(h->nstart, h->nend, c->mstart,
					  c->mend) <= EXTRACT_MENTION_REACH) {
				if (h->nstart < c->nstart)
					c->nstart = h->nstart;
				if (h->nend > c->nend)
					c->nend = h->nend;
			}
		}
	}
	set_mention(x, c);
}

/* Starts a candidate for rule r matching [m0, m1) of sentence si. */
static struct cand *new_cand(struct extractor *x, uint32_t r, uint32_t si,
			     uint32_t m0, uint32_t m1)
{
	const struct rs_rule *rule = &x->rs->rules[r];
	struct cand *c;
	struct ev_mention *m;

	if (grow((void **)&x->cand, &x->cap_cand, x->ncand + 1, sizeof(*x->cand)))
		return NULL;
	c = &x->cand[x->ncand++];
	event_init(&c->ev);
	c->ev.type = rule->type;
	c->ev.article_id = x->a->id;
	c->ev.rule_pack = rule->pack;
	c->ev.rule_pack_version = rule->pack_version;
	c->nstart = m0;
	c->nend = m1;
	c->mstart = m0;
	c->mend = m1;
	c->sent = si;
	c->anaphor = 0;
	m = &c->ev.mentions[0];
	m->rule = rule->id;
	m->revision = rule->revision;
	c->ev.nmentions = 1;
	set_mention(x, c);
	return c;
}

/* Runs the candidate typed rules over the subject [s0, s1) (a sentence,
 * paragraph or the article) for rules of the given scope. */
static int run_rules(struct extractor *x, const uint32_t *cand, int ncand,
		     enum rp_scope scope, uint32_t s0, uint32_t s1,
		     uint32_t si, char *errstr, size_t errstr_size)
{
	const char *subj = x->t.norm + s0;
	size_t len = s1 - s0;
	int limit_hit = 0;

	for (int k = 0; k < ncand; k++) {
		const struct rs_rule *r = &x->rs->rules[cand[k]];
		const size_t *ov;
		size_t start = 0;
		int rc, checked = 0;

		if (!r->type || r->scope != scope)
			continue;
		while (start <= len &&
		       (rc = ruleset_match(x->rs, x->sc, cand[k], subj, len,
					   start, &ov)) == 1) {
			struct cand *c;
			size_t m0 = ov[0], m1 = ov[1];

			if (!checked) {
				checked = 1;
				if (r->nexcl &&
				    ruleset_excluded(x->rs, x->sc, cand[k], subj, len))
					break;
			}
			/* The match data is overwritten by the next call:
			 * fill the candidate first. */
			c = new_cand(x, cand[k], si, s0 + (uint32_t)m0,
				     s0 + (uint32_t)m1);
			if (!c)
				return -1;
			apply_set(x, &c->ev, r);
			apply_groups(x, &c->ev, r, subj, ov);
			for (size_t i = 0; i < r->nset; i++)
				if (strcmp(r->set[i].key, "merge") == 0)
					c->anaphor = strcmp(r->set[i].val, "anaphor") == 0 ? 1
						     : strcmp(r->set[i].val, "anaphor-only") == 0 ? 2
						     : 0;
			start = m1 > m0 ? m1 : m0 + 1;
		}
		if (rc == -2) {
			/* Report it, and let the other rules have the sentence. */
			snprintf(errstr, errstr_size,
				 "rule \"%s\" hit its match limit", r->id);
			limit_hit = 1;
			continue;
		}
		if (rc < 0) {
			snprintf(errstr, errstr_size,
				 "rule \"%s\": PCRE2 match error", r->id);
			return -1;
		}
	}
	return limit_hit ? -2 : 0;
}

static int str_eq(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

/* Case-insensitive strstr (strcasestr is a GNU extension). */
static const char *find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

/* One name "contains" another as whole words: "northern Ukraine" and
 * "Ukraine" agree; "Kyiv" and "Lviv" do not. */
static int names_agree(const char *a, const char *b)
{
	size_t la, lb;
	const char *p;

	if (!a || !b)
		return 1;
	if (strcasecmp(a, b) == 0)
		return 1;
	la = strlen(a);
	lb = strlen(b);
	if (la < lb) {
		const char *t = a;

		a = b;
		b = t;
		lb = la;
	}
	for (p = a; (p = find_ci(p, b)) != NULL; p++) {
		int left = p == a || p[-1] == ' ';
		int right = p[lb] == '\0' || p[lb] == ' ';

		if (left && right)
			return 1;
	}
	return 0;
}

static int dates_agree(const struct date_val *a, const struct date_val *b)
{
	if (a->prec == DATES_NONE || b->prec == DATES_NONE)
		return 1;
	if (a->y != b->y)
		return 0;
	if (a->prec == DATES_YEAR || b->prec == DATES_YEAR)
		return 1;
	if (a->m != b->m)
		return 0;
	if (a->prec == DATES_MONTH || b->prec == DATES_MONTH)
		return 1;
	return a->d == b->d;
}

static int shares_entity(const struct ev_entity *a, size_t na,
			 const struct ev_entity *b, size_t nb)
{
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (strcasecmp(a[i].name, b[j].name) == 0)
				return 1;
	return 0;
}

static int is_proposed(const struct event *e)
{
	return e->status && strcmp(e->status, "proposed") == 0;
}

static int is_call(const struct event *e)
{
	return e->modality && strcmp(e->modality, "call") == 0;
}

static int compatible(const struct event *e, const struct event *c)
{
	if (strcmp(e->type, c->type) != 0)
		return 0;
	if (!names_agree(e->location.name, c->location.name))
		return 0;
	if (!dates_agree(&e->date, &c->date))
		return 0;
	if (e->name && c->name && !str_eq(e->name, c->name))
		return 0;
	if (e->attacker.name && c->attacker.name &&
	    !str_eq(e->attacker.name, c->attacker.name))
		return 0;
	if (e->target.name && c->target.name &&
	    !str_eq(e->target.name, c->target.name))
		return 0;
	/* A proposed meeting is not the one that was held; a call on others
	 * to act is not the caller's own pledge. */
	if (is_proposed(e) != is_proposed(c))
		return 0;
	if (is_call(e) != is_call(c))
		return 0;
	/* An imposition reported now is not a threat for later, and one
	 * party's pledge is not another's. */
	if (e->modality && c->modality && strcmp(e->modality, c->modality) != 0)
		return 0;
	if (e->npledgers && c->npledgers && !shares_entity(e->pledgers,
	    e->npledgers, c->pledgers, c->npledgers))
		return 0;
	return 1;
}

static void merge_into(struct event *e, const struct event *c)
{
	for (size_t i = 0; i < c->nmentions; i++) {
		size_t j;

		for (j = 0; j < e->nmentions; j++)
			if (e->mentions[j].start == c->mentions[i].start &&
			    e->mentions[j].end == c->mentions[i].end)
				break;
		if (j == e->nmentions && e->nmentions < EVX_MAX_MENTIONS_PER_EVENT)
			e->mentions[e->nmentions++] = c->mentions[i];
	}
	/* A more specific place wins over the country it is in. */
	if (!e->location.name ||
	    (c->location.name && strlen(c->location.name) > strlen(e->location.name) &&
	     names_agree(e->location.name, c->location.name)))
		e->location = c->location.name ? c->location : e->location;
	if (e->date.prec < c->date.prec && dates_agree(&e->date, &c->date))
		e->date = c->date;
	if (!e->attacker.name)
		e->attacker = c->attacker;
	e->weapons |= c->weapons;
	if (e->killed < 0 || (c->killed > e->killed))
		e->killed = c->killed > e->killed ? c->killed : e->killed;
	if (e->injured < 0 || (c->injured > e->injured))
		e->injured = c->injured > e->injured ? c->injured : e->injured;
	if (!e->name)
		e->name = c->name;
	for (size_t i = 0; i < c->nparticipants; i++)
		add_entity(e->participants, &e->nparticipants, &c->participants[i]);
	for (size_t i = 0; i < c->nhosts; i++)
		add_entity(e->hosts, &e->nhosts, &c->hosts[i]);
	if (e->participant_count < 0)
		e->participant_count = c->participant_count;
	if (!e->format)
		e->format = c->format;
	else if (c->format && strcmp(e->format, c->format) != 0)
		e->format = "hybrid";
	if (!e->status)
		e->status = c->status;
	for (size_t i = 0; i < c->npledgers; i++)
		add_entity(e->pledgers, &e->npledgers, &c->pledgers[i]);
	if (!e->target.name)
		e->target = c->target;
	if (!e->measure)
		e->measure = c->measure;
	if (!e->condition)
		e->condition = c->condition;
	if (!e->modality)
		e->modality = c->modality;
	for (size_t i = 0; i < c->nfields; i++) {
		size_t j;

		for (j = 0; j < e->nfields; j++)
			if (strcmp(e->fields[j].key, c->fields[i].key) == 0)
				break;
		if (j == e->nfields && e->nfields < EVX_MAX_LIST_VALUES)
			e->fields[e->nfields++] = c->fields[i];
	}
}

/* Candidates of one type found in one sentence ("leaders will gather in
 * Kigali ... for a summit") report one event unless what their rules read
 * disagrees: they become one candidate, spanning both, before the fillers
 * run, so the fillers see the whole of it. Candidates from index first on
 * are the sentence's; merged ones are removed from the array. */
static void merge_sentence(struct extractor *x, size_t first)
{
	size_t n = first;

	for (size_t i = first; i < x->ncand; i++) {
		struct cand *b = &x->cand[i];
		size_t k;

		for (k = first; k < n; k++) {
			struct cand *a = &x->cand[k];

			if (!compatible(&a->ev, &b->ev) ||
			    span_distance(a->mstart, a->mend, b->mstart,
					  b->mend) > EXTRACT_SENTENCE_MERGE_GAP)
				continue;
			if (b->nstart < a->nstart)
				a->nstart = b->nstart;
			if (b->nend > a->nend)
				a->nend = b->nend;
			if (b->mstart < a->mstart)
				a->mstart = b->mstart;
			if (b->mend > a->mend)
				a->mend = b->mend;
			a->anaphor = a->anaphor && b->anaphor
					     ? (a->anaphor < b->anaphor ? a->anaphor : b->anaphor)
					     : 0;
			merge_into(&a->ev, &b->ev);
			break;
		}
		if (k == n) {
			if (n != i)
				x->cand[n] = *b;
			n++;
		}
	}
	x->ncand = n;
}

static int cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->nstart != b->nstart)
		return a->nstart < b->nstart ? -1 : 1;
	return a->nend < b->nend ? -1 : a->nend > b->nend;
}

static int mention_cmp(const void *pa, const void *pb)
{
	const struct ev_mention *a = pa, *b = pb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->end < b->end ? -1 : a->end > b->end;
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* event_id: two FNV-1a 64 hashes (different bases) over the article id,
 * type, pack name@version and the first mention's span. */
static void assign_id(struct event *e)
{
	uint64_t h[2] = {0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL};
	char span[32];
	int n = snprintf(span, sizeof(span), "%u-%u",
			 e->nmentions ? e->mentions[0].start : 0,
			 e->nmentions ? e->mentions[0].end : 0);

	for (int i = 0; i < 2; i++) {
		h[i] = fnv1a(h[i], e->article_id, strlen(e->article_id) + 1);
		h[i] = fnv1a(h[i], e->type, strlen(e->type) + 1);
		if (e->rule_pack)
			h[i] = fnv1a(h[i], e->rule_pack, strlen(e->rule_pack) + 1);
		if (e->rule_pack_version)
			h[i] = fnv1a(h[i], e->rule_pack_version,
				     strlen(e->rule_pack_version) + 1);
		h[i] = fnv1a(h[i], span, (size_t)n);
	}
	snprintf(e->event_id, sizeof(e->event_id), "%016llx%016llx",
		 (unsigned long long)h[0], (unsigned long long)h[1]);
}

static int later_than_anchor(const struct date_val *d, const struct date_val *a)
{
	if (d->prec == DATES_NONE || a->prec == DATES_NONE)
		return 0;
	if (d->y != a->y)
		return d->y > a->y;
	if (d->prec == DATES_YEAR)
		return 0;
	if (d->m != a->m)
		return d->m > a->m;
	if (d->prec == DATES_MONTH)
		return 0;
	return d->d > a->d;
}

/* Type-specific completion once all mentions are in. */
static void finish_event(struct extractor *x, struct event *e,
			 const struct article_origin *origin)
{
	if (strcmp(e->type, "SANCTIONS_PLEDGE") == 0) {
		/* A stated trigger makes a commitment a threat. */
		if (e->condition && (!e->modality || !strcmp(e->modality, "pledge")))
			e->modality = "threat";
		if (!e->modality)
			e->modality = "pledge";
	}
	if (strcmp(e->type, "SUMMIT") == 0) {
		if (!e->status)
			e->status = later_than_anchor(&e->date, &x->anchor)
					    ? "scheduled" : "held";
		for (size_t i = 0; i < e->nhosts; i++)
			add_entity(e->participants, &e->nparticipants, &e->hosts[i]);
	}
	qsort(e->mentions, e->nmentions, sizeof(e->mentions[0]), mention_cmp);
	/* A meeting held and reported in the lead paragraph without a day is
	 * the day of the report: news leads report the day's meetings. */
	if (strcmp(e->type, "SUMMIT") == 0 && e->date.prec == DATES_NONE &&
	    e->status && strcmp(e->status, "held") == 0 &&
	    x->anchor.prec == DATES_DAY && e->nmentions &&
	    !memchr(x->a->body, '\n', e->mentions[0].start))
		e->date = x->anchor;
	if (origin) {
		e->topic = origin->topic;
		e->partition = origin->partition;
		e->offset = origin->offset;
	}
	assign_id(e);
}

/* The normalised offset of body offset off (orig[] is non-decreasing). */
static uint32_t norm_of(const struct text *t, uint32_t off)
{
	size_t lo = 0, hi = t->norm_len;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t->orig[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

/* Paragraph- and article-scoped fillers: each field an event still lacks
 * after merging takes the nearest hit in the paragraph of the event's first
 * mention (or anywhere in the article), a hit before the mention winning a
 * tie. This is how context outside the sentence ("Russia has continued its
 * bombardment ...") names an attacker the sentence leaves out. */
static int apply_context_fillers(struct extractor *x, const uint32_t *cand,
				 int ncand, char *errstr, size_t errstr_size)
{
	int nctx = 0, rc;

	if (!x->nevents)
		return 0;
	/* A context filler runs only when some event of a type it fills still
	 * lacks one of its fields: its hits serve nothing else. */
	if (grow((void **)&x->ctx, &x->cap_ctx, 2 * (size_t)ncand + 1,
		 sizeof(*x->ctx)))
		return -1;
	for (int k = 0; k < ncand; k++) {
		const struct rs_rule *f = &x->rs->rules[cand[k]];
		int needed = 0;

		if (f->type || f->scope == RP_SCOPE_SENTENCE)
			continue;
		for (size_t e = 0; e < x->nevents && !needed; e++) {
			if (!type_filled_by(f, x->events[e].type))
				continue;
			for (size_t g = 0; g < f->ngroups && !needed; g++)
				needed = !field_is_set(&x->events[e],
						       field_kind(f->groups[g].field),
						       f->groups[g].field);
		}
		if (needed)
			x->ctx[nctx++] = cand[k];
	}
	if (!nctx)
		return 0;
	x->nhits = 0;
	/* Each sentence runs only the fillers its prefilter segment allows. */
	for (size_t si = 0; si < x->t.nsent; si++) {
		const uint32_t *scand;
		int nscand = ruleset_segment_candidates(x->rs, x->sc, si, &scand);
		uint32_t *sctx = x->ctx + nctx;
		int n = 0;

		/* Both lists are in rule order: keep the needed ones. */
		for (int a = 0, b = 0; a < nscand && b < nctx;) {
			if (scand[a] < x->ctx[b])
				a++;
			else if (scand[a] > x->ctx[b])
				b++;
			else
				sctx[n++] = scand[a++], b++;
		}
		if (n == 0)
			continue;
		rc = collect_fill_hits(x, sctx, n, x->t.sent[si].start,
				       x->t.sent[si].end, 1, 0, errstr, errstr_size);
		if (rc == -2)
			x->limit_hit = 1;
		else if (rc < 0)
			return rc;
	}
	for (size_t k = 0; k < x->nevents; k++) {
		struct event *e = &x->events[k];
		uint32_t m0 = norm_of(&x->t, e->mentions[0].start);
		uint32_t m1 = norm_of(&x->t, e->mentions[0].end);
		int done[FK_MODALITY + 1] = {0};

		for (size_t i = 0; i < x->nhits; i++) {
			const struct fill_hit *h = &x->hits[i];
			const struct rs_rule *f = &x->rs->rules[h->rule];
			size_t best = i;
			uint32_t bd;

			if (done[h->kind] || !type_filled_by(f, e->type) ||
			    field_is_set(e, h->kind, h->field))
				continue;
			bd = UINT32_MAX;
			for (size_t j = 0; j < x->nhits; j++) {
				const struct fill_hit *o = &x->hits[j];
				const struct rs_rule *of = &x->rs->rules[o->rule];
				uint32_t lo, hi, d;

				if (o->kind != h->kind || !type_filled_by(of, e->type))
					continue;
				lo = o->nstart < m0 ? o->nstart : m0;
				hi = o->nstart < m0 ? m0 : o->nstart;
				if (of->scope == RP_SCOPE_PARAGRAPH &&
				    memchr(x->t.norm + lo, '\n', hi - lo))
					continue;
				d = span_distance(o->nstart, o->nend, m0, m1);
				/* Context after the mention counts double. */
				if (o->nstart >= m1)
					d = d > UINT32_MAX / 2 ? UINT32_MAX : d * 2;
				if (d < bd) {
					bd = d;
					best = j;
				}
			}
			if (bd == UINT32_MAX)
				continue;
			if (h->kind != FK_OTHER)
				done[h->kind] = 1;
			h = &x->hits[best];
			fill_field(x, e, h->kind, h->field, x->t.norm + h->nstart,
				   h->nend - h->nstart, 0);
		}
	}
	return 0;
}

static int merge_all(struct extractor *x, const struct article_origin *origin,
		     const uint32_t *cand, int ncand, char *errstr,
		     size_t errstr_size)
{
	int rc;

	for (size_t i = 0; i < x->ncand; i++) {
		struct cand *c = &x->cand[i];
		int target = -1;

		for (size_t k = x->nevents; k-- > 0;) {
			if (!compatible(&x->events[k], &c->ev))
				continue;
			/* The latest event it agrees with: for a candidate
			 * naming nothing, simply the latest of its type; for
			 * "the summit", the most reported one it agrees with. */
			if (!c->anaphor) {
				target = (int)k;
				break;
			}
			if (target < 0 || x->events[k].nmentions >
					      x->events[target].nmentions)
				target = (int)k;
		}
		/* "the summit" that agrees with no event is still the
		 * latest one of its type, not a new one. */
		if (target < 0 && c->anaphor) {
			/* The most reported one (latest on a tie); what the
			 * sentence around "the summit" says of place and date
			 * belongs to something else then. */
			for (size_t k = 0; k < x->nevents; k++)
				if (strcmp(x->events[k].type, c->ev.type) == 0 &&
				    !is_proposed(&x->events[k]) &&
				    (target < 0 || x->events[k].nmentions >=
					 x->events[target].nmentions))
					target = (int)k;
			if (target >= 0) {
				c->ev.location = (struct ev_entity){0};
				c->ev.date.prec = DATES_NONE;
				c->ev.name = NULL;
			}
		}
		/* "claimed the attack" with no attack reported before and
		 * nothing of its own to say is not an event. */
		if (target < 0 && c->anaphor == 2)
			continue;
		if (target < 0 && c->anaphor && !c->ev.location.name &&
		    c->ev.date.prec == DATES_NONE && !c->ev.name &&
		    !c->ev.nparticipants && !c->ev.nhosts && c->ev.killed < 0 &&
		    c->ev.injured < 0)
			continue;
		if (target >= 0) {
			merge_into(&x->events[target], &c->ev);
			continue;
		}
		if (x->nevents >= EVX_MAX_EVENTS_PER_ARTICLE) {
			/* Keep the first events and finish them; the article
			 * goes to the DLQ as well (extract_limit). */
			if (!x->limit) {
				x->limit = "too_many_events";
				snprintf(errstr, errstr_size,
					 "more than %d events in one article",
					 EVX_MAX_EVENTS_PER_ARTICLE);
			}
			continue;
		}
		if (grow((void **)&x->events, &x->cap_events, x->nevents + 1,
			 sizeof(*x->events)))
			return -1;
		x->events[x->nevents++] = c->ev;
	}
	rc = apply_context_fillers(x, cand, ncand, errstr, errstr_size);
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < x->nevents; k++)
		finish_event(x, &x->events[k], origin);
	return 0;
}

/* The last cap of extract_article: a sentence cut at EVX_MAX_SENTENCE_BYTES
 * (-2, with the message), whether or not any rule was a candidate. */
static int cut_sentence(struct extractor *x, char *errstr, size_t errstr_size)
{
	if (!x->t.ncut)
		return 0;
	x->limit = "sentence_too_long";
	snprintf(errstr, errstr_size,
		 "a sentence longer than %d bytes was cut (%zu cuts)",
		 EVX_MAX_SENTENCE_BYTES, x->t.ncut);
	return -2;
}

int extract_article(struct extractor *x, const struct article *a,
		    const struct article_origin *origin, struct event **events,
		    size_t *nevents, char *errstr, size_t errstr_size)
{
	const uint32_t *cand;
	int ncand, rc = 0, limit_hit = 0;
	size_t para0 = 0;

	*events = NULL;
	*nevents = 0;
	x->a = a;
	x->ncand = 0;
	x->nevents = 0;
	x->limit_hit = 0;
	x->limit = NULL;
	x->nmatch = 0;
	if (x->budget_ms)
		clock_gettime(CLOCK_MONOTONIC, &x->t0);
	if (!a->published_at || dates_parse_anchor(a->published_at, &x->anchor))
		memset(&x->anchor, 0, sizeof(x->anchor));
	if (text_normalise(&x->t, a->body, a->body_len) || text_split(&x->t)) {
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	/* The prefilter tells, per sentence, which rules can match there:
	 * most sentences run no rule at all. Segments run from the end of the
	 * previous sentence, so the gaps between sentences belong to one. */
	if (grow((void **)&x->seg_end, &x->cap_seg, x->t.nsent + 1,
		 sizeof(*x->seg_end))) {
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	for (size_t si = 0; si < x->t.nsent; si++)
		x->seg_end[si] = x->t.sent[si].end;
	if (ruleset_scan(x->rs, x->sc, x->t.norm, x->t.norm_len, x->seg_end,
			 x->t.nsent) < 0) {
		snprintf(errstr, errstr_size, "prefilter scan failed");
		return -1;
	}
	ncand = ruleset_segment_candidates(x->rs, x->sc, RULESET_ALL, &cand);
	if (ncand <= 0)
		return cut_sentence(x, errstr, errstr_size);

	for (size_t si = 0; si < x->t.nsent; si++) {
		const struct text_span *sp = &x->t.sent[si];
		size_t first = x->ncand;
		const uint32_t *scand;
		int nscand = ruleset_segment_candidates(x->rs, x->sc, si, &scand);

		/* The budget is checked between rule runs: one run is bounded
		 * by the PCRE2 match limit, an article of many is not. */
		if (nscand > 0 && over_budget(x))
			return budget_spent(x, si, errstr, errstr_size);
		rc = run_rules(x, scand, nscand, RP_SCOPE_SENTENCE, sp->start,
			       sp->end, (uint32_t)si, errstr, errstr_size);
		if (rc == -2)
			limit_hit = 1;
		else if (rc < 0)
			return rc;
		/* Paragraph-scoped rules run once per paragraph, at its last
		 * sentence. */
		if (si + 1 == x->t.nsent ||
		    memchr(x->t.norm + sp->end, '\n',
			   x->t.sent[si + 1].start - sp->end)) {
			rc = run_rules(x, cand, ncand, RP_SCOPE_PARAGRAPH,
				       x->t.sent[para0].start, sp->end,
				       (uint32_t)si, errstr, errstr_size);
			para0 = si + 1;
			if (rc == -2)
				limit_hit = 1;
			else if (rc < 0)
				return rc;
		}
		if (x->ncand == first)
			continue;
		merge_sentence(x, first);
		x->nhits = 0;
		rc = collect_fill_hits(x, scand, nscand, sp->start, sp->end, 0,
				       first, errstr, errstr_size);
		if (rc == -2)
			limit_hit = 1;
		else if (rc < 0)
			return rc;
		for (size_t c = first; c < x->ncand; c++)
			apply_fillers(x, &x->cand[c], first);
	}
	if (x->t.nsent) {
		if (over_budget(x))
			return budget_spent(x, x->t.nsent - 1, errstr, errstr_size);
		rc = run_rules(x, cand, ncand, RP_SCOPE_ARTICLE, 0,
			       (uint32_t)x->t.norm_len, 0, errstr, errstr_size);
		if (rc == -2)
			limit_hit = 1;
		else if (rc < 0)
			return rc;
	}
	if (x->ncand)
		qsort(x->cand, x->ncand, sizeof(*x->cand), cand_cmp);
	rc = merge_all(x, origin, cand, ncand, errstr, errstr_size);
	if (rc < 0)
		return rc;
	*events = x->events;
	*nevents = x->nevents;
	/* Which cap to name when several were hit: a rule's match limit
	 * first (its message is in errstr), then the events cap, then a cut
	 * sentence. */
	if (limit_hit || x->limit_hit)
		x->limit = "match_limit";
	return x->limit ? -2 : cut_sentence(x, errstr, errstr_size);
}
