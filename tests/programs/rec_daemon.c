/* rec_daemon.c: a child that becomes a daemon, as servers do (tmux, sshd): the program forks, its child
 * calls daemon(), whose parent leaves by libc's own _exit and whose child runs on after the program
 * ended. The daemon writes its pid to PIDFILE, waits until DONEFILE exists (at most 10 s), makes
 * DAEMON_ALLOCS allocations of 100 bytes, frees all but one, and exits. The program waits for its
 * child only. Usage: rec_daemon PIDFILE DONEFILE (both absolute: the daemon's output goes to /dev/null) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define DAEMON_ALLOCS 50

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	pid_t child = fork();
	if (child == 0) {
		if (daemon(1, 0)) /* its output to /dev/null: the launcher's pipes close with the program */
			_exit(1);
		FILE *f = fopen(argv[1], "w");
		if (!f)
			exit(1);
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
		for (int i = 0; i < 1000 && access(argv[2], F_OK); i++)
			usleep(10000);
		void *kept = NULL;
		for (int i = 0; i < DAEMON_ALLOCS; i++) {
			void *p = malloc(100);
			if (i == 0)
				kept = p;
			else
				free(p);
		}
		exit(kept == NULL);
	}
	int status;
	waitpid(child, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
