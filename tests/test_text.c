/*
 * test_text.c - normalisation, its offset map, and sentence splitting.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "limits.h"
#include "text.h"

struct norm_case {
	const char *in, *want;
};

static const struct norm_case norm_cases[] = {
	{"plain ASCII stays.", "plain ASCII stays."},
	{"Case Is Kept", "Case Is Kept"},
	{"it\xE2\x80\x99s \xE2\x80\x98quoted\xE2\x80\x99", "it's 'quoted'"},
	{"low\xE2\x80\x9A high\xE2\x80\x9B", "low' high'"},
	{"5\xE2\x80\xB2 and 5\xE2\x80\xB3", "5' and 5\""},
	{"`tick'", "'tick'"},
	{"\xE2\x80\x9CHello\xE2\x80\x9D", "\"Hello\""},
	{"\xE2\x80\x9E" "low\xE2\x80\x9F", "\"low\""},
	{"\xC2\xAB" "guillemets\xC2\xBB", "\"guillemets\""},
	{"a\xE2\x80\x90" "b\xE2\x80\x91" "c\xE2\x80\x92" "d", "a-b-c-d"},
	{"en\xE2\x80\x93" "em\xE2\x80\x94" "bar\xE2\x80\x95" "x", "en-em-bar-x"},
	{"minus \xE2\x88\x92" "5", "minus -5"},
	{"no\xC2\xA0" "break", "no break"},
	{"en\xE2\x80\x82" "thin\xE2\x80\x89" "hair\xE2\x80\x8A" "x", "en thin hair x"},
	{"nnb\xE2\x80\xAF" "mm\xE2\x81\x9F" "ideo\xE3\x80\x80" "x", "nnb mm ideo x"},
	{"wait\xE2\x80\xA6 then", "wait... then"},
	{"zero\xE2\x80\x8Bwidth\xE2\x80\x8Cjoin\xE2\x80\x8D" "er", "zerowidthjoiner"},
	{"\xEF\xBB\xBF" "BOM first", "BOM first"},
	{"line\r\nbreak", "line\nbreak"},
	{"lone\rcr", "lone cr"},
	{"tab\there", "tab here"},
	{"ls\xE2\x80\xA8ps\xE2\x80\xA9" "end", "ls\nps\nend"},
	{"caf\xC3\xA9 \xD0\x9A\xD0\xB8\xD0\xB5\xD0\xB2", "caf\xC3\xA9 \xD0\x9A\xD0\xB8\xD0\xB5\xD0\xB2"},
	{"", ""},
};

/* Checks orig[] is non-decreasing, ends at the body length, and that every
 * byte copied unchanged points at that same byte. */
static void check_map(const struct text *t, const char *in)
{
	size_t len = strlen(in);

	CHECK_INT(t->orig[t->norm_len], len);
	for (size_t i = 0; i < t->norm_len; i++) {
		CHECK(t->orig[i] < len);
		CHECK(t->orig[i] <= t->orig[i + 1]);
		if ((unsigned char)t->norm[i] >= 0x80)
			CHECK_INT((unsigned char)in[t->orig[i]],
				  (unsigned char)t->norm[i]);
	}
}

static void test_normalise(void)
{
	struct text t = {0};

	for (size_t i = 0; i < sizeof(norm_cases) / sizeof(*norm_cases); i++) {
		const struct norm_case *c = &norm_cases[i];

		CHECK_INT(text_normalise(&t, c->in, strlen(c->in)), 0);
		CHECK_STR(t.norm, c->want);
		CHECK_INT(t.norm_len, strlen(c->want));
		check_map(&t, c->in);
	}
	text_free(&t);
}

/* A curly-quoted word's normalised span maps to the original bytes including
 * both three-byte quotes; a word after an ellipsis maps past it. */
