/* rec_churn.c: WORKERS threads allocate at full speed while a spawner creates and joins short-lived
 * threads one after another.
 *
 * Worker i: WORKER_N mallocs of WORKER_SIZE(i) bytes, each freed at once. Spawner: SHORT_THREADS
 * threads in sequence, each SHORT_N mallocs of SHORT_SIZE (freed) and gone. Exit 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORKERS 16
#define WORKER_N 20000
#define WORKER_SIZE(i) (2000 + 16 * (i))
#define SHORT_THREADS 300
#define SHORT_N 20
#define SHORT_SIZE 1999

__attribute__((noinline)) static void use(void *p, size_t n)
{
	if (p)
		memset(p, 1, n < 16 ? n : 16);
	__asm__ volatile("" : : "r"(p) : "memory");
}

static void *worker(void *arg)
{
	size_t size = WORKER_SIZE((int)(long)arg);

	for (int k = 0; k < WORKER_N; k++) {
		void *p = malloc(size);
		use(p, size);
		free(p);
	}
	return NULL;
}

static void *short_lived(void *arg)
{
	(void)arg;
	for (int k = 0; k < SHORT_N; k++) {
		void *p = malloc(SHORT_SIZE);
		use(p, SHORT_SIZE);
		free(p);
	}
	return NULL;
}

static void *spawner(void *arg)
{
	(void)arg;
	for (int k = 0; k < SHORT_THREADS; k++) {
		pthread_t t;
		if (pthread_create(&t, NULL, short_lived, NULL) || pthread_join(t, NULL))
			abort();
	}
	return NULL;
}

int main(void)
{
	pthread_t w[WORKERS], s;

	if (pthread_create(&s, NULL, spawner, NULL))
		return 1;
	for (long i = 0; i < WORKERS; i++)
		if (pthread_create(&w[i], NULL, worker, (void *)i))
			return 1;
	for (int i = 0; i < WORKERS; i++)
		pthread_join(w[i], NULL);
	pthread_join(s, NULL);
	printf("%d workers, %d short threads\n", WORKERS, SHORT_THREADS);
	return 0;
}
