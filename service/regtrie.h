/*
 * regtrie.h - a list of literal forms as a prefix-factored regex.
 *
 * regtrie_alternation() writes forms as one PCRE2 expression that matches
 * exactly what "form1|form2|..." sorted longest first matches, with the
 * same preference for the longest form, but factored by shared prefixes
 * so that a position of text costs a few comparisons, not one per form.
 */
#ifndef EVX_REGTRIE_H
#define EVX_REGTRIE_H

#include <stddef.h>

/* Returns the expression (malloc'd; the caller frees it) for the n forms,
 * taken literally, grouped ignoring ASCII case when caseless (the caller
 * wraps the result in (?i:...) then, or in (?-i:...) otherwise). Duplicate
 * forms are dropped. NULL when out of memory. */
char *regtrie_alternation(const char *const *forms, size_t n, int caseless);

#endif
