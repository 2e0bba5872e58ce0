/*
 * The supervisor's report asked for (askreport.h).
 */
#include <err.h>
#include <signal.h>
#include <string.h>
#include <sysexits.h>

#include "askreport.h"

static volatile sig_atomic_t asked;

static void
ask(int sig)
{
	(void)sig;
	asked = 1;
}

void
askreport_start(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ask;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		err(EX_OSERR, "sigaction");
}

int
askreport_asked(void)
{
	if (!asked)
		return 0;
	asked = 0;
	return 1;
}
