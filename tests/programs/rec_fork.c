/* rec_fork.c: the parent allocates, forks, the child allocates and exits; the parent waits.
 *
 * Parent: PARENT_N mallocs of PARENT_SIZE before the fork (freed), PARENT_N more after it. Child:
 * CHILD_N mallocs of CHILD_SIZE through the same function (same call stack as the parent's, interned
 * before the fork), plus one zone and one counter whose sites the parent defined before the fork.
 * Exit status: 0 when the child exited 0.
 */
#include <hookprof.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PARENT_N 300
#define PARENT_SIZE 5001
#define CHILD_N 200
#define CHILD_SIZE 5002

__attribute__((noinline)) static void use(void *p, size_t n)
{
	if (p)
		memset(p, 1, n < 32 ? n : 32);
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* The one place both processes allocate from: its stack is interned in the parent first. */
__attribute__((noinline)) static void batch(int n, size_t size)
{
	HP_ZONE("batch");
	for (int i = 0; i < n; i++) {
		void *p = malloc(size);
		use(p, size);
		free(p);
	}
	HP_COUNT("blocks", n);
}

static volatile int phases = 2; /* a loop the compiler cannot unroll into two call sites */

int main(void)
{
	int status;
	volatile pid_t pid = -1; /* volatile: the compiler must not duplicate the loop per value of pid */

	/* One call site for batch(): parent and child allocate through the very same stack. */
	for (int phase = 0; phase < phases; phase++) {
		if (phase == 1) {
			fflush(stdout);
			if ((pid = fork()) < 0)
				return 2;
		}
		batch(pid == 0 ? CHILD_N : PARENT_N, pid == 0 ? CHILD_SIZE : PARENT_SIZE);
		if (pid == 0)
			exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 3;
	printf("child status %d\n", status);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
