/*
 * File names (path.h).
 */
#include <stdio.h>
#include <string.h>

#include "path.h"

int
path_dir(const char *path, char *dir, size_t dirsz)
{
	const char *slash = strrchr(path, '/');
	int n;

	if (slash == NULL)
		n = snprintf(dir, dirsz, ".");
	else if (slash == path)
		n = snprintf(dir, dirsz, "/");
	else
		n = snprintf(dir, dirsz, "%.*s", (int)(slash - path), path);
	return n < 0 || (size_t)n >= dirsz ? -1 : 0;
}
