/*
 * test_gazetteer.c - lookups through the normalisation and title stripping.
 *
 * One small gazetteer is built from a table, then a table of queries says
 * which list to search and which name (or none) each must find.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gazetteer.h"

struct add_case {
	const char *list, *surface, *name, *code;
	int want;  /* gazetteer_add() status */
};

static const struct add_case adds[] = {
	{"country", "Russia", "Russia", "RU", 0},
	{"country", "Russian Federation", "Russia", "RU", 0},
	{"country", "United States", "United States", "US", 0},
	{"country", "U.S.", "United States", "US", 0},
	/* Same key as "U.S." for the same entry: accepted, not a second form. */
	{"country", "US", "United States", "US", 0},
	{"country", "The Netherlands", "Netherlands", "NL", 0},
	{"country", "Ukraine", "Ukraine", "UA", 0},
	{"demonym", "Russian", "Russia", "RU", 0},
	{"demonym", "French", "France", "FR", 0},
	{"city", "Kiev", "Kyiv", "UA", 0},
	{"city", "Kyiv", "Kyiv", "UA", 0},
	{"city", "Georgia", "Georgia (US state)", "US", 0},
	{"country", "Georgia", "Georgia", "GE", 0},
	{"leader", "Emmanuel Macron", "Emmanuel Macron", "FR", 0},
	{"leader", "Macron", "Emmanuel Macron", "FR", 0},
	{"leader", "Vladimir Putin", "Vladimir Putin", "RU", 0},
	{"leader", "Keir Starmer", "Keir Starmer", "GB", 0},
	{"org", "U.N.", "United Nations", "", 0},
	/* The same surface for another entry in the same list is refused. */
	{"city", "kiev", "Kiev Oblast", "UA", -2},
	{"country", "russia", "Somewhere else", "XX", -2},
	/* ... but fine in another list. */
	{"leader", "Russia", "Not a leader", "", 0},
};

struct lookup_case {
	const char *list;  /* NULL: every list */
	const char *query;
	const char *want_name;  /* NULL: not found */
	const char *want_list;
};

static const struct lookup_case lookups[] = {
	{"country", "Russia", "Russia", "country"},
	{"country", "RUSSIA", "Russia", "country"},
	{"country", "  russian   federation ", "Russia", "country"},
	{"country", "Russia's", "Russia", "country"},
	{"country", "Russia\xe2\x80\x99s", "Russia", "country"},
	{"country", "the Russian Federation", "Russia", "country"},
	{"country", "the United States'", "United States", "country"},
	{"country", "U.S.", "United States", "country"},
	{"country", "US", "United States", "country"},
	{"country", "U.S", "United States", "country"},
	{"country", "u.s.'s", "United States", "country"},
	{"country", "Netherlands", "Netherlands", "country"},
	{"country", "the Netherlands", "Netherlands", "country"},
	{"org", "UN", "United Nations", "org"},
	{"org", "the U.N.", "United Nations", "org"},
	{"city", "Kiev", "Kyiv", "city"},
	{"city", "Russia", NULL, NULL},
	{"demonym", "Russian", "Russia", "demonym"},
	{"country", "Russian", NULL, NULL},
	/* Any list: the first added wins. */
	{NULL, "Georgia", "Georgia (US state)", "city"},
	{"country", "Georgia", "Georgia", "country"},
	{NULL, "Russia", "Russia", "country"},
	/* Honorifics and titles. */
	{"leader", "Mr Macron", "Emmanuel Macron", "leader"},
	{"leader", "Mr. Macron's", "Emmanuel Macron", "leader"},
	{"leader", "President Emmanuel Macron", "Emmanuel Macron", "leader"},
	{"leader", "French President Emmanuel Macron", "Emmanuel Macron", "leader"},
	{"leader", "Russian President Vladimir Putin", "Vladimir Putin", "leader"},
	{"leader", "British Prime Minister Keir Starmer", "Keir Starmer", "leader"},
	{"leader", "Prime Minister Sir Keir Starmer", "Keir Starmer", "leader"},
	{"leader", "Ukrainian Vladimir Putin", NULL, NULL},
	{"leader", "French Macron", "Emmanuel Macron", "leader"},
	{"leader", "Mr Nobody", NULL, NULL},
	{"leader", "President", NULL, NULL},
	{"country", "northern Ukraine", NULL, NULL},
	{"country", "", NULL, NULL},
	{NULL, "Atlantis", NULL, NULL},
};

int main(void)
{
	struct gazetteer *gz = gazetteer_new();
	size_t nadded = 0;

	CHECK(gz != NULL);
	if (!gz)
		return CHECK_DONE();
	CHECK(gazetteer_lookup(gz, NULL, "Russia", 6) == NULL);
	for (size_t i = 0; i < sizeof(adds) / sizeof(adds[0]); i++) {
		const struct add_case *c = &adds[i];
		int rc = gazetteer_add(gz, c->list, c->surface, c->name, c->code);

		if (rc != c->want)
			fprintf(stderr, "add case %zu (%s)\n", i, c->surface);
		CHECK_INT(rc, c->want);
		if (rc == 0 && strcmp(c->surface, "US") != 0)
			nadded++;
	}
	CHECK_INT(gazetteer_size(gz), nadded);
	for (size_t i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		const struct lookup_case *c = &lookups[i];
		const struct gaz_entry *e = gazetteer_lookup(gz, c->list, c->query,
							     strlen(c->query));

		if ((e == NULL) != (c->want_name == NULL) ||
		    (e && strcmp(e->name, c->want_name) != 0))
			fprintf(stderr, "lookup case %zu (%s)\n", i, c->query);
		CHECK_STR(e ? e->name : NULL, c->want_name);
		CHECK_STR(e ? e->list : NULL, c->want_list);
	}
	/* Codes come back, and a query is bounded by len, not by its NUL. */
	{
		const struct gaz_entry *e = gazetteer_lookup(gz, NULL, "Kievan", 4);

		CHECK(e != NULL);
		CHECK_STR(e ? e->code : NULL, "UA");
		e = gazetteer_lookup(gz, "org", "UN", 2);
		CHECK_STR(e ? e->code : NULL, "");
	}
	/* Many forms: the table grows and every form is still found. */
	{
		char buf[64];
		int misses = 0;

		for (int i = 0; i < 5000; i++) {
			snprintf(buf, sizeof(buf), "Place %d", i);
			CHECK_INT(gazetteer_add(gz, "bulk", buf, buf, ""), 0);
		}
		for (int i = 0; i < 5000; i++) {
			const struct gaz_entry *e;

			snprintf(buf, sizeof(buf), "place  %d", i);
			e = gazetteer_lookup(gz, "bulk", buf, strlen(buf));
			snprintf(buf, sizeof(buf), "Place %d", i);
			if (!e || strcmp(e->name, buf) != 0)
				misses++;
		}
		CHECK_INT(misses, 0);
		CHECK_INT(gazetteer_size(gz), nadded + 5000);
	}
	gazetteer_destroy(gz);
	gazetteer_destroy(NULL);
	return CHECK_DONE();
}
