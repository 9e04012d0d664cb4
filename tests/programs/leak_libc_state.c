/* leak_libc_state.c: state that glibc allocates for the program and keeps until its __libc_freeres,
 * which valgrind runs at exit and a program alone does not: the environment copied by setenv, the
 * message domain of textdomain and bindtextdomain, the result buffers of the non-reentrant user and
 * group lookups (getpwuid, getgrgid, getpwnam), the resolver's configuration (res_init), stdout's
 * buffer. None of it is the program's leak; hookprof's built-in suppressions leave it out of the
 * kinds as memcheck's freeres does.
 * One real leak besides, to show that the kinds are still counted: LOST_SIZE bytes, definitely lost.
 */
#include <grp.h>
#include <libintl.h>
#include <pwd.h>
#include <resolv.h>
#include <stdio.h>
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
	if (res_init() || !me || !group || !root)
		return 1;
	printf("%s %s\n", getenv("HP_FIRST"), getenv("HP_SECOND"));
	lost = NULL;
	return 0;
}
