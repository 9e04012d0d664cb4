/* bench_live_heap.c: a heap of N live blocks (default 1M) linked in a list, then exit: measures what
 * the leak scan at exit costs (`make bench`, docs/performance.md). Usage: bench_live_heap [N] [keep]
 * With "keep" the list stays reachable from a global; otherwise it is dropped (one definite leak,
 * the rest indirect).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node {
	struct node *next;
	char payload[24];
};

static struct node *volatile head;

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	struct node *list = NULL;

	for (long i = 0; i < n; i++) {
		struct node *x = malloc(sizeof(*x));
		x->next = list;
		list = x;
	}
	if (argc > 2 && !strcmp(argv[2], "keep"))
		head = list;
	printf("%ld\n", n);
	return 0;
}
