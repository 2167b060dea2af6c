/*
 * patlint.h - warnings about rule patterns that can run away, and about
 * rules that nothing tests from the negative side.
 *
 * PCRE2 backtracks: some pattern shapes take time exponential or high
 * polynomial in the length of a sentence that almost matches, and in the
 * service such a rule just hits its match limit on every long sentence. The
 * linter reads a pattern's structure (no PCRE2 involved) and names three
 * shapes:
 *   PATLINT_NESTED    an unbounded repeat inside a repeated group, where the
 *                     rest of the group can match nothing: (a+)+, (\w+\s?)*;
 *   PATLINT_ADJACENT  two unbounded repeats that can match the same
 *                     characters with only optional parts between them:
 *                     .*.*, \w+\s*\w+, [^,]*\s*.+;
 *   PATLINT_WILDCARD  an unbounded wildcard (., [^x], \S, \W, \D repeated
 *                     without bound) with an alternation or a list both
 *                     before and after it: (?:met|held).*(?:summit|talks).
 * Possessive repeats (a++) and atomic groups ((?>...)) are never reported:
 * they do not backtrack. These are heuristics: a warning is a reason to
 * look, not proof, and a clean pattern can still be slow.
 *
 * Single-threaded, no state: call it from any thread.
 */
#ifndef EVX_PATLINT_H
#define EVX_PATLINT_H

#include <stddef.h>

#include "diag.h"
#include "rulepack.h"

enum patlint_kind {
	PATLINT_NESTED = 1,
	PATLINT_ADJACENT = 2,
	PATLINT_WILDCARD = 4,
};

/* Looks at one pattern as written in a pack: {name} references are taken as
 * lists (a bounded alternation of words); expand macros first to look
 * through them (patlint_pack does). Returns the PATLINT_ kinds found, ORed
 * (0: nothing), and fills why (when why_size > 0) with one line per kind,
 * separated by "; ", each quoting the part of the pattern concerned. A
 * pattern it cannot follow (unbalanced parentheses, too deep) gives 0. */
unsigned patlint_pattern(const char *pattern, char *why, size_t why_size);

/* Lints every rule of rp: its pattern and exclusions, with the pack's macros
 * expanded, and whether an event rule has no no_match example. Each finding
 * is a warning in d, "file:line: warning: rule "id": pattern: ...". Returns
 * the number of warnings added. */
size_t patlint_pack(const struct rulepack *rp, struct diag *d);

#endif
