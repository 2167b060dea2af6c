/*
 * test_eval.c - scoring against gold: every count, P/R/F1 and field
 * accuracy on small hand-made gold files and predictions, plus the gold
 * loader's errors with file:line.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "eval.h"

static char tmpdir[64];
static char paths[64][128];
static int npaths;

/* Writes text to a new file in the temp dir and returns its path. */
static const char *write_file(const char *name, const char *text)
{
	char *p = paths[npaths++];
	FILE *fp;

	snprintf(p, sizeof(paths[0]), "%s/%s", tmpdir, name);
	fp = fopen(p, "w");
	CHECK(fp != NULL);
	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
	return p;
}

/* Offset of the nth (0-based) occurrence of needle in hay. */
static uint32_t at(const char *hay, const char *needle, int nth)
{
	const char *p = hay;

	for (;;) {
		p = strstr(p, needle);
		CHECK(p != NULL);
		if (!p)
			return 0;
		if (nth-- == 0)
			return (uint32_t)(p - hay);
		p++;
	}
}

/* A prediction of type with one mention [start, start + len) of body. */
static void pred(struct event *e, const char *type, const char *body,
		 uint32_t start, uint32_t len, const char *rule)
{
	static char texts[16][128];
	static int ntexts;
	char *t = texts[ntexts++ % 16];

	event_init(e);
	e->type = type;
	e->article_id = "x";
	snprintf(t, sizeof(texts[0]), "%.*s", (int)len, body + start);
	e->mentions[0] = (struct ev_mention){ start, start + len, t, rule, 1 };
	e->nmentions = 1;
}

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static const char gold_main[] =
	"{\"article_id\": \"a1\", \"events\": ["
	"{\"type\": \"STRIKE\", \"required\": true, \"evidence\": [\"struck the depot\"],"
	" \"attacker\": \"Northland\", \"weapons\": [\"drone\"], \"date\": \"2025-09-01\", \"killed\": 2},"
	"{\"type\": \"SUMMIT\", \"required\": true, \"evidence\": [\"met in Oslo\"],"
	" \"location\": \"Oslo\", \"participants\": [\"Ana Lopez\", \"Kofi Mensah\"],"
	" \"status\": \"held\", \"name\": \"Oslo Talks\"},"
	"{\"type\": \"SUMMIT\", \"required\": false, \"evidence\": [\"a possible meeting\"]},"
	"{\"type\": \"SANCTIONS_PLEDGE\", \"required\": true, \"evidence\": [\"will impose tariffs\"],"
	" \"pledgers\": [\"Canada\"], \"condition\": null}]}\n"
	"\n"
	"{\"article_id\": \"a2\", \"events\": ["
	"{\"type\": \"STRIKE\", \"evidence\": [\"shelled the town\"]},"
	"{\"type\": \"STRIKE\", \"required\": false, \"evidence\": [\"not in the body\"]}]}\n"
	"{\"article_id\": \"a3\", \"events\": ["
	"{\"type\": \"SUMMIT\", \"required\": true, \"evidence\": [\"summit\"]}]}\n";

static const char body_a1[] =
	"Drones struck the depot on Monday. Later, drones struck the depot again. "
	"Leaders met in Oslo for talks. Officials discussed a possible meeting. "
	"Canada will impose tariffs.";
static const char body_a2[] = "Artillery shelled the town at dawn.";
static const char body_x9[] = "Missiles hit a bridge.";

static char *read_all(FILE *fp)
{
	long n;
	char *s;

	fflush(fp);
	n = ftell(fp);
	rewind(fp);
	s = calloc(1, (size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, fp) != (size_t)n)
		s[0] = '\0';
	return s;
}

