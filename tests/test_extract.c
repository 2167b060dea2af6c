/*
 * test_extract.c - articles in, events out: candidates, fillers, merging,
 * context fillers, the finishing defaults and event ids of service/extract.c.
 *
 * tests/packs/extract (pack "extract_test") holds one rule or filler per
 * behaviour under test. A second pack, "extract_big", is generated into a
 * temporary directory at run time: its city list has more than 256 forms, so
 * it is matched by the big-list path (callouts and the per-article index)
 * rather than by an alternation.
 *
 * Each row of t_cases is one article: its body and published_at, the status
 * extract_article() must return, the number of events, and per event its
 * type, mention count and a few fields read through event_field_values()
 * (several values joined with '|'). Pseudo-keys check mentions: "@textN" is
 * mention N's text, "@startN" its start offset. Every mention of every case
 * must also point into the original body at its own text. A row marked
 * `bug` documents a known defect of extract.c: its checks must fail, and the
 * test prints a NOTE instead of failing (and fails when the bug is gone, so
 * the mark is removed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "diag.h"
#include "event.h"
#include "extract.h"
#include "ruleset.h"

#define T_MAX_EVENTS 3
#define T_MAX_FIELDS 6

/* Flags of a case. */
#define T_IDS 1   /* rerun: same ids for the same article, others for another id */

struct t_event {
	const char *type;
	int nmentions;                          /* -1: not checked */
	const char *fields[T_MAX_FIELDS][2];    /* key, values joined by '|' */
};

struct t_case {
	const char *name;
	int pack;                  /* 0: extract_test, 1: the generated big pack */
	const char *body;
	const char *published_at;
	int rc;                    /* extract_article()'s status */
	const char *err;           /* substring of errstr when rc < 0 */
	size_t nevents;
	struct t_event ev[T_MAX_EVENTS];
	int flags;
	int bug;                   /* known-failing: see the NOTE it prints */
};

