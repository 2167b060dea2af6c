/*
 * rulestest.h - running the inline examples of a rule pack.
 *
 * Every rule may carry `match:` examples (text, optional published_at, the
 * fields expected of the event) and `no_match:` examples. The runner
 * extracts each example text as an article of its own with the compiled
 * ruleset and checks the outcome. `evextract rules test` prints its report;
 * the service runs it on a reloaded pack before swapping it in, and keeps the
 * old pack when an example fails.
 */
#ifndef EVX_RULESTEST_H
#define EVX_RULESTEST_H

#include <stddef.h>
#include <stdio.h>

#include "rulepack.h"
#include "ruleset.h"

/* Runs every example of every rule of rp (the specs rs was built from).
 * Writes to report (NULL: nothing) one line per rule, "ok   ID (N examples)"
 * or, per failing example, "FAIL ID: FILE:LINE: match example: <why>"; with
 * verbose, every example and rules without examples too; then a summary line.
 *
 * A match example of a rule with a type passes when some event of that type
 * comes from this rule and every expected field has exactly the expected
 * values (event_field_values(): compared as sets, case-insensitive, white
 * space trimmed; numbers and dates as strings). An event comes from the rule
 * when one of its mentions names the rule, or when the rule's own pattern
 * matches the (normalised) text, exclusions included, overlapping one of its
 * mentions: the extractor keeps one mention, the longer, for overlapping
 * matches of one type, so a rule that fired can hide in another's mention.
 * A match example of a filler passes when some event of a type it fills has
 * every expected field. A no_match example of a rule with a type passes when
 * no event comes from this rule. Events do not record which filler gave a
 * field, so a no_match example of a filler passes when the filler could not
 * have given anything: no event of a type it fills was produced, or the
 * filler's pattern matches nowhere in the text, exclusions included.
 *
 * Sets *npassed and *nfailed (either may be NULL). Returns 0 when the
 * examples ran, -1 when they could not (no memory for an extractor). */
int rulestest_run(const struct rulepack *rp, const struct ruleset *rs,
		  FILE *report, int verbose, size_t *npassed, size_t *nfailed);

#endif
