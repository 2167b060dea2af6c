/*
 * test_dates.c - date expressions resolved against a publication day.
 */
#include <string.h>

#include "check.h"
#include "dates.h"

struct resolve_case {
	const char *anchor;  /* NULL: no anchor */
	int future;
	const char *expr;
	const char *want;    /* NULL: must not resolve */
};

/* 2025-09-04 is a Thursday; 2025-01-02 a Thursday; 2024-03-01 a Friday. */
static const struct resolve_case resolve_cases[] = {
	/* Weekdays, past bias: the latest on or before the anchor. */
	{"2025-09-04", 0, "Thursday", "2025-09-04"},
	{"2025-09-04", 0, "on Thursday", "2025-09-04"},
	{"2025-09-04", 0, "Wednesday", "2025-09-03"},
	{"2025-09-04", 0, "Friday", "2025-08-29"},
	{"2025-09-04", 0, "this Tuesday", "2025-09-02"},
	{"2025-09-04", 0, "on Monday night", "2025-09-01"},
	{"2025-09-04", 0, "Thursday evening", "2025-09-04"},
	{"2025-09-04", 0, "early Friday", "2025-08-29"},
	{"2025-09-04", 0, "late Sunday", "2025-08-31"},
	{"2025-09-04", 0, "early hours of Wednesday", "2025-09-03"},
	{"2025-09-04", 0, "Tues.", "2025-09-02"},
	/* "last" is strictly before; "next" and future on or after. */
	{"2025-09-04", 0, "last Thursday", "2025-08-28"},
	{"2025-09-04", 0, "last Wednesday", "2025-09-03"},
	{"2025-09-04", 0, "next Thursday", "2025-09-04"},
	{"2025-09-04", 0, "next Friday", "2025-09-05"},
	{"2025-09-04", 1, "Friday", "2025-09-05"},
	{"2025-09-04", 1, "Thursday", "2025-09-04"},
	{"2025-09-04", 1, "Wednesday", "2025-09-10"},
	{"2025-09-04", 1, "last Thursday", "2025-08-28"},
	/* Days of a month, with and without a year. */
	{"2025-09-04", 0, "Aug. 28", "2025-08-28"},
	{"2025-09-04", 0, "August 28", "2025-08-28"},
	{"2025-09-04", 0, "28 August", "2025-08-28"},
	{"2025-09-04", 0, "the 28th of August", "2025-08-28"},
	{"2025-09-04", 0, "August 28th,", "2025-08-28"},
	{"2025-09-04", 0, "on Aug 28", "2025-08-28"},
	{"2025-09-04", 0, "Sept. 4", "2025-09-04"},
	{"2025-09-04", 0, "Sep 4", "2025-09-04"},
	{"2025-09-04", 0, "Thursday, Aug. 28", "2025-08-28"},
	{"2025-09-04", 0, "Sept. 10", "2025-09-10"},
	{"2025-09-04", 0, "Sept. 20", "2024-09-20"},
	{"2025-09-04", 1, "Sept. 20", "2025-09-20"},
	{"2025-09-04", 1, "Aug. 28", "2026-08-28"},
	{"2025-09-04", 0, "September 4, 2025", "2025-09-04"},
	{"2025-09-04", 0, "4 September 2025", "2025-09-04"},
	{"2025-09-04", 0, "Sept. 20, 2024", "2024-09-20"},
	{"2025-09-04", 0, "2025-09-04", "2025-09-04"},
	{"2025-09-04", 0, "Aug. 32", NULL},
	{"2025-09-04", 0, "2024-02-30", NULL},
	/* Months and years. */
	{"2025-09-04", 0, "in August", "2025-08"},
	{"2025-09-04", 0, "August", "2025-08"},
	{"2025-09-04", 0, "mid-August", "2025-08"},
	{"2025-09-04", 0, "in September", "2025-09"},
	{"2025-09-04", 0, "in October", "2024-10"},
	{"2025-09-04", 1, "in October", "2025-10"},
	{"2025-09-04", 1, "in March", "2026-03"},
	{"2025-09-04", 0, "August 2025", "2025-08"},
	{"2025-09-04", 0, "in 2022", "2022"},
	{"2025-09-04", 0, "2022", "2022"},
	{"2025-09-04", 0, "2025-08", "2025-08"},
	/* Relative words. */
	{"2025-09-04", 0, "last week", "2025-08"},
	{"2025-09-04", 0, "earlier this week", "2025-09"},
	{"2025-09-01", 0, "earlier this week", "2025-09"},
	{"2025-09-04", 0, "last month", "2025-08"},
	{"2025-09-04", 0, "earlier this month", "2025-09"},
	{"2025-09-04", 0, "this month", "2025-09"},
	{"2025-09-04", 0, "next month", "2025-10"},
	{"2025-09-04", 0, "last year", "2024"},
	{"2025-09-04", 0, "this year", "2025"},
	{"2025-09-04", 0, "next year", "2026"},
	{"2025-09-04", 0, "overnight", "2025-09-04"},
	{"2025-09-04", 0, "tonight", "2025-09-04"},
	{"2025-09-04", 0, "today", "2025-09-04"},
	{"2025-09-04", 0, "this morning", "2025-09-04"},
	{"2025-09-04", 0, "earlier today", "2025-09-04"},
	{"2025-09-04", 0, "yesterday", "2025-09-03"},
	{"2025-09-04", 0, "yesterday afternoon", "2025-09-03"},
	{"2025-09-04", 0, "last night", "2025-09-03"},
	{"2025-09-04", 0, "tomorrow", "2025-09-05"},
	{"2025-09-04", 0, "overnight Tuesday", "2025-09-02"},
	/* Case does not matter. */
	{"2025-09-04", 0, "THURSDAY", "2025-09-04"},
	{"2025-09-04", 0, "aUg. 28", "2025-08-28"},
	{"2025-09-04", 0, "Last Month", "2025-08"},
	/* Year boundaries. */
	{"2025-01-02", 0, "Dec. 30", "2024-12-30"},
	{"2025-01-02", 1, "Dec. 30", "2025-12-30"},
	{"2025-01-02", 0, "Jan. 5", "2025-01-05"},
	{"2025-01-02", 0, "Tuesday", "2024-12-31"},
	{"2025-01-02", 0, "last month", "2024-12"},
	{"2025-01-02", 0, "last week", "2024-12"},
	{"2025-01-02", 0, "in December", "2024-12"},
	{"2025-12-30", 0, "next month", "2026-01"},
	{"2025-12-30", 1, "Friday", "2026-01-02"},
	{"2025-01-01", 0, "yesterday", "2024-12-31"},
	/* Leap years. */
	{"2024-03-01", 0, "yesterday", "2024-02-29"},
	{"2024-03-01", 0, "Thursday", "2024-02-29"},
	{"2024-03-01", 0, "Feb. 29", "2024-02-29"},
	{"2025-03-01", 0, "Feb. 29", "2024-02-29"},
	{"2023-03-01", 0, "Feb. 29", NULL},
	{"2025-03-01", 0, "yesterday", "2025-02-28"},
	{"2100-03-01", 0, "yesterday", "2100-02-28"},
	{"2000-03-01", 0, "yesterday", "2000-02-29"},
	{NULL, 0, "29 February 2024", "2024-02-29"},
	{NULL, 0, "Feb 29, 2023", NULL},
	/* Without an anchor only self-contained dates resolve. */
	{NULL, 0, "August 28, 2025", "2025-08-28"},
	{NULL, 0, "2025-09-04", "2025-09-04"},
	{NULL, 0, "in 2022", "2022"},
	{NULL, 0, "August 2025", "2025-08"},
	{NULL, 0, "Thursday", NULL},
	{NULL, 0, "Aug. 28", NULL},
	{NULL, 0, "in August", NULL},
	{NULL, 0, "overnight", NULL},
	{NULL, 0, "last month", NULL},
	/* Not dates. */
	{"2025-09-04", 0, "dozens", NULL},
	{"2025-09-04", 0, "", NULL},
	{"2025-09-04", 0, "Thursdays?", NULL},
	{"2025-09-04", 0, "Thursday's", NULL},
	{"2025-09-04", 0, "the", NULL},
	{"2025-09-04", 0, "on", NULL},
	{"2025-09-04", 0, "this", NULL},
	{"2025-09-04", 0, "last decade", NULL},
	{"2025-09-04", 0, "19 people", NULL},
	{"2025-09-04", 0, "Aug. 28 2025 2026", NULL},
	{"2025-09-04", 0, "4pm", NULL},
};

