/*
 * arena.c - bump allocation in chained blocks, reset per article.
 *
 * Blocks double in size as needed. A reset frees all but the newest (which
 * is the largest), so after a few articles one block holds a whole article's
 * strings and allocation is a pointer bump. One arena belongs to one thread.
 */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_MIN_BLOCK (64 * 1024)
#define ARENA_ALIGN 16

struct arena_block {
	struct arena_block *prev;
	size_t size, used;
	unsigned char data[];
};

void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_block *b = a->head;
	size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);

	if (need < size)
		return NULL;
	if (!b || b->size - b->used < need) {
		size_t bsize = b ? b->size * 2 : ARENA_MIN_BLOCK;

		while (bsize < need)
			bsize *= 2;
		b = malloc(sizeof(*b) + bsize);
		if (!b)
			return NULL;
		b->prev = a->head;
		b->size = bsize;
		b->used = 0;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += need;
	a->used_total += need;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p = arena_alloc(a, len + 1);

	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_reset(struct arena *a)
{
	struct arena_block *b;

	if (!a->head)
		return;
	b = a->head->prev;
	while (b) {
		struct arena_block *prev = b->prev;

		free(b);
		b = prev;
	}
	a->head->prev = NULL;
	a->head->used = 0;
	a->used_total = 0;
}

void arena_free(struct arena *a)
{
	if (!a)
		return;
	arena_reset(a);
	free(a->head);
	a->head = NULL;
}
