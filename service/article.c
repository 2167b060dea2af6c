/*
 * article.c - decoding articles from JSON or protobuf, and checking them.
 *
 * Decoding is a pipeline of cheap checks before the expensive one: the size
 * limit, then UTF-8 over the whole raw buffer, then one scan of the JSON text
 * that measures nesting depth and finds "\u0000" escapes, and only then
 * cJSON. The scan runs first so that a hostile document never reaches cJSON's
 * recursive parser deeper than EVX_MAX_JSON_DEPTH, and so that a NUL escape,
 * which cJSON would silently turn into a truncated C string, is refused
 * instead ("NUL character in string at byte N", ARTICLE_ERR_FIELD): our
 * strings are C strings and offsets into the body must stay honest. Any
 * string member is checked, known or not, because the scan does not know
 * which member a string belongs to.
 *
 * Members: "id" and "body" are required strings, the id not empty (an
 * article without an id cannot be traced or de-duplicated); the body may be
 * empty. published_at, title, source, url and language are optional strings
 * (null means absent). A member of the wrong type is an error, unknown
 * members are ignored, and a known member given twice is an error (JSON does
 * not say which one wins). More than EVX_MAX_JSON_FIELDS members is reported
 * as ARTICLE_ERR_FIELDS ("too_many_fields"), so the DLQ names the cap.
 *
 * The result's strings are copies in the caller's arena; the cJSON tree (or
 * the unpacked protobuf message) is freed before returning. Protobuf strings
 * get the same checks; since protobuf-c also returns C strings, the raw
 * message is walked once to refuse NUL bytes inside the article's string
 * fields. Called from any worker thread; nothing here keeps state.
 *
 * Caveat: cJSON records its last error in a process-wide variable even when
 * the caller asks for the error position, as we do; we never read it.
 */
#include "article.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "article.pb-c.h"
#include "limits.h"

/* The known members, in struct article order after id and body. */
enum { ART_ID, ART_BODY, ART_PUBLISHED_AT, ART_TITLE, ART_SOURCE, ART_URL,
       ART_LANGUAGE, ART_NFIELDS };

static const char *const art_names[ART_NFIELDS] = {
	"id", "body", "published_at", "title", "source", "url", "language",
};

static void art_err(char *errstr, size_t errstr_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void art_err(char *errstr, size_t errstr_size, const char *fmt, ...)
{
	va_list ap;

	if (!errstr || errstr_size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errstr, errstr_size, fmt, ap);
	va_end(ap);
}

const char *article_reason(int err)
{
	switch (err) {
	case ARTICLE_OK:
		return "ok";
	case ARTICLE_ERR_JSON:
		return "bad_json";
	case ARTICLE_ERR_FIELD:
		return "missing_field";
	case ARTICLE_ERR_UTF8:
		return "invalid_utf8";
	case ARTICLE_ERR_SIZE:
		return "too_large";
	case ARTICLE_ERR_DEPTH:
		return "too_deep";
	case ARTICLE_ERR_PROTOBUF:
		return "bad_protobuf";
	case ARTICLE_ERR_NOMEM:
		return "out_of_memory";
	case ARTICLE_ERR_FIELDS:
		return "too_many_fields";
	}
	return "unknown";
}

/*
 * UTF-8 validation (RFC 3629). Eight ASCII bytes at a time are tested with
 * one mask; a non-ASCII lead byte is decoded by its class. The second byte's
 * allowed range depends on the lead: E0 needs A0..BF (no overlongs), ED needs
 * 80..9F (no surrogates), F0 needs 90..BF, F4 needs 80..8F (<= U+10FFFF).
 */
long article_utf8_check(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		if (len - i >= 8) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if ((w & UINT64_C(0x8080808080808080)) == 0) {
				i += 8;
				continue;
			}
		}
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		unsigned char lo = 0x80, hi = 0xBF;

		if (c >= 0xC2 && c <= 0xDF) {
			n = 2;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 3;
			if (c == 0xE0)
				lo = 0xA0;
			else if (c == 0xED)
				hi = 0x9F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 4;
			if (c == 0xF0)
				lo = 0x90;
			else if (c == 0xF4)
				hi = 0x8F;
		} else {
			return (long)i; /* continuation, C0/C1 overlong, F5..FF */
		}
		if (len - i < n)
			return (long)i;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return (long)i;
		for (size_t k = 2; k < n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return (long)i;
		i += n;
	}
	return -1;
}

