/*
 * smtpload HOST PORT SOURCES CONNECTIONS MESSAGES: load an SMTP server
 * for make bench.  CONNECTIONS processes each open one session from an
 * address of SOURCES (a comma-separated list, taken in turn) and send
 * MESSAGES small messages through it, one recipient each, waiting for
 * every reply.  Prints "MESSAGES SECONDS" for all of them together, and
 * counts of replies other than 2xx/3xx on the standard error; exits 1
 * if any session failed.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fd;
static char rbuf[8192];
static size_t rlen;

/* The reply's code, after its last line; -1 on a closed connection. */
static int
reply(void)
{
	for (;;) {
		char *nl;

		while ((nl = memchr(rbuf, '\n', rlen)) != NULL) {
			size_t n = (size_t)(nl - rbuf) + 1;
			int last = n >= 4 && rbuf[3] == ' ';
			int code = atoi(rbuf);

			memmove(rbuf, rbuf + n, rlen - n);
			rlen -= n;
			if (last)
				return code;
		}
		ssize_t r = read(fd, rbuf + rlen, sizeof rbuf - rlen);
		if (r <= 0)
			return -1;
		rlen += (size_t)r;
	}
}

static int
say(const char *s)
{
	size_t n = strlen(s), off = 0;

	while (off < n) {
		ssize_t w = write(fd, s + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

static int
session(const char *host, int port, const char *src, long messages)
{
	struct sockaddr_in sa, la;
	long i, refused = 0;
	int c;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 1;
	memset(&la, 0, sizeof la);
	la.sin_family = AF_INET;
	if (inet_pton(AF_INET, src, &la.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&la, sizeof la) < 0)
		return 1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return 1;
	if (reply() != 220 || say("EHLO load.test\r\n") < 0 || reply() != 250)
		return 1;
	for (i = 0; i < messages; i++) {
		if (say("MAIL FROM:<a@load.test>\r\n") < 0 || reply() != 250 ||
		    say("RCPT TO:<b@remote.test>\r\n") < 0)
			return 1;
		if ((c = reply()) < 0)
			return 1;
		if (c != 250) {
			refused++;
			if (say("RSET\r\n") < 0 || reply() != 250)
				return 1;
			continue;
		}
		if (say("DATA\r\n") < 0 || reply() != 354 ||
		    say("Subject: load\r\n\r\nA message of make bench's load.\r\n"
		    ".\r\n") < 0 || reply() != 250)
			return 1;
	}
	say("QUIT\r\n");
	reply();
	if (refused)
		fprintf(stderr, "%s: %ld refused\n", src, refused);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct timespec t0, t1;
	char *sources[256], *p;
	int nsrc = 0, port, conns, i, failed = 0, st;
	long messages;

	if (argc != 6) {
		fprintf(stderr, "usage: smtpload HOST PORT SOURCES CONNECTIONS "
		    "MESSAGES\n");
		return 64;
	}
	port = atoi(argv[2]);
	conns = atoi(argv[4]);
	messages = atol(argv[5]);
	for (p = strtok(argv[3], ","); p && nsrc < 256; p = strtok(NULL, ","))
		sources[nsrc++] = p;
	if (nsrc == 0 || conns < 1 || messages < 1)
		return 64;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < conns; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0)
			_exit(session(argv[1], port, sources[i % nsrc],
			    messages));
	}
	while (wait(&st) > 0)
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%ld %.3f\n", (long)conns * messages,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (failed)
		fprintf(stderr, "smtpload: %d sessions failed\n", failed);
	return failed ? 1 : 0;
}
