/* rec_stack_paths.c: the same call sites reached by many paths, over and over, so that every stack the
 * recorder reuses from its per-thread cache (preload/stack_cache.h) can be checked against an unwind.
 *
 * Paths: recursion of varying depth down to one malloc; twin callers of identical code (so the leaf's
 * stack pointer and return address agree while the stacks differ); alloca of varying size above a
 * malloc; a signal handler on an alternate stack that allocates; and a second thread doing the same.
 * Each allocation's size names its path (see the defines). Usage: rec_stack_paths [rounds]
 */
#include <alloca.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECURSE_SIZE 1000 /* + depth */
#define TWIN_A_SIZE 2001
#define TWIN_B_SIZE 2002
#define ALLOCA_SIZE 3000 /* + alloca'd bytes / 16 */
#define HANDLER_SIZE 4001

static volatile int sink;

__attribute__((noinline)) static void *leaf(size_t size)
{
	void *p = malloc(size);
	sink++;
	return p;
}

__attribute__((noinline)) static void recurse(int depth, int at)
{
	if (at == depth) {
		free(leaf(RECURSE_SIZE + (size_t)depth));
	} else {
		recurse(depth, at + 1);
	}
	sink++;
}

/* Two functions with the same code: leaf's frame sits at the same place under either. */
__attribute__((noinline)) static void twin_a(size_t size)
{
	free(leaf(size));
	sink++;
}

__attribute__((noinline)) static void twin_b(size_t size)
{
	free(leaf(size));
	sink++;
}

__attribute__((noinline)) static void with_alloca(size_t n)
{
	char *buf = alloca(n);
	memset(buf, 1, n);
	free(leaf(ALLOCA_SIZE + n / 16));
	sink += buf[n - 1];
}

static void on_signal(int sig)
{
	(void)sig;
	free(leaf(HANDLER_SIZE));
}

static void *run(void *arg)
{
	int rounds = *(int *)arg;

	for (int i = 0; i < rounds; i++) {
		recurse(1 + i % 7, 0);
		recurse(1 + (i * 3) % 5, 0);
		if (i % 2)
			twin_a(TWIN_A_SIZE);
		else
			twin_b(TWIN_B_SIZE);
		twin_a(TWIN_A_SIZE);
		with_alloca(16 * (size_t)(1 + i % 4));
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 200;
	static char altstack[1 << 16];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_ONSTACK};
	pthread_t t;

	sigaltstack(&ss, NULL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	for (int i = 0; i < 3; i++)
		raise(SIGUSR1);
	pthread_create(&t, NULL, run, &rounds);
	pthread_join(t, NULL);
	run(&rounds);
	printf("%d\n", sink);
	return 0;
}
