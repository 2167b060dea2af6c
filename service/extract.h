/*
 * extract.h - one article in, its events out.
 *
 * The engine's front door, shared by the command line, the service workers
 * and the tests; it knows nothing of Kafka or files. An extractor is
 * per-thread state (text buffers, arena, ruleset scratch) used with one
 * shared, immutable ruleset. For each article it normalises and splits the
 * body, prefilters the rules in one pass, runs the candidate rules on each
 * sentence, fills fields from named groups, fillers and the gazetteer,
 * resolves dates and counts, merges mentions of one real-world event and
 * assigns deterministic event ids.
 */
#ifndef EVX_EXTRACT_H
#define EVX_EXTRACT_H

#include <stddef.h>

#include "article.h"
#include "event.h"
#include "ruleset.h"

struct extractor;

/* Per-thread extractor for rs (which must outlive it). NULL and errstr
 * filled on failure. */
struct extractor *extract_new(const struct ruleset *rs, char *errstr,
			      size_t errstr_size);
void extract_destroy(struct extractor *x);

/* The arena that extract_begin() resets. Decode each article into it after
 * calling extract_begin(), so the article and its events die together. */
struct arena *extract_arena(struct extractor *x);

/* Forgets the previous article's events and strings. */
void extract_begin(struct extractor *x);

/* Sets the time budget of each article in milliseconds (0: none); the
 * default is EVX_ARTICLE_TIME_BUDGET_MS. */
void extract_set_time_budget(struct extractor *x, long ms);

/* Extracts the events of a. On success returns 0 and sets *events / *nevents
 * (valid until the next extract_begin). Returns -2 when the article hit a cap
 * but its events so far are still given: a rule hit its PCRE2 match or depth
 * limit (errstr names the rule), more than EVX_MAX_EVENTS_PER_ARTICLE events
 * (the first ones are kept), or a sentence was cut at EVX_MAX_SENTENCE_BYTES.
 * Returns -1 on another failure (errstr says what), among them a spent time
 * budget (the article is abandoned). extract_limit() names the cap. */
int extract_article(struct extractor *x, const struct article *a,
		    const struct article_origin *origin, struct event **events,
		    size_t *nevents, char *errstr, size_t errstr_size);

/* The cap the last extract_article() hit, as the DLQ reason names it:
 * "match_limit" (PCRE2 match, depth, heap or JIT stack limit),
 * "too_many_events", "sentence_too_long" or "time_budget"; NULL when none. */
const char *extract_limit(const struct extractor *x);

#endif
