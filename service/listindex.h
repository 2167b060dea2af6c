/*
 * listindex.h - where the forms of big lists occur in a text.
 *
 * Built once from every form of every big list (immutable, shared by all
 * threads); a scan of an article reports each occurrence of a form that
 * could take part in a match of a list in a pattern: one that starts and
 * ends at a boundary. A boundary is the start or end of the text, a
 * position next to a byte that is not an ASCII word character ([A-Za-z0-9_],
 * what PCRE2's \w is without UCP), or one of the caller's extra bounds
 * (where sentence subjects are cut, which PCRE2 also takes as text ends).
 * A form of a caseless list matches ignoring ASCII case, any other byte for
 * byte, as the list callouts accept them.
 */
#ifndef EVX_LISTINDEX_H
#define EVX_LISTINDEX_H

#include <stddef.h>
#include <stdint.h>

struct listindex;

/* A form: its bytes, the list it belongs to, whether that list is caseless. */
struct listindex_form {
	const char *s;
	uint32_t len;
	uint32_t list;
	int caseless;
};

/* Copies nothing: forms[i].s must outlive the index. NULL when out of
 * memory. */
struct listindex *listindex_new(const struct listindex_form *forms, size_t n);

/* NULL-safe. */
void listindex_destroy(struct listindex *ix);

/* Calls emit(ctx, start, end, list) for every bounded occurrence in
 * text[0, len), by increasing start (at one start, in no set order).
 * bounds: nbounds extra boundary offsets, increasing. Stops and returns -1
 * when emit returns nonzero; else 0. */
int listindex_scan(const struct listindex *ix, const char *text, size_t len,
		   const uint32_t *bounds, size_t nbounds,
		   int (*emit)(void *ctx, uint32_t start, uint32_t end,
			       uint32_t list),
		   void *ctx);

#endif
