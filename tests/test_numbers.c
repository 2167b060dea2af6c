/*
 * test_numbers.c - counts stated in text.
 */
#include <string.h>

#include "check.h"
#include "numbers.h"

struct number_case {
	const char *in;
	long want; /* -1: must not parse */
};

static const struct number_case number_cases[] = {
	/* Numerals. */
	{"19", 19},
	{"19 people", 19},
	{"1,200", 1200},
	{"1,200,000 residents", 1200000},
	{"19, including children", 19},
	{"0", 0},
	{"1.2 million", 1200000},
	{"2.5 million people", 2500000},
	{"3 thousand", 3000},
	{"4 dozen", 48},
	{"3.5 percent", -1},
	{"1.2345678 million", -1},
	{"1234567890123456789", -1},
	/* Number words. */
	{"two", 2},
	{"two people", 2},
	{"Thirty", 30},
	{"twenty-five", 25},
	{"twenty five", 25},
	{"ninety-nine", 99},
	{"one hundred and twelve", 112},
	{"a hundred", 100},
	{"a hundred and twelve", 112},
	{"hundred", 100},
	{"three hundred", 300},
	{"one thousand two hundred", 1200},
	{"two thousand and five", 2005},
	{"two million", 2000000},
	{"three million four hundred thousand", 3400000},
	{"a dozen", 12},
	{"dozen", 12},
	{"two dozen", 24},
	{"half a dozen", 6},
	{"ELEVEN", 11},
	{"twelve and counting", 12},
	{"one of the wounded", 1},
	/* Qualifiers keep the stated figure. */
	{"at least 19 people", 19},
	{"more than 30", 30},
	{"over 30 countries", 30},
	{"some 30", 30},
	{"nearly 40", 40},
	{"almost forty", 40},
	{"about 200", 200},
	{"around 1,500", 1500},
	{"up to 60", 60},
	{"as many as 45", 45},
	{"roughly two dozen", 24},
	{"an estimated 3,000", 3000},
	{"At Least Seven", 7},
	{"no fewer than 12", 12},
	{"a total of 8", 8},
	/* Zero. */
	{"no one", 0},
	{"No one", 0},
	{"none", 0},
	{"nobody", 0},
	{"zero", 0},
	/* Vague quantities are not numbers. */
	{"a couple", -1},
	{"a couple of", -1},
	{"a few", -1},
	{"several", -1},
	{"dozens", -1},
	{"dozens of people", -1},
	{"hundreds", -1},
	{"thousands of", -1},
	{"scores", -1},
	{"many", -1},
	{"tens of thousands", -1},
	{"at least dozens", -1},
	{"some people", -1},
	{"more than", -1},
	{"", -1},
	{"people", -1},
	{"a", -1},
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof(number_cases) / sizeof(*number_cases); i++) {
		const struct number_case *c = &number_cases[i];
		long v = -99;
		int rc = numbers_parse(c->in, strlen(c->in), &v);

		if (c->want < 0) {
			if (rc != -1)
				fprintf(stderr, "case \"%s\": got %ld\n", c->in, v);
			CHECK_INT(rc, -1);
			continue;
		}
		if (rc != 0 || v != c->want)
			fprintf(stderr, "case \"%s\"\n", c->in);
		CHECK_INT(rc, 0);
		CHECK_INT(v, c->want);
	}
}

/* The phrase is taken by length, not up to a NUL. */
static void test_parse_len(void)
{
	long v = -1;

	CHECK_INT(numbers_parse("1,200", 1, &v), 0);
	CHECK_INT(v, 1);
	CHECK_INT(numbers_parse("twenty-five", 6, &v), 0);
	CHECK_INT(v, 20);
	CHECK_INT(numbers_parse("a dozen", 1, &v), -1);
	CHECK_INT(numbers_parse(NULL, 0, &v), -1);
}

int main(void)
{
	test_parse();
	test_parse_len();
	return CHECK_DONE();
}