static const struct t_case t_cases[] = {
	{"one summit in two sentences",
	 0, "Macron and Scholz met in Berlin on Tuesday. The summit in Berlin "
	    "ended with a joint statement.",
	 "2025-05-08", 0, NULL, 1,
	 {{"SUMMIT", 2, {{"location", "Berlin"}, {"date", "2025-05-06"},
			 {"status", "held"},
			 {"participants", "Emmanuel Macron|Olaf Scholz"}}}},
	 0, 0},
	{"two strikes on two cities",
	 0, "Russian missiles struck Kyiv on Monday. Russian drones hit Odesa "
	    "on Tuesday.",
	 "2025-03-06", 0, NULL, 2,
	 {{"STRIKE", 1, {{"location", "Kyiv"}, {"weapons", "missile"},
			 {"attacker", "Russia"}, {"date", "2025-03-03"}}},
	  {"STRIKE", 1, {{"location", "Odesa"}, {"weapons", "drone"},
			 {"date", "2025-03-04"}}}},
	 T_IDS, 0},
	{"the summit joins the earlier summit though its sentence names Paris",
	 0, "Macron and Scholz met in Berlin on Tuesday.\nLater the summit drew "
	    "criticism in Paris.",
	 "2025-05-08", 0, NULL, 1,
	 {{"SUMMIT", 2, {{"location", "Berlin"}, {"date", "2025-05-06"},
			 {"@text1", "the summit drew criticism in Paris"}}}},
	 0, 0},
	{"the summit joins the earlier summit though its sentence has another day",
	 0, "Macron and Scholz met in Berlin on Tuesday. The summit followed "
	    "talks on Monday.",
	 "2025-05-08", 0, NULL, 1,
	 {{"SUMMIT", 2, {{"location", "Berlin"}, {"date", "2025-05-06"}}}},
	 0, 0},
	{"a proposed meeting is not the held one",
	 0, "Macron and Scholz met in Berlin on Tuesday. Zelensky proposed a "
	    "meeting with Macron.",
	 "2025-05-08", 0, NULL, 2,
	 {{"SUMMIT", 1, {{"status", "held"}, {"location", "Berlin"}}},
	  {"SUMMIT", 1, {{"status", "proposed"},
			 {"participants", "Volodymyr Zelensky|Emmanuel Macron"},
			 {"location", NULL}}}},
	 0, 0},
	{"fillers give the place and the nearest date",
	 0, "Officials said on March 12 that a drone attack on March 10 hit a "
	    "depot in Kharkiv.",
	 "2025-03-14", 0, NULL, 1,
	 {{"STRIKE", 1, {{"location", "Kharkiv"}, {"date", "2025-03-10"},
			 {"weapons", "drone"}}}},
	 0, 0},
	{"an explicit date beats overnight at the same distance",
	 0, "It came overnight, a drone attack on March 7 that hit a fuel depot.",
	 "2025-03-12", 0, NULL, 1,
	 {{"STRIKE", 1, {{"date", "2025-03-07"}}}},
	 0, 0},
	{"pick: nearest takes only the nearest pair of leaders",
	 0, "Meloni and Kishida spoke by phone before the summit in Geneva, "
	    "where Macron and Scholz met.",
	 "2025-05-08", 0, NULL, 1,
	 {{"SUMMIT", 1, {{"location", "Geneva"},
			 {"participants", "Emmanuel Macron|Olaf Scholz"}}}},
	 0, 0},
	{"an article-scoped filler names the attacker from an earlier sentence",
	 0, "Russia has kept up its air campaign for weeks.\nA drone attack in "
	    "Kharkiv killed two people on Sunday.",
	 "2025-03-11", 0, NULL, 1,
	 {{"STRIKE", 1, {{"attacker", "Russia"}, {"location", "Kharkiv"},
			 {"date", "2025-03-09"}}}},
	 0, 0},
	{"a summit dated after published_at is scheduled",
	 0, "European leaders will gather for a summit in Paris on June 20, 2025.",
	 "2025-06-10", 0, NULL, 1,
	 {{"SUMMIT", 1, {{"status", "scheduled"}, {"date", "2025-06-20"},
			 {"location", "Paris"}}}},
	 0, 0},
	{"a summit dated before published_at is held",
	 0, "European leaders gathered for a summit in Paris on June 2, 2025.",
	 "2025-06-10", 0, NULL, 1,
	 {{"SUMMIT", 1, {{"status", "held"}, {"date", "2025-06-02"}}}},
	 0, 0},
	{"a held summit in the lead without a date is dated published_at",
	 0, "Macron and Scholz met in Berlin.",
	 "2025-05-08T09:30:00Z", 0, NULL, 1,
	 {{"SUMMIT", 1, {{"status", "held"}, {"date", "2025-05-08"}}}},
	 0, 0},
	{"a held summit after the lead without a date stays undated",
	 0, "Europe's leaders are busy.\nMacron and Scholz met in Berlin.",
	 "2025-05-08T09:30:00Z", 0, NULL, 1,
	 {{"SUMMIT", 1, {{"status", "held"}, {"date", NULL}}}},
	 0, 0},
	{"hosts are among the participants",
	 0, "Scholz hosted Macron in Berlin on May 3.",
	 "2025-05-05", 0, NULL, 1,
	 {{"SUMMIT", 1, {{"hosts", "Olaf Scholz"},
			 {"participants", "Emmanuel Macron|Olaf Scholz"},
			 {"location", "Berlin"}, {"status", "held"}}}},
	 0, 0},
	{"a sanctions pledge with a condition is a threat",
	 0, "France will impose new sanctions on Russia if the strikes go on.",
	 "2025-03-11", 0, NULL, 1,
	 {{"SANCTIONS_PLEDGE", 1, {{"modality", "threat"}, {"pledgers", "France"},
				   {"target", "Russia"},
				   {"condition", "if the strikes go on"},
				   {"measure", "new sanctions"}}}},
	 0, 0},
	{"a sanctions pledge without a condition stays a pledge",
	 0, "Germany will impose sanctions on Russia.",
	 "2025-03-11", 0, NULL, 1,
	 {{"SANCTIONS_PLEDGE", 1, {{"modality", "pledge"}, {"pledgers", "Germany"},
				   {"condition", NULL}}}},
	 0, 0},
	{"mention offsets are into the original body after curly quotes and dashes",
	 0, "Officials called it \xe2\x80\x9c" "a night of terror\xe2\x80\x9d "
	    "\xe2\x80\x94 Russian drones struck Odesa\xe2\x80\x99s port.",
	 "2025-03-11", 0, NULL, 1,
	 {{"STRIKE", 1, {{"@text0", "Russian drones struck Odesa"},
			 {"@start0", "48"}, {"location", "Odesa"}}}},
	 0, 0},
	{"mention offsets after an ellipsis and across a no-break space",
	 0, "Officials waited\xe2\x80\xa6 then Russian drones\xc2\xa0struck "
	    "Odesa.",
	 "2025-03-11", 0, NULL, 1,
	 {{"STRIKE", 1, {{"@text0", "Russian drones\xc2\xa0struck Odesa"},
			 {"@start0", "25"}, {"location", "Odesa"}}}},
	 0, 0},
	{"an article with no candidate rule has no events",
	 0, "The weather in the capital stayed mild all week.",
	 "2025-03-11", 0, NULL, 0, {{NULL, 0, {{NULL, NULL}}}}, 0, 0},
	{"a catastrophic rule hits its limit and the other events stay",
	 0, "Russian drones struck Kyiv on Monday, and the sensor log read zzq "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
	 "2025-03-05", -2, "ex.catastrophic", 1,
	 {{"STRIKE", 1, {{"location", "Kyiv"}, {"date", "2025-03-03"}}}},
	 0, 0},
	{"the same text in two paragraphs is one event with two mentions",
	 0, "Russian drones struck Kyiv on Monday.\nRussian drones struck Kyiv on "
	    "Monday.",
	 "2025-03-05", 0, NULL, 1,
	 {{"STRIKE", 2, {{"location", "Kyiv"},
			 {"@text0", "Russian drones struck Kyiv on Monday"},
			 {"@start1", "38"},
			 {"@text1", "Russian drones struck Kyiv on Monday"}}}},
	 0, 0},
	{"a big list matches a form in an article",
	 1, "The shelling of Villkb killed three people.",
	 "2025-03-05", 0, NULL, 1,
	 {{"STRIKE", 1, {{"location", "Villkb"}, {"@text0", "shelling of Villkb"}}}},
	 0, 0},
	{"a big list matches a form before 's",
	 1, "The shelling of Villaa's market went on.",
	 "2025-03-05", 0, NULL, 1,
	 {{"STRIKE", 1, {{"location", "Villaa"}}}},
	 0, 0},
	{"a big list matches in a later paragraph, after curly quotes",
	 1, "Residents said \xe2\x80\x9cnothing\xe2\x80\x9d. Then the sirens "
	    "stopped.\nThe shelling of Villkb and the shelling of Villbc went "
	    "on.",
	 "2025-03-05", 0, NULL, 2,
	 {{"STRIKE", 1, {{"location", "Villkb"}, {"@text0", "shelling of Villkb"}}},
	  {"STRIKE", 1, {{"location", "Villbc"}, {"@text0", "shelling of Villbc"}}}},
	 0, 0},
	{"a big list does not match a word not among its forms",
	 1, "The shelling of Villzz went on.",
	 "2025-03-05", 0, NULL, 0, {{NULL, 0, {{NULL, NULL}}}}, 0, 0},
};

