/*
 * alttrie.h - the word alternations of a pattern, rewritten as tries.
 *
 * alttrie_rewrite() takes a PCRE2 pattern, as ruleset.c expands it from a
 * rule, and writes every run of two or more plain-word branches of a group
 * ("(?:killed|kills|kill|slain)") as a trie of their shared prefixes
 * ("(?:kill(?:ed|s)?|slain)") whenever that is provably the same
 * expression: the same matches, tried in the same order. A group of thirty
 * words then costs a few comparisons per position instead of thirty, and
 * its JIT code shrinks by the shared prefixes.
 */
#ifndef EVX_ALTTRIE_H
#define EVX_ALTTRIE_H

#include <stddef.h>

/* Returns the rewritten pattern (malloc'd; the caller frees it), a copy of
 * re when nothing applies or the pattern uses a construct the rewriter does
 * not follow; NULL when out of memory. */
char *alttrie_rewrite(const char *re);

/* Index just past the character class opening at p[i] == '[' (at the end
 * of p when it is not closed). */
size_t alttrie_class_end(const char *p, size_t i);

#endif
