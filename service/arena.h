/*
 * arena.h - a bump allocator reset once per article.
 *
 * Extraction builds many small strings (field values, mention texts). They
 * all die together when the article is done, so they come from an arena that
 * is reset, not freed: the hot path does not call malloc per match once the
 * arena has grown to its working size.
 */
#ifndef EVX_ARENA_H
#define EVX_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;  /* current block; older ones chained behind */
	size_t used_total;         /* bytes handed out since the last reset */
};

/* Returns size bytes aligned for any type, or NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t size);

/* Copies len bytes of s and NUL-terminates them. */
char *arena_strndup(struct arena *a, const char *s, size_t len);
char *arena_strdup(struct arena *a, const char *s);

/* Forgets everything handed out; keeps the largest block for reuse. */
void arena_reset(struct arena *a);

/* Frees all blocks; the struct itself may live anywhere. NULL-safe. */
void arena_free(struct arena *a);

#endif
