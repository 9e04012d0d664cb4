/* rec_spawn.c: runs rec_target three ways: system(), popen() and posix_spawn().
 *
 *   rec_spawn TARGET    TARGET is the path of rec_target; each run gets its own size so that the
 *                       traces can be told apart: system 8101, popen 8102, posix_spawn 8103 (N each)
 * Prints what popen read and each child's exit status. Exit 0.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define N "13"

extern char **environ;

int main(int argc, char **argv)
{
	char cmd[4200], line[256];

	if (argc < 2)
		return 2;
	fflush(stdout);
	snprintf(cmd, sizeof(cmd), "'%s' 8101 " N " 0", argv[1]);
	int st = system(cmd);
	printf("system: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

	snprintf(cmd, sizeof(cmd), "'%s' 8102 " N " 0", argv[1]);
	FILE *f = popen(cmd, "r");
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		printf("popen read: %s", line);
	st = pclose(f);
	printf("popen: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

	pid_t pid;
	char *args[] = {argv[1], "8103", N, "0", NULL};
	fflush(stdout);
	if (posix_spawn(&pid, argv[1], NULL, NULL, args, environ))
		return 1;
	if (waitpid(pid, &st, 0) != pid)
		return 1;
	printf("posix_spawn: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
