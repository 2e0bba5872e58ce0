#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"

/* On a tmpfs when there is one: the harnesses that write files (and
 * fsync them) run ten times as fast there. */
static char path[64];

static void
remove_file(void)
{
	unlink(path);
}

const char *
fuzz_file(const uint8_t *data, size_t size)
{
	static int fd = -1;

	if (fd < 0) {
		struct stat st;

		snprintf(path, sizeof path, "%s/rw-fuzz.XXXXXX",
		    stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if ((fd = mkstemp(path)) < 0 || fchmod(fd, 0600) < 0)
			abort();
		atexit(remove_file);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) !=
	    (ssize_t)size)
		abort();
	return path;
}

void
fuzz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: property does not hold: %s\n", file, line,
	    what);
	abort();
}
