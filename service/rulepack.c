/*
 * rulepack.c - reading rule pack YAML files into specs.
 *
 * Each file is parsed whole with libyaml's document API (yaml_parser_load)
 * and its node tree walked once. Every mapping is checked against a table of
 * the keys it may have (rp_map_keys), so an unknown or repeated key is an
 * error at its own line; each value is then checked for shape and copied out
 * of the document, which is freed when the file is done. Lines are libyaml's
 * 0-based marks plus one.
 *
 * Nothing stops at the first error: a bad value is reported and skipped and
 * the walk goes on, so one load reports everything. Checks that span files
 * (duplicate list, macro and rule names; a version in exactly one file of
 * each pack) run after the last file, over the whole load, by sorting the
 * names and comparing neighbours, so they cost O(n log n) however many rules
 * there are. If the load gained any error the specs are dropped and NULL is
 * returned: a pack with an error yields nothing.
 *
 * A collection node reached twice (a YAML alias to a list or mapping) is an
 * error: it keeps a small file from expanding into a huge walk.
 *
 * Runs on whichever thread loads the rules; it keeps no global state.
 */
#include "rulepack.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "limits.h"

/* Deepest directory nesting searched for pack files. */
#define RP_MAX_DIR_DEPTH 16

/* Most keys any one mapping of the format may have. */
#define RP_MAX_KEYS 10

/* Where each pack was first named and where its description was given:
 * loader-only facts kept beside rp->packs (same index). */
struct rp_packloc {
	const char *file;
	int line;
	const char *desc_file;
	int desc_line;
};

struct rp_loader {
	struct rulepack *rp;
	struct diag *d;
	const char *file;          /* file being read (in rp->files) */
	yaml_document_t *doc;
	unsigned char *seen;       /* collection nodes already walked */
	size_t nseen;
	struct rp_pack *pack;      /* this file's pack, NULL when unnamed */
	size_t cap_files, cap_packs, cap_lists, cap_macros, cap_rules;
	struct rp_packloc *packloc;
	int oom;                   /* an allocation failed (reported once) */
};

/* Grows *arr (elements of size sz, capacity *cap) to hold n + 1. */
static int rp_grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *grown;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	grown = realloc(*arr, ncap * sz);
	if (!grown)
		return -1;
	memset((char *)grown + *cap * sz, 0, (ncap - *cap) * sz);
	*arr = grown;
	*cap = ncap;
	return 0;
}

static void rp_oom(struct rp_loader *ld)
{
	if (!ld->oom)
		diag_error(ld->d, ld->file, 0, NULL, "out of memory");
	ld->oom = 1;
}

static int rp_line(const yaml_node_t *n)
{
	return n ? (int)n->start_mark.line + 1 : 0;
}

static yaml_node_t *rp_node(struct rp_loader *ld, int id)
{
	return yaml_document_get_node(ld->doc, id);
}

static const char *rp_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a string";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "empty";
	}
}

/* Marks collection node n as walked; reports and returns -1 when it already
 * was (an alias). */
static int rp_visit(struct rp_loader *ld, yaml_node_t *n, const char *rule)
{
	size_t i = (size_t)(n - ld->doc->nodes.start);

	if (n->type == YAML_SCALAR_NODE || i >= ld->nseen)
		return 0;
	if (ld->seen[i])
		return diag_error(ld->d, ld->file, rp_line(n), rule,
				  "YAML aliases of lists and mappings are not supported");
	ld->seen[i] = 1;
	return 0;
}

/* Checks that n is a mapping (named what in messages). */
static int rp_want_map(struct rp_loader *ld, yaml_node_t *n, const char *rule,
		       const char *what)
{
	if (n->type != YAML_MAPPING_NODE)
		return diag_error(ld->d, ld->file, rp_line(n), rule,
				  "%s must be a mapping, not %s", what, rp_kind(n));
	return rp_visit(ld, n, rule);
}

static int rp_want_seq(struct rp_loader *ld, yaml_node_t *n, const char *rule,
		       const char *what)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return diag_error(ld->d, ld->file, rp_line(n), rule,
				  "%s must be a list, not %s", what, rp_kind(n));
	return rp_visit(ld, n, rule);
}

/* Returns a copy of scalar n, or NULL after reporting that it is not a
 * (non-empty, NUL-free) string. */
static char *rp_str(struct rp_loader *ld, yaml_node_t *n, const char *rule,
		    const char *what)
{
	const char *v;
	size_t len;
	char *s;

	if (n->type != YAML_SCALAR_NODE) {
		diag_error(ld->d, ld->file, rp_line(n), rule,
			   "%s must be a string, not %s", what, rp_kind(n));
		return NULL;
	}
	v = (const char *)n->data.scalar.value;
	len = n->data.scalar.length;
	if (len == 0) {
		diag_error(ld->d, ld->file, rp_line(n), rule, "%s is empty", what);
		return NULL;
	}
	if (memchr(v, '\0', len)) {
		diag_error(ld->d, ld->file, rp_line(n), rule,
			   "%s contains a NUL character", what);
		return NULL;
	}
	s = strndup(v, len);
	if (!s)
		rp_oom(ld);
	return s;
}

/* Scalar value as a C string without copying (NULL when not a scalar). The
 * document keeps every scalar NUL-terminated. */
