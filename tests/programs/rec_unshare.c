/* rec_unshare.c: enters a user namespace of its own after allocating, as `unshare -U` and bubblewrap
 * do. The kernel refuses that to a process of more than one thread (EINVAL), so the recorder's writer
 * thread must step aside for the call and come back after it.
 *
 * Prints "unshare 0" (or why it failed), allocating before and after; exit status 0, or 1 on failure.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BEFORE_SIZE 5123
#define AFTER_SIZE 6123

int main(void)
{
	char *volatile before = malloc(BEFORE_SIZE);
	int failed = unshare(CLONE_NEWUSER) ? errno : 0;
	char *volatile after = malloc(AFTER_SIZE);

	printf("unshare %s\n", failed ? strerror(failed) : "0");
	free(before);
	free(after);
	return failed ? 1 : 0;
}
