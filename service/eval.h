/*
 * eval.h - scoring extracted events against gold annotations.
 *
 * Implements "Gold annotations" of spec/EVENTS.md. Load one or more gold
 * JSONL files, then hand over each article's body and predicted events; the
 * evaluator matches them at once (the events need not outlive the call) and
 * keeps only counts and, for the verbose report, one line per miss, false
 * positive and wrong field.
 *
 * Matching, per article: every evidence string is located in the body by
 * exact substring search, every occurrence being a span. A prediction and a
 * gold event of the same type are a candidate pair when one mention span
 * overlaps one evidence span; its weight is the largest overlap in bytes.
 * Pairs with required gold events are taken greedily, largest overlap first
 * (ties: earlier gold event, then earlier prediction), each gold event and
 * each prediction at most once. A prediction left unmatched that overlaps an
 * optional gold event of its type is neutral; any other unmatched prediction
 * is a false positive (also one that overlaps a required event another
 * prediction already took). Predictions for an article without a gold line
 * are all false positives. Gold articles never handed over count their
 * required events as misses.
 *
 * Scores, read literally from EVENTS.md: a prediction is matched when one of
 * its mentions overlaps the evidence of a required gold event of its type
 * (two predictions on one gold event are both matched, and one prediction
 * overlapping two gold events finds both: the spec asks for no one-to-one
 * pairing); one that matches only optional gold is neutral. Fields of a
 * found gold event are scored against the prediction overlapping it most.
 * precision = matched predictions / predictions not neutral, recall =
 * required gold events matched by some prediction / required gold; precision is 1 when nothing was predicted, recall
 * 1 when nothing is required, F1 = 2PR/(P+R) and 0 when P+R is 0. So every
 * number is defined (no NaN).
 *
 * Field accuracy, over matched pairs: each field of the gold event except
 * type, required and evidence is compared with event_field_values() of the
 * prediction. Both sides are taken as sets of strings: a gold string is a
 * set of one, a gold number its decimal form, a list its items. Strings are
 * compared case-insensitively after trimming, collapsing white space and
 * turning curly quotes straight; "date" and numbers must be equal exactly.
 * A field the prediction lacks is wrong. Accuracy is correct / compared,
 * 1 when nothing was compared.
 */
#ifndef EVX_EVAL_H
#define EVX_EVAL_H

#include <stddef.h>
#include <stdio.h>

#include "event.h"

struct eval;

struct eval_scores {
	size_t gold_required;    /* required gold events */
	size_t predicted;        /* predictions, neutral ones excluded */
	size_t neutral;          /* predictions on optional gold events only */
	size_t matched;          /* required gold events found (recall) */
	size_t pred_matched;     /* predictions overlapping a required gold event (precision) */
	size_t false_positives;  /* predicted - pred_matched */
	size_t missed;           /* gold_required - matched */
	double precision, recall, f1;
	size_t fields_compared, fields_correct;
	double field_accuracy;
};

/* Returns an empty evaluator, or NULL when out of memory. */
struct eval *eval_new(void);

/* Frees everything; NULL-safe. */
void eval_destroy(struct eval *ev);

/* Loads a gold JSONL file: one object per line, {"article_id": "...",
 * "events": [{"type", "required" (default true), "evidence": [strings],
 * fields...}]}; blank lines are skipped. Field values are strings, integers,
 * arrays of strings, an object with a "name" (taken as that name) or null
 * (ignored). May be called for several files. Returns 0, or -1 with errstr
 * "file:line: message" (nothing of that file is kept on error). */
int eval_load_gold(struct eval *ev, const char *path, char *errstr,
		   size_t errstr_size);

/* Scores one article's predicted events (nevents of them) against its gold.
 * The body (body_len bytes) is used to locate the evidence; evidence not
 * found there is reported on stderr once and counted as a gold problem.
 * Returns 0, -1 when out of memory, or -2 when the article was added before
 * (nothing counted again). */
int eval_add_article(struct eval *ev, const char *article_id, const char *body,
		     size_t body_len, const struct event *events,
		     size_t nevents);

/* Fills out with the scores of one type, or of all types when type is NULL.
 * Returns 0, or -1 when type is not built in and appears neither in the
 * gold nor in the predictions (out then holds the scores of nothing: zeros,
 * P = R = 1). */
int eval_summary(const struct eval *ev, const char *type,
		 struct eval_scores *out);

/* Field accuracy of one gold field name over all types. Returns 0, or -1
 * when that field was never compared (both counts 0). */
int eval_field_summary(const struct eval *ev, const char *field,
		       size_t *correct, size_t *compared);

/* Writes the table of scores per type and overall, field accuracy overall
 * and per field, and the gold problems and coverage notes; with verbose,
 * every miss, false positive and wrong field, one per line. */
void eval_report(const struct eval *ev, FILE *fp, int verbose);

#endif