/*
 * One pass over the JSON text outside cJSON: the deepest nesting of objects
 * and arrays (the top level counts 1), and the offset of the first "\u0000"
 * escape inside a string. Malformed text is not diagnosed here; cJSON does
 * that. Returns ARTICLE_OK, or ARTICLE_ERR_DEPTH with *where at the bracket
 * that went too deep. *nul_at is -1 when there is no NUL escape.
 */
static int art_scan(const char *buf, size_t len, size_t *where, long *nul_at)
{
	int depth = 0, in_str = 0;

	*nul_at = -1;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (c == '"') {
				in_str = 0;
			} else if (c == '\\' && i + 1 < len) {
				if (buf[i + 1] == 'u' && i + 5 < len &&
				    memcmp(buf + i + 2, "0000", 4) == 0 &&
				    *nul_at < 0)
					*nul_at = (long)i;
				i++; /* the escaped character, never a quote */
			}
			continue;
		}
		if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > EVX_MAX_JSON_DEPTH) {
				*where = i;
				return ARTICLE_ERR_DEPTH;
			}
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return ARTICLE_OK;
}

static int art_only_space(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return 0;
	return 1;
}

/* The size limit both decoders apply (0: EVX_MAX_ARTICLE_BYTES). */
static int art_check_size(size_t len, size_t max_bytes, char *errstr,
			  size_t errstr_size)
{
	if (max_bytes == 0)
		max_bytes = EVX_MAX_ARTICLE_BYTES;
	if (len <= max_bytes)
		return ARTICLE_OK;
	art_err(errstr, errstr_size, "article is %zu bytes, over the limit of %zu",
		len, max_bytes);
	return ARTICLE_ERR_SIZE;
}

/* Copies s (len bytes) into the arena after checking its UTF-8; the JSON
 * path has checked the raw text already, so this catches only what an
 * escape could produce. */
static int art_copy(struct arena *arena, const char *name, const char *s,
		    size_t len, const char **out, char *errstr,
		    size_t errstr_size)
{
	long bad = article_utf8_check(s, len);

	if (bad >= 0) {
		art_err(errstr, errstr_size, "invalid UTF-8 in \"%s\" at byte %ld",
			name, bad);
		return ARTICLE_ERR_UTF8;
	}
	*out = arena_strndup(arena, s, len);
	if (!*out) {
		art_err(errstr, errstr_size, "out of memory copying \"%s\"", name);
		return ARTICLE_ERR_NOMEM;
	}
	return ARTICLE_OK;
}

static const char **art_slot(struct article *a, int f)
{
	switch (f) {
	case ART_ID:
		return &a->id;
	case ART_BODY:
		return &a->body;
	case ART_PUBLISHED_AT:
		return &a->published_at;
	case ART_TITLE:
		return &a->title;
	case ART_SOURCE:
		return &a->source;
	case ART_URL:
		return &a->url;
	default:
		return &a->language;
	}
}

