/*
 * diag.h - collected diagnostics "file:line: rule "id": message".
 *
 * Loading a rule pack reports every error it finds rather than stopping at
 * the first, as YARA's compiler does; a diag collects them in order so the
 * caller can print them all and decide (any error means no ruleset).
 */
#ifndef EVX_DIAG_H
#define EVX_DIAG_H

#include <stddef.h>
#include <stdio.h>

struct diag {
	char **msg;        /* formatted messages, in the order reported */
	size_t nmsg;       /* messages kept (at most EVX_MAX_DIAGNOSTICS) */
	size_t nerrors;    /* errors reported, kept or not */
	size_t nwarnings;  /* warnings reported, kept or not */
};

/* Records an error. file may be NULL (no location), line <= 0 means none,
 * rule may be NULL. Returns -1 so callers can write `return diag_error(...)`. */
int diag_error(struct diag *d, const char *file, int line, const char *rule,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Records a warning (does not make a load fail). */
void diag_warn(struct diag *d, const char *file, int line, const char *rule,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Prints every message, one per line, and a count of any dropped. */
void diag_print(const struct diag *d, FILE *fp);

/* Frees the messages; the struct itself may live on the stack. */
void diag_clear(struct diag *d);

#endif
