/*
 * article.h - decoding articles (JSON or protobuf) and checking them.
 *
 * An article is decoded into a struct article whose strings live in the
 * caller's arena, so a worker decodes many articles without freeing. Decoding
 * checks the contract of spec/EVENTS.md: an object, a string "id" and "body",
 * valid UTF-8 everywhere, the size limit. Errors are written into a caller
 * buffer as one line saying what and where ("missing \"body\"", "invalid
 * UTF-8 in \"body\" at byte 88"); the caller adds file:line or
 * topic/partition/offset.
 */
#ifndef EVX_ARTICLE_H
#define EVX_ARTICLE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

struct article {
	const char *id;
	const char *body;
	size_t body_len;
	const char *published_at; /* NULL when absent */
	const char *title;        /* NULL when absent */
	const char *source;
	const char *url;
	const char *language;
};

/* Where an article came from, carried into each event's provenance. */
struct article_origin {
	const char *topic;        /* NULL offline */
	int32_t partition;        /* -1 offline */
	int64_t offset;           /* -1 offline; the line number offline is not an offset */
};

/* Error codes, also the DLQ reasons (article_reason()). */
enum article_err {
	ARTICLE_OK = 0,
	ARTICLE_ERR_JSON = -1,     /* not parseable JSON, or not an object */
	ARTICLE_ERR_FIELD = -2,    /* a required field missing or of the wrong type */
	ARTICLE_ERR_UTF8 = -3,     /* invalid UTF-8 */
	ARTICLE_ERR_SIZE = -4,     /* over the size limit */
	ARTICLE_ERR_DEPTH = -5,    /* nested deeper than EVX_MAX_JSON_DEPTH */
	ARTICLE_ERR_PROTOBUF = -6, /* not a valid Article message */
	ARTICLE_ERR_NOMEM = -7,
	ARTICLE_ERR_FIELDS = -8,   /* more than EVX_MAX_JSON_FIELDS members */
};

/* Short stable name of an error ("bad_json", "missing_field", ...). */
const char *article_reason(int err);

/* Decodes one JSON article of len bytes (need not be NUL-terminated) into a,
 * strings in arena. max_bytes is the size limit (0: EVX_MAX_ARTICLE_BYTES).
 * Returns ARTICLE_OK or a negative enum article_err with errstr filled. */
int article_decode_json(const char *buf, size_t len, size_t max_bytes,
			struct arena *arena, struct article *a, char *errstr,
			size_t errstr_size);

/* The same for a protobuf evextract.v1.Article. */
int article_decode_pb(const uint8_t *buf, size_t len, size_t max_bytes,
		      struct arena *arena, struct article *a, char *errstr,
		      size_t errstr_size);

/* Encodes a as a protobuf Article into a malloc'ed buffer (*out, *outlen).
 * Returns 0 or -1 (memory). Used by tests and the replay tools. */
int article_encode_pb(const struct article *a, uint8_t **out, size_t *outlen);

/* Returns the byte offset of the first invalid UTF-8 sequence in s, or -1
 * when all len bytes are valid (overlongs, surrogates and > U+10FFFF are
 * invalid). */
long article_utf8_check(const char *s, size_t len);

#endif