static void test_main_scenario(void)
{
	struct eval *ev = eval_new();
	struct event p[5];
	struct eval_scores s;
	char err[256];
	size_t ok, cmp;

	CHECK(ev != NULL);
	if (!ev)
		return;
	CHECK_INT(eval_load_gold(ev, write_file("gold.jsonl", gold_main), err, sizeof(err)), 0);

	/* a1. Two predictions on the one STRIKE: both are matched (EVENTS.md
	 * pairs nothing one-to-one); the larger overlap (the second occurrence
	 * of the evidence, listed second) is the pair whose fields count. */
	pred(&p[0], "STRIKE", body_a1, at(body_a1, "struck the depot", 0), 10, "r.p2");
	pred(&p[1], "STRIKE", body_a1, at(body_a1, "struck the depot", 1), 16, "r.p1");
	p[1].attacker.name = "  northland ";
	p[1].weapons = EV_WEAPON_DRONE;
	p[1].date = (struct date_val){ 2025, 9, 1, DATES_DAY };
	p[1].killed = 3;
	pred(&p[2], "SUMMIT", body_a1, at(body_a1, "met in Oslo for talks", 0), 21, "r.s");
	p[2].location.name = "OSLO";
	p[2].participants[0].name = "kofi mensah";
	p[2].participants[1].name = "Ana   Lopez";
	p[2].participants[2].name = "ANA LOPEZ";
	p[2].nparticipants = 3;
	p[2].status = "held";
	/* On the optional summit only: neutral. */
	pred(&p[3], "SUMMIT", body_a1, at(body_a1, "possible meeting", 0), 16, "r.o");
	/* A pledge over the summit's evidence: wrong type, a false positive. */
	pred(&p[4], "SANCTIONS_PLEDGE", body_a1, at(body_a1, "Leaders met", 0), 11, "r.x");
	CHECK_INT(eval_add_article(ev, "a1", body_a1, strlen(body_a1), p, 5), 0);
	CHECK_INT(eval_add_article(ev, "a1", body_a1, strlen(body_a1), p, 5), -2);

	/* a2: no predictions; a3 never handed over; x9 has no gold line. */
	CHECK_INT(eval_add_article(ev, "a2", body_a2, strlen(body_a2), NULL, 0), 0);
	pred(&p[0], "STRIKE", body_x9, 0, 8, "r.m");
	CHECK_INT(eval_add_article(ev, "x9", body_x9, strlen(body_x9), p, 1), 0);

	CHECK_INT(eval_summary(ev, "STRIKE", &s), 0);
	CHECK_INT(s.gold_required, 2);
	CHECK_INT(s.predicted, 3);
	CHECK_INT(s.neutral, 0);
	CHECK_INT(s.matched, 1);
	CHECK_INT(s.pred_matched, 2);
	CHECK_INT(s.false_positives, 1);
	CHECK_INT(s.missed, 1);
	CHECK(near(s.precision, 2.0 / 3));
	CHECK(near(s.recall, 0.5));
	CHECK(near(s.f1, 4.0 / 7));
	CHECK_INT(s.fields_compared, 4);
	CHECK_INT(s.fields_correct, 3);

	CHECK_INT(eval_summary(ev, "SUMMIT", &s), 0);
	CHECK_INT(s.gold_required, 2);
	CHECK_INT(s.predicted, 1);
	CHECK_INT(s.neutral, 1);
	CHECK_INT(s.matched, 1);
	CHECK_INT(s.missed, 1);
	CHECK(near(s.precision, 1.0));
	CHECK(near(s.recall, 0.5));
	CHECK(near(s.f1, 2.0 / 3));
	CHECK_INT(s.fields_compared, 4);
	CHECK_INT(s.fields_correct, 3);

	CHECK_INT(eval_summary(ev, "SANCTIONS_PLEDGE", &s), 0);
	CHECK_INT(s.gold_required, 1);
	CHECK_INT(s.predicted, 1);
	CHECK_INT(s.matched, 0);
	CHECK(near(s.precision, 0.0));
	CHECK(near(s.recall, 0.0));
	CHECK(near(s.f1, 0.0));
	CHECK(near(s.field_accuracy, 1.0));

	CHECK_INT(eval_summary(ev, NULL, &s), 0);
	CHECK_INT(s.gold_required, 5);
	CHECK_INT(s.predicted, 5);
	CHECK_INT(s.neutral, 1);
	CHECK_INT(s.matched, 2);
	CHECK_INT(s.pred_matched, 3);
	CHECK(near(s.precision, 0.6));
	CHECK(near(s.recall, 0.4));
	CHECK(near(s.f1, 0.48));
	CHECK_INT(s.fields_compared, 8);
	CHECK_INT(s.fields_correct, 6);
	CHECK(near(s.field_accuracy, 0.75));

	CHECK_INT(eval_summary(ev, "PROTEST", &s), -1);
	CHECK_INT(s.matched, 0);

	/* Per field: a set compare (duplicates and case folded), a count that
	 * differs, a field the prediction lacks, a null gold field skipped. */
	CHECK_INT(eval_field_summary(ev, "participants", &ok, &cmp), 0);
	CHECK_INT(cmp, 1);
	CHECK_INT(ok, 1);
	CHECK_INT(eval_field_summary(ev, "attacker", &ok, &cmp), 0);
	CHECK_INT(ok, 1);
	CHECK_INT(eval_field_summary(ev, "killed", &ok, &cmp), 0);
	CHECK_INT(cmp, 1);
	CHECK_INT(ok, 0);
	CHECK_INT(eval_field_summary(ev, "name", &ok, &cmp), 0);
	CHECK_INT(ok, 0);
	CHECK_INT(eval_field_summary(ev, "date", &ok, &cmp), 0);
	CHECK_INT(ok, 1);
	CHECK_INT(eval_field_summary(ev, "condition", &ok, &cmp), -1);
	CHECK_INT(cmp, 0);

	/* The report: the table, then with verbose every miss, false positive
	 * and wrong field. */
	FILE *fp = tmpfile();
	CHECK(fp != NULL);
	if (fp) {
		char *out;

		eval_report(ev, fp, 1);
		out = read_all(fp);
		CHECK(out && strstr(out, "overall                 5      2      5       1      3  0.600  0.400  0.480\n"));
		CHECK(out && strstr(out, "field accuracy: 6/8 = 0.750\n"));
		CHECK(out && strstr(out, "  killed                 0/1      0.000\n"));
		CHECK(out && strstr(out, "1 gold article(s) not evaluated: their 1 required event(s) count as misses\n"));
		CHECK(out && strstr(out, "1 article(s) without a gold line: their 1 prediction(s) count as false positives\n"));
		CHECK(out && strstr(out, "1 gold evidence string(s) not found"));
		CHECK(out && !strstr(out, "fp     a1 STRIKE"));
		CHECK(out && strstr(out, "fp     a1 SANCTIONS_PLEDGE \"Leaders met\" rule=r.x\n"));
		CHECK(out && strstr(out, "miss   a1 SANCTIONS_PLEDGE \"will impose tariffs\"\n"));
		CHECK(out && strstr(out, "miss   a2 STRIKE \"shelled the town\"\n"));
		CHECK(out && strstr(out, "miss   a3 SUMMIT \"summit\" (article not evaluated)\n"));
		CHECK(out && strstr(out, "fp     x9 STRIKE \"Missiles\" rule=r.m (article has no gold line)\n"));
		CHECK(out && strstr(out, "field  a1 STRIKE killed: gold \"2\", predicted \"3\"\n"));
		CHECK(out && strstr(out, "field  a1 SUMMIT name: gold \"Oslo Talks\", predicted -\n"));
		CHECK(out && !strstr(out, "r.o"));       /* the neutral one */
		CHECK(out && !strstr(out, "r.p1"));      /* the match */
		free(out);
		fclose(fp);
	}
	eval_destroy(ev);
}

