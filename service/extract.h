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

/* Extracts the events of a. On success returns 0 and sets *events / *nevents
 * (valid until the next extract_begin). Returns -2 when a rule hit its PCRE2
 * match or depth limit (errstr names the rule; the events found so far are
 * still given), -1 on another failure (errstr says what). */
int extract_article(struct extractor *x, const struct article *a,
		    const struct article_origin *origin, struct event **events,
		    size_t *nevents, char *errstr, size_t errstr_size);

#endif