static void test_resolve(void)
{
	for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(*resolve_cases); i++) {
		const struct resolve_case *c = &resolve_cases[i];
		struct date_val anchor = {0}, out = {0};
		char got[16] = "";
		int rc;

		if (c->anchor)
			CHECK_INT(dates_parse_anchor(c->anchor, &anchor), 0);
		rc = dates_resolve(c->expr, strlen(c->expr),
				   c->anchor ? &anchor : NULL, c->future, &out);
		if (rc == 0)
			dates_format(&out, got, sizeof(got));
		if (!c->want && rc != 0)
			continue;
		if (!c->want) {
			fprintf(stderr, "case \"%s\" @%s: want failure\n",
				c->expr, c->anchor ? c->anchor : "-");
			CHECK_STR(got, "(failure)");
			continue;
		}
		if (rc != 0)
			fprintf(stderr, "case \"%s\" @%s f=%d: failed\n", c->expr,
				c->anchor ? c->anchor : "-", c->future);
		CHECK_INT(rc, 0);
		CHECK_STR(got, c->want);
	}
}

/* The expression is taken by length, not up to a NUL. */
static void test_resolve_len(void)
{
	struct date_val anchor = {2025, 9, 4, DATES_DAY}, out = {0};
	const char *s = "Aug. 28 and more";

	CHECK_INT(dates_resolve(s, 7, &anchor, 0, &out), 0);
	CHECK_INT(out.prec, DATES_DAY);
	CHECK_INT(out.m, 8);
	CHECK_INT(out.d, 28);
	CHECK_INT(dates_resolve(s, strlen(s), &anchor, 0, &out), -1);
	/* An anchor below day precision is no anchor. */
	anchor.prec = DATES_NONE;
	CHECK_INT(dates_resolve("Thursday", 8, &anchor, 0, &out), -1);
}

