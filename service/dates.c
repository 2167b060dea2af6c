/*
 * dates.c - resolving date expressions against an article's publication day.
 *
 * An expression is lowercased and cut into tokens: words, numbers (with an
 * ordinal suffix "28th" allowed) and the '-' of an ISO date; '.' and ','
 * separate tokens and any other character rejects the expression ("Thursdays?"
 * fails). Filler words ("on", "the", "of", "in", "at", "during") and
 * time-of-day words ("night", "morning", "early", "late", "overnight", ...)
 * are dropped, so "early on Monday night" is "monday" and "the 28th of August"
 * is "28 august". What is left must match one of a few shapes exactly:
 *
 *   (empty, with a time-of-day word)  the anchor day ("overnight")
 *   today | tonight | yesterday | tomorrow | this | last (with time of day)
 *   [last|this|next|past] WEEKDAY      WEEKDAY may lead a full date too
 *   MONTH DAY [YEAR] | DAY MONTH [YEAR]
 *   MONTH [YEAR] | YEAR | YYYY-MM-DD | YYYY-MM
 *   last|this|next week|month|year
 *
 * Day arithmetic goes through days since 1970-01-01 (dates_days and its
 * inverse), which makes leap years and year boundaries plain subtraction.
 * Year-less days and weekdays lean to the past unless future is set (see
 * dates.h). Pure functions; any thread may call them.
 */
#include "dates.h"

#include <stdio.h>
#include <string.h>

#define DATES_MAX_EXPR 128
#define DATES_MAX_TOKENS 16

/* How far past the anchor a year-less past-biased day may land before it is
 * taken as last year's ("Aug. 28" in an article of Aug. 25 is this year's:
 * articles announce days a few days ahead). */
#define DATES_AHEAD_DAYS 7

enum dates_tok { DATES_WORD, DATES_NUM, DATES_DASH };

struct dates_token {
	enum dates_tok kind;
	const char *w;      /* DATES_WORD: NUL-terminated, lowercase */
	long n;             /* DATES_NUM: value */
	int ndigits;        /* DATES_NUM: digits written */
	int ordinal;        /* DATES_NUM: had "st", "nd", "rd" or "th" */
};

struct dates_name {
	const char *name;
	int value;
};

/* Months by full name and usual abbreviations. */
static const struct dates_name dates_months[] = {
	{"january", 1}, {"jan", 1}, {"february", 2}, {"feb", 2},
	{"march", 3}, {"mar", 3}, {"april", 4}, {"apr", 4}, {"may", 5},
	{"june", 6}, {"jun", 6}, {"july", 7}, {"jul", 7}, {"august", 8},
	{"aug", 8}, {"september", 9}, {"sept", 9}, {"sep", 9},
	{"october", 10}, {"oct", 10}, {"november", 11}, {"nov", 11},
	{"december", 12}, {"dec", 12},
};

/* Weekdays, 0 = Monday. */
static const struct dates_name dates_weekdays[] = {
	{"monday", 0}, {"mon", 0}, {"tuesday", 1}, {"tues", 1}, {"tue", 1},
	{"wednesday", 2}, {"wed", 2}, {"thursday", 3}, {"thurs", 3},
	{"thur", 3}, {"thu", 3}, {"friday", 4}, {"fri", 4}, {"saturday", 5},
	{"sat", 5}, {"sunday", 6}, {"sun", 6},
};

/* Words that carry no date. */
static const char *const dates_fillers[] = {
	"on", "the", "of", "in", "at", "during",
};

/* Time-of-day and vagueness words: dropped, but they make an otherwise
 * empty expression mean the anchor day ("overnight", "this morning"). */
static const char *const dates_times[] = {
	"night", "morning", "afternoon", "evening", "overnight", "early",
	"late", "hours", "earlier", "later", "mid", "midday", "noon", "dawn",
	"dusk", "midnight",
};

static int dates_lookup(const struct dates_name *tab, size_t n, const char *w)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tab[i].name, w) == 0)
			return tab[i].value;
	return -1;
}

static int dates_in(const char *const *tab, size_t n, const char *w)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tab[i], w) == 0)
			return 1;
	return 0;
}