/* Field comparison rules one at a time: gold JSON fields vs a prediction. */
struct field_case {
	const char *gold_fields;   /* members added to the gold event */
	void (*fill)(struct event *);
	size_t correct, compared;
};

static void fill_quotes(struct event *e)
{
	e->measure = "Stop buying \"cheap\"   oil ";
	e->modality = "Pledge";
}

static void fill_target_code(struct event *e)
{
	e->target.name = "Freedonia";
	e->target.code = "FR";
}

static void fill_pledgers(struct event *e)
{
	e->pledgers[0].name = "canada";
	e->pledgers[1].name = "Japan";
	e->npledgers = 2;
}

static void fill_one_pledger(struct event *e)
{
	e->pledgers[0].name = "Canada";
	e->npledgers = 1;
}

static void fill_date_month(struct event *e)
{
	e->date = (struct date_val){ 2025, 9, 0, DATES_MONTH };
}

static void fill_captures(struct event *e)
{
	e->fields[0] = (struct ev_field){ "sector", "Banking " };
	e->nfields = 1;
}

static void fill_nothing(struct event *e)
{
	(void)e;
}

static const struct field_case field_cases[] = {
	/* Curly quotes, spacing and case do not matter for strings. */
	{ "\"measure\": \"stop buying \xe2\x80\x9c" "cheap\xe2\x80\x9d oil\", \"modality\": \"pledge\"",
	  fill_quotes, 2, 2 },
	/* An entity compares by name; an object in the gold gives its name. */
	{ "\"target\": {\"name\": \"freedonia\", \"country_code\": \"XX\"}", fill_target_code, 1, 1 },
	/* Lists are sets: order and case aside, equal; one missing, wrong. */
	{ "\"pledgers\": [\"Japan\", \"Canada\"]", fill_pledgers, 1, 1 },
	{ "\"pledgers\": [\"Japan\", \"Canada\"]", fill_one_pledger, 0, 1 },
	{ "\"pledgers\": [\"Canada\"]", fill_pledgers, 0, 1 },
	/* A gold string against a one-item list. */
	{ "\"pledgers\": \"CANADA\"", fill_one_pledger, 1, 1 },
	/* Dates are exact: a month is not the day. */
	{ "\"date\": \"2025-09-04\"", fill_date_month, 0, 1 },
	{ "\"date\": \"2025-09\"", fill_date_month, 1, 1 },
	/* A field of the pack's own is looked up among the captures. */
	{ "\"sector\": \"banking\"", fill_captures, 1, 1 },
	/* Whatever the prediction lacks is wrong, counts included. */
	{ "\"measure\": \"tariffs\", \"killed\": 0, \"condition\": null", fill_nothing, 0, 2 },
};

