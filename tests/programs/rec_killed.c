/* rec_killed.c: allocates BEFORE blocks, sleeps PAUSE_MS (the recorder writes what it has), allocates
 * AFTER more, then kills itself with SIGKILL. Every block is freed at once. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BEFORE 20000
#define AFTER 5000
#define SIZE 4321
#define PAUSE_MS 400

__attribute__((noinline)) static void use(void *p, size_t n)
{
	if (p)
		memset(p, 1, n < 16 ? n : 16);
	__asm__ volatile("" : : "r"(p) : "memory");
}

static void allocate(int n)
{
	for (int i = 0; i < n; i++) {
		void *p = malloc(SIZE);
		use(p, SIZE);
		free(p);
	}
}

int main(void)
{
	struct timespec pause = {PAUSE_MS / 1000, (PAUSE_MS % 1000) * 1000000L};

	allocate(BEFORE);
	nanosleep(&pause, NULL);
	allocate(AFTER);
	raise(SIGKILL);
	return 1;
}