static const char *rp_sval(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
					   : NULL;
}

static int rp_is_ident(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

static int rp_is_type(const char *s)
{
	if (!s || !(*s >= 'A' && *s <= 'Z'))
		return 0;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || isdigit((unsigned char)*s) ||
		      *s == '_'))
			return 0;
	return 1;
}

static int rp_is_rule_id(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '.' ||
		      *s == '-'))
			return 0;
	return 1;
}

/* MAJOR.MINOR.PATCH, each a number without leading zeros. */
static int rp_is_semver(const char *s)
{
	for (int part = 0; part < 3; part++) {
		const char *start = s;

		while (isdigit((unsigned char)*s))
			s++;
		if (s == start || (*start == '0' && s - start > 1))
			return 0;
		if (part < 2 && *s++ != '.')
			return 0;
	}
	return *s == '\0';
}

/* YYYY-MM-DD, optionally followed by a time ("T..." or " ..."). */
static int rp_is_date(const char *s)
{
	static const char shape[] = "dddd-dd-dd";

	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i])
				    : s[i] != shape[i])
			return 0;
	return s[10] == '\0' || s[10] == 'T' || s[10] == ' ';
}

/* Checks mapping n against the NULL-terminated key table allowed, storing the
 * value node of each key in vals (NULL when absent). Unknown and repeated keys
 * are reported at their line. */
static int rp_map_keys(struct rp_loader *ld, yaml_node_t *n, const char *rule,
		       const char *what, const char *const *allowed,
		       yaml_node_t **vals)
{
	int rc = 0;

	for (size_t i = 0; allowed[i]; i++)
		vals[i] = NULL;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = rp_node(ld, p->key), *v = rp_node(ld, p->value);
		const char *key = k ? rp_sval(k) : NULL;
		size_t i;

		if (!k || !v)
			continue;
		if (!key) {
			rc = diag_error(ld->d, ld->file, rp_line(k), rule,
					"keys of %s must be strings", what);
			continue;
		}
		for (i = 0; allowed[i] && strcmp(allowed[i], key) != 0; i++)
			;
		if (!allowed[i]) {
			rc = diag_error(ld->d, ld->file, rp_line(k), rule,
					"unknown key \"%s\" in %s", key, what);
			continue;
		}
		if (vals[i]) {
			rc = diag_error(ld->d, ld->file, rp_line(k), rule,
					"key \"%s\" given twice in %s", key, what);
			continue;
		}
		vals[i] = v;
	}
	return rc;
}

/* Appends s to (*arr, *n), taking ownership of s. */
static int rp_push_str(struct rp_loader *ld, char ***arr, size_t *n, char *s)
{
	char **grown = realloc(*arr, (*n + 1) * sizeof(**arr));

	if (!grown) {
		free(s);
		rp_oom(ld);
		return -1;
	}
	*arr = grown;
	(*arr)[(*n)++] = s;
	return 0;
}

/* Copies the string items [it, end) into (*arr, *cnt), with the line of each
 * in *lines when lines is not NULL. */
static int rp_str_items(struct rp_loader *ld, const char *rule,
			const char *what, yaml_node_item_t *it,
			yaml_node_item_t *end, char ***arr, size_t *cnt,
			int **lines)
{
	int rc = 0;

	for (; it < end; it++) {
		yaml_node_t *v = rp_node(ld, *it);
		char *s = v ? rp_str(ld, v, rule, what) : NULL;

		if (!s) {
			rc = -1;
			continue;
		}
		if (lines) {
			int *grown = realloc(*lines, (*cnt + 1) * sizeof(**lines));

			if (!grown) {
				free(s);
				rp_oom(ld);
				return -1;
			}
			*lines = grown;
			(*lines)[*cnt] = rp_line(v);
		}
		if (rp_push_str(ld, arr, cnt, s) < 0)
			return -1;
	}
	return rc;
}

/* Reads a string or a list of strings (see rp_str_items). */
static int rp_str_list(struct rp_loader *ld, yaml_node_t *n, const char *rule,
		       const char *what, char ***arr, size_t *cnt, int **lines)
{
	if (n->type == YAML_SCALAR_NODE) {
		yaml_node_item_t one = (yaml_node_item_t)(n - ld->doc->nodes.start) + 1;

		return rp_str_items(ld, rule, what, &one, &one + 1, arr, cnt, lines);
	}
	if (rp_want_seq(ld, n, rule, what) < 0)
		return -1;
	return rp_str_items(ld, rule, what, n->data.sequence.items.start,
			    n->data.sequence.items.top, arr, cnt, lines);
}

