/*
 * text.h - normalised view of an article body, and its sentences.
 *
 * Rules match a normalised copy of the body: typographic quotes and
 * apostrophes become ASCII ' and ", dashes become '-', non-breaking and other
 * Unicode spaces become ' ', the ellipsis becomes "...". Case is kept (the
 * rules match case-insensitively where they mean to, and proper names in
 * gazetteers match case-sensitively). Every byte of the normalised copy
 * remembers the offset of the original byte it came from, so spans reported
 * to users are offsets into the original UTF-8 body.
 */
#ifndef EVX_TEXT_H
#define EVX_TEXT_H

#include <stddef.h>
#include <stdint.h>

struct text_span {
	uint32_t start, end;  /* half-open, in normalised bytes */
};

struct text {
	char *norm;            /* normalised bytes, NUL-terminated */
	size_t norm_len;
	uint32_t *orig;        /* orig[i]: body offset of norm[i]; orig[norm_len] = body length */
	struct text_span *sent;  /* sentences in order, covering the non-blank text */
	size_t nsent;
	size_t cap_norm, cap_sent; /* allocated sizes, reused between articles */
	size_t ncut;           /* cuts text_split made in over-long sentences */
};

/* Normalises body (len bytes, valid UTF-8) into t, reusing t's buffers.
 * Returns 0, or -1 when out of memory. */
int text_normalise(struct text *t, const char *body, size_t len);

/* Splits t->norm into sentences (t->sent). Paragraph breaks ('\n') always end
 * a sentence; '.', '!' and '?' end one unless they belong to an abbreviation
 * ("U.S.", "Mr.", "Aug. 28", "Gen.", initials "J. R."), a number ("3.5") or
 * an ellipsis inside a quote. Closing quotes and brackets after the stop stay
 * in the sentence. Sentences longer than EVX_MAX_SENTENCE_BYTES are cut
 * (counted in t->ncut, so the caller can report the article). Returns 0,
 * or -1 when out of memory. */
int text_split(struct text *t);

/* Maps a normalised span to original body offsets. */
static inline void text_to_orig(const struct text *t, uint32_t nstart,
				uint32_t nend, uint32_t *ostart, uint32_t *oend)
{
	*ostart = t->orig[nstart];
	*oend = t->orig[nend];
}

/* Frees t's buffers (t itself may live anywhere). NULL-safe. */
void text_free(struct text *t);

#endif
