/*
 * relaywatch-due's whole input on any bytes: the program itself, its
 * main renamed, each line as it reads one (hosts as relaywatch-hosts
 * prints them, probes submitted and delivered), then what it does once a
 * second (the queue, the state appended to, the hosts printed, to
 * /dev/null).  Its state, on a tmpfs, is replaced by an empty one every
 * STATE_RUNS inputs, as a compact does; the harness's key makes the
 * tokens of the seeds (seeds.sh -d).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>

int due_main(int, char **);
#define main due_main
#include "../../bin/relaywatch-due.c"
#undef main

#include "fuzz.h"

#define STATE_RUNS 2000

static char dir[64];

static void
put(const char *name, const char *text, mode_t mode)
{
	char path[sizeof dir + 32], tmp[sizeof dir + 40];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s.new", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode)) < 0 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    close(fd) != 0 || rename(tmp, path) != 0)
		abort();
}

static void
remove_dir(void)
{
	char cmd[sizeof dir + 16];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	(void)!system(cmd);
}

static void
setup(void)
{
	char conf_text[1024], path[sizeof dir + 32];
	struct stat st;
	int null;

	snprintf(dir, sizeof dir, "%s/rw-fuzz-due.XXXXXX",
	    stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(remove_dir);
	put("key", FUZZ_KEY_HEX "\n", 0600);
	put("netblocks", "192.0.2.0/24\n2001:db8::/32\n127.0.0.0/8\n", 0644);
	put("exclude", "192.0.2.254\n", 0644);
	snprintf(conf_text, sizeof conf_text, "domain = isp.example\n"
	    "keyfile = %s/key\nnetblocks = %s/netblocks\n"
	    "exclude = %s/exclude\nstatedir = %s\nprobe_rate = 1000\n"
	    "probe_queue = 50\ndomain_wait = 0\n", dir, dir, dir, dir);
	put("conf", conf_text, 0644);
	snprintf(path, sizeof path, "%s/conf", dir);
	conf_load(&conf, path);
	if ((null = open("/dev/null", O_WRONLY)) < 0 ||
	    (stderr = fdopen(null, "w")) == NULL)
		abort();
	start(null);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long runs;
	const char *p = (const char *)data, *e = p + size;
	unsigned long long lineno = 0;

	if (runs++ == 0)
		setup();
	else if (runs % STATE_RUNS == 0)
		put("state", "", 0644);
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);

		input_line(p, n > INPUT_LINE_MAX ? 0 : n,
		    n > INPUT_LINE_MAX ? RD_TOOLONG : 0, ++lineno);
		p += n + 1;
	}
	now = time(NULL);
	tick();
	return 0;
}
