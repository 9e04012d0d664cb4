/* rec_told_to_stop.c: a worker told to stop as it leaves, as a process pool stops its workers.
 *
 *   rec_told_to_stop _exit|exit   fork a worker that keeps BLOCKS blocks of 32 bytes alive, says so
 *                                 through a pipe and leaves by _exit(0) or exit(0); 50 ms after its
 *                                 word the parent sends it SIGTERM, then prints how it ended:
 *                                 "worker: exit N" or "worker: signal N". Exit 0.
 *
 * Alone, the worker is gone long before the signal. python's multiprocessing pool does this: its
 * workers leave by os._exit when their queue ends, and the pool's terminate() sends each SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCKS 2000000

int main(int argc, char **argv)
{
	int fds[2];
	char c;

	if (argc != 2 || pipe(fds))
		return 2;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		void **keep = malloc(BLOCKS * sizeof(*keep));
		for (int i = 0; keep && i < BLOCKS; i++)
			keep[i] = malloc(32);
		if (write(fds[1], "x", 1) != 1)
			_exit(3);
		if (!strcmp(argv[1], "exit"))
			exit(0);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1)
		return 2;
	struct timespec delay = {0, 50000000};
	nanosleep(&delay, NULL);
	kill(pid, SIGTERM);
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 2;
	if (WIFEXITED(status))
		printf("worker: exit %d\n", WEXITSTATUS(status));
	else
		printf("worker: signal %d\n", WTERMSIG(status));
	return 0;
}
