/*
 * eval.c - gold annotations in, precision / recall / field accuracy out.
 *
 * The gold is loaded whole: an array of articles sorted by id (found by
 * bsearch), each owning its events, each event its evidence strings and
 * its fields (values kept as strings: a number by its decimal form). Required
 * gold counts per type are added when a file has loaded, so gold articles
 * that are never handed over still count for recall.
 *
 * eval_add_article does all the matching for one article at once (see
 * eval.h for the rules): it finds the evidence spans in the body, builds the
 * candidate (prediction, required gold) pairs weighted by their largest
 * overlap, sorts them and takes them greedily. Counters live per type; the
 * overall numbers are their sums. The verbose report's lines (misses, false
 * positives, wrong fields) are formatted as they happen, because the events
 * do not outlive the call. Single-threaded: the offline evaluate command
 * owns one evaluator.
 */
#include "eval.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "limits.h"

enum { GF_STR, GF_NUM, GF_LIST };

struct gold_field {
	char *key;
	int kind;
	char **vals;
	size_t nvals;
};

struct gold_event {
	char *type;
	int required;
	char **evidence;
	size_t nevidence;
	struct gold_field *fields;
	size_t nfields;
};

struct gold_article {
	char *id;
	struct gold_event *events;
	size_t nevents;
	int seen;
	unsigned batch;     /* which eval_load_gold call loaded it */
	size_t line;
};

struct eval_type {
	char *type;
	size_t gold_required, predicted, neutral, matched, pred_matched;
	size_t fields_compared, fields_correct;
};

struct eval_fieldstat {
	char *key;
	size_t compared, correct;
};

struct eval {
	struct gold_article *arts;
	size_t narts, caparts;
	unsigned batches;
	struct eval_type *types;
	size_t ntypes, captypes;
	struct eval_fieldstat *fstats;
	size_t nfstats, capfstats;
	char **notes;              /* verbose report lines */
	size_t nnotes, capnotes;
	size_t gold_problems;      /* evidence strings not found in the body */
	size_t nogold_articles, nogold_predictions;
};

/* Makes room for one more element in arr (n used of *cap): returns arr or
 * its moved copy, or NULL when out of memory (arr is then untouched). */