static void test_field_rules(void)
{
	static const char body[] = "Tokyo and Ottawa pledged to act.";

	for (size_t i = 0; i < sizeof(field_cases) / sizeof(field_cases[0]); i++) {
		const struct field_case *c = &field_cases[i];
		struct eval *ev = eval_new();
		struct eval_scores s;
		struct event e;
		char gold[512], name[32], err[256];

		snprintf(gold, sizeof(gold),
			 "{\"article_id\": \"f\", \"events\": [{\"type\": \"SANCTIONS_PLEDGE\","
			 " \"required\": true, \"evidence\": [\"pledged to act\"], %s}]}\n",
			 c->gold_fields);
		snprintf(name, sizeof(name), "field%zu.jsonl", i);
		CHECK_INT(eval_load_gold(ev, write_file(name, gold), err, sizeof(err)), 0);
		pred(&e, "SANCTIONS_PLEDGE", body, at(body, "pledged", 0), 7, "r");
		c->fill(&e);
		CHECK_INT(eval_add_article(ev, "f", body, strlen(body), &e, 1), 0);
		eval_summary(ev, NULL, &s);
		CHECK_INT(s.matched, 1);
		if (s.fields_correct != c->correct || s.fields_compared != c->compared)
			fprintf(stderr, "field case %zu: %zu/%zu\n", i, s.fields_correct,
				s.fields_compared);
		CHECK_INT(s.fields_correct, c->correct);
		CHECK_INT(s.fields_compared, c->compared);
		eval_destroy(ev);
	}
}

/* Undefined ratios: nothing predicted gives P = 1, nothing required R = 1. */
static void test_empty_ratios(void)
{
	struct eval *ev = eval_new();
	struct eval_scores s;
	struct event e;
	char err[256];
	static const char body[] = "A summit was held and a strike happened.";

	CHECK_INT(eval_load_gold(ev, write_file("opt.jsonl",
		"{\"article_id\": \"o\", \"events\": [{\"type\": \"SUMMIT\", \"required\": true,"
		" \"evidence\": [\"summit was held\"]}, {\"type\": \"STRIKE\", \"required\": false,"
		" \"evidence\": [\"strike happened\"]}]}\n"), err, sizeof(err)), 0);
	/* Two predictions on the one optional strike: both neutral. */
	pred(&e, "STRIKE", body, at(body, "strike", 0), 6, "r");
	struct event two[2] = { e, e };
	two[1].mentions[0].start += 2;
	CHECK_INT(eval_add_article(ev, "o", body, strlen(body), two, 2), 0);

	CHECK_INT(eval_summary(ev, "SUMMIT", &s), 0);
	CHECK_INT(s.predicted, 0);
	CHECK_INT(s.gold_required, 1);
	CHECK(near(s.precision, 1.0));
	CHECK(near(s.recall, 0.0));
	CHECK(near(s.f1, 0.0));
	CHECK_INT(eval_summary(ev, "STRIKE", &s), 0);
	CHECK_INT(s.neutral, 2);
	CHECK_INT(s.predicted, 0);
	CHECK_INT(s.gold_required, 0);
	CHECK(near(s.precision, 1.0));
	CHECK(near(s.recall, 1.0));
	CHECK(near(s.f1, 1.0));
	CHECK(near(s.field_accuracy, 1.0));
	eval_destroy(ev);
}

struct load_case {
	const char *text;
	const char *msg;     /* after "PATH:" */
};

