/* leak_shapes.c: one leak shape per run (argv[1]), for comparing hookprof's leak kinds with memcheck's.
 *
 * tests/integration/test_leak_shapes.py runs each shape under hookprof and under valgrind and wants
 * the four totals equal; the numbers it also checks are in each shape's comment. Every shape builds
 * its blocks in functions of their own and scrubs the stack afterwards, so that no stale copy of a
 * pointer survives where memcheck would not look either.
 */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#define NOINLINE __attribute__((noinline))

static void *volatile keep[8];
static uintptr_t volatile tagged_global;
static __thread void *volatile tls_keep;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready;

/* Overwrites the stack below the caller, where the shapes' frames were. */
static NOINLINE void scrub_stack(void)
{
	volatile char area[32768];
	memset((char *)area, 0, sizeof(area));
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		abort();
	memset(p, 0x11, n);
	return p;
}

/* mmap_pool: a pool the program mapped holds 5 blocks of 48 (reachable); a second pool held 3
 * blocks of 64 and was unmapped (definitely lost). */
static NOINLINE void mmap_pool(void)
{
	void **pool = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void **gone = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 5; i++)
		pool[100 * i] = xmalloc(48);
	for (int i = 0; i < 3; i++)
		gone[i] = xmalloc(64);
	munmap(gone, 1 << 16);
	keep[0] = pool;
}

/* shared_map: a shared anonymous mapping (rw-s) holds 2 blocks of 72 (reachable). */
static NOINLINE void shared_map(void)
{
	void **m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	m[3] = xmalloc(72);
	m[700] = xmalloc(72);
	keep[0] = m;
}

/* tagged: p|1 in a global and q|2 inside a reachable block: 40 + 56 bytes possibly lost, the
 * holder (16) reachable. */
static NOINLINE void tagged(void)
{
	uintptr_t *holder = xmalloc(16);
	tagged_global = (uintptr_t)xmalloc(40) | 1;
	holder[1] = (uintptr_t)xmalloc(56) | 2;
	keep[0] = holder;
}

/* arena_bookkeeping: glibc's main_arena (top, fastbins) points into live blocks: 20 blocks of 40
 * with every other one freed (7 go to the thread cache, 3 to a fastbin of main_arena), the other
 * 10 dropped, then a block of 4088 taken from the top chunk, dropped: all 10 x 40 + 4088 definitely
 * lost. */
static NOINLINE void arena_bookkeeping(void)
{
	void *b[20];
	for (int i = 0; i < 20; i++)
		b[i] = xmalloc(40);
	for (int i = 0; i < 20; i += 2)
		free(b[i]);
	void *volatile last = xmalloc(4088);
	(void)last;
	memset(b, 0, sizeof(b));
}

/* thread_arena: a thread (its own arena) leaks 100 bytes (definitely lost) and keeps 200 in a global
 * (reachable), then exits. */
static NOINLINE void arena_leak(void)
{
	void *volatile p = xmalloc(100);
	(void)p;
	keep[0] = xmalloc(200);
}

static void *arena_thread(void *arg)
{
	(void)arg;
	arena_leak();
	scrub_stack();
	return NULL;
}

static NOINLINE void thread_arena(void)
{
	pthread_t t;
	pthread_create(&t, NULL, arena_thread, NULL);
	pthread_join(t, NULL);
}

/* cycle: two blocks of 32 pointing at each other, dropped (32 definite, 32 indirect); two of 48
 * pointing at each other, one kept by a global (96 reachable). */
static NOINLINE void cycle(void)
{
	void **a = xmalloc(32), **b = xmalloc(32), **c = xmalloc(48), **d = xmalloc(48);
	a[0] = b;
	b[0] = a;
	c[0] = d;
	d[0] = c;
	keep[0] = c;
}

/* list: 10 nodes of 24, dropped at the head (24 definite, 216 indirect). tree: 7 nodes of 32
 * (a root, two children, four grandchildren) dropped (32 definite, 192 indirect). */
static NOINLINE void list(void)
{
	void **head = NULL;
	for (int i = 0; i < 10; i++) {
		void **n = xmalloc(24);
		n[0] = head;
		head = n;
	}
	__asm__ volatile("" : : "r"(head) : "memory");
}

static NOINLINE void **node(void **l, void **r)
{
	void **n = xmalloc(32);
	n[0] = l;
	n[1] = r;
	return n;
}

static NOINLINE void tree(void)
{
	void **root = node(node(node(0, 0), node(0, 0)), node(node(0, 0), node(0, 0)));
	__asm__ volatile("" : : "r"(root) : "memory");
}

/* interior_chain: a global points 8 bytes into A (40 bytes, first word 7: no heuristic applies), A
 * points at B's start (24), B 16 bytes into C (48): all three possibly lost. length64: a global
 * points 8 bytes into a block of 48 whose first word is 40 (reachable by heuristic). */
