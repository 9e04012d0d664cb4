/* rec_raw_fork.c: forks by the raw system call, past libc's fork and so past the recorder's fork
 * handlers, as a runtime with its own process calls may. The child allocates and frees CHILD_ALLOCS
 * blocks and exits through exit(); the parent waits for it, then frees its one block.
 * Prints "child done" and "parent done 0"; exit status 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_ALLOCS 200000

int main(void)
{
	char *volatile keep = malloc(100); /* volatile: a malloc and free of nothing are removed by gcc */
	long pid = syscall(SYS_fork);

	if (pid < 0)
		return 1;
	if (pid == 0) {
		for (int i = 0; i < CHILD_ALLOCS; i++) {
			char *volatile p = malloc(32 + i % 64);
			free(p);
		}
		printf("child done\n");
		exit(0);
	}
	int status;
	waitpid((pid_t)pid, &status, 0);
	printf("parent done %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	free(keep);
	return 0;
}