/* Reads mapping n of field -> string or list of strings into (*kvs, *nkvs). */
static int rp_kvs(struct rp_loader *ld, yaml_node_t *n, const char *rule,
		  const char *what, struct rp_kv **kvs, size_t *nkvs)
{
	int rc = 0;

	if (rp_want_map(ld, n, rule, what) < 0)
		return -1;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = rp_node(ld, p->key), *v = rp_node(ld, p->value);
		const char *key = k ? rp_sval(k) : NULL;
		struct rp_kv *grown, *kv;

		if (!k || !v)
			continue;
		if (!rp_is_ident(key)) {
			rc = diag_error(ld->d, ld->file, rp_line(k), rule,
					"field name in %s must be an identifier", what);
			continue;
		}
		for (size_t i = 0; i < *nkvs; i++)
			if (strcmp((*kvs)[i].key, key) == 0)
				rc = diag_error(ld->d, ld->file, rp_line(k), rule,
						"field \"%s\" given twice in %s", key, what);
		grown = realloc(*kvs, (*nkvs + 1) * sizeof(**kvs));
		if (!grown) {
			rp_oom(ld);
			return -1;
		}
		*kvs = grown;
		kv = &grown[(*nkvs)++];
		memset(kv, 0, sizeof(*kv));
		kv->line = rp_line(k);
		kv->key = strdup(key);
		if (!kv->key) {
			rp_oom(ld);
			return -1;
		}
		if (rp_str_list(ld, v, rule, "a field value", &kv->vals,
				&kv->nvals, NULL) < 0)
			rc = -1;
	}
	return rc;
}

/* Adds form s (owned) to entry e unless it is already there. */
static int rp_entry_form(struct rp_loader *ld, struct rp_entry *e, char *s)
{
	for (size_t i = 0; i < e->nforms; i++) {
		if (strcmp(e->forms[i], s) == 0) {
			free(s);
			return 0;
		}
	}
	return rp_push_str(ld, &e->forms, &e->nforms, s);
}

static int rp_entry(struct rp_loader *ld, yaml_node_t *n, struct rp_entry *e)
{
	static const char *const keys[] = {"name", "code", "forms", NULL};
	yaml_node_t *v[RP_MAX_KEYS];
	char **forms = NULL;
	size_t nforms = 0;
	int rc = 0;

	e->line = rp_line(n);
	if (n->type == YAML_SCALAR_NODE) {
		e->name = rp_str(ld, n, NULL, "a list entry");
		e->code = strdup("");
		if (!e->name || !e->code)
			return -1;
		return rp_entry_form(ld, e, strdup(e->name));
	}
	if (rp_want_map(ld, n, NULL, "a list entry") < 0)
		return -1;
	rc = rp_map_keys(ld, n, NULL, "a list entry", keys, v);
	if (!v[0])
		return diag_error(ld->d, ld->file, e->line, NULL,
				  "list entry without \"name\"");
	e->name = rp_str(ld, v[0], NULL, "name");
	e->code = v[1] ? rp_str(ld, v[1], NULL, "code") : strdup("");
	if (!e->name || !e->code)
		return -1;
	if (rp_entry_form(ld, e, strdup(e->name)) < 0)
		return -1;
	if (v[2] && rp_str_list(ld, v[2], NULL, "forms", &forms, &nforms, NULL) < 0)
		rc = -1;
	for (size_t i = 0; i < nforms; i++) {
		if (rp_entry_form(ld, e, forms[i]) < 0)
			rc = -1;
		forms[i] = NULL;
	}
	free(forms);
	return rc;
}

/* Removes the entry's name from its forms unless the forms list it again
 * explicitly (the loader puts the name first). */
static void rp_drop_name_form(struct rp_loader *ld, struct rp_entry *e)
{
	if (!e->nforms || !e->name || strcmp(e->forms[0], e->name) != 0)
		return;
	for (size_t k = 1; k < e->nforms; k++)
		if (strcmp(e->forms[k], e->name) == 0)
			return;
	if (e->nforms == 1) {
		diag_error(ld->d, ld->file, e->line, NULL,
			   "entry \"%s\" has no forms and its list has name_is_form: false",
			   e->name);
		return;
	}
	free(e->forms[0]);
	memmove(e->forms, e->forms + 1, (e->nforms - 1) * sizeof(*e->forms));
	e->nforms--;
}

static void rp_list(struct rp_loader *ld, yaml_node_t *k, yaml_node_t *n)
{
	static const char *const keys[] = {"case", "entries", "name_is_form", NULL};
	struct rulepack *rp = ld->rp;
	yaml_node_t *v[RP_MAX_KEYS], *entries = n;
	int name_is_form = 1;
	const char *name = rp_sval(k);
	struct rp_list *l;

	if (!rp_is_ident(name)) {
		diag_error(ld->d, ld->file, rp_line(k), NULL,
			   "list name \"%s\" is not an identifier",
			   name ? name : "");
		return;
	}
	if (rp_grow((void **)&rp->lists, &ld->cap_lists, rp->nlists,
		    sizeof(*rp->lists)) < 0) {
		rp_oom(ld);
		return;
	}
	l = &rp->lists[rp->nlists++];
	l->file = ld->file;
	l->line = rp_line(k);
	l->name = strdup(name);
	if (!l->name) {
		rp_oom(ld);
		return;
	}
	if (n->type == YAML_MAPPING_NODE) {
		if (rp_want_map(ld, n, NULL, "a list") < 0)
			return;
		rp_map_keys(ld, n, NULL, "a list", keys, v);
		if (v[0]) {
			const char *c = rp_sval(v[0]);

			if (c && strcmp(c, "insensitive") == 0)
				l->caseless = 1;
			else if (!c || strcmp(c, "sensitive") != 0)
				diag_error(ld->d, ld->file, rp_line(v[0]), NULL,
					   "case must be sensitive or insensitive");
		}
		if (v[2]) {
			const char *b = rp_sval(v[2]);

			if (b && strcmp(b, "false") == 0)
				name_is_form = 0;
			else if (!b || strcmp(b, "true") != 0)
				diag_error(ld->d, ld->file, rp_line(v[2]), NULL,
					   "name_is_form must be true or false");
		}
		entries = v[1];
		if (!entries) {
			diag_error(ld->d, ld->file, rp_line(n), NULL,
				   "list \"%s\" without \"entries\"", name);
			return;
		}
	}
	if (rp_want_seq(ld, entries, NULL, "a list's entries") < 0)
		return;
	for (yaml_node_item_t *it = entries->data.sequence.items.start;
	     it < entries->data.sequence.items.top; it++) {
		yaml_node_t *en = rp_node(ld, *it);
		struct rp_entry *grown;

		if (!en)
			continue;
		grown = realloc(l->entries, (l->nentries + 1) * sizeof(*grown));
		if (!grown) {
			rp_oom(ld);
			return;
		}
		l->entries = grown;
		memset(&grown[l->nentries], 0, sizeof(*grown));
		rp_entry(ld, en, &grown[l->nentries++]);
	}
	if (l->nentries == 0)
		diag_error(ld->d, ld->file, l->line, NULL,
			   "list \"%s\" has no entries", name);
	/* A list that maps forms to another thing's name ("Russian forces" ->
	 * Russia) must not match that name itself. */
	for (size_t i = 0; !name_is_form && i < l->nentries; i++)
		rp_drop_name_form(ld, &l->entries[i]);
}

