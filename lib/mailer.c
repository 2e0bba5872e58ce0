#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "mailer.h"
#include "stream.h"

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

int
mailer_send(const char *sender, const char *const *rcpt, int n,
    const char *msg, size_t len, char *why, size_t whylen)
{
	posix_spawn_file_actions_t fa;
	int p[2], st, rc, e = 0, i, a = argc_;
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
	if (pipe(p) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	posix_spawn_file_actions_addclose(&fa, p[1]);
	rc = posix_spawn(&pid, argv_[0], &fa, NULL, argv_, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[0]);
	if (rc != 0) {
		close(p[1]);
		snprintf(why, whylen, "%s: %s", argv_[0], strerror(rc));
		return -1;
	}
	if (write_all(p[1], msg, len) < 0)
		e = errno;
	close(p[1]);
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
	if (e) {
		snprintf(why, whylen, "writing to %s: %s", argv_[0],
		    strerror(e));
		return -1;
	}
	return 0;
}
