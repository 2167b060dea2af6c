/*
 * check.h - the tiny assertion kit every unit test uses.
 *
 * A test executable is a table of cases run by main(); CHECK() records a
 * failure with file:line and carries on so one run reports every broken case.
 * The exit status is the number of failures (capped), so CTest sees them.
 */
#ifndef EVX_CHECK_H
#define EVX_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n",         \
				__FILE__, __LINE__, #cond);                  \
			check_failures++;                                    \
		}                                                            \
	} while (0)

#define CHECK_STR(got, want)                                                 \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		if ((g_ == NULL) != (w_ == NULL) ||                          \
		    (g_ && strcmp(g_, w_) != 0)) {                           \
			fprintf(stderr, "%s:%d: %s: got \"%s\", want \"%s\"\n", \
				__FILE__, __LINE__, #got, g_ ? g_ : "(null)", \
				w_ ? w_ : "(null)");                         \
			check_failures++;                                    \
		}                                                            \
	} while (0)

#define CHECK_INT(got, want)                                                 \
	do {                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);     \
		if (g_ != w_) {                                              \
			fprintf(stderr, "%s:%d: %s: got %lld, want %lld\n",  \
				__FILE__, __LINE__, #got, g_, w_);           \
			check_failures++;                                    \
		}                                                            \
	} while (0)

#define CHECK_DONE()                                                         \
	(check_failures ? (fprintf(stderr, "%d check(s) failed\n",           \
				   check_failures),                          \
			   check_failures > 100 ? 100 : check_failures)      \
			: 0)

#endif