static void rp_lists(struct rp_loader *ld, yaml_node_t *n)
{
	if (rp_want_map(ld, n, NULL, "lists") < 0)
		return;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = rp_node(ld, p->key), *v = rp_node(ld, p->value);

		if (k && v)
			rp_list(ld, k, v);
	}
}

static void rp_macros(struct rp_loader *ld, yaml_node_t *n)
{
	struct rulepack *rp = ld->rp;

	if (rp_want_map(ld, n, NULL, "macros") < 0)
		return;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = rp_node(ld, p->key), *v = rp_node(ld, p->value);
		const char *name = k ? rp_sval(k) : NULL;
		struct rp_macro *m;

		if (!k || !v)
			continue;
		if (!rp_is_ident(name)) {
			diag_error(ld->d, ld->file, rp_line(k), NULL,
				   "macro name \"%s\" is not an identifier",
				   name ? name : "");
			continue;
		}
		if (rp_grow((void **)&rp->macros, &ld->cap_macros, rp->nmacros,
			    sizeof(*rp->macros)) < 0) {
			rp_oom(ld);
			return;
		}
		m = &rp->macros[rp->nmacros++];
		m->file = ld->file;
		m->line = rp_line(k);
		m->name = strdup(name);
		if (!m->name)
			rp_oom(ld);
		m->value = rp_str(ld, v, NULL, "a macro");
	}
}

/* Reads one example: a string, or a mapping with text, published_at and (for
 * match examples) expect. */
static int rp_example(struct rp_loader *ld, yaml_node_t *n, const char *rule,
		      int is_match, struct rp_example *ex)
{
	static const char *const keys[] = {"text", "published_at", "expect", NULL};
	static const char *const keys_nm[] = {"text", "published_at", NULL};
	yaml_node_t *v[RP_MAX_KEYS];
	int rc;

	ex->line = rp_line(n);
	if (n->type == YAML_SCALAR_NODE) {
		ex->text = rp_str(ld, n, rule, "an example");
		return ex->text ? 0 : -1;
	}
	if (rp_want_map(ld, n, rule, "an example") < 0)
		return -1;
	rc = rp_map_keys(ld, n, rule, is_match ? "a match example" :
			 "a no_match example", is_match ? keys : keys_nm, v);
	if (!v[0])
		return diag_error(ld->d, ld->file, ex->line, rule,
				  "example without \"text\"");
	ex->text = rp_str(ld, v[0], rule, "text");
	if (!ex->text)
		rc = -1;
	if (v[1]) {
		ex->published_at = rp_str(ld, v[1], rule, "published_at");
		if (!ex->published_at)
			rc = -1;
		else if (!rp_is_date(ex->published_at))
			rc = diag_error(ld->d, ld->file, rp_line(v[1]), rule,
					"published_at \"%s\" is not YYYY-MM-DD or RFC 3339",
					ex->published_at);
	}
	if (is_match && v[2] &&
	    rp_kvs(ld, v[2], rule, "expect", &ex->expect, &ex->nexpect) < 0)
		rc = -1;
	return rc;
}

static void rp_examples(struct rp_loader *ld, yaml_node_t *n,
			struct rp_rule *r)
{
	static const char *const keys[] = {"match", "no_match", NULL};
	yaml_node_t *v[RP_MAX_KEYS];