static NOINLINE void interior_chain(void)
{
	uint64_t *a = xmalloc(40), *b = xmalloc(24), *c = xmalloc(48);
	a[0] = 7;
	a[1] = (uintptr_t)b;
	b[0] = (uintptr_t)c + 16;
	keep[0] = (char *)a + 8;
	uint64_t *l = xmalloc(48);
	l[0] = 40;
	keep[1] = l + 1;
}

/* memalign: a posix_memalign'd holder (64-aligned, 128) of two children of 24, dropped (128
 * definite, 48 indirect); an aligned_alloc'd holder (256-aligned, 512) of one child of 24 kept by a
 * global (536 reachable); a memalign'd block (4096-aligned, 100) dropped (definite). */
static NOINLINE void memalign_holders(void)
{
	void **h1, **h2;
	if (posix_memalign((void **)&h1, 64, 128))
		abort();
	h1[0] = xmalloc(24);
	h1[5] = xmalloc(24);
	h2 = aligned_alloc(256, 512);
	memset(h2, 0, 512);
	h2[9] = xmalloc(24);
	keep[0] = h2;
	void *volatile m = memalign(4096, 100);
	memset(m, 0, 100);
}

/* detached: a detached thread leaks 33 bytes and ends (definitely lost); another keeps 77 bytes on
 * its stack and is still waiting at exit (reachable). */
static NOINLINE void detached_leak(void)
{
	void *volatile p = xmalloc(33);
	(void)p;
}

static void *detached_ends(void *arg)
{
	(void)arg;
	detached_leak();
	scrub_stack();
	pthread_mutex_lock(&lock);
	ready++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *waits_forever(void *arg)
{
	void *volatile mine = xmalloc(77);
	(void)arg;
	pthread_mutex_lock(&lock);
	ready++;
	pthread_cond_broadcast(&cond);
	while (mine)
		pthread_cond_wait(&cond, &lock); /* never signalled for it: waiting at exit */
	pthread_mutex_unlock(&lock);
	return NULL;
}

static size_t threads_now(void)
{
	size_t n = 0;
	DIR *d = opendir("/proc/self/task");
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void start_detached(void *(*fn)(void *), int want_ready)
{
	pthread_attr_t a;
	pthread_t t;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_create(&t, &a, fn, NULL);
	pthread_attr_destroy(&a);
	pthread_mutex_lock(&lock);
	while (ready < want_ready)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
}

static NOINLINE void detached(void)
{
	size_t before = threads_now();
	start_detached(detached_ends, 1);
	/* Deterministic end state: the first thread is gone before the scan. */
	while (threads_now() > before) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	start_detached(waits_forever, 2);
}

/* tls: the main thread's TLS keeps 300 bytes, a waiting thread's TLS 310 (reachable); a thread that
 * ended kept 320 in its TLS (definitely lost). */
static void *tls_ends(void *arg)
{
	(void)arg;
	tls_keep = xmalloc(320);
	return NULL;
}

static void *tls_waits(void *arg)
{
	(void)arg;
	tls_keep = xmalloc(310);
	pthread_mutex_lock(&lock);
	ready++;
	pthread_cond_broadcast(&cond);
	for (;;)
		pthread_cond_wait(&cond, &lock);
	return NULL;
}

static NOINLINE void tls(void)
{
	pthread_t t;
	tls_keep = xmalloc(300);
	pthread_create(&t, NULL, tls_ends, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, tls_waits, NULL);
	pthread_mutex_lock(&lock);
	while (ready < 1)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
}

/* _exit: 50 and 70 bytes dropped (definitely lost), 60 kept by a global (reachable), then _exit(0).
 * exec: the same, then exec of argv[2...]: this process ended by exec, nothing leaked. */
static NOINLINE void before_end(void)
{
	void *volatile p = xmalloc(50);
	(void)p;
	keep[0] = xmalloc(60);
	p = xmalloc(70);
}

static const struct {
	const char *name;
	void (*fn)(void);
} shapes[] = {
	{"mmap_pool", mmap_pool},	{"shared_map", shared_map},   {"tagged", tagged},
	{"arena_bookkeeping", arena_bookkeeping}, {"thread_arena", thread_arena}, {"cycle", cycle},
	{"list", list},		{"tree", tree},		{"interior_chain", interior_chain},
	{"memalign", memalign_holders}, {"detached", detached},	{"tls", tls},
};

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "_exit")) {
		before_end();
		scrub_stack();
		_exit(0);
	}
	if (argc > 2 && !strcmp(argv[1], "exec")) {
		before_end();
		execv(argv[2], argv + 2);
		return 127;
	}
	for (size_t i = 0; argc > 1 && i < sizeof(shapes) / sizeof(shapes[0]); i++)
		if (!strcmp(argv[1], shapes[i].name)) {
			shapes[i].fn();
			scrub_stack();
			return 0;
		}
	fprintf(stderr, "usage: leak_shapes SHAPE\n");
	return 2;
}
