/* rec_stacks.c: one malloc of DEEP_SIZE made five calls deep: main -> level1 -> ... -> level5 -> malloc,
 * and one malloc of SHALLOW_SIZE from main. Each level does work after its call so that no call is a
 * tail call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEEP_SIZE 9001
#define SHALLOW_SIZE 9002

static volatile int after;
void *level1(int), *level2(int), *level3(int), *level4(int), *level5(int);

__attribute__((noinline)) void *level5(int n)
{
	void *p = malloc(DEEP_SIZE + n);
	if (p)
		memset(p, 0, 16);
	after++;
	return p;
}

__attribute__((noinline)) void *level4(int n)
{
	void *p = level5(n);
	after++;
	return p;
}

__attribute__((noinline)) void *level3(int n)
{
	void *p = level4(n);
	after++;
	return p;
}

__attribute__((noinline)) void *level2(int n)
{
	void *p = level3(n);
	after++;
	return p;
}

__attribute__((noinline)) void *level1(int n)
{
	void *p = level2(n);
	after++;
	return p;
}

int main(void)
{
	void *p = level1(0);
	void *q = malloc(SHALLOW_SIZE);
	if (q)
		memset(q, 0, 16);
	__asm__ volatile("" : : "r"(p), "r"(q) : "memory");
	free(p);
	free(q);
	printf("levels %d\n", after);
	return 0;
}
