/*
 * test_article.c - decoding articles: every error kind with its message, the
 * limits at and just over, UTF-8 validation, and the protobuf round trip.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "article.h"
#include "check.h"
#include "limits.h"

struct json_case {
	const char *name;
	const char *json;
	int want;                /* enum article_err */
	const char *msg;         /* expected error message, or NULL when OK */
	const char *body;        /* expected body when OK */
};

static const struct json_case json_cases[] = {
	{ "minimal", "{\"id\":\"a1\",\"body\":\"Missiles hit the port.\"}",
	  ARTICLE_OK, NULL, "Missiles hit the port." },
	{ "empty body allowed", "{\"id\":\"a1\",\"body\":\"\"}", ARTICLE_OK, NULL, "" },
	{ "whitespace around", " \n{\"id\":\"a1\",\"body\":\"x\"}\r\n\t ", ARTICLE_OK, NULL, "x" },
	{ "escapes decoded", "{\"id\":\"a\",\"body\":\"l1\\nl2 \\u00e9 \\\"q\\\" \\ud83d\\ude00\"}",
	  ARTICLE_OK, NULL, "l1\nl2 \xc3\xa9 \"q\" \xf0\x9f\x98\x80" },
	{ "escaped backslash before u0000 is not NUL", "{\"id\":\"a\",\"body\":\"a\\\\u0000b\"}",
	  ARTICLE_OK, NULL, "a\\u0000b" },
	{ "unknown members ignored", "{\"id\":\"a\",\"extra\":{\"k\":[1,2,{\"z\":null}]},\"body\":\"b\",\"n\":3}",
	  ARTICLE_OK, NULL, "b" },
	{ "null optional", "{\"id\":\"a\",\"body\":\"b\",\"title\":null,\"url\":null}",
	  ARTICLE_OK, NULL, "b" },
	{ "missing body", "{\"id\":\"a1\"}", ARTICLE_ERR_FIELD, "missing \"body\"", NULL },
	{ "missing id", "{\"body\":\"b\"}", ARTICLE_ERR_FIELD, "missing \"id\"", NULL },
	{ "body not a string", "{\"id\":\"a\",\"body\":42}", ARTICLE_ERR_FIELD,
	  "\"body\" is not a string", NULL },
	{ "body null", "{\"id\":\"a\",\"body\":null}", ARTICLE_ERR_FIELD,
	  "\"body\" is not a string", NULL },
	{ "id array", "{\"id\":[\"a\"],\"body\":\"b\"}", ARTICLE_ERR_FIELD,
	  "\"id\" is not a string", NULL },
	{ "title wrong type", "{\"id\":\"a\",\"body\":\"b\",\"title\":true}", ARTICLE_ERR_FIELD,
	  "\"title\" is not a string", NULL },
	{ "empty id", "{\"id\":\"\",\"body\":\"b\"}", ARTICLE_ERR_FIELD, "\"id\" is empty", NULL },
	{ "key case matters", "{\"ID\":\"a\",\"body\":\"b\"}", ARTICLE_ERR_FIELD, "missing \"id\"", NULL },
	{ "duplicate body", "{\"id\":\"a\",\"body\":\"b\",\"body\":\"c\"}", ARTICLE_ERR_FIELD,
	  "duplicate \"body\"", NULL },
	{ "NUL escape", "{\"id\":\"a\",\"body\":\"ab\\u0000cd\"}", ARTICLE_ERR_FIELD,
	  "NUL character in string at byte 20", NULL },
	{ "truncated", "{\"id\":\"a\",\"body\":", ARTICLE_ERR_JSON, "invalid JSON at byte 16", NULL },
	{ "bad token", "{\"id\":\"a\",\"body\":nope}", ARTICLE_ERR_JSON, "invalid JSON at byte 17", NULL },
	{ "empty input", "", ARTICLE_ERR_JSON, "invalid JSON at byte 0", NULL },
	{ "lone surrogate escape", "{\"id\":\"a\",\"body\":\"\\ud800\"}", ARTICLE_ERR_JSON,
	  "invalid JSON at byte 18", NULL },
	{ "trailing data", "{\"id\":\"a\",\"body\":\"b\"} {}", ARTICLE_ERR_JSON,
	  "unexpected data after the JSON value at byte 22", NULL },
	{ "not an object", "[{\"id\":\"a\",\"body\":\"b\"}]", ARTICLE_ERR_JSON,
	  "article is not a JSON object", NULL },
	{ "a string", "\"x\"", ARTICLE_ERR_JSON, "article is not a JSON object", NULL },
	{ "invalid UTF-8", "{\"id\":\"a\",\"body\":\"ab\xff\"}", ARTICLE_ERR_UTF8,
	  "invalid UTF-8 at byte 20", NULL },
	{ "overlong slash", "{\"id\":\"a\",\"body\":\"\xc0\xaf\"}", ARTICLE_ERR_UTF8,
	  "invalid UTF-8 at byte 18", NULL },
	{ "encoded surrogate", "{\"id\":\"a\",\"title\":\"\xed\xa0\x80\",\"body\":\"b\"}",
	  ARTICLE_ERR_UTF8, "invalid UTF-8 at byte 19", NULL },
	{ "invalid UTF-8 in a key", "{\"i\xe2\x82\":\"a\"}", ARTICLE_ERR_UTF8,
	  "invalid UTF-8 at byte 3", NULL },
};

