/*
 * fuzz_rulepack.c - libFuzzer target: the rule-pack loader and compiler.
 *
 * Each input is the text of one pack file. rulepack_load() reads packs from
 * the file system only, so the input is written to a file in a directory
 * made for this process (nothing is added to the engine for fuzzing); when
 * it loads without errors the specs are compiled with ruleset_build(), which
 * expands macros and lists and builds the PCRE2 and Vectorscan databases.
 * Either step may reject the input with diagnostics; neither may crash or
 * leak. The temporary directory is removed at exit. Single-threaded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "rulepack.h"
#include "ruleset.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fz_dir[64];
static char fz_path[96];

static void fz_cleanup(void)
{
	unlink(fz_path);
	rmdir(fz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(fz_dir, sizeof(fz_dir), "%s/evx-fuzz-XXXXXX",
		 tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(fz_dir) == NULL) {
		perror("fuzz_rulepack: mkdtemp");
		abort();
	}
	snprintf(fz_path, sizeof(fz_path), "%s/pack.yaml", fz_dir);
	atexit(fz_cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag d = { 0 };
	struct rulepack *rp;
	struct ruleset *rs;
	FILE *fp = fopen(fz_path, "wb");

	if (fp == NULL)
		abort();
	if (size && fwrite(data, 1, size, fp) != size)
		abort();
	if (fclose(fp) != 0)
		abort();

	rp = rulepack_load(fz_path, &d);
	if (rp == NULL) {
		/* A refused pack must say why. */
		if (d.nerrors == 0)
			abort();
		diag_clear(&d);
		return 0;
	}
	rs = ruleset_build(rp, &d);
	if (rs == NULL && d.nerrors == 0)
		abort();
	ruleset_destroy(rs);
	rulepack_destroy(rp);
	diag_clear(&d);
	return 0;
}
