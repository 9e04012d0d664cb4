/* rec_fork_frees.c: forked children free blocks they inherited, as a shell's subshells do.
 *
 * The parent allocates INHERITED_N blocks of INHERITED_SIZE, then forks CHILDREN children one after
 * another; child i (from 0) frees the first i + 1 of those blocks and exits. The parent frees all of
 * them once the children are done. Exit status: 0 when every child exited 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define INHERITED_N 8
#define INHERITED_SIZE 4242
#define CHILDREN 3

int main(void)
{
	void *blocks[INHERITED_N];
	int failed = 0;

	for (int i = 0; i < INHERITED_N; i++)
		if (!(blocks[i] = malloc(INHERITED_SIZE)))
			return 2;
	for (int c = 0; c < CHILDREN; c++) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0) {
			for (int i = 0; i <= c; i++)
				free(blocks[i]);
			exit(0);
		}
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	}
	for (int i = 0; i < INHERITED_N; i++)
		free(blocks[i]);
	printf("children %s\n", failed ? "failed" : "ok");
	return failed;
}
