/*
 * Runs a harness without libFuzzer, for `make check`: each file named on
 * the command line (directories: each file in them, at any depth) is one
 * input.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static size_t count;

static void
one(const char *path)
{
	FILE *f;
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0, r;

	if ((f = fopen(path, "rb")) == NULL)
		err(66, "%s", path);
	do {
		if (n == cap && (buf = realloc(buf, cap = cap ? 2 * cap : 65536))
		    == NULL)
			err(71, "out of memory");
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	if (ferror(f))
		err(74, "%s", path);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	count++;
}

/* path: a file, or a directory whose files (at any depth) are inputs. */
static void
walk(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (stat(path, &st) < 0)
		err(66, "%s", path);
	if (!S_ISDIR(st.st_mode)) {
		one(path);
		return;
	}
	if ((d = opendir(path)) == NULL)
		err(66, "%s", path);
	while ((de = readdir(d)) != NULL) {
		char p[4096];

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(p, sizeof p, "%s/%s", path, de->d_name) >=
		    sizeof p)
			errx(66, "%s/%s: path too long", path, de->d_name);
		walk(p);
	}
	closedir(d);
}

int
main(int argc, char *argv[])
{
	/* (a harness may point stdout elsewhere) */
	FILE *out = fdopen(dup(STDOUT_FILENO), "w");
	int i;

	if (out == NULL)
		err(71, "standard output");
	for (i = 1; i < argc; i++)
		walk(argv[i]);
	fprintf(out, "%zu inputs\n", count);
	return fclose(out) == 0 ? 0 : 74;
}
