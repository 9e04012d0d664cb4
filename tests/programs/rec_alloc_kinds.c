/* rec_alloc_kinds.c: every allocation function of the malloc family, LOOPS times, then each failure once.
 *
 * Between two marker allocations (malloc(MARK_BEGIN), malloc(MARK_END), each freed at once) the main
 * thread makes exactly the calls listed in tests/integration/test_recorder.py. stdout holds only return
 * codes and errno values (no addresses), so it is identical with and without the recorder.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A failed realloc leaves the block valid: using it afterwards is right. */
#pragma GCC diagnostic ignored "-Wuse-after-free"

#define LOOPS 10
#define MARK_BEGIN 7770001
#define MARK_END 7770002

/* Opaque to the optimiser: every allocation really happens and its block is used. */
__attribute__((noinline)) static void use(void *p, size_t n)
{
	if (p && n)
		memset(p, 0x5a, n < 64 ? n : 64);
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* A marker: one malloc of a size nothing else uses, freed at once. */
static void marker(size_t size)
{
	void *p = malloc(size);
	use(p, 1);
	free(p);
}

static void *volatile nothing = NULL; /* realloc(NULL, n) that GCC cannot turn into malloc(n) */
static volatile size_t huge = SIZE_MAX; /* sizes the compiler cannot see */
static volatile size_t half = SIZE_MAX / 2 + 1;

static char results[4096];
static size_t rlen;

static void note(const char *what, int ok, int err)
{
	rlen += (size_t)snprintf(results + rlen, sizeof(results) - rlen, "%s ok=%d errno=%d\n", what, ok, err);
}

int main(void)
{
	int rc;

	printf("rec_alloc_kinds\n"); /* stdio's buffer is allocated here, before the markers */
	fflush(stdout);
	marker(MARK_BEGIN);

	for (int i = 0; i < LOOPS; i++) {
		errno = 4242;
		char *p = malloc(100 + i);
		use(p, 100 + i);
		char *q = calloc(7, 13);
		use(q, 91);
		p = realloc(p, 1000 + i); /* grow */
		use(p, 1000 + i);
		p = realloc(p, 10); /* shrink */
		use(p, 10);
		char *r = realloc(nothing, 200);
		use(r, 200);
		r = realloc(r, 0); /* glibc: frees r, returns NULL */
		use(r, 0);
		char *s = reallocarray(nothing, 5, 24);
		use(s, 120);
		s = reallocarray(s, 10, 24);
		use(s, 240);
		void *a = NULL;
		rc = posix_memalign(&a, 64, 300);
		use(a, 300);
		void *b = aligned_alloc(128, 256);
		use(b, 256);
		void *c = memalign(32, 50);
		use(c, 50);
		void *d = valloc(70);
		use(d, 70);
		void *e = pvalloc(80);
		use(e, 80);
		if (i == 0)
			note("successes", p && q && !r && s && !rc && a && b && c && d && e, errno);
		free(p);
		free(q);
		free(s);
		free(a);
		free(b);
		free(c);
		free(d);
		free(e);
		free(NULL); /* not recorded */
	}

	/* Failures: each once, with errno preset so that a recorder which changed it would show. */
	void *keep = malloc(64);
	use(keep, 64);
	void *x;
	errno = 0;
	x = malloc(huge);
	note("malloc(SIZE_MAX)", x != NULL, errno);
	errno = 0;
	x = calloc(half, 2);
	note("calloc(overflow)", x != NULL, errno);
	errno = 0;
	x = realloc(keep, huge);
	note("realloc(p,SIZE_MAX)", x != NULL, errno);
	errno = 0;
	x = reallocarray(keep, half, 2);
	note("reallocarray(p,overflow)", x != NULL, errno);
	errno = 777;
	x = NULL;
	rc = posix_memalign(&x, 3, 16);
	note("posix_memalign(3,16)", rc, errno);
	errno = 778;
	rc = posix_memalign(&x, 64, huge);
	note("posix_memalign(64,SIZE_MAX)", rc, errno);
	errno = 0;
	x = aligned_alloc(64, huge);
	note("aligned_alloc(64,SIZE_MAX)", x != NULL, errno);
	errno = 0;
	x = memalign(64, huge);
	note("memalign(64,SIZE_MAX)", x != NULL, errno);
	errno = 0;
	x = valloc(huge);
	note("valloc(SIZE_MAX)", x != NULL, errno);
	errno = 0;
	x = pvalloc(huge);
	note("pvalloc(SIZE_MAX)", x != NULL, errno);
	free(keep);

	marker(MARK_END);
	fputs(results, stdout);
	return 0;
}
