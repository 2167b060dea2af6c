/*
 * ruleset.h - compiled rule packs: immutable, shared, matched with scratch.
 *
 * ruleset_build() expands macros and lists into PCRE2 patterns, compiles
 * them with JIT, builds the gazetteer from the lists and one Vectorscan
 * database that prefilters all rules in a single pass over an article. After
 * the build nothing in a ruleset changes: any number of threads match with
 * it at once, each with its own ruleset_scratch (match data, JIT stack,
 * Vectorscan scratch, candidate list).
 *
 * Patterns: {name} refers to a macro or a list (identifiers only, so PCRE2
 * quantifiers like {2,3} are left alone). A list expands to a case-sensitive
 * (unless the list says otherwise) alternation of its surface forms, longest
 * first, that does not match inside a word. Patterns are compiled caseless,
 * UTF-8, with duplicate group names allowed. A named group fills the field of
 * the same name; a suffix of digits or "_digits" is dropped, so participant1
 * and participant_2 both fill "participant".
 */
#ifndef EVX_RULESET_H
#define EVX_RULESET_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "gazetteer.h"
#include "rulepack.h"

struct rs_group {
	int num;             /* capture group number */
	const char *field;   /* field it fills (suffix dropped) */
};

struct rs_kv {               /* a constant field set by the rule */
	const char *key;
	const char *val;
};

struct rs_rule {
	const char *id;
	int revision;
	const char *idrev;   /* "id@revision", for provenance */
	const char *type;    /* NULL for a filler */
	const char *const *fill; /* filler: event types it completes */
	size_t nfill;
	enum rp_scope scope;
	pcre2_code *re;
	pcre2_code **excl;
	size_t nexcl;
	struct rs_group *groups;
	size_t ngroups;
	struct rs_kv *set;
	size_t nset;
	const char *pack;
	const char *pack_version;
	int prefiltered;     /* 0: the rule is a candidate for every article */
};

struct ruleset {
	struct rs_rule *rules;
	size_t nrules;
	struct gazetteer *gz;
	struct rp_pack *packs;  /* name and version of each pack (copies) */
	size_t npacks;
	char hash[17];          /* hex FNV-1a of every compiled pattern, for ids and metrics */
	void *priv;             /* build internals: owned strings, Vectorscan db */
};

struct ruleset_scratch;

/* Compiles specs. Errors go to d as "file:line: rule "id": message" (PCRE2
 * errors with their offset in the expanded pattern); with any error the
 * result is NULL. rp may be destroyed afterwards: the ruleset copies what it
 * keeps. */
struct ruleset *ruleset_build(const struct rulepack *rp, struct diag *d);

/* NULL-safe. */
void ruleset_destroy(struct ruleset *rs);

/* Per-thread matching state. NULL and errstr filled on failure. */
struct ruleset_scratch *ruleset_scratch_new(const struct ruleset *rs,
					    char *errstr, size_t errstr_size);
void ruleset_scratch_destroy(struct ruleset_scratch *sc);

/* One Vectorscan pass over s as a single segment: the candidate rules
 * (fillers included) whose literals occur, plus every rule that cannot be
 * prefiltered, in rule order.
 * Sets *cand to an array in sc (valid until the next call) and returns the
 * count, or -1 on a Vectorscan error. */
int ruleset_candidates(const struct ruleset *rs, struct ruleset_scratch *sc,
		       const char *s, size_t len, const uint32_t **cand);

/* Prefilters s (len bytes), split into nseg segments (the sentences),
 * segment i being [seg_end[i-1], seg_end[i]) (seg_end increasing,
 * exclusive; the first starts at 0). One Vectorscan pass over the whole
 * text finds every occurrence of the rules' required literals; from it
 * ruleset_segment_candidates() lists the candidates of the text and of
 * each segment: the rules whose factor sets all occur in it, plus every
 * rule that cannot be prefiltered. Another pass, before it, indexes where
 * each big list occurs: a required big list is a factor too, and the list
 * callouts and ruleset_match() answer from that index. seg_end must stay valid
 * until the next scan. Returns 0, or -1 on a Vectorscan error or out of memory. */
int ruleset_scan(const struct ruleset *rs, struct ruleset_scratch *sc,
		 const char *s, size_t len, const uint32_t *seg_end,
		 size_t nseg);

#define RULESET_ALL ((size_t)-1)

/* Candidate rules of segment seg of the last scan, or of the whole text
 * with seg == RULESET_ALL, in rule order. Sets *cand to an array in sc
 * (one for segments, one for the whole text; each valid until its next
 * call) and returns the count, or -1 for a segment out of range. */
int ruleset_segment_candidates(const struct ruleset *rs,
			       struct ruleset_scratch *sc, size_t seg,
			       const uint32_t **cand);

/* Matches rule r of rs in subject[0, len) starting at start (the leftmost
 * match from there, as one PCRE2 search finds it; in the text of the last
 * scan, a rule whose matches all start with a big list is tried only where
 * that list occurs). On a match
 * returns 1 and sets *ov to the PCRE2 ovector (pairs, 2 * (groups+1));
 * returns 0 for no match, and -2 when the match or depth limit was hit
 * (PCRE2_ERROR_MATCHLIMIT / DEPTHLIMIT), -1 on another PCRE2 error. */
int ruleset_match(const struct ruleset *rs, struct ruleset_scratch *sc,
		  uint32_t r, const char *subject, size_t len, size_t start,
		  const size_t **ov);

/* Returns 1 when an exclusion pattern of rule r matches subject[0, len). */
int ruleset_excluded(const struct ruleset *rs, struct ruleset_scratch *sc,
		     uint32_t r, const char *subject, size_t len);

/* Convenience: load path and build. NULL when anything failed (see d). */
struct ruleset *ruleset_load(const char *path, struct diag *d);

#endif