static void *eval_room(void *arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (arr && n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(arr, ncap * elem);
	if (!p)
		return NULL;
	*cap = ncap;
	return p;
}

static void eval_strs_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void eval_article_free(struct gold_article *ga)
{
	for (size_t i = 0; i < ga->nevents; i++) {
		struct gold_event *ge = &ga->events[i];

		free(ge->type);
		eval_strs_free(ge->evidence, ge->nevidence);
		for (size_t k = 0; k < ge->nfields; k++) {
			free(ge->fields[k].key);
			eval_strs_free(ge->fields[k].vals, ge->fields[k].nvals);
		}
		free(ge->fields);
	}
	free(ga->events);
	free(ga->id);
}

/* The stats of type, created when new. Returns NULL when out of memory. */
static struct eval_type *eval_type_get(struct eval *ev, const char *type)
{
	struct eval_type *t;

	for (size_t i = 0; i < ev->ntypes; i++)
		if (strcmp(ev->types[i].type, type) == 0)
			return &ev->types[i];
	t = eval_room(ev->types, &ev->captypes, ev->ntypes, sizeof(*t));
	if (!t)
		return NULL;
	ev->types = t;
	t = &ev->types[ev->ntypes];
	memset(t, 0, sizeof(*t));
	t->type = strdup(type);
	if (!t->type)
		return NULL;
	ev->ntypes++;
	return t;
}

static const struct eval_type *eval_type_find(const struct eval *ev,
					      const char *type)
{
	for (size_t i = 0; i < ev->ntypes; i++)
		if (strcmp(ev->types[i].type, type) == 0)
			return &ev->types[i];
	return NULL;
}

static struct eval_fieldstat *eval_fstat_get(struct eval *ev, const char *key)
{
	struct eval_fieldstat *f;

	for (size_t i = 0; i < ev->nfstats; i++)
		if (strcmp(ev->fstats[i].key, key) == 0)
			return &ev->fstats[i];
	f = eval_room(ev->fstats, &ev->capfstats, ev->nfstats, sizeof(*f));
	if (!f)
		return NULL;
	ev->fstats = f;
	f = &ev->fstats[ev->nfstats];
	memset(f, 0, sizeof(*f));
	f->key = strdup(key);
	if (!f->key)
		return NULL;
	ev->nfstats++;
	return f;
}

static int eval_note(struct eval *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int eval_note(struct eval *ev, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s, **notes;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	notes = eval_room(ev->notes, &ev->capnotes, ev->nnotes, sizeof(char *));
	if (!notes)
		return -1;
	ev->notes = notes;
	s = malloc((size_t)n + 1);
	if (!s)
		return -1;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	ev->notes[ev->nnotes++] = s;
	return 0;
}

struct eval *eval_new(void)
{
	static const char *const builtin[] = { "STRIKE", "SUMMIT", "SANCTIONS_PLEDGE" };
	struct eval *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	/* Built-in types first, so the report always lists them in this order. */
	for (size_t i = 0; i < 3; i++) {
		if (!eval_type_get(ev, builtin[i])) {
			eval_destroy(ev);
			return NULL;
		}
	}
	return ev;
}

void eval_destroy(struct eval *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < ev->narts; i++)
		eval_article_free(&ev->arts[i]);
	free(ev->arts);
	for (size_t i = 0; i < ev->ntypes; i++)
		free(ev->types[i].type);
	free(ev->types);
	for (size_t i = 0; i < ev->nfstats; i++)
		free(ev->fstats[i].key);
	free(ev->fstats);
	eval_strs_free(ev->notes, ev->nnotes);
	free(ev);
}

/* ---- loading ----------------------------------------------------------- */

static int eval_cmp_article(const void *a, const void *b)
{
	return strcmp(((const struct gold_article *)a)->id,
		      ((const struct gold_article *)b)->id);
}

/* Appends a copy of s to the string array *v (n used). */
static int eval_push_str(char ***v, size_t *n, size_t *cap, const char *s)
{
	char *c;

	char **nv = eval_room(*v, cap, *n, sizeof(char *));

	if (!nv)
		return -1;
	*v = nv;
	c = strdup(s);
	if (!c)
		return -1;
	(*v)[(*n)++] = c;
	return 0;
}

/* Reads one gold field value. Returns 0, 1 when it is null (skip it), -1
 * with msg set when its type is not allowed, -2 when out of memory. */
static int eval_parse_field(const cJSON *m, struct gold_field *gf,
			    const char **msg)
{
	size_t cap = 0;
	char num[32];

	if (cJSON_IsNull(m))
		return 1;
	if (cJSON_IsObject(m)) {
		m = cJSON_GetObjectItemCaseSensitive(m, "name");
		if (!cJSON_IsString(m)) {
			*msg = "an object value needs a string \"name\"";
			return -1;
		}
	}
	if (cJSON_IsString(m)) {
		gf->kind = GF_STR;
		return eval_push_str(&gf->vals, &gf->nvals, &cap, m->valuestring) < 0 ? -2 : 0;
	}
	if (cJSON_IsNumber(m)) {
		double d = m->valuedouble;

		if (d != d || d < -1e15 || d > 1e15 || d != (double)(long long)d) {
			*msg = "a number must be an integer";
			return -1;
		}
		snprintf(num, sizeof(num), "%lld", (long long)d);
		gf->kind = GF_NUM;
		return eval_push_str(&gf->vals, &gf->nvals, &cap, num) < 0 ? -2 : 0;
	}
	if (cJSON_IsArray(m)) {
		const cJSON *it;

		gf->kind = GF_LIST;
		cJSON_ArrayForEach(it, m) {
			if (!cJSON_IsString(it)) {
				*msg = "a list must hold strings";
				return -1;
			}
			if (eval_push_str(&gf->vals, &gf->nvals, &cap, it->valuestring) < 0)
				return -2;
		}
		return 0;
	}
	*msg = "a value must be a string, an integer, a list of strings or null";
	return -1;
}

/* Parses one gold event into ge (zeroed by the caller, freed by the caller
 * on failure too). Returns 0, -1 with err filled, -2 when out of memory. */
static int eval_parse_event(const cJSON *o, struct gold_event *ge, char *err,
			    size_t errsz)
{
	size_t capev = 0, capf = 0;
	const cJSON *m;
	const char *msg = NULL;

	if (!cJSON_IsObject(o)) {
		snprintf(err, errsz, "not an object");
		return -1;
	}
	ge->required = 1;
	cJSON_ArrayForEach(m, o) {
		const char *k = m->string;

		if (strcmp(k, "type") == 0) {
			if (!cJSON_IsString(m) || !m->valuestring[0] || ge->type) {
				snprintf(err, errsz, "\"type\" must be one non-empty string");
				return -1;
			}
			if (!(ge->type = strdup(m->valuestring)))
				return -2;
		} else if (strcmp(k, "required") == 0) {
			if (!cJSON_IsBool(m)) {
				snprintf(err, errsz, "\"required\" must be true or false");
				return -1;
			}
			ge->required = cJSON_IsTrue(m);
		} else if (strcmp(k, "evidence") == 0) {
			const cJSON *it;

			if (!cJSON_IsArray(m) || ge->nevidence) {
				snprintf(err, errsz, "\"evidence\" must be one list of strings");
				return -1;
			}
			cJSON_ArrayForEach(it, m) {
				if (!cJSON_IsString(it) || !it->valuestring[0]) {
					snprintf(err, errsz, "\"evidence\" must hold non-empty strings");
					return -1;
				}
				if (eval_push_str(&ge->evidence, &ge->nevidence, &capev,
						  it->valuestring) < 0)
					return -2;
			}
		} else {
			struct gold_field gf = { 0 };
			int rc = eval_parse_field(m, &gf, &msg);

			if (rc == 0 && !(gf.key = strdup(k)))
				rc = -2;
			if (rc == 0) {
				struct gold_field *nf = eval_room(ge->fields, &capf,
								  ge->nfields, sizeof(gf));

				if (nf)
					ge->fields = nf;
				else
					rc = -2;
			}
			if (rc == 0) {
				ge->fields[ge->nfields++] = gf;
				continue;
			}
			free(gf.key);
			eval_strs_free(gf.vals, gf.nvals);
			if (rc == 1)
				continue;
			if (rc == -1)
				snprintf(err, errsz, "field \"%s\": %s", k, msg);
			return rc;
		}
	}
	if (!ge->type) {
		snprintf(err, errsz, "missing \"type\"");
		return -1;
	}
	if (!ge->nevidence) {
		snprintf(err, errsz, "missing \"evidence\" (a non-empty list of strings)");
		return -1;
	}
	return 0;
}

/* Parses one gold line into ga (zeroed by the caller, freed by the caller on
 * failure too). Returns 0, -1 with err filled, or -2 when out of memory. */
static int eval_parse_line(const char *line, size_t len, struct gold_article *ga,
			   char *err, size_t errsz)
{
	cJSON *root = cJSON_ParseWithLength(line, len);
	const cJSON *id, *events, *it;
	char sub[200];
	size_t i = 0;
	int rc = -1;

	if (!root) {
		snprintf(err, errsz, "not valid JSON");
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		snprintf(err, errsz, "not a JSON object");
		goto out;
	}
	id = cJSON_GetObjectItemCaseSensitive(root, "article_id");
	if (!cJSON_IsString(id) || !id->valuestring[0]) {
		snprintf(err, errsz, "missing \"article_id\" (a non-empty string)");
		goto out;
	}
	events = cJSON_GetObjectItemCaseSensitive(root, "events");
	if (!cJSON_IsArray(events)) {
		snprintf(err, errsz, "article \"%s\": missing \"events\" (a list)",
			 id->valuestring);
		goto out;
	}
	if (!(ga->id = strdup(id->valuestring))) {
		rc = -2;
		goto out;
	}
	ga->nevents = (size_t)cJSON_GetArraySize(events);
	ga->events = calloc(ga->nevents ? ga->nevents : 1, sizeof(*ga->events));
	if (!ga->events) {
		ga->nevents = 0;
		rc = -2;
		goto out;
	}
	cJSON_ArrayForEach(it, events) {
		rc = eval_parse_event(it, &ga->events[i], sub, sizeof(sub));
		if (rc == -1)
			snprintf(err, errsz, "article \"%s\": event %zu: %s",
				 ga->id, i + 1, sub);
		if (rc < 0)
			goto out;
		i++;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

/* Drops every article of batch b (a failed load). */
static void eval_drop_batch(struct eval *ev, unsigned b)
{
	size_t k = 0;

	for (size_t i = 0; i < ev->narts; i++) {
		if (ev->arts[i].batch == b)
			eval_article_free(&ev->arts[i]);
		else
			ev->arts[k++] = ev->arts[i];
	}
	ev->narts = k;
}

int eval_load_gold(struct eval *ev, const char *path, char *errstr,
		   size_t errstr_size)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, err[512];
	size_t linecap = 0, lineno = 0;
	unsigned batch = ++ev->batches;
	ssize_t n;
	int rc = -1;

	if (!fp) {
		snprintf(errstr, errstr_size, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &linecap, fp)) >= 0) {
		struct gold_article *ga;
		size_t len = (size_t)n;
		int prc;

		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
			       line[len - 1] == ' ' || line[len - 1] == '\t'))
			len--;
		if (strspn(line, " \t") == len)
			continue;
		ga = eval_room(ev->arts, &ev->caparts, ev->narts, sizeof(*ga));
		if (!ga) {
			snprintf(errstr, errstr_size, "%s:%zu: out of memory", path, lineno);
			goto out;
		}
		ev->arts = ga;
		ga = &ev->arts[ev->narts];
		memset(ga, 0, sizeof(*ga));
		ga->batch = batch;
		ga->line = lineno;
		ev->narts++;
		prc = eval_parse_line(line, len, ga, err, sizeof(err));
		if (prc < 0) {
			snprintf(errstr, errstr_size, "%s:%zu: %s", path, lineno,
				 prc == -2 ? "out of memory" : err);
			goto out;
		}
	}
	if (ferror(fp)) {
		snprintf(errstr, errstr_size, "%s:%zu: read error", path, lineno);
		goto out;
	}
	qsort(ev->arts, ev->narts, sizeof(*ev->arts), eval_cmp_article);
	for (size_t i = 1; i < ev->narts; i++) {
		const struct gold_article *a = &ev->arts[i - 1], *b = &ev->arts[i];

		if (strcmp(a->id, b->id) == 0) {
			const struct gold_article *nb = b->batch == batch ? b : a;
			const struct gold_article *ol = nb == b ? a : b;

			snprintf(errstr, errstr_size,
				 "%s:%zu: article \"%s\" already has a gold line (line %zu%s)",
				 path, nb->line, nb->id, ol->line,
				 ol->batch == batch ? "" : " of an earlier file");
			goto out;
		}
	}
	for (size_t i = 0; i < ev->narts; i++) {
		const struct gold_article *ga = &ev->arts[i];

		if (ga->batch != batch)
			continue;
		for (size_t k = 0; k < ga->nevents; k++) {
			struct eval_type *t = eval_type_get(ev, ga->events[k].type);

			if (!t) {
				snprintf(errstr, errstr_size, "%s: out of memory", path);
				goto out; /* counts added so far stay: memory is gone anyway */
			}
			t->gold_required += ga->events[k].required;
		}
	}
	rc = 0;
