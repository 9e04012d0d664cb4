/* scan_threads.c: threads a leak scan must not drop, and a program that uses the scan's signal.
 *
 * Usage: scan_threads blocked | many N | own_handler | joined
 *   blocked      a thread that blocks every signal keeps 91 bytes on its stack while it waits: they
 *                are still reachable (its stack is read whole, conservatively)
 *   many N       N threads each keep 16 bytes on their stack: N x 16 still reachable
 *   own_handler  the program handles SIGRTMAX-3 itself and raises it once: its handler must run
 *                exactly once (it writes "handler" to stderr), never for the scan; a waiting thread
 *                keeps 91 bytes on its stack (reachable)
 *   joined       a thread holds the only pointer to 37 bytes on its stack and the only one to 41
 *                bytes in a __thread variable, ends and is joined: glibc keeps its mapping for reuse,
 *                and memcheck reads its static TLS, not its stack: the 37 bytes are definitely lost,
 *                the 41 still reachable
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready;

static void *holder(void *arg)
{
	void *volatile mine = malloc((size_t)(uintptr_t)arg);

	if (!mine)
		abort();
	pthread_mutex_lock(&lock);
	ready++;
	pthread_cond_broadcast(&cond);
	while (mine)
		pthread_cond_wait(&cond, &lock); /* never signalled for it: waiting at exit */
	pthread_mutex_unlock(&lock);
	return NULL;
}

static __thread void *volatile kept_in_tls; /* volatile: never read, its store would go */

static void *drops(void *arg)
{
	void *volatile mine = malloc((size_t)(uintptr_t)arg);

	kept_in_tls = malloc(41);
	return mine && kept_in_tls ? NULL : arg; /* the pointer is left on this stack only */
}

static void *blocks_all(void *arg)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	return holder(arg);
}

static void start(void *(*fn)(void *), size_t size, size_t stack)
{
	pthread_attr_t a;
	pthread_t t;

	pthread_attr_init(&a);
	if (stack)
		pthread_attr_setstacksize(&a, stack);
	if (pthread_create(&t, &a, fn, (void *)(uintptr_t)size)) {
		perror("pthread_create");
		exit(1);
	}
	pthread_attr_destroy(&a);
}

static void wait_ready(int n)
{
	pthread_mutex_lock(&lock);
	while (ready < n)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
}

static void on_signal(int sig)
{
	(void)sig;
	write(2, "handler\n", 8);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "blocked")) {
		start(blocks_all, 91, 0);
		wait_ready(1);
	} else if (argc > 2 && !strcmp(argv[1], "many")) {
		int n = atoi(argv[2]);
		for (int i = 0; i < n; i++)
			start(holder, 16, 65536);
		wait_ready(n);
	} else if (argc > 1 && !strcmp(argv[1], "own_handler")) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGRTMAX - 3, &sa, NULL);
		raise(SIGRTMAX - 3);
		start(holder, 91, 0);
		wait_ready(1);
	} else if (argc > 1 && !strcmp(argv[1], "joined")) {
		pthread_t t;
		if (pthread_create(&t, NULL, drops, (void *)(uintptr_t)37) || pthread_join(t, NULL))
			return 1;
	} else {
		fprintf(stderr, "usage: scan_threads blocked | many N | own_handler | joined\n");
		return 2;
	}
	return 0;
}
