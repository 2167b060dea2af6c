/*
 * cmd_rules.c - `evextract rules`; being written (this placeholder lets the
 * build configure and link while the engine modules land).
 */
#include <stdio.h>

#include "cmd.h"

int cmd_rules(int argc, char **argv)
{
	fprintf(stderr, "evextract rules: not available in this build yet\n");
	return CMD_EXIT_USAGE;
}