out:
	if (rc < 0) {
		eval_drop_batch(ev, batch);
		qsort(ev->arts, ev->narts, sizeof(*ev->arts), eval_cmp_article);
	}
	free(line);
	fclose(fp);
	return rc;
}

/* ---- matching ---------------------------------------------------------- */

struct eval_span {
	size_t start, end;
};

struct eval_pair {
	size_t overlap, g, p;
};

static int eval_cmp_pair(const void *a, const void *b)
{
	const struct eval_pair *x = a, *y = b;

	if (x->overlap != y->overlap)
		return x->overlap > y->overlap ? -1 : 1;
	if (x->g != y->g)
		return x->g < y->g ? -1 : 1;
	return x->p < y->p ? -1 : x->p > y->p;
}

/* The largest overlap in bytes of any mention of e with any span. */
static size_t eval_overlap(const struct event *e, const struct eval_span *sp,
			   size_t nsp)
{
	size_t best = 0;
	size_t nm = e->nmentions < EVX_MAX_MENTIONS_PER_EVENT ? e->nmentions
							       : EVX_MAX_MENTIONS_PER_EVENT;

	for (size_t i = 0; i < nm; i++) {
		for (size_t k = 0; k < nsp; k++) {
			size_t s = e->mentions[i].start > sp[k].start ? e->mentions[i].start : sp[k].start;
			size_t t = e->mentions[i].end < sp[k].end ? e->mentions[i].end : sp[k].end;

			if (t > s && t - s > best)
				best = t - s;
		}
	}
	return best;
}

