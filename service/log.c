/*
 * log.c - the single logger: levelled key=value lines on stderr.
 *
 * Any thread may call log_write(); each line is formatted into a local
 * buffer and written with one fputs so lines from threads do not interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum log_level log_min_level = LOG_INFO;

static const char *const log_names[] = {"debug", "info", "warn", "error"};

void log_write(enum log_level level, const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	if (level < LOG_DEBUG || level > LOG_ERROR)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
		     "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		     log_names[level]);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n] = '\n';
	line[n + 1] = '\0';
	fputs(line, stderr);
}

int log_parse_level(const char *s, enum log_level *out)
{
	static const char *const all[] = {"debug", "info", "warn", "error", "off"};

	for (int i = 0; i < 5; i++) {
		if (strcmp(s, all[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}