#define DATES_COUNT(a) (sizeof(a) / sizeof(*(a)))

static int dates_month(const char *w)
{
	return dates_lookup(dates_months, DATES_COUNT(dates_months), w);
}

static int dates_weekday_of(const char *w)
{
	return dates_lookup(dates_weekdays, DATES_COUNT(dates_weekdays), w);
}

static int dates_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int dates_month_days(int y, int m)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && dates_leap(y) ? 29 : mdays[m - 1];
}

static int dates_valid(int y, int m, int d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= dates_month_days(y, m);
}

/*
 * Counting years from March makes February the last month of a counting
 * year, so the leap day is simply the final day of it. A 400-year Gregorian
 * cycle has 146097 days; inside one, a March-based year has 365 days plus a
 * leap day every 4 years, minus one every 100.
 */
long dates_days(int y, int m, int d)
{
	long yy = (long)y - (m <= 2);
	long cycle = (yy >= 0 ? yy : yy - 399) / 400;
	long yoc = yy - cycle * 400;                       /* 0..399 */
	long mar_month = m > 2 ? m - 3 : m + 9;            /* 0 = March */
	long doy = (153 * mar_month + 2) / 5 + d - 1;      /* 0..365 */
	long doc = yoc * 365 + yoc / 4 - yoc / 100 + doy;  /* 0..146096 */

	/* 719468 is the day number of 1970-01-01 counted from 0000-03-01. */
	return cycle * 146097 + doc - 719468;
}

/* The inverse of dates_days. */
static void dates_civil(long days, int *y, int *m, int *d)
{
	long z = days + 719468;
	long cycle = (z >= 0 ? z : z - 146096) / 146097;
	long doc = z - cycle * 146097;
	long yoc = (doc - doc / 1460 + doc / 36524 - doc / 146096) / 365;
	long doy = doc - (365 * yoc + yoc / 4 - yoc / 100);
	long mp = (5 * doy + 2) / 153;
	long dd = doy - (153 * mp + 2) / 5 + 1;
	long mm = mp < 10 ? mp + 3 : mp - 9;

	*y = (int)(yoc + cycle * 400 + (mm <= 2));
	*m = (int)mm;
	*d = (int)dd;
}