/* Writes the generated big pack into dir: a city list of 300 invented
 * names "Villaa" ... "Villln" and one rule using it. Returns 0 or -1. */
static int t_write_big_pack(const char *dir)
{
	char path[512];
	FILE *fp;
	int rc = -1;

	if (snprintf(path, sizeof(path), "%s/big.yaml", dir) >= (int)sizeof(path))
		return -1;
	fp = fopen(path, "w");
	if (!fp)
		return -1;
	fprintf(fp, "pack: extract_big\nversion: 0.1.0\nlists:\n  city:\n");
	for (int i = 0; i < 300; i++)
		fprintf(fp, "    - {name: Vill%c%c, code: UA}\n", 'a' + i / 26,
			'a' + i % 26);
	fprintf(fp, "rules:\n"
		    "  - id: big.shelling\n"
		    "    revision: 1\n"
		    "    type: STRIKE\n"
		    "    pattern: 'shelling\\s+of\\s+(?<location>{city})'\n");
	if (ferror(fp))
		goto done;
	rc = 0;
done:
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

/* The values of key in e joined with '|' into out; "" for none. */
static const char *t_values(const struct event *e, const char *key, char *out,
			    size_t size)
{
	const char *vals[EVX_MAX_LIST_VALUES];
	char buf[64];
	size_t n, len = 0;

	out[0] = '\0';
	if (key[0] == '@') {
		size_t k = (size_t)atoi(key + strcspn(key, "0123456789"));

		if (k >= e->nmentions)
			return out;
		if (strncmp(key, "@text", 5) == 0)
			snprintf(out, size, "%s", e->mentions[k].text);
		else
			snprintf(out, size, "%u", e->mentions[k].start);
		return out;
	}
	n = event_field_values(e, key, vals, EVX_MAX_LIST_VALUES, buf, sizeof(buf));
	for (size_t i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "|" : "",
					vals[i]);
	return out;
}

/* Every mention lies in the body, is its own text, and the mentions of an
 * event are ordered; event ids are 32 hex digits and distinct. */
static void t_check_invariants(const struct t_case *tc,
			       const struct event *ev, size_t nev)
{
	size_t blen = strlen(tc->body);

	for (size_t k = 0; k < nev; k++) {
		const struct event *e = &ev[k];

		CHECK_INT(strlen(e->event_id), 32);
		CHECK_INT(strspn(e->event_id, "0123456789abcdef"), 32);
		for (size_t j = 0; j < k; j++)
			CHECK(strcmp(ev[j].event_id, e->event_id) != 0);
		CHECK_STR(e->rule_pack, tc->pack ? "extract_big" : "extract_test");
		CHECK_STR(e->rule_pack_version, "0.1.0");
		for (size_t i = 0; i < e->nmentions; i++) {
			const struct ev_mention *m = &e->mentions[i];

			CHECK(m->start < m->end && m->end <= blen);
			CHECK(m->text != NULL);
			if (!m->text || m->end > blen || m->start > m->end)
				continue;
			CHECK_INT(strlen(m->text), m->end - m->start);
			CHECK(memcmp(tc->body + m->start, m->text,
				     m->end - m->start) == 0);
			if (i)
				CHECK(e->mentions[i - 1].start <= m->start);
		}
	}
}

/* Runs tc's article again: the same id gives the same event ids, another
 * article id gives other ones. */
static void t_check_ids(struct extractor *x, const struct t_case *tc,
			const struct event *ev, size_t nev)
{
	char ids[T_MAX_EVENTS][33], errstr[256];
	struct article a = {0};
	struct event *ev2;
	size_t n = nev < T_MAX_EVENTS ? nev : T_MAX_EVENTS, nev2;

	for (size_t k = 0; k < n; k++)
		memcpy(ids[k], ev[k].event_id, sizeof(ids[k]));
	a.body = tc->body;
	a.body_len = strlen(tc->body);
	a.published_at = tc->published_at;
	for (int pass = 0; pass < 2; pass++) {
		extract_begin(x);
		a.id = pass ? "art-2" : "art-1";
		CHECK_INT(extract_article(x, &a, NULL, &ev2, &nev2, errstr,
					  sizeof(errstr)), tc->rc);
		CHECK_INT(nev2, nev);
		for (size_t k = 0; k < n && k < nev2; k++) {
			if (pass)
				CHECK(strcmp(ev2[k].event_id, ids[k]) != 0);
			else
				CHECK_STR(ev2[k].event_id, ids[k]);
		}
	}
}

static void t_run_case(struct extractor *x, const struct t_case *tc)
{
	struct article a = {0};
	struct event *ev = NULL;
	size_t nev = 99;
	char errstr[256] = "", got[512];
	int rc;

	a.id = "art-1";
	a.body = tc->body;
	a.body_len = strlen(tc->body);
	a.published_at = tc->published_at;
	extract_begin(x);
	rc = extract_article(x, &a, NULL, &ev, &nev, errstr, sizeof(errstr));
	CHECK_INT(rc, tc->rc);
	if (tc->err)
		CHECK(strstr(errstr, tc->err) != NULL);
	CHECK_INT(nev, tc->nevents);
	if (nev && !ev) {
		CHECK(ev != NULL);
		return;
	}
	t_check_invariants(tc, ev, nev);
	for (size_t k = 0; k < tc->nevents && k < nev; k++) {
		const struct t_event *te = &tc->ev[k];

		CHECK_STR(ev[k].type, te->type);
		CHECK_STR(ev[k].article_id, "art-1");
		if (te->nmentions >= 0)
			CHECK_INT(ev[k].nmentions, te->nmentions);
		for (size_t f = 0; f < T_MAX_FIELDS && te->fields[f][0]; f++) {
			const char *want = te->fields[f][1] ? te->fields[f][1] : "";

			t_values(&ev[k], te->fields[f][0], got, sizeof(got));
			if (strcmp(got, want) != 0) {
				fprintf(stderr, "event %zu %s: got \"%s\", want \"%s\"\n",
					k, te->fields[f][0], got, want);
				check_failures++;
			}
		}
	}
	if (tc->flags & T_IDS)
		t_check_ids(x, tc, ev, nev);
}

int main(void)
{
	struct diag d = {0};
	struct ruleset *rs[2] = {NULL, NULL};
	struct extractor *x[2] = {NULL, NULL};
	char dir[] = "/tmp/evx_test_extract_XXXXXX", path[512], errstr[256];
	int have_dir = 0;

	rs[0] = ruleset_load(EVX_TEST_DATA "/packs/extract", &d);
	if (!rs[0]) {
		diag_print(&d, stderr);
		CHECK(rs[0] != NULL);
		goto cleanup;
	}
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		goto cleanup;
	}
	have_dir = 1;
	CHECK_INT(t_write_big_pack(dir), 0);
	diag_clear(&d);
	rs[1] = ruleset_load(dir, &d);
	if (!rs[1]) {
		diag_print(&d, stderr);
		CHECK(rs[1] != NULL);
		goto cleanup;
	}
	for (int i = 0; i < 2; i++) {
		x[i] = extract_new(rs[i], errstr, sizeof(errstr));
		if (!x[i]) {
			fprintf(stderr, "extract_new: %s\n", errstr);
			CHECK(x[i] != NULL);
			goto cleanup;
		}
	}
	for (size_t i = 0; i < sizeof(t_cases) / sizeof(t_cases[0]); i++) {
		const struct t_case *tc = &t_cases[i];
		int before = check_failures;

		t_run_case(x[tc->pack], tc);
		if (!tc->bug)
			continue;
		if (check_failures > before) {
			fprintf(stderr, "NOTE: known bug, case \"%s\" fails as "
				"documented\n", tc->name);
			check_failures = before;
		} else {
			fprintf(stderr, "case \"%s\" is marked as a known bug but "
				"passes: remove the mark\n", tc->name);
			check_failures++;
		}
	}
cleanup:
	for (int i = 0; i < 2; i++) {
		extract_destroy(x[i]);
		ruleset_destroy(rs[i]);
	}
	diag_clear(&d);
	if (have_dir) {
		if (snprintf(path, sizeof(path), "%s/big.yaml", dir) <
		    (int)sizeof(path))
			unlink(path);
		rmdir(dir);
	}
	return CHECK_DONE();
}