/* Lower-cases, trims, collapses white space and straightens curly quotes.
 * Returns a malloc'ed string or NULL. */
static char *eval_norm(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = malloc(n + 1);
	int space = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char put;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = 1;
			continue;
		}
		if (c == 0xC2 && (unsigned char)s[i + 1] == 0xA0) { /* no-break space */
			i++;
			space = 1;
			continue;
		}
		if (c == 0xE2 && (unsigned char)s[i + 1] == 0x80 &&
		    (unsigned char)s[i + 2] >= 0x98 && (unsigned char)s[i + 2] <= 0x9D) {
			unsigned char q = (unsigned char)s[i + 2];

			if (q == 0x98 || q == 0x99)
				put = '\'';
			else if (q == 0x9C || q == 0x9D)
				put = '"';
			else
				put = 0;
			if (put) {
				i += 2;
				c = (unsigned char)put;
			}
		}
		if (space && o)
			out[o++] = ' ';
		space = 0;
		out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[o] = '\0';
	return out;
}

/* Whether every value of a is in b and every value of b in a. */
static int eval_subset(char *const *a, size_t na, char *const *b, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		size_t k = 0;

		while (k < nb && strcmp(a[i], b[k]) != 0)
			k++;
		if (k == nb)
			return 0;
	}
	return 1;
}