	if (rp_want_map(ld, n, r->id, "examples") < 0)
		return;
	rp_map_keys(ld, n, r->id, "examples", keys, v);
	for (int which = 0; which < 2; which++) {
		struct rp_example **arr = which == 0 ? &r->match : &r->no_match;
		size_t *cnt = which == 0 ? &r->nmatch : &r->nno_match;

		if (!v[which] || rp_want_seq(ld, v[which], r->id, keys[which]) < 0)
			continue;
		for (yaml_node_item_t *it = v[which]->data.sequence.items.start;
		     it < v[which]->data.sequence.items.top; it++) {
			yaml_node_t *en = rp_node(ld, *it);
			struct rp_example *grown;

			if (!en)
				continue;
			grown = realloc(*arr, (*cnt + 1) * sizeof(*grown));
			if (!grown) {
				rp_oom(ld);
				return;
			}
			*arr = grown;
			memset(&grown[*cnt], 0, sizeof(*grown));
			rp_example(ld, en, r->id, which == 0, &grown[(*cnt)++]);
		}
	}
}

static void rp_rule(struct rp_loader *ld, yaml_node_t *n)
{
	enum { K_ID, K_REV, K_TYPE, K_FILL, K_SCOPE, K_PATTERN, K_EXCLUDE,
	       K_SET, K_EXAMPLES };
	static const char *const keys[] = {"id", "revision", "type", "fill",
		"scope", "pattern", "exclude", "set", "examples", NULL};
	struct rulepack *rp = ld->rp;
	yaml_node_t *v[RP_MAX_KEYS];
	struct rp_rule *r;
	const char *s;

	if (rp_want_map(ld, n, NULL, "a rule") < 0)
		return;
	if (rp_grow((void **)&rp->rules, &ld->cap_rules, rp->nrules,
		    sizeof(*rp->rules)) < 0) {
		rp_oom(ld);
		return;
	}
	r = &rp->rules[rp->nrules++];
	r->file = ld->file;
	r->line = rp_line(n);
	r->pack = ld->pack ? ld->pack->name : NULL;
	/* The id first, so that later messages can name the rule. */
	s = NULL;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top && !s; p++) {
		yaml_node_t *k = rp_node(ld, p->key), *val = rp_node(ld, p->value);

		if (k && val && rp_sval(k) && strcmp(rp_sval(k), "id") == 0)
			s = rp_sval(val);
	}
	rp_map_keys(ld, n, rp_is_rule_id(s) ? s : NULL, "a rule", keys, v);
	if (!v[K_ID]) {
		diag_error(ld->d, ld->file, r->line, NULL, "rule without \"id\"");
	} else if ((r->id = rp_str(ld, v[K_ID], NULL, "id")) &&
		   !rp_is_rule_id(r->id)) {
		diag_error(ld->d, ld->file, rp_line(v[K_ID]), NULL,
			   "rule id \"%s\" may only use letters, digits, '_', '.' and '-'",
			   r->id);
		free(r->id);
		r->id = NULL;
	}
	if (!v[K_REV]) {
		diag_error(ld->d, ld->file, r->line, r->id, "missing \"revision\"");
	} else {
		char *end = NULL;
		long rev;

		s = rp_sval(v[K_REV]);
		errno = 0;
		rev = s && isdigit((unsigned char)*s) ? strtol(s, &end, 10) : 0;
		if (!s || !end || *end != '\0' || errno || rev < 1 || rev > INT32_MAX)
			diag_error(ld->d, ld->file, rp_line(v[K_REV]), r->id,
				   "revision must be a positive integer, not \"%s\"",
				   s ? s : rp_kind(v[K_REV]));
		else
			r->revision = (int)rev;
	}
	if (v[K_TYPE] && v[K_FILL]) {
		diag_error(ld->d, ld->file, rp_line(v[K_FILL]), r->id,
			   "a rule has \"type\" or \"fill\", not both");
	} else if (!v[K_TYPE] && !v[K_FILL]) {
		diag_error(ld->d, ld->file, r->line, r->id,
			   "missing \"type\" (or \"fill\" for a filler)");
	} else if (v[K_TYPE]) {
		r->type = rp_str(ld, v[K_TYPE], r->id, "type");
		if (r->type && !rp_is_type(r->type))
			diag_error(ld->d, ld->file, rp_line(v[K_TYPE]), r->id,
				   "type \"%s\" must be upper case: [A-Z][A-Z0-9_]*",
				   r->type);
	} else if (rp_str_list(ld, v[K_FILL], r->id, "fill", &r->fill,
			       &r->nfill, NULL) == 0) {
		for (size_t i = 0; i < r->nfill; i++)
			if (!rp_is_type(r->fill[i]))
				diag_error(ld->d, ld->file, rp_line(v[K_FILL]), r->id,
					   "fill type \"%s\" must be upper case: [A-Z][A-Z0-9_]*",
					   r->fill[i]);
		if (r->nfill == 0)
			diag_error(ld->d, ld->file, rp_line(v[K_FILL]), r->id,
				   "fill names no event type");
	}
	if (v[K_SCOPE]) {
		s = rp_sval(v[K_SCOPE]);
		if (s && strcmp(s, "sentence") == 0)
			r->scope = RP_SCOPE_SENTENCE;
		else if (s && strcmp(s, "paragraph") == 0)
			r->scope = RP_SCOPE_PARAGRAPH;
		else if (s && strcmp(s, "article") == 0)
			r->scope = RP_SCOPE_ARTICLE;
		else
			diag_error(ld->d, ld->file, rp_line(v[K_SCOPE]), r->id,
				   "scope must be sentence, paragraph or article");
	}
	if (!v[K_PATTERN]) {
		diag_error(ld->d, ld->file, r->line, r->id, "missing \"pattern\"");
	} else {
		r->pattern_line = rp_line(v[K_PATTERN]);
		r->pattern = rp_str(ld, v[K_PATTERN], r->id, "pattern");
	}
	if (v[K_EXCLUDE])
		rp_str_list(ld, v[K_EXCLUDE], r->id, "exclude", &r->exclude,
			    &r->nexclude, &r->exclude_line);
	if (v[K_SET])
		rp_kvs(ld, v[K_SET], r->id, "set", &r->set, &r->nset);
	if (v[K_EXAMPLES])
		rp_examples(ld, v[K_EXAMPLES], r);
}