/* Builds {"id":"d","body":"b","x":<depth-1 nested arrays>} with the whole
 * document nested depth levels deep. */
static char *nested(int depth)
{
	size_t n = (size_t)depth * 2 + 64;
	char *s = malloc(n), *p = s;

	p += sprintf(p, "{\"id\":\"d\",\"body\":\"b\",\"x\":");
	for (int i = 1; i < depth; i++)
		*p++ = '[';
	for (int i = 1; i < depth; i++)
		*p++ = ']';
	if (depth == 1)
		*p++ = '0';
	strcpy(p, "}");
	return s;
}

/* An object with n members: id, body and n - 2 others. */
static char *members(int n)
{
	char *s = malloc((size_t)n * 16 + 64), *p = s;

	p += sprintf(p, "{\"id\":\"m\",\"body\":\"b\"");
	for (int i = 2; i < n; i++)
		p += sprintf(p, ",\"k%d\":%d", i, i);
	strcpy(p, "}");
	return s;
}

static void test_json_table(struct arena *ar)
{
	for (size_t i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		const struct json_case *c = &json_cases[i];
		struct article a;
		char err[256] = "";
		int rc = article_decode_json(c->json, strlen(c->json), 0, ar, &a,
					     err, sizeof(err));

		if (rc != c->want)
			fprintf(stderr, "case \"%s\": rc %d (%s)\n", c->name, rc, err);
		CHECK_INT(rc, c->want);
		if (c->msg) {
			if (strcmp(err, c->msg) != 0)
				fprintf(stderr, "case \"%s\"\n", c->name);
			CHECK_STR(err, c->msg);
			CHECK(a.id == NULL && a.body == NULL);
		} else if (rc == ARTICLE_OK) {
			CHECK_STR(a.body, c->body);
			CHECK_INT(a.body_len, strlen(c->body));
		}
		arena_reset(ar);
	}
}