/* Compares gold values with predicted ones as sets. Returns 1 equal, 0 not,
 * -1 out of memory. */
static int eval_same(const struct gold_field *gf, const char *const *pv,
		     size_t np)
{
	int exact = gf->kind == GF_NUM || strcmp(gf->key, "date") == 0;
	char *g[EVX_MAX_LIST_VALUES * 2], *p[EVX_MAX_LIST_VALUES];
	size_t ng = gf->nvals < EVX_MAX_LIST_VALUES * 2 ? gf->nvals : EVX_MAX_LIST_VALUES * 2;
	size_t ig = 0, ip = 0;
	int rc = -1;

	for (; ig < ng; ig++)
		if (!(g[ig] = exact ? strdup(gf->vals[ig]) : eval_norm(gf->vals[ig])))
			goto out;
	for (; ip < np && ip < EVX_MAX_LIST_VALUES; ip++)
		if (!(p[ip] = exact ? strdup(pv[ip]) : eval_norm(pv[ip])))
			goto out;
	rc = eval_subset(g, ng, p, ip) && eval_subset(p, ip, g, ng);
out:
	while (ig > 0)
		free(g[--ig]);
	while (ip > 0)
		free(p[--ip]);
	return rc;
}

/* Writes values as "a", "b" (or "-" when none) into buf. */
static void eval_join(char *buf, size_t size, char *const *v, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	if (n == 0) {
		snprintf(buf, size, "-");
		return;
	}
	for (size_t i = 0; i < n && o < size; i++) {
		int k = snprintf(buf + o, size - o, "%s\"%s\"", i ? ", " : "", v[i]);

		if (k < 0)
			break;
		o += (size_t)k;
	}
}

/* Compares every gold field of ge with prediction e. Returns 0 or -1. */
static int eval_fields(struct eval *ev, const char *article_id,
		       const struct gold_event *ge, const struct event *e,
		       struct eval_type *t)
{
	for (size_t i = 0; i < ge->nfields; i++) {
		const struct gold_field *gf = &ge->fields[i];
		const char *vals[EVX_MAX_LIST_VALUES];
		char scratch[64], gbuf[512], pbuf[512];
		size_t n = event_field_values(e, gf->key, vals, EVX_MAX_LIST_VALUES,
					      scratch, sizeof(scratch));
		struct eval_fieldstat *fs = eval_fstat_get(ev, gf->key);
		int same = eval_same(gf, vals, n);

		if (!fs || same < 0)
			return -1;
		fs->compared++;
		t->fields_compared++;
		if (same) {
			fs->correct++;
			t->fields_correct++;
			continue;
		}
		eval_join(gbuf, sizeof(gbuf), gf->vals, gf->nvals);
		eval_join(pbuf, sizeof(pbuf), (char *const *)vals, n);
		if (eval_note(ev, "field  %s %s %s: gold %s, predicted %s",
			      article_id, ge->type, gf->key, gbuf, pbuf) < 0)
			return -1;
	}
	return 0;
}