/* Every day from 1899 to 2101: "yesterday" of a day is the day before it,
 * which checks the day count and its inverse across leap days and years. */
static void test_day_walk(void)
{
	struct date_val prev = {1898, 12, 31, DATES_DAY};
	long prev_days = dates_days(1898, 12, 31);
	int bad = 0;

	for (int y = 1899; y <= 2101 && bad < 5; y++) {
		for (int m = 1; m <= 12; m++) {
			static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
			int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
			int last = md[m - 1] + (m == 2 && leap);

			for (int d = 1; d <= last; d++) {
				struct date_val a = {y, m, d, DATES_DAY}, out = {0};
				long days = dates_days(y, m, d);

				if (days != prev_days + 1 ||
				    dates_resolve("yesterday", 9, &a, 0, &out) != 0 ||
				    out.y != prev.y || out.m != prev.m ||
				    out.d != prev.d) {
					fprintf(stderr, "day walk broke at %04d-%02d-%02d\n",
						y, m, d);
					bad++;
				}
				prev = a;
				prev_days = days;
			}
		}
	}
	CHECK_INT(bad, 0);
}

static void test_days(void)
{
	CHECK_INT(dates_days(1970, 1, 1), 0);
	CHECK_INT(dates_days(1969, 12, 31), -1);
	CHECK_INT(dates_days(2000, 1, 1), 10957);
	CHECK_INT(dates_days(2000, 3, 1), 11017);
	CHECK_INT(dates_days(2024, 2, 29) - dates_days(2024, 2, 28), 1);
	CHECK_INT(dates_days(2024, 3, 1) - dates_days(2024, 2, 28), 2);
	CHECK_INT(dates_days(2025, 3, 1) - dates_days(2025, 2, 28), 1);
	CHECK_INT(dates_days(2025, 1, 1) - dates_days(2024, 1, 1), 366);
	CHECK_INT(dates_days(2101, 1, 1) - dates_days(2100, 1, 1), 365);
	CHECK_INT(dates_days(2001, 1, 1) - dates_days(2000, 1, 1), 366);
	CHECK_INT(dates_days(1600, 1, 1), -135140);
}