static void test_offsets(void)
{
	struct text t = {0};
	const char *in = "He said \xE2\x80\x9Cno\xE2\x80\x9D\xE2\x80\xA6 ok";
	uint32_t os, oe;

	CHECK_INT(text_normalise(&t, in, strlen(in)), 0);
	CHECK_STR(t.norm, "He said \"no\"... ok");
	/* The span "\"no\"" is norm [8, 12). */
	text_to_orig(&t, 8, 12, &os, &oe);
	CHECK_INT(os, 8);
	CHECK_INT(oe, 16);
	CHECK(memcmp(in + os, "\xE2\x80\x9Cno\xE2\x80\x9D", oe - os) == 0);
	/* The word "no" alone maps inside the quotes. */
	text_to_orig(&t, 9, 11, &os, &oe);
	CHECK_INT(os, 11);
	CHECK_INT(oe, 13);
	/* Every '.' of the ellipsis points at its first byte; "ok" follows it. */
	CHECK_INT(t.orig[12], 16);
	CHECK_INT(t.orig[13], 16);
	CHECK_INT(t.orig[14], 16);
	text_to_orig(&t, 16, 18, &os, &oe);
	CHECK_INT(os, 20);
	CHECK_INT(oe, 22);
	CHECK(memcmp(in + os, "ok", 2) == 0);

	/* "\r\n" maps its '\n' to the original '\n'; a dropped zero-width
	 * space leaves the next byte pointing past it. */
	in = "a\r\nb\xE2\x80\x8B" "c";
	CHECK_INT(text_normalise(&t, in, strlen(in)), 0);
	CHECK_STR(t.norm, "a\nbc");
	CHECK_INT(t.orig[1], 2);
	CHECK_INT(t.orig[2], 3);
	CHECK_INT(t.orig[3], 7);
	CHECK_INT(t.orig[4], 8);

	/* An unwrapped line break becomes a space that maps to the '\n'. */
	in = "one\ntwo\nthree\nfour\n\nfive";
	CHECK_INT(text_normalise(&t, in, strlen(in)), 0);
	CHECK_STR(t.norm, "one two three four\n\nfive");
	CHECK_INT(t.orig[3], 3);
	CHECK(in[t.orig[3]] == '\n');
	text_free(&t);
}

/* Buffers are reused: a short article after a long one keeps the capacity
 * and leaves no stale sentences. */
static void test_reuse(void)
{
	struct text t = {0};
	size_t big = 100000, cap;
	char *s = malloc(big + 1);

	CHECK(s != NULL);
	if (!s)
		return;
	memset(s, 'x', big);
	s[big] = '\0';
	CHECK_INT(text_normalise(&t, s, big), 0);
	CHECK_INT(t.norm_len, big);
	cap = t.cap_norm;
	CHECK(cap >= big + 1);
	CHECK_INT(text_split(&t), 0);
	CHECK_INT(text_normalise(&t, "Hi. Yes.", 8), 0);
	CHECK_INT(t.cap_norm, cap);
	CHECK_INT(t.nsent, 0);
	CHECK_INT(text_split(&t), 0);
	CHECK_INT(t.nsent, 2);
	free(s);
	text_free(&t);
	CHECK(t.norm == NULL && t.nsent == 0);
	text_free(NULL);
}

struct split_case {
	const char *in;
	const char *want; /* sentences joined by '|' */
};