/* The first occurrence of needle (nlen > 0 bytes) in hay (hlen), or NULL;
 * memmem is a GNU extension, so a memchr and memcmp loop does it. */
static const char *eval_search(const char *hay, size_t hlen, const char *needle,
			       size_t nlen)
{
	const char *p = hay, *end = hay + hlen;

	while (nlen && (size_t)(end - p) >= nlen) {
		p = memchr(p, needle[0], (size_t)(end - p) - nlen + 1);
		if (!p)
			return NULL;
		if (memcmp(p, needle, nlen) == 0)
			return p;
		p++;
	}
	return NULL;
}

static struct gold_article *eval_find(const struct eval *ev, const char *id)
{
	struct gold_article key;

	if (!ev->narts)
		return NULL;
	key.id = (char *)id;
	return bsearch(&key, ev->arts, ev->narts, sizeof(*ev->arts), eval_cmp_article);
}

static const char *eval_first_mention(const struct event *e)
{
	return e->nmentions && e->mentions[0].text ? e->mentions[0].text : "";
}

static const char *eval_first_rule(const struct event *e)
{
	return e->nmentions && e->mentions[0].rule ? e->mentions[0].rule : "";
}

int eval_add_article(struct eval *ev, const char *article_id, const char *body,
		     size_t body_len, const struct event *events,
		     size_t nevents)
{
	struct gold_article *ga = eval_find(ev, article_id);
	struct eval_span *spans = NULL;
	size_t *spanat = NULL, *nspan = NULL, nspans = 0, capspans = 0;
	struct eval_pair *pairs = NULL;
	size_t npairs = 0;
	long *gmatch = NULL, *pmatch = NULL;
	int rc = -1;

	if (ga && ga->seen)
		return -2;
	if (!ga) {
		ev->nogold_articles++;
		ev->nogold_predictions += nevents;
		for (size_t p = 0; p < nevents; p++) {
			struct eval_type *t = eval_type_get(ev, events[p].type ? events[p].type : "");

			if (!t)
				return -1;
			t->predicted++;
			if (eval_note(ev, "fp     %s %s \"%s\" rule=%s (article has no gold line)",
				      article_id, t->type, eval_first_mention(&events[p]),
				      eval_first_rule(&events[p])) < 0)
				return -1;
		}
		return 0;
	}
	ga->seen = 1;

	/* Evidence spans: spanat[g] is the first of gold event g's nspan[g]. */
	spanat = calloc(ga->nevents + 1, sizeof(*spanat));
	nspan = calloc(ga->nevents + 1, sizeof(*nspan));
	gmatch = malloc((ga->nevents + 1) * sizeof(*gmatch));
	pmatch = malloc((nevents + 1) * sizeof(*pmatch));
	pairs = malloc((ga->nevents * nevents + 1) * sizeof(*pairs));
	if (!spanat || !nspan || !gmatch || !pmatch || !pairs)
		goto out;
	for (size_t g = 0; g < ga->nevents; g++) {
		const struct gold_event *ge = &ga->events[g];

		spanat[g] = nspans;
		gmatch[g] = -1;
		for (size_t k = 0; k < ge->nevidence; k++) {
			const char *evd = ge->evidence[k];
			size_t elen = strlen(evd), from = 0, found = 0;
			const char *hit;

			while (from < body_len &&
			       (hit = eval_search(body + from, body_len - from, evd, elen))) {
				struct eval_span *ns = eval_room(spans, &capspans, nspans,
								 sizeof(*spans));

				if (!ns)
					goto out;
				spans = ns;
				spans[nspans].start = (size_t)(hit - body);
				spans[nspans].end = spans[nspans].start + elen;
				nspans++;
				found++;
				from = (size_t)(hit - body) + 1;
			}
			if (!found) {
				ev->gold_problems++;
				fprintf(stderr, "gold: article %s: %s evidence not found in body: \"%s\"\n",
					article_id, ge->type, evd);
			}
		}
		nspan[g] = nspans - spanat[g];
	}

	/* Candidate pairs with required gold events, largest overlap first. */
	for (size_t p = 0; p < nevents; p++) {
		pmatch[p] = -1;
		for (size_t g = 0; g < ga->nevents; g++) {
			const struct gold_event *ge = &ga->events[g];
			size_t ov;

			if (!ge->required || !events[p].type ||
			    strcmp(events[p].type, ge->type) != 0)
				continue;
			ov = eval_overlap(&events[p], spans + spanat[g], nspan[g]);
			if (ov)
				pairs[npairs++] = (struct eval_pair){ ov, g, p };
		}
	}
	/* Each required gold event is found by every prediction overlapping
	 * it; its fields are scored against the one overlapping most (a
	 * prediction may be that pair for several gold events: one merged
	 * event reporting two gold ones). */
	qsort(pairs, npairs, sizeof(*pairs), eval_cmp_pair);
	for (size_t i = 0; i < npairs; i++) {
		if (gmatch[pairs[i].g] < 0)
			gmatch[pairs[i].g] = (long)pairs[i].p;
		if (pmatch[pairs[i].p] < 0)
			pmatch[pairs[i].p] = (long)pairs[i].g;
	}

	for (size_t g = 0; g < ga->nevents; g++) {
		const struct gold_event *ge = &ga->events[g];
		struct eval_type *t;

		if (!ge->required)
			continue;
		if (!(t = eval_type_get(ev, ge->type)))
			goto out;
		if (gmatch[g] >= 0) {
			t->matched++;
			if (eval_fields(ev, article_id, ge, &events[gmatch[g]], t) < 0)
				goto out;
		} else if (eval_note(ev, "miss   %s %s \"%s\"", article_id, ge->type,
				     ge->evidence[0]) < 0) {
			goto out;
		}
	}
	for (size_t p = 0; p < nevents; p++) {
		const char *type = events[p].type ? events[p].type : "";
		struct eval_type *t = eval_type_get(ev, type);
		int neutral = 0;

		if (!t)
			goto out;
		if (pmatch[p] >= 0) {
			t->predicted++;
			t->pred_matched++;
			continue;
		}
		/* Overlapping a required gold event already paired with another
		 * prediction still matches it (fields are scored on one pair). */
		for (size_t g = 0; g < ga->nevents && !neutral; g++) {
			const struct gold_event *ge = &ga->events[g];

			neutral = ge->required && strcmp(type, ge->type) == 0 &&
				  eval_overlap(&events[p], spans + spanat[g], nspan[g]) > 0;
		}
		if (neutral) {
			t->predicted++;
			t->pred_matched++;
			continue;
		}
		for (size_t g = 0; g < ga->nevents && !neutral; g++) {
			const struct gold_event *ge = &ga->events[g];

			neutral = !ge->required && strcmp(type, ge->type) == 0 &&
				  eval_overlap(&events[p], spans + spanat[g], nspan[g]) > 0;
		}
		if (neutral) {
			t->neutral++;
			continue;
		}
		t->predicted++;
		if (eval_note(ev, "fp     %s %s \"%s\" rule=%s", article_id, type,
			      eval_first_mention(&events[p]), eval_first_rule(&events[p])) < 0)
			goto out;
	}
	rc = 0;
out:
	free(spans);
	free(spanat);
	free(nspan);
	free(gmatch);
	free(pmatch);
	free(pairs);
	return rc;
}

