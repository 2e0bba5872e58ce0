/* initgroups(3) and setgroups(2) are not POSIX: BSD and glibc have them. */
#define _DEFAULT_SOURCE

#include <sys/stat.h>

#include <err.h>
#include <grp.h>
#include <pwd.h>
#include <sysexits.h>
#include <unistd.h>

#include "owner.h"

void
owner_become(const char *dir)
{
	struct passwd *pw;
	struct stat st;
	int groups;

	if (geteuid() != 0 || stat(dir, &st) < 0 || st.st_uid == 0)
		return;
	if ((pw = getpwuid(st.st_uid)) != NULL)
		groups = initgroups(pw->pw_name, st.st_gid);
	else
		groups = setgroups(1, &st.st_gid);
	if (groups < 0 || setgid(st.st_gid) < 0 || setuid(st.st_uid) < 0)
		err(EX_OSERR, "%s: cannot become its owner (uid %ld)", dir,
		    (long)st.st_uid);
	if (setuid(0) == 0)
		errx(EX_OSERR, "%s: still root after becoming its owner", dir);
}
