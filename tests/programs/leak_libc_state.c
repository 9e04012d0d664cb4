/* leak_libc_state.c: state that glibc allocates for the program and keeps until its __libc_freeres,
 * which valgrind runs at exit and a program alone does not: the environment copied by setenv, the
 * message domain of textdomain and bindtextdomain, the result buffers of the non-reentrant user and
 * group lookups (getpwuid, getgrgid, getpwnam), the resolver's configuration (res_init), the name
 * of a terminal (ttyname, of a pseudo-terminal the program opens), the list of character set
 * conversion modules (iconv_open, whose descriptor is closed), stdout's buffer. None of it is
 * the program's leak; hookprof's built-in suppressions leave it out of the kinds as memcheck's
 * freeres does.
 * One real leak besides, to show that the kinds are still counted: LOST_SIZE bytes, definitely lost.
 */
#include <grp.h>
#include <iconv.h>
#include <libintl.h>
#include <pwd.h>
#include <resolv.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define LOST_SIZE 321

int main(void)
{
	char *volatile lost = malloc(LOST_SIZE);

	setenv("HP_FIRST", "1", 1);
	setenv("HP_SECOND", "two", 1);
	bindtextdomain("hookprof-test", "/nonexistent");
	textdomain("hookprof-test");
	struct passwd *me = getpwuid(getuid());
	struct group *group = getgrgid(getgid());
	struct passwd *root = getpwnam("root");
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master))
		return 1;
	int terminal = open(ptsname(master), O_RDWR | O_NOCTTY);
	if (terminal < 0 || !ttyname(terminal))
		return 1;
	close(terminal);
	close(master);
	iconv_t cd = iconv_open("UTF-16", "UTF-8");
	if (cd == (iconv_t)-1 || iconv_close(cd))
		return 1;
	if (res_init() || !me || !group || !root)
		return 1;
	printf("%s %s\n", getenv("HP_FIRST"), getenv("HP_SECOND"));
	lost = NULL;
	return 0;
}
