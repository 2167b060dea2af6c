/*
 * log.h - one levelled key=value log line per call.
 *
 * LOG() checks the level before evaluating its arguments. Lines go to stderr
 * as "ts=... level=... msg" with no trailing newline in the format string.
 */
#ifndef EVX_LOG_H
#define EVX_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

extern enum log_level log_min_level;

#define LOG(level, ...)                                                      \
	do {                                                                 \
		if ((level) >= log_min_level)                                \
			log_write((level), __VA_ARGS__);                     \
	} while (0)

void log_write(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parses "debug", "info", "warn", "error", "off". Returns 0 or -1. */
int log_parse_level(const char *s, enum log_level *out);

#endif
