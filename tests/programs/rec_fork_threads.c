/* rec_fork_threads.c: forks while other threads allocate and free, for test_process_habits.py.
 *
 * Three threads each keep 64 blocks, replacing a random one at every turn, until main has forked 100
 * times; each child allocates and frees one block of its own and ends (exit or _exit in turn). A
 * child's heap is its parent's at the fork: the threads' blocks, held on their stacks, which the child
 * keeps without the threads (memcheck reads those stacks: still reachable).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 3
#define SLOTS 64
#define FORKS 100

static volatile int stop;

static void *churn(void *arg)
{
	void *slot[SLOTS] = {0};
	unsigned r = (unsigned)(long)arg;

	while (!stop) {
		r = r * 1103515245u + 12345u;
		int i = (r >> 16) % SLOTS;
		free(slot[i]);
		slot[i] = malloc(16 + (r & 255));
	}
	for (int i = 0; i < SLOTS; i++)
		free(slot[i]);
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];

	for (long i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, churn, (void *)i))
			return 2;
	for (int k = 0; k < FORKS; k++) {
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0) {
			void *volatile own = malloc(100); /* volatile: the pair is not optimised away */
			free(own);
			if (k & 1)
				_exit(0);
			exit(0);
		}
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
	}
	stop = 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	puts("forked");
	return 0;
}