static void test_json_fields(struct arena *ar)
{
	static const char js[] =
		"{\"id\":\"seed-9\",\"body\":\"Text.\",\"published_at\":\"2025-09-04T10:00:00Z\","
		"\"title\":\"A title\",\"source\":\"example.org\",\"url\":\"https://example.org/a\","
		"\"language\":\"en\"}";
	static const char js2[] = "{\"id\":\"x\",\"body\":\"y\",\"title\":null}";
	struct article a;
	char err[128];

	CHECK_INT(article_decode_json(js, sizeof(js) - 1, 0, ar, &a, err, sizeof(err)), 0);
	CHECK_STR(a.id, "seed-9");
	CHECK_STR(a.body, "Text.");
	CHECK_INT(a.body_len, 5);
	CHECK_STR(a.published_at, "2025-09-04T10:00:00Z");
	CHECK_STR(a.title, "A title");
	CHECK_STR(a.source, "example.org");
	CHECK_STR(a.url, "https://example.org/a");
	CHECK_STR(a.language, "en");

	CHECK_INT(article_decode_json(js2, sizeof(js2) - 1, 0, ar, &a, err, sizeof(err)), 0);
	CHECK(a.title == NULL);
	CHECK(a.published_at == NULL && a.source == NULL && a.url == NULL &&
	      a.language == NULL);

	/* The buffer need not end in NUL: what follows len is not read. */
	static const char tail[] = "{\"id\":\"t\",\"body\":\"only this\"}GARBAGE";
	CHECK_INT(article_decode_json(tail, sizeof(tail) - 1 - 7, 0, ar, &a, err,
				      sizeof(err)), 0);
	CHECK_STR(a.body, "only this");
	arena_reset(ar);
}

static void test_json_limits(struct arena *ar)
{
	static const char js[] = "{\"id\":\"a\",\"body\":\"0123456789\"}";
	size_t n = sizeof(js) - 1;
	struct article a;
	char err[128], want[128];
	char *s;

	/* Exactly at the limit passes, one byte over fails. */
	CHECK_INT(article_decode_json(js, n, n, ar, &a, err, sizeof(err)), 0);
	CHECK_INT(article_decode_json(js, n, n - 1, ar, &a, err, sizeof(err)),
		  ARTICLE_ERR_SIZE);
	snprintf(want, sizeof(want), "article is %zu bytes, over the limit of %zu", n, n - 1);
	CHECK_STR(err, want);

	/* max_bytes 0 is the built-in limit. */
	s = malloc(EVX_MAX_ARTICLE_BYTES + 2);
	memset(s, ' ', EVX_MAX_ARTICLE_BYTES + 1);
	memcpy(s, js, n);
	CHECK_INT(article_decode_json(s, EVX_MAX_ARTICLE_BYTES, 0, ar, &a, err,
				      sizeof(err)), 0);
	CHECK_INT(article_decode_json(s, EVX_MAX_ARTICLE_BYTES + 1, 0, ar, &a, err,
				      sizeof(err)), ARTICLE_ERR_SIZE);
	free(s);

	/* Depth: EVX_MAX_JSON_DEPTH levels pass, one more fails at its bracket. */
	s = nested(EVX_MAX_JSON_DEPTH);
	CHECK_INT(article_decode_json(s, strlen(s), 0, ar, &a, err, sizeof(err)), 0);
	free(s);
	s = nested(EVX_MAX_JSON_DEPTH + 1);
	CHECK_INT(article_decode_json(s, strlen(s), 0, ar, &a, err, sizeof(err)),
		  ARTICLE_ERR_DEPTH);
	snprintf(want, sizeof(want), "JSON nested deeper than %d levels at byte %d",
		 EVX_MAX_JSON_DEPTH, 25 + EVX_MAX_JSON_DEPTH - 1);
	CHECK_STR(err, want);
	free(s);
	/* Very deep input never reaches cJSON's recursion. */
	s = nested(100000);
	CHECK_INT(article_decode_json(s, strlen(s), 0, ar, &a, err, sizeof(err)),
		  ARTICLE_ERR_DEPTH);
	free(s);
	/* Brackets inside strings do not count. */
	static const char br[] = "{\"id\":\"a\",\"body\":\"[[[[[[[[[[[[[[[[[[[[[[{{{{{{\"}";
	CHECK_INT(article_decode_json(br, sizeof(br) - 1, 0, ar, &a, err, sizeof(err)), 0);

	/* Members: EVX_MAX_JSON_FIELDS pass, one more fails. */
	s = members(EVX_MAX_JSON_FIELDS);
	CHECK_INT(article_decode_json(s, strlen(s), 0, ar, &a, err, sizeof(err)), 0);
	free(s);
	s = members(EVX_MAX_JSON_FIELDS + 1);
	CHECK_INT(article_decode_json(s, strlen(s), 0, ar, &a, err, sizeof(err)),
		  ARTICLE_ERR_FIELDS);
	snprintf(want, sizeof(want), "article has more than %d members", EVX_MAX_JSON_FIELDS);
	CHECK_STR(err, want);
	free(s);
	arena_reset(ar);
}