int article_decode_json(const char *buf, size_t len, size_t max_bytes,
			struct arena *arena, struct article *a, char *errstr,
			size_t errstr_size)
{
	cJSON *root = NULL;
	const cJSON *seen[ART_NFIELDS] = { NULL };
	const char *end = NULL;
	size_t where = 0, nmembers = 0;
	long bad, nul_at;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = art_check_size(len, max_bytes, errstr, errstr_size)) != ARTICLE_OK)
		goto out;
	bad = article_utf8_check(buf, len);
	if (bad >= 0) {
		art_err(errstr, errstr_size, "invalid UTF-8 at byte %ld", bad);
		rc = ARTICLE_ERR_UTF8;
		goto out;
	}
	if (art_scan(buf, len, &where, &nul_at) != ARTICLE_OK) {
		art_err(errstr, errstr_size,
			"JSON nested deeper than %d levels at byte %zu",
			EVX_MAX_JSON_DEPTH, where);
		rc = ARTICLE_ERR_DEPTH;
		goto out;
	}
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (!root) {
		/* cJSON sets end to the failing position; out of memory looks the
		 * same, which we cannot tell apart. */
		size_t at = end && end >= buf && end <= buf + len ? (size_t)(end - buf) : len;

		art_err(errstr, errstr_size, "invalid JSON at byte %zu", at);
		rc = ARTICLE_ERR_JSON;
		goto out;
	}
	if (end && !art_only_space(end, buf + len)) {
		while (end < buf + len && (*end == ' ' || *end == '\t' ||
					   *end == '\n' || *end == '\r'))
			end++;
		art_err(errstr, errstr_size,
			"unexpected data after the JSON value at byte %zu",
			(size_t)(end - buf));
		rc = ARTICLE_ERR_JSON;
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		art_err(errstr, errstr_size, "article is not a JSON object");
		rc = ARTICLE_ERR_JSON;
		goto out;
	}
	if (nul_at >= 0) {
		art_err(errstr, errstr_size, "NUL character in string at byte %ld",
			nul_at);
		rc = ARTICLE_ERR_FIELD;
		goto out;
	}
	for (const cJSON *m = root->child; m; m = m->next) {
		if (++nmembers > EVX_MAX_JSON_FIELDS) {
			art_err(errstr, errstr_size,
				"article has more than %d members",
				EVX_MAX_JSON_FIELDS);
			rc = ARTICLE_ERR_FIELDS;
			goto out;
		}
		for (int f = 0; f < ART_NFIELDS; f++) {
			if (!m->string || strcmp(m->string, art_names[f]) != 0)
				continue;
			if (seen[f]) {
				art_err(errstr, errstr_size, "duplicate \"%s\"",
					art_names[f]);
				rc = ARTICLE_ERR_FIELD;
				goto out;
			}
			seen[f] = m;
			break;
		}
	}
	for (int f = 0; f < ART_NFIELDS; f++) {
		const cJSON *m = seen[f];

		if (!m || (f > ART_BODY && cJSON_IsNull(m))) {
			if (f <= ART_BODY) {
				art_err(errstr, errstr_size, "missing \"%s\"",
					art_names[f]);
				rc = ARTICLE_ERR_FIELD;
				goto out;
			}
			continue;
		}
		if (!cJSON_IsString(m) || !m->valuestring) {
			art_err(errstr, errstr_size, "\"%s\" is not a string",
				art_names[f]);
			rc = ARTICLE_ERR_FIELD;
			goto out;
		}
		size_t slen = strlen(m->valuestring);
		if (f == ART_ID && slen == 0) {
			art_err(errstr, errstr_size, "\"id\" is empty");
			rc = ARTICLE_ERR_FIELD;
			goto out;
		}
		rc = art_copy(arena, art_names[f], m->valuestring, slen,
			      art_slot(a, f), errstr, errstr_size);
		if (rc != ARTICLE_OK)
			goto out;
		if (f == ART_BODY)
			a->body_len = slen;
	}
	rc = ARTICLE_OK;
out:
	cJSON_Delete(root);
	if (rc != ARTICLE_OK)
		memset(a, 0, sizeof(*a));
	return rc;
}

/* Reads a varint at *p (< end). Returns 0, or -1 when truncated/too long. */
static int art_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return -1;
		uint8_t b = *(*p)++;
		v |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* Walks the raw Article message and returns the number (1..7) of the first
 * string field whose bytes contain a NUL, 0 when none does, -1 when the wire
 * format is broken (the unpacker has accepted it, so that should not be). */
