/*
 * dates.h - calendar dates at a precision, and resolving date expressions.
 *
 * A date in an event is ISO 8601 at the precision the text supports: a day,
 * a month or a year. Relative expressions ("Thursday", "last month",
 * "overnight") are resolved against the article's published_at; without one,
 * only absolute expressions that carry their own year resolve.
 */
#ifndef EVX_DATES_H
#define EVX_DATES_H

#include <stddef.h>

enum dates_prec { DATES_NONE = 0, DATES_YEAR = 1, DATES_MONTH = 2, DATES_DAY = 3 };

struct date_val {
	int y, m, d;          /* m and d are 0 when below the precision */
	enum dates_prec prec;
};

/* Parses published_at: RFC 3339 ("2025-09-04T10:00:00Z") or "YYYY-MM-DD".
 * Returns 0 and a day-precision date, or -1 when s is not such a date. */
int dates_parse_anchor(const char *s, struct date_val *out);

/* Resolves a date expression (len bytes, any case) against anchor (which may
 * be NULL or DATES_NONE). Understood: weekday names with optional
 * "last"/"on"/"this"/"next" and a trailing "night"/"morning"/... ;
 * "Aug. 28", "August 28", "28 August", each with an optional year;
 * "2025-09-04"; "in August" / "August" / "August 2025"; "in 2022";
 * "today", "tonight", "overnight", "yesterday", "tomorrow",
 * "last week" / "earlier this week" (month precision of the week before),
 * "last month", "earlier this month", "this month", "next month",
 * "last year", "this year", "next year".
 * Weekdays and year-less dates are biased to the past (the latest such day
 * on or before the anchor) unless future is non-zero (then the earliest on or
 * after it). Returns 0 when resolved, -1 when not understood or unresolvable. */
int dates_resolve(const char *expr, size_t len, const struct date_val *anchor,
		  int future, struct date_val *out);

/* Writes "YYYY-MM-DD", "YYYY-MM" or "YYYY" into buf (at least 11 bytes);
 * writes "" for DATES_NONE. Returns the length written. */
int dates_format(const struct date_val *dv, char *buf, size_t size);

/* Days since 1970-01-01 of y-m-d (proleptic Gregorian). */
long dates_days(int y, int m, int d);

#endif