/* ---- scores and report ------------------------------------------------- */

static void eval_fill(struct eval_scores *s)
{
	s->false_positives = s->predicted - s->pred_matched;
	s->missed = s->gold_required - s->matched;
	s->precision = s->predicted ? (double)s->pred_matched / (double)s->predicted : 1.0;
	s->recall = s->gold_required ? (double)s->matched / (double)s->gold_required : 1.0;
	s->f1 = s->precision + s->recall > 0
			? 2 * s->precision * s->recall / (s->precision + s->recall)
			: 0.0;
	s->field_accuracy = s->fields_compared
				    ? (double)s->fields_correct / (double)s->fields_compared
				    : 1.0;
}

static void eval_add_type(struct eval_scores *s, const struct eval_type *t)
{
	s->gold_required += t->gold_required;
	s->predicted += t->predicted;
	s->neutral += t->neutral;
	s->matched += t->matched;
	s->pred_matched += t->pred_matched;
	s->fields_compared += t->fields_compared;
	s->fields_correct += t->fields_correct;
}

int eval_summary(const struct eval *ev, const char *type,
		 struct eval_scores *out)
{
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (type) {
		const struct eval_type *t = eval_type_find(ev, type);

		if (t)
			eval_add_type(out, t);
		else
			rc = -1;
	} else {
		for (size_t i = 0; i < ev->ntypes; i++)
			eval_add_type(out, &ev->types[i]);
	}
	eval_fill(out);
	return rc;
}

