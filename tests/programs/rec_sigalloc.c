/* rec_sigalloc.c: a signal handler that allocates while the main loop allocates.
 *
 * A timer (ITIMER_REAL, every 200 us) raises SIGALRM during LOOP iterations of malloc(MAIN_SIZE)/free.
 * The handler does malloc(HANDLER_SIZE)/free. Both sizes stay in glibc's per-thread cache, warmed up
 * before the timer starts, so that glibc itself never takes a lock in the handler. stdout: "done"; stderr:
 * "handler N" (N = handler runs, not known in advance). Exit 0.
 *
 * With the argument "new-stacks" the timer fires every 50 us and the main loop reaches malloc through a
 * chain of 1 to 16 calls of two kinds chosen by the bits of the iteration: new stacks keep coming, so
 * the handler keeps interrupting unwinds and the writing of STACK records, not only events.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define LOOP 300000
#define MAIN_SIZE 48
#define HANDLER_SIZE 560

static volatile sig_atomic_t runs;

__attribute__((noinline)) static void use(void *p, size_t n)
{
	if (p)
		memset(p, 1, n < 16 ? n : 16);
	__asm__ volatile("" : : "r"(p) : "memory");
}

__attribute__((noinline)) static void *left(int depth, unsigned bits);
__attribute__((noinline)) static void *right(int depth, unsigned bits);

/* Through `depth` more calls, left or right by each bit, then malloc. */
static void *chain(int depth, unsigned bits)
{
	if (!depth)
		return malloc(MAIN_SIZE);
	return bits & 1 ? left(depth - 1, bits >> 1) : right(depth - 1, bits >> 1);
}

__attribute__((noinline)) static void *left(int depth, unsigned bits)
{
	void *p = chain(depth, bits);
	__asm__ volatile("" : : "r"(p) : "memory"); /* no tail call: each level keeps its frame */
	return p;
}

__attribute__((noinline)) static void *right(int depth, unsigned bits)
{
	void *p = chain(depth, bits);
	__asm__ volatile("" : "+r"(p) : : "memory");
	return p;
}

static void on_alarm(int sig)
{
	(void)sig;
	void *p = malloc(HANDLER_SIZE);
	use(p, HANDLER_SIZE);
	free(p);
	runs++;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
	struct itimerval on = {{0, 200}, {0, 200}}, off = {{0, 0}, {0, 0}};
	int new_stacks = argc > 1 && !strcmp(argv[1], "new-stacks");

	if (new_stacks)
		on = (struct itimerval){{0, 50}, {0, 50}};
	for (int i = 0; i < 2; i++) { /* warm-up: both sizes cached, stacks known */
		void *a = malloc(MAIN_SIZE), *b = malloc(HANDLER_SIZE);
		use(a, MAIN_SIZE);
		use(b, HANDLER_SIZE);
		free(a);
		free(b);
	}
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &on, NULL))
		return 1;
	for (int i = 0; i < LOOP; i++) {
		void *p = new_stacks ? chain(1 + i % 16, (unsigned)i / 16) : malloc(MAIN_SIZE);
		use(p, MAIN_SIZE);
		free(p);
	}
	setitimer(ITIMER_REAL, &off, NULL);
	fprintf(stderr, "handler %d\n", (int)runs);
	printf("done\n");
	return 0;
}
