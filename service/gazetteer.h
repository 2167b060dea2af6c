/*
 * gazetteer.h - surface forms to normalised names and codes.
 *
 * Built from the lists of the loaded rule packs (countries, demonyms, cities,
 * leaders, weapons, ...), then read-only and shared by all workers. A lookup
 * takes the text a rule captured ("Kiev", "Russian", "Mr Macron's") and gives
 * the entry ("Kyiv"/UA, "Russia"/RU, "Emmanuel Macron"/FR) and the list it
 * came from. Lookups ignore case, surrounding spaces, a leading "the", a
 * trailing possessive "'s" and honorifics ("Mr", "President", ...).
 */
#ifndef EVX_GAZETTEER_H
#define EVX_GAZETTEER_H

#include <stddef.h>

struct gaz_entry {
	const char *name;  /* normalised name, e.g. "Kyiv" */
	const char *code;  /* ISO 3166-1 alpha-2 or bloc code ("EU"), "" when none */
	const char *list;  /* list it belongs to, e.g. "city" */
};

struct gazetteer;

/* Returns an empty gazetteer, or NULL when out of memory. */
struct gazetteer *gazetteer_new(void);

/* Adds surface → (name, code) to list. Strings are copied. A surface form
 * already present in the same list is an error (-2); present in another list
 * is fine (lookups say which lists to search). Returns 0, -1 (memory), -2. */
int gazetteer_add(struct gazetteer *gz, const char *list, const char *surface,
		  const char *name, const char *code);

/* Looks s (len bytes) up in the named list, or in every list when list is
 * NULL (first added wins). Returns the entry or NULL. */
const struct gaz_entry *gazetteer_lookup(const struct gazetteer *gz,
					 const char *list, const char *s,
					 size_t len);

/* Number of surface forms held. */
size_t gazetteer_size(const struct gazetteer *gz);

/* NULL-safe. */
void gazetteer_destroy(struct gazetteer *gz);

#endif