int eval_field_summary(const struct eval *ev, const char *field,
		       size_t *correct, size_t *compared)
{
	*correct = *compared = 0;
	for (size_t i = 0; i < ev->nfstats; i++) {
		if (strcmp(ev->fstats[i].key, field) == 0) {
			*correct = ev->fstats[i].correct;
			*compared = ev->fstats[i].compared;
			return 0;
		}
	}
	return -1;
}

static void eval_row(FILE *fp, const char *name, const struct eval_scores *s)
{
	fprintf(fp, "%-18s %6zu %6zu %6zu %7zu %6zu %6.3f %6.3f %6.3f\n", name,
		s->gold_required, s->matched, s->predicted, s->neutral,
		s->pred_matched, s->precision, s->recall, s->f1);
}

void eval_report(const struct eval *ev, FILE *fp, int verbose)
{
	struct eval_scores all;
	size_t unseen = 0, unseen_req = 0;

	fprintf(fp, "%-18s %6s %6s %6s %7s %6s %6s %6s %6s\n", "type", "gold",
		"found", "pred", "neutral", "tp", "P", "R", "F1");
	for (size_t i = 0; i < ev->ntypes; i++) {
		struct eval_scores s = { 0 };

		eval_add_type(&s, &ev->types[i]);
		eval_fill(&s);
		eval_row(fp, ev->types[i].type, &s);
	}
	eval_summary(ev, NULL, &all);
	eval_row(fp, "overall", &all);

	fprintf(fp, "\nfield accuracy: %zu/%zu = %.3f\n", all.fields_correct,
		all.fields_compared, all.field_accuracy);
	for (size_t i = 0; i < ev->nfstats; i++) {
		const struct eval_fieldstat *f = &ev->fstats[i];

		fprintf(fp, "  %-18s %5zu/%-5zu %6.3f\n", f->key, f->correct,
			f->compared, f->compared ? (double)f->correct / (double)f->compared : 1.0);
	}

	for (size_t i = 0; i < ev->narts; i++) {
		if (ev->arts[i].seen)
			continue;
		unseen++;
		for (size_t k = 0; k < ev->arts[i].nevents; k++)
			unseen_req += ev->arts[i].events[k].required;
	}
	if (unseen)
		fprintf(fp, "\n%zu gold article(s) not evaluated: their %zu required event(s) count as misses\n",
			unseen, unseen_req);
	if (ev->nogold_articles)
		fprintf(fp, "%zu article(s) without a gold line: their %zu prediction(s) count as false positives\n",
			ev->nogold_articles, ev->nogold_predictions);
	if (ev->gold_problems)
		fprintf(fp, "%zu gold evidence string(s) not found in their article (see stderr)\n",
			ev->gold_problems);
	if (!verbose)
		return;
	fprintf(fp, "\n");
	for (size_t i = 0; i < ev->nnotes; i++)
		fprintf(fp, "%s\n", ev->notes[i]);
	for (size_t i = 0; i < ev->narts; i++) {
		const struct gold_article *ga = &ev->arts[i];

		if (ga->seen)
			continue;
		for (size_t k = 0; k < ga->nevents; k++)
			if (ga->events[k].required)
				fprintf(fp, "miss   %s %s \"%s\" (article not evaluated)\n",
					ga->id, ga->events[k].type, ga->events[k].evidence[0]);
	}
}
