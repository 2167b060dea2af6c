/*
 * numbers.h - counts stated in text ("at least 19", "two", "a dozen").
 */
#ifndef EVX_NUMBERS_H
#define EVX_NUMBERS_H

#include <stddef.h>

/* Parses a count expression of len bytes (any case): digits with optional
 * thousands separators ("1,200"), number words up to the millions
 * ("twenty-five", "one hundred and twelve", "thirty"), "a dozen"/"dozen",
 * "a hundred", with optional leading qualifiers that keep the stated figure
 * ("at least", "more than", "over", "some", "about", "around", "nearly",
 * "almost", "up to", "as many as", "roughly", "an estimated") and optional
 * trailing words after the number, which are ignored ("19 people"). Vague
 * quantities ("dozens", "hundreds", "scores", "several", "many") are not
 * numbers. Returns 0 and the value, or -1. */
int numbers_parse(const char *s, size_t len, long *out);

#endif
