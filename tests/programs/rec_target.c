/* rec_target.c: what other test programs exec, spawn or run through a shell.
 *
 *   rec_target SIZE N [STATUS]   N mallocs of SIZE bytes (each freed), prints "target SIZE N", exits STATUS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void use(void *p, size_t n)
{
	if (p)
		memset(p, 1, n < 32 ? n : 32);
	__asm__ volatile("" : : "r"(p) : "memory");
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	size_t size = strtoul(argv[1], NULL, 10);
	int n = atoi(argv[2]);
	for (int i = 0; i < n; i++) {
		void *p = malloc(size);
		use(p, size);
		free(p);
	}
	printf("target %zu %d\n", size, n);
	return argc > 3 ? atoi(argv[3]) : 0;
}
