#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "mailer.h"
#include "wr.h"

extern char **environ;

static char *argv_[MAILER_ARGS_MAX + MAILER_RCPTS_MAX + 5];
static int argc_;
static char buf[CONF_VALUE_MAX];

void
mailer_init(const char *cmd, const char *confpath)
{
	char *p;

	snprintf(buf, sizeof buf, "%s", cmd);
	argc_ = 0;
	for (p = strtok(buf, " \t"); p; p = strtok(NULL, " \t")) {
		if (argc_ == MAILER_ARGS_MAX)
			errx(EX_CONFIG, "%s: sendmail: more than %d words",
			    confpath, MAILER_ARGS_MAX);
		argv_[argc_++] = p;
	}
	if (argc_ == 0 || access(argv_[0], X_OK) < 0)
		err(EX_CONFIG, "%s: sendmail = %s", confpath,
		    argc_ ? argv_[0] : "");
}

/*
 * The message in a file of its own (unlinked at once), for sendmail's
 * standard input: sendmail reads it whole whatever becomes of us.  Fed
 * through a pipe, a message cut short by our death (kill -9 while
 * writing) would end at EOF, and sendmail -oi takes a message that ends
 * at EOF: a truncated notice would go out.  Returns the descriptor, at
 * offset 0, or -1 with why set.
 */
static int
message_file(const char *msg, size_t len, char *why, size_t whylen)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	int fd, e;

	if (dir == NULL || dir[0] != '/' ||
	    strlen(dir) > sizeof path - 32)
		dir = "/tmp";
	snprintf(path, sizeof path, "%s/relaywatch-msg.XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	(void)unlink(path);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    wr_all(fd, msg, len) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		e = errno;
		close(fd);
		snprintf(why, whylen, "%s: %s", path, strerror(e));
		return -1;
	}
	return fd;
}

int
mailer_send(const char *sender, const char *const *rcpt, int n,
    const char *msg, size_t len, char *why, size_t whylen)
{
	return mailer_send_then(sender, rcpt, n, msg, len, NULL, NULL, why,
	    whylen);
}

static int send_now(const char *, const char *const *, int, const char *,
    size_t, char *, size_t);

/*
 * With done: a courier process of its own hands the message to sendmail,
 * waits for it, and when sendmail took it, calls done(arg) itself.  So
 * that if we are killed meanwhile, what sendmail took is still marked
 * done (a notice taken out of the outbox, never sent twice), and what it
 * did not take is not.
 */
int
mailer_send_then(const char *sender, const char *const *rcpt, int n,
    const char *msg, size_t len, void (*done)(void *), void *arg, char *why,
    size_t whylen)
{
	int p[2], st;
	ssize_t got;
	size_t have = 0;
	pid_t pid;

	if (done == NULL)
		return send_now(sender, rcpt, n, msg, len, why, whylen);
	/* (close-on-exec: sendmail, and a delivery process it leaves
	 * behind, must not hold the pipe open) */
	if (pipe(p) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	(void)fcntl(p[0], F_SETFD, FD_CLOEXEC);	/* cannot fail: fds valid */
	(void)fcntl(p[1], F_SETFD, FD_CLOEXEC);
	if ((pid = fork()) < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		if (send_now(sender, rcpt, n, msg, len, why, whylen) < 0) {
			(void)wr_all(p[1], why, strlen(why));
			_exit(1);
		}
		done(arg);
		_exit(0);
	}
	close(p[1]);
	why[0] = '\0';
	while (whylen > 0 && have < whylen - 1 && (got = read(p[0], why + have,
	    whylen - 1 - have)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		have += (size_t)got;
	}
	if (whylen > 0)
		why[have] = '\0';
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			snprintf(why, whylen, "waitpid: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (have == 0)
		snprintf(why, whylen, "the process handing it to %s failed",
		    argv_[0]);
	return -1;
}

static int
send_now(const char *sender, const char *const *rcpt, int n,
    const char *msg, size_t len, char *why, size_t whylen)
{
	posix_spawn_file_actions_t fa;
	int fd, st, rc, i, a = argc_;
	pid_t pid;

	if (n < 1 || n > MAILER_RCPTS_MAX) {
		snprintf(why, whylen, "%d recipients", n);
		return -1;
	}
	argv_[a++] = "-oi";
	argv_[a++] = "-f";
	argv_[a++] = (char *)sender;
	argv_[a++] = "--";
	for (i = 0; i < n; i++)
		argv_[a++] = (char *)rcpt[i];
	argv_[a] = NULL;
	if ((fd = message_file(msg, len, why, whylen)) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	rc = posix_spawn(&pid, argv_[0], &fa, NULL, argv_, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
	if (rc != 0) {
		snprintf(why, whylen, "%s: %s", argv_[0], strerror(rc));
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			snprintf(why, whylen, "waitpid: %s", strerror(errno));
			return -1;
		}
	if (WIFSIGNALED(st)) {
		snprintf(why, whylen, "%s killed by signal %d", argv_[0],
		    WTERMSIG(st));
		return -1;
	}
	if (WEXITSTATUS(st) != 0) {
		snprintf(why, whylen, "%s exited %d", argv_[0],
		    WEXITSTATUS(st));
		return -1;
	}
	return 0;
}
