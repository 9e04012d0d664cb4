/* rec_exec.c: runs another program by exec, with or without a fork first.
 *
 *   rec_exec fork PROG ARG...    fork; the child allocates, then execv(PROG); the parent waits
 *   rec_exec direct PROG ARG...  allocate, then execv(PROG) in this process
 *   rec_exec list PROG A B       allocate, then execl(PROG, PROG, A, B, NULL) in this process
 *   rec_exec execve|execvp|fexecve PROG ARG...   the same by that call (execvp: PROG may be a name
 *                                found in PATH; fexecve: PROG opened first)
 *   rec_exec spawn|spawnp PROG ARG...   posix_spawn or posix_spawnp (a name found in PATH), then wait
 *   rec_exec execve-empty|spawn-empty PROG ARG...   execve or posix_spawn with an empty environment
 *   rec_exec execve-null PROG ARG...   execve with no environment at all (NULL, as after clearenv)
 *
 * Before exec, PRE_N mallocs of PRE_SIZE (freed). Exit status: the child's (fork, spawn), PROG's (the
 * others).
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PRE_N 40
#define PRE_SIZE 6001

__attribute__((noinline)) static void use(void *p, size_t n)
{
	if (p)
		memset(p, 1, n < 32 ? n : 32);
	__asm__ volatile("" : : "r"(p) : "memory");
}

extern char **environ;

static void before_exec(void)
{
	for (int i = 0; i < PRE_N; i++) {
		void *p = malloc(PRE_SIZE);
		use(p, PRE_SIZE);
		free(p);
	}
}

int main(int argc, char **argv)
{
	char *empty[] = {NULL}, **env = environ;

	if (argc < 3)
		return 2;
	fflush(stdout);
	char *dash = strrchr(argv[1], '-');
	if (dash && !strcmp(dash, "-empty")) {
		*dash = '\0';
		env = empty;
	} else if (dash && !strcmp(dash, "-null")) {
		*dash = '\0';
		env = NULL;
	}
	if (!strcmp(argv[1], "list") && argc == 5) {
		before_exec();
		execl(argv[2], argv[2], argv[3], argv[4], (char *)NULL);
		perror("execl");
		return 127;
	}
	if (!strcmp(argv[1], "spawn") || !strcmp(argv[1], "spawnp")) {
		pid_t pid;
		int status, rc = !strcmp(argv[1], "spawnp") ? posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2, env)
					    : posix_spawn(&pid, argv[2], NULL, NULL, argv + 2, env);
		if (rc)
			return 127;
		if (waitpid(pid, &status, 0) != pid)
			return 3;
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	if (!strcmp(argv[1], "execve") || !strcmp(argv[1], "execvp") || !strcmp(argv[1], "fexecve")) {
		before_exec();
		if (!strcmp(argv[1], "execve"))
			execve(argv[2], argv + 2, env);
		else if (!strcmp(argv[1], "execvp"))
			execvp(argv[2], argv + 2);
		else
			fexecve(open(argv[2], O_RDONLY | O_CLOEXEC), argv + 2, env);
		perror(argv[1]);
		return 127;
	}
	if (!strcmp(argv[1], "direct")) {
		before_exec();
		execv(argv[2], argv + 2);
		perror("execv");
		return 127;
	}
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		before_exec();
		execv(argv[2], argv + 2);
		perror("execv");
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 3;
	printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
