/*
 * test_rulestest.c - the example runner counts passes and failures right and
 * says why an example failed.
 *
 * tests/packs/rulestest holds a rule whose examples pass, a rule with one
 * passing and three failing examples (a wrong field, no event at all, a
 * no_match that matches) and a filler with passing and failing examples.
 * Each expected report line is one row of a table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "diag.h"
#include "rulepack.h"
#include "ruleset.h"
#include "rulestest.h"

static const char *const t_report_lines[] = {
	"ok   rt.shelling (2 examples)",
	"FAIL rt.broken: ",
	"match example: expected location \"Karst\", got \"Velmora\"",
	"match example: no event from this rule (rules that fired: none)",
	"no_match example: the rule matched \"drone hit Ostrel\"",
	"FAIL rt.fill.weapon: ",
	"no_match example: the filler matches the text",
	"10 examples in 3 rules: 6 passed, 4 failed",
};

/* Lines that must not appear: the passing rule never fails, and the
 * failing rule is never reported ok. */
static const char *const t_absent[] = {
	"FAIL rt.shelling",
	"ok   rt.broken",
	"ok   rt.fill.weapon",
};

static void t_run(const struct rulepack *rp, const struct ruleset *rs)
{
	char *text = NULL;
	size_t len = 0, passed = 99, failed = 99;
	FILE *fp = open_memstream(&text, &len);

	CHECK(fp != NULL);
	if (!fp)
		return;
	CHECK_INT(rulestest_run(rp, rs, fp, 0, &passed, &failed), 0);
	fclose(fp);
	CHECK_INT(passed, 6);
	CHECK_INT(failed, 4);
	for (size_t i = 0; i < sizeof(t_report_lines) / sizeof(*t_report_lines);
	     i++)
		if (!strstr(text, t_report_lines[i])) {
			fprintf(stderr, "report lacks \"%s\":\n%s\n",
				t_report_lines[i], text);
			check_failures++;
		}
	for (size_t i = 0; i < sizeof(t_absent) / sizeof(*t_absent); i++)
		if (strstr(text, t_absent[i])) {
			fprintf(stderr, "report has \"%s\":\n%s\n", t_absent[i],
				text);
			check_failures++;
		}
	free(text);
}

/* Verbose mode lists the passing examples too; no report still counts. */
static void t_verbose_and_silent(const struct rulepack *rp,
				 const struct ruleset *rs)
{
	char *text = NULL;
	size_t len = 0, passed = 0, failed = 0, nok = 0;
	FILE *fp = open_memstream(&text, &len);

	CHECK(fp != NULL);
	if (!fp)
		return;
	CHECK_INT(rulestest_run(rp, rs, fp, 1, &passed, &failed), 0);
	fclose(fp);
	for (const char *p = text; (p = strstr(p, "  ok   ")) != NULL; p++)
		nok++;
	CHECK_INT(nok, 6);
	free(text);

	passed = failed = 0;
	CHECK_INT(rulestest_run(rp, rs, NULL, 0, &passed, &failed), 0);
	CHECK_INT(passed, 6);
	CHECK_INT(failed, 4);
}

int main(void)
{
	struct diag d = {0};
	struct rulepack *rp = rulepack_load(EVX_TEST_DATA "/packs/rulestest", &d);
	struct ruleset *rs = rp ? ruleset_build(rp, &d) : NULL;

	if (!rs)
		diag_print(&d, stderr);
	CHECK(rp != NULL);
	CHECK(rs != NULL);
	if (rp && rs) {
		t_run(rp, rs);
		t_verbose_and_silent(rp, rs);
	}
	ruleset_destroy(rs);
	rulepack_destroy(rp);
	diag_clear(&d);
	return CHECK_DONE();
}
