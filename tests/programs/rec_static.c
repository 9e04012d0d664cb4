/* rec_static.c: a statically linked program (built with -static), which no loader preloads anything
 * into: what a recorded process may start (a Go tool, busybox). Prints "static N" for its argument N
 * and exits with it. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;

	printf("static %d\n", n);
	return n;
}