static const struct load_case load_cases[] = {
	{ "{\"article_id\": \"a\", \"events\": []}\nnot json\n", "2: not valid JSON" },
	{ "[]\n", "1: not a JSON object" },
	{ "{\"events\": []}\n", "1: missing \"article_id\" (a non-empty string)" },
	{ "{\"article_id\": \"a\"}\n", "1: article \"a\": missing \"events\" (a list)" },
	{ "{\"article_id\": \"a\", \"events\": [{\"evidence\": [\"x\"]}]}\n",
	  "1: article \"a\": event 1: missing \"type\"" },
	{ "{\"article_id\": \"a\", \"events\": [{\"type\": \"STRIKE\", \"evidence\": [\"x\"]},"
	  " {\"type\": \"STRIKE\"}]}\n",
	  "1: article \"a\": event 2: missing \"evidence\" (a non-empty list of strings)" },
	{ "{\"article_id\": \"a\", \"events\": [{\"type\": \"STRIKE\", \"evidence\": []}]}\n",
	  "1: article \"a\": event 1: missing \"evidence\" (a non-empty list of strings)" },
	{ "{\"article_id\": \"a\", \"events\": [{\"type\": \"STRIKE\", \"evidence\": [3]}]}\n",
	  "1: article \"a\": event 1: \"evidence\" must hold non-empty strings" },
	{ "{\"article_id\": \"a\", \"events\": [{\"type\": \"STRIKE\", \"required\": \"yes\","
	  " \"evidence\": [\"x\"]}]}\n",
	  "1: article \"a\": event 1: \"required\" must be true or false" },
	{ "{\"article_id\": \"a\", \"events\": [{\"type\": \"STRIKE\", \"evidence\": [\"x\"],"
	  " \"killed\": true}]}\n",
	  "1: article \"a\": event 1: field \"killed\": a value must be a string, an integer, "
	  "a list of strings or null" },
	{ "{\"article_id\": \"a\", \"events\": [{\"type\": \"STRIKE\", \"evidence\": [\"x\"],"
	  " \"killed\": 2.5}]}\n",
	  "1: article \"a\": event 1: field \"killed\": a number must be an integer" },
	{ "{\"article_id\": \"a\", \"events\": [{\"type\": \"STRIKE\", \"evidence\": [\"x\"],"
	  " \"weapons\": [\"drone\", 1]}]}\n",
	  "1: article \"a\": event 1: field \"weapons\": a list must hold strings" },
	{ "{\"article_id\": \"a\", \"events\": []}\n\n{\"article_id\": \"b\", \"events\": []}\n"
	  "{\"article_id\": \"a\", \"events\": []}\n",
	  "4: article \"a\" already has a gold line (line 1)" },
};

static void test_load_errors(void)
{
	char err[512], want[512], name[32];
	struct eval_scores s;

	for (size_t i = 0; i < sizeof(load_cases) / sizeof(load_cases[0]); i++) {
		struct eval *ev = eval_new();
		const char *path;

		snprintf(name, sizeof(name), "bad%zu.jsonl", i);
		path = write_file(name, load_cases[i].text);
		snprintf(want, sizeof(want), "%s:%s", path, load_cases[i].msg);
		err[0] = '\0';
		CHECK_INT(eval_load_gold(ev, path, err, sizeof(err)), -1);
		CHECK_STR(err, want);
		eval_destroy(ev);
	}

	/* A failed load keeps nothing of that file, and an earlier file stays;
	 * an article already loaded from another file is a duplicate too. */
	struct eval *ev = eval_new();
	const char *good = write_file("good.jsonl",
		"{\"article_id\": \"g\", \"events\": [{\"type\": \"STRIKE\", \"evidence\": [\"x\"]}]}\n");
	const char *dup = write_file("dup.jsonl",
		"{\"article_id\": \"h\", \"events\": [{\"type\": \"SUMMIT\", \"evidence\": [\"y\"]}]}\n"
		"{\"article_id\": \"g\", \"events\": []}\n");
	CHECK_INT(eval_load_gold(ev, good, err, sizeof(err)), 0);
	CHECK_INT(eval_load_gold(ev, dup, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: article \"g\" already has a gold line (line 1 of an earlier file)", dup);
	CHECK_STR(err, want);
	eval_summary(ev, NULL, &s);
	CHECK_INT(s.gold_required, 1);
	eval_summary(ev, "SUMMIT", &s);
	CHECK_INT(s.gold_required, 0);
	CHECK_INT(eval_add_article(ev, "g", "x", 1, NULL, 0), 0);
	CHECK_INT(eval_add_article(ev, "h", "y", 1, NULL, 0), 0); /* no gold now */
	eval_summary(ev, NULL, &s);
	CHECK_INT(s.missed, 1);

	snprintf(want, sizeof(want), "%s/none.jsonl", tmpdir);
	CHECK_INT(eval_load_gold(ev, want, err, sizeof(err)), -1);
	CHECK(strstr(err, "none.jsonl: cannot open: ") != NULL);
	eval_destroy(ev);
	eval_destroy(NULL);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/evx_test_eval_XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_main_scenario();
	test_field_rules();
	test_empty_ratios();
	test_load_errors();
	for (int i = 0; i < npaths; i++)
		remove(paths[i]);
	rmdir(tmpdir);
	return CHECK_DONE();
}
