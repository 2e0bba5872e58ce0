/*
 * relaywatch-classify's message reader and verdict, on any message: the
 * program itself, its main renamed, fed through a file, its output to
 * /dev/null.  Keys and netblocks are the harness's own (seeds.sh makes
 * messages with valid tokens for them).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>

int classify_main(int, char **);
#define main classify_main
#include "../../bin/relaywatch-classify.c"
#undef main

#include "fuzz.h"

static void
setup(void)
{
	static char dir[] = "/tmp/rw-fuzz-classify.XXXXXX";
	char path[128], keyerr[256];
	FILE *f;

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof path, "%s/key", dir);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fprintf(f, "%s\n", FUZZ_KEY_HEX);
	fclose(f);
	chmod(path, 0600);
	snprintf(path, sizeof path, "%s/netblocks", dir);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fprintf(f, "192.0.2.0/24\n2001:db8::/32\n127.0.0.0/8\n");
	fclose(f);
	snprintf(path, sizeof path, "%s/conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fprintf(f, "domain = isp.example\nkeyfile = %s/key\n"
	    "netblocks = %s/netblocks\n", dir, dir);
	fclose(f);
	conf_load(&conf, path);
	if (token_keys_read(&keys, conf.keyfile, keyerr, sizeof keyerr) != 0)
		fuzz_fail(keyerr, __FILE__, __LINE__);
	/* The verdicts and, with -vv, the reasons, to /dev/null; file
	 * descriptors 1 and 2 stay for the replay's count and the
	 * sanitizers' reports. */
	if ((stdout = fopen("/dev/null", "w")) == NULL ||
	    (stderr = fopen("/dev/null", "w")) == NULL)
		abort();
	verbose = 2;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	int fd;

	if (!ready) {
		setup();
		ready = 1;
	}
	fd = open(fuzz_file(data, size), O_RDONLY);
	if (fd < 0)
		abort();
	memset(&seen, 0, sizeof seen);
	token_words_start(&seen.words, token_candidate, NULL);
	verdict_clear();
	now = (long long)time(NULL);
	if (mime_read(fd, &walker) == 0)
		decide();
	close(fd);
	return 0;
}
