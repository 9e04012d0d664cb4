/* rec_handoff.c: a main thread hands buffers to a worker that frees them, a few at a time, as node.js
 * hands its I/O buffers to a worker thread: the two trade the same few addresses thousands of times
 * a millisecond, within one epoch of the recorder (docs/trace-format.md, "Epochs").
 *
 *   rec_handoff [ROUNDS]   prints "allocs N frees M": what it did, for the test to compare
 *
 * Each round main allocates SLOTS buffers of 4112 bytes, frees one of them itself and passes the
 * rest through a ring of slots; the worker frees what it takes. glibc gives the freed addresses back
 * to main's next allocations, so every address is handed out and freed by both threads in turn.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 8
#define SIZE 4112

static _Atomic(void *) ring[SLOTS];
static atomic_bool done;
static atomic_long worker_frees;

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		bool any = false;
		for (int i = 0; i < SLOTS; i++) {
			void *p = atomic_exchange(&ring[i], NULL);
			if (p) {
				free(p);
				atomic_fetch_add(&worker_frees, 1);
				any = true;
			}
		}
		if (!any && atomic_load(&done))
			return NULL;
	}
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 20000, allocs = 0, frees = 0;
	pthread_t t;

	if (pthread_create(&t, NULL, worker, NULL))
		return 1;
	for (long r = 0; r < rounds; r++) {
		void *mine[SLOTS];
		for (int i = 0; i < SLOTS; i++) {
			mine[i] = malloc(SIZE);
			if (!mine[i])
				return 1;
			memset(mine[i], (int)r, 16);
			allocs++;
		}
		free(mine[r % SLOTS]); /* one of its own, as node frees some buffers itself */
		frees++;
		for (int i = 0; i < SLOTS; i++) {
			if (i == r % SLOTS)
				continue;
			void *expected = NULL;
			while (!atomic_compare_exchange_weak(&ring[i], &expected, mine[i]))
				expected = NULL; /* the worker has not taken the last one yet */
		}
	}
	atomic_store(&done, true);
	pthread_join(t, NULL);
	printf("allocs %ld frees %ld\n", allocs, frees + atomic_load(&worker_frees));
	return 0;
}
