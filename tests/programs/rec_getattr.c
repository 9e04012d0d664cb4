/* rec_getattr.c: asks pthread for its own stack first thing, in main and in a second thread, as the
 * Rust runtime and the JVM do at start. glibc holds the thread's lock while it allocates there, so a
 * recorder that asks the same inside its first event waits on itself.
 *
 * Prints "main stack ok", "thread stack ok" and "allocated N"; exit 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define N 1000
#define SIZE 72

static int stack_known(void)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;

	if (pthread_getattr_np(pthread_self(), &attr))
		return 0;
	int ok = pthread_attr_getstack(&attr, &addr, &size) == 0 && size > 0;
	pthread_attr_destroy(&attr);
	return ok;
}

static void *thread_main(void *arg)
{
	(void)arg;
	return (void *)(long)stack_known();
}

int main(void)
{
	int main_ok = stack_known();
	pthread_t t;
	void *thread_ok = NULL;

	if (pthread_create(&t, NULL, thread_main, NULL) || pthread_join(t, &thread_ok))
		return 1;
	printf("main stack %s\nthread stack %s\n", main_ok ? "ok" : "unknown", thread_ok ? "ok" : "unknown");
	void *volatile keep[N];
	for (int i = 0; i < N; i++)
		keep[i] = malloc(SIZE);
	for (int i = 0; i < N; i++)
		free(keep[i]);
	printf("allocated %d\n", N);
	return 0;
}