static int art_pb_nul_field(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;

	while (p < end) {
		uint64_t key, v;

		if (art_varint(&p, end, &key) < 0)
			return -1;
		switch (key & 7) {
		case 0:
			if (art_varint(&p, end, &v) < 0)
				return -1;
			break;
		case 1:
			if (end - p < 8)
				return -1;
			p += 8;
			break;
		case 5:
			if (end - p < 4)
				return -1;
			p += 4;
			break;
		case 2:
			if (art_varint(&p, end, &v) < 0 || v > (uint64_t)(end - p))
				return -1;
			if ((key >> 3) >= 1 && (key >> 3) <= ART_NFIELDS &&
			    memchr(p, 0, (size_t)v))
				return (int)(key >> 3);
			p += v;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

int article_decode_pb(const uint8_t *buf, size_t len, size_t max_bytes,
		      struct arena *arena, struct article *a, char *errstr,
		      size_t errstr_size)
{
	Evextract__V1__Article *msg = NULL;
	int rc, nulf;

	memset(a, 0, sizeof(*a));
	if ((rc = art_check_size(len, max_bytes, errstr, errstr_size)) != ARTICLE_OK)
		goto out;
	msg = evextract__v1__article__unpack(NULL, len, buf);
	if (!msg) {
		art_err(errstr, errstr_size, "not a valid protobuf Article");
		rc = ARTICLE_ERR_PROTOBUF;
		goto out;
	}
	nulf = art_pb_nul_field(buf, len);
	if (nulf < 0) {
		art_err(errstr, errstr_size, "not a valid protobuf Article");
		rc = ARTICLE_ERR_PROTOBUF;
		goto out;
	}
	if (nulf > 0) {
		art_err(errstr, errstr_size, "NUL character in \"%s\"",
			art_names[nulf - 1]);
		rc = ARTICLE_ERR_FIELD;
		goto out;
	}
	const char *vals[ART_NFIELDS] = {
		msg->id, msg->body, msg->published_at, msg->title, msg->source,
		msg->url, msg->language,
	};
	if (!msg->id || !msg->id[0]) {
		art_err(errstr, errstr_size, "missing \"id\"");
		rc = ARTICLE_ERR_FIELD;
		goto out;
	}
	for (int f = 0; f < ART_NFIELDS; f++) {
		const char *s = vals[f] ? vals[f] : "";
		size_t slen = strlen(s);

		/* proto3 cannot tell "" from absent: optional fields that are
		 * empty stay NULL; the body is always present. */
		if (f > ART_BODY && slen == 0)
			continue;
		rc = art_copy(arena, art_names[f], s, slen, art_slot(a, f),
			      errstr, errstr_size);
		if (rc != ARTICLE_OK)
			goto out;
		if (f == ART_BODY)
			a->body_len = slen;
	}
	rc = ARTICLE_OK;
out:
	if (msg)
		evextract__v1__article__free_unpacked(msg, NULL);
	if (rc != ARTICLE_OK)
		memset(a, 0, sizeof(*a));
	return rc;
}

int article_encode_pb(const struct article *a, uint8_t **out, size_t *outlen)
{
	Evextract__V1__Article msg = EVEXTRACT__V1__ARTICLE__INIT;
	const char *vals[ART_NFIELDS] = {
		a->id, a->body, a->published_at, a->title, a->source, a->url,
		a->language,
	};
	char **slots[ART_NFIELDS] = {
		&msg.id, &msg.body, &msg.published_at, &msg.title, &msg.source,
		&msg.url, &msg.language,
	};
	size_t size;
	uint8_t *p;

	/* The message only reads the strings; the casts drop const for the
	 * generated struct's sake. */
	for (int f = 0; f < ART_NFIELDS; f++)
		*slots[f] = (char *)(vals[f] ? vals[f] : "");
	size = evextract__v1__article__get_packed_size(&msg);
	p = malloc(size ? size : 1);
	if (!p)
		return -1;
	*outlen = evextract__v1__article__pack(&msg, p);
	*out = p;
	return 0;
}
