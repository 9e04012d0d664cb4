/* bench_alloc_storm.c: the allocation storm of `make bench`: malloc/free of random small sizes.
 *
 * Each thread keeps a pool of 1024 live slots; each step frees a random slot and refills it with a
 * block of 16..272 bytes, from a call chain about ten frames deep (so stack capture has real work), or
 * with "flat" straight from the thread's loop: the fast storm, whose native pair costs a dozen
 * nanoseconds, the harshest ratio for a recorder.
 * Usage: bench_alloc_storm [steps per thread] [threads] [flat]
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 1024

struct pool {
	void *slot[SLOTS];
	uint64_t rng;
	uint64_t checksum;
};

static uint64_t next_random(struct pool *p)
{
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 7;
	p->rng ^= p->rng << 17;
	return p->rng;
}

/* Ten distinct frames: noinline keeps them real. */
#define LEVEL(n, next)                                                                                \
	__attribute__((noinline)) static void level##n(struct pool *p)                               \
	{                                                                                             \
		next(p);                                                                              \
		__asm__ volatile("" ::: "memory");                                                    \
	}

__attribute__((noinline)) static void step(struct pool *p)
{
	uint64_t r = next_random(p);
	unsigned i = r % SLOTS;
	size_t size = 16 + (r >> 20) % 257;

	free(p->slot[i]);
	char *b = malloc(size);
	b[0] = (char)r;
	p->checksum += (uintptr_t)b[0];
	p->slot[i] = b;
}

LEVEL(1, step)
LEVEL(2, level1)
LEVEL(3, level2)
LEVEL(4, level3)
LEVEL(5, level4)
LEVEL(6, level5)
LEVEL(7, level6)
LEVEL(8, level7)
LEVEL(9, level8)

static long steps = 2000000;
static int flat;

static void *run(void *arg)
{
	struct pool *p = arg;

	if (flat)
		for (long s = 0; s < steps; s++)
			step(p);
	else
		for (long s = 0; s < steps; s++)
			level9(p);
	for (unsigned i = 0; i < SLOTS; i++)
		free(p->slot[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = 1;

	if (argc > 1)
		steps = atol(argv[1]);
	if (argc > 2)
		threads = atoi(argv[2]);
	flat = argc > 3 && !strcmp(argv[3], "flat");
	if (steps <= 0 || threads <= 0 || threads > 64 || (argc > 3 && !flat)) {
		fprintf(stderr, "usage: bench_alloc_storm [steps] [threads] [flat]\n");
		return 2;
	}
	pthread_t tid[64];
	struct pool *pools = calloc((size_t)threads, sizeof(*pools));
	uint64_t sum = 0;
	for (int t = 0; t < threads; t++) {
		pools[t].rng = 0x9e3779b97f4a7c15ull + (uint64_t)t;
		pthread_create(&tid[t], NULL, run, &pools[t]);
	}
	for (int t = 0; t < threads; t++) {
		pthread_join(tid[t], NULL);
		sum += pools[t].checksum;
	}
	printf("%llu\n", (unsigned long long)sum);
	free(pools);
	return 0;
}