static void rp_rules(struct rp_loader *ld, yaml_node_t *n)
{
	if (rp_want_seq(ld, n, NULL, "rules") < 0)
		return;
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		yaml_node_t *rn = rp_node(ld, *it);

		if (rn)
			rp_rule(ld, rn);
	}
}

/* Finds or adds the pack named by value node v; sets ld->pack. */
static void rp_file_pack(struct rp_loader *ld, yaml_node_t *v)
{
	struct rulepack *rp = ld->rp;
	const char *name = rp_sval(v);
	struct rp_pack *pk;

	ld->pack = NULL;
	if (!rp_is_ident(name)) {
		diag_error(ld->d, ld->file, rp_line(v), NULL,
			   "pack name \"%s\" is not an identifier",
			   name ? name : rp_kind(v));
		return;
	}
	for (size_t i = 0; i < rp->npacks; i++) {
		if (strcmp(rp->packs[i].name, name) == 0) {
			ld->pack = &rp->packs[i];
			return;
		}
	}
	if (rp_grow((void **)&rp->packs, &ld->cap_packs, rp->npacks,
		    sizeof(*rp->packs)) < 0) {
		rp_oom(ld);
		return;
	}
	/* packloc grows in step with packs (same capacity). */
	{
		struct rp_packloc *grown = realloc(ld->packloc,
						   ld->cap_packs * sizeof(*grown));

		if (!grown) {
			rp_oom(ld);
			return;
		}
		ld->packloc = grown;
	}
	pk = &rp->packs[rp->npacks];
	pk->name = strdup(name);
	if (!pk->name) {
		rp_oom(ld);
		return;
	}
	memset(&ld->packloc[rp->npacks], 0, sizeof(*ld->packloc));
	ld->packloc[rp->npacks].file = ld->file;
	ld->packloc[rp->npacks].line = rp_line(v);
	rp->npacks++;
	/* Rules keep pointers to pack names, not to pack structs, so growing
	 * rp->packs later does not invalidate them. */
	ld->pack = pk;
}

static void rp_root(struct rp_loader *ld, yaml_node_t *root)
{
	enum { K_PACK, K_VERSION, K_DESC, K_LISTS, K_MACROS, K_RULES };
	static const char *const keys[] = {"pack", "version", "description",
		"lists", "macros", "rules", NULL};
	yaml_node_t *v[RP_MAX_KEYS];
	struct rp_packloc *loc;

	if (rp_want_map(ld, root, NULL, "a pack file") < 0)
		return;
	rp_map_keys(ld, root, NULL, "a pack file", keys, v);
	ld->pack = NULL;
	if (!v[K_PACK])
		diag_error(ld->d, ld->file, rp_line(root), NULL,
			   "missing \"pack\" (every file names its pack)");
	else
		rp_file_pack(ld, v[K_PACK]);
	loc = ld->pack ? &ld->packloc[ld->pack - ld->rp->packs] : NULL;
	if (v[K_VERSION]) {
		const char *ver = rp_sval(v[K_VERSION]);

		if (!ver || !rp_is_semver(ver)) {
			diag_error(ld->d, ld->file, rp_line(v[K_VERSION]), NULL,
				   "version \"%s\" is not semver MAJOR.MINOR.PATCH",
				   ver ? ver : rp_kind(v[K_VERSION]));
		} else if (ld->pack && ld->pack->version) {
			diag_error(ld->d, ld->file, rp_line(v[K_VERSION]), NULL,
				   "version of pack \"%s\" already given at %s:%d",
				   ld->pack->name, ld->pack->file, ld->pack->line);
		} else if (ld->pack) {
			ld->pack->version = strdup(ver);
			ld->pack->file = ld->file;
			ld->pack->line = rp_line(v[K_VERSION]);
			if (!ld->pack->version)
				rp_oom(ld);
		}
	}
	if (v[K_DESC]) {
		char *desc = rp_str(ld, v[K_DESC], NULL, "description");

		if (desc && loc && ld->pack->description) {
			diag_error(ld->d, ld->file, rp_line(v[K_DESC]), NULL,
				   "description of pack \"%s\" already given at %s:%d",
				   ld->pack->name, loc->desc_file, loc->desc_line);
			free(desc);
		} else if (desc && loc) {
			ld->pack->description = desc;
			loc->desc_file = ld->file;
			loc->desc_line = rp_line(v[K_DESC]);
		} else {
			free(desc);
		}
	}
	if (v[K_LISTS])
		rp_lists(ld, v[K_LISTS]);
	if (v[K_MACROS])
		rp_macros(ld, v[K_MACROS]);
	if (v[K_RULES])
		rp_rules(ld, v[K_RULES]);
}

