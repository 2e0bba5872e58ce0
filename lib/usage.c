#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "usage.h"

void
usage_exit(const char *text, int asked)
{
	if (!asked) {
		fputs(text, stderr);
		exit(EX_USAGE);
	}
	if (fputs(text, stdout) == EOF || fflush(stdout) != 0)
		err(EX_IOERR, "standard output");
	exit(0);
}
