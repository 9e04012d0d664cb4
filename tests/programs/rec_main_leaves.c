/* rec_main_leaves.c: the main thread leaves first, by pthread_exit, and the process ends when its
 * last thread does (glibc then calls exit(0)). main keeps MAIN_SIZE bytes and starts a worker, which
 * waits a moment (main is gone by then), makes WORKER_ALLOCS malloc/free pairs, keeps WORKER_SIZE
 * bytes and returns. Both kept blocks are held only by the stacks of threads that have ended:
 * definitely lost, as memcheck says. Prints "worker done"; exit status 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAIN_SIZE 444
#define WORKER_SIZE 555
#define WORKER_ALLOCS 1000

static void *worker(void *arg)
{
	usleep(50000);
	for (int i = 0; i < WORKER_ALLOCS; i++) {
		char *volatile p = malloc(77);
		free(p);
	}
	char *volatile kept = malloc(WORKER_SIZE);
	(void)kept;
	printf("worker done\n");
	return arg;
}

int main(void)
{
	pthread_t t;
	char *volatile kept = malloc(MAIN_SIZE);

	(void)kept;
	if (pthread_create(&t, NULL, worker, NULL))
		return 1;
	pthread_exit(NULL);
}