/* Parses one file's text: exactly one YAML document. */
static void rp_parse(struct rp_loader *ld, const unsigned char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int ndocs = 0, failed = 0;

	if (!yaml_parser_initialize(&parser)) {
		rp_oom(ld);
		return;
	}
	yaml_parser_set_input_string(&parser, buf, len);
	for (;;) {
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc)) {
			diag_error(ld->d, ld->file,
				   (int)parser.problem_mark.line + 1, NULL,
				   "YAML syntax error: %s%s%s",
				   parser.problem ? parser.problem : "unknown",
				   parser.context ? " " : "",
				   parser.context ? parser.context : "");
			failed = 1;
			break;
		}
		root = yaml_document_get_root_node(&doc);
		if (!root) {
			yaml_document_delete(&doc);
			break;
		}
		if (++ndocs > 1) {
			diag_error(ld->d, ld->file, rp_line(root), NULL,
				   "one YAML document per file");
			yaml_document_delete(&doc);
			break;
		}
		ld->doc = &doc;
		ld->nseen = (size_t)(doc.nodes.top - doc.nodes.start);
		ld->seen = calloc(ld->nseen ? ld->nseen : 1, 1);
		if (ld->seen)
			rp_root(ld, root);
		else
			rp_oom(ld);
		free(ld->seen);
		ld->seen = NULL;
		ld->doc = NULL;
		yaml_document_delete(&doc);
	}
	if (ndocs == 0 && !failed)
		diag_error(ld->d, ld->file, 0, NULL, "empty file");
	yaml_parser_delete(&parser);
}

