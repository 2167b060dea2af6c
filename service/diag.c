/*
 * diag.c - collecting "file:line: rule "id": message" diagnostics.
 *
 * Messages are formatted when reported and kept in order, up to
 * EVX_MAX_DIAGNOSTICS; past that only the counts grow. Single-threaded: one
 * diag belongs to one load.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"

static void diag_vadd(struct diag *d, const char *kind, const char *file,
		      int line, const char *rule, const char *fmt, va_list ap)
{
	char buf[1024], **grown;
	size_t n = 0;

	if (d->nmsg >= EVX_MAX_DIAGNOSTICS)
		return;
	if (file && line > 0)
		n += (size_t)snprintf(buf, sizeof(buf), "%s:%d: ", file, line);
	else if (file)
		n += (size_t)snprintf(buf, sizeof(buf), "%s: ", file);
	if (kind && n < sizeof(buf))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s: ", kind);
	if (rule && n < sizeof(buf))
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "rule \"%s\": ", rule);
	if (n < sizeof(buf))
		vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	grown = realloc(d->msg, (d->nmsg + 1) * sizeof(*d->msg));
	if (!grown)
		return;
	d->msg = grown;
	d->msg[d->nmsg] = strdup(buf);
	if (d->msg[d->nmsg])
		d->nmsg++;
}

int diag_error(struct diag *d, const char *file, int line, const char *rule,
	       const char *fmt, ...)
{
	va_list ap;

	d->nerrors++;
	va_start(ap, fmt);
	diag_vadd(d, NULL, file, line, rule, fmt, ap);
	va_end(ap);
	return -1;
}

void diag_warn(struct diag *d, const char *file, int line, const char *rule,
	       const char *fmt, ...)
{
	va_list ap;

	d->nwarnings++;
	va_start(ap, fmt);
	diag_vadd(d, "warning", file, line, rule, fmt, ap);
	va_end(ap);
}

void diag_print(const struct diag *d, FILE *fp)
{
	size_t total = d->nerrors + d->nwarnings;

	for (size_t i = 0; i < d->nmsg; i++)
		fprintf(fp, "%s\n", d->msg[i]);
	if (total > d->nmsg)
		fprintf(fp, "(%zu more not shown)\n", total - d->nmsg);
}

void diag_clear(struct diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nmsg; i++)
		free(d->msg[i]);
	free(d->msg);
	memset(d, 0, sizeof(*d));
}
