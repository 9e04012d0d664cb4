/* rec_threads.c: THREADS threads, thread i makes ALLOCS(i) mallocs of SIZE(i) bytes and frees each.
 *
 *   rec_threads [TIDFILE]   with TIDFILE, each thread writes "SIZE TID" there (stdout stays the same)
 *
 * Half of the blocks are freed at once, the other half kept in an array and freed at the end, so that
 * frees pair with allocations made earlier and not only with the previous one.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 8
#define ALLOCS(i) (2000 + 100 * (i))
#define SIZE(i) (3000 + (i))

static FILE *tidfile;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start;

__attribute__((noinline)) static void use(void *p, size_t n)
{
	if (p)
		memset(p, 1, n < 32 ? n : 32);
	__asm__ volatile("" : : "r"(p) : "memory");
}

static void *worker(void *arg)
{
	int i = (int)(long)arg, n = ALLOCS(i);
	void **kept = calloc((size_t)n, sizeof(void *)); /* calloc: not a malloc of SIZE(i) */

	if (tidfile) {
		pthread_mutex_lock(&lock);
		fprintf(tidfile, "%d %d\n", SIZE(i), (int)gettid());
		pthread_mutex_unlock(&lock);
	}
	pthread_barrier_wait(&start); /* all threads allocate at once */
	for (int k = 0; k < n; k++) {
		void *p = malloc(SIZE(i));
		use(p, SIZE(i));
		if (k % 2)
			free(p);
		else
			kept[k] = p;
	}
	for (int k = 0; k < n; k += 2)
		free(kept[k]);
	free(kept);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[THREADS];

	static char tidbuf[4096]; /* stdio would malloc its buffer in the first thread that writes */

	if (argc > 1 && !(tidfile = fopen(argv[1], "w")))
		return 2;
	if (tidfile)
		setvbuf(tidfile, tidbuf, _IOFBF, sizeof(tidbuf));
	pthread_barrier_init(&start, NULL, THREADS);
	for (long i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i))
			return 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	if (tidfile)
		fclose(tidfile);
	printf("%d threads done\n", THREADS);
	return 0;
}