/* Reads file path (already in rp->files) and parses it. */
static void rp_load_file(struct rp_loader *ld, const char *path)
{
	unsigned char *buf = NULL;
	struct stat st;
	FILE *fp = NULL;
	size_t len;

	ld->file = path;
	fp = fopen(path, "rb");
	if (!fp || fstat(fileno(fp), &st) < 0) {
		diag_error(ld->d, path, 0, NULL, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (st.st_size > EVX_MAX_PACK_FILE_BYTES) {
		diag_error(ld->d, path, 0, NULL,
			   "file of %lld bytes is over the limit of %d bytes",
			   (long long)st.st_size, EVX_MAX_PACK_FILE_BYTES);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rp_oom(ld);
		goto out;
	}
	len = fread(buf, 1, (size_t)st.st_size + 1, fp);
	if (ferror(fp) || len > (size_t)st.st_size) {
		diag_error(ld->d, path, 0, NULL, "cannot read: file changed or I/O error");
		goto out;
	}
	rp_parse(ld, buf, len);
out:
	free(buf);
	if (fp)
		fclose(fp);
}

static int rp_has_ext(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* Adds every *.yaml / *.yml file under dir to rp->files (unsorted). */
static void rp_walk(struct rp_loader *ld, const char *dir, int depth)
{
	struct rulepack *rp = ld->rp;
	struct dirent *de;
	DIR *dp;

	if (depth > RP_MAX_DIR_DEPTH) {
		diag_error(ld->d, dir, 0, NULL, "directories nested too deep");
		return;
	}
	dp = opendir(dir);
	if (!dp) {
		diag_error(ld->d, dir, 0, NULL, "cannot open: %s", strerror(errno));
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		struct stat st;
		size_t n;
		char *p;

		if (de->d_name[0] == '.')
			continue;
		n = strlen(dir) + strlen(de->d_name) + 2;
		p = malloc(n);
		if (!p) {
			rp_oom(ld);
			break;
		}
		snprintf(p, n, "%s%s%s", dir,
			 dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			rp_walk(ld, p, depth + 1);
			free(p);
		} else if (stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
			   rp_has_ext(de->d_name)) {
			if (rp_grow((void **)&rp->files, &ld->cap_files,
				    rp->nfiles, sizeof(*rp->files)) < 0) {
				free(p);
				rp_oom(ld);
				break;
			}
			rp->files[rp->nfiles++] = p;
		} else {
			free(p);
		}
	}
	closedir(dp);
}

static int rp_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One name of the load, for the duplicate checks. */
struct rp_name {
	const char *name;
	const char *kind;   /* "list", "macro" or "rule" */
	const char *file;
	int line;
	size_t order;       /* load order, to keep the first as the original */
};

static int rp_cmp_name(const void *a, const void *b)
{
	const struct rp_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorts names and reports each one equal to an earlier one. */
static void rp_report_dups(struct rp_loader *ld, struct rp_name *names,
			   size_t n)
{
	qsort(names, n, sizeof(*names), rp_cmp_name);
	for (size_t i = 1, first = 0; i < n; i++) {
		const struct rp_name *a, *b;

		if (strcmp(names[i].name, names[first].name) != 0) {
			first = i;
			continue;
		}
		a = &names[first];
		b = &names[i];
		if (strcmp(a->kind, b->kind) == 0)
			diag_error(ld->d, b->file, b->line,
				   strcmp(b->kind, "rule") == 0 ? b->name : NULL,
				   "%s \"%s\" already defined at %s:%d",
				   b->kind, b->name, a->file, a->line);
		else
			diag_error(ld->d, b->file, b->line, NULL,
				   "%s \"%s\" has the name of the %s defined at %s:%d",
				   b->kind, b->name, a->kind, a->file, a->line);
	}
}

/* Checks that span files: duplicate names, one version per pack. */
static void rp_check_load(struct rp_loader *ld)
{
	struct rulepack *rp = ld->rp;
	struct rp_name *names;
	size_t n = 0, order = 0;

	for (size_t i = 0; i < rp->npacks; i++)
		if (!rp->packs[i].version)
			diag_error(ld->d, ld->packloc[i].file, ld->packloc[i].line,
				   NULL, "pack \"%s\" has no version (give it in exactly one file)",
				   rp->packs[i].name);
	if (rp->nrules > EVX_MAX_RULES)
		diag_error(ld->d, NULL, 0, NULL, "%zu rules: more than the limit of %d",
			   rp->nrules, EVX_MAX_RULES);
	names = calloc(rp->nlists + rp->nmacros + rp->nrules + 1, sizeof(*names));
	if (!names) {
		rp_oom(ld);
		return;
	}
	/* Lists and macros share one namespace: {name} refers to either. */
	for (size_t i = 0; i < rp->nlists; i++)
		if (rp->lists[i].name)
			names[n++] = (struct rp_name){rp->lists[i].name, "list",
				rp->lists[i].file, rp->lists[i].line, order++};
	for (size_t i = 0; i < rp->nmacros; i++)
		if (rp->macros[i].name)
			names[n++] = (struct rp_name){rp->macros[i].name, "macro",
				rp->macros[i].file, rp->macros[i].line, order++};
	rp_report_dups(ld, names, n);
	n = 0;
	for (size_t i = 0; i < rp->nrules; i++)
		if (rp->rules[i].id)
			names[n++] = (struct rp_name){rp->rules[i].id, "rule",
				rp->rules[i].file, rp->rules[i].line, order++};
	rp_report_dups(ld, names, n);
	free(names);
}

struct rulepack *rulepack_load(const char *path, struct diag *d)
{
	struct rp_loader ld = {0};
	size_t errors0 = d->nerrors;
	struct stat st;

	ld.d = d;
	ld.rp = calloc(1, sizeof(*ld.rp));
	if (!ld.rp) {
		diag_error(d, path, 0, NULL, "out of memory");
		return NULL;
	}
	if (stat(path, &st) < 0) {
		diag_error(d, path, 0, NULL, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rp_walk(&ld, path, 0);
		qsort(ld.rp->files, ld.rp->nfiles, sizeof(*ld.rp->files), rp_cmp_str);
		if (ld.rp->nfiles == 0 && d->nerrors == errors0)
			diag_error(d, path, 0, NULL, "no *.yaml or *.yml files");
	} else {
		ld.rp->files = malloc(sizeof(*ld.rp->files));
		if (!ld.rp->files || !(ld.rp->files[0] = strdup(path))) {
			rp_oom(&ld);
			goto out;
		}
		ld.rp->nfiles = 1;
	}
	for (size_t i = 0; i < ld.rp->nfiles; i++)
		rp_load_file(&ld, ld.rp->files[i]);
	ld.file = NULL;
	rp_check_load(&ld);
out:
	free(ld.packloc);
	if (d->nerrors > errors0) {
		rulepack_destroy(ld.rp);
		return NULL;
	}
	return ld.rp;
}

static void rp_free_strs(char **arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(arr[i]);
	free(arr);
}

static void rp_free_kvs(struct rp_kv *kvs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kvs[i].key);
		rp_free_strs(kvs[i].vals, kvs[i].nvals);
	}
	free(kvs);
}

static void rp_free_examples(struct rp_example *ex, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ex[i].text);
		free(ex[i].published_at);
		rp_free_kvs(ex[i].expect, ex[i].nexpect);
	}
	free(ex);
}

void rulepack_destroy(struct rulepack *rp)
{
	if (!rp)
		return;
	for (size_t i = 0; i < rp->nlists; i++) {
		struct rp_list *l = &rp->lists[i];

		for (size_t j = 0; j < l->nentries; j++) {
			free(l->entries[j].name);
			free(l->entries[j].code);
			rp_free_strs(l->entries[j].forms, l->entries[j].nforms);
		}
		free(l->entries);
		free(l->name);
	}
	for (size_t i = 0; i < rp->nmacros; i++) {
		free(rp->macros[i].name);
		free(rp->macros[i].value);
	}
	for (size_t i = 0; i < rp->nrules; i++) {
		struct rp_rule *r = &rp->rules[i];

		free(r->id);
		free(r->type);
		rp_free_strs(r->fill, r->nfill);
		free(r->pattern);
		rp_free_strs(r->exclude, r->nexclude);
		free(r->exclude_line);
		rp_free_kvs(r->set, r->nset);
		rp_free_examples(r->match, r->nmatch);
		rp_free_examples(r->no_match, r->nno_match);
	}
	for (size_t i = 0; i < rp->npacks; i++) {
		free(rp->packs[i].name);
		free(rp->packs[i].version);
		free(rp->packs[i].description);
	}
	rp_free_strs(rp->files, rp->nfiles);
	free(rp->lists);
	free(rp->macros);
	free(rp->rules);
	free(rp->packs);
	free(rp);
}
