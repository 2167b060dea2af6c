/*
 * rulepack.h - rule packs as written: YAML files read into specs.
 *
 * A pack is one YAML file, or a directory whose *.yaml files (searched
 * recursively, in name order) are read together. Each file names its pack
 * (`pack:`); one file of each pack gives its semver `version:`. This module
 * only reads and checks the shape of what is written, keeping the file and
 * line of everything for diagnostics; compiling patterns is ruleset's job.
 * The YAML format is documented in docs/RULES.md.
 */
#ifndef EVX_RULEPACK_H
#define EVX_RULEPACK_H

#include <stddef.h>
#include "diag.h"

/* A key with one or more values (a scalar is one value), e.g. an expected
 * field of an example or a constant field set by a rule. */
struct rp_kv {
	char *key;
	char **vals;
	size_t nvals;
	int line;
};

struct rp_entry {           /* one gazetteer entry */
	char *name;          /* normalised name */
	char *code;          /* "" when none */
	char **forms;        /* surface forms; the name itself is always one */
	size_t nforms;
	int line;
};

struct rp_list {
	char *name;          /* also the macro name: {name} */
	int caseless;        /* case: insensitive */
	struct rp_entry *entries;
	size_t nentries;
	const char *file;    /* points into rulepack.files */
	int line;
};

struct rp_macro {
	char *name;
	char *value;         /* raw PCRE2 fragment, may reference {other} */
	const char *file;
	int line;
};

struct rp_example {
	char *text;
	char *published_at;  /* NULL when not given */
	struct rp_kv *expect; /* fields expected of the event (match examples) */
	size_t nexpect;
	int line;
};

enum rp_scope { RP_SCOPE_SENTENCE = 0, RP_SCOPE_PARAGRAPH, RP_SCOPE_ARTICLE };

struct rp_rule {
	char *id;
	int revision;
	char *type;          /* event type; NULL for a filler */
	char **fill;         /* filler: the event types it completes */
	size_t nfill;
	char *pattern;
	int pattern_line;
	char **exclude;      /* exclusion patterns */
	int *exclude_line;
	size_t nexclude;
	enum rp_scope scope;
	struct rp_kv *set;   /* constant fields set on every match */
	size_t nset;
	struct rp_example *match;
	size_t nmatch;
	struct rp_example *no_match;
	size_t nno_match;
	const char *pack;    /* points into rulepack.packs */
	const char *file;
	int line;
};

struct rp_pack {
	char *name;
	char *version;       /* NULL until a file gives it */
	char *description;
	const char *file;    /* where the version was given */
	int line;
};

struct rulepack {
	char **files;        /* every file read, owned here */
	size_t nfiles;
	struct rp_pack *packs;
	size_t npacks;
	struct rp_list *lists;
	size_t nlists;
	struct rp_macro *macros;
	size_t nmacros;
	struct rp_rule *rules;
	size_t nrules;
};

/* Reads path (a file or a directory). Every problem found is added to d as
 * "file:line: rule "id": message" (lines 1-based); reading goes on past
 * errors to report them all. Returns the specs when d gained no error, else
 * NULL (a pack with any error yields nothing). */
struct rulepack *rulepack_load(const char *path, struct diag *d);

/* NULL-safe. */
void rulepack_destroy(struct rulepack *rp);

#endif