struct utf8_case {
	const char *s;
	long want;
};

static const struct utf8_case utf8_cases[] = {
	{ "", -1 },
	{ "plain ascii", -1 },
	{ "a longer plain ascii run of text", -1 },
	{ "caf\xc3\xa9", -1 },
	{ "\xe2\x82\xac 5", -1 },
	{ "\xf0\x9f\x98\x80", -1 },
	{ "\xf4\x8f\xbf\xbf", -1 },              /* U+10FFFF */
	{ "\xed\x9f\xbf", -1 },                  /* U+D7FF */
	{ "\xee\x80\x80", -1 },                  /* U+E000 */
	{ "abcdefghijklmno\xff", 15 },           /* after the 8-byte fast path */
	{ "\x80", 0 },                           /* lone continuation */
	{ "ab\xc0\x80", 2 },                     /* overlong NUL */
	{ "\xc1\xbf", 0 },                       /* overlong */
	{ "x\xe0\x80\xaf", 1 },                  /* overlong 3-byte */
	{ "\xf0\x80\x80\xaf", 0 },               /* overlong 4-byte */
	{ "\xed\xa0\x80", 0 },                   /* surrogate U+D800 */
	{ "\xed\xbf\xbf", 0 },                   /* surrogate U+DFFF */
	{ "\xf4\x90\x80\x80", 0 },               /* U+110000 */
	{ "\xf5\x80\x80\x80", 0 },
	{ "ok \xe2\x82", 3 },                    /* truncated at the end */
	{ "\xe2\x28\xa1", 0 },                   /* bad continuation */
	{ "12345678\xc3", 8 },
	{ "\xc3\xa9\xc3", 2 },
};

static void test_utf8(void)
{
	for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		long got = article_utf8_check(utf8_cases[i].s, strlen(utf8_cases[i].s));

		if (got != utf8_cases[i].want)
			fprintf(stderr, "utf8 case %zu\n", i);
		CHECK_INT(got, utf8_cases[i].want);
	}
	/* Length, not NUL, ends the input. */
	CHECK_INT(article_utf8_check("ab\0\xff", 4), 3);
	CHECK_INT(article_utf8_check("ab\xff", 2), -1);
}