static const struct split_case split_cases[] = {
	{"The U.S. President spoke. He left.", "The U.S. President spoke.|He left."},
	{"Mr. Smith arrived. Mrs. Jones did not.", "Mr. Smith arrived.|Mrs. Jones did not."},
	{"It began on Aug. 28 the rockets fell.", "It began on Aug. 28 the rockets fell."},
	{"It began on Aug. 28. Then it stopped.", "It began on Aug. 28.|Then it stopped."},
	{"He said \"no.\" Then he left.", "He said \"no.\"|Then he left."},
	{"Why now? Nobody knows! Really.", "Why now?|Nobody knows!|Really."},
	{"What?! Are you sure?", "What?!|Are you sure?"},
	{"George W. Bush met J. R. R. Tolkien fans.", "George W. Bush met J. R. R. Tolkien fans."},
	{"Prices rose 3.5 percent. Rents fell.", "Prices rose 3.5 percent.|Rents fell."},
	{"First line without stop\nSecond line. Third.", "First line without stop|Second line.|Third."},
	{"He paused... then went on.", "He paused... then went on."},
	{"He paused... Then he went on.", "He paused...|Then he went on."},
	{"\"We will... We must,\" she said.", "\"We will... We must,\" she said."},
	{"Troops left the U.S.\nNew paragraph here.", "Troops left the U.S.|New paragraph here."},
	{"They met at 9 a.m. Thursday in Paris.", "They met at 9 a.m. Thursday in Paris."},
	{"Gen. Petrov and Sen. Cole spoke. Lt. Col. Ray did not.",
	 "Gen. Petrov and Sen. Cole spoke.|Lt. Col. Ray did not."},
	{"It was hit (again.) Later it burned.", "It was hit (again.)|Later it burned."},
	{"Rockets hit. 12 died. \"It was awful,\" he said.",
	 "Rockets hit.|12 died.|\"It was awful,\" he said."},
	{"He said no. Then he left.", "He said no.|Then he left."},
	{"  Leading and trailing spaces.   ", "Leading and trailing spaces."},
	{"\n\n  \n", ""},
	{"the end.and more", "the end.and more"},
	{"Acme Inc. Reported gains.", "Acme Inc. Reported gains."},
	{"He visited \xC3\x89lys\xC3\xA9" "e. \xC3\x89mile came.",
	 "He visited \xC3\x89lys\xC3\xA9" "e.|\xC3\x89mile came."},
	{"Talks ended [sic.] Both sides left.", "Talks ended [sic.]|Both sides left."},
	{"Crowds chanted. 'Go home,' they said.", "Crowds chanted.|'Go home,' they said."},
	{"He lives at No. 10 Downing Street.", "He lives at No. 10 Downing Street."},
	{"Was it permanent? No. Officials said so.", "Was it permanent?|No.|Officials said so."},
	{"Brig. Gen. Ali spoke.", "Brig. Gen. Ali spoke."},
	/* Hard-wrapped paragraphs are unwrapped; single-line ones are not. */
	{"Allies have pledged to send\ntroops to the region, officials\nsaid on Monday.\n\n"
	 "The talks will resume\nnext week in Rome, and a\ndeal is likely.",
	 "Allies have pledged to send troops to the region, officials said on Monday.|"
	 "The talks will resume next week in Rome, and a deal is likely."},
	{"Wrapped line ends here\nand goes on. Short.\n  \nA new one\nthat wraps\nagain.",
	 "Wrapped line ends here and goes on.|Short.|A new one that wraps again."},
	{"Heading one\nFirst paragraph here.\nSecond paragraph.\n\nAnother.",
	 "Heading one|First paragraph here.|Second paragraph.|Another."},
	{"a line\nwrapped here\nand here\nand end.", "a line|wrapped here|and here|and end."},
};

/* Renders t's sentences joined by '|'. */
static void join_sentences(const struct text *t, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < t->nsent; i++) {
		size_t len = t->sent[i].end - t->sent[i].start;

		if (n + len + 2 > size)
			break;
		if (i)
			buf[n++] = '|';
		memcpy(buf + n, t->norm + t->sent[i].start, len);
		n += len;
		buf[n] = '\0';
	}
}

static void test_split(void)
{
	struct text t = {0};
	char buf[512];

	for (size_t i = 0; i < sizeof(split_cases) / sizeof(*split_cases); i++) {
		const struct split_case *c = &split_cases[i];

		CHECK_INT(text_normalise(&t, c->in, strlen(c->in)), 0);
		CHECK_INT(text_split(&t), 0);
		join_sentences(&t, buf, sizeof(buf));
		CHECK_STR(buf, c->want);
	}
	text_free(&t);
}

/* Splitting works on the normalised text: curly quotes close a sentence and
 * the spans map back to the original bytes. */
