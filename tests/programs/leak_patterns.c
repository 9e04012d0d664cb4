/* leak_patterns.c: known leaks of every kind memcheck tells apart, for the leak-classification test.
 *
 * At exit, in the main process (tests/integration/test_leaks.py holds the same numbers):
 *   definitely lost  635 bytes in 8 blocks   5 x 100 direct, a 32-byte list head, a 48-byte tree root,
 *                                            55 bytes lost by a thread that has exited
 *   indirectly lost  272 bytes in 9 blocks   the list's other 3 nodes (96), the tree's 6 nodes (176)
 *   possibly lost     64 bytes in 1 block    kept only through a pointer 16 bytes inside it
 *   still reachable  577 bytes in 3 blocks   from a global (200), the main thread's TLS (300), and the
 *                                            stack of a thread still blocked at exit (77)
 * With "fork" as argv[1], a child process forked once all of that is built starts with every one of
 * those blocks (its parent's heap), leaks 123 bytes more and exits: definitely lost 758 bytes in 9
 * blocks, the rest as above (the blocked thread did not come through the fork, but its stack did:
 * memcheck reads it, so its 77 bytes are still reachable in the child too).
 * Each pattern is built in its own function so that no stale pointer survives in main's frame.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct node {
	struct node *next;
	char pad[24];
};

struct tree {
	struct tree *left, *right;
	char pad[8];
};

static void *volatile global_keep;
static char *volatile interior;
static __thread void *volatile tls_keep;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int blocked;

__attribute__((noinline)) static void direct_leaks(void)
{
	for (int i = 0; i < 5; i++) {
		char *volatile p = malloc(100);
		memset(p, 1, 100);
	}
}

__attribute__((noinline)) static void list_dropped_at_head(void)
{
	struct node *head = NULL;

	for (int i = 0; i < 4; i++) {
		struct node *n = calloc(1, sizeof(*n));
		n->next = head;
		head = n;
	}
	__asm__ volatile("" : : "r"(head) : "memory");
}

__attribute__((noinline)) static struct tree *tree_node(size_t size, struct tree *l, struct tree *r)
{
	struct tree *t = calloc(1, size);
	t->left = l;
	t->right = r;
	return t;
}

__attribute__((noinline)) static void tree_dropped_at_root(void)
{
	struct tree *a = tree_node(40, tree_node(24, 0, 0), tree_node(24, 0, 0));
	struct tree *b = tree_node(40, tree_node(24, 0, 0), tree_node(24, 0, 0));
	struct tree *root = tree_node(48, a, b);
	__asm__ volatile("" : : "r"(root) : "memory");
}

__attribute__((noinline)) static void kept_alive(void)
{
	global_keep = malloc(200);
	tls_keep = malloc(300);
	interior = (char *)malloc(64) + 16;
}

static void *leaker(void *arg)
{
	char *volatile p = malloc(55);
	(void)arg;
	p[0] = 1;
	return NULL;
}

static void *holder(void *arg)
{
	void *volatile mine = malloc(77);
	(void)arg;
	pthread_mutex_lock(&lock);
	blocked = 1;
	pthread_cond_signal(&cond);
	while (mine)
		pthread_cond_wait(&cond, &lock); /* never signalled again: blocked at exit */
	pthread_mutex_unlock(&lock);
	return NULL;
}

__attribute__((noinline)) static void child_leak(void)
{
	char *volatile p = malloc(123);
	p[0] = 1;
}

/* Overwrites the stack below main's frame, where the patterns' frames were. */
__attribute__((noinline)) static void scrub_stack(void)
{
	volatile char area[16384];
	memset((char *)area, 0, sizeof(area));
}

int main(int argc, char **argv)
{
	pthread_t t;

	direct_leaks();
	list_dropped_at_head();
	tree_dropped_at_root();
	kept_alive();
	pthread_create(&t, NULL, leaker, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, holder, NULL);
	pthread_mutex_lock(&lock);
	while (!blocked)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	if (argc > 1 && !strcmp(argv[1], "fork")) {
		pid_t pid = fork();
		if (pid == 0) {
			child_leak();
			exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	scrub_stack();
	printf("done\n");
	return 0;
}