struct anchor_case {
	const char *s;
	int y, m, d; /* y == 0: must fail */
};

static const struct anchor_case anchor_cases[] = {
	{"2025-09-04", 2025, 9, 4},
	{"2025-09-04T10:00:00Z", 2025, 9, 4},
	{"2025-09-04T23:30:00-05:00", 2025, 9, 4},
	{"2025-09-04T00:15:00+02:00", 2025, 9, 4},
	{"2025-09-04T10:00:00.123456+01:00", 2025, 9, 4},
	{"2025-09-04t10:00:00z", 2025, 9, 4},
	{"2025-09-04 10:00", 2025, 9, 4},
	{"2024-02-29T12:00:00Z", 2024, 2, 29},
	{"2025-02-29", 0, 0, 0},
	{"2025-9-4", 0, 0, 0},
	{"2025-09-04X", 0, 0, 0},
	{"2025-09-04T25:00:00Z", 0, 0, 0},
	{"2025-09-04T10:00:00+0", 0, 0, 0},
	{"2025-13-01", 0, 0, 0},
	{"Thursday", 0, 0, 0},
	{"", 0, 0, 0},
};

static void test_parse_anchor(void)
{
	struct date_val out;

	for (size_t i = 0; i < sizeof(anchor_cases) / sizeof(*anchor_cases); i++) {
		const struct anchor_case *c = &anchor_cases[i];
		int rc = dates_parse_anchor(c->s, &out);

		if (!c->y) {
			CHECK_INT(rc, -1);
			continue;
		}
		CHECK_INT(rc, 0);
		CHECK_INT(out.y, c->y);
		CHECK_INT(out.m, c->m);
		CHECK_INT(out.d, c->d);
		CHECK_INT(out.prec, DATES_DAY);
	}
	CHECK_INT(dates_parse_anchor(NULL, &out), -1);
}

static void test_format(void)
{
	char buf[16];
	struct date_val dv = {2025, 9, 4, DATES_DAY};

	CHECK_INT(dates_format(&dv, buf, sizeof(buf)), 10);
	CHECK_STR(buf, "2025-09-04");
	dv.prec = DATES_MONTH;
	CHECK_INT(dates_format(&dv, buf, sizeof(buf)), 7);
	CHECK_STR(buf, "2025-09");
	dv.prec = DATES_YEAR;
	CHECK_INT(dates_format(&dv, buf, sizeof(buf)), 4);
	CHECK_STR(buf, "2025");
	dv.prec = DATES_NONE;
	CHECK_INT(dates_format(&dv, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "");
	dv.prec = DATES_DAY;
	CHECK_INT(dates_format(&dv, buf, 5), 4);
	CHECK_STR(buf, "2025");
}

int main(void)
{
	test_resolve();
	test_resolve_len();
	test_day_walk();
	test_days();
	test_parse_anchor();
	test_format();
	return CHECK_DONE();
}
