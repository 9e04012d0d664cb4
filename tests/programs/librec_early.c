/* librec_early.c: a library whose constructor allocates EARLY_N blocks of EARLY_SIZE bytes before any
 * constructor of a preloaded library runs (a needed library's constructors run first), and frees one
 * in every other; rec_early frees the rest. */
#include <stdlib.h>

#define EARLY_N 1000
#define EARLY_SIZE 777

static void *blocks[EARLY_N];

__attribute__((constructor)) static void librec_early_init(void)
{
	for (int i = 0; i < EARLY_N; i++)
		blocks[i] = malloc(EARLY_SIZE);
	for (int i = 0; i < EARLY_N; i += 2) {
		free(blocks[i]);
		blocks[i] = NULL;
	}
}

void librec_early_release(void);
void librec_early_release(void)
{
	for (int i = 0; i < EARLY_N; i++)
		free(blocks[i]);
}
