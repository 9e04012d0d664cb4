/* rec_thread_churn.c: a thread per request, as servers start them: ROUNDS rounds of PER_ROUND
 * threads started and joined. A thread of an even round runs request_a, of an odd one request_b;
 * both call grab() from the same depth, and grab() calls malloc, so that their stacks differ only
 * in the frame that called grab(). request_a makes ALLOCS blocks of SIZE_A bytes, request_b of
 * SIZE_B, each freed at once. A new thread often runs on an ended thread's stack (glibc keeps them),
 * with the recorder's ring of that thread. Prints "churn ROUNDS*PER_ROUND".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 500
#define PER_ROUND 4
#define ALLOCS 50
#define SIZE_A 1111
#define SIZE_B 2222

__attribute__((noinline)) static void *grab(size_t size)
{
	char *volatile p = malloc(size);
	return p;
}

__attribute__((noinline)) static void *request_a(void *arg)
{
	for (int i = 0; i < ALLOCS; i++)
		free(grab(SIZE_A));
	return arg;
}

__attribute__((noinline)) static void *request_b(void *arg)
{
	for (int i = 0; i < ALLOCS; i++)
		free(grab(SIZE_B));
	return arg;
}

int main(void)
{
	for (int round = 0; round < ROUNDS; round++) {
		pthread_t t[PER_ROUND];
		for (int k = 0; k < PER_ROUND; k++)
			if (pthread_create(&t[k], NULL, round % 2 ? request_b : request_a, NULL))
				return 1;
		for (int k = 0; k < PER_ROUND; k++)
			pthread_join(t[k], NULL);
	}
	printf("churn %d\n", ROUNDS * PER_ROUND);
	return 0;
}
