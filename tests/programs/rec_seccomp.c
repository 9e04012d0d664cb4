/* rec_seccomp.c: a program that restricts its own system calls, as OpenSSH's privilege-separated child
 * and libseccomp's users do: KEPT allocations of KEPT_SIZE bytes, then a filter that allows only what
 * it needs itself (read, write, brk, mmap, munmap, fstat, exit) and kills the process for anything
 * else, then LOOP allocations and frees of 32 to 95 bytes, and the sum of what they held. The filter
 * goes in by prctl, or by the seccomp system call through syscall() as libseccomp does; or, with
 * "denylist", a filter that kills only for socket() (by prctl); or, with "badptr", none: the filter's
 * address is one the kernel refuses (EFAULT), which the program expects.
 * Usage: rec_seccomp prctl|syscall|denylist|badptr */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LOOP 100000
#define KEPT 10
#define KEPT_SIZE 111
/* Where each block goes before its free: without it the compiler may take the pair out altogether. */
static char *volatile seen;

#define ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

int main(int argc, char **argv)
{
	char *kept[KEPT];
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		ALLOW(SYS_read), ALLOW(SYS_write), ALLOW(SYS_exit), ALLOW(SYS_exit_group), ALLOW(SYS_brk),
		ALLOW(SYS_mmap), ALLOW(SYS_munmap), ALLOW(SYS_fstat), ALLOW(SYS_newfstatat),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_filter deny[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(f) / sizeof(f[0]), f}, denylist = {sizeof(deny) / sizeof(deny[0]), deny};
	long sum = 0;

	if (argc != 2)
		return 2;
	for (int i = 0; i < KEPT; i++)
		kept[i] = malloc(KEPT_SIZE);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return 3;
	if (!strcmp(argv[1], "badptr")) {
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, (void *)8) != -1 || errno != EFAULT)
			return 5;
	} else if (!strcmp(argv[1], "denylist") ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &denylist)
	    : !strcmp(argv[1], "prctl")  ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)
					 : syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return 4;
	for (int i = 0; i < LOOP; i++) {
		char *p = malloc(32 + (size_t)(i % 64));
		p[0] = (char)i;
		seen = p;
		sum += seen[0];
		free(p);
	}
	printf("sum %ld\n", sum);
	for (int i = 0; i < KEPT; i++)
		free(kept[i]);
	return 0;
}
