/*
 * cmd_bench.c - `evextract bench`; being written (this placeholder lets the
 * build configure and link while the engine modules land).
 */
#include <stdio.h>

#include "cmd.h"

int cmd_bench(int argc, char **argv)
{
	fprintf(stderr, "evextract bench: not available in this build yet\n");
	return CMD_EXIT_USAGE;
}