static void test_pb(struct arena *ar)
{
	struct article in = {
		.id = "pb-1", .body = "Drones struck \xe2\x80\x9cthe depot\xe2\x80\x9d.",
		.published_at = "2025-09-04", .title = "Title", .source = "src",
		.url = "https://u", .language = "en",
	}, out;
	uint8_t *buf = NULL;
	size_t len = 0;
	char err[128], want[128];

	in.body_len = strlen(in.body);
	CHECK_INT(article_encode_pb(&in, &buf, &len), 0);
	CHECK_INT(article_decode_pb(buf, len, 0, ar, &out, err, sizeof(err)), 0);
	CHECK_STR(out.id, in.id);
	CHECK_STR(out.body, in.body);
	CHECK_INT(out.body_len, in.body_len);
	CHECK_STR(out.published_at, in.published_at);
	CHECK_STR(out.title, in.title);
	CHECK_STR(out.source, in.source);
	CHECK_STR(out.url, in.url);
	CHECK_STR(out.language, in.language);

	/* At the limit and one over. */
	CHECK_INT(article_decode_pb(buf, len, len, ar, &out, err, sizeof(err)), 0);
	CHECK_INT(article_decode_pb(buf, len, len - 1, ar, &out, err, sizeof(err)),
		  ARTICLE_ERR_SIZE);
	snprintf(want, sizeof(want), "article is %zu bytes, over the limit of %zu", len, len - 1);
	CHECK_STR(err, want);
	free(buf);

	/* Absent optional fields stay NULL; an empty body is fine. */
	struct article bare = { .id = "pb-2", .body = "" };
	CHECK_INT(article_encode_pb(&bare, &buf, &len), 0);
	CHECK_INT(article_decode_pb(buf, len, 0, ar, &out, err, sizeof(err)), 0);
	CHECK_STR(out.id, "pb-2");
	CHECK_STR(out.body, "");
	CHECK_INT(out.body_len, 0);
	CHECK(out.title == NULL && out.published_at == NULL && out.language == NULL);
	free(buf);

	/* proto3 has no absent id: an empty one is missing. */
	struct article noid = { .id = "", .body = "b" };
	CHECK_INT(article_encode_pb(&noid, &buf, &len), 0);
	CHECK_INT(article_decode_pb(buf, len, 0, ar, &out, err, sizeof(err)),
		  ARTICLE_ERR_FIELD);
	CHECK_STR(err, "missing \"id\"");
	free(buf);

	/* Invalid UTF-8 in a string field. */
	struct article bad = { .id = "pb-3", .body = "ok \xed\xa0\x80" };
	CHECK_INT(article_encode_pb(&bad, &buf, &len), 0);
	CHECK_INT(article_decode_pb(buf, len, 0, ar, &out, err, sizeof(err)),
		  ARTICLE_ERR_UTF8);
	CHECK_STR(err, "invalid UTF-8 in \"body\" at byte 3");
	free(buf);

	/* A NUL byte inside the body: id "n", body "a\0b", written by hand. */
	static const uint8_t nul[] = { 0x0a, 1, 'n', 0x12, 3, 'a', 0, 'b' };
	CHECK_INT(article_decode_pb(nul, sizeof(nul), 0, ar, &out, err, sizeof(err)),
		  ARTICLE_ERR_FIELD);
	CHECK_STR(err, "NUL character in \"body\"");

	/* Unknown fields are skipped. */
	static const uint8_t unk[] = { 0x0a, 1, 'n', 0x12, 1, 'b', 0x48, 0x05,
				       0x52, 2, 0, 0 };
	CHECK_INT(article_decode_pb(unk, sizeof(unk), 0, ar, &out, err, sizeof(err)), 0);
	CHECK_STR(out.body, "b");

	/* Not a message: a truncated length, then a wrong wire type. */
	static const uint8_t trunc[] = { 0x0a, 10, 'n' };
	CHECK_INT(article_decode_pb(trunc, sizeof(trunc), 0, ar, &out, err, sizeof(err)),
		  ARTICLE_ERR_PROTOBUF);
	CHECK_STR(err, "not a valid protobuf Article");
	static const uint8_t wire[] = { 0x08, 0x01 };
	CHECK_INT(article_decode_pb(wire, sizeof(wire), 0, ar, &out, err, sizeof(err)),
		  ARTICLE_ERR_PROTOBUF);
	arena_reset(ar);
}

static void test_reasons(void)
{
	CHECK_STR(article_reason(ARTICLE_ERR_JSON), "bad_json");
	CHECK_STR(article_reason(ARTICLE_ERR_FIELD), "missing_field");
	CHECK_STR(article_reason(ARTICLE_ERR_UTF8), "invalid_utf8");
	CHECK_STR(article_reason(ARTICLE_ERR_SIZE), "too_large");
	CHECK_STR(article_reason(ARTICLE_ERR_FIELDS), "too_many_fields");
	CHECK_STR(article_reason(ARTICLE_ERR_DEPTH), "too_deep");
	CHECK_STR(article_reason(ARTICLE_ERR_PROTOBUF), "bad_protobuf");
	CHECK_STR(article_reason(ARTICLE_ERR_NOMEM), "out_of_memory");
}

int main(void)
{
	struct arena ar = { 0 };

	test_json_table(&ar);
	test_json_fields(&ar);
	test_json_limits(&ar);
	test_utf8();
	test_pb(&ar);
	test_reasons();
	arena_free(&ar);
	return CHECK_DONE();
}
