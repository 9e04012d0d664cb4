/* rec_setid.c: drops root to nobody as setpriv does: keeps its capabilities across the change of user
 * (PR_SET_KEEPCAPS), raises them again on its own thread (capset: a thread's capabilities are its
 * own), then changes its group. glibc makes every thread of the process change its ids, and aborts
 * when one cannot: a thread started before the capset (the recorder's writer) has lost CAP_SETGID.
 *
 * Prints "setid 0" (or why it failed), allocating before and after; exit status 0, 1 on failure, 3
 * when not run as root.
 */
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BEFORE_SIZE 5223
#define AFTER_SIZE 6223
#define NOBODY 65534

int main(void)
{
	struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct caps[2];

	if (geteuid() != 0) {
		printf("setid needs root\n");
		return 3;
	}
	char *volatile before = malloc(BEFORE_SIZE);
	const char *failed = NULL;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		failed = "prctl";
	else if (setresuid(NOBODY, NOBODY, NOBODY))
		failed = "setresuid";
	else if (syscall(SYS_capget, &head, caps))
		failed = "capget";
	else {
		caps[0].effective = caps[0].permitted; /* this thread's, as libcap-ng's capng_apply */
		caps[1].effective = caps[1].permitted;
		if (syscall(SYS_capset, &head, caps))
			failed = "capset";
		else if (setresgid(NOBODY, NOBODY, NOBODY))
			failed = "setresgid";
	}
	char *volatile after = malloc(AFTER_SIZE);
	printf("setid %s\n", failed ? failed : "0");
	free(before);
	free(after);
	return failed != NULL;
}