/* 0 = Monday; 1970-01-01 was a Thursday. */
static int dates_weekday(long days)
{
	long w = (days + 3) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

static void dates_set_day(struct date_val *out, long days)
{
	dates_civil(days, &out->y, &out->m, &out->d);
	out->prec = DATES_DAY;
}

static void dates_set_month(struct date_val *out, int y, int m)
{
	while (m < 1) {
		m += 12;
		y--;
	}
	while (m > 12) {
		m -= 12;
		y++;
	}
	out->y = y;
	out->m = m;
	out->d = 0;
	out->prec = DATES_MONTH;
}

static void dates_set_year(struct date_val *out, int y)
{
	out->y = y;
	out->m = out->d = 0;
	out->prec = DATES_YEAR;
}

/* Reads 'n' digits at s into *v. */
static int dates_digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int dates_parse_anchor(const char *s, struct date_val *out)
{
	int y, m, d, v;
	const char *p;

	if (!s || strlen(s) < 10 || dates_digits(s, 4, &y) < 0 || s[4] != '-' ||
	    dates_digits(s + 5, 2, &m) < 0 || s[7] != '-' ||
	    dates_digits(s + 8, 2, &d) < 0 || !dates_valid(y, m, d))
		return -1;
	p = s + 10;
	if (*p) {
		/* A time: hh:mm[:ss[.frac]] then Z or +hh:mm / -hh:mm. The
		 * date is kept as written; the offset is not applied. */
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p++;
		if (dates_digits(p, 2, &v) < 0 || v > 23 || p[2] != ':' ||
		    dates_digits(p + 3, 2, &v) < 0 || v > 59)
			return -1;
		p += 5;
		if (*p == ':') {
			if (dates_digits(p + 1, 2, &v) < 0 || v > 60)
				return -1;
			p += 3;
			if (*p == '.' || *p == ',') {
				p++;
				if (*p < '0' || *p > '9')
					return -1;
				while (*p >= '0' && *p <= '9')
					p++;
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			if (dates_digits(p + 1, 2, &v) < 0 || v > 23)
				return -1;
			p += 3;
			if (*p == ':')
				p++;
			if (dates_digits(p, 2, &v) < 0 || v > 59)
				return -1;
			p += 2;
		}
		if (*p)
			return -1;
	}
	out->y = y;
	out->m = m;
	out->d = d;
	out->prec = DATES_DAY;
	return 0;
}

int dates_format(const struct date_val *dv, char *buf, size_t size)
{
	int n;

	if (size == 0)
		return 0;
	switch (dv->prec) {
	case DATES_DAY:
		n = snprintf(buf, size, "%04d-%02d-%02d", dv->y, dv->m, dv->d);
		break;
	case DATES_MONTH:
		n = snprintf(buf, size, "%04d-%02d", dv->y, dv->m);
		break;
	case DATES_YEAR:
		n = snprintf(buf, size, "%04d", dv->y);
		break;
	default:
		buf[0] = '\0';
		return 0;
	}
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n >= size ? (int)size - 1 : n;
}

/*
 * Cuts the lowercased copy buf into tokens, dropping fillers and time words.
 * Returns the token count, or -1 when a character or a token is not
 * understood. *timed says whether a time word was dropped.
 */
static int dates_tokenize(char *buf, struct dates_token *tok, int *timed)
{
	char *p = buf;
	int n = 0;

	*timed = 0;
	while (*p) {
		char c = *p;
		struct dates_token t = {0};

		if (c == ' ' || c == ',' || c == '.' || c == '\t' || c == '\n') {
			*p++ = '\0';
			continue;
		}
		if (c == '-') {
			*p++ = '\0';
			/* Only an ISO date's dash is a token; "mid-August"
			 * just separates words. */
			if (n == 0 || tok[n - 1].kind != DATES_NUM ||
			    *p < '0' || *p > '9')
				continue;
			t.kind = DATES_DASH;
		} else if (c >= '0' && c <= '9') {
			t.kind = DATES_NUM;
			while (*p >= '0' && *p <= '9') {
				if (t.ndigits >= 6)
					return -1;
				t.n = t.n * 10 + (*p - '0');
				t.ndigits++;
				p++;
			}
			if (*p >= 'a' && *p <= 'z') {
				if (!((p[0] == 's' && p[1] == 't') ||
				      (p[0] == 'n' && p[1] == 'd') ||
				      (p[0] == 'r' && p[1] == 'd') ||
				      (p[0] == 't' && p[1] == 'h')) ||
				    (p[2] >= 'a' && p[2] <= 'z'))
					return -1;
				t.ordinal = 1;
				*p = '\0';
				p += 2;
			}
		} else if (c >= 'a' && c <= 'z') {
			t.kind = DATES_WORD;
			t.w = p;
			while (*p >= 'a' && *p <= 'z')
				p++;
			/* A word ends at a separator, which is consumed here
			 * to terminate it ("mid-August" is two words). */
			if (*p && *p != ' ' && *p != ',' && *p != '.' &&
			    *p != '-' && *p != '\t' && *p != '\n')
				return -1;
			if (*p)
				*p++ = '\0';
			if (dates_in(dates_fillers, DATES_COUNT(dates_fillers), t.w))
				continue;
			if (dates_in(dates_times, DATES_COUNT(dates_times), t.w)) {
				*timed = 1;
				continue;
			}
		} else {
			return -1;
		}
		if (n == DATES_MAX_TOKENS)
			return -1;
		tok[n++] = t;
	}
	return n;
}

/* A day of the month, or a year (four digits, not an ordinal). */
static int dates_is_mday(const struct dates_token *t)
{
	return t->kind == DATES_NUM && t->ndigits <= 2 && t->n >= 1 && t->n <= 31;
}

static int dates_is_year(const struct dates_token *t)
{
	return t->kind == DATES_NUM && t->ndigits == 4 && !t->ordinal &&
	       t->n >= 1000;
}

/* Resolves a weekday wd (0 = Monday) relative to the anchor day a: dir < 0
 * strictly before, 0 on or before, 1 on or after. */
static long dates_weekday_near(long a, int wd, int dir)
{
	int aw = dates_weekday(a);

	if (dir < 0)
		return a - ((aw - wd + 6) % 7 + 1);
	if (dir == 0)
		return a - (aw - wd + 7) % 7;
	return a + (wd - aw + 7) % 7;
}

/* Resolves a year-less day: the anchor's year, moved back a year when that
 * lands more than DATES_AHEAD_DAYS past the anchor (past bias) or forward a
 * year when it lands before the anchor (future bias). */
static int dates_yearless(const struct date_val *an, long a, int m, int d,
			  int future, struct date_val *out)
{
	int y = an->y;

	if (d > dates_month_days(2000, m))
		return -1;
	if (!future && (!dates_valid(y, m, d) ||
			dates_days(y, m, d) > a + DATES_AHEAD_DAYS))
		y--;
	else if (future && (!dates_valid(y, m, d) || dates_days(y, m, d) < a))
		y++;
	/* Feb. 29 may still miss a leap year: look one more year away. */
	if (!dates_valid(y, m, d))
		return -1;
	out->y = y;
	out->m = m;
	out->d = d;
	out->prec = DATES_DAY;
	return 0;
}

/* Resolves "last/this/next week|month|year" (rel -1, 0, 1). */
static int dates_relative_unit(const char *unit, int rel,
			       const struct date_val *an, long a,
			       struct date_val *out)
{
	if (strcmp(unit, "week") == 0) {
		long day = a + 7L * rel;

		/* "This week" and "earlier this week": the day before the
		 * anchor unless the anchor is the week's Monday. */
		if (rel == 0 && dates_weekday(a) != 0)
			day = a - 1;
		dates_civil(day, &out->y, &out->m, &out->d);
		dates_set_month(out, out->y, out->m);
		return 0;
	}
	if (strcmp(unit, "month") == 0) {
		dates_set_month(out, an->y, an->m + rel);
		return 0;
	}
	if (strcmp(unit, "year") == 0) {
		dates_set_year(out, an->y + rel);
		return 0;
	}
	return -1;
}

static int dates_relative_word(const char *w)
{
	if (strcmp(w, "last") == 0 || strcmp(w, "past") == 0 ||
	    strcmp(w, "previous") == 0)
		return -1;
	if (strcmp(w, "this") == 0)
		return 0;
	if (strcmp(w, "next") == 0 || strcmp(w, "coming") == 0)
		return 1;
	return 2;
}

int dates_resolve(const char *expr, size_t len, const struct date_val *anchor,
		  int future, struct date_val *out)
{
	char buf[DATES_MAX_EXPR + 1];
	struct dates_token tok[DATES_MAX_TOKENS], *t = tok;
	const struct date_val *an = NULL;
	long a = 0;
	int n, timed, m, wd, rel;

	if (!expr || len == 0 || len > DATES_MAX_EXPR)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = expr[i];

		if (c == '\0')
			return -1;
		buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	buf[len] = '\0';
	if (anchor && anchor->prec == DATES_DAY &&
	    dates_valid(anchor->y, anchor->m, anchor->d)) {
		an = anchor;
		a = dates_days(an->y, an->m, an->d);
	}
	n = dates_tokenize(buf, tok, &timed);
	if (n < 0)
		return -1;

	/* A weekday in front of a full date ("Thursday, Aug. 28") adds
	 * nothing: the date decides. */
	if (n >= 3 && t[0].kind == DATES_WORD && dates_weekday_of(t[0].w) >= 0) {
		t++;
		n--;
	}

	/* Absolute dates that carry their own year. */
	if (n == 5 && dates_is_year(&t[0]) && t[1].kind == DATES_DASH &&
	    t[2].kind == DATES_NUM && t[2].ndigits == 2 &&
	    t[3].kind == DATES_DASH && t[4].kind == DATES_NUM &&
	    t[4].ndigits == 2) {
		if (!dates_valid((int)t[0].n, (int)t[2].n, (int)t[4].n))
			return -1;
		out->y = (int)t[0].n;
		out->m = (int)t[2].n;
		out->d = (int)t[4].n;
		out->prec = DATES_DAY;
		return 0;
	}
	if (n == 3 && dates_is_year(&t[0]) && t[1].kind == DATES_DASH &&
	    t[2].kind == DATES_NUM && t[2].ndigits == 2) {
		if (t[2].n < 1 || t[2].n > 12)
			return -1;
		dates_set_month(out, (int)t[0].n, (int)t[2].n);
		return 0;
	}
	if (n == 1 && dates_is_year(&t[0])) {
		dates_set_year(out, (int)t[0].n);
		return 0;
	}
	if (n == 3 && t[0].kind == DATES_WORD && (m = dates_month(t[0].w)) > 0 &&
	    dates_is_mday(&t[1]) && dates_is_year(&t[2])) {
		if (!dates_valid((int)t[2].n, m, (int)t[1].n))
			return -1;
		out->y = (int)t[2].n;
		out->m = m;
		out->d = (int)t[1].n;
		out->prec = DATES_DAY;
		return 0;
	}
	if (n == 3 && dates_is_mday(&t[0]) && t[1].kind == DATES_WORD &&
	    (m = dates_month(t[1].w)) > 0 && dates_is_year(&t[2])) {
		if (!dates_valid((int)t[2].n, m, (int)t[0].n))
			return -1;
		out->y = (int)t[2].n;
		out->m = m;
		out->d = (int)t[0].n;
		out->prec = DATES_DAY;
		return 0;
	}
	if (n == 2 && t[0].kind == DATES_WORD && (m = dates_month(t[0].w)) > 0 &&
	    dates_is_year(&t[1])) {
		dates_set_month(out, (int)t[1].n, m);
		return 0;
	}

	/* Everything else needs the anchor. */
	if (!an)
		return -1;
	if (n == 2 && t[0].kind == DATES_WORD && (m = dates_month(t[0].w)) > 0 &&
	    dates_is_mday(&t[1]))
		return dates_yearless(an, a, m, (int)t[1].n, future, out);
	if (n == 2 && dates_is_mday(&t[0]) && t[1].kind == DATES_WORD &&
	    (m = dates_month(t[1].w)) > 0)
		return dates_yearless(an, a, m, (int)t[0].n, future, out);
	if (n == 1 && t[0].kind == DATES_WORD && (m = dates_month(t[0].w)) > 0) {
		int y = an->y;

		if (!future && m > an->m)
			y--;
		else if (future && m < an->m)
			y++;
		dates_set_month(out, y, m);
		return 0;
	}
	if (n == 0) {
		if (!timed)
			return -1;
		dates_set_day(out, a);
		return 0;
	}
	if (n == 1 && t[0].kind == DATES_WORD) {
		const char *w = t[0].w;

		if (strcmp(w, "today") == 0 || strcmp(w, "tonight") == 0 ||
		    (strcmp(w, "this") == 0 && timed)) {
			dates_set_day(out, a);
			return 0;
		}
		if (strcmp(w, "yesterday") == 0 ||
		    (strcmp(w, "last") == 0 && timed)) {
			dates_set_day(out, a - 1);
			return 0;
		}
		if (strcmp(w, "tomorrow") == 0) {
			dates_set_day(out, a + 1);
			return 0;
		}
		if ((wd = dates_weekday_of(w)) >= 0) {
			dates_set_day(out, dates_weekday_near(a, wd, future ? 1 : 0));
			return 0;
		}
		return -1;
	}
	if (n == 2 && t[0].kind == DATES_WORD && t[1].kind == DATES_WORD &&
	    (rel = dates_relative_word(t[0].w)) != 2) {
		if ((wd = dates_weekday_of(t[1].w)) >= 0) {
			int dir = rel < 0 ? -1 : rel > 0 ? 1 : future ? 1 : 0;

			dates_set_day(out, dates_weekday_near(a, wd, dir));
			return 0;
		}
		return dates_relative_unit(t[1].w, rel, an, a, out);
	}
	return -1;
}