static void test_split_normalised(void)
{
	struct text t = {0};
	const char *in = "He said \xE2\x80\x9Cno.\xE2\x80\x9D Then\xC2\xA0he left.";
	uint32_t os, oe;

	CHECK_INT(text_normalise(&t, in, strlen(in)), 0);
	CHECK_INT(text_split(&t), 0);
	CHECK_INT(t.nsent, 2);
	if (t.nsent == 2) {
		text_to_orig(&t, t.sent[0].start, t.sent[0].end, &os, &oe);
		CHECK_INT(os, 0);
		CHECK_INT(oe, 17);
		text_to_orig(&t, t.sent[1].start, t.sent[1].end, &os, &oe);
		CHECK_INT(os, 18);
		CHECK_INT(oe, strlen(in));
	}
	text_free(&t);
}

/* A sentence longer than the cap is cut at spaces into pieces no longer
 * than the cap; a run without spaces is cut hard, outside UTF-8 characters. */
static void test_long_sentence(void)
{
	struct text t = {0};
	size_t words = EVX_MAX_SENTENCE_BYTES / 2, len = words * 5;
	char *s = malloc(len + 1);
	size_t total = 0;

	CHECK(s != NULL);
	if (!s)
		return;
	for (size_t i = 0; i < words; i++)
		memcpy(s + i * 5, "word ", 5);
	s[len] = '\0';
	CHECK_INT(text_normalise(&t, s, len), 0);
	CHECK_INT(text_split(&t), 0);
	CHECK(t.nsent >= 3);
	for (size_t i = 0; i < t.nsent; i++) {
		struct text_span *sp = &t.sent[i];

		CHECK(sp->end - sp->start <= EVX_MAX_SENTENCE_BYTES);
		CHECK(sp->end > sp->start);
		CHECK(t.norm[sp->start] == 'w');
		CHECK(t.norm[sp->end - 1] == 'd');
		total += sp->end - sp->start;
		if (i)
			CHECK(sp->start > t.sent[i - 1].end);
	}
	/* Every word survives: the pieces hold all bytes but the spaces. */
	CHECK_INT(total, len - 1 - (t.nsent - 1));
	/* Each cut is counted, so the article can be reported. */
	CHECK_INT(t.ncut, t.nsent - 1);

	/* A sentence of exactly the cap is not cut. */
	memset(s, 'w', EVX_MAX_SENTENCE_BYTES);
	CHECK_INT(text_normalise(&t, s, EVX_MAX_SENTENCE_BYTES), 0);
	CHECK_INT(text_split(&t), 0);
	CHECK_INT(t.nsent, 1);
	CHECK_INT(t.ncut, 0);
	CHECK_INT(text_normalise(&t, s, EVX_MAX_SENTENCE_BYTES + 1), 0);
	CHECK_INT(text_split(&t), 0);
	CHECK_INT(t.nsent, 2);
	CHECK_INT(t.ncut, 1);

	/* Two-byte characters without spaces: no piece starts mid-character. */
	for (size_t i = 0; i + 1 < len; i += 2) {
		s[i] = (char)0xC3;
		s[i + 1] = (char)0xA9;
	}
	len -= len % 2;
	s[len] = '\0';
	CHECK_INT(text_normalise(&t, s, len), 0);
	CHECK_INT(text_split(&t), 0);
	CHECK(t.nsent >= 2);
	total = 0;
	for (size_t i = 0; i < t.nsent; i++) {
		struct text_span *sp = &t.sent[i];

		CHECK(sp->end - sp->start <= EVX_MAX_SENTENCE_BYTES);
		CHECK(((unsigned char)t.norm[sp->start] & 0xC0) != 0x80);
		total += sp->end - sp->start;
	}
	CHECK_INT(total, len);
	free(s);
	text_free(&t);
}

int main(void)
{
	test_normalise();
	test_offsets();
	test_reuse();
	test_split();
	test_split_normalised();
	test_long_sentence();
	return CHECK_DONE();
}
