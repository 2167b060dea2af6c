/*
 * cmd_eval.c - `evextract eval`; being written (this placeholder lets the
 * build configure and link while the engine modules land).
 */
#include <stdio.h>

#include "cmd.h"

int cmd_eval(int argc, char **argv)
{
	fprintf(stderr, "evextract eval: not available in this build yet\n");
	return CMD_EXIT_USAGE;
}
